/*
 * store.c, audit.c and engine.c against a real SQLite file in a fresh
 * mkdtemp folder per test. The store: migrations by user_version, all or
 * nothing. The audit log: every kind of tampering is caught at the entry
 * it touched. The engine: the request state machine with the CONTRACT §2
 * policy, real keys and real signatures; the daemon's timer, consoles,
 * waiters and metrics are left out (NULL), as the engine allows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "approvald.h"
#include "codec.h"
#include "decision.h"
#include "json.h"
#include "keyfile.h"
#include "verify.h"
#include "xmalloc.h"

/* From the generated schema table (build/obj/schema.c). */
extern const size_t schema_count;

/* CONTRACT §2's example, plus an action that remembers denials. */
#define CONFIG \
	"{\n" \
	"  \"listen\": \"127.0.0.1:8470\",\n" \
	"  \"database\": \"approvald.db\",\n" \
	"  \"daemon_key\": \"daemon.key\",\n" \
	"  \"signer\": \"approvald\",\n" \
	"  \"limits\": { \"max_body_bytes\": 65536, \"rate_per_minute\": 600," \
	" \"max_timeout_s\": 86400 },\n" \
	"  \"actions\": {\n" \
	"    \"isolate_host\": {\n" \
	"      \"timeout_s\": 600,\n" \
	"      \"rules\": [\n" \
	"        { \"when\": { \"target_glob\": \"dc-*\" }, \"then\": \"deny\"," \
	" \"reason\": \"domain controllers are never isolated by automation\" },\n" \
	"        { \"when\": { \"target_glob\": \"prod-*\" }, \"then\": \"review\"," \
	" \"approvals\": 2 },\n" \
	"        { \"then\": \"review\", \"groups\": [\"soc\"] }\n" \
	"      ]\n" \
	"    },\n" \
	"    \"block_ip\": {\n" \
	"      \"rules\": [\n" \
	"        { \"when\": { \"target_cidr\": [\"10.0.0.0/8\", \"172.16.0.0/12\"," \
	" \"192.168.0.0/16\", \"127.0.0.0/8\", \"::1/128\", \"fc00::/7\"] }," \
	" \"then\": \"deny\" },\n" \
	"        { \"then\": \"review\" }\n" \
	"      ]\n" \
	"    },\n" \
	"    \"refund\": {\n" \
	"      \"rules\": [\n" \
	"        { \"when\": { \"param\": \"amount\", \"gte\": 10000 }," \
	" \"then\": \"deny\" },\n" \
	"        { \"when\": { \"param\": \"amount\", \"lt\": 500 }," \
	" \"then\": \"approve\" },\n" \
	"        { \"then\": \"review\" }\n" \
	"      ]\n" \
	"    },\n" \
	"    \"disable_account\": {\n" \
	"      \"deny_repeat\": true,\n" \
	"      \"rules\": [ { \"then\": \"review\", \"groups\": [\"soc\"] } ]\n" \
	"    }\n" \
	"  }\n" \
	"}\n"

/* CONTRACT §3's example, byte for byte. */
#define WS042 \
	"{ \"action\": \"isolate_host\", \"target\": \"ws-042\", " \
	"\"params\": { \"ticket\": \"INC-7\" },\n" \
	"  \"justification\": \"EDR alert 5521: beaconing to known C2\",\n" \
	"  \"on_behalf_of\": \"alice\", \"idempotency_key\": \"run-19-step-4\", " \
	"\"timeout_s\": 300 }"
#define WS042_OTHER \
	"{ \"action\": \"isolate_host\", \"target\": \"ws-043\", " \
	"\"justification\": \"EDR alert 5522\", " \
	"\"idempotency_key\": \"run-19-step-4\" }"
#define DC01 \
	"{\"action\":\"isolate_host\",\"target\":\"dc-01\"," \
	"\"justification\":\"lateral movement\"}"
#define PRODWEB \
	"{\"action\":\"isolate_host\",\"target\":\"prod-web\"," \
	"\"justification\":\"webshell\"}"
#define WS100 \
	"{\"action\":\"isolate_host\",\"target\":\"ws-100\"," \
	"\"justification\":\"beaconing\"}"
#define WS101 \
	"{\"action\":\"isolate_host\",\"target\":\"ws-101\"," \
	"\"justification\":\"beaconing\"}"
#define REFUND \
	"{\"action\":\"refund\",\"target\":\"order-77310\"," \
	"\"params\":{\"amount\":120},\"justification\":\"item arrived broken\"}"
#define BLOCK \
	"{\"action\":\"block_ip\",\"target\":\"203.0.113.9\"," \
	"\"justification\":\"scanner\"}"
#define JDOE \
	"{\"action\":\"disable_account\",\"target\":\"jdoe\"," \
	"\"justification\":\"impossible travel\"}"
#define JROE \
	"{\"action\":\"disable_account\",\"target\":\"jroe\"," \
	"\"justification\":\"impossible travel\"}"

#define SCOPES	"[\"isolate_host\",\"refund\",\"disable_account\"]"
#define NAUDIT	5

/* An analyst's key pair, made in the test. */
struct analyst_key {
	const char	*name;
	uint8_t		 pk[PROTO_PK_BYTES];
	uint8_t		 sk[PROTO_SK_BYTES];
};

/* One test's folder, database and (for the engine tests) daemon. */
struct fx {
	char			 dir[64];
	char			 path[256];	/* scratch: dir/name */
	char			 db[256];
	struct store		*s;
	struct daemon		 d;
	int			 have_cfg;
	struct executor		 e;		/* agent-7 */
	struct executor		 other;		/* agent-8, same scopes */
	struct analyst_key	 bob, carol, dave;
};

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* f->path = dir/name. */
static const char *
in_dir(struct fx *f, const char *name)
{
	snprintf(f->path, sizeof f->path, "%s/%s", f->dir, name);
	return f->path;
}

static int
setup_dir(void **state)
{
	struct fx	*f = calloc(1, sizeof *f);

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/approvald-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->db, sizeof f->db, "%s/approvald.db", f->dir);
	*state = f;
	return 0;
}

static int
setup_store(void **state)
{
	struct fx	*f;
	char		 err[256] = "";

	if (setup_dir(state) != 0)
		return -1;
	f = *state;
	if ((f->s = store_open(f->db, err, sizeof err)) == NULL) {
		print_error("store_open: %s\n", err);
		return -1;
	}
	return 0;
}

