#!/bin/sh
# Secrets stay out: tokens, keys and secret-shaped values from the agent
# never reach the daemon's log, the metrics, the audit export or
# approvectl's human output (the console's screen is checked in
# test_tui.sh), while the digest still covers the exact bytes.
. "$(dirname "$0")/lib.sh"

write_config
adm init >/dev/null 2>&1
"$BIN/approvetui" keygen --out "$T/bob.key" >/dev/null
adm analyst add bob --pubkey "$T/bob.key.pub" --group soc >/dev/null
start_daemon || { not_ok "daemon starts"; finish; exit 1; }
TOKEN=$(new_executor agent isolate_host block_ip)

AWS=AKIAIOSFODNN7EXAMPLE
GHP=ghp_16C7e42F292c6912E7710c838347Ae178B4a
PASS='hunter2-Correct-Horse-9'
STRIPE=sk_live_4eC39HqLyjWDarjtT1zdp7dc
body="{\"action\":\"isolate_host\",\"target\":\"$STRIPE\",\"params\":{\"password\":\"$PASS\",\"api_token\":\"$GHP\"},\"justification\":\"leaked $AWS and Authorization: Bearer $GHP\"}"
r=$(api POST /v1/requests "$body")
ID=$(jget "${r#* }" id)
expect_eq "the request is accepted" 201 "${r%% *}"
expect_eq "the digest covers the exact bytes, secrets included" \
    "$(printf '%s' "$body" | sha256sum | cut -d' ' -f1)" "$(jget "${r#* }" digest)"
APPROVE_URL=$URL APPROVE_TOKEN=$TOKEN "$BIN/approvectl" status "$ID" > "$T/ctl.out" 2>&1
curl -s "$URL/metrics" > "$T/metrics.out"
adm audit export > "$T/export.jsonl"
adm keys export > "$T/keys.out"
stop_daemon
seed=$(cut -d' ' -f2 "$T/daemon.key")
bobseed=$(cut -d' ' -f2 "$T/bob.key")
for f in daemon.log ctl.out metrics.out export.jsonl keys.out; do
	leaked=""
	for s in "$AWS" "$GHP" "$PASS" "$STRIPE" "$TOKEN" "$seed" "$bobseed"; do
		grep -qF -- "$s" "$T/$f" && leaked="$leaked ${s%"${s#????????}"}..."
	done
	expect_eq "no secret in $f" "" "$leaked"
done
expect_match "the export shows the target redacted" '"target":"\[REDACTED\]"' "$(cat "$T/export.jsonl")"
tokens=$(sqlite3 "$T/approvald.db" "SELECT count(*) FROM executors WHERE length(token_hash) = 32")
expect_eq "the token is stored as a 32-byte hash" 1 "$tokens"
mode=$(stat -c %a "$T/approvald.db")
expect_eq "the database is readable by the daemon's user only" 600 "$mode"
finish
