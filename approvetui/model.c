/*
 * The console's model: the pending queue and the recent history, built
 * from the daemon's request views. A view is only believed about what it
 * can prove: the digest must be the SHA-256 of the body, and action,
 * target, params, justification and on_behalf_of are read from the body,
 * never from the view's own copies. A request that fails is kept, marked
 * with an alarm, and can never be signed.
 *
 * Parameters are kept only as the screen may show them, with secrets
 * already redacted (include/redact.h); the digest, and so what is signed,
 * still covers the exact body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "approvetui.h"
#include "codec.h"
#include "json.h"
#include "redact.h"
#include "xmalloc.h"

#define MODEL_ALARM_DIGEST	"DIGEST MISMATCH - do not trust"
#define MODEL_ALARM_BODY	"BODY UNREADABLE - do not trust"
#define MODEL_ALARM_VIEW	"VIEW DISAGREES WITH BODY - do not trust"

/* Wall-clock time in Unix milliseconds, as the protocol counts. */
int64_t
model_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A copy of the string member key, or NULL when absent or not a string. */
static char *
model_dup(const cJSON *obj, const char *key)
{
	const char	*s;

	s = json_string(obj, key);
	return s == NULL ? NULL : xstrdup(s);
}

/* Out of memory in cJSON ends the process, as it does in xmalloc: a
 * secret must never stay because its replacement could not be made. */
static cJSON *
model_json_alloc(cJSON *item)
{
	if (item == NULL)
		abort();
	return item;
}

/* Put REDACT_MARK in place of c, a member of an object or an array. */
static void
model_redact_item(cJSON *parent, cJSON *c)
{
	cJSON	*mark;
	int	 done;

	mark = model_json_alloc(cJSON_CreateString(REDACT_MARK));
	if (c->string != NULL)	/* keeps the member's name */
		done = cJSON_ReplaceItemInObjectCaseSensitive(parent,
		    c->string, mark);
	else
		done = cJSON_ReplaceItemViaPointer(parent, c, mark);
	if (!done)
		abort();
}

/* Replace, inside an object or array, the members whose names say
 * secret and the strings that look like credentials. */
static void
model_redact_json(cJSON *parent)
{
	cJSON	*c, *next;

	for (c = parent->child; c != NULL; c = next) {
		next = c->next;
		if ((c->string != NULL && redact_name(c->string)) ||
		    (cJSON_IsString(c) && redact_value(c->valuestring)))
			model_redact_item(parent, c);
		else
			model_redact_json(c);
	}
}

/* One body parameter's value as it may be shown: strings as they are,
 * the rest as compact JSON, secrets redacted. */
static char *
model_param_value(const char *key, const cJSON *item)
{
	cJSON	*copy;
	char	*text, *out;

	if (redact_name(key) || (cJSON_IsString(item) &&
	    redact_value(item->valuestring)))
		return xstrdup(REDACT_MARK);
	if (cJSON_IsString(item))
		return xstrdup(item->valuestring);
	copy = model_json_alloc(cJSON_Duplicate(item, 1));
	model_redact_json(copy);
	text = json_print(copy);
	cJSON_Delete(copy);
	/* Member names can be credential-shaped too. */
	out = redact_text(text);
	free(text);
	return out;
}

/* Read the request body's fields into r; -1 when they are missing. */
static int
model_body_fields(struct req *r, const cJSON *body)
{
	const cJSON	*params, *item;
	size_t		 n = 0;

	r->action = model_dup(body, "action");
	r->target = model_dup(body, "target");
	r->justification = model_dup(body, "justification");
	r->on_behalf_of = model_dup(body, "on_behalf_of");
	if (r->action == NULL || r->target == NULL ||
	    r->justification == NULL)
		return -1;
	params = cJSON_GetObjectItemCaseSensitive(body, "params");
	if (params == NULL)
		return 0;
	if (!cJSON_IsObject(params))
		return -1;
	r->params = xcalloc((size_t)cJSON_GetArraySize(params) + 1,
	    sizeof *r->params);
	cJSON_ArrayForEach(item, params) {
		r->params[n].key = redact_text(item->string);
		r->params[n].value = model_param_value(item->string, item);
		n++;
	}
	r->nparams = n;
	return 0;
}

