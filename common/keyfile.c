/* Ed25519 key files: generation, loading with permission checks, and the
 * trusted-keys file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "codec.h"
#include "fileio.h"
#include "keyfile.h"
#include "xmalloc.h"

#define KEYFILE_PRIVATE_TAG	"ed25519-private "
#define KEYFILE_PUBLIC_TAG	"ed25519 "

char *
keyfile_public_line(const uint8_t pk[PROTO_PK_BYTES])
{
	char	*b64, *line;

	b64 = codec_b64_encode(pk, PROTO_PK_BYTES);
	xasprintf(&line, "%s%s", KEYFILE_PUBLIC_TAG, b64);
	free(b64);
	return line;
}

int
keyfile_generate(const char *path, char *err, size_t errlen)
{
	uint8_t	 seed[PROTO_SEED_BYTES], pk[PROTO_PK_BYTES];
	uint8_t	 sk[PROTO_SK_BYTES];
	char	*b64, *priv, *pub, *pubpath;
	int	 rc = -1;

	randombytes_buf(seed, sizeof seed);
	crypto_sign_seed_keypair(pk, sk, seed);
	b64 = codec_b64_encode(seed, sizeof seed);
	xasprintf(&priv, "%s%s\n", KEYFILE_PRIVATE_TAG, b64);
	pub = keyfile_public_line(pk);
	xasprintf(&pubpath, "%s.pub", path);
	if (fileio_create(path, 0600, priv, strlen(priv), err, errlen) == 0) {
		free(b64);
		xasprintf(&b64, "%s\n", pub);
		rc = fileio_create(pubpath, 0644, b64, strlen(b64), err,
		    errlen);
		if (rc != 0)
			unlink(path);
	}
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(sk, sizeof sk);
	sodium_memzero(priv, strlen(priv));
	free(priv);
	free(pub);
	free(pubpath);
	free(b64);
	return rc;
}

/* Read a private key file after checking that only its owner can read
 * it; *len bytes, then a NUL. */
static int
keyfile_read_private(const char *path, char *line, size_t size, size_t *len,
    char *err, size_t errlen)
{
	struct stat	 st;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto bad;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: permissions %04o are too open: a "
		    "private key must be readable by its owner only (chmod "
		    "600)", path, (unsigned)(st.st_mode & 07777));
		goto bad;
	}
	n = read(fd, line, size - 1);
	if (n <= 0 || (size_t)n >= size - 1) {
		snprintf(err, errlen, "%s: not a private key file", path);
		goto bad;
	}
	line[n] = '\0';
	*len = (size_t)n;
	close(fd);
	return 0;
bad:
	close(fd);
	return -1;
}

int
keyfile_parse_private_line(char *line, size_t len,
    uint8_t seed[PROTO_SEED_BYTES])
{
	/* One newline, last: no NUL byte or second line may follow the key. */
	if (len == 0 || strcspn(line, "\n") != len - 1 ||
	    line[len - 1] != '\n' || strncmp(line, KEYFILE_PRIVATE_TAG,
	    strlen(KEYFILE_PRIVATE_TAG)) != 0)
		return -1;
	line[len - 1] = '\0';
	return codec_b64_decode_exact(line + strlen(KEYFILE_PRIVATE_TAG), seed,
	    PROTO_SEED_BYTES);
}

struct keypair *
keyfile_load_private(const char *path, char *err, size_t errlen)
{
	struct keypair	*kp;
	char		 line[KEYFILE_LINE_MAX];
	uint8_t		 seed[PROTO_SEED_BYTES];
	size_t		 len;
	int		 ok;

	if (keyfile_read_private(path, line, sizeof line, &len, err,
	    errlen) != 0)
		return NULL;
	ok = keyfile_parse_private_line(line, len, seed) == 0;
	sodium_memzero(line, sizeof line);
	if (!ok) {
		snprintf(err, errlen, "%s: not an ed25519 private key file",
		    path);
		return NULL;
	}
	if ((kp = sodium_malloc(sizeof *kp)) == NULL) {
		snprintf(err, errlen, "cannot allocate locked memory");
		sodium_memzero(seed, sizeof seed);
		return NULL;
	}
	crypto_sign_seed_keypair(kp->pk, kp->sk, seed);
	sodium_memzero(seed, sizeof seed);
	return kp;
}