static void
analyst_init(struct analyst_key *a, const char *name)
{
	a->name = name;
	crypto_sign_keypair(a->pk, a->sk);
}

/* A daemon on the CONFIG policy, its database and key in the folder. */
static int
setup_engine(void **state)
{
	struct fx	*f;
	FILE		*fp;
	char		 err[512] = "";

	if (setup_dir(state) != 0)
		return -1;
	f = *state;
	if ((fp = fopen(in_dir(f, "approvald.json"), "w")) == NULL ||
	    fputs(CONFIG, fp) == EOF || fclose(fp) != 0)
		return -1;
	if (config_load(f->path, &f->d.cfg, err, sizeof err) != 0) {
		print_error("config_load: %s\n", err);
		return -1;
	}
	f->have_cfg = 1;
	if ((f->d.store = store_open(f->d.cfg.database, err,
	    sizeof err)) == NULL ||
	    keyfile_generate(f->d.cfg.daemon_key, err, sizeof err) != 0 ||
	    (f->d.key = keyfile_load_private(f->d.cfg.daemon_key, err,
	    sizeof err)) == NULL) {
		print_error("daemon: %s\n", err);
		return -1;
	}
	f->s = f->d.store;
	snprintf(f->e.name, sizeof f->e.name, "agent-7");
	f->e.scopes = xstrdup(SCOPES);
	snprintf(f->other.name, sizeof f->other.name, "agent-8");
	f->other.scopes = xstrdup(SCOPES);
	analyst_init(&f->bob, "bob");
	analyst_init(&f->carol, "carol");
	analyst_init(&f->dave, "dave");
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	store_close(f->s);
	keyfile_free(f->d.key);
	if (f->have_cfg)
		config_free(&f->d.cfg);
	free(f->e.scopes);
	free(f->other.scopes);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* ------------------------------------------------------------ SQL helpers */

/* The integer the query's first row holds in its first column. */
static int64_t
db_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st;
	int64_t		 v;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		fail_msg("%s: no row (%s)", sql, sqlite3_errmsg(db));
	}
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
db_exec(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fail_msg("%s: %s", sql, msg);
		sqlite3_free(msg);
	}
}

/* A connection of the test's own, not through store.c. */
static sqlite3 *
db_raw(const char *path)
{
	sqlite3	*db = NULL;

	if (sqlite3_open(path, &db) != SQLITE_OK)
		fail_msg("%s: %s", path, sqlite3_errmsg(db));
	return db;
}

/* The names of the database's tables, sorted, comma-separated. */
static void
db_tables(sqlite3 *db, char *out, size_t len)
{
	sqlite3_stmt	*st;
	size_t		 n = 0;

	*out = '\0';
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master"
	    " WHERE type = 'table' ORDER BY name", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		n += (size_t)snprintf(out + n, len - n, "%s%s", n ? "," : "",
		    (const char *)sqlite3_column_text(st, 0));
		assert_true(n < len);
	}
	sqlite3_finalize(st);
}

/* Audit entries of event about request id. */
static int64_t
audit_count(struct store *s, const char *event, const char *id)
{
	char	*sql;
	int64_t	 n;

	sql = sqlite3_mprintf("SELECT count(*) FROM audit WHERE event = %Q"
	    " AND json_extract(data, '$.id') = %Q", event, id);
	n = db_int(s->db, sql);
	sqlite3_free(sql);
	return n;
}

static void
audit_intact(struct store *s)
{
	int64_t	bad = -1;
	char	why[256] = "";

	if (audit_verify(s, &bad, why, sizeof why) != 0)
		fail_msg("audit chain broken at %lld: %s", (long long)bad, why);
}

/* ---------------------------------------------------------------- store */

/* A new database is created and brought to the last migration. */
static void
test_open_migrates(void **state)
{
	struct fx	*f = *state;
	char		 tables[256];

	assert_true(schema_count >= 2);
	assert_int_equal(db_int(f->s->db, "PRAGMA user_version"),
	    (int64_t)schema_count);
	db_tables(f->s->db, tables, sizeof tables);
	assert_string_equal(tables,
	    "analysts,audit,executors,requests,signatures");
	/* 002: the deny memory column. */
	assert_int_equal(db_int(f->s->db, "SELECT count(*) FROM"
	    " pragma_table_info('requests') WHERE name = 'denied_recently'"), 1);
	/* Durable: WAL, foreign keys enforced. */
	assert_int_equal(db_int(f->s->db, "SELECT journal_mode = 'wal' FROM"
	    " pragma_journal_mode"), 1);
	assert_int_equal(db_int(f->s->db, "PRAGMA synchronous"), 2);
	assert_int_equal(db_int(f->s->db, "PRAGMA foreign_keys"), 1);
}

/* Opening an up-to-date database changes nothing and keeps its data. */
static void
test_reopen_idempotent(void **state)
{
	struct fx	*f = *state;
	uint8_t		 h1[AUDIT_HASH_BYTES], h2[AUDIT_HASH_BYTES];
	char		 err[256] = "";
	int64_t		 seq;
	cJSON		*data = cJSON_CreateObject();
	int		 i;

	cJSON_AddStringToObject(data, "who", "test");
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(audit_append(f->s, 1000, "analyst_added", data), 0);
	assert_int_equal(store_commit(f->s), 0);
	cJSON_Delete(data);
	assert_int_equal(audit_head(f->s, &seq, h1), 0);

	for (i = 0; i < 2; i++) {
		store_close(f->s);
		f->s = store_open(f->db, err, sizeof err);
		if (f->s == NULL)
			fail_msg("reopen %d: %s", i + 1, err);
		assert_int_equal(db_int(f->s->db, "PRAGMA user_version"),
		    (int64_t)schema_count);
		assert_int_equal(db_int(f->s->db, "SELECT count(*) FROM audit"),
		    1);
		assert_int_equal(audit_head(f->s, &seq, h2), 0);
		assert_int_equal(seq, 1);
		assert_memory_equal(h1, h2, sizeof h1);
		audit_intact(f->s);
	}
}

