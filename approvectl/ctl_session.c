/* The daemon's URL, the executor's token and the trusted keys. */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "approvectl.h"
#include "fileio.h"
#include "proto.h"
#include "xmalloc.h"

/* The first line of buf, without surrounding blanks; the caller frees. */
static char *
ctl_session_first_line(const char *buf)
{
	size_t	start, end;

	start = strspn(buf, " \t");
	end = start + strcspn(buf + start, "\r\n");
	while (end > start && (buf[end - 1] == ' ' || buf[end - 1] == '\t'))
		end--;
	return xstrndup(buf + start, end - start);
}

int
ctl_session_token(const char *path, char **token)
{
	const char	*env;
	char		*buf, err[256];
	size_t		 len;

	*token = NULL;
	if ((env = getenv("APPROVE_TOKEN")) != NULL && *env != '\0')
		*token = xstrdup(env);
	else if (path != NULL) {
		if (fileio_read(path, CTL_TOKEN_FILE_MAX, &buf, &len, err,
		    sizeof err) != 0) {
			warnx("token file %s", err);
			return -1;
		}
		*token = ctl_session_first_line(buf);
		sodium_memzero(buf, len);
		free(buf);
	}
	if (*token != NULL && !client_token_valid(*token)) {
		warnx("the token must be 1 to 1024 visible ASCII characters");
		sodium_memzero(*token, strlen(*token));
		free(*token);
		*token = NULL;
		return -1;
	}
	return 0;
}

/* Make the client from the URL and token; 0 or an exit code. */
static int
ctl_session_connect(struct ctl_session *s, const struct ctl_opts *o)
{
	const char	*url = o->url, *ca;
	char		*token;

	if (url == NULL && ((url = getenv("APPROVE_URL")) == NULL ||
	    *url == '\0'))
		url = PROTO_DEFAULT_URL;
	if (!client_url_valid(url)) {
		warnx("the daemon's URL must be http:// or https:// with a "
		    "host and no query");
		return CTL_USAGE;
	}
	if (ctl_session_token(o->token_file, &token) != 0)
		return CTL_USAGE;
	s->client = client_new(url, token);
	ca = o->ca != NULL ? o->ca : getenv("APPROVE_CA");
	if (s->client != NULL && ca != NULL && *ca != '\0')
		client_set_ca(s->client, ca);
	if (token != NULL) {
		sodium_memzero(token, strlen(token));
		free(token);
	}
	if (s->client == NULL) {
		warnx("cannot start libcurl");
		return CTL_UNAVAILABLE;
	}
	return 0;
}

int
ctl_session_open(struct ctl_session *s, const struct ctl_opts *o,
    int connect)
{
	char	err[512];
	int	rc;

	memset(s, 0, sizeof *s);
	if (o->trusted_keys != NULL) {
		if (trusted_load(o->trusted_keys, &s->keys, err,
		    sizeof err) != 0) {
			warnx("trusted keys: %s", err);
			return CTL_USAGE;
		}
		s->verify = 1;
		if (s->keys.n == 0) {
			/* Nothing could ever verify: a mistake, not policy. */
			warnx("trusted keys: %s holds no keys",
			    o->trusted_keys);
			ctl_session_close(s);
			return CTL_USAGE;
		}
	}
	if (connect && (rc = ctl_session_connect(s, o)) != 0) {
		ctl_session_close(s);
		return rc;
	}
	return 0;
}

void
ctl_session_close(struct ctl_session *s)
{
	client_free(s->client);
	trusted_free(&s->keys);
	memset(s, 0, sizeof *s);
}
