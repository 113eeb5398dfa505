#!/bin/sh
# The circuit breaker of limits.suspend_after against the real daemon: off
# unless configured; N denials (policy, analyst) in the window suspend the
# executor (403 "suspended"), the consoles get an alert, the audit and
# /metrics record it, it survives a restart, and `executor resume` lifts it.
. "$(dirname "$0")/lib.sh"

write_config
adm init >/dev/null 2>&1
mkdir -p "$T/keys"
"$BIN/approvetui" keygen --out "$T/keys/bob.key" >/dev/null
adm analyst add bob --pubkey "$T/keys/bob.key.pub" --group soc >/dev/null
NOISY=$(new_executor noisy isolate_host refund)
PROBER=$(new_executor prober isolate_host refund)
OTHER=$(new_executor other refund)
start_daemon || { not_ok "daemon starts"; finish; exit 1; }

# submit TOKEN BODY: prints the HTTP status and the error code, if any.
submit() {
	TOKEN=$1 api POST /v1/requests "$2" > "$T/submit.out"
	"$PY" -c 'import json,sys
s,_,b=open(sys.argv[1]).read().partition(" ")
print(s, json.loads(b).get("error",{}).get("code",""))' "$T/submit.out"
}
DC='{"action":"isolate_host","target":"dc-01","justification":"probe"}'
BIG='{"action":"refund","target":"o-1","params":{"amount":20000},"justification":"probe"}'
SMALL='{"action":"refund","target":"o-2","params":{"amount":100},"justification":"fine"}'

# Off unless configured: five denials change nothing.
for i in 1 2 3 4 5; do submit "$NOISY" "$DC" >/dev/null; done
expect_eq "without suspend_after, denials never suspend" "200 " \
    "$(submit "$NOISY" "$SMALL")"

# Turn it on with a reload: 3 denials in 60 s.
sed 's/"max_timeout_s": 86400 }/"max_timeout_s": 86400, "suspend_after": { "denials": 3, "window_s": 60 } }/' \
    "$CFG" > "$CFG.new" && mv "$CFG.new" "$CFG"
kill -HUP "$DAEMON_PID"
i=0
while ! grep -q 'event=reloaded' "$T/daemon.log" && [ $i -lt 100 ]; do
	i=$((i + 1)); sleep 0.05
done

# A console that denies the probe it is shown and reports the alert.
"$PY" - "$URL" "$T/keys/bob.key" "$HERE" > "$T/alert.json" <<'PY' &
import asyncio, json, sys
sys.path.insert(0, sys.argv[3])
from console_client import Console, load_key
async def main():
    c = Console(sys.argv[1], "bob", load_key(sys.argv[2]))
    await c.login()
    m = await c.next_match(lambda m: m["type"] == "request" and
                           m["request"]["target"] == "ws-probe", "probe", 20)
    await c.decide(m["request"], "deny", "no reason to isolate")
    await c.answer(m["request"]["id"])
    print(json.dumps(await c.recv("alert", 20)))
    await c.close()
asyncio.run(main())
PY
CPID=$!
sleep 0.5
expect_eq "a policy denial: 200" "200 " "$(submit "$PROBER" "$DC")"
expect_eq "a second policy denial: 200" "200 " "$(submit "$PROBER" "$BIG")"
expect_eq "still not suspended: an allowed request goes through" "200 " \
    "$(submit "$PROBER" "$SMALL")"
expect_eq "a request for a human" "201 " "$(submit "$PROBER" \
    '{"action":"isolate_host","target":"ws-probe","justification":"probe"}')"
wait $CPID
expect_eq "the analyst denied it; the console got an alert" alert \
    "$(jget "$(cat "$T/alert.json")" type)"
expect_eq "the alert names the executor" prober \
    "$(jget "$(cat "$T/alert.json")" executor)"
expect_match "and says how to lift it" "approvald executor resume prober" \
    "$(jget "$(cat "$T/alert.json")" message)"

expect_eq "the third denial suspended it: 403 suspended" "403 suspended" \
    "$(submit "$PROBER" "$SMALL")"
expect_match "the message says why and what lifts it" \
    "suspended after repeated denials.*approvald executor resume prober" \
    "$(cat "$T/submit.out")"
expect_eq "another executor is not affected" "200 " "$(submit "$OTHER" "$SMALL")"
TOKEN=$PROBER
expect_match "the suspended executor may still read its requests" '^200 ' \
    "$(api GET '/v1/requests?limit=1')"
expect_match "the audit records the suspension" \
    '"event":"executor_suspended","data":\{"name":"prober","denials":3,"window_s":60\}' \
    "$(adm audit export)"
expect_match "/metrics counts it" \
    'approvald_executor_suspensions_total\{executor="prober"\} 1' \
    "$(curl -s "$URL/metrics")"
expect_match "executor list shows it" "prober.*suspended" "$(adm executor list)"
grep -q 'event=executor_suspended executor=prober' "$T/daemon.log" &&
    ok "the log says so" || not_ok "no executor_suspended log line"

stop_daemon
start_daemon || not_ok "daemon restarts"
expect_eq "the suspension survives a restart" "403 suspended" \
    "$(submit "$PROBER" "$SMALL")"

out=$(adm executor resume prober)
expect_eq "executor resume" 0 $?
expect_eq "says what it did" "executor prober resumed" "$out"
expect_eq "resumed: submits again" "200 " "$(submit "$PROBER" "$SMALL")"
expect_eq "denials before the resume do not count again" "200 " \
    "$(submit "$PROBER" "$DC")"
expect_eq "so one more denial does not suspend it" "200 " \
    "$(submit "$PROBER" "$SMALL")"
expect_match "the audit records the resume" \
    '"event":"executor_resumed","data":\{"name":"prober"\}' "$(adm audit export)"
# Policy denials alone trip it too (they are written in the group commit).
submit "$PROBER" "$BIG" >/dev/null
expect_eq "the third policy denial since the resume is still answered" \
    "200 " "$(submit "$PROBER" "$DC")"
expect_eq "and suspends it" "403 suspended" "$(submit "$PROBER" "$SMALL")"
adm executor resume prober >/dev/null
err=$(adm executor resume prober 2>&1)
expect_eq "resume of an executor that is not suspended: 1" 1 $?
expect_eq "says so" "approvald: executor prober is not suspended" "$err"
err=$(adm executor resume nobody 2>&1)
expect_match "resume of an unknown executor says so" "no executor named nobody" "$err"
check "the audit chain is intact" adm audit verify
finish
