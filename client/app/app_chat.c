/*
 * app_chat.c: the room's text chat in the desktop client. Enter opens the
 * chat line (keys type instead of moving), Enter sends, Esc closes. A line
 * goes to the room; "/z " sends to one's zone only, "/q " asks a question,
 * and staff have "/a " (an announcement everyone sees) and "/answer" (marks
 * the oldest open question answered). "/save" writes the chat to a text
 * file and "/save-board" the board as PNG (app_board.c), so the notes leave
 * the room; "/clear-board" clears the board (staff).
 * The panel shows the newest lines;
 * announcements and refusals also come up as notices. Lessons are driven
 * from the same line: "/lesson NAME" starts one on the first board and
 * "/lesson stop" ends it (instructors), "/next" asks for one's next step;
 * a lesson panel shows the step's prompt and the server's score.
 */
#include "app.h"
#include "plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APP_CHAT_SHOWN 8
#define APP_CHAT_SHOW_US 20000000u /* the panel fades this long after the last line */
#define APP_RESULTS_SHOW_US 120000000u /* a lesson's results show this long after it ends */
#define APP_LEADERS 5 /* the leaderboard's lines */
#define PANEL 0xc0101218u
#define TEXT 0xfff2f4f8u
#define DIM 0xffa8b0bcu
#define ZONE 0xff9fd2ffu
#define ANNOUNCE 0xfff0c878u
#define QUESTION 0xffc8a8ffu
#define REFUSED 0xfff05a5au

static const char *const scope_tags[PROTO_CHAT_SCOPE_COUNT] = {"", "[zone] ", "[announcement] ",
							       "[question] "};

bool app_chat_start(struct app *a)
{
	a->board = calloc(1, sizeof(*a->board));
	if (!a->board || cl_board_init(a->board) != CORE_OK) {
		free(a->board);
		a->board = NULL;
		app_notice(a, REFUSED, "No memory for the room's chat and boards");
		return false;
	}
	return true;
}

void app_chat_attach(struct app *a)
{
	if (a->board)
		cl_conn_attach_board(&a->conn, a->board);
}

void app_chat_close(struct app *a)
{
	if (a->board) {
		cl_board_fini(a->board);
		free(a->board);
		a->board = NULL;
	}
}

static const char *who(const struct app *a, const struct cl_chat_line *l)
{
	return l->own ? a->conn.welcome.name : l->chat.name[0] ? l->chat.name : "someone";
}

/* The chat as text, oldest first: "/save". */
static void save(struct app *a)
{
	char path[128], stamp[16];
	struct tm tm;
	app_file_stamp(stamp, &tm);
	snprintf(path, sizeof(path), "lyceum-chat-%s-%s.txt", a->conn.welcome.room, stamp);
	FILE *f = fopen(path, "w");
	if (!f) {
		app_notice(a, REFUSED, "Cannot write %.60s here", path);
		return;
	}
	fprintf(f, "# The chat of room %s, saved %04d-%02d-%02d %02d:%02d, oldest first\n",
		a->conn.welcome.room, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		tm.tm_min);
	for (uint32_t i = 0; i < a->board->chat_count; i++) {
		const struct cl_chat_line *l = cl_chat_line(a->board, i);
		fprintf(f, "%s%s: %s%s\n", scope_tags[l->chat.scope], who(a, l), l->chat.text,
			l->chat.answered ? " (answered)" : "");
	}
	bool ok = fclose(f) == 0;
	app_notice(a, ok ? TEXT : REFUSED, ok ? "Chat saved to %.80s" : "Could not write %.80s", path);
}

/* The oldest open question, of `from` (a display name) when not NULL. */
static const struct cl_chat_line *oldest_open_question(const struct app *a, const char *from)
{
	for (uint32_t i = 0; i < a->board->chat_count; i++) {
		const struct cl_chat_line *l = cl_chat_line(a->board, i);
		if (l->chat.scope == PROTO_CHAT_QUESTION && !l->chat.answered &&
		    (!from || !strcmp(who(a, l), from)))
			return l;
	}
	return NULL;
}