/* A database from a newer approvald is refused, untouched. */
static void
test_newer_refused(void **state)
{
	struct fx	*f = *state;
	sqlite3		*db;
	char		 err[256] = "", want[256], sql[64], tables[256];

	db = db_raw(f->db);
	snprintf(sql, sizeof sql, "PRAGMA user_version = %zu",
	    schema_count + 1);
	db_exec(db, sql);
	db_exec(db, "CREATE TABLE future (x)");
	sqlite3_close(db);

	assert_null(f->s = store_open(f->db, err, sizeof err));
	snprintf(want, sizeof want, "database schema version %zu is newer "
	    "than this approvald (%zu)", schema_count + 1, schema_count);
	assert_string_equal(err, want);

	db = db_raw(f->db);
	assert_int_equal(db_int(db, "PRAGMA user_version"),
	    (int64_t)schema_count + 1);
	db_tables(db, tables, sizeof tables);
	assert_string_equal(tables, "future");
	sqlite3_close(db);
}

/* A first migration that fails half-way leaves nothing of itself. */
static void
test_failed_migration_rolls_back(void **state)
{
	struct fx	*f = *state;
	sqlite3		*db;
	char		 err[256] = "", tables[256];

	/* The last table 001 creates is already there, with a row. */
	db = db_raw(f->db);
	db_exec(db, "CREATE TABLE audit (x); INSERT INTO audit VALUES (42)");
	sqlite3_close(db);

	assert_null(f->s = store_open(f->db, err, sizeof err));
	assert_string_equal(err,
	    "migrating the database: table audit already exists");

	db = db_raw(f->db);
	assert_int_equal(db_int(db, "PRAGMA user_version"), 0);
	db_tables(db, tables, sizeof tables);
	assert_string_equal(tables, "audit");
	assert_int_equal(db_int(db, "SELECT x FROM audit"), 42);
	sqlite3_close(db);
}

/* A later migration that fails keeps the version and schema it found. */
static void
test_failed_later_migration(void **state)
{
	struct fx	*f = *state;
	sqlite3		*db;
	char		 err[256] = "";

	/* Version 1 by hand, with a column that 002 will try to add. */
	db = db_raw(f->db);
	db_exec(db, "CREATE TABLE requests (id TEXT PRIMARY KEY,"
	    " denied_recently TEXT); PRAGMA user_version = 1");
	sqlite3_close(db);

	assert_null(f->s = store_open(f->db, err, sizeof err));
	assert_string_equal(err, "migrating the database: "
	    "duplicate column name: denied_recently");

	db = db_raw(f->db);
	assert_int_equal(db_int(db, "PRAGMA user_version"), 1);
	assert_int_equal(db_int(db, "SELECT count(*) FROM"
	    " pragma_table_info('requests')"), 2);
	sqlite3_close(db);
}

/* The database path may not be a symbolic link. */
static void
test_symlink_refused(void **state)
{
	struct fx	*f = *state;
	char		 err[256] = "";
	struct stat	 st;

	assert_int_equal(symlink(in_dir(f, "elsewhere.db"), f->db), 0);
	assert_null(f->s = store_open(f->db, err, sizeof err));
	assert_non_null(strstr(err, f->db));
	assert_int_equal(stat(in_dir(f, "elsewhere.db"), &st), -1);
}

/* ----------------------------------------------------------------- audit */

/* Append NAUDIT entries: seq i at 1000 * i, {"n": i}. */
static void
audit_fill(struct store *s)
{
	cJSON	*data;
	int	 i;

	for (i = 1; i <= NAUDIT; i++) {
		data = cJSON_CreateObject();
		cJSON_AddNumberToObject(data, "n", i);
		assert_int_equal(store_begin(s), 0);
		assert_int_equal(audit_append(s, 1000 * i, i % 2 ? "submitted" :
		    "denied", data), 0);
		assert_int_equal(store_commit(s), 0);
		cJSON_Delete(data);
	}
}

/* The chain must break at entry want, saying what. */
static void
audit_broken(struct store *s, int64_t want, const char *what)
{
	int64_t	bad = -1;
	char	why[256] = "", expect[256];

	if (audit_verify(s, &bad, why, sizeof why) == 0)
		fail_msg("tampered chain verified (want entry %lld %s)",
		    (long long)want, what);
	assert_int_equal(bad, want);
	snprintf(expect, sizeof expect, "entry %lld %s", (long long)want, what);
	assert_string_equal(why, expect);
}

static void
put64(uint8_t *b, int64_t v)
{
	int	i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
}

/* hash = SHA-256(prev || seq || at || event || NUL || data), from here. */
static void
audit_expect(const uint8_t prev[AUDIT_HASH_BYTES], int64_t seq, int64_t at,
    const char *event, const char *data, uint8_t out[AUDIT_HASH_BYTES])
{
	crypto_hash_sha256_state	h;
	uint8_t				b[8];

	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, prev, AUDIT_HASH_BYTES);
	put64(b, seq);
	crypto_hash_sha256_update(&h, b, sizeof b);
	put64(b, at);
	crypto_hash_sha256_update(&h, b, sizeof b);
	crypto_hash_sha256_update(&h, (const uint8_t *)event,
	    strlen(event) + 1);
	crypto_hash_sha256_update(&h, (const uint8_t *)data, strlen(data));
	crypto_hash_sha256_final(&h, out);
}

/* An empty log, then NAUDIT entries: head, hash_at and the documented
 * hash, recomputed here from each stored row. */
