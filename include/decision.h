/*
 * Signed decisions (CONTRACT §4) and console login (§5): the exact bytes
 * that are signed, and signing and verifying them with Ed25519.
 */
#ifndef APPROVE_DECISION_H
#define APPROVE_DECISION_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* What one signature covers. All strings are borrowed. */
struct decision {
	const char	*id;
	const char	*digest;	/* hex SHA-256 of the request body */
	const char	*verdict;	/* "approve" or "deny" */
	const char	*signer;
	int64_t		 signed_at;	/* Unix ms */
	const char	*reason;	/* UTF-8, may be empty */
};

/* The canonical bytes; the caller frees. *len excludes the final NUL. */
char	*decision_canonical(const struct decision *, size_t *);
void	 decision_sign(const struct decision *,
	    const uint8_t[PROTO_SK_BYTES], uint8_t[PROTO_SIG_BYTES]);
/* 0 when sig is a valid signature by pk over the decision. */
int	 decision_verify(const struct decision *,
	    const uint8_t[PROTO_PK_BYTES], const uint8_t[PROTO_SIG_BYTES]);
/* 1 for "approve" or "deny". */
int	 decision_verdict_valid(const char *);

/* The bytes an analyst signs to log in: tag, nonce as sent, name. */
char	*decision_auth_canonical(const char *, const char *, size_t *);

#endif
