/*
 * Key files: keyfile_parse_public() on a public key file's line and
 * keyfile_parse_private_line() on a private key file's text. Besides the
 * sanitizers it checks that a key file is accepted only in its one
 * canonical spelling: what parses must be exactly what keygen writes for
 * that key, so no two files hold the same key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "keyfile.h"
#include "xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Abort unless data, when it parses as a public key line, is the line
 * keyfile_public_line writes for that key. */
static void
fuzz_public(const uint8_t *data, size_t size)
{
	uint8_t	 pk[PROTO_PK_BYTES];
	char	*text, *line;

	text = xstrndup((const char *)data, size);
	if (keyfile_parse_public(text, pk) == 0) {
		line = keyfile_public_line(pk);
		if (strcmp(line, text) != 0)
			abort();
		free(line);
	}
	free(text);
}

/* Abort unless data, when it parses as a private key file, is
 * "ed25519-private <base64 of the seed>\n" byte for byte. */
static void
fuzz_private(const uint8_t *data, size_t size)
{
	uint8_t	 seed[PROTO_SEED_BYTES];
	char	*text, *b64, *want;

	text = xstrndup((const char *)data, size);
	if (keyfile_parse_private_line(text, size, seed) == 0) {
		b64 = codec_b64_encode(seed, sizeof seed);
		xasprintf(&want, "ed25519-private %s\n", b64);
		if (strlen(want) != size || memcmp(want, data, size) != 0)
			abort();
		free(want);
		free(b64);
	}
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_public(data, size);
	fuzz_private(data, size);
	return 0;
}
