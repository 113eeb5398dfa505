/*
 * The tables as the audit chain says they must be. Replaying the chain
 * into temporary tables rebuilds every row of requests, signatures,
 * analysts and executors that the daemon and the admin commands wrote
 * (each write appends its entry in the same transaction); a row the
 * replay does not give, gives otherwise, or gives but the table lacks was
 * written around the chain (by SQL, a restored file, a tool) and is named.
 *
 * Entries written before the chain recorded whole rows (a "submitted"
 * without "created_at", a signature without "sig", analyst_added without
 * "pubkey", executor_added without "token_hash") back their rows by what
 * they record: such a row is marked legacy and its other columns are not
 * compared (docs/OPERATIONS.md). `audit adopt` appends one "*_adopted"
 * entry per legacy row, recording it whole, once the tables match.
 *
 * A check runs in one read transaction that is rolled back: the
 * temporary tables vanish and the database is not written. An adoption
 * runs in one write transaction, so no row changes between its check
 * and its entries.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "approvald.h"
#include "codec.h"
#include "json.h"
#include "xmalloc.h"

#define AUDITSTATE_SHOW_MAX	100	/* rows named; the rest counted */
#define AUDITSTATE_VALUE_MAX	48	/* characters of a value shown */

static const char auditstate_schema[] =
    "CREATE TEMP TABLE as_requests (id TEXT PRIMARY KEY, legacy INTEGER,"
    " executor, idempotency_key, action, target, on_behalf_of, digest,"
    " state, rule, approvals_required, groups, created_at, expires_at,"
    " decided_at, denied_recently);"
    "CREATE TEMP TABLE as_signatures (request_id TEXT, signer TEXT,"
    " legacy INTEGER, verdict, signed_at, reason, sig, seq,"
    " PRIMARY KEY (request_id, signer));"
    "CREATE TEMP TABLE as_analysts (name TEXT PRIMARY KEY, legacy INTEGER,"
    " pubkey, groups);"
    "CREATE TEMP TABLE as_executors (name TEXT PRIMARY KEY,"
    " legacy INTEGER, token_hash, scopes, revoked);";

enum auditstate_stmt {
	AS_REQ_PUT,
	AS_REQ_MOVE,
	AS_SIG_PUT,
	AS_SIG_ADOPT,
	AS_ANALYST_PUT,
	AS_ANALYST_DEL,
	AS_EXEC_PUT,
	AS_EXEC_REVOKE,
	AS__MAX
};

static const char *const auditstate_sqls[AS__MAX] = {
	[AS_REQ_PUT] = "INSERT OR REPLACE INTO as_requests VALUES"
	    " (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
	    " ?15, ?16)",
	[AS_REQ_MOVE] = "UPDATE as_requests SET state = ?2, decided_at = ?3"
	    " WHERE id = ?1 AND state = 'pending'",
	[AS_SIG_PUT] = "INSERT OR IGNORE INTO as_signatures VALUES"
	    " (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
	    " (SELECT count(*) FROM as_signatures WHERE request_id = ?1))",
	[AS_SIG_ADOPT] = "INSERT OR REPLACE INTO as_signatures VALUES"
	    " (?1, ?2, 0, ?3, ?4, ?5, ?6, ?7)",
	[AS_ANALYST_PUT] = "INSERT OR REPLACE INTO as_analysts VALUES"
	    " (?1, ?2, ?3, ?4)",
	[AS_ANALYST_DEL] = "DELETE FROM as_analysts WHERE name = ?1",
	[AS_EXEC_PUT] = "INSERT OR REPLACE INTO as_executors VALUES"
	    " (?1, ?2, ?3, ?4, ?5)",
	[AS_EXEC_REVOKE] = "UPDATE as_executors SET revoked = 1"
	    " WHERE name = ?1",
};

/* One check: the statements of the replay and what it found. */
struct auditstate {
	sqlite3		*db;
	sqlite3_stmt	*st[AS__MAX];
	FILE		*out;
	size_t		 nbad;
};

