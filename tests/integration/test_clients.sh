#!/bin/sh
# The Python and Node.js clients (clients/) against the real daemon: every
# outcome, the wait through a daemon restart, the URL list, the nonce, the
# transport rules, and a hostile stand-in daemon whose views they refuse.
# Both clients, and the C verifier in tests/unit/test_vectors.c, answer
# the shared vectors of tests/vectors/views.json alike.
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$HERE/../.." && pwd)
CL="$TOP/clients"
LANGS="py node"

# drive LANG OP ARG: one client call; its JSON line on stdout, its exit code.
drive() {
	lang=$1; shift
	if [ "$lang" = py ]; then "$PY" "$CL/python/tests/drive.py" "$@"
	else node "$CL/node/tests/drive.mjs" "$@"; fi
}

# analyst VERDICT TARGET [REASON] [SIGNED_AT_OFFSET_MS]: bob decides the
# pending request for TARGET over the console, once it shows up; with
# VERDICT "seen", only waits until it shows up.
analyst() {
	"$PY" - "$URL" "$T/keys/bob.key" "$HERE" "$@" <<'PY'
import asyncio, sys, time
sys.path.insert(0, sys.argv[3])
from console_client import Console, load_key
url, key, _, verdict, target = sys.argv[1:6]
reason = sys.argv[6] if len(sys.argv) > 6 else ""
offset = int(sys.argv[7]) if len(sys.argv) > 7 else 0
async def main():
    c = Console(url, "bob", load_key(key))
    await c.login()
    views = [v for v in c.snapshot["requests"] if v["target"] == target]
    while not views:
        m = await c.recv("request", timeout=20)
        if m["request"]["target"] == target:
            views = [m["request"]]
    if verdict == "seen":
        return await c.close()
    await c.decide(views[0], verdict, reason,
                   signed_at=int(time.time() * 1000) + offset)
    a = await c.answer(views[0]["id"])
    await c.close()
    if a["type"] != "ack":
        sys.exit(f"not acknowledged: {a}")
asyncio.run(main())
PY
}

# fake MODE ARG...: a hostile stand-in daemon; sets FAKE_URL and FAKE_PID.
fake() {
	rm -f "$T/fake.port"	# the child truncates it only once it runs
	"$PY" "$CL/python/tests/fake_daemon.py" "$@" >"$T/fake.port" &
	FAKE_PID=$!
	i=0
	while [ ! -s "$T/fake.port" ] && [ $i -lt 100 ]; do
		i=$((i + 1)); sleep 0.05
	done
	FAKE_URL="http://127.0.0.1:$(cat "$T/fake.port")"
}
unfake() { kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; }

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
export TRUSTED_KEYS="$T/trusted-all"
DEAD=$(free_port)	# nothing listens there

# The shared vectors, through each client.
check "python client answers every shared vector" \
    "$PY" "$CL/python/tests/check_vectors.py" "$TOP/tests/vectors/views.json"
check "node client answers every shared vector" \
    node "$CL/node/tests/check_vectors.mjs" "$TOP/tests/vectors/views.json"

