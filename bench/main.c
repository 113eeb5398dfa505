/* approvebench: options, the daemon's files, and the subcommands. */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "bench.h"
#include "fileio.h"
#include "xmalloc.h"

#define EX_USAGE	64
#define MAIN_TOKENS_MAX	(64 * 1024)

static const char usage_text[] =
"usage: approvebench COMMAND [options]   (run by bench/run.sh)\n"
"\n"
"  port                  a free loopback port\n"
"  cycle                 S1: submit, console approves, release, verify\n"
"  redis                 S1: the same round trip through a Redis queue\n"
"  submit                S2: --conns executors submitting\n"
"  sqlraw                S2: raw SQLite group commits into --db\n"
"  release               S3: decide-to-release with --conns submitting\n"
"  hold                  S4: --count long-polls held; memory, cycles\n"
"  storm                 S5: --count requests expiring in one second\n"
"  startup               S6: exec --daemon to /healthz, expiry on time\n"
"  seed --db DB FINAL PENDING ACTION\n"
"                        S6, S7: bulk requests written into DB\n"
"  snapshot              S7: hello to snapshot received, --repeat times\n"
"\n"
"  --home DIR     tokens, analyst.key, trusted-keys\n"
"  --port N       the daemon's port (Redis's for redis)\n"
"  --seconds S    how long to measure (default 3)\n"
"  --conns N      concurrent executors (default 200)\n"
"  --count N      long-polls, storm requests (default 10000)\n"
"  --repeat N     measurements per run (default 5)\n"
"  --pid PID      the daemon's process, for its memory\n"
"  --lead-ms MS   storm: how far ahead its requests expire\n"
"  --db FILE      database; --daemon BIN, --config FILE for startup\n";

void
bench_out(const char *prefix, const char *fmt, ...)
{
	va_list	ap;

	printf("%s_", prefix);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int
main_tokens(const char *path, struct bench_env *env)
{
	char	*text, *line, *save = NULL, err[256];
	size_t	 len;

	if (fileio_read(path, MAIN_TOKENS_MAX, &text, &len, err,
	    sizeof err) != 0) {
		fprintf(stderr, "approvebench: %s\n", err);
		return -1;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL &&
	    env->ntokens < BENCH_TOKENS_MAX; line = strtok_r(NULL, "\n", &save))
		env->tokens[env->ntokens++] = xstrdup(line);
	free(text);
	if (env->ntokens == 0) {
		fprintf(stderr, "approvebench: %s: no token\n", path);
		return -1;
	}
	return 0;
}

int
env_load(const struct bench_opts *o, struct bench_env *env)
{
	char	path[4096], err[512];

	memset(env, 0, sizeof *env);
	env->port = o->port;
	if (o->home == NULL || o->port <= 0) {
		fprintf(stderr, "approvebench: --home and --port are needed\n");
		return -1;
	}
	snprintf(path, sizeof path, "%s/tokens", o->home);
	if (main_tokens(path, env) != 0)
		return -1;
	snprintf(path, sizeof path, "%s/analyst.key", o->home);
	if ((env->key = keyfile_load_private(path, err, sizeof err)) == NULL) {
		fprintf(stderr, "approvebench: %s\n", err);
		return -1;
	}
	snprintf(path, sizeof path, "%s/trusted-keys", o->home);
	if (trusted_load(path, &env->trusted, err, sizeof err) != 0 ||
	    (env->daemon_pk = trusted_find(&env->trusted, BENCH_SIGNER)) ==
	    NULL) {
		fprintf(stderr, "approvebench: %s: %s\n", path,
		    env->trusted.n > 0 ? "no daemon key" : err);
		return -1;
	}
	return 0;
}

void
env_free(struct bench_env *env)
{
	size_t	i;

	for (i = 0; i < env->ntokens; i++)
		free(env->tokens[i]);
	keyfile_free(env->key);
	trusted_free(&env->trusted);
}

/* Print a loopback port nobody listens on now. */
static int
main_port(void)
{
	struct sockaddr_in	sa;
	socklen_t		len = sizeof sa;
	int			fd;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	inet_pton(AF_INET, BENCH_HOST, &sa.sin_addr);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		perror("approvebench: port");
		return 1;
	}
	printf("%d\n", ntohs(sa.sin_port));
	close(fd);
	return 0;
}

/* Ten thousand connections need as many descriptors. */
static void
main_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int
main_options(int argc, char **argv, struct bench_opts *o)
{
	static const struct option longopts[] = {
		{ "home", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "seconds", required_argument, NULL, 's' },
		{ "conns", required_argument, NULL, 'c' },
		{ "count", required_argument, NULL, 'n' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "pid", required_argument, NULL, 'P' },
		{ "lead-ms", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "daemon", required_argument, NULL, 'D' },
		{ "config", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch;

	o->seconds = 3;
	o->conns = 200;
	o->count = 10000;
	o->repeat = 5;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'H': o->home = optarg; break;
		case 'p': o->port = atoi(optarg); break;
		case 's': o->seconds = atof(optarg); break;
		case 'c': o->conns = atoi(optarg); break;
		case 'n': o->count = atoi(optarg); break;
		case 'r': o->repeat = atoi(optarg); break;
		case 'P': o->pid = (pid_t)atol(optarg); break;
		case 'l': o->lead_ms = atoll(optarg); break;
		case 'd': o->db = optarg; break;
		case 'D': o->daemon = optarg; break;
		case 'C': o->config = optarg; break;
		default: return -1;
		}
	}
	if (o->seconds <= 0 || o->seconds > 600 || o->conns < 1 ||
	    o->conns > 100000 || o->count < 1 || o->count > 10000000 ||
	    o->repeat < 1 || o->repeat > 1000)
		return -1;
	return 0;
}

static const struct {
	const char	*name;
	int		(*run)(const struct bench_opts *);
} main_commands[] = {
	{ "cycle", cycle_main },
	{ "redis", redisq_main },
	{ "submit", submit_main },
	{ "sqlraw", sqlraw_main },
	{ "release", release_main },
	{ "hold", hold_main },
	{ "storm", storm_main },
	{ "startup", startup_main },
	{ "snapshot", snapshot_main },
};

int
main(int argc, char **argv)
{
	struct bench_opts	o;
	const char		*cmd;
	size_t			 i;

	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? EX_USAGE : 0;
	}
	cmd = argv[1];
	if (strcmp(cmd, "port") == 0)
		return main_port();
	memset(&o, 0, sizeof o);
	if (main_options(argc - 1, argv + 1, &o) != 0) {
		fputs(usage_text, stderr);
		return EX_USAGE;
	}
	if (sodium_init() < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	main_nofile();
	if (strcmp(cmd, "seed") == 0)
		return seed_main(&o, argc - 1 - optind, argv + 1 + optind);
	for (i = 0; i < sizeof main_commands / sizeof main_commands[0]; i++) {
		if (strcmp(cmd, main_commands[i].name) == 0)
			return main_commands[i].run(&o);
	}
	fprintf(stderr, "approvebench: unknown command %s\n", cmd);
	return EX_USAGE;
}
