/* Parsing of what a console sends (CONTRACT §5), kept apart from the
 * session so that it can be tested and fuzzed on its own. */
#include <stdio.h>
#include <string.h>

#include "approvald.h"
#include "codec.h"
#include "decision.h"
#include "json.h"

/* Copy a string member into dst; -1 when absent, not a string or long. */
static int
message_copy(const cJSON *msg, const char *key, char *dst, size_t size)
{
	const char	*s = json_string(msg, key);

	if (s == NULL || strlen(s) >= size)
		return -1;
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int
message_hello(const cJSON *msg, struct message *m)
{
	const char	*sig64 = json_string(msg, "sig");

	if (message_copy(msg, "analyst", m->analyst, sizeof m->analyst) != 0 ||
	    !codec_name_valid(m->analyst) || sig64 == NULL ||
	    codec_b64_decode_exact(sig64, m->sig, sizeof m->sig) != 0)
		return -1;
	return 0;
}

/* A decide whose fields are malformed is answered, not cut off: m->bad
 * says what is wrong. */
static const char *
message_decide_fields(const cJSON *msg, struct message *m)
{
	const char	*sig64 = json_string(msg, "sig");

	if (message_copy(msg, "id", m->id, sizeof m->id) != 0)
		return "id must be a request id";
	if (message_copy(msg, "verdict", m->verdict, sizeof m->verdict) != 0 ||
	    !decision_verdict_valid(m->verdict))
		return "verdict must be \"approve\" or \"deny\"";
	if (cJSON_GetObjectItemCaseSensitive(msg, "reason") != NULL &&
	    (message_copy(msg, "reason", m->reason, sizeof m->reason) != 0 ||
	    codec_has_control(m->reason, strlen(m->reason))))
		return "reason must be at most 1024 bytes, no control characters";
	if (strcmp(m->verdict, "deny") == 0 && m->reason[0] == '\0')
		return "a denial needs a reason";
	if (json_int(msg, "signed_at", 0, INT64_C(1) << 52, &m->signed_at))
		return "signed_at must be Unix milliseconds";
	if (sig64 == NULL ||
	    codec_b64_decode_exact(sig64, m->sig, sizeof m->sig) != 0)
		return "sig must be a base64 Ed25519 signature";
	return NULL;
}

int
message_parse(const char *buf, size_t len, struct message *m)
{
	cJSON		*msg;
	const char	*type;
	char		 err[128];
	int		 rc = -1;

	memset(m, 0, sizeof *m);
	if ((msg = json_parse(buf, len, err, sizeof err)) == NULL)
		return -1;
	if ((type = json_string(msg, "type")) == NULL)
		goto out;
	if (strcmp(type, "hello") == 0) {
		m->type = MESSAGE_HELLO;
		rc = message_hello(msg, m);
	} else if (strcmp(type, "decide") == 0) {
		m->type = MESSAGE_DECIDE;
		m->bad = message_decide_fields(msg, m);
		rc = 0;
	}
out:
	cJSON_Delete(msg);
	return rc;
}
