/*
 * approvectl's pure parts: the request body it sends (whose bytes the
 * analysts sign), --param typing, --timeout, what it prints from the
 * daemon, and the ids and URLs the client accepts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "approvectl.h"
#include "client.h"
#include "json.h"

/* Build b; the bytes on success, NULL on a usage error. */
static char *
build(const struct ctl_body *b)
{
	char	*out, err[256];
	size_t	 len;

	err[0] = '\0';
	if (ctl_body_build(b, &out, &len, err, sizeof err) != 0) {
		assert_true(err[0] != '\0');
		return NULL;
	}
	assert_int_equal(len, strlen(out));
	return out;
}

/* A body with the three required fields and the given params. */
static struct ctl_body
body_with(const char **params, size_t n, const char *params_json)
{
	struct ctl_body	b;

	memset(&b, 0, sizeof b);
	b.action = "refund";
	b.target = "order-77";
	b.justification = "customer complaint";
	b.params = params;
	b.nparams = n;
	b.params_json = params_json;
	return b;
}

/* Without a key, a random one and the nonce derived from it: two builds of
 * the same command differ, so no earlier approval can match either. */
static void
test_body_minimal(void **state)
{
	struct ctl_body	 b = body_with(NULL, 0, NULL);
	const char	*prefix = "{\"action\":\"refund\",\"target\":"
			    "\"order-77\",\"justification\":"
			    "\"customer complaint\",\"idempotency_key\":\"k-";
	char		*out, *again;
	cJSON		*root;
	const char	*key, *nonce;
	char		 expect[PROTO_BODY_NONCE_HEX + 1];

	out = build(&b);
	again = build(&b);
	assert_int_equal(strncmp(out, prefix, strlen(prefix)), 0);
	assert_string_not_equal(out, again);
	root = cJSON_Parse(out);
	assert_non_null(root);
	key = cJSON_GetObjectItem(root, "idempotency_key")->valuestring;
	nonce = cJSON_GetObjectItem(root, "nonce")->valuestring;
	assert_int_equal(strlen(key), CODEC_RANDOM_KEY_LEN);
	codec_nonce_derive(key, expect);
	assert_string_equal(nonce, expect);
	cJSON_Delete(root);
	free(again);
	free(out);
}

static void
test_body_full(void **state)
{
	const char	*p[] = { "ticket=INC-7" };
	struct ctl_body	 b = body_with(p, 1, "{\"n\":[1,2]}");
	char		*out;

	b.on_behalf_of = "alice";
	b.idempotency_key = "run-19-step-4";
	b.timeout_s = 300;
	b.target = "ws-\"042\"\n";
	out = build(&b);
	assert_string_equal(out, "{\"action\":\"refund\",\"target\":"
	    "\"ws-\\\"042\\\"\\n\",\"params\":{\"n\":[1,2],"
	    "\"ticket\":\"INC-7\"},\"justification\":\"customer complaint\","
	    "\"on_behalf_of\":\"alice\",\"idempotency_key\":\"run-19-step-4\","
	    "\"nonce\":\"5bcf22e5769e9b3641b05ac14469473f\",\"timeout_s\":300}");
	free(out);
}

static void
test_param_typing(void **state)
{
	const char	*p[] = { "amount=5000", "neg=-1.5e3", "zero=0",
			    "exp=2E+10", "big=123456789012345678901234567890",
			    "ticket=INC-7", "lead=01", "dot=1.", "space= 5",
			    "hex=0x10", "inf=Infinity", "bool=true", "empty=",
			    "minus=-", "eq=a=b" };
	const char	*numbers[] = { "amount", "neg", "zero", "exp",
			    "big" };
	struct ctl_body	 b = body_with(p, sizeof p / sizeof *p, NULL);
	const cJSON	*params, *item;
	cJSON		*root;
	char		*out, err[128];
	size_t		 i, nnum = 0;

	out = build(&b);
	/* Numbers go out exactly as typed, not rounded through a double. */
	assert_non_null(strstr(out, "\"amount\":5000,\"neg\":-1.5e3,"
	    "\"zero\":0,\"exp\":2E+10,"
	    "\"big\":123456789012345678901234567890,"));
	assert_non_null(strstr(out, "\"eq\":\"a=b\""));
	root = json_parse(out, strlen(out), err, sizeof err);
	assert_non_null(root);
	params = cJSON_GetObjectItemCaseSensitive(root, "params");
	cJSON_ArrayForEach(item, params) {
		for (i = 0; i < sizeof numbers / sizeof *numbers; i++) {
			if (strcmp(item->string, numbers[i]) == 0)
				break;
		}
		if (i < sizeof numbers / sizeof *numbers) {
			assert_true(cJSON_IsNumber(item));
			nnum++;
		} else
			assert_true(cJSON_IsString(item));
	}
	assert_int_equal(nnum, 5);
	assert_string_equal(json_string(params, "lead"), "01");
	assert_string_equal(json_string(params, "space"), " 5");
	assert_string_equal(json_string(params, "empty"), "");
	cJSON_Delete(root);
	free(out);
}

