/*
 * Drawing. The screen is redrawn from the model, once per loop iteration
 * when something set a dirty bit, never from a handler or a signal. Text
 * that came from outside goes through sanitize_redacted() on its way here,
 * so credentials are hidden and ncurses only ever receives printable
 * characters. Colour is never the only sign of anything: every coloured
 * state also has a word or a marker.
 *
 *	row 0		header: connection, pending count, who, clock
 *	row 1		column titles
 *	rows 2..	the pending list (or the history list)
 *	one row		the detail title
 *	rows ..		the selection's detail (PgUp/PgDn scroll it)
 *	row LINES-2	status
 *	row LINES-1	prompt or key hints
 */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "approvetui.h"
#include "xmalloc.h"

#define SCREEN_MIN_COLS		40
#define SCREEN_MIN_LINES	12
#define SCREEN_LABEL		11	/* width of the detail labels */
#define SCREEN_URGENT_MS	(60 * 1000)
#define SCREEN_SOON_MS		(5 * 60 * 1000)
#define SCREEN_EARLIER_MAX	5
#define SCREEN_LIST_X		13	/* the list's first text column */
#define SCREEN_DENIED_MARK	'D'	/* denied lately, in the list */

enum screen_pair {
	PAIR_RED = 1,
	PAIR_YELLOW,
	PAIR_GREEN
};

enum screen_when {
	WHEN_CLOCK,
	WHEN_MINUTE,
	WHEN_SECOND
};

enum screen_kind {
	LINE_TEXT,
	LINE_BOX_TOP,
	LINE_BOX_TEXT,
	LINE_BOX_BOTTOM
};

/* One line of the detail pane. */
struct screen_line {
	enum screen_kind kind;
	const char	*label;		/* ours; NULL for none */
	char		*text;		/* owned; already sanitized */
	attr_t		 attr;
};

/* The detail pane, built afresh for each draw. Owns the lines. */
struct screen_lines {
	struct screen_line *v;
	size_t		  n;
};

/* Column widths in percent of the room right of the countdown; the last
 * column takes what remains. */
static const int screen_queue_pct[] = { 20, 30, 18, 17 };
static const int screen_history_pct[] = { 15, 20, 25, 15 };

static int		screen_active;
static int		screen_colors;
static struct termios	screen_termios;
static char		screen_reset[256];	/* screen_emergency() */
static size_t		screen_reset_len;

static const char *const screen_help_text[] = {
	"approvetui shows the high-impact actions AI agents are waiting to",
	"run. Nothing runs until analysts approve it; you sign each decision",
	"with your own key, and the executor checks your signature.",
	"",
	"KEYS",
	"  j / k, Down / Up   move the selection",
	"  a                  approve: asks \"Approve ACTION on TARGET",
	"                     (digest ...)? [y/N]\"; only y signs and sends",
	"  d                  deny: type the reason the executor will see,",
	"                     Enter sends (a reason is required), Esc cancels",
	"  /                  filter by action, target or executor; Esc clears",
	"  PgDn / PgUp        scroll the detail pane",
	"  h                  history: recent final requests and who decided",
	"  ?                  this help      Ctrl-L  repaint      q  quit",
	"",
	"THE SCREEN",
	"  The header says connected while the daemon has signed you in, else",
	"  offline. Offline rows are marked ~ (stale) and cannot be decided;",
	"  the console reconnects by itself and reloads the queue.",
	"  The list is ordered by time left, soonest first. ! means under",
	"  5 minutes, !! under 1 minute or an integrity alarm. D: an analyst",
	"  denied the same action on the same target from the same executor",
	"  in the last hour; the detail says who and why.",
	"  APPROVALS shows approvals so far / needed; \"you\": you signed.",
	"",
	"WHAT TO TRUST",
	"  Action, target, params and on-behalf-of are read from the exact",
	"  request the agent sent, after checking its SHA-256 digest. A row",
	"  reading DIGEST MISMATCH or BODY UNREADABLE failed that check: do",
	"  not trust it (it cannot be signed) and tell the operator.",
	"  The justification is the agent's own words, shown in a box marked",
	"  UNTRUSTED TEXT FROM THE AGENT: it may lie or try to persuade you.",
	"  Control and invisible characters from the agent are shown as",
	"  escapes such as \\x1b or <U+202E>; they cannot change the screen.",
	"  Secrets (parameters named like password or token, values and words",
	"  that look like keys or tokens) are shown as [REDACTED].",
	"  The digest fingerprint in the approve prompt is the first 16 hex",
	"  digits of the SHA-256 of the request you are signing.",
};

