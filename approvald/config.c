/*
 * The configuration file of CONTRACT §2. It is read bounded, parsed
 * strictly (UTF-8, no duplicate keys) and every key is checked before
 * anything uses it: a key this file does not know is a mistake, never
 * something to skip, because a misspelt "when" would otherwise turn a deny
 * rule into one that always holds. Every error names the file, the key path
 * ("actions.refund.rules[0].when.gte") and the problem; on error nothing of
 * the half-read configuration survives.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <inttypes.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approvald.h"
#include "codec.h"
#include "fileio.h"
#include "json.h"
#include "xmalloc.h"

#define CONFIG_FILE_MAX		(1024 * 1024)
#define CONFIG_KEYPATH_MAX	256	/* longer key paths are cut short */
#define CONFIG_FILENAME_MAX	4096
#define CONFIG_RULES_MAX	256
#define CONFIG_GLOBS_MAX	64
#define CONFIG_GLOB_MAX		(2 * PROTO_TARGET_MAX)
#define CONFIG_CIDRS_MAX	256
#define CONFIG_GROUPS_MAX	64
#define CONFIG_APPROVALS_MAX	16
#define CONFIG_PARAM_MAX	256
#define CONFIG_TIMEOUT_MAX	31536000	/* one year */

#define CONFIG_THEN_PROBLEM	"must be \"deny\", \"approve\" or \"review\""
#define CONFIG_OPS_LIST		"lt, lte, gt, gte or eq"
#define CONFIG_COMMENT_KEY	"_comment"

/* One load in progress: where errors go and the key path being checked. */
struct config_ctx {
	const char	*file;
	char		*err;
	size_t		 errlen;
	char		 keypath[CONFIG_KEYPATH_MAX];
	size_t		 len;
};

static int	config_error(struct config_ctx *, const char *, const char *,
		    ...) __attribute__((format(printf, 3, 4)));

static const char *const config_top_keys[] = {
	"listen", "database", "daemon_key", "signer", "limits", "actions",
	"tls", "insecure_plaintext", NULL
};
static const char *const config_tls_keys[] = {
	"cert", "key", NULL
};
static const char *const config_limits_keys[] = {
	"max_body_bytes", "rate_per_minute", "max_timeout_s",
	"max_connections", "keepalive_s", "suspend_after", NULL
};
static const char *const config_suspend_keys[] = {
	"denials", "window_s", NULL
};
static const char *const config_action_keys[] = {
	"timeout_s", "rules", "deny_repeat", NULL
};
static const char *const config_rule_keys[] = {
	"when", "then", "reason", "approvals", "groups", "timeout_s", NULL
};
static const char *const config_when_keys[] = {
	"target_glob", "target_cidr", "param", "lt", "lte", "gt", "gte", "eq",
	NULL
};
static const char *const config_ops[] = {
	[OP_LT] = "lt",
	[OP_LTE] = "lte",
	[OP_GT] = "gt",
	[OP_GTE] = "gte",
	[OP_EQ] = "eq"
};

/* Append s to the key path; bytes that could upset a terminal become '?'. */
static void
config_append(struct config_ctx *ctx, const char *s)
{
	unsigned char	c;

	for (; *s != '\0' && ctx->len + 1 < sizeof ctx->keypath; s++) {
		c = (unsigned char)*s;
		ctx->keypath[ctx->len++] = (c < 0x20 || c >= 0x7f) ? '?' : c;
	}
	ctx->keypath[ctx->len] = '\0';
}

/* Step into member key; returns the length to go back to. */
static size_t
config_enter(struct config_ctx *ctx, const char *key)
{
	size_t	old = ctx->len;

	if (ctx->len != 0)
		config_append(ctx, ".");
	config_append(ctx, key[0] == '\0' ? "\"\"" : key);
	return old;
}

/* Step into element i of an array; returns the length to go back to. */
static size_t
config_enter_index(struct config_ctx *ctx, size_t i)
{
	char	buf[32];
	size_t	old = ctx->len;

	snprintf(buf, sizeof buf, "[%zu]", i);
	config_append(ctx, buf);
	return old;
}

/* Step back out to a length config_enter returned. */
static void
config_leave(struct config_ctx *ctx, size_t old)
{
	ctx->len = old;
	ctx->keypath[old] = '\0';
}

