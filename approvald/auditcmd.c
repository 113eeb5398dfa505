/*
 * approvald audit verify|export|checkpoint|adopt.
 *
 * A checkpoint is the chain's head (seq and hash) signed by the daemon's
 * key. Kept somewhere the database's owner cannot write, it lets
 * `audit verify --checkpoint FILE` detect a chain that was rewritten
 * whole or cut short, which the chain alone cannot show.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "approvald.h"
#include "codec.h"
#include "fileio.h"
#include "json.h"
#include "keyfile.h"
#include "redact.h"
#include "xmalloc.h"

#define EX_USAGE		64
#define CHECKPOINT_TAG		"approve-audit-checkpoint-v1"
#define CHECKPOINT_MAX		4096

/* The bytes a checkpoint signs. The caller frees. */
static char *
auditcmd_checkpoint_bytes(int64_t seq, const char *hash, int64_t at,
    const char *signer, size_t *len)
{
	char	*out;

	*len = (size_t)xasprintf(&out, "%s\nseq:%" PRId64 "\nhash:%s\nat:%"
	    PRId64 "\nsigner:%s\n", CHECKPOINT_TAG, seq, hash, at, signer);
	return out;
}

static int
auditcmd_checkpoint(const struct config *cfg, struct store *s)
{
	struct keypair	*kp;
	uint8_t		 head[AUDIT_HASH_BYTES], sig[PROTO_SIG_BYTES];
	char		 hex[2 * AUDIT_HASH_BYTES + 1], err[512], *msg, *b64;
	int64_t		 seq, at = clock_now_ms();
	size_t		 len;

	if (audit_head(s, &seq, head) != 0) {
		fprintf(stderr, "approvald: cannot read the audit log\n");
		return 1;
	}
	if ((kp = keyfile_load_private(cfg->daemon_key, err, sizeof err)) ==
	    NULL) {
		fprintf(stderr, "approvald: %s\n", err);
		return 1;
	}
	codec_hex(head, sizeof head, hex);
	msg = auditcmd_checkpoint_bytes(seq, hex, at, cfg->signer, &len);
	crypto_sign_detached(sig, NULL, (uint8_t *)msg, len, kp->sk);
	keyfile_free(kp);
	free(msg);
	b64 = codec_b64_encode(sig, sizeof sig);
	printf("{\"type\":\"%s\",\"seq\":%" PRId64 ",\"hash\":\"%s\",\"at\":%"
	    PRId64 ",\"signer\":\"%s\",\"sig\":\"%s\"}\n", CHECKPOINT_TAG, seq,
	    hex, at, cfg->signer, b64);
	free(b64);
	return 0;
}

/* 0 when the checkpoint is signed by the daemon's key and the chain still
 * holds its head; else -1 with why. */
static int
auditcmd_check_point(const struct config *cfg, struct store *s,
    const cJSON *cp, char *why, size_t whylen)
{
	struct keypair	*kp;
	uint8_t		 sig[PROTO_SIG_BYTES], hash[AUDIT_HASH_BYTES];
	const char	*hex = json_string(cp, "hash"), *sig64 = json_string(cp,
			    "sig"), *signer = json_string(cp, "signer");
	char		 have[2 * AUDIT_HASH_BYTES + 1], *msg;
	int64_t		 seq, at;
	size_t		 len;
	int		 rc;

	if (hex == NULL || sig64 == NULL || signer == NULL ||
	    json_int(cp, "seq", 0, INT64_MAX, &seq) != 0 ||
	    json_int(cp, "at", 0, INT64_MAX, &at) != 0 ||
	    codec_b64_decode_exact(sig64, sig, sizeof sig) != 0) {
		snprintf(why, whylen, "the checkpoint is malformed");
		return -1;
	}
	if ((kp = keyfile_load_private(cfg->daemon_key, why, whylen)) == NULL)
		return -1;
	msg = auditcmd_checkpoint_bytes(seq, hex, at, signer, &len);
	rc = crypto_sign_verify_detached(sig, (uint8_t *)msg, len, kp->pk);
	keyfile_free(kp);
	free(msg);
	if (rc != 0) {
		snprintf(why, whylen, "the checkpoint's signature does not verify");
		return -1;
	}
	if (seq == 0)
		return 0;
	if (audit_hash_at(s, seq, hash) != 0) {
		snprintf(why, whylen, "entry %" PRId64 " of the checkpoint is "
		    "gone: the log was cut short", seq);
		return -1;
	}
	codec_hex(hash, sizeof hash, have);
	if (strcmp(have, hex) != 0) {
		snprintf(why, whylen, "entry %" PRId64 " differs from the "
		    "checkpoint: the log was rewritten", seq);
		return -1;
	}
	return 0;
}

