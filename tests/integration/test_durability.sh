#!/bin/sh
# Durability and expiry: kill -9 loses nothing acknowledged, expiry is
# signed, and requests that expired while the daemon was down expire at once.
. "$(dirname "$0")/lib.sh"

write_config
adm init >/dev/null
start_daemon || { not_ok "daemon starts"; finish; exit 1; }
TOKEN=$(new_executor agent refund block_ip quick_check isolate_host)
adm keys export > "$T/trusted"

# Acknowledged submits survive kill -9 straight after the answer.
ids=""
i=0
while [ $i -lt 20 ]; do
	r=$(api POST /v1/requests "{\"action\":\"block_ip\",\"target\":\"198.51.100.$i\",\"justification\":\"burst $i\"}")
	[ "${r%% *}" = 201 ] && ids="$ids $(jget "${r#* }" id)"
	i=$((i + 1))
done
r=$(api POST /v1/requests '{"action":"refund","target":"o-9","params":{"amount":10},"justification":"x"}')
APPROVED=$(jget "${r#* }" id)
kill9_daemon
start_daemon || { not_ok "daemon restarts after kill -9"; finish; exit 1; }
ok "daemon restarts after kill -9"
n=0
for id in $ids; do
	r=$(api GET "/v1/requests/$id")
	[ "$(jget "${r#* }" state)" = pending ] && n=$((n + 1))
done
expect_eq "all 20 acknowledged requests survive kill -9" 20 "$n"
r=$(api GET "/v1/requests/$APPROVED")
expect_eq "a policy approval survives kill -9" approved "$(jget "${r#* }" state)"
printf '%s' "${r#* }" > "$T/approved.json"
check "its signature verifies with OpenSSL's Ed25519" "$PY" "$HERE/indep_verify.py" "$T/trusted" < "$T/approved.json"

# Expiry: a waiting executor is released with a signed timeout denial.
r=$(api POST /v1/requests '{"action":"quick_check","target":"host-1","justification":"x"}')
QC=$(jget "${r#* }" id)
r=$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/v1/requests/$QC?wait=10")
expect_eq "expired after timeout_s" expired "$(jget "$r" state)"
expect_eq "expiry signed by the daemon" "approvald deny timeout" \
    "$(jget "$r" signatures.0.signer) $(jget "$r" signatures.0.verdict) $(jget "$r" signatures.0.reason)"
printf '%s' "$r" > "$T/expired.json"
check "expiry signature verifies with OpenSSL's Ed25519" "$PY" "$HERE/indep_verify.py" "$T/trusted" < "$T/expired.json"
late=$(( $(jget "$r" decided_at) - $(jget "$r" expires_at) ))
echo "# expiry precision: decided ${late} ms after expires_at"

# Expired while down: expired at once on start.
r=$(api POST /v1/requests '{"action":"quick_check","target":"host-2","justification":"x"}')
DOWN=$(jget "${r#* }" id)
kill9_daemon
sleep 1.3
start_daemon || { not_ok "daemon restarts"; finish; exit 1; }
r=$(api GET "/v1/requests/$DOWN")
expect_eq "request that expired while down is expired on start" expired "$(jget "${r#* }" state)"

# A request gets exactly one final state: cancel after expiry is refused.
r=$(api DELETE "/v1/requests/$DOWN")
expect_eq "cancel of an expired request is 409" 409 "${r%% *}"
n=$(sqlite3 "$T/approvald.db" "SELECT count(*) FROM signatures WHERE request_id='$DOWN'")
expect_eq "exactly one signature on the expired request" 1 "$n"

check "audit chain verifies after kill -9" adm audit verify

# A write that fails inside a group commit takes back the whole group:
# nothing of it is acknowledged, and what was acknowledged is stored. A
# trigger stands in for the failing disk.
sqlite3 "$T/approvald.db" "CREATE TRIGGER fail_write BEFORE INSERT ON requests
    WHEN NEW.target = 'fail.example' BEGIN SELECT RAISE(ABORT, 'disk'); END;"
before=$(sqlite3 "$T/approvald.db" "SELECT count(*) FROM requests")
# All 30 sent at once on connections opened beforehand, so that most land
# in the same round of the daemon's loop as the failing one.
"$PY" - "$PORT" "$TOKEN" "$T" <<'PY'
import socket, sys
port, token, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
conns = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(30)]
for i, c in enumerate(conns):
    target = "fail.example" if i == 15 else "198.51.100.%d" % (i + 100)
    body = ('{"action":"block_ip","target":"%s","justification":"x"}' % target).encode()
    c.sendall(b"POST /v1/requests HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
              token.encode() + b"\r\nContent-Type: application/json\r\n" +
              b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
for i, c in enumerate(conns):
    data = b""
    while True:
        chunk = c.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    with open("%s/group.%d" % (out, i), "w") as f:
        f.write(head.split(b" ")[1].decode() + " " + body.decode())
PY
expect_eq "the failing write is answered 500" 500 "$(cut -d' ' -f1 "$T/group.15")"
acked=0; lost=0; failed=0
for f in "$T"/group.[0-9] "$T"/group.[0-9][0-9]; do
	case "$(cut -d' ' -f1 "$f")" in
	201)	acked=$((acked + 1))
		id=$(jget "$(cut -d' ' -f2- "$f")" id)
		[ "$(sqlite3 "$T/approvald.db" "SELECT state FROM requests WHERE id = '$id'")" = pending ] ||
		    lost=$((lost + 1)) ;;
	500)	failed=$((failed + 1)) ;;
	esac
done
after=$(sqlite3 "$T/approvald.db" "SELECT count(*) FROM requests")
expect_eq "every acknowledged submission is stored, nothing else" \
    "30 0 $acked" "$((acked + failed)) $lost $((after - before))"
echo "# group failure: $acked acknowledged, $failed answered 500"
sqlite3 "$T/approvald.db" "DROP TRIGGER fail_write"
r=$(api POST /v1/requests '{"action":"block_ip","target":"198.51.100.98","justification":"x"}')
expect_eq "submissions are stored again once writes work" 201 "${r%% *}"
check "audit chain verifies after a group was taken back" adm audit verify
adm audit checkpoint > "$T/checkpoint.json"
expect_match "checkpoint is the signed head" '"type":"approve-audit-checkpoint-v1","seq":[0-9]+' "$(cat "$T/checkpoint.json")"
r=$(api POST /v1/requests '{"action":"block_ip","target":"198.51.100.99","justification":"after the checkpoint"}')
check "chain verifies against its checkpoint" adm audit verify --checkpoint "$T/checkpoint.json"
adm audit export > "$T/export.jsonl"
n=$(wc -l < "$T/export.jsonl"); m=$(sqlite3 "$T/approvald.db" "SELECT count(*) FROM audit")
expect_eq "export has one JSON line per entry" "$m" "$n"
stop_daemon
# Rewrite the whole chain consistently, as someone with the database would:
# a rewrite of the chain alone is found by the tables it no longer backs;
# one of the tables too passes the chain check, not the checkpoint.
cp "$T/approvald.db" "$T/pristine.db"
rewrite() {
	"$PY" - "$T/approvald.db" "$1" <<'PY'
import hashlib, json, sqlite3, struct, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT seq, at, event, data FROM audit ORDER BY seq").fetchall()
prev = bytes(32)
for seq, at, event, data in rows:
    if seq == 3:
        data = data.replace("198.51.100.", "192.0.2.")
        row = json.loads(data)
        if sys.argv[2] == "tables" and "target" in row:
            db.execute("UPDATE requests SET target = ? WHERE id = ?",
                       (row["target"], row["id"]))
    h = hashlib.sha256(prev + struct.pack(">qq", seq, at) + event.encode() + b"\0" + data.encode()).digest()
    db.execute("UPDATE audit SET data = ?, prev = ?, hash = ? WHERE seq = ?", (data, prev, h, seq))
    prev = h
db.commit()
PY
}
rewrite chain
out=$(adm audit verify); rc=$?
expect_match "a rewrite of the chain alone is found in the tables" \
    "^1 requests row req_[0-9a-f]+: target is 198.51.100.[0-9]+ here, 192.0.2.[0-9]+ by the audit chain" "$rc $out"
cp "$T/pristine.db" "$T/approvald.db"
rewrite tables
check "a consistent rewrite passes the chain check alone" adm audit verify
out=$(adm audit verify --checkpoint "$T/checkpoint.json"); rc=$?
expect_match "but not the checkpoint" "^1 .*rewritten" "$rc $out"
cp "$T/pristine.db" "$T/approvald.db"
seq=$(jget "$(cat "$T/checkpoint.json")" seq)
sqlite3 "$T/approvald.db" "DELETE FROM audit WHERE seq >= $seq"
out=$(adm audit verify --checkpoint "$T/checkpoint.json"); rc=$?
expect_match "a log cut short before the checkpoint is found" "^1 .*cut short" "$rc $out"
cp "$T/pristine.db" "$T/approvald.db"
sqlite3 "$T/approvald.db" "UPDATE audit SET data = data || ' ' WHERE seq = 5"
out=$(adm audit verify); rc=$?
expect_eq "altered audit entry is found" "1 audit chain broken at entry 5: entry 5 was altered" "$rc $out"
finish
