/*
 * approvectl: the executor's command line (CONTRACT §1). main.c only reads
 * the command line; each subcommand lives in its own ctl_*.c.
 */
#include <err.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "approvectl.h"
#include "proto.h"
#include "xmalloc.h"

enum main_opt {
	OPT_URL = 256,
	OPT_TOKEN_FILE,
	OPT_CA,
	OPT_ACTION,
	OPT_TARGET,
	OPT_PARAM,
	OPT_PARAMS_JSON,
	OPT_JUSTIFICATION,
	OPT_ON_BEHALF_OF,
	OPT_TIMEOUT,
	OPT_IDEMPOTENCY_KEY,
	OPT_WAIT,
	OPT_TRUSTED_KEYS,
	OPT_JSON,
	OPT_BODY,
	OPT_STATE,
	OPT_LIMIT,
	OPT_HELP,
	OPT_VERSION
};
#define OPT_BIT(o)	(1u << ((o) - OPT_URL))
#define OPT_ANYWHERE	(OPT_BIT(OPT_URL) | OPT_BIT(OPT_TOKEN_FILE) | \
			 OPT_BIT(OPT_CA) | \
			 OPT_BIT(OPT_HELP) | OPT_BIT(OPT_VERSION))
#define OPT_REQUEST	(OPT_BIT(OPT_ACTION) | OPT_BIT(OPT_TARGET) | \
			 OPT_BIT(OPT_PARAM) | OPT_BIT(OPT_PARAMS_JSON) | \
			 OPT_BIT(OPT_JUSTIFICATION) | \
			 OPT_BIT(OPT_ON_BEHALF_OF) | OPT_BIT(OPT_TIMEOUT) | \
			 OPT_BIT(OPT_IDEMPOTENCY_KEY) | OPT_BIT(OPT_WAIT) | \
			 OPT_BIT(OPT_TRUSTED_KEYS) | OPT_BIT(OPT_JSON))

static const struct option main_options[] = {
	{ "url", required_argument, NULL, OPT_URL },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "ca", required_argument, NULL, OPT_CA },
	{ "action", required_argument, NULL, OPT_ACTION },
	{ "target", required_argument, NULL, OPT_TARGET },
	{ "param", required_argument, NULL, OPT_PARAM },
	{ "params-json", required_argument, NULL, OPT_PARAMS_JSON },
	{ "justification", required_argument, NULL, OPT_JUSTIFICATION },
	{ "on-behalf-of", required_argument, NULL, OPT_ON_BEHALF_OF },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "idempotency-key", required_argument, NULL, OPT_IDEMPOTENCY_KEY },
	{ "wait", no_argument, NULL, OPT_WAIT },
	{ "trusted-keys", required_argument, NULL, OPT_TRUSTED_KEYS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "body", required_argument, NULL, OPT_BODY },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

/* One subcommand: whether it takes a request id, the options it takes
 * besides OPT_ANYWHERE, and what runs it. */
static const struct main_cmd {
	const char	*name;
	int		 takes_id;
	unsigned	 options;
	int		(*run)(const struct ctl_opts *);
} main_cmds[] = {
	{ "request", 0, OPT_REQUEST, ctl_request_run },
	{ "wait", 1, OPT_BIT(OPT_TRUSTED_KEYS) | OPT_BIT(OPT_JSON),
	    ctl_wait_run },
	{ "status", 1, OPT_BIT(OPT_TRUSTED_KEYS) | OPT_BIT(OPT_JSON),
	    ctl_status_run },
	{ "cancel", 1, OPT_BIT(OPT_JSON), ctl_cancel_run },
	{ "verify", 0, OPT_BIT(OPT_TRUSTED_KEYS) | OPT_BIT(OPT_BODY) |
	    OPT_BIT(OPT_JSON), ctl_verify_run },
	{ "list", 0, OPT_BIT(OPT_STATE) | OPT_BIT(OPT_LIMIT) |
	    OPT_BIT(OPT_JSON), ctl_list_run },
};

/* The command line, read but not yet checked against the subcommand. */
struct main_args {
	struct ctl_opts	  o;
	unsigned	  seen;		/* OPT_BIT of options given */
	const char	**pos;		/* owned array of non-options */
	size_t		  npos;
};

