/*
 * An analyst's console: a real signing client of CONTRACT §5 on
 * libwebsockets, in a thread of its own. It logs in with the analyst's
 * key, takes the snapshot and the history, and from then on approves,
 * signed, each pushed pending request of the action it was given, having
 * checked first that the digest is the SHA-256 of the body, as a console
 * must. It notes when each decision went out and when its ack came back.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>
#include <sodium.h>

#include "bench.h"
#include "codec.h"
#include "decision.h"
#include "xmalloc.h"

#define CONSOLE_RX_MAX		(64 * 1024 * 1024)	/* one message */
#define CONSOLE_LOGIN_S		10
#define CONSOLE_DECIDED		256	/* decisions remembered, a ring */

enum console_phase {
	CONSOLE_FAILED = -1,
	CONSOLE_CONNECTING,
	CONSOLE_WELCOMED,
	CONSOLE_SNAPSHOT,
	CONSOLE_READY		/* the history came too */
};

/* One frame to send; buf has LWS_PRE bytes in front. */
struct console_msg {
	struct console_msg	*next;
	char			 id[PROTO_ID_MAX + 1];	/* a decision's */
	size_t			 len;
	unsigned char		 buf[];
};

struct console_decided {
	char			 id[PROTO_ID_MAX + 1];
	int64_t			 sent_at;
};

/* One console. The thread alone touches the lws side (ctx, wsi, tx, rx);
 * mu guards what the others read. */
struct console {
	const struct bench_env	*env;
	const char		*action;
	struct lws_context	*ctx;
	struct lws		*wsi;
	pthread_t		 thread;
	atomic_int		 stop;
	struct console_msg	*txhead;	/* owned */
	struct console_msg	*txtail;
	char			*rx;		/* owned, reassembly */
	size_t			 rxlen;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	enum console_phase	 phase;
	int64_t			 hello_at;
	int64_t			 snapshot_us;
	size_t			 snapshot_n;
	size_t			 received;	/* messages, all types */
	struct console_decided	 decided[CONSOLE_DECIDED];
	size_t			 ndecided;
	struct samples		 rtt;
};

static int	console_callback(struct lws *, enum lws_callback_reasons,
		    void *, void *, size_t);

