/*
 * The first configuration `approvald init` writes when there is none: the
 * example policy (contrib/approvald.json, built in) listening on loopback,
 * with the database and key beside the file, and "_comment" notes (which
 * the configuration reader skips) saying what to change.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "approvald.h"
#include "json.h"
#include "xmalloc.h"

extern const char starter_example[];

static const char *const starter_notes[] = {
	"Written by 'approvald init' from the example policy. Keys named "
	"_comment are notes: the daemon reads past them; any other unknown "
	"key is an error.",
	"listen: loopback only. Off loopback the daemon needs \"tls\": "
	"{\"cert\": FILE, \"key\": FILE}.",
	"database and daemon_key are relative to this file's folder; both "
	"are created by init, the key mode 0600.",
	"limits.suspend_after: an executor denied that many times within "
	"window_s seconds is suspended until 'approvald executor resume NAME'.",
	"actions: each action's rules are tried in order and the first whose "
	"\"when\" holds decides; an action not listed, or a request no rule "
	"matches, is denied. Reload with SIGHUP. See docs/POLICY.md.",
	NULL
};

/* The notes as the first member, one line each: "{\n", the notes, then
 * the rest of body (a printed object, past its "{\n"). */
static char *
starter_join(const char *body)
{
	cJSON	*line;
	char	*text = xstrdup("{\n\t\"_comment\": [\n"), *s, *next;
	size_t	 i;

	for (i = 0; starter_notes[i] != NULL; i++) {
		line = cJSON_CreateString(starter_notes[i]);
		s = json_print(line);
		xasprintf(&next, "%s\t\t%s%s\n", text, s,
		    starter_notes[i + 1] != NULL ? "," : "");
		free(s);
		free(text);
		text = next;
		cJSON_Delete(line);
	}
	xasprintf(&next, "%s\t],\n%s", text, body + 2);
	free(text);
	return next;
}

/* The starter document, printed; NULL when the built-in example is bad. */
static char *
starter_text(void)
{
	cJSON	*root;
	char	*body, *text;

	if ((root = cJSON_Parse(starter_example)) == NULL)
		return NULL;
	cJSON_ReplaceItemInObjectCaseSensitive(root, "listen",
	    cJSON_CreateString("127.0.0.1:8470"));
	cJSON_ReplaceItemInObjectCaseSensitive(root, "database",
	    cJSON_CreateString("approvald.db"));
	cJSON_ReplaceItemInObjectCaseSensitive(root, "daemon_key",
	    cJSON_CreateString("daemon.key"));
	body = cJSON_Print(root);
	cJSON_Delete(root);
	if (body == NULL || strncmp(body, "{\n", 2) != 0) {
		free(body);
		return NULL;
	}
	text = starter_join(body);
	free(body);
	return text;
}

int
starter_write(const char *path, char *err, size_t errlen)
{
	char	*text;
	size_t	 len;
	int	 fd, rc = -1;

	if ((text = starter_text()) == NULL) {
		snprintf(err, errlen, "the built-in example policy is broken");
		return -1;
	}
	len = strlen(text);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) <
	    0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else if (write(fd, text, len) != (ssize_t)len ||
	    write(fd, "\n", 1) != 1 || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(path);
	} else
		rc = 0;
	if (fd >= 0 && close(fd) != 0 && rc == 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(path);
		rc = -1;
	}
	free(text);
	return rc;
}
