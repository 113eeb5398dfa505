/*
 * The request state machine: submit, sign, finalize, cancel. A change is
 * committed to the database before it is acknowledged or released, and the
 * UPDATE ... WHERE state = 'pending' makes the first final state the only
 * one, whoever races for it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "approvald.h"
#include "codec.h"
#include "decision.h"
#include "json.h"
#include "keyfile.h"
#include "xmalloc.h"

void
outcome_error(struct outcome *o, int status, const char *code,
    const char *fmt, ...)
{
	va_list	ap;

	o->status = status;
	o->code = code;
	va_start(ap, fmt);
	vsnprintf(o->message, sizeof o->message, fmt, ap);
	va_end(ap);
}

void
outcome_clear(struct outcome *o)
{
	cJSON_Delete(o->view);
	memset(o, 0, sizeof *o);
}

/* The action as a metrics label: configured actions only, so that an
 * executor cannot grow the label set. */
static const char *
engine_label(struct daemon *d, const char *action)
{
	return config_action(&d->cfg, action) != NULL ? action : "other";
}

/* Answer with the stored view of id. */
static void
engine_answer(struct daemon *d, const char *id, int status,
    struct outcome *o)
{
	struct request	*r;

	if ((r = request_load(d->store, id)) == NULL) {
		outcome_error(o, 500, "internal", "cannot read the request");
		return;
	}
	o->status = status;
	o->view = request_view(r);
	request_free(r);
}

void
engine_sign(struct daemon *d, const struct request *r, const char *verdict,
    const char *reason, int64_t now, struct signature *sig)
{
	struct decision	dec;

	memset(sig, 0, sizeof *sig);
	snprintf(sig->signer, sizeof sig->signer, "%s", d->cfg.signer);
	snprintf(sig->verdict, sizeof sig->verdict, "%s", verdict);
	sig->signed_at = now;
	sig->reason = xstrdup(reason);
	dec.id = r->id;
	dec.digest = r->digest;
	dec.verdict = verdict;
	dec.signer = sig->signer;
	dec.signed_at = now;
	dec.reason = reason;
	decision_sign(&dec, d->key->sk, sig->sig);
}

static int
engine_insert_sig(struct store *s, const char *id, const struct signature *sig)
{
	sqlite3_stmt	*st = store_stmt(s, STMT_SIG_INSERT);

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, sig->signer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, sig->verdict, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, sig->signed_at);
	sqlite3_bind_text(st, 5, sig->reason, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, sig->sig, PROTO_SIG_BYTES, SQLITE_STATIC);
	return store_exec(s, st);
}

/* The rest of a signature's row, so that the chain backs it whole. */
static void
engine_audit_sig(cJSON *o, const struct signature *sig)
{
	char	*b64 = codec_b64_encode(sig->sig, PROTO_SIG_BYTES);

	cJSON_AddNumberToObject(o, "signed_at", (double)sig->signed_at);
	cJSON_AddStringToObject(o, "sig", b64);
	free(b64);
}

/* The rest of a new request's row (auditstate.c replays it). */
static void
engine_audit_row(cJSON *o, const struct request *r)
{
	cJSON_AddItemToObject(o, "idempotency_key", r->idempotency_key ==
	    NULL ? cJSON_CreateNull() : cJSON_CreateString(r->idempotency_key));
	cJSON_AddItemToObject(o, "on_behalf_of", r->on_behalf_of == NULL ?
	    cJSON_CreateNull() : cJSON_CreateString(r->on_behalf_of));
	cJSON_AddNumberToObject(o, "approvals_required", r->approvals_required);
	cJSON_AddStringToObject(o, "groups", r->groups);
	cJSON_AddNumberToObject(o, "created_at", (double)r->created_at);
	cJSON_AddNumberToObject(o, "expires_at", (double)r->expires_at);
	cJSON_AddItemToObject(o, "denied_recently", r->denied_recently ==
	    NULL ? cJSON_CreateNull() : cJSON_CreateString(r->denied_recently));
}