for L in $LANGS; do
	out=$(drive "$L" request '{"action":"refund","target":"o-'"$L"'-1","params":{"amount":120},"justification":"dup"}')
	expect_eq "$L: policy approval, daemon trusted: approved (0)" 0 $?
	expect_match "$L: says approved and verified" '"outcome": ?"approved"' "$out"
	TRUSTED_KEYS="$T/trusted-humans" drive "$L" request '{"action":"refund","target":"o-'"$L"'-2","params":{"amount":120},"justification":"dup"}' >/dev/null
	expect_eq "$L: policy approval, daemon not trusted: verification_failed (65)" 65 $?
	drive "$L" request '{"action":"refund","target":"o-'"$L"'-3","params":{"amount":20000},"justification":"big"}' >/dev/null
	expect_eq "$L: policy denial: denied (1)" 1 $?
	drive "$L" request '{"action":"quick_check","target":"q-'"$L"'","justification":"x"}' >/dev/null
	expect_eq "$L: nobody decides: expired (2)" 2 $?

	out=$(drive "$L" request '{"action":"refund","target":"o-'"$L"'-4","params":{"amount":900},"justification":"x","wait":false}')
	expect_eq "$L: pending without waiting (4)" 4 $?
	id=$(jget "$out" id)
	drive "$L" status "$id" >/dev/null
	expect_eq "$L: status of a pending request (4)" 4 $?
	drive "$L" cancel "$id" >/dev/null
	expect_eq "$L: cancel (3)" 3 $?
	drive "$L" status "$id" >/dev/null
	expect_eq "$L: status after cancel (3)" 3 $?
	drive "$L" wait "$id" >/dev/null
	expect_eq "$L: wait on a cancelled request (3)" 3 $?

	# An analyst approves while the client waits; verified with the
	# daemon's key left out, against the exact bytes sent.
	TRUSTED_KEYS="$T/trusted-humans" drive "$L" request '{"action":"isolate_host","target":"ws-'"$L"'-ok","justification":"EDR alert"}' >"$T/$L.ok" &
	W=$!
	analyst approve "ws-$L-ok" || not_ok "$L: analyst approves"
	wait $W
	expect_eq "$L: analyst approval, verified: approved (0)" 0 $?
	cp "$T/$L.ok" "$T/$L.ok.line"

	drive "$L" request '{"action":"isolate_host","target":"ws-'"$L"'-no","justification":"EDR alert"}' >"$T/$L.no" &
	W=$!
	analyst deny "ws-$L-no" "not this host" || not_ok "$L: analyst denies"
	wait $W
	expect_eq "$L: analyst denial: denied (1)" 1 $?
	expect_match "$L: the denial names who and why" 'denied by bob: not this host' "$(cat "$T/$L.no")"

	# signed_at 4 minutes ahead: the daemon takes it (within its 5
	# minutes), the clients do not (past their own clock).
	drive "$L" request '{"action":"isolate_host","target":"ws-'"$L"'-future","justification":"x"}' >"$T/$L.future" &
	W=$!
	analyst approve "ws-$L-future" "" 240000 || not_ok "$L: the daemon takes a signature 4 minutes ahead"
	wait $W
	expect_eq "$L: a signature from the future: verification_failed (65)" 65 $?
	expect_match "$L: it says so" 'signed in the future' "$(cat "$T/$L.future")"

	APPROVE_TOKEN=apv_bad drive "$L" status "$id" >/dev/null
	expect_eq "$L: bad token: unauthorised (77)" 77 $?
	APPROVE_URL="http://127.0.0.1:$DEAD" drive "$L" request '{"action":"refund","target":"o","params":{"amount":1},"justification":"x"}' >/dev/null
	expect_eq "$L: daemon unreachable: unreachable (69)" 69 $?
	APPROVE_URL="http://127.0.0.1:$DEAD,$URL" drive "$L" request '{"action":"refund","target":"o-'"$L"'-5","params":{"amount":1},"justification":"x"}' >/dev/null
	expect_eq "$L: first URL dead, the second answers: approved (0)" 0 $?
	fake status 503
	APPROVE_URL="$FAKE_URL,$URL" drive "$L" request '{"action":"refund","target":"o-'"$L"'-6","params":{"amount":1},"justification":"x"}' >/dev/null
	expect_eq "$L: first URL answers 503, the second answers: approved (0)" 0 $?
	unfake
done

# The nonce: derived from the idempotency key, the same in both clients
# and in approvectl; random keys make every body new.
for L in $LANGS; do
	# The second client's bytes are the first's, or the daemon says 409.
	out=$(drive "$L" request '{"action":"refund","target":"o-nonce","params":{"amount":1},"justification":"x","idempotency_key":"run-19-step-4"}')
	expect_eq "$L: the same call and key give the same bytes in both clients (0)" 0 $?
	expect_eq "$L: the nonce of key run-19-step-4 is approvectl's" \
	    5bcf22e5769e9b3641b05ac14469473f "$(jget "$(jget "$out" body)" nonce)"
	a=$(drive "$L" request '{"action":"refund","target":"o-same","params":{"amount":1},"justification":"x"}')
	b=$(drive "$L" request '{"action":"refund","target":"o-same","params":{"amount":1},"justification":"x"}')
	na=$(jget "$(jget "$a" body)" nonce); nb=$(jget "$(jget "$b" body)" nonce)
	if [ "${#na}" -eq 32 ] && [ "$na" != "$nb" ]; then
		ok "$L: the same call twice carries two nonces"
	else not_ok "$L: nonces '$na' and '$nb'"; fi