static void
test_param_errors(void **state)
{
	const char	*twice[] = { "a=1", "a=2" };
	const char	*clash[] = { "a=1" };
	const char	*noeq[] = { "a" };
	const char	*nokey[] = { "=1" };
	const char	*badutf[] = { "a=\xff" };
	struct ctl_body	 b;

	b = body_with(twice, 2, NULL);
	assert_null(build(&b));
	b = body_with(clash, 1, "{\"a\":3}");
	assert_null(build(&b));
	b = body_with(noeq, 1, NULL);
	assert_null(build(&b));
	b = body_with(nokey, 1, NULL);
	assert_null(build(&b));
	b = body_with(badutf, 1, NULL);
	assert_null(build(&b));
	b = body_with(NULL, 0, "[1]");
	assert_null(build(&b));
	b = body_with(NULL, 0, "{\"a\":1,\"a\":2}");
	assert_null(build(&b));
	b = body_with(NULL, 0, "{\"a\":1} x");
	assert_null(build(&b));
}

static void
test_body_required(void **state)
{
	struct ctl_body	b;

	b = body_with(NULL, 0, NULL);
	b.action = NULL;
	assert_null(build(&b));
	b = body_with(NULL, 0, NULL);
	b.target = NULL;
	assert_null(build(&b));
	b = body_with(NULL, 0, NULL);
	b.justification = NULL;
	assert_null(build(&b));
	b = body_with(NULL, 0, NULL);
	b.target = "ws-\xc3\x28";
	assert_null(build(&b));
}

static void
test_timeout(void **state)
{
	int64_t	t = 0;

	assert_int_equal(ctl_body_timeout("300", &t), 0);
	assert_int_equal(t, 300);
	assert_int_equal(ctl_body_timeout("2147483647", &t), 0);
	assert_int_equal(ctl_body_timeout("2147483648", &t), -1);
	assert_int_equal(ctl_body_timeout("0", &t), -1);
	assert_int_equal(ctl_body_timeout("-5", &t), -1);
	assert_int_equal(ctl_body_timeout("+5", &t), -1);
	assert_int_equal(ctl_body_timeout(" 5", &t), -1);
	assert_int_equal(ctl_body_timeout("5s", &t), -1);
	assert_int_equal(ctl_body_timeout("", &t), -1);
	assert_int_equal(ctl_body_timeout("99999999999999999999", &t), -1);
}

static void
test_clean(void **state)
{
	const char	*cases[][2] = {
		{ "plain text", "plain text" },
		{ "caf\xc3\xa9 \xe2\x9c\x93", "caf\xc3\xa9 \xe2\x9c\x93" },
		{ "a\x1b]0;owned\x07z", "a?]0;owned?z" },
		{ "line\nbreak\r", "line?break?" },
		{ "del\x7f", "del?" },
		{ "c1\xc2\x9b" "31m", "c1?31m" },
		{ "rlo\xe2\x80\xae" "gnp.exe", "rlo?gnp.exe" },
		{ "iso\xe2\x81\xa6x", "iso?x" },
	};
	char		*out;
	size_t		 i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		out = ctl_report_clean(cases[i][0]);
		assert_string_equal(out, cases[i][1]);
		free(out);
	}
}

static void
test_report_parse(void **state)
{
	const char	*ok = "{\"id\":\"req_abc\",\"state\":\"pending\"}";
	const char	*bad[] = {
		"{\"id\":\"req_abc\",\"state\":\"approvedish\"}",
		"{\"id\":\"req_a/b\",\"state\":\"pending\"}",
		"{\"state\":\"pending\"}",
		"[\"req_abc\"]",
		"{\"id\":\"req_abc\",\"state\":\"pending\",\"id\":\"req_x\"}",
		"{\"id\":\"req_abc\",\"state\":\"pending\"",
	};
	cJSON		*v;
	size_t		 i;

	assert_non_null(v = ctl_report_parse(ok, strlen(ok), NULL, "test"));
	assert_int_equal(ctl_report_state(v), CTL_PENDING);
	cJSON_Delete(v);
	assert_non_null(v = ctl_report_parse(ok, strlen(ok), "req_abc",
	    "test"));
	cJSON_Delete(v);
	assert_null(ctl_report_parse(ok, strlen(ok), "req_abd", "test"));
	for (i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_null(ctl_report_parse(bad[i], strlen(bad[i]), NULL,
		    "test"));
}

static void
test_client_ids_urls(void **state)
{
	struct client	*c;

	assert_true(codec_id_valid("req_abc123XYZ"));
	assert_true(codec_id_valid("req_"
	    "12345678901234567890123456789012345678901234"));
	assert_false(codec_id_valid("req_"
	    "123456789012345678901234567890123456789012345"));
	assert_false(codec_id_valid("req_"));
	assert_false(codec_id_valid("req_a-b"));
	assert_false(codec_id_valid("req_a/../b"));
	assert_false(codec_id_valid("abc"));
	assert_true(client_url_valid("http://127.0.0.1:8470"));
	assert_true(client_url_valid("https://approve.example/"));
	assert_false(client_url_valid("http://"));
	assert_false(client_url_valid("http:///x"));
	assert_false(client_url_valid("ftp://host"));
	assert_false(client_url_valid("http://host/?a=b"));
	assert_false(client_url_valid("http://host name"));
	assert_true(client_token_valid("tok_abc.DEF-123"));
	assert_false(client_token_valid(""));
	assert_false(client_token_valid("tok\r\nX-Evil: 1"));
	assert_false(client_token_valid("tok en"));
	assert_null(client_new("http://127.0.0.1:8470", "bad\ntoken"));
	assert_null(client_new("gopher://127.0.0.1", NULL));
	assert_non_null(c = client_new("http://127.0.0.1:8470//", "tok"));
	client_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_minimal),
		cmocka_unit_test(test_body_full),
		cmocka_unit_test(test_param_typing),
		cmocka_unit_test(test_param_errors),
		cmocka_unit_test(test_body_required),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_report_parse),
		cmocka_unit_test(test_client_ids_urls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
