/*
 * Untrusted text on a terminal.
 *
 * Everything the agent wrote (target, params, justification) and everything
 * the daemon relays (names, reasons, error messages) passes through here
 * before it is drawn. Anything that could move the cursor, recolour,
 * retitle, reorder (bidi) or hide text is replaced by a visible escape, so
 * the analyst sees what was sent and nothing the sender could use to forge
 * the screen:
 *   C0 controls and DEL	\x1b (\t, \n, \r for the common three)
 *   C1 controls, format,	<U+202E>
 *   bidi, zero-width and
 *   other invisible code
 *   points, unassigned ones
 *   bytes of invalid UTF-8	\xff
 * A printable character passes as itself. Zero-width combining marks pass
 * only right after a printable base character and at most
 * SANITIZE_MARKS_MAX of them, so they can neither stack without bound nor
 * combine with the console's own characters. When the terminal is not
 * UTF-8 every non-ASCII character is escaped. A literal backslash is left
 * alone: text that looks like an escape is as inert as the escape.
 *
 * Free text that may hold a credential goes through sanitize_redacted():
 * redact_text() first, on the text as it came (a tab or a newline still
 * separates words there, and so does anything that will be escaped), then
 * the neutralising above.
 */
#include <langinfo.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "approvetui.h"
#include "codec.h"
#include "redact.h"
#include "xmalloc.h"

#define SANITIZE_MARKS_MAX	3	/* combining marks on one base */

/* 1 when the terminal takes UTF-8; ASCII output otherwise. */
static int	sanitize_unicode;

/* A growing output string. */
struct sanitize_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

/* Code points that print as nothing, join, reorder or select glyphs:
 * wcwidth() calls most of them printable with width 0. */
static const struct {
	uint32_t	lo;
	uint32_t	hi;
} sanitize_hidden[] = {
	{ 0x00ad, 0x00ad },	/* soft hyphen */
	{ 0x034f, 0x034f },	/* combining grapheme joiner */
	{ 0x0600, 0x0605 },	/* Arabic prepended format marks */
	{ 0x061c, 0x061c },	/* Arabic letter mark */
	{ 0x06dd, 0x06dd },
	{ 0x070f, 0x070f },
	{ 0x0890, 0x0891 },
	{ 0x08e2, 0x08e2 },
	{ 0x115f, 0x1160 },	/* Hangul fillers */
	{ 0x17b4, 0x17b5 },	/* Khmer inherent vowels */
	{ 0x180b, 0x180f },	/* Mongolian selectors and vowel separator */
	{ 0x200b, 0x200f },	/* zero-width space and joiners, LRM, RLM */
	{ 0x2028, 0x202e },	/* separators, bidi embeddings, overrides */
	{ 0x2060, 0x206f },	/* word joiner, invisible ops, isolates */
	{ 0x3164, 0x3164 },	/* Hangul filler */
	{ 0xfe00, 0xfe0f },	/* variation selectors */
	{ 0xfeff, 0xfeff },	/* zero-width no-break space, BOM */
	{ 0xffa0, 0xffa0 },	/* halfwidth Hangul filler */
	{ 0xfff0, 0xfffb },	/* interlinear annotation */
	{ 0x110bd, 0x110bd },
	{ 0x110cd, 0x110cd },
	{ 0x13430, 0x1343f },	/* Egyptian hieroglyph format controls */
	{ 0x1bca0, 0x1bca3 },	/* shorthand format controls */
	{ 0x1d173, 0x1d17a },	/* musical symbol format controls */
	{ 0xe0000, 0xe0fff },	/* tags, variation selectors supplement */
};

/* Decide between Unicode and ASCII output from LC_CTYPE. */
void
sanitize_init(void)
{
	sanitize_unicode = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
}

/* The truncation mark for this terminal. */
const char *
sanitize_ellipsis(void)
{
	return sanitize_unicode ? "\xe2\x80\xa6" : "...";
}

/* Make room for n more bytes and the final NUL. */
static void
sanitize_grow(struct sanitize_buf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	b->cap = (b->len + n + 1) * 2;
	b->p = xrealloc(b->p, b->cap);
}

