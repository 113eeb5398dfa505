/*
 * The one event loop's sources: the WebSocket to the daemon, the keyboard
 * (stdin adopted as a raw file so ncurses input and network share one
 * poll) and a one-second tick for the clock and the countdowns.
 *
 * The connection reconnects by itself with back-off from 250 ms up to 5 s;
 * the delay comes from lws_retry_get_delay_ms() and is scheduled on our own
 * lws_sul, so the header can say when the next try is due. Whatever was
 * shown before a drop is marked stale until a new snapshot replaces it.
 *
 * wss:// runs the same over TLS. The daemon's certificate is always
 * verified, its name or address included: against the --ca file alone
 * when one is given, else against the system's trust store. There is no
 * way to turn that off.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "approvetui.h"
#include "fileio.h"
#include "xmalloc.h"

#define NET_RX_MAX		(32 * 1024 * 1024)	/* one message */
#define NET_STABLE_MS		5000	/* up this long: reset the back-off */
#define NET_PROTOCOL		"approvetui-console"
#define NET_KEYBOARD		"approvetui-keyboard"
#define NET_CA_MAX		(1024 * 1024)	/* a CA file */
#define NET_PEM_CERT		"-----BEGIN CERTIFICATE-----"

static const uint32_t net_backoff_ms[] = { 250, 500, 1000, 2000, 4000, 5000 };

static const lws_retry_bo_t net_retry = {
	.retry_ms_table		= net_backoff_ms,
	.retry_ms_table_count	= LWS_ARRAY_SIZE(net_backoff_ms),
	.conceal_count		= LWS_RETRY_CONCEAL_ALWAYS,
	.secs_since_valid_ping	= 20,	/* notice a vanished daemon */
	.secs_since_valid_hangup = 45,
	.jitter_percent		= 10,
};

static void	net_lost(struct tui *, const char *, size_t);
static int	net_callback(struct lws *, enum lws_callback_reasons, void *,
		    void *, size_t);
static int	net_keyboard(struct lws *, enum lws_callback_reasons, void *,
		    void *, size_t);

static const struct lws_protocols net_protocols[] = {
	{ NET_PROTOCOL, net_callback, 0, 0, 0, NULL, 0 },
	{ NET_KEYBOARD, net_keyboard, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* Split HOST[:PORT] (HOST may be a bracketed IPv6 address) into net;
 * the port defaults to defport. 0 or -1. */
static int
net_parse_hostport(const char *s, size_t len, int defport, struct net *net)
{
	const char	*end = s + len, *host = s, *p;
	size_t		 hlen, i;
	long		 port = 0;

	if (len > 0 && *s == '[') {
		if ((p = memchr(s, ']', len)) == NULL)
			return -1;
		host = s + 1;
		hlen = (size_t)(p++ - host);
	} else {
		if ((p = memchr(s, ':', len)) == NULL)
			p = end;
		hlen = (size_t)(p - s);
	}
	if (hlen == 0 || hlen >= sizeof net->host)
		return -1;
	for (i = 0; i < hlen; i++) {
		if (host[i] == '\0' || strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:_%",
		    host[i]) == NULL)
			return -1;
	}
	memcpy(net->host, host, hlen);
	net->host[hlen] = '\0';
	net->port = defport;
	if (p == end)
		return 0;
	if (*p++ != ':' || p == end || end - p > 5)
		return -1;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		port = port * 10 + (*p - '0');
	}
	if (port < 1 || port > 65535)
		return -1;
	net->port = (int)port;
	return 0;
}

/* The URL schemes, the web's taken as the WebSocket's. */
static const struct {
	const char	*prefix;
	int		 tls;
} net_schemes[] = {
	{ "ws://", 0 },
	{ "http://", 0 },
	{ "wss://", 1 },
	{ "https://", 1 },
};

