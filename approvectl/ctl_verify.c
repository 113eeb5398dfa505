/* approvectl verify: check a saved view offline against the trusted keys
 * and, with --body, the bytes that were sent. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>

#include "approvectl.h"
#include "fileio.h"

/* Check and report the view read from stdin, against sent when given. */
static int
ctl_verify_view(const struct ctl_session *s, const struct ctl_opts *o,
    const char *sent, size_t sent_len)
{
	cJSON	*view;
	char	*in;
	size_t	 len;
	int	 rc;

	if (fileio_read_stream(stdin, CTL_INPUT_MAX, &in, &len) != 0) {
		warnx("stdin: unreadable or larger than %d bytes",
		    CTL_INPUT_MAX);
		return CTL_VERIFY;
	}
	if ((view = ctl_report_parse(in, len, NULL, "stdin")) == NULL)
		rc = CTL_VERIFY;
	else {
		rc = ctl_report_final(view, s, NULL, (const uint8_t *)sent,
		    sent_len, o->json);
		cJSON_Delete(view);
	}
	free(in);
	return rc;
}

int
ctl_verify_run(const struct ctl_opts *o)
{
	struct ctl_session	 s;
	char			*sent = NULL, err[512];
	size_t			 sent_len = 0;
	int			 rc;

	if ((rc = ctl_session_open(&s, o, 0)) != 0)
		return rc;
	if (o->body_file != NULL && fileio_read(o->body_file, CTL_INPUT_MAX,
	    &sent, &sent_len, err, sizeof err) != 0) {
		warnx("--body %s", err);
		ctl_session_close(&s);
		return CTL_USAGE;
	}
	rc = ctl_verify_view(&s, o, sent, sent_len);
	free(sent);
	ctl_session_close(&s);
	return rc;
}