/* Append n bytes. */
static void
sanitize_put(struct sanitize_buf *b, const void *s, size_t n)
{
	sanitize_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Append printf-style text. */
static void
sanitize_putf(struct sanitize_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
sanitize_putf(struct sanitize_buf *b, const char *fmt, ...)
{
	va_list	ap;
	char	tmp[64];
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	sanitize_put(b, tmp, (size_t)n);
}

/* 1 for a code point in sanitize_hidden. */
static int
sanitize_is_hidden(uint32_t cp)
{
	size_t	i;

	for (i = 0; i < sizeof sanitize_hidden / sizeof sanitize_hidden[0];
	    i++) {
		if (cp >= sanitize_hidden[i].lo && cp <= sanitize_hidden[i].hi)
			return 1;
	}
	return 0;
}

/* Columns cp takes when it may be shown as itself; -1 when it must be
 * escaped. 0 is a combining mark. */
static int
sanitize_cp_width(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
		return -1;
	if (cp < 0x7f)
		return 1;
	if (!sanitize_unicode || sanitize_is_hidden(cp) ||
	    !iswprint((wint_t)cp))
		return -1;
	return wcwidth((wchar_t)cp);
}

/* The escape of a C0 control or DEL. */
static void
sanitize_control(struct sanitize_buf *b, uint32_t cp)
{
	switch (cp) {
	case '\t':
		sanitize_put(b, "\\t", 2);
		break;
	case '\n':
		sanitize_put(b, "\\n", 2);
		break;
	case '\r':
		sanitize_put(b, "\\r", 2);
		break;
	default:
		sanitize_putf(b, "\\x%02x", (unsigned)cp);
		break;
	}
}

/* Append one decoded character, or its escape. marks counts combining
 * marks on the current base (-1: no base); returns the new count. */
static int
sanitize_char(struct sanitize_buf *b, const unsigned char *raw, size_t n,
    uint32_t cp, int marks, int flags)
{
	int	w;

	if (cp == '\n' && (flags & SANITIZE_NEWLINES)) {
		sanitize_put(b, "\n", 1);
		return -1;
	}
	if (cp < 0x20 || cp == 0x7f) {
		sanitize_control(b, cp);
		return -1;
	}
	w = sanitize_cp_width(cp);
	if (w > 0) {
		sanitize_put(b, raw, n);
		return 0;
	}
	if (w == 0 && marks >= 0 && marks < SANITIZE_MARKS_MAX) {
		sanitize_put(b, raw, n);
		return marks + 1;
	}
	sanitize_putf(b, "<U+%04X>", (unsigned)cp);
	return -1;
}

/* Neutralise untrusted text (see the top of this file); caller frees. */
char *
sanitize(const char *text, size_t len, size_t max, int flags)
{
	const unsigned char	*s = (const unsigned char *)text;
	struct sanitize_buf	 b = { NULL, 0, 0 };
	size_t			 i = 0, n;
	uint32_t		 cp = 0;
	int			 marks = -1;

	sanitize_grow(&b, len < 64 ? 64 : len);
	b.p[0] = '\0';
	while (i < len) {
		n = codec_utf8_decode(text + i, len - i, &cp);
		if (i + (n == 0 ? 1 : n) > max)
			break;
		if (n == 0) {
			sanitize_putf(&b, "\\x%02x", s[i]);
			marks = -1;
			i++;
			continue;
		}
		marks = sanitize_char(&b, s + i, n, cp, marks, flags);
		i += n;
	}
	if (i < len)
		sanitize_putf(&b, "%s[+%zu bytes]", sanitize_ellipsis(),
		    len - i);
	return b.p;
}

/* sanitize() of a NUL-terminated string. */
char *
sanitize_str(const char *text, size_t max, int flags)
{
	return sanitize(text, strlen(text), max, flags);
}

/* Bytes of s (len of them) before the first character that sanitize()
 * escapes, tab, newline and carriage return apart; *brk is that
 * character's length (0 at the end). */
static size_t
sanitize_span(const char *s, size_t len, size_t *brk)
{
	size_t			 i = 0, n;
	uint32_t		 cp = 0;

	for (*brk = 0; i < len; i += n) {
		n = codec_utf8_decode(s + i, len - i, &cp);
		if (n == 0 || (cp < 0x20 && cp != '\t' && cp != '\n' &&
		    cp != '\r') || (cp >= 0x7f && sanitize_cp_width(cp) < 0)) {
			*brk = n == 0 ? 1 : n;
			break;
		}
	}
	return i;
}

/* Hide credentials, then neutralise; caller frees. Whatever will show
 * as an escape ends a word, as whitespace does, so that a control or an
 * invisible character glued to a token does not hide it from
 * redact_text(). */
char *
sanitize_redacted(const char *text, size_t max, int flags)
{
	struct sanitize_buf	 b = { NULL, 0, 0 };
	char			*word, *redacted, *out;
	size_t			 len = strlen(text), n, brk;

	sanitize_grow(&b, len);
	b.p[0] = '\0';
	while (len > 0) {
		n = sanitize_span(text, len, &brk);
		word = xstrndup(text, n);
		redacted = redact_text(word);
		sanitize_put(&b, redacted, strlen(redacted));
		free(redacted);
		free(word);
		sanitize_put(&b, text + n, brk);
		text += n + brk;
		len -= n + brk;
	}
	out = sanitize_str(b.p, max, flags);
	free(b.p);
	return out;
}

/* Length and columns of the character at the start of a sanitized string
 * (which holds only valid UTF-8 that may be shown). */
static size_t
sanitize_next(const char *s, int *width)
{
	uint32_t	cp = 0;
	size_t		n;
	int		w;

	n = codec_utf8_decode(s, strlen(s), &cp);
	if (n == 0) {
		*width = 1;	/* never produced by sanitize(): be safe */
		return 1;
	}
	w = cp < 0x80 ? 1 : wcwidth((wchar_t)cp);
	*width = w < 0 ? 1 : w;
	return n;
}

/* Bytes of the longest prefix within cols columns, up to a newline. */
size_t
sanitize_fit(const char *s, int cols, int *width)
{
	size_t	off = 0, n;
	int	used = 0, w;

	while (s[off] != '\0' && s[off] != '\n') {
		n = sanitize_next(s + off, &w);
		if (used + w > cols)
			break;
		used += w;
		off += n;
	}
	if (width != NULL)
		*width = used;
	return off;
}

/* Columns a sanitized line takes. */
int
sanitize_width(const char *s)
{
	int	width;

	sanitize_fit(s, INT32_MAX, &width);
	return width;
}

/* A sanitized line cut to cols columns, with an ellipsis when cut. */
char *
sanitize_clip(const char *s, int cols)
{
	const char	*ell = sanitize_ellipsis();
	size_t		 n;
	int		 ew = sanitize_width(ell);
	char		*out;

	if (cols <= 0)
		return xstrdup("");
	n = sanitize_fit(s, cols, NULL);
	if (s[n] == '\0')
		return xstrndup(s, n);
	if (cols < ew)
		return xstrndup(s, n);
	n = sanitize_fit(s, cols - ew, NULL);
	xasprintf(&out, "%.*s%s", (int)n, s, ell);
	return out;
}

/* One line of word-wrapped text; *next is the rest or NULL. */
size_t
sanitize_wrap(const char *s, int cols, const char **next)
{
	size_t	n, sp;
	int	w;

	n = sanitize_fit(s, cols, NULL);
	if (s[n] == '\0') {
		*next = NULL;
		return n;
	}
	if (s[n] == '\n' || s[n] == ' ') {
		*next = s + n + 1;
		return n;
	}
	if (n == 0) {
		/* A character wider than the line: take it anyway. */
		n = sanitize_next(s, &w);
		*next = s[n] == '\0' ? NULL : s + n;
		return n;
	}
	for (sp = n; sp > 1; sp--) {
		if (s[sp - 1] == ' ') {
			*next = s + sp;
			return sp - 1;
		}
	}
	*next = s + n;
	return n;
}
