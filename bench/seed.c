/*
 * Bulk requests written straight into a database `approvald init` made
 * (S6, S7): FINAL decided ones from executor "seed-history" spread over
 * the last 90 days (approved, denied, expired, cancelled, each with its
 * signature but the cancelled), then PENDING ones of ACTION from executor
 * "seed-pending", due in an hour. Bodies, digests, time-ordered ids and
 * indexes are real; the signature bytes are one real signature repeated,
 * which nothing at start-up or in a snapshot checks again, and there are
 * no audit entries for these rows. Written without a journal and then
 * turned back to WAL, as the daemon keeps it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "bench.h"
#include "codec.h"
#include "decision.h"

#define SEED_DAY_MS		(24 * 3600 * 1000LL)
#define SEED_HISTORY_DAYS	90
#define SEED_PENDING_IN_MS	(3600 * 1000LL)

static const char seed_req_sql[] =
    "INSERT INTO requests (id, executor, idempotency_key, action, target,"
    " on_behalf_of, body, digest, state, rule, approvals_required, groups,"
    " created_at, expires_at, decided_at, denied_recently)"
    " VALUES (?1, ?2, NULL, ?3, ?4, 'alice', ?5, ?6, ?7, ?8, 1, '[\"soc\"]',"
    " ?9, ?10, ?11, NULL)";
static const char seed_sig_sql[] =
    "INSERT INTO signatures (request_id, signer, verdict, signed_at, reason,"
    " sig, seq) VALUES (?, ?, ?, ?, ?, ?, 0)";

/* One request row as the daemon would have stored it. */
struct seed_row {
	char		 id[PROTO_ID_MAX + 1];
	const char	*executor;
	const char	*action;
	const char	*state;
	int64_t		 created;
	int64_t		 expires;
	int64_t		 decided;	/* 0 while pending */
};

struct seed {
	sqlite3		*db;
	sqlite3_stmt	*req;
	sqlite3_stmt	*sig;
	uint8_t		 sigbytes[PROTO_SIG_BYTES];
	uint64_t	 seq;
};

static int
seed_exec(sqlite3 *db, const char *sql)
{
	char	*msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	fprintf(stderr, "approvebench: seed: %s: %s\n", sql, msg);
	sqlite3_free(msg);
	return -1;
}

static int
seed_step(struct seed *s, sqlite3_stmt *st)
{
	int	rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	fprintf(stderr, "approvebench: seed: %s\n", sqlite3_errmsg(s->db));
	return -1;
}

static int
seed_insert(struct seed *s, const struct seed_row *r)
{
	char		 body[BENCH_BODY_MAX], target[16], rule[96];
	char		 digest[PROTO_SHA256_HEX];
	size_t		 len;
	const char	*verdict;
	sqlite3_stmt	*st = s->req;

	len = body_make(body, sizeof body, r->action, s->seq, 0);
	codec_sha256_hex(body, len, digest);
	snprintf(target, sizeof target, "ws-%05llu",
	    (unsigned long long)(s->seq++ % 100000));
	snprintf(rule, sizeof rule, "%s rule 1", r->action);
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->executor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, target, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, body, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, digest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, rule, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, r->created);
	sqlite3_bind_int64(st, 10, r->expires);
	if (r->decided != 0)
		sqlite3_bind_int64(st, 11, r->decided);
	else
		sqlite3_bind_null(st, 11);
	if (seed_step(s, st) != 0)
		return -1;
	if (r->decided == 0 || strcmp(r->state, "cancelled") == 0)
		return 0;
	verdict = strcmp(r->state, "approved") == 0 ? "approve" : "deny";
	st = s->sig;
	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, strcmp(r->state, "expired") == 0 ?
	    BENCH_SIGNER : BENCH_ANALYST, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, verdict, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, r->decided);
	sqlite3_bind_text(st, 5, strcmp(r->state, "expired") == 0 ? "timeout" :
	    strcmp(r->state, "denied") == 0 ? "not during the change freeze" :
	    "", -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, s->sigbytes, PROTO_SIG_BYTES, SQLITE_STATIC);
	return seed_step(s, st);
}

