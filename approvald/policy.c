/*
 * The policy of CONTRACT §2: an action's rules are tried in order, the
 * first whose conditions all hold decides, and everything else is denied.
 * A condition that cannot be evaluated (a parameter that is not a number, a
 * target that is not an address) does not hold.
 *
 * Addresses: an IPv4-mapped IPv6 address (::ffff:10.1.2.3) reaches the
 * IPv4 host, so targets and networks inside ::ffff:0:0/96 are turned into
 * their IPv4 form before families are compared. Without that, a deny rule on
 * 10.0.0.0/8 would let "::ffff:10.1.2.3" through.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "approvald.h"

static const uint8_t policy_v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* Parse a bare IPv4 or IPv6 address as a host network (/32 or /128). */
static int
policy_addr_parse(const char *s, struct cidr *c)
{
	memset(c, 0, sizeof *c);
	if (inet_pton(AF_INET, s, c->addr) == 1) {
		c->family = AF_INET;
		c->prefix = 32;
	} else if (inet_pton(AF_INET6, s, c->addr) == 1) {
		c->family = AF_INET6;
		c->prefix = 128;
	} else
		return -1;
	return 0;
}

/* Turn an IPv4-mapped IPv6 network into the IPv4 network it is. */
static void
policy_unmap(struct cidr *c)
{
	if (c->family != AF_INET6 || c->prefix < 96 ||
	    memcmp(c->addr, policy_v4mapped, sizeof policy_v4mapped) != 0)
		return;
	memmove(c->addr, c->addr + 12, 4);
	memset(c->addr + 4, 0, 12);
	c->family = AF_INET;
	c->prefix -= 96;
}

/* Read a prefix length: plain decimal from 0 to max. */
static int
policy_prefix_parse(const char *s, int max, int *out)
{
	size_t	len, i;
	int	v = 0;

	len = strlen(s);
	if (len == 0 || len > 3 || (s[0] == '0' && len > 1))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* 1 when no bit after the prefix is set. */
static int
policy_host_bits_clear(const struct cidr *c)
{
	int	len, i, in;
	uint8_t	mask;

	len = c->family == AF_INET ? 4 : 16;
	for (i = 0; i < len; i++) {
		in = c->prefix - i * 8;	/* bits of this byte in the prefix */
		if (in >= 8)
			continue;
		mask = in <= 0 ? 0xff : (uint8_t)(0xff >> in);
		if ((c->addr[i] & mask) != 0)
			return 0;
	}
	return 1;
}

/* 1 when the first bits bits of a and b are equal. */
static int
policy_prefix_equal(const uint8_t *a, const uint8_t *b, int bits)
{
	size_t	full = (size_t)bits / 8;
	uint8_t	mask;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (bits % 8 == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - bits % 8));
	return (a[full] & mask) == (b[full] & mask);
}

int
policy_cidr_parse(const char *str, struct cidr *out)
{
	char		 buf[INET6_ADDRSTRLEN + sizeof "/128"];
	char		*slash;
	struct cidr	 c;
	size_t		 len;

	if ((len = strlen(str)) >= sizeof buf)
		return -1;
	memcpy(buf, str, len + 1);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash = '\0';
	if (policy_addr_parse(buf, &c) != 0)
		return -1;
	if (slash != NULL &&
	    policy_prefix_parse(slash + 1, c.prefix, &c.prefix) != 0)
		return -1;
	if (!policy_host_bits_clear(&c))
		return -1;
	policy_unmap(&c);
	*out = c;
	return 0;
}

/*
 * Read a target as an address the way the tools behind an action would,
 * so that no spelling slips past a network rule: strict IPv4 and IPv6,
 * then the legacy IPv4 forms inet_aton() and ping accept ("10.1",
 * "0xa.1.2.3", "010.1.2.3", "167837955"), and IPv6 addresses that carry an
 * IPv4 one (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64
 * 64:ff9b::a.b.c.d) as that IPv4 address.
 */
static int
policy_target_parse(const char *target, struct cidr *t)
{
	static const uint8_t	nat64[12] = { 0, 0x64, 0xff, 0x9b };
	static const uint8_t	zero[12];
	struct in_addr		a4;

	if (policy_addr_parse(target, t) != 0) {
		if (inet_aton(target, &a4) == 0)
			return -1;
		memset(t, 0, sizeof *t);
		t->family = AF_INET;
		t->prefix = 32;
		memcpy(t->addr, &a4, 4);
		return 0;
	}
	if (t->family == AF_INET6 && (memcmp(t->addr, nat64, 12) == 0 ||
	    (memcmp(t->addr, zero, 12) == 0 && t->addr[12] != 0)))
		memcpy(t->addr, policy_v4mapped, sizeof policy_v4mapped);
	policy_unmap(t);
	return 0;
}

