#!/bin/sh
# A new operator's first steps against the real programs: help without a
# configuration, `init` writing a starter configuration that serves, admin
# messages that say what happened, warnings for setups that cannot work,
# and the audit entries for the policy (with its SHA-256, which each
# request records), for scope refusals (rate-limited), and the age of the
# oldest pending request in /metrics.
. "$(dirname "$0")/lib.sh"

D="$T/new"
mkdir "$D"
NONE="$T/none.json"

# Subcommand --help needs no configuration.
out=$(APPROVALD_CONFIG=$NONE "$BIN/approvald" analyst --help)
expect_eq "analyst --help without a configuration: 0" 0 $?
expect_match "shows the analyst commands" "analyst add NAME --pubkey FILE" "$out"
out=$("$BIN/approvald" -c "$NONE" executor --help)
expect_eq "executor --help: 0" 0 $?
expect_match "shows executor resume" "executor resume NAME" "$out"
check "serve --help: 0" "$BIN/approvald" -c "$NONE" serve --help
[ ! -e "$NONE" ] && ok "help wrote nothing" || not_ok "help created $NONE"

# init writes a starter configuration when there is none.
CFG="$D/approvald.json"
out=$("$BIN/approvald" -c "$CFG" init 2>&1)
expect_eq "init in an empty folder: 0" 0 $?
expect_match "says it wrote the configuration" "wrote .*approvald.json" "$out"
expect_eq "the configuration is mode 0600" 600 "$(stat -c %a "$CFG")"
expect_eq "it listens on loopback" "127.0.0.1:8470" "$(jget "$(cat "$CFG")" listen)"
expect_match "it carries _comment notes" "_comment" "$(cat "$CFG")"
expect_eq "it has the example policy's actions" "block_ip,isolate_host,refund" \
    "$("$PY" -c 'import json,sys; print(",".join(sorted(json.load(open(sys.argv[1]))["actions"])))' "$CFG")"
expect_eq "and turns the circuit breaker on" 10 \
    "$(jget "$(cat "$CFG")" limits.suspend_after.denials)"
[ -f "$D/approvald.db" ] && [ -f "$D/daemon.key" ] &&
    ok "database and key created beside it" || not_ok "no database or key"
expect_eq "the key is mode 0600" 600 "$(stat -c %a "$D/daemon.key")"
cp "$CFG" "$T/before.json"
"$BIN/approvald" -c "$CFG" init >/dev/null 2>&1
expect_eq "init again: 0" 0 $?
cmp -s "$CFG" "$T/before.json" && ok "and the configuration is left alone" ||
    not_ok "init rewrote an existing configuration"
"$BIN/approvald" -c "$T/no/such/dir/a.json" init >/dev/null 2>&1
expect_eq "init where the file cannot be written: 1" 1 $?

# "_comment" is a note, of fixed types; every other unknown key is refused.
printf '{"_comment": 5, "actions": {}}' > "$T/bad.json"
err=$("$BIN/approvald" -c "$T/bad.json" executor list 2>&1)
expect_eq "a _comment that is not text: 78" 78 $?
expect_match "says where" "_comment: must be a string or an array of strings" "$err"
printf '{"_coment": "x", "actions": {}}' > "$T/bad.json"
"$BIN/approvald" -c "$T/bad.json" executor list >/dev/null 2>&1
expect_eq "a misspelt _comment is an unknown key: 78" 78 $?
printf '{"actions": {"a": {"_comment": ["x", "y"], "rules": [{"_comment": "z", "then": "deny"}]}}, "limits": {"_comment": "w"}}' > "$T/ok.json"
"$BIN/approvald" -c "$T/ok.json" executor --help >/dev/null &&
"$BIN/approvald" -c "$T/ok.json" init >/dev/null 2>&1
expect_eq "_comment in actions, rules and limits loads" 0 $?

# The starter serves (on a free port instead of 8470).
PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
sed "s/127.0.0.1:8470/127.0.0.1:$PORT/" "$CFG" > "$T/port.json" &&
    cat "$T/port.json" > "$CFG"

# Admin messages that say what happened; warnings at executor add.
out=$(adm executor add soar-1 --scope isolate_hots --scope refund 2>"$T/add.err")
expect_eq "executor add with an unknown scope still works: 0" 0 $?
expect_match "prints the token" "^apv_" "$out"
expect_match "and warns about the scope" \
    "warning: executor soar-1: scope isolate_hots names no action" "$(cat "$T/add.err")"
adm executor add soar-2 --scope refund 2>"$T/add.err" >/dev/null
expect_eq "no warning when every scope is an action" "" "$(cat "$T/add.err")"
adm executor revoke soar-2 >/dev/null
err=$(adm executor revoke soar-2 2>&1)
expect_eq "revoke twice: 1" 1 $?
expect_eq "says it is already revoked" "approvald: executor soar-2 is already revoked" "$err"
err=$(adm executor revoke soar-9 2>&1)
expect_match "revoke of an unknown executor says so" "no executor named soar-9" "$err"

