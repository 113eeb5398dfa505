/*
 * policy.c against the example configuration of CONTRACT §2, and the
 * address checks a deny rule on a network depends on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "approvald.h"

/* The example of CONTRACT §2, word for word. */
static const char example[] =
"{\n"
"  \"listen\": \"127.0.0.1:8470\",\n"
"  \"database\": \"approvald.db\",\n"
"  \"daemon_key\": \"daemon.key\",\n"
"  \"signer\": \"approvald\",\n"
"  \"limits\": { \"max_body_bytes\": 65536, \"rate_per_minute\": 600, "
"\"max_timeout_s\": 86400 },\n"
"  \"actions\": {\n"
"    \"isolate_host\": {\n"
"      \"timeout_s\": 600,\n"
"      \"rules\": [\n"
"        { \"when\": { \"target_glob\": \"dc-*\" }, \"then\": \"deny\", "
"\"reason\": \"domain controllers are never isolated by automation\" },\n"
"        { \"when\": { \"target_glob\": \"prod-*\" }, \"then\": \"review\", "
"\"approvals\": 2 },\n"
"        { \"then\": \"review\", \"groups\": [\"soc\"] }\n"
"      ]\n"
"    },\n"
"    \"block_ip\": {\n"
"      \"rules\": [\n"
"        { \"when\": { \"target_cidr\": [\"10.0.0.0/8\", \"172.16.0.0/12\", "
"\"192.168.0.0/16\", \"127.0.0.0/8\", \"::1/128\", \"fc00::/7\"] }, "
"\"then\": \"deny\" },\n"
"        { \"then\": \"review\" }\n"
"      ]\n"
"    },\n"
"    \"refund\": {\n"
"      \"rules\": [\n"
"        { \"when\": { \"param\": \"amount\", \"gte\": 10000 }, "
"\"then\": \"deny\" },\n"
"        { \"when\": { \"param\": \"amount\", \"lt\": 500 }, "
"\"then\": \"approve\" },\n"
"        { \"then\": \"review\" }\n"
"      ]\n"
"    }\n"
"  }\n"
"}\n";

/* Load a configuration from text through a temporary file. */
static void
load(const char *text, struct config *cfg)
{
	char	path[] = "/tmp/approvald-test-policy-XXXXXX";
	char	err[1024];
	size_t	len = strlen(text);
	int	fd;

	fd = mkstemp(path);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	if (config_load(path, cfg, err, sizeof err) != 0)
		fail_msg("%s", err);
	unlink(path);
}

/* Decide for action, target and params given as JSON text (or NULL). */
static void
decide(const struct config *cfg, const char *action, const char *target,
    const char *params, int64_t timeout_s, struct policy_result *out)
{
	struct policy_input	 in;
	cJSON			*p = NULL;

	if (params != NULL)
		assert_non_null(p = cJSON_Parse(params));
	memset(&in, 0, sizeof in);
	in.action = action;
	in.target = target;
	in.params = p;
	in.timeout_s = timeout_s;
	policy_decide(cfg, &in, out);
	cJSON_Delete(p);
}

/* Load the example once for the whole group. */
static int
setup_example(void **state)
{
	static struct config	cfg;

	load(example, &cfg);
	*state = &cfg;
	return 0;
}

/* Free the example. */
static int
teardown_example(void **state)
{
	config_free(*state);
	return 0;
}