int
policy_cidr_match(const struct cidr *c, const char *target)
{
	struct cidr	t;

	if (target == NULL || policy_target_parse(target, &t) != 0)
		return 0;
	if (t.family != c->family)
		return 0;
	return policy_prefix_equal(t.addr, c->addr, c->prefix);
}

/* 1 when the target matches one of the rule's patterns. */
static int
policy_glob_holds(const struct rule *r, const char *target)
{
	size_t	i;

	if (target == NULL)
		return 0;
	/* Host names are case-insensitive: DC-01 must meet the dc-* rule. */
	for (i = 0; i < r->nglobs; i++) {
		if (fnmatch(r->globs[i], target, FNM_CASEFOLD) == 0)
			return 1;
	}
	return 0;
}

/* 1 when the target is an address inside one of the rule's networks. */
static int
policy_cidrs_hold(const struct rule *r, const char *target)
{
	size_t	i;

	for (i = 0; i < r->ncidrs; i++) {
		if (policy_cidr_match(&r->cidrs[i], target))
			return 1;
	}
	return 0;
}

/* 1 when the named parameter is a finite number that compares true. */
static int
policy_param_holds(const struct param_cond *p, const cJSON *params)
{
	const cJSON	*item;
	double		 v;

	item = cJSON_GetObjectItemCaseSensitive(params, p->name);
	if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
		return 0;
	v = item->valuedouble;
	switch (p->op) {
	case OP_LT:
		return v < p->value;
	case OP_LTE:
		return v <= p->value;
	case OP_GT:
		return v > p->value;
	case OP_GTE:
		return v >= p->value;
	case OP_EQ:
		return v == p->value;
	}
	return 0;
}

/* 1 when every condition of the rule holds; a rule with none always does. */
static int
policy_rule_holds(const struct rule *r, const struct policy_input *in)
{
	size_t	i;

	if (r->nglobs != 0 && !policy_glob_holds(r, in->target))
		return 0;
	if (r->ncidrs != 0 && !policy_cidrs_hold(r, in->target))
		return 0;
	for (i = 0; i < r->nparams; i++) {
		if (!policy_param_holds(&r->params[i], in->params))
			return 0;
	}
	return 1;
}

/* The review period: rule, else action, else default, then both caps. */
static int64_t
policy_timeout(const struct config *cfg, const struct action *a,
    const struct rule *r, const struct policy_input *in)
{
	int64_t	t = 0;

	if (r != NULL)
		t = r->timeout_s;
	if (t == 0 && a != NULL)
		t = a->timeout_s;
	if (t == 0)
		t = POLICY_DEFAULT_TIMEOUT_S;
	if (in->timeout_s > 0 && t > in->timeout_s)
		t = in->timeout_s;
	if (t > cfg->limits.max_timeout_s)
		t = cfg->limits.max_timeout_s;
	return t;
}

/* The first rule of the action that holds, or NULL. */
static const struct rule *
policy_first_rule(const struct action *a, const struct policy_input *in)
{
	size_t	i;

	for (i = 0; i < a->nrules; i++) {
		if (policy_rule_holds(&a->rules[i], in))
			return &a->rules[i];
	}
	return NULL;
}

void
policy_decide(const struct config *cfg, const struct policy_input *in,
    struct policy_result *out)
{
	const struct action	*a;
	const struct rule	*r = NULL;

	memset(out, 0, sizeof *out);
	if ((a = config_action(cfg, in->action)) != NULL)
		r = policy_first_rule(a, in);
	out->then = THEN_DENY;
	out->approvals = 1;
	if (r != NULL) {
		out->then = r->then;
		snprintf(out->label, sizeof out->label, "%s", r->label);
		snprintf(out->reason, sizeof out->reason, "%s", r->reason);
		out->approvals = r->approvals;
		out->groups = r->groups;
		out->ngroups = r->ngroups;
	} else if (a != NULL) {
		snprintf(out->label, sizeof out->label, "%s no rule matched",
		    in->action);
		snprintf(out->reason, sizeof out->reason, "%s", out->label);
	} else {
		snprintf(out->label, sizeof out->label, "%s not in policy",
		    in->action);
		snprintf(out->reason, sizeof out->reason,
		    "action %s is not in the policy", in->action);
	}
	out->timeout_s = policy_timeout(cfg, a, r, in);
}
