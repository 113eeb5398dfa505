/*
 * approvetui's model and protocol handling, without a terminal or a
 * socket: views are believed only when the digest matches the body and
 * are rendered from the body; the login and every decision are signed
 * over the exact bytes of CONTRACT §4 and §5; anything out of order cuts
 * the connection; nothing is signed that the analyst may not decide;
 * secrets in a body are never kept for the screen, and the deny memory
 * is read and worded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "approvetui.h"
#include "codec.h"
#include "decision.h"
#include "json.h"
#include "redact.h"
#include "xmalloc.h"

#define DUP_BODY "{\"action\":\"a\",\"target\":\"t\",\"target\":\"u\"," \
		"\"justification\":\"j\"}"
#define BODY_OK	"{\"action\":\"isolate_host\",\"target\":\"ws-042\"," \
		"\"params\":{\"ticket\":\"INC-7\",\"n\":3}," \
		"\"justification\":\"EDR alert\",\"on_behalf_of\":\"alice\"}"
#define BODY_SECRETS "{\"action\":\"isolate_host\",\"target\":\"ws-042\"," \
		"\"params\":{\"ticket\":\"INC-7\"," \
		"\"db_password\":\"hunter2\"," \
		"\"note\":\"key AKIAIOSFODNN7EXAMPLE\"," \
		"\"hdr\":\"Bearer abc\"," \
		"\"conn\":{\"user\":\"svc\",\"api_key\":{\"v\":1},\"n\":2}," \
		"\"list\":[\"ok\",\"AKIAIOSFODNN7EXAMPLE\"]," \
		"\"AKIAIOSFODNN7EXAMPLE\":1,\"token\":42}," \
		"\"justification\":\"EDR alert\"}"

/* A request view of body in state; digest_of names the bytes the digest
 * is computed over (body itself for an honest view). */
static char *
make_view(const char *id, const char *state, const char *body,
    const char *digest_of, const char *view_target, int64_t expires_in,
    const char *sigs)
{
	char	 hex[PROTO_SHA256_HEX], *b64, *out;

	codec_sha256_hex(digest_of, strlen(digest_of), hex);
	b64 = codec_b64_encode((const uint8_t *)body, strlen(body));
	xasprintf(&out, "{\"id\":\"%s\",\"state\":\"%s\",\"action\":"
	    "\"isolate_host\",\"target\":\"%s\",\"executor\":\"agent-7\","
	    "\"on_behalf_of\":\"alice\",\"created_at\":1,\"expires_at\":%"
	    PRId64 ",\"digest\":\"%s\",\"body\":\"%s\",\"rule\":"
	    "\"isolate_host rule 3\",\"approvals_required\":2,\"groups\":"
	    "[\"soc\"],\"signatures\":[%s]}", id, state, view_target,
	    model_now_ms() + expires_in, hex, b64, sigs);
	free(b64);
	return out;
}

/* An honest pending view of BODY_OK expiring in ms. */
static char *
honest_view(const char *id, int64_t ms)
{
	return make_view(id, "pending", BODY_OK, BODY_OK, "ws-042", ms, "");
}

/* Parse a view text as model_req_parse would see it. */
static struct req *
parse_view(const char *text)
{
	char		 err[256];
	cJSON		*v;
	struct req	*r;

	v = json_parse(text, strlen(text), err, sizeof err);
	assert_non_null(v);
	r = model_req_parse(v, "bob", err, sizeof err);
	cJSON_Delete(v);
	return r;
}

static void
test_view_trusted_from_body(void **state)
{
	char		*v;
	struct req	*r;

	v = honest_view("req_1", 60000);
	r = parse_view(v);
	assert_non_null(r);
	assert_true(r->trusted);
	assert_null(r->alarm);
	assert_string_equal(r->action, "isolate_host");
	assert_string_equal(r->target, "ws-042");
	assert_string_equal(r->on_behalf_of, "alice");
	assert_int_equal(r->nparams, 2);
	assert_string_equal(r->params[0].key, "ticket");
	assert_string_equal(r->params[0].value, "INC-7");
	assert_string_equal(r->params[1].value, "3");
	assert_int_equal(r->approvals_required, 2);
	model_req_free(r);
	free(v);
}

