/*
 * Executor connections: HTTP/1.1 with keep-alive on nonblocking sockets,
 * all of them on one epoll, one request at a time on each.
 *
 * Connecting is ramped: at most max_connecting connects are in flight and
 * the rest queue, so that ten thousand executors arriving at once do not
 * overflow the daemon's listen backlog (a dropped SYN costs a second).
 * Connections are closed with SO_LINGER 0, a reset, so that thousands of
 * them leave no TIME_WAIT behind to use up the ports of the next scenario.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "xmalloc.h"

#define HCONN_EVENTS	256
#define HCONN_READ	16384
#define HCONN_ANSWER_MAX (16 * 1024 * 1024)

enum hconn_state {
	HC_CLOSED,		/* no socket */
	HC_QUEUED,		/* waiting for a connect slot */
	HC_CONNECTING,
	HC_SENDING,
	HC_READING,
	HC_IDLE			/* open, nothing asked */
};

/* One executor's connection; out and in are owned and reused. */
struct hconn {
	struct hloop		*loop;
	void			*user;
	int			 fd;
	enum hconn_state	 state;
	int			 reused;	/* a request went out before */
	int			 retried;	/* this request reconnected */
	char			*out;
	size_t			 out_len;
	size_t			 out_off;
	char			*in;
	size_t			 in_len;
	size_t			 in_cap;
	size_t			 head_len;	/* 0 until the head is read */
	size_t			 body_len;
	int			 status;
	hconn_done		*done;
	int64_t			 answered_at;
	struct hconn		*qnext;		/* in the connect queue */
};

/* The epoll and the connect queue, for connections to one port. */
struct hloop {
	int			 epfd;
	struct sockaddr_in	 addr;
	char			 hostport[32];
	size_t			 nconnecting;
	size_t			 max_connecting;
	int			 admitting;	/* in hconn_admit */
	struct hconn		*qhead;
	struct hconn		*qtail;
};

struct hloop *
hloop_new(int port, size_t max_connecting)
{
	struct hloop	*l = xcalloc(1, sizeof *l);

	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(l);
		return NULL;
	}
	l->addr.sin_family = AF_INET;
	l->addr.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, BENCH_HOST, &l->addr.sin_addr);
	snprintf(l->hostport, sizeof l->hostport, "%s:%d", BENCH_HOST, port);
	l->max_connecting = max_connecting;
	return l;
}

void
hloop_free(struct hloop *l)
{
	if (l == NULL)
		return;
	close(l->epfd);
	free(l);
}

struct hconn *
hconn_new(struct hloop *l, void *user)
{
	struct hconn	*c = xcalloc(1, sizeof *c);

	c->loop = l;
	c->user = user;
	c->fd = -1;
	return c;
}

void *
hconn_user(const struct hconn *c)
{
	return c->user;
}

int64_t
hconn_answered_at(const struct hconn *c)
{
	return c->answered_at;
}

int
hconn_busy(const struct hconn *c)
{
	return c->state != HC_CLOSED && c->state != HC_IDLE;
}

/* Close the socket with a reset; the state becomes CLOSED. */
static void
hconn_close(struct hconn *c)
{
	struct linger	lg = { 1, 0 };

	if (c->fd == -1)
		return;
	if (c->state == HC_CONNECTING)
		c->loop->nconnecting--;
	setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	close(c->fd);
	c->fd = -1;
	c->state = HC_CLOSED;
	c->reused = 0;
}

/* Take c out of the connect queue, wherever it is. */
static void
hconn_unqueue(struct hconn *c)
{
	struct hloop	*l = c->loop;
	struct hconn	*prev = NULL, *q;

	for (q = l->qhead; q != NULL && q != c; q = q->qnext)
		prev = q;
	if (q == NULL)
		return;
	if (prev == NULL)
		l->qhead = c->qnext;
	else
		prev->qnext = c->qnext;
	if (l->qtail == c)
		l->qtail = prev;
	c->qnext = NULL;
}

void
hconn_free(struct hconn *c)
{
	if (c == NULL)
		return;
	if (c->state == HC_QUEUED)
		hconn_unqueue(c);
	hconn_close(c);
	free(c->out);
	free(c->in);
	free(c);
}

static int
hconn_watch(struct hconn *c, int op, uint32_t events)
{
	struct epoll_event	ev;

	memset(&ev, 0, sizeof ev);
	ev.events = events | EPOLLRDHUP;
	ev.data.ptr = c;
	return epoll_ctl(c->loop->epfd, op, c->fd, &ev);
}

