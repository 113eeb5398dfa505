/* Reading and writing whole small files, bounded. */
#ifndef APPROVE_FILEIO_H
#define APPROVE_FILEIO_H

#include <stddef.h>
#include <stdio.h>

/* Read at most max bytes of a file ("-" is stdin); the buffer is
 * NUL-terminated and the caller frees it. 0, or -1 with err. */
int	fileio_read(const char *, size_t, char **, size_t *, char *, size_t);
/* Read from an open stream, likewise. */
int	fileio_read_stream(FILE *, size_t, char **, size_t *);
/* Create path with mode (failing if it exists), write and fsync. */
int	fileio_create(const char *, int, const void *, size_t, char *, size_t);

#endif
