/* The serving loop: one libuv loop (epoll), and on it one libwebsockets
 * context with one vhost on the configured address, the HTTP API and (on
 * the same port) the console, the timers and the signals. The poll()
 * loop libwebsockets has by default walks every descriptor on every
 * round, which thousands of parked long-polls make slow. */
#include <sys/resource.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "approvald.h"

#define SERVER_DRAIN_MS		1000
#define SERVER_DRAIN_TICK_MS	5
#define SERVER_LOG_REPEAT_MS	60000

static const int server_signums[] = { SIGINT, SIGTERM, SIGHUP };
#define SERVER_NSIGNALS	(sizeof server_signums / sizeof server_signums[0])

/* The loop and what the daemon itself keeps on it. */
struct server {
	struct daemon	*d;
	uv_loop_t	 loop;
	uv_signal_t	 signals[SERVER_NSIGNALS];
	uv_timer_t	 drain;
	int64_t		 drain_until;
	int		 stopping;	/* the signal that stops it, or 0 */
};

/* Ping a quiet console after 30 s; drop it when silent for 75 s. */
static const lws_retry_bo_t server_idle = {
	.secs_since_valid_ping = 30,
	.secs_since_valid_hangup = 75,
};

/* Writes to a closed connection are errors, not a signal. */
static void
server_ignore_sigpipe(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
}

/* libwebsockets' own complaints, once per cause: a flood of identical
 * lines (one per refused connection) becomes one line and a count. */
static void
server_lws_log(int level, const char *line)
{
	static char	last[256];
	static int64_t	last_at;
	static unsigned	repeats;
	char		msg[256];
	int64_t		now = clock_now_ms();

	snprintf(msg, sizeof msg, "%s", line);
	msg[strcspn(msg, "\r\n")] = '\0';
	/* lws prefixes a timestamp; compare what follows it. */
	if (strcmp(strchr(msg, ']') != NULL ? strchr(msg, ']') : msg,
	    strchr(last, ']') != NULL ? strchr(last, ']') : last) == 0 &&
	    now - last_at < SERVER_LOG_REPEAT_MS) {
		repeats++;
		return;
	}
	if (repeats > 0)
		log_event("warn", "event=lws_repeated count=%u msg=%s", repeats,
		    log_str(last));
	snprintf(last, sizeof last, "%s", msg);
	last_at = now;
	repeats = 0;
	log_event(level == LLL_ERR ? "error" : "warn", "event=lws msg=%s",
	    log_str(msg));
}

static int
server_same_path(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* 1 when a and b configure the same listening socket. */
static int
server_same_listener(const struct config *a, const struct config *b)
{
	return strcmp(a->listen_host, b->listen_host) == 0 &&
	    a->listen_port == b->listen_port &&
	    server_same_path(a->tls_cert, b->tls_cert) &&
	    server_same_path(a->tls_key, b->tls_key) &&
	    a->insecure_plaintext == b->insecure_plaintext &&
	    a->limits.max_connections == b->limits.max_connections;
}

/* SIGHUP: load the policy again. A configuration that does not load, or
 * that changes what only a restart can change, is refused and the running
 * one kept. Pending requests keep what they recorded at submission. */
static void
server_reload(struct daemon *d)
{
	struct config	cfg;
	char		err[1024];

	if (config_load(d->cfg.path, &cfg, err, sizeof err) != 0) {
		log_event("error", "event=reload_refused msg=%s", log_str(err));
		return;
	}
	if (!server_same_listener(&cfg, &d->cfg) ||
	    strcmp(cfg.database, d->cfg.database) != 0 ||
	    strcmp(cfg.daemon_key, d->cfg.daemon_key) != 0 ||
	    strcmp(cfg.signer, d->cfg.signer) != 0) {
		log_event("error", "event=reload_refused msg=\"listen, tls, "
		    "max_connections, database, daemon_key and signer change "
		    "only on restart\"");
		config_free(&cfg);
		return;
	}
	config_free(&d->cfg);
	d->cfg = cfg;
	ratelimit_set(d->rate, d->cfg.limits.rate_per_minute);
	log_event("info", "event=reloaded actions=%zu", d->cfg.nactions);
	journal_policy(d, "policy_reloaded");
	lint_setup(&d->cfg, d->store, lint_log);
}

/* Stop the loop once every answer is written, or the drain time is up. */
static void
server_drain_tick(uv_timer_t *t)
{
	struct server	*sv = t->data;

	if (http_idle() || clock_now_ms() >= sv->drain_until)
		uv_stop(&sv->loop);
}

/* SIGTERM: commit the open group, answer every parked long-poll with the
 * request as it stands, so that executors ask again (of the restarted
 * daemon), and give the loop a moment to write those answers out. */
static void
server_drain(struct server *sv, int signum)
{
	struct daemon	*d = sv->d;

	sv->stopping = signum;
	log_event("info", "event=stopping signal=%d waiting=%zu", signum,
	    waiters_count(d->waiters));
	batch_flush(d->batch);
	waiters_release_all(d->waiters);
	sv->drain_until = clock_now_ms() + SERVER_DRAIN_MS;
	uv_timer_start(&sv->drain, server_drain_tick, 0, SERVER_DRAIN_TICK_MS);
}

static void
server_signal(uv_signal_t *h, int signum)
{
	struct server	*sv = h->data;

	if (signum == SIGHUP)
		server_reload(sv->d);
	else if (!sv->stopping)
		server_drain(sv, signum);
}

static void server_loop_close(struct server *);

static int
server_loop_open(struct server *sv)
{
	size_t	i;

	if (uv_loop_init(&sv->loop) != 0)
		return -1;
	uv_timer_init(&sv->loop, &sv->drain);
	sv->drain.data = sv;
	for (i = 0; i < SERVER_NSIGNALS; i++) {
		uv_signal_init(&sv->loop, &sv->signals[i]);
		sv->signals[i].data = sv;
	}
	for (i = 0; i < SERVER_NSIGNALS; i++) {
		if (uv_signal_start(&sv->signals[i], server_signal,
		    server_signums[i]) != 0) {
			server_loop_close(sv);
			return -1;
		}
	}
	return 0;
}

/* Close the daemon's own handles and run the loop until libwebsockets
 * has closed its own (after lws_context_destroy, which only starts
 * that on a loop it does not own); then free the context and the loop. */
static void
server_loop_close(struct server *sv)
{
	size_t	i;

	uv_close((uv_handle_t *)&sv->drain, NULL);
	for (i = 0; i < SERVER_NSIGNALS; i++)
		uv_close((uv_handle_t *)&sv->signals[i], NULL);
	uv_run(&sv->loop, UV_RUN_DEFAULT);
	/* The second call frees what the first could not; it clears ctx. */
	if (sv->d->ctx != NULL)
		lws_context_destroy(sv->d->ctx);
	if (uv_loop_close(&sv->loop) != 0)
		log_event("warn", "event=loop_not_closed");
}

static struct lws_context *
server_context(struct server *sv, struct lws_protocols *protocols)
{
	struct lws_context_creation_info	info;
	struct daemon				*d = sv->d;
	void					*loops[1] = { &sv->loop };

	memset(&info, 0, sizeof info);
	info.port = d->cfg.listen_port;
	info.iface = d->cfg.listen_host;
	info.protocols = protocols;
	info.user = d;
	info.foreign_loops = loops;
	info.pcontext = &d->ctx;	/* cleared once wholly destroyed */
	info.options = LWS_SERVER_OPTION_LIBUV |
	    LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6;
	if (strchr(d->cfg.listen_host, ':') != NULL)
		info.options &= ~(uint64_t)LWS_SERVER_OPTION_DISABLE_IPV6;
	if (d->cfg.tls_cert != NULL) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = d->cfg.tls_cert;
		info.ssl_private_key_filepath = d->cfg.tls_key;
	}
	info.retry_and_idle_policy = &server_idle;
	/* No fd_limit_per_thread: below the descriptor limit it makes
	 * libwebsockets find each connection by a walk over all of them.
	 * http.c turns away connections past max_connections instead. */
	info.timeout_secs = 10;
	/* No keepalive_timeout: http.c times out idle kept-alive connections
	 * itself (deadlines.c). */
	info.max_http_header_data = 4096;
	return lws_create_context(&info);
}

