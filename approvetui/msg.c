/*
 * The console protocol (CONTRACT §5), client side. Each message the daemon
 * sends has one handler, allowed only in the connection phase where it
 * makes sense; anything else (bad JSON, an unknown type, a message out of
 * order, a malformed view) is a protocol error and cuts the connection,
 * which then reconnects and starts again from a fresh snapshot.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "approvetui.h"
#include "codec.h"
#include "decision.h"
#include "json.h"
#include "xmalloc.h"

#define MSG_ERR_MAX	256

typedef int (*msg_handler)(struct tui *, const cJSON *, char *, size_t);

static int	msg_challenge(struct tui *, const cJSON *, char *, size_t);
static int	msg_welcome(struct tui *, const cJSON *, char *, size_t);
static int	msg_snapshot(struct tui *, const cJSON *, char *, size_t);
static int	msg_history(struct tui *, const cJSON *, char *, size_t);
static int	msg_request(struct tui *, const cJSON *, char *, size_t);
static int	msg_resolved(struct tui *, const cJSON *, char *, size_t);
static int	msg_ack(struct tui *, const cJSON *, char *, size_t);
static int	msg_error(struct tui *, const cJSON *, char *, size_t);

#define MSG_IN(p)	(1 << (p))

/* Every message type the daemon may send and the phases it may come in. */
static const struct {
	const char	*type;
	int		 phases;
	msg_handler	 fn;
} msg_table[] = {
	{ "challenge",	MSG_IN(NET_CHALLENGED),	msg_challenge },
	{ "welcome",	MSG_IN(NET_SIGNING_IN),	msg_welcome },
	{ "snapshot",	MSG_IN(NET_AUTHED),	msg_snapshot },
	{ "history",	MSG_IN(NET_AUTHED),	msg_history },
	{ "request",	MSG_IN(NET_AUTHED),	msg_request },
	{ "resolved",	MSG_IN(NET_AUTHED),	msg_resolved },
	{ "ack",	MSG_IN(NET_AUTHED),	msg_ack },
	{ "error",	MSG_IN(NET_SIGNING_IN) | MSG_IN(NET_AUTHED),
			msg_error },
};

/* Check one message and hand it to its handler; -1 cuts the peer. */
int
msg_dispatch(struct tui *tui, const char *buf, size_t len)
{
	char		 err[MSG_ERR_MAX];
	const char	*type = NULL;
	cJSON		*root;
	size_t		 i, n = sizeof msg_table / sizeof msg_table[0];
	int		 rc = -1;

	if ((root = json_parse(buf, len, err, sizeof err)) == NULL)
		goto bad;
	if (!cJSON_IsObject(root) || (type = json_string(root, "type")) ==
	    NULL) {
		snprintf(err, sizeof err, "a message without a type");
		goto bad;
	}
	for (i = 0; i < n && strcmp(msg_table[i].type, type) != 0; i++)
		;
	if (i == n) {
		snprintf(err, sizeof err, "unknown message type \"%.32s\"",
		    type);
		goto bad;
	}
	if ((msg_table[i].phases & MSG_IN(tui->net.phase)) == 0) {
		snprintf(err, sizeof err, "unexpected \"%s\" message", type);
		goto bad;
	}
	if (msg_table[i].fn(tui, root, err, sizeof err) != 0)
		goto bad;
	rc = 0;
bad:
	if (rc != 0)
		tui_status(tui, 1, "protocol error from the daemon: %s", err);
	tui->dirty |= DIRTY_CONTENT;
	cJSON_Delete(root);
	return rc;
}

/* Build a JSON text from obj and queue it; takes obj. */
static void
msg_send(struct tui *tui, cJSON *obj)
{
	net_send(tui, json_print(obj));
	cJSON_Delete(obj);
}