/* The example loads into what it says. */
static void
test_example_loaded(void **state)
{
	const struct config	*cfg = *state;
	const struct action	*a;

	assert_int_equal(cfg->nactions, 3);
	assert_non_null(a = config_action(cfg, "isolate_host"));
	assert_int_equal(a->timeout_s, 600);
	assert_int_equal(a->nrules, 3);
	assert_string_equal(a->rules[0].label, "isolate_host rule 1");
	assert_int_equal(a->rules[0].then, THEN_DENY);
	assert_int_equal(a->rules[0].nglobs, 1);
	assert_string_equal(a->rules[0].globs[0], "dc-*");
	assert_string_equal(a->rules[1].reason, "isolate_host rule 2");
	assert_int_equal(a->rules[1].approvals, 2);
	assert_int_equal(a->rules[2].ngroups, 1);
	assert_string_equal(a->rules[2].groups[0], "soc");
	assert_non_null(a = config_action(cfg, "block_ip"));
	assert_int_equal(a->timeout_s, 0);
	assert_int_equal(a->rules[0].ncidrs, 6);
	assert_non_null(a = config_action(cfg, "refund"));
	assert_int_equal(a->rules[0].nparams, 1);
	assert_string_equal(a->rules[0].params[0].name, "amount");
	assert_int_equal(a->rules[0].params[0].op, OP_GTE);
	assert_true(a->rules[0].params[0].value == 10000);
	assert_int_equal(a->rules[1].params[0].op, OP_LT);
	assert_null(config_action(cfg, "refun"));
	assert_null(config_action(cfg, "refund2"));
}

/* A domain controller is denied with the rule's own reason. */
static void
test_isolate_dc_denied(void **state)
{
	struct policy_result	r;

	decide(*state, "isolate_host", "dc-01", NULL, 0, &r);
	assert_int_equal(r.then, THEN_DENY);
	assert_string_equal(r.label, "isolate_host rule 1");
	assert_string_equal(r.reason,
	    "domain controllers are never isolated by automation");
	assert_int_equal(r.approvals, 1);
	assert_null(r.groups);
}

/* A production host needs two analysts, from any group. */
static void
test_isolate_prod_two_approvals(void **state)
{
	struct policy_result	r;

	decide(*state, "isolate_host", "prod-web", NULL, 0, &r);
	assert_int_equal(r.then, THEN_REVIEW);
	assert_string_equal(r.label, "isolate_host rule 2");
	assert_string_equal(r.reason, "isolate_host rule 2");
	assert_int_equal(r.approvals, 2);
	assert_null(r.groups);
	assert_int_equal(r.ngroups, 0);
	assert_int_equal(r.timeout_s, 600);
}

/* Any other host goes to one analyst of group soc for the action's time. */
static void
test_isolate_workstation_soc(void **state)
{
	struct policy_result	r;

	decide(*state, "isolate_host", "ws-042", NULL, 0, &r);
	assert_int_equal(r.then, THEN_REVIEW);
	assert_string_equal(r.label, "isolate_host rule 3");
	assert_int_equal(r.approvals, 1);
	assert_int_equal(r.ngroups, 1);
	assert_string_equal(r.groups[0], "soc");
	assert_int_equal(r.timeout_s, 600);
	/* The pattern covers the whole target: "xdc-01" is no dc. */
	decide(*state, "isolate_host", "xdc-01", NULL, 0, &r);
	assert_string_equal(r.label, "isolate_host rule 3");
}

/* Private, loopback and mapped addresses are denied. */
static void
test_block_ip_private_denied(void **state)
{
	static const char *const targets[] = {
		"10.1.2.3", "192.168.0.5", "::1", "fd00::1", "::ffff:10.0.0.1",
		"172.16.0.0", "172.31.255.255", "127.0.0.1", "10.255.255.255",
		"0:0:0:0:0:ffff:c0a8:0001", "::FFFF:192.168.1.1", "fc00::",
		"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"0:0:0:0:0:0:0:1"
	};
	struct policy_result	r;
	size_t			i;

	for (i = 0; i < sizeof targets / sizeof targets[0]; i++) {
		decide(*state, "block_ip", targets[i], NULL, 0, &r);
		if (r.then != THEN_DENY ||
		    strcmp(r.label, "block_ip rule 1") != 0)
			fail_msg("%s: not denied by rule 1 (%s)", targets[i],
			    r.label);
		assert_string_equal(r.reason, "block_ip rule 1");
	}
}

