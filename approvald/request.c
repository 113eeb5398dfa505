/* Requests: loading, storing and rendering the request view. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "approvald.h"
#include "codec.h"
#include "xmalloc.h"

static char *
request_col_text(sqlite3_stmt *st, int col)
{
	const unsigned char	*t;

	if ((t = sqlite3_column_text(st, col)) == NULL)
		return NULL;
	return xstrdup((const char *)t);
}

static void
request_copy(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	const unsigned char	*t = sqlite3_column_text(st, col);

	snprintf(dst, size, "%s", t != NULL ? (const char *)t : "");
}

/* Fill r from a STMT_REQ_GET row. */
static void
request_from_row(struct request *r, sqlite3_stmt *st)
{
	request_copy(r->id, sizeof r->id, st, 0);
	r->executor = request_col_text(st, 1);
	r->idempotency_key = request_col_text(st, 2);
	r->action = request_col_text(st, 3);
	r->target = request_col_text(st, 4);
	r->on_behalf_of = request_col_text(st, 5);
	r->body_len = (size_t)sqlite3_column_bytes(st, 6);
	r->body = xmalloc(r->body_len);
	memcpy(r->body, sqlite3_column_blob(st, 6), r->body_len);
	request_copy(r->digest, sizeof r->digest, st, 7);
	request_copy(r->state, sizeof r->state, st, 8);
	r->rule = request_col_text(st, 9);
	r->approvals_required = sqlite3_column_int(st, 10);
	r->groups = request_col_text(st, 11);
	r->created_at = sqlite3_column_int64(st, 12);
	r->expires_at = sqlite3_column_int64(st, 13);
	r->decided_at = sqlite3_column_int64(st, 14);
	r->denied_recently = request_col_text(st, 15);
	request_copy(r->policy_sha256, sizeof r->policy_sha256, st, 16);
}

static int
request_load_sigs(struct store *s, struct request *r)
{
	sqlite3_stmt		*st = store_stmt(s, STMT_SIG_LIST);
	struct signature	*sig;
	int			 rc;

	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r->sigs = xrealloc(r->sigs, (r->nsigs + 1) * sizeof *r->sigs);
		sig = &r->sigs[r->nsigs++];
		memset(sig, 0, sizeof *sig);
		request_copy(sig->signer, sizeof sig->signer, st, 0);
		request_copy(sig->verdict, sizeof sig->verdict, st, 1);
		sig->signed_at = sqlite3_column_int64(st, 2);
		sig->reason = request_col_text(st, 3);
		if (sqlite3_column_bytes(st, 4) == PROTO_SIG_BYTES)
			memcpy(sig->sig, sqlite3_column_blob(st, 4),
			    PROTO_SIG_BYTES);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

struct request *
request_load(struct store *s, const char *id)
{
	sqlite3_stmt	*st = store_stmt(s, STMT_REQ_GET);
	struct request	*r;
	int		 rc;

	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		if (rc != SQLITE_DONE)
			log_event("error", "event=db_error msg=%s",
			    log_str(store_errmsg(s)));
		sqlite3_reset(st);
		return NULL;
	}
	r = xcalloc(1, sizeof *r);
	request_from_row(r, st);
	sqlite3_reset(st);
	if (request_load_sigs(s, r) != 0) {
		log_event("error", "event=db_error msg=%s",
		    log_str(store_errmsg(s)));
		request_free(r);
		return NULL;
	}
	return r;
}

void
request_free(struct request *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nsigs; i++)
		free(r->sigs[i].reason);
	free(r->sigs);
	free(r->executor);
	free(r->idempotency_key);
	free(r->action);
	free(r->target);
	free(r->on_behalf_of);
	free(r->body);
	free(r->rule);
	free(r->groups);
	free(r->denied_recently);
	free(r);
}

static void
request_bind_opt(sqlite3_stmt *st, int col, const char *text)
{
	if (text == NULL)
		sqlite3_bind_null(st, col);
	else
		sqlite3_bind_text(st, col, text, -1, SQLITE_STATIC);
}

