/*
 * sanitize.c: nothing an agent writes may reach the terminal as a control
 * sequence, a reordering or an invisible character, while ordinary text in
 * any script passes through untouched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "approvetui.h"

/* Sanitize s (one line, no limit) and compare with want. */
static void
expect_clean(const char *s, const char *want)
{
	char	*out;

	out = sanitize_str(s, SANITIZE_UNLIMITED, 0);
	assert_string_equal(out, want);
	free(out);
}

/* No C0 control, DEL, C1 control or ESC byte may be in out. */
static void
assert_inert(const char *out)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)out; *p != '\0'; p++) {
		assert_true(*p >= 0x20 && *p != 0x7f);
		if (*p == 0xc2)
			assert_false(p[1] >= 0x80 && p[1] <= 0x9f);
	}
}

static void
test_erase_screen(void **state)
{
	expect_clean("\x1b[2Jhello", "\\x1b[2Jhello");
}

static void
test_osc_title(void **state)
{
	expect_clean("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07");
	/* The string terminator form: ESC ] ... ESC \ */
	expect_clean("\x1b]2;x\x1b\\", "\\x1b]2;x\\x1b\\");
}

static void
test_csi_cursor(void **state)
{
	expect_clean("a\x1b[10;5Hb\x1b[A\x1b[2K",
	    "a\\x1b[10;5Hb\\x1b[A\\x1b[2K");
	expect_clean("\x1b" "7\x1b" "8\x1b[?1049h", "\\x1b7\\x1b8\\x1b[?1049h");
}

static void
test_bidi(void **state)
{
	/* Each right after a letter, where a zero-width mark could hide. */
	expect_clean("\xe2\x80\xae" "evil", "<U+202E>evil");
	expect_clean("cod\xe2\x80\xae" "fdp.exe", "cod<U+202E>fdp.exe");
	expect_clean("a\xe2\x80\xaa" "b\xe2\x80\xab" "c\xe2\x80\xac"
	    "d\xe2\x80\xad", "a<U+202A>b<U+202B>c<U+202C>d<U+202D>");
	expect_clean("a\xe2\x81\xa6" "b\xe2\x81\xa7" "c\xe2\x81\xa8"
	    "d\xe2\x81\xa9", "a<U+2066>b<U+2067>c<U+2068>d<U+2069>");
	expect_clean("a\xe2\x80\x8e" "b\xe2\x80\x8f" "c\xd8\x9c",
	    "a<U+200E>b<U+200F>c<U+061C>");
}

static void
test_zero_width(void **state)
{
	expect_clean("pay\xe2\x80\x8bpal", "pay<U+200B>pal");
	expect_clean("\xe2\x80\x8c\xe2\x80\x8d\xe2\x81\xa0\xef\xbb\xbf",
	    "<U+200C><U+200D><U+2060><U+FEFF>");
}

static void
test_other_invisible(void **state)
{
	/* Soft hyphen, variation selector, a tag character, Hangul filler,
	 * line separator. */
	expect_clean("a\xc2\xad" "b", "a<U+00AD>b");
	expect_clean("x\xef\xb8\x8f", "x<U+FE0F>");
	expect_clean("\xf3\xa0\x81\x81", "<U+E0041>");
	expect_clean("\xe3\x85\xa4", "<U+3164>");
	expect_clean("a\xe2\x80\xa8" "b", "a<U+2028>b");
}

static void
test_c1(void **state)
{
	/* U+009B is an 8-bit CSI; as a raw byte it is not UTF-8. */
	expect_clean("\xc2\x9b" "31m", "<U+009B>31m");
	expect_clean("\xc2\x9d" "0;t\xc2\x9c", "<U+009D>0;t<U+009C>");
	expect_clean("\x9b" "2J", "\\x9b2J");
}

