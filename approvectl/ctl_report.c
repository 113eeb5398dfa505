/*
 * Reading the daemon's answers and telling the caller: one line or the
 * view on stdout, what went wrong on stderr, and the exit code. Text from
 * the daemon reaches a terminal only through ctl_report_clean.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "approvectl.h"
#include "json.h"
#include "verify.h"
#include "xmalloc.h"

/* The states of CONTRACT §3 and the exit codes they stand for. */
static const struct {
	const char	*name;
	int		 code;
} ctl_report_states[] = {
	{ "approved", CTL_APPROVED },
	{ "denied", CTL_DENIED },
	{ "expired", CTL_EXPIRED },
	{ "cancelled", CTL_CANCELLED },
	{ "pending", CTL_PENDING },
};

/* The length of the control sequence starting at p, 0 when none does. */
static size_t
ctl_report_control(const unsigned char *p)
{
	if (p[0] < 0x20 || p[0] == 0x7f)
		return 1;
	if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
		return 2;	/* C1 */
	/* U+200E-200F, U+202A-202E, U+2066-2069 reorder what is shown. */
	if (p[0] == 0xe2 && p[1] == 0x80 && ((p[2] >= 0x8e && p[2] <= 0x8f) ||
	    (p[2] >= 0xaa && p[2] <= 0xae)))
		return 3;
	if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
		return 3;
	return 0;
}

char *
ctl_report_clean(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*out, *q;
	size_t			 n;

	out = q = xmalloc(strlen(s) + 1);
	while (*p != '\0') {
		if ((n = ctl_report_control(p)) > 0) {
			*q++ = '?';
			p += n;
		} else
			*q++ = (char)*p++;
	}
	*q = '\0';
	return out;
}

int
ctl_report_state(const cJSON *view)
{
	const char	*state;
	size_t		 i;

	if ((state = json_string(view, "state")) == NULL)
		return -1;
	for (i = 0; i < sizeof ctl_report_states / sizeof *ctl_report_states;
	    i++) {
		if (strcmp(state, ctl_report_states[i].name) == 0)
			return ctl_report_states[i].code;
	}
	return -1;
}

cJSON *
ctl_report_parse(const char *buf, size_t len, const char *want,
    const char *from)
{
	cJSON		*view;
	const char	*id;
	char		 err[128];

	if ((view = json_parse(buf, len, err, sizeof err)) == NULL) {
		warnx("%s: %s", from, err);
		return NULL;
	}
	if (!cJSON_IsObject(view) || (id = json_string(view, "id")) == NULL ||
	    !codec_id_valid(id) || ctl_report_state(view) == -1)
		warnx("%s: not a request view", from);
	else if (want != NULL && strcmp(id, want) != 0)
		warnx("%s: the view of another request", from);
	else
		return view;
	cJSON_Delete(view);
	return NULL;
}

/* The exit code for an HTTP status that is not the answer wanted. */
static int
ctl_report_http_code(long status)
{
	switch (status) {
	case 400:
	case 404:
	case 409:
	case 413:
		return CTL_USAGE;
	case 401:
	case 403:
		return CTL_NOPERM;
	default:
		return CTL_UNAVAILABLE;	/* 429, 5xx and the unexpected */
	}
}

int
ctl_report_http(const struct client_reply *r)
{
	cJSON		*root;
	const cJSON	*e;
	const char	*code, *msg;
	char		 err[128], *c, *m;

	root = json_parse(r->body, r->len, err, sizeof err);
	e = cJSON_GetObjectItemCaseSensitive(root, "error");
	if ((code = json_string(e, "code")) != NULL &&
	    (msg = json_string(e, "message")) != NULL) {
		c = ctl_report_clean(code);
		m = ctl_report_clean(msg);
		warnx("the daemon answered %ld %s: %s", r->status, c, m);
		free(c);
		free(m);
	} else
		warnx("the daemon answered HTTP %ld", r->status);
	if (r->status == 429 && r->retry_after > 0)
		warnx("retry after %ld seconds", r->retry_after);
	cJSON_Delete(root);
	return ctl_report_http_code(r->status);
}

