/* approvectl request: submit a new request and, with --wait, see it end. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>

#include "approvectl.h"
#include "json.h"
#include "xmalloc.h"

/* POST the body; 0 with the daemon's view, or an exit code. */
static int
ctl_request_submit(struct client *c, const char *body, size_t len,
    cJSON **view)
{
	struct client_reply	r;
	int			rc = 0;

	*view = NULL;
	if (client_submit(c, body, len, &r) != 0)
		return ctl_report_unreachable(c);
	if (r.status != 200 && r.status != 201)
		rc = ctl_report_http(&r);
	else if ((*view = ctl_report_parse(r.body, r.len, NULL,
	    "the daemon's answer")) == NULL)
		rc = CTL_VERIFY;
	client_reply_free(&r);
	return rc;
}

/* Say the id at once, on stderr: should the caller die while waiting,
 * the request can still be found, waited for or cancelled. */
static void
ctl_request_announce(const cJSON *view)
{
	char	*rule = ctl_report_clean(json_string(view, "rule") != NULL ?
	    json_string(view, "rule") : "?");

	fprintf(stderr, "approvectl: submitted %s (%s): %s\n",
	    json_string(view, "id"), rule, json_string(view, "state"));
	fflush(stderr);
	free(rule);
}

int
ctl_request_run(const struct ctl_opts *o)
{
	struct ctl_session	 s;
	cJSON			*view = NULL;
	char			*body, *id = NULL, err[256];
	size_t			 len;
	int			 rc;

	if (ctl_body_build(&o->body, &body, &len, err, sizeof err) != 0) {
		warnx("%s", err);
		return CTL_USAGE;
	}
	if ((rc = ctl_session_open(&s, o, 1)) != 0) {
		free(body);
		return rc;
	}
	rc = ctl_request_submit(s.client, body, len, &view);
	if (rc == 0)
		ctl_request_announce(view);
	/* The id the daemon gave; every later view must be of it. */
	if (rc == 0)
		id = xstrdup(json_string(view, "id"));
	if (rc == 0 && o->wait && ctl_report_state(view) == CTL_PENDING)
		rc = ctl_wait_final(s.client, id, &view);
	if (rc == 0)
		rc = ctl_report_final(view, &s, id, (const uint8_t *)body, len,
		    o->json);
	cJSON_Delete(view);
	free(id);
	free(body);
	ctl_session_close(&s);
	return rc;
}