/* The audit record of a request event. */
static cJSON *
engine_audit_data(const struct request *r, const char *state,
    const struct signature *sig)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", r->id);
	cJSON_AddStringToObject(o, "executor", r->executor);
	cJSON_AddStringToObject(o, "action", r->action);
	cJSON_AddStringToObject(o, "target", r->target);
	cJSON_AddStringToObject(o, "digest", r->digest);
	cJSON_AddStringToObject(o, "state", state);
	cJSON_AddStringToObject(o, "rule", r->rule);
	if (r->policy_sha256[0] != '\0')
		cJSON_AddStringToObject(o, "policy_sha256", r->policy_sha256);
	if (sig != NULL) {
		cJSON_AddStringToObject(o, "signer", sig->signer);
		cJSON_AddStringToObject(o, "verdict", sig->verdict);
		cJSON_AddStringToObject(o, "reason", sig->reason);
		engine_audit_sig(o, sig);
	}
	return o;
}

static int
engine_audit(struct store *s, int64_t now, const char *event,
    const struct request *r, const char *state, const struct signature *sig)
{
	cJSON	*data = engine_audit_data(r, state, sig);
	int	 rc;

	if (strcmp(event, "submitted") == 0)
		engine_audit_row(data, r);
	rc = audit_append(s, now, event, data);
	cJSON_Delete(data);
	return rc;
}

/* Inside an open transaction: move r to state. 1 when already final. */
static int
engine_finalize_tx(struct daemon *d, const struct request *r,
    const char *state, const struct signature *sig, const char *event,
    int64_t now)
{
	sqlite3_stmt	*st;

	st = store_stmt(d->store, STMT_REQ_FINALIZE);
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, r->id, -1, SQLITE_STATIC);
	if (store_exec(d->store, st) != 0)
		return -1;
	if (sqlite3_changes(d->store->db) != 1)
		return 1;
	return engine_audit(d->store, now, event, r, state, sig);
}

/* Commit, or roll back and log; 0 when committed. */
static int
engine_commit(struct daemon *d, const struct request *r)
{
	if (store_commit(d->store) == 0)
		return 0;
	store_rollback(d->store);
	log_event("error", "event=commit_failed id=%s msg=%s", r->id,
	    log_str(store_errmsg(d->store)));
	return -1;
}

int
engine_finalize(struct daemon *d, const struct request *r, const char *state,
    const struct signature *sig, const char *event)
{
	int64_t	now = clock_now_ms();
	int	rc;

	if (store_begin(d->store) != 0)
		return -1;
	rc = engine_finalize_tx(d, r, state, sig, event, now);
	if (rc == 0 && sig != NULL)
		rc = engine_insert_sig(d->store, r->id, sig);
	if (rc != 0) {
		store_rollback(d->store);
		return rc;
	}
	if (engine_commit(d, r) != 0)
		return -1;
	log_event("info", "event=%s id=%s state=%s", event, r->id, state);
	metrics_count(d->metrics, "requests_final_total",
	    engine_label(d, r->action), state);
	engine_released(d, r->id);
	return 0;
}

/* Make r in memory what the transaction wrote: final, with sig. */
static void
engine_settle(struct request *r, const char *state,
    const struct signature *sig, int64_t now)
{
	snprintf(r->state, sizeof r->state, "%s", state);
	r->decided_at = now;
	r->sigs = xrealloc(r->sigs, (r->nsigs + 1) * sizeof *r->sigs);
	r->sigs[r->nsigs] = *sig;
	r->sigs[r->nsigs++].reason = xstrdup(sig->reason);
}

/* Inside an open transaction: expire id if it is still pending, signed
 * by the daemon. 1 with the settled request in *out (the caller frees),
 * 0 when it was not pending, -1 on a write error. */
static int
engine_expire_one(struct daemon *d, const char *id, int64_t now,
    struct request **out)
{
	struct request		*r;
	struct signature	 sig;
	int			 rc;

