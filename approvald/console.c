/*
 * The analysts' console WebSocket (CONTRACT §5).
 *
 * A session starts CHALLENGED: the daemon sends a fresh nonce and accepts
 * only a hello signed by a registered analyst's key; anything else closes
 * the connection. Once AUTHED it receives a snapshot of the requests it
 * may decide, recent history, then live pushes, and may send decisions.
 *
 * Every message to a console goes through its own queues, written in
 * fragments, as many per WRITEABLE callback as the socket takes up to a
 * budget (fair to the other connections). Three queues, drained in this
 * order: answers to the console itself (challenge, snapshot, history,
 * ack, error), then new or changed requests, then resolved ones; so that
 * under a storm of resolutions the analyst still gets new work and the
 * acknowledgements at once. For any one request the order holds: it is
 * pushed (or in the snapshot) before it is resolved, and nothing follows
 * its resolution. Nothing is ever dropped: a console
 * whose queue grows past CONSOLE_QUEUE_MAX is disconnected instead, and
 * resynchronises from a new snapshot when it reconnects.
 *
 * Decisions are checked (signature first), committed with their audit
 * entry, and only then acknowledged and released to the executor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "approvald.h"
#include "codec.h"
#include "decision.h"
#include "json.h"
#include "xmalloc.h"

#define CONSOLE_RX_MAX		(64 * 1024)
#define CONSOLE_QUEUE_MAX	(16 * 1024 * 1024)
#define CONSOLE_HELLO_S		10	/* to sign the challenge */
#define CONSOLE_FRAGMENT	(16 * 1024)
#define CONSOLE_WRITE_BUDGET	(64 * 1024)	/* per WRITEABLE */
#define CONSOLE_HISTORY		100
#define CONSOLE_CHECK_US	(1000 * LWS_US_PER_MS)

enum console_state {
	CONSOLE_CHALLENGED,
	CONSOLE_AUTHED,
	CONSOLE_CLOSING
};

enum console_prio {
	PRIO_ANSWER,
	PRIO_REQUEST,
	PRIO_RESOLVED,
	PRIO__MAX
};

/* One queued text message; data has LWS_PRE bytes in front. */
struct console_msg {
	struct lws_dll2	 list;
	size_t		 len;
	size_t		 sent;
	char		 data[];
};

/* One per console connection, owned by lws; what it points to is freed
 * in LWS_CALLBACK_CLOSED. */
struct console_session {
	struct lws		*wsi;
	struct console_hub	*hub;
	struct lws_dll2		 list;		/* in hub->sessions */
	enum console_state	 state;
	char			 nonce[64];
	struct analyst		 analyst;
	struct lws_dll2_owner	 outq[PRIO__MAX];	/* own console_msg */
	struct console_msg	*sending;	/* partly written, or NULL */
	size_t			 outq_bytes;
	char			*rx;		/* owned, reassembly */
	size_t			 rx_len;
	char			 close_why[64];
};

/* The daemon's consoles, and a timer that notices analysts removed by
 * `approvald analyst remove` in another process. */
struct console_hub {
	struct daemon		*d;
	struct lws_dll2_owner	 sessions;
	lws_sorted_usec_list_t	 check_sul;
	int			 data_version;
};

static void	console_check(lws_sorted_usec_list_t *);

struct console_hub *
console_hub_new(struct daemon *d)
{
	struct console_hub	*hub = xcalloc(1, sizeof *hub);

	hub->d = d;
	lws_sul_schedule(d->ctx, 0, &hub->check_sul, console_check,
	    CONSOLE_CHECK_US);
	return hub;
}

void
console_hub_stop(struct console_hub *hub)
{
	lws_sul_cancel(&hub->check_sul);
}

void
console_hub_free(struct console_hub *hub)
{
	free(hub);
}

size_t
console_count(const struct console_hub *hub)
{
	return hub->sessions.count;
}

size_t
console_session_size(void)
{
	return sizeof(struct console_session);
}

/* Close the session after what is queued; never from inside another
 * session's callback directly. */
