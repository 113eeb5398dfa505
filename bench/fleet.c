/*
 * Fleets of executors on one hloop. Each agent is one executor on its own
 * connection, doing one of these in a loop:
 *   SUBMIT  POST a request; count the 201 answers that come in the window
 *   CYCLE   POST a request the console approves, hold GET ?wait until it
 *           is final, verify the view as an executor must (verify_view);
 *           time the whole, and the release after the console's decide
 *   HOLD    POST a request, then hold GET ?wait until it is final (asking
 *           again when a wait runs out); keep the final view and its time
 * Holders start FLEET_HOLD_WINDOW submits at a time, so that a request's
 * body (and a storm's timeout_s in it) is written when it is sent, not
 * seconds before, behind ten thousand others.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "json.h"
#include "verify.h"
#include "xmalloc.h"

#define FLEET_CONNECTING	128	/* connects in flight */
#define FLEET_HOLD_WINDOW	256	/* holders' submits in flight */
#define FLEET_WAIT_S		60
#define FLEET_RETRY_US		10000	/* after a failed request */

static void	agent_posted(struct hconn *, int, const char *, size_t);
static void	agent_waited(struct hconn *, int, const char *, size_t);

struct fleet *
fleet_new(const struct bench_env *env, enum agent_kind kind, size_t n,
    const char *action)
{
	struct fleet	*f = xcalloc(1, sizeof *f);
	size_t		 i;

	f->env = env;
	f->kind = kind;
	f->action = action;
	f->n = n;
	f->loop = hloop_new(env->port, FLEET_CONNECTING);
	f->agents = xcalloc(n, sizeof *f->agents);
	f->window_to = INT64_MAX;
	f->submit_until = INT64_MAX;
	for (i = 0; i < n; i++) {
		f->agents[i].f = f;
		f->agents[i].token = env->tokens[i % env->ntokens];
		f->agents[i].c = hconn_new(f->loop, &f->agents[i]);
	}
	return f;
}

void
fleet_free(struct fleet *f)
{
	size_t	i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		hconn_free(f->agents[i].c);
		free(f->agents[i].final);
	}
	free(f->agents);
	hloop_free(f->loop);
	samples_free(&f->cycles);
	samples_free(&f->release);
	free(f);
}

/* The storm's timeout_s: whole seconds that bring expires_at to the
 * storm's second, whenever the request is sent. */
static int64_t
agent_storm_timeout(const struct fleet *f)
{
	double	left = (double)(f->storm_at_ms - stats_wall_us() / 1000);

	return left < 1000 ? 1 : (int64_t)ceil(left / 1000.0);
}

static void
agent_submit(struct agent *a)
{
	struct fleet	*f = a->f;
	int64_t		 timeout = 0;

	a->started = stats_now_us();
	if (f->kind == AGENT_HOLD) {
		if (a->started > f->submit_until)
			return;
		if (f->storm_at_ms != 0)
			timeout = agent_storm_timeout(f);
		f->inflight++;
	}
	a->body_len = body_make(a->body, sizeof a->body, f->action, f->seq++,
	    timeout);
	hconn_request(a->c, "POST", "/v1/requests", a->token, a->body,
	    a->body_len, agent_posted);
}

static void
agent_wait(struct agent *a)
{
	char	path[128];

	snprintf(path, sizeof path, "/v1/requests/%s?wait=%d", a->id,
	    FLEET_WAIT_S);
	atomic_fetch_add(&a->f->parked, 1);
	hconn_request(a->c, "GET", path, a->token, NULL, 0, agent_waited);
}

/* The next cycle, now or when the pace allows (fleet_tick starts it). */
static void
agent_next(struct agent *a)
{
	a->next_at = a->started + a->f->pace_us;
	if (!atomic_load(&a->f->stop) && !a->f->finishing &&
	    a->next_at <= stats_now_us())
		agent_submit(a);
}

/* A request failed: count it; fleet_tick tries again a little later
 * (never from here, where a refused connect would spin). */
static void
agent_failed(struct agent *a)
{
	a->f->errors++;
	a->next_at = stats_now_us() + FLEET_RETRY_US;
}

static void
agent_posted(struct hconn *c, int status, const char *body, size_t len)
{
	struct agent	*a = hconn_user(c);
	struct fleet	*f = a->f;
	cJSON		*view;
	const char	*id;
	int64_t		 at = hconn_answered_at(c);

	if (f->kind == AGENT_SUBMIT) {
		if (status != 201)
			agent_failed(a);
		else {
			if (at >= f->window_from && at < f->window_to)
				f->acked++;
			if (!atomic_load(&f->stop))
				agent_submit(a);
		}
		return;
	}
	if (f->kind == AGENT_HOLD)
		f->inflight--;
	view = status == 201 ? cJSON_ParseWithLength(body, len) : NULL;
	id = cJSON_GetStringValue(cJSON_GetObjectItem(view, "id"));
	if (id == NULL || strlen(id) > PROTO_ID_MAX) {
		cJSON_Delete(view);
		if (f->kind == AGENT_CYCLE)
			agent_failed(a);
		else
			f->errors++;
		return;
	}
	snprintf(a->id, sizeof a->id, "%s", id);
	cJSON_Delete(view);
	atomic_fetch_add(&f->submitted, 1);
	agent_wait(a);
}

