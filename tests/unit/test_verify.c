/*
 * verify_view (CONTRACT §4) against real Ed25519 keys. Every case that
 * must fail starts from a view that passes and breaks one thing, so a
 * check that stops working shows up as a passing forgery.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "codec.h"
#include "decision.h"
#include "json.h"
#include "keyfile.h"
#include "verify.h"
#include "xmalloc.h"

#define BODY	"{\"action\":\"isolate_host\",\"target\":\"ws-042\"," \
		"\"justification\":\"EDR alert 5521\"}"
#define ID	"req_4f2a9c"
#define CREATED_AT	1700000000000LL	/* the views' created_at */
#define SIGNED_AT	1700000100000LL	/* view_sign's signed_at */
#define SKEW		(5 * 60 * 1000)

struct signer {
	const char	*name;
	uint8_t		 pk[PROTO_PK_BYTES];
	uint8_t		 sk[PROTO_SK_BYTES];
};

/* bob and carol are trusted, mallory is not. */
struct fx {
	struct signer	 bob, carol, mallory;
	struct trusted	 keys;
	cJSON		*view;
	char		 why[1024];
};

static void
signer_init(struct signer *s, const char *name)
{
	s->name = name;
	crypto_sign_keypair(s->pk, s->sk);
}

/* A view in state of the body, needing need approvals, unsigned. */
static cJSON *
view_new(const char *state, const char *body, int need)
{
	cJSON	*v;
	char	 digest[PROTO_SHA256_HEX], *b64;

	codec_sha256_hex(body, strlen(body), digest);
	b64 = codec_b64_encode((const uint8_t *)body, strlen(body));
	v = cJSON_CreateObject();
	cJSON_AddStringToObject(v, "id", ID);
	cJSON_AddStringToObject(v, "state", state);
	cJSON_AddStringToObject(v, "action", "isolate_host");
	cJSON_AddStringToObject(v, "target", "ws-042");
	cJSON_AddNumberToObject(v, "created_at", (double)CREATED_AT);
	cJSON_AddNumberToObject(v, "expires_at", 1700000600000.0);
	cJSON_AddStringToObject(v, "digest", digest);
	cJSON_AddStringToObject(v, "body", b64);
	cJSON_AddStringToObject(v, "rule", "isolate_host rule 3");
	cJSON_AddNumberToObject(v, "approvals_required", need);
	cJSON_AddArrayToObject(v, "signatures");
	free(b64);
	return v;
}

/* Append a signature by s named as signer, made over id (the view's when
 * NULL) at signed_at. */
static cJSON *
view_sign_as(cJSON *v, const struct signer *s, const char *signer,
    const char *verdict, const char *id, const char *reason,
    int64_t signed_at)
{
	struct decision	 d;
	uint8_t		 sig[PROTO_SIG_BYTES];
	cJSON		*e;
	char		*b64;

	d.id = id != NULL ? id : json_string(v, "id");
	d.digest = json_string(v, "digest");
	d.verdict = verdict;
	d.signer = signer;
	d.signed_at = signed_at;
	d.reason = reason != NULL ? reason : "";
	decision_sign(&d, s->sk, sig);
	b64 = codec_b64_encode(sig, sizeof sig);
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "signer", signer);
	cJSON_AddStringToObject(e, "verdict", verdict);
	cJSON_AddNumberToObject(e, "signed_at", (double)d.signed_at);
	if (reason != NULL)
		cJSON_AddStringToObject(e, "reason", reason);
	cJSON_AddStringToObject(e, "sig", b64);
	cJSON_AddItemToArray(cJSON_GetObjectItem(v, "signatures"), e);
	free(b64);
	return e;
}

/* Append a signature by s, made over id (the view's when NULL). */
static cJSON *
view_sign(cJSON *v, const struct signer *s, const char *verdict,
    const char *id, const char *reason)
{
	return view_sign_as(v, s, s->name, verdict, id, reason, SIGNED_AT);
}

