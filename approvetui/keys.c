/*
 * Keyboard dispatch: a prompt takes every key while it is open; otherwise
 * the current view's handler does. Handlers change the model or the view
 * and say what they did; drawing happens later, once per loop.
 */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "approvetui.h"

#define KEYS_ESC	0x1b
#define KEYS_CTRL_L	0x0c
#define KEYS_PAGE	5	/* lines a page key scrolls the detail */

/* Read and handle every key ncurses has (and a pending KEY_RESIZE). */
void
keys_drain(struct tui *tui)
{
	wint_t	ch;
	int	rc;

	while (!tui->quit && (rc = get_wch(&ch)) != ERR) {
		if (keys_handle(tui, ch, rc == KEY_CODE_YES) == KEYS_QUIT)
			tui->quit = 1;
	}
}

/* Move the queue selection by delta rows (clamped). */
static enum keys_result
keys_move(struct tui *tui, long delta)
{
	struct req	**vis;
	size_t		  n;
	long		  i;

	if (tui_selected(tui) == NULL)
		return KEYS_IGNORED;
	n = tui_visible(tui, &vis);
	i = (long)tui->sel_index + delta;
	if (i < 0)
		i = 0;
	if (i >= (long)n)
		i = (long)n - 1;
	tui->sel_index = (size_t)i;
	strcpy(tui->sel_id, vis[i]->id);
	free(vis);
	tui->detail_scroll = 0;
	return KEYS_HANDLED;
}

/* Move the history selection by delta rows (clamped). */
static enum keys_result
keys_history_move(struct tui *tui, long delta)
{
	long	i, n = (long)tui->model.nhistory;

	i = (long)tui->hist_index + delta;
	if (i >= n)
		i = n - 1;
	if (i < 0)
		i = 0;
	tui->hist_index = (size_t)i;
	return KEYS_HANDLED;
}

/* Function keys of the pending queue: arrows, Home/End, paging. */
static enum keys_result
keys_queue_fn(struct tui *tui, wint_t ch)
{
	switch (ch) {
	case KEY_DOWN:
		return keys_move(tui, 1);
	case KEY_UP:
		return keys_move(tui, -1);
	case KEY_HOME:
		return keys_move(tui, -(long)tui->model.nqueue);
	case KEY_END:
		return keys_move(tui, (long)tui->model.nqueue);
	case KEY_NPAGE:
		tui->detail_scroll += KEYS_PAGE;
		return KEYS_HANDLED;
	case KEY_PPAGE:
		tui->detail_scroll -= tui->detail_scroll < KEYS_PAGE ?
		    tui->detail_scroll : KEYS_PAGE;
		return KEYS_HANDLED;
	}
	return KEYS_IGNORED;
}

/* Keys of the pending queue. */
static enum keys_result
keys_queue(struct tui *tui, wint_t ch, int fn)
{
	if (fn)
		return keys_queue_fn(tui, ch);
	switch (ch) {
	case 'j':
		return keys_move(tui, 1);
	case 'k':
		return keys_move(tui, -1);
	case 'a':
		prompt_approve(tui);
		return KEYS_HANDLED;
	case 'd':
		prompt_deny(tui);
		return KEYS_HANDLED;
	case '/':
		prompt_filter(tui);
		return KEYS_HANDLED;
	case KEYS_ESC:
		free(tui->filter);
		tui->filter = NULL;
		return KEYS_HANDLED;
	case 'h':
		tui->view = VIEW_HISTORY;
		return KEYS_HANDLED;
	}
	return KEYS_IGNORED;
}

/* Keys of the history view. */
static enum keys_result
keys_history(struct tui *tui, wint_t ch, int fn)
{
	if (fn && ch == KEY_DOWN)
		return keys_history_move(tui, 1);
	if (fn && ch == KEY_UP)
		return keys_history_move(tui, -1);
	if (!fn && ch == 'j')
		return keys_history_move(tui, 1);
	if (!fn && ch == 'k')
		return keys_history_move(tui, -1);
	if (!fn && (ch == 'h' || ch == KEYS_ESC)) {
		tui->view = VIEW_QUEUE;
		return KEYS_HANDLED;
	}
	return KEYS_IGNORED;
}

/* Keys of the help: scroll it, or any other key goes back. */
static enum keys_result
keys_help(struct tui *tui, wint_t ch, int fn)
{
	if ((fn && ch == KEY_DOWN) || (!fn && ch == 'j'))
		tui->help_scroll++;
	else if (fn && ch == KEY_NPAGE)
		tui->help_scroll += KEYS_PAGE;
	else if ((fn && ch == KEY_UP) || (!fn && ch == 'k'))
		tui->help_scroll -= tui->help_scroll > 0;
	else if (fn && ch == KEY_PPAGE)
		tui->help_scroll -= tui->help_scroll < KEYS_PAGE ?
		    tui->help_scroll : KEYS_PAGE;
	else
		tui->view = VIEW_QUEUE;
	return KEYS_HANDLED;
}

/* Dispatch one key: resize, the open prompt, global keys, the view. */
enum keys_result
keys_handle(struct tui *tui, wint_t ch, int fn)
{
	enum keys_result	rc;

	if (fn && ch == KEY_RESIZE) {
		tui->dirty |= DIRTY_CLEAR;
		return KEYS_HANDLED;
	}
	if (tui->prompt.kind != PROMPT_NONE)
		return prompt_key(tui, ch, fn);
	if (!fn && ch == 'q')
		return KEYS_QUIT;
	if (!fn && ch == KEYS_CTRL_L) {
		tui->dirty |= DIRTY_CLEAR;
		return KEYS_HANDLED;
	}
	if (!fn && ch == '?') {
		tui->view = tui->view == VIEW_HELP ? VIEW_QUEUE : VIEW_HELP;
		rc = KEYS_HANDLED;
	} else if (tui->view == VIEW_HELP)
		rc = keys_help(tui, ch, fn);
	else if (tui->view == VIEW_HISTORY)
		rc = keys_history(tui, ch, fn);
	else
		rc = keys_queue(tui, ch, fn);
	tui->dirty |= DIRTY_CONTENT;
	return rc;
}
