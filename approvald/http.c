/*
 * The executor HTTP API (CONTRACT §3) on libwebsockets. Each transaction
 * is routed once, in LWS_CALLBACK_HTTP; the answer is prepared in the
 * session and written from the WRITEABLE callback (headers, then body).
 * A long-poll parks the session as a waiter until the request is released
 * or its wait runs out; the daemon never polls for it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "approvald.h"
#include "codec.h"
#include "json.h"
#include "xmalloc.h"

#define HTTP_AUTH_MAX	300
#define HTTP_HEAD_MAX	512	/* room for the headers, before the body */
#define HTTP_CAP_LOG_MS	60000

enum http_route {
	ROUTE_NONE,
	ROUTE_SUBMIT,
	ROUTE_GET,
	ROUTE_CANCEL,
	ROUTE_LIST
};

/* One per HTTP connection; reset between keep-alive transactions. */
struct http_session {
	struct deadline		 idle;		/* between transactions */
	struct lws		*wsi;
	struct daemon		*d;
	enum http_route		 route;
	char			 id[PROTO_ID_MAX + 1];
	struct executor		 exec;
	char			*body;		/* owned, the POST body */
	size_t			 body_len;
	struct waiter		 waiter;
	struct batch_ack	 ack;		/* held for the group commit */
	int			 held;
	int			 status;	/* the answer, once ready */
	const char		*type;		/* its content type */
	char			*resp;		/* owned: LWS_PRE, HTTP_HEAD_MAX,
						 * then the body */
	size_t			 resp_len;	/* of the body */
	int			 retry_after;
	int			 headers_sent;
	int			 close_after;
};

/* Answers prepared but not yet written out, for the drain on SIGTERM. */
static size_t	http_unwritten;
/* Connections held (every kind), and when the cap was last reported. */
static int64_t	http_connections;
static int64_t	http_cap_logged_at;


int
http_idle(void)
{
	return http_unwritten == 0;
}

