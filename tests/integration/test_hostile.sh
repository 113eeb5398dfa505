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

# A console that has not signed in yet, while an admin command changes the
# database: the daemon's periodic analyst check once spun forever on it.
"$PY" -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /v1/console HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
          b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: approve-console.v1\r\n\r\n")
time.sleep(4)' "$PORT" &
HOLDER=$!
sleep 0.3
new_executor bystander block_ip >/dev/null
sleep 1.5
expect_eq "serves on while a console waits to sign in and the database changes" \
    '{"status":"ok"}' "$(curl -s -m 3 "$URL/healthz")"
wait $HOLDER
"$PY" "$HERE/hostile.py" "$URL" "$TOKEN" "$T/bob.key" bob
[ $? -eq 0 ] || NFAIL=$((NFAIL + 1))
# Cut off for its queue or, when slower than that (valgrind), for not
# answering pings: either way one line, not one per message.
# A flood beyond limits.max_connections: the excess is turned away, the
# daemon serves again once the flood ends, and says so in a line or two.
stop_daemon
sed -i 's/"max_timeout_s": 86400 }/"max_timeout_s": 86400, "max_connections": 32, "keepalive_s": 1 }/' "$CFG"
start_daemon || not_ok "daemon restarts with a connection cap"
before=$(wc -l < "$T/daemon.log")
served=$("$PY" - "$PORT" <<'PY'
import socket, sys, time
held = []
for _ in range(200):
    try:
        held.append(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2))
    except OSError:
        pass
time.sleep(0.5)
served = 0
for s in held:
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        if s.recv(4096).startswith(b"HTTP/1.1 200"):
            served += 1
    except OSError:
        pass
time.sleep(0.5)
for s in held:
    s.close()
print(served)
PY
)
sleep 0.5
if [ "$served" -ge 16 ] && [ "$served" -le 32 ]; then ok "of 200 connections at once, $served were served (max_connections 32)"; else
	not_ok "of 200 connections at once, $served were served (max_connections 32)"; fi
expect_eq "serves again after a flood past the connection cap" \
    '{"status":"ok"}' "$(curl -s -m 3 "$URL/healthz")"
flood=$(tail -n "+$((before + 1))" "$T/daemon.log" | grep -c 'level=error\|level=warn')
capped=$(tail -n "+$((before + 1))" "$T/daemon.log" | grep -c 'event=connection_cap ')
expect_eq "the cap is logged once" 1 "$capped"
if [ "$flood" -le 4 ]; then ok "the flood is logged in $flood lines, not one per connection"; else
	not_ok "the flood took $flood log lines"; fi
# keepalive_s 1: an idle kept-alive connection is closed after a second;
# one that parks a long-poll is not idle, however long it waits; one that
# turns into a console after a request is no longer an HTTP connection
# the idle timer may touch.
r=$(api POST /v1/requests '{"action":"block_ip","target":"198.51.100.9","justification":"x"}')
KA=$(jget "${r#* }" id)
"$PY" - "$PORT" "$TOKEN" "$KA" <<'PY'
import socket, sys, time
port, token, rid = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def conn():
    return socket.create_connection(("127.0.0.1", port), timeout=6)
def ask(s, path):
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n"
               % (path, token)).encode())
    return s.recv(65536)
failed = 0
def report(good, what):
    global failed
    failed += not good
    print(("ok - " if good else "not ok - ") + what)
idle = conn()
report(ask(idle, "/healthz").startswith(b"HTTP/1.1 200"), "a kept-alive request is answered")
t = time.time()
idle.settimeout(4)
closed = idle.recv(1) == b""
report(closed and time.time() - t < 3, "an idle kept-alive connection is closed after keepalive_s (%.1f s)" % (time.time() - t))
poll = conn()
ask(poll, "/healthz")
t = time.time()
reply = ask(poll, "/v1/requests/%s?wait=3" % rid)
report(b'"state":"pending"' in reply and time.time() - t >= 2.8,
       "a long-poll on a kept-alive connection outlives keepalive_s (%.1f s)" % (time.time() - t))
up = conn()
ask(up, "/healthz")
up.sendall(b"GET /v1/console HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
           b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: approve-console.v1\r\n\r\n")
got = b""
while b"challenge" not in got:
    chunk = up.recv(4096)
    if not chunk:
        break
    got += chunk
time.sleep(2)
up.settimeout(0.2)
try:
    still = up.recv(1) != b""
except socket.timeout:
    still = True
report(b"101" in got and b"challenge" in got and still,
       "a kept-alive connection upgraded to a console is not closed as idle")
sys.exit(1 if failed else 0)
PY
[ $? -eq 0 ] || NFAIL=$((NFAIL + 1))
n=$(grep -c 'event=console_slow' "$T/daemon.log")
if [ "$n" -le 1 ]; then ok "the slow console is logged at most once ($n)"; else
	not_ok "the slow console is logged $n times"; fi
lines=$(wc -l < "$T/daemon.log")
echo "# daemon log: $lines lines"
finish