void
keyfile_free(struct keypair *kp)
{
	if (kp != NULL)
		sodium_free(kp);	/* wipes before unmapping */
}

int
keyfile_parse_public(const char *s, uint8_t pk[PROTO_PK_BYTES])
{
	if (strncmp(s, KEYFILE_PUBLIC_TAG, strlen(KEYFILE_PUBLIC_TAG)) != 0)
		return -1;
	return codec_b64_decode_exact(s + strlen(KEYFILE_PUBLIC_TAG), pk,
	    PROTO_PK_BYTES);
}

int
keyfile_load_public(const char *path, uint8_t pk[PROTO_PK_BYTES], char *err,
    size_t errlen)
{
	char	*buf;
	size_t	 len;
	int	 rc;

	if (fileio_read(path, KEYFILE_LINE_MAX, &buf, &len, err, errlen) != 0)
		return -1;
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	rc = keyfile_parse_public(buf, pk);
	if (rc != 0)
		snprintf(err, errlen, "%s: not an \"ed25519 <base64>\" public "
		    "key file", path);
	free(buf);
	return rc;
}

/* Parse one trusted-keys line into tk; 0 or -1. */
static int
trusted_parse_line(char *line, struct trusted_key *tk)
{
	char	*sp;

	if ((sp = strchr(line, ' ')) == NULL)
		return -1;
	*sp = '\0';
	if (!codec_name_valid(line))
		return -1;
	strcpy(tk->signer, line);
	return keyfile_parse_public(sp + 1, tk->pk);
}

int
trusted_parse(const char *text, size_t len, struct trusted *t, char *err,
    size_t errlen)
{
	char	*copy, *line, *next;
	int	 lineno = 0;

	memset(t, 0, sizeof *t);
	/* Lines after a NUL would be dropped unseen, duplicates with them. */
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "holds a NUL byte");
		return -1;
	}
	copy = xstrndup(text, len);
	for (line = copy; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		if (t->n == KEYFILE_TRUSTED_MAX) {
			snprintf(err, errlen, "more than %d keys",
			    KEYFILE_TRUSTED_MAX);
			goto bad;
		}
		t->keys = xrealloc(t->keys, (t->n + 1) * sizeof *t->keys);
		if (trusted_parse_line(line, &t->keys[t->n]) != 0 ||
		    trusted_find(t, t->keys[t->n].signer) != NULL) {
			snprintf(err, errlen, "line %d: expected a unique "
			    "\"<signer> ed25519 <base64 key>\"", lineno);
			goto bad;
		}
		t->n++;
	}
	free(copy);
	return 0;
bad:
	free(copy);
	trusted_free(t);
	return -1;
}

int
trusted_load(const char *path, struct trusted *t, char *err, size_t errlen)
{
	char	*buf, msg[256];
	size_t	 len;
	int	 rc;

	if (fileio_read(path, KEYFILE_TRUSTED_MAX * KEYFILE_LINE_MAX, &buf,
	    &len, err, errlen) != 0)
		return -1;
	rc = trusted_parse(buf, len, t, msg, sizeof msg);
	if (rc != 0)
		snprintf(err, errlen, "%s: %s", path, msg);
	free(buf);
	return rc;
}

const uint8_t *
trusted_find(const struct trusted *t, const char *signer)
{
	size_t	i;

	for (i = 0; i < t->n; i++) {
		if (strcmp(t->keys[i].signer, signer) == 0)
			return t->keys[i].pk;
	}
	return NULL;
}

void
trusted_free(struct trusted *t)
{
	free(t->keys);
	t->keys = NULL;
	t->n = 0;
}
