#!/bin/sh
# approvectl against a compromised daemon (fake_daemon.py): an earlier
# approval replayed onto a new identical submission, approvals dated ahead
# of the clock or long before the request, and the view of another
# request all exit 65; the real daemon's approval still exits 0.
. "$(dirname "$0")/lib.sh"

write_config
adm init >/dev/null 2>&1
start_daemon || { not_ok "daemon starts"; finish; exit 1; }
TOKEN=$(new_executor agent refund)
adm keys export > "$T/trusted"
ctl() { APPROVE_TOKEN=$TOKEN "$BIN/approvectl" "$@"; }
refund() {
	keys=$1; shift
	ctl request --action refund --target order-9 --param amount=120 \
	    --justification "duplicate charge" --trusted-keys "$keys" "$@"
}

APPROVE_URL=$URL refund "$T/trusted" --json > "$T/old.json"
expect_eq "the real daemon's approval verifies: 0" 0 $?
expect_eq "and it is approved" approved "$(jget "$(cat "$T/old.json")" state)"
APPROVE_URL=$URL refund "$T/trusted" >/dev/null
expect_eq "an identical second request is approved too: 0" 0 $?

FAKE_PID=
trap '[ -z "$FAKE_PID" ] || kill "$FAKE_PID" 2>/dev/null; cleanup' EXIT
# fake MODE: serve a compromised daemon; sets FAKE_URL and $T/fake-keys.
fake() {
	rm -f "$T/fake.port"
	"$PY" "$HERE/fake_daemon.py" "$T/fake.port" "$1" "$T/old.json" &
	FAKE_PID=$!
	i=0
	while [ ! -s "$T/fake.port" ] && [ $i -lt 100 ]; do
		i=$((i + 1)); sleep 0.05
	done
	FAKE_URL="http://127.0.0.1:$(cut -d' ' -f1 "$T/fake.port")"
	cut -d' ' -f2- "$T/fake.port" | cat - "$T/trusted" > "$T/fake-keys"
}
unfake() { kill "$FAKE_PID"; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=; }

fake fresh
APPROVE_URL=$FAKE_URL refund "$T/fake-keys" >/dev/null 2>"$T/err"
expect_eq "a fresh approval by a trusted key verifies: 0" 0 $?
unfake

fake replay
APPROVE_URL=$FAKE_URL refund "$T/fake-keys" >"$T/out" 2>"$T/err"
expect_eq "the earlier approval replayed onto a new submission: 65" 65 $?
expect_match "says the body is not the one sent" "not the request that was sent" "$(cat "$T/err")"
expect_eq "and prints nothing on stdout" "" "$(cat "$T/out")"
unfake

fake future
APPROVE_URL=$FAKE_URL refund "$T/fake-keys" >"$T/out" 2>"$T/err"
expect_eq "an approval signed an hour ahead of the clock: 65" 65 $?
expect_match "says it is dated ahead" "ahead of this clock" "$(cat "$T/err")"
unfake

fake before
APPROVE_URL=$FAKE_URL refund "$T/fake-keys" >"$T/out" 2>"$T/err"
expect_eq "an approval signed an hour before the request was created: 65" 65 $?
expect_match "says it predates the request" "before the request was created" "$(cat "$T/err")"
unfake

fake other
APPROVE_URL=$FAKE_URL ctl wait req_0123456789abcdef0123456789abcdef \
    --trusted-keys "$T/fake-keys" >"$T/out" 2>"$T/err"
expect_eq "waiting on one id, answered with another request's approval: 65" 65 $?
unfake

finish
