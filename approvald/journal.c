/*
 * Audit entries for events outside a request's life, each in its own
 * transaction: the policy the daemon loaded (with the SHA-256 that each
 * request then records), and requests refused for being outside the
 * token's scopes. A refused executor may retry in a tight loop, so its
 * refusals are written at most once a minute, the next entry counting
 * those left out.
 */
#include <stdio.h>
#include <string.h>

#include "approvald.h"

#define JOURNAL_REFUSED_MS	60000
#define JOURNAL_SLOTS		128	/* executors remembered at once */

/* When an executor's refusal was last written, and how many since. */
struct journal_slot {
	char		 name[PROTO_NAME_MAX + 1];
	int64_t		 at;
	int64_t		 suppressed;
};

static struct journal_slot	journal_slots[JOURNAL_SLOTS];

/* Append one entry in its own transaction; 0 or -1 (logged). */
static int
journal_append(struct store *s, int64_t now, const char *event,
    const cJSON *data)
{
	if (store_begin(s) != 0)
		return -1;
	if (audit_append(s, now, event, data) != 0 || store_commit(s) != 0) {
		store_rollback(s);
		log_event("error", "event=audit_failed what=%s msg=%s", event,
		    log_str(store_errmsg(s)));
		return -1;
	}
	return 0;
}

int
journal_policy(struct daemon *d, const char *event)
{
	cJSON	*data = cJSON_CreateObject();
	int	 rc;

	cJSON_AddStringToObject(data, "path", d->cfg.path);
	cJSON_AddStringToObject(data, "policy_sha256", d->cfg.sha256);
	cJSON_AddNumberToObject(data, "actions", (double)d->cfg.nactions);
	rc = journal_append(d->store, clock_now_ms(), event, data);
	cJSON_Delete(data);
	return rc;
}

/* The executor's slot: its own, else a free one, else the oldest. */
static struct journal_slot *
journal_slot(const char *name)
{
	struct journal_slot	*oldest = &journal_slots[0];
	size_t			 i;

	for (i = 0; i < JOURNAL_SLOTS; i++) {
		if (strcmp(journal_slots[i].name, name) == 0)
			return &journal_slots[i];
		if (journal_slots[i].at < oldest->at)
			oldest = &journal_slots[i];
	}
	memset(oldest, 0, sizeof *oldest);
	snprintf(oldest->name, sizeof oldest->name, "%s", name);
	return oldest;
}

void
journal_refused(struct daemon *d, const char *executor, const char *action)
{
	struct journal_slot	*slot = journal_slot(executor);
	int64_t			 now = clock_now_ms();
	cJSON			*data;

	if (slot->at != 0 && now - slot->at < JOURNAL_REFUSED_MS) {
		slot->suppressed++;
		return;
	}
	data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "executor", executor);
	cJSON_AddStringToObject(data, "action", action);
	cJSON_AddNumberToObject(data, "suppressed", (double)slot->suppressed);
	if (journal_append(d->store, now, "scope_refused", data) == 0) {
		slot->at = now;
		slot->suppressed = 0;
	}
	cJSON_Delete(data);
	log_event("warn", "event=scope_refused executor=%s action=%s",
	    executor, log_str(action));
}
