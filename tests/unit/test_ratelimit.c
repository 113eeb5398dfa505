/*
 * ratelimit.c: one token bucket per executor, driven by a clock the test
 * holds. Rates are picked so that the arithmetic is exact or far from a
 * rounding edge: 1875 per minute is one token every 32 ms exactly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "approvald.h"

#define T0	INT64_C(1700000000000)

/* Take n tokens for name at now; each must be granted. */
static void
grant(struct ratelimit *rl, const char *name, int64_t now, int n)
{
	int	i, first = -7;

	for (i = 0; i < n; i++) {
		if (ratelimit_take(rl, name, now, &first) != 0)
			fail_msg("%s: take %d of %d refused", name, i + 1, n);
	}
	assert_int_equal(first, -7);	/* untouched by grants */
}

/* One take for name at now that must be refused; its Retry-After. */
static int
refuse(struct ratelimit *rl, const char *name, int64_t now, int *first)
{
	int	retry;

	*first = -7;
	retry = ratelimit_take(rl, name, now, first);
	if (retry <= 0)
		fail_msg("%s: granted at %lld", name, (long long)(now - T0));
	return retry;
}

/* A minute's allowance as a burst, then a refusal with a Retry-After. */
static void
test_burst_then_refuse(void **state)
{
	struct ratelimit	*rl = ratelimit_new(7);
	int			 first;

	grant(rl, "agent-7", T0, 7);
	assert_int_equal(refuse(rl, "agent-7", T0, &first), 9);
	assert_int_equal(first, 1);
	assert_int_equal(refuse(rl, "agent-7", T0 + 1, &first), 9);
	assert_int_equal(first, 0);
	ratelimit_free(rl);
}

/* Retry-After rounds up and is enough: 7 per minute is one token per
 * 8571.4 ms, so 9 s; at 8571 ms there is none, at 8572 ms there is. */
static void
test_retry_after(void **state)
{
	struct ratelimit	*rl = ratelimit_new(7);
	int			 first;

	grant(rl, "a", T0, 7);
	assert_int_equal(refuse(rl, "a", T0, &first), 9);
	assert_int_equal(refuse(rl, "a", T0 + 8571, &first), 1);
	grant(rl, "a", T0 + 8572, 1);
	/* 4 s later 0.47 of a token is back: 4.6 s to go. */
	assert_int_equal(refuse(rl, "a", T0 + 8572 + 4000, &first), 5);
	ratelimit_free(rl);

	/* Never less than one second. */
	rl = ratelimit_new(1875);
	grant(rl, "b", T0, 1875);
	assert_int_equal(refuse(rl, "b", T0, &first), 1);
	assert_int_equal(refuse(rl, "b", T0 + 31, &first), 1);
	ratelimit_free(rl);
}

/* first is 1 on the first refusal of a spell only; a grant ends the
 * spell, and the next refusal is a first again. */
static void
test_first_once_per_spell(void **state)
{
	struct ratelimit	*rl = ratelimit_new(1875);
	int			 first, i;

	grant(rl, "a", T0, 1875);
	refuse(rl, "a", T0, &first);
	assert_int_equal(first, 1);
	for (i = 1; i <= 5; i++) {
		refuse(rl, "a", T0 + i, &first);
		assert_int_equal(first, 0);
	}
	grant(rl, "a", T0 + 32, 1);
	refuse(rl, "a", T0 + 32, &first);
	assert_int_equal(first, 1);
	refuse(rl, "a", T0 + 33, &first);
	assert_int_equal(first, 0);
	ratelimit_free(rl);
}

/* One token every 32 ms, and the bucket holds no more than a minute's. */
static void
test_refill(void **state)
{
	struct ratelimit	*rl = ratelimit_new(1875);
	int			 first;

	grant(rl, "a", T0, 1875);
	refuse(rl, "a", T0, &first);
	refuse(rl, "a", T0 + 31, &first);
	grant(rl, "a", T0 + 32, 1);
	refuse(rl, "a", T0 + 32, &first);
	grant(rl, "a", T0 + 32 + 320, 10);
	refuse(rl, "a", T0 + 32 + 320, &first);

	/* An hour idle refills to one minute's worth, not sixty. */
	grant(rl, "a", T0 + 3600000, 1875);
	refuse(rl, "a", T0 + 3600000, &first);
	ratelimit_free(rl);
}

/* A clock that steps back neither refills nor breaks the bucket. */
static void
test_clock_backwards(void **state)
{
	struct ratelimit	*rl = ratelimit_new(1875);
	int			 first;

	grant(rl, "a", T0, 1875);
	refuse(rl, "a", T0 - 60000, &first);
	refuse(rl, "a", T0 - 1, &first);
	refuse(rl, "a", T0 + 31, &first);
	grant(rl, "a", T0 + 32, 1);
	ratelimit_free(rl);
}

/* Each executor has its own bucket. */
static void
test_per_executor(void **state)
{
	struct ratelimit	*rl = ratelimit_new(3);
	char			 name[PROTO_NAME_MAX + 1];
	int			 first, i;

	grant(rl, "agent-7", T0, 3);
	refuse(rl, "agent-7", T0, &first);
	assert_int_equal(first, 1);
	grant(rl, "agent-8", T0, 3);
	refuse(rl, "agent-8", T0, &first);
	assert_int_equal(first, 1);
	refuse(rl, "agent-7", T0, &first);
	assert_int_equal(first, 0);
	/* Names that share a prefix or differ in case are others. */
	grant(rl, "agent-", T0, 3);
	grant(rl, "Agent-7", T0, 3);
	grant(rl, "agent-77", T0, 3);

	/* More executors than buckets: none shares another's tokens. */
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "exec-%d", i);
		grant(rl, name, T0, 3);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "exec-%d", i);
		refuse(rl, name, T0, &first);
		assert_int_equal(first, 1);
	}
	refuse(rl, "agent-7", T0, &first);
	ratelimit_free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_refuse),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_first_once_per_spell),
		cmocka_unit_test(test_refill),
		cmocka_unit_test(test_clock_backwards),
		cmocka_unit_test(test_per_executor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
