/*
 * S1, cycle latency: one executor submits a request the policy sends to
 * review, the console receives the push, signs and decides, the executor's
 * long-poll is released and it verifies the view. One cycle at a time,
 * timed from the POST to the verified view.
 */
#include <stdio.h>

#include "bench.h"

#define CYCLE_WARMUP_US	300000

int64_t
cycle_measure(const struct bench_env *env, struct console *console,
    double seconds, const char *prefix)
{
	struct fleet	*f = fleet_new(env, AGENT_CYCLE, 1, BENCH_ACT_REVIEW);
	int64_t		 p50;

	f->console = console;
	fleet_begin(f);
	fleet_run(f, stats_now_us() + CYCLE_WARMUP_US);
	samples_free(&f->cycles);
	samples_free(&f->release);
	fleet_run(f, stats_now_us() + (int64_t)(seconds * 1e6));
	samples_out(&f->cycles, prefix);
	bench_out(prefix, "bad %llu", (unsigned long long)f->bad);
	bench_out(prefix, "errors %llu", (unsigned long long)f->errors);
	p50 = f->cycles.n > 0 && f->bad == 0 ? samples_pct(&f->cycles, 50) :
	    -1;
	fleet_free(f);
	return p50;
}

int
cycle_main(const struct bench_opts *o)
{
	struct bench_env	 env;
	struct console		*console;
	struct samples		 rtt;
	int64_t			 p50;

	if (env_load(o, &env) != 0)
		return 1;
	if ((console = console_start(&env, BENCH_ACT_REVIEW)) == NULL) {
		env_free(&env);
		return 1;
	}
	p50 = cycle_measure(&env, console, o->seconds, "cycle");
	console_take_rtt(console, &rtt);
	samples_out(&rtt, "cycle_console_rtt");
	samples_free(&rtt);
	console_stop(console);
	env_free(&env);
	return p50 < 0;
}