/* Answer the challenge: sign the nonce text exactly as it came. */
static int
msg_challenge(struct tui *tui, const cJSON *root, char *err, size_t errlen)
{
	uint8_t		 nonce[PROTO_NONCE_BYTES], sig[PROTO_SIG_BYTES];
	const char	*text;
	char		*canon, *b64;
	size_t		 len;
	cJSON		*hello;

	text = json_string(root, "nonce");
	if (text == NULL || codec_b64_decode_exact(text, nonce,
	    sizeof nonce) != 0) {
		snprintf(err, errlen, "a challenge without a 32-byte nonce");
		return -1;
	}
	canon = decision_auth_canonical(text, tui->analyst, &len);
	crypto_sign_detached(sig, NULL, (const uint8_t *)canon, len,
	    tui->key->sk);
	free(canon);
	b64 = codec_b64_encode(sig, sizeof sig);
	hello = cJSON_CreateObject();
	cJSON_AddStringToObject(hello, "type", "hello");
	cJSON_AddStringToObject(hello, "analyst", tui->analyst);
	cJSON_AddStringToObject(hello, "sig", b64);
	free(b64);
	msg_send(tui, hello);
	tui->net.phase = NET_SIGNING_IN;
	return 0;
}

/* Signed in: note the analyst's groups. */
static int
msg_welcome(struct tui *tui, const cJSON *root, char *err, size_t errlen)
{
	const cJSON	*groups, *g;
	const char	*name;

	name = json_string(root, "analyst");
	groups = cJSON_GetObjectItemCaseSensitive(root, "groups");
	if (name == NULL || strcmp(name, tui->analyst) != 0 ||
	    !cJSON_IsArray(groups)) {
		snprintf(err, errlen, "a welcome for someone else");
		return -1;
	}
	tui_free_groups(tui);
	tui->groups = xcalloc((size_t)cJSON_GetArraySize(groups) + 1,
	    sizeof *tui->groups);
	cJSON_ArrayForEach(g, groups) {
		if (!cJSON_IsString(g)) {
			snprintf(err, errlen, "a welcome with a bad group");
			return -1;
		}
		tui->groups[tui->ngroups++] = xstrdup(g->valuestring);
	}
	tui->net.phase = NET_AUTHED;
	tui->net.authed_at = model_now_ms();
	tui_status(tui, 0, "signed in as %s", tui->analyst);
	return 0;
}

/* Parse the array member key of views, all pending or all final as
 * pending says; *out is allocated. -1 on a bad view (nothing is kept). */
static int
msg_views(struct tui *tui, const cJSON *root, const char *key, int pending,
    struct req ***out, size_t *n, char *err, size_t errlen)
{
	const cJSON	*arr, *v;
	struct req	*r;

	arr = cJSON_GetObjectItemCaseSensitive(root, key);
	if (!cJSON_IsArray(arr)) {
		snprintf(err, errlen, "no \"%s\" array", key);
		return -1;
	}
	*out = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof **out);
	*n = 0;
	cJSON_ArrayForEach(v, arr) {
		r = model_req_parse(v, tui->analyst, err, errlen);
		if (r != NULL &&
		    (strcmp(r->state, "pending") == 0) != pending) {
			snprintf(err, errlen, "%s", pending ?
			    "a final request in a snapshot" :
			    "a pending request in the history");
			model_req_free(r);
			r = NULL;
		}
		if (r == NULL) {
			while (*n > 0)
				model_req_free((*out)[--*n]);
			free(*out);
			return -1;
		}
		(*out)[(*n)++] = r;
	}
	return 0;
}

/* The pending queue, complete: replaces whatever was shown before. */
static int
msg_snapshot(struct tui *tui, const cJSON *root, char *err, size_t errlen)
{
	struct req	**reqs;
	size_t		  n;

	if (msg_views(tui, root, "requests", 1, &reqs, &n, err, errlen) != 0)
		return -1;
	if (model_replace_queue(&tui->model, reqs, n) > 0)
		tui->bell_pending = 1;
	free(reqs);
	tui_status(tui, 0, "signed in as %s; %zu pending", tui->analyst, n);
	return 0;
}

