/*
 * approvectl's private interfaces, one section per file. Every ctl_*_run
 * returns the exit code of CONTRACT §1 and has said why on stderr when it
 * is not a plain answer about the request.
 */
#ifndef APPROVECTL_H
#define APPROVECTL_H

#include <stddef.h>
#include <stdint.h>
#include <sysexits.h>

#include <cjson/cJSON.h>

#include "client.h"
#include "keyfile.h"

/* Exit codes of CONTRACT §1. */
#define CTL_APPROVED		0
#define CTL_DENIED		1
#define CTL_EXPIRED		2
#define CTL_CANCELLED		3
#define CTL_PENDING		4
#define CTL_USAGE		EX_USAGE	/* 64 */
#define CTL_VERIFY		EX_DATAERR	/* 65: never an approval */
#define CTL_UNAVAILABLE		EX_UNAVAILABLE	/* 69 */
#define CTL_NOPERM		EX_NOPERM	/* 77 */
/* Answers about a request id that are not its state (docs: approvectl(1)). */
#define CTL_NOT_FOUND		5	/* no such request (404) */
#define CTL_ALREADY_FINAL	6	/* cancel of a final request (409) */

#define CTL_INPUT_MAX		CLIENT_REPLY_MAX	/* views, bodies */
#define CTL_TOKEN_FILE_MAX	4096

/* ctl_body.c: the JSON body of a new request. */

/* What the command line asked for; strings borrowed from argv. */
struct ctl_body {
	const char	 *action;
	const char	 *target;
	const char	 *justification;
	const char	 *on_behalf_of;		/* NULL: not given */
	const char	 *idempotency_key;	/* NULL: not given */
	const char	 *params_json;		/* NULL: not given */
	const char	**params;		/* owned; KEY=VALUE each */
	size_t		  nparams;
	int64_t		  timeout_s;		/* 0: not given */
};

/* The exact bytes to send (caller frees); 0, or -1 with a usage error. */
int	 ctl_body_build(const struct ctl_body *, char **, size_t *, char *,
	    size_t);
/* Parse --timeout: 0 for 1 to INT32_MAX seconds, -1 otherwise. */
int	 ctl_body_timeout(const char *, int64_t *);

/* main.c fills this from the command line. */
struct ctl_opts {
	const char	*url;		/* NULL: APPROVE_URL, default */
	const char	*token_file;
	const char	*ca;		/* NULL: APPROVE_CA, system CAs */
	const char	*trusted_keys;	/* NULL: do not verify */
	const char	*body_file;	/* verify --body */
	const char	*id;		/* wait, status, cancel */
	const char	*state;		/* list --state, NULL: any */
	int		 limit;		/* list --limit */
	int		 wait;
	int		 json;
	struct ctl_body	 body;
};

/* ctl_session.c: what a subcommand needs besides its arguments. */

/* Owns both members. */
struct ctl_session {
	struct client	*client;	/* NULL for verify */
	struct trusted	 keys;
	int		 verify;	/* --trusted-keys given and loaded */
};

/* 0, or an exit code after saying why; connect: make a client too. */
int	 ctl_session_open(struct ctl_session *, const struct ctl_opts *,
	    int);
void	 ctl_session_close(struct ctl_session *);
/* The token from APPROVE_TOKEN, else the file's first line, else NULL;
 * 0, or -1 after saying why. The caller wipes and frees it. */
int	 ctl_session_token(const char *, char **);

/* ctl_report.c: reading the daemon's answers and telling the caller. */

/* A copy of s (valid UTF-8) with terminal controls replaced by '?'. */
char	*ctl_report_clean(const char *);
/* The exit code a view's state stands for, -1 for an unknown state. */
int	 ctl_report_state(const cJSON *);
/* The view in buf, checked to have a valid id (want, when not NULL) and
 * a known state; NULL after saying why, naming the source as from. */
cJSON	*ctl_report_parse(const char *, size_t, const char *,
	    const char *);
/* Say what an unwanted HTTP answer means; its exit code. */
int	 ctl_report_http(const struct client_reply *);
/* ctl_report_http for a call about one request id: 404 is
 * CTL_NOT_FOUND and 409 CTL_ALREADY_FINAL. */
int	 ctl_report_http_id(const struct client_reply *);
/* Say that the daemon could not be reached; CTL_UNAVAILABLE. */
int	 ctl_report_unreachable(const struct client *);
/* Verify when asked (the view of id when not NULL, of the bytes sent
 * when not NULL), print the view or its line; the exit code. */
int	 ctl_report_final(const cJSON *, const struct ctl_session *,
	    const char *, const uint8_t *, size_t, int);

/* ctl_wait.c: waiting for a request to become final. */

/*
 * Each GET holds up to CTL_WAIT_S seconds. Retries back off from MIN to
 * MAX and stop CTL_GRACE_MS after the last view's expires_at, or
 * CTL_UNSEEN_MS after the start while no view was seen. A pending answer
 * quicker than CTL_PROGRESS_MS backs off too: a daemon cannot make us spin.
 */
#define CTL_WAIT_S		55
#define CTL_GRACE_MS		10000
#define CTL_UNSEEN_MS		60000
#define CTL_BACKOFF_MIN_MS	200
#define CTL_BACKOFF_MAX_MS	5000
#define CTL_PROGRESS_MS		1000

/* *view (owned, NULL or pending) becomes the last view seen; 0 when it is
 * final, else an exit code after saying why. */
int	 ctl_wait_final(struct client *, const char *, cJSON **);
int	 ctl_wait_run(const struct ctl_opts *);

/* One file each. */
int	 ctl_request_run(const struct ctl_opts *);
int	 ctl_status_run(const struct ctl_opts *);
int	 ctl_cancel_run(const struct ctl_opts *);
int	 ctl_verify_run(const struct ctl_opts *);
int	 ctl_list_run(const struct ctl_opts *);

#endif
