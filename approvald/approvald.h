/*
 * approvald's private interfaces. One section per file, in the order the
 * request path uses them.
 */
#ifndef APPROVALD_H
#define APPROVALD_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <libwebsockets.h>

#include "proto.h"

/* config.c: the JSON configuration of CONTRACT §2. */

struct limits {
	size_t		 max_body_bytes;	/* default 65536 */
	int64_t		 rate_per_minute;	/* default 600 */
	int64_t		 max_timeout_s;		/* default 86400 */
	int64_t		 max_connections;	/* default 16384 */
	int64_t		 keepalive_s;		/* default 30 */
	int64_t		 suspend_denials;	/* 0: no circuit breaker */
	int64_t		 suspend_window_s;
};

enum rule_then {
	THEN_DENY,
	THEN_APPROVE,
	THEN_REVIEW
};

enum param_op {
	OP_LT,
	OP_LTE,
	OP_GT,
	OP_GTE,
	OP_EQ
};

struct cidr {
	int		 family;	/* AF_INET or AF_INET6 */
	uint8_t		 addr[16];	/* network byte order */
	int		 prefix;
};

struct param_cond {
	char		*name;		/* owned */
	enum param_op	 op;
	double		 value;
};

/* One rule of an action, in configuration order. Owns every pointer. */
struct rule {
	char		**globs;
	size_t		  nglobs;
	struct cidr	 *cidrs;
	size_t		  ncidrs;
	struct param_cond *params;
	size_t		  nparams;
	enum rule_then	  then;
	char		 *label;	/* "<action> rule <n>", n from 1 */
	char		 *reason;	/* the rule's reason, else the label */
	int		  approvals;	/* review: distinct analysts, >= 1 */
	char		**groups;	/* review: allowed groups, none = any */
	size_t		  ngroups;
	int64_t		  timeout_s;	/* 0 when the rule sets none */
};

struct action {
	char		*name;
	int64_t		 timeout_s;	/* 0 when the action sets none */
	int		 deny_repeat;	/* deny what an analyst denied lately */
	struct rule	*rules;
	size_t		 nrules;
};

/* The loaded configuration. Owns every pointer; paths are absolute or
 * relative to the working directory, already resolved against the config
 * file's folder. */
struct config {
	char		*path;
	char		*listen_host;	/* "127.0.0.1", "::1", ... */
	int		 listen_port;
	char		*database;
	char		*daemon_key;
	char		*signer;	/* the daemon's signer name */
	char		*tls_cert;	/* PEM files, NULL for plain text */
	char		*tls_key;
	int		 insecure_plaintext;	/* allow plain text off loopback */
	struct limits	 limits;
	struct action	*actions;
	size_t		 nactions;
	char		 sha256[PROTO_SHA256_HEX];	/* of the file's bytes */
};

/* 0, or -1 with "FILE: KEY: PROBLEM" in err. */
int		 config_load(const char *, struct config *, char *, size_t);
/* config_load of text already read; the name is the file's, for errors
 * and for resolving relative paths. */
int		 config_load_buffer(const char *, const char *, size_t,
		    struct config *, char *, size_t);
void		 config_free(struct config *);
const struct action *config_action(const struct config *, const char *);

/* policy.c: first-match rules over a request, default deny. */

#define POLICY_DEFAULT_TIMEOUT_S	900
#define POLICY_LABEL_MAX		(PROTO_ACTION_MAX + 32)

struct policy_input {
	const char	*action;
	const char	*target;
	const cJSON	*params;	/* object, or NULL */
	int64_t		 timeout_s;	/* the request's own cap, 0 if none */
};

/* Borrowed from the config (groups) or held inline (label, reason). */
struct policy_result {
	enum rule_then	 then;
	char		 label[POLICY_LABEL_MAX];
	char		 reason[PROTO_REASON_MAX + 1];
	int		 approvals;
	char *const	*groups;
	size_t		 ngroups;
	int64_t		 timeout_s;	/* effective, after every cap */
};

void		 policy_decide(const struct config *,
		    const struct policy_input *, struct policy_result *);
/* Exposed for tests: 1 when the condition holds. */
int		 policy_cidr_match(const struct cidr *, const char *);
int		 policy_cidr_parse(const char *, struct cidr *);


/* store.c: the SQLite database, its migrations and every statement. */

struct sqlite3;
struct sqlite3_stmt;

