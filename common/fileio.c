/* Bounded whole-file reads and durable exclusive creates. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "xmalloc.h"

int
fileio_read_stream(FILE *f, size_t max, char **out, size_t *outlen)
{
	char	*buf;
	size_t	 len = 0, n;

	buf = xmalloc(max + 2);
	while ((n = fread(buf + len, 1, max + 1 - len, f)) > 0) {
		len += n;
		if (len > max)
			break;
	}
	if (ferror(f) || len > max) {
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

int
fileio_read(const char *path, size_t max, char **out, size_t *outlen,
    char *err, size_t errlen)
{
	FILE	*f;
	int	 rc;

	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = fileio_read_stream(f, max, out, outlen);
	if (rc != 0)
		snprintf(err, errlen, "%s: unreadable or larger than %zu bytes",
		    path, max);
	if (f != stdin)
		fclose(f);
	return rc;
}

int
fileio_create(const char *path, int mode, const void *data, size_t len,
    char *err, size_t errlen)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    mode)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fchmod(fd, (mode_t)mode) != 0 ||
	    write(fd, data, len) != (ssize_t)len || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	if (close(fd) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
