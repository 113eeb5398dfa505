/*
 * submit.c: the body of POST /v1/requests (CONTRACT §3). The contract's
 * example is accepted field for field; then each rule is broken once,
 * starting from a body that passes, and the refusal's message checked.
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
#include "json.h"

#define MAX_TIMEOUT	86400

/* CONTRACT §3's example, byte for byte. */
#define EXAMPLE \
	"{ \"action\": \"isolate_host\", \"target\": \"ws-042\", " \
	"\"params\": { \"ticket\": \"INC-7\" },\n" \
	"  \"justification\": \"EDR alert 5521: beaconing to known C2\",\n" \
	"  \"on_behalf_of\": \"alice\", \"idempotency_key\": \"run-19-step-4\", " \
	"\"timeout_s\": 300 }"

#define ACT	"\"action\":\"isolate_host\""
#define TGT	"\"target\":\"ws-042\""
#define JUS	"\"justification\":\"why\""
#define BASE	ACT "," TGT "," JUS

/* Parse text, which must be accepted. */
static void
sub_ok(const char *text, struct submission *sub)
{
	char	err[256] = "";

	if (submit_parse(text, strlen(text), MAX_TIMEOUT, sub, err,
	    sizeof err) != 0)
		fail_msg("refused (%s): %.200s", err, text);
}

/* Parse text, which must be refused with want. */
static void
sub_bad(const char *text, const char *want)
{
	struct submission	sub;
	char			err[256] = "";

	if (submit_parse(text, strlen(text), MAX_TIMEOUT, &sub, err,
	    sizeof err) == 0) {
		submit_free(&sub);
		fail_msg("accepted: %.200s", text);
	}
	assert_string_equal(err, want);
	assert_null(sub.root);
	assert_null(sub.action);
}

/* "{" BASE "," extra "}" */
static char *
with(const char *extra)
{
	char	*s;

	s = malloc(strlen(BASE) + strlen(extra) + 4);
	assert_non_null(s);
	sprintf(s, "{%s%s%s}", BASE, *extra != '\0' ? "," : "", extra);
	return s;
}

static void
bad_with(const char *extra, const char *want)
{
	char	*s = with(extra);

	sub_bad(s, want);
	free(s);
}

static void
ok_with(const char *extra, struct submission *sub)
{
	char	*s = with(extra);

	sub_ok(s, sub);
	free(s);
}

/* {"action":..,"target":..,"justification":"<n bytes of c>"} */
static char *
with_long(const char *key, size_t n, char c)
{
	char	*s, *p;

	s = malloc(n + 256);
	assert_non_null(s);
	p = s + sprintf(s, "{" ACT ",\"%s\":\"", key);
	memset(p, c, n);
	p += n;
	if (strcmp(key, "target") != 0)
		p += sprintf(p, "\"," TGT);
	else
		p += sprintf(p, "\"");
	if (strcmp(key, "justification") != 0)
		sprintf(p, "," JUS "}");
	else
		sprintf(p, "}");
	return s;
}

static void
test_contract_example(void **state)
{
	struct submission	sub;

	sub_ok(EXAMPLE, &sub);
	assert_true(cJSON_IsObject(sub.root));
	assert_string_equal(sub.action, "isolate_host");
	assert_string_equal(sub.target, "ws-042");
	assert_string_equal(sub.justification,
	    "EDR alert 5521: beaconing to known C2");
	assert_string_equal(sub.on_behalf_of, "alice");
	assert_string_equal(sub.idempotency_key, "run-19-step-4");
	assert_int_equal(sub.timeout_s, 300);
	assert_true(cJSON_IsObject(sub.params));
	assert_string_equal(json_string(sub.params, "ticket"), "INC-7");
	submit_free(&sub);
	assert_null(sub.root);
	assert_null(sub.action);
}

/* Only the three required fields: the optional ones are absent. */
static void
test_minimal(void **state)
{
	struct submission	sub;

	ok_with("", &sub);
	assert_string_equal(sub.action, "isolate_host");
	assert_string_equal(sub.target, "ws-042");
	assert_string_equal(sub.justification, "why");
	assert_null(sub.on_behalf_of);
	assert_null(sub.idempotency_key);
	assert_null(sub.params);
	assert_int_equal(sub.timeout_s, 0);
	submit_free(&sub);
}

