#!/bin/sh
# Hostile clients: slow-loris, silent and garbage connections, oversized
# headers, a console that never says hello and one that never reads. The
# daemon keeps serving everyone else and logs each cause once.
. "$(dirname "$0")/lib.sh"

write_config
adm init >/dev/null 2>&1
"$BIN/approvetui" keygen --out "$T/bob.key" >/dev/null
adm analyst add bob --pubkey "$T/bob.key.pub" --group soc >/dev/null
start_daemon || { not_ok "daemon starts"; finish; exit 1; }
TOKEN=$(new_executor agent block_ip)
"$PY" "$HERE/hostile.py" "$URL" "$TOKEN" "$T/bob.key" bob
[ $? -eq 0 ] || NFAIL=$((NFAIL + 1))
# Cut off for its queue or, when slower than that (valgrind), for not
# answering pings: either way one line, not one per message.
n=$(grep -c 'event=console_slow' "$T/daemon.log")
if [ "$n" -le 1 ]; then ok "the slow console is logged at most once ($n)"; else
	not_ok "the slow console is logged $n times"; fi
lines=$(wc -l < "$T/daemon.log")
echo "# daemon log: $lines lines"
finish