static void
console_close(struct console_session *cs, const char *why)
{
	if (cs->state == CONSOLE_CLOSING)
		return;
	cs->state = CONSOLE_CLOSING;
	snprintf(cs->close_why, sizeof cs->close_why, "%s", why);
	lws_callback_on_writable(cs->wsi);
}

/* Queue a text message; a console that cannot keep up is cut off. */
static void
console_send_text(struct console_session *cs, const char *text, size_t len,
    enum console_prio prio)
{
	struct console_msg	*m;

	if (cs->state == CONSOLE_CLOSING)
		return;
	if (cs->outq_bytes + len > CONSOLE_QUEUE_MAX) {
		log_event("warn", "event=console_slow analyst=%s queued=%zu",
		    cs->analyst.name, cs->outq_bytes);
		console_close(cs, "too slow: reconnect for a snapshot");
		return;
	}
	m = xmalloc(sizeof *m + LWS_PRE + len);
	memset(&m->list, 0, sizeof m->list);
	m->len = len;
	m->sent = 0;
	memcpy(m->data + LWS_PRE, text, len);
	lws_dll2_add_tail(&m->list, &cs->outq[prio]);
	cs->outq_bytes += len;
	lws_callback_on_writable(cs->wsi);
}

static void
console_send(struct console_session *cs, const cJSON *msg)
{
	char	*text = json_print(msg);

	console_send_text(cs, text, strlen(text), PRIO_ANSWER);
	free(text);
}

static void
console_send_error(struct console_session *cs, const char *id,
    const char *code, const char *message)
{
	cJSON	*msg = cJSON_CreateObject();

	cJSON_AddStringToObject(msg, "type", "error");
	if (id != NULL)
		cJSON_AddStringToObject(msg, "id", id);
	cJSON_AddStringToObject(msg, "code", code);
	cJSON_AddStringToObject(msg, "message", message);
	console_send(cs, msg);
	cJSON_Delete(msg);
}

/* The message to write from: the one partly written, or else the first
 * of the most urgent queue; NULL when all are empty. */
static struct console_msg *
console_next(struct console_session *cs)
{
	int	p;

	if (cs->sending != NULL)
		return cs->sending;
	for (p = 0; p < PRIO__MAX; p++)
		if (cs->outq[p].head != NULL)
			return lws_container_of(cs->outq[p].head,
			    struct console_msg, list);
	return NULL;
}

/* Write the next fragment of m; the bytes written. */
static int
console_write_fragment(struct console_session *cs, struct console_msg *m)
{
	size_t	chunk;
	int	flags;

	chunk = m->len - m->sent;
	if (chunk > CONSOLE_FRAGMENT)
		chunk = CONSOLE_FRAGMENT;
	flags = lws_write_ws_flags(LWS_WRITE_TEXT, m->sent == 0,
	    m->sent + chunk == m->len);
	/* lws writes its header into the LWS_PRE bytes before the fragment:
	 * for later fragments those bytes were already sent. */
	if (lws_write(cs->wsi, (unsigned char *)m->data + LWS_PRE + m->sent,
	    chunk, (enum lws_write_protocol)flags) < (int)chunk)
		return -1;
	m->sent += chunk;
	cs->sending = m;
	if (m->sent == m->len) {
		cs->sending = NULL;
		lws_dll2_remove(&m->list);
		cs->outq_bytes -= m->len;
		free(m);
	}
	return (int)chunk;
}

/* Under a burst (an expiry storm, a snapshot) one message per round of
 * the loop would let the queue grow faster than it drains. */
static int
console_write(struct console_session *cs)
{
	struct console_msg	*m;
	size_t			 budget = CONSOLE_WRITE_BUDGET;
	int			 n;

	if ((m = console_next(cs)) == NULL) {
		if (cs->state != CONSOLE_CLOSING)
			return 0;
		lws_close_reason(cs->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION,
		    (unsigned char *)cs->close_why, strlen(cs->close_why));
		return -1;
	}
	do {
		if ((n = console_write_fragment(cs, m)) < 0)
			return -1;
		budget -= (size_t)n < budget ? (size_t)n : budget;
	} while ((m = console_next(cs)) != NULL && budget > 0 &&
	    !lws_send_pipe_choked(cs->wsi));
	if (m != NULL || cs->state == CONSOLE_CLOSING)
		lws_callback_on_writable(cs->wsi);
	return 0;
}