static void
test_audit_chain(void **state)
{
	struct fx	*f = *state;
	uint8_t		 zero[AUDIT_HASH_BYTES], h[AUDIT_HASH_BYTES];
	uint8_t		 prev[AUDIT_HASH_BYTES], want[AUDIT_HASH_BYTES];
	sqlite3_stmt	*st;
	int64_t		 seq = -1, i;

	memset(zero, 0, sizeof zero);
	memset(h, 0xa5, sizeof h);
	assert_int_equal(audit_head(f->s, &seq, h), 0);
	assert_int_equal(seq, 0);
	assert_memory_equal(h, zero, sizeof zero);
	assert_int_equal(audit_hash_at(f->s, 1, h), -1);
	audit_intact(f->s);

	audit_fill(f->s);
	audit_intact(f->s);
	assert_int_equal(audit_head(f->s, &seq, h), 0);
	assert_int_equal(seq, NAUDIT);
	assert_int_equal(audit_hash_at(f->s, NAUDIT, prev), 0);
	assert_memory_equal(h, prev, sizeof h);
	assert_int_equal(audit_hash_at(f->s, 0, h), -1);
	assert_int_equal(audit_hash_at(f->s, NAUDIT + 1, h), -1);

	assert_int_equal(sqlite3_prepare_v2(f->s->db, "SELECT seq, at, event,"
	    " data, prev, hash FROM audit ORDER BY seq", -1, &st, NULL),
	    SQLITE_OK);
	memcpy(prev, zero, sizeof prev);
	for (i = 1; i <= NAUDIT; i++) {
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int64(st, 0), i);
		assert_int_equal(sqlite3_column_int64(st, 1), 1000 * i);
		assert_string_equal(sqlite3_column_text(st, 2),
		    i % 2 ? "submitted" : "denied");
		assert_int_equal(sqlite3_column_bytes(st, 4), AUDIT_HASH_BYTES);
		assert_memory_equal(sqlite3_column_blob(st, 4), prev,
		    AUDIT_HASH_BYTES);
		audit_expect(prev, i, 1000 * i,
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3), want);
		assert_int_equal(audit_hash_at(f->s, i, h), 0);
		assert_memory_equal(h, want, sizeof h);
		memcpy(prev, want, sizeof prev);
	}
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);

	/* Documented: a chain cut short at its end still verifies; only a
	 * checkpoint of the head (kept elsewhere) shows the cut. */
	db_exec(f->s->db, "DELETE FROM audit WHERE seq = 5");
	audit_intact(f->s);
	assert_int_equal(audit_head(f->s, &seq, h), 0);
	assert_int_equal(seq, NAUDIT - 1);
	assert_int_equal(audit_hash_at(f->s, NAUDIT - 1, prev), 0);
	assert_memory_equal(h, prev, sizeof h);
}

/* Altering an entry's data, time, event or hash breaks it there. */
static void
test_audit_altered(void **state)
{
	struct fx	*f = *state;

	audit_fill(f->s);
	db_exec(f->s->db, "UPDATE audit SET data = '{\"n\":99}' WHERE seq = 3");
	audit_broken(f->s, 3, "was altered");
	db_exec(f->s->db, "UPDATE audit SET data = '{\"n\":3}' WHERE seq = 3");
	audit_intact(f->s);

	db_exec(f->s->db, "UPDATE audit SET data = data || ' ' WHERE seq = 5");
	audit_broken(f->s, 5, "was altered");
	db_exec(f->s->db, "UPDATE audit SET data = '{\"n\":5}' WHERE seq = 5");

	db_exec(f->s->db, "UPDATE audit SET at = at + 1 WHERE seq = 4");
	audit_broken(f->s, 4, "was altered");
	db_exec(f->s->db, "UPDATE audit SET at = at - 1 WHERE seq = 4");

	db_exec(f->s->db, "UPDATE audit SET event = 'approved' WHERE seq = 2");
	audit_broken(f->s, 2, "was altered");
	db_exec(f->s->db, "UPDATE audit SET event = 'denied' WHERE seq = 2");

	db_exec(f->s->db, "UPDATE audit SET hash = zeroblob(32) WHERE seq = 1");
	audit_broken(f->s, 1, "was altered");
}

/* Removing an entry from the middle is caught where it was. */
static void
test_audit_deleted(void **state)
{
	struct fx	*f = *state;

	audit_fill(f->s);
	db_exec(f->s->db, "DELETE FROM audit WHERE seq = 3");
	audit_broken(f->s, 3, "is missing");
}

/* The first entry removed: the chain must start at 1. */
static void
test_audit_deleted_first(void **state)
{
	struct fx	*f = *state;

	audit_fill(f->s);
	db_exec(f->s->db, "DELETE FROM audit WHERE seq = 1");
	audit_broken(f->s, 1, "is missing");
}

/* Two entries' data swapped: the first of them is named. */
static void
test_audit_swapped_data(void **state)
{
	struct fx	*f = *state;

	audit_fill(f->s);
	db_exec(f->s->db,
	    "UPDATE audit SET data = CASE seq"
	    " WHEN 2 THEN (SELECT data FROM audit WHERE seq = 4)"
	    " ELSE (SELECT data FROM audit WHERE seq = 2) END"
	    " WHERE seq IN (2, 4)");
	assert_int_equal(db_int(f->s->db,
	    "SELECT json_extract(data, '$.n') FROM audit WHERE seq = 2"), 4);
	audit_broken(f->s, 2, "was altered");
}

/* Two whole entries reordered (all but seq swapped). */
static void
test_audit_reordered(void **state)
{
	struct fx	*f = *state;

	audit_fill(f->s);
	db_exec(f->s->db,
	    "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq IN (2, 3);"
	    "UPDATE audit SET (at, event, data, prev, hash) ="
	    " (SELECT at, event, data, prev, hash FROM t"
	    "  WHERE t.seq = 5 - audit.seq) WHERE seq IN (2, 3);"
	    "DROP TABLE t");
	audit_broken(f->s, 2, "does not follow the one before it");
}

/* ---------------------------------------------------------------- engine */

/* Submit body as e; the status must be want. The view (NULL for an
 * error), which the caller deletes. */
static cJSON *
submit_as(struct fx *f, const struct executor *e, const char *body, int want,
    const char *want_code)
{
	struct outcome	 o;
	cJSON		*v;

	memset(&o, 0, sizeof o);
	engine_submit(&f->d, e, body, strlen(body), &o);
	if (o.status != want)
		fail_msg("submit %.60s: %d %s %s, want %d", body, o.status,
		    o.code != NULL ? o.code : "", o.message, want);
	if (want_code != NULL) {
		assert_null(o.view);
		assert_non_null(o.code);
		assert_string_equal(o.code, want_code);
	} else {
		assert_null(o.code);
		assert_non_null(o.view);
	}
	v = o.view;
	o.view = NULL;
	outcome_clear(&o);
	return v;
}

static cJSON *
submit(struct fx *f, const char *body, int want)
{
	return submit_as(f, &f->e, body, want, NULL);
}

static int64_t
view_int(const cJSON *v, const char *key)
{
	const cJSON	*n = cJSON_GetObjectItem(v, key);

	if (!cJSON_IsNumber(n))
		fail_msg("view: %s is not a number", key);
	return (int64_t)cJSON_GetNumberValue(n);
}

static const char *
view_str(const cJSON *v, const char *key)
{
	const char	*s = json_string(v, key);

	if (s == NULL)
		fail_msg("view: %s is not a string", key);
	return s;
}

