/*
 * S2, durable submit throughput: --conns executors, each on its own
 * keep-alive connection, submit requests the policy sends to review, one
 * at a time each, as fast as the daemon acknowledges them. A 201 means
 * the request is committed (synchronous=FULL); those that arrive within
 * the window are counted, after a warm-up.
 */
#include "bench.h"

#define SUBMIT_WARMUP_US	500000

int
submit_main(const struct bench_opts *o)
{
	struct bench_env	 env;
	struct fleet		*f;
	double			 secs = o->seconds;
	int			 rc;

	if (env_load(o, &env) != 0)
		return 1;
	f = fleet_new(&env, AGENT_SUBMIT, (size_t)o->conns, BENCH_ACT_BULK);
	f->window_from = stats_now_us() + SUBMIT_WARMUP_US;
	f->window_to = f->window_from + (int64_t)(secs * 1e6);
	fleet_begin(f);
	fleet_run(f, f->window_to);
	bench_out("submit", "conns %d", o->conns);
	bench_out("submit", "rate %.0f", (double)f->acked / secs);
	bench_out("submit", "errors %llu", (unsigned long long)f->errors);
	rc = f->acked == 0;
	fleet_free(f);
	env_free(&env);
	return rc;
}
