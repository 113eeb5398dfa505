#!/bin/sh
# approvectl against the real daemon: exit codes of CONTRACT §1, --wait
# across a daemon restart, and the §4 verification rule.
. "$(dirname "$0")/lib.sh"

write_config
adm init >/dev/null 2>&1
mkdir -p "$T/keys"
"$BIN/approvetui" keygen --out "$T/keys/bob.key" >/dev/null
adm analyst add bob --pubkey "$T/keys/bob.key.pub" --group soc >/dev/null
start_daemon || { not_ok "daemon starts"; finish; exit 1; }
export APPROVE_URL="$URL"
APPROVE_TOKEN=$(new_executor agent isolate_host block_ip refund quick_check)
export APPROVE_TOKEN
TOKEN=$APPROVE_TOKEN
adm keys export > "$T/trusted-all"
grep -v '^approvald ' "$T/trusted-all" > "$T/trusted-humans"
ctl() { "$BIN/approvectl" "$@"; }

check "--help exits 0" ctl --help
check "--version exits 0" ctl --version
ctl request --action >/dev/null 2>&1; expect_eq "bad usage exits 64" 64 $?
ctl status >/dev/null 2>&1; expect_eq "status without an id exits 64" 64 $?

out=$(ctl request --action refund --target order-1 --param amount=120 \
    --justification "duplicate charge" --trusted-keys "$T/trusted-all")
expect_eq "policy approval verified: exit 0" 0 $?
expect_match "human line says approved" "approved" "$out"
ctl request --action refund --target order-2 --param amount=120 \
    --justification "duplicate charge" --trusted-keys "$T/trusted-humans" >/dev/null 2>&1
expect_eq "policy approval without the daemon's key trusted: 65" 65 $?
ctl request --action refund --target order-3 --param amount=20000 \
    --justification "too big" >/dev/null
expect_eq "policy denial: exit 1" 1 $?
ctl request --action refund --target order-4 --param amount=900 \
    --justification "needs a human" >/dev/null
expect_eq "pending without --wait: exit 4" 4 $?
json=$(ctl request --action refund --target order-5 --param amount=900 \
    --param currency=EUR --justification "x" --json)
expect_eq "--param numbers are JSON numbers, others strings" '{"amount":900,"currency":"EUR"}' \
    "$(jget "$json" body | base64 -d | "$PY" -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["params"],separators=(",",":")))')"
