/* approvectl list: the executor's own requests, newest first. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>

#include "approvectl.h"
#include "json.h"

/* Print one summary as a line; every field from the daemon is cleaned. */
static void
ctl_list_line(const cJSON *item)
{
	static const char *const keys[] = {
		"id", "state", "action", "target", "rule", NULL
	};
	const char	*v;
	char		*s;
	size_t		 i;

	for (i = 0; keys[i] != NULL; i++) {
		v = json_string(item, keys[i]);
		s = ctl_report_clean(v != NULL ? v : "?");
		printf(i == 0 ? "%s" : keys[i + 1] == NULL ? "\t(%s)" :
		    "\t%s", s);
		free(s);
	}
	putchar('\n');
}

/* Print the answer in buf; 0, or CTL_VERIFY when it is not a list. */
static int
ctl_list_print(const char *buf, size_t len, int json)
{
	cJSON		*root;
	const cJSON	*list, *item;
	char		 err[128], *out;

	root = json_parse(buf, len, err, sizeof err);
	list = cJSON_GetObjectItemCaseSensitive(root, "requests");
	if (!cJSON_IsArray(list)) {
		warnx("the daemon's answer is not a list of requests");
		cJSON_Delete(root);
		return CTL_VERIFY;
	}
	if (json) {
		out = json_print(root);
		puts(out);
		free(out);
	} else {
		cJSON_ArrayForEach(item, list)
			ctl_list_line(item);
	}
	cJSON_Delete(root);
	return 0;
}

int
ctl_list_run(const struct ctl_opts *o)
{
	struct ctl_session	s;
	struct client_reply	r;
	int			rc;

	if ((rc = ctl_session_open(&s, o, 1)) != 0)
		return rc;
	if (client_list(s.client, o->state, o->limit, &r) != 0)
		rc = ctl_report_unreachable(s.client);
	else {
		rc = r.status == 200 ? ctl_list_print(r.body, r.len, o->json) :
		    ctl_report_http(&r);
		client_reply_free(&r);
	}
	ctl_session_close(&s);
	return rc;
}