/* Parse the daemon URL into host, port, TLS and the Host header. */
int
net_parse_url(const char *url, struct net *net, char *err, size_t errlen)
{
	const char	*rest = NULL, *path, *scheme;
	size_t		 i, n;

	for (i = 0; i < LWS_ARRAY_SIZE(net_schemes) && rest == NULL; i++) {
		n = strlen(net_schemes[i].prefix);
		if (strncmp(url, net_schemes[i].prefix, n) == 0) {
			rest = url + n;
			net->tls = net_schemes[i].tls;
		}
	}
	if (rest == NULL) {
		snprintf(err, errlen, "%s: the URL must start with ws:// or "
		    "wss:// (http:// is taken as ws://, https:// as wss://)",
		    url);
		return -1;
	}
	scheme = net->tls ? "wss" : "ws";
	path = rest + strcspn(rest, "/");
	if (*path != '\0' && strcmp(path, "/") != 0 &&
	    strcmp(path, PROTO_CONSOLE_PATH) != 0) {
		snprintf(err, errlen, "%s: give the daemon's address only, "
		    "as %s://HOST:PORT", url, scheme);
		return -1;
	}
	if (net_parse_hostport(rest, (size_t)(path - rest), net->tls ? 443 :
	    80, net) != 0) {
		snprintf(err, errlen, "%s: expected %s://HOST:PORT", url,
		    scheme);
		return -1;
	}
	/* libwebsockets checks the certificate against the Host header cut
	 * at its first colon, which an IPv6 address would never pass. */
	if (net->tls && strchr(net->host, ':') != NULL) {
		snprintf(err, errlen, "%s: wss:// needs a host name or an IPv4 "
		    "address (the certificate check cannot take an IPv6 "
		    "address)", url);
		return -1;
	}
	snprintf(net->hostport, sizeof net->hostport,
	    strchr(net->host, ':') != NULL ? "[%s]:%d" : "%s:%d", net->host,
	    net->port);
	snprintf(net->url, sizeof net->url, "%s://%s", scheme, net->hostport);
	return 0;
}

/* The tui that owns net. */
static struct tui *
net_tui(struct net *net)
{
	return lws_container_of(net, struct tui, net);
}

/* Start one connection attempt (a sul callback). */
static void
net_connect(lws_sorted_usec_list_t *sul)
{
	struct net			*net;
	struct lws_client_connect_info	 i;

	net = lws_container_of(sul, struct net, sul_retry);
	memset(&i, 0, sizeof i);
	i.context = net->ctx;
	i.address = net->host;
	i.port = net->port;
	i.path = PROTO_CONSOLE_PATH;
	i.host = net->hostport;
	i.origin = net->hostport;
	i.protocol = PROTO_SUBPROTOCOL;
	i.local_protocol_name = NET_PROTOCOL;
	i.pwsi = &net->wsi;
	i.retry_and_idle_policy = &net_retry;
	/* Full verification: no LCCSCF_ALLOW_* flag, ever. */
	i.ssl_connection = net->tls ? LCCSCF_USE_SSL : 0;
	net->phase = NET_CONNECTING;
	net->dropped = 0;
	net_tui(net)->dirty |= DIRTY_CONTENT;
	if (lws_client_connect_via_info(&i) == NULL)
		net_lost(net_tui(net), "cannot start a connection", 25);
}

/* Drop what belonged to the connection. */
static void
net_reset(struct net *net)
{
	struct net_msg	*m;

	while ((m = net->txhead) != NULL) {
		net->txhead = m->next;
		free(m);
	}
	net->txtail = NULL;
	free(net->rx);
	net->rx = NULL;
	net->rxlen = 0;
	net->wsi = NULL;
}

/* The connection failed or closed: go offline and schedule a retry. */
static void
net_lost(struct tui *tui, const char *why, size_t len)
{
	struct net	*net = &tui->net;
	unsigned int	 ms;

	if (tui->quit || net->phase == NET_OFFLINE)
		return;
	if (net->phase == NET_AUTHED &&
	    model_now_ms() - net->authed_at >= NET_STABLE_MS)
		net->retries = 0;
	net_reset(net);
	if (!net->dropped)
		tui_status(tui, 1, "offline: %.*s", (int)len, why);
	msg_offline(tui);
	ms = lws_retry_get_delay_ms(net->ctx, &net_retry, &net->retries, NULL);
	net->phase = NET_OFFLINE;
	net->authed_at = 0;
	net->retry_at = model_now_ms() + ms;
	lws_sul_schedule(net->ctx, 0, &net->sul_retry, net_connect,
	    (lws_usec_t)ms * LWS_US_PER_MS);
	tui->dirty |= DIRTY_CONTENT;
}