static void
test_view_digest_mismatch(void **state)
{
	char		*v;
	struct req	*r;

	v = make_view("req_1", "pending", BODY_OK, "something else", "ws-042",
	    60000, "");
	r = parse_view(v);
	assert_non_null(r);
	assert_false(r->trusted);
	assert_non_null(strstr(r->alarm, "DIGEST MISMATCH"));
	assert_null(r->target);
	model_req_free(r);
	free(v);
}

static void
test_view_body_unreadable(void **state)
{
	char		*v;
	struct req	*r;

	v = make_view("req_1", "pending", "{\"action\":", "{\"action\":",
	    "ws-042", 60000, "");
	r = parse_view(v);
	assert_false(r->trusted);
	assert_non_null(strstr(r->alarm, "BODY UNREADABLE"));
	model_req_free(r);
	free(v);
	/* A duplicate key would let two readers see two requests. */
	v = make_view("req_1", "pending", DUP_BODY, DUP_BODY, "t", 60000, "");
	r = parse_view(v);
	assert_false(r->trusted);
	model_req_free(r);
	free(v);
}

static void
test_view_disagrees_with_body(void **state)
{
	char		*v;
	struct req	*r;

	v = make_view("req_1", "pending", BODY_OK, BODY_OK, "ws-999", 60000,
	    "");
	r = parse_view(v);
	assert_false(r->trusted);
	assert_non_null(strstr(r->alarm, "DISAGREES"));
	model_req_free(r);
	free(v);
}

static void
test_view_malformed(void **state)
{
	assert_null(parse_view("{\"id\":\"x y\",\"state\":\"pending\"}"));
	assert_null(parse_view("{\"id\":\"req_1\",\"state\":\"pending\","
	    "\"created_at\":1,\"expires_at\":2,\"approvals_required\":1,"
	    "\"signatures\":[{\"signer\":\"bob\"}]}"));
	assert_null(parse_view("[]"));
}

static void
test_you_signed(void **state)
{
	char		*v;
	struct req	*r;

	v = make_view("req_1", "pending", BODY_OK, BODY_OK, "ws-042", 60000,
	    "{\"signer\":\"bob\",\"verdict\":\"approve\",\"signed_at\":"
	    "5,\"reason\":\"\",\"sig\":\"x\"}");
	r = parse_view(v);
	assert_true(r->you_signed);
	assert_int_equal(r->nsigs, 1);
	model_req_free(r);
	free(v);
}

/* view with one more member, text ("\"key\":value"). */
static char *
view_plus(const char *view, const char *member)
{
	char	*out;

	xasprintf(&out, "%.*s,%s}", (int)strlen(view) - 1, view, member);
	return out;
}

static void
test_params_redacted(void **state)
{
	char		*v, hex[PROTO_SHA256_HEX];
	struct req	*r;

	v = make_view("req_1", "pending", BODY_SECRETS, BODY_SECRETS, "ws-042",
	    60000, "");
	r = parse_view(v);
	assert_true(r->trusted);
	/* The digest, and so what is signed, is of the exact bytes. */
	codec_sha256_hex(BODY_SECRETS, strlen(BODY_SECRETS), hex);
	assert_string_equal(r->digest, hex);
	assert_int_equal(r->nparams, 8);
	assert_string_equal(r->params[0].value, "INC-7");
	assert_string_equal(r->params[1].key, "db_password");
	assert_string_equal(r->params[1].value, REDACT_MARK);
	assert_string_equal(r->params[2].value, REDACT_MARK);
	assert_string_equal(r->params[3].value, REDACT_MARK);
	/* Inside JSON values: secret names and credential-like strings. */
	assert_string_equal(r->params[4].value,
	    "{\"user\":\"svc\",\"api_key\":\"[REDACTED]\",\"n\":2}");
	assert_string_equal(r->params[5].value, "[\"ok\",\"[REDACTED]\"]");
	/* A credential as a name; a secret name hides a number too. */
	assert_string_equal(r->params[6].key, REDACT_MARK);
	assert_string_equal(r->params[6].value, "1");
	assert_string_equal(r->params[7].key, "token");
	assert_string_equal(r->params[7].value, REDACT_MARK);
	model_req_free(r);
	free(v);
}

