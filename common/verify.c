/*
 * CONTRACT §4 from the executor's side. The view comes from a daemon the
 * executor does not have to trust: only signatures by keys in its own
 * trusted-keys file, over the bytes it sent, can make an approval. Every
 * field that is missing or malformed fails the whole view, and a valid
 * deny from a trusted signer fails it too, however many approvals there
 * are: a contradiction is never read as a yes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec.h"
#include "decision.h"
#include "json.h"
#include "proto.h"
#include "verify.h"
#include "xmalloc.h"

#define VERIFY_SIGNED_AT_MAX	9007199254740992LL	/* 2^53, exact */
#define VERIFY_NOTES_MAX	512

/* The approvals that count so far, and why the others did not. */
struct verify_tally {
	const uint8_t	**keys;		/* owned array of borrowed keys */
	const char	**signers;	/* owned; who signed with keys[i] */
	size_t		  n;
	int64_t		  not_before;	/* Unix ms: signed_at window */
	int64_t		  not_after;
	char		  notes[VERIFY_NOTES_MAX];
};

/* Write the reason into why and return -1, so callers can return it. */
static int __attribute__((format(printf, 3, 4)))
verify_fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Note a signature that does not count; signer is a checked name. */
static void
verify_note(struct verify_tally *t, const char *signer, const char *what)
{
	size_t	len = strlen(t->notes);

	snprintf(t->notes + len, sizeof t->notes - len, "%s%s: %s",
	    len == 0 ? "" : "; ", signer, what);
}

/* Check body, digest and the bytes sent; fill digest. 0 or -1. */
static int
verify_body(const cJSON *view, const uint8_t *sent, size_t sent_len,
    char digest[PROTO_SHA256_HEX], char *why, size_t whylen)
{
	const char	*hex, *b64;
	uint8_t		*body;
	size_t		 len;
	int		 match, same;

	if ((hex = json_string(view, "digest")) == NULL)
		return verify_fail(why, whylen, "digest is not a string");
	b64 = json_string(view, "body");
	if (b64 == NULL || codec_b64_decode(b64, &body, &len) != 0)
		return verify_fail(why, whylen, "body is not strict base64");
	codec_sha256_hex(body, len, digest);
	match = strcmp(digest, hex) == 0;
	same = sent == NULL ||
	    (len == sent_len && memcmp(body, sent, len) == 0);
	free(body);
	/* Equal to codec_sha256_hex's output, so 64 lowercase hex. */
	if (!match)
		return verify_fail(why, whylen,
		    "digest is not the lowercase hex SHA-256 of the body");
	if (!same)
		return verify_fail(why, whylen,
		    "body is not the request that was sent");
	return 0;
}

/* Read entry number i into d and sig; 0, or -1 when it is malformed. */
static int
verify_sig_parse(const cJSON *item, size_t i, struct decision *d,
    uint8_t sig[PROTO_SIG_BYTES], char *why, size_t whylen)
{
	const cJSON	*reason;
	const char	*b64;

	if (!cJSON_IsObject(item))
		return verify_fail(why, whylen, "signature %zu: not an object",
		    i);
	d->signer = json_string(item, "signer");
	if (d->signer == NULL || !codec_name_valid(d->signer))
		return verify_fail(why, whylen, "signature %zu: signer is "
		    "missing or not a valid name", i);
	d->verdict = json_string(item, "verdict");
	if (d->verdict == NULL || !decision_verdict_valid(d->verdict))
		return verify_fail(why, whylen, "signature %zu: verdict is "
		    "not approve or deny", i);
	if (json_int(item, "signed_at", 0, VERIFY_SIGNED_AT_MAX,
	    &d->signed_at) != 0)
		return verify_fail(why, whylen, "signature %zu: signed_at is "
		    "not a non-negative integer", i);
	reason = cJSON_GetObjectItemCaseSensitive(item, "reason");
	if (reason != NULL && !cJSON_IsString(reason))
		return verify_fail(why, whylen, "signature %zu: reason is "
		    "not a string", i);
	d->reason = reason == NULL ? "" : reason->valuestring;
	b64 = json_string(item, "sig");
	if (b64 == NULL || codec_b64_decode_exact(b64, sig,
	    PROTO_SIG_BYTES) != 0)
		return verify_fail(why, whylen, "signature %zu: sig is not "
		    "base64 of %d bytes", i, PROTO_SIG_BYTES);
	return 0;
}

