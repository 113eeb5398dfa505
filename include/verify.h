/*
 * The executor's rule of CONTRACT §4: when a request view may be taken as
 * approved. Everything that is not provably an approval is a denial.
 */
#ifndef APPROVE_VERIFY_H
#define APPROVE_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "keyfile.h"

#define VERIFY_SIGNATURES_MAX	1024	/* more is a malformed view */

/* What the executor itself knows of the request it asks about. */
struct verify_expect {
	const char	*id;		/* submitted or waited on; NULL: any */
	const uint8_t	*sent;		/* the body sent; NULL: unknown */
	size_t		 sent_len;
	int64_t		 now_ms;	/* the executor's clock, Unix ms */
};

/*
 * 0 only when the view is "approved"; its "id" is expect->id when that is
 * not NULL; its "body" decodes and "digest" is the SHA-256 of it; the body
 * is byte for byte expect->sent when that is not NULL; every signature's
 * "signed_at" lies within PROTO_SKEW_MS before the view's "created_at"
 * and expect->now_ms (an old approval is not replayed onto a new request,
 * nor one dated ahead); and at least "approvals_required" (>= 1) distinct
 * public keys in keys made a valid "approve" signature over the view's id
 * and digest (one key listed under two names counts once), while no key
 * in keys made a valid "deny". Otherwise -1 and why holds the reason
 * (which never echoes a string from the view that could hold terminal
 * controls). Signatures that do not count are named in why.
 */
int	verify_request_view(const cJSON *, const struct verify_expect *,
	    const struct trusted *, char *, size_t);
/* verify_request_view for any id, sent_body when not NULL, and the
 * wall clock now. */
int	verify_view(const cJSON *, const uint8_t *, size_t,
	    const struct trusted *, char *, size_t);

#endif
