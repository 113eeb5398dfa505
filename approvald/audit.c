/*
 * The audit log: an append-only hash chain. Each entry's hash covers the
 * previous entry's hash, so altering, removing or reordering any entry
 * breaks every hash after it; audit_verify finds the first break.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "approvald.h"
#include "json.h"


static void
audit_put64(crypto_hash_sha256_state *h, int64_t v)
{
	uint8_t	b[8];
	int	i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
	crypto_hash_sha256_update(h, b, sizeof b);
}

/* hash = SHA-256(prev || seq || at || event || NUL || data) */
static void
audit_hash(const uint8_t prev[AUDIT_HASH_BYTES], int64_t seq, int64_t at,
    const char *event, const char *data, uint8_t out[AUDIT_HASH_BYTES])
{
	crypto_hash_sha256_state	h;

	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, prev, AUDIT_HASH_BYTES);
	audit_put64(&h, seq);
	audit_put64(&h, at);
	crypto_hash_sha256_update(&h, (const uint8_t *)event,
	    strlen(event) + 1);
	crypto_hash_sha256_update(&h, (const uint8_t *)data, strlen(data));
	crypto_hash_sha256_final(&h, out);
}

int
audit_head(struct store *s, int64_t *seq, uint8_t hash[AUDIT_HASH_BYTES])
{
	sqlite3_stmt	*st = store_stmt(s, STMT_AUDIT_HEAD);
	int		 rc;

	*seq = 0;
	memset(hash, 0, AUDIT_HASH_BYTES);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) != AUDIT_HASH_BYTES)
			rc = SQLITE_CORRUPT;
		else
			memcpy(hash, sqlite3_column_blob(st, 1),
			    AUDIT_HASH_BYTES);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
audit_append(struct store *s, int64_t at, const char *event,
    const cJSON *data)
{
	sqlite3_stmt	*st;
	uint8_t		 prev[AUDIT_HASH_BYTES], hash[AUDIT_HASH_BYTES];
	int64_t		 seq;
	char		*text;
	int		 rc;

	if (audit_head(s, &seq, prev) != 0)
		return -1;
	text = json_print(data);
	audit_hash(prev, seq + 1, at, event, text, hash);
	st = store_stmt(s, STMT_AUDIT_INSERT);
	sqlite3_bind_int64(st, 1, seq + 1);
	sqlite3_bind_int64(st, 2, at);
	sqlite3_bind_text(st, 3, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, prev, sizeof prev, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, hash, sizeof hash, SQLITE_STATIC);
	rc = store_exec(s, st);
	free(text);
	return rc;
}

/* Check one row against the chain so far; 0 when it continues it. */
static int
audit_check_row(sqlite3_stmt *st, int64_t expect_seq,
    uint8_t prev[AUDIT_HASH_BYTES], char *why, size_t whylen)
{
	uint8_t		 hash[AUDIT_HASH_BYTES];
	const char	*event, *data;

	event = (const char *)sqlite3_column_text(st, 2);
	data = (const char *)sqlite3_column_text(st, 3);
	if (sqlite3_column_int64(st, 0) != expect_seq) {
		snprintf(why, whylen, "entry %lld is missing",
		    (long long)expect_seq);
		return -1;
	}
	if (event == NULL || data == NULL ||
	    sqlite3_column_bytes(st, 4) != AUDIT_HASH_BYTES ||
	    sqlite3_column_bytes(st, 5) != AUDIT_HASH_BYTES ||
	    memcmp(sqlite3_column_blob(st, 4), prev, AUDIT_HASH_BYTES) != 0) {
		snprintf(why, whylen, "entry %lld does not follow the one "
		    "before it", (long long)expect_seq);
		return -1;
	}
	audit_hash(prev, expect_seq, sqlite3_column_int64(st, 1), event, data,
	    hash);
	if (sodium_memcmp(hash, sqlite3_column_blob(st, 5), sizeof hash)) {
		snprintf(why, whylen, "entry %lld was altered",
		    (long long)expect_seq);
		return -1;
	}
	memcpy(prev, hash, AUDIT_HASH_BYTES);
	return 0;
}

int
audit_hash_at(struct store *s, int64_t seq, uint8_t hash[AUDIT_HASH_BYTES])
{
	sqlite3_stmt	*st = store_stmt(s, STMT_AUDIT_AT);
	int		 rc = -1;

	sqlite3_bind_int64(st, 1, seq);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 0) == AUDIT_HASH_BYTES) {
		memcpy(hash, sqlite3_column_blob(st, 0), AUDIT_HASH_BYTES);
		rc = 0;
	}
	sqlite3_reset(st);
	return rc;
}

int
audit_verify(struct store *s, int64_t *bad, char *why, size_t whylen)
{
	sqlite3_stmt	*st = store_stmt(s, STMT_AUDIT_ALL);
	uint8_t		 prev[AUDIT_HASH_BYTES];
	int64_t		 seq = 1;
	int		 rc;

	memset(prev, 0, sizeof prev);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (audit_check_row(st, seq, prev, why, whylen) != 0) {
			*bad = seq;
			sqlite3_reset(st);
			return -1;
		}
		seq++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		*bad = seq;
		snprintf(why, whylen, "reading the audit log: %s",
		    store_errmsg(s));
		return -1;
	}
	return 0;
}