/* 1 when the view's copy of a field is absent or equals the body's. */
static int
model_agrees(const cJSON *view, const char *key, const char *body_value)
{
	const char	*s;

	s = json_string(view, key);
	return s == NULL || strcmp(s, body_value) == 0;
}

/* Check the body against the digest and read it; sets r->trusted or
 * r->alarm. */
static void
model_req_body(struct req *r, const cJSON *view, const char *b64)
{
	uint8_t	*body;
	size_t	 len;
	char	 hex[PROTO_SHA256_HEX], err[128];
	cJSON	*root;

	if (codec_b64_decode(b64, &body, &len) != 0) {
		r->alarm = MODEL_ALARM_BODY;
		return;
	}
	codec_sha256_hex(body, len, hex);
	if (r->digest[0] == '\0' || strcmp(hex, r->digest) != 0) {
		r->alarm = MODEL_ALARM_DIGEST;
		free(body);
		return;
	}
	root = json_parse((const char *)body, len, err, sizeof err);
	free(body);
	if (root == NULL || !cJSON_IsObject(root) ||
	    model_body_fields(r, root) != 0)
		r->alarm = MODEL_ALARM_BODY;
	else if (!model_agrees(view, "action", r->action) ||
	    !model_agrees(view, "target", r->target))
		r->alarm = MODEL_ALARM_VIEW;
	else
		r->trusted = 1;
	cJSON_Delete(root);
}

/* Parse the signatures array; -1 when an entry is malformed. */
static int
model_req_sigs(struct req *r, const cJSON *arr, const char *analyst)
{
	const cJSON	*item;
	struct sig	*s;

	if (arr == NULL)
		return 0;
	if (!cJSON_IsArray(arr))
		return -1;
	r->sigs = xcalloc((size_t)cJSON_GetArraySize(arr) + 1,
	    sizeof *r->sigs);
	cJSON_ArrayForEach(item, arr) {
		s = &r->sigs[r->nsigs];
		s->signer = model_dup(item, "signer");
		s->verdict = model_dup(item, "verdict");
		s->reason = model_dup(item, "reason");
		r->nsigs++;
		if (s->signer == NULL || s->verdict == NULL ||
		    json_int(item, "signed_at", 0, INT64_MAX,
		    &s->signed_at) != 0)
			return -1;
		if (s->reason == NULL)
			s->reason = xstrdup("");
		if (strcmp(s->signer, analyst) == 0)
			r->you_signed = 1;
	}
	return 0;
}

