/*
 * approvebench: the load generators behind `make bench`
 * (docs/PERFORMANCE.md). Each subcommand runs one scenario against a
 * running daemon, a Redis server or a bare SQLite file, for a bounded
 * time, and prints its figures on stdout as "name value" lines that
 * bench/run.sh tabulates. Times are microseconds on CLOCK_MONOTONIC
 * unless a name says otherwise.
 */
#ifndef APPROVEBENCH_H
#define APPROVEBENCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "keyfile.h"
#include "proto.h"

#define BENCH_HOST		"127.0.0.1"
#define BENCH_ANALYST		"bench"
#define BENCH_SIGNER		"approvald"
#define BENCH_ACT_REVIEW	"bench_review"	/* the console decides these */
#define BENCH_ACT_BULK		"bench_bulk"	/* no console may see these */
#define BENCH_ACT_STORM		"bench_storm"	/* left to expire */
#define BENCH_TOKENS_MAX	64
#define BENCH_BODY_MAX		1024

/* What a subcommand may be told; see main.c for the flags. */
struct bench_opts {
	const char	*home;		/* tokens, analyst.key, trusted-keys */
	const char	*db;		/* a database file */
	const char	*daemon;	/* the approvald binary */
	const char	*config;	/* its configuration */
	int		 port;		/* the daemon's, or Redis's */
	double		 seconds;	/* how long to measure */
	int		 conns;		/* concurrent executors */
	int		 count;		/* holders, storm size, rows */
	int		 repeat;	/* measurements in one run */
	pid_t		 pid;		/* the daemon, for its memory */
	int64_t		 lead_ms;	/* how far ahead the storm is due */
};

/* The daemon's side of a run, loaded from opts->home. Owns everything. */
struct bench_env {
	int		 port;
	char		*tokens[BENCH_TOKENS_MAX];
	size_t		 ntokens;
	struct keypair	*key;		/* the analyst's */
	struct trusted	 trusted;	/* `approvald keys export` */
	const uint8_t	*daemon_pk;	/* in trusted */
};