/* 1 when the analyst may decide r: in its groups, not on its own behalf. */
static int
console_may_decide(const struct analyst *a, const struct request *r)
{
	cJSON		*groups;
	const cJSON	*g;
	int		 ok = 0;

	if (r->on_behalf_of != NULL && strcmp(r->on_behalf_of, a->name) == 0)
		return 0;
	if ((groups = cJSON_Parse(r->groups)) == NULL)
		return 0;
	if (cJSON_GetArraySize(groups) == 0)
		ok = 1;
	cJSON_ArrayForEach(g, groups) {
		if (cJSON_IsString(g) &&
		    registry_list_has(a->groups, g->valuestring))
			ok = 1;
	}
	cJSON_Delete(groups);
	return ok;
}

/* Add the views of the requests listed by statement which to arr. */
static void
console_add_views(struct console_session *cs, enum stmt which, cJSON *arr)
{
	struct store	*s = cs->hub->d->store;
	sqlite3_stmt	*st = store_stmt(s, which);
	struct request	*r;
	char		**ids = NULL;
	size_t		 n = 0, i;

	if (which == STMT_REQ_HISTORY)
		sqlite3_bind_int(st, 1, CONSOLE_HISTORY);
	while (sqlite3_step(st) == SQLITE_ROW) {
		ids = xrealloc(ids, (n + 1) * sizeof *ids);
		ids[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_reset(st);
	for (i = 0; i < n; i++) {
		r = request_load(s, ids[i]);
		if (r != NULL && console_may_decide(&cs->analyst, r))
			cJSON_AddItemToArray(arr, request_view(r));
		request_free(r);
		free(ids[i]);
	}
	free(ids);
}

static void
console_send_list(struct console_session *cs, const char *type,
    enum stmt which)
{
	cJSON	*msg = cJSON_CreateObject();

	cJSON_AddStringToObject(msg, "type", type);
	console_add_views(cs, which,
	    cJSON_AddArrayToObject(msg, "requests"));
	console_send(cs, msg);
	cJSON_Delete(msg);
}

static void
console_welcome(struct console_session *cs)
{
	cJSON	*msg;

	/* Show only what is on disk. */
	if (batch_open(cs->hub->d->batch))
		batch_flush(cs->hub->d->batch);
	msg = cJSON_CreateObject();
	cJSON_AddStringToObject(msg, "type", "welcome");
	cJSON_AddStringToObject(msg, "analyst", cs->analyst.name);
	cJSON_AddItemToObject(msg, "groups", cJSON_Parse(cs->analyst.groups));
	console_send(cs, msg);
	cJSON_Delete(msg);
	console_send_list(cs, "snapshot", STMT_REQ_PENDING);
	console_send_list(cs, "history", STMT_REQ_HISTORY);
}

/* 0 when sig is the analyst's signature over the login bytes. The nonce
 * is signed as sent (base64 text); the raw 32 bytes are accepted too, as
 * both readings of CONTRACT §5 are equally fresh and domain-separated. */
static int
console_auth_verify(const struct console_session *cs, const uint8_t *sig)
{
	uint8_t	 raw[PROTO_NONCE_BYTES];
	char	*msg, rawtext[PROTO_NONCE_BYTES + 1];
	size_t	 len;
	int	 rc;

	msg = decision_auth_canonical(cs->nonce, cs->analyst.name, &len);
	rc = crypto_sign_verify_detached(sig, (uint8_t *)msg, len,
	    cs->analyst.pk);
	free(msg);
	if (rc == 0 || codec_b64_decode_exact(cs->nonce, raw, sizeof raw))
		return rc;
	memcpy(rawtext, raw, sizeof raw);
	rawtext[sizeof raw] = '\0';
	msg = xmalloc(sizeof PROTO_AUTH_TAG + sizeof raw + PROTO_NAME_MAX + 4);
	len = (size_t)sprintf(msg, "%s\n", PROTO_AUTH_TAG);
	memcpy(msg + len, raw, sizeof raw);
	len += sizeof raw;
	len += (size_t)sprintf(msg + len, "\n%s\n", cs->analyst.name);
	rc = crypto_sign_verify_detached(sig, (uint8_t *)msg, len,
	    cs->analyst.pk);
	free(msg);
	return rc;
}

static int
console_hello(struct console_session *cs, const struct message *m)
{
	if (cs->state != CONSOLE_CHALLENGED ||
	    registry_analyst_get(cs->hub->d->store, m->analyst,
	    &cs->analyst) != 0 || console_auth_verify(cs, m->sig) != 0) {
		log_event("warn", "event=console_login_failed analyst=%s",
		    log_str(m->analyst));
		registry_analyst_clear(&cs->analyst);
		return -1;
	}
	cs->state = CONSOLE_AUTHED;
	lws_set_timeout(cs->wsi, NO_PENDING_TIMEOUT, 0);
	log_event("info", "event=console_login analyst=%s", m->analyst);
	console_welcome(cs);
	return 0;
}

/* Audit a refused decision and answer the console. */
static void
console_refuse(struct console_session *cs, const char *id, const char *code,
    const char *message)
{
	struct store	*s = cs->hub->d->store;
	cJSON		*data = cJSON_CreateObject();

	cJSON_AddStringToObject(data, "analyst", cs->analyst.name);
	cJSON_AddStringToObject(data, "id", id != NULL ? id : "");
	cJSON_AddStringToObject(data, "code", code);
	if (store_begin(s) == 0) {
		if (audit_append(s, clock_now_ms(), "decision_refused",
		    data) != 0 || store_commit(s) != 0)
			store_rollback(s);
	}
	cJSON_Delete(data);
	log_event("info", "event=decision_refused analyst=%s id=%s code=%s",
	    cs->analyst.name, log_str(id != NULL ? id : "-"), code);
	metrics_count(cs->hub->d->metrics, "decisions_refused_total", code, "");
	console_send_error(cs, id, code, message);
}

/* The refusal code for a well-formed decision on r, or NULL to accept. */
static const char *
console_decide_check(struct console_session *cs, const struct request *r,
    const struct message *dc, const char **message)
{
	struct decision	dec = { r->id, r->digest, dc->verdict,
			    cs->analyst.name, dc->signed_at, dc->reason };
	int64_t		skew = dc->signed_at - clock_now_ms();
	size_t		i;

	if (decision_verify(&dec, cs->analyst.pk, dc->sig) != 0)
		return *message = "signature does not verify", "bad_signature";
	if (!request_pending(r))
		return *message = "request is no longer pending", "not_pending";
	/* Due for expiry, even if the timer has not fired yet. */
	if (clock_now_ms() >= r->expires_at)
		return *message = "request has expired", "not_pending";
	if (r->on_behalf_of != NULL &&
	    strcmp(r->on_behalf_of, cs->analyst.name) == 0)
		return *message = "request is on your own behalf",
		    "self_decision";
	if (!console_may_decide(&cs->analyst, r))
		return *message = "not in the rule's groups", "not_in_group";
	for (i = 0; i < r->nsigs; i++) {
		if (strcmp(r->sigs[i].signer, cs->analyst.name) == 0)
			return *message = "you already signed this request",
			    "already_signed";
	}
	if (skew > PROTO_SKEW_MS || skew < -PROTO_SKEW_MS)
		return *message = "signed_at is more than 5 minutes from the "
		    "daemon's clock", "clock_skew";
	return NULL;
}

/* Record an accepted decision, then acknowledge it. */
static void
console_accept(struct console_session *cs, const struct request *r,
    const struct message *dc)
{
	struct signature	sig;
	cJSON			*ack;
	int			 rc;

	memset(&sig, 0, sizeof sig);
	snprintf(sig.signer, sizeof sig.signer, "%s", cs->analyst.name);
	snprintf(sig.verdict, sizeof sig.verdict, "%s", dc->verdict);
	sig.signed_at = dc->signed_at;
	sig.reason = (char *)dc->reason;
	memcpy(sig.sig, dc->sig, sizeof sig.sig);
	rc = engine_record(cs->hub->d, r, &sig);
	if (rc == 1)
		console_refuse(cs, r->id, "not_pending",
		    "request is no longer pending");
	else if (rc != 0)
		console_send_error(cs, r->id, "internal",
		    "the decision could not be stored");
	else {
		ack = cJSON_CreateObject();
		cJSON_AddStringToObject(ack, "type", "ack");
		cJSON_AddStringToObject(ack, "id", r->id);
		console_send(cs, ack);
		cJSON_Delete(ack);
	}
}

static int
console_decide(struct console_session *cs, const struct message *m)
{
	struct request	*r;
	struct analyst	 now;
	const char	*code, *message = NULL;

	if (cs->state != CONSOLE_AUTHED)
		return -1;
	if (m->bad != NULL) {
		console_refuse(cs, m->id[0] != '\0' ? m->id : NULL,
		    "bad_request", m->bad);
		return 0;
	}
	/* The analyst may have been removed since login. */
	if (registry_analyst_get(cs->hub->d->store, cs->analyst.name,
	    &now) != 0) {
		console_refuse(cs, m->id, "unknown_analyst",
		    "analyst is no longer registered");
		return -1;
	}
	registry_analyst_clear(&now);
	r = request_load(cs->hub->d->store, m->id);
	if (r == NULL)
		console_refuse(cs, m->id, "not_found", "no such request");
	else if ((code = console_decide_check(cs, r, m, &message)) != NULL)
		console_refuse(cs, r->id, code, message);
	else
		console_accept(cs, r, m);
	request_free(r);
	return 0;
}

/* Handle one complete message; a bad one cuts the peer off. */
static int
console_dispatch(struct console_session *cs, const char *buf, size_t len)
{
	struct message	m;
	int		rc = -1;

	if (message_parse(buf, len, &m) == 0) {
		if (m.type == MESSAGE_HELLO)
			rc = console_hello(cs, &m);
		else
			rc = console_decide(cs, &m);
	}
	if (rc != 0)
		console_close(cs, cs->state == CONSOLE_CHALLENGED ?
		    "authentication failed" : "protocol error");
	return 0;
}

/* Reassemble fragments under a hard cap, then dispatch. */
static int
console_receive(struct console_session *cs, const char *in, size_t len)
{
	if (cs->state == CONSOLE_CLOSING)
		return 0;
	if (cs->rx_len + len > CONSOLE_RX_MAX) {
		console_close(cs, "message too large");
		return 0;
	}
	cs->rx = xrealloc(cs->rx, cs->rx_len + len + 1);
	memcpy(cs->rx + cs->rx_len, in, len);
	cs->rx_len += len;
	if (!lws_is_final_fragment(cs->wsi))
		return 0;
	len = cs->rx_len;
	cs->rx_len = 0;
	return console_dispatch(cs, cs->rx, len);
}

static int
console_established(struct console_session *cs, struct lws *wsi)
{
	uint8_t	 nonce[PROTO_NONCE_BYTES];
	char	 uri[64], *b64, *text;

	memset(cs, 0, sizeof *cs);
	cs->wsi = wsi;
	cs->hub = ((struct daemon *)lws_context_user(lws_get_context(wsi)))->hub;
	if (lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0 ||
	    strcmp(uri, PROTO_CONSOLE_PATH) != 0)
		return -1;
	lws_dll2_add_tail(&cs->list, &cs->hub->sessions);
	/* A peer that never signs the challenge does not hold a slot. */
	lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, CONSOLE_HELLO_S);
	randombytes_buf(nonce, sizeof nonce);
	b64 = codec_b64_encode(nonce, sizeof nonce);
	snprintf(cs->nonce, sizeof cs->nonce, "%s", b64);
	xasprintf(&text, "{\"type\":\"challenge\",\"nonce\":\"%s\"}", b64);
	console_send_text(cs, text, strlen(text), PRIO_ANSWER);
	free(text);
	free(b64);
	return 0;
}

static void
console_closed(struct console_session *cs)
{
	struct console_msg	*m;
	int			 p;

	for (p = 0; p < PRIO__MAX; p++) {
		while (cs->outq[p].head != NULL) {
			m = lws_container_of(cs->outq[p].head,
			    struct console_msg, list);
			lws_dll2_remove(&m->list);
			free(m);
		}
	}
	cs->sending = NULL;
	if (cs->state == CONSOLE_AUTHED || cs->state == CONSOLE_CLOSING)
		log_event("info", "event=console_closed analyst=%s",
		    cs->analyst.name[0] != '\0' ? cs->analyst.name : "-");
	lws_dll2_remove(&cs->list);
	registry_analyst_clear(&cs->analyst);
	free(cs->rx);
	cs->rx = NULL;
}

int
console_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct console_session	*cs = user;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		return console_established(cs, wsi);
	case LWS_CALLBACK_RECEIVE:
		return console_receive(cs, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return console_write(cs);
	case LWS_CALLBACK_CLOSED:
		if (cs != NULL && cs->hub != NULL)
			console_closed(cs);
		return 0;
	default:
		return 0;
	}
}