/* Public addresses, and targets that are no address, go to review. */
static void
test_block_ip_public_review(void **state)
{
	static const char *const targets[] = {
		"8.8.8.8", "172.15.255.255", "172.32.0.0", "11.0.0.1",
		"9.255.255.255", "2001:db8::1", "::ffff:8.8.8.8", "::2",
		"fe00::1", "128.0.0.1",
		/* legacy spelling of 8.1.2.3 (octal), a public address */
		"010.1.2.3",
		/* not addresses: the network condition does not hold */
		"fd00::1%eth0", " 10.1.2.3", "10.1.2.3/32", "host-10.1.2.3", ""
	};
	struct policy_result	r;
	size_t			i;

	for (i = 0; i < sizeof targets / sizeof targets[0]; i++) {
		decide(*state, "block_ip", targets[i], NULL, 0, &r);
		if (r.then != THEN_REVIEW ||
		    strcmp(r.label, "block_ip rule 2") != 0)
			fail_msg("\"%s\": not sent to review by rule 2 (%s)",
			    targets[i], r.label);
		assert_int_equal(r.timeout_s, POLICY_DEFAULT_TIMEOUT_S);
	}
}

/* Refunds: deny from 10000, approve below 500, else review. */
static void
test_refund_amounts(void **state)
{
	static const struct {
		const char	*params;
		enum rule_then	 then;
		const char	*label;
	} cases[] = {
		{ "{\"amount\":12000}", THEN_DENY, "refund rule 1" },
		{ "{\"amount\":10000}", THEN_DENY, "refund rule 1" },
		{ "{\"amount\":1e300}", THEN_DENY, "refund rule 1" },
		{ "{\"amount\":9999.99}", THEN_REVIEW, "refund rule 3" },
		{ "{\"amount\":499.99}", THEN_APPROVE, "refund rule 2" },
		{ "{\"amount\":-5}", THEN_APPROVE, "refund rule 2" },
		{ "{\"amount\":500}", THEN_REVIEW, "refund rule 3" },
		{ "{\"amount\":\"400\"}", THEN_REVIEW, "refund rule 3" },
		{ "{\"amount\":\"20000\"}", THEN_REVIEW, "refund rule 3" },
		{ "{\"amount\":null}", THEN_REVIEW, "refund rule 3" },
		{ "{\"amount\":true}", THEN_REVIEW, "refund rule 3" },
		{ "{\"amount\":[1]}", THEN_REVIEW, "refund rule 3" },
		{ "{\"amount\":{\"v\":1}}", THEN_REVIEW, "refund rule 3" },
		{ "{\"Amount\":1}", THEN_REVIEW, "refund rule 3" },
		{ "{}", THEN_REVIEW, "refund rule 3" },
		{ "[{\"amount\":1}]", THEN_REVIEW, "refund rule 3" },
		/* an overflowing number is infinite: it does not compare */
		{ "{\"amount\":-1e999}", THEN_REVIEW, "refund rule 3" },
		{ "{\"amount\":1e999}", THEN_REVIEW, "refund rule 3" },
		{ NULL, THEN_REVIEW, "refund rule 3" }
	};
	struct policy_result	r;
	size_t			i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		decide(*state, "refund", "order-1", cases[i].params, 0, &r);
		if (r.then != cases[i].then ||
		    strcmp(r.label, cases[i].label) != 0)
			fail_msg("%s: got %d %s", cases[i].params == NULL ?
			    "(no params)" : cases[i].params, (int)r.then,
			    r.label);
		assert_string_equal(r.reason, cases[i].label);
	}
}

/* An action the policy does not name is denied at once. */
static void
test_unknown_action_denied(void **state)
{
	struct policy_result	r;

	decide(*state, "reboot", "ws-042", NULL, 0, &r);
	assert_int_equal(r.then, THEN_DENY);
	assert_string_equal(r.label, "reboot not in policy");
	assert_string_equal(r.reason, "action reboot is not in the policy");
	assert_int_equal(r.approvals, 1);
	assert_null(r.groups);
	/* Names are compared whole. */
	decide(*state, "isolate", "ws-042", NULL, 0, &r);
	assert_int_equal(r.then, THEN_DENY);
	decide(*state, "isolate_host2", "ws-042", NULL, 0, &r);
	assert_int_equal(r.then, THEN_DENY);
}

