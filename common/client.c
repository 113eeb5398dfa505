/* The executor's blocking HTTP client (CONTRACT §3), over libcurl. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <sodium.h>

#include "client.h"
#include "codec.h"
#include "proto.h"
#include "xmalloc.h"

#define CLIENT_URL_MAX		2048
#define CLIENT_TOKEN_MAX	1024

/* One per executor connection; not shared between threads. */
struct client {
	CURL			*curl;		/* owned */
	char			*base;		/* owned, no trailing slash */
	struct curl_slist	*hdr;		/* owned, has the token */
	struct curl_slist	*hdr_post;	/* owned, has the token */
	char			*ca;		/* owned, CA file or NULL */
	char			 err[CURL_ERROR_SIZE];
};

static pthread_once_t	client_once = PTHREAD_ONCE_INIT;
static int		client_global_ok;

/* Initialise libcurl exactly once per process, whatever the threads. */
static void
client_global_init(void)
{
	client_global_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

/* 1 when s is 1 to max bytes of visible ASCII (no space, no control). */
static int
client_visible(const char *s, size_t max)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i == max || s[i] <= ' ' || s[i] > '~')
			return 0;
	}
	return i > 0;
}

/* The base URL without trailing slashes, or NULL when it is not one. */
static char *
client_base(const char *url)
{
	size_t	len, scheme;

	if (strncasecmp(url, "http://", 7) == 0)
		scheme = 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		scheme = 8;
	else
		return NULL;
	if (!client_visible(url, CLIENT_URL_MAX) || strpbrk(url, "?#") != NULL)
		return NULL;
	len = strlen(url);
	while (len > scheme && url[len - 1] == '/')
		len--;
	if (len == scheme || url[scheme] == '/')
		return NULL;	/* no host */
	return xstrndup(url, len);
}

/* Append a header line; NULL when libcurl cannot allocate. */
static struct curl_slist *
client_header(struct curl_slist *list, const char *line)
{
	struct curl_slist	*next;

	if ((next = curl_slist_append(list, line)) == NULL)
		curl_slist_free_all(list);
	return next;
}

/* The header list, with the token when there is one. */
static struct curl_slist *
client_headers(const char *token, int post)
{
	struct curl_slist	*list = NULL;
	char			*auth;

	if (token != NULL) {
		xasprintf(&auth, "Authorization: Bearer %s", token);
		list = client_header(list, auth);
		sodium_memzero(auth, strlen(auth));
		free(auth);
		if (list == NULL)
			return NULL;
	}
	if ((list = client_header(list, "Accept: application/json")) == NULL)
		return NULL;
	if (!post)
		return list;
	/* No "Expect: 100-continue": the daemon answers in one go. */
	if ((list = client_header(list, "Expect:")) == NULL)
		return NULL;
	return client_header(list, "Content-Type: application/json");
}

/* Wipe a header list before freeing it: it holds the token. */
static void
client_headers_free(struct curl_slist *list)
{
	struct curl_slist	*l;

	for (l = list; l != NULL; l = l->next)
		sodium_memzero(l->data, strlen(l->data));
	curl_slist_free_all(list);
}

struct client *
client_new(const char *base_url, const char *token)
{
	struct client	*c;
	char		*base;

	if (pthread_once(&client_once, client_global_init) != 0 ||
	    !client_global_ok)
		return NULL;
	if (token != NULL && !client_token_valid(token))
		return NULL;
	if ((base = client_base(base_url)) == NULL)
		return NULL;
	c = xcalloc(1, sizeof *c);
	c->base = base;
	c->curl = curl_easy_init();
	c->hdr = client_headers(token, 0);
	c->hdr_post = client_headers(token, 1);
	if (c->curl == NULL || c->hdr == NULL || c->hdr_post == NULL) {
		client_free(c);
		return NULL;
	}
	return c;
}

void
client_free(struct client *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	client_headers_free(c->hdr);
	client_headers_free(c->hdr_post);
	free(c->base);
	free(c->ca);
	free(c);
}

void
client_set_ca(struct client *c, const char *file)
{
	free(c->ca);
	c->ca = xstrdup(file);
}

int
client_url_valid(const char *url)
{
	char	*base;

	if ((base = client_base(url)) == NULL)
		return 0;
	free(base);
	return 1;
}

int
client_token_valid(const char *token)
{
	return client_visible(token, CLIENT_TOKEN_MAX);
}

const char *
client_error(const struct client *c)
{
	return c->err;
}

/* libcurl's write callback: collect the answer, refusing past the cap. */
static size_t
client_write(char *data, size_t size, size_t n, void *arg)
{
	struct client_reply	*r = arg;
	size_t			 len = size * n;

	if (len > CLIENT_REPLY_MAX - r->len)
		return 0;	/* libcurl fails the transfer */
	r->body = xrealloc(r->body, r->len + len + 1);
	memcpy(r->body + r->len, data, len);
	r->len += len;
	r->body[r->len] = '\0';
	return len;
}

