#!/bin/sh
# The executor HTTP API (CONTRACT §3) against a real daemon, with curl.
. "$(dirname "$0")/lib.sh"

write_config
check "init creates the database and key" adm init
mode=$(stat -c %a "$T/daemon.key")
expect_eq "daemon key file is 0600" 600 "$mode"
start_daemon || { not_ok "daemon starts"; finish; exit 1; }
ok "daemon starts and /healthz answers"

r=$(curl -s "$URL/healthz")
expect_eq "healthz body" '{"status":"ok"}' "$r"

TOKEN=$(new_executor agent-7 isolate_host block_ip refund quick_check)
expect_match "executor token printed once, prefixed" '^apv_[0-9a-f]{64}$' "$TOKEN"
if grep -q "$TOKEN" "$T/approvald.db" "$T"/approvald.db-wal 2>/dev/null; then
	not_ok "token is not stored in clear"
else
	ok "token is not stored in clear"
fi

body='{"action":"isolate_host","target":"ws-042","params":{"ticket":"INC-7"},"justification":"EDR alert 5521: beaconing to known C2","on_behalf_of":"alice"}'
r=$(api POST /v1/requests "$body")
expect_eq "pending request answers 201" 201 "${r%% *}"
view=${r#* }
ID=$(jget "$view" id)
expect_match "id is time-ordered req_" '^req_[0-9a-f]{32}$' "$ID"
expect_eq "state pending" pending "$(jget "$view" state)"
expect_eq "rule recorded" "isolate_host rule 3" "$(jget "$view" rule)"
expect_eq "executor recorded" agent-7 "$(jget "$view" executor)"
digest=$(printf '%s' "$body" | sha256sum | cut -d' ' -f1)
expect_eq "digest is sha256 of exact body" "$digest" "$(jget "$view" digest)"
b64=$(printf '%s' "$body" | base64 -w0)
expect_eq "body is base64 of exact bytes" "$b64" "$(jget "$view" body)"
expires=$(jget "$view" expires_at); created=$(jget "$view" created_at)
expect_eq "timeout_s from the action" 600000 $((expires - created))

r=$(api GET "/v1/requests/$ID")
expect_eq "GET answers at once" "200 pending" "${r%% *} $(jget "${r#* }" state)"

# Policy decisions at once, signed by the daemon.
r=$(api POST /v1/requests '{"action":"isolate_host","target":"dc-01","justification":"x"}')
v=${r#* }
expect_eq "domain controller denied at once (200)" "200 denied" "${r%% *} $(jget "$v" state)"
expect_eq "deny reason is the rule's" "domain controllers are never isolated by automation" "$(jget "$v" signatures.0.reason)"
expect_eq "daemon signed it" approvald "$(jget "$v" signatures.0.signer)"
r=$(api POST /v1/requests '{"action":"refund","target":"order-1","params":{"amount":120},"justification":"x"}')
v=${r#* }
expect_eq "small refund approved at once" "200 approved" "${r%% *} $(jget "$v" state)"
expect_eq "default reason is the rule position" "refund rule 2" "$(jget "$v" signatures.0.reason)"
r=$(api POST /v1/requests '{"action":"refund","target":"order-2","params":{"amount":"120"},"justification":"x"}')
expect_eq "string amount fails closed to review" pending "$(jget "${r#* }" state)"
r=$(api POST /v1/requests '{"action":"block_ip","target":"::ffff:10.1.2.3","justification":"x"}')
expect_eq "v4-mapped private address denied" denied "$(jget "${r#* }" state)"
r=$(api POST /v1/requests '{"action":"block_ip","target":"167837955","justification":"x"}')
expect_eq "10.1.2.3 spelled as one number is denied" denied "$(jget "${r#* }" state)"

# Scope, auth and unknown actions.
TOKEN2=$(new_executor narrow refund)
TOKEN_SAVE=$TOKEN; TOKEN=$TOKEN2
r=$(api POST /v1/requests '{"action":"isolate_host","target":"ws-1","justification":"x"}')
expect_eq "action outside scope is 403" 403 "${r%% *}"
expect_eq "error shape" forbidden "$(jget "${r#* }" error.code)"
r=$(api GET "/v1/requests/$ID")
expect_eq "another executor's request is 404" 404 "${r%% *}"
TOKEN=apv_0000000000000000000000000000000000000000000000000000000000000000
r=$(api GET "/v1/requests/$ID")
expect_eq "bad token is 401" "401 unauthorized" "${r%% *} $(jget "${r#* }" error.code)"
TOKEN=$TOKEN_SAVE
TOKEN3=$(new_executor wide nosuch_action)
TOKEN=$TOKEN3
r=$(api POST /v1/requests '{"action":"nosuch_action","target":"x","justification":"x"}')
expect_eq "action missing from policy denied at once" "200 denied" "${r%% *} $(jget "${r#* }" state)"
TOKEN=$TOKEN_SAVE
check "revoke executor" adm executor revoke wide
TOKEN=$TOKEN3
r=$(api GET "/v1/requests/$ID")
expect_eq "revoked token is 401" 401 "${r%% *}"
TOKEN=$TOKEN_SAVE
NOSCOPE=$(new_executor noscope)
TOKEN=$NOSCOPE
r=$(api POST /v1/requests '{"action":"refund","target":"o","params":{"amount":1},"justification":"x"}')
expect_eq "executor without scopes may request nothing" 403 "${r%% *}"
TOKEN=$TOKEN_SAVE

# GET /v1/requests: own requests only, newest first, bounded, the query
# checked whole.
r=$(api GET '/v1/requests?limit=2')
expect_eq "list: 200" 200 "${r%% *}"
ids=$(printf '%s' "${r#* }" | "$PY" -c 'import json,sys; print(" ".join(x["id"] for x in json.load(sys.stdin)["requests"]))')
expect_eq "limit=2: two summaries" 2 "$(echo $ids | wc -w)"
expect_eq "newest first" "$(echo $ids | tr ' ' '\n' | sort -r | tr '\n' ' ')" "$ids "
r=$(api GET '/v1/requests?state=pending&limit=100')
expect_eq "state=pending: only pending ones" "pending" \
    "$(printf '%s' "${r#* }" | "$PY" -c 'import json,sys; print(",".join(sorted(set(x["state"] for x in json.load(sys.stdin)["requests"]))))')"
expect_match "the list holds the first request" "$ID" "$r"
r=$(TOKEN=$TOKEN2 api GET '/v1/requests?limit=100')
expect_eq "another executor lists none of them" '200 {"requests":[]}' "$r"
r=$(api GET '/v1/requests')
expect_eq "no query: at most 20" 20 \
    "$(printf '%s' "${r#* }" | "$PY" -c 'import json,sys; r=json.load(sys.stdin)["requests"]; print(20 if len(r) <= 20 else len(r))')"
for q in 'state=bogus' 'limit=0' 'limit=101' 'limit=x' 'limit=5&limit=6' \
    'state=pending&state=denied' 'wait=5' 'limit=' "state=$(printf 'p%.0s' $(seq 80))"; do
	r=$(api GET "/v1/requests?$q")
	expect_eq "query $(printf '%.24s' "$q"): 400" "400 bad_request" \
	    "${r%% *} $(jget "${r#* }" error.code)"
done
r=$(TOKEN=apv_0000000000000000000000000000000000000000000000000000000000000000 api GET '/v1/requests')
expect_eq "list without a valid token: 401" 401 "${r%% *}"
r=$(api PUT '/v1/requests')
expect_eq "PUT /v1/requests: 405" 405 "${r%% *}"

# Hostile bodies: each a clear 4xx, and the daemon keeps serving.
for case in \
    'not json' \
    '[1,2]' \
    '{"action":"isolate_host","target":"ws","justification":"x","extra":1}' \
    '{"action":"Isolate","target":"ws","justification":"x"}' \
    '{"action":"isolate_host","target":"","justification":"x"}' \
    '{"action":"isolate_host","target":"ws\u001b[2J","justification":"x"}' \
    '{"action":"isolate_host","target":"ws","justification":""}' \
    '{"action":"isolate_host","target":"ws","justification":"x","params":[]}' \
    '{"action":"isolate_host","target":"ws","justification":"x","timeout_s":0}' \
    '{"action":"isolate_host","target":"ws","justification":"x","timeout_s":1.5}' \
    '{"action":"isolate_host","action":"refund","target":"ws","justification":"x"}' \
    '{"action":"isolate_host","target":"ws","justification":"a\u0000b"}' \
    '{"action":"isolate_host","target":"ws","justification":"x"} trailing' \
    '{"action":"isolate_host","target":"ws"}'; do
	r=$(api POST /v1/requests "$case")
	expect_eq "400 for: $case" "400 bad_request" "${r%% *} $(jget "${r#* }" error.code)"
done
r=$(printf '{"action":"isolate_host","target":"ws","justification":"\377"}' > "$T/bad.json"; \
    curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" --data-binary @"$T/bad.json" "$URL/v1/requests")
expect_eq "invalid UTF-8 is 400" 400 "$r"
deep=$("$PY" -c 'print("{\"action\":\"refund\",\"target\":\"t\",\"justification\":\"x\",\"params\":{\"a\":" + "["*5000 + "]"*5000 + "}}")')
r=$(api POST /v1/requests "$deep")
expect_eq "deeply nested is 400" 400 "${r%% *}"
long=$(head -c 300 /dev/zero | tr '\0' a)
r=$(api POST /v1/requests "{\"action\":\"isolate_host\",\"target\":\"$long\",\"justification\":\"x\"}")
expect_eq "target over 256 bytes is 400" 400 "${r%% *}"
head -c 70000 /dev/zero | tr '\0' a > "$T/big.txt"
r=$(curl -s -o "$T/big.out" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" --data-binary @"$T/big.txt" "$URL/v1/requests")
expect_eq "oversized body is 413" "413 payload_too_large" "$r $(jget "$(cat "$T/big.out")" error.code)"
r=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" "$URL/v1/requests")
expect_eq "a POST without a body is answered at once (400)" 400 "$r"
r=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H 'Transfer-Encoding: chunked' \
    --data-binary '{"action":"block_ip","target":"203.0.113.9","justification":"x"}' "$URL/v1/requests")
expect_eq "a chunked body is refused at once (411)" 411 "$r"
r=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/v1/nothing")
expect_eq "unknown path is 404" 404 "$r"
r=$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")
expect_eq "still serving after hostile input" 200 "$r"

# Idempotency.
ib='{"action":"block_ip","target":"203.0.113.9","justification":"x","idempotency_key":"run-19-step-4"}'
r1=$(api POST /v1/requests "$ib")
r2=$(api POST /v1/requests "$ib")
expect_eq "first idempotent submit 201" 201 "${r1%% *}"
expect_eq "replay answers 200 with the same id" "200 $(jget "${r1#* }" id)" "${r2%% *} $(jget "${r2#* }" id)"
r3=$(api POST /v1/requests '{"action":"block_ip","target":"203.0.113.10","justification":"x","idempotency_key":"run-19-step-4"}')
expect_eq "same key, different body is 409" "409 conflict" "${r3%% *} $(jget "${r3#* }" error.code)"

# Cancel.
r=$(api DELETE "/v1/requests/$ID")
expect_eq "cancel a pending request" "200 cancelled" "${r%% *} $(jget "${r#* }" state)"
r=$(api DELETE "/v1/requests/$ID")
expect_eq "cancel a final request is 409" 409 "${r%% *}"

# Long-poll: released the moment the request becomes final.
r=$(api POST /v1/requests '{"action":"block_ip","target":"198.51.100.7","justification":"x"}')
LP=$(jget "${r#* }" id)
start=$(date +%s%N)
( sleep 0.5; TOKEN=$TOKEN api DELETE "/v1/requests/$LP" >/dev/null ) &
CANCELLER=$!
r=$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/v1/requests/$LP?wait=30")
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
wait $CANCELLER
expect_eq "long-poll released with the final view" cancelled "$(jget "$r" state)"
if [ "$elapsed" -lt 5000 ]; then ok "long-poll released on change, not at timeout (${elapsed} ms)"; else not_ok "long-poll released late (${elapsed} ms)"; fi
r=$(api POST /v1/requests '{"action":"block_ip","target":"198.51.100.8","justification":"x"}')
LP2=$(jget "${r#* }" id)
start=$(date +%s%N)
r=$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/v1/requests/$LP2?wait=1")
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "long-poll times out with the pending view" pending "$(jget "$r" state)"
if [ "$elapsed" -ge 900 ]; then ok "wait=1 held about a second"; else not_ok "wait=1 returned after ${elapsed} ms"; fi
# A shorter wait parked after a longer one still runs out first: the
# daemon keeps waits in deadline order, not arrival order.
start=$(date +%s%N)
( curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" \
    "$URL/v1/requests/$LP2?wait=4"; echo "$(( ($(date +%s%N) - start) / 1000000 ))" >"$T/long.ms" ) &
LONGW=$!
sleep 0.2
r=$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/v1/requests/$LP2?wait=1")
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
expect_eq "a shorter wait parked second answers pending" pending "$(jget "$r" state)"
if [ "$elapsed" -ge 1100 ] && [ "$elapsed" -lt 3000 ]; then ok "the shorter wait ran out first (${elapsed} ms)"; else not_ok "the shorter wait ran out after ${elapsed} ms"; fi
wait $LONGW
long=$(cat "$T/long.ms")
if [ "$long" -ge 3900 ]; then ok "the longer wait held its own time (${long} ms)"; else not_ok "the longer wait ended after ${long} ms"; fi

check "audit chain verifies" adm audit verify

# Rate limit: limits.rate_per_minute per executor, 429 with Retry-After.
stop_daemon
sed -i 's/"rate_per_minute": 100000/"rate_per_minute": 5/' "$CFG"
start_daemon || not_ok "daemon restarts with a low rate limit"
codes=""
for i in 1 2 3 4 5 6; do
	codes="$codes $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/v1/requests/$LP2")"
done
expect_eq "sixth call in a minute is rate limited" " 200 200 200 200 200 429" "$codes"
hdr=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $TOKEN" "$URL/v1/requests/$LP2" | tr -d '\r' | grep -i '^retry-after:')
expect_match "429 carries Retry-After" '^retry-after: [0-9]+$' "$hdr"
r=$(TOKEN=$TOKEN2 api GET "/v1/requests/$LP2")
expect_eq "another executor is not limited by it" 404 "${r%% *}"
n=$(grep -c 'event=rate_limited' "$T/daemon.log")
expect_eq "the limit is logged once per spell, not per call" 1 "$n"
finish
