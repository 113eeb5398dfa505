/*
 * S4, blocked executors: S1's cycle is timed, then --count executors
 * connect, each submits a request no console sees and holds a long-poll
 * on it; once the daemon counts them all waiting (its /metrics gauge),
 * its resident memory is read and the cycle is timed again, with them
 * all connected. The ratio of the two medians is the cost of holding them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define HOLD_SETUP_US	(30 * 1000000LL)	/* to get them all parked */
#define HOLD_SETTLE_US	1000000
#define HOLD_POLL_US	250000

/* The daemon's count of parked long-polls, -1 when unknown. */
static long
hold_waiting(int port)
{
	static char	 buf[65536];
	const char	*p;

	if (hconn_get_once(port, "/metrics", buf, sizeof buf, 2000) != 200 ||
	    (p = strstr(buf, "\napprovald_executors_waiting ")) == NULL)
		return -1;
	return strtol(p + 29, NULL, 10);
}

/* Wait until the daemon holds them all, or the setup time is up. */
static long
hold_park(const struct bench_opts *o, struct fleet *f, int64_t *took)
{
	int64_t	t0 = stats_now_us();
	long	waiting = -1;

	while (stats_now_us() - t0 < HOLD_SETUP_US) {
		stats_sleep_us(HOLD_POLL_US);
		if (atomic_load(&f->parked) < o->count)
			continue;
		if ((waiting = hold_waiting(o->port)) >= o->count)
			break;
	}
	*took = stats_now_us() - t0;
	stats_sleep_us(HOLD_SETTLE_US);
	return hold_waiting(o->port);
}

int
hold_main(const struct bench_opts *o)
{
	struct bench_env	 env;
	struct console		*console;
	struct fleet		*holders;
	int64_t			 without, with, took;
	long			 waiting, rss, rss2;

	if (o->pid <= 0 || env_load(o, &env) != 0)
		return 1;
	if ((console = console_start(&env, BENCH_ACT_REVIEW)) == NULL) {
		env_free(&env);
		return 1;
	}
	without = cycle_measure(&env, console, o->seconds, "hold_without");
	holders = fleet_new(&env, AGENT_HOLD, (size_t)o->count,
	    BENCH_ACT_BULK);
	fleet_begin(holders);
	fleet_spawn(holders);
	waiting = hold_park(o, holders, &took);
	rss = stats_rss_kb(o->pid);
	with = cycle_measure(&env, console, o->seconds, "hold_with");
	rss2 = stats_rss_kb(o->pid);
	fleet_join(holders);
	bench_out("hold", "parked %ld", (long)atomic_load(&holders->parked));
	bench_out("hold", "waiting %ld", waiting);
	bench_out("hold", "setup_us %lld", (long long)took);
	bench_out("hold", "rss_kb %ld", rss2 > rss ? rss2 : rss);
	bench_out("hold", "errors %llu", (unsigned long long)holders->errors);
	if (without > 0 && with > 0)
		bench_out("hold", "ratio %.3f", (double)with / (double)without);
	fleet_free(holders);
	console_stop(console);
	env_free(&env);
	return 0;
}
