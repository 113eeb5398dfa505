/* Canonical decision bytes and their Ed25519 signatures. */
#include <inttypes.h>
#include <string.h>
#include <stdlib.h>

#include <sodium.h>

#include "codec.h"
#include "decision.h"
#include "xmalloc.h"

char *
decision_canonical(const struct decision *d, size_t *len)
{
	char	reason_hex[PROTO_SHA256_HEX];
	char	*out;
	int	 n;

	codec_sha256_hex(d->reason, strlen(d->reason), reason_hex);
	n = xasprintf(&out, "%s\nid:%s\ndigest:%s\nverdict:%s\nsigner:%s\n"
	    "signed_at:%" PRId64 "\nreason:%s\n", PROTO_DECISION_TAG, d->id,
	    d->digest, d->verdict, d->signer, d->signed_at, reason_hex);
	*len = (size_t)n;
	return out;
}

void
decision_sign(const struct decision *d, const uint8_t sk[PROTO_SK_BYTES],
    uint8_t sig[PROTO_SIG_BYTES])
{
	char	*msg;
	size_t	 len;

	msg = decision_canonical(d, &len);
	crypto_sign_detached(sig, NULL, (const uint8_t *)msg, len, sk);
	free(msg);
}

int
decision_verify(const struct decision *d, const uint8_t pk[PROTO_PK_BYTES],
    const uint8_t sig[PROTO_SIG_BYTES])
{
	char	*msg;
	size_t	 len;
	int	 rc;

	msg = decision_canonical(d, &len);
	rc = crypto_sign_verify_detached(sig, (const uint8_t *)msg, len, pk);
	free(msg);
	return rc == 0 ? 0 : -1;
}

int
decision_verdict_valid(const char *verdict)
{
	return strcmp(verdict, "approve") == 0 || strcmp(verdict, "deny") == 0;
}

char *
decision_auth_canonical(const char *nonce, const char *name, size_t *len)
{
	char	*out;

	*len = (size_t)xasprintf(&out, "%s\n%s\n%s\n", PROTO_AUTH_TAG, nonce,
	    name);
	return out;
}
