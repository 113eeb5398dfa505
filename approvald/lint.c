/*
 * Setups that load but cannot work: an executor scoped to an action the
 * policy does not have (every such request is denied), a review rule whose
 * groups no registered analyst is in (its requests can only expire). Said
 * at `executor add`, when the daemon starts and when it reloads; they are
 * warnings, since the analyst or the action may be added next.
 */
#include <stdio.h>

#include <sqlite3.h>

#include "approvald.h"

size_t
lint_scopes(const struct config *cfg, const char *executor,
    const char *scopes, void (*say)(const char *))
{
	cJSON		*arr = cJSON_Parse(scopes);
	const cJSON	*item;
	char		 msg[512];
	size_t		 n = 0;

	cJSON_ArrayForEach(item, arr) {
		if (!cJSON_IsString(item) ||
		    config_action(cfg, item->valuestring) != NULL)
			continue;
		snprintf(msg, sizeof msg, "executor %s: scope %s names no "
		    "action in the policy (%s): such requests are denied",
		    executor, item->valuestring, cfg->path);
		say(msg);
		n++;
	}
	cJSON_Delete(arr);
	return n;
}

/* 1 when some registered analyst is in one of the rule's groups. */
static int
lint_staffed(struct store *s, const struct rule *r)
{
	sqlite3_stmt	*st = store_stmt(s, STMT_ANALYST_LIST);
	const char	*groups;
	size_t		 i;
	int		 found = 0;

	while (!found && sqlite3_step(st) == SQLITE_ROW) {
		groups = (const char *)sqlite3_column_text(st, 2);
		for (i = 0; i < r->ngroups && !found; i++)
			found = groups != NULL &&
			    registry_list_has(groups, r->groups[i]);
	}
	sqlite3_reset(st);
	return found;
}

/* Warn about the review rules no analyst can decide. */
static size_t
lint_rules(const struct config *cfg, struct store *s,
    void (*say)(const char *))
{
	const struct rule	*r;
	char			 msg[512];
	size_t			 i, j, n = 0;

	for (i = 0; i < cfg->nactions; i++) {
		for (j = 0; j < cfg->actions[i].nrules; j++) {
			r = &cfg->actions[i].rules[j];
			if (r->then != THEN_REVIEW || r->ngroups == 0 ||
			    lint_staffed(s, r))
				continue;
			snprintf(msg, sizeof msg, "%s: no registered analyst "
			    "is in its groups (the first is %s): its requests "
			    "can only expire", r->label, r->groups[0]);
			say(msg);
			n++;
		}
	}
	return n;
}

size_t
lint_setup(const struct config *cfg, struct store *s,
    void (*say)(const char *))
{
	sqlite3_stmt	*st = store_stmt(s, STMT_EXEC_LIST);
	size_t		 n = 0;

	while (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			continue;	/* revoked */
		n += lint_scopes(cfg, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1), say);
	}
	sqlite3_reset(st);
	return n + lint_rules(cfg, s, say);
}

void
lint_log(const char *msg)
{
	log_event("warn", "event=setup_warning msg=%s", log_str(msg));
}
