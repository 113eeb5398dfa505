#!/bin/sh
# make bench: fresh daemons on loopback, each scenario of docs/PERFORMANCE.md
# run BENCH_RUNS times by build/bench/approvebench, one table at the end.
#
#   sh bench/run.sh BUILD
#
# BENCH_RUNS (3) and BENCH_ONLY ("1 2 3 4 5 6 7") choose what runs; the
# sizes can be made smaller while working on a scenario: BENCH_SECONDS (3),
# BENCH_CONNS (200), BENCH_HOLD (10000), BENCH_STORM (10000), BENCH_FINAL
# (1000000), BENCH_PENDING (10000), BENCH_KEYS (120). BENCH_KEEP=1 keeps
# the temporary folder (it is always kept when a scenario failed).
set -u
BUILD=${1:?usage: run.sh BUILD}
HERE=$(cd "$(dirname "$0")" && pwd)
AB=$BUILD/bench/approvebench
AD=$BUILD/approvald
RUNS=${BENCH_RUNS:-3}
ONLY=${BENCH_ONLY:-1 2 3 4 5 6 7}
SECS=${BENCH_SECONDS:-3}
CONNS=${BENCH_CONNS:-200}
HOLD=${BENCH_HOLD:-10000}
STORM=${BENCH_STORM:-10000}
FINAL=${BENCH_FINAL:-1000000}
PENDING=${BENCH_PENDING:-10000}
KEYS=${BENCH_KEYS:-120}
T=$(mktemp -d /tmp/approvald-bench.XXXXXX)
H=$T/home		# tokens, analyst.key, trusted-keys
RES=$T/results		# "figure run value" lines
NOTES=$T/notes
FAILED=0
DPID=
RPID=
TMUX_SOCK=approvebench-$$

log() { echo "bench: $*" >&2; }
note() { echo "$*" >>"$NOTES"; }

cleanup() {
	stop_daemon
	stop_redis
	tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	if [ "$FAILED" -ne 0 ] || [ "${BENCH_KEEP:-0}" = 1 ]; then
		log "kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ------------------------------------------------------------ the daemon

# The daemon raises its own soft descriptor limit to max_connections + 64,
# up to the hard limit; prlimit raises the hard one where that is allowed.
PRL=
MAXCONN=20000
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt $((MAXCONN + 64)) ]; then
	if prlimit --nofile=65536:65536 true 2>/dev/null; then
		PRL="prlimit --nofile=65536:65536"
	else
		MAXCONN=$((hard - 64))
		note "hard descriptor limit $hard (prlimit may not raise it):" \
		    "limits.max_connections $MAXCONN"
	fi
fi

# write_config DIR PORT: CONTRACT §2's policy and the bench's actions.
write_config() {
	cat >"$1/approvald.json" <<JSON
{
  "listen": "127.0.0.1:$2",
  "database": "approvald.db",
  "daemon_key": "daemon.key",
  "signer": "approvald",
  "limits": { "max_body_bytes": 65536, "rate_per_minute": 1000000,
              "max_timeout_s": 86400, "max_connections": $MAXCONN },
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
    "bench_review": { "timeout_s": 3600, "rules": [ { "then": "review", "groups": ["soc"] } ] },
    "bench_bulk": { "timeout_s": 3600, "rules": [ { "then": "review", "groups": ["bulk"] } ] },
    "bench_storm": { "timeout_s": 60, "rules": [ { "then": "review" } ] }
  }
}
JSON
}

# The template every daemon starts from: the analyst (group soc) and 16
# executors registered through the admin commands, as an operator would.
setup_template() {
	mkdir -p "$T/tpl" "$H"
	write_config "$T/tpl" "$("$AB" port)"
	{ "$AD" -c "$T/tpl/approvald.json" init >/dev/null &&
	    "$BUILD/approvetui" keygen --out "$H/analyst.key" >/dev/null &&
	    "$AD" -c "$T/tpl/approvald.json" analyst add bench \
	    --pubkey "$H/analyst.key.pub" --group soc >/dev/null; } \
	    2>>"$T/tpl/admin.log" || return 1
	i=1
	while [ $i -le 16 ]; do
		"$AD" -c "$T/tpl/approvald.json" executor add "bench-$i" \
		    --scope bench_review --scope bench_bulk \
		    --scope bench_storm >>"$H/tokens" 2>>"$T/tpl/admin.log" ||
		    return 1
		i=$((i + 1))
	done
	"$AD" -c "$T/tpl/approvald.json" keys export >"$H/trusted-keys" \
	    2>>"$T/tpl/admin.log"
}