static const struct lws_protocols console_protocols[] = {
	{ "bench-console", console_callback, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
console_phase(struct console *c, enum console_phase phase)
{
	pthread_mutex_lock(&c->mu);
	if (c->phase != CONSOLE_FAILED)
		c->phase = phase;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

/* Queue a text frame (id names a decision, or is empty). */
static void
console_send(struct console *c, const char *text, const char *id)
{
	struct console_msg	*m;
	size_t			 len = strlen(text);

	m = xmalloc(sizeof *m + LWS_PRE + len);
	m->next = NULL;
	snprintf(m->id, sizeof m->id, "%s", id);
	m->len = len;
	memcpy(m->buf + LWS_PRE, text, len);
	if (c->txtail != NULL)
		c->txtail->next = m;
	else
		c->txhead = m;
	c->txtail = m;
	if (c->wsi != NULL)
		lws_callback_on_writable(c->wsi);
}

/* Write one queued frame and note when it went. */
static int
console_writeable(struct console *c)
{
	struct console_msg	*m;
	int64_t			 now;

	if ((m = c->txhead) == NULL)
		return 0;
	if (lws_write(c->wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) <
	    (int)m->len)
		return -1;
	now = stats_now_us();
	pthread_mutex_lock(&c->mu);
	if (m->id[0] != '\0') {
		snprintf(c->decided[c->ndecided % CONSOLE_DECIDED].id,
		    PROTO_ID_MAX + 1, "%s", m->id);
		c->decided[c->ndecided++ % CONSOLE_DECIDED].sent_at = now;
	} else if (c->hello_at == 0)
		c->hello_at = now;
	pthread_mutex_unlock(&c->mu);
	if ((c->txhead = m->next) == NULL)
		c->txtail = NULL;
	free(m);
	if (c->txhead != NULL)
		lws_callback_on_writable(c->wsi);
	return 0;
}

/* Sign the login challenge; -1 when it is malformed. */
static int
console_hello(struct console *c, const cJSON *msg)
{
	const cJSON	*nonce = cJSON_GetObjectItemCaseSensitive(msg, "nonce");
	uint8_t		 sig[PROTO_SIG_BYTES];
	char		*auth, *b64, text[256];
	size_t		 len;

	if (!cJSON_IsString(nonce) || strlen(nonce->valuestring) > 64)
		return -1;
	auth = decision_auth_canonical(nonce->valuestring, BENCH_ANALYST,
	    &len);
	crypto_sign_detached(sig, NULL, (const uint8_t *)auth, len,
	    c->env->key->sk);
	free(auth);
	b64 = codec_b64_encode(sig, sizeof sig);
	snprintf(text, sizeof text, "{\"type\":\"hello\",\"analyst\":\"%s\","
	    "\"sig\":\"%s\"}", BENCH_ANALYST, b64);
	free(b64);
	console_send(c, text, "");
	return 0;
}

/* 1 when the view's digest is the SHA-256 of its body. */
static int
console_digest_ok(const char *digest, const char *body64)
{
	uint8_t	*body;
	size_t	 len;
	char	 hex[PROTO_SHA256_HEX];

	if (codec_b64_decode(body64, &body, &len) != 0)
		return 0;
	codec_sha256_hex(body, len, hex);
	free(body);
	return strcmp(hex, digest) == 0;
}

/* A pushed request: approve it when it is ours to decide. */
static void
console_decide(struct console *c, const cJSON *view)
{
	const char	*id, *digest, *body, *action, *state;
	struct decision	 d;
	uint8_t		 sig[PROTO_SIG_BYTES];
	char		*b64, text[512];

	id = cJSON_GetStringValue(cJSON_GetObjectItem(view, "id"));
	digest = cJSON_GetStringValue(cJSON_GetObjectItem(view, "digest"));
	body = cJSON_GetStringValue(cJSON_GetObjectItem(view, "body"));
	action = cJSON_GetStringValue(cJSON_GetObjectItem(view, "action"));
	state = cJSON_GetStringValue(cJSON_GetObjectItem(view, "state"));
	if (c->action == NULL || id == NULL || digest == NULL ||
	    body == NULL || action == NULL || state == NULL ||
	    strcmp(action, c->action) != 0 || strcmp(state, "pending") != 0 ||
	    strlen(id) > PROTO_ID_MAX || !console_digest_ok(digest, body))
		return;
	d.id = id;
	d.digest = digest;
	d.verdict = "approve";
	d.signer = BENCH_ANALYST;
	d.signed_at = stats_wall_us() / 1000;
	d.reason = "";
	decision_sign(&d, c->env->key->sk, sig);
	b64 = codec_b64_encode(sig, sizeof sig);
	snprintf(text, sizeof text, "{\"type\":\"decide\",\"id\":\"%s\","
	    "\"verdict\":\"approve\",\"reason\":\"\",\"signed_at\":%" PRId64
	    ",\"sig\":\"%s\"}", id, d.signed_at, b64);
	free(b64);
	console_send(c, text, id);
}

/* An ack: the decision's round trip. */
static void
console_ack(struct console *c, const cJSON *msg, int64_t now)
{
	const char	*id = cJSON_GetStringValue(cJSON_GetObjectItem(msg,
			    "id"));
	size_t		 i;

	if (id == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	for (i = 0; i < CONSOLE_DECIDED && i < c->ndecided; i++) {
		if (strcmp(c->decided[i].id, id) == 0) {
			samples_add(&c->rtt, now - c->decided[i].sent_at);
			break;
		}
	}
	pthread_mutex_unlock(&c->mu);
}

/* One whole message, received at now; -1 cuts the connection. */
static int
console_message(struct console *c, int64_t now)
{
	cJSON		*msg, *list;
	const char	*type;
	int		 rc = 0;

	if ((msg = cJSON_ParseWithLength(c->rx, c->rxlen)) == NULL ||
	    (type = cJSON_GetStringValue(cJSON_GetObjectItem(msg, "type"))) ==
	    NULL) {
		cJSON_Delete(msg);
		return -1;
	}
	if (strcmp(type, "challenge") == 0)
		rc = console_hello(c, msg);
	else if (strcmp(type, "welcome") == 0)
		console_phase(c, CONSOLE_WELCOMED);
	else if (strcmp(type, "snapshot") == 0) {
		list = cJSON_GetObjectItem(msg, "requests");
		pthread_mutex_lock(&c->mu);
		c->snapshot_us = now - c->hello_at;
		c->snapshot_n = (size_t)cJSON_GetArraySize(list);
		pthread_mutex_unlock(&c->mu);
		console_phase(c, CONSOLE_SNAPSHOT);
	} else if (strcmp(type, "history") == 0)
		console_phase(c, CONSOLE_READY);
	else if (strcmp(type, "request") == 0)
		console_decide(c, cJSON_GetObjectItem(msg, "request"));
	else if (strcmp(type, "ack") == 0)
		console_ack(c, msg, now);
	cJSON_Delete(msg);
	return rc;
}

/* Reassemble fragments under a cap; a whole message goes on. */
static int
console_receive(struct console *c, struct lws *wsi, const void *in,
    size_t len)
{
	int	rc;

	if (c->rxlen + len > CONSOLE_RX_MAX)
		return -1;
	c->rx = xrealloc(c->rx, c->rxlen + len + 1);
	memcpy(c->rx + c->rxlen, in, len);
	c->rxlen += len;
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	rc = console_message(c, stats_now_us());
	pthread_mutex_lock(&c->mu);
	c->received++;
	pthread_mutex_unlock(&c->mu);
	free(c->rx);
	c->rx = NULL;
	c->rxlen = 0;
	return rc;
}

static int
console_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct console	*c = lws_context_user(lws_get_context(wsi));

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
	case LWS_CALLBACK_CLIENT_CLOSED:
		c->wsi = NULL;
		console_phase(c, CONSOLE_FAILED);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return console_receive(c, wsi, in, len);
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return console_writeable(c);
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static void *
console_thread(void *arg)
{
	struct console	*c = arg;

	while (!atomic_load(&c->stop) && lws_service(c->ctx, 0) >= 0)
		;
	return NULL;
}

static int
console_connect(struct console *c)
{
	struct lws_context_creation_info	info;
	struct lws_client_connect_info		ci;
	char					hostport[32];

	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = console_protocols;
	info.user = c;
	info.fd_limit_per_thread = 16;
	if ((c->ctx = lws_create_context(&info)) == NULL)
		return -1;
	snprintf(hostport, sizeof hostport, "%s:%d", BENCH_HOST,
	    c->env->port);
	memset(&ci, 0, sizeof ci);
	ci.context = c->ctx;
	ci.address = BENCH_HOST;
	ci.port = c->env->port;
	ci.path = PROTO_CONSOLE_PATH;
	ci.host = hostport;
	ci.origin = hostport;
	ci.protocol = PROTO_SUBPROTOCOL;
	ci.local_protocol_name = "bench-console";
	ci.pwsi = &c->wsi;
	return lws_client_connect_via_info(&ci) == NULL ? -1 : 0;
}

struct console *
console_start(const struct bench_env *env, const char *action)
{
	struct console	*c = xcalloc(1, sizeof *c);
	struct timespec	 until;
	enum console_phase phase;

	c->env = env;
	c->action = action;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	lws_set_log_level(LLL_ERR, NULL);
	if (console_connect(c) != 0 ||
	    pthread_create(&c->thread, NULL, console_thread, c) != 0) {
		if (c->ctx != NULL)
			lws_context_destroy(c->ctx);
		free(c);
		return NULL;
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += CONSOLE_LOGIN_S;
	pthread_mutex_lock(&c->mu);
	while (c->phase != CONSOLE_READY && c->phase != CONSOLE_FAILED &&
	    pthread_cond_timedwait(&c->cv, &c->mu, &until) == 0)
		;
	phase = c->phase;
	pthread_mutex_unlock(&c->mu);
	if (phase != CONSOLE_READY) {
		fprintf(stderr, "approvebench: the console could not log in\n");
		console_stop(c);
		return NULL;
	}
	return c;
}

void
console_stop(struct console *c)
{
	struct console_msg	*m;

	if (c == NULL)
		return;
	atomic_store(&c->stop, 1);
	lws_cancel_service(c->ctx);
	pthread_join(c->thread, NULL);
	lws_context_destroy(c->ctx);
	while ((m = c->txhead) != NULL) {
		c->txhead = m->next;
		free(m);
	}
	free(c->rx);
	samples_free(&c->rtt);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

int64_t
console_decided_at(struct console *c, const char *id)
{
	int64_t	at = 0;
	size_t	i;

	pthread_mutex_lock(&c->mu);
	for (i = 0; i < CONSOLE_DECIDED && i < c->ndecided; i++) {
		if (strcmp(c->decided[i].id, id) == 0)
			at = c->decided[i].sent_at;
	}
	pthread_mutex_unlock(&c->mu);
	return at;
}

int64_t
console_snapshot_us(const struct console *c)
{
	return c->snapshot_us;
}

size_t
console_snapshot_n(const struct console *c)
{
	return c->snapshot_n;
}

size_t
console_received(struct console *c)
{
	size_t	n;

	pthread_mutex_lock(&c->mu);
	n = c->received;
	pthread_mutex_unlock(&c->mu);
	return n;
}

int
console_alive(struct console *c)
{
	int	alive;

	pthread_mutex_lock(&c->mu);
	alive = c->phase == CONSOLE_READY;
	pthread_mutex_unlock(&c->mu);
	return alive;
}

void
console_take_rtt(struct console *c, struct samples *out)
{
	pthread_mutex_lock(&c->mu);
	*out = c->rtt;
	memset(&c->rtt, 0, sizeof c->rtt);
	pthread_mutex_unlock(&c->mu);
}
