/*
 * approvetui's private interfaces, one section per file.
 *
 * One event loop (lws_service) carries the WebSocket to the daemon, the
 * keyboard (stdin adopted as a raw file) and a one-second tick. Handlers
 * only change the model and set dirty bits; main.c redraws the screen once
 * per loop iteration from the model.
 */
#ifndef APPROVETUI_H
#define APPROVETUI_H

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include <cjson/cJSON.h>
#include <libwebsockets.h>

#include "keyfile.h"
#include "proto.h"

struct tui;

#define TUI_DEFAULT_URL		"ws://127.0.0.1:8470"
#define TUI_STATUS_MAX		512
#define TUI_FINGERPRINT		16	/* digest hex digits shown */

/* sanitize.c: make untrusted text safe to put on a terminal. */

#define SANITIZE_NEWLINES	0x1	/* keep '\n' as a line break */
#define SANITIZE_UNLIMITED	((size_t)-1)

/* Choose Unicode or ASCII output for the current LC_CTYPE. */
void	 sanitize_init(void);
/* Neutralise len bytes, reading at most max of them; the caller frees. */
char	*sanitize(const char *, size_t, size_t, int);
/* sanitize() of a NUL-terminated string. */
char	*sanitize_str(const char *, size_t, int);
/* redact_text() (include/redact.h), then sanitize_str(): outside text
 * that may hold a credential. */
char	*sanitize_redacted(const char *, size_t, int);
/* Columns taken by a sanitized string up to its first newline. */
int	 sanitize_width(const char *);
/* Bytes of the longest prefix (up to a newline) within cols columns. */
size_t	 sanitize_fit(const char *, int, int *);
/* A copy of a sanitized line cut to cols columns with an ellipsis. */
char	*sanitize_clip(const char *, int);
/* One wrapped line of at most cols columns; *next is where the next
 * line starts (NULL after the last). Returns the line's byte length. */
size_t	 sanitize_wrap(const char *, int, const char **);
/* The ellipsis for this terminal. */
const char *sanitize_ellipsis(void);

/* model.c: the pending queue and the history, built from request views. */

#define MODEL_HISTORY_MAX	200

struct sig {
	char		*signer;	/* owned */
	char		*verdict;	/* owned */
	char		*reason;	/* owned */
	int64_t		 signed_at;
};

/* A body parameter as the screen shows it: credentials in the key, and
 * the value of a secret-named or credential-like parameter, are already
 * replaced by REDACT_MARK. */
struct param {
	char		*key;		/* owned */
	char		*value;		/* owned; JSON unless a string */
};

/* One request view (CONTRACT §3) as received. Every pointer is owned. */
struct req {
	char		 id[PROTO_ID_MAX + 1];
	char		*state;
	char		*executor;
	char		*rule;
	char		 digest[PROTO_SHA256_HEX];
	int64_t		 created_at;
	int64_t		 expires_at;
	int64_t		 decided_at;	/* 0 when not in the view */
	int64_t		 approvals_required;
	struct sig	*sigs;
	size_t		 nsigs;
	char		**groups;
	size_t		 ngroups;
	/* An analyst denied this executor's same action on the same target
	 * lately (the view's denied_recently); 0 and NULLs when not. */
	int64_t		 denied_count;
	char		*denied_by;
	char		*denied_reason;

	/* From the body; NULL unless trusted. */
	int		 trusted;	/* digest matches, body parsed */
	const char	*alarm;		/* static: why it is not trusted */
	char		*action;
	char		*target;
	char		*justification;
	char		*on_behalf_of;	/* NULL if the body has none */
	struct param	*params;
	size_t		 nparams;

	/* Console state. */
	int		 stale;		/* from before a disconnection */
	int		 you_signed;
	const char	*sending;	/* verdict awaiting ack, or NULL */
};

/* Owns the requests in both lists. */
struct model {
	struct req	**queue;	/* pending, soonest expiry first */
	size_t		  nqueue;
	struct req	**history;	/* final, newest first */
	size_t		  nhistory;
};

int64_t		 model_now_ms(void);
/* Parse a view; NULL with err when it is malformed. */
struct req	*model_req_parse(const cJSON *, const char *, char *, size_t);
void		 model_req_free(struct req *);
/* Replace the whole queue (a snapshot); takes the requests. Returns how
 * many ids were not in the queue before. */
size_t		 model_replace_queue(struct model *, struct req **,
		    size_t);
void		 model_replace_history(struct model *, struct req **,
		    size_t);
/* Add or update a pending request; takes it. 1 when the id is new. */
int		 model_upsert(struct model *, struct req *);
/* Move a final request to the history; takes it. */
void		 model_resolve(struct model *, struct req *);
struct req	*model_find(const struct model *, const char *);
void		 model_set_stale(struct model *);
/* 1 when filter is empty or a substring of action, target or executor. */
int		 model_matches(const struct req *, const char *);
/* The deny-memory warning ("denied 2x in the last hour by alice:
 * REASON"), not yet sanitized; NULL when there is none. Caller frees. */
char		*model_denied_text(const struct req *);
/* Up to max earlier final requests on the same target, newest first. */
size_t		 model_earlier(const struct model *, const struct req *,
		    const struct req **, size_t);
void		 model_free(struct model *);

/* net.c: the WebSocket client, reconnection and the keyboard adoption. */

