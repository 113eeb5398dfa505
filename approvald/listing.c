/*
 * GET /v1/requests?state=S&limit=N: an executor's own requests, newest
 * first, as short summaries (the full view, with its body, is one GET of
 * the id away). The query is checked whole: an unknown argument, a state
 * that is not one, a limit out of range is a 400, never ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "approvald.h"

#define LISTING_DEFAULT		20
#define LISTING_MAX		100
#define LISTING_ARG_MAX		64	/* longer arguments are refused */
#define LISTING_ARGS_MAX	8

/* The summary of one request. */
static cJSON *
listing_item(const struct request *r)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", r->id);
	cJSON_AddStringToObject(o, "action", r->action);
	cJSON_AddStringToObject(o, "target", r->target);
	cJSON_AddStringToObject(o, "state", r->state);
	cJSON_AddStringToObject(o, "rule", r->rule);
	cJSON_AddNumberToObject(o, "created_at", (double)r->created_at);
	cJSON_AddNumberToObject(o, "expires_at", (double)r->expires_at);
	if (r->decided_at != 0)
		cJSON_AddNumberToObject(o, "decided_at", (double)r->decided_at);
	return o;
}

static const char *const listing_states[] = {
	"pending", "approved", "denied", "expired", "cancelled", NULL
};

/* One "name=value" argument into *state or *limit; 0, or -1 with a 400. */
static int
listing_arg(const char *arg, const char **state, long *limit,
    struct outcome *o)
{
	char	*end;
	size_t	 i;

	for (i = 0; strncmp(arg, "state=", 6) == 0 && *state == NULL &&
	    listing_states[i] != NULL; i++) {
		if (strcmp(arg + 6, listing_states[i]) == 0) {
			*state = listing_states[i];
			return 0;
		}
	}
	if (strncmp(arg, "limit=", 6) == 0 && *limit == 0) {
		*limit = strtol(arg + 6, &end, 10);
		if (end != arg + 6 && *end == '\0' && *limit >= 1 &&
		    *limit <= LISTING_MAX)
			return 0;
	}
	outcome_error(o, 400, "bad_request", "the query takes state (pending, "
	    "approved, denied, expired or cancelled) and limit (1 to %d), "
	    "each once", LISTING_MAX);
	return -1;
}

/* Read the query; 0, or -1 with a 400 in o. */
static int
listing_query(struct lws *wsi, const char **state, long *limit,
    struct outcome *o)
{
	char	arg[LISTING_ARG_MAX];
	int	i;

	*state = NULL;
	*limit = 0;
	for (i = 0; lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i) >
	    0; i++) {
		if (i == LISTING_ARGS_MAX || lws_hdr_copy_fragment(wsi, arg,
		    sizeof arg, WSI_TOKEN_HTTP_URI_ARGS, i) < 0 ||
		    listing_arg(arg, state, limit, o) != 0) {
			if (o->code == NULL)
				outcome_error(o, 400, "bad_request",
				    "query too long");
			return -1;
		}
	}
	if (*limit == 0)
		*limit = LISTING_DEFAULT;
	return 0;
}

void
listing_answer(struct store *s, struct lws *wsi, const char *executor,
    struct outcome *o)
{
	const char	*state;
	char		 id[PROTO_ID_MAX + 1];
	long		 limit;
	sqlite3_stmt	*st;
	struct request	*r;
	cJSON		*list;
	int		 rc;

	if (listing_query(wsi, &state, &limit, o) != 0)
		return;
	o->view = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(o->view, "requests");
	st = store_stmt(s, STMT_REQ_LIST);
	sqlite3_bind_text(st, 1, executor, -1, SQLITE_STATIC);
	if (state != NULL)
		sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(id, sizeof id, "%s",
		    (const char *)sqlite3_column_text(st, 0));
		if ((r = request_load(s, id)) == NULL)
			break;
		cJSON_AddItemToArray(list, listing_item(r));
		request_free(r);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		cJSON_Delete(o->view);
		o->view = NULL;
		outcome_error(o, 500, "internal", "cannot list the requests");
		return;
	}
	o->status = 200;
}
