/*
 * approvetui's sanitizer, through which every untrusted string reaches the
 * terminal: sanitize(), then sanitize_width(), sanitize_fit(),
 * sanitize_clip() and sanitize_wrap() on what it made. The first three
 * bytes choose the mode (bit 0: keep newlines, bit 1: an ASCII terminal),
 * the columns and the byte limit; the rest is the text. Besides the
 * sanitizers it checks that the output is valid UTF-8 with no control,
 * bidi or invisible character and no stack of combining marks, and that
 * clipping and wrapping stay within their columns and always advance.
 */
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "approvetui.h"
#include "codec.h"

#define FUZZ_ASCII	0x2
#define FUZZ_MARKS_MAX	3

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Switch the terminal between UTF-8 and ASCII when the mode changes. */
static void
fuzz_locale(int ascii)
{
	static int	current = -1;

	if (ascii == current)
		return;
	if (setlocale(LC_CTYPE, ascii ? "C" : "C.UTF-8") == NULL)
		abort();
	sanitize_init();
	current = ascii;
}

/* The code point at s (valid UTF-8) and its length. */
static size_t
fuzz_decode(const unsigned char *s, uint32_t *cp)
{
	size_t	n, i;

	if (s[0] < 0x80)
		n = 1, *cp = s[0];
	else if (s[0] < 0xe0)
		n = 2, *cp = s[0] & 0x1f;
	else if (s[0] < 0xf0)
		n = 3, *cp = s[0] & 0x0f;
	else
		n = 4, *cp = s[0] & 0x07;
	for (i = 1; i < n; i++)
		*cp = (*cp << 6) | (s[i] & 0x3f);
	return n;
}

/* 1 for a code point that must never reach the terminal as itself. */
static int
fuzz_forbidden(uint32_t cp, int flags, int ascii)
{
	if (cp == '\n')
		return (flags & SANITIZE_NEWLINES) == 0;
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
		return 1;
	if (cp < 0x80)
		return 0;
	return ascii || !iswprint((wint_t)cp) || wcwidth((wchar_t)cp) < 0 ||
	    cp == 0x00ad || cp == 0x061c || (cp >= 0x200b && cp <= 0x200f) ||
	    (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) ||
	    cp == 0xfeff || (cp >= 0xe0000 && cp <= 0xe0fff);
}

/* Abort unless out is inert: see the top of this file. */
static void
fuzz_check_inert(const char *out, int flags, int ascii)
{
	const unsigned char	*p = (const unsigned char *)out;
	uint32_t		 cp;
	int			 marks = FUZZ_MARKS_MAX;

	if (!codec_utf8_valid(out, strlen(out)))
		abort();
	while (*p != '\0') {
		p += fuzz_decode(p, &cp);
		if (fuzz_forbidden(cp, flags, ascii))
			abort();
		if (cp >= 0x80 && wcwidth((wchar_t)cp) == 0) {
			if (++marks > FUZZ_MARKS_MAX)
				abort();
		} else
			marks = cp == '\n' ? FUZZ_MARKS_MAX : 0;
	}
}

/* Abort unless clipping out to cols stays within them. */
static void
fuzz_check_clip(const char *out, int cols)
{
	char	*clip;
	int	 width;

	if (sanitize_fit(out, cols, &width) > strlen(out) ||
	    width > (cols < 0 ? 0 : cols) || sanitize_width(out) < 0)
		abort();
	clip = sanitize_clip(out, cols);
	if (sanitize_width(clip) > (cols < 0 ? 0 : cols))
		abort();
	free(clip);
}

/* Abort unless wrapping out to cols advances and keeps within cols
 * (a character wider than the line stands alone). */
static void
fuzz_check_wrap(const char *out, int cols)
{
	const char	*s = out, *next;
	size_t		 n, left = strlen(out) + 1;
	char		*line;

	if (cols < 1)
		return;
	while (s != NULL) {
		if (left-- == 0)
			abort();
		n = sanitize_wrap(s, cols, &next);
		line = strndup(s, n);
		if (line == NULL || (sanitize_width(line) > cols &&
		    sanitize_fit(line, cols, NULL) != 0) ||
		    (next != NULL && next <= s))
			abort();
		free(line);
		s = next;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	 max;
	char	*out;
	int	 flags, cols, ascii;

	if (size < 3)
		return 0;
	flags = data[0] & SANITIZE_NEWLINES;
	ascii = (data[0] & FUZZ_ASCII) != 0;
	cols = (int)data[1] - 8;
	max = data[2] == 0xff ? SANITIZE_UNLIMITED : (size_t)data[2] * 4;
	fuzz_locale(ascii);
	out = sanitize((const char *)data + 3, size - 3, max, flags);
	fuzz_check_inert(out, flags, ascii);
	fuzz_check_clip(out, cols);
	fuzz_check_wrap(out, cols);
	free(out);
	return 0;
}
