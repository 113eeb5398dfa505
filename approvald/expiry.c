/*
 * Expiry: a single lws timer armed at the earliest pending expires_at,
 * found through the partial index on pending requests (no scans). When it
 * fires, every due request is denied with the daemon's signature (reason
 * "timeout") in batches, so the loop keeps serving during a storm.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "approvald.h"
#include "xmalloc.h"

/* Expiries per transaction. Small enough that the loop answers everyone
 * else between batches (a console's cycle during a storm of 10,000), large
 * enough that the fsyncs stay a small part of the work. */
#define EXPIRY_BATCH	32

/* Owned by the daemon; sul is scheduled on its context. */
struct expiry {
	lws_sorted_usec_list_t	 sul;
	struct daemon		*d;
	int64_t			 at;	/* when the timer fires, 0 if idle */
};

static void
expiry_fire(lws_sorted_usec_list_t *sul)
{
	struct expiry	*x = lws_container_of(sul, struct expiry, sul);

	x->at = 0;
	expiry_run(x);
}

struct expiry *
expiry_new(struct daemon *d)
{
	struct expiry	*x = xcalloc(1, sizeof *x);

	x->d = d;
	return x;
}

void
expiry_free(struct expiry *x)
{
	if (x == NULL)
		return;
	lws_sul_cancel(&x->sul);
	free(x);
}

void
expiry_schedule(struct expiry *x, int64_t at)
{
	int64_t	delay;

	if (x->at != 0 && x->at <= at)
		return;
	x->at = at;
	delay = at - clock_now_ms();
	lws_sul_schedule(x->d->ctx, 0, &x->sul, expiry_fire,
	    (lws_usec_t)(delay > 0 ? delay : 0) * LWS_US_PER_MS);
}

/* The ids of up to max due requests; returns how many. */
static size_t
expiry_due(struct store *s, int64_t now, char ids[][PROTO_ID_MAX + 1],
    size_t max)
{
	sqlite3_stmt	*st = store_stmt(s, STMT_REQ_DUE);
	size_t		 n = 0;

	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	while (n < max && sqlite3_step(st) == SQLITE_ROW) {
		snprintf(ids[n], PROTO_ID_MAX + 1, "%s",
		    (const char *)sqlite3_column_text(st, 0));
		n++;
	}
	sqlite3_reset(st);
	return n;
}

/* The earliest pending expires_at, or 0 when nothing is pending. */
static int64_t
expiry_next(struct store *s)
{
	sqlite3_stmt	*st = store_stmt(s, STMT_REQ_NEXT_EXPIRY);
	int64_t		 at = 0;

	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		at = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return at;
}

void
expiry_run(struct expiry *x)
{
	static char	ids[EXPIRY_BATCH][PROTO_ID_MAX + 1];
	int64_t		now = clock_now_ms(), next;
	size_t		n;

	n = expiry_due(x->d->store, now, ids, EXPIRY_BATCH);
	if (n > 0 && engine_expire(x->d, ids, n, now) == 0)
		n = 0;	/* the write failed: retry shortly, below */
	/* A full batch may leave more due: come back after serving others. */
	next = n == EXPIRY_BATCH ? now : expiry_next(x->d->store);
	/* Still due after a partial batch: a write failed; retry shortly. */
	if (next != 0 && next <= now && n < EXPIRY_BATCH)
		next = now + 50;
	if (next != 0)
		expiry_schedule(x, next);
}
