#!/bin/sh
# The console WebSocket (CONTRACT §5) with a real signing client.
. "$(dirname "$0")/lib.sh"

write_config
adm init >/dev/null 2>&1
mkdir -p "$T/keys"
for a in bob:soc carol:soc alice:soc eve:ops dave:soc; do
	name=${a%%:*}
	"$BIN/approvetui" keygen --out "$T/keys/$name.key" >/dev/null
	adm analyst add "$name" --pubkey "$T/keys/$name.key.pub" --group "${a#*:}" >/dev/null
done
start_daemon || { not_ok "daemon starts"; finish; exit 1; }
TOKEN=$(new_executor agent isolate_host quick_check)
adm keys export > "$T/trusted"
"$PY" "$HERE/console_test.py" "$URL" "$TOKEN" "$T/keys" "$T/trusted" "$CFG" "$BIN"
rc=$?
[ $rc -eq 0 ] || NFAIL=$((NFAIL + 1))
check "audit chain verifies after the console tests" adm audit verify
n=$(sqlite3 "$T/approvald.db" "SELECT count(*) FROM audit WHERE event = 'decision_refused'")
if [ "$n" -ge 8 ]; then ok "refused decisions are in the audit chain ($n)"; else not_ok "refused decisions audited: $n"; fi
finish