static const char main_usage_text[] =
"usage: approvectl [--url URL] [--token-file F] request --action A --target T\n"
"                  [--param KEY=VALUE]... [--params-json JSON]\n"
"                  --justification TEXT [--on-behalf-of USER]\n"
"                  [--timeout SECONDS] [--idempotency-key K]\n"
"                  [--wait] [--trusted-keys FILE] [--json]\n"
"       approvectl [--url URL] [--token-file F] wait ID [--trusted-keys FILE]\n"
"                  [--json]\n"
"       approvectl [--url URL] [--token-file F] status ID\n"
"                  [--trusted-keys FILE] [--json]\n"
"       approvectl [--url URL] [--token-file F] cancel ID [--json]\n"
"       approvectl verify --trusted-keys FILE [--body FILE] [--json] "
"< VIEW.json\n"
"       approvectl [--url URL] [--token-file F] list [--state S] [--limit N]\n"
"                  [--json]\n"
"       approvectl --help | --version\n"
"\n"
"The URL defaults to APPROVE_URL, else " PROTO_DEFAULT_URL "; the token is\n"
"APPROVE_TOKEN, else the first line of --token-file. With https://, --ca FILE\n"
"(or APPROVE_CA) names the CA certificate to trust instead of the system's.\n"
"Exit: 0 approved (and verified with --trusted-keys), 1 denied, 2 expired,\n"
"3 cancelled, 4 pending, 5 no such request, 6 already final (cancel), 64\n"
"usage, 65 verification failed, 69 daemon unreachable or failing, 77 not\n"
"authorised or suspended. request prints the new id and rule on stderr at once.\n";

/* Point at --help after a usage error; CTL_USAGE. */
static int
main_hint(void)
{
	fprintf(stderr, "Try 'approvectl --help'.\n");
	return CTL_USAGE;
}

/* Say what is wrong with the command line; CTL_USAGE. */
static int __attribute__((format(printf, 1, 2)))
main_bad(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	return main_hint();
}

/* The long name of option opt. */
static const char *
main_name(int opt)
{
	const struct option	*lo;

	for (lo = main_options; lo->name != NULL; lo++) {
		if (lo->val == opt)
			break;
	}
	return lo->name;
}

/* Where a single-valued string option is kept, NULL for the others. */
static const char **
main_slot(struct ctl_opts *o, int opt)
{
	switch (opt) {
	case OPT_URL:			return &o->url;
	case OPT_TOKEN_FILE:		return &o->token_file;
	case OPT_CA:			return &o->ca;
	case OPT_ACTION:		return &o->body.action;
	case OPT_TARGET:		return &o->body.target;
	case OPT_PARAMS_JSON:		return &o->body.params_json;
	case OPT_JUSTIFICATION:		return &o->body.justification;
	case OPT_ON_BEHALF_OF:		return &o->body.on_behalf_of;
	case OPT_IDEMPOTENCY_KEY:	return &o->body.idempotency_key;
	case OPT_TRUSTED_KEYS:		return &o->trusted_keys;
	case OPT_BODY:			return &o->body_file;
	case OPT_STATE:			return &o->state;
	default:			return NULL;
	}
}

/* Parse --limit: 0 for 1 to CLIENT_LIST_MAX, -1 otherwise. */
static int
main_limit(const char *s, int *out)
{
	char	*end;
	long	 n;

	n = strtol(s, &end, 10);
	if (end == s || *end != '\0' || n < 1 || n > CLIENT_LIST_MAX)
		return -1;
	*out = (int)n;
	return 0;
}

/* 1 for a request state. */
static int
main_state_valid(const char *s)
{
	static const char *const states[] = {
		"pending", "approved", "denied", "expired", "cancelled", NULL
	};
	size_t	i;

	for (i = 0; states[i] != NULL; i++) {
		if (strcmp(s, states[i]) == 0)
			return 1;
	}
	return 0;
}

/* Take one option; 0 or CTL_USAGE. Only --param may be repeated: a second
 * value for anything else is ambiguous. */
