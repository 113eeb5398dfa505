/* The operator's subcommands: init, analyst, executor, keys, audit. They
 * run beside a serving daemon (SQLite WAL lets both write). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "approvald.h"
#include "codec.h"
#include "json.h"
#include "keyfile.h"
#include "xmalloc.h"

#define EX_USAGE	64

static int
admin_usage(const char *msg)
{
	fprintf(stderr, "approvald: %s (see approvald --help)\n", msg);
	return EX_USAGE;
}

/* Create the daemon's signing key when it does not exist yet. */
static int
admin_ensure_key(const struct config *cfg)
{
	struct stat	st;
	char		err[512];

	if (stat(cfg->daemon_key, &st) == 0)
		return 0;
	if (keyfile_generate(cfg->daemon_key, err, sizeof err) != 0) {
		fprintf(stderr, "approvald: %s\n", err);
		return -1;
	}
	log_event("info", "event=key_created path=%s", log_str(cfg->daemon_key));
	return 0;
}

struct store *
admin_open(const struct config *cfg, int create)
{
	struct store	*s;
	struct stat	 st;
	char		 err[512];

	if (!create && stat(cfg->database, &st) != 0) {
		fprintf(stderr, "approvald: %s: no database (run "
		    "'approvald -c %s init')\n", cfg->database, cfg->path);
		return NULL;
	}
	if (create && admin_ensure_key(cfg) != 0)
		return NULL;
	if ((s = store_open(cfg->database, err, sizeof err)) == NULL)
		fprintf(stderr, "approvald: %s\n", err);
	return s;
}

int
admin_init(const struct config *cfg, int argc)
{
	struct store	*s;

	if (argc != 1)
		return admin_usage("init takes no arguments");
	if ((s = admin_open(cfg, 1)) == NULL)
		return 1;
	store_close(s);
	printf("database %s and key %s are ready\n", cfg->database,
	    cfg->daemon_key);
	return 0;
}

/* The audit entry of a change to name's row. The caller frees. */
static cJSON *
admin_entry(const char *name)
{
	cJSON	*data = cJSON_CreateObject();

	cJSON_AddStringToObject(data, "name", name);
	return data;
}

/* Add the bytes of a new row's column to its entry, as base64. */
static void
admin_entry_bytes(cJSON *data, const char *key, const uint8_t *b, size_t n)
{
	char	*b64 = codec_b64_encode(b, n);

	cJSON_AddStringToObject(data, key, b64);
	free(b64);
}

/* Append one admin event in its own transaction with the change; takes
 * data. */
static int
admin_commit(struct store *s, const char *event, cJSON *data)
{
	int	 rc;

	rc = audit_append(s, clock_now_ms(), event, data);
	cJSON_Delete(data);
	if (rc != 0 || store_commit(s) != 0) {
		store_rollback(s);
		return -1;
	}
	return 0;
}

/* Step a bound INSERT of a new analyst or executor and commit it with its
 * audit entry ("<what>_added", data: the row; taken); 0, or -1 having
 * said why. */
static int
admin_insert(struct store *s, sqlite3_stmt *st, const char *what,
    const char *name, cJSON *data)
{
	char	event[32];

	if (sqlite3_step(st) != SQLITE_DONE) {
		cJSON_Delete(data);
		fprintf(stderr, "approvald: %s %s: %s\n", what, name,
		    sqlite3_extended_errcode(s->db) ==
		    SQLITE_CONSTRAINT_PRIMARYKEY ? "already exists" :
		    store_errmsg(s));
		sqlite3_reset(st);
		store_rollback(s);
		return -1;
	}
	sqlite3_reset(st);
	snprintf(event, sizeof event, "%s_added", what);
	return admin_commit(s, event, data);
}

/* Collect repeated --flag VALUE options into a JSON array text. */
static char *
admin_collect(int argc, char **argv, const char *flag, int names)
{
	cJSON	*arr = cJSON_CreateArray();
	char	*text = NULL;
	int	 i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], flag) != 0)
			continue;
		if (i + 1 >= argc || (names && !codec_name_valid(argv[i + 1])) ||
		    (!names && !submit_action_valid(argv[i + 1])))
			goto out;
		cJSON_AddItemToArray(arr, cJSON_CreateString(argv[++i]));
	}
	text = json_print(arr);