/* Remember how to put the terminal back from a signal handler. */
static void
screen_save_reset(void)
{
	const char	*caps[] = { "sgr0", "cnorm", "rmcup" };
	const char	*s;
	size_t		 i, n;

	screen_reset_len = 0;
	for (i = 0; i < sizeof caps / sizeof caps[0]; i++) {
		s = tigetstr(caps[i]);
		if (s == NULL || s == (char *)-1)
			continue;
		n = strlen(s);
		if (screen_reset_len + n >= sizeof screen_reset)
			break;
		memcpy(screen_reset + screen_reset_len, s, n);
		screen_reset_len += n;
	}
}

/* Take over the terminal: cbreak, no echo, keypad, no-delay input. */
void
screen_init(void)
{
	tcgetattr(STDIN_FILENO, &screen_termios);
	initscr();
	screen_active = 1;
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(PAIR_RED, COLOR_RED, -1);
		init_pair(PAIR_YELLOW, COLOR_YELLOW, -1);
		init_pair(PAIR_GREEN, COLOR_GREEN, -1);
		screen_colors = 1;
	}
	screen_save_reset();
}

/* Give the terminal back (idempotent; also runs from atexit). */
void
screen_end(void)
{
	if (!screen_active)
		return;
	screen_active = 0;
	if (!isendwin())
		endwin();
}

/* Best-effort terminal reset from a signal handler. */
void
screen_emergency(void)
{
	if (!screen_active)
		return;
	if (write(STDOUT_FILENO, screen_reset, screen_reset_len) < 0)
		return;
	tcsetattr(STDIN_FILENO, TCSANOW, &screen_termios);
}

/* The attributes of a colour pair, or none without colours. */
static attr_t
screen_pair(enum screen_pair p)
{
	return screen_colors ? (attr_t)COLOR_PAIR(p) : 0;
}

/* Draw sanitized text at (y, x) cut to cols; returns the columns used. */
static int
screen_put(int y, int x, int cols, const char *safe, attr_t attr)
{
	char	*clip;
	int	 w;

	if (cols <= 0)
		return 0;
	clip = sanitize_clip(safe, cols);
	attron(attr);
	mvaddstr(y, x, clip);
	attroff(attr);
	w = sanitize_width(clip);
	free(clip);
	return w;
}

/* Draw outside text at (y, x) cut to cols, credentials redacted;
 * returns the columns used. */
static int
screen_text(int y, int x, int cols, const char *raw, attr_t attr)
{
	char	*safe;
	int	 w;

	safe = sanitize_redacted(raw, SANITIZE_UNLIMITED, 0);
	w = screen_put(y, x, cols, safe, attr);
	free(safe);
	return w;
}

/* Local wall-clock time of ms: the clock, or a date with minutes or
 * seconds. */
static void
screen_time(int64_t ms, enum screen_when when, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);
	size_t		n = 0;

	localtime_r(&t, &tm);
	switch (when) {
	case WHEN_CLOCK:
		n = strftime(buf, len, "%H:%M:%S", &tm);
		break;
	case WHEN_MINUTE:
		n = strftime(buf, len, "%m-%d %H:%M", &tm);
		break;
	case WHEN_SECOND:
		n = strftime(buf, len, "%m-%d %H:%M:%S", &tm);
		break;
	}
	if (n == 0)
		snprintf(buf, len, "?");
}

/* Time left until ms as "9:58", "2h05m" or "3d04h". */
static void
screen_left(int64_t ms, char *buf, size_t len)
{
	int64_t	s = (ms - model_now_ms() + 999) / 1000;

	if (s <= 0)
		snprintf(buf, len, "expired");
	else if (s < 3600)
		snprintf(buf, len, "%d:%02d", (int)(s / 60), (int)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%dh%02dm", (int)(s / 3600),
		    (int)(s % 3600 / 60));
	else
		snprintf(buf, len, "%dd%02dh", (int)(s / 86400),
		    (int)(s % 86400 / 3600));
}

/* The connection state: "connected" only while signed in. */
static void
screen_state(const struct tui *tui, char *buf, size_t len)
{
	int64_t	s;

	switch (tui->net.phase) {
	case NET_AUTHED:
		snprintf(buf, len, "connected");
		break;
	case NET_OFFLINE:
		s = (tui->net.retry_at - model_now_ms() + 999) / 1000;
		snprintf(buf, len, "offline (retrying in %ds)",
		    (int)(s < 0 ? 0 : s));
		break;
	case NET_CONNECTING:
		snprintf(buf, len, "offline (reaching the daemon)");
		break;
	case NET_CHALLENGED:
	case NET_SIGNING_IN:
		snprintf(buf, len, "offline (signing in)");
		break;
	}
}

