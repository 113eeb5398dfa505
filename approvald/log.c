/* Structured log lines. Values that came from outside pass log_str first,
 * so a hostile string cannot forge a line or a field. Secrets are never
 * passed here at all. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "approvald.h"

#define LOG_STR_MAX	160
#define LOG_STR_RING	8

void
log_event(const char *level, const char *fmt, ...)
{
	struct timespec	ts;
	struct tm	tm;
	char		when[32];
	va_list		ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "ts=%s.%03ldZ level=%s ", when, ts.tv_nsec / 1000000,
	    level);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *
log_str(const char *s)
{
	static char	 ring[LOG_STR_RING][LOG_STR_MAX + 16];
	static int	 next;
	char		*out = ring[next++ % LOG_STR_RING], *p = out;
	unsigned char	 c;

	*p++ = '"';
	for (; *s != '\0' && p - out < LOG_STR_MAX; s++) {
		c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			p += sprintf(p, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			p += sprintf(p, "\\x%02x", c);
		else
			*p++ = (char)c;
	}
	if (*s != '\0')
		p += sprintf(p, "...");
	*p++ = '"';
	*p = '\0';
	return out;
}