	if ((r = request_load(d->store, id)) == NULL)
		return 0;
	if (!request_pending(r)) {
		request_free(r);
		return 0;
	}
	engine_sign(d, r, "deny", "timeout", now, &sig);
	rc = engine_finalize_tx(d, r, "expired", &sig, "expired", now);
	if (rc == 0)
		rc = engine_insert_sig(d->store, r->id, &sig);
	if (rc == 0) {
		engine_settle(r, "expired", &sig, now);
		*out = r;
	} else
		request_free(r);
	free(sig.reason);
	return rc == 0 ? 1 : (rc == 1 ? 0 : -1);
}

size_t
engine_expire(struct daemon *d, char ids[][PROTO_ID_MAX + 1], size_t n,
    int64_t now)
{
	struct request	**done = xcalloc(n == 0 ? 1 : n, sizeof *done);
	size_t		  i, count = 0;
	int		  rc = 0, written;

	if (store_begin(d->store) != 0) {
		free(done);
		return 0;
	}
	for (i = 0; i < n && rc >= 0; i++)
		rc = engine_expire_one(d, ids[i], now, &done[i]);
	written = rc >= 0 && store_commit(d->store) == 0;
	if (!written) {
		store_rollback(d->store);
		log_event("error", "event=expiry_failed count=%zu msg=%s", n,
		    log_str(store_errmsg(d->store)));
	}
	/* One fsync for the batch; now tell everyone, from memory. */
	for (i = 0; i < n; i++) {
		if (written && done[i] != NULL) {
			log_event("info", "event=expired id=%s state=expired",
			    done[i]->id);
			metrics_count(d->metrics, "requests_final_total",
			    engine_label(d, done[i]->action), "expired");
			engine_resolved(d, done[i]);
			count++;
		}
		request_free(done[i]);
	}
	free(done);
	return count;
}

/* The number of approve signatures on id, inside the transaction. */
static int
engine_approvals(struct store *s, const char *id)
{
	sqlite3_stmt	*st = store_stmt(s, STMT_SIG_COUNT);
	int		 n = -1;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}

/* 1 when id is pending, read inside the caller's transaction. */
static int
engine_still_pending(struct store *s, const char *id)
{
	sqlite3_stmt	*st = store_stmt(s, STMT_REQ_STATE);
	int		 pending;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	pending = sqlite3_step(st) == SQLITE_ROW && strcmp((const char *)
	    sqlite3_column_text(st, 0), "pending") == 0;
	sqlite3_reset(st);
	return pending;
}

int
engine_record(struct daemon *d, const struct request *r,
    const struct signature *sig)
{
	int64_t	 now = clock_now_ms();
	int	 rc, n, final = 0;

	if (store_begin(d->store) != 0)
		return -1;
	/* Whatever the caller read, only a pending request takes a vote. */
	rc = engine_still_pending(d->store, r->id) ? 0 : 1;
	if (rc == 0)
		rc = engine_insert_sig(d->store, r->id, sig);
	if (rc == 0)
		rc = engine_audit(d->store, now, "signature", r, r->state, sig);
	if (rc == 0 && strcmp(sig->verdict, "deny") == 0) {
		rc = engine_finalize_tx(d, r, "denied", sig, "denied", now);
		final = 1;
	} else if (rc == 0) {
		if ((n = engine_approvals(d->store, r->id)) < 0)
			rc = -1;
		else if (n >= r->approvals_required) {
			rc = engine_finalize_tx(d, r, "approved", sig,
			    "approved", now);
			final = 1;
		}
	}
	if (rc != 0) {
		store_rollback(d->store);
		return rc;
	}
	if (engine_commit(d, r) != 0)
		return -1;
	log_event("info", "event=signature id=%s signer=%s verdict=%s",
	    r->id, sig->signer, sig->verdict);
	if (final) {
		metrics_count(d->metrics, "requests_final_total",
		    engine_label(d, r->action), strcmp(sig->verdict, "deny") == 0 ?
		    "denied" : "approved");
		metrics_latency(d->metrics, now - r->created_at);
		engine_released(d, r->id);
		if (strcmp(sig->verdict, "deny") == 0)
			suspend_denied(d, r->executor);
	}
	else
		engine_changed(d, r->id);
	return 0;
}

