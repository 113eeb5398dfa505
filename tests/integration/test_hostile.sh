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
sed -i 's/"max_timeout_s": 86400 }/"max_timeout_s": 86400, "max_connections": 32 }/' "$CFG"
start_daemon || not_ok "daemon restarts with a connection cap"
before=$(wc -l < "$T/daemon.log")
"$PY" - "$PORT" <<'PY'
import socket, sys, time
held = []
for _ in range(200):
    try:
        held.append(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2))
    except OSError:
        pass
time.sleep(1)
for s in held:
    s.close()
PY
sleep 0.5
expect_eq "serves again after a flood past the connection cap" \
    '{"status":"ok"}' "$(curl -s -m 3 "$URL/healthz")"
flood=$(tail -n "+$((before + 1))" "$T/daemon.log" | grep -c 'level=error\|level=warn')
capped=$(tail -n "+$((before + 1))" "$T/daemon.log" | grep -c 'event=connection_cap ')
expect_eq "the cap is logged once" 1 "$capped"
if [ "$flood" -le 4 ]; then ok "the flood is logged in $flood lines, not one per connection"; else
	not_ok "the flood took $flood log lines"; fi
n=$(grep -c 'event=console_slow' "$T/daemon.log")
if [ "$n" -le 1 ]; then ok "the slow console is logged at most once ($n)"; else
	not_ok "the slow console is logged $n times"; fi
lines=$(wc -l < "$T/daemon.log")
echo "# daemon log: $lines lines"
finish
