/*
 * S7, console at scale: log a console in --repeat times and time each from
 * the hello written to the snapshot fully received (all its fragments,
 * before it is parsed).
 */
#include <string.h>

#include "bench.h"

int
snapshot_main(const struct bench_opts *o)
{
	struct bench_env	 env;
	struct console		*c;
	struct samples		 s;
	size_t			 n = 0;
	int			 i, failed = 0;

	if (env_load(o, &env) != 0)
		return 1;
	memset(&s, 0, sizeof s);
	for (i = 0; i < o->repeat; i++) {
		if ((c = console_start(&env, NULL)) == NULL) {
			failed++;
			continue;
		}
		samples_add(&s, console_snapshot_us(c));
		n = console_snapshot_n(c);
		console_stop(c);
	}
	bench_out("snapshot", "requests %zu", n);
	bench_out("snapshot", "failed %d", failed);
	samples_out(&s, "snapshot");
	samples_free(&s);
	env_free(&env);
	return failed > 0;
}
