/*
 * approvectl reading a request view: json_parse(), verify_view() against a
 * fixed trusted-keys set (with and without the body that was sent), and
 * ctl_report_clean() on the strings approvectl prints. Besides the
 * sanitizers it checks CONTRACT §4 independently of verify.c: a view that
 * verify_view() passes must be approved, carry the body and its digest,
 * and hold enough valid approvals by distinct trusted signers and no valid
 * trusted deny; one that verify_request_view() passes on a fixed clock
 * must also be of the id asked about, with every signed_at in the window
 * around created_at and that clock; and nothing cleaned for the terminal
 * may still hold a control or reordering character.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "codec.h"
#include "approvectl.h"
#include "json.h"
#include "verify.h"

#define FUZZ_SIGNERS	3
/* The clock of the deterministic check: just after the seeds were made. */
#define FUZZ_NOW	1795400000000LL
/* The id of corpus/view/approved-fb9cc9.json, a view of fuzz_body. */
#define FUZZ_ID		"req_01a20450038d3041dc4f006dcdfb9cc9"

/* The body the seed views were made for: sent with --body. */
static const char fuzz_body[] = "{\"action\":\"refund\",\"target\":"
    "\"order-77310\",\"params\":{\"amount\":1800,\"currency\":\"EUR\"},"
    "\"justification\":\"item arrived broken\"}";

/* Trusted signers; seed byte i + 1 repeated makes signer i's key. */
static const char *const fuzz_names[FUZZ_SIGNERS] = {
	"approvald", "bob", "carol"
};

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The trusted keys, made once from the fixed seeds. */
static const struct trusted *
fuzz_keys(void)
{
	static struct trusted_key	keys[FUZZ_SIGNERS];
	static struct trusted		t;
	uint8_t				seed[PROTO_SEED_BYTES];
	uint8_t				sk[PROTO_SK_BYTES];
	size_t				i;

	if (t.keys != NULL)
		return &t;
	for (i = 0; i < FUZZ_SIGNERS; i++) {
		memset(seed, (int)i + 1, sizeof seed);
		crypto_sign_seed_keypair(keys[i].pk, sk, seed);
		snprintf(keys[i].signer, sizeof keys[i].signer, "%s",
		    fuzz_names[i]);
	}
	t.keys = keys;
	t.n = FUZZ_SIGNERS;
	return &t;
}

/* The public key of a trusted signer and its index, or NULL. */
static const uint8_t *
fuzz_pk(const char *name, size_t *idx)
{
	const struct trusted	*t = fuzz_keys();

	for (*idx = 0; *idx < FUZZ_SIGNERS; (*idx)++) {
		if (strcmp(t->keys[*idx].signer, name) == 0)
			return t->keys[*idx].pk;
	}
	return NULL;
}