/* Staff: every item that is held or away back on its spawn ("/return-items"),
 * at the end of an activity or from a student who will not put it down. */
static void return_items(struct app *a)
{
	if (!proto_perm_allows((enum proto_role)a->conn.welcome.role, PROTO_PERM_RETURN_ITEMS)) {
		app_notice(a, REFUSED, "Not sent: only staff send items home");
		return;
	}
	/* Half the item bucket's burst at a time: a grab may follow. */
	const int most = (int)proto_bucket_spec(PROTO_BUCKET_ITEM)->burst / 2;
	struct cl_item_view views[SIM_MAX_ITEMS];
	int n = a->world ? cl_conn_view_items(&a->conn, plat_time_us(), views, SIM_MAX_ITEMS) : 0, sent = 0;
	for (int k = 0; k < n && sent < most; k++) {
		const struct sim_item *home = &a->world->items[views[k].index];
		bool away = views[k].holder || labs((long)(views[k].x_mm - home->pos.x_mm)) > 10 ||
			    labs((long)(views[k].y_mm - home->pos.y_mm)) > 10;
		sent += away && cl_item_request(&a->conn, views[k].index, PROTO_ITEM_RETURN) == CORE_OK;
	}
	if (sent == most)
		app_notice(a, DIM, "Sent %d items home; /return-items again for any left", sent);
	else if (sent)
		app_notice(a, DIM, "Sent %d item%s home", sent, sent == 1 ? "" : "s");
	else
		app_notice(a, DIM, "Every item is home");
}

static void save_results(struct app *a);

/* Staff: NAME's newest line out of the room's history ("/remove NAME"). */
static void remove_line(struct app *a, const char *name)
{
	char why[128];
	for (uint32_t i = a->board->chat_count; i-- > 0;) {
		const struct cl_chat_line *l = cl_chat_line(a->board, i);
		if (l->chat.scope == PROTO_CHAT_ZONE || strcmp(who(a, l), name))
			continue;
		if (!cl_chat_remove(&a->conn, l->author, l->op_id, why, sizeof(why)))
			app_notice(a, REFUSED, "Not removed: %.100s", why);
		else
			app_notice(a, DIM, "Removing %.31s's line \"%.40s\"", name, l->chat.text);
		return;
	}
	app_notice(a, DIM, "No line of %.31s to remove", name);
}