/* Load "name ed25519 <b64>" lines for the trusted signers. */
static void
fx_trust(struct fx *f)
{
	char	*a, *b, *text, err[256];

	a = keyfile_public_line(f->bob.pk);
	b = keyfile_public_line(f->carol.pk);
	xasprintf(&text, "# analysts\nbob %s\n\ncarol %s\n", a, b);
	assert_int_equal(trusted_parse(text, strlen(text), &f->keys, err,
	    sizeof err), 0);
	free(a);
	free(b);
	free(text);
}

static int
setup(void **state)
{
	struct fx	*f;

	if (sodium_init() < 0)
		return -1;
	f = xcalloc(1, sizeof *f);
	signer_init(&f->bob, "bob");
	signer_init(&f->carol, "carol");
	signer_init(&f->mallory, "mallory");
	fx_trust(f);
	f->view = view_new("approved", BODY, 1);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	cJSON_Delete(f->view);
	trusted_free(&f->keys);
	free(f);
	return 0;
}

/* verify_view on the fixture's view, against sent when not NULL. */
static int
check(struct fx *f, const char *sent)
{
	int	rc;

	f->why[0] = '\0';
	rc = verify_view(f->view, (const uint8_t *)sent,
	    sent != NULL ? strlen(sent) : 0, &f->keys, f->why, sizeof f->why);
	if (rc != 0)
		assert_true(f->why[0] != '\0');
	return rc;
}

/* verify_request_view as an executor that asked about id and sent BODY,
 * with its clock at now. */
static int
check_as(struct fx *f, const char *id, int64_t now)
{
	struct verify_expect	expect;
	int			rc;

	expect.id = id;
	expect.sent = (const uint8_t *)BODY;
	expect.sent_len = strlen(BODY);
	expect.now_ms = now;
	f->why[0] = '\0';
	rc = verify_request_view(f->view, &expect, &f->keys, f->why,
	    sizeof f->why);
	if (rc != 0)
		assert_true(f->why[0] != '\0');
	return rc;
}

/* Replace key in obj with item. */
static void
set(cJSON *obj, const char *key, cJSON *item)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	cJSON_AddItemToObject(obj, key, item);
}

static void
test_single_approval(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(check(f, BODY), -1);	/* no signature yet */
	view_sign(f->view, &f->bob, "approve", NULL, NULL);
	assert_int_equal(check(f, BODY), 0);
	assert_int_equal(check(f, NULL), 0);
}

static void
test_quorum_distinct(void **state)
{
	struct fx	*f = *state;

	set(f->view, "approvals_required", cJSON_CreateNumber(2));
	view_sign(f->view, &f->bob, "approve", NULL, "looks right");
	assert_int_equal(check(f, BODY), -1);
	view_sign(f->view, &f->carol, "approve", NULL, NULL);
	assert_int_equal(check(f, BODY), 0);
}

static void
test_quorum_same_signer(void **state)
{
	struct fx	*f = *state;

	set(f->view, "approvals_required", cJSON_CreateNumber(2));
	view_sign(f->view, &f->bob, "approve", NULL, NULL);
	view_sign(f->view, &f->bob, "approve", NULL, "again");
	assert_int_equal(check(f, BODY), -1);
	assert_non_null(strstr(f->why, "bob"));
}

/* One key listed under two names is one signer: a quorum counts keys. */
static void
test_quorum_one_key_two_names(void **state)
{
	struct fx	*f = *state;
	char		*a, *c, *text, err[256];

	trusted_free(&f->keys);
	a = keyfile_public_line(f->bob.pk);
	c = keyfile_public_line(f->carol.pk);
	xasprintf(&text, "bob %s\nbob2 %s\ncarol %s\n", a, a, c);
	assert_int_equal(trusted_parse(text, strlen(text), &f->keys, err,
	    sizeof err), 0);
	free(a);
	free(c);
	free(text);
	set(f->view, "approvals_required", cJSON_CreateNumber(2));
	view_sign(f->view, &f->bob, "approve", NULL, NULL);
	view_sign_as(f->view, &f->bob, "bob2", "approve", NULL, NULL,
	    SIGNED_AT);
	assert_int_equal(check(f, BODY), -1);
	assert_non_null(strstr(f->why, "1 of 2 required"));
	assert_non_null(strstr(f->why, "bob2: same key"));
	view_sign(f->view, &f->carol, "approve", NULL, NULL);
	assert_int_equal(check(f, BODY), 0);
}