static void
test_unknown_key(void **state)
{
	bad_with("\"extra\":1", "unknown key \"extra\"");
	bad_with("\"Action\":\"x\"", "unknown key \"Action\"");
	bad_with("\"params \":{}", "unknown key \"params \"");
	bad_with("\"approved\":true", "unknown key \"approved\"");
	bad_with("\"\":1", "unknown key \"\"");
}

static void
test_missing(void **state)
{
	sub_bad("{" TGT "," JUS "}", "action is required");
	sub_bad("{" ACT "," JUS "}", "target is required");
	sub_bad("{" ACT "," TGT "}", "justification is required");
	sub_bad("{}", "action is required");
	sub_bad("{\"action\":null," TGT "," JUS "}", "action must be a string");
	sub_bad("{" ACT ",\"target\":null," JUS "}", "target must be a string");
	sub_bad("{" ACT "," TGT ",\"justification\":null}",
	    "justification must be a string");
}

static void
test_action(void **state)
{
	static const char *const bad[] = {
		"Isolate_host", "isolate host", "isolate/host", "1isolate",
		"_isolate", ".x", "-x", "isolate\\u0000", "isolate\\n",
		"isolat\\u00e9", "isolate:host",
		"a2345678901234567890123456789012345678901234567890123456789012345"
	};
	struct submission	sub;
	char			text[512];
	size_t			i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "{\"action\":\"%s\"," TGT "," JUS
		    "}", bad[i]);
		if (strstr(bad[i], "\\u0000") != NULL)
			sub_bad(text, "strings may not contain \\u0000");
		else if (strlen(bad[i]) > PROTO_ACTION_MAX)
			sub_bad(text, "action must be 1 to 64 bytes");
		else if (strstr(bad[i], "\\n") != NULL)
			sub_bad(text,
			    "action may not contain control characters");
		else
			sub_bad(text,
			    "action must match ^[a-z][a-z0-9_.-]{0,63}$");
	}
	sub_bad("{\"action\":\"\"," TGT "," JUS "}",
	    "action must be 1 to 64 bytes");
	sub_bad("{\"action\":7," TGT "," JUS "}", "action must be a string");

	sub_ok("{\"action\":\"a\"," TGT "," JUS "}", &sub);
	submit_free(&sub);
	sub_ok("{\"action\":\"a2345678901234567890123456789012345678901234567"
	    "89012345678901.-_\"," TGT "," JUS "}", &sub);
	assert_int_equal(strlen(sub.action), PROTO_ACTION_MAX);
	submit_free(&sub);
}

static void
test_target(void **state)
{
	struct submission	 sub;
	char			*s;

	s = with_long("target", PROTO_TARGET_MAX, 't');
	sub_ok(s, &sub);
	assert_int_equal(strlen(sub.target), PROTO_TARGET_MAX);
	submit_free(&sub);
	free(s);
	s = with_long("target", PROTO_TARGET_MAX + 1, 't');
	sub_bad(s, "target must be 1 to 256 bytes");
	free(s);

	sub_bad("{" ACT ",\"target\":\"\"," JUS "}",
	    "target must be 1 to 256 bytes");
	sub_bad("{" ACT ",\"target\":[\"ws-042\"]," JUS "}",
	    "target must be a string");
#define TARGET_CTL(t) \
	sub_bad("{" ACT ",\"target\":\"" t "\"," JUS "}", \
	    "target may not contain control characters")
	TARGET_CTL("ws-042\\n");
	TARGET_CTL("ws\\t042");
	TARGET_CTL("\\u001b[2Jws-042");
	TARGET_CTL("ws-042\\u007f");
	TARGET_CTL("ws-042\\u0085");		/* C1 NEL, escaped */
	TARGET_CTL("ws-042\xc2\x85");		/* C1 NEL, raw */
	TARGET_CTL("\\u009bws");		/* C1 CSI */
#undef TARGET_CTL
	/* A raw C0 byte is not JSON at all. */
	sub_bad("{" ACT ",\"target\":\"ws\x01\"," JUS "}",
	    "JSON text may not hold raw control characters or a byte order "
	    "mark");

	/* Non-ASCII that is not a control is fine. */
	sub_ok("{" ACT ",\"target\":\"h\xc3\xb4te-\\u00a0\\u2019\"," JUS "}",
	    &sub);
	assert_string_equal(sub.target, "h\xc3\xb4te-\xc2\xa0\xe2\x80\x99");
	submit_free(&sub);
}