/* The decided history: states in realistic proportions. */
static int
seed_history(struct seed *s, long n, int64_t now)
{
	static const char *const states[20] = {
		"approved", "approved", "approved", "approved", "approved",
		"approved", "approved", "approved", "approved", "approved",
		"approved", "approved", "denied", "denied", "denied",
		"denied", "denied", "expired", "expired", "cancelled"
	};
	struct seed_row	r;
	int64_t		span = SEED_HISTORY_DAYS * SEED_DAY_MS, start;
	long		i;

	start = now - span - 3600 * 1000LL;
	memset(&r, 0, sizeof r);
	r.executor = "seed-history";
	r.action = BENCH_ACT_REVIEW;
	for (i = 0; i < n; i++) {
		r.created = start + (int64_t)((double)span * (double)i /
		    (double)n);
		r.state = states[randombytes_uniform(20)];
		r.expires = r.created + 900 * 1000;
		r.decided = strcmp(r.state, "expired") == 0 ? r.expires :
		    r.created + 30000 + randombytes_uniform(570000);
		body_id(r.id, r.created);
		if (seed_insert(s, &r) != 0)
			return -1;
	}
	return 0;
}

static int
seed_pending(struct seed *s, long n, const char *action, int64_t now)
{
	struct seed_row	r;
	long		i;

	memset(&r, 0, sizeof r);
	r.executor = "seed-pending";
	r.action = action;
	r.state = "pending";
	for (i = 0; i < n; i++) {
		r.created = now - 600000 + 600000 * i / (n > 0 ? n : 1);
		r.expires = now + SEED_PENDING_IN_MS + i;
		body_id(r.id, r.created);
		if (seed_insert(s, &r) != 0)
			return -1;
	}
	return 0;
}

/* One real signature, repeated on every row. */
static void
seed_signature(struct seed *s)
{
	uint8_t		pk[PROTO_PK_BYTES], sk[PROTO_SK_BYTES];
	struct decision	d = { "req_000000000000", "", "approve", BENCH_ANALYST,
			    0, "" };

	crypto_sign_keypair(pk, sk);
	decision_sign(&d, sk, s->sigbytes);
	sodium_memzero(sk, sizeof sk);
}

int
seed_main(const struct bench_opts *o, int argc, char **argv)
{
	struct seed	s;
	long		final, pending;
	int64_t		now = stats_wall_us() / 1000;
	int		rc = 1;

	if (o->db == NULL || argc != 3) {
		fprintf(stderr, "usage: approvebench seed --db DB FINAL "
		    "PENDING ACTION\n");
		return 64;
	}
	final = atol(argv[0]);
	pending = atol(argv[1]);
	memset(&s, 0, sizeof s);
	seed_signature(&s);
	if (sqlite3_open_v2(o->db, &s.db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "approvebench: %s: %s\n", o->db,
		    sqlite3_errmsg(s.db));
		goto out;
	}
	if (seed_exec(s.db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
	    " PRAGMA cache_size=-262144; BEGIN") != 0 ||
	    sqlite3_prepare_v2(s.db, seed_req_sql, -1, &s.req, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(s.db, seed_sig_sql, -1, &s.sig, NULL) !=
	    SQLITE_OK ||
	    seed_history(&s, final, now) != 0 ||
	    seed_pending(&s, pending, argv[2], now) != 0 ||
	    seed_exec(s.db, "COMMIT") != 0)
		goto out;
	sqlite3_finalize(s.req);
	sqlite3_finalize(s.sig);
	s.req = s.sig = NULL;
	if (seed_exec(s.db, "PRAGMA journal_mode=WAL") != 0)
		goto out;
	bench_out("seed", "final %ld", final);
	bench_out("seed", "pending %ld", pending);
	rc = 0;
out:
	sqlite3_finalize(s.req);
	sqlite3_finalize(s.sig);
	sqlite3_close(s.db);
	return rc;
}
