/*
 * json.c: the strict parser every outside body goes through. Each refusal
 * is checked with its message, so that a body refused for the wrong reason
 * (say, "not valid JSON" where a duplicate key was meant) shows up.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "proto.h"

#define MSG_UTF8	"body is not valid UTF-8"
#define MSG_NUL		"strings may not contain \\u0000"
#define MSG_SYNTAX	"body is not valid JSON"
#define MSG_TRAILING	"unexpected data after the JSON value"
#define MSG_TREE	"JSON nested too deeply or has a duplicate key"

/* Parse len bytes of text, which must be accepted. */
static cJSON *
parse_ok_len(const char *text, size_t len)
{
	cJSON	*root;
	char	 err[256] = "";

	if ((root = json_parse(text, len, err, sizeof err)) == NULL)
		fail_msg("refused (%s): %.*s", err, (int)len, text);
	return root;
}

static cJSON *
parse_ok(const char *text)
{
	return parse_ok_len(text, strlen(text));
}

/* Parse len bytes of text, which must be refused with message want. */
static void
parse_bad_len(const char *text, size_t len, const char *want)
{
	cJSON	*root;
	char	 err[256] = "";

	if ((root = json_parse(text, len, err, sizeof err)) != NULL) {
		cJSON_Delete(root);
		fail_msg("accepted: %.*s", (int)len, text);
	}
	assert_string_equal(err, want);
}

static void
parse_bad(const char *text, const char *want)
{
	parse_bad_len(text, strlen(text), want);
}

/* n arrays nested in each other around inner ("" for none). */
static char *
nested(int n, const char *inner)
{
	char	*s, *p;
	int	 i;

	s = p = malloc(2 * (size_t)n + strlen(inner) + 1);
	assert_non_null(s);
	for (i = 0; i < n; i++)
		*p++ = '[';
	p = stpcpy(p, inner);
	for (i = 0; i < n; i++)
		*p++ = ']';
	*p = '\0';
	return s;
}

/* n objects nested as {"k":{"k":...}}, the innermost holding "k":inner,
 * or nothing when inner is "". */
static char *
nested_objects(int n, const char *inner)
{
	char	*s, *p;
	int	 i;

	s = p = malloc(6 * (size_t)n + strlen(inner) + 1);
	assert_non_null(s);
	for (i = 0; i < n - 1; i++)
		p = stpcpy(p, "{\"k\":");
	p = stpcpy(p, "{");
	if (*inner != '\0') {
		p = stpcpy(p, "\"k\":");
		p = stpcpy(p, inner);
	}
	for (i = 0; i < n; i++)
		*p++ = '}';
	*p = '\0';
	return s;
}

static void
test_accepts(void **state)
{
	cJSON	*root;

	root = parse_ok("{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}");
	assert_true(cJSON_IsObject(root));
	assert_string_equal(json_string(cJSON_GetObjectItem(root, "c"), "d"),
	    "e");
	cJSON_Delete(root);

	root = parse_ok("  {\"x\" : \"caf\xc3\xa9 \xe2\x82\xac\"}\r\n\t ");
	assert_string_equal(json_string(root, "x"),
	    "caf\xc3\xa9 \xe2\x82\xac");
	cJSON_Delete(root);

	/* Escapes that decode to valid text, a surrogate pair among them. */
	root = parse_ok("[\"\\u00e9\\ud83d\\ude00\\n\\\"\"]");
	assert_string_equal(cJSON_GetArrayItem(root, 0)->valuestring,
	    "\xc3\xa9\xf0\x9f\x98\x80\n\"");
	cJSON_Delete(root);

	/* Same key in two different objects is not a duplicate. */
	cJSON_Delete(parse_ok("{\"a\":{\"k\":1},\"b\":{\"k\":2}}"));
	/* Keys differing only in case are different keys. */
	cJSON_Delete(parse_ok("{\"k\":1,\"K\":2}"));
	cJSON_Delete(parse_ok("[]"));
	cJSON_Delete(parse_ok("\"s\""));
	cJSON_Delete(parse_ok("0"));
}

/* Only the len bytes given are read: no NUL terminator is needed. */
static void
test_length_bounded(void **state)
{
	cJSON	*root;

	root = parse_ok_len("{\"a\":1}GARBAGE", 7);
	assert_int_equal(cJSON_GetObjectItem(root, "a")->valueint, 1);
	cJSON_Delete(root);
	parse_bad_len("{\"a\":1}", 6, MSG_SYNTAX);
	parse_bad_len("", 0, MSG_SYNTAX);
}