out:
	cJSON_Delete(arr);
	return text;
}

/* The value of "--flag VALUE", or NULL. */
static const char *
admin_option(int argc, char **argv, const char *flag)
{
	int	i;

	for (i = 0; i + 1 < argc; i++) {
		if (strcmp(argv[i], flag) == 0)
			return argv[i + 1];
	}
	return NULL;
}

/* 0 when every argument from first on is one of the known flags with a
 * value. */
static int
admin_flags_known(int argc, char **argv, int first, const char *const *known)
{
	int	i, k;

	for (i = first; i < argc; i += 2) {
		for (k = 0; known[k] != NULL; k++) {
			if (strcmp(argv[i], known[k]) == 0)
				break;
		}
		if (known[k] == NULL || i + 1 >= argc)
			return -1;
	}
	return 0;
}

static int
admin_analyst_add(struct store *s, int argc, char **argv)
{
	static const char *const known[] = { "--pubkey", "--group", NULL };
	sqlite3_stmt	*st;
	uint8_t		 pk[PROTO_PK_BYTES];
	const char	*name = argv[2], *file;
	char		*groups, err[512];
	cJSON		*entry;
	int		 rc = 1;

	if (admin_flags_known(argc, argv, 3, known) != 0 ||
	    (file = admin_option(argc, argv, "--pubkey")) == NULL)
		return admin_usage("analyst add NAME --pubkey FILE "
		    "[--group G]...");
	if (!codec_name_valid(name))
		return admin_usage("analyst names are 1 to 64 of "
		    "[A-Za-z0-9_.@-]");
	if ((groups = admin_collect(argc, argv, "--group", 1)) == NULL)
		return admin_usage("group names are 1 to 64 of [A-Za-z0-9_.@-]");
	if (keyfile_load_public(file, pk, err, sizeof err) != 0) {
		fprintf(stderr, "approvald: %s\n", err);
		free(groups);
		return 1;
	}
	if (store_begin(s) != 0)
		goto out;
	st = store_stmt(s, STMT_ANALYST_INSERT);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, pk, sizeof pk, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, groups, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, clock_now_ms());
	entry = admin_entry(name);
	admin_entry_bytes(entry, "pubkey", pk, sizeof pk);
	cJSON_AddStringToObject(entry, "groups", groups);
	if (admin_insert(s, st, "analyst", name, entry) == 0) {
		printf("analyst %s added\n", name);
		rc = 0;
	}
out:
	free(groups);
	return rc;
}

static int
admin_analyst_list(struct store *s)
{
	sqlite3_stmt	*st = store_stmt(s, STMT_ANALYST_LIST);
	char		 fp[PROTO_SHA256_HEX];

	while (sqlite3_step(st) == SQLITE_ROW) {
		codec_sha256_hex(sqlite3_column_blob(st, 1),
		    (size_t)sqlite3_column_bytes(st, 1), fp);
		printf("%s\tgroups=%s\tkey=SHA256:%.16s\n",
		    sqlite3_column_text(st, 0), sqlite3_column_text(st, 2), fp);
	}
	sqlite3_reset(st);
	return 0;
}

/* Say why a change to the executor or analyst name did nothing: there is
 * none, or (executors) it is already revoked or already in the state
 * the change wanted (done). */
static void
admin_unchanged(struct store *s, const char *what, const char *name,
    const char *done)
{
	sqlite3_stmt	*st;
	int		 found, revoked = 0;

	if (strcmp(what, "executor") != 0) {
		fprintf(stderr, "approvald: no %s named %s\n", what, name);
		return;
	}
	st = store_stmt(s, STMT_EXEC_GET);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if ((found = sqlite3_step(st) == SQLITE_ROW))
		revoked = sqlite3_column_type(st, 1) != SQLITE_NULL;
	sqlite3_reset(st);
	if (!found)
		fprintf(stderr, "approvald: no executor named %s (see "
		    "'approvald executor list')\n", name);
	else if (revoked)
		fprintf(stderr, "approvald: executor %s is already revoked\n",
		    name);
	else
		fprintf(stderr, "approvald: executor %s is not %s\n", name,
		    done);
}

