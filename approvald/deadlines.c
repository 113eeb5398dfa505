/*
 * Many timeouts behind one libwebsockets timer, kept in deadline order.
 * libwebsockets keeps each timer of its own in one sorted list walked
 * from its head: with 10,000 connections every insertion walks them all.
 * The timeouts kept here mostly share one length, so a new one nearly
 * always goes last: it is placed from the tail.
 */
#include <stdlib.h>

#include "approvald.h"
#include "xmalloc.h"

/* Owns nothing: each deadline lives in its owner's session. */
struct deadlines {
	struct lws_context	*ctx;		/* NULL once stopped */
	struct lws_dll2_owner	 list;		/* earliest first */
	lws_sorted_usec_list_t	 sul;		/* at the earliest */
};

static void
deadlines_arm(struct deadlines *ds)
{
	struct deadline	*dl;
	lws_usec_t	 now;

	if (ds->ctx == NULL)
		return;
	if (ds->list.head == NULL) {
		lws_sul_cancel(&ds->sul);
		return;
	}
	dl = lws_container_of(ds->list.head, struct deadline, list);
	now = lws_now_usecs();
	lws_sul_schedule(ds->ctx, 0, &ds->sul, ds->sul.cb,
	    dl->at > now ? dl->at - now : 0);
}

/* Fire every deadline that has passed, then sleep until the next. */
static void
deadlines_due(lws_sorted_usec_list_t *sul)
{
	struct deadlines	*ds = lws_container_of(sul, struct deadlines,
				    sul);
	lws_usec_t		 now = lws_now_usecs();
	struct deadline		*dl;

	while (ds->list.head != NULL) {
		dl = lws_container_of(ds->list.head, struct deadline, list);
		if (dl->at > now)
			break;
		lws_dll2_remove(&dl->list);
		dl->fire(dl);
	}
	deadlines_arm(ds);
}

struct deadlines *
deadlines_new(struct lws_context *ctx)
{
	struct deadlines	*ds = xcalloc(1, sizeof *ds);

	ds->ctx = ctx;
	ds->sul.cb = deadlines_due;
	return ds;
}

void
deadlines_stop(struct deadlines *ds)
{
	lws_sul_cancel(&ds->sul);
	ds->ctx = NULL;
}

void
deadlines_free(struct deadlines *ds)
{
	if (ds == NULL)
		return;
	deadlines_stop(ds);
	free(ds);
}

void
deadlines_add(struct deadlines *ds, struct deadline *dl, lws_usec_t after)
{
	struct lws_dll2	*p;

	dl->at = lws_now_usecs() + after;
	for (p = ds->list.tail; p != NULL; p = p->prev)
		if (lws_container_of(p, struct deadline, list)->at <= dl->at)
			break;
	if (p == NULL) {
		lws_dll2_add_head(&dl->list, &ds->list);
		deadlines_arm(ds);
	} else if (p->next == NULL)
		lws_dll2_add_tail(&dl->list, &ds->list);
	else
		lws_dll2_add_before(&dl->list, p->next);
}

size_t
deadlines_count(const struct deadlines *ds)
{
	return ds->list.count;
}

/* Removing the earliest leaves the timer early, never late: when it
 * fires it finds nothing due and sleeps again. */
void
deadlines_remove(struct deadline *dl)
{
	lws_dll2_remove(&dl->list);
}
