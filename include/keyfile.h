/*
 * Key files. A private key file holds one line
 *   ed25519-private <base64 of the 32-byte seed>
 * and must not be readable by group or others. A public key file holds
 *   ed25519 <base64 of the 32-byte public key>
 * A trusted-keys file holds one line per signer:
 *   <signer> ed25519 <base64 public key>
 * Blank lines and lines starting with '#' are ignored.
 */
#ifndef APPROVE_KEYFILE_H
#define APPROVE_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define KEYFILE_LINE_MAX	512
#define KEYFILE_TRUSTED_MAX	1024

/* One signer's secret key, kept in locked memory; free with keyfile_free. */
struct keypair {
	uint8_t	pk[PROTO_PK_BYTES];
	uint8_t	sk[PROTO_SK_BYTES];
};

struct trusted_key {
	char	signer[PROTO_NAME_MAX + 1];
	uint8_t	pk[PROTO_PK_BYTES];
};

/* Owns keys. */
struct trusted {
	struct trusted_key	*keys;
	size_t			 n;
};

/* Create path (0600, must not exist) and path.pub. 0 or -1 with err. */
int		 keyfile_generate(const char *, char *, size_t);
/* Load a private key; refuses a file readable by group or others. */
struct keypair	*keyfile_load_private(const char *, char *, size_t);
/* Parse the len bytes (and a NUL) of a private key file, which must be
 * exactly "ed25519-private <base64>\n", into the seed; the newline is cut
 * off. 0 or -1. */
int		 keyfile_parse_private_line(char *, size_t,
		    uint8_t[PROTO_SEED_BYTES]);
void		 keyfile_free(struct keypair *);
/* Parse "ed25519 <base64>" (no signer); 0 or -1. */
int		 keyfile_parse_public(const char *, uint8_t[PROTO_PK_BYTES]);
int		 keyfile_load_public(const char *, uint8_t[PROTO_PK_BYTES],
		    char *, size_t);
/* The public line for pk, "ed25519 <base64>" without newline; caller frees. */
char		*keyfile_public_line(const uint8_t[PROTO_PK_BYTES]);

int		 trusted_load(const char *, struct trusted *, char *, size_t);
int		 trusted_parse(const char *, size_t, struct trusted *, char *,
		    size_t);
const uint8_t	*trusted_find(const struct trusted *, const char *);
void		 trusted_free(struct trusted *);

#endif
