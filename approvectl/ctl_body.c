/*
 * The body of a new request (CONTRACT §3). The bytes built here are the
 * bytes the analysts sign, so they are built once, sent as they are and
 * kept for verification.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approvectl.h"
#include "codec.h"
#include "json.h"
#include "xmalloc.h"

#define CTL_BODY_DIGITS	"0123456789"

/* Out of memory in cJSON ends the process, as it does in xmalloc. */
static cJSON *
ctl_body_alloc(cJSON *item)
{
	if (item == NULL) {
		fprintf(stderr, "out of memory building the request\n");
		abort();
	}
	return item;
}

/* Add item under key. */
static void
ctl_body_add(cJSON *obj, const char *key, cJSON *item)
{
	if (!cJSON_AddItemToObject(obj, key, ctl_body_alloc(item)))
		ctl_body_alloc(NULL);
}

/* 1 when s is exactly one JSON number (RFC 8259 §6), nothing around it. */
static int
ctl_body_number(const char *s)
{
	size_t	n;

	if (*s == '-')
		s++;
	if ((n = strspn(s, CTL_BODY_DIGITS)) == 0 || (s[0] == '0' && n > 1))
		return 0;
	s += n;
	if (*s == '.') {
		if ((n = strspn(++s, CTL_BODY_DIGITS)) == 0)
			return 0;
		s += n;
	}
	if (*s == 'e' || *s == 'E') {
		if (*++s == '+' || *s == '-')
			s++;
		if ((n = strspn(s, CTL_BODY_DIGITS)) == 0)
			return 0;
		s += n;
	}
	return *s == '\0';
}

int
ctl_body_timeout(const char *s, int64_t *out)
{
	char		*end;
	long long	 v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > INT32_MAX)
		return -1;
	*out = v;
	return 0;
}

/* Add one --param KEY=VALUE to params; 0 or -1. */
static int
ctl_body_param(cJSON *params, const char *kv, char *err, size_t errlen)
{
	const char	*eq, *value;
	char		*key;
	int		 rc = -1;

	if ((eq = strchr(kv, '=')) == NULL || eq == kv) {
		snprintf(err, errlen, "--param %s: expected KEY=VALUE", kv);
		return -1;
	}
	key = xstrndup(kv, (size_t)(eq - kv));
	value = eq + 1;
	if (!codec_utf8_valid(kv, strlen(kv)))
		snprintf(err, errlen, "--param %s: not valid UTF-8", key);
	else if (cJSON_GetObjectItemCaseSensitive(params, key) != NULL)
		snprintf(err, errlen, "parameter %s given twice", key);
	else {
		/* Raw keeps the number exactly as typed: no double rounding. */
		ctl_body_add(params, key, ctl_body_number(value) ?
		    cJSON_CreateRaw(value) : cJSON_CreateString(value));
		rc = 0;
	}
	free(key);
	return rc;
}

/* The params object from --params-json and every --param, NULL when
 * neither was given; 0 or -1. */
static int
ctl_body_params(const struct ctl_body *b, cJSON **out, char *err,
    size_t errlen)
{
	cJSON	*params;
	char	 msg[128];
	size_t	 i;

	*out = NULL;
	if (b->params_json == NULL && b->nparams == 0)
		return 0;
	if (b->params_json == NULL)
		params = ctl_body_alloc(cJSON_CreateObject());
	else if ((params = json_parse(b->params_json, strlen(b->params_json),
	    msg, sizeof msg)) == NULL) {
		snprintf(err, errlen, "--params-json: %s", msg);
		return -1;
	} else if (!cJSON_IsObject(params)) {
		snprintf(err, errlen, "--params-json: not a JSON object");
		cJSON_Delete(params);
		return -1;
	}
	for (i = 0; i < b->nparams; i++) {
		if (ctl_body_param(params, b->params[i], err, errlen) != 0) {
			cJSON_Delete(params);
			return -1;
		}
	}
	*out = params;
	return 0;
}

/* 0 when s, the value of option name, is given (or optional) and UTF-8. */
static int
ctl_body_string(const char *name, const char *s, int required, char *err,
    size_t errlen)
{
	if (s == NULL && required) {
		snprintf(err, errlen, "request: --%s is required", name);
		return -1;
	}
	if (s != NULL && !codec_utf8_valid(s, strlen(s))) {
		snprintf(err, errlen, "--%s: not valid UTF-8", name);
		return -1;
	}
	return 0;
}

/* 0 when every string option is present where required and valid. */
static int
ctl_body_check(const struct ctl_body *b, char *err, size_t errlen)
{
	if (ctl_body_string("action", b->action, 1, err, errlen) != 0 ||
	    ctl_body_string("target", b->target, 1, err, errlen) != 0 ||
	    ctl_body_string("justification", b->justification, 1, err,
	    errlen) != 0 ||
	    ctl_body_string("on-behalf-of", b->on_behalf_of, 0, err,
	    errlen) != 0 ||
	    ctl_body_string("idempotency-key", b->idempotency_key, 0, err,
	    errlen) != 0)
		return -1;
	return 0;
}

/* The idempotency key (a random one when none was given, so that a
 * submit whose answer was lost can be sent again safely) and the nonce
 * derived from it: the digest is new for every fresh request, so no
 * earlier approval can match it, yet a retry sends the same bytes. */
static void
ctl_body_key(cJSON *root, const char *key)
{
	char	 random_key[CODEC_RANDOM_KEY_LEN + 1];
	char	 nonce[PROTO_BODY_NONCE_HEX + 1];

	if (key == NULL) {
		codec_random_key(random_key);
		key = random_key;
	}
	codec_nonce_derive(key, nonce);
	ctl_body_add(root, "idempotency_key", cJSON_CreateString(key));
	ctl_body_add(root, "nonce", cJSON_CreateString(nonce));
}

int
ctl_body_build(const struct ctl_body *b, char **out, size_t *len, char *err,
    size_t errlen)
{
	cJSON	*root, *params;

	if (ctl_body_check(b, err, errlen) != 0 ||
	    ctl_body_params(b, &params, err, errlen) != 0)
		return -1;
	root = ctl_body_alloc(cJSON_CreateObject());
	ctl_body_add(root, "action", cJSON_CreateString(b->action));
	ctl_body_add(root, "target", cJSON_CreateString(b->target));
	if (params != NULL)
		ctl_body_add(root, "params", params);
	ctl_body_add(root, "justification",
	    cJSON_CreateString(b->justification));
	if (b->on_behalf_of != NULL)
		ctl_body_add(root, "on_behalf_of",
		    cJSON_CreateString(b->on_behalf_of));
	ctl_body_key(root, b->idempotency_key);
	if (b->timeout_s != 0)
		ctl_body_add(root, "timeout_s",
		    cJSON_CreateNumber((double)b->timeout_s));
	*out = json_print(root);
	*len = strlen(*out);
	cJSON_Delete(root);
	return 0;
}
