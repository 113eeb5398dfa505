/*
 * The executor's request body (CONTRACT §3): submit_parse(), then
 * policy_decide() on what it accepted, with the example policy of
 * CONTRACT §2. Besides the sanitizers it checks what the rest of the daemon
 * relies on: an accepted body holds only bounded, clean fields, and the
 * policy's deny rules hold whatever the spelling of the target.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "approvald.h"
#include "codec.h"

#define FUZZ_MAX_TIMEOUT_S	86400

static const char fuzz_policy[] =
    "{\"limits\":{\"max_timeout_s\":86400},\"actions\":{"
    "\"isolate_host\":{\"timeout_s\":600,\"rules\":["
    "{\"when\":{\"target_glob\":\"dc-*\"},\"then\":\"deny\",\"reason\":"
    "\"domain controllers are never isolated by automation\"},"
    "{\"when\":{\"target_glob\":\"prod-*\"},\"then\":\"review\","
    "\"approvals\":2},"
    "{\"then\":\"review\",\"groups\":[\"soc\"]}]},"
    "\"block_ip\":{\"rules\":["
    "{\"when\":{\"target_cidr\":[\"10.0.0.0/8\",\"172.16.0.0/12\","
    "\"192.168.0.0/16\",\"127.0.0.0/8\",\"::1/128\",\"fc00::/7\"]},"
    "\"then\":\"deny\"},{\"then\":\"review\"}]},"
    "\"refund\":{\"rules\":["
    "{\"when\":{\"param\":\"amount\",\"gte\":10000},\"then\":\"deny\"},"
    "{\"when\":{\"param\":\"amount\",\"lt\":500},\"then\":\"approve\"},"
    "{\"then\":\"review\"}]}}}";

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The policy, loaded once; a policy that does not load is a broken fuzzer. */
static const struct config *
fuzz_config(void)
{
	static struct config	cfg;
	static int		loaded;
	char			err[512];

	if (!loaded && config_load_buffer("fuzz.json", fuzz_policy,
	    sizeof fuzz_policy - 1, &cfg, err, sizeof err) != 0) {
		fprintf(stderr, "fuzz_submit: %s\n", err);
		abort();
	}
	loaded = 1;
	return &cfg;
}

/* 1 when s is NULL (and may be) or holds 1 to max bytes, controls only
 * where allowed. */
static int
fuzz_field_ok(const char *s, size_t max, int optional, int controls)
{
	size_t	len;

	if (s == NULL)
		return optional;
	len = strlen(s);
	return len >= 1 && len <= max &&
	    (controls || !codec_has_control(s, len));
}

/* Abort unless every accepted field keeps the bounds of PROTOCOL.md. */
static void
fuzz_check_submission(const struct submission *sub, const uint8_t *data,
    size_t size)
{
	if (memchr(data, '\0', size) != NULL ||
	    !submit_action_valid(sub->action) ||
	    !fuzz_field_ok(sub->action, PROTO_ACTION_MAX, 0, 0) ||
	    !fuzz_field_ok(sub->target, PROTO_TARGET_MAX, 0, 0) ||
	    !fuzz_field_ok(sub->justification, PROTO_JUSTIFICATION_MAX, 0, 1) ||
	    !fuzz_field_ok(sub->on_behalf_of, PROTO_ON_BEHALF_MAX, 1, 0) ||
	    !fuzz_field_ok(sub->idempotency_key, PROTO_IDEMPOTENCY_MAX, 1, 0) ||
	    (sub->params != NULL && !cJSON_IsObject(sub->params)) ||
	    sub->timeout_s < 0 || sub->timeout_s > FUZZ_MAX_TIMEOUT_S)
		abort();
}

/* 1 when target is an address that the block_ip deny rule covers,
 * decided here without the policy's code. */
static int
fuzz_private_address(const char *target)
{
	static const uint8_t	mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t	loop6[16] = { [15] = 1 };
	uint8_t			a[16];
	const uint8_t		*v4 = NULL;

	if (inet_pton(AF_INET, target, a) == 1)
		v4 = a;
	else if (inet_pton(AF_INET6, target, a) == 1) {
		if (memcmp(a, loop6, 16) == 0 || (a[0] & 0xfe) == 0xfc)
			return 1;
		if (memcmp(a, mapped, 12) == 0)
			v4 = a + 12;
	}
	if (v4 == NULL)
		return 0;
	return v4[0] == 10 || v4[0] == 127 ||
	    (v4[0] == 172 && (v4[1] & 0xf0) == 16) ||
	    (v4[0] == 192 && v4[1] == 168);
}

/* The refund amount when it is a finite number, else NAN. */
static double
fuzz_amount(const cJSON *params)
{
	const cJSON	*item;

	item = cJSON_GetObjectItemCaseSensitive(params, "amount");
	if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
		return NAN;
	return item->valuedouble;
}

/* The verdict the example policy must reach when it can be told apart
 * without the policy's code; -1 when it is not that simple. */
static int
fuzz_expected(const struct submission *sub)
{
	double	amount;

	if (strcmp(sub->action, "isolate_host") == 0)
		return strncasecmp(sub->target, "dc-", 3) == 0 ? THEN_DENY : -1;
	if (strcmp(sub->action, "block_ip") == 0)
		return fuzz_private_address(sub->target) ? THEN_DENY : -1;
	if (strcmp(sub->action, "refund") == 0) {
		amount = fuzz_amount(sub->params);
		if (amount >= 10000)
			return THEN_DENY;
		return amount < 500 ? THEN_APPROVE : -1;
	}
	return THEN_DENY;	/* not in the policy */
}

/* Abort unless the decision is well formed and matches the example. */
static void
fuzz_check_policy(const struct submission *sub)
{
	struct policy_input	in;
	struct policy_result	out;
	int			want;

	in.action = sub->action;
	in.target = sub->target;
	in.params = sub->params;
	in.timeout_s = sub->timeout_s;
	policy_decide(fuzz_config(), &in, &out);
	if (out.label[0] == '\0' || out.reason[0] == '\0' ||
	    out.approvals < 1 || out.timeout_s < 1 ||
	    out.timeout_s > FUZZ_MAX_TIMEOUT_S ||
	    (sub->timeout_s > 0 && out.timeout_s > sub->timeout_s))
		abort();
	want = fuzz_expected(sub);
	if (want != -1 && (int)out.then != want)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct submission	sub;
	char			err[256];

	err[0] = '\0';
	if (submit_parse((const char *)data, size, FUZZ_MAX_TIMEOUT_S, &sub,
	    err, sizeof err) != 0) {
		if (err[0] == '\0')
			abort();
		return 0;
	}
	fuzz_check_submission(&sub, data, size);
	fuzz_check_policy(&sub);
	submit_free(&sub);
	return 0;
}