/* {"type": type, "request": view of r}, printed; *len its length. */
static char *
console_render(const char *type, const struct request *r, size_t *len)
{
	cJSON	*msg = cJSON_CreateObject();
	char	*text;

	cJSON_AddStringToObject(msg, "type", type);
	cJSON_AddItemToObject(msg, "request", request_view(r));
	text = json_print(msg);
	*len = strlen(text);
	cJSON_Delete(msg);
	return text;
}

/* Rendered once, and only when some console is to see it. */
void
console_broadcast(struct console_hub *hub, const struct request *r,
    const char *type)
{
	struct console_session	*cs;
	char			*text = NULL;
	size_t			 len = 0;

	lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1,
	    hub->sessions.head) {
		cs = lws_container_of(d, struct console_session, list);
		if (cs->state == CONSOLE_AUTHED &&
		    console_may_decide(&cs->analyst, r)) {
			if (text == NULL)
				text = console_render(type, r, &len);
			console_send_text(cs, text, len,
			    strcmp(type, "resolved") == 0 ? PRIO_RESOLVED :
			    PRIO_REQUEST);
		}
	} lws_end_foreach_dll_safe(d, d1);
	free(text);
}

void
console_alert(struct console_hub *hub, const char *text)
{
	struct console_session	*cs;

	lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1,
	    hub->sessions.head) {
		cs = lws_container_of(d, struct console_session, list);
		if (cs->state == CONSOLE_AUTHED)
			console_send_text(cs, text, strlen(text), PRIO_REQUEST);
	} lws_end_foreach_dll_safe(d, d1);
}