static void
test_justification(void **state)
{
	struct submission	 sub;
	char			*s;

	s = with_long("justification", PROTO_JUSTIFICATION_MAX, 'j');
	sub_ok(s, &sub);
	assert_int_equal(strlen(sub.justification), PROTO_JUSTIFICATION_MAX);
	submit_free(&sub);
	free(s);
	s = with_long("justification", PROTO_JUSTIFICATION_MAX + 1, 'j');
	sub_bad(s, "justification must be 1 to 4096 bytes");
	free(s);

	sub_bad("{" ACT "," TGT ",\"justification\":\"\"}",
	    "justification must be 1 to 4096 bytes");
	sub_bad("{" ACT "," TGT ",\"justification\":42}",
	    "justification must be a string");

	/* Any text: lines, tabs and non-ASCII are allowed here. */
	sub_ok("{" ACT "," TGT ",\"justification\":\"line 1\\nline 2\\t"
	    "caf\xc3\xa9\"}", &sub);
	assert_string_equal(sub.justification, "line 1\nline 2\tcaf\xc3\xa9");
	submit_free(&sub);
}

/* Bytes, not characters: 2048 two-byte characters are 4096 bytes. */
static void
test_justification_bytes(void **state)
{
	struct submission	 sub;
	char			*s, *p;
	size_t			 i;

	s = malloc(2 * 2049 + 128);
	assert_non_null(s);
	p = s + sprintf(s, "{" ACT "," TGT ",\"justification\":\"");
	for (i = 0; i < 2048; i++)
		p += sprintf(p, "\xc3\xa9");
	strcpy(p, "\"}");
	sub_ok(s, &sub);
	assert_int_equal(strlen(sub.justification), 4096);
	submit_free(&sub);
	strcpy(p, "x\"}");
	sub_bad(s, "justification must be 1 to 4096 bytes");
	free(s);
}

static void
test_params(void **state)
{
	struct submission	sub;

	bad_with("\"params\":[]", "params must be an object");
	bad_with("\"params\":\"amount=5\"", "params must be an object");
	bad_with("\"params\":5", "params must be an object");
	bad_with("\"params\":null", "params must be an object");
	bad_with("\"params\":true", "params must be an object");
	bad_with("\"params\":{\"a\":1,\"a\":2}",
	    "JSON nested too deeply or has a duplicate key");

	ok_with("\"params\":{}", &sub);
	assert_true(cJSON_IsObject(sub.params));
	assert_null(sub.params->child);
	submit_free(&sub);
	ok_with("\"params\":{\"amount\":120,\"n\":{\"deep\":[1]}}", &sub);
	assert_int_equal(cJSON_GetObjectItem(sub.params, "amount")->valueint,
	    120);
	submit_free(&sub);
}

#define TIMEOUT_ERR	"timeout_s must be an integer from 1 to 86400"

static void
test_timeout(void **state)
{
	struct submission	sub;

	bad_with("\"timeout_s\":0", TIMEOUT_ERR);
	bad_with("\"timeout_s\":-1", TIMEOUT_ERR);
	bad_with("\"timeout_s\":1.5", TIMEOUT_ERR);
	bad_with("\"timeout_s\":0.5", TIMEOUT_ERR);
	bad_with("\"timeout_s\":86401", TIMEOUT_ERR);
	bad_with("\"timeout_s\":1e300", TIMEOUT_ERR);
	bad_with("\"timeout_s\":\"300\"", TIMEOUT_ERR);
	bad_with("\"timeout_s\":null", TIMEOUT_ERR);
	bad_with("\"timeout_s\":true", TIMEOUT_ERR);
	bad_with("\"timeout_s\":[300]", TIMEOUT_ERR);

	ok_with("\"timeout_s\":1", &sub);
	assert_int_equal(sub.timeout_s, 1);
	submit_free(&sub);
	ok_with("\"timeout_s\":86400", &sub);
	assert_int_equal(sub.timeout_s, 86400);
	submit_free(&sub);
}

/* The limit is the caller's (limits.max_timeout_s), not a constant. */
static void
test_timeout_limit(void **state)
{
	struct submission	 sub;
	char			*s, err[256];

	s = with("\"timeout_s\":61");
	assert_int_equal(submit_parse(s, strlen(s), 60, &sub, err,
	    sizeof err), -1);
	assert_string_equal(err,
	    "timeout_s must be an integer from 1 to 60");
	free(s);
	s = with("\"timeout_s\":60");
	assert_int_equal(submit_parse(s, strlen(s), 60, &sub, err,
	    sizeof err), 0);
	assert_int_equal(sub.timeout_s, 60);
	submit_free(&sub);
	free(s);
}

