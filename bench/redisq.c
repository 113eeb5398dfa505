/*
 * S1's comparison: the queue a team would build instead of approvald, a
 * Redis list with appendfsync always. The executor RPUSHes the request
 * (the same body approvald gets) and BLPOPs its reply key; an approver
 * thread BLPOPs the queue and RPUSHes the verdict. Neither signs nor
 * verifies anything: this is the floor a durable queue sets.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "bench.h"

#define REDISQ_WARMUP_US	300000
#define REDISQ_TIMEOUT_S	5

/* The approver: one connection, in its own thread. */
struct redisq_approver {
	redisContext	*rc;
	pthread_t	 thread;
	atomic_int	 stop;
	unsigned long	 served;
};

static redisContext *
redisq_connect(int port)
{
	struct timeval	 tv = { REDISQ_TIMEOUT_S, 0 };
	redisContext	*rc;

	rc = redisConnectWithTimeout(BENCH_HOST, port, tv);
	if (rc == NULL || rc->err) {
		fprintf(stderr, "approvebench: redis on port %d: %s\n", port,
		    rc != NULL ? rc->errstr : "cannot connect");
		redisFree(rc);
		return NULL;
	}
	redisSetTimeout(rc, tv);
	return rc;
}

/* Pop a request, push its verdict to the reply key it names. */
static void *
redisq_approve(void *arg)
{
	struct redisq_approver	*ap = arg;
	redisReply		*r, *w;
	const char		*v, *bar;

	while (!atomic_load(&ap->stop)) {
		if ((r = redisCommand(ap->rc, "BLPOP bench:queue 1")) == NULL)
			break;
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
			v = r->element[1]->str;
			bar = strchr(v, '|');
			w = redisCommand(ap->rc, "RPUSH bench:reply:%b approve",
			    v, bar != NULL ? (size_t)(bar - v) : strlen(v));
			freeReplyObject(w);
			ap->served++;
		}
		freeReplyObject(r);
	}
	return NULL;
}

/* One round trip; its time in µs, or -1. */
static int64_t
redisq_cycle(redisContext *rc, unsigned long seq)
{
	char		 body[BENCH_BODY_MAX], id[32];
	size_t		 len;
	int64_t		 t0 = stats_now_us();
	redisReply	*r;
	int		 ok;

	snprintf(id, sizeof id, "r%lu", seq);
	len = body_make(body, sizeof body, BENCH_ACT_REVIEW, seq, 0);
	r = redisCommand(rc, "RPUSH bench:queue %s|%b", id, body, len);
	ok = r != NULL && r->type == REDIS_REPLY_INTEGER;
	freeReplyObject(r);
	if (!ok)
		return -1;
	r = redisCommand(rc, "BLPOP bench:reply:%s %d", id, REDISQ_TIMEOUT_S);
	ok = r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    strcmp(r->element[1]->str, "approve") == 0;
	freeReplyObject(r);
	return ok ? stats_now_us() - t0 : -1;
}

/* 0 when the server fsyncs every write, as the comparison needs. */
static int
redisq_durable(redisContext *rc)
{
	redisReply	*r = redisCommand(rc, "CONFIG GET appendfsync");
	int		 ok;

	ok = r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    strcmp(r->element[1]->str, "always") == 0;
	freeReplyObject(r);
	if (!ok)
		fprintf(stderr, "approvebench: redis is not appendfsync "
		    "always\n");
	return ok ? 0 : -1;
}

int
redisq_main(const struct bench_opts *o)
{
	struct redisq_approver	 ap;
	struct samples		 s;
	redisContext		*rc;
	int64_t			 t, warm, until;
	unsigned long		 seq = 0, failed = 0;

	memset(&ap, 0, sizeof ap);
	memset(&s, 0, sizeof s);
	if ((rc = redisq_connect(o->port)) == NULL)
		return 1;
	if (redisq_durable(rc) != 0 ||
	    (ap.rc = redisq_connect(o->port)) == NULL ||
	    pthread_create(&ap.thread, NULL, redisq_approve, &ap) != 0) {
		redisFree(ap.rc);
		redisFree(rc);
		return 1;
	}
	warm = stats_now_us() + REDISQ_WARMUP_US;
	until = warm + (int64_t)(o->seconds * 1e6);
	while (stats_now_us() < until && failed < 10) {
		if ((t = redisq_cycle(rc, seq++)) < 0)
			failed++;
		else if (stats_now_us() >= warm)
			samples_add(&s, t);
	}
	atomic_store(&ap.stop, 1);
	pthread_join(ap.thread, NULL);
	samples_out(&s, "redis");
	bench_out("redis", "errors %lu", failed);
	samples_free(&s);
	redisFree(ap.rc);
	redisFree(rc);
	return failed > 0;
}