/* The request's own timeout only ever shortens the review. */
static void
test_request_timeout_cap(void **state)
{
	struct policy_result	r;

	decide(*state, "isolate_host", "ws-042", NULL, 60, &r);
	assert_int_equal(r.timeout_s, 60);
	decide(*state, "isolate_host", "ws-042", NULL, 6000, &r);
	assert_int_equal(r.timeout_s, 600);
	decide(*state, "block_ip", "8.8.8.8", NULL, 30, &r);
	assert_int_equal(r.timeout_s, 30);
	decide(*state, "block_ip", "8.8.8.8", NULL, -5, &r);
	assert_int_equal(r.timeout_s, POLICY_DEFAULT_TIMEOUT_S);
}

/* Rule beats action beats default; limits.max_timeout_s caps them all. */
static void
test_timeout_order_and_limit(void **state)
{
	struct config		cfg;
	struct policy_result	r;

	load("{\"limits\":{\"max_timeout_s\":300},\"actions\":{"
	    "\"a\":{\"timeout_s\":600,\"rules\":[{\"then\":\"review\"}]},"
	    "\"b\":{\"timeout_s\":200,\"rules\":[{\"when\":{\"target_glob\":"
	    "\"x\"},\"then\":\"review\",\"timeout_s\":100},"
	    "{\"then\":\"review\"}]},"
	    "\"c\":{\"timeout_s\":60,\"rules\":[{\"then\":\"review\","
	    "\"timeout_s\":250}]}}}", &cfg);
	decide(&cfg, "a", "t", NULL, 0, &r);
	assert_int_equal(r.timeout_s, 300);
	decide(&cfg, "a", "t", NULL, 120, &r);
	assert_int_equal(r.timeout_s, 120);
	decide(&cfg, "b", "x", NULL, 0, &r);
	assert_int_equal(r.timeout_s, 100);
	decide(&cfg, "b", "y", NULL, 0, &r);
	assert_int_equal(r.timeout_s, 200);
	decide(&cfg, "c", "y", NULL, 0, &r);
	assert_int_equal(r.timeout_s, 250);
	decide(&cfg, "zzz", "y", NULL, 0, &r);
	assert_int_equal(r.timeout_s, 300);
	config_free(&cfg);
}

/* When no rule holds the request is denied, and every condition counts. */
static void
test_conditions_all_hold(void **state)
{
	struct config		cfg;
	struct policy_result	r;

	load("{\"actions\":{\"pay\":{\"rules\":[{\"when\":{"
	    "\"target_glob\":[\"acct-*\",\"vip-?\"],\"param\":\"amount\","
	    "\"lte\":100},\"then\":\"approve\",\"reason\":\"small\"},"
	    "{\"when\":{\"param\":\"amount\",\"eq\":7},\"then\":\"review\"},"
	    "{\"when\":{\"param\":\"amount\",\"gt\":1000},\"then\":\"deny\"}"
	    "]}}}", &cfg);
	decide(&cfg, "pay", "acct-9", "{\"amount\":100}", 0, &r);
	assert_int_equal(r.then, THEN_APPROVE);
	assert_string_equal(r.reason, "small");
	decide(&cfg, "pay", "vip-1", "{\"amount\":3}", 0, &r);
	assert_int_equal(r.then, THEN_APPROVE);
	/* the glob holds, the comparison does not */
	decide(&cfg, "pay", "acct-9", "{\"amount\":100.5}", 0, &r);
	assert_int_equal(r.then, THEN_DENY);
	assert_string_equal(r.label, "pay no rule matched");
	assert_string_equal(r.reason, "pay no rule matched");
	assert_int_equal(r.approvals, 1);
	/* the comparison holds, the glob does not */
	decide(&cfg, "pay", "vip-12", "{\"amount\":3}", 0, &r);
	assert_string_equal(r.label, "pay no rule matched");
	decide(&cfg, "pay", "x", "{\"amount\":7}", 0, &r);
	assert_int_equal(r.then, THEN_REVIEW);
	assert_string_equal(r.label, "pay rule 2");
	decide(&cfg, "pay", "x", "{\"amount\":1000.001}", 0, &r);
	assert_int_equal(r.then, THEN_DENY);
	assert_string_equal(r.label, "pay rule 3");
	decide(&cfg, "pay", "x", "{\"amount\":1000}", 0, &r);
	assert_string_equal(r.label, "pay no rule matched");
	config_free(&cfg);
}