/* Parse the groups array of strings; -1 when malformed. */
static int
model_req_groups(struct req *r, const cJSON *arr)
{
	const cJSON	*item;

	if (arr == NULL || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return -1;
	r->groups = xcalloc((size_t)cJSON_GetArraySize(arr) + 1,
	    sizeof *r->groups);
	cJSON_ArrayForEach(item, arr) {
		if (!cJSON_IsString(item))
			return -1;
		r->groups[r->ngroups++] = xstrdup(item->valuestring);
	}
	return 0;
}

/* Parse the deny memory, {"count":N,"by":NAME,"reason":TEXT,...};
 * -1 when malformed. */
static int
model_req_denied(struct req *r, const cJSON *obj)
{
	if (obj == NULL || cJSON_IsNull(obj))
		return 0;
	if (!cJSON_IsObject(obj) || json_int(obj, "count", 1, INT32_MAX,
	    &r->denied_count) != 0)
		return -1;
	r->denied_by = model_dup(obj, "by");
	r->denied_reason = model_dup(obj, "reason");
	if (r->denied_by == NULL || r->denied_reason == NULL)
		return -1;
	return 0;
}

/* Read the view's own fields (not the body's); -1 when malformed. */
static int
model_req_fields(struct req *r, const cJSON *v, const char *analyst,
    char *err, size_t errlen)
{
	const char	*id, *digest;

	id = json_string(v, "id");
	if (id == NULL || !codec_name_valid(id) || strlen(id) > PROTO_ID_MAX) {
		snprintf(err, errlen, "request view without a valid id");
		return -1;
	}
	strcpy(r->id, id);
	r->state = model_dup(v, "state");
	r->executor = model_dup(v, "executor");
	r->rule = model_dup(v, "rule");
	if (r->state == NULL || json_int(v, "created_at", 0, INT64_MAX,
	    &r->created_at) != 0 || json_int(v, "expires_at", 0, INT64_MAX,
	    &r->expires_at) != 0 || json_int(v, "approvals_required", 1,
	    INT32_MAX, &r->approvals_required) != 0 ||
	    model_req_sigs(r, cJSON_GetObjectItemCaseSensitive(v,
	    "signatures"), analyst) != 0 || model_req_groups(r,
	    cJSON_GetObjectItemCaseSensitive(v, "groups")) != 0 ||
	    model_req_denied(r, cJSON_GetObjectItemCaseSensitive(v,
	    "denied_recently")) != 0) {
		snprintf(err, errlen, "request view %s is malformed", id);
		return -1;
	}
	if (json_int(v, "decided_at", 0, INT64_MAX, &r->decided_at) != 0)
		r->decided_at = 0;
	digest = json_string(v, "digest");
	if (digest != NULL && strlen(digest) == PROTO_SHA256_HEX - 1)
		strcpy(r->digest, digest);
	return 0;
}

/* Parse a view; an untrusted body is kept but marked with an alarm. */
struct req *
model_req_parse(const cJSON *v, const char *analyst, char *err,
    size_t errlen)
{
	struct req	*r;
	const char	*body;

	if (!cJSON_IsObject(v)) {
		snprintf(err, errlen, "request view is not an object");
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	if (model_req_fields(r, v, analyst, err, errlen) != 0) {
		model_req_free(r);
		return NULL;
	}
	if ((body = json_string(v, "body")) == NULL)
		r->alarm = MODEL_ALARM_BODY;
	else
		model_req_body(r, v, body);
	return r;
}

/* Free a request and everything it owns. */
void
model_req_free(struct req *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nsigs; i++) {
		free(r->sigs[i].signer);
		free(r->sigs[i].verdict);
		free(r->sigs[i].reason);
	}
	for (i = 0; i < r->ngroups; i++)
		free(r->groups[i]);
	for (i = 0; i < r->nparams; i++) {
		free(r->params[i].key);
		free(r->params[i].value);
	}
	free(r->sigs);
	free(r->groups);
	free(r->params);
	free(r->state);
	free(r->executor);
	free(r->rule);
	free(r->denied_by);
	free(r->denied_reason);
	free(r->action);
	free(r->target);
	free(r->justification);
	free(r->on_behalf_of);
	free(r);
}

/* Queue order: expires_at soonest first, then by id for stability. */
static int
model_cmp_expiry(const void *a, const void *b)
{
	const struct req	*ra = *(struct req *const *)a;
	const struct req	*rb = *(struct req *const *)b;

	if (ra->expires_at != rb->expires_at)
		return ra->expires_at < rb->expires_at ? -1 : 1;
	return strcmp(ra->id, rb->id);
}

/* Keep the queue in expiry order. */
static void
model_sort(struct model *m)
{
	if (m->nqueue > 1)
		qsort(m->queue, m->nqueue, sizeof *m->queue, model_cmp_expiry);
}

/* Index of id in list, or n when absent. */
static size_t
model_index(struct req *const *list, size_t n, const char *id)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(list[i]->id, id) == 0)
			break;
	}
	return i;
}

/* Replace the queue with a snapshot; count the ids that are new. */
size_t
model_replace_queue(struct model *m, struct req **reqs, size_t n)
{
	size_t	i, fresh = 0;

	for (i = 0; i < n; i++) {
		if (model_index(m->queue, m->nqueue, reqs[i]->id) == m->nqueue)
			fresh++;
	}
	for (i = 0; i < m->nqueue; i++)
		model_req_free(m->queue[i]);
	free(m->queue);
	m->queue = xcalloc(n + 1, sizeof *m->queue);
	memcpy(m->queue, reqs, n * sizeof *reqs);
	m->nqueue = n;
	model_sort(m);
	return fresh;
}

/* Replace the history, newest first, keeping MODEL_HISTORY_MAX. */
void
model_replace_history(struct model *m, struct req **reqs, size_t n)
{
	size_t	i;

	for (i = 0; i < m->nhistory; i++)
		model_req_free(m->history[i]);
	for (i = MODEL_HISTORY_MAX; i < n; i++)
		model_req_free(reqs[i]);
	m->nhistory = n < MODEL_HISTORY_MAX ? n : MODEL_HISTORY_MAX;
	free(m->history);
	m->history = xcalloc(MODEL_HISTORY_MAX, sizeof *m->history);
	memcpy(m->history, reqs, m->nhistory * sizeof *reqs);
}