/* The view's groups as compact JSON text. */
static void
view_groups(const cJSON *v, const char *want)
{
	char	*text = json_print(cJSON_GetObjectItem(v, "groups"));

	assert_string_equal(text, want);
	free(text);
}

static size_t
view_nsigs(const cJSON *v)
{
	const cJSON	*sigs = cJSON_GetObjectItem(v, "signatures");

	assert_true(cJSON_IsArray(sigs));
	return (size_t)cJSON_GetArraySize(sigs);
}

/* 0 when signature i of the view verifies under pk over the view's id
 * and digest. */
static int
view_sig_verify(const cJSON *v, int i, const uint8_t pk[PROTO_PK_BYTES])
{
	const cJSON	*s;
	struct decision	 dec;
	uint8_t		 sig[PROTO_SIG_BYTES];

	s = cJSON_GetArrayItem(cJSON_GetObjectItem(v, "signatures"), i);
	assert_non_null(s);
	dec.id = view_str(v, "id");
	dec.digest = view_str(v, "digest");
	dec.verdict = view_str(s, "verdict");
	dec.signer = view_str(s, "signer");
	dec.signed_at = view_int(s, "signed_at");
	dec.reason = view_str(s, "reason");
	assert_int_equal(codec_b64_decode_exact(view_str(s, "sig"), sig,
	    sizeof sig), 0);
	return decision_verify(&dec, pk, sig);
}

/* Signature i of the view: signer, verdict and reason. */
static void
view_sig_is(const cJSON *v, int i, const char *signer, const char *verdict,
    const char *reason)
{
	const cJSON	*s;

	s = cJSON_GetArrayItem(cJSON_GetObjectItem(v, "signatures"), i);
	assert_non_null(s);
	assert_string_equal(view_str(s, "signer"), signer);
	assert_string_equal(view_str(s, "verdict"), verdict);
	assert_string_equal(view_str(s, "reason"), reason);
}

/* The view's body is the bytes submitted, and its digest theirs. */
static void
view_body_is(const cJSON *v, const char *body)
{
	char	 digest[PROTO_SHA256_HEX];
	uint8_t	*bytes;
	size_t	 len;

	codec_sha256_hex(body, strlen(body), digest);
	assert_string_equal(view_str(v, "digest"), digest);
	assert_int_equal(codec_b64_decode(view_str(v, "body"), &bytes, &len),
	    0);
	assert_int_equal(len, strlen(body));
	assert_memory_equal(bytes, body, len);
	free(bytes);
}

/* A trusted-keys set: "name pk" pairs, terminated by NULL. */
static void
trust(struct trusted *t, ...)
{
	va_list		 ap;
	const char	*name;
	const uint8_t	*pk;
	char		*text = xstrdup(""), *line, *next, err[256] = "";

	va_start(ap, t);
	while ((name = va_arg(ap, const char *)) != NULL) {
		pk = va_arg(ap, uint8_t *);
		line = keyfile_public_line(pk);
		xasprintf(&next, "%s%s %s\n", text, name, line);
		free(line);
		free(text);
		text = next;
	}
	va_end(ap);
	if (trusted_parse(text, strlen(text), t, err, sizeof err) != 0)
		fail_msg("trusted_parse: %s", err);
	free(text);
}

/* An analyst's signature over r, as the console would have checked it. */
static void
analyst_sign(const struct analyst_key *a, const struct request *r,
    const char *verdict, const char *reason, struct signature *sig)
{
	struct decision	dec;

	memset(sig, 0, sizeof *sig);
	snprintf(sig->signer, sizeof sig->signer, "%s", a->name);
	snprintf(sig->verdict, sizeof sig->verdict, "%s", verdict);
	sig->signed_at = clock_now_ms();
	sig->reason = xstrdup(reason);
	dec.id = r->id;
	dec.digest = r->digest;
	dec.verdict = verdict;
	dec.signer = a->name;
	dec.signed_at = sig->signed_at;
	dec.reason = reason;
	decision_sign(&dec, a->sk, sig->sig);
}

/* engine_record of a's verdict on r; its return value. */
static int
record(struct fx *f, const struct request *r, const struct analyst_key *a,
    const char *verdict, const char *reason)
{
	struct signature	sig;
	int			rc;

	analyst_sign(a, r, verdict, reason, &sig);
	rc = engine_record(&f->d, r, &sig);
	free(sig.reason);
	return rc;
}

static struct request *
load(struct fx *f, const char *id)
{
	struct request	*r = request_load(f->s, id);

	if (r == NULL)
		fail_msg("request %s not found", id);
	return r;
}

/* The stored view of id, for checks after a change. */
static cJSON *
load_view(struct fx *f, const char *id)
{
	struct request	*r = load(f, id);
	cJSON		*v = request_view(r);

	request_free(r);
	return v;
}

/* Submit body (which must go pending) and load it. */
static struct request *
pending(struct fx *f, const char *body)
{
	cJSON		*v = submit(f, body, 201);
	struct request	*r = load(f, view_str(v, "id"));

	cJSON_Delete(v);
	assert_string_equal(r->state, "pending");
	return r;
}

/* CONTRACT §3's example: pending for the third rule's group. */
static void
test_submit_pending(void **state)
{
	struct fx	*f = *state;
	cJSON		*v = submit(f, WS042, 201);
	const char	*id = view_str(v, "id");

	assert_int_equal(strncmp(id, "req_", 4), 0);
	assert_string_equal(view_str(v, "state"), "pending");
	assert_string_equal(view_str(v, "action"), "isolate_host");
	assert_string_equal(view_str(v, "target"), "ws-042");
	assert_string_equal(view_str(v, "executor"), "agent-7");
	assert_string_equal(view_str(v, "on_behalf_of"), "alice");
	assert_string_equal(view_str(v, "rule"), "isolate_host rule 3");
	assert_int_equal(view_int(v, "approvals_required"), 1);
	view_groups(v, "[\"soc\"]");
	/* The request's own 300 s caps the action's 600 s. */
	assert_int_equal(view_int(v, "expires_at") - view_int(v, "created_at"),
	    300 * 1000);
	view_body_is(v, WS042);
	assert_int_equal(view_nsigs(v), 0);
	assert_null(cJSON_GetObjectItem(v, "decided_at"));
	assert_null(cJSON_GetObjectItem(v, "denied_recently"));

	assert_int_equal(audit_count(f->s, "submitted", id), 1);
	assert_int_equal(db_int(f->s->db, "SELECT count(*) FROM audit"), 1);
	audit_intact(f->s);
	cJSON_Delete(v);
}