done

# Replay: a daemon answers a new submission with an earlier approval of
# the same call. The nonce makes the bodies differ, so it is refused;
# only a retry with the same idempotency key (the same bytes) matches.
for L in $LANGS; do
	id=$(jget "$(cat "$T/$L.ok.line")" id)
	api GET "/v1/requests/$id" | cut -d' ' -f2- > "$T/$L.old-view"
	key=$(jget "$(jget "$(cat "$T/$L.ok.line")" body)" idempotency_key)
	fake replay "$T/$L.old-view"
	APPROVE_URL=$FAKE_URL TRUSTED_KEYS="$T/trusted-humans" drive "$L" request '{"action":"isolate_host","target":"ws-'"$L"'-ok","justification":"EDR alert"}' >"$T/$L.replay"
	expect_eq "$L: an old approval for a new identical call: verification_failed (65)" 65 $?
	expect_match "$L: it is not what was sent" 'not the request that was sent' "$(cat "$T/$L.replay")"
	APPROVE_URL=$FAKE_URL TRUSTED_KEYS="$T/trusted-humans" drive "$L" request '{"action":"isolate_host","target":"ws-'"$L"'-ok","justification":"EDR alert","idempotency_key":"'"$key"'"}' >/dev/null
	expect_eq "$L: the same key and bytes again: that approval holds (0)" 0 $?
	unfake
done

# Two names, one key: a rule that needs two people is not met by it.
printf 'bob %s\nrobert %s\n' "$(cat "$T/keys/bob.key.pub")" \
    "$(cat "$T/keys/bob.key.pub")" > "$T/trusted-twonames"
for L in $LANGS; do
	fake twonames "$T/keys/bob.key" 2
	APPROVE_URL=$FAKE_URL TRUSTED_KEYS="$T/trusted-twonames" drive "$L" request '{"action":"isolate_host","target":"prod-1","justification":"x"}' >"$T/$L.two"
	expect_eq "$L: two required, one key under two names: verification_failed (65)" 65 $?
	expect_match "$L: it names the shared key" 'same key as another signer' "$(cat "$T/$L.two")"
	unfake
	fake twonames "$T/keys/bob.key" 1
	APPROVE_URL=$FAKE_URL TRUSTED_KEYS="$T/trusted-twonames" drive "$L" request '{"action":"isolate_host","target":"prod-1","justification":"x"}' >/dev/null
	expect_eq "$L: the same view needing one: approved (0)" 0 $?
	unfake
done

# Answers that are not views.
for L in $LANGS; do
	for mode in garbage dupkeys; do
		fake "$mode"
		APPROVE_URL=$FAKE_URL drive "$L" status req_fake1 >/dev/null
		expect_eq "$L: a $mode answer: verification_failed (65)" 65 $?
		unfake
	done
	fake huge
	APPROVE_URL=$FAKE_URL drive "$L" status req_fake1 >/dev/null
	expect_eq "$L: a 9 MiB answer: unreachable (69)" 69 $?
	unfake
	fake status 500
	APPROVE_URL=$FAKE_URL drive "$L" status req_fake1 >/dev/null
	expect_eq "$L: only 500s: unreachable (69)" 69 $?
	unfake
	fake status 429
	APPROVE_URL=$FAKE_URL drive "$L" status req_fake1 >/dev/null
	expect_eq "$L: rate limited: unreachable (69), not a decision" 69 $?
	unfake
done

# Transport and token rules.
printf '%s\n' "$TOKEN" > "$T/token"
for L in $LANGS; do
	APPROVE_URL=http://192.0.2.1:8470 drive "$L" status req_x >/dev/null
	expect_eq "$L: plain http off loopback is refused (64)" 64 $?
	APPROVE_CA="$T/trusted-all" drive "$L" status req_x >/dev/null
	expect_eq "$L: a CA with an http:// URL is refused (64)" 64 $?
	APPROVE_URL="https://127.0.0.1:$DEAD" APPROVE_CA="$T/missing.pem" drive "$L" status req_x >/dev/null
	expect_eq "$L: a CA file that cannot be read is refused (64)" 64 $?
	TRUSTED_KEYS='' drive "$L" status req_x >/dev/null
	expect_eq "$L: a client without trusted keys is refused (64)" 64 $?
	printf '# nobody\n' > "$T/trusted-none"
	TRUSTED_KEYS="$T/trusted-none" drive "$L" status req_x >/dev/null
	expect_eq "$L: a trusted-keys file with no key is refused (64)" 64 $?
	chmod 644 "$T/token"
	APPROVE_TOKEN='' TOKEN_FILE="$T/token" drive "$L" status req_x >"$T/$L.tok"
	expect_eq "$L: a token file others can read is refused (64)" 64 $?
	expect_match "$L: it says why" 'too open' "$(cat "$T/$L.tok")"
	chmod 600 "$T/token"
	APPROVE_TOKEN='' TOKEN_FILE="$T/token" drive "$L" request '{"action":"refund","target":"o-tok-'"$L"'","params":{"amount":1},"justification":"x"}' >/dev/null
	expect_eq "$L: the token from a 0600 file: approved (0)" 0 $?
