/*
 * The configuration and its policy (CONTRACT §2): config_load_buffer(),
 * then policy_decide() for every action it defines on a few fixed
 * requests. Besides the sanitizers it checks that an error names the file,
 * and that a loaded configuration holds only what the daemon can use: a
 * real port, paths resolved against the file's folder, bounded rules.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "approvald.h"
#include "codec.h"

#define FUZZ_FILE	"/etc/approvald/approvald.json"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const fuzz_targets[] = {
	"dc-01", "PROD-7", "10.1.2.3", "::ffff:10.1.2.3", "fc00::1",
	"2001:db8::1", "ws-042"
};

/* The parameters every fixed request carries, parsed once. */
static const cJSON *
fuzz_params(void)
{
	static cJSON	*params;

	if (params == NULL)
		params = cJSON_Parse("{\"amount\":700,\"recipients\":60000}");
	return params;
}

/* Abort unless a file name is absolute: relative ones are taken from the
 * folder of FUZZ_FILE. */
static void
fuzz_check_path(const char *path)
{
	if (path == NULL || path[0] != '/')
		abort();
}

/* Abort unless every rule is one the policy can apply. */
static void
fuzz_check_rule(const struct rule *r)
{
	size_t	i;

	if (r->label == NULL || r->reason == NULL ||
	    strlen(r->reason) > PROTO_REASON_MAX || r->approvals < 1 ||
	    r->timeout_s < 0 || r->then > THEN_REVIEW ||
	    (r->then != THEN_REVIEW && (r->approvals != 1 ||
	    r->ngroups != 0 || r->timeout_s != 0)))
		abort();
	for (i = 0; i < r->ngroups; i++) {
		if (!codec_name_valid(r->groups[i]))
			abort();
	}
	for (i = 0; i < r->nparams; i++) {
		if (r->params[i].name == NULL || r->params[i].op > OP_EQ)
			abort();
	}
}

/* Decide a few fixed requests for action a; abort on a bad result. */
static void
fuzz_decide(const struct config *cfg, const struct action *a)
{
	struct policy_input	in;
	struct policy_result	out;
	size_t			i;

	for (i = 0; i < sizeof fuzz_targets / sizeof fuzz_targets[0]; i++) {
		in.action = a->name;
		in.target = fuzz_targets[i];
		in.params = fuzz_params();
		in.timeout_s = (int64_t)i * 100;
		policy_decide(cfg, &in, &out);
		if (out.label[0] == '\0' || out.approvals < 1 ||
		    out.timeout_s < 1 ||
		    out.timeout_s > cfg->limits.max_timeout_s ||
		    (in.timeout_s > 0 && out.timeout_s > in.timeout_s))
			abort();
	}
}

/* Abort unless the loaded configuration is one serve could run with. */
static void
fuzz_check(const struct config *cfg)
{
	size_t	i, j;

	if (cfg->listen_host == NULL || cfg->listen_port < 1 ||
	    cfg->listen_port > 65535 || !codec_name_valid(cfg->signer) ||
	    cfg->limits.max_body_bytes < 1024 ||
	    cfg->limits.rate_per_minute < 1 || cfg->limits.max_timeout_s < 1)
		abort();
	fuzz_check_path(cfg->database);
	fuzz_check_path(cfg->daemon_key);
	for (i = 0; i < cfg->nactions; i++) {
		if (!submit_action_valid(cfg->actions[i].name) ||
		    config_action(cfg, cfg->actions[i].name) !=
		    &cfg->actions[i])
			abort();
		for (j = 0; j < cfg->actions[i].nrules; j++)
			fuzz_check_rule(&cfg->actions[i].rules[j]);
		fuzz_decide(cfg, &cfg->actions[i]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	cfg;
	char		err[1024];

	err[0] = '\0';
	if (config_load_buffer(FUZZ_FILE, (const char *)data, size, &cfg,
	    err, sizeof err) != 0) {
		if (strncmp(err, FUZZ_FILE ": ", strlen(FUZZ_FILE ": ")) != 0)
			abort();
		return 0;
	}
	fuzz_check(&cfg);
	config_free(&cfg);
	return 0;
}