/* Report "FILE: KEYPATH.key: problem" (key may be NULL); always -1. */
static int
config_error(struct config_ctx *ctx, const char *key, const char *fmt, ...)
{
	char	problem[512];
	va_list	ap;
	size_t	old = ctx->len;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof problem, fmt, ap);
	va_end(ap);
	if (key != NULL)
		config_enter(ctx, key);
	if (ctx->len == 0)
		snprintf(ctx->err, ctx->errlen, "%s: %s", ctx->file, problem);
	else
		snprintf(ctx->err, ctx->errlen, "%s: %s: %s", ctx->file,
		    ctx->keypath, problem);
	config_leave(ctx, old);
	return -1;
}

/* Fail on the first member of obj whose key is not in the list. Every
 * object with a fixed set of keys also takes "_comment", a note for
 * people that the daemon reads past: a string, or an array of strings. */
static int
config_known(struct config_ctx *ctx, const cJSON *obj,
    const char *const *keys)
{
	const cJSON	*item, *line;
	size_t		 i;

	cJSON_ArrayForEach(item, obj) {
		if (strcmp(item->string, CONFIG_COMMENT_KEY) == 0) {
			cJSON_ArrayForEach(line, item) {
				if (!cJSON_IsString(line))
					break;
			}
			if (!cJSON_IsString(item) && (!cJSON_IsArray(item) ||
			    line != NULL))
				return config_error(ctx, item->string, "must "
				    "be a string or an array of strings");
			continue;
		}
		for (i = 0; keys[i] != NULL; i++) {
			if (strcmp(item->string, keys[i]) == 0)
				break;
		}
		if (keys[i] == NULL)
			return config_error(ctx, item->string, "unknown key");
	}
	return 0;
}