/* Row 0: connection state, pending count, analyst and URL, clock. */
static void
screen_header(const struct tui *tui)
{
	char	state[64], count[64], who[400], clock[16], *safe;
	attr_t	sattr;
	int	x = 1;

	screen_state(tui, state, sizeof state);
	sattr = A_BOLD | screen_pair(tui->net.phase == NET_AUTHED ?
	    PAIR_GREEN : PAIR_RED);
	snprintf(count, sizeof count, "  |  %zu pending  |  ",
	    tui->model.nqueue);
	/* Ours: a checked name and URL, never redacted. */
	snprintf(who, sizeof who, "%s @ %s", tui->analyst, tui->net.url);
	safe = sanitize_str(who, SANITIZE_UNLIMITED, 0);
	screen_time(model_now_ms(), WHEN_CLOCK, clock, sizeof clock);
	attron(A_REVERSE);
	mvhline(0, 0, ' ', COLS);
	x += screen_put(0, x, COLS - 11, state, A_REVERSE | sattr);
	x += screen_put(0, x, COLS - 11 - x, count, A_REVERSE);
	screen_put(0, x, COLS - 11 - x, safe, A_REVERSE);
	screen_put(0, COLS - 9, 8, clock, A_REVERSE);
	attroff(A_REVERSE);
	free(safe);
}

/* How many rows the list gets: a third of the middle, at least 3. */
static int
screen_list_rows(void)
{
	int	rows = (LINES - 5) / 3;

	return rows < 3 ? 3 : rows;
}

/* Draw five words in the list columns of row y. */
static void
screen_row(int y, const int pct[4], const char *const words[5], attr_t attr)
{
	int	room = COLS - SCREEN_LIST_X, x = SCREEN_LIST_X, w, i;

	for (i = 0; i < 5; i++) {
		w = i < 4 ? room * pct[i] / 100 : COLS - x;
		screen_text(y, x, w - 1, words[i], attr);
		x += w;
	}
}

/* "1/2", with "you" once this analyst signed and "sent" while waiting. */
static void
screen_approvals(const struct req *r, char *buf, size_t len)
{
	size_t	i, n = 0;

	for (i = 0; i < r->nsigs; i++) {
		if (strcmp(r->sigs[i].verdict, "approve") == 0)
			n++;
	}
	snprintf(buf, len, "%zu/%lld%s", n, (long long)r->approvals_required,
	    r->sending != NULL ? " sent" : r->you_signed ? " you" : "");
}

/* One row of the pending list. */
static void
screen_queue_row(int y, const struct req *r, int selected)
{
	const char	*words[5];
	char		 left[16], appr[32];
	int64_t		 ms = r->expires_at - model_now_ms();
	attr_t		 urgency = 0;

	if (!r->trusted || ms <= SCREEN_URGENT_MS) {
		mvaddstr(y, 1, "!!");
		urgency = A_BOLD | screen_pair(PAIR_RED);
	} else if (ms <= SCREEN_SOON_MS) {
		mvaddstr(y, 1, "!");
		urgency = screen_pair(PAIR_YELLOW);
	}
	if (r->stale)
		mvaddch(y, 3, '~');
	if (r->denied_count > 0) {
		attron(A_BOLD | screen_pair(PAIR_RED));
		mvaddch(y, 4, SCREEN_DENIED_MARK);
		attroff(A_BOLD | screen_pair(PAIR_RED));
	}
	screen_left(r->expires_at, left, sizeof left);
	mvprintw(y, 5, "%7s", left);
	mvchgat(y, 5, 7, urgency, PAIR_NUMBER(urgency), NULL);
	if (!r->trusted) {
		screen_put(y, SCREEN_LIST_X, COLS - SCREEN_LIST_X, r->alarm,
		    A_BOLD | screen_pair(PAIR_RED));
		screen_text(y, SCREEN_LIST_X + 33, COLS - SCREEN_LIST_X - 33,
		    r->id, 0);
	} else {
		words[0] = r->action;
		words[1] = r->target;
		words[2] = r->executor != NULL ? r->executor : "-";
		words[3] = r->on_behalf_of != NULL ? r->on_behalf_of : "-";
		screen_approvals(r, appr, sizeof appr);
		words[4] = appr;
		screen_row(y, screen_queue_pct, words, r->stale ? A_DIM : 0);
	}
	if (selected) {
		mvaddch(y, 0, '>');
		mvchgat(y, 0, -1, A_REVERSE, 0, NULL);
	}
}

