/* approvald: the approval daemon and its admin subcommands. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "approvald.h"
#include "keyfile.h"

#define EX_USAGE	64
#define EX_CONFIG	78

static const char usage_text[] =
"usage: approvald [-c CONFIG] COMMAND\n"
"\n"
"  serve                         run in the foreground, log to stderr\n"
"  init                          write a starter CONFIG when there is none,\n"
"                                then create the database and signing key\n"
"  analyst add NAME --pubkey FILE [--group G]...\n"
"  analyst list\n"
"  analyst remove NAME\n"
"  executor add NAME [--scope ACTION]...   prints the new token once\n"
"  executor list\n"
"  executor revoke NAME\n"
"  executor resume NAME          lift a suspension (limits.suspend_after)\n"
"  keys export                   trusted-keys file on stdout\n"
"  audit verify [--checkpoint FILE]\n"
"                                exit 0 when the audit chain is intact\n"
"  audit checkpoint              the chain's head, signed, on stdout\n"
"  audit export                  the audit log as JSON lines, redacted\n"
"  audit adopt                   record whole the rows older entries back\n"
"                                only partly (after an upgrade)\n"
"\n"
"  -c CONFIG    configuration file (default: $APPROVALD_CONFIG, else\n"
"               /etc/approvald/approvald.json)\n"
"  --help, --version\n";

static int
usage(FILE *f, int status)
{
	fputs(usage_text, f);
	return status;
}

/* "COMMAND ... --help": the usage lines of that command (each with its
 * continuation lines), without reading any configuration. 1 when the
 * command has any. */
static int
usage_command(const char *cmd)
{
	const char	*line = usage_text, *end;
	size_t		 n = strlen(cmd);
	int		 shown = 0, in = 0;

	for (; *line != '\0'; line = end + 1) {
		end = strchr(line, '\n');
		if (strncmp(line, "  ", 2) == 0 && line[2] != ' ')
			in = strncmp(line + 2, cmd, n) == 0 &&
			    (line[2 + n] == ' ' || line + 2 + n == end);
		else if (strncmp(line, "  ", 2) != 0)
			in = 0;
		if (in) {
			printf("%s%.*s\n", shown ? "" : "usage: approvald "
			    "[-c CONFIG]\n", (int)(end - line), line);
			shown = 1;
		}
	}
	return shown;
}

/* 1 when the arguments after the command ask for help. */
static int
usage_wanted(int argc, char **argv)
{
	int	i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	}
	return 0;
}

/* init: a configuration that does not exist yet is written first. */
static int
init_config(const char *path)
{
	struct stat	st;
	char		err[1024];

	if (stat(path, &st) == 0)
		return 0;
	if (starter_write(path, err, sizeof err) != 0) {
		fprintf(stderr, "approvald: cannot write a starter "
		    "configuration: %s\n", err);
		return -1;
	}
	printf("wrote %s: the example policy on 127.0.0.1:8470 (mode 0600); "
	    "its \"_comment\" notes say what to change\n", path);
	return 0;
}

static int
serve(struct config *cfg)
{
	struct daemon	d;
	struct stat	st;
	char		err[512];
	int		rc;

	memset(&d, 0, sizeof d);
	d.cfg = *cfg;
	server_raise_nofile(cfg->limits.max_connections);
	if ((d.store = admin_open(cfg, stat(cfg->database, &st) != 0)) ==
	    NULL)
		return 1;
	if ((d.key = keyfile_load_private(cfg->daemon_key, err,
	    sizeof err)) == NULL) {
		fprintf(stderr, "approvald: %s\n", err);
		store_close(d.store);
		return 1;
	}
	journal_policy(&d, "policy_loaded");
	lint_setup(&d.cfg, d.store, lint_log);
	rc = server_run(&d);
	*cfg = d.cfg;	/* a reload replaced it; the caller frees this one */
	keyfile_free(d.key);
	store_close(d.store);
	return rc;
}

static int
dispatch(struct config *cfg, int argc, char **argv)
{
	const char	*cmd = argv[0];

	if (strcmp(cmd, "serve") == 0)
		return argc == 1 ? serve(cfg) : usage(stderr, EX_USAGE);
	if (strcmp(cmd, "init") == 0)
		return admin_init(cfg, argc);
	if (strcmp(cmd, "analyst") == 0)
		return admin_analyst(cfg, argc, argv);
	if (strcmp(cmd, "executor") == 0)
		return admin_executor(cfg, argc, argv);
	if (strcmp(cmd, "keys") == 0)
		return admin_keys(cfg, argc, argv);
	if (strcmp(cmd, "audit") == 0)
		return admin_audit(cfg, argc, argv);
	fprintf(stderr, "approvald: unknown command %s\n", cmd);
	return usage(stderr, EX_USAGE);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct config	 cfg;
	const char	*path = getenv("APPROVALD_CONFIG");
	char		 err[1024];
	int		 ch, rc;

	if (path == NULL)
		path = "/etc/approvald/approvald.json";
	/* The database, its journal and the key are the daemon's alone. */
	umask(077);
	while ((ch = getopt_long(argc, argv, "+c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			return usage(stdout, 0);
		case 'V':
			printf("approvald %s\n", APPROVE_VERSION);
			return 0;
		default:
			return usage(stderr, EX_USAGE);
		}
	}
	if (optind >= argc)
		return usage(stderr, EX_USAGE);
	if (usage_wanted(argc - optind, argv + optind))
		return usage_command(argv[optind]) ? 0 :
		    usage(stderr, EX_USAGE);
	if (strcmp(argv[optind], "init") == 0 && init_config(path) != 0)
		return 1;
	if (sodium_init() < 0) {
		fprintf(stderr, "approvald: libsodium failed to start\n");
		return 1;
	}
	if (config_load(path, &cfg, err, sizeof err) != 0) {
		fprintf(stderr, "approvald: %s\n", err);
		return EX_CONFIG;
	}
	rc = dispatch(&cfg, argc - optind, argv + optind);
	config_free(&cfg);
	return rc;
}