static void	hconn_admit(struct hloop *);

/* The request failed: no answer for it. */
static void
hconn_fail(struct hconn *c)
{
	hconn_close(c);
	hconn_admit(c->loop);
	c->done(c, -1, NULL, 0);
}

/* Start a nonblocking connect; the request goes out once it is up. */
static void
hconn_connect(struct hconn *c)
{
	int	one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		c->state = HC_CLOSED;
		c->done(c, -1, NULL, 0);
		return;
	}
	c->loop->nconnecting++;
	c->state = HC_CONNECTING;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if ((connect(c->fd, (struct sockaddr *)&c->loop->addr,
	    sizeof c->loop->addr) != 0 && errno != EINPROGRESS) ||
	    hconn_watch(c, EPOLL_CTL_ADD, EPOLLOUT) != 0)
		hconn_fail(c);
}

/* Let queued connections connect while there is room. */
static void
hconn_admit(struct hloop *l)
{
	struct hconn	*c;

	/* A connect that fails at once comes back here: the loop below
	 * goes on with the queue instead. */
	if (l->admitting)
		return;
	l->admitting = 1;
	while (l->qhead != NULL && l->nconnecting < l->max_connecting) {
		c = l->qhead;
		if ((l->qhead = c->qnext) == NULL)
			l->qtail = NULL;
		c->qnext = NULL;
		hconn_connect(c);
	}
	l->admitting = 0;
}

static void
hconn_enqueue(struct hconn *c)
{
	struct hloop	*l = c->loop;

	c->state = HC_QUEUED;
	if (l->qtail != NULL)
		l->qtail->qnext = c;
	else
		l->qhead = c;
	l->qtail = c;
	hconn_admit(l);
}

/* Write what is left of the request; then wait for the answer. */
static void
hconn_send(struct hconn *c)
{
	ssize_t	n;

	while (c->out_off < c->out_len) {
		n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			hconn_watch(c, EPOLL_CTL_MOD, EPOLLIN | EPOLLOUT);
			return;
		}
		hconn_fail(c);
		return;
	}
	c->state = HC_READING;
	c->reused = 1;
	if (hconn_watch(c, EPOLL_CTL_MOD, EPOLLIN) != 0)
		hconn_fail(c);
}

void
hconn_request(struct hconn *c, const char *method, const char *path,
    const char *token, const char *body, size_t len, hconn_done *done)
{
	free(c->out);
	if (body != NULL)
		c->out_len = (size_t)xasprintf(&c->out, "%s %s HTTP/1.1\r\n"
		    "Host: %s\r\nAuthorization: Bearer %s\r\n"
		    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
		    "\r\n%.*s", method, path, c->loop->hostport, token, len,
		    (int)len, body);
	else
		c->out_len = (size_t)xasprintf(&c->out, "%s %s HTTP/1.1\r\n"
		    "Host: %s\r\nAuthorization: Bearer %s\r\n\r\n", method,
		    path, c->loop->hostport, token);
	c->out_off = 0;
	c->in_len = 0;
	c->head_len = 0;
	c->done = done;
	c->retried = 0;
	if (c->state == HC_IDLE) {
		c->state = HC_SENDING;
		hconn_send(c);
	} else
		hconn_enqueue(c);
}

/* Parse the head once it is complete: 0 (done or not yet), -1 bad. */
static int
hconn_head(struct hconn *c)
{
	char		*end, *line;
	long		 clen = -1;

	c->in[c->in_len] = '\0';
	if ((end = strstr(c->in, "\r\n\r\n")) == NULL)
		return c->in_len > 65536 ? -1 : 0;
	if (sscanf(c->in, "HTTP/1.%*d %d", &c->status) != 1)
		return -1;
	*end = '\0';
	for (line = strstr(c->in, "\r\n"); line != NULL;
	    line = strstr(line + 2, "\r\n")) {
		if (strncasecmp(line + 2, "content-length:", 15) == 0)
			clen = strtol(line + 17, NULL, 10);
	}
	*end = '\r';
	if (clen < 0 || clen > HCONN_ANSWER_MAX)
		return -1;
	c->head_len = (size_t)(end + 4 - c->in);
	c->body_len = (size_t)clen;
	return 0;
}

/* Drain and drop what comes while nothing was asked; close on EOF. */
static void
hconn_drain(struct hconn *c)
{
	char	buf[512];
	ssize_t	n;

	while ((n = read(c->fd, buf, sizeof buf)) > 0)
		;
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		hconn_close(c);
}

/* The connection closed before the answer: a request sent on a kept-alive
 * connection the daemon was just closing goes out once more. */