static void send_line(struct app *a, const char *line)
{
	static const struct {
		const char *prefix;
		enum proto_chat_scope scope;
	} prefixes[] = {{"/z ", PROTO_CHAT_ZONE}, {"/q ", PROTO_CHAT_QUESTION}, {"/a ", PROTO_CHAT_ANNOUNCE}};
	char why[128];
	if (!strcmp(line, "/save")) {
		save(a);
		return;
	}
	if (!strcmp(line, "/save-results")) {
		save_results(a);
		return;
	}
	if (!strcmp(line, "/save-board")) {
		(void)app_board_save(a);
		return;
	}
	if (!strcmp(line, "/clear-board")) {
		(void)app_board_clear(a);
		return;
	}
	if (!strncmp(line, "/remove ", 8)) {
		remove_line(a, line + 8);
		return;
	}
	if (!strcmp(line, "/return-items")) {
		return_items(a);
		return;
	}
	if (!strcmp(line, "/lesson")) {
		app_notice(a, DIM, "/lesson NAME starts a lesson on board 1 (staff); /lesson stop ends it");
		return;
	}
	if (!strncmp(line, "/next ", 6)) { /* staff: that student on, passed or not */
		if (cl_lesson_request(&a->conn, PROTO_LESSON_NEXT, 0, line + 6) != CORE_OK)
			app_notice(a, REFUSED, "Not sent: '%.40s' is too long for a name", line + 6);
		else
			app_notice(a, DIM, "Asked to move %.31s on to the next step", line + 6);
		return;
	}
	if (!strncmp(line, "/lesson ", 8) || !strcmp(line, "/next")) {
		bool next = !strcmp(line, "/next"), halt = !strcmp(line, "/lesson stop");
		enum proto_lesson_action act = next ? PROTO_LESSON_NEXT
					       : halt ? PROTO_LESSON_STOP
						      : PROTO_LESSON_START;
		if (cl_lesson_request(&a->conn, act, 0, next || halt ? "" : line + 8) != CORE_OK)
			app_notice(a, REFUSED, "Not sent: '%.40s' is not a lesson's name (letters, digits, "
					       "'.', '_' and '-', at most 31)", line + 8);
		return;
	}
	if (!strcmp(line, "/answer") || !strncmp(line, "/answer ", 8)) {
		const char *from = line[7] ? line + 8 : NULL;
		const struct cl_chat_line *q = oldest_open_question(a, from);
		if (!q)
			app_notice(a, DIM, "No open question%s%.31s", from ? " from " : "",
				   from ? from : "");
		else if (!cl_chat_answer(&a->conn, q->author, q->op_id, why, sizeof(why)))
			app_notice(a, REFUSED, "Not marked: %.100s", why);
		return;
	}
	enum proto_chat_scope scope = PROTO_CHAT_ROOM;
	bool command = line[0] == '/';
	for (size_t i = 0; i < CORE_ARRAY_LEN(prefixes); i++) {
		size_t n = strlen(prefixes[i].prefix);
		if (!strncmp(line, prefixes[i].prefix, n)) {
			scope = prefixes[i].scope;
			line += n;
			command = false;
		}
	}
	/* A mistyped command is not said to the room; "//" says a line that
	 * starts with "/". */
	if (command && line[1] == '/') {
		line++;
	} else if (command) {
		app_notice(a, REFUSED, "Not sent: no command '%.20s' (// says a line starting with /)",
			   line);
		app_notice(a, DIM, "Commands: /z /q /a TEXT, /answer [NAME], /remove NAME, /save, "
				   "/save-board, /save-results, /clear-board, /return-items");
		app_notice(a, DIM, "and /lesson NAME|stop, /next [NAME]");
		return;
	}
	if (!cl_chat_send(&a->conn, scope, line, why, sizeof(why)))
		app_notice(a, REFUSED, "Not sent: %.100s", why);
}

/* Drops the last UTF-8 character of the line. */
static void backspace(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && ((unsigned char)s[n - 1] & 0xc0) == 0x80)
		n--;
	s[n > 0 ? n - 1 : 0] = '\0';
}

bool app_chat_input(struct app *a)
{
	struct plat_input *in = &a->input;
	if (!a->chat_open) {
		if (!in->pressed[PLAT_ACT_CHAT] || a->link != APP_LINK_JOINED || !a->board)
			return false;
		a->chat_open = true;
		a->chat_line[0] = '\0';
		a->win->set_typing(a->win, true);
		memset(in->held, 0, sizeof(in->held)); /* the avatar stops while we type */
		return true;
	}
	if (strlen(a->chat_line) + strlen(in->text) < sizeof(a->chat_line))
		strcat(a->chat_line, in->text);
	for (int i = 0; i < in->pressed[PLAT_ACT_BACKSPACE]; i++)
		backspace(a->chat_line);
	bool send = in->pressed[PLAT_ACT_CHAT] > 0, cancel = in->pressed[PLAT_ACT_CANCEL] > 0;
	if (send || cancel || a->link != APP_LINK_JOINED) {
		/* Spaces at either end are not part of the message. */
		char *s = a->chat_line;
		while (*s == ' ')
			s++;
		size_t n = strlen(s);
		while (n && s[n - 1] == ' ')
			s[--n] = '\0';
		if (send && *s && a->link == APP_LINK_JOINED)
			send_line(a, s);
		a->chat_open = false;
		a->win->set_typing(a->win, false);
	}
	/* Typing: no key acts. */
	memset(in->pressed, 0, sizeof(in->pressed));
	memset(in->held, 0, sizeof(in->held));
	return true;
}