int
request_insert(struct store *s, const struct request *r)
{
	sqlite3_stmt	*st = store_stmt(s, STMT_REQ_INSERT);

	sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->executor, -1, SQLITE_STATIC);
	request_bind_opt(st, 3, r->idempotency_key);
	sqlite3_bind_text(st, 4, r->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->target, -1, SQLITE_STATIC);
	request_bind_opt(st, 6, r->on_behalf_of);
	sqlite3_bind_blob(st, 7, r->body, (int)r->body_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, r->digest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, r->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, r->rule, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 11, r->approvals_required);
	sqlite3_bind_text(st, 12, r->groups, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 13, r->created_at);
	sqlite3_bind_int64(st, 14, r->expires_at);
	if (r->decided_at != 0)
		sqlite3_bind_int64(st, 15, r->decided_at);
	request_bind_opt(st, 16, r->denied_recently);
	request_bind_opt(st, 17, r->policy_sha256[0] != '\0' ?
	    r->policy_sha256 : NULL);
	return store_exec(s, st);
}

int
request_state_final(const char *state)
{
	return strcmp(state, "pending") != 0;
}

int
request_pending(const struct request *r)
{
	return !request_state_final(r->state);
}

static cJSON *
request_view_sig(const struct signature *sig)
{
	cJSON	*o = cJSON_CreateObject();
	char	*b64;

	cJSON_AddStringToObject(o, "signer", sig->signer);
	cJSON_AddStringToObject(o, "verdict", sig->verdict);
	cJSON_AddNumberToObject(o, "signed_at", (double)sig->signed_at);
	cJSON_AddStringToObject(o, "reason", sig->reason);
	b64 = codec_b64_encode(sig->sig, sizeof sig->sig);
	cJSON_AddStringToObject(o, "sig", b64);
	free(b64);
	return o;
}

cJSON *
request_view(const struct request *r)
{
	cJSON	*v = cJSON_CreateObject(), *sigs;
	char	*b64;
	size_t	 i;

	cJSON_AddStringToObject(v, "id", r->id);
	cJSON_AddStringToObject(v, "state", r->state);
	cJSON_AddStringToObject(v, "action", r->action);
	cJSON_AddStringToObject(v, "target", r->target);
	cJSON_AddStringToObject(v, "executor", r->executor);
	if (r->on_behalf_of != NULL)
		cJSON_AddStringToObject(v, "on_behalf_of", r->on_behalf_of);
	else
		cJSON_AddNullToObject(v, "on_behalf_of");
	cJSON_AddNumberToObject(v, "created_at", (double)r->created_at);
	cJSON_AddNumberToObject(v, "expires_at", (double)r->expires_at);
	cJSON_AddStringToObject(v, "digest", r->digest);
	b64 = codec_b64_encode(r->body, r->body_len);
	cJSON_AddStringToObject(v, "body", b64);
	free(b64);
	cJSON_AddStringToObject(v, "rule", r->rule);
	cJSON_AddNumberToObject(v, "approvals_required",
	    r->approvals_required);
	cJSON_AddItemToObject(v, "groups", cJSON_Parse(r->groups));
	if (r->decided_at != 0)
		cJSON_AddNumberToObject(v, "decided_at", (double)r->decided_at);
	if (r->denied_recently != NULL)
		cJSON_AddItemToObject(v, "denied_recently",
		    cJSON_Parse(r->denied_recently));
	sigs = cJSON_AddArrayToObject(v, "signatures");
	for (i = 0; i < r->nsigs; i++)
		cJSON_AddItemToArray(sigs, request_view_sig(&r->sigs[i]));
	return v;
}

void
request_new_id(char out[PROTO_ID_MAX + 1], int64_t now)
{
	uint8_t	rnd[10];
	char	hex[sizeof rnd * 2 + 1];

	randombytes_buf(rnd, sizeof rnd);
	codec_hex(rnd, sizeof rnd, hex);
	snprintf(out, PROTO_ID_MAX + 1, "req_%012llx%s",
	    (unsigned long long)now & 0xffffffffffffULL, hex);
}
