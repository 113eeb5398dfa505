/* The UTS #39 flags and normal forms of text.h on the spellings the red
 * team used against the console and the policy. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "text.h"

static unsigned
flags(const char *s)
{
	return text_flags(s, strlen(s));
}

static void
test_ascii_is_clean(void **state)
{
	assert_int_equal(flags("prod-db-01"), 0);
	assert_int_equal(flags("amount"), 0);
	assert_int_equal(flags(""), 0);
	assert_string_equal(text_flags_describe(0), "");
}

static void
test_confusable_with_ascii(void **state)
{
	/* Cyrillic a and er in Latin words: mixed and confusable. */
	assert_int_equal(flags("\xd0\xb0mount"), TEXT_NON_ASCII |
	    TEXT_MIXED_SCRIPT | TEXT_CONFUSABLE);
	assert_int_equal(flags("\xd1\x80rod-db"), TEXT_NON_ASCII |
	    TEXT_MIXED_SCRIPT | TEXT_CONFUSABLE);
	/* Fullwidth letters and digits fold to ASCII under NFKC. */
	assert_true(flags("\xef\xbd\x90\xef\xbd\x92\xef\xbd\x8f\xef\xbd\x84"
	    "-db-01") & TEXT_CONFUSABLE);
	assert_true(flags("\xef\xbc\x91\xef\xbc\x90.0.0.1") & TEXT_CONFUSABLE);
	/* A whole word of Cyrillic look-alikes is one script, yet confusable. */
	assert_int_equal(flags("\xd1\x80\xd0\xb5"), TEXT_NON_ASCII |
	    TEXT_CONFUSABLE);
	assert_string_equal(text_flags_describe(TEXT_NON_ASCII |
	    TEXT_MIXED_SCRIPT | TEXT_CONFUSABLE),
	    "mixed scripts, looks like ASCII");
}

static void
test_single_scripts_are_not_mixed(void **state)
{
	/* Han with Katakana is one writing system (UTS #39 augmented sets). */
	unsigned f = flags("\xe6\x97\xa5\xe6\x9c\xac\xe3\x83\x86\xe3\x82\xad");

	assert_false(f & TEXT_MIXED_SCRIPT);
	assert_true(f & TEXT_NON_ASCII);
	/* Latin with a diacritic: not plain ASCII, but one script. */
	f = flags("na\xc3\xafve");
	assert_false(f & TEXT_MIXED_SCRIPT);
	assert_string_equal(text_flags_describe(TEXT_NON_ASCII),
	    "not plain ASCII");
}

static void
test_invalid(void **state)
{
	assert_true(flags("a\xff") & TEXT_INVALID);
	assert_true(flags("\xc0\xaf") & TEXT_INVALID);
	assert_string_equal(text_flags_describe(TEXT_NON_ASCII |
	    TEXT_INVALID), "not checkable text");
}

static void
test_normal_forms(void **state)
{
	char	out[64];

	assert_int_equal(text_nfkc("\xef\xbc\x91\xef\xbc\x90", 6, out,
	    sizeof out), 0);
	assert_string_equal(out, "10");
	assert_int_equal(text_nfkc_casefold("Alice", 5, out, sizeof out), 0);
	assert_string_equal(out, "alice");
	assert_int_equal(text_nfkc_casefold("\xef\xbc\xa1lice", 7, out,
	    sizeof out), 0);
	assert_string_equal(out, "alice");
	/* Refused, not cut: invalid input and a buffer too small. */
	assert_int_equal(text_nfkc("a\xff", 2, out, sizeof out), -1);
	assert_int_equal(text_nfkc("alice", 5, out, 5), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_is_clean),
		cmocka_unit_test(test_confusable_with_ascii),
		cmocka_unit_test(test_single_scripts_are_not_mixed),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_normal_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
