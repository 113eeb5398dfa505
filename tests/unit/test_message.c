/*
 * message.c: what a console may send (CONTRACT §5). A malformed hello, an
 * unknown type or bad JSON cut the peer off (-1); a decide with bad fields
 * is answered (rc 0 with m->bad), never silently taken.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approvald.h"
#include "codec.h"

#define ID		"req_018bcfe568000123456789abcdef0123"
#define SIG_B64		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g" \
			"ISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
#define SIG63_B64	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g" \
			"ISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+"
#define SIG65_B64	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g" \
			"ISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0A="

#define BAD_ID		"id must be a request id"
#define BAD_VERDICT	"verdict must be \"approve\" or \"deny\""
#define BAD_REASON	"reason must be at most 1024 bytes, no control " \
			"characters"
#define BAD_DENY	"a denial needs a reason"
#define BAD_SIGNED_AT	"signed_at must be Unix milliseconds"
#define BAD_SIG		"sig must be a base64 Ed25519 signature"

static int
parse(const char *text, struct message *m)
{
	return message_parse(text, strlen(text), m);
}

/* The signature bytes 00 01 ... 3f of SIG_B64. */
static void
sig_bytes(uint8_t sig[PROTO_SIG_BYTES])
{
	size_t	i;

	for (i = 0; i < PROTO_SIG_BYTES; i++)
		sig[i] = (uint8_t)i;
}

static void
test_hello_ok(void **state)
{
	struct message	m;
	uint8_t		sig[PROTO_SIG_BYTES];

	memset(&m, 0xee, sizeof m);
	assert_int_equal(parse("{\"type\":\"hello\",\"analyst\":\"bob\","
	    "\"sig\":\"" SIG_B64 "\"}", &m), 0);
	assert_int_equal(m.type, MESSAGE_HELLO);
	assert_string_equal(m.analyst, "bob");
	sig_bytes(sig);
	assert_memory_equal(m.sig, sig, sizeof sig);
	assert_null(m.bad);
	assert_string_equal(m.id, "");

	assert_int_equal(parse("{\"sig\":\"" SIG_B64 "\",\"analyst\":"
	    "\"a.b@c-d_e\",\"type\":\"hello\"}", &m), 0);
	assert_string_equal(m.analyst, "a.b@c-d_e");
}

static void
test_hello_bad(void **state)
{
	static const char *const bad[] = {
		/* bad names */
		"{\"type\":\"hello\",\"analyst\":\"_bob\",\"sig\":\"" SIG_B64
		    "\"}",
		"{\"type\":\"hello\",\"analyst\":\"bob smith\",\"sig\":\""
		    SIG_B64 "\"}",
		"{\"type\":\"hello\",\"analyst\":\"bob\\n\",\"sig\":\""
		    SIG_B64 "\"}",
		"{\"type\":\"hello\",\"analyst\":\"\",\"sig\":\"" SIG_B64
		    "\"}",
		"{\"type\":\"hello\",\"analyst\":\"a23456789012345678901234567"
		    "89012345678901234567890123456789012345\",\"sig\":\""
		    SIG_B64 "\"}",
		"{\"type\":\"hello\",\"analyst\":7,\"sig\":\"" SIG_B64 "\"}",
		/* bad signatures */
		"{\"type\":\"hello\",\"analyst\":\"bob\",\"sig\":\"" SIG63_B64
		    "\"}",
		"{\"type\":\"hello\",\"analyst\":\"bob\",\"sig\":\"" SIG65_B64
		    "\"}",
		"{\"type\":\"hello\",\"analyst\":\"bob\",\"sig\":\"not base64"
		    "\"}",
		"{\"type\":\"hello\",\"analyst\":\"bob\",\"sig\":\"\"}",
		"{\"type\":\"hello\",\"analyst\":\"bob\",\"sig\":[\"" SIG_B64
		    "\"]}",
		/* missing fields */
		"{\"type\":\"hello\",\"sig\":\"" SIG_B64 "\"}",
		"{\"type\":\"hello\",\"analyst\":\"bob\"}",
		"{\"type\":\"hello\"}",
	};
	struct message	m;
	size_t		i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse(bad[i], &m) != -1)
			fail_msg("accepted: %s", bad[i]);
	}
}