/* Reassemble a message under a hard cap and hand it to msg. */
static int
net_receive(struct tui *tui, struct lws *wsi, const void *in, size_t len)
{
	struct net	*net = &tui->net;
	int		 rc;

	if (lws_frame_is_binary(wsi) || net->rxlen + len > NET_RX_MAX) {
		tui_status(tui, 1, "protocol error from the daemon: %s",
		    lws_frame_is_binary(wsi) ? "a binary frame" :
		    "a message over the size limit");
		net->dropped = 1;
		return -1;
	}
	net->rx = xrealloc(net->rx, net->rxlen + len + 1);
	memcpy(net->rx + net->rxlen, in, len);
	net->rxlen += len;
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	rc = msg_dispatch(tui, net->rx, net->rxlen);
	free(net->rx);
	net->rx = NULL;
	net->rxlen = 0;
	if (rc != 0)
		net->dropped = 1;
	return rc;
}

/* Write one queued frame; lws allows one write per WRITEABLE callback. */
static int
net_writeable(struct net *net, struct lws *wsi)
{
	struct net_msg	*m;

	if ((m = net->txhead) == NULL)
		return 0;
	if (lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) <
	    (int)m->len)
		return -1;
	if ((net->txhead = m->next) == NULL)
		net->txtail = NULL;
	free(m);
	if (net->txhead != NULL)
		lws_callback_on_writable(wsi);
	return 0;
}

/* Show the reason the daemon gave when it closed the connection. */
static void
net_peer_close(struct tui *tui, const unsigned char *in, size_t len)
{
	if (len <= 2)
		return;
	tui_status(tui, 1, "the daemon closed the connection: %.*s",
	    (int)(len - 2), (const char *)in + 2);
	tui->net.dropped = 1;
}

/* A connection attempt failed: say why, in words for a TLS failure. */
static void
net_connect_error(struct tui *tui, const char *in)
{
	char	why[TUI_STATUS_MAX];

	if (in == NULL)
		net_lost(tui, "cannot connect", 14);
	else if (tui->net.tls && strstr(in, "SSL") != NULL) {
		snprintf(why, sizeof why, "TLS failed: certificate not trusted "
		    "or not for this host, or not a TLS port (%s)", in);
		net_lost(tui, why, strlen(why));
	} else
		net_lost(tui, in, strlen(in));
}

/* The WebSocket's events. */
static int
net_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct tui	*tui = lws_context_user(lws_get_context(wsi));

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		net_connect_error(tui, in);
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		tui->net.phase = NET_CHALLENGED;
		tui->dirty |= DIRTY_CONTENT;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		return net_receive(tui, wsi, in, len);
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return net_writeable(&tui->net, wsi);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		net_peer_close(tui, in, len);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		net_lost(tui, "the daemon went away", 20);
		break;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* The keyboard's events: keys are read by ncurses, in keys_drain(). */
