/*
 * The circuit breaker of limits.suspend_after. An agent whose requests keep
 * being denied is probing the gate (the fingerprint of an injected prompt
 * trying one blocked action after another): after N denials (by policy,
 * deny memory or an analyst) in W seconds its submissions are refused
 * until an operator looks and resumes it. The state lives in the executors
 * table, so it survives a restart and an operator's `executor resume`
 * (another process) takes effect on the next submission.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "approvald.h"
#include "json.h"

/* Inside a transaction: suspend name when its denials since the window's
 * start (or its last resume) reached the limit. 1 with the count in *n
 * when this call suspended it, 0 when not, -1 on a write error. */
static int
suspend_check_tx(struct daemon *d, const char *name, int64_t now,
    int64_t *n)
{
	const struct limits	*l = &d->cfg.limits;
	sqlite3_stmt		*st;
	int64_t			 since = now - l->suspend_window_s * 1000;
	int			 live, rc;
	cJSON			*data;

	st = store_stmt(d->store, STMT_EXEC_GET);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	live = sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 1) == SQLITE_NULL &&
	    sqlite3_column_type(st, 2) == SQLITE_NULL;
	if (live && sqlite3_column_int64(st, 3) > since)
		since = sqlite3_column_int64(st, 3);
	sqlite3_reset(st);
	if (!live)
		return 0;
	st = store_stmt(d->store, STMT_REQ_DENIALS_SINCE);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	*n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (*n < l->suspend_denials)
		return 0;
	st = store_stmt(d->store, STMT_EXEC_SUSPEND);
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (store_exec(d->store, st) != 0)
		return -1;
	if (sqlite3_changes(d->store->db) != 1)
		return 0;
	data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "name", name);
	cJSON_AddNumberToObject(data, "denials", (double)*n);
	cJSON_AddNumberToObject(data, "window_s", (double)l->suspend_window_s);
	rc = audit_append(d->store, now, "executor_suspended", data);
	cJSON_Delete(data);
	return rc == 0 ? 1 : -1;
}

/* Tell the log, the metrics and every console. */
static void
suspend_announce(struct daemon *d, const char *name, int64_t n, int64_t now)
{
	cJSON	*msg;
	char	 text[256], *out;

	log_event("warn", "event=executor_suspended executor=%s denials=%lld "
	    "window_s=%lld", name, (long long)n,
	    (long long)d->cfg.limits.suspend_window_s);
	metrics_count(d->metrics, "executor_suspensions_total", name, "");
	if (d->hub == NULL)
		return;
	snprintf(text, sizeof text, "executor %s suspended: %lld denials in "
	    "%lld s; its requests are refused until an operator runs "
	    "'approvald executor resume %s'", name, (long long)n,
	    (long long)d->cfg.limits.suspend_window_s, name);
	msg = cJSON_CreateObject();
	cJSON_AddStringToObject(msg, "type", "alert");
	cJSON_AddStringToObject(msg, "alert", "executor_suspended");
	cJSON_AddStringToObject(msg, "executor", name);
	cJSON_AddStringToObject(msg, "message", text);
	cJSON_AddNumberToObject(msg, "at", (double)now);
	out = json_print(msg);
	console_alert(d->hub, out);
	free(out);
	cJSON_Delete(msg);
}

int
suspend_denied(struct daemon *d, const char *name)
{
	int64_t	now = clock_now_ms(), n = 0;
	int	grouped = batch_open(d->batch), rc;

	if (d->cfg.limits.suspend_denials == 0)
		return 0;
	/* A denial by policy is still in the loop round's open group: the
	 * suspension joins it, and a failed write fails the whole group. */
	if (!grouped && store_begin(d->store) != 0)
		return 0;
	rc = suspend_check_tx(d, name, now, &n);
	if (grouped && rc < 0) {
		batch_abort(d->batch);
		return -1;
	}
	if (!grouped && (rc < 0 || store_commit(d->store) != 0)) {
		store_rollback(d->store);
		log_event("error", "event=suspend_failed executor=%s msg=%s",
		    name, log_str(store_errmsg(d->store)));
		return 0;
	}
	if (rc == 1)
		suspend_announce(d, name, n, now);
	return 0;
}

int
suspend_active(struct store *s, const char *name)
{
	sqlite3_stmt	*st = store_stmt(s, STMT_EXEC_GET);
	int		 rc;

	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	/* An error reads as suspended: fail closed. */
	rc = rc != SQLITE_ROW ? rc != SQLITE_DONE :
	    sqlite3_column_type(st, 2) != SQLITE_NULL;
	sqlite3_reset(st);
	return rc;
}

int
suspend_resume(struct store *s, const char *name)
{
	sqlite3_stmt	*st;
	cJSON		*data;
	int64_t		 now = clock_now_ms();
	int		 rc;

	if (store_begin(s) != 0)
		return -1;
	st = store_stmt(s, STMT_EXEC_RESUME);
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (store_exec(s, st) != 0) {
		store_rollback(s);
		return -1;
	}
	if (sqlite3_changes(s->db) != 1) {
		store_rollback(s);
		return 1;
	}
	data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "name", name);
	rc = audit_append(s, now, "executor_resumed", data);
	cJSON_Delete(data);
	if (rc != 0 || store_commit(s) != 0) {
		store_rollback(s);
		return -1;
	}
	return 0;
}