/* dc-01: denied at once by the first rule, with its reason, signed. */
static void
test_submit_policy_deny(void **state)
{
	struct fx	*f = *state;
	cJSON		*v = submit(f, DC01, 200);
	struct trusted	 t;
	char		 why[512];

	assert_string_equal(view_str(v, "state"), "denied");
	assert_string_equal(view_str(v, "rule"), "isolate_host rule 1");
	assert_int_equal(view_int(v, "approvals_required"), 1);
	view_groups(v, "[]");
	assert_int_equal(view_int(v, "decided_at"), view_int(v, "created_at"));
	assert_int_equal(view_nsigs(v), 1);
	view_sig_is(v, 0, "approvald", "deny",
	    "domain controllers are never isolated by automation");
	assert_int_equal(view_sig_verify(v, 0, f->d.key->pk), 0);
	assert_int_not_equal(view_sig_verify(v, 0, f->bob.pk), 0);

	trust(&t, "approvald", f->d.key->pk, NULL);
	assert_int_equal(verify_view(v, (const uint8_t *)DC01, strlen(DC01),
	    &t, why, sizeof why), -1);
	trusted_free(&t);

	assert_int_equal(audit_count(f->s, "submitted", view_str(v, "id")), 1);
	assert_int_equal(audit_count(f->s, "policy_decision",
	    view_str(v, "id")), 1);
	audit_intact(f->s);
	cJSON_Delete(v);
}

/* refund 120: approved at once, and an executor trusting the daemon's
 * key takes it; one that trusts analysts only does not. */
static void
test_submit_policy_approve(void **state)
{
	struct fx	*f = *state;
	cJSON		*v = submit(f, REFUND, 200);
	cJSON		*s;
	struct trusted	 t;
	char		 why[512] = "";

	assert_string_equal(view_str(v, "state"), "approved");
	assert_string_equal(view_str(v, "rule"), "refund rule 2");
	assert_int_equal(view_int(v, "approvals_required"), 1);
	view_body_is(v, REFUND);
	assert_int_equal(view_nsigs(v), 1);
	view_sig_is(v, 0, "approvald", "approve", "refund rule 2");
	assert_int_equal(view_sig_verify(v, 0, f->d.key->pk), 0);

	trust(&t, "approvald", f->d.key->pk, "bob", f->bob.pk, NULL);
	if (verify_view(v, (const uint8_t *)REFUND, strlen(REFUND), &t, why,
	    sizeof why) != 0)
		fail_msg("verify_view: %s", why);
	/* Not over other bytes than those sent. */
	assert_int_equal(verify_view(v, (const uint8_t *)DC01, strlen(DC01),
	    &t, why, sizeof why), -1);
	trusted_free(&t);
	trust(&t, "bob", f->bob.pk, NULL);
	assert_int_equal(verify_view(v, (const uint8_t *)REFUND,
	    strlen(REFUND), &t, why, sizeof why), -1);
	trusted_free(&t);

	/* The signature covers the reason. */
	s = cJSON_GetArrayItem(cJSON_GetObjectItem(v, "signatures"), 0);
	cJSON_ReplaceItemInObject(s, "reason", cJSON_CreateString("x"));
	assert_int_not_equal(view_sig_verify(v, 0, f->d.key->pk), 0);

	assert_int_equal(audit_count(f->s, "policy_decision",
	    view_str(v, "id")), 1);
	audit_intact(f->s);
	cJSON_Delete(v);
}

/* An action outside the executor's scopes: 403, nothing stored but the
 * refusal's audit entry. */
static void
test_submit_forbidden(void **state)
{
	struct fx	*f = *state;
	struct executor	 none;

	assert_null(submit_as(f, &f->e, BLOCK, 403, "forbidden"));
	snprintf(none.name, sizeof none.name, "agent-0");
	none.scopes = xstrdup("[]");
	assert_null(submit_as(f, &none, WS042, 403, "forbidden"));
	free(none.scopes);
	assert_int_equal(db_int(f->s->db, "SELECT count(*) FROM requests"), 0);
	assert_int_equal(db_int(f->s->db, "SELECT count(*) FROM audit"
	    " WHERE event != 'scope_refused'"), 0);
	assert_int_equal(db_int(f->s->db, "SELECT count(*) FROM audit"
	    " WHERE event = 'scope_refused'"), 2);
	audit_intact(f->s);
}

/* The same key from the same executor: the same request (200), or 409
 * with another body; another executor's keys are its own. */
static void
test_idempotent_replay(void **state)
{
	struct fx	*f = *state;
	cJSON		*v1, *v2, *v3;

	v1 = submit(f, WS042, 201);
	v2 = submit(f, WS042, 200);
	assert_string_equal(view_str(v2, "id"), view_str(v1, "id"));
	assert_string_equal(view_str(v2, "state"), "pending");
	assert_null(submit_as(f, &f->e, WS042_OTHER, 409, "conflict"));
	assert_int_equal(db_int(f->s->db, "SELECT count(*) FROM requests"), 1);

	v3 = submit_as(f, &f->other, WS042, 201, NULL);
	assert_string_not_equal(view_str(v3, "id"), view_str(v1, "id"));
	assert_int_equal(db_int(f->s->db, "SELECT count(*) FROM requests"), 2);
	cJSON_Delete(v1);
	cJSON_Delete(v2);
	cJSON_Delete(v3);
}

/* engine_finalize: the first final state is the only one. */
static void
test_finalize_once(void **state)
{
	struct fx		*f = *state;
	struct request		*r = pending(f, WS042), *r2;
	struct signature	 s1, s2;

	engine_sign(&f->d, r, "deny", "timeout", clock_now_ms(), &s1);
	engine_sign(&f->d, r, "approve", "late", clock_now_ms(), &s2);
	assert_int_equal(engine_finalize(&f->d, r, "expired", &s1, "expired"),
	    0);
	assert_int_equal(engine_finalize(&f->d, r, "approved", &s2,
	    "approved"), 1);
	free(s1.reason);
	free(s2.reason);

	r2 = load(f, r->id);
	assert_string_equal(r2->state, "expired");
	assert_true(r2->decided_at >= r2->created_at);
	assert_int_equal(r2->nsigs, 1);
	assert_string_equal(r2->sigs[0].verdict, "deny");
	assert_string_equal(r2->sigs[0].reason, "timeout");
	assert_int_equal(audit_count(f->s, "expired", r->id), 1);
	assert_int_equal(audit_count(f->s, "approved", r->id), 0);
	audit_intact(f->s);
	request_free(r2);
	request_free(r);
}

