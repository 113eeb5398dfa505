# Shared by the integration tests: a real approvald on a free loopback port
# with a temporary database, and TAP-style assertions.
# APPROVE_BIN names the build folder holding the programs.
set -u
BIN=${APPROVE_BIN:?APPROVE_BIN must name the build folder}
PY=/usr/bin/python3	# Debian's, with python3-nacl and python3-websockets
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/approvald-test.XXXXXX)
NTEST=0
NFAIL=0
DAEMON_PID=

cleanup() {
	stop_daemon
	if [ "$NFAIL" -eq 0 ]; then rm -rf "$T"; else echo "# kept $T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { NTEST=$((NTEST + 1)); echo "ok $NTEST - $*"; }
not_ok() { NTEST=$((NTEST + 1)); NFAIL=$((NFAIL + 1)); echo "not ok $NTEST - $*"; }

# check DESC CMD...: passes when CMD exits 0.
check() {
	desc=$1; shift
	if "$@" >"$T/check.out" 2>&1; then ok "$desc"; else
		not_ok "$desc"; sed 's/^/#   /' "$T/check.out" | head -20; fi
}

# expect_eq DESC EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"; echo "#   expected: $2"; echo "#   actual:   $3"; fi
}

# expect_match DESC REGEX TEXT
expect_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then ok "$1"; else
		not_ok "$1"; echo "#   expected to match: $2";
		printf '%s\n' "$3" | head -5 | sed 's/^/#   actual: /'; fi
}

free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# write_config: the CONTRACT §2 example policy plus short-lived actions.
write_config() {
	PORT=$(free_port)
	URL="http://127.0.0.1:$PORT"
	CFG="$T/approvald.json"
	cat >"$CFG" <<JSON
{
  "listen": "127.0.0.1:$PORT",
  "database": "approvald.db",
  "daemon_key": "daemon.key",
  "signer": "approvald",
  "limits": { "max_body_bytes": 65536, "rate_per_minute": 100000, "max_timeout_s": 86400 },
  "actions": {
    "isolate_host": {
      "timeout_s": 600,
      "rules": [
        { "when": { "target_glob": "dc-*" }, "then": "deny", "reason": "domain controllers are never isolated by automation" },
        { "when": { "target_glob": "prod-*" }, "then": "review", "approvals": 2 },
        { "then": "review", "groups": ["soc"] }
      ]
    },
    "block_ip": {
      "rules": [
        { "when": { "target_cidr": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "::1/128", "fc00::/7"] }, "then": "deny" },
        { "then": "review" }
      ]
    },
    "refund": {
      "rules": [
        { "when": { "param": "amount", "gte": 10000 }, "then": "deny" },
        { "when": { "param": "amount", "lt": 500 }, "then": "approve" },
        { "then": "review" }
      ]
    },
    "quick_check": { "timeout_s": 1, "rules": [ { "then": "review" } ] },
    "disable_account": { "deny_repeat": true, "rules": [ { "then": "review", "groups": ["soc"] } ] }
  }
}
JSON
}

# start_daemon: serve in the background and wait until /healthz answers.
# With APPROVE_VALGRIND=1 the daemon runs under valgrind (make valgrind):
# any error or definite leak makes it exit 99, which stop_daemon reports.
start_daemon() {
	if [ "${APPROVE_VALGRIND:-0}" = 1 ]; then
		valgrind -q --error-exitcode=99 --leak-check=full \
		    --errors-for-leak-kinds=definite --show-leak-kinds=definite \
		    "$BIN/approvald" -c "$CFG" serve 2>>"$T/daemon.log" &
	else
		"$BIN/approvald" -c "$CFG" serve 2>>"$T/daemon.log" &
	fi
	DAEMON_PID=$!
	i=0
	while ! curl -sf -m 2 "$URL/healthz" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 400 ] || ! kill -0 "$DAEMON_PID" 2>/dev/null; then
			echo "# daemon did not start:"; tail -5 "$T/daemon.log"
			return 1
		fi
		sleep 0.05
	done
}

# stop_daemon: SIGTERM, and the daemon must exit 0 (with the sanitizers
# that also means no leak and no undefined behaviour at exit).
stop_daemon() {
	[ -n "$DAEMON_PID" ] || return 0
	kill "$DAEMON_PID" 2>/dev/null
	i=0
	while kill -0 "$DAEMON_PID" 2>/dev/null && [ $i -lt 300 ]; do
		i=$((i + 1)); sleep 0.1
	done
	if kill -0 "$DAEMON_PID" 2>/dev/null; then
		not_ok "daemon ignored SIGTERM for 30 s"
		kill -9 "$DAEMON_PID" 2>/dev/null
	fi
	wait "$DAEMON_PID" 2>/dev/null
	rc=$?
	DAEMON_PID=
	if [ $rc -ne 0 ]; then
		not_ok "daemon exited $rc on SIGTERM"
		tail -30 "$T/daemon.log" | sed 's/^/#   /'
	fi
}

kill9_daemon() {
	kill -9 "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
}

adm() { "$BIN/approvald" -c "$CFG" "$@"; }

# new_executor NAME SCOPE...: prints the token.
new_executor() {
	name=$1; shift
	args=""
	for s in "$@"; do args="$args --scope $s"; done
	# shellcheck disable=SC2086
	adm executor add "$name" $args
}

# api METHOD PATH [BODY]: prints "STATUS BODY" using $TOKEN.
api() {
	if [ $# -ge 3 ]; then
		curl -s -o "$T/api.body" -w '%{http_code}' -X "$1" \
		    -H "Authorization: Bearer $TOKEN" \
		    -H 'Content-Type: application/json' \
		    --data-binary "$3" "$URL$2"
	else
		curl -s -o "$T/api.body" -w '%{http_code}' -X "$1" \
		    -H "Authorization: Bearer $TOKEN" "$URL$2"
	fi
	echo " $(cat "$T/api.body")"
}

# jget JSON KEY: one top-level field of a JSON document.
jget() {
	printf '%s' "$1" | "$PY" -c 'import json,sys
v=json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v=v[int(k)] if isinstance(v,list) else v.get(k)
print("" if v is None else v)' "$2"
}

finish() {
	stop_daemon
	if grep -q 'Sanitizer\|runtime error' "$T/daemon.log" 2>/dev/null; then
		not_ok "sanitizers found a fault in the daemon"
		grep -A20 'Sanitizer\|runtime error' "$T/daemon.log" | head -40 |
		    sed 's/^/#   /'
	fi
	echo "# $NTEST tests, $NFAIL failed"
	[ "$NFAIL" -eq 0 ]
}