/* Run a one-name change (remove, revoke) with its audit event. */
static int
admin_change(struct store *s, enum stmt which, const char *name,
    const char *event, int64_t now)
{
	sqlite3_stmt	*st;

	if (store_begin(s) != 0)
		return 1;
	st = store_stmt(s, which);
	if (which == STMT_EXEC_REVOKE) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	} else
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (store_exec(s, st) != 0) {
		store_rollback(s);
		return 1;
	}
	if (sqlite3_changes(s->db) != 1) {
		store_rollback(s);
		admin_unchanged(s, which == STMT_EXEC_REVOKE ? "executor" :
		    "analyst", name, "revoked");
		return 1;
	}
	if (admin_commit(s, event, admin_entry(name)) != 0)
		return 1;
	printf("%s %s\n", name, which == STMT_EXEC_REVOKE ? "revoked" :
	    "removed");
	return 0;
}

int
admin_analyst(const struct config *cfg, int argc, char **argv)
{
	struct store	*s;
	int		 rc;

	if (argc < 2)
		return admin_usage("analyst add|list|remove");
	if (strcmp(argv[1], "add") == 0 && argc < 3)
		return admin_usage("analyst add NAME --pubkey FILE");
	if (strcmp(argv[1], "remove") == 0 && argc != 3)
		return admin_usage("analyst remove NAME");
	if (strcmp(argv[1], "list") == 0 && argc != 2)
		return admin_usage("analyst list takes no arguments");
	if ((s = admin_open(cfg, 0)) == NULL)
		return 1;
	if (strcmp(argv[1], "add") == 0)
		rc = admin_analyst_add(s, argc, argv);
	else if (strcmp(argv[1], "list") == 0)
		rc = admin_analyst_list(s);
	else if (strcmp(argv[1], "remove") == 0)
		rc = admin_change(s, STMT_ANALYST_DELETE, argv[2],
		    "analyst_removed", clock_now_ms());
	else
		rc = admin_usage("analyst add|list|remove");
	store_close(s);
	return rc;
}

/* A setup warning (lint.c), for the operator at the terminal. */
static void
admin_warn(const char *msg)
{
	fprintf(stderr, "approvald: warning: %s\n", msg);
}

/* Mint a token: shown once, stored only as its SHA-256. */
static int
admin_executor_add(const struct config *cfg, struct store *s, int argc,
    char **argv)
{
	static const char *const known[] = { "--scope", NULL };
	sqlite3_stmt	*st;
	uint8_t		 raw[32], hash[32];
	char		 token[sizeof REGISTRY_TOKEN_PREFIX + 64], *scopes;
	const char	*name = argv[2];
	cJSON		*entry;
	int		 rc = 1;

	if (admin_flags_known(argc, argv, 3, known) != 0)
		return admin_usage("executor add NAME [--scope ACTION]...");
	if (!codec_name_valid(name))
		return admin_usage("executor names are 1 to 64 of "
		    "[A-Za-z0-9_.@-]");
	if ((scopes = admin_collect(argc, argv, "--scope", 0)) == NULL)
		return admin_usage("a scope is an action name");
	randombytes_buf(raw, sizeof raw);
	memcpy(token, REGISTRY_TOKEN_PREFIX, strlen(REGISTRY_TOKEN_PREFIX));
	codec_hex(raw, sizeof raw, token + strlen(REGISTRY_TOKEN_PREFIX));
	codec_sha256(token, strlen(token), hash);
	if (store_begin(s) != 0)
		goto out;
	st = store_stmt(s, STMT_EXEC_INSERT);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, hash, sizeof hash, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, scopes, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, clock_now_ms());
	entry = admin_entry(name);
	admin_entry_bytes(entry, "token_hash", hash, sizeof hash);
	cJSON_AddStringToObject(entry, "scopes", scopes);
	if (admin_insert(s, st, "executor", name, entry) == 0) {
		printf("%s\n", token);
		lint_scopes(cfg, name, scopes, admin_warn);
		rc = 0;
	}
out:
	sodium_memzero(raw, sizeof raw);
	sodium_memzero(token, sizeof token);
	free(scopes);
	return rc;
}