/* {"type":"decide", fields} */
static int
decide(const char *fields, struct message *m)
{
	char	text[4096];

	snprintf(text, sizeof text, "{\"type\":\"decide\"%s%s}",
	    *fields != '\0' ? "," : "", fields);
	return parse(text, m);
}

#define F_ID		"\"id\":\"" ID "\""
#define F_APPROVE	"\"verdict\":\"approve\""
#define F_DENY		"\"verdict\":\"deny\""
#define F_REASON	"\"reason\":\"looks right\""
#define F_AT		"\"signed_at\":1700000100000"
#define F_SIG		"\"sig\":\"" SIG_B64 "\""

static void
test_decide_ok(void **state)
{
	struct message	m;
	uint8_t		sig[PROTO_SIG_BYTES];

	assert_int_equal(decide(F_ID "," F_APPROVE "," F_REASON "," F_AT ","
	    F_SIG, &m), 0);
	assert_int_equal(m.type, MESSAGE_DECIDE);
	assert_null(m.bad);
	assert_string_equal(m.id, ID);
	assert_string_equal(m.verdict, "approve");
	assert_string_equal(m.reason, "looks right");
	assert_int_equal(m.signed_at, INT64_C(1700000100000));
	sig_bytes(sig);
	assert_memory_equal(m.sig, sig, sizeof sig);

	/* An approval needs no reason; the reason is then empty. */
	assert_int_equal(decide(F_ID "," F_APPROVE "," F_AT "," F_SIG, &m), 0);
	assert_null(m.bad);
	assert_string_equal(m.reason, "");

	assert_int_equal(decide(F_ID "," F_DENY ",\"reason\":\"not on a "
	    "Friday \xe2\x80\x94 caf\xc3\xa9\"," F_AT "," F_SIG, &m), 0);
	assert_null(m.bad);
	assert_string_equal(m.verdict, "deny");
	assert_string_equal(m.reason, "not on a Friday \xe2\x80\x94 caf\xc3\xa9");
}

/* A reason of exactly 1024 bytes is taken; 1025 is not. */
static void
test_decide_reason_length(void **state)
{
	struct message	 m;
	char		 fields[2048], reason[PROTO_REASON_MAX + 2];

	memset(reason, 'r', sizeof reason - 2);
	reason[sizeof reason - 2] = '\0';
	snprintf(fields, sizeof fields, F_ID "," F_DENY ",\"reason\":\"%s\","
	    F_AT "," F_SIG, reason);
	assert_int_equal(decide(fields, &m), 0);
	assert_null(m.bad);
	assert_int_equal(strlen(m.reason), PROTO_REASON_MAX);

	memset(reason, 'r', sizeof reason - 1);
	reason[sizeof reason - 1] = '\0';
	snprintf(fields, sizeof fields, F_ID "," F_DENY ",\"reason\":\"%s\","
	    F_AT "," F_SIG, reason);
	assert_int_equal(decide(fields, &m), 0);
	assert_string_equal(m.bad, BAD_REASON);
}