/* Close cs when its analyst was removed (or re-keyed) since login. */
static void
console_check_one(struct console_hub *hub, struct console_session *cs)
{
	struct analyst	a;
	int		rc;

	if (cs->state != CONSOLE_AUTHED)
		return;
	rc = registry_analyst_get(hub->d->store, cs->analyst.name, &a);
	if (rc == 1 || (rc == 0 && sodium_memcmp(a.pk, cs->analyst.pk,
	    sizeof a.pk) != 0)) {
		log_event("info", "event=console_revoked analyst=%s",
		    cs->analyst.name);
		console_close(cs, "analyst removed");
	}
	registry_analyst_clear(&a);
}

/* Check every console; runs only when another connection changed the
 * database. (No `continue` inside the lws list macros: their step is in
 * the closing macro, so it would spin forever.) */
static void
console_check_analysts(struct console_hub *hub)
{
	lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1,
	    hub->sessions.head) {
		console_check_one(hub,
		    lws_container_of(d, struct console_session, list));
	} lws_end_foreach_dll_safe(d, d1);
}

static void
console_check(lws_sorted_usec_list_t *sul)
{
	struct console_hub	*hub;
	int			 version;

	hub = lws_container_of(sul, struct console_hub, check_sul);
	version = store_data_version(hub->d->store);
	if (version != hub->data_version) {
		hub->data_version = version;
		console_check_analysts(hub);
	}
	lws_sul_schedule(hub->d->ctx, 0, &hub->check_sul, console_check,
	    CONSOLE_CHECK_US);
}