/* Remove and return id from the queue, or NULL. */
static struct req *
model_take(struct model *m, const char *id)
{
	struct req	*r;
	size_t		 i;

	if ((i = model_index(m->queue, m->nqueue, id)) == m->nqueue)
		return NULL;
	r = m->queue[i];
	memmove(m->queue + i, m->queue + i + 1,
	    (m->nqueue - i - 1) * sizeof *m->queue);
	m->nqueue--;
	return r;
}

/* Add or update a pending request; a final one goes to the history. */
int
model_upsert(struct model *m, struct req *r)
{
	struct req	*old;

	if (strcmp(r->state, "pending") != 0) {
		model_resolve(m, r);
		return 0;
	}
	if ((old = model_take(m, r->id)) != NULL) {
		if (old->sending != NULL && !r->you_signed)
			r->sending = old->sending;
		model_req_free(old);
	}
	m->queue = xrealloc(m->queue, (m->nqueue + 1) * sizeof *m->queue);
	m->queue[m->nqueue++] = r;
	model_sort(m);
	return old == NULL;
}

/* Move a final request to the front of the history. */
void
model_resolve(struct model *m, struct req *r)
{
	size_t	i;

	model_req_free(model_take(m, r->id));
	if (m->history == NULL)
		m->history = xcalloc(MODEL_HISTORY_MAX, sizeof *m->history);
	i = model_index(m->history, m->nhistory, r->id);
	if (i == m->nhistory) {
		/* New: drop the oldest when full, then open the front. */
		if (m->nhistory == MODEL_HISTORY_MAX)
			model_req_free(m->history[--m->nhistory]);
		i = m->nhistory++;
	} else
		model_req_free(m->history[i]);
	memmove(m->history + 1, m->history, i * sizeof *m->history);
	m->history[0] = r;
}

/* The pending request with this id, or NULL. */
struct req *
model_find(const struct model *m, const char *id)
{
	size_t	i;

	i = model_index(m->queue, m->nqueue, id);
	return i == m->nqueue ? NULL : m->queue[i];
}

/* The connection is gone: nothing shown can be acted on. */
void
model_set_stale(struct model *m)
{
	size_t	i;

	for (i = 0; i < m->nqueue; i++) {
		m->queue[i]->stale = 1;
		m->queue[i]->sending = NULL;
	}
}

/* Case-insensitive substring filter over action, target, executor. */
int
model_matches(const struct req *r, const char *filter)
{
	if (filter == NULL || *filter == '\0')
		return 1;
	if (!r->trusted)
		return 1;	/* alarms are never filtered away */
	return strcasestr(r->action, filter) != NULL ||
	    strcasestr(r->target, filter) != NULL ||
	    (r->executor != NULL && strcasestr(r->executor, filter) != NULL);
}

/* "denied 2x in the last hour by alice: REASON", or NULL. */
char *
model_denied_text(const struct req *r)
{
	char	*text;

	if (r->denied_count == 0)
		return NULL;
	xasprintf(&text, "denied %lldx in the last hour by %s%s%s",
	    (long long)r->denied_count, r->denied_by,
	    *r->denied_reason != '\0' ? ": " : "", r->denied_reason);
	return text;
}

/* Earlier final requests on the same target, newest first. */
size_t
model_earlier(const struct model *m, const struct req *r,
    const struct req **out, size_t max)
{
	size_t	i, n = 0;

	if (!r->trusted)
		return 0;
	for (i = 0; i < m->nhistory && n < max; i++) {
		if (m->history[i]->trusted &&
		    strcmp(m->history[i]->id, r->id) != 0 &&
		    strcmp(m->history[i]->target, r->target) == 0)
			out[n++] = m->history[i];
	}
	return n;
}

/* Free both lists. */
void
model_free(struct model *m)
{
	size_t	i;

	for (i = 0; i < m->nqueue; i++)
		model_req_free(m->queue[i]);
	for (i = 0; i < m->nhistory; i++)
		model_req_free(m->history[i]);
	free(m->queue);
	free(m->history);
	memset(m, 0, sizeof *m);
}
