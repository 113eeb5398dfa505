/* Counters for GET /metrics, in the Prometheus text format. Counted in
 * memory as events happen (no database scans when scraped, except the
 * indexed count of pending requests); they restart from zero with the
 * daemon, as Prometheus counters may. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "approvald.h"
#include "xmalloc.h"

#define METRICS_LABEL_MAX	(PROTO_ACTION_MAX + 1)

/* Decision latency buckets, in seconds. */
static const double metrics_buckets[] = {
	1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600
};
#define METRICS_NBUCKETS	(sizeof metrics_buckets / sizeof metrics_buckets[0])

/* One labelled counter. */
struct metrics_counter {
	char		 name[32];	/* which family */
	char		 a[METRICS_LABEL_MAX];
	char		 b[METRICS_LABEL_MAX];
	unsigned long long n;
};

/* Owns its counters. */
struct metrics {
	struct metrics_counter	*counters;
	size_t			 ncounters;
	unsigned long long	 latency[METRICS_NBUCKETS];
	unsigned long long	 latency_count;
	double			 latency_sum;
};

struct metrics *
metrics_new(void)
{
	return xcalloc(1, sizeof(struct metrics));
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	free(m->counters);
	free(m);
}

void
metrics_count(struct metrics *m, const char *name, const char *a,
    const char *b)
{
	struct metrics_counter	*c;
	size_t			 i;

	if (m == NULL)
		return;
	for (i = 0; i < m->ncounters; i++) {
		c = &m->counters[i];
		if (strcmp(c->name, name) == 0 && strcmp(c->a, a) == 0 &&
		    strcmp(c->b, b) == 0) {
			c->n++;
			return;
		}
	}
	m->counters = xrealloc(m->counters,
	    (m->ncounters + 1) * sizeof *m->counters);
	c = &m->counters[m->ncounters++];
	snprintf(c->name, sizeof c->name, "%s", name);
	snprintf(c->a, sizeof c->a, "%s", a);
	snprintf(c->b, sizeof c->b, "%s", b);
	c->n = 1;
}

void
metrics_latency(struct metrics *m, int64_t ms)
{
	double	s = (double)ms / 1000.0;
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < METRICS_NBUCKETS; i++) {
		if (s <= metrics_buckets[i])
			m->latency[i]++;
	}
	m->latency_count++;
	m->latency_sum += s;
}

/* Append to a growing text buffer. */
static void
metrics_printf(char **buf, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
metrics_printf(char **buf, size_t *len, const char *fmt, ...)
{
	va_list	 ap;
	char	*line;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*buf = xrealloc(*buf, *len + (size_t)n + 1);
	memcpy(*buf + *len, line, (size_t)n + 1);
	*len += (size_t)n;
	free(line);
}

/* One counter family: HELP, TYPE and a line per label set. */
static void
metrics_family(const struct metrics *m, char **buf, size_t *len,
    const char *name, const char *help, const char *la, const char *lb)
{
	const struct metrics_counter	*c;
	size_t				 i;

	metrics_printf(buf, len, "# HELP approvald_%s %s\n# TYPE approvald_%s "
	    "counter\n", name, help, name);
	for (i = 0; i < m->ncounters; i++) {
		c = &m->counters[i];
		if (strcmp(c->name, name) != 0)
			continue;
		if (lb == NULL)
			metrics_printf(buf, len, "approvald_%s{%s=\"%s\"} %llu\n",
			    name, la, c->a, c->n);
		else
			metrics_printf(buf, len, "approvald_%s{%s=\"%s\",%s=\"%s\"}"
			    " %llu\n", name, la, c->a, lb, c->b, c->n);
	}
}

static void
metrics_histogram(const struct metrics *m, char **buf, size_t *len)
{
	size_t	i;

	metrics_printf(buf, len, "# HELP approvald_decision_latency_seconds "
	    "Time from submission to an analyst's final decision.\n"
	    "# TYPE approvald_decision_latency_seconds histogram\n");
	for (i = 0; i < METRICS_NBUCKETS; i++)
		metrics_printf(buf, len, "approvald_decision_latency_seconds_"
		    "bucket{le=\"%g\"} %llu\n", metrics_buckets[i],
		    m->latency[i]);
	metrics_printf(buf, len, "approvald_decision_latency_seconds_bucket"
	    "{le=\"+Inf\"} %llu\napprovald_decision_latency_seconds_sum %.3f\n"
	    "approvald_decision_latency_seconds_count %llu\n",
	    m->latency_count, m->latency_sum, m->latency_count);
}

static void
metrics_gauge(char **buf, size_t *len, const char *name, const char *help,
    unsigned long long v)
{
	metrics_printf(buf, len, "# HELP approvald_%s %s\n# TYPE approvald_%s "
	    "gauge\napprovald_%s %llu\n", name, help, name, name, v);
}

static unsigned long long
metrics_pending(struct store *s)
{
	sqlite3_stmt		*st = store_stmt(s, STMT_REQ_PENDING_COUNT);
	unsigned long long	 n = 0;

	if (sqlite3_step(st) == SQLITE_ROW)
		n = (unsigned long long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

/* Seconds since the oldest pending request was submitted, 0 for none. */
static unsigned long long
metrics_oldest_pending(struct store *s)
{
	sqlite3_stmt		*st = store_stmt(s, STMT_REQ_OLDEST_PENDING);
	unsigned long long	 age = 0;
	int64_t			 now = clock_now_ms();

	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL &&
	    sqlite3_column_int64(st, 0) < now)
		age = (unsigned long long)(now -
		    sqlite3_column_int64(st, 0)) / 1000;
	sqlite3_reset(st);
	return age;
}

char *
metrics_render(struct daemon *d)
{
	char	*buf = xstrdup("");
	size_t	 len = 0;

	metrics_family(d->metrics, &buf, &len, "requests_submitted_total",
	    "Requests submitted, by action and the state policy gave them.",
	    "action", "state");
	metrics_family(d->metrics, &buf, &len, "requests_final_total",
	    "Requests that became final after waiting, by action and state.",
	    "action", "state");
	metrics_family(d->metrics, &buf, &len, "decisions_refused_total",
	    "Console decisions refused, by reason.", "code", NULL);
	metrics_family(d->metrics, &buf, &len, "rate_limited_total",
	    "Executor calls refused by the rate limit.", "executor", NULL);
	metrics_family(d->metrics, &buf, &len, "executor_suspensions_total",
	    "Executors suspended by limits.suspend_after.", "executor", NULL);
	metrics_histogram(d->metrics, &buf, &len);
	metrics_gauge(&buf, &len, "requests_pending",
	    "Requests waiting for a decision.", metrics_pending(d->store));
	metrics_gauge(&buf, &len, "oldest_pending_seconds",
	    "Age of the oldest request waiting for a decision (0: none).",
	    metrics_oldest_pending(d->store));
	metrics_gauge(&buf, &len, "consoles_connected",
	    "Analyst consoles connected (signed in or not).",
	    d->hub != NULL ? console_count(d->hub) : 0);
	metrics_gauge(&buf, &len, "executors_waiting",
	    "Executors holding a long-poll.",
	    d->waiters != NULL ? waiters_count(d->waiters) : 0);
	return buf;
}
