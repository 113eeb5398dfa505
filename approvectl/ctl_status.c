/* approvectl status: the request's state now, without waiting. */
#include "approvectl.h"

int
ctl_status_run(const struct ctl_opts *o)
{
	struct ctl_session	 s;
	struct client_reply	 r;
	cJSON			*view;
	int			 rc;

	if ((rc = ctl_session_open(&s, o, 1)) != 0)
		return rc;
	if (client_get(s.client, o->id, 0, &r) != 0) {
		rc = ctl_report_unreachable(s.client);
		ctl_session_close(&s);
		return rc;
	}
	if (r.status != 200)
		rc = ctl_report_http_id(&r);
	else if ((view = ctl_report_parse(r.body, r.len, o->id,
	    "the daemon's answer")) == NULL)
		rc = CTL_VERIFY;
	else {
		rc = ctl_report_final(view, &s, o->id, NULL, 0, o->json);
		cJSON_Delete(view);
	}
	client_reply_free(&r);
	ctl_session_close(&s);
	return rc;
}
