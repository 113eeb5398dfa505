#!/bin/sh
# The docs as a new user would copy them: every command of README.md's
# setup section and of the man pages' EXAMPLES, taken from the docs' own
# text (doc_commands.py says how), run in order from empty folders against
# real daemons. A command that fails, or whose output is not what the doc
# shows, fails here.
. "$(dirname "$0")/lib.sh"

TOP=$(cd "$HERE/../.." && pwd)
W="$T/docs"
mkdir -p "$W" "$T/home"

# What doc_commands.py's script calls between the commands.
cat > "$W/prelude.sh" <<SH
PATH="$BIN:\$PATH"
HOME="$T/home"
export PATH HOME
DOC_PORT=
isolate() { echo "isolated \$*"; }
doc_status() { return "\$(cat "$W/last.rc" 2>/dev/null || echo 0)"; }
doc_port() {
	DOC_PORT=\$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	sed -i "s/127.0.0.1:8470/127.0.0.1:\$DOC_PORT/" approvald.json
}
doc_healthy() {
	i=0
	while ! curl -sf -m 2 "http://127.0.0.1:\$DOC_PORT/healthz" >/dev/null; do
		i=\$((i + 1)); [ \$i -gt 200 ] && return 1; sleep 0.05
	done
}
doc_stop() {
	[ -s "$W/serve.pid" ] || return 0
	kill "\$(cat "$W/serve.pid")"; wait "\$(cat "$W/serve.pid")"
	echo \$? >> "$W/serve.rc"; : > "$W/serve.pid"
}
doc_reload() {
	n=\$(grep -c 'event=reloaded' "$W"/err.* | awk -F: '{s += \$2} END {print s}')
	kill -HUP "\$(cat "$W/serve.pid")" || return 1
	i=0
	while [ "\$(grep -c 'event=reloaded' "$W"/err.* | awk -F: '{s += \$2} END {print s}')" = "\$n" ]; do
		i=\$((i + 1)); [ \$i -gt 100 ] && return 1; sleep 0.05
	done
}
doc_last_id() {
	APPROVE_TOKEN=\$(cat soar-1.token) approvectl list --limit 1 --json |
	    "$PY" -c 'import json,sys; print(json.load(sys.stdin)["requests"][0]["id"])'
}
doc_trip() {
	for i in 1 2 3 4 5 6 7 8 9 10; do
		APPROVE_URL="http://127.0.0.1:\$DOC_PORT" APPROVE_TOKEN=\$(cat soar-1.token) \
		    approvectl request --action isolate_host --target dc-0\$i \
		    --justification probe >/dev/null 2>&1
	done
}
doc_console_start() {
	"$PY" "$HERE/doc_console.py" "http://127.0.0.1:\$DOC_PORT" bob bob.key "$HERE" \
	    > "$W/console.log" 2>&1 &
	echo \$! > "$W/console.pid"
	sleep 0.5
}
doc_console_stop() {
	kill "\$(cat "$W/console.pid")" 2>/dev/null; wait "\$(cat "$W/console.pid")" 2>/dev/null
}
SH

"$PY" "$HERE/doc_commands.py" script "$TOP" "$W" > "$W/script.sh" ||
    { not_ok "the docs' commands can be read"; finish; exit 1; }
sh "$W/script.sh" > "$W/script.log" 2>&1 < /dev/null
"$PY" "$HERE/doc_commands.py" check "$TOP" "$W" > "$W/results"
while IFS="$(printf '\t')" read -r verdict what detail; do
	case $verdict in
	PASS) ok "$what" ;;
	FAIL) not_ok "$what"; echo "#   $detail" ;;
	COUNT) [ "$what" -ge 20 ] && ok "$what commands found in the docs" ||
	    not_ok "only $what commands found in the docs" ;;
	esac
done < "$W/results"
expect_eq "every daemon the docs started stopped cleanly" "0 0" \
    "$(tr '\n' ' ' < "$W/serve.rc" | sed 's/ $//')"
finish