static int
auditcmd_verify(const struct config *cfg, struct store *s, const char *cpfile)
{
	cJSON	*cp;
	char	 why[512], err[512], *buf;
	int64_t	 bad;
	size_t	 len;

	if (audit_verify(s, &bad, why, sizeof why) != 0) {
		printf("audit chain broken at entry %" PRId64 ": %s\n", bad, why);
		return 1;
	}
	if (cpfile != NULL) {
		if (fileio_read(cpfile, CHECKPOINT_MAX, &buf, &len, err,
		    sizeof err) != 0) {
			fprintf(stderr, "approvald: %s\n", err);
			return 1;
		}
		cp = json_parse(buf, len, err, sizeof err);
		free(buf);
		if (cp == NULL || auditcmd_check_point(cfg, s, cp, why,
		    sizeof why) != 0) {
			printf("audit chain does not match the checkpoint: %s\n",
			    cp == NULL ? err : why);
			cJSON_Delete(cp);
			return 1;
		}
		cJSON_Delete(cp);
	}
	/* The chain is sound: now the tables must be what it records. */
	if (auditstate_check(s, stdout) != 0) {
		printf("the tables hold state the audit chain does not "
		    "back\n");
		return 1;
	}
	printf("audit chain intact; the tables match it\n");
	return 0;
}

/* Record whole, in the chain, the rows it backs only partly (written
 * before entries recorded whole rows); only while the tables match it. */
static int
auditcmd_adopt(struct store *s)
{
	char	why[512];
	int64_t	bad;
	size_t	n;

	if (audit_verify(s, &bad, why, sizeof why) != 0) {
		printf("audit chain broken at entry %" PRId64 ": %s\n", bad,
		    why);
		return 1;
	}
	if (auditstate_adopt(s, stdout, &n) != 0) {
		printf("nothing adopted\n");
		return 1;
	}
	printf("%zu rows adopted: the audit chain records them whole\n", n);
	return 0;
}

/* Redact the free-text members of one entry's data in place. */
static void
auditcmd_redact(cJSON *data)
{
	static const char *const keys[] = { "target", "reason", NULL };
	cJSON	*item;
	char	*clean;
	size_t	 i;

	for (i = 0; keys[i] != NULL; i++) {
		item = cJSON_GetObjectItemCaseSensitive(data, keys[i]);
		if (!cJSON_IsString(item))
			continue;
		clean = redact_text(item->valuestring);
		cJSON_SetValuestring(item, clean);
		free(clean);
	}
}

static int
auditcmd_export(struct store *s)
{
	sqlite3_stmt	*st = store_stmt(s, STMT_AUDIT_ALL);
	cJSON		*line, *data;
	char		 hex[2 * AUDIT_HASH_BYTES + 1], *text;

	while (sqlite3_step(st) == SQLITE_ROW) {
		line = cJSON_CreateObject();
		cJSON_AddNumberToObject(line, "seq",
		    (double)sqlite3_column_int64(st, 0));
		cJSON_AddNumberToObject(line, "at",
		    (double)sqlite3_column_int64(st, 1));
		cJSON_AddStringToObject(line, "event",
		    (const char *)sqlite3_column_text(st, 2));
		data = cJSON_Parse((const char *)sqlite3_column_text(st, 3));
		if (data != NULL)
			auditcmd_redact(data);
		cJSON_AddItemToObject(line, "data", data != NULL ? data :
		    cJSON_CreateNull());
		if (sqlite3_column_bytes(st, 5) == AUDIT_HASH_BYTES) {
			codec_hex(sqlite3_column_blob(st, 5), AUDIT_HASH_BYTES,
			    hex);
			cJSON_AddStringToObject(line, "hash", hex);
		}
		text = json_print(line);
		printf("%s\n", text);
		free(text);
		cJSON_Delete(line);
	}
	sqlite3_reset(st);
	return fflush(stdout) == 0 ? 0 : 1;
}

int
admin_audit(const struct config *cfg, int argc, char **argv)
{
	struct store	*s;
	const char	*cp = NULL;
	int		 rc;

	if (argc == 4 && strcmp(argv[1], "verify") == 0 &&
	    strcmp(argv[2], "--checkpoint") == 0)
		cp = argv[3];
	else if (argc != 2 || (strcmp(argv[1], "verify") != 0 &&
	    strcmp(argv[1], "export") != 0 &&
	    strcmp(argv[1], "checkpoint") != 0 &&
	    strcmp(argv[1], "adopt") != 0)) {
		fprintf(stderr, "approvald: audit verify [--checkpoint FILE] | "
		    "export | checkpoint | adopt\n");
		return EX_USAGE;
	}
	if ((s = admin_open(cfg, 0)) == NULL)
		return 1;
	if (strcmp(argv[1], "verify") == 0)
		rc = auditcmd_verify(cfg, s, cp);
	else if (strcmp(argv[1], "export") == 0)
		rc = auditcmd_export(s);
	else if (strcmp(argv[1], "adopt") == 0)
		rc = auditcmd_adopt(s);
	else
		rc = auditcmd_checkpoint(cfg, s);
	store_close(s);
	return rc;
}
