/*
 * The database. WAL with synchronous=FULL: a commit is on disk before the
 * caller acknowledges anything (survives kill -9 and power loss). Every
 * statement is prepared once at open, from the table below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "approvald.h"
#include "xmalloc.h"

extern const char *const schema_migrations[];
extern const size_t schema_count;

static const char *const store_sqls[STMT__MAX] = {
	[STMT_BEGIN] = "BEGIN IMMEDIATE",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	[STMT_REQ_INSERT] =
	    "INSERT INTO requests (id, executor, idempotency_key, action,"
	    " target, on_behalf_of, body, digest, state, rule,"
	    " approvals_required, groups, created_at, expires_at, decided_at,"
	    " denied_recently, policy_sha256)"
	    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[STMT_REQ_GET] =
	    "SELECT id, executor, idempotency_key, action, target,"
	    " on_behalf_of, body, digest, state, rule, approvals_required,"
	    " groups, created_at, expires_at, decided_at, denied_recently,"
	    " policy_sha256 FROM requests WHERE id = ?",
	[STMT_REQ_STATE] = "SELECT state FROM requests WHERE id = ?",
	[STMT_REQ_BY_IDEMPOTENCY] =
	    "SELECT id FROM requests WHERE executor = ? AND idempotency_key = ?",
	[STMT_REQ_DENIED_RECENTLY] =
	    "SELECT count(*), s.signer, s.reason, max(r.decided_at)"
	    " FROM requests r JOIN signatures s ON s.request_id = r.id"
	    " WHERE r.target = ?1 AND r.executor = ?2 AND r.action = ?3"
	    " AND r.state = 'denied' AND r.decided_at >= ?4"
	    " AND s.verdict = 'deny' AND s.signer != ?5",
	[STMT_REQ_FINALIZE] =
	    "UPDATE requests SET state = ?, decided_at = ?"
	    " WHERE id = ? AND state = 'pending'",
	[STMT_REQ_NEXT_EXPIRY] =
	    "SELECT min(expires_at) FROM requests WHERE state = 'pending'",
	[STMT_REQ_DUE] =
	    "SELECT id FROM requests WHERE state = 'pending'"
	    " AND expires_at <= ? ORDER BY expires_at LIMIT ?",
	[STMT_REQ_PENDING] =
	    "SELECT id FROM requests WHERE state = 'pending'"
	    " ORDER BY expires_at",
	[STMT_REQ_HISTORY] =
	    "SELECT id FROM requests WHERE state != 'pending'"
	    " ORDER BY decided_at DESC LIMIT ?",
	[STMT_REQ_PENDING_COUNT] =
	    "SELECT count(*) FROM requests WHERE state = 'pending'",
	[STMT_DATA_VERSION] = "PRAGMA data_version",
	[STMT_SIG_INSERT] =
	    "INSERT INTO signatures (request_id, signer, verdict, signed_at,"
	    " reason, sig, seq) VALUES (?,?,?,?,?,?,"
	    " (SELECT count(*) FROM signatures WHERE request_id = ?1))",
	[STMT_SIG_LIST] =
	    "SELECT signer, verdict, signed_at, reason, sig FROM signatures"
	    " WHERE request_id = ? ORDER BY seq",
	[STMT_SIG_COUNT] =
	    "SELECT count(*) FROM signatures WHERE request_id = ?"
	    " AND verdict = 'approve'",
	[STMT_AUDIT_HEAD] =
	    "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
	[STMT_AUDIT_INSERT] =
	    "INSERT INTO audit (seq, at, event, data, prev, hash)"
	    " VALUES (?,?,?,?,?,?)",
	[STMT_AUDIT_ALL] =
	    "SELECT seq, at, event, data, prev, hash FROM audit ORDER BY seq",
	[STMT_AUDIT_AT] = "SELECT hash FROM audit WHERE seq = ?",
	[STMT_EXEC_BY_HASH] =
	    "SELECT name, token_hash, scopes FROM executors"
	    " WHERE token_hash = ? AND revoked_at IS NULL",
	[STMT_EXEC_INSERT] =
	    "INSERT INTO executors (name, token_hash, scopes, created_at)"
	    " VALUES (?,?,?,?)",
	[STMT_EXEC_LIST] =
	    "SELECT name, scopes, created_at, revoked_at, suspended_at"
	    " FROM executors ORDER BY name",
	[STMT_EXEC_REVOKE] =
	    "UPDATE executors SET revoked_at = ? WHERE name = ?"
	    " AND revoked_at IS NULL",
	[STMT_ANALYST_GET] =
	    "SELECT name, pubkey, groups FROM analysts WHERE name = ?",
	[STMT_ANALYST_INSERT] =
	    "INSERT INTO analysts (name, pubkey, groups, created_at)"
	    " VALUES (?,?,?,?)",
	[STMT_ANALYST_LIST] =
	    "SELECT name, pubkey, groups, created_at FROM analysts"
	    " ORDER BY name",
	[STMT_ANALYST_DELETE] = "DELETE FROM analysts WHERE name = ?",
	[STMT_REQ_LIST] =
	    "SELECT id FROM requests WHERE executor = ?1"
	    " AND (?2 IS NULL OR state = ?2) ORDER BY id DESC LIMIT ?3",
	[STMT_REQ_OLDEST_PENDING] =
	    "SELECT min(created_at) FROM requests WHERE state = 'pending'",
	[STMT_REQ_DENIALS_SINCE] =
	    "SELECT count(*) FROM requests WHERE executor = ?1"
	    " AND state = 'denied' AND decided_at >= ?2",
	[STMT_EXEC_GET] =
	    "SELECT name, revoked_at, suspended_at, resumed_at FROM executors"
	    " WHERE name = ?",
	[STMT_EXEC_SUSPEND] =
	    "UPDATE executors SET suspended_at = ?1 WHERE name = ?2"
	    " AND suspended_at IS NULL AND revoked_at IS NULL",
	[STMT_EXEC_RESUME] =
	    "UPDATE executors SET suspended_at = NULL, resumed_at = ?1"
	    " WHERE name = ?2 AND suspended_at IS NOT NULL",
};

/* Bring the schema up to date in one transaction. */
static int
store_migrate(struct store *s, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 version;
	char		*msg = NULL, pragma[64];
	size_t		 i;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st,
	    NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		goto bad;
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version < 0 || (size_t)version > schema_count) {
		snprintf(err, errlen, "database schema version %d is newer "
		    "than this approvald (%zu)", version, schema_count);
		return -1;
	}
	if ((size_t)version == schema_count)
		return 0;
	if (sqlite3_exec(s->db, "BEGIN EXCLUSIVE", NULL, NULL, &msg) != 0)
		goto bad;
	for (i = (size_t)version; i < schema_count; i++) {
		if (sqlite3_exec(s->db, schema_migrations[i], NULL, NULL,
		    &msg) != SQLITE_OK)
			goto rollback;
	}
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %zu",
	    schema_count);
	if (sqlite3_exec(s->db, pragma, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(s->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
		goto rollback;
	return 0;
rollback:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
bad:
	snprintf(err, errlen, "migrating the database: %s",
	    msg != NULL ? msg : sqlite3_errmsg(s->db));
	sqlite3_free(msg);
	return -1;
}

static int
store_configure(struct store *s, char *err, size_t errlen)
{
	static const char *const pragmas =
	    "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA trusted_schema = OFF;";
	char	*msg = NULL;

	if (sqlite3_exec(s->db, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(err, errlen, "configuring the database: %s", msg);
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
store_prepare(struct store *s, char *err, size_t errlen)
{
	int	i;

	for (i = 0; i < STMT__MAX; i++) {
		if (sqlite3_prepare_v3(s->db, store_sqls[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->stmts[i], NULL) !=
		    SQLITE_OK) {
			snprintf(err, errlen, "preparing statement %d: %s", i,
			    sqlite3_errmsg(s->db));
			return -1;
		}
	}
	return 0;
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	struct store	*s;
	int		 flags;

	s = xcalloc(1, sizeof *s);
	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOFOLLOW;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db != NULL ?
		    sqlite3_errmsg(s->db) : "cannot open");
		goto bad;
	}
	/* Migrate (or refuse a newer database) before configuring it, so a
	 * refused file is left as it was. */
	sqlite3_busy_timeout(s->db, 5000);
	if (store_migrate(s, err, errlen) != 0 ||
	    store_configure(s, err, errlen) != 0 ||
	    store_prepare(s, err, errlen) != 0)
		goto bad;
	return s;
bad:
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	int	i;

	if (s == NULL)
		return;
	for (i = 0; i < STMT__MAX; i++)
		sqlite3_finalize(s->stmts[i]);
	sqlite3_close(s->db);
	free(s);
}

sqlite3_stmt *
store_stmt(struct store *s, enum stmt which)
{
	sqlite3_stmt	*st = s->stmts[which];

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

int
store_exec(struct store *s, sqlite3_stmt *st)
{
	int	rc;

	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		log_event("error", "event=db_error msg=%s",
		    sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

void
store_set_before_begin(struct store *s, void (*fn)(void *), void *arg)
{
	s->before_begin = fn;
	s->before_arg = arg;
}

int
store_begin(struct store *s)
{
	if (s->before_begin != NULL)
		s->before_begin(s->before_arg);
	return store_exec(s, store_stmt(s, STMT_BEGIN));
}

int
store_commit(struct store *s)
{
	return store_exec(s, store_stmt(s, STMT_COMMIT));
}

void
store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		store_exec(s, store_stmt(s, STMT_ROLLBACK));
}

int
store_data_version(struct store *s)
{
	sqlite3_stmt	*st = store_stmt(s, STMT_DATA_VERSION);
	int		 v = -1;

	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return v;
}

const char *
store_errmsg(struct store *s)
{
	return sqlite3_errmsg(s->db);
}
