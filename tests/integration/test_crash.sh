#!/bin/sh
# Crash safety under load: executors over HTTP and signing consoles keep
# going while the daemon is killed with SIGKILL at random moments and
# restarted. Afterwards nothing acknowledged is lost, no request has two
# final states, signatures agree with states, the audit chain verifies and
# every approval an executor was told verifies independently; and the
# daemon kept answering between the kills.
# CRASH_SEED=N replays a run's schedule of kills and its load choices;
# CRASH_SECONDS and CRASH_THREADS change the length and the executors.
. "$(dirname "$0")/lib.sh"

BUDGET=${CRASH_SECONDS:-22}	# seconds of load with kills
THREADS=${CRASH_THREADS:-24}	# concurrent executors
LOAD=
START_BY=

crash_cleanup() {
	[ -z "$LOAD" ] || kill "$LOAD" 2>/dev/null
	cleanup
}
trap crash_cleanup EXIT

# lib.sh's start_daemon probes /healthz with curl and no time limit: here
# each probe is bounded, and a daemon that has not answered by START_BY is
# killed, so that a hung daemon fails the test instead of stalling it.
curl() {
	command curl --max-time 3 "$@" && return 0
	crc=$?
	if [ -n "$START_BY" ] && [ -n "$DAEMON_PID" ] &&
	    [ "$(date +%s)" -gt "$START_BY" ]; then
		echo "# daemon gave no answer to /healthz for 30 s: killed"
		kill -9 "$DAEMON_PID" 2>/dev/null
	fi
	return $crc
}
start_bounded() {
	START_BY=$(($(date +%s) + 30))
	start_daemon
	src=$?
	START_BY=
	return $src
}
# The daemon answers /healthz within 3 s.
responsive() { command curl -sf --max-time 3 "$URL/healthz" >/dev/null 2>&1; }
# Kill the daemon; KRC is its exit status (137 when our SIGKILL killed it).
kill_daemon() {
	kill -9 "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	KRC=$?
	DAEMON_PID=
}

# Seconds since the epoch with a fraction, for the budget.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%d", b - a }'; }

write_config
adm init >/dev/null 2>&1
mkdir -p "$T/keys"
for name in bob carol dave erin; do
	if ! "$BIN/approvetui" keygen --out "$T/keys/$name.key" >/dev/null ||
	    ! adm analyst add "$name" --pubkey "$T/keys/$name.key.pub" \
	    --group soc >/dev/null; then
		not_ok "analyst $name added"; finish; exit 1
	fi
done
: >"$T/tokens"
i=0
while [ $i -lt 8 ]; do
	tok=$(new_executor "exec-$i" refund block_ip quick_check isolate_host \
	    disable_account) ||
	    { not_ok "executor exec-$i added"; finish; exit 1; }
	echo "exec-$i $tok" >>"$T/tokens"
	i=$((i + 1))
done
adm keys export >"$T/trusted"
start_bounded || { not_ok "daemon starts"; finish; exit 1; }

SEED=${CRASH_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
# 6 to 8 kills, 0.5 to 3 s apart, and how long each restart waits.
SCHEDULE=$("$PY" -c 'import random, sys
r = random.Random(int(sys.argv[1]))
print(" ".join("%.2f:%.2f" % (r.uniform(0.5, 3), r.uniform(0, 0.4))
               for _ in range(r.randint(6, 8))))' "$SEED")
echo "# seed $SEED, kills after:down (s): $SCHEDULE"

T0=$(now)
timeout -k 5 $((BUDGET + 40)) "$PY" "$HERE/crash_load.py" load "$URL" \
    "$T/tokens" "$T/keys" "$T/record.json" "$T/stop" --threads "$THREADS" \
    --seed "$SEED" --max-seconds $((BUDGET + 20)) 2>"$T/load.err" &
LOAD=$!

kills=0
selfdied=0
hung=0
restart_failed=0
for step in $SCHEDULE; do
	sleep "${step%:*}"
	[ "$(elapsed "$T0")" -lt "$BUDGET" ] || break
	if ! responsive; then
		hung=$((hung + 1))
		echo "# no answer to /healthz within 3 s before kill $((kills + 1))"
	fi
	kill_daemon
	# 137 is our SIGKILL; anything else, the daemon had died on its own.
	if [ $KRC -ne 137 ]; then
		selfdied=$((selfdied + 1))
		echo "# daemon had exited $KRC before kill $((kills + 1))"
		tail -20 "$T/daemon.log" | sed 's/^/#   /'
	fi
	kills=$((kills + 1))
	sleep "${step#*:}"
	start_bounded || { restart_failed=1; break; }
done
# Some load on the last daemon, then stop the clients.
[ $restart_failed -eq 1 ] || sleep 1.5
touch "$T/stop"
stopped=$(elapsed "$T0")
wait "$LOAD"
lrc=$?
LOAD=
echo "# load phase: $(elapsed "$T0") s (stopped at $stopped s), $kills kills"
if [ $restart_failed -eq 0 ] && ! responsive; then
	hung=$((hung + 1))
	echo "# no answer to /healthz within 3 s after the load: restarting"
	kill_daemon
	start_bounded || restart_failed=1
fi

expect_eq "the daemon restarts after every SIGKILL" 0 "$restart_failed"
expect_eq "the daemon never died but by our SIGKILL" 0 "$selfdied"
expect_eq "the daemon kept answering /healthz under load" 0 "$hung"
if [ $hung -ne 0 ]; then
	grep -v 'level=info' "$T/daemon.log" | tail -5 | sed 's/^/#   /'
fi
if [ $lrc -ne 0 ] || [ ! -s "$T/record.json" ]; then
	not_ok "the load ran to its end (exit $lrc)"
	tail -20 "$T/load.err" | sed 's/^/#   /'
	finish
	exit 1
fi
ok "the load ran to its end"
if [ $restart_failed -eq 1 ]; then
	tail -20 "$T/daemon.log" | sed 's/^/#   /'
	[ -z "$DAEMON_PID" ] || kill_daemon
	finish
	exit 1
fi

"$PY" "$HERE/crash_load.py" check "$URL" "$T/tokens" "$T/trusted" \
    "$T/approvald.db" "$T/record.json" --kills "$kills" >"$T/check.txt" \
    2>"$T/check.err"
crc=$?
while IFS= read -r line; do
	case $line in
	PASS\ *) ok "${line#PASS }" ;;
	FAIL\ *) not_ok "${line#FAIL }" ;;
	*) printf '%s\n' "$line" ;;
	esac
done <"$T/check.txt"
if [ $crc -ne 0 ] && ! grep -q '^FAIL ' "$T/check.txt"; then
	not_ok "the checks ran (exit $crc)"
	tail -20 "$T/check.err" | sed 's/^/#   /'
fi
check "audit chain verifies after $kills kills under load" adm audit verify
n=$(grep -c 'level=error' "$T/daemon.log")
echo "# daemon log: $n error lines, $(grep -c 'event=listening' "$T/daemon.log") starts"
grep 'level=error' "$T/daemon.log" | sort | uniq -c | sort -rn | head -5 |
    sed 's/^/#   /'
echo "# total $(elapsed "$T0") s since the load started"
# A daemon that hangs would never act on finish's SIGTERM.
if ! responsive; then
	not_ok "the daemon answers /healthz at the end"
	kill_daemon
fi
finish
