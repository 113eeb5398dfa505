/*
 * Strict JSON for input from outside: well-formed UTF-8, nothing after the
 * value, bounded depth, no duplicate keys (two readers of one body must
 * never see two different requests), no control character but white space
 * and no NUL escape (cJSON would cut a string at a NUL).
 */
#ifndef APPROVE_JSON_H
#define APPROVE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* Parse len bytes; NULL with a message in err on any fault. */
cJSON		*json_parse(const char *, size_t, char *, size_t);
/* The string member key of obj, or NULL when absent or not a string. */
const char	*json_string(const cJSON *, const char *);
/* 0 and *out when key holds an integer in [min, max]; -1 otherwise. */
int		 json_int(const cJSON *, const char *, int64_t, int64_t,
		    int64_t *);
/* Print compactly; the caller frees with free(). */
char		*json_print(const cJSON *);

#endif