enum net_phase {
	NET_OFFLINE,		/* waiting to retry */
	NET_CONNECTING,		/* TCP and WebSocket handshake */
	NET_CHALLENGED,		/* upgraded, waiting for the challenge */
	NET_SIGNING_IN,		/* hello sent, waiting for the welcome */
	NET_AUTHED		/* welcome received: "connected" */
};

/* One queued outgoing text frame, LWS_PRE bytes of headroom first. */
struct net_msg {
	struct net_msg	*next;
	size_t		 len;
	unsigned char	 buf[];
};

struct net {
	char		 url[300];	/* shown in the header */
	char		 host[256];	/* without brackets */
	char		 hostport[270];	/* the Host header */
	int		 port;
	int		 tls;		/* wss:// */
	const char	*ca;		/* CA file; NULL: the system's */
	struct lws_context *ctx;
	struct lws	*wsi;
	lws_sorted_usec_list_t sul_retry;
	lws_sorted_usec_list_t sul_tick;
	uint16_t	 retries;
	int64_t		 retry_at;	/* ms; when offline */
	int64_t		 authed_at;	/* ms; 0 before the welcome */
	enum net_phase	 phase;
	char		*rx;		/* owned; message being reassembled */
	size_t		 rxlen;
	struct net_msg	*txhead;	/* owned queue */
	struct net_msg	*txtail;
	int		 dropped;	/* we cut it: keep the status */
};

/* Parse ws:// or wss://HOST[:PORT][/] (http:// is taken as ws://,
 * https:// as wss://). 0 or -1. */
int	 net_parse_url(const char *, struct net *, char *, size_t);
/* Create the lws context (with TLS for wss://, after checking that the
 * CA file holds a certificate). 0 or -1 with err. */
int	 net_init(struct tui *, char *, size_t);
/* Adopt the keyboard, start the tick and the first connection. */
int	 net_start(struct tui *, char *, size_t);
void	 net_free(struct tui *);
/* Queue one text frame; takes text. */
void	 net_send(struct tui *, char *);

/* msg.c: the console protocol (CONTRACT §5) over net. */

/* Handle one complete text message. -1: cut the connection. */
int		 msg_dispatch(struct tui *, const char *, size_t);
/* Why req cannot be decided now, or NULL when it can. */
const char	*msg_refusal(const struct tui *, const struct req *);
/* Sign and queue a decision. -1 (with the status set) when refused. */
int		 msg_decide(struct tui *, const char *, const char *,
		    const char *, const char *);
/* The connection is gone: forget what was in flight. */
void		 msg_offline(struct tui *);

/* prompt.c: the one-line prompts at the bottom of the screen. */

enum prompt_kind {
	PROMPT_NONE,
	PROMPT_CONFIRM,		/* approve? [y/N] */
	PROMPT_REASON,		/* reason for a denial */
	PROMPT_FILTER
};

struct prompt {
	enum prompt_kind kind;
	char		 id[PROTO_ID_MAX + 1];
	char		 digest[PROTO_SHA256_HEX];	/* as shown */
	char		 buf[PROTO_REASON_MAX + 1];	/* UTF-8 input */
	size_t		 len;
};

/* What a key handler did. */
enum keys_result {
	KEYS_IGNORED,
	KEYS_HANDLED,		/* the model or the view changed */
	KEYS_QUIT
};

void		 prompt_approve(struct tui *);
void		 prompt_deny(struct tui *);
void		 prompt_filter(struct tui *);
enum keys_result prompt_key(struct tui *, wint_t, int);
/* Append one character to the input; 0, or -1 when it does not fit or
 * is a control character. */
int		 prompt_insert(struct prompt *, wint_t);
void		 prompt_backspace(struct prompt *);

/* keys.c: keyboard dispatch. */

enum tui_view {
	VIEW_QUEUE,
	VIEW_HISTORY,
	VIEW_HELP
};

/* Read and handle every key ncurses has. */
void		 keys_drain(struct tui *);
enum keys_result keys_handle(struct tui *, wint_t, int);

/* screen.c: drawing, from the model only. */

#define DIRTY_CONTENT	0x1	/* redraw from the model */
#define DIRTY_CLEAR	0x2	/* the terminal changed: repaint all */

void	 screen_init(void);
void	 screen_end(void);
void	 screen_draw(struct tui *);
/* Async-signal-safe terminal reset for abort(). */
void	 screen_emergency(void);

/* The whole console. main.c owns the one instance. */
struct tui {
	const char	*analyst;
	int		 bell;
	struct keypair	*key;		/* owned; locked memory */
	char		**groups;	/* owned; from the welcome */
	size_t		 ngroups;
	struct net	 net;
	struct model	 model;

	enum tui_view	 view;
	char		 sel_id[PROTO_ID_MAX + 1];
	size_t		 sel_index;	/* where the selection was */
	size_t		 hist_index;
	int		 detail_scroll;
	int		 help_scroll;
	char		*filter;	/* owned; NULL for none */
	struct prompt	 prompt;
	char		 status[TUI_STATUS_MAX];
	int		 status_alarm;	/* show it as an error */

	int		 dirty;
	int		 bell_pending;
	int		 quit;
};

/* Set the status line (printf-style; the text is sanitized when drawn). */
void	 tui_status(struct tui *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* The pending requests the filter lets through; the caller frees. */
size_t	 tui_visible(const struct tui *, struct req ***);
/* The selected request, or NULL. */
struct req *tui_selected(struct tui *);
void	 tui_free_groups(struct tui *);
/* Free what the console owns, except the key and the connection. */
void	 tui_free(struct tui *);

#endif
