/* Structured log lines. Values that came from outside pass log_str first,
 * so a hostile string cannot forge a line or a field. Secrets are never
 * passed here at all. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "approvald.h"

#define LOG_STR_MAX	160
#define LOG_LINE_MAX	2048
#define LOG_STR_RING	8

/* One write per line: stderr is unbuffered, and a line written in pieces
 * costs a system call each and can interleave with another process's. */
void
log_event(const char *level, const char *fmt, ...)
{
	struct timespec	ts;
	struct tm	tm;
	char		line[LOG_LINE_MAX], when[32];
	va_list		ap;
	int		n, m;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof line, "ts=%s.%03ldZ level=%s ", when,
	    ts.tv_nsec / 1000000, level);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n >= sizeof line - 1) {	/* cut: say so */
		n = (int)sizeof line - 5;
		memcpy(line + n, "...", 3);
		n += 3;
	}
	line[n++] = '\n';
	fwrite(line, 1, (size_t)n, stderr);
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