/* The member key of obj, or NULL. */
static const cJSON *
config_get(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* Read an optional integer in [min, max]; *out is left alone when absent. */
static int
config_int(struct config_ctx *ctx, const cJSON *obj, const char *key,
    int64_t min, int64_t max, int64_t *out)
{
	if (config_get(obj, key) == NULL)
		return 0;
	if (json_int(obj, key, min, max, out) != 0) {
		return config_error(ctx, key,
		    "must be an integer from %" PRId64 " to %" PRId64, min, max);
	}
	return 0;
}

/* Find a key that appears twice in one object; 1 with the key path set. */
static int
config_find_duplicate(struct config_ctx *ctx, const cJSON *item)
{
	const cJSON	*a, *b;
	size_t		 old, i = 0;

	for (a = item->child; a != NULL; a = a->next, i++) {
		if (cJSON_IsObject(item)) {
			old = config_enter(ctx, a->string);
			for (b = a->next; b != NULL; b = b->next) {
				if (strcmp(a->string, b->string) == 0)
					return 1;
			}
		} else
			old = config_enter_index(ctx, i);
		if (config_find_duplicate(ctx, a))
			return 1;
		config_leave(ctx, old);
	}
	return 0;
}

/* Report where the text stops being JSON, as a line and a column. */
static int
config_syntax_error(struct config_ctx *ctx, const char *buf, size_t len,
    const char *at)
{
	size_t	line = 1, column = 1;
	size_t	i, stop;

	stop = (at != NULL && at >= buf && at <= buf + len) ?
	    (size_t)(at - buf) : len;
	for (i = 0; i < stop; i++) {
		if (buf[i] == '\n') {
			line++;
			column = 1;
		} else
			column++;
	}
	return config_error(ctx, NULL, "line %zu, column %zu: not valid JSON",
	    line, column);
}

/* Parse the text strictly; on failure say where, as far as cJSON can. */
static cJSON *
config_parse(struct config_ctx *ctx, const char *buf, size_t len)
{
	char		 jerr[256];
	const char	*end = NULL;
	cJSON		*root, *loose;

	if (!codec_utf8_valid(buf, len)) {
		config_error(ctx, NULL, "not valid UTF-8");
		return NULL;
	}
	if ((root = json_parse(buf, len, jerr, sizeof jerr)) != NULL)
		return root;
	/* json_parse says what is wrong but not where: ask cJSON. */
	loose = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (loose == NULL)
		config_syntax_error(ctx, buf, len, end);
	else if (config_find_duplicate(ctx, loose))
		config_error(ctx, NULL, "duplicate key");
	else
		config_error(ctx, NULL, "%s", jerr);
	cJSON_Delete(loose);
	return NULL;
}

/* Read "PORT" as 1 to 65535 written in plain decimal. */
static int
config_port(const char *s, int *port)
{
	size_t	i;
	long	v = 0;

	if (s[0] == '\0' || s[0] == '0' || strlen(s) > 5)
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

/* 1 for an IPv4 address or a host name: letters, digits, '.' and '-'. */
static int
config_host_valid(const char *host)
{
	size_t	len, i;
	char	c;

	len = strlen(host);
	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		c = host[i];
		if ((c < 'a' || c > 'z') && (c < 'A' || c > 'Z') &&
		    (c < '0' || c > '9') && c != '.' && c != '-')
			return 0;
	}
	return 1;
}

/* Split "HOST:PORT" or "[IPV6]:PORT"; the host is returned allocated. */
static int
config_split_listen(const char *s, char **host, int *port)
{
	const char	*colon;
	char		*h;
	uint8_t		 a6[16];
	int		 ok;

	if ((colon = strrchr(s, ':')) == NULL || config_port(colon + 1,
	    port) != 0)
		return -1;
	if (s[0] == '[') {
		/* colon > s as s[0] is '[', and colon[-1] == ']' puts it past 1 */
		if (colon[-1] != ']')
			return -1;
		h = xstrndup(s + 1, (size_t)(colon - s - 2));
		ok = inet_pton(AF_INET6, h, a6) == 1;
	} else {
		h = xstrndup(s, (size_t)(colon - s));
		ok = config_host_valid(h);
	}
	if (!ok) {
		free(h);
		return -1;
	}
	*host = h;
	return 0;
}

/* The optional string at key, def when absent; NULL when not a string. */
static const char *
config_string(struct config_ctx *ctx, const cJSON *obj, const char *key,
    const char *def)
{
	const cJSON	*item;

	if ((item = config_get(obj, key)) == NULL)
		return def;
	if (!cJSON_IsString(item)) {
		config_error(ctx, key, "must be a string");
		return NULL;
	}
	return item->valuestring;
}

/* Read "listen" into the host and the port. */
static int
config_listen(struct config_ctx *ctx, const cJSON *root, struct config *cfg)
{
	const char	*s;

	s = config_string(ctx, root, "listen", PROTO_DEFAULT_LISTEN);
	if (s == NULL)
		return -1;
	if (config_split_listen(s, &cfg->listen_host, &cfg->listen_port) != 0) {
		return config_error(ctx, "listen", "must be \"HOST:PORT\" or "
		    "\"[IPV6]:PORT\" with a port from 1 to 65535");
	}
	return 0;
}

/* Read a file name; a relative one is taken from the config's folder. */
static int
config_filename(struct config_ctx *ctx, const cJSON *root, const char *key,
    const char *def, char **out)
{
	const char	*s;
	char		*copy, *dir;
	size_t		 len;

	if ((s = config_string(ctx, root, key, def)) == NULL)
		return -1;
	len = strlen(s);
	if (len == 0 || len >= CONFIG_FILENAME_MAX ||
	    codec_has_control(s, len)) {
		return config_error(ctx, key, "must be a file name of 1 to %d "
		    "bytes without control characters", CONFIG_FILENAME_MAX - 1);
	}
	copy = xstrdup(ctx->file);
	dir = dirname(copy);
	if (s[0] == '/' || strcmp(dir, ".") == 0)
		*out = xstrdup(s);
	else if (strcmp(dir, "/") == 0)
		xasprintf(out, "/%s", s);
	else
		xasprintf(out, "%s/%s", dir, s);
	free(copy);
	return 0;
}

/* An optional boolean member; absent is false. */
static int
config_bool(struct config_ctx *ctx, const cJSON *obj, const char *key,
    int *out)
{
	const cJSON	*item = cJSON_GetObjectItemCaseSensitive(obj, key);

	*out = 0;
	if (item == NULL)
		return 0;
	if (!cJSON_IsBool(item))
		return config_error(ctx, key, "must be true or false");
	*out = cJSON_IsTrue(item);
	return 0;
}

/* 1 when the listen host is a loopback address. */
static int
config_loopback(const char *host)
{
	struct in6_addr	a6;
	struct in_addr	a4;

	if (strcmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* Read "tls" and "insecure_plaintext": plain text only on loopback, unless
 * the operator says so in as many words. */
static int
config_tls(struct config_ctx *ctx, const cJSON *root, struct config *cfg)
{
	const cJSON	*tls = config_get(root, "tls");
	size_t		 old;

	if (config_bool(ctx, root, "insecure_plaintext",
	    &cfg->insecure_plaintext) != 0)
		return -1;
	if (tls == NULL) {
		if (!cfg->insecure_plaintext && !config_loopback(cfg->listen_host))
			return config_error(ctx, "listen", "%s is not a loopback "
			    "address: set \"tls\" (or \"insecure_plaintext\": "
			    "true)", cfg->listen_host);
		return 0;
	}
	old = config_enter(ctx, "tls");
	if (!cJSON_IsObject(tls))
		return config_error(ctx, NULL, "must be an object with cert "
		    "and key");
	if (config_known(ctx, tls, config_tls_keys) != 0)
		return -1;
	if (config_get(tls, "cert") == NULL || config_get(tls, "key") == NULL)
		return config_error(ctx, NULL, "needs both cert and key");
	if (config_filename(ctx, tls, "cert", NULL, &cfg->tls_cert) != 0 ||
	    config_filename(ctx, tls, "key", NULL, &cfg->tls_key) != 0)
		return -1;
	config_leave(ctx, old);
	return 0;
}

/* Read "signer", the name the daemon signs its own decisions with. */
static int
config_signer(struct config_ctx *ctx, const cJSON *root, struct config *cfg)
{
	const char	*s;

	if ((s = config_string(ctx, root, "signer", "approvald")) == NULL)
		return -1;
	if (!codec_name_valid(s)) {
		return config_error(ctx, "signer", "must be 1 to %d letters, "
		    "digits, '_', '.', '@' or '-', starting with a letter or "
		    "a digit", PROTO_NAME_MAX);
	}
	cfg->signer = xstrdup(s);
	return 0;
}

/* Read "limits.suspend_after", the circuit breaker: off when absent. */
static int
config_suspend(struct config_ctx *ctx, const cJSON *limits, struct limits *l)
{
	const cJSON	*obj;
	size_t		 old;

	l->suspend_denials = 0;
	l->suspend_window_s = 0;
	if ((obj = config_get(limits, "suspend_after")) == NULL)
		return 0;
	old = config_enter(ctx, "suspend_after");
	if (!cJSON_IsObject(obj))
		return config_error(ctx, NULL, "must be an object");
	if (config_get(obj, "denials") == NULL ||
	    config_get(obj, "window_s") == NULL)
		return config_error(ctx, NULL, "needs both \"denials\" and "
		    "\"window_s\"");
	if (config_known(ctx, obj, config_suspend_keys) != 0 ||
	    config_int(ctx, obj, "denials", 1, 100000,
	    &l->suspend_denials) != 0 ||
	    config_int(ctx, obj, "window_s", 1, 86400,
	    &l->suspend_window_s) != 0)
		return -1;
	config_leave(ctx, old);
	return 0;
}

/* Read "limits"; every member has a default. */
static int
config_limits(struct config_ctx *ctx, const cJSON *root, struct limits *l)
{
	const cJSON	*obj;
	int64_t		 body = 65536;
	size_t		 old;

	l->max_body_bytes = (size_t)body;
	l->rate_per_minute = 600;
	l->max_timeout_s = 86400;
	l->max_connections = 16384;
	l->keepalive_s = 30;
	if ((obj = config_get(root, "limits")) == NULL)
		return 0;
	old = config_enter(ctx, "limits");
	if (!cJSON_IsObject(obj))
		return config_error(ctx, NULL, "must be an object");
	if (config_known(ctx, obj, config_limits_keys) != 0 ||
	    config_int(ctx, obj, "max_body_bytes", 1024, 16777216,
	    &body) != 0 ||
	    config_int(ctx, obj, "rate_per_minute", 1, 1000000,
	    &l->rate_per_minute) != 0 ||
	    config_int(ctx, obj, "max_timeout_s", 1, CONFIG_TIMEOUT_MAX,
	    &l->max_timeout_s) != 0 ||
	    config_int(ctx, obj, "max_connections", 16, 1000000,
	    &l->max_connections) != 0 ||
	    config_int(ctx, obj, "keepalive_s", 1, 3600,
	    &l->keepalive_s) != 0 ||
	    config_suspend(ctx, obj, l) != 0)
		return -1;
	l->max_body_bytes = (size_t)body;
	config_leave(ctx, old);
	return 0;
}

/* 1 for an action name: ^[a-z][a-z0-9_.-]{0,63}$. */
static int
config_action_name_valid(const char *name)
{
	size_t	len, i;
	char	c;

	len = strlen(name);
	if (len == 0 || len > PROTO_ACTION_MAX || name[0] < 'a' ||
	    name[0] > 'z')
		return 0;
	for (i = 1; i < len; i++) {
		c = name[i];
		if ((c < 'a' || c > 'z') && (c < '0' || c > '9') &&
		    c != '_' && c != '.' && c != '-')
			return 0;
	}
	return 1;
}

/* Read one fnmatch pattern of target_glob. */
static int
config_glob(struct config_ctx *ctx, const cJSON *item, char **out)
{
	size_t	len;

	if (!cJSON_IsString(item))
		return config_error(ctx, NULL, "must be a string");
	len = strlen(item->valuestring);
	if (len == 0 || len > CONFIG_GLOB_MAX ||
	    codec_has_control(item->valuestring, len)) {
		return config_error(ctx, NULL, "must be a pattern of 1 to %d "
		    "bytes without control characters", CONFIG_GLOB_MAX);
	}
	*out = xstrdup(item->valuestring);
	return 0;
}

/* Read "target_glob": one pattern, or a list of them. */
static int
config_globs(struct config_ctx *ctx, const cJSON *when, struct rule *r)
{
	const cJSON	*list, *item;
	size_t		 old, mid, i = 0;

	if ((list = config_get(when, "target_glob")) == NULL)
		return 0;
	old = config_enter(ctx, "target_glob");
	if (cJSON_IsString(list)) {
		r->globs = xcalloc(1, sizeof *r->globs);
		r->nglobs = 1;
		if (config_glob(ctx, list, &r->globs[0]) != 0)
			return -1;
		config_leave(ctx, old);
		return 0;
	}
	if (!cJSON_IsArray(list) || list->child == NULL ||
	    cJSON_GetArraySize(list) > CONFIG_GLOBS_MAX) {
		return config_error(ctx, NULL, "must be a pattern or a list of "
		    "1 to %d patterns", CONFIG_GLOBS_MAX);
	}
	r->nglobs = (size_t)cJSON_GetArraySize(list);
	r->globs = xcalloc(r->nglobs, sizeof *r->globs);
	cJSON_ArrayForEach(item, list) {
		mid = config_enter_index(ctx, i);
		if (config_glob(ctx, item, &r->globs[i]) != 0)
			return -1;
		config_leave(ctx, mid);
		i++;
	}
	config_leave(ctx, old);
	return 0;
}

/* Read "target_cidr": a list of networks, a bare address being one host. */
static int
config_cidrs(struct config_ctx *ctx, const cJSON *when, struct rule *r)
{
	const cJSON	*list, *item;
	size_t		 old, mid, i = 0;

	if ((list = config_get(when, "target_cidr")) == NULL)
		return 0;
	old = config_enter(ctx, "target_cidr");
	if (!cJSON_IsArray(list) || list->child == NULL ||
	    cJSON_GetArraySize(list) > CONFIG_CIDRS_MAX) {
		return config_error(ctx, NULL, "must be a list of 1 to %d "
		    "networks", CONFIG_CIDRS_MAX);
	}
	r->ncidrs = (size_t)cJSON_GetArraySize(list);
	r->cidrs = xcalloc(r->ncidrs, sizeof *r->cidrs);
	cJSON_ArrayForEach(item, list) {
		mid = config_enter_index(ctx, i);
		if (!cJSON_IsString(item) ||
		    policy_cidr_parse(item->valuestring, &r->cidrs[i]) != 0) {
			return config_error(ctx, NULL, "must be an IPv4 or IPv6 "
			    "network such as \"10.0.0.0/8\" or \"fc00::/7\", "
			    "with no bit set after the prefix");
		}
		config_leave(ctx, mid);
		i++;
	}
	config_leave(ctx, old);
	return 0;
}

/* Read "param" and its one comparison. */
static int
config_param(struct config_ctx *ctx, const cJSON *when, struct rule *r)
{
	const cJSON	*param, *item, *op = NULL;
	size_t		 i, which = 0, len;

	param = config_get(when, "param");
	for (i = 0; i < sizeof config_ops / sizeof config_ops[0]; i++) {
		if ((item = config_get(when, config_ops[i])) == NULL)
			continue;
		if (param == NULL) {
			return config_error(ctx, config_ops[i], "needs "
			    "\"param\" to name the parameter it compares");
		}
		if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
			return config_error(ctx, config_ops[i],
			    "must be a number");
		if (op != NULL) {
			return config_error(ctx, config_ops[i], "only one of "
			    CONFIG_OPS_LIST " may go with \"param\"");
		}
		op = item;
		which = i;
	}
	if (param == NULL)
		return 0;
	if (!cJSON_IsString(param) ||
	    (len = strlen(param->valuestring)) == 0 || len > CONFIG_PARAM_MAX ||
	    codec_has_control(param->valuestring, len)) {
		return config_error(ctx, "param", "must be a parameter name of "
		    "1 to %d bytes without control characters",
		    CONFIG_PARAM_MAX);
	}
	if (op == NULL)
		return config_error(ctx, "param", "needs one of " CONFIG_OPS_LIST);
	r->params = xcalloc(1, sizeof *r->params);
	r->nparams = 1;
	r->params[0].name = xstrdup(param->valuestring);
	r->params[0].op = (enum param_op)which;
	r->params[0].value = op->valuedouble;
	return 0;
}

/* Read a rule's "when": every condition in it must hold. */
static int
config_when(struct config_ctx *ctx, const cJSON *rule, struct rule *r)
{
	const cJSON	*when;
	size_t		 old;

	if ((when = config_get(rule, "when")) == NULL)
		return 0;
	old = config_enter(ctx, "when");
	if (!cJSON_IsObject(when))
		return config_error(ctx, NULL, "must be an object");
	if (when->child == NULL) {
		return config_error(ctx, NULL,
		    "empty; omit it for a rule that always holds");
	}
	if (config_known(ctx, when, config_when_keys) != 0 ||
	    config_globs(ctx, when, r) != 0 ||
	    config_cidrs(ctx, when, r) != 0 ||
	    config_param(ctx, when, r) != 0)
		return -1;
	config_leave(ctx, old);
	return 0;
}

/* Read a rule's "then". */
static int
config_then(struct config_ctx *ctx, const cJSON *rule, struct rule *r)
{
	const char	*s;

	if (config_get(rule, "then") == NULL)
		return config_error(ctx, "then", "missing; " CONFIG_THEN_PROBLEM);
	if ((s = json_string(rule, "then")) == NULL)
		return config_error(ctx, "then", CONFIG_THEN_PROBLEM);
	if (strcmp(s, "deny") == 0)
		r->then = THEN_DENY;
	else if (strcmp(s, "approve") == 0)
		r->then = THEN_APPROVE;
	else if (strcmp(s, "review") == 0)
		r->then = THEN_REVIEW;
	else
		return config_error(ctx, "then", CONFIG_THEN_PROBLEM);
	return 0;
}

/* Read a rule's "reason", the label when it has none. */
static int
config_reason(struct config_ctx *ctx, const cJSON *rule, struct rule *r)
{
	const cJSON	*item;
	size_t		 len;

	if ((item = config_get(rule, "reason")) == NULL) {
		r->reason = xstrdup(r->label);
		return 0;
	}
	if (!cJSON_IsString(item) || (len = strlen(item->valuestring)) == 0 ||
	    len > PROTO_REASON_MAX ||
	    codec_has_control(item->valuestring, len)) {
		return config_error(ctx, "reason", "must be a string of 1 to %d "
		    "bytes without control characters", PROTO_REASON_MAX);
	}
	r->reason = xstrdup(item->valuestring);
	return 0;
}

/* Read a review rule's "groups": distinct names, at least one. */
static int
config_groups(struct config_ctx *ctx, const cJSON *list, struct rule *r)
{
	const cJSON	*item;
	size_t		 old, mid, i = 0, j;

	old = config_enter(ctx, "groups");
	if (!cJSON_IsArray(list) || list->child == NULL ||
	    cJSON_GetArraySize(list) > CONFIG_GROUPS_MAX) {
		return config_error(ctx, NULL, "must be a list of 1 to %d group "
		    "names", CONFIG_GROUPS_MAX);
	}
	r->ngroups = (size_t)cJSON_GetArraySize(list);
	r->groups = xcalloc(r->ngroups, sizeof *r->groups);
	cJSON_ArrayForEach(item, list) {
		mid = config_enter_index(ctx, i);
		if (!cJSON_IsString(item) || !codec_name_valid(item->valuestring))
			return config_error(ctx, NULL, "must be a group name");
		for (j = 0; j < i; j++) {
			if (strcmp(r->groups[j], item->valuestring) == 0)
				return config_error(ctx, NULL, "repeated group");
		}
		r->groups[i++] = xstrdup(item->valuestring);
		config_leave(ctx, mid);
	}
	config_leave(ctx, old);
	return 0;
}

/* Read "approvals", "groups" and "timeout_s", which only review may have. */
static int
config_review(struct config_ctx *ctx, const cJSON *rule, struct rule *r)
{
	static const char *const keys[] = { "approvals", "groups", "timeout_s" };
	const cJSON	*groups;
	int64_t		 approvals = 1;
	size_t		 i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (r->then != THEN_REVIEW && config_get(rule, keys[i]) != NULL) {
			return config_error(ctx, keys[i],
			    "only allowed when \"then\" is \"review\"");
		}
	}
	if (config_int(ctx, rule, "approvals", 1, CONFIG_APPROVALS_MAX,
	    &approvals) != 0 ||
	    config_int(ctx, rule, "timeout_s", 1, CONFIG_TIMEOUT_MAX,
	    &r->timeout_s) != 0)
		return -1;
	r->approvals = (int)approvals;
	if ((groups = config_get(rule, "groups")) != NULL)
		return config_groups(ctx, groups, r);
	return 0;
}

/* Read rule n (from 0) of an action. */
static int
config_rule(struct config_ctx *ctx, const cJSON *item, const char *action,
    size_t n, struct rule *r)
{
	if (!cJSON_IsObject(item))
		return config_error(ctx, NULL, "must be an object");
	if (config_known(ctx, item, config_rule_keys) != 0)
		return -1;
	xasprintf(&r->label, "%s rule %zu", action, n + 1);
	if (config_then(ctx, item, r) != 0 ||
	    config_reason(ctx, item, r) != 0 ||
	    config_review(ctx, item, r) != 0 ||
	    config_when(ctx, item, r) != 0)
		return -1;
	return 0;
}

/* Read an action's "rules", in order. */
static int
config_rules(struct config_ctx *ctx, const cJSON *obj, struct action *a)
{
	const cJSON	*list, *item;
	size_t		 old, mid, i = 0;

	old = config_enter(ctx, "rules");
	if ((list = config_get(obj, "rules")) == NULL) {
		return config_error(ctx, NULL, "missing; every action needs a "
		    "list of rules");
	}
	if (!cJSON_IsArray(list) ||
	    cJSON_GetArraySize(list) > CONFIG_RULES_MAX) {
		return config_error(ctx, NULL, "must be a list of at most %d "
		    "rules", CONFIG_RULES_MAX);
	}
	a->nrules = (size_t)cJSON_GetArraySize(list);
	a->rules = xcalloc(a->nrules, sizeof *a->rules);
	cJSON_ArrayForEach(item, list) {
		mid = config_enter_index(ctx, i);
		if (config_rule(ctx, item, a->name, i, &a->rules[i]) != 0)
			return -1;
		config_leave(ctx, mid);
		i++;
	}
	config_leave(ctx, old);
	return 0;
}

/* Read one member of "actions". */
static int
config_action_load(struct config_ctx *ctx, const cJSON *obj,
    struct action *a)
{
	size_t	old;

	old = config_enter(ctx, obj->string);
	if (!config_action_name_valid(obj->string)) {
		return config_error(ctx, NULL, "not a valid action name "
		    "(^[a-z][a-z0-9_.-]{0,63}$)");
	}
	if (!cJSON_IsObject(obj))
		return config_error(ctx, NULL, "must be an object");
	a->name = xstrdup(obj->string);
	if (config_known(ctx, obj, config_action_keys) != 0 ||
	    config_int(ctx, obj, "timeout_s", 1, CONFIG_TIMEOUT_MAX,
	    &a->timeout_s) != 0 ||
	    config_bool(ctx, obj, "deny_repeat", &a->deny_repeat) != 0 ||
	    config_rules(ctx, obj, a) != 0)
		return -1;
	config_leave(ctx, old);
	return 0;
}

/* Read "actions", the only required key. */
static int
config_actions(struct config_ctx *ctx, const cJSON *root, struct config *cfg)
{
	const cJSON	*obj, *item;
	size_t		 old, i = 0;

	if ((obj = config_get(root, "actions")) == NULL) {
		return config_error(ctx, "actions", "missing; it is required "
		    "(an object, {} for none)");
	}
	if (!cJSON_IsObject(obj))
		return config_error(ctx, "actions", "must be an object");
	cfg->nactions = (size_t)cJSON_GetArraySize(obj);
	cfg->actions = xcalloc(cfg->nactions, sizeof *cfg->actions);
	old = config_enter(ctx, "actions");
	cJSON_ArrayForEach(item, obj) {
		if (config_action_load(ctx, item, &cfg->actions[i++]) != 0)
			return -1;
	}
	config_leave(ctx, old);
	return 0;
}

/* Check the whole document and fill cfg. */
static int
config_root(struct config_ctx *ctx, const cJSON *root, struct config *cfg)
{
	if (!cJSON_IsObject(root))
		return config_error(ctx, NULL, "must hold a JSON object");
	if (config_known(ctx, root, config_top_keys) != 0 ||
	    config_listen(ctx, root, cfg) != 0 ||
	    config_filename(ctx, root, "database", "approvald.db",
	    &cfg->database) != 0 ||
	    config_filename(ctx, root, "daemon_key", "daemon.key",
	    &cfg->daemon_key) != 0 ||
	    config_signer(ctx, root, cfg) != 0 ||
	    config_limits(ctx, root, &cfg->limits) != 0 ||
	    config_tls(ctx, root, cfg) != 0 ||
	    config_actions(ctx, root, cfg) != 0)
		return -1;
	return 0;
}

int
config_load(const char *file, struct config *cfg, char *err, size_t errlen)
{
	char	*buf;
	size_t	 len;
	int	 rc;

	memset(cfg, 0, sizeof *cfg);
	if (fileio_read(file, CONFIG_FILE_MAX, &buf, &len, err, errlen) != 0)
		return -1;
	rc = config_load_buffer(file, buf, len, cfg, err, errlen);
	free(buf);
	return rc;
}

int
config_load_buffer(const char *file, const char *buf, size_t len,
    struct config *cfg, char *err, size_t errlen)
{
	struct config_ctx	 ctx;
	cJSON			*root;
	int			 rc;

	memset(cfg, 0, sizeof *cfg);
	memset(&ctx, 0, sizeof ctx);
	ctx.file = file;
	ctx.err = err;
	ctx.errlen = errlen;
	if ((root = config_parse(&ctx, buf, len)) == NULL)
		return -1;
	cfg->path = xstrdup(file);
	codec_sha256_hex(buf, len, cfg->sha256);
	rc = config_root(&ctx, root, cfg);
	cJSON_Delete(root);
	if (rc != 0)
		config_free(cfg);
	return rc;
}

/* Free a list of strings. */
static void
config_free_strings(char **list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* Free what one rule owns. */
static void
config_free_rule(struct rule *r)
{
	size_t	i;

	config_free_strings(r->globs, r->nglobs);
	free(r->cidrs);
	for (i = 0; i < r->nparams; i++)
		free(r->params[i].name);
	free(r->params);
	free(r->label);
	free(r->reason);
	config_free_strings(r->groups, r->ngroups);
}

void
config_free(struct config *cfg)
{
	size_t	i, j;

	for (i = 0; i < cfg->nactions; i++) {
		for (j = 0; j < cfg->actions[i].nrules; j++)
			config_free_rule(&cfg->actions[i].rules[j]);
		free(cfg->actions[i].rules);
		free(cfg->actions[i].name);
	}
	free(cfg->actions);
	free(cfg->path);
	free(cfg->listen_host);
	free(cfg->database);
	free(cfg->daemon_key);
	free(cfg->signer);
	free(cfg->tls_cert);
	free(cfg->tls_key);
	memset(cfg, 0, sizeof *cfg);
}

const struct action *
config_action(const struct config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; i < cfg->nactions; i++) {
		if (strcmp(cfg->actions[i].name, name) == 0)
			return &cfg->actions[i];
	}
	return NULL;
}