static void
test_invalid_utf8(void **state)
{
	parse_bad("{\"a\":\"\xff\"}", MSG_UTF8);
	parse_bad("{\"a\":\"\xc0\xaf\"}", MSG_UTF8);		/* overlong */
	parse_bad("{\"a\":\"\xed\xa0\x80\"}", MSG_UTF8);	/* surrogate */
	parse_bad("{\"a\":\"\xf4\x90\x80\x80\"}", MSG_UTF8);	/* > 10FFFF */
	parse_bad("{\"a\":\"\xc3\"}", MSG_UTF8);		/* truncated */
	parse_bad("{\"\xe9\":1}", MSG_UTF8);			/* in a key */
	parse_bad("[1]\xff", MSG_UTF8);			/* after the value */
	/* Escaped lone surrogates would decode to invalid UTF-8. */
	parse_bad("[\"\\ud800\"]", MSG_SYNTAX);
	parse_bad("[\"\\udc00\"]", MSG_SYNTAX);
	parse_bad("[\"\\ud800x\"]", MSG_SYNTAX);
}

static void
test_trailing(void **state)
{
	parse_bad("{} x", MSG_TRAILING);
	parse_bad("{}{}", MSG_TRAILING);
	parse_bad("{\"a\":1}}", MSG_TRAILING);
	parse_bad("[1],", MSG_TRAILING);
	parse_bad("1 2", MSG_TRAILING);
	parse_bad("{}\n{\"action\":\"x\"}", MSG_TRAILING);
	parse_bad("\"a\"\"b\"", MSG_TRAILING);
	cJSON_Delete(parse_ok("{} \n"));
}

static void
test_syntax(void **state)
{
	parse_bad("{", MSG_SYNTAX);
	parse_bad("{\"a\":}", MSG_SYNTAX);
	parse_bad("{\"a\":1,}", MSG_SYNTAX);
	parse_bad("{'a':1}", MSG_SYNTAX);
	parse_bad("[\"\\x41\"]", MSG_SYNTAX);
	parse_bad("   ", MSG_SYNTAX);
}

static void
test_duplicate_keys(void **state)
{
	parse_bad("{\"a\":1,\"a\":2}", MSG_TREE);
	parse_bad("{\"a\":1,\"b\":2,\"a\":1}", MSG_TREE);
	parse_bad("{\"target\":\"ws-1\",\"x\":0,\"target\":\"dc-1\"}", MSG_TREE);
	/* The same key once escaped and once not. */
	parse_bad("{\"a\":1,\"\\u0061\":2}", MSG_TREE);
	/* Nested, in an object and in an object inside an array. */
	parse_bad("{\"p\":{\"k\":1,\"k\":2}}", MSG_TREE);
	parse_bad("{\"p\":[{\"x\":{\"k\":1,\"k\":1}}]}", MSG_TREE);
	parse_bad("[{},{\"k\":[],\"k\":{}}]", MSG_TREE);
}

/* Sixteen levels of nesting are accepted; a seventeenth is not, whether
 * the innermost level holds something or not. */
static void
test_depth(void **state)
{
	char	*s;

	s = nested(PROTO_JSON_DEPTH_MAX, "1");
	cJSON_Delete(parse_ok(s));
	free(s);
	s = nested(PROTO_JSON_DEPTH_MAX, "");
	cJSON_Delete(parse_ok(s));
	free(s);
	s = nested_objects(PROTO_JSON_DEPTH_MAX, "1");
	cJSON_Delete(parse_ok(s));
	free(s);
	s = nested_objects(PROTO_JSON_DEPTH_MAX, "");
	cJSON_Delete(parse_ok(s));
	free(s);

	s = nested(PROTO_JSON_DEPTH_MAX + 1, "1");
	parse_bad(s, MSG_TREE);
	free(s);
	s = nested(PROTO_JSON_DEPTH_MAX + 1, "");
	parse_bad(s, MSG_TREE);
	free(s);
	s = nested_objects(PROTO_JSON_DEPTH_MAX + 1, "1");
	parse_bad(s, MSG_TREE);
	free(s);
	s = nested_objects(PROTO_JSON_DEPTH_MAX + 1, "");
	parse_bad(s, MSG_TREE);
	free(s);
	s = nested(5000, "");
	parse_bad(s, MSG_SYNTAX);	/* past cJSON's own limit */
	free(s);
}

static void
test_nul_escape(void **state)
{
	parse_bad("[\"\\u0000\"]", MSG_NUL);
	parse_bad("{\"a\\u0000b\":1}", MSG_NUL);
	parse_bad("{\"a\":\"x\\u0000\"}", MSG_NUL);
	/* An escaped backslash, then a real \u0000. */
	parse_bad("[\"\\\\\\u0000\"]", MSG_NUL);
	parse_bad("[\"\\\"\\u0000\"]", MSG_NUL);
}