static int
admin_executor_list(struct store *s)
{
	sqlite3_stmt	*st = store_stmt(s, STMT_EXEC_LIST);

	while (sqlite3_step(st) == SQLITE_ROW) {
		printf("%s\tscopes=%s\t%s\n", sqlite3_column_text(st, 0),
		    sqlite3_column_text(st, 1),
		    sqlite3_column_type(st, 3) != SQLITE_NULL ? "revoked" :
		    sqlite3_column_type(st, 4) != SQLITE_NULL ? "suspended" :
		    "active");
	}
	sqlite3_reset(st);
	return 0;
}

/* Lift the circuit breaker's suspension (suspend.c). */
static int
admin_executor_resume(struct store *s, const char *name)
{
	switch (suspend_resume(s, name)) {
	case 0:
		printf("executor %s resumed\n", name);
		return 0;
	case 1:
		admin_unchanged(s, "executor", name, "suspended");
		return 1;
	default:
		fprintf(stderr, "approvald: executor %s: %s\n", name,
		    store_errmsg(s));
		return 1;
	}
}

int
admin_executor(const struct config *cfg, int argc, char **argv)
{
	struct store	*s;
	int		 rc;

	if (argc < 2 || (strcmp(argv[1], "add") == 0 && argc < 3) ||
	    (strcmp(argv[1], "revoke") == 0 && argc != 3) ||
	    (strcmp(argv[1], "resume") == 0 && argc != 3) ||
	    (strcmp(argv[1], "list") == 0 && argc != 2))
		return admin_usage("executor add NAME [--scope ACTION]... | "
		    "list | revoke NAME | resume NAME");
	if ((s = admin_open(cfg, 0)) == NULL)
		return 1;
	if (strcmp(argv[1], "add") == 0)
		rc = admin_executor_add(cfg, s, argc, argv);
	else if (strcmp(argv[1], "list") == 0)
		rc = admin_executor_list(s);
	else if (strcmp(argv[1], "revoke") == 0)
		rc = admin_change(s, STMT_EXEC_REVOKE, argv[2],
		    "executor_revoked", clock_now_ms());
	else if (strcmp(argv[1], "resume") == 0)
		rc = admin_executor_resume(s, argv[2]);
	else
		rc = admin_usage("executor add|list|revoke|resume");
	store_close(s);
	return rc;
}

/* 0 when the chain is intact and backs every table: executors trust
 * what keys export prints, so it prints nothing the chain does not back. */
static int
admin_keys_backed(struct store *s)
{
	char	why[512];
	int64_t	bad;

	if (audit_verify(s, &bad, why, sizeof why) != 0) {
		fprintf(stderr, "approvald: keys export: audit chain broken at "
		    "entry %" PRId64 ": %s\n", bad, why);
		return -1;
	}
	if (auditstate_check(s, stderr) != 0) {
		fprintf(stderr, "approvald: keys export: refused: the tables "
		    "hold state the audit chain does not back\n");
		return -1;
	}
	return 0;
}

int
admin_keys(const struct config *cfg, int argc, char **argv)
{
	struct store	*s;
	struct keypair	*kp;
	sqlite3_stmt	*st;
	char		 err[512], *line;

	if (argc != 2 || strcmp(argv[1], "export") != 0)
		return admin_usage("keys export");
	if ((s = admin_open(cfg, 0)) == NULL)
		return 1;
	if (admin_keys_backed(s) != 0) {
		store_close(s);
		return 1;
	}
	if ((kp = keyfile_load_private(cfg->daemon_key, err, sizeof err)) ==
	    NULL) {
		fprintf(stderr, "approvald: %s\n", err);
		store_close(s);
		return 1;
	}
	line = keyfile_public_line(kp->pk);
	keyfile_free(kp);
	printf("%s %s\n", cfg->signer, line);
	free(line);
	st = store_stmt(s, STMT_ANALYST_LIST);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 1) != PROTO_PK_BYTES)
			continue;
		line = keyfile_public_line(sqlite3_column_blob(st, 1));
		printf("%s %s\n", sqlite3_column_text(st, 0), line);
		free(line);
	}
	sqlite3_reset(st);
	store_close(s);
	return 0;
}
