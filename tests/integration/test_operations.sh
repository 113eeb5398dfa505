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
# And a kept-alive connection sitting idle: it is closed with the rest
# (under the sanitizers, after the lists it is in are still there).
"$PY" -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
s.recv(4096)
time.sleep(3)' "$PORT" &
IDLE=$!
sleep 0.3
start=$(date +%s%N)
stop_daemon
wait $LPID
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
kill $IDLE 2>/dev/null; wait $IDLE
expect_eq "SIGTERM answers a parked long-poll with the view" "200 pending" \
    "$(cat "$T/lp.code") $(jget "$(cat "$T/lp.json")" state)"
echo "# SIGTERM drain took ${elapsed} ms"
start_daemon || not_ok "daemon restarts"
r=$(api GET "/v1/requests/$PENDING")
expect_eq "the request is still pending after the restart" pending "$(jget "${r#* }" state)"
# A second daemon on the same address cannot bind it: it says so and
# exits 1, and the first one serves on.
timeout 10 "$BIN/approvald" -c "$CFG" serve 2>"$T/second.log"
expect_eq "a daemon whose address is taken exits 1" 1 $?
check "and logs listen_failed" grep -q 'event=listen_failed' "$T/second.log"
r=$(api GET "/v1/requests/$PENDING")
expect_eq "the first daemon serves on" "200 pending" "${r%% *} $(jget "${r#* }" state)"
stop_daemon

# A listener off loopback needs TLS, or the operator's explicit word.
sed 's/"listen": "127.0.0.1:[0-9]*"/"listen": "0.0.0.0:1"/' "$T/good.json" > "$T/open.json"
out=$("$BIN/approvald" -c "$T/open.json" serve 2>&1); rc=$?
expect_match "plain text off loopback is refused at start" \
    '^78 .*listen: 0.0.0.0 is not a loopback address' "$rc $out"

# TLS: a throwaway CA and a certificate for 127.0.0.1.
mkdir "$T/tls" && (
	cd "$T/tls" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -days 2 -subj "/CN=approvald test CA" -keyout ca.key -out ca.pem &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj "/CN=127.0.0.1" -keyout srv.key -out srv.csr &&
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > ext &&
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -days 2 -extfile ext -out srv.pem
) >/dev/null 2>&1 || not_ok "making test certificates"
sed 's|"signer": "approvald",|"signer": "approvald", "tls": { "cert": "tls/srv.pem", "key": "tls/srv.key" },|' \
    "$T/good.json" > "$CFG"
"$BIN/approvald" -c "$CFG" serve 2>>"$T/daemon.log" &
DAEMON_PID=$!
HTTPS="https://127.0.0.1:$PORT"
i=0
until curl -sf --cacert "$T/tls/ca.pem" "$HTTPS/healthz" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || break; sleep 0.05
done
expect_eq "https with the CA answers" '{"status":"ok"}' \
    "$(curl -s --cacert "$T/tls/ca.pem" "$HTTPS/healthz")"
# HTTP/1.1 answers are written headers and body at once, HTTP/2 ones as
# frames of their own: both must arrive whole.
for v in 1.1 2; do
	expect_eq "over https, HTTP/$v answers whole" \
	    "$v 401 {\"error\":{\"code\":\"unauthorized\",\"message\":\"missing or invalid bearer token\"}}" \
	    "$(curl -s --cacert "$T/tls/ca.pem" --http"$v" \
	    -w '%{http_version} %{http_code} ' -o "$T/h.body" \
	    "$HTTPS/v1/requests/req_x")$(cat "$T/h.body")"
done
curl -s "$HTTPS/healthz" >/dev/null 2>&1
expect_eq "https without trusting the CA fails" 60 $?
curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"
expect_eq "after a failed handshake and a plain-text probe, it still serves" \
    '{"status":"ok"}' "$(curl -s --cacert "$T/tls/ca.pem" "$HTTPS/healthz")"
APPROVE_TOKEN=$TOKEN "$BIN/approvectl" --url "$HTTPS" --ca "$T/tls/ca.pem" \
    request --action refund --target o-1 --param amount=10 --justification x >/dev/null
expect_eq "approvectl over https with --ca" 0 $?
APPROVE_TOKEN=$TOKEN "$BIN/approvectl" --url "$HTTPS" \
    request --action refund --target o-2 --param amount=10 --justification x >/dev/null 2>&1
expect_eq "approvectl refuses an untrusted certificate: 69" 69 $?
finish
