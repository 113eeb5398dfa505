/*
 * approvetui: the analyst's console. Start-up checks everything it can
 * (usage, the URL, the analyst name, the key file and its permissions,
 * the CA file) before it touches the terminal, so every error is a plain
 * message on a plain terminal. From then on one loop serves the daemon
 * connection, the keyboard and the clock; the terminal is restored on
 * every way out.
 */
#include <err.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <sodium.h>

#include "approvetui.h"
#include "codec.h"
#include "keyfile.h"
#include "proto.h"

/* The one console; global so that atexit() and signals can reach it. */
static struct tui		main_tui;
static volatile sig_atomic_t	main_signalled;

#define MAIN_SYNOPSIS \
	"usage: approvetui [--url ws://HOST:PORT | --url wss://HOST:PORT" \
	" [--ca FILE]]\n" \
	"                  --analyst NAME --key FILE [--no-bell]\n" \
	"       approvetui keygen --out FILE\n" \
	"       approvetui --help | --version\n"

/* The --help text. */
static void
main_usage(FILE *f)
{
	fprintf(f, MAIN_SYNOPSIS
	    "\n"
	    "The console of approvald: review pending requests and approve or"
	    " deny them,\n"
	    "each decision signed with your own Ed25519 key.\n"
	    "\n"
	    "  --url URL      the daemon (default $APPROVE_URL, else %s);\n"
	    "                 wss:// for TLS; http:// is taken as ws://,"
	    " https:// as wss://\n"
	    "  --ca FILE      for wss://, the CA certificate (PEM) to trust for"
	    " the daemon's\n"
	    "                 certificate, instead of the system's trust store"
	    "\n"
	    "                 (default $APPROVE_CA); the certificate is always"
	    " verified\n"
	    "  --analyst NAME your analyst name (default $APPROVE_ANALYST)\n"
	    "  --key FILE     your private key (default $APPROVE_KEY); it must"
	    " be readable\n"
	    "                 by you only\n"
	    "  --no-bell      do not ring the bell when a request arrives\n"
	    "  keygen --out FILE\n"
	    "                 write a new private key to FILE (mode 0600) and"
	    " its public\n"
	    "                 key to FILE.pub, for 'approvald analyst add"
	    " --pubkey'\n"
	    "\n"
	    "Keys: j/k move, a approve, d deny, / filter, h history, ? help,"
	    " q quit.\n", TUI_DEFAULT_URL);
}

/* Bad usage: say why, exit 64. */
static void
main_bad(const char *why)
{
	fprintf(stderr, "approvetui: %s\n" MAIN_SYNOPSIS, why);
	exit(EX_USAGE);
}

/* Restore the terminal and wipe the key, however the process ends. */
static void
main_atexit(void)
{
	screen_end();
	keyfile_free(main_tui.key);
	main_tui.key = NULL;
}

/* SIGINT, SIGTERM, SIGHUP: only note it and wake the loop. */
static void
main_on_signal(int sig)
{
	main_signalled = sig;
	if (main_tui.net.ctx != NULL)
		lws_cancel_service(main_tui.net.ctx);
}

