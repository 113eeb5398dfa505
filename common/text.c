/* Normalisation and spoof checks on top of ICU (see text.h). */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "text.h"

/* The longest string these functions take, in UTF-16 units (their buffers
 * are on the stack); longer text is refused rather than cut, so nothing
 * goes unchecked. */
#define TEXT_MAX_UNITS	8192

static USpoofChecker	*text_checker;
static pthread_once_t	 text_once = PTHREAD_ONCE_INIT;

/* One checker for the process: single-script restrictive (UTS #39 §5.2),
 * so Latin with Cyrillic is mixed while Han with Kana is not. */
static void
text_checker_open(void)
{
	UErrorCode	 e = U_ZERO_ERROR;
	USpoofChecker	*sc;

	sc = uspoof_open(&e);
	if (U_FAILURE(e))
		return;
	uspoof_setChecks(sc, USPOOF_RESTRICTION_LEVEL, &e);
	uspoof_setRestrictionLevel(sc, USPOOF_SINGLE_SCRIPT_RESTRICTIVE);
	if (U_FAILURE(e)) {
		uspoof_close(sc);
		return;
	}
	text_checker = sc;
}

static const USpoofChecker *
text_checker_get(void)
{
	pthread_once(&text_once, text_checker_open);
	return text_checker;
}

static int
text_ascii(const UChar *u, int32_t len)
{
	int32_t	i;

	for (i = 0; i < len; i++) {
		if (u[i] > 0x7f)
			return 0;
	}
	return len > 0;
}

/* 1 when the one code point in u[0..len) has an ASCII skeleton or an
 * ASCII NFKC form: a reader could take it for ASCII. */
static int
text_char_confusable(const USpoofChecker *sc, const UChar *u, int32_t len)
{
	const UNormalizer2	*nfkc;
	UChar			 out[32];
	int32_t			 n;
	UErrorCode		 e = U_ZERO_ERROR;

	n = uspoof_getSkeleton(sc, 0, u, len, out, 32, &e);
	if (U_SUCCESS(e) && text_ascii(out, n))
		return 1;
	e = U_ZERO_ERROR;
	nfkc = unorm2_getNFKCInstance(&e);
	if (U_FAILURE(e))
		return 1;
	n = unorm2_normalize(nfkc, u, len, out, 32, &e);
	return U_FAILURE(e) || text_ascii(out, n);
}

static unsigned
text_confusable(const USpoofChecker *sc, const UChar *u, int32_t len)
{
	int32_t	i = 0, start;
	UChar32	c;

	while (i < len) {
		start = i;
		U16_NEXT(u, i, len, c);
		if (c > 0x7f && text_char_confusable(sc, u + start, i - start))
			return TEXT_CONFUSABLE;
	}
	return 0;
}

/* UTF-8 to UTF-16, strictly; the length, or -1. */
static int32_t
text_utf16(const char *s, size_t len, UChar *out, int32_t cap)
{
	UErrorCode	e = U_ZERO_ERROR;
	int32_t		n;

	if (len > INT32_MAX)
		return -1;
	u_strFromUTF8(out, cap, &n, s, (int32_t)len, &e);
	if (U_FAILURE(e))
		return -1;
	return n;
}

unsigned
text_flags(const char *s, size_t len)
{
	UChar			 u[TEXT_MAX_UNITS];
	const USpoofChecker	*sc;
	unsigned		 flags = 0;
	int32_t			 n;
	UErrorCode		 e = U_ZERO_ERROR;
	size_t			 i;

	for (i = 0; i < len && (unsigned char)s[i] < 0x80; i++)
		;
	if (i == len)
		return 0;
	flags |= TEXT_NON_ASCII;
	if ((sc = text_checker_get()) == NULL ||
	    (n = text_utf16(s, len, u, TEXT_MAX_UNITS)) < 0)
		return flags | TEXT_INVALID;
	if (uspoof_check(sc, u, n, NULL, &e) != 0)
		flags |= TEXT_MIXED_SCRIPT;
	if (U_FAILURE(e))
		flags |= TEXT_INVALID;
	return flags | text_confusable(sc, u, n);
}

const char *
text_flags_describe(unsigned flags)
{
	if (flags & TEXT_INVALID)
		return "not checkable text";
	if ((flags & TEXT_MIXED_SCRIPT) && (flags & TEXT_CONFUSABLE))
		return "mixed scripts, looks like ASCII";
	if (flags & TEXT_MIXED_SCRIPT)
		return "mixed scripts";
	if (flags & TEXT_CONFUSABLE)
		return "looks like ASCII";
	if (flags & TEXT_NON_ASCII)
		return "not plain ASCII";
	return "";
}

static int
text_normalize(const UNormalizer2 *norm, const char *s, size_t len,
    char *out, size_t outlen)
{
	UChar		 in[TEXT_MAX_UNITS], res[TEXT_MAX_UNITS];
	int32_t		 n, m, w;
	UErrorCode	 e = U_ZERO_ERROR;

	if (outlen == 0 || outlen > INT32_MAX ||
	    (n = text_utf16(s, len, in, TEXT_MAX_UNITS)) < 0)
		return -1;
	m = unorm2_normalize(norm, in, n, res, TEXT_MAX_UNITS, &e);
	if (U_FAILURE(e) || m > TEXT_MAX_UNITS)
		return -1;
	u_strToUTF8(out, (int32_t)outlen, &w, res, m, &e);
	if (U_FAILURE(e) || (size_t)w >= outlen)
		return -1;
	out[w] = '\0';
	return 0;
}

int
text_nfkc(const char *s, size_t len, char *out, size_t outlen)
{
	UErrorCode		 e = U_ZERO_ERROR;
	const UNormalizer2	*norm = unorm2_getNFKCInstance(&e);

	if (U_FAILURE(e))
		return -1;
	return text_normalize(norm, s, len, out, outlen);
}

int
text_nfkc_casefold(const char *s, size_t len, char *out, size_t outlen)
{
	UErrorCode		 e = U_ZERO_ERROR;
	const UNormalizer2	*norm = unorm2_getNFKCCasefoldInstance(&e);

	if (U_FAILURE(e))
		return -1;
	return text_normalize(norm, s, len, out, outlen);
}
