/* Who may talk to the daemon: executors by bearer token (stored as its
 * SHA-256 only) and analysts by Ed25519 public key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "approvald.h"
#include "codec.h"
#include "xmalloc.h"

int
registry_executor_auth(struct store *s, const char *token,
    struct executor *out)
{
	sqlite3_stmt	*st;
	uint8_t		 hash[32];
	int		 rc = -1;

	memset(out, 0, sizeof *out);
	if (strncmp(token, REGISTRY_TOKEN_PREFIX,
	    strlen(REGISTRY_TOKEN_PREFIX)) != 0 || strlen(token) > 256)
		return -1;
	codec_sha256(token, strlen(token), hash);
	st = store_stmt(s, STMT_EXEC_BY_HASH);
	sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 1) == sizeof hash &&
	    sodium_memcmp(sqlite3_column_blob(st, 1), hash, sizeof hash) == 0) {
		snprintf(out->name, sizeof out->name, "%s",
		    (const char *)sqlite3_column_text(st, 0));
		out->scopes = xstrdup((const char *)sqlite3_column_text(st, 2));
		rc = 0;
	}
	sqlite3_reset(st);
	return rc;
}

void
registry_executor_clear(struct executor *e)
{
	free(e->scopes);
	memset(e, 0, sizeof *e);
}

int
registry_list_has(const char *list, const char *name)
{
	cJSON		*arr;
	const cJSON	*item;
	int		 found = 0;

	if ((arr = cJSON_Parse(list)) == NULL)
		return 0;
	cJSON_ArrayForEach(item, arr) {
		if (cJSON_IsString(item) && strcmp(item->valuestring, name) == 0)
			found = 1;
	}
	cJSON_Delete(arr);
	return found;
}

int
registry_executor_may(const struct executor *e, const char *action)
{
	return registry_list_has(e->scopes, action);
}

int
registry_analyst_get(struct store *s, const char *name, struct analyst *out)
{
	sqlite3_stmt	*st = store_stmt(s, STMT_ANALYST_GET);
	int		 rc;

	memset(out, 0, sizeof *out);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == PROTO_PK_BYTES) {
		snprintf(out->name, sizeof out->name, "%s", name);
		memcpy(out->pk, sqlite3_column_blob(st, 1), PROTO_PK_BYTES);
		out->groups = xstrdup((const char *)sqlite3_column_text(st, 2));
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 1 : -1;
}

void
registry_analyst_clear(struct analyst *a)
{
	free(a->groups);
	memset(a, 0, sizeof *a);
}