static int
main_option(struct main_args *a, int opt, const char *arg)
{
	const char	**slot;

	if (opt != OPT_PARAM && (a->seen & OPT_BIT(opt)) != 0)
		return main_bad("--%s given twice", main_name(opt));
	a->seen |= OPT_BIT(opt);
	if ((slot = main_slot(&a->o, opt)) != NULL)
		*slot = arg;
	else if (opt == OPT_PARAM)
		a->o.body.params[a->o.body.nparams++] = arg;
	else if (opt == OPT_TIMEOUT &&
	    ctl_body_timeout(arg, &a->o.body.timeout_s) != 0)
		return main_bad("--timeout %s: not a whole number of seconds "
		    "from 1 to %d", arg, INT32_MAX);
	else if (opt == OPT_LIMIT && main_limit(arg, &a->o.limit) != 0)
		return main_bad("--limit %s: not a whole number from 1 to %d",
		    arg, CLIENT_LIST_MAX);
	else if (opt == OPT_WAIT)
		a->o.wait = 1;
	else if (opt == OPT_JSON)
		a->o.json = 1;
	return 0;
}

/* Read argv; options may come before or after the subcommand. */
static int
main_parse(int argc, char **argv, struct main_args *a)
{
	int	opt, rc;

	/* "-" hands non-options back in order, even under POSIXLY_CORRECT. */
	while ((opt = getopt_long(argc, argv, "-", main_options, NULL)) != -1) {
		if (opt == 1)
			a->pos[a->npos++] = optarg;
		else if (opt == '?')
			return main_hint();	/* getopt said why */
		else if ((rc = main_option(a, opt, optarg)) != 0)
			return rc;
	}
	while (optind < argc)
		a->pos[a->npos++] = argv[optind++];
	return 0;
}

/* Check the arguments against the subcommand; 0 or CTL_USAGE. */
static int
main_check(struct main_args *a, const struct main_cmd *cmd)
{
	unsigned	extra;
	int		opt;

	if (a->npos != 1 + (size_t)cmd->takes_id)
		return main_bad(cmd->takes_id ? "%s: one request id expected" :
		    "%s: unexpected argument", cmd->name);
	extra = a->seen & ~(cmd->options | OPT_ANYWHERE);
	for (opt = OPT_URL; extra != 0 && opt <= OPT_VERSION; opt++) {
		if ((extra & OPT_BIT(opt)) != 0)
			return main_bad("%s: --%s does not apply", cmd->name,
			    main_name(opt));
	}
	if (cmd->takes_id && !codec_id_valid(a->pos[1]))
		return main_bad("%s: not a request id", a->pos[1]);
	a->o.id = cmd->takes_id ? a->pos[1] : NULL;
	if (cmd->run == ctl_verify_run && a->o.trusted_keys == NULL)
		return main_bad("verify: --trusted-keys is required");
	if (a->o.state != NULL && !main_state_valid(a->o.state))
		return main_bad("--state %s: pending, approved, denied, expired "
		    "or cancelled", a->o.state);
	if (a->o.limit == 0)
		a->o.limit = 20;
	if (a->o.body_file != NULL && strcmp(a->o.body_file, "-") == 0)
		return main_bad("verify: --body cannot be stdin: the view is");
	return 0;
}

/* Answer --help or --version, else find the subcommand and run it. */
static int
main_dispatch(struct main_args *a)
{
	size_t	i;
	int	rc;

	if (a->seen & OPT_BIT(OPT_HELP)) {
		fputs(main_usage_text, stdout);
		return 0;
	}
	if (a->seen & OPT_BIT(OPT_VERSION)) {
		printf("approvectl %s\n", APPROVE_VERSION);
		return 0;
	}
	if (a->npos == 0)
		return main_bad("no subcommand");
	for (i = 0; i < sizeof main_cmds / sizeof *main_cmds; i++) {
		if (strcmp(a->pos[0], main_cmds[i].name) != 0)
			continue;
		if ((rc = main_check(a, &main_cmds[i])) != 0)
			return rc;
		return main_cmds[i].run(&a->o);
	}
	return main_bad("unknown subcommand: %s", a->pos[0]);
}

/* Exit 0 only when the caller could also be told so. */
static int
main_flush(int rc)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return rc;
	warn("stdout");
	return rc == CTL_APPROVED ? CTL_VERIFY : rc;
}

int
main(int argc, char **argv)
{
	struct main_args	a;
	int			rc;

	memset(&a, 0, sizeof a);
	a.o.body.params = xcalloc((size_t)argc, sizeof *a.o.body.params);
	a.pos = xcalloc((size_t)argc, sizeof *a.pos);
	if ((rc = main_parse(argc, argv, &a)) == 0)
		rc = main_dispatch(&a);
	free(a.o.body.params);
	free(a.pos);
	return main_flush(rc);
}