static void
test_denied_recently(void **state)
{
	char		*v, *w, *text, *safe;
	struct req	*r;

	v = honest_view("req_1", 60000);
	r = parse_view(v);
	assert_int_equal(r->denied_count, 0);
	assert_null(model_denied_text(r));
	model_req_free(r);
	w = view_plus(v, "\"denied_recently\":null");
	r = parse_view(w);
	assert_null(model_denied_text(r));
	model_req_free(r);
	free(w);
	w = view_plus(v, "\"denied_recently\":{\"count\":2,\"by\":\"alice\","
	    "\"reason\":\"ws-042 is the CFO's laptop\",\"last_at\":5}");
	r = parse_view(w);
	assert_non_null(r);
	text = model_denied_text(r);
	assert_string_equal(text, "denied 2x in the last hour by alice: ws-042 "
	    "is the CFO's laptop");
	free(text);
	model_req_free(r);
	free(w);
	/* by and reason are outside text: redacted, then neutralised. */
	w = view_plus(v, "\"denied_recently\":{\"count\":1,\"by\":"
	    "\"\\u001b[2Jbob\",\"reason\":\"key AKIAIOSFODNN7EXAMPLE\\u202e\","
	    "\"last_at\":5}");
	r = parse_view(w);
	text = model_denied_text(r);
	safe = sanitize_redacted(text, SANITIZE_UNLIMITED, 0);
	assert_string_equal(safe, "denied 1x in the last hour by \\x1b[2Jbob: "
	    "key [REDACTED]<U+202E>");
	free(safe);
	free(text);
	model_req_free(r);
	free(w);
	free(v);
}

static void
test_denied_recently_malformed(void **state)
{
	static const char *const bad[] = {
		"\"denied_recently\":\"yes\"",
		"\"denied_recently\":{\"count\":0,\"by\":\"a\","
		    "\"reason\":\"r\"}",
		"\"denied_recently\":{\"count\":\"2\",\"by\":\"a\","
		    "\"reason\":\"r\"}",
		"\"denied_recently\":{\"count\":2,\"reason\":\"r\"}",
		"\"denied_recently\":{\"count\":2,\"by\":\"a\"}",
		"\"denied_recently\":{\"count\":2,\"by\":1,\"reason\":\"r\"}",
	};
	char	*v, *w;
	size_t	 i;

	v = honest_view("req_1", 60000);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		w = view_plus(v, bad[i]);
		assert_null(parse_view(w));
		free(w);
	}
	free(v);
}

/* A parsed honest view expiring in ms. */
static struct req *
req_expiring(const char *id, int64_t ms)
{
	char		*v;
	struct req	*r;

	v = honest_view(id, ms);
	r = parse_view(v);
	free(v);
	return r;
}

static void
test_queue_order_and_resolve(void **state)
{
	struct model	 m;
	struct req	*r;

	memset(&m, 0, sizeof m);
	assert_int_equal(model_upsert(&m, req_expiring("req_a", 90000)), 1);
	assert_int_equal(model_upsert(&m, req_expiring("req_b", 30000)), 1);
	assert_int_equal(model_upsert(&m, req_expiring("req_c", 60000)), 1);
	assert_string_equal(m.queue[0]->id, "req_b");
	assert_string_equal(m.queue[1]->id, "req_c");
	assert_string_equal(m.queue[2]->id, "req_a");
	assert_int_equal(model_upsert(&m, req_expiring("req_a", 10000)), 0);
	assert_string_equal(m.queue[0]->id, "req_a");
	assert_int_equal(m.nqueue, 3);
	r = req_expiring("req_b", 0);
	free(r->state);
	r->state = xstrdup("approved");
	model_resolve(&m, r);
	assert_int_equal(m.nqueue, 2);
	assert_null(model_find(&m, "req_b"));
	assert_int_equal(m.nhistory, 1);
	assert_string_equal(m.history[0]->id, "req_b");
	model_free(&m);
}

static void
test_history_is_bounded_and_matches_target(void **state)
{
	struct model		 m;
	const struct req	*e[3];
	struct req		*r;
	char			 id[32];
	int			 i;

	memset(&m, 0, sizeof m);
	for (i = 0; i < MODEL_HISTORY_MAX + 10; i++) {
		snprintf(id, sizeof id, "req_%d", i);
		r = req_expiring(id, 0);
		free(r->state);
		r->state = xstrdup("denied");
		model_resolve(&m, r);
	}
	assert_int_equal(m.nhistory, MODEL_HISTORY_MAX);
	snprintf(id, sizeof id, "req_%d", MODEL_HISTORY_MAX + 9);
	assert_string_equal(m.history[0]->id, id);
	r = req_expiring("req_new", 60000);
	assert_int_equal(model_earlier(&m, r, e, 3), 3);
	assert_string_equal(e[0]->id, id);
	model_req_free(r);
	model_free(&m);
}

