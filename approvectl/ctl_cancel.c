/* approvectl cancel: withdraw a pending request. */
#include <err.h>

#include "approvectl.h"

/* The exit code for the daemon's 200 answer to a cancel. */
static int
ctl_cancel_answer(const struct ctl_session *s, const struct ctl_opts *o,
    const struct client_reply *r)
{
	cJSON	*view;
	int	 rc;

	if ((view = ctl_report_parse(r->body, r->len, o->id,
	    "the daemon's answer")) == NULL)
		return CTL_VERIFY;
	if (ctl_report_state(view) != CTL_CANCELLED) {
		/* A 200 must carry the cancelled view; anything else is
		 * not an answer to trust. */
		warnx("%s: the daemon answered the cancel with another state",
		    o->id);
		rc = CTL_VERIFY;
	} else
		rc = ctl_report_final(view, s, o->id, NULL, 0, o->json);
	cJSON_Delete(view);
	return rc;
}

int
ctl_cancel_run(const struct ctl_opts *o)
{
	struct ctl_session	s;
	struct client_reply	r;
	int			rc;

	if ((rc = ctl_session_open(&s, o, 1)) != 0)
		return rc;
	if (client_cancel(s.client, o->id, &r) != 0)
		rc = ctl_report_unreachable(s.client);
	else {
		if (r.status == 200)
			rc = ctl_cancel_answer(&s, o, &r);
		else
			rc = ctl_report_http_id(&r);
		client_reply_free(&r);
	}
	ctl_session_close(&s);
	return rc;
}
