/*
 * decision.c: the exact bytes of CONTRACT §4 and §5, and Ed25519 over
 * them. The expected bytes are written out literally and the known-answer
 * signature was computed independently (PyNaCl), so a change to the
 * canonical form or to the signing shows up here, not in the field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "codec.h"
#include "decision.h"

/* SHA-256 of BODY, and of the reasons used below. */
#define BODY		"{\"action\":\"refund\",\"target\":\"acct-7\"," \
			"\"justification\":\"duplicate charge\"}"
#define DIGEST		"79cb5013885b0a3fcfbc3c9d93b0e18a" \
			"cde2a64b0f4b746913d088d8babc293f"
#define REASON_HASH	"52725cf8d307a5d339a7dcd0dbbbf37d" \
			"c021be0d6402b84a91ecb14ecc00136f"	/* "looks right" */
#define EMPTY_HASH	"e3b0c44298fc1c149afbf4c8996fb924" \
			"27ae41e4649b934ca495991b7852b855"
#define ID		"req_018bcfe568000123456789abcdef0123"

/*
 * Seed 00 01 02 ... 1f. Public key and signatures from:
 *   nacl.signing.SigningKey(bytes(range(32))).sign(canonical).signature
 */
#define SEED_PK		"A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="
#define KAT_APPROVE	"FnN0WAA3QkRc5JQpcx/HmhF/l0josvNfYtN7pBG2VbW7YCCo" \
			"Dd9dm9mxhxMIZgClzzX6jFW6VF5dMUJ4aY8vCw=="
#define KAT_DENY	"lzO7g6F1voazarFeVWlNepaaUJy11FV0F4TYSMBhxVmEe/zT" \
			"xtEsF6lJ1P2RDkYMgm3dzp3BZCDF16qStW+/Dg=="

struct keys {
	uint8_t	pk[PROTO_PK_BYTES];
	uint8_t	sk[PROTO_SK_BYTES];
};

static struct decision
fixed(void)
{
	struct decision	d;

	d.id = ID;
	d.digest = DIGEST;
	d.verdict = "approve";
	d.signer = "bob";
	d.signed_at = INT64_C(1700000100000);
	d.reason = "looks right";
	return d;
}

static void
seed_keys(struct keys *k)
{
	uint8_t	seed[PROTO_SEED_BYTES];
	size_t	i;

	for (i = 0; i < sizeof seed; i++)
		seed[i] = (uint8_t)i;
	assert_int_equal(crypto_sign_seed_keypair(k->pk, k->sk, seed), 0);
}

static void
test_canonical_bytes(void **state)
{
	struct decision	 d = fixed();
	char		*s, digest[PROTO_SHA256_HEX];
	size_t		 len = 0;

	/* The fixture's constants are what they claim to be. */
	codec_sha256_hex(BODY, strlen(BODY), digest);
	assert_string_equal(digest, DIGEST);
	codec_sha256_hex("looks right", 11, digest);
	assert_string_equal(digest, REASON_HASH);

	s = decision_canonical(&d, &len);
	assert_string_equal(s,
	    "approve-decision-v1\n"
	    "id:req_018bcfe568000123456789abcdef0123\n"
	    "digest:79cb5013885b0a3fcfbc3c9d93b0e18a"
	    "cde2a64b0f4b746913d088d8babc293f\n"
	    "verdict:approve\n"
	    "signer:bob\n"
	    "signed_at:1700000100000\n"
	    "reason:52725cf8d307a5d339a7dcd0dbbbf37d"
	    "c021be0d6402b84a91ecb14ecc00136f\n");
	assert_int_equal(len, strlen(s));
	assert_int_equal(len, 20 + 40 + 72 + 16 + 11 + 24 + 72);
	free(s);
}

/* No reason hashes the empty string; signed_at 0 is "0". */
static void
test_canonical_empty_reason(void **state)
{
	struct decision	 d = fixed();
	char		*s;
	size_t		 len;

	d.verdict = "deny";
	d.reason = "";
	d.signed_at = 0;
	s = decision_canonical(&d, &len);
	assert_string_equal(s,
	    "approve-decision-v1\n"
	    "id:" ID "\n"
	    "digest:" DIGEST "\n"
	    "verdict:deny\n"
	    "signer:bob\n"
	    "signed_at:0\n"
	    "reason:" EMPTY_HASH "\n");
	assert_int_equal(len, strlen(s));
	free(s);
}

/* A reason with a newline is hashed, so it cannot add a line. */
static void
test_canonical_reason_hashed(void **state)
{
	struct decision	 d = fixed();
	char		*s, hex[PROTO_SHA256_HEX], want[512];
	size_t		 len;

	d.reason = "ok\nverdict:approve";
	codec_sha256_hex(d.reason, strlen(d.reason), hex);
	snprintf(want, sizeof want, "approve-decision-v1\nid:" ID "\ndigest:"
	    DIGEST "\nverdict:approve\nsigner:bob\nsigned_at:1700000100000\n"
	    "reason:%s\n", hex);
	s = decision_canonical(&d, &len);
	assert_string_equal(s, want);
	free(s);
}