static void
test_invalid_utf8(void **state)
{
	expect_clean("\xff\xfe", "\\xff\\xfe");
	expect_clean("\xc0\xaf", "\\xc0\\xaf");	/* overlong '/' */
	expect_clean("\xed\xa0\x80", "\\xed\\xa0\\x80");	/* surrogate */
	expect_clean("ok\xe6\x97", "ok\\xe6\\x97");	/* cut short */
	expect_clean("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
}

static void
test_del_and_c0(void **state)
{
	expect_clean("a\x7f" "b", "a\\x7fb");
	expect_clean("\x01\x08\x0b\x0c", "\\x01\\x08\\x0b\\x0c");
	expect_clean("a\tb\rc\nd", "a\\tb\\rc\\nd");
}

static void
test_newlines_kept_when_asked(void **state)
{
	char	*out;

	out = sanitize_str("one\ntwo\r\n\x1b[1A", SANITIZE_UNLIMITED,
	    SANITIZE_NEWLINES);
	assert_string_equal(out, "one\ntwo\\r\n\\x1b[1A");
	free(out);
}

static void
test_truncation(void **state)
{
	char	in[5001], *out, want[128];

	memset(in, 'A', 5000);
	in[5000] = '\0';
	out = sanitize_str(in, 100, 0);
	assert_int_equal(strspn(out, "A"), 100);
	snprintf(want, sizeof want, "%s[+4900 bytes]", sanitize_ellipsis());
	assert_string_equal(out + 100, want);
	free(out);
}

static void
test_truncation_keeps_characters_whole(void **state)
{
	char	in[121], *out, want[128];
	int	i;

	for (i = 0; i < 60; i++)
		memcpy(in + 2 * i, "\xc3\xa9", 2);	/* é */
	in[120] = '\0';
	out = sanitize_str(in, 101, 0);
	snprintf(want, sizeof want, "%s[+20 bytes]", sanitize_ellipsis());
	assert_int_equal(strlen(out), 100 + strlen(want));
	assert_string_equal(out + 100, want);
	free(out);
}

static void
test_plain_utf8(void **state)
{
	expect_clean("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac na\xc3\xafve",
	    "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac na\xc3\xafve");
	expect_clean("ws-042 \\x1b <U+202E>", "ws-042 \\x1b <U+202E>");
	assert_int_equal(sanitize_width("\xe6\x97\xa5\xe6\x9c\xac"), 4);
	assert_int_equal(sanitize_width("caf\xc3\xa9"), 4);
}

static void
test_combining_marks(void **state)
{
	/* e + U+0301 stays; a mark with no base of its own is escaped;
	 * a pile of marks keeps three. */
	expect_clean("e\xcc\x81", "e\xcc\x81");
	expect_clean("\xcc\x81" "a", "<U+0301>a");
	expect_clean("\x1b\xcc\x81", "\\x1b<U+0301>");
	expect_clean("a\xcc\x81\xcc\x82\xcc\x83\xcc\x84\xcc\x85",
	    "a\xcc\x81\xcc\x82\xcc\x83<U+0304><U+0305>");
}

static void
test_everything_at_once_is_inert(void **state)
{
	char	*out;

	out = sanitize_str("\x1b[2J\x1b]0;pwned\x07\xe2\x80\xae" "evil\x9b\xc2"
	    "\x9b\x7f\r\n\t", SANITIZE_UNLIMITED, 0);
	assert_inert(out);
	assert_null(strstr(out, "\xe2\x80\xae"));
	free(out);
}

static void
test_clip(void **state)
{
	char	*out;

	out = sanitize_clip("short", 10);
	assert_string_equal(out, "short");
	free(out);
	/* Five wide characters (10 columns) into 7: three and the mark. */
	out = sanitize_clip("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5"
	    "\xe6\x9c\xac", 7);
	assert_true(sanitize_width(out) <= 7);
	assert_non_null(strstr(out, sanitize_ellipsis()));
	assert_int_equal(strncmp(out, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	    9), 0);
	free(out);
}

static void
test_wrap(void **state)
{
	const char	*p = "hello world foo\nbar", *next;
	size_t		 n;

	n = sanitize_wrap(p, 11, &next);
	assert_int_equal(n, 11);
	assert_string_equal(next, "foo\nbar");
	n = sanitize_wrap(next, 11, &next);
	assert_int_equal(n, 3);
	assert_string_equal(next, "bar");
	n = sanitize_wrap(next, 11, &next);
	assert_int_equal(n, 3);
	assert_null(next);
	/* Break at the last space when a word does not fit. */
	n = sanitize_wrap("aaa bbbbbb", 8, &next);
	assert_int_equal(n, 3);
	assert_string_equal(next, "bbbbbb");
	/* A wide character never straddles the edge. */
	n = sanitize_wrap("a\xe6\x97\xa5", 2, &next);
	assert_int_equal(n, 1);
	assert_string_equal(next, "\xe6\x97\xa5");
}

/* sanitize_redacted(s, flags) against want. */
static void
expect_redacted(const char *s, int flags, const char *want)
{
	char	*out;

	out = sanitize_redacted(s, SANITIZE_UNLIMITED, flags);
	assert_string_equal(out, want);
	if ((flags & SANITIZE_NEWLINES) == 0)
		assert_inert(out);
	free(out);
}

static void
test_redacted_credentials(void **state)
{
	expect_redacted("key AKIAIOSFODNN7EXAMPLE for s3", 0,
	    "key [REDACTED] for s3");
	expect_redacted("use apv_0123456789abcdef0123456789abcdef0123456789abcd"
	    "ef0123456789abcdef now", 0, "use [REDACTED] now");
	expect_redacted("jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", 0,
	    "jwt=[REDACTED]");
	expect_redacted("secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end",
	    0, "secret [REDACTED] end");
}

static void
test_redacted_keeps_indicators(void **state)
{
	/* What an analyst must see stays: words, hosts, hashes, ids. */
	expect_redacted("EDR alert 5521: beaconing to 203.0.113.9 from ws-042",
	    0, "EDR alert 5521: beaconing to 203.0.113.9 from ws-042");
	expect_redacted("sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e464"
	    "9b934ca495991b7852b855", 0, "sha256 e3b0c44298fc1c149afbf4c8996"
	    "fb92427ae41e4649b934ca495991b7852b855");
	expect_redacted("see req_01a2043e89ada571976f836380e53169", 0,
	    "see req_01a2043e89ada571976f836380e53169");
}

static void
test_redacted_before_neutralised(void **state)
{
	/* Redaction sees the tab that separates the token from "Bearer";
	 * after neutralising it would be one word, "Bearer\tabc...". */
	expect_redacted("Authorization: Bearer\tabc123", 0,
	    "Authorization: Bearer\\t[REDACTED]");
	/* A PEM block across lines, in text where newlines are kept. */
	expect_redacted("key:\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n"
	    "-----END PRIVATE KEY-----\nthanks", SANITIZE_NEWLINES,
	    "key:\n[REDACTED]\nthanks");
	/* A control glued to a token ends the word (BEL here), and is
	 * still made visible. */
	expect_redacted("\x1b]0;AKIAIOSFODNN7EXAMPLE\x07\x1b[2J", 0,
	    "\\x1b]0;[REDACTED]\\x07\\x1b[2J");
	/* So do an invisible character and a byte of invalid UTF-8. */
	expect_redacted("AKIAIOSFODNN7EXAMPLE\xe2\x80\x8b", 0,
	    "[REDACTED]<U+200B>");
	expect_redacted("\xff" "AKIAIOSFODNN7EXAMPLE", 0, "\\xff[REDACTED]");
	/* Printable text around them is not cut into words. */
	expect_redacted("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac", 0,
	    "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac");
}

static void
test_ascii_terminal(void **state)
{
	assert_non_null(setlocale(LC_ALL, "C"));
	sanitize_init();
	expect_clean("caf\xc3\xa9", "caf<U+00E9>");
	assert_string_equal(sanitize_ellipsis(), "...");
	assert_non_null(setlocale(LC_ALL, "C.UTF-8"));
	sanitize_init();
	expect_clean("caf\xc3\xa9", "caf\xc3\xa9");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_erase_screen),
		cmocka_unit_test(test_osc_title),
		cmocka_unit_test(test_csi_cursor),
		cmocka_unit_test(test_bidi),
		cmocka_unit_test(test_zero_width),
		cmocka_unit_test(test_other_invisible),
		cmocka_unit_test(test_c1),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_del_and_c0),
		cmocka_unit_test(test_newlines_kept_when_asked),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_truncation_keeps_characters_whole),
		cmocka_unit_test(test_plain_utf8),
		cmocka_unit_test(test_combining_marks),
		cmocka_unit_test(test_everything_at_once_is_inert),
		cmocka_unit_test(test_clip),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_ascii_terminal),
		cmocka_unit_test(test_redacted_credentials),
		cmocka_unit_test(test_redacted_keeps_indicators),
		cmocka_unit_test(test_redacted_before_neutralised),
	};

	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		return 1;
	sanitize_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