static struct daemon *
http_daemon(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

/* Past limits.max_connections a new connection is closed as soon as it
 * is accepted; that is said at most once a minute, however long the
 * flood. 1 to turn it away. */
static int
http_over_cap(struct lws *wsi)
{
	int64_t	max = http_daemon(wsi)->cfg.limits.max_connections;
	int64_t	now;

	if (http_connections < max)
		return 0;
	now = clock_now_ms();
	if (now - http_cap_logged_at >= HTTP_CAP_LOG_MS) {
		http_cap_logged_at = now;
		log_event("warn", "event=connection_cap connections=%lld "
		    "max_connections=%lld", (long long)http_connections,
		    (long long)max);
	}
	return 1;
}

static void
http_reset(struct http_session *hs)
{
	deadlines_remove(&hs->idle);
	waiters_remove(&hs->waiter);
	if (hs->held)
		batch_cancel(&hs->ack);
	registry_executor_clear(&hs->exec);
	free(hs->body);
	if (hs->resp != NULL)
		http_unwritten--;
	free(hs->resp);
	memset(hs, 0, sizeof *hs);
}

/* Prepare the answer and ask to be called back when writable. */
static void
http_respond(struct http_session *hs, int status, const char *type,
    const char *text)
{
	size_t	len = strlen(text);

	hs->status = status;
	hs->type = type;
	hs->resp = xmalloc(LWS_PRE + HTTP_HEAD_MAX + len);
	http_unwritten++;
	memcpy(hs->resp + LWS_PRE + HTTP_HEAD_MAX, text, len);
	hs->resp_len = len;
	lws_callback_on_writable(hs->wsi);
}

static void
http_respond_json(struct http_session *hs, int status, const cJSON *json)
{
	char	*text = json_print(json);

	http_respond(hs, status, "application/json", text);
	free(text);
}

static void
http_respond_error(struct http_session *hs, int status, const char *code,
    const char *message)
{
	cJSON	*root = cJSON_CreateObject(), *err;

	err = cJSON_AddObjectToObject(root, "error");
	cJSON_AddStringToObject(err, "code", code);
	cJSON_AddStringToObject(err, "message", message);
	http_respond_json(hs, status, root);
	cJSON_Delete(root);
}

static void
http_respond_outcome(struct http_session *hs, struct outcome *o)
{
	if (o->code != NULL)
		http_respond_error(hs, o->status, o->code, o->message);
	else
		http_respond_json(hs, o->status, o->view);
	outcome_clear(o);
}

/* The status line and headers into [start, end); their end, or NULL. */
static uint8_t *
http_headers(struct http_session *hs, uint8_t *start, uint8_t *end)
{
	uint8_t	*p = start;
	char	 retry[16];
	int	 n;

	if (lws_add_http_common_headers(hs->wsi, (unsigned)hs->status,
	    hs->type, hs->resp_len, &p, end))
		return NULL;
	if (hs->retry_after > 0) {
		n = snprintf(retry, sizeof retry, "%d", hs->retry_after);
		if (lws_add_http_header_by_name(hs->wsi,
		    (const uint8_t *)"retry-after:", (const uint8_t *)retry, n,
		    &p, end))
			return NULL;
	}
	if (lws_add_http_header_by_name(hs->wsi,
	    (const uint8_t *)"cache-control:", (const uint8_t *)"no-store", 8,
	    &p, end) ||
	    lws_finalize_http_header(hs->wsi, &p, end))
		return NULL;
	return p;
}

/* HTTP/1.1: the headers go just before the body, and both out in one
 * write: one send and one loop round per answer, not two. */
static int
http_write_h1(struct http_session *hs)
{
	uint8_t	 head[HTTP_HEAD_MAX], *p, *body;
	size_t	 hlen, total;

	if ((p = http_headers(hs, head, head + sizeof head)) == NULL)
		return -1;
	hlen = (size_t)(p - head);
	body = (uint8_t *)hs->resp + LWS_PRE + HTTP_HEAD_MAX;
	memcpy(body - hlen, head, hlen);
	total = hlen + hs->resp_len;
	return lws_write(hs->wsi, body - hlen, total, LWS_WRITE_HTTP_FINAL) ==
	    (int)total ? 0 : -1;
}

/* HTTP/2 (over TLS): headers and body are frames of their own. */
static int
http_write_h2(struct http_session *hs)
{
	uint8_t	 buf[LWS_PRE + HTTP_HEAD_MAX], *start = buf + LWS_PRE, *p;

	if (!hs->headers_sent) {
		if ((p = http_headers(hs, start, buf + sizeof buf - 1)) ==
		    NULL ||
		    lws_write(hs->wsi, start, (size_t)(p - start),
		    LWS_WRITE_HTTP_HEADERS) != (int)(p - start))
			return -1;
		hs->headers_sent = 1;
		lws_callback_on_writable(hs->wsi);
		return 1;
	}
	return lws_write(hs->wsi, (uint8_t *)hs->resp + LWS_PRE +
	    HTTP_HEAD_MAX, hs->resp_len, LWS_WRITE_HTTP_FINAL) ==
	    (int)hs->resp_len ? 0 : -1;
}

/* A kept-alive connection idle too long is closed. */
static void
http_idle_expired(struct deadline *dl)
{
	struct http_session	*hs;

	hs = lws_container_of(dl, struct http_session, idle);
	lws_set_timeout(hs->wsi, PENDING_TIMEOUT_HTTP_KEEPALIVE_IDLE,
	    LWS_TO_KILL_ASYNC);
}

/* The answer is out: ready for the next transaction, or closed. */
static int
http_completed(struct http_session *hs)
{
	struct lws	*wsi = hs->wsi;
	struct daemon	*d = hs->d;

	http_reset(hs);
	if (lws_http_transaction_completed(wsi))
		return -1;
	/* That binds the connection to its protocol afresh: hs is freed, and
	 * the connection has a new, zeroed session. Not idle when a pipelined
	 * request has already begun (wsi set again), nor an h2 stream. */
	hs = lws_wsi_user(wsi);
	if (hs != NULL && hs->wsi == NULL && lws_get_network_wsi(wsi) == wsi) {
		/* libwebsockets has just armed its own keep-alive timer, in
		 * one list with every other connection's, each insertion a
		 * walk from its head: 10,000 idle connections made each answer
		 * walk 10,000. Taking it out again keeps that list short; the
		 * deadline list, in order from its tail, does the timing. */
		lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
		hs->wsi = wsi;
		hs->idle.fire = http_idle_expired;
		deadlines_add(d->idle, &hs->idle,
		    (lws_usec_t)d->cfg.limits.keepalive_s * LWS_USEC_PER_SEC);
	}
	return 0;
}

static int
http_write(struct http_session *hs)
{
	struct lws	*wsi = hs->wsi;
	int		 rc;

	if (hs->resp == NULL || hs->held)
		return 0;	/* a spare WRITEABLE; nothing is ready yet */
	/* An h2 stream's network connection is another wsi. */
	if (lws_get_network_wsi(wsi) == wsi)
		rc = http_write_h1(hs);
	else
		rc = http_write_h2(hs);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (hs->close_after)
		return -1;
	return http_completed(hs);
}

static void
http_answer_request(struct http_session *hs, const struct request *r)
{
	cJSON	*view = request_view(r);

	http_respond_json(hs, 200, view);
	cJSON_Delete(view);
}

/* Answer a GET with the current view of the session's request. */
static void
http_answer_view(struct http_session *hs)
{
	struct request	*r;

	if ((r = request_load(hs->d->store, hs->id)) == NULL) {
		http_respond_error(hs, 500, "internal",
		    "cannot read the request");
		return;
	}
	http_answer_request(hs, r);
	request_free(r);
}

/* Released with r final, or the wait ran out (r NULL): either way, the
 * request as it stands. */
static void
http_wake(struct waiter *w, const struct request *r)
{
	struct http_session	*hs;

	hs = lws_container_of(w, struct http_session, waiter);
	if (r != NULL)
		http_answer_request(hs, r);
	else
		http_answer_view(hs);
}

/* The wait=S argument: 0 when absent, -1 when malformed. */
static int
http_wait_arg(struct lws *wsi)
{
	char		 buf[32], *end;
	const char	*v;
	long		 s;

	if ((v = lws_get_urlarg_by_name(wsi, "wait=", buf, sizeof buf)) ==
	    NULL)
		return 0;
	s = strtol(v, &end, 10);
	if (end == v || *end != '\0' || s < 0)
		return -1;
	return s > PROTO_WAIT_MAX_S ? PROTO_WAIT_MAX_S : (int)s;
}

static void
http_get(struct http_session *hs)
{
	struct request	*r;
	int		 wait;

	if ((wait = http_wait_arg(hs->wsi)) < 0) {
		http_respond_error(hs, 400, "bad_request",
		    "wait must be a number of seconds");
		return;
	}
	r = request_load(hs->d->store, hs->id);
	if (r == NULL || strcmp(r->executor, hs->exec.name) != 0) {
		http_respond_error(hs, 404, "not_found", "no such request");
	} else if (wait == 0 || !request_pending(r)) {
		request_free(r);
		http_answer_view(hs);
		return;
	} else {
		snprintf(hs->waiter.id, sizeof hs->waiter.id, "%s", hs->id);
		hs->waiter.wake = http_wake;
		waiters_add(hs->d->waiters, &hs->waiter,
		    (lws_usec_t)wait * LWS_USEC_PER_SEC);
		lws_set_timeout(hs->wsi, NO_PENDING_TIMEOUT, 0);
		/* Everything needed from the headers is in hs by now. A parked
		 * HTTP/1.1 connection gives back its header table (4 KiB or
		 * more): libwebsockets unlinks a freed one by walking all
		 * tables in use, 10,000 of them with as many waiting. */
		if (lws_get_network_wsi(hs->wsi) == hs->wsi)
			lws_http_headers_detach(hs->wsi);
	}
	request_free(r);
}

static void
http_list(struct http_session *hs)
{
	struct outcome	o;

	memset(&o, 0, sizeof o);
	listing_answer(hs->d->store, hs->wsi, hs->exec.name, &o);
	http_respond_outcome(hs, &o);
}

static void
http_cancel(struct http_session *hs)
{
	struct outcome	o;

	memset(&o, 0, sizeof o);
	engine_cancel(hs->d, &hs->exec, hs->id, &o);
	http_respond_outcome(hs, &o);
}

/* The group commit is done: send the held answer, or an error. */
static void
http_committed(struct batch_ack *a, int ok)
{
	struct http_session	*hs;

	hs = lws_container_of(a, struct http_session, ack);
	hs->held = 0;
	if (!ok) {
		free(hs->resp);
		hs->resp = NULL;
		http_unwritten--;
		http_respond_error(hs, 500, "internal",
		    "the request could not be stored");
		return;
	}
	lws_callback_on_writable(hs->wsi);
}

static void
http_submit(struct http_session *hs)
{
	struct outcome	o;
	int		batched;

	memset(&o, 0, sizeof o);
	engine_submit(hs->d, &hs->exec, hs->body != NULL ? hs->body : "",
	    hs->body_len, &o);
	batched = o.batched && o.code == NULL;
	if (batched) {
		/* Acknowledge nothing before it is on disk. */
		hs->held = 1;
		hs->ack.done = http_committed;
		batch_wait(hs->d->batch, &hs->ack);
	}
	http_respond_outcome(hs, &o);
}

/* 0 when the bearer token names a live executor. */
static int
http_authenticate(struct http_session *hs)
{
	char	auth[HTTP_AUTH_MAX];
	int	rc;

	if (lws_hdr_copy(hs->wsi, auth, sizeof auth,
	    WSI_TOKEN_HTTP_AUTHORIZATION) <= 0 ||
	    strncmp(auth, "Bearer ", 7) != 0)
		return -1;
	rc = registry_executor_auth(hs->d->store, auth + 7, &hs->exec);
	sodium_memzero(auth, sizeof auth);
	return rc;
}

/* The circuit breaker stopped this executor (suspend.c). */
static void
http_suspended(struct http_session *hs)
{
	char	msg[256];

	snprintf(msg, sizeof msg, "executor %s is suspended after repeated "
	    "denials (limits.suspend_after); an operator lifts it with "
	    "'approvald executor resume %s'", hs->exec.name, hs->exec.name);
	http_respond_error(hs, 403, "suspended", msg);
}

/* Pick the route from method and path; 0, or -1 having answered. */
static int
http_route(struct http_session *hs, const char *path)
{
	static const char prefix[] = "/v1/requests/";
	int	post, get, del;

	post = lws_hdr_total_length(hs->wsi, WSI_TOKEN_POST_URI) > 0;
	get = lws_hdr_total_length(hs->wsi, WSI_TOKEN_GET_URI) > 0;
	del = lws_hdr_total_length(hs->wsi, WSI_TOKEN_DELETE_URI) > 0;
	if (strcmp(path, "/v1/requests") == 0 && post)
		hs->route = ROUTE_SUBMIT;
	else if (strcmp(path, "/v1/requests") == 0 && get)
		hs->route = ROUTE_LIST;
	else if (strncmp(path, prefix, sizeof prefix - 1) == 0 &&
	    codec_id_valid(path + sizeof prefix - 1) && (get || del)) {
		hs->route = get ? ROUTE_GET : ROUTE_CANCEL;
		snprintf(hs->id, sizeof hs->id, "%s", path + sizeof prefix - 1);
	} else if (strcmp(path, "/v1/requests") == 0 ||
	    strncmp(path, prefix, sizeof prefix - 1) == 0) {
		hs->close_after = post;
		http_respond_error(hs, 405, "method_not_allowed",
		    "method not allowed here");
		return -1;
	} else {
		hs->close_after = post;
		http_respond_error(hs, 404, "not_found", "no such endpoint");
		return -1;
	}
	return 0;
}

/* The declared body length; refuse a body that is too large up front. */
static int
http_check_length(struct http_session *hs)
{
	char	buf[32];
	long	len;

	if (lws_hdr_copy(hs->wsi, buf, sizeof buf,
	    WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0) {
		/* Without a length there is either no body, or chunks, which
		 * libwebsockets 4.1 does not pass on: refuse those plainly. */
		if (lws_hdr_total_length(hs->wsi,
		    WSI_TOKEN_HTTP_TRANSFER_ENCODING) <= 0) {
			http_submit(hs);
			return 0;
		}
		hs->close_after = 1;
		http_respond_error(hs, 411, "bad_request", "send the body "
		    "with Content-Length; chunked bodies are not accepted");
		return -1;
	}
	len = strtol(buf, NULL, 10);
	if (len < 0 || (size_t)len > hs->d->cfg.limits.max_body_bytes) {
		hs->close_after = 1;
		http_respond_error(hs, 413, "payload_too_large",
		    "request body is larger than limits.max_body_bytes");
		return -1;
	}
	return 0;
}

static int
http_begin(struct http_session *hs, struct lws *wsi, const char *path)
{
	char	*text;
	int	 first = 0;

	http_reset(hs);
	hs->wsi = wsi;
	hs->d = http_daemon(wsi);
	if (strcmp(path, "/healthz") == 0) {
		http_respond(hs, 200, "application/json", "{\"status\":\"ok\"}");
		return 0;
	}
	if (strcmp(path, "/metrics") == 0) {
		text = metrics_render(hs->d);
		http_respond(hs, 200, "text/plain; version=0.0.4", text);
		free(text);
		return 0;
	}
	if (http_route(hs, path) != 0)
		return 0;
	if (http_authenticate(hs) != 0) {
		hs->close_after = hs->route == ROUTE_SUBMIT;
		http_respond_error(hs, 401, "unauthorized",
		    "missing or invalid bearer token");
		return 0;
	}
	if ((hs->retry_after = ratelimit_take(hs->d->rate, hs->exec.name,
	    clock_now_ms(), &first)) > 0) {
		hs->close_after = hs->route == ROUTE_SUBMIT;
		if (first)
			log_event("warn", "event=rate_limited executor=%s",
			    hs->exec.name);
		metrics_count(hs->d->metrics, "rate_limited_total",
		    hs->exec.name, "");
		http_respond_error(hs, 429, "rate_limited",
		    "too many requests: see Retry-After");
		return 0;
	}
	if (hs->route == ROUTE_SUBMIT &&
	    suspend_active(hs->d->store, hs->exec.name)) {
		hs->close_after = 1;
		http_suspended(hs);
		return 0;
	}
	if (hs->route == ROUTE_GET)
		http_get(hs);
	else if (hs->route == ROUTE_CANCEL)
		http_cancel(hs);
	else if (hs->route == ROUTE_LIST)
		http_list(hs);
	else
		http_check_length(hs);
	return 0;
}

static int
http_body(struct http_session *hs, const char *in, size_t len)
{
	if (hs->route != ROUTE_SUBMIT || hs->resp != NULL)
		return 0;	/* already answered; closing after */
	if (hs->body_len + len > hs->d->cfg.limits.max_body_bytes) {
		hs->close_after = 1;
		http_respond_error(hs, 413, "payload_too_large",
		    "request body is larger than limits.max_body_bytes");
		return 0;
	}
	hs->body = xrealloc(hs->body, hs->body_len + len + 1);
	memcpy(hs->body + hs->body_len, in, len);
	hs->body_len += len;
	return 0;
}

int
http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct http_session	*hs = user;

	switch (reason) {
	case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
		return http_over_cap(wsi);
	case LWS_CALLBACK_WSI_CREATE:
		http_connections++;
		return 0;
	case LWS_CALLBACK_WSI_DESTROY:
		http_connections--;
		return 0;
	case LWS_CALLBACK_HTTP:
		return http_begin(hs, wsi, in);
	case LWS_CALLBACK_HTTP_BODY:
		return http_body(hs, in, len);
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (hs->route == ROUTE_SUBMIT && hs->resp == NULL)
			http_submit(hs);
		return 0;
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return http_write(hs);
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
	case LWS_CALLBACK_CLOSED_HTTP:
		/* Out of every list before libwebsockets frees the session
		 * (an upgrade to the console frees it too). No session when
		 * the connection died before HTTP (TLS). */
		if (hs != NULL)
			http_reset(hs);
		return 0;
	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}
}

size_t
http_session_size(void)
{
	return sizeof(struct http_session);
}
