/*
 * The shared verification vectors (tests/vectors/views.json) through
 * verify_request_view, so the C library, the Python client and the Node
 * client are held to the same answers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "codec.h"
#include "fileio.h"
#include "json.h"
#include "keyfile.h"
#include "verify.h"
#include "xmalloc.h"

#define VECTORS_FILE	"tests/vectors/views.json"
#define VECTORS_MAX	(4 * 1024 * 1024)

static char	*vectors_path;

/* What verify_request_view says of one vector, at the vector's clock:
 * "approved" or the other. */
static const char *
vector_verdict(const cJSON *root, const cJSON *vec, char *why, size_t len)
{
	struct trusted	 keys;
	struct verify_expect expect = { NULL, NULL, 0, 0 };
	const char	*set, *text, *sent;
	uint8_t		*bytes = NULL;
	size_t		 n = 0;
	char		 err[256];
	int		 rc;

	set = json_string(vec, "trusted");
	text = json_string(cJSON_GetObjectItem(root, "trusted"), set);
	assert_non_null(text);
	assert_int_equal(trusted_parse(text, strlen(text), &keys, err,
	    sizeof err), 0);
	if ((sent = json_string(vec, "sent")) != NULL)
		assert_int_equal(codec_b64_decode(sent, &bytes, &n), 0);
	expect.sent = bytes;
	expect.sent_len = n;
	expect.now_ms = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(vec,
	    "now"));
	rc = verify_request_view(cJSON_GetObjectItem(vec, "view"), &expect,
	    &keys, why, len);
	free(bytes);
	trusted_free(&keys);
	return rc == 0 ? "approved" : "verification_failed";
}

static void
test_vectors(void **state)
{
	cJSON		*root;
	const cJSON	*vec;
	const char	*got, *want;
	char		*buf, err[256], why[1024];
	size_t		 len;
	int		 run = 0, wrong = 0;

	(void)state;
	assert_int_equal(fileio_read(vectors_path, VECTORS_MAX, &buf, &len,
	    err, sizeof err), 0);
	root = json_parse(buf, len, err, sizeof err);
	assert_non_null(root);
	cJSON_ArrayForEach(vec, cJSON_GetObjectItem(root, "vectors")) {
		want = json_string(vec, "expect");
		got = vector_verdict(root, vec, why, sizeof why);
		run++;
		if (strcmp(got, want) != 0) {
			printf("# %s: expected %s, got %s (%s)\n",
			    json_string(vec, "name"), want, got, why);
			wrong++;
		}
	}
	printf("# %d vectors checked\n", run);
	cJSON_Delete(root);
	free(buf);
	assert_true(run > 50);
	assert_int_equal(wrong, 0);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
	};
	char	*copy;
	int	 rc;

	(void)argc;
	if (sodium_init() < 0)
		return 1;
	/* argv[0] is BUILD/tests/test_vectors; the file is under the top. */
	copy = xstrdup(argv[0]);
	xasprintf(&vectors_path, "%s/../../" VECTORS_FILE, dirname(copy));
	free(copy);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(vectors_path);
	return rc;
}
