#!/bin/sh
# audit verify proves the tables, not only the chain: real state made
# through the daemon and the admin commands verifies; each edit made
# around the chain with sqlite3 (a request's state, a deleted signature,
# an inserted analyst, a changed key, an executor's scopes or revocation)
# makes audit verify exit 1 naming the row, and keys export refuse.
. "$(dirname "$0")/lib.sh"

write_config
adm init >/dev/null 2>&1
mkdir -p "$T/keys"
for who in bob carol dave mallory; do
	"$BIN/approvetui" keygen --out "$T/keys/$who.key" >/dev/null
done
adm analyst add bob --pubkey "$T/keys/bob.key.pub" --group soc >/dev/null
adm analyst add carol --pubkey "$T/keys/carol.key.pub" --group soc >/dev/null
adm analyst add dave --pubkey "$T/keys/dave.key.pub" >/dev/null
adm analyst remove dave >/dev/null
adm executor add old --scope refund >/dev/null
adm executor revoke old >/dev/null
start_daemon || { not_ok "daemon starts"; finish; exit 1; }
TOKEN=$(new_executor agent isolate_host block_ip refund quick_check)
ctl() { APPROVE_URL=$URL APPROVE_TOKEN=$TOKEN "$BIN/approvectl" "$@"; }
# submit ARGS...: the new request's id.
submit() { jget "$(ctl request --json "$@" 2>/dev/null)" id; }

submit --action refund --target order-1 --param amount=120 --justification x >/dev/null
submit --action refund --target order-2 --param amount=20000 --justification x >/dev/null
APPROVED=$(submit --action isolate_host --target ws-1 --justification x)
DENIED=$(submit --action block_ip --target 203.0.113.7 --justification x)
PENDING=$(submit --action isolate_host --target prod-web-1 --justification x)
CANCELLED=$(submit --action block_ip --target 203.0.113.8 --justification x)
ctl cancel "$CANCELLED" >/dev/null
ctl request --action quick_check --target host-1 --justification x --wait >/dev/null 2>&1
expect_eq "a request expires" 2 $?
digest() { jget "$(ctl status --json "$1")" digest; }
"$PY" - "$URL" "$T/keys/bob.key" "$HERE" "$APPROVED" "$(digest "$APPROVED")" \
    "$DENIED" "$(digest "$DENIED")" "$PENDING" "$(digest "$PENDING")" <<'PY'
import asyncio, sys
sys.path.insert(0, sys.argv[3])
from console_client import Console, load_key
async def main():
    c = Console(sys.argv[1], "bob", load_key(sys.argv[2]))
    assert await c.login()
    for (rid, digest), verdict in zip(zip(sys.argv[4::2], sys.argv[5::2]),
                                      ["approve", "deny", "approve"]):
        await c.decide({"id": rid, "digest": digest}, verdict, "checked")
        assert (await c.answer(rid))["type"] == "ack"
    await c.close()
asyncio.run(main())
PY
expect_eq "bob approved, denied and signed a pending request" \
    "approved denied pending" \
    "$(for id in "$APPROVED" "$DENIED" "$PENDING"; do jget "$(ctl status --json "$id")" state; done | tr '\n' ' ' | sed 's/ $//')"

REPEAT=$(submit --action block_ip --target 203.0.113.7 --justification again)
expect_match "a repeat of a denial carries the deny memory" '"count":1' \
    "$(sqlite3 "$T/approvald.db" "SELECT denied_recently FROM requests WHERE id = '$REPEAT'")"

out=$(adm audit verify); rc=$?
expect_eq "untampered state verifies while serving: 0" "0 audit chain intact; the tables match it" "$rc $out"
stop_daemon
out=$(adm audit verify); rc=$?
expect_eq "and after the daemon stopped: 0" "0 audit chain intact; the tables match it" "$rc $out"
adm keys export > "$T/keys.out"
expect_eq "keys export of backed state: 0" 0 $?
expect_eq "lists the daemon, bob and carol" "approvald bob carol" \
    "$(cut -d' ' -f1 "$T/keys.out" | tr '\n' ' ' | sed 's/ $//')"
cp "$T/approvald.db" "$T/pristine.db"

