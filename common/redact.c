/* Recognising secrets in what agents send, to keep them off screens and
 * out of exports. Errs on the side of redacting. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "redact.h"
#include "xmalloc.h"

#define REDACT_RANDOM_MIN	24	/* shortest "long random string" */

static const char *const redact_names[] = {
	"password", "passwd", "passphrase", "pwd", "secret", "token",
	"api_key", "apikey", "api-key", "authorization", "auth",
	"private_key", "privatekey", "private-key", "credential", "cookie",
	"session", "access_key", "ssh_key", "signature", "otp", "pin",
	NULL
};

int
redact_name(const char *name)
{
	size_t	i;

	for (i = 0; redact_names[i] != NULL; i++) {
		if (strcasestr(name, redact_names[i]) != NULL)
			return 1;
	}
	return 0;
}

/* 1 for AKIA/ASIA followed by 16 upper-case letters or digits. */
static int
redact_aws_key(const char *s, size_t len)
{
	size_t	i;

	if (len != 20 || (strncmp(s, "AKIA", 4) != 0 &&
	    strncmp(s, "ASIA", 4) != 0))
		return 0;
	for (i = 4; i < len; i++) {
		if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* Shannon entropy in bits per character. */
static double
redact_entropy(const char *s, size_t len)
{
	unsigned	counts[256] = { 0 };
	double		h = 0, p;
	size_t		i;

	for (i = 0; i < len; i++)
		counts[(unsigned char)s[i]]++;
	for (i = 0; i < 256; i++) {
		if (counts[i] == 0)
			continue;
		p = (double)counts[i] / (double)len;
		h -= p * log2(p);
	}
	return h;
}

/* 1 for a long token-alphabet string with letters and digits mixed and
 * high entropy: an API key, a session id, a random password. */
static int
redact_random(const char *s, size_t len)
{
	int	upper = 0, lower = 0, digit = 0;
	size_t	i;

	if (len < REDACT_RANDOM_MIN)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isupper(c))
			upper = 1;
		else if (islower(c))
			lower = 1;
		else if (isdigit(c))
			digit = 1;
		else if (strchr("+/=_-.", c) == NULL)
			return 0;
	}
	return digit && (upper || lower) && upper + lower + digit >= 2 &&
	    redact_entropy(s, len) >= 3.5;
}

/* 1 for an MD5, SHA-1 or SHA-256 in hex: an indicator an analyst must
 * see, not a secret. */
static int
redact_hash(const char *s, size_t len)
{
	size_t	i;

	if (len != 32 && len != 40 && len != 64)
		return 0;
	for (i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* 1 when the word (not NUL-terminated) looks like a credential. */
static int
redact_word(const char *s, size_t len)
{
	if (redact_hash(s, len) || (len > 4 && strncmp(s, "req_", 4) == 0))
		return 0;
	return redact_aws_key(s, len) ||
	    (len > 4 && strncmp(s, "apv_", 4) == 0) ||
	    (len > 20 && strncmp(s, "eyJ", 3) == 0 &&
	    memchr(s, '.', len) != NULL) ||
	    redact_random(s, len);
}

int
redact_value(const char *v)
{
	char	*copy;
	int	 found;

	if (strstr(v, "-----BEGIN") != NULL ||
	    strncasecmp(v, "bearer ", 7) == 0 || strncasecmp(v, "basic ", 6) == 0)
		return 1;
	copy = redact_text(v);
	found = strcmp(copy, v) != 0;
	free(copy);
	return found;
}

/* A growing output buffer: redacting a short word makes it longer. */
struct redact_buf {
	char	*p;
	size_t	 n;
	size_t	 cap;
};

static void
redact_put(struct redact_buf *b, const char *s, size_t len)
{
	if (b->n + len + 1 > b->cap) {
		b->cap = (b->n + len + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, len);
	b->n += len;
	b->p[b->n] = '\0';
}

/* Skip a PEM block starting at s; returns its length. */
static size_t
redact_pem(const char *s)
{
	const char	*end = strstr(s, "-----END");

	if (end == NULL)
		return strlen(s);
	if ((end = strstr(end + 8, "-----")) == NULL)
		return strlen(s);
	return (size_t)(end + 5 - s);
}

char *
redact_text(const char *text)
{
	struct redact_buf	b = { NULL, 0, 0 };
	size_t			w;
	int			after_bearer = 0;

	redact_put(&b, "", 0);
	while (*text != '\0') {
		if (strncmp(text, "-----BEGIN", 10) == 0) {
			text += redact_pem(text);
			redact_put(&b, REDACT_MARK, strlen(REDACT_MARK));
			continue;
		}
		w = strcspn(text, " \t\r\n\"',;:()[]{}<>=");
		if (w == 0) {
			redact_put(&b, text++, 1);
			continue;
		}
		if (after_bearer || redact_word(text, w))
			redact_put(&b, REDACT_MARK, strlen(REDACT_MARK));
		else
			redact_put(&b, text, w);
		after_bearer = (w == 6 && strncasecmp(text, "bearer", 6) == 0) ||
		    (w == 5 && strncasecmp(text, "basic", 5) == 0);
		text += w;
	}
	return b.p;
}
