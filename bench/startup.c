/*
 * S6, start-up: the seeded database's pending requests are re-armed to
 * expire 3 to 4 s from now, then the daemon is executed and /healthz
 * polled every millisecond: the time from exec to the first 200. Once
 * they are all due, the daemon is given until its /metrics count no
 * pending request (at most 10 s more) and stopped; the database then
 * says whether each expired, and how long after its expires_at.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bench.h"

#define STARTUP_DUE_MS		3000	/* the first pending one expires */
#define STARTUP_SPREAD_MS	1000	/* the last one this much later */
#define STARTUP_HEALTHY_MS	20000	/* give up on /healthz */
#define STARTUP_AFTER_MS	10000	/* for the last ones to expire */
#define STARTUP_STOP_MS		10000

/* Make the seeded pending requests pending again, due soon. */
static int
startup_rearm(sqlite3 *db, int64_t now, long n)
{
	static const char sql[] =
	    "DELETE FROM signatures WHERE request_id IN"
	    " (SELECT id FROM requests WHERE executor = 'seed-pending');"
	    "UPDATE requests SET state = 'pending', decided_at = NULL,"
	    " expires_at = ?1 + p.n * ?2 / ?3"
	    " FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n"
	    "  FROM requests WHERE executor = 'seed-pending') AS p"
	    " WHERE requests.id = p.id";
	sqlite3_stmt	*st;
	const char	*tail;
	int		 rc;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	/* The DELETE first, then the UPDATE with its bindings. */
	if (sqlite3_prepare_v2(db, sql, -1, &st, &tail) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE ||
	    sqlite3_prepare_v2(db, tail, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, now + STARTUP_DUE_MS);
	sqlite3_bind_int64(st, 2, STARTUP_SPREAD_MS);
	sqlite3_bind_int64(st, 3, n > 0 ? n : 1);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	return 0;
}

/* How the seeded pending requests ended. */
static void
startup_expiries(sqlite3 *db)
{
	sqlite3_stmt	*st;
	struct samples	 late;
	long		 n = 0, expired = 0;

	memset(&late, 0, sizeof late);
	if (sqlite3_prepare_v2(db, "SELECT state, decided_at - expires_at"
	    " FROM requests WHERE executor = 'seed-pending'", -1, &st,
	    NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		n++;
		if (strcmp((const char *)sqlite3_column_text(st, 0),
		    "expired") != 0)
			continue;
		expired++;
		samples_add(&late, sqlite3_column_int64(st, 1) * 1000);
	}
	sqlite3_finalize(st);
	bench_out("startup", "pending %ld", n);
	bench_out("startup", "expired %ld", expired);
	samples_out(&late, "startup_late");
	samples_free(&late);
}

/* Exec the daemon; the time until /healthz answers 200, or -1. */
static int64_t
startup_exec(const struct bench_opts *o, pid_t *pid)
{
	char	buf[256];
	int64_t	t0 = stats_now_us();

	if ((*pid = fork()) == -1)
		return -1;
	if (*pid == 0) {
		execl(o->daemon, "approvald", "-c", o->config, "serve",
		    (char *)NULL);
		_exit(127);
	}
	while (stats_now_us() - t0 < STARTUP_HEALTHY_MS * 1000LL) {
		if (hconn_get_once(o->port, "/healthz", buf, sizeof buf,
		    100) == 200)
			return stats_now_us() - t0;
		if (waitpid(*pid, NULL, WNOHANG) == *pid) {
			*pid = -1;
			return -1;
		}
		stats_sleep_us(1000);
	}
	return -1;
}

/* The daemon's count of pending requests, -1 when unknown. */
static long
startup_pending(int port)
{
	static char	 buf[65536];
	const char	*p;

	if (hconn_get_once(port, "/metrics", buf, sizeof buf, 1000) != 200 ||
	    (p = strstr(buf, "\napprovald_requests_pending ")) == NULL)
		return -1;
	return strtol(p + 28, NULL, 10);
}

/* Wait until the last one is due, then until none is pending (or the
 * time is up). */
static void
startup_wait(int port, int64_t due_ms)
{
	stats_sleep_us(due_ms * 1000 - stats_wall_us());
	while (stats_wall_us() / 1000 < due_ms + STARTUP_AFTER_MS &&
	    startup_pending(port) != 0)
		stats_sleep_us(100000);
}

/* SIGTERM, then SIGKILL when it does not go. */
static void
startup_stop(pid_t pid)
{
	int64_t	t0 = stats_now_us();

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	while (waitpid(pid, NULL, WNOHANG) != pid) {
		if (stats_now_us() - t0 > STARTUP_STOP_MS * 1000LL) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return;
		}
		stats_sleep_us(10000);
	}
}

int
startup_main(const struct bench_opts *o)
{
	sqlite3	*db;
	pid_t	 pid = -1;
	int64_t	 now = stats_wall_us() / 1000, healthy;

	if (o->db == NULL || o->daemon == NULL || o->config == NULL ||
	    o->port <= 0) {
		fprintf(stderr, "approvebench: startup needs --db, --daemon, "
		    "--config and --port\n");
		return 64;
	}
	if (sqlite3_open(o->db, &db) != SQLITE_OK ||
	    startup_rearm(db, now, o->count) != 0) {
		fprintf(stderr, "approvebench: %s: %s\n", o->db,
		    sqlite3_errmsg(db));
		sqlite3_close(db);
		return 1;
	}
	sqlite3_close(db);
	healthy = startup_exec(o, &pid);
	bench_out("startup", "healthy_us %lld", (long long)healthy);
	if (healthy >= 0)
		startup_wait(o->port, now + STARTUP_DUE_MS + STARTUP_SPREAD_MS);
	startup_stop(pid);
	if (sqlite3_open(o->db, &db) == SQLITE_OK)
		startup_expiries(db);
	sqlite3_close(db);
	return healthy < 0;
}