enum stmt {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_REQ_INSERT,
	STMT_REQ_GET,
	STMT_REQ_STATE,
	STMT_REQ_BY_IDEMPOTENCY,
	STMT_REQ_DENIED_RECENTLY,
	STMT_REQ_FINALIZE,
	STMT_REQ_NEXT_EXPIRY,
	STMT_REQ_DUE,
	STMT_REQ_PENDING,
	STMT_REQ_HISTORY,
	STMT_REQ_PENDING_COUNT,
	STMT_DATA_VERSION,
	STMT_SIG_INSERT,
	STMT_SIG_LIST,
	STMT_SIG_COUNT,
	STMT_AUDIT_HEAD,
	STMT_AUDIT_INSERT,
	STMT_AUDIT_ALL,
	STMT_AUDIT_AT,
	STMT_EXEC_BY_HASH,
	STMT_EXEC_INSERT,
	STMT_EXEC_LIST,
	STMT_EXEC_REVOKE,
	STMT_ANALYST_GET,
	STMT_ANALYST_INSERT,
	STMT_ANALYST_LIST,
	STMT_ANALYST_DELETE,
	STMT_REQ_LIST,
	STMT_REQ_OLDEST_PENDING,
	STMT_REQ_DENIALS_SINCE,
	STMT_EXEC_GET,
	STMT_EXEC_SUSPEND,
	STMT_EXEC_RESUME,
	STMT__MAX
};

/* The open database: one per process, statements prepared once. */
struct store {
	struct sqlite3		*db;
	struct sqlite3_stmt	*stmts[STMT__MAX];
	void			(*before_begin)(void *);
	void			*before_arg;
};

struct store	*store_open(const char *, char *, size_t);
void		 store_close(struct store *);
/* Called by store_begin before it opens a transaction. */
void		 store_set_before_begin(struct store *, void (*)(void *),
		    void *);
/* The statement, reset and with its bindings cleared. */
struct sqlite3_stmt *store_stmt(struct store *, enum stmt);
int		 store_begin(struct store *);
int		 store_commit(struct store *);
void		 store_rollback(struct store *);
/* Step a statement that returns no row; 0 or -1 (logged). */
int		 store_exec(struct store *, struct sqlite3_stmt *);
const char	*store_errmsg(struct store *);
/* Changes when another connection commits (PRAGMA data_version). */
int		 store_data_version(struct store *);

/* audit.c: the hash-chained audit log. */

#define AUDIT_HASH_BYTES	32

/* The last entry's seq and hash; seq 0 and zeros for an empty log. */
int		 audit_head(struct store *, int64_t *, uint8_t[AUDIT_HASH_BYTES]);
/* The hash of entry seq; -1 when there is none. */
int		 audit_hash_at(struct store *, int64_t, uint8_t[AUDIT_HASH_BYTES]);
/* Append inside the caller's transaction; data is a JSON object. */
int		 audit_append(struct store *, int64_t, const char *,
		    const cJSON *);
/* 0 when intact; else -1 and the first bad seq in *bad. */
int		 audit_verify(struct store *, int64_t *, char *, size_t);

/* auditstate.c: the tables against what the audit chain records. */

/* 0 when requests, signatures, analysts and executors hold exactly the
 * rows that replaying the chain gives; else -1, having written one line
 * per difference (naming the table and row) to the stream. */
int		 auditstate_check(struct store *, FILE *);
/* When auditstate_check holds, append an entry recording the whole row
 * for each row that entries from before whole rows back only partly, in
 * one transaction; 0 with their count, else -1 having said why. */
int		 auditstate_adopt(struct store *, FILE *, size_t *);

/* clock.c */
int64_t		 clock_now_ms(void);

/* log.c: one line per event on stderr, "ts=... level=... key=value ...". */

