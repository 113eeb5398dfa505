/* Strict parsing of JSON that comes from outside. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "json.h"
#include "proto.h"
#include "xmalloc.h"

/* 1 when the text holds a byte JSON forbids but cJSON lets through: a
 * control character other than tab, LF and CR (cJSON ends a string at a
 * NUL and reads the others as white space, so we would read another text
 * than a strict reader), or a leading byte order mark. */
static int
json_has_raw_control(const char *buf, size_t len)
{
	size_t	i;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		return 1;
	for (i = 0; i < len; i++) {
		if ((unsigned char)buf[i] < 0x20 && buf[i] != '\t' &&
		    buf[i] != '\n' && buf[i] != '\r')
			return 1;
	}
	return 0;
}

/* 1 when the raw text escapes a NUL (\u0000) inside a string. */
static int
json_has_nul_escape(const char *buf, size_t len)
{
	size_t	i;

	for (i = 0; i + 1 < len; i++) {
		if (buf[i] != '\\')
			continue;
		if (buf[i + 1] == 'u' && i + 5 < len &&
		    strncmp(buf + i + 2, "0000", 4) == 0)
			return 1;
		i++;	/* skip the escaped character */
	}
	return 0;
}

/* 0 when every object below item has distinct keys and depth is bounded. */
static int
json_check_tree(const cJSON *item, int depth)
{
	const cJSON	*a, *b;

	/* A container is one level more than the values beside it. */
	if (depth + (cJSON_IsArray(item) || cJSON_IsObject(item)) >
	    PROTO_JSON_DEPTH_MAX)
		return -1;
	for (a = item->child; a != NULL; a = a->next) {
		if (cJSON_IsObject(item)) {
			for (b = a->next; b != NULL; b = b->next) {
				if (strcmp(a->string, b->string) == 0)
					return -1;
			}
		}
		if (json_check_tree(a, depth + 1) != 0)
			return -1;
	}
	return 0;
}

cJSON *
json_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	const char	*end = NULL;
	cJSON		*root;

	if (!codec_utf8_valid(buf, len)) {
		snprintf(err, errlen, "body is not valid UTF-8");
		return NULL;
	}
	if (json_has_raw_control(buf, len)) {
		snprintf(err, errlen, "JSON text may not hold raw control "
		    "characters or a byte order mark");
		return NULL;
	}
	if (json_has_nul_escape(buf, len)) {
		snprintf(err, errlen, "strings may not contain \\u0000");
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (root == NULL) {
		snprintf(err, errlen, "body is not valid JSON");
		return NULL;
	}
	while (end < buf + len && strchr(" \t\r\n", *end) != NULL)
		end++;
	if (end != buf + len) {
		snprintf(err, errlen, "unexpected data after the JSON value");
		goto bad;
	}
	if (json_check_tree(root, 0) != 0) {
		snprintf(err, errlen,
		    "JSON nested too deeply or has a duplicate key");
		goto bad;
	}
	return root;
bad:
	cJSON_Delete(root);
	return NULL;
}

const char *
json_string(const cJSON *obj, const char *key)
{
	const cJSON	*item;

	item = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsString(item))
		return NULL;
	return item->valuestring;
}

int
json_int(const cJSON *obj, const char *key, int64_t min, int64_t max,
    int64_t *out)
{
	const cJSON	*item;
	double		 v;

	item = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsNumber(item))
		return -1;
	v = item->valuedouble;
	/* (double)INT64_MAX is 2^63, which no int64 holds. */
	if (!isfinite(v) || v != floor(v) || v < (double)min ||
	    v > (double)max || v >= 0x1p63)
		return -1;
	*out = (int64_t)v;
	return 0;
}

char *
json_print(const cJSON *item)
{
	char	*s;

	if ((s = cJSON_PrintUnformatted(item)) == NULL)
		s = xstrdup("null");
	return s;
}