void app_chat_event(struct app *a, const struct cl_event *ev, uint64_t now_us)
{
	if (ev->type == CL_EVENT_LESSON && a->board && !ev->board.author &&
	    a->board->lesson.info.name[0]) {
		/* A snapshot tells where the room stands, not what just happened:
		 * a lesson that ended before we came is not announced. */
		bool active = a->board->lesson.info.active;
		a->lesson_ended_us = active || ev->board.snapshot ? 0 : now_us;
		if (!ev->board.snapshot || active)
			app_notice(a, ANNOUNCE, "Lesson \"%.60s\" %s", a->board->lesson.info.title,
				   ev->board.snapshot ? "is on" : active ? "started" : "ended");
		return;
	}
	if (ev->type == CL_EVENT_BOARD_REFUSED) {
		app_notice(a, REFUSED, "Not done: %.100s", proto_log_reason_name(ev->board.reason));
		return;
	}
	if (ev->type != CL_EVENT_CHAT || !a->board || !a->board->chat_count)
		return;
	a->chat_seen_us = now_us;
	if (!ev->board.op_id)
		return; /* the history reloaded, or an answer */
	/* The event's line: the newest, unless more came in the same batch. */
	for (uint32_t i = a->board->chat_count; i-- > 0;) {
		const struct cl_chat_line *l = cl_chat_line(a->board, i);
		if (l->op_id != ev->board.op_id || l->author != ev->board.author)
			continue;
		if (l->chat.scope == PROTO_CHAT_ANNOUNCE && !l->own)
			app_notice(a, ANNOUNCE, "%.31s: %.90s", who(a, l), l->chat.text);
		return;
	}
}

/* The lesson's students by their points, most first: up to n authors in
 * top; returns how many are enrolled. *mine: our place (0: not enrolled). */
static int leaders(const struct cl_lesson *l, uint16_t me, uint16_t *top, int n, int *mine)
{
	int count = 0, used = 0;
	*mine = 0;
	for (uint16_t au = 1; au < SIM_BOARD_AUTHORS; au++) {
		if (!l->enrolled[au])
			continue;
		count++;
		int at = used < n ? used : n;
		while (at > 0 && l->points[top[at - 1]] < l->points[au])
			at--;
		if (at < n) {
			memmove(&top[at + 1], &top[at], sizeof(top[0]) * (size_t)(CORE_MIN(used, n - 1) - at));
			top[at] = au;
			used = CORE_MIN(used + 1, n);
		}
	}
	if (me && l->enrolled[me]) {
		*mine = 1;
		for (uint16_t au = 1; au < SIM_BOARD_AUTHORS; au++)
			*mine += l->enrolled[au] && l->points[au] > l->points[me];
	}
	return count;
}

/* The name of the member who draws as author, else the name it took part
 * in the lesson under, else "someone who left". */
static const char *author_name(const struct app *a, uint16_t author)
{
	for (int i = 0; i < a->conn.roster_count; i++)
		if (a->conn.roster[i].author == author)
			return a->conn.roster[i].name;
	const char *was = a->board->lesson.names[author];
	return was[0] ? was : "someone who left";
}

/* Staff: the lesson's results as CSV ("/save-results"), running or ended:
 * place, name, points (each step's best score in percent, summed), steps
 * done, so the marks leave the room. */