/* 1 when sig is a valid Ed25519 signature by pk over the §4 bytes. */
static int
fuzz_sig_valid(const cJSON *sig, const char *id, const char *digest,
    const uint8_t *pk)
{
	const cJSON	*at, *reason;
	const char	*verdict, *signer, *b64, *end;
	uint8_t		 raw[crypto_sign_BYTES], rh[32];
	char		 rhex[65], msg[1024];
	size_t		 len;
	int		 n;

	at = cJSON_GetObjectItemCaseSensitive(sig, "signed_at");
	reason = cJSON_GetObjectItemCaseSensitive(sig, "reason");
	verdict = json_string(sig, "verdict");
	signer = json_string(sig, "signer");
	b64 = json_string(sig, "sig");
	if (!cJSON_IsNumber(at) || at->valuedouble < 0 ||
	    at->valuedouble > 9007199254740992.0 ||
	    at->valuedouble != floor(at->valuedouble) || b64 == NULL ||
	    (reason != NULL && !cJSON_IsString(reason)) ||
	    sodium_base642bin(raw, sizeof raw, b64, strlen(b64), NULL, &len,
	    &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    *end != '\0' || len != sizeof raw)
		return 0;
	crypto_hash_sha256(rh, (const uint8_t *)(reason == NULL ? "" :
	    reason->valuestring), reason == NULL ? 0 :
	    strlen(reason->valuestring));
	sodium_bin2hex(rhex, sizeof rhex, rh, sizeof rh);
	n = snprintf(msg, sizeof msg, "approve-decision-v1\nid:%s\n"
	    "digest:%s\nverdict:%s\nsigner:%s\nsigned_at:%" PRId64 "\n"
	    "reason:%s\n", id, digest, verdict, signer,
	    (int64_t)at->valuedouble, rhex);
	if (n < 0 || (size_t)n >= sizeof msg)
		return 0;
	return crypto_sign_verify_detached(raw, (const uint8_t *)msg,
	    (size_t)n, pk) == 0;
}

/* 1 when the signatures hold need valid approvals by distinct trusted
 * signers and no valid trusted deny. */
static int
fuzz_quorum(const cJSON *sigs, const char *id, const char *digest,
    double need)
{
	const cJSON	*sig;
	const char	*signer, *verdict;
	const uint8_t	*pk;
	int		 seen[FUZZ_SIGNERS] = { 0 }, have = 0;
	size_t		 i;

	cJSON_ArrayForEach(sig, sigs) {
		signer = json_string(sig, "signer");
		verdict = json_string(sig, "verdict");
		if (signer == NULL || verdict == NULL ||
		    (pk = fuzz_pk(signer, &i)) == NULL ||
		    !fuzz_sig_valid(sig, id, digest, pk))
			continue;
		if (strcmp(verdict, "deny") == 0)
			return 0;
		if (strcmp(verdict, "approve") == 0 && !seen[i]) {
			seen[i] = 1;
			have++;
		}
	}
	return have >= need;
}

/* 1 when the view is an approval by CONTRACT §4, decided without
 * verify.c; sent is compared with the body when it is not NULL. */
static int
fuzz_approved(const cJSON *view, const char *sent, size_t sent_len)
{
	const cJSON	*need;
	const char	*state, *id, *digest, *b64, *end;
	uint8_t		*body, hash[32];
	char		 hex[65];
	size_t		 len;
	int		 ok;

	state = json_string(view, "state");
	id = json_string(view, "id");
	digest = json_string(view, "digest");
	b64 = json_string(view, "body");
	need = cJSON_GetObjectItemCaseSensitive(view, "approvals_required");
	if (state == NULL || strcmp(state, "approved") != 0 || id == NULL ||
	    digest == NULL || b64 == NULL || !cJSON_IsNumber(need) ||
	    need->valuedouble < 1)
		return 0;
	body = malloc(strlen(b64) + 1);
	ok = sodium_base642bin(body, strlen(b64) + 1, b64, strlen(b64), NULL,
	    &len, &end, sodium_base64_VARIANT_ORIGINAL) == 0 && *end == '\0';
	if (ok) {
		crypto_hash_sha256(hash, body, len);
		sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
		ok = strcmp(hex, digest) == 0 && (sent == NULL ||
		    (len == sent_len && memcmp(body, sent, len) == 0));
	}
	free(body);
	return ok && fuzz_quorum(cJSON_GetObjectItemCaseSensitive(view,
	    "signatures"), id, digest, need->valuedouble);
}

/* 1 when the view is of FUZZ_ID and every signature's signed_at lies from
 * PROTO_SKEW_MS before created_at to PROTO_SKEW_MS past FUZZ_NOW. */
static int
fuzz_fresh(const cJSON *view)
{
	const cJSON	*created, *sig, *at;
	const char	*id = json_string(view, "id");

	created = cJSON_GetObjectItemCaseSensitive(view, "created_at");
	if (id == NULL || strcmp(id, FUZZ_ID) != 0 || !cJSON_IsNumber(created))
		return 0;
	cJSON_ArrayForEach(sig, cJSON_GetObjectItemCaseSensitive(view,
	    "signatures")) {
		at = cJSON_GetObjectItemCaseSensitive(sig, "signed_at");
		if (!cJSON_IsNumber(at) || at->valuedouble <
		    created->valuedouble - PROTO_SKEW_MS ||
		    at->valuedouble > (double)(FUZZ_NOW + PROTO_SKEW_MS))
			return 0;
	}
	return 1;
}

/* Abort when s, cleaned, still holds a C0, DEL, C1 or bidi control. */
static void
fuzz_clean(const char *s)
{
	const unsigned char	*p;
	char			*out;

	if (s == NULL)
		return;
	out = ctl_report_clean(s);
	for (p = (const unsigned char *)out; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) ||
		    (p[0] == 0xe2 && p[1] == 0x80 && ((p[2] >= 0x8e &&
		    p[2] <= 0x8f) || (p[2] >= 0xaa && p[2] <= 0xae))) ||
		    (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 &&
		    p[2] <= 0xa9))
			abort();
	}
	free(out);
}

/* Clean every string approvectl may print of the view. */
static void
fuzz_report(const cJSON *view)
{
	const cJSON	*sig;
	const char	*id;

	id = json_string(view, "id");
	if (id != NULL)
		(void)codec_id_valid(id);
	(void)ctl_report_state(view);
	fuzz_clean(id);
	fuzz_clean(json_string(view, "state"));
	fuzz_clean(json_string(view, "rule"));
	cJSON_ArrayForEach(sig, cJSON_GetObjectItemCaseSensitive(view,
	    "signatures")) {
		fuzz_clean(json_string(sig, "signer"));
		fuzz_clean(json_string(sig, "reason"));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct verify_expect	 expect = { FUZZ_ID, (const uint8_t *)fuzz_body,
				    sizeof fuzz_body - 1, FUZZ_NOW };
	cJSON			*view;
	char			 err[256], why[1024];

	if (sodium_init() < 0)
		abort();
	if ((view = json_parse((const char *)data, size, err,
	    sizeof err)) == NULL)
		return 0;
	if (verify_view(view, NULL, 0, fuzz_keys(), why, sizeof why) == 0 &&
	    !fuzz_approved(view, NULL, 0))
		abort();
	if (verify_view(view, (const uint8_t *)fuzz_body,
	    sizeof fuzz_body - 1, fuzz_keys(), why,
	    sizeof why) == 0 && !fuzz_approved(view, fuzz_body,
	    sizeof fuzz_body - 1))
		abort();
	if (verify_request_view(view, &expect, fuzz_keys(), why,
	    sizeof why) == 0 && !(fuzz_approved(view, fuzz_body,
	    sizeof fuzz_body - 1) && fuzz_fresh(view)))
		abort();
	if (cJSON_IsObject(view))
		fuzz_report(view);
	cJSON_Delete(view);
	return 0;
}