/* A cycle ended in a final view: verify it and time it. */
static void
agent_cycled(struct agent *a, const cJSON *view, int64_t at)
{
	struct fleet	*f = a->f;
	int64_t		 decided;
	char		 why[256];

	if (verify_view(view, (const uint8_t *)a->body, a->body_len,
	    &f->env->trusted, why, sizeof why) != 0) {
		f->bad++;
		fprintf(stderr, "approvebench: %s did not verify: %s\n", a->id,
		    why);
	} else
		samples_add(&f->cycles, at - a->started);
	if (f->console != NULL &&
	    (decided = console_decided_at(f->console, a->id)) != 0)
		samples_add(&f->release, at - decided);
	agent_next(a);
}

static void
agent_waited(struct hconn *c, int status, const char *body, size_t len)
{
	struct agent	*a = hconn_user(c);
	struct fleet	*f = a->f;
	cJSON		*view;
	const char	*state;

	atomic_fetch_sub(&f->parked, 1);
	view = status == 200 ? cJSON_ParseWithLength(body, len) : NULL;
	state = cJSON_GetStringValue(cJSON_GetObjectItem(view, "state"));
	if (state == NULL) {
		if (f->kind == AGENT_CYCLE)
			agent_failed(a);
		else
			f->errors++;
	} else if (strcmp(state, "pending") == 0) {
		if (!atomic_load(&f->stop))
			agent_wait(a);
	} else if (f->kind == AGENT_CYCLE)
		agent_cycled(a, view, hconn_answered_at(c));
	else {
		a->final = xmalloc(len + 1);
		memcpy(a->final, body, len);
		a->final[len] = '\0';
		a->final_len = len;
		a->final_at = hconn_answered_at(c);
		atomic_fetch_add(&f->finals, 1);
	}
	cJSON_Delete(view);
}

/* Start holders while the window has room. */
static void
fleet_admit(struct fleet *f)
{
	while (f->next < f->n && f->inflight < FLEET_HOLD_WINDOW &&
	    !atomic_load(&f->stop) && stats_now_us() <= f->submit_until)
		agent_submit(&f->agents[f->next++]);
}

void
fleet_begin(struct fleet *f)
{
	size_t	i;

	if (f->kind == AGENT_HOLD) {
		fleet_admit(f);
		return;
	}
	for (i = 0; i < f->n; i++)
		agent_submit(&f->agents[i]);
}

/* Admit holders; start paced cycles and retries that are due. */
static void
fleet_tick(struct fleet *f)
{
	struct agent	*a;
	int64_t		 now = stats_now_us();
	size_t		 i;

	if (f->kind == AGENT_HOLD) {
		fleet_admit(f);
		return;
	}
	for (i = 0; !f->finishing && i < f->n; i++) {
		a = &f->agents[i];
		if (!hconn_busy(a->c) &&
		    a->next_at != 0 && a->next_at <= now &&
		    !atomic_load(&f->stop))
			agent_submit(a);
	}
}

/* 1 while an agent waits for an answer. */
static int
fleet_busy(const struct fleet *f)
{
	size_t	i;

	for (i = 0; i < f->n; i++) {
		if (hconn_busy(f->agents[i].c))
			return 1;
	}
	return 0;
}

void
fleet_finish(struct fleet *f, int64_t until)
{
	f->finishing = 1;
	while (fleet_busy(f) && stats_now_us() < until) {
		if (hloop_run(f->loop, 1) < 0)
			break;
	}
}

void
fleet_run(struct fleet *f, int64_t until)
{
	while (!atomic_load(&f->stop) && stats_now_us() < until) {
		if (hloop_run(f->loop, 1) < 0)
			break;
		fleet_tick(f);
	}
}

static void *
fleet_thread(void *arg)
{
	fleet_run(arg, INT64_MAX);
	return NULL;
}

void
fleet_spawn(struct fleet *f)
{
	if (pthread_create(&f->thread, NULL, fleet_thread, f) != 0) {
		fprintf(stderr, "approvebench: cannot start a thread\n");
		exit(1);
	}
}

void
fleet_join(struct fleet *f)
{
	atomic_store(&f->stop, 1);
	pthread_join(f->thread, NULL);
}