/* Recent final requests, newest first (an extension of §5). */
static int
msg_history(struct tui *tui, const cJSON *root, char *err, size_t errlen)
{
	struct req	**reqs;
	size_t		  n;

	if (msg_views(tui, root, "requests", 0, &reqs, &n, err, errlen) != 0)
		return -1;
	model_replace_history(&tui->model, reqs, n);
	free(reqs);
	return 0;
}

/* Parse the "request" member of a push. */
static struct req *
msg_view(struct tui *tui, const cJSON *root, char *err, size_t errlen)
{
	return model_req_parse(cJSON_GetObjectItemCaseSensitive(root,
	    "request"), tui->analyst, err, errlen);
}

/* Close a prompt about id: what the analyst was asked about changed. */
static void
msg_close_prompt(struct tui *tui, const struct req *r)
{
	if (tui->prompt.kind != PROMPT_CONFIRM &&
	    tui->prompt.kind != PROMPT_REASON)
		return;
	if (strcmp(tui->prompt.id, r->id) != 0)
		return;
	tui->prompt.kind = PROMPT_NONE;
	tui_status(tui, 1, "%s was decided meanwhile (%s); nothing was sent",
	    r->id, r->state);
}

/* A request was added or changed. */
static int
msg_request(struct tui *tui, const cJSON *root, char *err, size_t errlen)
{
	struct req	*r;
	char		 id[PROTO_ID_MAX + 1];

	if ((r = msg_view(tui, root, err, errlen)) == NULL)
		return -1;
	strcpy(id, r->id);
	if (strcmp(r->state, "pending") != 0)
		msg_close_prompt(tui, r);
	if (model_upsert(&tui->model, r) == 1) {
		tui->bell_pending = 1;
		tui_status(tui, 0, "new request %s", id);
	}
	return 0;
}

/* A request became final: move it to the history. */
static int
msg_resolved(struct tui *tui, const cJSON *root, char *err, size_t errlen)
{
	struct req	*r;

	if ((r = msg_view(tui, root, err, errlen)) == NULL)
		return -1;
	if (strcmp(r->state, "pending") == 0) {
		snprintf(err, errlen, "%s resolved but still pending", r->id);
		model_req_free(r);
		return -1;
	}
	if (strcmp(tui->sel_id, r->id) == 0)
		tui_status(tui, 0, "%s is now %s; the selection moved on",
		    r->id, r->state);
	msg_close_prompt(tui, r);
	model_resolve(&tui->model, r);
	return 0;
}

/* The daemon recorded our decision. */
static int
msg_ack(struct tui *tui, const cJSON *root, char *err, size_t errlen)
{
	const char	*id;
	struct req	*r;

	if ((id = json_string(root, "id")) == NULL) {
		snprintf(err, errlen, "an ack without an id");
		return -1;
	}
	if ((r = model_find(&tui->model, id)) != NULL) {
		r->sending = NULL;
		r->you_signed = 1;
	}
	tui_status(tui, 0, "the daemon recorded your decision on %s", id);
	return 0;
}

/* The daemon refused something: say so, it is not a protocol error. */
static int
msg_error(struct tui *tui, const cJSON *root, char *err, size_t errlen)
{
	const char	*id, *code, *message;
	struct req	*r;

	id = json_string(root, "id");
	code = json_string(root, "code");
	message = json_string(root, "message");
	if (code == NULL) {
		snprintf(err, errlen, "an error without a code");
		return -1;
	}
	if (id != NULL && (r = model_find(&tui->model, id)) != NULL)
		r->sending = NULL;
	tui_status(tui, 1, "daemon refused%s%s: %s%s%s",
	    id != NULL ? " " : "", id != NULL ? id : "", code,
	    message != NULL ? ": " : "", message != NULL ? message : "");
	return 0;
}

/* 1 when the analyst is in one of the request's groups (or it has
 * none). */