# start_daemon NAME [DB]: a daemon in $T/NAME on a free port, on a copy of
# the template's database (or DB); sets D, PORT and DPID.
start_daemon() {
	D=$T/$1
	mkdir -p "$D"
	cp "${2:-$T/tpl/approvald.db}" "$D/approvald.db"
	cp "$T/tpl/daemon.key" "$D/"
	PORT=$("$AB" port)
	write_config "$D" "$PORT"
	$PRL "$AD" -c "$D/approvald.json" serve 2>>"$D/daemon.log" &
	DPID=$!
	i=0
	while ! curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$DPID" 2>/dev/null; then
			log "the daemon in $D did not start:"
			tail -5 "$D/daemon.log" >&2
			DPID=
			return 1
		fi
		sleep 0.05
	done
}

# stop_pid PID: SIGTERM, then SIGKILL after 10 s.
stop_pid() {
	kill "$1" 2>/dev/null || return 0
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

stop_daemon() {
	[ -n "$DPID" ] && stop_pid "$DPID"
	DPID=
}

# ---------------------------------------------------------------- Redis

REDIS_PORT=
start_redis() {
	if ! command -v redis-server >/dev/null 2>&1; then
		note "Redis rows skipped: redis-server is not installed" \
		    "(bench/deps.sh installs it)"
		return 1
	fi
	REDIS_PORT=$("$AB" port)
	mkdir -p "$T/redis"
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 \
	    --appendonly yes --appendfsync always --save "" \
	    --dir "$T/redis" --logfile "$T/redis/log" &
	RPID=$!
	i=0
	while ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$RPID" 2>/dev/null; then
			note "Redis rows skipped: redis-server did not start"
			RPID=
			return 1
		fi
		sleep 0.05
	done
}

stop_redis() {
	[ -n "$RPID" ] && stop_pid "$RPID"
	RPID=
}

# ------------------------------------------------------------ recording

# ab RUN LIMIT_S CMD ARGS...: run approvebench, bounded in time, and record
# its figures for this run. Non-zero when it failed.
ab() {
	run=$1 limit=$2
	shift 2
	if timeout "$limit" "$AB" "$@" >"$T/ab.out" 2>>"$T/ab.err"; then
		rc=0
	else
		rc=$?
		FAILED=1
		log "approvebench $1 (run $run) failed ($rc):"
		tail -5 "$T/ab.err" >&2
	fi
	while read -r k v; do echo "$k $run $v"; done <"$T/ab.out" >>"$RES"
	return $rc
}

# value FIGURE RUN: a recorded figure, empty when absent.
value() { awk -v k="$1" -v r="$2" '$1 == k && $2 == r { print $3 }' "$RES"; }

# ratio NAME RUN A B: record A / B of one run, when both are there.
ratio() {
	a=$(value "$3" "$2")
	b=$(value "$4" "$2")
	[ -n "$a" ] && [ -n "$b" ] && awk -v n="$1" -v r="$2" -v a="$a" \
	    -v b="$b" 'BEGIN { if (b > 0) printf "%s %s %.3f\n", n, r, a / b }' \
	    >>"$RES"
	return 0
}

# ------------------------------------------------------------ scenarios

scenario_1() {
	start_daemon "s1-$1" || return 1
	ab "$1" 60 cycle --home "$H" --port "$PORT" --seconds "$SECS"
	stop_daemon
	if [ -n "$RPID" ]; then
		ab "$1" 60 redis --port "$REDIS_PORT" --seconds "$SECS"
		ratio s1_ratio "$1" cycle_p50 redis_p50
	fi
}

# wrk, where installed, as a cross-check of approvebench's own count.
scenario_2() {
	start_daemon "s2-$1" || return 1
	ab "$1" 60 submit --home "$H" --port "$PORT" --conns "$CONNS" \
	    --seconds "$SECS"
	if command -v wrk >/dev/null 2>&1; then
		BENCH_TOKENS=$(cat "$H/tokens") timeout 60 wrk -t2 -c"$CONNS" \
		    -d"${SECS}s" -s "$HERE/submit.lua" \
		    "http://127.0.0.1:$PORT/v1/requests" 2>>"$T/ab.err" |
		    awk -v r="$1" '/^wrk_/ { print $1, r, $2 }' >>"$RES"
	fi
	stop_daemon
	ab "$1" 60 sqlraw --db "$D/raw.db" --seconds "$SECS"
	rm -f "$D"/raw.db*
	ratio s2_ratio "$1" submit_rate sqlraw_rate
}

scenario_3() {
	start_daemon "s3-$1" || return 1
	ab "$1" 60 release --home "$H" --port "$PORT" --conns "$CONNS" \
	    --seconds "$SECS"
	stop_daemon
}

scenario_4() {
	start_daemon "s4-$1" || return 1
	ab "$1" 180 hold --home "$H" --port "$PORT" --count "$HOLD" \
	    --pid "$DPID" --seconds "$SECS"
	stop_daemon
}

# The storm is due once its requests can all be in: S2's rate says when.
scenario_5() {
	rate=$(awk '$1 == "submit_rate" { print $3 }' "$RES" | sort -n |
	    head -1)
	lead=$(awk -v n="$STORM" -v r="${rate:-0}" 'BEGIN {
	    l = r > 0 ? 3500 + 3000 * n / r : 15000
	    printf "%d", (l < 4000 ? 4000 : (l > 50000 ? 50000 : l)) }')
	log "S5: the storm is due in $lead ms"
	start_daemon "s5-$1" || return 1
	ab "$1" 120 storm --home "$H" --port "$PORT" --count "$STORM" \
	    --lead-ms "$lead"
	stop_daemon
}

# One database with the history and the pending ones, re-armed each run.
scenario_6() {
	D6=$T/s6
	if [ ! -f "$D6/approvald.db" ]; then
		mkdir -p "$D6"
		cp "$T/tpl/approvald.db" "$T/tpl/daemon.key" "$D6/"
		log "S6: writing $FINAL final and $PENDING pending requests"
		ab 0 600 seed --db "$D6/approvald.db" "$FINAL" "$PENDING" \
		    bench_review || return 1
		log "S6: database of $(du -m "$D6/approvald.db" | cut -f1) MB"
	fi
	port=$("$AB" port)
	write_config "$D6" "$port"
	timeout 120 "$AB" startup --db "$D6/approvald.db" --daemon "$AD" \
	    --config "$D6/approvald.json" --port "$port" --count "$PENDING" \
	    >"$T/ab.out" 2>>"$D6/daemon.log" || {
		FAILED=1
		log "approvebench startup (run $1) failed:"
		tail -5 "$D6/daemon.log" >&2
	}
	while read -r k v; do echo "$k $1 $v"; done <"$T/ab.out" >>"$RES"
}

tm() { tmux -L "$TMUX_SOCK" -f /dev/null "$@"; }

# wait_pane REGEX SECONDS: poll the console's screen until it matches.
wait_pane() {
	n=0
	while [ $n -lt $(($2 * 10)) ]; do
		tm capture-pane -p -t tui 2>/dev/null | grep -Eq -- "$1" &&
		    return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

# cpu_ns PID: the CPU time the process has used, in ns: from schedstat
# (to the ns), else utime + stime (to the clock tick).
cpu_ns() {
	if [ -r "/proc/$1/schedstat" ]; then
		cut -d' ' -f1 "/proc/$1/schedstat"
	else
		awk -v hz="$(getconf CLK_TCK)" \
		    '{ printf "%.0f\n", ($14 + $15) * 1e9 / hz }' "/proc/$1/stat"
	fi
}

# tui_keys RUN: approvetui in tmux on the seeded daemon; KEYS presses of
# j, one every 20 ms, and its CPU time per press.
tui_keys() {
	tm new-session -d -s tui -x 160 -y 50 "echo \$\$ >'$D/tui.pid';
	    exec env LC_ALL=C.UTF-8 '$BUILD/approvetui' \
	    --url ws://127.0.0.1:$PORT --analyst bench --key '$H/analyst.key' \
	    --no-bell 2>'$D/tui.err'"
	if ! wait_pane "connected.*$PENDING pending" 30; then
		log "S7: approvetui never showed $PENDING pending:"
		tm capture-pane -p -t tui 2>/dev/null | head -3 >&2
		FAILED=1
		tm kill-server 2>/dev/null
		return 1
	fi
	pid=$(cat "$D/tui.pid")
	before=$(tm capture-pane -p -t tui | sed 1d)
	c0=$(cpu_ns "$pid")
	i=0
	while [ $i -lt "$KEYS" ]; do
		tm send-keys -t tui j
		sleep 0.02
		i=$((i + 1))
	done
	sleep 0.5
	c1=$(cpu_ns "$pid")
	after=$(tm capture-pane -p -t tui | sed 1d)
	wait_pane connected 1 || note "S7 run $1: the console was not" \
	    "connected after the key presses"
	tm kill-server 2>/dev/null
	if [ "$before" = "$after" ]; then
		log "S7: the key presses did not move the selection"
		FAILED=1
		return 1
	fi
	awk -v r="$1" -v c="$((c1 - c0))" -v k="$KEYS" \
	    'BEGIN { printf "tui_key_us %s %.0f\n", r, c / 1000 / k }' >>"$RES"
}

scenario_7() {
	if [ ! -f "$T/s7.db" ]; then
		cp "$T/tpl/approvald.db" "$T/s7.db"
		ab 0 120 seed --db "$T/s7.db" 1000 "$PENDING" bench_review ||
		    return 1
	fi
	start_daemon "s7-$1" "$T/s7.db" || return 1
	ab "$1" 120 snapshot --home "$H" --port "$PORT" --repeat 5
	tui_keys "$1"
	stop_daemon
}

# ---------------------------------------------------------------- table

# The rows: number|figure|scenario|what|unit|target|test|bound. unit: us,
# n, x, kb; test: le or ge, checked against the median of the runs.
rows() {
	cat <<'ROWS'
1|cycle_p50|1 cycle latency|approvald p50|us|||
1|cycle_p99||approvald p99|us|||
1|redis_p50||Redis (appendfsync always) p50|us|||
1|redis_p99||Redis p99|us|||
1|s1_ratio||approvald p50 / Redis p50|x|<= 1.0x|le|1.0
2|submit_rate|2 durable submits|acknowledged submits/s|n|>= 15000/s|ge|15000
2|wrk_rate||the same by wrk (cross-check)|n|||
2|sqlraw_rate||raw SQLite rows/s, 64 a commit|n|||
2|s2_ratio||approvald / raw SQLite|x|>= 0.5x|ge|0.5
3|release_p50|3 release latency|decide to release p50|us|||
3|release_p99||decide to release p99|us|<= 2 ms|le|2000
3|release_n||cycles timed|n|||
3|release_load_rate||submits/s meanwhile|n|||
4|hold_waiting|4 blocked executors|long-polls held|n|>= HOLD|ge|HOLD
4|hold_setup_us||time to park them all|us|||
4|hold_rss_kb||daemon RSS with them|kb|<= 150 MB|le|153600
4|hold_without_p50||cycle p50 without|us|||
4|hold_with_p50||cycle p50 with them|us|||
4|hold_ratio||with / without|x|<= 1.2x|le|1.2
5|storm_submitted|5 expiry storm|requests due in one second|n|||
5|storm_in_time||released, signed, <= 1 s late|n|>= STORM|ge|STORM
5|storm_late_p99||release after expires_at p99|us|||
5|storm_late_max||release after expires_at max|us|<= 1 s|le|1000000
5|storm_probe_max||console cycle during it, max|us|<= 100 ms|le|100000
5|storm_console_rtt_max||console decide to ack, max|us|||
5|storm_probe_n||console cycles done, 100 ms apart|n|||
5|storm_console_connected||console still logged in after it|n|>= 1|ge|1
5|storm_console_received||messages the console received|n|||
6|startup_healthy_us|6 start-up|exec to /healthz 200|us|<= 1 s|le|1000000
6|startup_expired||pending ones expired|n|>= PENDING|ge|PENDING
6|startup_late_max||expiry after expires_at max|us|<= 1 s|le|1000000
7|snapshot_requests|7 console at scale|requests in the snapshot|n|||
7|snapshot_p50||hello to snapshot received|us|<= 500 ms|le|500000
7|tui_key_us||approvetui CPU per key press|us|<= 16 ms|le|16000
ROWS
}

table() {
	rows | sed "s/HOLD/$HOLD/g; s/STORM/$STORM/g; s/PENDING/$PENDING/g" |
	    awk -F'|' -v res="$RES" -v only=" $ONLY " '
	function fmt(v, u) {
		if (v == "") return "-"
		if (u == "x") return sprintf("%.2fx", v)
		if (u == "kb") return sprintf("%.1f MB", v / 1024)
		if (u == "n") return sprintf("%d", v)
		if (v < 1000) return sprintf("%d us", v)
		if (v < 100000) return sprintf("%.2f ms", v / 1000)
		return sprintf("%d ms", v / 1000)
	}
	BEGIN {
		while ((getline line < res) > 0) {
			split(line, f, " ")
			n[f[1]]++
			v[f[1], n[f[1]]] = f[3] + 0
		}
		printf "%-20s %-32s %11s  %-23s %-11s %s\n", "scenario",
		    "figure", "median", "spread (min - max)", "target", "met"
	}
	index(only, " " $1 " ") == 0 { next }
	{
		$0 = substr($0, index($0, "|") + 1)
		k = $1; c = n[k] + 0
		for (i = 1; i <= c; i++) s[i] = v[k, i]
		for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++)
			if (s[j] < s[i]) { t = s[i]; s[i] = s[j]; s[j] = t }
		med = c == 0 ? "" : c % 2 ? s[(c + 1) / 2] : \
		    (s[c / 2] + s[c / 2 + 1]) / 2
		spread = c < 2 ? "" : fmt(s[1], $4) " - " fmt(s[c], $4)
		met = ""
		if ($6 != "" && c == 0) met = "no figure"
		else if ($6 == "le") met = med <= $7 + 0 ? "yes" : "NO"
		else if ($6 == "ge") met = med >= $7 + 0 ? "yes" : "NO"
		printf "%-20s %-32s %11s  %-23s %-11s %s\n", $2, $3, fmt(med, $4),
		    spread, $5, met
	}'
}

machine() {
	echo "approvald make bench, $(date -u '+%Y-%m-%d %H:%M UTC'):" \
	    "$RUNS runs per scenario, median and spread over the runs"
	echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' \
	    /proc/cpuinfo | head -1), Linux $(uname -r)"
	echo "load average (1, 5, 15 min) before: $LOAD0, after:" \
	    "$(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared)"
	echo "SQLite $(pkg-config --modversion sqlite3)," \
	    "libwebsockets $(pkg-config --modversion libwebsockets)," \
	    "libsodium $(pkg-config --modversion libsodium)," \
	    "$(redis-server --version 2>/dev/null |
	    sed 's/^Redis server v=\([^ ]*\).*/Redis \1/' || echo 'no Redis')"
}

# ---------------------------------------------------------------- main

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
log "temporary folder $T"
if ! setup_template; then
	FAILED=1
	log "setting up the template failed:"
	tail -5 "$T/tpl/admin.log" >&2
	exit 1
fi
touch "$RES" "$NOTES"
for s in $ONLY; do
	[ "$s" = 1 ] && start_redis
	r=1
	while [ $r -le "$RUNS" ]; do
		log "scenario $s, run $r of $RUNS"
		"scenario_$s" "$r" || FAILED=1
		stop_daemon
		r=$((r + 1))
	done
	[ "$s" = 1 ] && stop_redis
	[ "$s" = 6 ] && rm -rf "$T/s6"
done
mkdir -p "$BUILD/bench"
{
	machine
	echo
	table
	if [ -s "$NOTES" ]; then echo; sed 's/^/note: /' "$NOTES"; fi
} | tee "$BUILD/bench/last-run.txt"
cp "$RES" "$BUILD/bench/last-run.figures"
exit "$FAILED"
