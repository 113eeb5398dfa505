/*
 * codec.c: strict base64 (RFC 4648 vectors and everything lax decoders
 * let through), hex, SHA-256 known answers, and the string checks every
 * outside string passes: UTF-8, control characters, names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "codec.h"

/* Decode b64, which must succeed and give exactly want (wantlen bytes). */
static void
b64_ok(const char *b64, const char *want, size_t wantlen)
{
	uint8_t	*out = NULL;
	size_t	 len = 12345;

	if (codec_b64_decode(b64, &out, &len) != 0)
		fail_msg("\"%s\" was refused", b64);
	assert_int_equal(len, wantlen);
	assert_memory_equal(out, want, wantlen);
	free(out);
}

/* Decode b64, which must be refused. */
static void
b64_bad(const char *b64)
{
	uint8_t	*out = NULL;
	size_t	 len = 0;

	if (codec_b64_decode(b64, &out, &len) == 0) {
		free(out);
		fail_msg("\"%s\" was accepted", b64);
	}
}

/* RFC 4648 §10 test vectors, both ways. */
static void
test_b64_vectors(void **state)
{
	static const char *const plain[] = {
		"", "f", "fo", "foo", "foob", "fooba", "foobar"
	};
	static const char *const enc[] = {
		"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"
	};
	char	*s;
	size_t	 i;

	for (i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		s = codec_b64_encode((const uint8_t *)plain[i],
		    strlen(plain[i]));
		assert_string_equal(s, enc[i]);
		free(s);
		b64_ok(enc[i], plain[i], strlen(plain[i]));
	}
}

/* Binary bytes, the standard alphabet's '+' and '/'. */
static void
test_b64_binary(void **state)
{
	static const uint8_t	bin[] = { 0xfb, 0xff, 0xbf, 0x00, 0x10 };
	char			*s;

	s = codec_b64_encode(bin, sizeof bin);
	assert_string_equal(s, "+/+/ABA=");
	free(s);
	b64_ok("+/+/ABA=", (const char *)bin, sizeof bin);
}

/* Padding is required and must be where it belongs. */
static void
test_b64_padding(void **state)
{
	b64_bad("Zg");
	b64_bad("Zg=");
	b64_bad("Zm8");
	b64_bad("Zm9vYg");
	b64_bad("Zm9vYmE");
	b64_bad("Zg===");
	b64_bad("Zm8==");
	b64_bad("Zm9v=");
	b64_bad("Zm9v====");
	b64_bad("=");
	b64_bad("==");
	b64_bad("====");
	b64_bad("Zg==Zg==");
	b64_bad("Z=g=");
}

/* No whitespace anywhere, no other alphabet, no stray bits. */
static void
test_b64_strict(void **state)
{
	b64_bad(" Zm9v");
	b64_bad("Zm9v ");
	b64_bad("Zm 9v");
	b64_bad("Zm9v\n");
	b64_bad("Zm9v\r\n");
	b64_bad("Zm\t9v");
	b64_bad("Zm9vYmFy\n");
	b64_bad("-_-_");		/* URL-safe alphabet */
	b64_bad("Zm9v!");
	b64_bad("Zm9v.");
	b64_bad("Zh==");		/* "f" with the unused bits set */
	b64_bad("Zm9=");		/* "fo" with the unused bits set */
	b64_bad("Z");
	b64_bad("Zm9vY");
}

/* _exact: the decoded length must be exactly the size asked for, and a
 * refusal leaves the output alone. */
static void
test_b64_exact(void **state)
{
	uint8_t	out[8];

	memset(out, 0xaa, sizeof out);
	assert_int_equal(codec_b64_decode_exact("Zm9v", out, 3), 0);
	assert_memory_equal(out, "foo", 3);
	assert_int_equal(out[3], 0xaa);

	memset(out, 0xaa, sizeof out);
	assert_int_equal(codec_b64_decode_exact("Zm9v", out, 2), -1);
	assert_int_equal(codec_b64_decode_exact("Zm9v", out, 4), -1);
	assert_int_equal(codec_b64_decode_exact("Zm9vYg==", out, 3), -1);
	assert_int_equal(codec_b64_decode_exact("Zm8=", out, 3), -1);
	assert_int_equal(codec_b64_decode_exact("", out, 1), -1);
	assert_int_equal(codec_b64_decode_exact("Zm9", out, 2), -1);
	assert_int_equal(codec_b64_decode_exact("Zm9v\n", out, 3), -1);
	assert_int_equal(out[0], 0xaa);

	assert_int_equal(codec_b64_decode_exact("", out, 0), 0);
	assert_int_equal(codec_b64_decode_exact("Zm9vYmFy", out, 6), 0);
	assert_memory_equal(out, "foobar", 6);
}