/* The first row of the list to show so that the selection is visible. */
static size_t
screen_top(size_t sel, int rows)
{
	return sel >= (size_t)rows ? sel - (size_t)rows + 1 : 0;
}

/* The pending list, scrolled to keep the selection visible. */
static void
screen_queue_list(const struct tui *tui, struct req **vis, size_t n,
    int rows)
{
	static const char *const titles[5] = {
		"ACTION", "TARGET", "EXECUTOR", "FOR", "APPROVALS"
	};
	size_t	i, top;

	mvaddstr(1, 5, "   LEFT");
	mvchgat(1, 0, -1, A_BOLD, 0, NULL);
	screen_row(1, screen_queue_pct, titles, A_BOLD);
	if (n == 0) {
		screen_put(2, 2, COLS - 3, tui->filter != NULL ?
		    "no pending request matches the filter (Esc clears it)" :
		    "no pending requests", A_DIM);
		return;
	}
	top = screen_top(tui->sel_index, rows);
	for (i = top; i < n && i < top + (size_t)rows; i++)
		screen_queue_row(2 + (int)(i - top), vis[i],
		    i == tui->sel_index);
}

/* Append a line; takes text. */
static void
screen_add(struct screen_lines *ls, enum screen_kind kind, const char *label,
    char *text, attr_t attr)
{
	ls->v = xrealloc(ls->v, (ls->n + 1) * sizeof *ls->v);
	ls->v[ls->n].kind = kind;
	ls->v[ls->n].label = label;
	ls->v[ls->n].text = text;
	ls->v[ls->n].attr = attr;
	ls->n++;
}

/* Add sanitized text wrapped to width, the label on its first line. */
static void
screen_add_wrapped(struct screen_lines *ls, enum screen_kind kind,
    const char *label, const char *safe, int width, attr_t attr)
{
	const char	*p = safe, *next;
	size_t		 n;

	do {
		n = sanitize_wrap(p, width < 1 ? 1 : width, &next);
		screen_add(ls, kind, label, xstrndup(p, n), attr);
		label = NULL;
		p = next;
	} while (p != NULL);
}