/* The index of the approval already counted for key pk, or t->n. */
static size_t
verify_counted(const struct verify_tally *t, const uint8_t *pk)
{
	size_t	i;

	for (i = 0; i < t->n; i++) {
		if (memcmp(t->keys[i], pk, PROTO_PK_BYTES) == 0)
			break;
	}
	return i;
}

/* Count pk's approval once per key, whatever names it is listed under. */
static void
verify_count(struct verify_tally *t, const char *signer, const uint8_t *pk)
{
	size_t	i = verify_counted(t, pk);

	if (i == t->n) {
		t->keys[t->n] = pk;
		t->signers[t->n++] = signer;
	} else if (strcmp(t->signers[i], signer) == 0)
		verify_note(t, signer, "approved twice, counted once");
	else
		verify_note(t, signer, "same key as an approval counted "
		    "already, counted once");
}

/* 0 when signed_at lies in the window of t; -1 with why otherwise. */
static int
verify_fresh(const struct verify_tally *t, size_t i, int64_t signed_at,
    char *why, size_t whylen)
{
	if (signed_at < t->not_before)
		return verify_fail(why, whylen, "signature %zu: signed_at lies "
		    "more than %d s before the request was created: an "
		    "earlier decision replayed", i, PROTO_SKEW_MS / 1000);
	if (signed_at > t->not_after)
		return verify_fail(why, whylen, "signature %zu: signed_at lies "
		    "more than %d s ahead of this clock", i,
		    PROTO_SKEW_MS / 1000);
	return 0;
}

/* Weigh entry i: 0 when it counts or not, -1 when it fails the view. */
static int
verify_sig(const cJSON *item, size_t i, const struct decision *on,
    const struct trusted *keys, struct verify_tally *t, char *why,
    size_t whylen)
{
	struct decision	 d = *on;
	uint8_t		 sig[PROTO_SIG_BYTES];
	const uint8_t	*pk;

	if (verify_sig_parse(item, i, &d, sig, why, whylen) != 0 ||
	    verify_fresh(t, i, d.signed_at, why, whylen) != 0)
		return -1;
	if ((pk = trusted_find(keys, d.signer)) == NULL)
		verify_note(t, d.signer, "not in the trusted keys");
	else if (decision_verify(&d, pk, sig) != 0)
		verify_note(t, d.signer, "signature does not verify");
	else if (strcmp(d.verdict, "deny") == 0)
		return verify_fail(why, whylen, "%s, a trusted signer, denied "
		    "the request", d.signer);
	else
		verify_count(t, d.signer, pk);
	return 0;
}

/* Count the approvals over id and digest against need, each signed
 * within window (from, to); 0 or -1. */
