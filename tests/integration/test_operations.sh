#!/bin/sh
# Operating the daemon: SIGHUP reloads the policy (a bad one is refused and
# the old one kept), SIGTERM answers parked long-polls before it stops.
. "$(dirname "$0")/lib.sh"

write_config
adm init >/dev/null 2>&1
start_daemon || { not_ok "daemon starts"; finish; exit 1; }
TOKEN=$(new_executor agent block_ip refund)

r=$(api POST /v1/requests '{"action":"block_ip","target":"203.0.113.1","justification":"x"}')
PENDING=$(jget "${r#* }" id)
cp "$CFG" "$T/good.json"
sed -i 's/"then": "review" }/"then": "revue" }/' "$CFG"
kill -HUP "$DAEMON_PID"
sleep 0.3
check "a bad policy on SIGHUP is refused with the file and key" \
    grep -q 'event=reload_refused.*approvald.json: actions.block_ip.rules\[1\].then' "$T/daemon.log"
r=$(api POST /v1/requests '{"action":"block_ip","target":"203.0.113.2","justification":"x"}')
expect_eq "the old policy is kept" pending "$(jget "${r#* }" state)"
sed 's/"then": "review" }/"then": "deny", "reason": "blocks paused" }/' "$T/good.json" > "$CFG"
kill -HUP "$DAEMON_PID"
sleep 0.3
check "a good policy on SIGHUP is loaded" grep -q 'event=reloaded' "$T/daemon.log"
r=$(api POST /v1/requests '{"action":"block_ip","target":"203.0.113.3","justification":"x"}')
expect_eq "the new policy decides new requests" "denied blocks paused" \
    "$(jget "${r#* }" state) $(jget "${r#* }" signatures.0.reason)"
r=$(api GET "/v1/requests/$PENDING")
expect_eq "a pending request keeps what it recorded" "pending block_ip rule 2" \
    "$(jget "${r#* }" state) $(jget "${r#* }" rule)"
sed 's/"listen": "127.0.0.1:[0-9]*"/"listen": "127.0.0.1:1"/' "$T/good.json" > "$CFG"
kill -HUP "$DAEMON_PID"
sleep 0.3
check "a listen change on SIGHUP is refused" \
    grep -q 'event=reload_refused.*only on restart' "$T/daemon.log"
cp "$T/good.json" "$CFG"

# SIGTERM: the parked long-poll is answered, not cut.
curl -s -o "$T/lp.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    "$URL/v1/requests/$PENDING?wait=30" > "$T/lp.code" &
LPID=$!
sleep 0.3
start=$(date +%s%N)
stop_daemon
wait $LPID
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "SIGTERM answers a parked long-poll with the view" "200 pending" \
    "$(cat "$T/lp.code") $(jget "$(cat "$T/lp.json")" state)"
echo "# SIGTERM drain took ${elapsed} ms"
start_daemon || not_ok "daemon restarts"
r=$(api GET "/v1/requests/$PENDING")
expect_eq "the request is still pending after the restart" pending "$(jget "${r#* }" state)"
finish
