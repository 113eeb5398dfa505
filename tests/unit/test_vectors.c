/*
 * The shared verification vectors (tests/vectors/views.json) through
 * verify_view, so the C library, the Python client and the Node client
 * are held to the same answers. A vector that needs a check verify.h
 * does not make yet (its "needs" names one missing from verify_checks)
 * is counted and named, never passed silently.
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

/* The checks beyond CONTRACT §4 that verify_view makes; none yet. */
static const char *const verify_checks[] = { NULL };

static char	*vectors_path;

/* 1 when verify_view makes every check the vector needs. */
static int
vector_supported(const cJSON *vec)
{
	const cJSON	*need;
	size_t		 i;

	cJSON_ArrayForEach(need, cJSON_GetObjectItem(vec, "needs")) {
		for (i = 0; verify_checks[i] != NULL; i++)
			if (strcmp(verify_checks[i], need->valuestring) == 0)
				break;
		if (verify_checks[i] == NULL)
			return 0;
	}
	return 1;
}

/* What verify_view says of one vector: "approved" or the other. */
static const char *
vector_verdict(const cJSON *root, const cJSON *vec, char *why, size_t len)
{
	struct trusted	 keys;
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
	rc = verify_view(cJSON_GetObjectItem(vec, "view"), bytes, n, &keys,
	    why, len);
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
	int		 run = 0, skipped = 0, wrong = 0;

	(void)state;
	assert_int_equal(fileio_read(vectors_path, VECTORS_MAX, &buf, &len,
	    err, sizeof err), 0);
	root = json_parse(buf, len, err, sizeof err);
	assert_non_null(root);
	cJSON_ArrayForEach(vec, cJSON_GetObjectItem(root, "vectors")) {
		if (!vector_supported(vec)) {
			printf("# not in verify.h yet: %s\n",
			    json_string(vec, "name"));
			skipped++;
			continue;
		}
		want = json_string(vec, "expect");
		got = vector_verdict(root, vec, why, sizeof why);
		run++;
		if (strcmp(got, want) != 0) {
			printf("# %s: expected %s, got %s (%s)\n",
			    json_string(vec, "name"), want, got, why);
			wrong++;
		}
	}
	printf("# %d vectors checked, %d need checks verify.h lacks\n", run,
	    skipped);
	cJSON_Delete(root);
	free(buf);
	assert_true(run > 40);
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