static int
verify_tally(const cJSON *sigs, const struct decision *on, int64_t need,
    const int64_t window[2], const struct trusted *keys, char *why,
    size_t whylen)
{
	struct verify_tally	 t;
	const cJSON		*item;
	size_t			 i = 0, n;
	int			 rc = 0;

	memset(&t, 0, sizeof t);
	t.not_before = window[0];
	t.not_after = window[1];
	n = (size_t)cJSON_GetArraySize(sigs);
	t.keys = xcalloc(n == 0 ? 1 : n, sizeof *t.keys);
	t.signers = xcalloc(n == 0 ? 1 : n, sizeof *t.signers);
	cJSON_ArrayForEach(item, sigs) {
		if ((rc = verify_sig(item, i++, on, keys, &t, why,
		    whylen)) != 0)
			break;
	}
	if (rc == 0 && (int64_t)t.n < need)
		rc = verify_fail(why, whylen, "%zu of %lld required approvals "
		    "verify with distinct trusted keys%s%s%s", t.n,
		    (long long)need, t.notes[0] != '\0' ? " (" : "", t.notes,
		    t.notes[0] != '\0' ? ")" : "");
	else if (rc == 0)
		snprintf(why, whylen, "%zu of %lld required approvals verify",
		    t.n, (long long)need);
	free(t.keys);
	free(t.signers);
	return rc;
}

/* 0 when id can be put into the signed bytes as it is. */
static int
verify_id(const char *id)
{
	size_t	len;

	if (id == NULL)
		return -1;
	len = strlen(id);
	if (len == 0 || len > PROTO_ID_MAX || codec_has_control(id, len))
		return -1;
	return 0;
}

/* The window signatures must lie in: from PROTO_SKEW_MS before the
 * view's created_at to PROTO_SKEW_MS past now. 0 or -1 with why. */
static int
verify_window(const cJSON *view, int64_t now, int64_t window[2], char *why,
    size_t whylen)
{
	int64_t	created;

	if (json_int(view, "created_at", 0, VERIFY_SIGNED_AT_MAX,
	    &created) != 0)
		return verify_fail(why, whylen,
		    "created_at is not a non-negative integer");
	window[0] = created - PROTO_SKEW_MS;
	window[1] = now + PROTO_SKEW_MS;
	return 0;
}

int
verify_request_view(const cJSON *view, const struct verify_expect *expect,
    const struct trusted *keys, char *why, size_t whylen)
{
	struct decision	 on;
	char		 digest[PROTO_SHA256_HEX];
	const char	*state;
	const cJSON	*sigs;
	int64_t		 need, window[2] = { 0, 0 };

	if (!cJSON_IsObject(view))
		return verify_fail(why, whylen, "the view is not an object");
	if ((state = json_string(view, "state")) == NULL)
		return verify_fail(why, whylen, "the view has no state");
	if (strcmp(state, "approved") != 0)
		return verify_fail(why, whylen, "the request is not approved");
	memset(&on, 0, sizeof on);
	on.id = json_string(view, "id");
	if (verify_id(on.id) != 0)
		return verify_fail(why, whylen, "id is missing or malformed");
	if (expect->id != NULL && strcmp(on.id, expect->id) != 0)
		return verify_fail(why, whylen, "the view is of another "
		    "request than the one asked about");
	if (verify_body(view, expect->sent, expect->sent_len, digest, why,
	    whylen) != 0 || verify_window(view, expect->now_ms, window, why,
	    whylen) != 0)
		return -1;
	on.digest = digest;
	if (json_int(view, "approvals_required", 1, INT32_MAX, &need) != 0)
		return verify_fail(why, whylen,
		    "approvals_required is not an integer >= 1");
	sigs = cJSON_GetObjectItemCaseSensitive(view, "signatures");
	if (!cJSON_IsArray(sigs))
		return verify_fail(why, whylen, "signatures is not an array");
	if (cJSON_GetArraySize(sigs) > VERIFY_SIGNATURES_MAX)
		return verify_fail(why, whylen, "more than %d signatures",
		    VERIFY_SIGNATURES_MAX);
	return verify_tally(sigs, &on, need, window, keys, why, whylen);
}

int
verify_view(const cJSON *view, const uint8_t *sent, size_t sent_len,
    const struct trusted *keys, char *why, size_t whylen)
{
	struct verify_expect	expect;
	struct timespec		ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	expect.id = NULL;
	expect.sent = sent;
	expect.sent_len = sent_len;
	expect.now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return verify_request_view(view, &expect, keys, why, whylen);
}