void
server_raise_nofile(int64_t want)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	want += 64;	/* the database, the listener, stdio */
	if ((rlim_t)want > rl.rlim_max)
		want = (int64_t)rl.rlim_max;
	if ((rlim_t)want <= rl.rlim_cur)
		return;
	rl.rlim_cur = (rlim_t)want;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		log_event("warn", "event=nofile_limit want=%lld",
		    (long long)want);
}

/* After the loop has stopped. Timers go first; sessions closing during
 * the context's destroy still find the hub, the waiters and the idle
 * list, which go last. */
static void
server_teardown(struct server *sv)
{
	struct daemon	*d = sv->d;

	batch_flush(d->batch);
	expiry_free(d->expiry);
	console_hub_stop(d->hub);
	waiters_stop(d->waiters);
	deadlines_stop(d->idle);
	batch_free(d->batch);
	d->batch = NULL;
	lws_context_destroy(d->ctx);
	server_loop_close(sv);
	console_hub_free(d->hub);
	waiters_free(d->waiters);
	deadlines_free(d->idle);
	ratelimit_free(d->rate);
	metrics_free(d->metrics);
}

int
server_run(struct daemon *d)
{
	struct lws_protocols	protocols[3];
	struct server		sv;

	memset(protocols, 0, sizeof protocols);
	protocols[0].name = "http";
	protocols[0].callback = http_callback;
	protocols[0].per_session_data_size = http_session_size();
	protocols[1].name = PROTO_SUBPROTOCOL;
	protocols[1].callback = console_callback;
	protocols[1].per_session_data_size = console_session_size();
	protocols[1].rx_buffer_size = 4096;
	lws_set_log_level(LLL_ERR | LLL_WARN, server_lws_log);
	server_ignore_sigpipe();
	memset(&sv, 0, sizeof sv);
	sv.d = d;
	if (server_loop_open(&sv) != 0) {
		log_event("error", "event=loop_failed");
		return 1;
	}
	/* On a loop it does not own, libwebsockets answers a listener that
	 * cannot be bound with a context already being destroyed, and no
	 * default vhost. */
	d->ctx = server_context(&sv, protocols);
	if (d->ctx == NULL || lws_get_vhost_by_name(d->ctx, "default") ==
	    NULL) {
		log_event("error", "event=listen_failed listen=%s:%d",
		    d->cfg.listen_host, d->cfg.listen_port);
		server_loop_close(&sv);
		return 1;
	}
	d->waiters = waiters_new(d->ctx);
	d->idle = deadlines_new(d->ctx);
	d->rate = ratelimit_new(d->cfg.limits.rate_per_minute);
	d->metrics = metrics_new();
	d->expiry = expiry_new(d);
	d->hub = console_hub_new(d);
	d->batch = batch_new(d);
	log_event("info", "event=listening listen=%s:%d tls=%s signer=%s",
	    d->cfg.listen_host, d->cfg.listen_port,
	    d->cfg.tls_cert != NULL ? "on" : "off", d->cfg.signer);
	expiry_run(d->expiry);
	uv_run(&sv.loop, UV_RUN_DEFAULT);
	server_teardown(&sv);
	return 0;
}
