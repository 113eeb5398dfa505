/* Recognising secrets in what agents send, to keep them off screens and
 * out of exports. Errs on the side of redacting. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "redact.h"
#include "xmalloc.h"

#define REDACT_RANDOM_MIN	24	/* shortest "long random string" */

/* Words that make a parameter name secret, and pairs of words. */
static const char *const redact_words[] = {
	"password", "passwd", "passphrase", "pwd", "secret", "token",
	"authorization", "auth", "credential", "credentials", "cookie",
	"session", "otp", "pin", "signature", "apikey", "privatekey",
	"accesskey", "secretkey", "bearer", NULL
};
static const char *const redact_pairs[] = {
	"api_key", "private_key", "access_key", "ssh_key", "secret_key",
	"signing_key", "encryption_key", NULL
};

static int
redact_listed(const char *const *list, const char *word)
{
	size_t	i;

	for (i = 0; list[i] != NULL; i++) {
		if (strcmp(list[i], word) == 0)
			return 1;
	}
	return 0;
}

/* Split a name into lower-case words at punctuation and camelCase, and
 * look each word, and each pair of neighbours, up. "db_password",
 * "X-Auth-Token" and "apiKey" are secret; "author" and "spin" are not. */
int
redact_name(const char *name)
{
	char	word[64], prev[64] = "", pair[130];
	size_t	n = 0;
	int	found = 0;

	for (;; name++) {
		unsigned char c = (unsigned char)*name;

		if (isalnum(c) && n + 1 < sizeof word &&
		    !(isupper(c) && n > 0 && islower((unsigned char)name[-1]))) {
			word[n++] = (char)tolower(c);
			continue;
		}
		if (n > 0) {
			word[n] = '\0';
			snprintf(pair, sizeof pair, "%s_%s", prev, word);
			found |= redact_listed(redact_words, word) ||
			    redact_listed(redact_pairs, pair);
			snprintf(prev, sizeof prev, "%s", word);
			n = 0;
		}
		if (c == '\0')
			return found;
		if (isupper(c))
			word[n++] = (char)tolower(c);
	}
}

/* 1 when the word holds AKIA or ASIA and 16 upper-case letters or digits:
 * an AWS access key, even glued to other text. */
static int
redact_aws_key(const char *s, size_t len)
{
	size_t	i, j;

	for (i = 0; i + 20 <= len; i++) {
		if (strncmp(s + i, "AKIA", 4) != 0 && strncmp(s + i, "ASIA", 4))
			continue;
		for (j = 4; j < 20; j++) {
			if (!isupper((unsigned char)s[i + j]) &&
			    !isdigit((unsigned char)s[i + j]))
				break;
		}
		if (j == 20)
			return 1;
	}
	return 0;
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

/* 1 for a long random-looking run: letters and digits mixed, high
 * entropy, at least REDACT_RANDOM_MIN long. */
static int
redact_random_run(const char *s, size_t len)
{
	int	alpha = 0, digit = 0;
	size_t	i;

	if (len < REDACT_RANDOM_MIN)
		return 0;
	for (i = 0; i < len; i++) {
		if (isalpha((unsigned char)s[i]))
			alpha = 1;
		else if (isdigit((unsigned char)s[i]))
			digit = 1;
	}
	return alpha && digit && redact_entropy(s, len) >= 3.5;
}

/* 1 for an API key, a session id or a random password: a word of the
 * token alphabet with one long random run between its separators.
 * Host names (ip-10-0-12-34.eu-west-1.compute.internal) and UUIDs have
 * only short runs and stay visible. */
static int
redact_random(const char *s, size_t len)
{
	size_t	i, start = 0;

	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("+/=_-.", s[i]) == NULL)
			return 0;
	}
	for (i = 0; i <= len; i++) {
		if (i < len && strchr("_-.", s[i]) == NULL)
			continue;
		if (redact_random_run(s + start, i - start))
			return 1;
		start = i + 1;
	}
	return 0;
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

/* The length of the word at text: up to white space, punctuation that
 * cannot be in a credential, or a control character (escape sequences
 * must not glue text to a key). */
static size_t
redact_word_len(const char *text)
{
	size_t	n = 0;

	while (text[n] != '\0' && (unsigned char)text[n] > 0x20 &&
	    text[n] != 0x7f && strchr("\"',;:()[]{}<>=", text[n]) == NULL)
		n++;
	return n;
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
		w = redact_word_len(text);
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