static void
test_on_behalf_of(void **state)
{
	struct submission	 sub;
	char			*s;

	bad_with("\"on_behalf_of\":\"al\\nice\"",
	    "on_behalf_of may not contain control characters");
	bad_with("\"on_behalf_of\":\"alice\\r\"",
	    "on_behalf_of may not contain control characters");
	bad_with("\"on_behalf_of\":\"alice\\u0085\"",
	    "on_behalf_of may not contain control characters");
	bad_with("\"on_behalf_of\":\"\\u001b]0;x\\u0007alice\"",
	    "on_behalf_of may not contain control characters");
	bad_with("\"on_behalf_of\":\"\"",
	    "on_behalf_of must be 1 to 128 bytes");
	bad_with("\"on_behalf_of\":5", "on_behalf_of must be a string");
	s = with_long("on_behalf_of", PROTO_ON_BEHALF_MAX + 1, 'o');
	sub_bad(s, "on_behalf_of must be 1 to 128 bytes");
	free(s);
	s = with_long("on_behalf_of", PROTO_ON_BEHALF_MAX, 'o');
	sub_ok(s, &sub);
	assert_int_equal(strlen(sub.on_behalf_of), PROTO_ON_BEHALF_MAX);
	submit_free(&sub);
	free(s);
}

static void
test_idempotency_key(void **state)
{
	struct submission	 sub;
	char			*s;

	bad_with("\"idempotency_key\":\"run\\n19\"",
	    "idempotency_key may not contain control characters");
	bad_with("\"idempotency_key\":\"run\\u009f\"",
	    "idempotency_key may not contain control characters");
	bad_with("\"idempotency_key\":\"\"",
	    "idempotency_key must be 1 to 128 bytes");
	bad_with("\"idempotency_key\":19", "idempotency_key must be a string");
	s = with_long("idempotency_key", PROTO_IDEMPOTENCY_MAX + 1, 'k');
	sub_bad(s, "idempotency_key must be 1 to 128 bytes");
	free(s);
	s = with_long("idempotency_key", PROTO_IDEMPOTENCY_MAX, 'k');
	sub_ok(s, &sub);
	assert_int_equal(strlen(sub.idempotency_key), PROTO_IDEMPOTENCY_MAX);
	submit_free(&sub);
	free(s);
}

/* The freshness nonce is optional, 16 to 64 printable ASCII characters. */
static void
test_nonce(void **state)
{
	struct submission	 sub;
	const char		*want = "nonce must be a string of 16 to 64 "
				    "printable ASCII characters";
	char			*s;

	ok_with("\"nonce\":\"0123456789abcdef\"", &sub);
	submit_free(&sub);
	bad_with("\"nonce\":\"0123456789abcde\"", want);
	bad_with("\"nonce\":\"0123456789 abcdef\"", want);
	bad_with("\"nonce\":\"0123456789abcdef\\u00e9\"", want);
	bad_with("\"nonce\":1234567890123456", want);
	bad_with("\"nonce\":null", want);
	s = with_long("nonce", PROTO_BODY_NONCE_MAX, 'n');
	sub_ok(s, &sub);
	submit_free(&sub);
	free(s);
	s = with_long("nonce", PROTO_BODY_NONCE_MAX + 1, 'n');
	sub_bad(s, want);
	free(s);
}

static void
test_not_an_object(void **state)
{
	sub_bad("[]", "body must be a JSON object");
	sub_bad("[{" BASE "}]", "body must be a JSON object");
	sub_bad("\"isolate_host\"", "body must be a JSON object");
	sub_bad("1", "body must be a JSON object");
	sub_bad("null", "body must be a JSON object");
	sub_bad("true", "body must be a JSON object");
	sub_bad("", "body is not valid JSON");
	sub_bad("{" BASE "} {}", "unexpected data after the JSON value");
	sub_bad("{" BASE ",\"target\":\"dc-01\"}",
	    "JSON nested too deeply or has a duplicate key");
	sub_bad("{" ACT "," TGT ",\"justification\":\"\xff\"}",
	    "body is not valid UTF-8");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contract_example),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_action),
		cmocka_unit_test(test_target),
		cmocka_unit_test(test_justification),
		cmocka_unit_test(test_justification_bytes),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_timeout_limit),
		cmocka_unit_test(test_on_behalf_of),
		cmocka_unit_test(test_idempotency_key),
		cmocka_unit_test(test_nonce),
		cmocka_unit_test(test_not_an_object),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