static void save_results(struct app *a)
{
	const struct cl_lesson *l = &a->board->lesson;
	if (!proto_role_is_staff((enum proto_role)a->conn.welcome.role)) {
		app_notice(a, REFUSED, "Only staff export results");
		return;
	}
	if (!l->info.name[0]) {
		app_notice(a, DIM, "No lesson has run in this room since you came");
		return;
	}
	static uint16_t order[SIM_BOARD_AUTHORS];
	int mine, count = leaders(l, 0, order, SIM_BOARD_AUTHORS - 1, &mine);
	char path[160], stamp[16];
	app_file_stamp(stamp, NULL);
	snprintf(path, sizeof(path), "lyceum-results-%s-%s-%s.csv", a->conn.welcome.room,
		 l->info.name, stamp);
	FILE *f = fopen(path, "w");
	if (!f) {
		app_notice(a, REFUSED, "Cannot write %.60s here", path);
		return;
	}
	fprintf(f, "place,name,points,steps_done,steps\n");
	for (int i = 0; i < count; i++) {
		uint16_t au = order[i];
		fprintf(f, "%d,", i + 1);
		/* A name is quoted, its quotes doubled (RFC 4180). */
		fputc('"', f);
		for (const char *c = author_name(a, au); *c; c++) {
			if (*c == '"')
				fputc('"', f);
			fputc(*c, f);
		}
		fprintf(f, "\",%u,%u,%u\n", (l->points[au] + 5) / 10,
			CORE_MIN(l->step[au], l->info.step_count), l->info.step_count);
	}
	bool ok = fclose(f) == 0;
	app_notice(a, ok ? TEXT : REFUSED, ok ? "Results saved to %.80s" : "Could not write %.80s", path);
}

/* The lesson: its title, our step's prompt, the server's score, and the
 * leaderboard (while it runs, and a while after it ends). */
static void lesson_panel(struct app *a, uint64_t now_us)
{
	const struct cl_lesson *l = &a->board->lesson;
	bool results = !l->info.active && l->info.name[0] && a->lesson_ended_us &&
		       now_us < a->lesson_ended_us + APP_RESULTS_SHOW_US;
	if (!l->info.active && !results)
		return;
	struct rnd *r = a->rnd;
	const struct rnd_stats *st = rnd_get_stats(r);
	float lh = rnd_line_height(r, RND_FONT_SMALL) + 3.0f;
	char line1[160], line2[260], line3[160] = "";
	snprintf(line1, sizeof(line1), results ? "Lesson ended: %s" : "Lesson: %s", l->info.title);
	bool enrolled = l->enrolled[a->board->author];
	if (results)
		snprintf(line2, sizeof(line2), "Results: the best score of each step, summed");
	else if (!enrolled)
		snprintf(line2, sizeof(line2), "%u steps; students trace them in their practice areas",
			 l->info.step_count);
	else if (l->mine.step >= l->info.step_count)
		snprintf(line2, sizeof(line2), "All %u steps done: %u points", l->info.step_count,
			 l->points[a->board->author]);
	else
		snprintf(line2, sizeof(line2), "Step %u of %u: %s", l->mine.step + 1,
			 l->info.step_count, l->mine.prompt);
	if (!results && enrolled && l->score.step == l->mine.step && l->score.total)
		snprintf(line3, sizeof(line3), "Score %u%% (accuracy %u%%, coverage %u%%, smooth %u%%)%s",
			 l->score.total / 10, l->score.accuracy / 10, l->score.coverage / 10,
			 l->score.smoothness / 10, l->score.passed ? ": passed, /next" : "");
	/* The leaderboard: the first few, and our place if we are further. */
	uint16_t top[APP_LEADERS];
	int mine, count = leaders(l, a->board->author, top, APP_LEADERS, &mine);
	int rows = CORE_MIN(count, APP_LEADERS);
	char board[APP_LEADERS + 1][120];
	for (int i = 0; i < rows; i++) {
		uint16_t au = top[i];
		snprintf(board[i], sizeof(board[i]), "%d. %.31s  %u pts, %s", i + 1, author_name(a, au),
			 (l->points[au] + 5) / 10,
			 l->step[au] >= l->info.step_count ? "done" : "working");
	}
	if (mine > APP_LEADERS)
		snprintf(board[rows++], sizeof(board[0]), "%d. you  %u pts (of %d)", mine,
			 (l->points[a->board->author] + 5) / 10, count);
	float w = CORE_MAX(rnd_text_width(r, RND_FONT_SMALL, line2),
			   rnd_text_width(r, RND_FONT_SMALL, line3)) + 24;
	for (int i = 0; i < rows; i++)
		w = CORE_MAX(w, rnd_text_width(r, RND_FONT_SMALL, board[i]) + 24);
	w = CORE_MIN(CORE_MAX(w, 260.0f), (float)st->width - 28);
	float x = (float)st->width - w - 14, y = 120;
	rnd_rect(r, x, y, w, (float)(3 + rows) * lh + 12, 10, PANEL);
	rnd_text(r, RND_FONT_SMALL, x + 12, y + 6, ANNOUNCE, line1);
	rnd_text(r, RND_FONT_SMALL, x + 12, y + 6 + lh, TEXT, line2);
	rnd_text(r, RND_FONT_SMALL, x + 12, y + 6 + 2 * lh, DIM, line3);
	uint16_t me = a->board->author;
	for (int i = 0; i < rows; i++) {
		bool ours = i < APP_LEADERS ? top[i] == me : mine > APP_LEADERS;
		rnd_text(r, RND_FONT_SMALL, x + 12, y + 6 + (float)(3 + i) * lh,
			 ours ? 0xffffe7a0u : TEXT, board[i]);
	}
}