static void
test_filter(void **state)
{
	struct req	*r;

	r = req_expiring("req_1", 60000);
	assert_true(model_matches(r, NULL));
	assert_true(model_matches(r, "WS-0"));
	assert_true(model_matches(r, "agent"));
	assert_true(model_matches(r, "isolate"));
	assert_false(model_matches(r, "refund"));
	model_req_free(r);
}

/* A console in the given phase with a fresh key pair. */
static void
tui_setup(struct tui *tui, enum net_phase phase)
{
	memset(tui, 0, sizeof *tui);
	tui->analyst = "bob";
	tui->key = xcalloc(1, sizeof *tui->key);
	crypto_sign_keypair(tui->key->pk, tui->key->sk);
	tui->net.phase = phase;
}

static void
tui_teardown(struct tui *tui)
{
	struct net_msg	*m;

	while ((m = tui->net.txhead) != NULL) {
		tui->net.txhead = m->next;
		free(m);
	}
	tui_free(tui);
	free(tui->key);
}

/* Take the oldest queued frame as a parsed JSON object. */
static cJSON *
tx_pop(struct tui *tui)
{
	struct net_msg	*m = tui->net.txhead;
	char		 err[256];
	cJSON		*obj;

	assert_non_null(m);
	tui->net.txhead = m->next;
	if (tui->net.txhead == NULL)
		tui->net.txtail = NULL;
	obj = json_parse((const char *)m->buf + LWS_PRE, m->len, err,
	    sizeof err);
	free(m);
	assert_non_null(obj);
	return obj;
}

static int
dispatch(struct tui *tui, const char *text)
{
	return msg_dispatch(tui, text, strlen(text));
}

/* Sign in: challenge, hello checked against the key, welcome. */
static void
sign_in(struct tui *tui)
{
	uint8_t		 nonce[PROTO_NONCE_BYTES], sig[PROTO_SIG_BYTES];
	char		*b64, *msg, *canon;
	size_t		 len;
	cJSON		*hello;

	randombytes_buf(nonce, sizeof nonce);
	b64 = codec_b64_encode(nonce, sizeof nonce);
	xasprintf(&msg, "{\"type\":\"challenge\",\"nonce\":\"%s\"}", b64);
	assert_int_equal(dispatch(tui, msg), 0);
	assert_int_equal(tui->net.phase, NET_SIGNING_IN);
	hello = tx_pop(tui);
	assert_string_equal(json_string(hello, "type"), "hello");
	assert_string_equal(json_string(hello, "analyst"), "bob");
	assert_int_equal(codec_b64_decode_exact(json_string(hello, "sig"), sig,
	    sizeof sig), 0);
	canon = decision_auth_canonical(b64, "bob", &len);
	assert_int_equal(crypto_sign_verify_detached(sig,
	    (const uint8_t *)canon, len, tui->key->pk), 0);
	free(canon);
	cJSON_Delete(hello);
	free(msg);
	free(b64);
	assert_int_equal(dispatch(tui, "{\"type\":\"welcome\",\"analyst\":"
	    "\"bob\",\"groups\":[\"soc\"]}"), 0);
	assert_int_equal(tui->net.phase, NET_AUTHED);
}

/* Send a snapshot holding one view. */
static void
snapshot(struct tui *tui, const char *view)
{
	char	*msg;

	xasprintf(&msg, "{\"type\":\"snapshot\",\"requests\":[%s]}", view);
	assert_int_equal(dispatch(tui, msg), 0);
	free(msg);
}