/* Add a labelled field: printf-style, redacted, sanitized, wrapped. */
static void
screen_field(struct screen_lines *ls, const char *label, attr_t attr,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void
screen_field(struct screen_lines *ls, const char *label, attr_t attr,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*raw, *safe;

	va_start(ap, fmt);
	if (vasprintf(&raw, fmt, ap) < 0)
		raw = xstrdup("?");
	va_end(ap);
	safe = sanitize_redacted(raw, SANITIZE_UNLIMITED, 0);
	screen_add_wrapped(ls, LINE_TEXT, label, safe,
	    COLS - SCREEN_LABEL - 3, attr);
	free(safe);
	free(raw);
}

/* The agent's justification in a box that says whose words these are. */
static void
screen_box(struct screen_lines *ls, const char *raw)
{
	char	*safe;

	screen_add(ls, LINE_BOX_TOP, NULL, xstrdup(" UNTRUSTED TEXT FROM "
	    "THE AGENT: justification "), A_BOLD | screen_pair(PAIR_YELLOW));
	safe = sanitize_redacted(raw, SANITIZE_UNLIMITED, SANITIZE_NEWLINES);
	screen_add_wrapped(ls, LINE_BOX_TEXT, NULL, safe, COLS - 6, 0);
	free(safe);
	screen_add(ls, LINE_BOX_BOTTOM, NULL, xstrdup(""), 0);
}

/* One line per body parameter, "key = value" (secrets already
 * redacted by the model). */
static void
screen_params(struct screen_lines *ls, const struct req *r)
{
	size_t	i;

	if (r->nparams == 0)
		screen_field(ls, "Params", 0, "none");
	for (i = 0; i < r->nparams; i++)
		screen_field(ls, i == 0 ? "Params" : NULL, 0, "%s = %s",
		    r->params[i].key, r->params[i].value);
}

/* Each signature: who, what, when, why. */
static void
screen_signatures(struct screen_lines *ls, const struct req *r)
{
	char	at[32];
	size_t	i;

	for (i = 0; i < r->nsigs; i++) {
		screen_time(r->sigs[i].signed_at, WHEN_SECOND, at,
		    sizeof at);
		screen_field(ls, NULL, 0, "%s %s at %s%s%s%s",
		    r->sigs[i].signer, r->sigs[i].verdict, at,
		    *r->sigs[i].reason != '\0' ? ": \"" : "",
		    r->sigs[i].reason, *r->sigs[i].reason != '\0' ? "\"" : "");
	}
}

/* The groups of the rule, as "soc, ir" or "any analyst". */
static char *
screen_groups(const struct req *r)
{
	char	*out = xstrdup(""), *tmp;
	size_t	 i;

	for (i = 0; i < r->ngroups; i++) {
		xasprintf(&tmp, "%s%s%s", out, i > 0 ? ", " : "",
		    r->groups[i]);
		free(out);
		out = tmp;
	}
	if (r->ngroups == 0) {
		free(out);
		out = xstrdup("any analyst");
	}
	return out;
}

/* Who signed a final request ("bob, carol") and the reason that counts:
 * the denial's when there is one, else the last one given. */
static void
screen_by(const struct req *r, char **by, const char **reason)
{
	char	*tmp;
	size_t	 i;

	*by = xstrdup(r->nsigs == 0 ? "-" : "");
	*reason = "";
	for (i = 0; i < r->nsigs; i++) {
		xasprintf(&tmp, "%s%s%s", *by, i > 0 ? ", " : "",
		    r->sigs[i].signer);
		free(*by);
		*by = tmp;
		if (*r->sigs[i].reason != '\0' && (**reason == '\0' ||
		    strcmp(r->sigs[i].verdict, "deny") == 0))
			*reason = r->sigs[i].reason;
	}
}

/* Earlier final requests on the same target, from the history. */
static void
screen_earlier(struct screen_lines *ls, const struct tui *tui,
    const struct req *r)
{
	const struct req	*e[SCREEN_EARLIER_MAX];
	const char		*reason;
	char			 at[32], *by;
	size_t			 i, n;

	n = model_earlier(&tui->model, r, e, SCREEN_EARLIER_MAX);
	if (n == 0)
		screen_field(ls, "Earlier", 0, "nothing on this target in the "
		    "recent history");
	for (i = 0; i < n; i++) {
		screen_time(e[i]->decided_at != 0 ? e[i]->decided_at :
		    e[i]->created_at, WHEN_MINUTE, at, sizeof at);
		screen_by(e[i], &by, &reason);
		screen_field(ls, i == 0 ? "Earlier" : NULL, 0,
		    "%s %s %s by %s%s%s%s", at, e[i]->state, e[i]->action, by,
		    *reason != '\0' ? ": \"" : "", reason,
		    *reason != '\0' ? "\"" : "");
		free(by);
	}
}

/* The warning that an analyst denied the same thing lately. */
static void
screen_denied(struct screen_lines *ls, const struct req *r)
{
	char	*text;

	if ((text = model_denied_text(r)) == NULL)
		return;
	screen_field(ls, "! WARNING", A_BOLD | screen_pair(PAIR_RED), "%s",
	    text);
	free(text);
}

/* The detail of a request whose body could not be verified. */
static void
screen_detail_alarm(struct screen_lines *ls, const struct req *r)
{
	attr_t	red = A_BOLD | screen_pair(PAIR_RED);

	screen_field(ls, "!! ALARM", red, "%s", r->alarm);
	screen_field(ls, NULL, red, "The daemon's view does not prove what "
	    "the agent asked for, so it cannot be signed here. Tell the "
	    "operator.");
	screen_field(ls, "Request", 0, "%s (%s)", r->id, r->state);
	screen_field(ls, "Executor", 0, "%s", r->executor != NULL ?
	    r->executor : "-");
	screen_field(ls, "Digest", 0, "%s", r->digest[0] != '\0' ?
	    r->digest : "(missing or malformed)");
}

/* What a verified request asks for, read from its body. */
static void
screen_detail_what(struct screen_lines *ls, const struct req *r)
{
	screen_field(ls, "Action", A_BOLD, "%s", r->action);
	screen_field(ls, "Target", A_BOLD, "%s", r->target);
	screen_params(ls, r);
	screen_field(ls, "For", 0, "%s, through executor %s",
	    r->on_behalf_of != NULL ? r->on_behalf_of : "(nobody named)",
	    r->executor != NULL ? r->executor : "-");
}

/* The digest that was checked and signed, and the rule that applies. */
static void
screen_detail_proof(struct screen_lines *ls, const struct req *r)
{
	char	at[32], *groups;

	screen_time(r->created_at, WHEN_SECOND, at, sizeof at);
	screen_field(ls, "Digest", 0, "%.*s, checked; created %s",
	    TUI_FINGERPRINT, r->digest, at);
	groups = screen_groups(r);
	screen_field(ls, "Rule", 0, "%s; deciders: %s", r->rule != NULL ?
	    r->rule : "-", groups);
	free(groups);
}

/* The detail of a pending request. */
static void
screen_detail_pending(struct screen_lines *ls, const struct tui *tui,
    const struct req *r)
{
	char	left[16], at[32];
	size_t	i, n = 0;

	if (r->stale)
		screen_field(ls, "STALE", A_BOLD | screen_pair(PAIR_YELLOW),
		    "offline: this may be out of date and cannot be decided");
	screen_denied(ls, r);
	if (!r->trusted) {
		screen_detail_alarm(ls, r);
		return;
	}
	screen_detail_what(ls, r);
	for (i = 0; i < r->nsigs; i++)
		n += strcmp(r->sigs[i].verdict, "approve") == 0;
	screen_field(ls, "Approvals", 0, "%zu of %lld so far%s", n,
	    (long long)r->approvals_required, r->you_signed ?
	    "; you signed it" : r->sending != NULL ? "; yours is on its way" :
	    "");
	screen_signatures(ls, r);
	screen_box(ls, r->justification);
	screen_left(r->expires_at, left, sizeof left);
	screen_time(r->expires_at, WHEN_SECOND, at, sizeof at);
	screen_field(ls, "Expires", 0, "%s%s (at %s), then denied", strcmp(
	    left, "expired") == 0 ? "" : "in ", left, at);
	screen_detail_proof(ls, r);
	screen_earlier(ls, tui, r);
}

/* The detail of a final request, in the history. */
static void
screen_detail_final(struct screen_lines *ls, const struct req *r)
{
	char	at[32];

	screen_denied(ls, r);
	if (!r->trusted) {
		screen_detail_alarm(ls, r);
		return;
	}
	screen_time(r->decided_at != 0 ? r->decided_at : r->created_at,
	    WHEN_SECOND, at, sizeof at);
	screen_field(ls, "Outcome", A_BOLD, "%s at %s", r->state, at);
	screen_detail_what(ls, r);
	screen_field(ls, "Signatures", 0, "%zu", r->nsigs);
	screen_signatures(ls, r);
	screen_box(ls, r->justification);
	screen_detail_proof(ls, r);
}

/* Free the detail lines. */
static void
screen_lines_free(struct screen_lines *ls)
{
	size_t	i;

	for (i = 0; i < ls->n; i++)
		free(ls->v[i].text);
	free(ls->v);
}

/* Draw one detail line on row y. */
static void
screen_line(int y, const struct screen_line *l)
{
	switch (l->kind) {
	case LINE_TEXT:
		if (l->label != NULL)
			screen_put(y, 1, SCREEN_LABEL, l->label,
			    A_BOLD | l->attr);
		screen_put(y, SCREEN_LABEL + 2, COLS - SCREEN_LABEL - 3,
		    l->text, l->attr);
		break;
	case LINE_BOX_TOP:
	case LINE_BOX_BOTTOM:
		mvaddch(y, 1, l->kind == LINE_BOX_TOP ? ACS_ULCORNER :
		    ACS_LLCORNER);
		mvhline(y, 2, ACS_HLINE, COLS - 4);
		mvaddch(y, COLS - 2, l->kind == LINE_BOX_TOP ? ACS_URCORNER :
		    ACS_LRCORNER);
		screen_put(y, 3, COLS - 6, l->text, l->attr);
		break;
	case LINE_BOX_TEXT:
		mvaddch(y, 1, ACS_VLINE);
		screen_put(y, 3, COLS - 6, l->text, l->attr);
		mvaddch(y, COLS - 2, ACS_VLINE);
		break;
	}
}

/* The separator above the detail, then the detail from its scroll
 * position down to the status line. */
static void
screen_pane(struct tui *tui, int y, struct screen_lines *ls,
    const char *title)
{
	char	where[64];
	int	rows = LINES - 3 - y, i;
	size_t	max;

	max = ls->n > (size_t)rows ? ls->n - (size_t)rows : 0;
	if ((size_t)tui->detail_scroll > max)
		tui->detail_scroll = (int)max;
	mvhline(y, 0, ACS_HLINE, COLS);
	where[0] = '\0';
	if (max > 0)
		snprintf(where, sizeof where, " lines %d-%zu of %zu, "
		    "PgDn/PgUp ", tui->detail_scroll + 1,
		    (size_t)tui->detail_scroll + (size_t)rows, ls->n);
	screen_put(y, COLS - 2 - sanitize_width(where), COLS / 2, where, 0);
	screen_text(y, 2, COLS - 5 - sanitize_width(where), title, A_BOLD);
	for (i = 0; i < rows && (size_t)(tui->detail_scroll + i) < ls->n; i++)
		screen_line(y + 1 + i, &ls->v[tui->detail_scroll + i]);
}

/* The queue view: list, then the selection's detail. */
static void
screen_queue(struct tui *tui)
{
	struct screen_lines	  ls = { NULL, 0 };
	struct req		**vis, *sel;
	char			 *title;
	size_t			  n;
	int			  rows = screen_list_rows();

	sel = tui_selected(tui);
	n = tui_visible(tui, &vis);
	screen_queue_list(tui, vis, n, rows);
	free(vis);
	if (sel != NULL)
		screen_detail_pending(&ls, tui, sel);
	if (tui->filter != NULL)
		xasprintf(&title, " %s  (filter \"%s\": %zu of %zu) ",
		    sel != NULL ? sel->id : "", tui->filter, n,
		    tui->model.nqueue);
	else
		xasprintf(&title, "%s%s%s", sel != NULL ? " " : "",
		    sel != NULL ? sel->id : "", sel != NULL ? " " : "");
	screen_pane(tui, 2 + rows, &ls, title);
	free(title);
	screen_lines_free(&ls);
}

/* The attributes of an outcome word. */
static attr_t
screen_outcome(const char *state)
{
	if (strcmp(state, "approved") == 0)
		return A_BOLD | screen_pair(PAIR_GREEN);
	if (strcmp(state, "denied") == 0)
		return A_BOLD | screen_pair(PAIR_RED);
	if (strcmp(state, "expired") == 0)
		return screen_pair(PAIR_YELLOW);
	return 0;
}

/* One row of the history list: when, outcome, what, who and why. */
static void
screen_history_row(int y, const struct req *r, int selected)
{
	const char	*words[5], *reason;
	char		 at[32], *by;
	attr_t		 outcome;

	screen_time(r->decided_at != 0 ? r->decided_at : r->created_at,
	    WHEN_MINUTE, at, sizeof at);
	screen_put(y, 1, 11, at, 0);
	if (!r->trusted)
		screen_put(y, SCREEN_LIST_X, COLS - SCREEN_LIST_X, r->alarm,
		    A_BOLD | screen_pair(PAIR_RED));
	else {
		screen_by(r, &by, &reason);
		words[0] = r->state;
		words[1] = r->action;
		words[2] = r->target;
		words[3] = by;
		words[4] = reason;
		screen_row(y, screen_history_pct, words, 0);
		free(by);
		outcome = screen_outcome(r->state);
		mvchgat(y, SCREEN_LIST_X, (int)strlen(r->state), outcome,
		    PAIR_NUMBER(outcome), NULL);
	}
	if (selected) {
		mvaddch(y, 0, '>');
		mvchgat(y, 0, -1, A_REVERSE, 0, NULL);
	}
}

/* The history view: recent final requests and the selected one. */
static void
screen_history(struct tui *tui)
{
	static const char *const titles[5] = {
		"OUTCOME", "ACTION", "TARGET", "BY", "REASON"
	};
	struct screen_lines	 ls = { NULL, 0 };
	const struct model	*m = &tui->model;
	size_t			 i, top;
	int			 rows = screen_list_rows();

	mvaddstr(1, 1, "DECIDED");
	mvchgat(1, 0, -1, A_BOLD, 0, NULL);
	screen_row(1, screen_history_pct, titles, A_BOLD);
	if (m->nhistory == 0)
		screen_put(2, 2, COLS - 3, "no final requests yet", A_DIM);
	if (tui->hist_index >= m->nhistory)
		tui->hist_index = m->nhistory > 0 ? m->nhistory - 1 : 0;
	top = screen_top(tui->hist_index, rows);
	for (i = top; i < m->nhistory && i < top + (size_t)rows; i++)
		screen_history_row(2 + (int)(i - top), m->history[i],
		    i == tui->hist_index);
	if (m->nhistory > 0)
		screen_detail_final(&ls, m->history[tui->hist_index]);
	screen_pane(tui, 2 + rows, &ls, " HISTORY: recent final requests, "
	    "newest first ");
	screen_lines_free(&ls);
}

/* The help, scrolled to tui->help_scroll. */
static void
screen_help(struct tui *tui)
{
	size_t	i, n = sizeof screen_help_text / sizeof *screen_help_text;
	size_t	rows = (size_t)(LINES - 4), max;

	max = n > rows ? n - rows : 0;
	if ((size_t)tui->help_scroll > max)
		tui->help_scroll = (int)max;
	screen_put(1, 1, COLS - 2, max > 0 ? "HELP  (j/k or PgDn/PgUp scroll, "
	    "any other key returns)" : "HELP  (any key returns)", A_BOLD);
	for (i = 0; i < rows && (size_t)tui->help_scroll + i < n; i++)
		screen_put(2 + (int)i, 1, COLS - 2,
		    screen_help_text[(size_t)tui->help_scroll + i], 0);
}

/* The approval question: action, target and the digest being signed. */
static void
screen_confirm(const struct tui *tui)
{
	const struct req	*r;
	char			*action, *target, tail[64];
	int			 x = 0, avail, aw;
	attr_t			 a = A_BOLD;

	if ((r = model_find(&tui->model, tui->prompt.id)) == NULL ||
	    !r->trusted)
		return;
	action = sanitize_redacted(r->action, SANITIZE_UNLIMITED, 0);
	target = sanitize_redacted(r->target, SANITIZE_UNLIMITED, 0);
	snprintf(tail, sizeof tail, " (digest %.*s)? [y/N]", TUI_FINGERPRINT,
	    tui->prompt.digest);
	avail = COLS - 1 - 12 - sanitize_width(tail);
	aw = sanitize_width(action);
	if (aw + sanitize_width(target) > avail && aw > avail / 3)
		aw = avail / 3;
	x += screen_put(LINES - 1, x, COLS - x, "Approve ", a);
	x += screen_put(LINES - 1, x, aw, action, a);
	x += screen_put(LINES - 1, x, COLS - x, " on ", a);
	x += screen_put(LINES - 1, x, COLS - 1 - x - sanitize_width(tail),
	    target, a);
	screen_put(LINES - 1, x, COLS - 1 - x, tail, a);
	free(action);
	free(target);
}

/* A line of input after a question; leaves the cursor at its end. */
static void
screen_input(const struct tui *tui, const char *question)
{
	char		*safe;
	const char	*p;
	int		 x;

	x = screen_text(LINES - 1, 0, COLS / 2, question, A_BOLD);
	safe = sanitize(tui->prompt.buf, tui->prompt.len, SANITIZE_UNLIMITED,
	    0);
	/* Show the end of a long input, where the typing happens. */
	for (p = safe; *p != '\0' && sanitize_width(p) > COLS - 2 - x; p++)
		while ((p[1] & 0xc0) == 0x80)
			p++;
	x += screen_put(LINES - 1, x, COLS - 1 - x, p, 0);
	free(safe);
	move(LINES - 1, x);
}

/* The question of a denial: what is being denied. */
static void
screen_reason(const struct tui *tui)
{
	const struct req	*r;
	char			*q;

	if ((r = model_find(&tui->model, tui->prompt.id)) == NULL ||
	    !r->trusted)
		return;
	xasprintf(&q, "Deny %s on %s, reason: ", r->action, r->target);
	screen_input(tui, q);
	free(q);
}

/* The status line and the bottom line (a prompt or the key hints). */
static void
screen_bottom(const struct tui *tui)
{
	static const char *const hints[] = {
		[VIEW_QUEUE] = "j/k move  a approve  d deny  / filter  "
		    "h history  ? help  q quit",
		[VIEW_HISTORY] = "j/k move  h or Esc back  ? help  q quit",
		[VIEW_HELP] = "j/k scroll  any other key: back  q quit",
	};

	screen_text(LINES - 2, 1, COLS - 2, tui->status, tui->status_alarm ?
	    A_BOLD | screen_pair(PAIR_RED) : 0);
	curs_set(tui->prompt.kind == PROMPT_REASON ||
	    tui->prompt.kind == PROMPT_FILTER);
	switch (tui->prompt.kind) {
	case PROMPT_CONFIRM:
		screen_confirm(tui);
		break;
	case PROMPT_REASON:
		screen_reason(tui);
		break;
	case PROMPT_FILTER:
		screen_input(tui, "Filter (action, target, executor; Enter "
		    "applies, Esc cancels): ");
		break;
	case PROMPT_NONE:
		screen_put(LINES - 1, 1, COLS - 2, hints[tui->view], A_DIM);
		break;
	}
}

/* Redraw everything from the model when something is dirty. */
void
screen_draw(struct tui *tui)
{
	if (tui->dirty == 0)
		return;
	if (tui->dirty & DIRTY_CLEAR)
		clearok(curscr, TRUE);
	erase();
	if (COLS < SCREEN_MIN_COLS || LINES < SCREEN_MIN_LINES)
		screen_put(0, 0, COLS, "terminal too small for approvetui "
		    "(40x12 at least)", A_BOLD);
	else {
		screen_header(tui);
		if (tui->view == VIEW_HISTORY)
			screen_history(tui);
		else if (tui->view == VIEW_HELP)
			screen_help(tui);
		else
			screen_queue(tui);
		screen_bottom(tui);
	}
	refresh();
	if (tui->bell_pending && tui->bell)
		beep();
	tui->bell_pending = 0;
	tui->dirty = 0;
}