/* Set the options every call shares; 0 or -1. */
static int
client_setup(struct client *c, const char *url, long timeout_s,
    struct client_reply *r)
{
	CURL	*h = c->curl;

	curl_easy_reset(h);
	if (curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->err) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)CLIENT_CONNECT_S)
	    != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, client_write) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, r) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->hdr) != CURLE_OK ||
	    (c->ca != NULL &&
	    curl_easy_setopt(h, CURLOPT_CAINFO, c->ca) != CURLE_OK)) {
		snprintf(c->err, sizeof c->err, "cannot set up libcurl");
		return -1;
	}
	return 0;
}

/* Run the prepared transfer and read the status; 0 or -1. */
static int
client_perform(struct client *c, struct client_reply *r)
{
	curl_off_t	 retry = 0;
	CURLcode	 rc;

	c->err[0] = '\0';
	if ((rc = curl_easy_perform(c->curl)) != CURLE_OK) {
		if (c->err[0] == '\0')
			snprintf(c->err, sizeof c->err, "%s",
			    curl_easy_strerror(rc));
		client_reply_free(r);
		return -1;
	}
	if (curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &r->status) !=
	    CURLE_OK || curl_easy_getinfo(c->curl, CURLINFO_RETRY_AFTER,
	    &retry) != CURLE_OK) {
		snprintf(c->err, sizeof c->err, "cannot read the answer");
		client_reply_free(r);
		return -1;
	}
	r->retry_after = retry > 0 && retry < 86400 ? (long)retry : 0;
	if (r->body == NULL)
		r->body = xstrdup("");
	return 0;
}

/* The URL of one request, or NULL with err set for a bad id. */
static char *
client_request_url(struct client *c, const char *id)
{
	char	*esc, *url;

	if (!codec_id_valid(id)) {
		snprintf(c->err, sizeof c->err, "not a request id");
		return NULL;
	}
	if ((esc = curl_easy_escape(c->curl, id, 0)) == NULL) {
		snprintf(c->err, sizeof c->err, "cannot escape the id");
		return NULL;
	}
	xasprintf(&url, "%s/v1/requests/%s", c->base, esc);
	curl_free(esc);
	return url;
}

int
client_submit(struct client *c, const char *body, size_t len,
    struct client_reply *r)
{
	char	*url;
	int	 rc = -1;

	memset(r, 0, sizeof *r);
	xasprintf(&url, "%s/v1/requests", c->base);
	if (client_setup(c, url, CLIENT_CALL_S, r) != 0)
		goto out;
	if (curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->hdr_post) !=
	    CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)len) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body) != CURLE_OK) {
		snprintf(c->err, sizeof c->err, "cannot set up libcurl");
		goto out;
	}
	rc = client_perform(c, r);
out:
	free(url);
	return rc;
}

int
client_get(struct client *c, const char *id, int wait_s,
    struct client_reply *r)
{
	char	*base, *url;
	int	 rc = -1;

	memset(r, 0, sizeof *r);
	if (wait_s < 0 || wait_s > PROTO_WAIT_MAX_S) {
		snprintf(c->err, sizeof c->err, "wait out of range");
		return -1;
	}
	if ((base = client_request_url(c, id)) == NULL)
		return -1;
	xasprintf(&url, "%s?wait=%d", base, wait_s);
	free(base);
	if (client_setup(c, url, (long)wait_s + CLIENT_WAIT_SLACK_S, r) == 0)
		rc = client_perform(c, r);
	free(url);
	return rc;
}

int
client_cancel(struct client *c, const char *id, struct client_reply *r)
{
	char	*url;
	int	 rc = -1;

	memset(r, 0, sizeof *r);
	if ((url = client_request_url(c, id)) == NULL)
		return -1;
	if (client_setup(c, url, CLIENT_CALL_S, r) != 0)
		goto out;
	if (curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, "DELETE") !=
	    CURLE_OK) {
		snprintf(c->err, sizeof c->err, "cannot set up libcurl");
		goto out;
	}
	rc = client_perform(c, r);
out:
	free(url);
	return rc;
}

int
client_list(struct client *c, const char *state, int limit,
    struct client_reply *r)
{
	char	*url;
	int	 rc = -1;

	memset(r, 0, sizeof *r);
	if (state != NULL && (state[0] == '\0' || strlen(state) > 16 ||
	    strspn(state, "abcdefghijklmnopqrstuvwxyz") != strlen(state))) {
		snprintf(c->err, sizeof c->err, "not a state");
		return -1;
	}
	if (limit < 1 || limit > CLIENT_LIST_MAX) {
		snprintf(c->err, sizeof c->err, "limit out of range");
		return -1;
	}
	xasprintf(&url, "%s/v1/requests?limit=%d%s%s", c->base, limit,
	    state != NULL ? "&state=" : "", state != NULL ? state : "");
	if (client_setup(c, url, CLIENT_CALL_S, r) == 0)
		rc = client_perform(c, r);
	free(url);
	return rc;
}

void
client_reply_free(struct client_reply *r)
{
	free(r->body);
	memset(r, 0, sizeof *r);
}