/* One analyst's deny denies. */
static void
test_record_deny(void **state)
{
	struct fx	*f = *state;
	struct request	*r = pending(f, WS042);
	cJSON		*v;

	assert_int_equal(record(f, r, &f->bob, "deny", "not this host"), 0);
	v = load_view(f, r->id);
	assert_string_equal(view_str(v, "state"), "denied");
	assert_int_equal(view_nsigs(v), 1);
	view_sig_is(v, 0, "bob", "deny", "not this host");
	assert_int_equal(view_sig_verify(v, 0, f->bob.pk), 0);
	assert_int_equal(audit_count(f->s, "signature", r->id), 1);
	assert_int_equal(audit_count(f->s, "denied", r->id), 1);
	/* Final: a later vote is refused and not stored. */
	assert_int_equal(record(f, r, &f->carol, "approve", ""), 1);
	assert_int_equal(db_int(f->s->db, "SELECT count(*) FROM signatures"),
	    1);
	audit_intact(f->s);
	cJSON_Delete(v);
	request_free(r);
}

/* prod-web needs two distinct analysts. */
static void
test_record_quorum(void **state)
{
	struct fx	*f = *state;
	struct request	*r = pending(f, PRODWEB), *r2;
	struct trusted	 t;
	cJSON		*v;
	char		 why[512] = "";

	assert_string_equal(r->rule, "isolate_host rule 2");
	assert_int_equal(r->approvals_required, 2);
	assert_string_equal(r->groups, "[]");

	assert_int_equal(record(f, r, &f->carol, "approve", ""), 0);
	r2 = load(f, r->id);
	assert_string_equal(r2->state, "pending");
	assert_int_equal(r2->nsigs, 1);
	request_free(r2);
	assert_int_equal(audit_count(f->s, "approved", r->id), 0);

	/* The same analyst twice is one approval, not two. */
	assert_int_equal(record(f, r, &f->carol, "approve", ""), -1);
	r2 = load(f, r->id);
	assert_string_equal(r2->state, "pending");
	assert_int_equal(r2->nsigs, 1);
	request_free(r2);

	assert_int_equal(record(f, r, &f->dave, "approve", "confirmed"), 0);
	v = load_view(f, r->id);
	assert_string_equal(view_str(v, "state"), "approved");
	assert_int_equal(view_nsigs(v), 2);
	view_sig_is(v, 0, "carol", "approve", "");
	view_sig_is(v, 1, "dave", "approve", "confirmed");
	assert_int_equal(audit_count(f->s, "signature", r->id), 2);
	assert_int_equal(audit_count(f->s, "approved", r->id), 1);

	trust(&t, "carol", f->carol.pk, "dave", f->dave.pk, NULL);
	if (verify_view(v, (const uint8_t *)PRODWEB, strlen(PRODWEB), &t, why,
	    sizeof why) != 0)
		fail_msg("verify_view: %s", why);
	trusted_free(&t);
	trust(&t, "carol", f->carol.pk, NULL);
	assert_int_equal(verify_view(v, (const uint8_t *)PRODWEB,
	    strlen(PRODWEB), &t, why, sizeof why), -1);
	trusted_free(&t);

	assert_int_equal(record(f, r, &f->bob, "deny", "too late"), 1);
	r2 = load(f, r->id);
	assert_string_equal(r2->state, "approved");
	assert_int_equal(r2->nsigs, 2);
	request_free(r2);
	audit_intact(f->s);
	cJSON_Delete(v);
	request_free(r);
}

/* A vote on a request cancelled since the caller read it (a stale
 * struct request that still says pending) is refused and leaves no trace.
 * prod-web needs two approvals, so the first one would not have reached
 * the UPDATE ... WHERE state = 'pending' that catches a final request. */
static void
test_record_after_cancel(void **state)
{
	struct fx	*f = *state;
	struct request	*r = pending(f, PRODWEB), *r2;
	struct outcome	 o;

	memset(&o, 0, sizeof o);
	engine_cancel(&f->d, &f->e, r->id, &o);
	assert_int_equal(o.status, 200);
	assert_string_equal(view_str(o.view, "state"), "cancelled");
	outcome_clear(&o);
	assert_string_equal(r->state, "pending");	/* stale */

	assert_int_equal(record(f, r, &f->bob, "approve", ""), 1);
	assert_int_equal(record(f, r, &f->carol, "deny", "no"), 1);
	r2 = load(f, r->id);
	assert_string_equal(r2->state, "cancelled");
	assert_int_equal(r2->nsigs, 0);
	request_free(r2);
	assert_int_equal(db_int(f->s->db, "SELECT count(*) FROM signatures"),
	    0);
	assert_int_equal(audit_count(f->s, "signature", r->id), 0);
	assert_int_equal(audit_count(f->s, "cancelled", r->id), 1);
	assert_int_equal(audit_count(f->s, "denied", r->id), 0);
	audit_intact(f->s);
	request_free(r);
}

/* Cancel: only one's own request, only while pending. */
static void
test_cancel(void **state)
{
	struct fx	*f = *state;
	struct request	*r = pending(f, WS042), *r2;
	struct outcome	 o;
	cJSON		*v;

	memset(&o, 0, sizeof o);
	engine_cancel(&f->d, &f->other, r->id, &o);
	assert_int_equal(o.status, 404);
	assert_string_equal(o.code, "not_found");
	assert_null(o.view);
	outcome_clear(&o);
	r2 = load(f, r->id);
	assert_string_equal(r2->state, "pending");
	request_free(r2);

	engine_cancel(&f->d, &f->e, "req_000000000000deadbeefdeadbeefdead",
	    &o);
	assert_int_equal(o.status, 404);
	outcome_clear(&o);

	engine_cancel(&f->d, &f->e, r->id, &o);
	assert_int_equal(o.status, 200);
	assert_null(o.code);
	assert_string_equal(view_str(o.view, "state"), "cancelled");
	assert_string_equal(view_str(o.view, "id"), r->id);
	assert_non_null(cJSON_GetObjectItem(o.view, "decided_at"));
	outcome_clear(&o);

	engine_cancel(&f->d, &f->e, r->id, &o);
	assert_int_equal(o.status, 409);
	assert_string_equal(o.code, "conflict");
	outcome_clear(&o);

	v = submit(f, DC01, 200);
	engine_cancel(&f->d, &f->e, view_str(v, "id"), &o);
	assert_int_equal(o.status, 409);
	outcome_clear(&o);
	cJSON_Delete(v);
	request_free(r);

	assert_int_equal(db_int(f->s->db, "SELECT count(*) FROM audit"
	    " WHERE event = 'cancelled'"), 1);
	audit_intact(f->s);
}