/* An action with no rules denies everything. */
static void
test_no_rules_denied(void **state)
{
	struct config		cfg;
	struct policy_result	r;

	load("{\"actions\":{\"noop\":{\"rules\":[]}}}", &cfg);
	decide(&cfg, "noop", "x", NULL, 0, &r);
	assert_int_equal(r.then, THEN_DENY);
	assert_string_equal(r.label, "noop no rule matched");
	config_free(&cfg);
}

/* Networks parse into their family, prefix and bytes. */
static void
test_cidr_parse_valid(void **state)
{
	struct cidr	c;
	uint8_t		want[16];

	assert_int_equal(policy_cidr_parse("10.0.0.0/8", &c), 0);
	assert_int_equal(c.family, AF_INET);
	assert_int_equal(c.prefix, 8);
	assert_int_equal(c.addr[0], 10);
	assert_int_equal(policy_cidr_parse("1.2.3.4", &c), 0);
	assert_int_equal(c.family, AF_INET);
	assert_int_equal(c.prefix, 32);
	assert_memory_equal(c.addr, "\1\2\3\4", 4);
	assert_int_equal(policy_cidr_parse("::1", &c), 0);
	assert_int_equal(c.family, AF_INET6);
	assert_int_equal(c.prefix, 128);
	inet_pton(AF_INET6, "::1", want);
	assert_memory_equal(c.addr, want, 16);
	assert_int_equal(policy_cidr_parse("0.0.0.0/0", &c), 0);
	assert_int_equal(c.prefix, 0);
	assert_int_equal(policy_cidr_parse("::/0", &c), 0);
	assert_int_equal(c.family, AF_INET6);
	assert_int_equal(policy_cidr_parse("fc00::/7", &c), 0);
	assert_int_equal(c.prefix, 7);
	/* a mapped network is the IPv4 network it stands for */
	assert_int_equal(policy_cidr_parse("::ffff:10.0.0.0/104", &c), 0);
	assert_int_equal(c.family, AF_INET);
	assert_int_equal(c.prefix, 8);
	assert_memory_equal(c.addr, "\12\0\0\0", 4);
	assert_int_equal(policy_cidr_parse("::ffff:0:0/96", &c), 0);
	assert_int_equal(c.family, AF_INET);
	assert_int_equal(c.prefix, 0);
}

/* Anything else is refused, host bits after the prefix above all. */
static void
test_cidr_parse_invalid(void **state)
{
	static const char *const bad[] = {
		"10.0.0.1/8", "10.1.0.0/8", "192.168.1.0/16", "fc00::1/7",
		"::1/127", "1.2.3.4/0", "10.0.0.0/33", "::/129", "10.0.0.0/",
		"10.0.0.0/08", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8",
		"10.0.0.0/ 8", "/8", "", " 10.0.0.0/8", "10.0.0.0/8 ",
		"fe80::%eth0/64", "fe80::1%eth0", "10.0.0", "010.0.0.0/8",
		"10.0.0.0/0x8", "garbage", "::ffff:10.0.0.1/104",
		"0000:0000:0000:0000:0000:0000:0000:0000:0000/8",
		"10.0.0.0/1000"
	};
	struct cidr	c;
	size_t		i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (policy_cidr_parse(bad[i], &c) != -1)
			fail_msg("\"%s\" parsed", bad[i]);
	}
}

/* Parse a network the test knows to be valid. */
static struct cidr
cidr(const char *s)
{
	struct cidr	c;

	if (policy_cidr_parse(s, &c) != 0)
		fail_msg("%s does not parse", s);
	return c;
}

