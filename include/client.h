/*
 * The executor's client for the HTTP API of CONTRACT §3: blocking calls
 * over libcurl, so a C executor can link it without an event loop. The
 * calls only move bytes; deciding whether an answer approves anything is
 * verify.h's job.
 */
#ifndef APPROVE_CLIENT_H
#define APPROVE_CLIENT_H

#include <stddef.h>

#define CLIENT_REPLY_MAX	(8 * 1024 * 1024)	/* larger fails */
#define CLIENT_CONNECT_S	5
#define CLIENT_CALL_S		30	/* submit and cancel */
#define CLIENT_WAIT_SLACK_S	15	/* a get may take wait_s + this */
#define CLIENT_LIST_MAX		100	/* requests in one list */

/* One HTTP answer. Owns body (NUL-terminated, len excludes the NUL). */
struct client_reply {
	long	 status;
	char	*body;
	size_t	 len;
	long	 retry_after;	/* Retry-After seconds, 0 when none */
};

struct client;

/* NULL when base_url is not an http:// or https:// URL without query or
 * fragment, when token (which may be NULL) is empty or holds anything
 * but visible ASCII, or when libcurl cannot start. */
struct client	*client_new(const char *, const char *);
void		 client_free(struct client *);
/* Trust this CA file for https:// (instead of the system's CAs). */
void		 client_set_ca(struct client *, const char *);
/* Why the last call failed; never holds the token. */
const char	*client_error(const struct client *);

/* 1 for a base URL client_new accepts. */
int		 client_url_valid(const char *);
/* 1 for a token client_new accepts: 1 to 1024 bytes of visible ASCII. */
int		 client_token_valid(const char *);

/*
 * Each call is 0 when an HTTP answer arrived, whatever its status, and -1
 * when none did (unreachable, reset, timeout, an answer over
 * CLIENT_REPLY_MAX, or a bad id or wait); then client_error says why and
 * the reply holds nothing to free.
 */
/* POST /v1/requests with exactly these bytes. */
int		 client_submit(struct client *, const char *, size_t,
		    struct client_reply *);
/* GET /v1/requests/ID?wait=S, 0 <= S <= PROTO_WAIT_MAX_S. */
int		 client_get(struct client *, const char *, int,
		    struct client_reply *);
/* DELETE /v1/requests/ID. */
int		 client_cancel(struct client *, const char *,
		    struct client_reply *);
/* GET /v1/requests?limit=N[&state=S]: the executor's own requests,
 * newest first; 1 <= N <= CLIENT_LIST_MAX, S lowercase letters or NULL. */
int		 client_list(struct client *, const char *, int,
		    struct client_reply *);
void		 client_reply_free(struct client_reply *);

#endif