/* An analyst's deny is remembered on a resubmission of the same executor,
 * action and target; the daemon's own denials are not. */
static void
test_deny_memory(void **state)
{
	struct fx	*f = *state;
	struct request	*r = pending(f, WS100), *r2;
	const cJSON	*m;
	cJSON		*v;

	assert_int_equal(record(f, r, &f->bob, "deny", "no"), 0);
	r2 = load(f, r->id);

	v = submit(f, WS100, 201);
	assert_string_equal(view_str(v, "state"), "pending");
	assert_string_equal(view_str(v, "rule"), "isolate_host rule 3");
	m = cJSON_GetObjectItem(v, "denied_recently");
	assert_true(cJSON_IsObject(m));
	assert_int_equal(view_int(m, "count"), 1);
	assert_string_equal(view_str(m, "by"), "bob");
	assert_string_equal(view_str(m, "reason"), "no");
	assert_int_equal(view_int(m, "last_at"), r2->decided_at);
	cJSON_Delete(v);
	request_free(r2);

	/* Another executor, another target: nothing remembered. */
	v = submit_as(f, &f->other, WS100, 201, NULL);
	assert_null(cJSON_GetObjectItem(v, "denied_recently"));
	cJSON_Delete(v);
	v = submit(f, WS101, 201);
	assert_null(cJSON_GetObjectItem(v, "denied_recently"));
	cJSON_Delete(v);

	/* Policy's denial is the daemon's, not an analyst's. */
	cJSON_Delete(submit(f, DC01, 200));
	v = submit(f, DC01, 200);
	assert_null(cJSON_GetObjectItem(v, "denied_recently"));
	cJSON_Delete(v);
	request_free(r);
	audit_intact(f->s);
}

/* deny_repeat: what an analyst denied lately is denied again at once. */
static void
test_deny_repeat(void **state)
{
	struct fx	*f = *state;
	struct request	*r = pending(f, JDOE);
	const cJSON	*m;
	cJSON		*v;

	assert_string_equal(r->rule, "disable_account rule 1");
	assert_int_equal(record(f, r, &f->bob, "deny", "no"), 0);

	v = submit(f, JDOE, 200);
	assert_string_equal(view_str(v, "state"), "denied");
	assert_string_equal(view_str(v, "rule"), "disable_account deny_repeat");
	assert_int_equal(view_int(v, "approvals_required"), 1);
	assert_int_equal(view_nsigs(v), 1);
	view_sig_is(v, 0, "approvald", "deny",
	    "denied 1x in the last hour by bob: no");
	assert_int_equal(view_sig_verify(v, 0, f->d.key->pk), 0);
	m = cJSON_GetObjectItem(v, "denied_recently");
	assert_true(cJSON_IsObject(m));
	assert_int_equal(view_int(m, "count"), 1);
	assert_string_equal(view_str(m, "by"), "bob");
	assert_int_equal(audit_count(f->s, "policy_decision",
	    view_str(v, "id")), 1);
	cJSON_Delete(v);

	/* Another target of the same action still goes to a human. */
	v = submit(f, JROE, 201);
	assert_string_equal(view_str(v, "rule"), "disable_account rule 1");
	cJSON_Delete(v);
	request_free(r);
	audit_intact(f->s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_migrates,
		    setup_store, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_idempotent,
		    setup_store, teardown),
		cmocka_unit_test_setup_teardown(test_newer_refused,
		    setup_dir, teardown),
		cmocka_unit_test_setup_teardown(test_failed_migration_rolls_back,
		    setup_dir, teardown),
		cmocka_unit_test_setup_teardown(test_failed_later_migration,
		    setup_dir, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_refused,
		    setup_dir, teardown),
		cmocka_unit_test_setup_teardown(test_audit_chain,
		    setup_store, teardown),
		cmocka_unit_test_setup_teardown(test_audit_altered,
		    setup_store, teardown),
		cmocka_unit_test_setup_teardown(test_audit_deleted,
		    setup_store, teardown),
		cmocka_unit_test_setup_teardown(test_audit_deleted_first,
		    setup_store, teardown),
		cmocka_unit_test_setup_teardown(test_audit_swapped_data,
		    setup_store, teardown),
		cmocka_unit_test_setup_teardown(test_audit_reordered,
		    setup_store, teardown),
		cmocka_unit_test_setup_teardown(test_submit_pending,
		    setup_engine, teardown),
		cmocka_unit_test_setup_teardown(test_submit_policy_deny,
		    setup_engine, teardown),
		cmocka_unit_test_setup_teardown(test_submit_policy_approve,
		    setup_engine, teardown),
		cmocka_unit_test_setup_teardown(test_submit_forbidden,
		    setup_engine, teardown),
		cmocka_unit_test_setup_teardown(test_idempotent_replay,
		    setup_engine, teardown),
		cmocka_unit_test_setup_teardown(test_finalize_once,
		    setup_engine, teardown),
		cmocka_unit_test_setup_teardown(test_record_deny,
		    setup_engine, teardown),
		cmocka_unit_test_setup_teardown(test_record_quorum,
		    setup_engine, teardown),
		cmocka_unit_test_setup_teardown(test_record_after_cancel,
		    setup_engine, teardown),
		cmocka_unit_test_setup_teardown(test_cancel,
		    setup_engine, teardown),
		cmocka_unit_test_setup_teardown(test_deny_memory,
		    setup_engine, teardown),
		cmocka_unit_test_setup_teardown(test_deny_repeat,
		    setup_engine, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
