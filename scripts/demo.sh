#!/bin/sh
# make demo: a daemon on the CONTRACT §2 example policy, a demo executor
# submitting a realistic mix of actions, and the analyst console.
# Everything lives in a scratch folder; Ctrl-C stops everything started.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$top/build}
DIR=${DEMO_DIR:-$(mktemp -d /tmp/approvald-demo.XXXXXX)}
PORT=${DEMO_PORT:-8470}
pids=""

stop() {
	trap - EXIT INT TERM
	[ ! -f "$DIR/executor.pid" ] ||
	    kill -TERM "-$(cat "$DIR/executor.pid")" 2>/dev/null || true
	for p in $pids; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	echo "demo: stopped; its files are in $DIR"
}
trap stop EXIT
trap 'exit 130' INT TERM

# curl exits 7 when nothing listens on the port.
curl -s -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null && rc=0 || rc=$?
if [ "$rc" -ne 7 ]; then
	PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
fi

sed "s/@PORT@/$PORT/" "$top/scripts/demo-config.json" > "$DIR/approvald.json"
cfg="$DIR/approvald.json"
"$BIN/approvald" -c "$cfg" init >/dev/null 2>&1
[ -f "$DIR/analyst.key" ] || "$BIN/approvetui" keygen --out "$DIR/analyst.key" >/dev/null
"$BIN/approvald" -c "$cfg" analyst add you --pubkey "$DIR/analyst.key.pub" \
    --group soc >/dev/null 2>&1 || true
"$BIN/approvald" -c "$cfg" serve 2>>"$DIR/approvald.log" &
pids="$pids $!"
i=0
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "demo: daemon did not start; see $DIR/approvald.log"; exit 1; }
	sleep 0.05
done
"$BIN/approvald" -c "$cfg" keys export > "$DIR/trusted-keys"
token=$("$BIN/approvald" -c "$cfg" executor add "soar-playbook-$$" \
    --scope isolate_host --scope block_ip --scope refund --scope send_bulk_email)

echo "approvald demo: daemon on 127.0.0.1:$PORT, files in $DIR"
echo "The demo executor asks for nine actions; policy decides some at once:"
: > "$DIR/outcomes.log"
# Its own session, so that stopping it stops every approvectl it started.
APPROVE_URL="http://127.0.0.1:$PORT" APPROVE_TOKEN=$token \
    setsid sh "$top/scripts/demo-executor.sh" "$BIN" "$DIR" &
sleep 1.5
cat "$DIR/outcomes.log"
shown=$(wc -l < "$DIR/outcomes.log")

if [ -t 0 ] && [ -t 1 ]; then
	echo "The rest wait for a human. Opening the console as analyst 'you'"
	echo "(j/k select, a approve, d deny, ? help, q quit)..."
	sleep 2
	"$BIN/approvetui" --url "ws://127.0.0.1:$PORT" --analyst you \
	    --key "$DIR/analyst.key" || true
else
	echo "No terminal, so no console. To decide, run in a terminal:"
	echo "  $BIN/approvetui --url ws://127.0.0.1:$PORT --analyst you --key $DIR/analyst.key"
	sleep "${DEMO_SECONDS:-5}"
fi
echo "Outcomes released to the executor since:"
tail -n "+$((shown + 1))" "$DIR/outcomes.log"
