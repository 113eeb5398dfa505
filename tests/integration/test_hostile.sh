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
n=$(grep -c 'event=console_slow' "$T/daemon.log")
expect_eq "the slow console is logged once" 1 "$n"
lines=$(wc -l < "$T/daemon.log")
echo "# daemon log: $lines lines"
finish
