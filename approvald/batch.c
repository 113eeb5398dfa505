/*
 * Group commit. Submissions that arrive in one round of the event loop
 * are written in one transaction and committed (one fsync) in a timer
 * that runs before the next round; only then are they acknowledged,
 * announced to the consoles and given to the expiry timer. A failed write
 * or commit answers every one of them with an error, so nothing is
 * acknowledged that is not on disk.
 *
 * Any other write first commits the group in progress (store_begin calls
 * batch_flush through the store's hook), so writes keep their order.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "approvald.h"
#include "xmalloc.h"

/* Owned by the daemon. */
struct batch {
	struct daemon		*d;
	lws_sorted_usec_list_t	 sul;
	int			 open;
	struct lws_dll2_owner	 acks;		/* struct batch_ack, borrowed */
	struct request		**added;	/* owned: pending, to announce */
	size_t			 nadded;
	size_t			 cap;
};

static void
batch_fire(lws_sorted_usec_list_t *sul)
{
	struct batch	*b = lws_container_of(sul, struct batch, sul);

	batch_flush(b);
}

static void
batch_before_begin(void *arg)
{
	batch_flush(arg);
}

struct batch *
batch_new(struct daemon *d)
{
	struct batch	*b = xcalloc(1, sizeof *b);

	b->d = d;
	store_set_before_begin(d->store, batch_before_begin, b);
	return b;
}

void
batch_free(struct batch *b)
{
	if (b == NULL)
		return;
	batch_flush(b);
	lws_sul_cancel(&b->sul);
	store_set_before_begin(b->d->store, NULL, NULL);
	free(b->added);
	free(b);
}

int
batch_join(struct batch *b)
{
	if (b->open)
		return 0;
	if (store_begin(b->d->store) != 0)
		return -1;
	b->open = 1;
	lws_sul_schedule(b->d->ctx, 0, &b->sul, batch_fire, 0);
	return 0;
}

int
batch_open(const struct batch *b)
{
	return b != NULL && b->open;
}

void
batch_wait(struct batch *b, struct batch_ack *a)
{
	lws_dll2_add_tail(&a->list, &b->acks);
}

void
batch_cancel(struct batch_ack *a)
{
	lws_dll2_remove(&a->list);
}

void
batch_added(struct batch *b, struct request *r)
{
	if (b->nadded == b->cap) {
		b->cap = b->cap == 0 ? 64 : b->cap * 2;
		b->added = xrealloc(b->added, b->cap * sizeof *b->added);
	}
	b->added[b->nadded++] = r;
}

/* Tell every waiting acknowledgement how the commit went. */
static void
batch_answer(struct batch *b, int ok)
{
	struct batch_ack	*a;

	while (b->acks.head != NULL) {
		a = lws_container_of(b->acks.head, struct batch_ack, list);
		lws_dll2_remove(&a->list);
		a->done(a, ok);
	}
}

/* End the open group, committed when commit is set and that works,
 * rolled back otherwise. Nothing can change a request of the group before
 * this: any other write flushes the group first. So the copies in memory
 * are what is on disk, and are announced without reading them back. */
static void
batch_end(struct batch *b, int commit)
{
	size_t	i, n;
	int	ok;

	if (!b->open)
		return;
	b->open = 0;
	lws_sul_cancel(&b->sul);
	ok = commit && store_commit(b->d->store) == 0;
	if (!ok) {
		log_event("error", "event=group_failed requests=%zu msg=%s",
		    b->nadded, log_str(store_errmsg(b->d->store)));
		store_rollback(b->d->store);
	}
	batch_answer(b, ok);
	n = b->nadded;
	b->nadded = 0;
	for (i = 0; i < n; i++) {
		if (ok)
			engine_added(b->d, b->added[i]);
		request_free(b->added[i]);
	}
}

void
batch_flush(struct batch *b)
{
	batch_end(b, 1);
}

void
batch_abort(struct batch *b)
{
	batch_end(b, 0);
}