static int
msg_in_groups(const struct tui *tui, const struct req *r)
{
	size_t	i, j;

	if (r->ngroups == 0)
		return 1;
	for (i = 0; i < r->ngroups; i++) {
		for (j = 0; j < tui->ngroups; j++) {
			if (strcmp(r->groups[i], tui->groups[j]) == 0)
				return 1;
		}
	}
	return 0;
}

/* Why the analyst may not decide r now, or NULL. */
const char *
msg_refusal(const struct tui *tui, const struct req *r)
{
	if (tui->net.phase != NET_AUTHED || r->stale)
		return "offline: nothing can be decided until the console "
		    "is back online";
	if (!r->trusted)
		return "this request failed its integrity check: do not trust "
		    "it, and tell the operator";
	if (strcmp(r->state, "pending") != 0)
		return "this request is no longer pending";
	if (r->sending != NULL)
		return "your decision on this request is on its way";
	if (r->you_signed)
		return "you already signed this request";
	if (r->on_behalf_of != NULL &&
	    strcmp(r->on_behalf_of, tui->analyst) == 0)
		return "this request is on your behalf: another analyst must "
		    "decide it";
	if (r->expires_at <= model_now_ms())
		return "this request has expired";
	if (!msg_in_groups(tui, r))
		return "you are not in the groups this request's rule names";
	return NULL;
}

/* Sign d with the analyst's key and queue the decide message. */
static void
msg_send_decision(struct tui *tui, const struct decision *d)
{
	uint8_t	 sig[PROTO_SIG_BYTES];
	char	*b64, at[32];
	cJSON	*obj;

	decision_sign(d, tui->key->sk, sig);
	b64 = codec_b64_encode(sig, sizeof sig);
	/* Raw, so that the milliseconds never pass through a double. */
	snprintf(at, sizeof at, "%" PRId64, d->signed_at);
	obj = cJSON_CreateObject();
	cJSON_AddStringToObject(obj, "type", "decide");
	cJSON_AddStringToObject(obj, "id", d->id);
	cJSON_AddStringToObject(obj, "verdict", d->verdict);
	cJSON_AddStringToObject(obj, "reason", d->reason);
	cJSON_AddRawToObject(obj, "signed_at", at);
	cJSON_AddStringToObject(obj, "sig", b64);
	free(b64);
	msg_send(tui, obj);
}

/* Sign exactly what the analyst saw (id and digest) and queue it. */
int
msg_decide(struct tui *tui, const char *id, const char *digest,
    const char *verdict, const char *reason)
{
	struct decision	 d;
	struct req	*r;
	const char	*why;

	if ((r = model_find(&tui->model, id)) == NULL ||
	    strcmp(r->digest, digest) != 0)
		why = "the request changed or went away; nothing was sent";
	else if (strcmp(verdict, "deny") == 0 && *reason == '\0')
		why = "a denial needs a reason";
	else if (strlen(reason) > PROTO_REASON_MAX)
		why = "the reason is too long";
	else
		why = msg_refusal(tui, r);
	if (why != NULL) {
		tui_status(tui, 1, "%s", why);
		return -1;
	}
	d.id = r->id;
	d.digest = r->digest;
	d.verdict = strcmp(verdict, "approve") == 0 ? "approve" : "deny";
	d.signer = tui->analyst;
	d.signed_at = model_now_ms();
	d.reason = reason;
	msg_send_decision(tui, &d);
	r->sending = d.verdict;
	tui_status(tui, 0, "sent your signed %s of %s", d.verdict, d.id);
	return 0;
}

/* Forget in-flight decisions and mark every row stale. */
void
msg_offline(struct tui *tui)
{
	size_t	i;

	for (i = 0; i < tui->model.nqueue; i++) {
		if (tui->model.queue[i]->sending != NULL)
			tui_status(tui, 1, "the connection dropped before the "
			    "daemon confirmed your decision on %s: look for it "
			    "after the reconnection", tui->model.queue[i]->id);
	}
	model_set_stale(&tui->model);
	tui_free_groups(tui);
}
