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

/*
 * 0 only when the view is "approved"; its "body" decodes and "digest" is
 * the SHA-256 of it; the body is byte for byte sent_body when sent_body is
 * not NULL; and at least "approvals_required" (>= 1) distinct signers in
 * keys made a valid "approve" signature over the view's id and digest,
 * while no signer in keys made a valid "deny". Otherwise -1 and why holds
 * the reason (which never echoes a string from the view that could hold
 * terminal controls). Signatures that do not count are named in why.
 */
int	verify_view(const cJSON *, const uint8_t *, size_t,
	    const struct trusted *, char *, size_t);

#endif