/* An approval dated more than the skew before the request was created is
 * an earlier decision replayed onto it. */
static void
test_signed_before_created(void **state)
{
	struct fx	*f = *state;

	view_sign_as(f->view, &f->bob, "bob", "approve", NULL, NULL,
	    CREATED_AT - SKEW);
	assert_int_equal(check_as(f, ID, SIGNED_AT), 0);
	cJSON_DeleteItemFromArray(cJSON_GetObjectItem(f->view, "signatures"),
	    0);
	view_sign_as(f->view, &f->bob, "bob", "approve", NULL, NULL,
	    CREATED_AT - SKEW - 1);
	assert_int_equal(check_as(f, ID, SIGNED_AT), -1);
	assert_non_null(strstr(f->why, "before the request was created"));
	/* Even from a signer that does not count. */
	cJSON_DeleteItemFromArray(cJSON_GetObjectItem(f->view, "signatures"),
	    0);
	view_sign(f->view, &f->bob, "approve", NULL, NULL);
	view_sign_as(f->view, &f->mallory, "mallory", "deny", NULL, NULL,
	    CREATED_AT - SKEW - 1);
	assert_int_equal(check_as(f, ID, SIGNED_AT), -1);
}

/* An approval dated ahead of the executor's clock (past the skew). */
static void
test_signed_in_future(void **state)
{
	struct fx	*f = *state;

	view_sign(f->view, &f->bob, "approve", NULL, NULL);
	assert_int_equal(check_as(f, ID, SIGNED_AT - SKEW), 0);
	assert_int_equal(check_as(f, ID, SIGNED_AT - SKEW - 1), -1);
	assert_non_null(strstr(f->why, "ahead of this clock"));
	/* verify_view takes the wall clock: a view dated a day ahead fails. */
	cJSON_DeleteItemFromArray(cJSON_GetObjectItem(f->view, "signatures"),
	    0);
	view_sign_as(f->view, &f->bob, "bob", "approve", NULL, NULL,
	    (int64_t)time(NULL) * 1000 + 86400000);
	assert_int_equal(check(f, BODY), -1);
}

/* The view must be of the request the executor asked about, and say
 * when it was created. */
static void
test_expected_id(void **state)
{
	struct fx	*f = *state;

	view_sign(f->view, &f->bob, "approve", NULL, NULL);
	assert_int_equal(check_as(f, ID, SIGNED_AT), 0);
	assert_int_equal(check_as(f, NULL, SIGNED_AT), 0);
	assert_int_equal(check_as(f, "req_other", SIGNED_AT), -1);
	assert_non_null(strstr(f->why, "another request"));
	cJSON_DeleteItemFromObjectCaseSensitive(f->view, "created_at");
	assert_int_equal(check_as(f, ID, SIGNED_AT), -1);
	assert_string_equal(f->why, "created_at is not a non-negative integer");
	set(f->view, "created_at", cJSON_CreateString("1700000000000"));
	assert_int_equal(check_as(f, ID, SIGNED_AT), -1);
}

static void
test_untrusted_signer(void **state)
{
	struct fx	*f = *state;

	view_sign(f->view, &f->mallory, "approve", NULL, NULL);
	assert_int_equal(check(f, BODY), -1);
	assert_non_null(strstr(f->why, "mallory"));
	/* An untrusted signature does not spoil a trusted approval. */
	view_sign(f->view, &f->bob, "approve", NULL, NULL);
	assert_int_equal(check(f, BODY), 0);
}

static void
test_signer_impersonated(void **state)
{
	struct fx	*f = *state;
	struct signer	 fake = f->mallory;

	fake.name = "bob";	/* mallory's key, bob's name */
	view_sign(f->view, &fake, "approve", NULL, NULL);
	assert_int_equal(check(f, BODY), -1);
}