/* A column compared: have on the table's row t, want on the replayed x. */
struct auditstate_col {
	const char	*name;
	const char	*have;
	int		 legacy;	/* compared on legacy rows too */
};

struct auditstate_table {
	const char			*name;
	const char			*key[2];	/* naming a row */
	const char			*join;
	const struct auditstate_col	*cols;
	size_t				 ncols;
};

static const struct auditstate_col auditstate_req_cols[] = {
	{ "executor", "executor", 1 },
	{ "idempotency_key", "idempotency_key", 0 },
	{ "action", "action", 1 },
	{ "target", "target", 1 },
	{ "on_behalf_of", "on_behalf_of", 0 },
	{ "digest", "digest", 1 },
	{ "state", "state", 1 },
	{ "rule", "rule", 1 },
	{ "approvals_required", "approvals_required", 0 },
	{ "groups", "groups", 0 },
	{ "created_at", "created_at", 0 },
	{ "expires_at", "expires_at", 0 },
	{ "decided_at", "decided_at", 1 },
	{ "denied_recently", "denied_recently", 0 },
};

static const struct auditstate_col auditstate_sig_cols[] = {
	{ "verdict", "verdict", 1 },
	{ "signed_at", "signed_at", 0 },
	{ "reason", "reason", 1 },
	{ "sig", "sig", 0 },
	{ "seq", "seq", 1 },
};

static const struct auditstate_col auditstate_analyst_cols[] = {
	{ "pubkey", "pubkey", 0 },
	{ "groups", "groups", 0 },
};

static const struct auditstate_col auditstate_exec_cols[] = {
	{ "token_hash", "token_hash", 0 },
	{ "scopes", "scopes", 0 },
	{ "revoked", "revoked_at IS NOT NULL", 1 },
};

#define AUDITSTATE_COLS(a)	(a), sizeof (a) / sizeof *(a)

static const struct auditstate_table auditstate_tables[] = {
	{ "requests", { "id", NULL }, "x.id = t.id",
	    AUDITSTATE_COLS(auditstate_req_cols) },
	{ "signatures", { "request_id", "signer" },
	    "x.request_id = t.request_id AND x.signer = t.signer",
	    AUDITSTATE_COLS(auditstate_sig_cols) },
	{ "analysts", { "name", NULL }, "x.name = t.name",
	    AUDITSTATE_COLS(auditstate_analyst_cols) },
	{ "executors", { "name", NULL }, "x.name = t.name",
	    AUDITSTATE_COLS(auditstate_exec_cols) },
};

/* Copy s into buf for a message: printable ASCII, others as '?', cut. */
static void
auditstate_clean(const char *s, char *buf, size_t len)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = s[i] >= ' ' && s[i] <= '~' ? s[i] : '?';
	buf[i] = '\0';
}

/* Name one row that differs; the first AUDITSTATE_SHOW_MAX are shown. */
static void __attribute__((format(printf, 4, 5)))
auditstate_bad(struct auditstate *as, const char *table, const char *key,
    const char *fmt, ...)
{
	char	row[PROTO_ID_MAX + PROTO_NAME_MAX + 2];
	va_list	ap;

	if (as->nbad++ >= AUDITSTATE_SHOW_MAX)
		return;
	auditstate_clean(key != NULL ? key : "(null)", row, sizeof row);
	fprintf(as->out, "%s row %s: ", table, row);
	va_start(ap, fmt);
	vfprintf(as->out, fmt, ap);
	va_end(ap);
	fputc('\n', as->out);
}

