/* Long-polling executors, hashed by request id so that a release touches
 * only the waiters of that request, and kept in deadline order behind one
 * timer so that parking one costs no walk over the others. */
#include <stdlib.h>
#include <string.h>

#include "approvald.h"
#include "xmalloc.h"

#define WAITERS_BUCKETS	4096

/* Owns nothing: each waiter lives in its connection's session. */
struct waiters {
	struct lws_context	*ctx;
	struct lws_dll2_owner	 buckets[WAITERS_BUCKETS];
	struct lws_dll2_owner	 by_deadline;	/* earliest first */
	lws_sorted_usec_list_t	 sul;		/* at the earliest deadline */
	size_t			 count;
};

static struct lws_dll2_owner *
waiters_bucket(struct waiters *ws, const char *id)
{
	uint32_t	h = 2166136261u;

	for (; *id != '\0'; id++)
		h = (h ^ (uint8_t)*id) * 16777619u;
	return &ws->buckets[h % WAITERS_BUCKETS];
}

static void
waiters_arm(struct waiters *ws)
{
	struct waiter	*w;
	lws_usec_t	 now;

	if (ws->by_deadline.head == NULL) {
		lws_sul_cancel(&ws->sul);
		return;
	}
	w = lws_container_of(ws->by_deadline.head, struct waiter, by_deadline);
	now = lws_now_usecs();
	lws_sul_schedule(ws->ctx, 0, &ws->sul, ws->sul.cb,
	    w->deadline > now ? w->deadline - now : 0);
}

static void
waiters_detach(struct waiters *ws, struct waiter *w)
{
	lws_dll2_remove(&w->list);
	lws_dll2_remove(&w->by_deadline);
	ws->count--;
}

/* Wake every waiter whose wait has run out, then sleep until the next. */
static void
waiters_timeout(lws_sorted_usec_list_t *sul)
{
	struct waiters	*ws = lws_container_of(sul, struct waiters, sul);
	lws_usec_t	 now = lws_now_usecs();
	struct waiter	*w;

	while (ws->by_deadline.head != NULL) {
		w = lws_container_of(ws->by_deadline.head, struct waiter,
		    by_deadline);
		if (w->deadline > now)
			break;
		waiters_detach(ws, w);
		w->wake(w);
	}
	waiters_arm(ws);
}

struct waiters *
waiters_new(struct lws_context *ctx)
{
	struct waiters	*ws = xcalloc(1, sizeof *ws);

	ws->ctx = ctx;
	ws->sul.cb = waiters_timeout;
	return ws;
}

void
waiters_stop(struct waiters *ws)
{
	lws_sul_cancel(&ws->sul);
}

void
waiters_free(struct waiters *ws)
{
	free(ws);
}

/* Waits mostly share one length, so the new deadline is nearly always the
 * latest: look for its place from the tail. */
void
waiters_add(struct waiters *ws, struct waiter *w, lws_usec_t wait_us)
{
	struct lws_dll2	*p = ws->by_deadline.tail;
	struct waiter	*o;

	w->deadline = lws_now_usecs() + wait_us;
	lws_dll2_add_tail(&w->list, waiters_bucket(ws, w->id));
	ws->count++;
	for (; p != NULL; p = p->prev) {
		o = lws_container_of(p, struct waiter, by_deadline);
		if (o->deadline <= w->deadline)
			break;
	}
	if (p != NULL && p->next == NULL) {
		lws_dll2_add_tail(&w->by_deadline, &ws->by_deadline);
		return;
	}
	if (p != NULL) {
		lws_dll2_add_before(&w->by_deadline, p->next);
		return;
	}
	lws_dll2_add_head(&w->by_deadline, &ws->by_deadline);
	waiters_arm(ws);
}

void
waiters_remove(struct waiters *ws, struct waiter *w)
{
	if (lws_dll2_is_detached(&w->list))
		return;
	waiters_detach(ws, w);
}

void
waiters_release(struct waiters *ws, const char *id)
{
	struct lws_dll2_owner	*owner = waiters_bucket(ws, id);
	struct waiter		*w;

	lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1, owner->head) {
		w = lws_container_of(d, struct waiter, list);
		if (strcmp(w->id, id) == 0) {
			waiters_detach(ws, w);
			w->wake(w);
		}
	} lws_end_foreach_dll_safe(d, d1);
}

void
waiters_release_all(struct waiters *ws)
{
	struct waiter	*w;

	while (ws->by_deadline.head != NULL) {
		w = lws_container_of(ws->by_deadline.head, struct waiter,
		    by_deadline);
		waiters_detach(ws, w);
		w->wake(w);
	}
	lws_sul_cancel(&ws->sul);
}

size_t
waiters_count(const struct waiters *ws)
{
	return ws->count;
}
