/* Encodings and string checks shared by all three programs. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "codec.h"
#include "xmalloc.h"

#define CODEC_B64_ALPHABET \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="

char *
codec_b64_encode(const uint8_t *bin, size_t len)
{
	size_t	 size;
	char	*out;

	size = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	out = xmalloc(size);
	sodium_bin2base64(out, size, bin, len, sodium_base64_VARIANT_ORIGINAL);
	return out;
}

int
codec_b64_decode(const char *b64, uint8_t **out, size_t *outlen)
{
	const char	*end;
	size_t		 len, cap;
	uint8_t		*bin;

	len = strlen(b64);
	/* libsodium 1.0.18 reads each byte as a signed char and decodes every
	 * byte from 0x80 up as '/': let only the alphabet reach it. */
	if (strspn(b64, CODEC_B64_ALPHABET) != len)
		return -1;
	cap = len / 4 * 3 + 3;
	bin = xmalloc(cap);
	if (sodium_base642bin(bin, cap, b64, len, NULL, outlen, &end,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || end != b64 + len) {
		free(bin);
		return -1;
	}
	*out = bin;
	return 0;
}

int
codec_b64_decode_exact(const char *b64, uint8_t *out, size_t outlen)
{
	uint8_t	*bin;
	size_t	 len;
	int	 ok;

	if (codec_b64_decode(b64, &bin, &len) != 0)
		return -1;
	ok = (len == outlen);
	if (ok)
		memcpy(out, bin, len);
	sodium_memzero(bin, len);
	free(bin);
	return ok ? 0 : -1;
}

void
codec_hex(const uint8_t *bin, size_t len, char *out)
{
	sodium_bin2hex(out, 2 * len + 1, bin, len);
}

void
codec_sha256(const void *data, size_t len, uint8_t out[32])
{
	crypto_hash_sha256(out, data, len);
}

void
codec_sha256_hex(const void *data, size_t len, char out[PROTO_SHA256_HEX])
{
	uint8_t	hash[32];

	codec_sha256(data, len, hash);
	codec_hex(hash, sizeof hash, out);
}

size_t
codec_utf8_decode(const char *str, size_t left, uint32_t *cp)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 n, i;
	uint32_t		 c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

int
codec_utf8_valid(const char *s, size_t len)
{
	uint32_t	cp;
	size_t		i = 0, n;

	while (i < len) {
		if ((n = codec_utf8_decode(s + i, len - i, &cp)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

int
codec_has_control(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i;

	for (i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return 1;
		/* U+0080-U+009F is encoded as C2 80 to C2 9F. */
		if (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f)
			return 1;
	}
	return 0;
}

int
codec_id_valid(const char *id)
{
	size_t	len = strlen(id), i;

	if (strncmp(id, PROTO_ID_PREFIX, strlen(PROTO_ID_PREFIX)) != 0 ||
	    len == strlen(PROTO_ID_PREFIX) || len > PROTO_ID_MAX)
		return 0;
	for (i = strlen(PROTO_ID_PREFIX); i < len; i++) {
		if (!isalnum((unsigned char)id[i]))
			return 0;
	}
	return 1;
}

int
codec_name_valid(const char *name)
{
	size_t	len, i;
	char	c;

	len = strlen(name);
	if (len == 0 || len > PROTO_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		c = name[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9'))
			continue;
		if (i > 0 && (c == '_' || c == '.' || c == '@' || c == '-'))
			continue;
		return 0;
	}
	return 1;
}

int
codec_nonce_valid(const char *s)
{
	size_t	len = strlen(s), i;

	if (len < PROTO_BODY_NONCE_MIN || len > PROTO_BODY_NONCE_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] < 0x21 || s[i] > 0x7e)
			return 0;
	}
	return 1;
}

void
codec_nonce_derive(const char *key, char out[PROTO_BODY_NONCE_HEX + 1])
{
	crypto_hash_sha256_state st;
	uint8_t		 hash[32];

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)PROTO_BODY_NONCE_TAG
	    "\n", sizeof PROTO_BODY_NONCE_TAG);
	crypto_hash_sha256_update(&st, (const uint8_t *)key, strlen(key));
	crypto_hash_sha256_final(&st, hash);
	codec_hex(hash, PROTO_BODY_NONCE_HEX / 2, out);
}

void
codec_random_key(char out[CODEC_RANDOM_KEY_LEN + 1])
{
	uint8_t	 raw[16];

	randombytes_buf(raw, sizeof raw);
	out[0] = 'k';
	out[1] = '-';
	codec_hex(raw, sizeof raw, out + 2);
}