static void
test_login_and_signed_approval(void **state)
{
	struct tui	 tui;
	struct decision	 d;
	uint8_t		 sig[PROTO_SIG_BYTES];
	char		*v;
	int64_t		 at;
	cJSON		*dec;

	tui_setup(&tui, NET_CHALLENGED);
	sign_in(&tui);
	v = honest_view("req_1", 60000);
	snapshot(&tui, v);
	assert_int_equal(tui.model.nqueue, 1);
	assert_int_equal(msg_decide(&tui, "req_1", tui.model.queue[0]->digest,
	    "approve", ""), 0);
	dec = tx_pop(&tui);
	assert_string_equal(json_string(dec, "type"), "decide");
	assert_string_equal(json_string(dec, "verdict"), "approve");
	assert_string_equal(json_string(dec, "reason"), "");
	assert_int_equal(json_int(dec, "signed_at", 0, INT64_MAX, &at), 0);
	assert_int_equal(codec_b64_decode_exact(json_string(dec, "sig"), sig,
	    sizeof sig), 0);
	d.id = "req_1";
	d.digest = tui.model.queue[0]->digest;
	d.verdict = "approve";
	d.signer = "bob";
	d.signed_at = at;
	d.reason = "";
	assert_int_equal(decision_verify(&d, tui.key->pk, sig), 0);
	/* In flight, then acknowledged: never signed twice. */
	assert_non_null(msg_refusal(&tui, tui.model.queue[0]));
	assert_int_equal(dispatch(&tui, "{\"type\":\"ack\",\"id\":\"req_1\"}"),
	    0);
	assert_true(tui.model.queue[0]->you_signed);
	assert_int_equal(msg_decide(&tui, "req_1", tui.model.queue[0]->digest,
	    "deny", "changed my mind"), -1);
	assert_null(tui.net.txhead);
	cJSON_Delete(dec);
	free(v);
	tui_teardown(&tui);
}

static void
test_denial_needs_reason(void **state)
{
	struct tui	 tui;
	char		*v;
	cJSON		*dec;

	tui_setup(&tui, NET_CHALLENGED);
	sign_in(&tui);
	v = honest_view("req_1", 60000);
	snapshot(&tui, v);
	assert_int_equal(msg_decide(&tui, "req_1", tui.model.queue[0]->digest,
	    "deny", ""), -1);
	assert_null(tui.net.txhead);
	assert_int_equal(msg_decide(&tui, "req_1", tui.model.queue[0]->digest,
	    "deny", "not \xc3\xa0 propos"), 0);
	dec = tx_pop(&tui);
	assert_string_equal(json_string(dec, "reason"), "not \xc3\xa0 propos");
	cJSON_Delete(dec);
	free(v);
	tui_teardown(&tui);
}

static void
test_refusals(void **state)
{
	struct tui	 tui;
	char		*v, digest[PROTO_SHA256_HEX];

	tui_setup(&tui, NET_CHALLENGED);
	sign_in(&tui);
	/* A tampered view is never signed. */
	v = make_view("req_1", "pending", BODY_OK, "other", "ws-042", 60000,
	    "");
	snapshot(&tui, v);
	free(v);
	assert_int_equal(msg_decide(&tui, "req_1", tui.model.queue[0]->digest,
	    "approve", ""), -1);
	/* Nor one whose digest changed since the prompt. */
	v = honest_view("req_1", 60000);
	snapshot(&tui, v);
	free(v);
	memset(digest, 'a', sizeof digest - 1);
	digest[sizeof digest - 1] = '\0';
	assert_int_equal(msg_decide(&tui, "req_1", digest, "approve", ""), -1);
	/* Nor an expired one, nor one for another group. */
	tui.model.queue[0]->expires_at = model_now_ms() - 1;
	assert_non_null(msg_refusal(&tui, tui.model.queue[0]));
	tui.model.queue[0]->expires_at = model_now_ms() + 60000;
	free(tui.groups[0]);
	tui.groups[0] = xstrdup("ops");
	assert_non_null(msg_refusal(&tui, tui.model.queue[0]));
	/* Offline: every row is stale and refused. */
	msg_offline(&tui);
	tui.net.phase = NET_OFFLINE;
	assert_true(tui.model.queue[0]->stale);
	assert_non_null(msg_refusal(&tui, tui.model.queue[0]));
	assert_null(tui.net.txhead);
	tui_teardown(&tui);
}

static void
test_on_behalf_of_self(void **state)
{
	struct tui	 tui;
	char		*v;

	tui_setup(&tui, NET_CHALLENGED);
	tui.analyst = "alice";
	tui.net.phase = NET_AUTHED;
	tui.groups = xcalloc(1, sizeof *tui.groups);
	tui.groups[0] = xstrdup("soc");
	tui.ngroups = 1;
	v = honest_view("req_1", 60000);
	snapshot(&tui, v);
	assert_non_null(msg_refusal(&tui, tui.model.queue[0]));
	free(v);
	tui_teardown(&tui);
}