/* Each malformed field: answered (rc 0) with the reason in m->bad. */
static void
test_decide_bad_fields(void **state)
{
	static const struct {
		const char	*fields;
		const char	*bad;
	} cases[] = {
		{ F_APPROVE "," F_AT "," F_SIG, BAD_ID },
		{ "\"id\":42," F_APPROVE "," F_AT "," F_SIG, BAD_ID },
		{ "\"id\":\"req_0123456789012345678901234567890123456789"
		    "012345\"," F_APPROVE "," F_AT "," F_SIG, BAD_ID },
		{ F_ID "," F_AT "," F_SIG, BAD_VERDICT },
		{ F_ID ",\"verdict\":\"approved\"," F_AT "," F_SIG,
		    BAD_VERDICT },
		{ F_ID ",\"verdict\":\"Approve\"," F_AT "," F_SIG,
		    BAD_VERDICT },
		{ F_ID ",\"verdict\":\"approve-and-more\"," F_AT "," F_SIG,
		    BAD_VERDICT },
		{ F_ID ",\"verdict\":true," F_AT "," F_SIG, BAD_VERDICT },
		{ F_ID "," F_APPROVE ",\"reason\":7," F_AT "," F_SIG,
		    BAD_REASON },
		{ F_ID "," F_APPROVE ",\"reason\":null," F_AT "," F_SIG,
		    BAD_REASON },
		{ F_ID "," F_DENY ",\"reason\":\"no\\nway\"," F_AT "," F_SIG,
		    BAD_REASON },
		{ F_ID "," F_DENY ",\"reason\":\"\\u001b[2J\"," F_AT ","
		    F_SIG, BAD_REASON },
		{ F_ID "," F_DENY ",\"reason\":\"nel\\u0085\"," F_AT ","
		    F_SIG, BAD_REASON },
		{ F_ID "," F_DENY "," F_AT "," F_SIG, BAD_DENY },
		{ F_ID "," F_DENY ",\"reason\":\"\"," F_AT "," F_SIG,
		    BAD_DENY },
		{ F_ID "," F_APPROVE "," F_SIG, BAD_SIGNED_AT },
		{ F_ID "," F_APPROVE ",\"signed_at\":\"1700000100000\","
		    F_SIG, BAD_SIGNED_AT },
		{ F_ID "," F_APPROVE ",\"signed_at\":1700000100000.5,"
		    F_SIG, BAD_SIGNED_AT },
		{ F_ID "," F_APPROVE ",\"signed_at\":-1," F_SIG,
		    BAD_SIGNED_AT },
		{ F_ID "," F_APPROVE ",\"signed_at\":4503599627370497,"
		    F_SIG, BAD_SIGNED_AT },
		{ F_ID "," F_APPROVE ",\"signed_at\":1e300," F_SIG,
		    BAD_SIGNED_AT },
		{ F_ID "," F_APPROVE "," F_AT, BAD_SIG },
		{ F_ID "," F_APPROVE "," F_AT ",\"sig\":\"" SIG63_B64 "\"",
		    BAD_SIG },
		{ F_ID "," F_APPROVE "," F_AT ",\"sig\":\"" SIG65_B64 "\"",
		    BAD_SIG },
		{ F_ID "," F_APPROVE "," F_AT ",\"sig\":\"%%%%\"", BAD_SIG },
		{ F_ID "," F_APPROVE "," F_AT ",\"sig\":\"" SIG_B64 "\\n\"",
		    BAD_SIG },
		{ F_ID "," F_APPROVE "," F_AT ",\"sig\":64", BAD_SIG },
	};
	struct message	m;
	size_t		i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (decide(cases[i].fields, &m) != 0)
			fail_msg("cut off: %s", cases[i].fields);
		assert_int_equal(m.type, MESSAGE_DECIDE);
		if (m.bad == NULL)
			fail_msg("accepted: %s", cases[i].fields);
		if (strcmp(m.bad, cases[i].bad) != 0)
			fail_msg("%s: \"%s\", not \"%s\"", cases[i].fields,
			    m.bad, cases[i].bad);
	}
}

/* The id is kept even when a later field is bad, so that the refusal
 * can name it. */
static void
test_decide_bad_keeps_id(void **state)
{
	struct message	m;

	assert_int_equal(decide(F_ID "," F_DENY "," F_AT "," F_SIG, &m), 0);
	assert_string_equal(m.bad, BAD_DENY);
	assert_string_equal(m.id, ID);
}

/* Anything else cuts the peer off. */
static void
test_cut_off(void **state)
{
	static const char *const bad[] = {
		"{\"type\":\"bye\"}",
		"{\"type\":\"Hello\",\"analyst\":\"bob\",\"sig\":\"" SIG_B64
		    "\"}",
		"{\"type\":\"decide \"}",
		"{\"type\":\"\"}",
		"{\"type\":1}",
		"{\"type\":null}",
		"{\"analyst\":\"bob\",\"sig\":\"" SIG_B64 "\"}",
		"{}",
		"[]",
		"[\"hello\"]",
		"\"hello\"",
		"null",
		"",
		"{",
		"{\"type\":\"hello\"",
		"{\"type\":\"decide\"} x",
		"{\"type\":\"decide\",\"type\":\"hello\"}",
		"{\"type\":\"decide\",\"id\":\"a\\u0000b\"}",
		"{\"type\":\"de\xffide\"}",
	};
	struct message	m;
	size_t		i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse(bad[i], &m) != -1)
			fail_msg("not cut off: %s", bad[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_ok),
		cmocka_unit_test(test_hello_bad),
		cmocka_unit_test(test_decide_ok),
		cmocka_unit_test(test_decide_reason_length),
		cmocka_unit_test(test_decide_bad_fields),
		cmocka_unit_test(test_decide_bad_keeps_id),
		cmocka_unit_test(test_cut_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
