/*
 * S3, release latency: while --conns executors submit (requests no console
 * sees), one executor cycles as in S1. For each cycle, the time from the
 * console writing its decide to the executor reading its released view,
 * both on this process's monotonic clock: an upper bound on "decision
 * committed to long-poll answered" (it adds the decide's way in and its
 * signature check).
 */
#include "bench.h"

#define RELEASE_WARMUP_US	500000

int
release_main(const struct bench_opts *o)
{
	struct bench_env	 env;
	struct console		*console;
	struct fleet		*load, *f;
	int64_t			 from, to;

	if (env_load(o, &env) != 0)
		return 1;
	if ((console = console_start(&env, BENCH_ACT_REVIEW)) == NULL) {
		env_free(&env);
		return 1;
	}
	load = fleet_new(&env, AGENT_SUBMIT, (size_t)o->conns, BENCH_ACT_BULK);
	from = stats_now_us() + RELEASE_WARMUP_US;
	to = from + (int64_t)(o->seconds * 1e6);
	load->window_from = from;
	load->window_to = to;
	fleet_begin(load);
	fleet_spawn(load);
	f = fleet_new(&env, AGENT_CYCLE, 1, BENCH_ACT_REVIEW);
	f->console = console;
	fleet_begin(f);
	fleet_run(f, from);
	samples_free(&f->cycles);
	samples_free(&f->release);
	fleet_run(f, to);
	fleet_join(load);
	samples_out(&f->release, "release");
	samples_out(&f->cycles, "release_cycle");
	bench_out("release", "bad %llu", (unsigned long long)f->bad);
	bench_out("release", "load_rate %.0f", (double)load->acked /
	    o->seconds);
	bench_out("release", "load_errors %llu",
	    (unsigned long long)load->errors);
	fleet_free(f);
	fleet_free(load);
	console_stop(console);
	env_free(&env);
	return 0;
}
