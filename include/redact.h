/*
 * Keeping secrets off screens and out of exports. The digest and the
 * signatures still cover the exact bytes; only what is shown or exported
 * passes through here.
 */
#ifndef APPROVE_REDACT_H
#define APPROVE_REDACT_H

#define REDACT_MARK	"[REDACTED]"

/* 1 when a parameter name says it holds a secret (password, token, ...). */
int	 redact_name(const char *);
/* 1 when a value looks like a credential: an AWS access key, a bearer
 * token, a PEM block, a JWT, an approvald token, a long random string. */
int	 redact_value(const char *);
/* A copy of free text with credential-shaped words and PEM blocks
 * replaced by REDACT_MARK; the caller frees. */
char	*redact_text(const char *);

#endif
