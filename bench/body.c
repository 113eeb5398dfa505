/* Request bodies shaped like an agent's (a target, a ticket, a host id and
 * a paragraph of justification, about 300 bytes in all), and request ids
 * shaped like the daemon's, for rows written straight into a database. */
#include <inttypes.h>
#include <stdio.h>

#include <sodium.h>

#include "bench.h"
#include "codec.h"

size_t
body_make(char *buf, size_t size, const char *action, uint64_t seq,
    int64_t timeout_s)
{
	char	timeout[48] = "";
	int	n;

	if (timeout_s > 0)
		snprintf(timeout, sizeof timeout, ",\"timeout_s\":%" PRId64,
		    timeout_s);
	n = snprintf(buf, size, "{\"action\":\"%s\",\"target\":\"ws-%05" PRIu64
	    "\",\"params\":{\"ticket\":\"INC-%06" PRIu64 "\",\"host_id\":"
	    "\"a1b2c3d4-%08" PRIx64 "\"},\"justification\":\"EDR alert %"
	    PRIu64 ": beaconing to a known C2 address every 60 s from this "
	    "workstation; the triage playbook asks to isolate it until an "
	    "analyst has looked at the process tree\",\"on_behalf_of\":"
	    "\"alice\"%s}", action, seq % 100000, seq, seq, seq % 10000,
	    timeout);
	return n < 0 || (size_t)n >= size ? 0 : (size_t)n;
}

void
body_id(char id[PROTO_ID_MAX + 1], int64_t ms)
{
	uint8_t	rnd[10];
	char	hex[2 * sizeof rnd + 1];

	randombytes_buf(rnd, sizeof rnd);
	codec_hex(rnd, sizeof rnd, hex);
	snprintf(id, PROTO_ID_MAX + 1, "req_%012" PRIx64 "%s",
	    (uint64_t)ms & UINT64_C(0xffffffffffff), hex);
}