b64() { cut -d' ' -f2 "$1"; }
MALLORY=$(b64 "$T/keys/mallory.key.pub")
# tamper DESC SQL REGEX: on a fresh copy of the untampered database, run
# SQL; audit verify must exit 1 with a line matching REGEX, keys export
# must exit 1 and print nothing.
tamper() {
	cp "$T/pristine.db" "$T/approvald.db"
	sqlite3 "$T/approvald.db" "$2"
	out=$(adm audit verify); rc=$?
	expect_eq "$1: audit verify exits 1" 1 $rc
	expect_match "$1: and names the row" "^$3" "$out"
	keys=$(adm keys export 2>"$T/keys.err"); rc=$?
	expect_eq "$1: keys export exits 1 and prints nothing" "1 " "$rc $keys"
}

tamper "a pending request set to approved" \
    "UPDATE requests SET state = 'approved', decided_at = created_at WHERE id = '$PENDING'" \
    "requests row $PENDING: state is approved here, pending by the audit chain"
tamper "an approval's signature deleted" \
    "DELETE FROM signatures WHERE request_id = '$APPROVED' AND signer = 'bob'" \
    "signatures row $APPROVED/bob: missing"
tamper "a denial rewritten to an approval" \
    "UPDATE signatures SET verdict = 'approve' WHERE request_id = '$DENIED'; UPDATE requests SET state = 'approved' WHERE id = '$DENIED'" \
    "signatures row $DENIED/bob: verdict is approve here, deny by the audit chain"
tamper "a signature inserted" \
    "INSERT INTO signatures SELECT request_id, 'carol', verdict, signed_at, reason, sig, 1 FROM signatures WHERE request_id = '$PENDING'" \
    "signatures row $PENDING/carol: not in the audit chain"
tamper "analyst mallory inserted" \
    "INSERT INTO analysts VALUES ('mallory', X'$(printf '%s' "$MALLORY" | base64 -d | od -An -tx1 | tr -d ' \n')', '[\"soc\"]', 0)" \
    "analysts row mallory: not in the audit chain"
tamper "a removed analyst put back" \
    "INSERT INTO analysts VALUES ('dave', randomblob(32), '[]', 0)" \
    "analysts row dave: not in the audit chain"
tamper "bob's key changed" \
    "UPDATE analysts SET pubkey = randomblob(32) WHERE name = 'bob'" \
    "analysts row bob: pubkey differs from the audit chain"
tamper "carol's groups widened" \
    "UPDATE analysts SET groups = '[\"soc\",\"admins\"]' WHERE name = 'carol'" \
    "analysts row carol: groups is"
tamper "an executor's scopes widened" \
    "UPDATE executors SET scopes = '[\"refund\",\"disable_account\"]' WHERE name = 'agent'" \
    "executors row agent: scopes is"
tamper "a revoked executor revived" \
    "UPDATE executors SET revoked_at = NULL WHERE name = 'old'" \
    "executors row old: revoked is 0 here, 1 by the audit chain"
tamper "an executor's token replaced" \
    "UPDATE executors SET token_hash = randomblob(32) WHERE name = 'agent'" \
    "executors row agent: token_hash differs from the audit chain"
tamper "a pending request's quorum lowered" \
    "UPDATE requests SET approvals_required = 1 WHERE id = '$PENDING'" \
    "requests row $PENDING: approvals_required is 1 here, 2 by the audit chain"
tamper "the deny memory shown to analysts erased" \
    "UPDATE requests SET denied_recently = NULL WHERE id = '$REPEAT'" \
    "requests row $REPEAT: denied_recently is null here"
tamper "a request's body swapped" \
    "UPDATE requests SET body = CAST('{}' AS BLOB) WHERE id = '$PENDING'" \
    "requests row $PENDING: body does not hash to its digest"
tamper "a request deleted" \
    "DELETE FROM signatures WHERE request_id = '$DENIED'; DELETE FROM requests WHERE id = '$DENIED'" \
    "requests row $DENIED: missing"
tamper "a request inserted" \
    "INSERT INTO requests (id, executor, action, target, body, digest, state, rule, approvals_required, groups, created_at, expires_at) SELECT 'req_forged', executor, action, target, body, digest, 'approved', rule, 1, groups, created_at, expires_at FROM requests WHERE id = '$PENDING'" \
    "requests row req_forged: not in the audit chain"
cp "$T/pristine.db" "$T/approvald.db"
check "the untampered copy still verifies" adm audit verify