int
ctl_report_http_id(const struct client_reply *r)
{
	int	rc = ctl_report_http(r);

	if (r->status == 404)
		return CTL_NOT_FOUND;
	if (r->status == 409)
		return CTL_ALREADY_FINAL;
	return rc;
}

int
ctl_report_unreachable(const struct client *c)
{
	warnx("cannot reach the daemon: %s", client_error(c));
	return CTL_UNAVAILABLE;
}

/* Print " by A, B" for the signers with verdict; the first such entry. */
static const cJSON *
ctl_report_signers(const cJSON *view, const char *verdict)
{
	const cJSON	*sig, *first = NULL;
	const char	*v, *signer;
	char		*s;

	cJSON_ArrayForEach(sig, cJSON_GetObjectItemCaseSensitive(view,
	    "signatures")) {
		v = json_string(sig, "verdict");
		signer = json_string(sig, "signer");
		if (v == NULL || signer == NULL || strcmp(v, verdict) != 0)
			continue;
		s = ctl_report_clean(signer);
		printf("%s%s", first == NULL ? " by " : ", ", s);
		free(s);
		if (first == NULL)
			first = sig;
	}
	return first;
}

/* Print who denied and why. */
static void
ctl_report_denial(const cJSON *view)
{
	const cJSON	*sig;
	const char	*reason;
	char		*s;

	sig = ctl_report_signers(view, "deny");
	if ((reason = json_string(sig, "reason")) == NULL || *reason == '\0')
		return;
	s = ctl_report_clean(reason);
	printf(": %s", s);
	free(s);
}

/* Print how many approvals a pending request holds and needs. */
static void
ctl_report_pending(const cJSON *view)
{
	const cJSON	*sig;
	const char	*v;
	int64_t		 need;
	int		 have = 0;

	if (json_int(view, "approvals_required", 1, INT32_MAX, &need) != 0)
		return;
	cJSON_ArrayForEach(sig, cJSON_GetObjectItemCaseSensitive(view,
	    "signatures")) {
		if ((v = json_string(sig, "verdict")) != NULL &&
		    strcmp(v, "approve") == 0)
			have++;
	}
	printf(": %d of %lld approvals", have, (long long)need);
}

/* Print the one human line about a checked view. */
static void
ctl_report_line(const cJSON *view)
{
	const char	*state, *rule;
	char		*s;

	state = json_string(view, "state");
	printf("%s %s", json_string(view, "id"), state);
	if ((rule = json_string(view, "rule")) != NULL) {
		s = ctl_report_clean(rule);
		printf(" (%s)", s);
		free(s);
	}
	if (strcmp(state, "approved") == 0)
		ctl_report_signers(view, "approve");
	else if (strcmp(state, "denied") == 0)
		ctl_report_denial(view);
	else if (strcmp(state, "pending") == 0)
		ctl_report_pending(view);
	putchar('\n');
}

/* Wall-clock Unix ms: the signatures' signed_at is in the same terms. */
static int64_t
ctl_report_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
ctl_report_final(const cJSON *view, const struct ctl_session *s,
    const char *id, const uint8_t *sent, size_t sent_len, int json)
{
	struct verify_expect	 expect;
	char			 why[1024], *out;
	int			 code;

	expect.id = id;
	expect.sent = sent;
	expect.sent_len = sent_len;
	expect.now_ms = ctl_report_now();
	code = ctl_report_state(view);
	if (code == CTL_APPROVED && s->verify && verify_request_view(view,
	    &expect, &s->keys, why, sizeof why) != 0) {
		/* Nothing on stdout: a reader must not see "approved". */
		warnx("%s: verification failed: %s", json_string(view, "id"),
		    why);
		return CTL_VERIFY;
	}
	if (json) {
		out = json_print(view);
		puts(out);
		free(out);
	} else
		ctl_report_line(view);
	return code;
}