/* A new request from a valid submission and the policy's result. */
static struct request *
engine_new_request(struct daemon *d, const struct executor *e,
    const struct submission *sub, const struct policy_result *pr,
    const char *body, size_t len)
{
	struct request	*r = xcalloc(1, sizeof *r);
	int64_t		 now = clock_now_ms();
	cJSON		*groups;
	size_t		 i;

	request_new_id(r->id, now);
	r->executor = xstrdup(e->name);
	r->idempotency_key = sub->idempotency_key != NULL ?
	    xstrdup(sub->idempotency_key) : NULL;
	r->action = xstrdup(sub->action);
	r->target = xstrdup(sub->target);
	r->on_behalf_of = sub->on_behalf_of != NULL ?
	    xstrdup(sub->on_behalf_of) : NULL;
	r->body = xmalloc(len);
	memcpy(r->body, body, len);
	r->body_len = len;
	codec_sha256_hex(body, len, r->digest);
	r->rule = xstrdup(pr->label);
	r->approvals_required = pr->then == THEN_REVIEW ? pr->approvals : 1;
	groups = cJSON_CreateArray();
	for (i = 0; i < pr->ngroups; i++)
		cJSON_AddItemToArray(groups, cJSON_CreateString(pr->groups[i]));
	r->groups = json_print(groups);
	cJSON_Delete(groups);
	r->created_at = now;
	r->expires_at = now + pr->timeout_s * 1000;
	memcpy(r->policy_sha256, d->cfg.sha256, sizeof r->policy_sha256);
	return r;
}

/* The rows and audit entries of a new request, in an open transaction. */
static int
engine_insert_new(struct daemon *d, const struct request *r,
    const struct signature *sig)
{
	if (request_insert(d->store, r) != 0 ||
	    engine_audit(d->store, r->created_at, "submitted", r, r->state,
	    NULL) != 0)
		return -1;
	if (request_pending(r))
		return 0;
	if (engine_insert_sig(d->store, r->id, sig) != 0 ||
	    engine_audit(d->store, r->created_at, "policy_decision", r,
	    r->state, sig) != 0)
		return -1;
	return 0;
}

/* In its own transaction (admin and tests: no event loop). */
static int
engine_store_alone(struct daemon *d, const struct request *r,
    const struct signature *sig)
{
	if (store_begin(d->store) != 0)
		return -1;
	if (engine_insert_new(d, r, sig) != 0 || store_commit(d->store) != 0) {
		store_rollback(d->store);
		return -1;
	}
	return 0;
}

/* In the loop round's group, committed by batch_flush. A failed write
 * (the disk, not the request: it was checked before) takes back the whole
 * group, whose submissions are all answered with an error; none of them
 * had been acknowledged. A savepoint per submission would spare the
 * others, at 7% of the daemon's CPU on every submission. */
static int
engine_store_grouped(struct daemon *d, const struct request *r,
    const struct signature *sig)
{
	if (batch_join(d->batch) != 0)
		return -1;
	if (engine_insert_new(d, r, sig) != 0) {
		batch_abort(d->batch);
		return -1;
	}
	return 0;
}

/* Store a new request, signed by the daemon when policy decided it. */
static int
engine_store_new(struct daemon *d, struct request *r,
    const struct policy_result *pr)
{
	struct signature	 sig;
	const char		*verdict;
	int			 rc;

	memset(&sig, 0, sizeof sig);
	if (pr->then == THEN_REVIEW)
		snprintf(r->state, sizeof r->state, "pending");
	else {
		verdict = pr->then == THEN_APPROVE ? "approve" : "deny";
		snprintf(r->state, sizeof r->state, "%s",
		    pr->then == THEN_APPROVE ? "approved" : "denied");
		r->decided_at = r->created_at;
		engine_sign(d, r, verdict, pr->reason, r->created_at, &sig);
	}
	rc = d->batch != NULL ? engine_store_grouped(d, r, &sig) :
	    engine_store_alone(d, r, &sig);
	if (rc == 0 && sig.reason != NULL) {
		/* r now renders the view as stored, without reading it back. */
		r->sigs = xmalloc(sizeof *r->sigs);
		r->sigs[0] = sig;
		r->nsigs = 1;
	} else
		free(sig.reason);
	return rc;
}