done

# The tool that refuses to act without a verified approval.
TRUSTED_KEYS="$T/trusted-humans"
"$PY" "$CL/python/example_tool.py" "$T/trusted-humans" ws-tool-1 "EDR alert" "$T/acted-1" >/dev/null 2>&1 &
W=$!
analyst approve ws-tool-1 || not_ok "analyst approves the tool's call"
wait $W
expect_eq "example tool acts once approved (0)" 0 $?
check "it acted" test -s "$T/acted-1"
"$PY" "$CL/python/example_tool.py" "$T/trusted-humans" ws-tool-2 "EDR alert" "$T/acted-2" >/dev/null 2>&1 &
W=$!
analyst deny ws-tool-2 "no" || not_ok "analyst denies the tool's call"
wait $W
expect_eq "example tool refuses when denied (1)" 1 $?
check "it did not act" test ! -e "$T/acted-2"

# The wait survives kill -9 and a restart, on the same request id.
TRUSTED_KEYS="$T/trusted-humans"
for L in $LANGS; do
	drive "$L" request '{"action":"isolate_host","target":"ws-'"$L"'-restart","justification":"x"}' >"$T/$L.restart" &
	W=$!
	analyst seen "ws-$L-restart" || not_ok "$L: the request is pending"
	kill9_daemon
	sleep 1
	start_daemon || not_ok "$L: daemon restarts"
	analyst approve "ws-$L-restart" || not_ok "$L: analyst approves after the restart"
	wait $W
	expect_eq "$L: waited through kill -9 and restart: approved (0)" 0 $?
done

# https: the CA given is the one that counts.
stop_daemon
mkdir "$T/tls" && (
	cd "$T/tls" &&
	for n in ca other; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		    -nodes -days 2 -subj "/CN=test $n" -keyout $n.key -out $n.pem
	done &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/CN=127.0.0.1" -keyout srv.key -out srv.csr &&
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > ext &&
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -days 2 -extfile ext -out srv.pem
) >/dev/null 2>&1 || not_ok "making test certificates"
sed -i 's|"signer": "approvald",|"signer": "approvald", "tls": { "cert": "tls/srv.pem", "key": "tls/srv.key" },|' "$CFG"
URL="https://127.0.0.1:$PORT"
"$BIN/approvald" -c "$CFG" serve 2>>"$T/daemon.log" &
DAEMON_PID=$!
i=0
until curl -sf --cacert "$T/tls/ca.pem" "$URL/healthz" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || break; sleep 0.05
done
TRUSTED_KEYS="$T/trusted-all"
for L in $LANGS; do
	APPROVE_URL=$URL APPROVE_CA="$T/tls/ca.pem" drive "$L" request '{"action":"refund","target":"o-tls-'"$L"'","params":{"amount":1},"justification":"x"}' >/dev/null
	expect_eq "$L: https with the daemon's CA: approved (0)" 0 $?
	APPROVE_URL=$URL APPROVE_CA="$T/tls/other.pem" drive "$L" request '{"action":"refund","target":"o-tls-'"$L"'","params":{"amount":1},"justification":"x"}' >/dev/null
	expect_eq "$L: https with another CA: unreachable (69)" 69 $?
	APPROVE_URL=$URL drive "$L" request '{"action":"refund","target":"o-tls-'"$L"'","params":{"amount":1},"justification":"x"}' >/dev/null
	expect_eq "$L: https with the system's CAs: unreachable (69)" 69 $?
done
finish