static void
test_protocol_errors_cut(void **state)
{
	struct tui	tui;

	tui_setup(&tui, NET_CHALLENGED);
	assert_int_equal(dispatch(&tui, "not json"), -1);
	assert_int_equal(dispatch(&tui, "{\"type\":\"snapshot\","
	    "\"requests\":[]}"), -1);	/* before signing in */
	assert_int_equal(dispatch(&tui, "{\"type\":\"challenge\","
	    "\"nonce\":\"c2hvcnQ=\"}"), -1);	/* not 32 bytes */
	assert_null(tui.net.txhead);
	sign_in(&tui);
	assert_int_equal(dispatch(&tui, "{\"type\":\"bogus\"}"), -1);
	assert_int_equal(dispatch(&tui, "{\"type\":\"challenge\",\"nonce\":"
	    "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}"), -1);
	assert_int_equal(dispatch(&tui, "{\"type\":\"request\","
	    "\"request\":{\"id\":\"req_1\"}}"), -1);
	assert_int_equal(dispatch(&tui, "{\"type\":\"error\",\"id\":\"req_1\","
	    "\"code\":\"not_pending\",\"message\":\"too late\"}"), 0);
	assert_true(tui.status_alarm);
	assert_non_null(strstr(tui.status, "not_pending"));
	tui_teardown(&tui);
}

static void
test_welcome_for_someone_else(void **state)
{
	struct tui	tui;

	tui_setup(&tui, NET_SIGNING_IN);
	assert_int_equal(dispatch(&tui, "{\"type\":\"welcome\",\"analyst\":"
	    "\"mallory\",\"groups\":[]}"), -1);
	assert_int_not_equal(tui.net.phase, NET_AUTHED);
	tui_teardown(&tui);
}

static void
test_snapshot_replaces_and_pushes(void **state)
{
	struct tui	 tui;
	char		*a, *b, *msg;

	tui_setup(&tui, NET_CHALLENGED);
	sign_in(&tui);
	a = honest_view("req_a", 60000);
	b = honest_view("req_b", 30000);
	snapshot(&tui, a);
	assert_true(tui.bell_pending);
	msg_offline(&tui);
	assert_true(tui.model.queue[0]->stale);
	tui.net.phase = NET_AUTHED;
	snapshot(&tui, b);
	assert_int_equal(tui.model.nqueue, 1);
	assert_string_equal(tui.model.queue[0]->id, "req_b");
	assert_false(tui.model.queue[0]->stale);
	xasprintf(&msg, "{\"type\":\"request\",\"request\":%s}", a);
	tui.bell_pending = 0;
	assert_int_equal(dispatch(&tui, msg), 0);
	free(msg);
	assert_true(tui.bell_pending);
	assert_int_equal(tui.model.nqueue, 2);
	assert_string_equal(tui.model.queue[0]->id, "req_b");
	/* Resolved: out of the queue, into the history. */
	xasprintf(&msg, "{\"type\":\"resolved\",\"request\":%s}", b);
	assert_int_equal(dispatch(&tui, msg), -1);	/* still "pending" */
	free(msg);
	free(b);
	b = make_view("req_b", "denied", BODY_OK, BODY_OK, "ws-042", 30000,
	    "");
	xasprintf(&msg, "{\"type\":\"resolved\",\"request\":%s}", b);
	assert_int_equal(dispatch(&tui, msg), 0);
	free(msg);
	assert_int_equal(tui.model.nqueue, 1);
	assert_int_equal(tui.model.nhistory, 1);
	assert_string_equal(tui.model.history[0]->state, "denied");
	free(a);
	free(b);
	tui_teardown(&tui);
}