/* "\\u0000" is a backslash followed by the text u0000: no NUL. */
static void
test_escaped_backslash_u0000(void **state)
{
	cJSON	*root;

	root = parse_ok("[\"\\\\u0000\"]");
	assert_string_equal(cJSON_GetArrayItem(root, 0)->valuestring,
	    "\\u0000");
	assert_int_equal(strlen(cJSON_GetArrayItem(root, 0)->valuestring), 6);
	cJSON_Delete(root);

	root = parse_ok("{\"k\":\"a\\\\\\\\u0000\"}");
	assert_string_equal(json_string(root, "k"), "a\\\\u0000");
	cJSON_Delete(root);

	/* Other \u escapes of low code points are not NUL. */
	root = parse_ok("[\"\\u0001\\u0010\\u0100\"]");
	cJSON_Delete(root);
}

static void
test_json_string(void **state)
{
	cJSON	*root;

	root = parse_ok("{\"s\":\"v\",\"n\":1,\"z\":null,\"S\":\"w\"}");
	assert_string_equal(json_string(root, "s"), "v");
	assert_string_equal(json_string(root, "S"), "w");
	assert_null(json_string(root, "n"));
	assert_null(json_string(root, "z"));
	assert_null(json_string(root, "missing"));
	cJSON_Delete(root);
}

/* json_int on {"n": text}: rc, and *out (left at 77 when refused). */
static int
int_of(const char *text, int64_t min, int64_t max, int64_t *out)
{
	cJSON	*root;
	char	 buf[256];
	int	 rc;

	snprintf(buf, sizeof buf, "{\"n\":%s}", text);
	root = parse_ok(buf);
	*out = 77;
	rc = json_int(root, "n", min, max, out);
	cJSON_Delete(root);
	return rc;
}

static void
test_json_int(void **state)
{
	int64_t	v;

	assert_int_equal(int_of("5", 1, 10, &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(int_of("1", 1, 10, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(int_of("10", 1, 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(int_of("-3", -5, 0, &v), 0);
	assert_int_equal(v, -3);
	assert_int_equal(int_of("1e3", 0, 5000, &v), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(int_of("2.0", 0, 5, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(int_of("1700000000000", 0, INT64_C(1) << 52, &v), 0);
	assert_int_equal(v, INT64_C(1700000000000));

	assert_int_equal(int_of("0", 1, 10, &v), -1);
	assert_int_equal(v, 77);
	assert_int_equal(int_of("11", 1, 10, &v), -1);
	assert_int_equal(int_of("-1", 0, 10, &v), -1);
	assert_int_equal(int_of("1.5", 0, 10, &v), -1);
	assert_int_equal(int_of("0.000001", 0, 10, &v), -1);
	assert_int_equal(int_of("9.999999", 0, 10, &v), -1);
	assert_int_equal(int_of("1e400", 0, INT64_MAX, &v), -1);
	assert_int_equal(int_of("-1e400", INT64_MIN, 0, &v), -1);
	assert_int_equal(int_of("\"5\"", 0, 10, &v), -1);
	assert_int_equal(int_of("true", 0, 10, &v), -1);
	assert_int_equal(int_of("null", 0, 10, &v), -1);
	assert_int_equal(int_of("[5]", 0, 10, &v), -1);
	assert_int_equal(int_of("{\"n\":5}", 0, 10, &v), -1);
	assert_int_equal(v, 77);
}

/* Values at and past the edge of int64: 2^63 rounds to the double of
 * INT64_MAX, but it is not an int64, and must not come out negative. */
static void
test_json_int_edges(void **state)
{
	cJSON	*root;
	int64_t	 v;

	assert_int_equal(int_of("9223372036854775808", 0, INT64_MAX, &v), -1);
	assert_int_equal(v, 77);
	assert_int_equal(int_of("9223372036854775807", 0, INT64_MAX, &v), -1);
	assert_int_equal(int_of("1e19", 0, INT64_MAX, &v), -1);
	assert_int_equal(int_of("-9223372036854775808", INT64_MIN, 0, &v), 0);
	assert_int_equal(v, INT64_MIN);
	assert_int_equal(int_of("4503599627370496", 0, INT64_C(1) << 52, &v),
	    0);
	assert_int_equal(v, INT64_C(1) << 52);
	assert_int_equal(int_of("4503599627370497", 0, INT64_C(1) << 52, &v),
	    -1);

	root = parse_ok("{\"n\":5}");
	v = 77;
	assert_int_equal(json_int(root, "N", 0, 10, &v), -1);
	assert_int_equal(json_int(root, "missing", 0, 10, &v), -1);
	assert_int_equal(v, 77);
	cJSON_Delete(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_length_bounded),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_nul_escape),
		cmocka_unit_test(test_escaped_backslash_u0000),
		cmocka_unit_test(test_json_string),
		cmocka_unit_test(test_json_int),
		cmocka_unit_test(test_json_int_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
