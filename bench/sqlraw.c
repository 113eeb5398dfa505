/*
 * S2's floor: what SQLite itself commits on this disk. Rows like the
 * daemon's (the same schema and indexes, time-ordered ids, ~300-byte
 * bodies) inserted into a fresh WAL database with synchronous=FULL, 64
 * rows per transaction, for --seconds. The daemon also appends an audit
 * entry per request; this floor does not.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "bench.h"
#include "codec.h"

#define SQLRAW_GROUP	64

extern const char *const schema_migrations[];
extern const size_t schema_count;

static const char sqlraw_insert[] =
    "INSERT INTO requests (id, executor, idempotency_key, action, target,"
    " on_behalf_of, body, digest, state, rule, approvals_required, groups,"
    " created_at, expires_at) VALUES (?1, 'bench-1', NULL, ?2, ?3, 'alice',"
    " ?4, ?5, 'pending', 'bench_bulk rule 1', 1, '[\"bulk\"]', ?6, ?7)";

static int
sqlraw_exec(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	fprintf(stderr, "approvebench: sqlraw: %s\n", msg);
	sqlite3_free(msg);
	return -1;
}

static int
sqlraw_open(const char *path, sqlite3 **db)
{
	size_t	i;

	if (sqlite3_open(path, db) != SQLITE_OK ||
	    sqlraw_exec(*db, "PRAGMA journal_mode=WAL;"
	    " PRAGMA synchronous=FULL") != 0)
		return -1;
	for (i = 0; i < schema_count; i++) {
		if (sqlraw_exec(*db, schema_migrations[i]) != 0)
			return -1;
	}
	return 0;
}

/* One row; 0 or -1. */
static int
sqlraw_row(sqlite3_stmt *st, uint64_t seq)
{
	char	id[PROTO_ID_MAX + 1], body[BENCH_BODY_MAX], target[16];
	char	digest[PROTO_SHA256_HEX];
	int64_t	now = stats_wall_us() / 1000;
	size_t	len;
	int	rc;

	body_id(id, now);
	len = body_make(body, sizeof body, BENCH_ACT_BULK, seq, 0);
	codec_sha256_hex(body, len, digest);
	snprintf(target, sizeof target, "ws-%05llu",
	    (unsigned long long)(seq % 100000));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, BENCH_ACT_BULK, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, target, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 4, body, (int)len, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, digest, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, now);
	sqlite3_bind_int64(st, 7, now + 3600 * 1000);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
sqlraw_main(const struct bench_opts *o)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*st = NULL;
	uint64_t	 rows = 0;
	int64_t		 t0, until, took;
	int		 i, rc = 1;

	if (o->db == NULL || sqlraw_open(o->db, &db) != 0 ||
	    sqlite3_prepare_v2(db, sqlraw_insert, -1, &st, NULL) != SQLITE_OK)
		goto out;
	t0 = stats_now_us();
	until = t0 + (int64_t)(o->seconds * 1e6);
	while (stats_now_us() < until) {
		if (sqlraw_exec(db, "BEGIN IMMEDIATE") != 0)
			goto out;
		for (i = 0; i < SQLRAW_GROUP; i++) {
			if (sqlraw_row(st, rows++) != 0)
				goto out;
		}
		if (sqlraw_exec(db, "COMMIT") != 0)
			goto out;
	}
	took = stats_now_us() - t0;
	bench_out("sqlraw", "rate %.0f", (double)rows * 1e6 / (double)took);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "approvebench: sqlraw: %s\n",
		    db != NULL ? sqlite3_errmsg(db) : "cannot open");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}