/* Bind a JSON string member, or NULL when it is absent. */
static void
auditstate_bind_str(sqlite3_stmt *st, int i, const cJSON *data,
    const char *name)
{
	const char	*v = json_string(data, name);

	if (v != NULL)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Bind a JSON integer member, or NULL when it is absent. */
static void
auditstate_bind_int(sqlite3_stmt *st, int i, const cJSON *data,
    const char *name)
{
	int64_t	v;

	if (json_int(data, name, INT64_MIN, INT64_MAX, &v) == 0)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* Bind a member holding base64 as a blob, or NULL. */
static void
auditstate_bind_bytes(sqlite3_stmt *st, int i, const cJSON *data,
    const char *name)
{
	const char	*v = json_string(data, name);
	uint8_t		*raw = NULL;
	size_t		 len = 0;

	if (v != NULL && codec_b64_decode(v, &raw, &len) != 0)
		raw = NULL;
	if (raw != NULL && len > 0)
		sqlite3_bind_blob(st, i, raw, (int)len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
	free(raw);
}

/* Step a bound statement that returns no row; 0 or -1. */
static int
auditstate_step(sqlite3_stmt *st)
{
	int	rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Bind a request's columns but legacy and decided_at to AS_REQ_PUT. */
static void
auditstate_bind_request(sqlite3_stmt *st, const cJSON *data)
{
	auditstate_bind_str(st, 1, data, "id");
	auditstate_bind_str(st, 3, data, "executor");
	auditstate_bind_str(st, 4, data, "idempotency_key");
	auditstate_bind_str(st, 5, data, "action");
	auditstate_bind_str(st, 6, data, "target");
	auditstate_bind_str(st, 7, data, "on_behalf_of");
	auditstate_bind_str(st, 8, data, "digest");
	auditstate_bind_str(st, 9, data, "state");
	auditstate_bind_str(st, 10, data, "rule");
	auditstate_bind_int(st, 11, data, "approvals_required");
	auditstate_bind_str(st, 12, data, "groups");
	auditstate_bind_int(st, 13, data, "created_at");
	auditstate_bind_int(st, 14, data, "expires_at");
	auditstate_bind_str(st, 16, data, "denied_recently");
}

/* A "submitted" entry: the whole row. */
static int
auditstate_submitted(struct auditstate *as, int64_t at, const cJSON *data)
{
	sqlite3_stmt	*st = as->st[AS_REQ_PUT];
	const char	*state = json_string(data, "state");

	auditstate_bind_request(st, data);
	sqlite3_bind_int(st, 2, !cJSON_HasObjectItem(data, "created_at"));
	/* Decided by policy at once: decided when created. */
	if (state != NULL && strcmp(state, "pending") != 0)
		sqlite3_bind_int64(st, 15, at);
	return auditstate_step(st);
}

/* A "*_adopted" entry (audit adopt): a whole row as it was found. */
static int
auditstate_adopted(struct auditstate *as, const char *event,
    const cJSON *data)
{
	sqlite3_stmt	*st;

	if (strcmp(event, "request_adopted") == 0) {
		st = as->st[AS_REQ_PUT];
		auditstate_bind_request(st, data);
		sqlite3_bind_int(st, 2, 0);
		auditstate_bind_int(st, 15, data, "decided_at");
		return auditstate_step(st);
	}
	st = as->st[AS_SIG_ADOPT];
	auditstate_bind_str(st, 1, data, "id");
	auditstate_bind_str(st, 2, data, "signer");
	auditstate_bind_str(st, 3, data, "verdict");
	auditstate_bind_int(st, 4, data, "signed_at");
	auditstate_bind_str(st, 5, data, "reason");
	auditstate_bind_bytes(st, 6, data, "sig");
	auditstate_bind_int(st, 7, data, "seq");
	return auditstate_step(st);
}

/* Any request entry: a move from pending to a final state at `at`, and
 * the signature it carries. */
static int
auditstate_request(struct auditstate *as, int64_t at, const cJSON *data)
{
	sqlite3_stmt	*st;
	const char	*state = json_string(data, "state");

	if (strcmp(state, "pending") != 0) {
		st = as->st[AS_REQ_MOVE];
		auditstate_bind_str(st, 1, data, "id");
		auditstate_bind_str(st, 2, data, "state");
		sqlite3_bind_int64(st, 3, at);
		if (auditstate_step(st) != 0)
			return -1;
	}
	if (json_string(data, "signer") == NULL)
		return 0;
	st = as->st[AS_SIG_PUT];
	auditstate_bind_str(st, 1, data, "id");
	auditstate_bind_str(st, 2, data, "signer");
	sqlite3_bind_int(st, 3, !cJSON_HasObjectItem(data, "sig"));
	auditstate_bind_str(st, 4, data, "verdict");
	auditstate_bind_int(st, 5, data, "signed_at");
	auditstate_bind_str(st, 6, data, "reason");
	auditstate_bind_bytes(st, 7, data, "sig");
	return auditstate_step(st);
}

/* An analyst or executor entry. */
static int
auditstate_admin(struct auditstate *as, const char *event,
    const cJSON *data)
{
	sqlite3_stmt	*st;

	if (strcmp(event, "analyst_added") == 0 ||
	    strcmp(event, "analyst_adopted") == 0) {
		st = as->st[AS_ANALYST_PUT];
		sqlite3_bind_int(st, 2, !cJSON_HasObjectItem(data, "pubkey"));
		auditstate_bind_bytes(st, 3, data, "pubkey");
		auditstate_bind_str(st, 4, data, "groups");
	} else if (strcmp(event, "executor_added") == 0 ||
	    strcmp(event, "executor_adopted") == 0) {
		st = as->st[AS_EXEC_PUT];
		sqlite3_bind_int(st, 2,
		    !cJSON_HasObjectItem(data, "token_hash"));
		auditstate_bind_bytes(st, 3, data, "token_hash");
		auditstate_bind_str(st, 4, data, "scopes");
		/* Only an adopted row can have been revoked already. */
		sqlite3_bind_int(st, 5, cJSON_IsNumber(
		    cJSON_GetObjectItemCaseSensitive(data, "revoked_at")));
	} else if (strcmp(event, "analyst_removed") == 0)
		st = as->st[AS_ANALYST_DEL];
	else if (strcmp(event, "executor_revoked") == 0)
		st = as->st[AS_EXEC_REVOKE];
	else
		return 0;	/* changes no table */
	auditstate_bind_str(st, 1, data, "name");
	return auditstate_step(st);
}

/* Replay one entry's data into the expected tables. */
static int
auditstate_dispatch(struct auditstate *as, int64_t at, const char *event,
    const cJSON *data)
{
	if (strcmp(event, "request_adopted") == 0 ||
	    strcmp(event, "signature_adopted") == 0)
		return auditstate_adopted(as, event, data);
	if (strcmp(event, "submitted") == 0 &&
	    auditstate_submitted(as, at, data) != 0)
		return -1;
	if (json_string(data, "id") != NULL &&
	    json_string(data, "digest") != NULL &&
	    json_string(data, "state") != NULL)
		return auditstate_request(as, at, data);
	if (json_string(data, "name") != NULL)
		return auditstate_admin(as, event, data);
	return 0;	/* changes no table */
}

/* Replay one entry. */
static int
auditstate_entry(struct auditstate *as, int64_t at, const char *event,
    const char *text)
{
	cJSON	*data;
	int	 rc;

	if ((data = cJSON_Parse(text)) == NULL)
		return -1;
	rc = auditstate_dispatch(as, at, event, data);
	cJSON_Delete(data);
	return rc;
}

/* Replay the whole chain; 0 or -1 on a database error. */
static int
auditstate_replay(struct auditstate *as, struct store *s)
{
	sqlite3_stmt	*st = store_stmt(s, STMT_AUDIT_ALL);
	const char	*event, *text;
	int		 rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		event = (const char *)sqlite3_column_text(st, 2);
		text = (const char *)sqlite3_column_text(st, 3);
		if (event == NULL || text == NULL ||
		    auditstate_entry(as, sqlite3_column_int64(st, 1), event,
		    text) != 0) {
			fprintf(as->out, "audit entry %" PRId64 " cannot be "
			    "replayed\n", (int64_t)sqlite3_column_int64(st, 0));
			rc = SQLITE_ERROR;
			break;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* 1 when columns i and j of the row hold the same value. */
static int
auditstate_same(sqlite3_stmt *st, int i, int j)
{
	int	type = sqlite3_column_type(st, i);
	int	len;

	if (type != sqlite3_column_type(st, j))
		return 0;
	if (type == SQLITE_NULL)
		return 1;
	if (type == SQLITE_INTEGER)
		return sqlite3_column_int64(st, i) ==
		    sqlite3_column_int64(st, j);
	if (type == SQLITE_FLOAT)
		return 0;	/* nothing the daemon writes */
	len = sqlite3_column_bytes(st, i);
	return len == sqlite3_column_bytes(st, j) && (len == 0 ||
	    memcmp(sqlite3_column_blob(st, i), sqlite3_column_blob(st, j),
	    (size_t)len) == 0);
}

/* Column i of the row (not a blob) as a short, printable text in buf. */
static const char *
auditstate_value(sqlite3_stmt *st, int i, char *buf, size_t len)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		return "null";
	case SQLITE_INTEGER:
		snprintf(buf, len, "%lld", sqlite3_column_int64(st, i));
		return buf;
	default:
		auditstate_clean((const char *)sqlite3_column_text(st, i),
		    buf, len);
		return buf;
	}
}

/* Compare one joined row: key, x.legacy, then have/want pairs. */
static void
auditstate_row(struct auditstate *as, const struct auditstate_table *t,
    sqlite3_stmt *st)
{
	const char	*key = (const char *)sqlite3_column_text(st, 0);
	char		 have[AUDITSTATE_VALUE_MAX], want[AUDITSTATE_VALUE_MAX];
	int		 legacy, c;
	size_t		 i;

	if (sqlite3_column_type(st, 1) == SQLITE_NULL) {
		auditstate_bad(as, t->name, key, "not in the audit chain");
		return;
	}
	legacy = sqlite3_column_int(st, 1);
	for (i = 0; i < t->ncols; i++) {
		c = 2 + 2 * (int)i;
		if ((legacy && !t->cols[i].legacy) ||
		    auditstate_same(st, c, c + 1))
			continue;
		if (sqlite3_column_type(st, c) == SQLITE_BLOB ||
		    sqlite3_column_type(st, c + 1) == SQLITE_BLOB)
			auditstate_bad(as, t->name, key, "%s differs from the "
			    "audit chain", t->cols[i].name);
		else
			auditstate_bad(as, t->name, key, "%s is %s here, %s "
			    "by the audit chain", t->cols[i].name,
			    auditstate_value(st, c, have, sizeof have),
			    auditstate_value(st, c + 1, want, sizeof want));
	}
}

/* The SQL naming a row of t by its key, on the table alias p. */
static char *
auditstate_key(const struct auditstate_table *t, const char *p)
{
	char	*key;

	if (t->key[1] == NULL)
		xasprintf(&key, "%s.%s", p, t->key[0]);
	else
		xasprintf(&key, "%s.%s || '/' || %s.%s", p, t->key[0], p,
		    t->key[1]);
	return key;
}

/* Every row of t against its replayed row. 0 or -1 on an SQL error. */
static int
auditstate_rows(struct auditstate *as, const struct auditstate_table *t)
{
	sqlite3_stmt	*st;
	char		*sql, *key, *cols = xstrdup(""), *next;
	size_t		 i;
	int		 rc;

	for (i = 0; i < t->ncols; i++) {
		xasprintf(&next, "%s, t.%s, x.%s", cols, t->cols[i].have,
		    t->cols[i].name);
		free(cols);
		cols = next;
	}
	key = auditstate_key(t, "t");
	xasprintf(&sql, "SELECT %s, x.legacy%s FROM main.%s t LEFT JOIN "
	    "as_%s x ON %s ORDER BY 1", key, cols, t->name, t->name, t->join);
	free(key);
	free(cols);
	rc = sqlite3_prepare_v2(as->db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		auditstate_row(as, t, st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Every replayed row of t that the table lacks. 0 or -1. */
static int
auditstate_missing(struct auditstate *as, const struct auditstate_table *t)
{
	sqlite3_stmt	*st;
	char		*sql, *key;
	int		 rc;

	key = auditstate_key(t, "x");
	xasprintf(&sql, "SELECT %s FROM as_%s x WHERE NOT EXISTS (SELECT 1 "
	    "FROM main.%s t WHERE %s) ORDER BY 1", key, t->name, t->name,
	    t->join);
	free(key);
	rc = sqlite3_prepare_v2(as->db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		auditstate_bad(as, t->name, (const char *)
		    sqlite3_column_text(st, 0), "missing: the audit chain "
		    "has it");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Each request's body must be what its digest names: the chain holds
 * the digest, not the body. 0 or -1. */
static int
auditstate_bodies(struct auditstate *as)
{
	sqlite3_stmt	*st;
	char		 digest[PROTO_SHA256_HEX];
	const char	*id, *want;
	int		 rc;

	if (sqlite3_prepare_v2(as->db, "SELECT id, body, digest FROM "
	    "main.requests ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = (const char *)sqlite3_column_text(st, 0);
		want = (const char *)sqlite3_column_text(st, 2);
		codec_sha256_hex(sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1), digest);
		if (id != NULL && (want == NULL || strcmp(digest, want) != 0))
			auditstate_bad(as, "requests", id, "body does not "
			    "hash to its digest");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Prepare the replay's statements after the schema. 0 or -1. */
static int
auditstate_prepare(struct auditstate *as)
{
	size_t	i;

	if (sqlite3_exec(as->db, auditstate_schema, NULL, NULL, NULL) !=
	    SQLITE_OK)
		return -1;
	for (i = 0; i < AS__MAX; i++) {
		if (sqlite3_prepare_v2(as->db, auditstate_sqls[i], -1,
		    &as->st[i], NULL) != SQLITE_OK)
			return -1;
	}
	return 0;
}

/* Replay and compare, inside the open transaction. 0 or -1 on error. */
static int
auditstate_run(struct auditstate *as, struct store *s)
{
	size_t	i;

	if (auditstate_prepare(as) != 0 || auditstate_replay(as, s) != 0)
		return -1;
	for (i = 0; i < sizeof auditstate_tables / sizeof *auditstate_tables;
	    i++) {
		if (auditstate_rows(as, &auditstate_tables[i]) != 0 ||
		    auditstate_missing(as, &auditstate_tables[i]) != 0)
			return -1;
	}
	return auditstate_bodies(as);
}

/* Open the transaction (begin), replay and compare; 0 when that ran,
 * whatever it found, else -1 (said, and the transaction is over). */
static int
auditstate_start(struct auditstate *as, struct store *s, FILE *out,
    const char *begin)
{
	memset(as, 0, sizeof *as);
	as->db = s->db;
	as->out = out;
	if (sqlite3_exec(as->db, begin, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(out, "reading the database: %s\n", store_errmsg(s));
		return -1;
	}
	if (auditstate_run(as, s) == 0)
		return 0;
	fprintf(out, "checking the tables against the audit chain: %s\n",
	    store_errmsg(s));
	sqlite3_exec(as->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* End the transaction: commit (the temporary tables dropped) when
 * commit, else roll back. 0, or -1 when the commit failed. */
static int
auditstate_finish(struct auditstate *as, int commit)
{
	size_t	i;

	for (i = 0; i < AS__MAX; i++) {
		sqlite3_finalize(as->st[i]);
		as->st[i] = NULL;
	}
	if (commit && sqlite3_exec(as->db, "DROP TABLE as_requests;"
	    "DROP TABLE as_signatures; DROP TABLE as_analysts;"
	    "DROP TABLE as_executors; COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	sqlite3_exec(as->db, "ROLLBACK", NULL, NULL, NULL);
	return commit ? -1 : 0;
}

/* Sum up what the comparison found; 0 when nothing differs. */
static int
auditstate_verdict(const struct auditstate *as)
{
	if (as->nbad > AUDITSTATE_SHOW_MAX)
		fprintf(as->out, "... and %zu more rows\n",
		    as->nbad - AUDITSTATE_SHOW_MAX);
	if (as->nbad > 0)
		fprintf(as->out, "%zu differences between the tables and what "
		    "the audit chain records\n", as->nbad);
	return as->nbad == 0 ? 0 : -1;
}

int
auditstate_check(struct store *s, FILE *out)
{
	struct auditstate	as;

	if (auditstate_start(&as, s, out, "BEGIN") != 0)
		return -1;
	auditstate_finish(&as, 0);
	return auditstate_verdict(&as);
}

/* What an adopted row's entry records, in the order of auditstate_tables. */
static const struct {
	const char	*event;
	const char	*cols;		/* SQL on the table's row t */
} auditstate_adopts[] = {
	{ "request_adopted", "t.id, t.executor, t.idempotency_key, t.action,"
	    " t.target, t.on_behalf_of, t.digest, t.state, t.rule,"
	    " t.approvals_required, t.groups, t.created_at, t.expires_at,"
	    " t.decided_at, t.denied_recently" },
	{ "signature_adopted", "t.request_id AS id, t.signer, t.verdict,"
	    " t.signed_at, t.reason, t.sig, t.seq" },
	{ "analyst_adopted", "t.name, t.pubkey, t.groups" },
	{ "executor_adopted", "t.name, t.token_hash, t.scopes, t.revoked_at" },
};
_Static_assert(sizeof auditstate_adopts / sizeof *auditstate_adopts ==
    sizeof auditstate_tables / sizeof *auditstate_tables,
    "one adopted entry per compared table");

/* The selected row as an entry: each column by name, blobs in base64. */
static cJSON *
auditstate_row_json(sqlite3_stmt *st)
{
	cJSON		*o = cJSON_CreateObject();
	const char	*name;
	char		*b64;
	int		 i;

	for (i = 0; i < sqlite3_column_count(st); i++) {
		name = sqlite3_column_name(st, i);
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER:
			cJSON_AddNumberToObject(o, name,
			    (double)sqlite3_column_int64(st, i));
			break;
		case SQLITE_TEXT:
			cJSON_AddStringToObject(o, name,
			    (const char *)sqlite3_column_text(st, i));
			break;
		case SQLITE_BLOB:
			b64 = codec_b64_encode(sqlite3_column_blob(st, i),
			    (size_t)sqlite3_column_bytes(st, i));
			cJSON_AddStringToObject(o, name, b64);
			free(b64);
			break;
		default:
			cJSON_AddNullToObject(o, name);
		}
	}
	return o;
}

/* Append an entry for each legacy row of table i; 0 or -1. */
static int
auditstate_adopt_table(struct auditstate *as, struct store *s, size_t i,
    int64_t now, size_t *n)
{
	const struct auditstate_table	*t = &auditstate_tables[i];
	sqlite3_stmt			*st;
	cJSON				*data;
	char				*sql;
	int				 rc, appended = 0;

	xasprintf(&sql, "SELECT %s FROM main.%s t JOIN as_%s x ON %s WHERE "
	    "x.legacy = 1 ORDER BY 1", auditstate_adopts[i].cols, t->name,
	    t->name, t->join);
	rc = sqlite3_prepare_v2(as->db, sql, -1, &st, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return -1;
	while (appended == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		data = auditstate_row_json(st);
		appended = audit_append(s, now, auditstate_adopts[i].event,
		    data);
		cJSON_Delete(data);
		if (appended == 0)
			(*n)++;
	}
	sqlite3_finalize(st);
	return appended == 0 && rc == SQLITE_DONE ? 0 : -1;
}

int
auditstate_adopt(struct store *s, FILE *out, size_t *n)
{
	struct auditstate	as;
	int64_t			now = clock_now_ms();
	size_t			i;
	int			rc = 0;

	*n = 0;
	if (auditstate_start(&as, s, out, "BEGIN IMMEDIATE") != 0)
		return -1;
	if (auditstate_verdict(&as) != 0) {
		auditstate_finish(&as, 0);
		return -1;
	}
	for (i = 0; rc == 0 && i < sizeof auditstate_adopts /
	    sizeof *auditstate_adopts; i++)
		rc = auditstate_adopt_table(&as, s, i, now, n);
	if (rc != 0)
		fprintf(out, "adopting the rows: %s\n", store_errmsg(s));
	if (auditstate_finish(&as, rc == 0) != 0 || rc != 0) {
		*n = 0;
		return -1;
	}
	return 0;
}
