/* Clocks, latency samples and percentiles, and a process's memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "xmalloc.h"

static int64_t
stats_clock_us(clockid_t id)
{
	struct timespec	ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
stats_now_us(void)
{
	return stats_clock_us(CLOCK_MONOTONIC);
}

int64_t
stats_wall_us(void)
{
	return stats_clock_us(CLOCK_REALTIME);
}

void
stats_sleep_us(int64_t us)
{
	struct timespec	ts;

	if (us <= 0)
		return;
	ts.tv_sec = us / 1000000;
	ts.tv_nsec = (us % 1000000) * 1000;
	nanosleep(&ts, NULL);
}

void
samples_add(struct samples *s, int64_t v)
{
	if (s->n == s->cap) {
		s->cap = s->cap == 0 ? 1024 : s->cap * 2;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = v;
}

static int
stats_cmp(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int64_t
samples_pct(struct samples *s, double p)
{
	size_t	rank;

	if (s->n == 0)
		return 0;
	qsort(s->v, s->n, sizeof *s->v, stats_cmp);
	rank = (size_t)(p / 100.0 * (double)s->n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > s->n)
		rank = s->n;
	return s->v[rank - 1];
}

void
samples_free(struct samples *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

void
samples_out(struct samples *s, const char *name)
{
	bench_out(name, "n %zu", s->n);
	if (s->n == 0)
		return;
	bench_out(name, "p50 %lld", (long long)samples_pct(s, 50));
	bench_out(name, "p99 %lld", (long long)samples_pct(s, 99));
	bench_out(name, "max %lld", (long long)samples_pct(s, 100));
}

long
stats_rss_kb(pid_t pid)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 kb = -1;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}