static void
test_tampered_body(void **state)
{
	struct fx	*f = *state;
	const char	*evil = "{\"action\":\"isolate_host\","
			    "\"target\":\"dc-01\","
			    "\"justification\":\"EDR alert 5521\"}";
	char		*b64, digest[PROTO_SHA256_HEX];

	view_sign(f->view, &f->bob, "approve", NULL, NULL);
	/* A wrong digest fails even where the signatures would hold. */
	codec_sha256_hex(evil, strlen(evil), digest);
	set(f->view, "digest", cJSON_CreateString(digest));
	assert_int_equal(check(f, NULL), -1);
	codec_sha256_hex(BODY, strlen(BODY), digest);
	set(f->view, "digest", cJSON_CreateString(digest));
	assert_int_equal(check(f, NULL), 0);
	b64 = codec_b64_encode((const uint8_t *)evil, strlen(evil));
	set(f->view, "body", cJSON_CreateString(b64));
	assert_int_equal(check(f, NULL), -1);	/* digest mismatch */
	/* A digest that matches the new body is not what bob signed. */
	codec_sha256_hex(evil, strlen(evil), digest);
	set(f->view, "digest", cJSON_CreateString(digest));
	assert_int_equal(check(f, NULL), -1);
	free(b64);
}

static void
test_sent_body_differs(void **state)
{
	struct fx	*f = *state;

	view_sign(f->view, &f->bob, "approve", NULL, NULL);
	assert_int_equal(check(f, BODY), 0);
	assert_int_equal(check(f, BODY " "), -1);
	assert_int_equal(check(f, "{}"), -1);
	assert_int_equal(check(f, ""), -1);
}

static void
test_other_id(void **state)
{
	struct fx	*f = *state;

	view_sign(f->view, &f->bob, "approve", "req_other", NULL);
	assert_int_equal(check(f, BODY), -1);
}

static void
test_sig_bit_flipped(void **state)
{
	struct fx	*f = *state;
	cJSON		*e;
	uint8_t		 sig[PROTO_SIG_BYTES];
	char		*b64;

	e = view_sign(f->view, &f->bob, "approve", NULL, NULL);
	assert_int_equal(check(f, BODY), 0);
	assert_int_equal(codec_b64_decode_exact(json_string(e, "sig"), sig,
	    sizeof sig), 0);
	sig[17] ^= 0x04;
	b64 = codec_b64_encode(sig, sizeof sig);
	set(e, "sig", cJSON_CreateString(b64));
	assert_int_equal(check(f, BODY), -1);
	free(b64);
}

static void
test_reason_changed(void **state)
{
	struct fx	*f = *state;
	cJSON		*e;

	e = view_sign(f->view, &f->bob, "approve", NULL, "ok for ws-042");
	assert_int_equal(check(f, BODY), 0);
	set(e, "reason", cJSON_CreateString("ok for anything"));
	assert_int_equal(check(f, BODY), -1);
}

static void
test_state_not_approved(void **state)
{
	struct fx	*f = *state;

	view_sign(f->view, &f->bob, "approve", NULL, NULL);
	set(f->view, "state", cJSON_CreateString("denied"));
	assert_int_equal(check(f, BODY), -1);
	set(f->view, "state", cJSON_CreateString("pending"));
	assert_int_equal(check(f, BODY), -1);
	cJSON_DeleteItemFromObjectCaseSensitive(f->view, "state");
	assert_int_equal(check(f, BODY), -1);
}

static void
test_approvals_required(void **state)
{
	struct fx	*f = *state;

	view_sign(f->view, &f->bob, "approve", NULL, NULL);
	set(f->view, "approvals_required", cJSON_CreateNumber(0));
	assert_int_equal(check(f, BODY), -1);
	set(f->view, "approvals_required", cJSON_CreateNumber(-1));
	assert_int_equal(check(f, BODY), -1);
	set(f->view, "approvals_required", cJSON_CreateNumber(1.5));
	assert_int_equal(check(f, BODY), -1);
	set(f->view, "approvals_required", cJSON_CreateString("1"));
	assert_int_equal(check(f, BODY), -1);
	cJSON_DeleteItemFromObjectCaseSensitive(f->view, "approvals_required");
	assert_int_equal(check(f, BODY), -1);
	set(f->view, "approvals_required", cJSON_CreateNumber(1));
	assert_int_equal(check(f, BODY), 0);
}