static void
hconn_closed(struct hconn *c)
{
	if (c->in_len == 0 && c->reused && !c->retried) {
		hconn_close(c);
		c->retried = 1;
		c->out_off = 0;
		hconn_enqueue(c);
	} else
		hconn_fail(c);
}

/* Read what came; hand over a complete answer. */
static void
hconn_read(struct hconn *c)
{
	ssize_t	n;

	if (c->state != HC_READING && c->state != HC_SENDING) {
		hconn_drain(c);
		return;
	}
	for (;;) {
		if (c->in_cap - c->in_len < HCONN_READ + 1) {
			c->in_cap = c->in_len + HCONN_READ + 1 +
			    (c->in_cap > HCONN_READ ? c->in_cap / 2 : 0);
			c->in = xrealloc(c->in, c->in_cap);
		}
		n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			hconn_closed(c);
			return;
		}
		c->in_len += (size_t)n;
		if (c->head_len == 0 && hconn_head(c) != 0) {
			hconn_fail(c);
			return;
		}
		if (c->head_len != 0 && c->in_len >= c->head_len + c->body_len)
			break;
	}
	c->state = HC_IDLE;
	c->answered_at = stats_now_us();
	c->done(c, c->status, c->in + c->head_len, c->body_len);
}

/* The socket became writable: a connect finished, or room to send. */
static void
hconn_writable(struct hconn *c)
{
	int		err = 0;
	socklen_t	len = sizeof err;

	if (c->state == HC_CONNECTING) {
		c->loop->nconnecting--;
		hconn_admit(c->loop);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
		    err != 0) {
			c->state = HC_SENDING;	/* nconnecting is settled */
			hconn_fail(c);
			return;
		}
		c->state = HC_SENDING;
	}
	if (c->state == HC_SENDING)
		hconn_send(c);
}

int
hloop_run(struct hloop *l, int ms)
{
	struct epoll_event	 ev[HCONN_EVENTS];
	struct hconn		*c;
	int			 n, i;

	if ((n = epoll_wait(l->epfd, ev, HCONN_EVENTS, ms)) < 0)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++) {
		c = ev[i].data.ptr;
		if (c->fd == -1)
			continue;
		if ((ev[i].events & EPOLLOUT) != 0 &&
		    (c->state == HC_CONNECTING || c->state == HC_SENDING))
			hconn_writable(c);
		else if ((ev[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP |
		    EPOLLERR)) != 0)
			hconn_read(c);
	}
	return n;
}

/* Wait until fd is ready for events or ms have passed; 0 or -1. */
static int
hconn_poll(int fd, short events, int64_t deadline)
{
	struct pollfd	pfd = { fd, events, 0 };
	int64_t		left = (deadline - stats_now_us()) / 1000;

	if (left <= 0)
		return -1;
	return poll(&pfd, 1, (int)left) == 1 ? 0 : -1;
}

int
hconn_get_once(int port, const char *path, char *buf, size_t size, int ms)
{
	struct sockaddr_in	 sa;
	int64_t			 deadline = stats_now_us() + (int64_t)ms * 1000;
	char			 req[256], *body, *cl;
	size_t			 len = 0, need = 0;
	ssize_t			 n;
	int			 fd, status = -1, err = 0;
	socklen_t		 elen = sizeof err;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, BENCH_HOST, &sa.sin_addr);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	if ((connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 &&
	    errno != EINPROGRESS) || hconn_poll(fd, POLLOUT, deadline) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0)
		goto out;
	n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s:%d\r\n"
	    "Connection: close\r\n\r\n", path, BENCH_HOST, port);
	if (write(fd, req, (size_t)n) != n)
		goto out;
	/* Until the whole body is in, the daemon closes, or time is up. */
	while (len + 1 < size && (need == 0 || len < need) &&
	    hconn_poll(fd, POLLIN, deadline) == 0) {
		if ((n = read(fd, buf + len, size - len - 1)) <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (need == 0 && (body = strstr(buf, "\r\n\r\n")) != NULL &&
		    (cl = strcasestr(buf, "content-length:")) != NULL &&
		    cl < body)
			need = (size_t)(body + 4 - buf) +
			    (size_t)strtoul(cl + 15, NULL, 10);
	}
	buf[len] = '\0';
	if (need == 0 || len < need ||
	    sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		status = -1;
	else if ((body = strstr(buf, "\r\n\r\n")) != NULL)
		memmove(buf, body + 4, strlen(body + 4) + 1);
out:
	close(fd);
	return status;
}