/* An idempotent replay: the same key from the same executor. 1 when
 * answered (existing request, or conflict), 0 when the key is new. */
static int
engine_replay(struct daemon *d, const struct executor *e, const char *key,
    const char *body, size_t len, struct outcome *o)
{
	sqlite3_stmt	*st;
	char		 id[PROTO_ID_MAX + 1], digest[PROTO_SHA256_HEX];
	struct request	*r;

	/* The first of a pair may still be in the group: answer only what
	 * is on disk. */
	if (batch_open(d->batch))
		batch_flush(d->batch);
	st = store_stmt(d->store, STMT_REQ_BY_IDEMPOTENCY);
	sqlite3_bind_text(st, 1, e->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return 0;
	}
	snprintf(id, sizeof id, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if ((r = request_load(d->store, id)) == NULL) {
		outcome_error(o, 500, "internal", "cannot read the request");
		return 1;
	}
	codec_sha256_hex(body, len, digest);
	if (strcmp(digest, r->digest) != 0)
		outcome_error(o, 409, "conflict", "idempotency_key already "
		    "used for a different request (%s)", r->id);
	else {
		o->status = 200;
		o->view = request_view(r);
	}
	request_free(r);
	return 1;
}

/* What analysts denied of this executor, action and target in the last
 * DENY_MEMORY_MS, as JSON text, or NULL when nothing. */
static char *
engine_deny_memory(struct daemon *d, const struct executor *e,
    const struct submission *sub, int64_t now)
{
	sqlite3_stmt	*st = store_stmt(d->store, STMT_REQ_DENIED_RECENTLY);
	cJSON		*o;
	char		*text = NULL;

	sqlite3_bind_text(st, 1, sub->target, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, e->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, sub->action, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now - DENY_MEMORY_MS);
	sqlite3_bind_text(st, 5, d->cfg.signer, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "count", sqlite3_column_int(st, 0));
		cJSON_AddStringToObject(o, "by",
		    (const char *)sqlite3_column_text(st, 1));
		cJSON_AddStringToObject(o, "reason",
		    (const char *)sqlite3_column_text(st, 2));
		cJSON_AddNumberToObject(o, "last_at",
		    (double)sqlite3_column_int64(st, 3));
		text = json_print(o);
		cJSON_Delete(o);
	}
	sqlite3_reset(st);
	return text;
}

/* With "deny_repeat" on the action, a request an analyst denied lately
 * is denied again at once, saying by whom and why. */
static void
engine_deny_repeat(struct daemon *d, const char *action, const char *memory,
    struct policy_result *pr)
{
	const struct action	*a = config_action(&d->cfg, action);
	cJSON			*o;

	if (a == NULL || !a->deny_repeat || memory == NULL ||
	    (o = cJSON_Parse(memory)) == NULL)
		return;
	pr->then = THEN_DENY;
	pr->approvals = 1;
	pr->groups = NULL;
	pr->ngroups = 0;
	snprintf(pr->label, sizeof pr->label, "%s deny_repeat", action);
	snprintf(pr->reason, sizeof pr->reason, "denied %dx in the last hour "
	    "by %s: %s", cJSON_GetObjectItem(o, "count")->valueint,
	    json_string(o, "by"), json_string(o, "reason"));
	cJSON_Delete(o);
}

/* Decide, store and answer a valid submission. */
static void
engine_admit(struct daemon *d, const struct executor *e,
    const struct submission *sub, const char *body, size_t len,
    struct outcome *o)
{
	struct policy_input	in;
	struct policy_result	pr;
	struct request		*r;
	char			*memory;