/* main.c */
int		 env_load(const struct bench_opts *, struct bench_env *);
void		 env_free(struct bench_env *);
/* The name and value of one figure, on stdout. */
void		 bench_out(const char *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* stats.c: clocks and samples. */

struct samples {
	int64_t		*v;		/* owned */
	size_t		 n;
	size_t		 cap;
};

int64_t		 stats_now_us(void);		/* CLOCK_MONOTONIC */
int64_t		 stats_wall_us(void);		/* CLOCK_REALTIME */
void		 stats_sleep_us(int64_t);
void		 samples_add(struct samples *, int64_t);
/* The p-th percentile (0..100, nearest rank); 0 when empty. Sorts. */
int64_t		 samples_pct(struct samples *, double);
void		 samples_free(struct samples *);
/* Print NAME_n and, when there are samples, NAME_p50, NAME_p99 and
 * NAME_max. */
void		 samples_out(struct samples *, const char *);
/* The resident set of a process in KiB (VmRSS), -1 when unknown. */
long		 stats_rss_kb(pid_t);

/* body.c: request bodies like an agent's, about 300 bytes, and ids. */

/* The body of request seq for action, with timeout_s when > 0; returns
 * its length. */
size_t		 body_make(char *, size_t, const char *, uint64_t, int64_t);
/* A request id as the daemon makes them: time-ordered by ms. */
void		 body_id(char[PROTO_ID_MAX + 1], int64_t);

/* hconn.c: executor HTTP/1.1 connections on one epoll, nonblocking. */

struct hloop;
struct hconn;

/* Called once per request: status -1 when no answer came. body holds
 * len bytes (not NUL-terminated) until the callback returns. */
typedef void	 hconn_done(struct hconn *, int, const char *, size_t);

struct hloop	*hloop_new(int, size_t);
void		 hloop_free(struct hloop *);
/* One wait for events, at most ms milliseconds; -1 on epoll failure. */
int		 hloop_run(struct hloop *, int);
struct hconn	*hconn_new(struct hloop *, void *);
void		 hconn_free(struct hconn *);
void		*hconn_user(const struct hconn *);
/* Send one request (reconnecting when closed); body may be NULL. */
void		 hconn_request(struct hconn *, const char *, const char *,
		    const char *, const char *, size_t, hconn_done *);
/* When the answer's last byte was read (µs). */
int64_t		 hconn_answered_at(const struct hconn *);
int		 hconn_busy(const struct hconn *);
/* A blocking GET of path: the status, and the body in buf. -1 when none
 * came within ms milliseconds. */
int		 hconn_get_once(int, const char *, char *, size_t, int);

/* console.c: an analyst's console in its own thread (CONTRACT §5). */

struct console;

/*
 * Connect, answer the challenge with the analyst's key and wait (up to
 * 10 s) for the welcome, the snapshot and the history. From then on it
 * signs and sends an approval for every pushed pending request whose
 * action is decide_action (NULL: none). NULL when it could not log in.
 */
struct console	*console_start(const struct bench_env *, const char *);
/* Stop the thread and free everything. */
void		 console_stop(struct console *);
/* When the decision on id was written (µs), 0 when it was not. */
int64_t		 console_decided_at(struct console *, const char *);
/* Hello sent to snapshot fully received (µs); and its request count. */
int64_t		 console_snapshot_us(const struct console *);
size_t		 console_snapshot_n(const struct console *);
/* Messages received so far; 1 while still logged in. */
size_t		 console_received(struct console *);
int		 console_alive(struct console *);
/* Decide sent to ack received, for every ack so far (µs); moved out. */
void		 console_take_rtt(struct console *, struct samples *);

/* fleet.c: many executors on one hloop, optionally in their own thread. */

enum agent_kind {
	AGENT_SUBMIT,		/* submit in a loop, count acknowledgements */
	AGENT_CYCLE,		/* submit, wait, verify; time the whole */
	AGENT_HOLD		/* submit, then hold a long-poll until final */
};

struct fleet;

/* One executor: one connection and what it is doing. */
struct agent {
	struct fleet	*f;
	struct hconn	*c;
	const char	*token;		/* borrowed from the env */
	char		 id[PROTO_ID_MAX + 1];
	char		 body[BENCH_BODY_MAX];
	size_t		 body_len;
	int64_t		 started;	/* this cycle's submit (µs) */
	int64_t		 next_at;	/* paced cycles: the next start */
	char		*final;		/* hold: the final view (owned) */
	size_t		 final_len;
	int64_t		 final_at;	/* when it came (µs) */
};

/* Many agents sharing one hloop. The counters belong to whichever
 * thread runs the fleet until it is joined. */
struct fleet {
	const struct bench_env	*env;
	struct hloop		*loop;
	struct agent		*agents;	/* owned */
	size_t			 n;
	enum agent_kind		 kind;		/* of every agent */
	const char		*action;
	struct console		*console;	/* for release latency */
	int64_t			 pace_us;	/* cycle: minimum period */
	int64_t			 storm_at_ms;	/* hold: expire at (wall) */
	int64_t			 submit_until;	/* hold: no submit after (µs) */
	atomic_int		 stop;
	int			 finishing;	/* cycle: start no more */
	atomic_long		 parked;	/* long-polls out */
	atomic_long		 finals;	/* hold: final views received */
	uint64_t		 seq;
	size_t			 next;		/* hold: the next to start */
	size_t			 inflight;	/* hold: submits out */
	uint64_t		 acked;		/* 201 answers in the window */
	uint64_t		 errors;
	atomic_long		 submitted;	/* 201 answers, cycle and hold */
	int64_t			 window_from;	/* count acks from ... */
	int64_t			 window_to;	/* ... to (µs) */
	struct samples		 cycles;	/* cycle: submit to verified */
	struct samples		 release;	/* cycle: decide to release */
	uint64_t		 bad;		/* cycle: verification failed */
	pthread_t		 thread;	/* when spawned */
};

struct fleet	*fleet_new(const struct bench_env *, enum agent_kind, size_t,
		    const char *);
void		 fleet_free(struct fleet *);
/* Start every agent (holders are admitted as the connect ramp allows). */
void		 fleet_begin(struct fleet *);
/* Serve the fleet in this thread until the monotonic time until. */
void		 fleet_run(struct fleet *, int64_t);
/* Start no more cycles; serve until those under way are done, or until. */
void		 fleet_finish(struct fleet *, int64_t);
/* Serve it in a new thread until fleet_join. */
void		 fleet_spawn(struct fleet *);
void		 fleet_join(struct fleet *);

/* The subcommands: each prints its figures and returns an exit status. */
int		 cycle_main(const struct bench_opts *);
int		 hold_main(const struct bench_opts *);
int		 submit_main(const struct bench_opts *);
int		 release_main(const struct bench_opts *);
int		 storm_main(const struct bench_opts *);
int		 snapshot_main(const struct bench_opts *);
int		 startup_main(const struct bench_opts *);
int		 seed_main(const struct bench_opts *, int, char **);
int		 sqlraw_main(const struct bench_opts *);
int		 redisq_main(const struct bench_opts *);

/* cycle.c: used by hold.c too. */
/* Cycles for seconds with the console deciding, printed under prefix;
 * the median, or -1 when a cycle failed or none finished. */
int64_t		 cycle_measure(const struct bench_env *, struct console *,
		    double, const char *);

#endif
