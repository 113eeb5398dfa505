/*
 * What an analyst's console sends (CONTRACT §5): message_parse(). Besides
 * the sanitizers it checks that a hello names a valid analyst and that a
 * decide it does not refuse carries the fields the session then trusts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "approvald.h"
#include "codec.h"
#include "decision.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Abort unless a decide without m->bad holds what the session relies on. */
static void
fuzz_check_decide(const struct message *m)
{
	if (m->bad != NULL)
		return;
	if (strlen(m->id) > PROTO_ID_MAX ||
	    !decision_verdict_valid(m->verdict) ||
	    strlen(m->reason) > PROTO_REASON_MAX ||
	    codec_has_control(m->reason, strlen(m->reason)) ||
	    (strcmp(m->verdict, "deny") == 0 && m->reason[0] == '\0') ||
	    m->signed_at < 0 || m->signed_at > (INT64_C(1) << 52))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct message	m;

	if (message_parse((const char *)data, size, &m) != 0)
		return 0;
	if (memchr(data, '\0', size) != NULL)
		abort();
	if (m.type == MESSAGE_HELLO && !codec_name_valid(m.analyst))
		abort();
	if (m.type == MESSAGE_DECIDE)
		fuzz_check_decide(&m);
	return 0;
}