# A database from before entries recorded whole rows: strip the new
# members and rebuild the chain. Its rows are backed by what the old
# entries record, so it verifies, and edits of that still show.
"$PY" - "$T/approvald.db" <<'PY'
import hashlib, json, sqlite3, struct, sys
NEW = ("idempotency_key", "on_behalf_of", "approvals_required", "groups",
       "created_at", "expires_at", "signed_at", "sig", "pubkey",
       "token_hash", "scopes", "denied_recently")
db = sqlite3.connect(sys.argv[1])
prev = bytes(32)
for seq, at, event, data in db.execute(
        "SELECT seq, at, event, data FROM audit ORDER BY seq").fetchall():
    row = json.loads(data)
    data = json.dumps({k: v for k, v in row.items() if k not in NEW},
                      separators=(",", ":"))
    h = hashlib.sha256(prev + struct.pack(">qq", seq, at) + event.encode()
                       + b"\0" + data.encode()).digest()
    db.execute("UPDATE audit SET data = ?, prev = ?, hash = ? WHERE seq = ?",
               (data, prev, h, seq))
    prev = h
db.commit()
PY
cp "$T/approvald.db" "$T/pristine.db"
out=$(adm audit verify); rc=$?
expect_eq "an older database's rows are backed by what its entries record" \
    "0 audit chain intact; the tables match it" "$rc $out"
tamper "older database: analyst mallory inserted" \
    "INSERT INTO analysts VALUES ('mallory', randomblob(32), '[]', 0)" \
    "analysts row mallory: not in the audit chain"
tamper "older database: a pending request set to approved" \
    "UPDATE requests SET state = 'approved' WHERE id = '$PENDING'" \
    "requests row $PENDING: state is approved here, pending by the audit chain"
tamper "older database: a signature deleted" \
    "DELETE FROM signatures WHERE request_id = '$APPROVED'" \
    "signatures row $APPROVED/bob: missing"

# audit adopt records those rows whole, and refuses while anything differs.
cp "$T/pristine.db" "$T/approvald.db"
sqlite3 "$T/approvald.db" "INSERT INTO analysts VALUES ('mallory', randomblob(32), '[]', 0)"
n=$(sqlite3 "$T/approvald.db" "SELECT count(*) FROM audit")
out=$(adm audit adopt); rc=$?
expect_match "audit adopt refuses tables that differ" \
    "^1 analysts row mallory: not in the audit chain" "$rc $out"
expect_eq "and appends nothing" "$n" "$(sqlite3 "$T/approvald.db" "SELECT count(*) FROM audit")"
cp "$T/pristine.db" "$T/approvald.db"
out=$(adm audit adopt); rc=$?
expect_match "audit adopt records the older rows whole" "^0 [1-9][0-9]* rows adopted" "$rc $out"
out=$(adm audit verify); rc=$?
expect_eq "adopted state verifies" "0 audit chain intact; the tables match it" "$rc $out"
out=$(adm audit adopt); rc=$?
expect_eq "a second adopt finds nothing to adopt" "0 0 rows adopted: the audit chain records them whole" "$rc $out"
cp "$T/approvald.db" "$T/pristine.db"
tamper "adopted: bob's key changed" \
    "UPDATE analysts SET pubkey = randomblob(32) WHERE name = 'bob'" \
    "analysts row bob: pubkey differs from the audit chain"
tamper "adopted: a pending request's quorum lowered" \
    "UPDATE requests SET approvals_required = 1 WHERE id = '$PENDING'" \
    "requests row $PENDING: approvals_required is 1 here, 2 by the audit chain"
tamper "adopted: a signature's bytes replaced" \
    "UPDATE signatures SET sig = randomblob(64) WHERE request_id = '$APPROVED'" \
    "signatures row $APPROVED/bob: sig differs from the audit chain"
tamper "adopted: a revoked executor revived" \
    "UPDATE executors SET revoked_at = NULL WHERE name = 'old'" \
    "executors row old: revoked is 0 here, 1 by the audit chain"
cp "$T/pristine.db" "$T/approvald.db"
start_daemon || not_ok "daemon restarts on the adopted database"
ctl request --action block_ip --target 203.0.113.60 --justification x >/dev/null
ctl cancel "$PENDING" >/dev/null
out=$(adm audit verify); rc=$?
expect_eq "adopted rows change on through the chain: verifies" \
    "0 audit chain intact; the tables match it" "$rc $out"
finish