/* Lowercase, two digits per byte, leading zeros kept. */
static void
test_hex(void **state)
{
	static const uint8_t	bin[] = { 0x00, 0x01, 0x0f, 0xab, 0xcd, 0xff };
	char			out[2 * sizeof bin + 1];

	memset(out, 'x', sizeof out);
	codec_hex(bin, sizeof bin, out);
	assert_string_equal(out, "00010fabcdff");

	memset(out, 'x', sizeof out);
	codec_hex(bin, 0, out);
	assert_string_equal(out, "");
}

/* FIPS 180-2 known answers. */
static void
test_sha256(void **state)
{
	static const uint8_t	empty[32] = {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14,
		0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
		0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
		0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55
	};
	static const char	*two =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	uint8_t			hash[32];
	char			hex[PROTO_SHA256_HEX];

	codec_sha256("", 0, hash);
	assert_memory_equal(hash, empty, sizeof empty);
	codec_sha256_hex("", 0, hex);
	assert_string_equal(hex,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	codec_sha256_hex("abc", 3, hex);
	assert_string_equal(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	codec_sha256_hex(two, strlen(two), hex);
	assert_string_equal(hex,
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* The length is honoured, not the NUL: "abc" of "abcd". */
	codec_sha256_hex("abcd", 3, hex);
	assert_string_equal(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

#define UTF8_OK(s)	assert_int_equal(codec_utf8_valid(s, sizeof(s) - 1), 1)
#define UTF8_BAD(s)	assert_int_equal(codec_utf8_valid(s, sizeof(s) - 1), 0)

static void
test_utf8_valid(void **state)
{
	UTF8_OK("");
	UTF8_OK("plain ASCII ~");
	UTF8_OK("a\0b");			/* U+0000 is well-formed */
	UTF8_OK("\xc2\x80");			/* U+0080, first 2-byte */
	UTF8_OK("\xc3\xa9");			/* e acute */
	UTF8_OK("\xdf\xbf");			/* U+07FF, last 2-byte */
	UTF8_OK("\xe0\xa0\x80");		/* U+0800, first 3-byte */
	UTF8_OK("\xe2\x82\xac");		/* euro sign */
	UTF8_OK("\xed\x9f\xbf");		/* U+D7FF, below surrogates */
	UTF8_OK("\xee\x80\x80");		/* U+E000, above surrogates */
	UTF8_OK("\xef\xbf\xbf");		/* U+FFFF */
	UTF8_OK("\xf0\x90\x80\x80");		/* U+10000, first 4-byte */
	UTF8_OK("\xf0\x9d\x84\x9e");		/* musical G clef */
	UTF8_OK("\xf4\x8f\xbf\xbf");		/* U+10FFFF, the last */
	UTF8_OK("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80!");
}

static void
test_utf8_overlong(void **state)
{
	UTF8_BAD("\xc0\x80");			/* NUL in two bytes */
	UTF8_BAD("\xc0\xaf");			/* '/' in two bytes */
	UTF8_BAD("\xc1\xbf");			/* U+007F in two bytes */
	UTF8_BAD("\xe0\x80\x80");
	UTF8_BAD("\xe0\x80\xaf");
	UTF8_BAD("\xe0\x9f\xbf");		/* U+07FF in three bytes */
	UTF8_BAD("\xf0\x80\x80\x80");
	UTF8_BAD("\xf0\x80\x80\xaf");
	UTF8_BAD("\xf0\x8f\xbf\xbf");		/* U+FFFF in four bytes */
	UTF8_BAD("\xf8\x88\x80\x80\x80");	/* five-byte form */
	UTF8_BAD("\xfc\x84\x80\x80\x80\x80");	/* six-byte form */
}

static void
test_utf8_surrogates_and_range(void **state)
{
	UTF8_BAD("\xed\xa0\x80");		/* U+D800 */
	UTF8_BAD("\xed\xad\xbf");		/* U+DB7F */
	UTF8_BAD("\xed\xb0\x80");		/* U+DC00 */
	UTF8_BAD("\xed\xbf\xbf");		/* U+DFFF */
	UTF8_BAD("\xed\xa0\xbd\xed\xb8\x80");	/* CESU-8 pair */
	UTF8_BAD("\xf4\x90\x80\x80");		/* U+110000 */
	UTF8_BAD("\xf4\xbf\xbf\xbf");
	UTF8_BAD("\xf5\x80\x80\x80");
	UTF8_BAD("\xf7\xbf\xbf\xbf");
	UTF8_BAD("\xfe");
	UTF8_BAD("\xff");
	UTF8_BAD("ok\xffok");
}

static void
test_utf8_truncated(void **state)
{
	UTF8_BAD("\xc3");
	UTF8_BAD("abc\xc3");
	UTF8_BAD("\xe2\x82");
	UTF8_BAD("\xe2");
	UTF8_BAD("\xf0\x9d\x84");
	UTF8_BAD("\xf0\x9d");
	UTF8_BAD("\xc3\x41");			/* continuation missing */
	UTF8_BAD("\xe2\x82\x41");
	UTF8_BAD("\xf0\x9d\x84\x41");
	UTF8_BAD("\x80");			/* lone continuations */
	UTF8_BAD("\xbf");
	UTF8_BAD("a\x80" "b");
	UTF8_BAD("\xc3\xa9\xa9");		/* one continuation too many */
	/* The length given is the end: a sequence cut by it is invalid. */
	assert_int_equal(codec_utf8_valid("\xc3\xa9", 1), 0);
	assert_int_equal(codec_utf8_valid("\xe2\x82\xac", 2), 0);
	assert_int_equal(codec_utf8_valid("\xf0\x9d\x84\x9e", 3), 0);
	assert_int_equal(codec_utf8_valid("\xf0\x9d\x84\x9e", 0), 1);
}

#define CTL_YES(s)	assert_int_equal(codec_has_control(s, sizeof(s) - 1), 1)
#define CTL_NO(s)	assert_int_equal(codec_has_control(s, sizeof(s) - 1), 0)

static void
test_has_control(void **state)
{
	CTL_YES("\x01");
	CTL_YES("a\0b");
	CTL_YES("tab\there");
	CTL_YES("line\n");
	CTL_YES("cr\r");
	CTL_YES("\x1b[31m");			/* ESC */
	CTL_YES("\x1f");
	CTL_YES("del\x7f");
	CTL_YES("\xc2\x80");			/* U+0080 */
	CTL_YES("next\xc2\x85line");		/* U+0085 NEL */
	CTL_YES("\xc2\x9b" "31m");		/* U+009B CSI */
	CTL_YES("\xc2\x9f");			/* U+009F */
	CTL_YES("caf\xc3\xa9\x07");

	CTL_NO("");
	CTL_NO(" ");
	CTL_NO("plain text with spaces ~!");
	CTL_NO("caf\xc3\xa9");			/* e acute: C3 A9 */
	CTL_NO("\xc2\xa0");			/* U+00A0, no-break space */
	CTL_NO("\xc2\xa9");			/* U+00A9 */
	CTL_NO("\xc3\x85");			/* A ring: C3 85 */
	CTL_NO("\xe2\x80\x99");			/* U+2019: 80 in a 3-byte */
	CTL_NO("\xe2\x82\xac");			/* U+20AC */
	CTL_NO("\xf0\x9f\x98\x80");		/* U+1F600 */
	/* The length bounds the search. */
	assert_int_equal(codec_has_control("ab\x01", 2), 0);
	assert_int_equal(codec_has_control("ab\xc2\x85", 3), 0);
}

static void
test_name_valid(void **state)
{
	static const char *const good[] = {
		"bob", "a", "Z", "7", "0abc", "A1", "bob.smith",
		"bob_smith", "bob-smith", "bob@example.com", "a.b_c-d@e",
		"agent-7", "approvald",
		"a234567890123456789012345678901234567890123456789012345678901234"
	};
	static const char *const bad[] = {
		"", "_bob", ".bob", "-bob", "@bob", "bo b", " bob", "bob ",
		"bob\n", "bob\t", "b\xc3\xb3" "b", "bob/x", "bob:x", "bob,x",
		"bob+x", "bob\"", "../etc", "bob\x7f",
		"a2345678901234567890123456789012345678901234567890123456789012345"
	};
	size_t	i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		if (codec_name_valid(good[i]) != 1)
			fail_msg("\"%s\" refused", good[i]);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (codec_name_valid(bad[i]) != 0)
			fail_msg("\"%s\" accepted", bad[i]);
	}
	assert_int_equal(strlen(good[sizeof good / sizeof good[0] - 1]),
	    PROTO_NAME_MAX);
	assert_int_equal(strlen(bad[sizeof bad / sizeof bad[0] - 1]),
	    PROTO_NAME_MAX + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_vectors),
		cmocka_unit_test(test_b64_binary),
		cmocka_unit_test(test_b64_padding),
		cmocka_unit_test(test_b64_strict),
		cmocka_unit_test(test_b64_exact),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_overlong),
		cmocka_unit_test(test_utf8_surrogates_and_range),
		cmocka_unit_test(test_utf8_truncated),
		cmocka_unit_test(test_has_control),
		cmocka_unit_test(test_name_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