# serve warns about the scope and about the rule nobody can decide.
start_daemon || { not_ok "the starter configuration serves"; finish; exit 1; }
ok "the starter configuration serves"
grep -q 'event=setup_warning msg="executor soar-1: scope isolate_hots names no action' \
    "$T/daemon.log" && ok "serve warns about the scope" ||
    not_ok "serve did not warn about the scope"
grep -q 'event=setup_warning msg="isolate_host rule 3: no registered analyst' \
    "$T/daemon.log" && ok "serve warns about a rule whose groups are empty" ||
    not_ok "serve did not warn about the empty group"
grep -q 'setup_warning msg="executor soar-2' "$T/daemon.log" &&
    not_ok "warned about a revoked executor" || ok "revoked executors are not checked"

# The policy's SHA-256 in the audit and on every request.
SHA1=$(sha256sum "$CFG" | cut -d' ' -f1)
expect_match "policy_loaded records the file's SHA-256" \
    "\"event\":\"policy_loaded\",\"data\":\\{[^}]*\"policy_sha256\":\"$SHA1\"" \
    "$(adm audit export)"
AGENT=$(new_executor agent refund isolate_host 2>/dev/null)
TOKEN=$AGENT
api POST /v1/requests '{"action":"refund","target":"o-1","params":{"amount":900},"justification":"x"}' > "$T/r1"
ID1=$(jget "$(cut -d' ' -f2- "$T/r1")" id)
expect_eq "the request records the policy it was decided under" "$SHA1" \
    "$(sqlite3 "$D/approvald.db" "SELECT policy_sha256 FROM requests WHERE id = '$ID1'")"
expect_match "and so does its submitted audit entry" \
    "\"event\":\"submitted\",\"data\":\\{\"id\":\"$ID1\"[^}]*\"policy_sha256\":\"$SHA1\"" \
    "$(adm audit export)"

# A reload: audited with the new SHA-256, and the warnings again.
"$BIN/approvetui" keygen --out "$T/bob.key" >/dev/null
adm analyst add bob --pubkey "$T/bob.key.pub" --group soc >/dev/null
sed 's/"timeout_s":	600/"timeout_s":	700/' "$CFG" > "$T/port.json" &&
    cat "$T/port.json" > "$CFG"
SHA2=$(sha256sum "$CFG" | cut -d' ' -f1)
[ "$SHA1" != "$SHA2" ] && ok "the edit changed the file" || not_ok "the edit changed nothing"
kill -HUP "$DAEMON_PID"
i=0
while ! grep -q 'event=reloaded' "$T/daemon.log" && [ $i -lt 100 ]; do
	i=$((i + 1)); sleep 0.05
done
expect_match "policy_reloaded records the new SHA-256" \
    "\"event\":\"policy_reloaded\",\"data\":\\{[^}]*\"policy_sha256\":\"$SHA2\"" \
    "$(adm audit export)"
expect_eq "the reload warns about the scope again" 2 \
    "$(grep -c 'setup_warning msg="executor soar-1' "$T/daemon.log")"
expect_eq "but not about the group bob is now in" 1 \
    "$(grep -c 'setup_warning msg="isolate_host rule 3' "$T/daemon.log")"
api POST /v1/requests '{"action":"refund","target":"o-2","params":{"amount":900},"justification":"x"}' > "$T/r2"
ID2=$(jget "$(cut -d' ' -f2- "$T/r2")" id)
expect_eq "a request after the reload records the new policy" "$SHA2" \
    "$(sqlite3 "$D/approvald.db" "SELECT policy_sha256 FROM requests WHERE id = '$ID2'")"

# 403 scope refusals are audited, at most once a minute per executor.
NARROW=$(new_executor narrow refund)
for i in 1 2 3 4 5; do
	TOKEN=$NARROW api POST /v1/requests \
	    '{"action":"isolate_host","target":"ws-1","justification":"x"}' > "$T/r403"
done
expect_match "a scope refusal is a 403" '^403 .*forbidden' "$(cat "$T/r403")"
expect_eq "five refusals in a row: one audit entry" 1 \
    "$(adm audit export | grep -c '"event":"scope_refused","data":{"executor":"narrow","action":"isolate_host","suppressed":0}')"

# The age of the oldest pending request.
expect_match "/metrics has the oldest pending request's age" \
    '^approvald_oldest_pending_seconds [0-9]+$' "$(curl -s "$URL/metrics")"
sleep 1.2
age=$(curl -s "$URL/metrics" | sed -n 's/^approvald_oldest_pending_seconds //p')
[ "$age" -ge 1 ] 2>/dev/null && ok "it grows while the request waits ($age s)" ||
    not_ok "oldest_pending_seconds is $age"
TOKEN=$AGENT
api DELETE "/v1/requests/$ID1" >/dev/null
api DELETE "/v1/requests/$ID2" >/dev/null
expect_match "and is 0 when nothing is pending" \
    'approvald_oldest_pending_seconds 0' "$(curl -s "$URL/metrics")"
check "the audit chain is intact" adm audit verify
finish