/* Matching works across the IPv4-mapped form in both directions. */
static void
test_cidr_match(void **state)
{
	struct cidr	c;

	c = cidr("10.0.0.0/8");
	assert_true(policy_cidr_match(&c, "10.0.0.0"));
	assert_true(policy_cidr_match(&c, "10.255.255.255"));
	assert_true(policy_cidr_match(&c, "::ffff:10.1.2.3"));
	assert_true(policy_cidr_match(&c, "::ffff:a01:203"));
	assert_false(policy_cidr_match(&c, "11.0.0.0"));
	assert_false(policy_cidr_match(&c, "9.255.255.255"));
	/* Every spelling a tool would read as 10.1.2.3 is 10.1.2.3. */
	assert_true(policy_cidr_match(&c, "::10.1.2.3"));
	assert_true(policy_cidr_match(&c, "64:ff9b::10.1.2.3"));
	assert_true(policy_cidr_match(&c, "167837955"));
	assert_true(policy_cidr_match(&c, "0x0a010203"));
	assert_true(policy_cidr_match(&c, "0xa.1.2.3"));
	assert_true(policy_cidr_match(&c, "10.1.515"));
	assert_true(policy_cidr_match(&c, "10.1.2.3 "));
	assert_false(policy_cidr_match(&c, "::1"));
	assert_false(policy_cidr_match(&c, "fe80::1%eth0"));
	assert_false(policy_cidr_match(&c, " 10.1.2.3"));
	assert_false(policy_cidr_match(&c, NULL));
	c = cidr("::ffff:0:0/96");
	assert_true(policy_cidr_match(&c, "8.8.8.8"));
	assert_true(policy_cidr_match(&c, "::ffff:8.8.8.8"));
	assert_false(policy_cidr_match(&c, "2001:db8::1"));
	c = cidr("::ffff:192.168.0.0/112");
	assert_true(policy_cidr_match(&c, "192.168.44.1"));
	assert_false(policy_cidr_match(&c, "192.169.0.1"));
	c = cidr("172.16.0.0/12");
	assert_true(policy_cidr_match(&c, "172.31.0.1"));
	assert_false(policy_cidr_match(&c, "172.32.0.1"));
	assert_false(policy_cidr_match(&c, "172.15.255.255"));
	c = cidr("0.0.0.0/0");
	assert_true(policy_cidr_match(&c, "1.2.3.4"));
	assert_false(policy_cidr_match(&c, "2001:db8::1"));
	c = cidr("::/0");
	assert_true(policy_cidr_match(&c, "2001:db8::1"));
	assert_false(policy_cidr_match(&c, "1.2.3.4"));
	c = cidr("fc00::/7");
	assert_true(policy_cidr_match(&c, "fdff::1"));
	assert_false(policy_cidr_match(&c, "fe00::1"));
	assert_false(policy_cidr_match(&c, "fbff::1"));
	c = cidr("2001:db8::1");
	assert_true(policy_cidr_match(&c, "2001:DB8:0:0:0:0:0:1"));
	assert_false(policy_cidr_match(&c, "2001:db8::2"));
}

int
main(void)
{
	const struct CMUnitTest example_tests[] = {
		cmocka_unit_test(test_example_loaded),
		cmocka_unit_test(test_isolate_dc_denied),
		cmocka_unit_test(test_isolate_prod_two_approvals),
		cmocka_unit_test(test_isolate_workstation_soc),
		cmocka_unit_test(test_block_ip_private_denied),
		cmocka_unit_test(test_block_ip_public_review),
		cmocka_unit_test(test_refund_amounts),
		cmocka_unit_test(test_unknown_action_denied),
		cmocka_unit_test(test_request_timeout_cap),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeout_order_and_limit),
		cmocka_unit_test(test_conditions_all_hold),
		cmocka_unit_test(test_no_rules_denied),
		cmocka_unit_test(test_cidr_parse_valid),
		cmocka_unit_test(test_cidr_parse_invalid),
		cmocka_unit_test(test_cidr_match),
	};
	int	failed;

	failed = cmocka_run_group_tests_name("policy, CONTRACT example",
	    example_tests, setup_example, teardown_example);
	failed += cmocka_run_group_tests_name("policy", tests, NULL, NULL);
	return failed != 0;
}