static int
net_keyboard(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct tui	*tui = lws_context_user(lws_get_context(wsi));
	int		 avail = 0;

	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		/* Readable with nothing to read: the terminal is gone. */
		if (ioctl(lws_get_socket_fd(wsi), FIONREAD, &avail) == 0 &&
		    avail == 0) {
			tui->quit = 1;
			return -1;
		}
		keys_drain(tui);
		break;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		tui->quit = 1;
		break;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* Wake up on each second to move the clock and the countdowns. */
static void
net_tick(lws_sorted_usec_list_t *sul)
{
	struct net	*net = lws_container_of(sul, struct net, sul_tick);
	lws_usec_t	 us;

	net_tui(net)->dirty |= DIRTY_CONTENT;
	us = (lws_usec_t)(1000 - model_now_ms() % 1000) * LWS_US_PER_MS;
	lws_sul_schedule(net->ctx, 0, &net->sul_tick, net_tick, us);
}

/* Check that the CA file can be read and holds a certificate: lws would
 * only log (to nowhere) and then fail every connection. 0 or -1. */
static int
net_check_ca(const char *path, char *err, size_t errlen)
{
	char	*pem, why[512];
	size_t	 len;
	int	 found;

	if (strcmp(path, "-") == 0) {	/* stdin is the terminal */
		snprintf(err, errlen, "--ca needs a file, not -");
		return -1;
	}
	if (fileio_read(path, NET_CA_MAX, &pem, &len, why, sizeof why) != 0) {
		snprintf(err, errlen, "--ca: %s", why);
		return -1;
	}
	found = strstr(pem, NET_PEM_CERT) != NULL;
	free(pem);
	if (!found) {
		snprintf(err, errlen, "--ca %s: no PEM certificate (%s) in "
		    "the file", path, NET_PEM_CERT);
		return -1;
	}
	return 0;
}

/* Create the lws context (before the terminal is taken over). */
int
net_init(struct tui *tui, char *err, size_t errlen)
{
	struct lws_context_creation_info	info;
	struct net				*net = &tui->net;

	/* lws would log to stderr, under the screen. */
	lws_set_log_level(0, NULL);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = net_protocols;
	info.user = tui;
	info.fd_limit_per_thread = 16;
	if (net->tls) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		if (net->ca != NULL) {
			if (net_check_ca(net->ca, err, errlen) != 0)
				return -1;
			/* Like curl --cacert: this CA, not the system's. */
			info.client_ssl_ca_filepath = net->ca;
			info.options |= LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
		}
	}
	if ((net->ctx = lws_create_context(&info)) == NULL) {
		snprintf(err, errlen, "cannot create the libwebsockets "
		    "context");
		return -1;
	}
	return 0;
}

/* Adopt the keyboard, then start the tick and the first connection. */
int
net_start(struct tui *tui, char *err, size_t errlen)
{
	struct net		*net = &tui->net;
	lws_sock_file_fd_type	 fd;

	/* lws closes what it adopted: give it a copy of stdin. */
	fd.filefd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
	if (fd.filefd == -1 || lws_adopt_descriptor_vhost(
	    lws_get_vhost_by_name(net->ctx, "default"),
	    LWS_ADOPT_RAW_FILE_DESC, fd, NET_KEYBOARD, NULL) == NULL) {
		if (fd.filefd != -1)
			close(fd.filefd);
		snprintf(err, errlen, "cannot watch the keyboard");
		return -1;
	}
	net->phase = NET_OFFLINE;
	lws_sul_schedule(net->ctx, 0, &net->sul_retry, net_connect, 1);
	lws_sul_schedule(net->ctx, 0, &net->sul_tick, net_tick,
	    LWS_US_PER_SEC);
	return 0;
}

/* Queue a text frame and ask for a WRITEABLE callback. */
void
net_send(struct tui *tui, char *text)
{
	struct net	*net = &tui->net;
	struct net_msg	*m;
	size_t		 len = strlen(text);

	m = xmalloc(sizeof *m + LWS_PRE + len);
	m->next = NULL;
	m->len = len;
	memcpy(m->buf + LWS_PRE, text, len);
	free(text);
	if (net->txtail != NULL)
		net->txtail->next = m;
	else
		net->txhead = m;
	net->txtail = m;
	if (net->wsi != NULL)
		lws_callback_on_writable(net->wsi);
}

/* Stop the timers and destroy the context (closing the connection). */
void
net_free(struct tui *tui)
{
	if (tui->net.ctx != NULL) {
		lws_sul_cancel(&tui->net.sul_retry);
		lws_sul_cancel(&tui->net.sul_tick);
		lws_context_destroy(tui->net.ctx);
		tui->net.ctx = NULL;
	}
	net_reset(&tui->net);
}
