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
TOKEN=$(new_executor agent isolate_host quick_check disable_account)
adm keys export > "$T/trusted"
"$PY" "$HERE/console_test.py" "$URL" "$TOKEN" "$T/keys" "$T/trusted" "$CFG" "$BIN"
rc=$?
[ $rc -eq 0 ] || NFAIL=$((NFAIL + 1))
check "audit chain verifies after the console tests" adm audit verify
n=$(sqlite3 "$T/approvald.db" "SELECT count(*) FROM audit WHERE event = 'decision_refused'")
if [ "$n" -ge 8 ]; then ok "refused decisions are in the audit chain ($n)"; else not_ok "refused decisions audited: $n"; fi

m=$(curl -s "$URL/metrics")
expect_match "metrics: submitted by action and state" \
    '^approvald_requests_submitted_total\{action="isolate_host",state="pending"\} [1-9]' "$m"
expect_match "metrics: final by action and state" \
    'approvald_requests_final_total\{action="isolate_host",state="denied"\} [1-9]' "$m"
expect_match "metrics: refusals by reason" \
    'approvald_decisions_refused_total\{code="bad_signature"\} 2' "$m"
expect_match "metrics: decision latency histogram" \
    'approvald_decision_latency_seconds_count [1-9]' "$m"
expect_match "metrics: pending gauge" 'approvald_requests_pending [0-9]+' "$m"
expect_match "metrics: consoles gauge" 'approvald_consoles_connected 0' "$m"
if printf '%s' "$m" | grep -q "$TOKEN"; then not_ok "metrics hold no token"; else ok "metrics hold no token"; fi
finish
