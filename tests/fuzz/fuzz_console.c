/*
 * approvetui's handling of what the daemon sends (CONTRACT §5):
 * msg_dispatch() on a session of messages split at NUL bytes (which no
 * JSON text holds), from the challenge on; a message that cuts the
 * connection starts a new one, as net.c does. After each message the
 * model is read as the screen reads it and the selected request is
 * approved if the console allows it. Besides the sanitizers it checks that
 * the queue holds distinct pending requests in expiry order, that the
 * history is bounded and final, that every frame sent is strict JSON, and
 * that a signature goes out only for a trusted pending request not on the
 * analyst's own behalf, and verifies.
 */
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "approvetui.h"
#include "codec.h"
#include "decision.h"
#include "json.h"

#define FUZZ_ANALYST	"bob"
#define FUZZ_EARLIER	4

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The analyst's key pair, made once from a fixed seed. */
static struct keypair *
fuzz_key(void)
{
	static struct keypair	kp;
	static int		made;
	uint8_t			seed[PROTO_SEED_BYTES];

	if (!made) {
		if (sodium_init() < 0 ||
		    setlocale(LC_CTYPE, "C.UTF-8") == NULL)
			abort();
		sanitize_init();
		memset(seed, 2, sizeof seed);
		crypto_sign_seed_keypair(kp.pk, kp.sk, seed);
		made = 1;
	}
	return &kp;
}

/* Abort unless the decide frame d signs what the console holds for r. */
static void
fuzz_check_decide(const struct tui *tui, const cJSON *d)
{
	struct decision	 dec;
	uint8_t		 sig[PROTO_SIG_BYTES];
	const char	*b64;
	struct req	*r;
	int64_t		 at;

	dec.id = json_string(d, "id");
	dec.verdict = json_string(d, "verdict");
	dec.reason = json_string(d, "reason");
	dec.signer = FUZZ_ANALYST;
	b64 = json_string(d, "sig");
	if (dec.id == NULL || dec.verdict == NULL || dec.reason == NULL ||
	    b64 == NULL || json_int(d, "signed_at", 0, INT64_MAX, &at) != 0 ||
	    codec_b64_decode_exact(b64, sig, sizeof sig) != 0 ||
	    (r = model_find(&tui->model, dec.id)) == NULL)
		abort();
	dec.digest = r->digest;
	dec.signed_at = at;
	if (decision_verify(&dec, tui->key->pk, sig) != 0)
		abort();
}

/* Take every queued frame; abort unless each is a strict JSON hello or
 * decide. */
static void
fuzz_drain(struct tui *tui)
{
	struct net_msg	*m;
	const char	*type;
	cJSON		*root;
	char		 err[128];

	while ((m = tui->net.txhead) != NULL) {
		tui->net.txhead = m->next;
		root = json_parse((const char *)m->buf + LWS_PRE, m->len, err,
		    sizeof err);
		if (root == NULL || (type = json_string(root, "type")) == NULL)
			abort();
		if (strcmp(type, "decide") == 0)
			fuzz_check_decide(tui, root);
		else if (strcmp(type, "hello") != 0)
			abort();
		cJSON_Delete(root);
		free(m);
	}
	tui->net.txtail = NULL;
}

/* Read a trusted request as the screen does. */
static void
fuzz_show(const struct model *m, const struct req *r)
{
	const struct req	*earlier[FUZZ_EARLIER];
	size_t			 i;

	free(sanitize_str(r->target, SANITIZE_UNLIMITED, 0));
	free(sanitize_str(r->justification, PROTO_JUSTIFICATION_MAX,
	    SANITIZE_NEWLINES));
	for (i = 0; i < r->nparams; i++) {
		free(sanitize_str(r->params[i].key, SANITIZE_UNLIMITED, 0));
		free(sanitize_str(r->params[i].value, SANITIZE_UNLIMITED, 0));
	}
	(void)model_matches(r, "ws");
	(void)model_earlier(m, r, earlier, FUZZ_EARLIER);
}

/* Abort unless the queue and the history keep their invariants. */
static void
fuzz_check_model(const struct model *m)
{
	const struct req	*r;
	size_t			 i, j;

	if (m->nhistory > MODEL_HISTORY_MAX)
		abort();
	for (i = 0; i < m->nhistory; i++) {
		if (strcmp(m->history[i]->state, "pending") == 0)
			abort();
	}
	for (i = 0; i < m->nqueue; i++) {
		r = m->queue[i];
		if (strcmp(r->state, "pending") != 0 || (i > 0 &&
		    m->queue[i - 1]->expires_at > r->expires_at) ||
		    (r->trusted && (r->action == NULL || r->target == NULL ||
		    r->justification == NULL)))
			abort();
		for (j = 0; j < i; j++) {
			if (strcmp(m->queue[j]->id, r->id) == 0)
				abort();
		}
		if (r->trusted)
			fuzz_show(m, r);
	}
}

/* Approve the selected request; abort when the console signs one it
 * should have refused. */
static void
fuzz_approve(struct tui *tui)
{
	struct req	*r;
	const char	*why;

	if ((r = tui_selected(tui)) == NULL)
		return;
	why = msg_refusal(tui, r);
	if (msg_decide(tui, r->id, r->digest, "approve", "") != 0)
		return;
	if (why != NULL || !r->trusted || strcmp(r->state, "pending") != 0 ||
	    (r->on_behalf_of != NULL &&
	    strcmp(r->on_behalf_of, FUZZ_ANALYST) == 0))
		abort();
}

/* One message from the daemon, and what the console does after it. */
static void
fuzz_message(struct tui *tui, const uint8_t *buf, size_t len)
{
	if (msg_dispatch(tui, (const char *)buf, len) != 0) {
		msg_offline(tui);
		tui->net.phase = NET_CHALLENGED;
	}
	fuzz_drain(tui);
	fuzz_check_model(&tui->model);
	fuzz_approve(tui);
	fuzz_drain(tui);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tui	 tui;
	const uint8_t	*p = data, *end = data + size, *nul;

	memset(&tui, 0, sizeof tui);
	tui.analyst = FUZZ_ANALYST;
	tui.key = fuzz_key();
	tui.net.phase = NET_CHALLENGED;
	for (;;) {
		nul = memchr(p, '\0', (size_t)(end - p));
		fuzz_message(&tui, p, (size_t)((nul == NULL ? end : nul) - p));
		if (nul == NULL)
			break;
		p = nul + 1;
	}
	tui_free(&tui);
	return 0;
}
