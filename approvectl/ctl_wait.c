/*
 * Waiting for a request to become final. Each GET holds up to CTL_WAIT_S
 * seconds on the daemon. When the daemon is unreachable or failing (it
 * may be restarting), back off and ask again, up to the last view's
 * expires_at plus a grace, since past that the daemon will only ever say
 * "expired"; with no view yet, up to CTL_UNSEEN_MS.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "approvectl.h"
#include "json.h"

#define CTL_WAIT_TIME_MAX	9007199254740992LL	/* 2^53 ms */

/* One wait; owns view. */
struct ctl_wait {
	struct client	*client;
	const char	*id;
	cJSON		*view;		/* the last view, or NULL */
	int64_t		 deadline;	/* Unix ms: give up after */
	int64_t		 backoff;	/* ms before the next retry */
	char		 err[256];	/* last failure, or "" */
};

/* Wall-clock Unix ms: the daemon's expires_at is in the same terms. */
static int64_t
ctl_wait_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep ms milliseconds, through signals. */
static void
ctl_wait_sleep(int64_t ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

/* Take view as the latest; 0, or CTL_VERIFY when it is unusable. */
static int
ctl_wait_update(struct ctl_wait *w, cJSON *view)
{
	int64_t	expires;

	if (ctl_report_state(view) == CTL_PENDING) {
		if (json_int(view, "expires_at", 0, CTL_WAIT_TIME_MAX,
		    &expires) != 0) {
			warnx("%s: pending view without expires_at", w->id);
			cJSON_Delete(view);
			return CTL_VERIFY;
		}
		w->deadline = expires + CTL_GRACE_MS;
	}
	cJSON_Delete(w->view);
	w->view = view;
	w->err[0] = '\0';
	return 0;
}

/* Ask once: 0 with a new view, -1 to retry (*retry_ms at least), or an
 * exit code. */
static int
ctl_wait_step(struct ctl_wait *w, int64_t *retry_ms)
{
	struct client_reply	 r;
	cJSON			*view;
	int			 rc;

	*retry_ms = 0;
	if (client_get(w->client, w->id, CTL_WAIT_S, &r) != 0) {
		snprintf(w->err, sizeof w->err, "%s", client_error(w->client));
		return -1;
	}
	if (r.status == 429 || r.status >= 500) {
		snprintf(w->err, sizeof w->err, "the daemon answered HTTP %ld",
		    r.status);
		*retry_ms = (int64_t)r.retry_after * 1000;
		client_reply_free(&r);
		return -1;
	}
	if (r.status != 200)
		rc = ctl_report_http_id(&r);
	else if ((view = ctl_report_parse(r.body, r.len, w->id,
	    "the daemon's answer")) == NULL)
		rc = CTL_VERIFY;
	else
		rc = ctl_wait_update(w, view);
	client_reply_free(&r);
	return rc;
}

/* Sleep before the next try, never past the deadline. */
static void
ctl_wait_pause(struct ctl_wait *w, int64_t retry_ms)
{
	int64_t	ms, left;

	ms = w->backoff > retry_ms ? w->backoff : retry_ms;
	left = w->deadline - ctl_wait_now();
	ctl_wait_sleep(ms < left ? ms : left);
	w->backoff *= 2;
	if (w->backoff > CTL_BACKOFF_MAX_MS)
		w->backoff = CTL_BACKOFF_MAX_MS;
}

/* The deadline passed: unreachable, or still pending when it cannot be. */
static int
ctl_wait_give_up(const struct ctl_wait *w)
{
	if (w->err[0] != '\0') {
		warnx("%s: giving up: %s", w->id, w->err);
		return CTL_UNAVAILABLE;
	}
	warnx("%s: still pending past its expiry: taken as expired", w->id);
	return CTL_EXPIRED;
}

int
ctl_wait_final(struct client *c, const char *id, cJSON **view)
{
	struct ctl_wait	w;
	int64_t		start, retry_ms;
	int		rc;

	memset(&w, 0, sizeof w);
	w.client = c;
	w.id = id;
	w.backoff = CTL_BACKOFF_MIN_MS;
	w.deadline = ctl_wait_now() + CTL_UNSEEN_MS;
	if (*view != NULL && (rc = ctl_wait_update(&w, *view)) != 0) {
		*view = NULL;
		return rc;
	}
	for (;;) {
		start = ctl_wait_now();
		if ((rc = ctl_wait_step(&w, &retry_ms)) > 0)
			break;
		if (rc == 0 && ctl_report_state(w.view) != CTL_PENDING)
			break;
		if (ctl_wait_now() >= w.deadline) {
			rc = ctl_wait_give_up(&w);
			break;
		}
		if (rc == 0 && ctl_wait_now() - start >= CTL_PROGRESS_MS)
			w.backoff = CTL_BACKOFF_MIN_MS;
		else
			ctl_wait_pause(&w, retry_ms);
	}
	*view = w.view;
	return rc;
}

int
ctl_wait_run(const struct ctl_opts *o)
{
	struct ctl_session	 s;
	cJSON			*view = NULL;
	int			 rc;

	if ((rc = ctl_session_open(&s, o, 1)) != 0)
		return rc;
	if ((rc = ctl_wait_final(s.client, o->id, &view)) == 0)
		rc = ctl_report_final(view, &s, o->id, NULL, 0,
		    o->json);
	cJSON_Delete(view);
	ctl_session_close(&s);
	return rc;
}