static void
test_url(void **state)
{
	struct net	net;
	char		err[256];

	memset(&net, 0, sizeof net);
	assert_int_equal(net_parse_url("ws://127.0.0.1:8470", &net, err,
	    sizeof err), 0);
	assert_string_equal(net.host, "127.0.0.1");
	assert_int_equal(net.port, 8470);
	assert_int_equal(net_parse_url("http://example.org:9/", &net, err,
	    sizeof err), 0);
	assert_string_equal(net.url, "ws://example.org:9");
	assert_int_equal(net_parse_url("ws://[::1]:8470/v1/console", &net, err,
	    sizeof err), 0);
	assert_string_equal(net.host, "::1");
	assert_string_equal(net.hostport, "[::1]:8470");
	assert_int_equal(net_parse_url("ws://host", &net, err, sizeof err), 0);
	assert_int_equal(net.port, 80);
	assert_false(net.tls);
	assert_int_equal(net_parse_url("wss://host:1", &net, err, sizeof err),
	    0);
	assert_true(net.tls);
	assert_string_equal(net.url, "wss://host:1");
	assert_int_equal(net_parse_url("https://127.0.0.1/", &net, err,
	    sizeof err), 0);
	assert_true(net.tls);
	assert_int_equal(net.port, 443);
	assert_string_equal(net.url, "wss://127.0.0.1:443");
	assert_int_equal(net_parse_url("ws://h:1", &net, err, sizeof err), 0);
	assert_false(net.tls);
	/* The certificate check cannot take an IPv6 address. */
	assert_int_equal(net_parse_url("wss://[::1]:8470", &net, err,
	    sizeof err), -1);
	assert_int_equal(net_parse_url("ftp://host:1", &net, err, sizeof err),
	    -1);
	assert_int_equal(net_parse_url("wss://host:1/other", &net, err,
	    sizeof err), -1);
	assert_int_equal(net_parse_url("ws://host:99999", &net, err,
	    sizeof err), -1);
	assert_int_equal(net_parse_url("ws://host:1/other", &net, err,
	    sizeof err), -1);
	assert_int_equal(net_parse_url("ws://:1", &net, err, sizeof err), -1);
	assert_int_equal(net_parse_url("ws://a b:1", &net, err, sizeof err),
	    -1);
	assert_int_equal(net_parse_url("ws://[::1:80", &net, err, sizeof err),
	    -1);
	assert_int_equal(net_parse_url("ws://[::1]x", &net, err, sizeof err),
	    -1);
	assert_int_equal(net_parse_url("ws://h:", &net, err, sizeof err), -1);
	assert_int_equal(net_parse_url("ws://h:0", &net, err, sizeof err), -1);
	assert_int_equal(net_parse_url("ws://h:8x", &net, err, sizeof err), -1);
}

static void
test_prompt_input(void **state)
{
	struct prompt	p;
	size_t		i;

	memset(&p, 0, sizeof p);
	assert_int_equal(prompt_insert(&p, 'o'), 0);
	assert_int_equal(prompt_insert(&p, 0xe9), 0);		/* é */
	assert_int_equal(prompt_insert(&p, 0x65e5), 0);		/* 日 */
	assert_int_equal(prompt_insert(&p, 0x1f600), 0);
	assert_string_equal(p.buf, "o\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80");
	assert_int_equal(prompt_insert(&p, 0x1b), -1);
	assert_int_equal(prompt_insert(&p, 0x9b), -1);
	assert_int_equal(prompt_insert(&p, 0xd800), -1);
	prompt_backspace(&p);
	prompt_backspace(&p);
	assert_string_equal(p.buf, "o\xc3\xa9");
	for (i = 0; i < PROTO_REASON_MAX; i++)
		prompt_insert(&p, 'x');
	assert_int_equal(p.len, PROTO_REASON_MAX);
	assert_int_equal(prompt_insert(&p, 'x'), -1);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_view_trusted_from_body),
		cmocka_unit_test(test_view_digest_mismatch),
		cmocka_unit_test(test_view_body_unreadable),
		cmocka_unit_test(test_view_disagrees_with_body),
		cmocka_unit_test(test_view_malformed),
		cmocka_unit_test(test_you_signed),
		cmocka_unit_test(test_params_redacted),
		cmocka_unit_test(test_denied_recently),
		cmocka_unit_test(test_denied_recently_malformed),
		cmocka_unit_test(test_queue_order_and_resolve),
		cmocka_unit_test(test_history_is_bounded_and_matches_target),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_login_and_signed_approval),
		cmocka_unit_test(test_denial_needs_reason),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_on_behalf_of_self),
		cmocka_unit_test(test_protocol_errors_cut),
		cmocka_unit_test(test_welcome_for_someone_else),
		cmocka_unit_test(test_snapshot_replaces_and_pushes),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_prompt_input),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