static void
test_sign_verify(void **state)
{
	struct decision	d = fixed(), e;
	struct keys	k, other;
	uint8_t		sig[PROTO_SIG_BYTES], bad[PROTO_SIG_BYTES];
	size_t		i;

	seed_keys(&k);
	crypto_sign_keypair(other.pk, other.sk);
	decision_sign(&d, k.sk, sig);
	assert_int_equal(decision_verify(&d, k.pk, sig), 0);
	assert_int_equal(decision_verify(&d, other.pk, sig), -1);

	/* Every field is covered. */
	e = d; e.id = "req_018bcfe568000123456789abcdef0124";
	assert_int_equal(decision_verify(&e, k.pk, sig), -1);
	e = d; e.digest = EMPTY_HASH;
	assert_int_equal(decision_verify(&e, k.pk, sig), -1);
	e = d; e.verdict = "deny";
	assert_int_equal(decision_verify(&e, k.pk, sig), -1);
	e = d; e.signer = "carol";
	assert_int_equal(decision_verify(&e, k.pk, sig), -1);
	e = d; e.signed_at = d.signed_at + 1;
	assert_int_equal(decision_verify(&e, k.pk, sig), -1);
	e = d; e.reason = "looks right ";
	assert_int_equal(decision_verify(&e, k.pk, sig), -1);
	e = d; e.reason = "";
	assert_int_equal(decision_verify(&e, k.pk, sig), -1);

	/* Every bit of the signature counts. */
	for (i = 0; i < sizeof sig * 8; i += 7) {
		memcpy(bad, sig, sizeof sig);
		bad[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (decision_verify(&d, k.pk, bad) != -1)
			fail_msg("bit %zu flipped still verifies", i);
	}
	memset(bad, 0, sizeof bad);
	assert_int_equal(decision_verify(&d, k.pk, bad), -1);
}

/* Ed25519 is deterministic: the fixed seed and decision give exactly the
 * signature computed independently. */
static void
test_known_answer(void **state)
{
	struct decision	 d = fixed();
	struct keys	 k;
	uint8_t		 sig[PROTO_SIG_BYTES], want[PROTO_SIG_BYTES];
	char		*b64;

	seed_keys(&k);
	b64 = codec_b64_encode(k.pk, sizeof k.pk);
	assert_string_equal(b64, SEED_PK);
	free(b64);

	decision_sign(&d, k.sk, sig);
	b64 = codec_b64_encode(sig, sizeof sig);
	assert_string_equal(b64, KAT_APPROVE);
	free(b64);

	d.verdict = "deny";
	d.reason = "";
	decision_sign(&d, k.sk, sig);
	b64 = codec_b64_encode(sig, sizeof sig);
	assert_string_equal(b64, KAT_DENY);
	free(b64);

	/* And the independent signature verifies here. */
	assert_int_equal(codec_b64_decode_exact(KAT_DENY, want, sizeof want),
	    0);
	assert_int_equal(decision_verify(&d, k.pk, want), 0);
	d.verdict = "approve";
	assert_int_equal(decision_verify(&d, k.pk, want), -1);
}

static void
test_auth_canonical(void **state)
{
	char	*s;
	size_t	 len = 0;

	s = decision_auth_canonical("q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=",
	    "bob", &len);
	assert_string_equal(s, "approve-console-auth-v1\n"
	    "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=\nbob\n");
	assert_int_equal(len, 24 + 45 + 4);
	assert_int_equal(len, strlen(s));
	free(s);

	s = decision_auth_canonical("", "a", &len);
	assert_string_equal(s, "approve-console-auth-v1\n\na\n");
	assert_int_equal(len, 27);
	free(s);
}

static void
test_verdict_valid(void **state)
{
	assert_int_equal(decision_verdict_valid("approve"), 1);
	assert_int_equal(decision_verdict_valid("deny"), 1);
	assert_int_equal(decision_verdict_valid("Approve"), 0);
	assert_int_equal(decision_verdict_valid("approved"), 0);
	assert_int_equal(decision_verdict_valid("denied"), 0);
	assert_int_equal(decision_verdict_valid("deny "), 0);
	assert_int_equal(decision_verdict_valid("appro"), 0);
	assert_int_equal(decision_verdict_valid(""), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_bytes),
		cmocka_unit_test(test_canonical_empty_reason),
		cmocka_unit_test(test_canonical_reason_hashed),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_auth_canonical),
		cmocka_unit_test(test_verdict_valid),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