void		 log_event(const char *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
/* Quote untrusted text for a log line: printable ASCII only, bounded.
 * Returns one of a few rotating static buffers. */
const char	*log_str(const char *);

/* request.c: a request as stored, and its view (CONTRACT §3). */

#define REQUEST_STATE_MAX	16

struct signature {
	char		 signer[PROTO_NAME_MAX + 1];
	char		 verdict[8];
	int64_t		 signed_at;
	char		*reason;		/* owned */
	uint8_t		 sig[PROTO_SIG_BYTES];
};

/* One request with its signatures. Owns every pointer. */
struct request {
	char		 id[PROTO_ID_MAX + 1];
	char		*executor;
	char		*idempotency_key;	/* NULL when none */
	char		*action;
	char		*target;
	char		*on_behalf_of;		/* NULL when none */
	uint8_t		*body;
	size_t		 body_len;
	char		 digest[PROTO_SHA256_HEX];
	char		 state[REQUEST_STATE_MAX];
	char		*rule;
	int		 approvals_required;
	char		*groups;		/* JSON array text */
	int64_t		 created_at;
	int64_t		 expires_at;
	int64_t		 decided_at;		/* 0 while pending */
	char		*denied_recently;	/* JSON object text or NULL */
	char		 policy_sha256[PROTO_SHA256_HEX];	/* "" unknown */
	struct signature *sigs;
	size_t		 nsigs;
};

/* NULL when absent (or on a database error, logged). */
struct request	*request_load(struct store *, const char *);
void		 request_free(struct request *);
int		 request_insert(struct store *, const struct request *);
int		 request_pending(const struct request *);
cJSON		*request_view(const struct request *);
/* "req_" + 12 hex digits of ms (time-ordered) + 20 random hex digits. */
void		 request_new_id(char[PROTO_ID_MAX + 1], int64_t);
/* 1 when the state is final; 0 for "pending". */
int		 request_state_final(const char *);

/* submit.c: validating a submitted body (CONTRACT §3). */

/* Borrowed pointers into root, which it owns. */
struct submission {
	cJSON		*root;
	const char	*action;
	const char	*target;
	const char	*justification;
	const char	*on_behalf_of;		/* NULL when absent */
	const char	*idempotency_key;	/* NULL when absent */
	const cJSON	*params;		/* NULL when absent */
	int64_t		 timeout_s;		/* 0 when absent */
};

/* 0, or -1 with a message for a 400 answer in err. */
int		 submit_parse(const char *, size_t, int64_t,
		    struct submission *, char *, size_t);
void		 submit_free(struct submission *);
int		 submit_action_valid(const char *);

/* registry.c: executors (token holders) and analysts (key holders). */

struct executor {
	char		 name[PROTO_NAME_MAX + 1];
	char		*scopes;		/* JSON array text, owned */
};

struct analyst {
	char		 name[PROTO_NAME_MAX + 1];
	uint8_t		 pk[PROTO_PK_BYTES];
	char		*groups;		/* JSON array text, owned */
};

#define REGISTRY_TOKEN_PREFIX	"apv_"

/* 0 and *out when the bearer token belongs to a live executor. */
int		 registry_executor_auth(struct store *, const char *,
		    struct executor *);
void		 registry_executor_clear(struct executor *);
int		 registry_executor_may(const struct executor *, const char *);
/* 0 and *out for a registered analyst; 1 when unknown; -1 on error. */
int		 registry_analyst_get(struct store *, const char *,
		    struct analyst *);
void		 registry_analyst_clear(struct analyst *);
/* 1 when a JSON array of names (text) contains name. */
int		 registry_list_has(const char *, const char *);

/* engine.c: the request state machine. Every change is committed before
 * anyone hears of it; exactly one transition leaves "pending". */

struct lws_context;
struct keypair;
struct expiry;
struct waiters;
struct deadlines;
struct console_hub;
struct ratelimit;
struct metrics;
struct batch;

/* The serving daemon. One per process; owns everything it points to. */
struct daemon {
	struct config		 cfg;
	struct store		*store;
	struct keypair		*key;
	struct lws_context	*ctx;
	struct expiry		*expiry;
	struct waiters		*waiters;
	struct deadlines	*idle;		/* kept-alive HTTP connections */
	struct console_hub	*hub;
	struct ratelimit	*rate;
	struct metrics		*metrics;
	struct batch		*batch;
};

/* What to answer an executor: a view, or an error. Owns view. */
struct outcome {
	int		 status;
	int		 batched;		/* answer after the group commit */
	cJSON		*view;
	const char	*code;			/* error code, NULL with a view */
	char		 message[256];
};

#define DENY_MEMORY_MS	(60 * 60 * 1000)

void		 engine_submit(struct daemon *, const struct executor *,
		    const char *, size_t, struct outcome *);
void		 engine_cancel(struct daemon *, const struct executor *,
		    const char *, struct outcome *);
/* Move a pending request to a final state, with an optional signature.
 * 0 when this call did it, 1 when it was already final, -1 on error. */
int		 engine_finalize(struct daemon *, const struct request *,
		    const char *, const struct signature *, const char *);
/* Record an analyst's checked signature; finalizes the request when it
 * is a deny or completes the quorum. 0, 1 when no longer pending, -1. */
int		 engine_record(struct daemon *, const struct request *,
		    const struct signature *);
/* Expire these requests (those still pending) in one transaction, signed
 * by the daemon; how many it expired. */
size_t		 engine_expire(struct daemon *, char[][PROTO_ID_MAX + 1],
		    size_t, int64_t);
void		 engine_sign(struct daemon *, const struct request *,
		    const char *, const char *, int64_t, struct signature *);
/* After a commit: tell the timer, the consoles and the waiting executors. */
void		 engine_added(struct daemon *, const struct request *);
void		 engine_changed(struct daemon *, const char *);
void		 engine_released(struct daemon *, const char *);
/* The same, for a request already in memory as committed. */
void		 engine_resolved(struct daemon *, const struct request *);
void		 outcome_error(struct outcome *, int, const char *,
		    const char *, ...) __attribute__((format(printf, 4, 5)));
void		 outcome_clear(struct outcome *);

/* listing.c: GET /v1/requests, an executor's own requests. */

/* Answer from the connection's query: 200 with {"requests": [...]}, or
 * an error. */
void		 listing_answer(struct store *, struct lws *, const char *,
		    struct outcome *);

/* http.c: the executor API. */

int		 http_callback(struct lws *, enum lws_callback_reasons, void *,
		    void *, size_t);
size_t		 http_session_size(void);
/* 1 when no answer is waiting to be written. */
int		 http_idle(void);

/* server.c: the event loop. */

/* Let the process hold as many descriptors as connections allowed. */
void		 server_raise_nofile(int64_t);
/* Run until SIGINT or SIGTERM; the exit status. */
int		 server_run(struct daemon *);

/* admin.c: the operator's subcommands; each returns an exit status. */

int		 admin_init(const struct config *, int);
int		 admin_analyst(const struct config *, int, char **);
int		 admin_executor(const struct config *, int, char **);
int		 admin_keys(const struct config *, int, char **);
int		 admin_audit(const struct config *, int, char **);
/* starter.c: write the first configuration (mode 0600, never over an
 * existing file); 0, or -1 with the reason in err. */
int		 starter_write(const char *, char *, size_t);
/* Open the database, creating it (and the daemon key) when missing. */
struct store	*admin_open(const struct config *, int);

/* console.c: the analysts' WebSocket (CONTRACT §5). */

struct console_hub *console_hub_new(struct daemon *);
/* Stop the timer before the context goes; free after it has gone. */
void		 console_hub_stop(struct console_hub *);
void		 console_hub_free(struct console_hub *);
/* Queue {"type":TYPE,"request":VIEW} to every console that may see r. */
void		 console_broadcast(struct console_hub *, const struct request *,
		    const char *);
size_t		 console_count(const struct console_hub *);
/* Queue a message (JSON text) to every signed-in console. */
void		 console_alert(struct console_hub *, const char *);
int		 console_callback(struct lws *, enum lws_callback_reasons,
		    void *, void *, size_t);
size_t		 console_session_size(void);

/* message.c: what a console may send. */

enum message_type {
	MESSAGE_HELLO,
	MESSAGE_DECIDE
};

/* One parsed console message; holds copies, nothing borrowed. */
struct message {
	enum message_type type;
	char		 analyst[PROTO_NAME_MAX + 1];	/* hello */
	char		 id[PROTO_ID_MAX + 1];		/* decide */
	char		 verdict[8];
	char		 reason[PROTO_REASON_MAX + 1];
	int64_t		 signed_at;
	uint8_t		 sig[PROTO_SIG_BYTES];		/* both */
	const char	*bad;	/* decide: why its fields are refused */
};

/* 0 for a hello or decide (a decide may carry m->bad); -1 when the peer
 * sent something it must be cut off for. */
int		 message_parse(const char *, size_t, struct message *);

/* batch.c: group commit of the submissions of one loop round. */

/* Embedded in whoever waits for the commit; done() is called once, with
 * ok 0 when the commit failed. */
struct batch_ack {
	struct lws_dll2	 list;
	void		(*done)(struct batch_ack *, int);
};

struct batch	*batch_new(struct daemon *);
void		 batch_free(struct batch *);
/* Open the group's transaction if it is not; 0 or -1. */
int		 batch_join(struct batch *);
int		 batch_open(const struct batch *);
/* Wait for the commit of the open group. */
void		 batch_wait(struct batch *, struct batch_ack *);
void		 batch_cancel(struct batch_ack *);
/* A pending request of the open group, to announce once committed; the
 * batch takes it. */
void		 batch_added(struct batch *, struct request *);
/* Commit the open group now and answer its waiters. */
void		 batch_flush(struct batch *);
/* A write of the open group failed: roll it back, answer its waiters
 * with the failure. */
void		 batch_abort(struct batch *);

/* metrics.c: GET /metrics. */

struct metrics	*metrics_new(void);
void		 metrics_free(struct metrics *);
/* Count one event of family name with up to two label values. */
void		 metrics_count(struct metrics *, const char *, const char *,
		    const char *);
/* An analyst's final decision, this long after submission. */
void		 metrics_latency(struct metrics *, int64_t);
/* The exposition text; the caller frees. */
char		*metrics_render(struct daemon *);

/* suspend.c: limits.suspend_after, the circuit breaker. */

/* After a denial of the executor's request (committed, or in the open
 * group): suspend it when it reached the limit. 0, or -1 when a failed
 * write gave up the open group (its submissions fail). */
int		 suspend_denied(struct daemon *, const char *);
/* 1 when the executor is suspended, or on a database error. */
int		 suspend_active(struct store *, const char *);
/* Lift a suspension, audited: 0, 1 when not suspended, -1 on error. */
int		 suspend_resume(struct store *, const char *);

/* journal.c: audit entries outside a request's life. */

/* The loaded policy (event "policy_loaded" or "policy_reloaded"). */
int		 journal_policy(struct daemon *, const char *);
/* A 403 for a scope, at most one entry a minute per executor. */
void		 journal_refused(struct daemon *, const char *, const char *);

/* lint.c: setups that load but cannot work; each says its warnings with
 * the function given and returns how many. */

size_t		 lint_scopes(const struct config *, const char *,
		    const char *, void (*)(const char *));
size_t		 lint_setup(const struct config *, struct store *,
		    void (*)(const char *));
/* A warning as a log line. */
void		 lint_log(const char *);

/* ratelimit.c: limits.rate_per_minute per executor. */

struct ratelimit *ratelimit_new(int64_t);
void		 ratelimit_set(struct ratelimit *, int64_t);
void		 ratelimit_free(struct ratelimit *);
/* 0 when the executor may go on, else the seconds to Retry-After; *first
 * is set on the first refusal of a spell, so that it is logged once. */
int		 ratelimit_take(struct ratelimit *, const char *, int64_t,
		    int *);

/* deadlines.c: timeouts of connections behind one timer, in order. */

/* Embedded in its owner; fire() is called once it has been let go. */
struct deadline {
	struct lws_dll2	 list;
	lws_usec_t	 at;
	void		(*fire)(struct deadline *);
};

struct deadlines *deadlines_new(struct lws_context *);
/* Cancel the timer for good, before the context goes; removing a listed
 * deadline stays safe until deadlines_free. */
void		 deadlines_stop(struct deadlines *);
/* The deadlines still listed are simply forgotten. */
void		 deadlines_free(struct deadlines *);
/* Fire dl after the given time. */
void		 deadlines_add(struct deadlines *, struct deadline *,
		    lws_usec_t);
/* Nothing when dl is not listed. */
void		 deadlines_remove(struct deadline *);
size_t		 deadlines_count(const struct deadlines *);

/* waiters.c: executors holding a long-poll, found by request id. */

/* Embedded in the waiting connection's session; wake() is called once,
 * after the waiter has been removed: with the request when it was
 * released final, with NULL when the wait ran out (or the daemon stops). */
struct waiter {
	struct lws_dll2	 list;
	struct deadline	 timeout;
	char		 id[PROTO_ID_MAX + 1];
	void		(*wake)(struct waiter *, const struct request *);
};

struct waiters	*waiters_new(struct lws_context *);
/* Cancel the timer, before the context goes (see deadlines_stop). */
void		 waiters_stop(struct waiters *);
void		 waiters_free(struct waiters *);
/* Park w for at most the given time. */
void		 waiters_add(struct waiters *, struct waiter *, lws_usec_t);
/* Nothing when w is not parked. */
void		 waiters_remove(struct waiter *);
/* Wake the waiters of id with r, its final state (or NULL: unknown). */
void		 waiters_release(struct waiters *, const char *,
		    const struct request *);
/* Wake every waiter (the daemon is stopping). */
void		 waiters_release_all(struct waiters *);
size_t		 waiters_count(const struct waiters *);

/* expiry.c: one timer at the earliest pending expires_at. */

struct expiry	*expiry_new(struct daemon *);
void		 expiry_free(struct expiry *);
/* A pending request expires at this time (Unix ms). */
void		 expiry_schedule(struct expiry *, int64_t);
/* Expire everything due now, then arm the timer for the next one. */
void		 expiry_run(struct expiry *);

#endif