void app_chat_draw(struct app *a, uint64_t now_us)
{
	if (a->board)
		lesson_panel(a, now_us);
	if (!a->board || (!a->chat_open && now_us > a->chat_seen_us + APP_CHAT_SHOW_US))
		return;
	struct rnd *r = a->rnd;
	const struct rnd_stats *st = rnd_get_stats(r);
	float lh = rnd_line_height(r, RND_FONT_SMALL) + 3.0f;
	uint32_t n = CORE_MIN(a->board->chat_count, (uint32_t)APP_CHAT_SHOWN);
	float w = CORE_MIN(620.0f, (float)st->width - 28);
	float h = (float)n * lh + 16 + (a->chat_open ? lh + 8 : 0);
	float x = 14, y = (float)st->height - h - 2 * lh - 30;
	rnd_rect(r, x, y, w, h, 10, PANEL);
	float ty = y + 8;
	for (uint32_t i = a->board->chat_count - n; i < a->board->chat_count; i++) {
		const struct cl_chat_line *l = cl_chat_line(a->board, i);
		uint32_t colour = l->chat.scope == PROTO_CHAT_ANNOUNCE ? ANNOUNCE
				  : l->chat.scope == PROTO_CHAT_QUESTION ? QUESTION
				  : l->chat.scope == PROTO_CHAT_ZONE     ? ZONE
									 : TEXT;
		char buf[PROTO_CHAT_TEXT_MAX + 96];
		snprintf(buf, sizeof(buf), "%s%s: %s%s", scope_tags[l->chat.scope], who(a, l),
			 l->chat.text, l->chat.answered ? "  (answered)" : "");
		/* A long line is cut at the panel's edge (the whole is in /save). */
		while (strlen(buf) > 4 && rnd_text_width(r, RND_FONT_SMALL, buf) > w - 24) {
			backspace(buf);
			backspace(buf);
			size_t k = strlen(buf);
			if (k > 3)
				memcpy(buf + k - 3, "...", 3);
		}
		rnd_text(r, RND_FONT_SMALL, x + 12, ty, colour, buf);
		ty += lh;
	}
	if (a->chat_open) {
		char buf[sizeof(a->chat_line) + 8];
		snprintf(buf, sizeof(buf), "> %s_", a->chat_line);
		rnd_rect(r, x + 6, ty + 2, w - 12, lh + 2, 6, 0x60ffffffu);
		rnd_text(r, RND_FONT_SMALL, x + 12, ty + 3, TEXT, buf);
	}
}
