/* Long-polling executors, hashed by request id so that a release touches
 * only the waiters of that request; their waits run out through one
 * deadline list. */
#include <stdlib.h>
#include <string.h>

#include "approvald.h"
#include "xmalloc.h"

#define WAITERS_BUCKETS	4096

/* Owns nothing: each waiter lives in its connection's session. Every
 * waiter has one deadline listed, so the list counts the waiters. */
struct waiters {
	struct lws_dll2_owner	 buckets[WAITERS_BUCKETS];
	struct deadlines	*timeouts;
};

static struct lws_dll2_owner *
waiters_bucket(struct waiters *ws, const char *id)
{
	uint32_t	h = 2166136261u;

	for (; *id != '\0'; id++)
		h = (h ^ (uint8_t)*id) * 16777619u;
	return &ws->buckets[h % WAITERS_BUCKETS];
}

/* Both removals do nothing when w is not listed. */
void
waiters_remove(struct waiter *w)
{
	lws_dll2_remove(&w->list);
	deadlines_remove(&w->timeout);
}

/* The wait ran out: the deadline list has already let go of it. */
static void
waiters_timeout(struct deadline *dl)
{
	struct waiter	*w = lws_container_of(dl, struct waiter, timeout);

	waiters_remove(w);
	w->wake(w, NULL);
}

struct waiters *
waiters_new(struct lws_context *ctx)
{
	struct waiters	*ws = xcalloc(1, sizeof *ws);

	ws->timeouts = deadlines_new(ctx);
	return ws;
}

void
waiters_stop(struct waiters *ws)
{
	deadlines_stop(ws->timeouts);
}

void
waiters_free(struct waiters *ws)
{
	if (ws != NULL)
		deadlines_free(ws->timeouts);
	free(ws);
}

void
waiters_add(struct waiters *ws, struct waiter *w, lws_usec_t wait_us)
{
	lws_dll2_add_tail(&w->list, waiters_bucket(ws, w->id));
	w->timeout.fire = waiters_timeout;
	deadlines_add(ws->timeouts, &w->timeout, wait_us);
}


void
waiters_release(struct waiters *ws, const char *id, const struct request *r)
{
	struct lws_dll2_owner	*owner = waiters_bucket(ws, id);
	struct waiter		*w;

	lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1, owner->head) {
		w = lws_container_of(d, struct waiter, list);
		if (strcmp(w->id, id) == 0) {
			waiters_remove(w);
			w->wake(w, r);
		}
	} lws_end_foreach_dll_safe(d, d1);
}

void
waiters_release_all(struct waiters *ws)
{
	struct waiter	*w;
	size_t		 i;

	for (i = 0; i < WAITERS_BUCKETS; i++) {
		while (ws->buckets[i].head != NULL) {
			w = lws_container_of(ws->buckets[i].head,
			    struct waiter, list);
			waiters_remove(w);
			w->wake(w, NULL);
		}
	}
}

size_t
waiters_count(const struct waiters *ws)
{
	return deadlines_count(ws->timeouts);
}
