/*
 * The prompts on the bottom line: the approval confirmation, the reason
 * for a denial and the filter. A confirmation remembers the id and the
 * digest the analyst was shown, and msg_decide() signs only that.
 */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "approvetui.h"
#include "xmalloc.h"

#define PROMPT_ESC	0x1b
#define PROMPT_CTRL_U	0x15

/* Open a prompt about the selected request, when it may be decided. */
static int
prompt_open(struct tui *tui, enum prompt_kind kind)
{
	struct req	*r;
	const char	*why;

	if ((r = tui_selected(tui)) == NULL) {
		tui_status(tui, 1, "no request is selected");
		return -1;
	}
	if ((why = msg_refusal(tui, r)) != NULL) {
		tui_status(tui, 1, "%s", why);
		return -1;
	}
	memset(&tui->prompt, 0, sizeof tui->prompt);
	tui->prompt.kind = kind;
	strcpy(tui->prompt.id, r->id);
	strcpy(tui->prompt.digest, r->digest);
	tui->dirty |= DIRTY_CONTENT;
	return 0;
}

/* a: ask "Approve ACTION on TARGET (digest ...)? [y/N]". */
void
prompt_approve(struct tui *tui)
{
	prompt_open(tui, PROMPT_CONFIRM);
}

/* d: ask for the reason of a denial. */
void
prompt_deny(struct tui *tui)
{
	if (prompt_open(tui, PROMPT_REASON) == 0)
		tui_status(tui, 0, "type the reason the executor will see");
}

/* /: edit the filter, starting from the current one. */
void
prompt_filter(struct tui *tui)
{
	memset(&tui->prompt, 0, sizeof tui->prompt);
	tui->prompt.kind = PROMPT_FILTER;
	if (tui->filter != NULL) {
		tui->prompt.len = strlen(tui->filter);
		memcpy(tui->prompt.buf, tui->filter, tui->prompt.len);
	}
	tui->dirty |= DIRTY_CONTENT;
}

/* Append a typed character as UTF-8, within PROTO_REASON_MAX bytes. */
int
prompt_insert(struct prompt *p, wint_t ch)
{
	unsigned char	u[4];
	size_t		n;
	uint32_t	c = (uint32_t)ch;

	if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return -1;
	if (c < 0x80) {
		u[0] = (unsigned char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (unsigned char)(0xc0 | c >> 6);
		u[1] = (unsigned char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (unsigned char)(0xe0 | c >> 12);
		u[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | c >> 18);
		u[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (c & 0x3f));
		n = 4;
	}
	if (p->len + n > PROTO_REASON_MAX)
		return -1;
	memcpy(p->buf + p->len, u, n);
	p->len += n;
	p->buf[p->len] = '\0';
	return 0;
}

/* Remove the last UTF-8 character. */
void
prompt_backspace(struct prompt *p)
{
	while (p->len > 0 && (p->buf[p->len - 1] & 0xc0) == 0x80)
		p->len--;
	if (p->len > 0)
		p->len--;
	p->buf[p->len] = '\0';
}

/* 1 for Enter, however the terminal sends it. */
static int
prompt_is_enter(wint_t ch, int fn)
{
	return fn ? ch == KEY_ENTER : (ch == '\n' || ch == '\r');
}

/* Edit the line: 1 when the key was an editing key. */
static int
prompt_edit(struct tui *tui, wint_t ch, int fn)
{
	struct prompt	*p = &tui->prompt;

	if ((fn && ch == KEY_BACKSPACE) || (!fn && (ch == 0x7f || ch == 0x8)))
		prompt_backspace(p);
	else if (!fn && ch == PROMPT_CTRL_U) {
		p->len = 0;
		p->buf[0] = '\0';
	} else if (fn || prompt_insert(p, ch) != 0) {
		if (!fn && ch >= 0x20 && p->kind == PROMPT_REASON)
			tui_status(tui, 1, "the reason is limited to %d bytes",
			    PROTO_REASON_MAX);
		return 0;
	}
	return 1;
}

/* y signs and sends the approval; any other key cancels. */
static enum keys_result
prompt_confirm_key(struct tui *tui, wint_t ch, int fn)
{
	tui->prompt.kind = PROMPT_NONE;
	if (!fn && (ch == 'y' || ch == 'Y'))
		msg_decide(tui, tui->prompt.id, tui->prompt.digest, "approve",
		    "");
	else
		tui_status(tui, 0, "approval cancelled; nothing was sent");
	return KEYS_HANDLED;
}

/* Enter sends the denial with its reason; Esc cancels. */
static enum keys_result
prompt_reason_key(struct tui *tui, wint_t ch, int fn)
{
	struct prompt	*p = &tui->prompt;

	if (!fn && ch == PROMPT_ESC) {
		p->kind = PROMPT_NONE;
		tui_status(tui, 0, "denial cancelled; nothing was sent");
	} else if (prompt_is_enter(ch, fn)) {
		if (p->len == 0) {
			tui_status(tui, 1, "a denial needs a reason: type one "
			    "and press Enter, or Esc to cancel");
			return KEYS_HANDLED;
		}
		p->kind = PROMPT_NONE;
		msg_decide(tui, p->id, p->digest, "deny", p->buf);
	} else if (!prompt_edit(tui, ch, fn))
		return KEYS_IGNORED;
	return KEYS_HANDLED;
}

/* Enter applies the filter (empty clears it); Esc keeps the old one. */
static enum keys_result
prompt_filter_key(struct tui *tui, wint_t ch, int fn)
{
	struct prompt	*p = &tui->prompt;

	if (!fn && ch == PROMPT_ESC)
		p->kind = PROMPT_NONE;
	else if (prompt_is_enter(ch, fn)) {
		p->kind = PROMPT_NONE;
		free(tui->filter);
		tui->filter = p->len > 0 ? xstrdup(p->buf) : NULL;
		tui->sel_index = 0;
	} else if (!prompt_edit(tui, ch, fn))
		return KEYS_IGNORED;
	return KEYS_HANDLED;
}

/* Give a key to the open prompt. */
enum keys_result
prompt_key(struct tui *tui, wint_t ch, int fn)
{
	enum keys_result	rc = KEYS_IGNORED;

	switch (tui->prompt.kind) {
	case PROMPT_CONFIRM:
		rc = prompt_confirm_key(tui, ch, fn);
		break;
	case PROMPT_REASON:
		rc = prompt_reason_key(tui, ch, fn);
		break;
	case PROMPT_FILTER:
		rc = prompt_filter_key(tui, ch, fn);
		break;
	case PROMPT_NONE:
		break;
	}
	tui->dirty |= DIRTY_CONTENT;
	return rc;
}