/* abort() (out of memory): put the terminal back, then die as asked. */
static void
main_on_abort(int sig)
{
	screen_emergency();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Install the handlers: quit cleanly on INT/TERM/HUP, repair on ABRT. */
static void
main_signals(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = main_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = main_on_abort;
	sigaction(SIGABRT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* approvetui keygen --out FILE */
static int
main_keygen(int argc, char **argv)
{
	static const struct option	opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char			*out = NULL;
	char				 err[512];
	int				 c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == 'h') {
			main_usage(stdout);
			return 0;
		} else
			main_bad("keygen: unknown option");
	}
	if (out == NULL || optind != argc)
		main_bad("keygen needs --out FILE and nothing else");
	if (keyfile_generate(out, err, sizeof err) != 0)
		errx(1, "keygen: %s", err);
	printf("wrote %s (private, mode 0600) and %s.pub (public)\n", out, out);
	return 0;
}

/* Parse the console's options into tui; exits on bad usage. */
static void
main_options(int argc, char **argv, const char **url, const char **key)
{
	static const struct option	opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "ca", required_argument, NULL, 'c' },
		{ "analyst", required_argument, NULL, 'a' },
		{ "key", required_argument, NULL, 'k' },
		{ "no-bell", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	int				 c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			*url = optarg;
			break;
		case 'c':
			main_tui.net.ca = optarg;
			break;
		case 'a':
			main_tui.analyst = optarg;
			break;
		case 'k':
			*key = optarg;
			break;
		case 'b':
			main_tui.bell = 0;
			break;
		case 'h':
			main_usage(stdout);
			exit(0);
		case 'v':
			printf("approvetui %s\n", APPROVE_VERSION);
			exit(0);
		default:
			main_bad("unknown option");
		}
	}
	if (optind != argc)
		main_bad("unexpected argument");
}

/* Everything that can fail before the terminal is taken over. */
static void
main_prepare(int argc, char **argv)
{
	const char	*url, *key;
	char		 err[512];

	url = getenv("APPROVE_URL");
	key = getenv("APPROVE_KEY");
	main_tui.analyst = getenv("APPROVE_ANALYST");
	main_tui.net.ca = getenv("APPROVE_CA");
	main_tui.bell = 1;
	main_options(argc, argv, &url, &key);
	if (main_tui.analyst == NULL || key == NULL)
		main_bad("--analyst NAME and --key FILE are required");
	if (!codec_name_valid(main_tui.analyst))
		main_bad("the analyst name must be 1 to 64 of A-Z a-z 0-9 _ . "
		    "@ - and start with a letter or digit");
	if (net_parse_url(url != NULL ? url : TUI_DEFAULT_URL, &main_tui.net,
	    err, sizeof err) != 0)
		main_bad(err);
	/* A CA says TLS was meant: never fall back to plain text. */
	if (main_tui.net.ca != NULL && !main_tui.net.tls)
		main_bad("--ca (or $APPROVE_CA) needs a wss:// URL");
	atexit(main_atexit);
	if ((main_tui.key = keyfile_load_private(key, err, sizeof err)) ==
	    NULL)
		errx(1, "%s", err);
	if (net_init(&main_tui, err, sizeof err) != 0)
		errx(1, "%s", err);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		errx(1, "the console needs a terminal on stdin and stdout");
}

/* Serve the connection, the keyboard and the clock until asked to stop;
 * -1 when the event loop itself fails. */
static int
main_loop(struct tui *tui)
{
	while (!tui->quit && main_signalled == 0) {
		if (lws_service(tui->net.ctx, 0) < 0)
			return -1;
		/* A resize interrupts the poll without input: ask ncurses. */
		keys_drain(tui);
		screen_draw(tui);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char	err[512];
	int	rc;

	setlocale(LC_ALL, "");
	sanitize_init();
	if (sodium_init() < 0)
		errx(1, "cannot initialise libsodium");
	if (argc > 1 && strcmp(argv[1], "keygen") == 0)
		return main_keygen(argc - 1, argv + 1);
	main_prepare(argc, argv);
	main_signals();
	screen_init();
	main_tui.dirty = DIRTY_CLEAR | DIRTY_CONTENT;
	if (net_start(&main_tui, err, sizeof err) != 0) {
		screen_end();
		errx(1, "%s", err);
	}
	tui_status(&main_tui, 0, "press ? for help");
	rc = main_loop(&main_tui);
	main_tui.quit = 1;
	screen_end();
	if (rc != 0)
		errx(1, "the event loop failed");
	net_free(&main_tui);
	tui_free(&main_tui);
	return main_signalled != 0 ? 128 + main_signalled : 0;
}
