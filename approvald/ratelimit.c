/* Per-executor token buckets for limits.rate_per_minute: a burst of up to
 * a minute's allowance, refilled continuously. Kept in memory only: a
 * restart forgives, which errs towards availability, not towards access. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approvald.h"
#include "xmalloc.h"

#define RATELIMIT_BUCKETS	256

/* One executor's bucket; owned by the table. */
struct ratelimit_entry {
	struct ratelimit_entry	*next;
	char			 name[PROTO_NAME_MAX + 1];
	double			 tokens;
	int64_t			 at;		/* last refill, Unix ms */
	int			 dry;		/* refused since the last grant */
};

/* Owns its entries. */
struct ratelimit {
	struct ratelimit_entry	*buckets[RATELIMIT_BUCKETS];
	double			 per_minute;
};

struct ratelimit *
ratelimit_new(int64_t per_minute)
{
	struct ratelimit	*rl = xcalloc(1, sizeof *rl);

	rl->per_minute = (double)per_minute;
	return rl;
}

void
ratelimit_set(struct ratelimit *rl, int64_t per_minute)
{
	rl->per_minute = (double)per_minute;
}

void
ratelimit_free(struct ratelimit *rl)
{
	struct ratelimit_entry	*e, *next;
	size_t			 i;

	if (rl == NULL)
		return;
	for (i = 0; i < RATELIMIT_BUCKETS; i++) {
		for (e = rl->buckets[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	}
	free(rl);
}

static struct ratelimit_entry *
ratelimit_entry(struct ratelimit *rl, const char *name, int64_t now)
{
	struct ratelimit_entry	**head, *e;
	uint32_t		  h = 2166136261u;
	const char		 *p;

	for (p = name; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	head = &rl->buckets[h % RATELIMIT_BUCKETS];
	for (e = *head; e != NULL; e = e->next) {
		if (strcmp(e->name, name) == 0)
			return e;
	}
	e = xcalloc(1, sizeof *e);
	snprintf(e->name, sizeof e->name, "%s", name);
	e->tokens = rl->per_minute;
	e->at = now;
	e->next = *head;
	*head = e;
	return e;
}

int
ratelimit_take(struct ratelimit *rl, const char *name, int64_t now,
    int *first)
{
	struct ratelimit_entry	*e = ratelimit_entry(rl, name, now);
	double			 rate = rl->per_minute / 60000.0;

	if (now > e->at) {
		e->tokens += (double)(now - e->at) * rate;
		if (e->tokens > rl->per_minute)
			e->tokens = rl->per_minute;
		e->at = now;
	}
	if (e->tokens >= 1.0) {
		e->tokens -= 1.0;
		e->dry = 0;
		return 0;
	}
	*first = !e->dry;
	e->dry = 1;
	/* Whole seconds until one token is back, at least one. */
	return (int)fmax(1.0, ceil((1.0 - e->tokens) / rate / 1000.0));
}