	in.action = sub->action;
	in.target = sub->target;
	in.params = sub->params;
	in.timeout_s = sub->timeout_s;
	policy_decide(&d->cfg, &in, &pr);
	memory = engine_deny_memory(d, e, sub, clock_now_ms());
	if (pr.then != THEN_DENY)
		engine_deny_repeat(d, sub->action, memory, &pr);
	r = engine_new_request(d, e, sub, &pr, body, len);
	r->denied_recently = memory;
	if (engine_store_new(d, r, &pr) != 0 ||
	    (strcmp(r->state, "denied") == 0 &&
	    suspend_denied(d, e->name) != 0)) {
		outcome_error(o, 500, "internal", "cannot store the request");
		request_free(r);
		return;
	}
	log_event("info", "event=submitted id=%s executor=%s action=%s "
	    "state=%s rule=%s", r->id, e->name, r->action, r->state,
	    log_str(r->rule));
	metrics_count(d->metrics, "requests_submitted_total",
	    engine_label(d, r->action), r->state);
	o->status = request_pending(r) ? 201 : 200;
	o->view = request_view(r);
	o->batched = d->batch != NULL;
	if (request_pending(r) && o->batched)
		batch_added(d->batch, r);	/* it takes r, to announce */
	else {
		if (request_pending(r))
			engine_added(d, r);
		request_free(r);
	}
}

void
engine_submit(struct daemon *d, const struct executor *e, const char *body,
    size_t len, struct outcome *o)
{
	struct submission	sub;
	char			err[256];

	if (submit_parse(body, len, d->cfg.limits.max_timeout_s, &sub, err,
	    sizeof err) != 0) {
		outcome_error(o, 400, "bad_request", "%s", err);
		return;
	}
	if (!registry_executor_may(e, sub.action)) {
		outcome_error(o, 403, "forbidden", "executor %s may not "
		    "request %s", e->name, sub.action);
		journal_refused(d, e->name, sub.action);
	} else if (sub.idempotency_key == NULL ||
	    !engine_replay(d, e, sub.idempotency_key, body, len, o))
		engine_admit(d, e, &sub, body, len, o);
	submit_free(&sub);
}

void
engine_cancel(struct daemon *d, const struct executor *e, const char *id,
    struct outcome *o)
{
	struct request	*r;
	int		 rc;

	r = request_load(d->store, id);
	if (r == NULL || strcmp(r->executor, e->name) != 0) {
		outcome_error(o, 404, "not_found", "no such request");
		request_free(r);
		return;
	}
	rc = request_pending(r) ?
	    engine_finalize(d, r, "cancelled", NULL, "cancelled") : 1;
	if (rc == 1)
		outcome_error(o, 409, "conflict", "request is already final");
	else if (rc < 0)
		outcome_error(o, 500, "internal", "cannot cancel the request");
	else
		engine_answer(d, id, 200, o);
	request_free(r);
}

void
engine_added(struct daemon *d, const struct request *r)
{
	if (d->expiry != NULL)
		expiry_schedule(d->expiry, r->expires_at);
	if (d->hub != NULL)
		console_broadcast(d->hub, r, "request");
}

/* Push the current view of id to the consoles as type. */
static void
engine_push(struct daemon *d, const char *id, const char *type)
{
	struct request	*r;

	if (d->hub == NULL || (r = request_load(d->store, id)) == NULL)
		return;
	console_broadcast(d->hub, r, type);
	request_free(r);
}

void
engine_changed(struct daemon *d, const char *id)
{
	engine_push(d, id, "request");
}

void
engine_resolved(struct daemon *d, const struct request *r)
{
	if (d->waiters != NULL)
		waiters_release(d->waiters, r->id, r);
	if (d->hub != NULL)
		console_broadcast(d->hub, r, "resolved");
}

/* id became final: read it back once, for its waiters and the consoles. */
void
engine_released(struct daemon *d, const char *id)
{
	struct request	*r;

	if ((r = request_load(d->store, id)) != NULL)
		engine_resolved(d, r);
	else if (d->waiters != NULL)	/* each waiter tries for itself */
		waiters_release(d->waiters, id, NULL);
	request_free(r);
}