ID5=$(jget "$json" id)
ctl status "$ID5" >/dev/null; expect_eq "status of a pending request: 4" 4 $?
ctl cancel "$ID5" >/dev/null; expect_eq "cancel: exit 3" 3 $?
ctl status "$ID5" >/dev/null; expect_eq "status of a cancelled request: 3" 3 $?
APPROVE_TOKEN=apv_bad ctl status "$ID5" >/dev/null 2>&1
expect_eq "bad token: 77" 77 $?
ctl request --action isolate_host --target "x" --justification y --on-behalf-of "" >/dev/null 2>&1
rc=$?; [ $rc -eq 64 ] && ok "an empty on_behalf_of is refused: 64" || not_ok "empty on_behalf_of gave $rc"
APPROVE_URL=http://127.0.0.1:1 ctl status "$ID5" >/dev/null 2>&1
expect_eq "unreachable daemon: 69" 69 $?
# Not found and already final have their own exit codes, never 64.
ctl status req_0000000000000000000000000000abcd >/dev/null 2>&1
expect_eq "status of an unknown id: 5" 5 $?
ctl wait req_0000000000000000000000000000abcd >/dev/null 2>&1
expect_eq "wait for an unknown id: 5" 5 $?
ctl cancel "$ID5" >/dev/null 2>&1
expect_eq "cancel of a cancelled request: 6" 6 $?
ID1=$(ctl request --action refund --target order-6 --param amount=120 \
    --justification "small" --json 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
ctl cancel "$ID1" >/dev/null 2>"$T/final.err"
expect_eq "cancel of an approved request: 6" 6 $?
expect_match "and says it is already final" "already final" "$(cat "$T/final.err")"
# status --trusted-keys verifies what it reports.
ctl status "$ID1" --trusted-keys "$T/trusted-all" >/dev/null
expect_eq "status --trusted-keys of a policy approval: 0" 0 $?
ctl status "$ID1" --trusted-keys "$T/trusted-humans" >/dev/null 2>&1
expect_eq "status --trusted-keys without the daemon's key: 65" 65 $?

# request prints the id and rule on stderr as soon as it is submitted,
# before waiting: an agent that dies while waiting still knows its id.
ctl request --action refund --target order-7 --param amount=900 \
    --justification "needs a human" --wait >/dev/null 2>"$T/early.err" &
EPID=$!
i=0
while ! grep -q "req_" "$T/early.err" 2>/dev/null && [ $i -lt 100 ]; do
	i=$((i + 1)); sleep 0.05
done
early=$(cat "$T/early.err")
expect_match "the id is on stderr while still waiting" \
    "submitted req_[0-9a-f]* .refund rule 3.: pending" "$early"
kill -0 $EPID 2>/dev/null && ok "approvectl is still waiting then" ||
    not_ok "approvectl ended before the request was decided"
EID=$(printf '%s' "$early" | sed -n 's/.*submitted \(req_[0-9a-f]*\).*/\1/p')
ctl cancel "$EID" >/dev/null
wait $EPID
expect_eq "the waiting request, cancelled by its id: 3" 3 $?

# list: own requests only, newest first, filtered by state.
out=$(ctl list --limit 3)
expect_eq "list --limit 3: three lines" 3 "$(printf '%s\n' "$out" | grep -c '^req_')"
expect_eq "newest first" "$EID" "$(printf '%s\n' "$out" | head -1 | cut -f1)"
out=$(ctl list --state cancelled --json)
expect_match "list --state cancelled has the cancelled ones" "$ID5" "$out"
expect_eq "and no other state" "" \
    "$(printf '%s' "$out" | "$PY" -c 'import json,sys; print(",".join(r["state"] for r in json.load(sys.stdin)["requests"] if r["state"]!="cancelled"))')"
ctl list --state bogus >/dev/null 2>&1
expect_eq "list --state bogus: 64" 64 $?
ctl list --limit 0 >/dev/null 2>&1
expect_eq "list --limit 0: 64" 64 $?

NARROW=$(new_executor narrow refund)
APPROVE_TOKEN=$NARROW ctl request --action isolate_host --target ws-1 --justification x >/dev/null 2>&1
expect_eq "action outside the scope: 77" 77 $?
expect_eq "another executor lists none of these" "" "$(APPROVE_TOKEN=$NARROW ctl list)"

# Expiry while waiting: 2.
ctl request --action quick_check --target host-1 --justification x --wait >/dev/null
expect_eq "expired while waiting: exit 2" 2 $?

# A human approves over the console while approvectl waits: 0, verified
# against the exact bytes it sent, with the daemon's key left out.
ctl request --action isolate_host --target ws-042 --justification "EDR alert" \
    --wait --trusted-keys "$T/trusted-humans" --json > "$T/wait.json" 2>"$T/wait.err" &
WPID=$!
"$PY" - "$URL" "$T/keys/bob.key" "$HERE" <<'PY'
import asyncio, sys
sys.path.insert(0, sys.argv[3])
from console_client import Console, load_key
async def main():
    c = Console(sys.argv[1], "bob", load_key(sys.argv[2]))
    await c.login()
    views = c.snapshot["requests"] or [(await c.recv("request"))["request"]]
    await c.decide(views[0], "approve")
    await c.answer(views[0]["id"])
    await c.close()
asyncio.run(main())
PY
wait $WPID
expect_eq "approved by an analyst, verified: exit 0" 0 $?
expect_eq "--json prints the final view" approved "$(jget "$(cat "$T/wait.json")" state)"

# verify subcommand on saved views.
ctl verify --trusted-keys "$T/trusted-humans" < "$T/wait.json"
expect_eq "verify an analyst's approval: 0" 0 $?
"$PY" -c 'import json,sys; v=json.load(open(sys.argv[1])); v["signatures"][0]["sig"]="A"*86+"=="; print(json.dumps(v))' "$T/wait.json" > "$T/forged.json"
ctl verify --trusted-keys "$T/trusted-humans" < "$T/forged.json" 2>/dev/null
expect_eq "forged signature: 65" 65 $?
"$PY" -c 'import json,sys,base64; v=json.load(open(sys.argv[1])); v["body"]=base64.b64encode(b"{\"action\":\"isolate_host\",\"target\":\"dc-01\"}").decode(); print(json.dumps(v))' "$T/wait.json" > "$T/swapped.json"
ctl verify --trusted-keys "$T/trusted-humans" < "$T/swapped.json" 2>/dev/null
expect_eq "body swapped under the signatures: 65" 65 $?
printf 'something else' > "$T/other-body"
ctl verify --trusted-keys "$T/trusted-humans" --body "$T/other-body" < "$T/wait.json" 2>/dev/null
expect_eq "--body that is not what was signed: 65" 65 $?
"$PY" -c 'import json,sys; v=json.load(open(sys.argv[1])); v["approvals_required"]=0; print(json.dumps(v))' "$T/wait.json" > "$T/zero.json"
ctl verify --trusted-keys "$T/trusted-humans" < "$T/zero.json" 2>/dev/null
expect_eq "approvals_required 0: 65" 65 $?
echo 'not json' | ctl verify --trusted-keys "$T/trusted-humans" 2>/dev/null
expect_eq "garbage view: 65" 65 $?

# --wait survives a daemon restart and keeps the same id.
ctl request --action block_ip --target 203.0.113.50 --justification x \
    --timeout 4 --wait --json > "$T/restart.json" 2>/dev/null &
WPID=$!
sleep 0.5
kill9_daemon
sleep 1
start_daemon || not_ok "daemon restarts"
wait $WPID
expect_eq "--wait across kill -9 and restart ends expired: 2" 2 $?
expect_eq "same request, now expired" expired "$(jget "$(cat "$T/restart.json")" state)"
finish