static void
test_bad_base64(void **state)
{
	struct fx	*f = *state;
	cJSON		*e;
	char		*good, *bad;

	e = view_sign(f->view, &f->bob, "approve", NULL, NULL);
	good = xstrdup(json_string(f->view, "body"));
	set(f->view, "body", cJSON_CreateString("not base64!"));
	assert_int_equal(check(f, NULL), -1);
	bad = xstrndup(good, strlen(good) - 1);	/* drop the padding */
	set(f->view, "body", cJSON_CreateString(bad));
	assert_int_equal(check(f, NULL), -1);
	set(f->view, "body", cJSON_CreateString(good));
	assert_int_equal(check(f, BODY), 0);
	free(good);
	free(bad);
	set(e, "sig", cJSON_CreateString("AAAA"));	/* 3 bytes, not 64 */
	assert_int_equal(check(f, BODY), -1);
	set(e, "sig", cJSON_CreateString("@@@@"));
	assert_int_equal(check(f, BODY), -1);
}

static void
test_trusted_deny_wins(void **state)
{
	struct fx	*f = *state;

	view_sign(f->view, &f->bob, "approve", NULL, NULL);
	view_sign(f->view, &f->mallory, "deny", NULL, "untrusted, ignored");
	assert_int_equal(check(f, BODY), 0);
	view_sign(f->view, &f->carol, "deny", NULL, "not this host");
	assert_int_equal(check(f, BODY), -1);
	assert_non_null(strstr(f->why, "carol"));
}

static void
test_malformed_fields(void **state)
{
	struct fx	*f = *state;
	cJSON		*e;
	char		 digest[PROTO_SHA256_HEX];
	size_t		 i;

	e = view_sign(f->view, &f->bob, "approve", NULL, NULL);
	set(e, "verdict", cJSON_CreateString("maybe"));
	assert_int_equal(check(f, BODY), -1);
	set(e, "verdict", cJSON_CreateString("approve"));
	set(e, "signed_at", cJSON_CreateString("1700000100000"));
	assert_int_equal(check(f, BODY), -1);
	set(e, "signed_at", cJSON_CreateNumber(1700000100000.0));
	set(e, "reason", cJSON_CreateNumber(1));
	assert_int_equal(check(f, BODY), -1);
	cJSON_DeleteItemFromObjectCaseSensitive(e, "reason");
	assert_int_equal(check(f, BODY), 0);
	snprintf(digest, sizeof digest, "%s", json_string(f->view, "digest"));
	for (i = 0; digest[i] != '\0'; i++)
		if (digest[i] >= 'a')
			digest[i] = (char)(digest[i] - 'a' + 'A');
	set(f->view, "digest", cJSON_CreateString(digest));
	assert_int_equal(check(f, BODY), -1);	/* uppercase hex */
}

static void
test_missing_parts(void **state)
{
	struct fx	*f = *state;

	view_sign(f->view, &f->bob, "approve", NULL, NULL);
	cJSON_DeleteItemFromObjectCaseSensitive(f->view, "signatures");
	assert_int_equal(check(f, BODY), -1);
	assert_string_equal(f->why, "signatures is not an array");
	set(f->view, "signatures", cJSON_CreateObject());
	assert_int_equal(check(f, BODY), -1);
	assert_string_equal(f->why, "signatures is not an array");
	cJSON_DeleteItemFromObjectCaseSensitive(f->view, "id");
	assert_int_equal(check(f, BODY), -1);
	assert_string_equal(f->why, "id is missing or malformed");
	set(f->view, "id", cJSON_CreateString(ID "\nx"));
	assert_int_equal(check(f, BODY), -1);
	assert_string_equal(f->why, "id is missing or malformed");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_single_approval, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_quorum_distinct, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_quorum_same_signer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_quorum_one_key_two_names,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_signed_before_created,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_signed_in_future, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_expected_id, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_untrusted_signer, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_signer_impersonated, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tampered_body, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sent_body_differs, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_other_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sig_bit_flipped, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reason_changed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_state_not_approved, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_approvals_required, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_base64, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_trusted_deny_wins, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_malformed_fields, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing_parts, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
