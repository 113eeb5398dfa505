/* Validation of a submitted request body: every field bounded and typed,
 * unknown keys refused. The body is kept byte for byte; this only reads. */
#include <stdio.h>
#include <string.h>

#include "approvald.h"
#include "codec.h"
#include "json.h"

static const char *const submit_keys[] = {
	"action", "target", "params", "justification", "on_behalf_of",
	"idempotency_key", "timeout_s", "nonce", NULL
};

int
submit_action_valid(const char *action)
{
	size_t	len = strlen(action), i;

	if (len == 0 || len > PROTO_ACTION_MAX || action[0] < 'a' ||
	    action[0] > 'z')
		return 0;
	for (i = 1; i < len; i++) {
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789_.-",
		    action[i]) == NULL)
			return 0;
	}
	return 1;
}

static int
submit_known_keys(const cJSON *root, char *err, size_t errlen)
{
	const cJSON	*item;
	size_t		 i;

	cJSON_ArrayForEach(item, root) {
		for (i = 0; submit_keys[i] != NULL; i++) {
			if (strcmp(item->string, submit_keys[i]) == 0)
				break;
		}
		if (submit_keys[i] == NULL) {
			snprintf(err, errlen, "unknown key \"%.64s\"",
			    item->string);
			return -1;
		}
	}
	return 0;
}

/* A required or optional string field of bounded length; controls
 * refused when nocontrol is set. */
static int
submit_string(const cJSON *root, const char *key, size_t max, int required,
    int nocontrol, const char **out, char *err, size_t errlen)
{
	const cJSON	*item = cJSON_GetObjectItemCaseSensitive(root, key);
	size_t		 len;

	*out = NULL;
	if (item == NULL || (!required && cJSON_IsNull(item))) {
		if (required)
			snprintf(err, errlen, "%s is required", key);
		return required ? -1 : 0;
	}
	if (!cJSON_IsString(item)) {
		snprintf(err, errlen, "%s must be a string", key);
		return -1;
	}
	len = strlen(item->valuestring);
	if (len == 0 || len > max) {
		snprintf(err, errlen, "%s must be 1 to %zu bytes", key, max);
		return -1;
	}
	if (nocontrol && codec_has_control(item->valuestring, len)) {
		snprintf(err, errlen, "%s may not contain control characters",
		    key);
		return -1;
	}
	*out = item->valuestring;
	return 0;
}

static int
submit_fields(struct submission *sub, int64_t max_timeout_s, char *err,
    size_t errlen)
{
	const cJSON	*root = sub->root, *item;

	if (submit_string(root, "action", PROTO_ACTION_MAX, 1, 1,
	    &sub->action, err, errlen) != 0)
		return -1;
	if (!submit_action_valid(sub->action)) {
		snprintf(err, errlen, "action must match "
		    "^[a-z][a-z0-9_.-]{0,63}$");
		return -1;
	}
	if (submit_string(root, "target", PROTO_TARGET_MAX, 1, 1,
	    &sub->target, err, errlen) != 0 ||
	    submit_string(root, "justification", PROTO_JUSTIFICATION_MAX, 1,
	    0, &sub->justification, err, errlen) != 0 ||
	    submit_string(root, "on_behalf_of", PROTO_ON_BEHALF_MAX, 0, 1,
	    &sub->on_behalf_of, err, errlen) != 0 ||
	    submit_string(root, "idempotency_key", PROTO_IDEMPOTENCY_MAX, 0, 1,
	    &sub->idempotency_key, err, errlen) != 0)
		return -1;
	item = cJSON_GetObjectItemCaseSensitive(root, "nonce");
	if (item != NULL && (!cJSON_IsString(item) ||
	    !codec_nonce_valid(item->valuestring))) {
		snprintf(err, errlen, "nonce must be a string of %d to %d "
		    "printable ASCII characters", PROTO_BODY_NONCE_MIN,
		    PROTO_BODY_NONCE_MAX);
		return -1;
	}
	item = cJSON_GetObjectItemCaseSensitive(root, "params");
	if (item != NULL && !cJSON_IsObject(item)) {
		snprintf(err, errlen, "params must be an object");
		return -1;
	}
	sub->params = item;
	if (cJSON_GetObjectItemCaseSensitive(root, "timeout_s") != NULL &&
	    json_int(root, "timeout_s", 1, max_timeout_s, &sub->timeout_s)) {
		snprintf(err, errlen, "timeout_s must be an integer from 1 to "
		    "%lld", (long long)max_timeout_s);
		return -1;
	}
	return 0;
}

int
submit_parse(const char *body, size_t len, int64_t max_timeout_s,
    struct submission *sub, char *err, size_t errlen)
{
	memset(sub, 0, sizeof *sub);
	if ((sub->root = json_parse(body, len, err, errlen)) == NULL)
		return -1;
	if (!cJSON_IsObject(sub->root)) {
		snprintf(err, errlen, "body must be a JSON object");
		goto bad;
	}
	if (submit_known_keys(sub->root, err, errlen) != 0 ||
	    submit_fields(sub, max_timeout_s, err, errlen) != 0)
		goto bad;
	return 0;
bad:
	submit_free(sub);
	return -1;
}

void
submit_free(struct submission *sub)
{
	cJSON_Delete(sub->root);
	memset(sub, 0, sizeof *sub);
}
