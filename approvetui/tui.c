/* The console's shared state: the status line and the selection. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approvetui.h"
#include "xmalloc.h"

/* Set the status line; it is sanitized when drawn. */
void
tui_status(struct tui *tui, int alarm, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(tui->status, sizeof tui->status, fmt, ap);
	va_end(ap);
	tui->status_alarm = alarm;
	tui->dirty |= DIRTY_CONTENT;
}

/* The pending requests the filter lets through, in queue order. */
size_t
tui_visible(const struct tui *tui, struct req ***out)
{
	const struct model	*m = &tui->model;
	size_t			 i, n = 0;

	*out = xcalloc(m->nqueue + 1, sizeof **out);
	for (i = 0; i < m->nqueue; i++) {
		if (model_matches(m->queue[i], tui->filter))
			(*out)[n++] = m->queue[i];
	}
	return n;
}

/* Keep the selection on the same request while it is visible; when it
 * goes, stay at the same position in the list. */
struct req *
tui_selected(struct tui *tui)
{
	struct req	**vis, *r = NULL;
	size_t		  n, i;

	n = tui_visible(tui, &vis);
	for (i = 0; i < n; i++) {
		if (strcmp(vis[i]->id, tui->sel_id) == 0)
			break;
	}
	if (i == n && n > 0)
		i = tui->sel_index < n ? tui->sel_index : n - 1;
	if (i < n) {
		r = vis[i];
		tui->sel_index = i;
		strcpy(tui->sel_id, r->id);
	}
	free(vis);
	return r;
}

/* Forget the groups of the last welcome. */
void
tui_free_groups(struct tui *tui)
{
	size_t	i;

	for (i = 0; i < tui->ngroups; i++)
		free(tui->groups[i]);
	free(tui->groups);
	tui->groups = NULL;
	tui->ngroups = 0;
}

/* Free the model, the filter and the groups. */
void
tui_free(struct tui *tui)
{
	tui_free_groups(tui);
	model_free(&tui->model);
	free(tui->filter);
	tui->filter = NULL;
}
