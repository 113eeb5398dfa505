/*
 * deadlines.c: timeouts behind one timer, on a real libwebsockets context
 * without a listener, served until they fire. Lengths are tens of
 * milliseconds apart so that the order cannot depend on scheduling.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "approvald.h"

#define MS	LWS_US_PER_MS

struct probe {
	struct deadline	 dl;
	char		 name;
	char		*log;		/* where fire() appends name */
};

static struct lws_context	*test_ctx;
static lws_sorted_usec_list_t	 test_tick;

static void
probe_fire(struct deadline *dl)
{
	struct probe	*p = lws_container_of(dl, struct probe, dl);

	strncat(p->log, &p->name, 1);
}

/* lws_service waits for the next timer of any kind (its own come every
 * 30 s): this one makes each call return within 10 ms. */
static void
tick(lws_sorted_usec_list_t *sul)
{
	lws_sul_schedule(test_ctx, 0, sul, tick, 10 * LWS_US_PER_MS);
}

static void
probe_init(struct probe *p, char name, char *log)
{
	memset(p, 0, sizeof *p);
	p->name = name;
	p->log = log;
	p->dl.fire = probe_fire;
}

static struct lws_context *
context_new(void)
{
	struct lws_context_creation_info	info;

	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	lws_set_log_level(LLL_ERR, NULL);
	test_ctx = lws_create_context(&info);
	return test_ctx;
}

/* Serve ctx until log holds want characters or a second has passed. */
static void
serve_until(struct lws_context *ctx, const char *log, size_t want)
{
	lws_usec_t	until = lws_now_usecs() + 1000 * MS;

	tick(&test_tick);
	while (strlen(log) < want && lws_now_usecs() < until)
		lws_service(ctx, 0);
	lws_sul_cancel(&test_tick);
}

/* Added out of order, fired in order; a removed one never fires. */
static void
test_fire_in_deadline_order(void **state)
{
	struct lws_context	*ctx = context_new();
	struct deadlines	*ds;
	struct probe		 a, b, c, d;
	char			 log[8] = "";

	assert_non_null(ctx);
	ds = deadlines_new(ctx);
	probe_init(&a, 'a', log);
	probe_init(&b, 'b', log);
	probe_init(&c, 'c', log);
	probe_init(&d, 'd', log);
	deadlines_add(ds, &a.dl, 300 * MS);
	deadlines_add(ds, &b.dl, 100 * MS);	/* a new head: re-armed */
	deadlines_add(ds, &c.dl, 200 * MS);	/* between the two */
	deadlines_add(ds, &d.dl, 400 * MS);	/* last */
	deadlines_remove(&c.dl);
	deadlines_remove(&c.dl);		/* twice is harmless */
	assert_int_equal(deadlines_count(ds), 3);
	serve_until(ctx, log, 3);
	assert_string_equal(log, "bad");
	assert_int_equal(deadlines_count(ds), 0);
	deadlines_free(ds);
	lws_context_destroy(ctx);
}

/* Removing the earliest leaves the timer early: it fires nothing then,
 * and the next one still fires on time, not before. */
static void
test_remove_head(void **state)
{
	struct lws_context	*ctx = context_new();
	struct deadlines	*ds;
	struct probe		 a, b;
	char			 log[8] = "";
	lws_usec_t		 start;

	assert_non_null(ctx);
	ds = deadlines_new(ctx);
	probe_init(&a, 'a', log);
	probe_init(&b, 'b', log);
	start = lws_now_usecs();
	deadlines_add(ds, &a.dl, 50 * MS);
	deadlines_add(ds, &b.dl, 150 * MS);
	deadlines_remove(&a.dl);
	serve_until(ctx, log, 1);
	assert_string_equal(log, "b");
	assert_true(lws_now_usecs() - start >= 150 * MS);
	deadlines_free(ds);
	lws_context_destroy(ctx);
}

/* Once stopped nothing fires, and listed ones can still be removed. */
static void
test_stopped(void **state)
{
	struct lws_context	*ctx = context_new();
	struct deadlines	*ds;
	struct probe		 a, b;
	char			 log[8] = "";

	assert_non_null(ctx);
	ds = deadlines_new(ctx);
	probe_init(&a, 'a', log);
	probe_init(&b, 'b', log);
	deadlines_add(ds, &a.dl, 20 * MS);
	deadlines_stop(ds);
	deadlines_add(ds, &b.dl, 10 * MS);	/* a new head, not armed */
	serve_until(ctx, log, 1);
	assert_string_equal(log, "");
	deadlines_remove(&a.dl);
	deadlines_remove(&b.dl);
	deadlines_free(ds);
	lws_context_destroy(ctx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fire_in_deadline_order),
		cmocka_unit_test(test_remove_head),
		cmocka_unit_test(test_stopped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
