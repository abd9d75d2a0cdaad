/*
 * Lessons in a room (sv_log.h): an instructor starts a lesson file on a
 * board, every student gets a practice area on it and the first step; each
 * time a student ends (or undoes, or redoes) a stroke on that board, the
 * server scores the student's strokes of the step against its target and
 * logs SCORE; a student's NEXT is granted only when the step validates.
 * The scores are the server's alone: the same strokes give the same score
 * on every machine (sim/lesson.c is integer-only).
 */
#include "sv.h"

#include "plat.h"
#include "proto/perm.h"
#include "proto/text.h"
#include "sim/lesson_load.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SV_LESSON_STUDENTS 1024
#define SV_LESSON_STROKES 512 /* a student's strokes scored in one step, at most */
/* A student is scored at most this often (a burst of undos and redos must
 * not make the server score thousands of times); a later op, or the next
 * step's request, scores what came in between. */
#define SV_LESSON_RESCORE_US 100000u

struct sv_lesson_student {
	uint16_t author;
	char name[PROTO_NAME_MAX]; /* as it joined the lesson: results name who left too */
	uint16_t cell;
	uint8_t step;
	uint32_t step_seq; /* the step began after this seq: strokes before are not its */
	uint16_t best[SIM_LESSON_STEPS];
	bool passed; /* the current step validates */
	bool stale;  /* ops since the last scoring, which came too soon after the one before */
	uint64_t rescored_us;
};

struct sv_lesson {
	bool active;
	uint8_t board;
	char name[PROTO_LESSON_NAME_MAX];
	uint16_t instructor; /* author number */
	uint16_t cols, rows;
	struct sim_lesson lesson;
	uint16_t count;
	bool told_full; /* the instructor knows the areas ran out */
	struct sv_lesson_student students[SV_LESSON_STUDENTS];
	uint16_t slot[SIM_BOARD_AUTHORS]; /* author -> student + 1 */
	struct sim_board_point ink_points[SIM_LESSON_INK_MAX];
	struct sim_lesson_ink ink[SV_LESSON_STROKES];
};

void sv_lesson_free(struct sv_room *room)
{
	free(room->lesson);
	room->lesson = NULL;
}

static uint16_t lesson_points(const struct sv_lesson *l, const struct sv_lesson_student *s)
{
	uint32_t sum = 0;
	for (int i = 0; i < l->lesson.step_count; i++)
		sum += s->best[i];
	return (uint16_t)CORE_MIN(sum, 65535u);
}

static struct proto_log_op lesson_op(const struct sv_lesson *l)
{
	struct proto_log_op op = {.kind = PROTO_LOG_LESSON, .author = l->instructor,
				  .op = {.kind = PROTO_LOG_LESSON}};
	struct proto_lesson *p = &op.lesson;
	p->active = l->active;
	p->board = l->board;
	p->step_count = (uint8_t)l->lesson.step_count;
	p->area_w = l->lesson.area_w_mm;
	p->area_h = l->lesson.area_h_mm;
	p->cols = (uint8_t)CORE_MIN(l->cols, 127);
	core_strlcpy(p->name, l->name, sizeof(p->name));
	core_strlcpy(p->title, l->lesson.title, sizeof(p->title));
	return op;
}

static struct proto_log_op step_op(const struct sv_lesson *l, const struct sv_lesson_student *s)
{
	struct proto_log_op op = {.kind = PROTO_LOG_STEP, .author = s->author,
				  .op = {.kind = PROTO_LOG_STEP}};
	op.lesson.step = s->step;
	op.lesson.cell = s->cell;
	core_strlcpy(op.lesson.student, s->name, sizeof(op.lesson.student));
	if (s->step < l->lesson.step_count)
		core_strlcpy(op.lesson.prompt, l->lesson.steps[s->step].prompt, sizeof(op.lesson.prompt));
	return op;
}

static struct proto_log_op score_op(const struct sv_lesson *l, const struct sv_lesson_student *s,
				    struct sim_score sc)
{
	struct proto_log_op op = {.kind = PROTO_LOG_SCORE, .author = s->author,
				  .op = {.kind = PROTO_LOG_SCORE}};
	op.lesson.step = s->step;
	op.lesson.accuracy = sc.accuracy;
	op.lesson.coverage = sc.coverage;
	op.lesson.smoothness = sc.smoothness;
	op.lesson.total = sc.total;
	op.lesson.passed = s->passed;
	op.lesson.points = lesson_points(l, s);
	return op;
}

static const char *user_of(const struct sv_room *room, uint16_t author)
{
	const char *user = sv_author_user(room, author);
	return user[0] ? user : "-";
}

/* The student's step's target, to its client: what it draws against is
 * what the server scores against, whatever lesson files it has. */
static void send_target(struct sv_server *sv, struct sv_client *c, const struct sv_lesson *l,
			const struct sv_lesson_student *s)
{
	if (s->step >= l->lesson.step_count)
		return;
	const struct sim_lesson_step *st = &l->lesson.steps[s->step];
	static struct proto_lesson_target t;
	core_strlcpy(t.name, l->name, sizeof(t.name));
	t.step = s->step;
	t.polyline_count = st->polyline_count;
	memcpy(t.polyline_end, st->polyline_end, sizeof(t.polyline_end));
	for (uint16_t i = 0; st->polyline_count && i < st->polyline_end[st->polyline_count - 1]; i++) {
		t.x[i] = (uint16_t)st->x[i];
		t.y[i] = (uint16_t)st->y[i];
	}
	static uint8_t buf[PROTO_LESSON_TARGET_MAX];
	uint32_t len = proto_encode_lesson_target(&t, buf, sizeof(buf));
	if (!len)
		CORE_WARN("lesson=%s step=%u: its target cannot be sent", l->name, s->step + 1u);
	sv_send_log(sv, c, buf, len);
}

/* The member who started the room's lesson, or NULL (gone). */
static struct sv_client *instructor_of(struct sv_server *sv, const struct sv_room *room)
{
	for (int i = 0; i < room->member_count; i++) {
		struct sv_client *m = &sv->clients[room->members[i]];
		if (m->author == room->lesson->instructor)
			return m;
	}
	return NULL;
}

/* The member as a student of the lesson (its practice area and first
 * step), logged; NULL when it is staff or the areas are all taken (then
 * it is told, and so is the instructor, once). */
static struct sv_lesson_student *enrol(struct sv_server *sv, struct sv_room *room,
				       struct sv_client *c, bool *told)
{
	struct sv_lesson *l = room->lesson;
	if (!l->active || !c->author || proto_role_is_staff((enum proto_role)c->role) ||
	    !proto_perm_allows((enum proto_role)c->role, PROTO_PERM_DRAW))
		return NULL;
	if (l->slot[c->author]) { /* back (a reconnect): its target again */
		struct sv_lesson_student *back = &l->students[l->slot[c->author] - 1];
		send_target(sv, c, l, back);
		return back;
	}
	uint32_t cells = (uint32_t)l->cols * l->rows;
	if (l->count >= cells || l->count == SV_LESSON_STUDENTS) {
		/* Said to the student and to whoever started the lesson, not
		 * only logged: a student drawing unscored would not know. */
		uint32_t areas = CORE_MIN(cells, SV_LESSON_STUDENTS);
		char why[PROTO_MOD_TEXT_MAX], q[PROTO_QUOTED_MAX];
		CORE_WARN("room=%s lesson=%s: all %u practice areas are taken; author=%u name=%s cannot "
			  "take part (use a lesson with smaller areas)",
			  room->name, l->name, areas, c->author, sv_qname(c, q));
		snprintf(why, sizeof(why), "all %u practice areas are taken: this lesson cannot score you",
			 areas);
		sv_refuse_action(sv, c, PROTO_MSG_LESSON, why);
		if (told)
			*told = true;
		struct sv_client *teacher = instructor_of(sv, room);
		if (teacher && !l->told_full) {
			l->told_full = true;
			snprintf(why, sizeof(why), "no practice area for %.24s and later ones (%u fit "
						   "the board)",
				 c->name, areas);
			sv_refuse_action(sv, teacher, PROTO_MSG_LESSON, why);
		}
		return NULL;
	}
	struct sv_lesson_student *s = &l->students[l->count];
	*s = (struct sv_lesson_student){.author = c->author, .cell = l->count,
					.step_seq = room->log->seq};
	core_strlcpy(s->name, c->name, sizeof(s->name));
	l->slot[c->author] = ++l->count;
	struct proto_log_op op = step_op(l, s);
	sv_log_server_op(sv, room, &op);
	send_target(sv, c, l, s);
	return s;
}

static void stop(struct sv_server *sv, struct sv_room *room, const struct sv_client *by)
{
	struct sv_lesson *l = room->lesson;
	sv_lesson_settle(sv, room); /* ink that came just before the stop counts */
	/* The leaderboard, for the record: best totals summed, most first. */
	static bool shown[SV_LESSON_STUDENTS];
	memset(shown, 0, sizeof(shown));
	for (uint16_t place = 0; place < l->count; place++) {
		int best = -1;
		for (uint16_t i = 0; i < l->count; i++) {
			if (shown[i])
				continue;
			if (best < 0 || lesson_points(l, &l->students[i]) >
					       lesson_points(l, &l->students[best]))
				best = i;
		}
		struct sv_lesson_student *s = &l->students[best];
		CORE_INFO("lesson leaderboard room=%s lesson=%s place=%u user=%s author=%u points=%u "
			  "steps_done=%u of=%u",
			  room->name, l->name, place + 1, user_of(room, s->author), s->author,
			  lesson_points(l, s), s->step, l->lesson.step_count);
		shown[best] = true;
	}
	l->active = false;
	struct proto_log_op op = lesson_op(l);
	sv_log_server_op(sv, room, &op);
	char q[PROTO_QUOTED_MAX];
	CORE_INFO("lesson stopped room=%s lesson=%s students=%u by client=%u name=%s", room->name,
		  l->name, l->count, by->id, sv_qname(by, q));
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_lesson(const struct dirent *e)
{
	size_t len = strlen(e->d_name);
	return len > 5 && !strcmp(e->d_name + len - 5, ".json");
}

/* A loader's error without the "PATH: " it starts with (the caller names
 * the file its own way). */
static const char *past_path(const char *err, const char *path)
{
	size_t skip = strlen(path);
	return !strncmp(err, path, skip) && err[skip] == ':' && err[skip + 1] ? err + skip + 2 : err;
}

/* Why the lesson file name in dir cannot be started (NULL: it can), in
 * err: its name cannot be asked for, or the file does not load. */
static const char *unusable(const char *dir, const char *name, size_t len, char *err, size_t size,
			    struct sim_lesson *scratch)
{
	char id[PROTO_NAME_MAX], path[640];
	if (len >= sizeof(id)) {
		snprintf(err, size, "its name is longer than %zu characters", sizeof(id) - 1);
		return err;
	}
	snprintf(id, sizeof(id), "%.*s", (int)len, name);
	if (!proto_room_name_check(id)) {
		snprintf(err, size, "its name cannot be asked for (letters, digits, '.', '_' or '-')");
		return err;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (sim_lesson_load(path, scratch, err, size))
		return NULL;
	return past_path(err, path);
}

/* " a b c" (the lessons in dir that can be started, by name), as many as
 * fit in out; " none" when there are none. Each that cannot be started
 * goes to bad (if any) with the reason. False (errno set) when dir cannot
 * be read. */
static bool lesson_names(const char *dir, char *out, size_t size,
			 void (*bad)(const char *dir, const char *file, const char *why))
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, is_lesson, by_name);
	if (n < 0) {
		core_strlcpy(out, " none", size);
		return false;
	}
	/* Each file is loaded to be sure of it: into memory given back after
	 * (a lesson is 136 KiB; a static one would stay in the server's RSS). */
	struct sim_lesson *scratch = malloc(sizeof(*scratch));
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		size_t len = strlen(list[i]->d_name) - 5;
		char err[700];
		const char *why = scratch ? unusable(dir, list[i]->d_name, len, err, sizeof(err), scratch)
					  : NULL; /* no memory to look: listed unchecked */
		if (why && bad)
			bad(dir, list[i]->d_name, why);
		else if (!why && used + len + 1 < size)
			used += (size_t)snprintf(out + used, size - used, " %.*s", (int)len,
						 list[i]->d_name);
		free(list[i]);
	}
	free(list);
	free(scratch);
	if (!used)
		core_strlcpy(out, " none", size);
	return true;
}

static void warn_unusable(const char *dir, const char *file, const char *why)
{
	CORE_WARN("lesson file %s/%s cannot be started: %s (mend it and run lyceum-lesson check "
		  "on it; each start reads it again)",
		  dir, file, why);
}

void sv_lesson_announce_dir(const char *dir)
{
	char names[512];
	if (lesson_names(dir, names, sizeof(names), warn_unusable))
		CORE_INFO("lessons in %s:%s", dir, names);
	else
		CORE_WARN("no lessons: cannot open the lessons folder '%s' (%s); instructors cannot "
			  "start one (give --lessons DIR)",
			  dir, strerror(errno));
}

static void start(struct sv_server *sv, struct sv_client *c, const struct proto_lesson_up *m)
{
	struct sv_room *room = c->room;
	if (!room->lesson && !(room->lesson = calloc(1, sizeof(*room->lesson)))) {
		sv_refuse_action(sv, c, PROTO_MSG_LESSON, "the server has no memory for a lesson");
		return;
	}
	struct sv_lesson *l = room->lesson;
	/* A second start would wipe every student's steps and points: one
	 * running is stopped on purpose first. */
	if (l->active) {
		char why[160]; /* clipped to a notice at a word (sv_refuse_action) */
		snprintf(why, sizeof(why), "'%s' is running: /lesson stop first; /save-results keeps "
			 "its results", l->name);
		sv_refuse_action(sv, c, PROTO_MSG_LESSON, why);
		return;
	}
	if (!c->author) {
		sv_refuse_action(sv, c, PROTO_MSG_LESSON, "this room has no author number left for you");
		return;
	}
	static struct sim_lesson loaded;
	char path[640], err[700];
	snprintf(path, sizeof(path), "%s/%s.json", sv->cfg.lessons_dir, m->name);
	if (!sim_lesson_load(path, &loaded, err, sizeof(err))) {
		CORE_WARN("room=%s: lesson '%s' cannot start: %s", room->name, m->name, err);
		/* The instructor reads this: a typo gets the names there are, a
		 * broken file as much of what is wrong as the notice holds. */
		char why[256]; /* clipped to a notice at a word (sv_refuse_action) */
		size_t n;
		if (access(path, R_OK) != 0) {
			n = (size_t)snprintf(why, sizeof(why), "no lesson '%.31s' here; there are:", m->name);
			(void)lesson_names(sv->cfg.lessons_dir, why + n, sizeof(why) - n, NULL);
		} else {
			n = (size_t)snprintf(why, sizeof(why), "lesson '%.31s' is broken: ", m->name);
			core_strlcpy(why + n, past_path(err, path), sizeof(why) - n);
		}
		sv_refuse_action(sv, c, PROTO_MSG_LESSON, why);
		return;
	}
	if (!room->log->boards.width_mm[m->board]) {
		sv_refuse_action(sv, c, PROTO_MSG_LESSON, "this room has no such board");
		return;
	}
	uint16_t cols, rows;
	sim_lesson_grid(&loaded, room->log->boards.width_mm[m->board],
			room->log->boards.height_mm[m->board], &cols, &rows);
	if (!cols || !rows) {
		sv_refuse_action(sv, c, PROTO_MSG_LESSON, "its practice area is larger than the board");
		return;
	}
	memset(l, 0, sizeof(*l));
	l->lesson = loaded;
	l->active = true;
	l->board = m->board;
	l->instructor = c->author;
	core_strlcpy(l->name, m->name, sizeof(l->name));
	l->cols = cols;
	l->rows = rows;
	struct proto_log_op op = lesson_op(l);
	sv_log_server_op(sv, room, &op);
	char q[PROTO_QUOTED_MAX];
	CORE_INFO("lesson started room=%s lesson=%s board=%u steps=%u areas=%ux%u by client=%u "
		  "name=%s author=%u",
		  room->name, l->name, l->board + 1u, l->lesson.step_count, l->cols, l->rows, c->id,
		  sv_qname(c, q), c->author);
	for (int i = 0; i < room->member_count; i++)
		(void)enrol(sv, room, &sv->clients[room->members[i]], NULL);
}

static void rescore(struct sv_server *sv, struct sv_room *room, struct sv_lesson_student *s);

/* The student on to its next step: logged, and its target sent. */
static void advance(struct sv_server *sv, struct sv_client *c, struct sv_lesson *l,
		    struct sv_lesson_student *s)
{
	if (s->stale) /* the step's last ink is scored before it closes */
		rescore(sv, c->room, s);
	s->step++;
	s->passed = false;
	s->stale = false;
	s->step_seq = c->room->log->seq;
	struct proto_log_op op = step_op(l, s);
	sv_log_server_op(sv, c->room, &op);
	send_target(sv, c, l, s);
}

static void next_step(struct sv_server *sv, struct sv_client *c)
{
	struct sv_lesson *l = c->room->lesson;
	bool told = false;
	struct sv_lesson_student *s = l && l->active ? enrol(sv, c->room, c, &told) : NULL;
	char why[PROTO_MOD_TEXT_MAX];
	if (!s) {
		if (!told)
			sv_refuse_action(sv, c, PROTO_MSG_LESSON, "no lesson of yours is running");
		return;
	}
	if (s->step >= l->lesson.step_count) {
		sv_refuse_action(sv, c, PROTO_MSG_LESSON, "you have done every step");
		return;
	}
	if (s->stale)
		rescore(sv, c->room, s);
	if (!s->passed) {
		snprintf(why, sizeof(why), "step %u is not done yet: your best is %u.%u%%, %u%% passes",
			 s->step + 1, s->best[s->step] / 10, s->best[s->step] % 10,
			 l->lesson.steps[s->step].pass / 10);
		sv_refuse_action(sv, c, PROTO_MSG_LESSON, why);
		return;
	}
	advance(sv, c, l, s);
}

/* The instructor moves a student on to its next step, passed or not: a student
 * stuck on a step is not held there for the rest of the lesson. */
static void move_on(struct sv_server *sv, struct sv_client *staff, const char *name)
{
	struct sv_room *room = staff->room;
	struct sv_lesson *l = room->lesson;
	struct sv_client *who = NULL;
	char why[PROTO_MOD_TEXT_MAX], q[PROTO_QUOTED_MAX];
	for (int i = 0; i < room->member_count && !who; i++)
		if (!strcmp(sv->clients[room->members[i]].name, name))
			who = &sv->clients[room->members[i]];
	struct sv_lesson_student *s = l && l->active && who && who->author && l->slot[who->author]
					      ? &l->students[l->slot[who->author] - 1]
					      : NULL;
	if (!l || !l->active)
		snprintf(why, sizeof(why), "no lesson is running");
	else if (!who)
		snprintf(why, sizeof(why), "nobody here is called %.31s", name);
	else if (!s)
		snprintf(why, sizeof(why), "%.31s has no practice area in this lesson", name);
	else if (s->step >= l->lesson.step_count)
		snprintf(why, sizeof(why), "%.31s has done every step", name);
	if (!s || s->step >= l->lesson.step_count) {
		sv_refuse_action(sv, staff, PROTO_MSG_LESSON, why);
		return;
	}
	CORE_INFO("lesson step moved on room=%s lesson=%s user=%s author=%u step=%u passed=%d by=%s",
		  room->name, l->name, user_of(room, s->author), s->author, s->step + 1, s->passed,
		  sv_qname(staff, q));
	advance(sv, who, l, s);
}

void sv_on_lesson(struct sv_server *sv, struct sv_client *c, const union proto_any *m, uint32_t len)
{
	(void)len;
	const struct proto_lesson_up *q = &m->lesson_up;
	if (!c->room->log && !sv_log_open(sv, c->room)) {
		sv_refuse_action(sv, c, PROTO_MSG_LESSON, "this room's log is closed");
		return;
	}
	if (q->action == PROTO_LESSON_NEXT && !q->name[0]) {
		next_step(sv, c);
		return;
	}
	if (!proto_perm_allows((enum proto_role)c->role, PROTO_PERM_LESSON)) {
		sv_refuse_perm(sv, c, PROTO_MSG_LESSON, PROTO_PERM_LESSON);
		return;
	}
	if (q->action == PROTO_LESSON_START)
		start(sv, c, q);
	else if (q->action == PROTO_LESSON_NEXT)
		move_on(sv, c, q->name);
	else if (c->room->lesson && c->room->lesson->active)
		stop(sv, c->room, c);
	else
		sv_refuse_action(sv, c, PROTO_MSG_LESSON, "no lesson is running");
}

void sv_lesson_on_first_sync(struct sv_server *sv, struct sv_client *c)
{
	struct sv_lesson *l = c->room->lesson;
	if (l && l->active && c->author && l->slot[c->author])
		send_target(sv, c, l, &l->students[l->slot[c->author] - 1]);
}

void sv_lesson_on_join(struct sv_server *sv, struct sv_client *c)
{
	if (c->room->lesson && c->room->lesson->active && c->room->log)
		(void)enrol(sv, c->room, c, NULL);
}

/* The student's strokes of its step, scored and logged. */
static void rescore(struct sv_server *sv, struct sv_room *room, struct sv_lesson_student *s)
{
	struct sv_lesson *l = room->lesson;
	const struct sim_boards *b = &room->log->boards;
	uint32_t n = 0, used = 0;
	for (uint32_t i = 0; i < b->stroke_count && n < SV_LESSON_STROKES; i++) {
		const struct sim_stroke *st = &b->strokes[i];
		if (st->author != s->author || st->board != l->board || st->seq <= s->step_seq ||
		    (st->flags & SIM_STROKE_UNDONE) || used >= SIM_LESSON_INK_MAX)
			continue;
		uint32_t k = sim_board_points(b, st, l->ink_points + used, SIM_LESSON_INK_MAX - used);
		l->ink[n++] = (struct sim_lesson_ink){l->ink_points + used, k};
		used += k;
	}
	const struct sim_lesson_step *step = &l->lesson.steps[s->step];
	int32_t ox = (int32_t)(s->cell % l->cols) * l->lesson.area_w_mm;
	int32_t oy = (int32_t)(s->cell / l->cols) * l->lesson.area_h_mm;
	uint64_t t0 = plat_time_us();
	struct sim_score sc = sim_lesson_score(step, l->ink, n, ox, oy);
	sv->lesson_scores++;
	sv->lesson_score_us += plat_time_us() - t0;
	bool was = s->passed;
	s->passed = sim_lesson_passed(step, sc); /* what the board holds now: an undo can unpass */
	s->rescored_us = sv->now_us;
	s->stale = false;
	if (sc.total > s->best[s->step])
		s->best[s->step] = sc.total;
	struct proto_log_op op = score_op(l, s, sc);
	sv_log_server_op(sv, room, &op);
	if (s->passed && !was)
		CORE_INFO("lesson step passed room=%s lesson=%s user=%s author=%u step=%u accuracy=%u "
			  "coverage=%u smoothness=%u total=%u points=%u",
			  room->name, l->name, user_of(room, s->author), s->author, s->step + 1,
			  sc.accuracy, sc.coverage, sc.smoothness, sc.total, op.lesson.points);
	else if (was && !s->passed) /* its ink undone, erased or cleared */
		CORE_INFO("lesson step pass taken back room=%s lesson=%s user=%s author=%u step=%u "
			  "total=%u",
			  room->name, l->name, user_of(room, s->author), s->author, s->step + 1, sc.total);
}

/* The student's ink changed: scored now, or (scored a moment ago) at the
 * tick once SV_LESSON_RESCORE_US has passed. */
static void ink_changed(struct sv_server *sv, struct sv_room *room, struct sv_lesson_student *s)
{
	if (s->step >= room->lesson->lesson.step_count)
		return;
	if (s->rescored_us && sv->now_us - s->rescored_us < SV_LESSON_RESCORE_US) {
		s->stale = true;
		return;
	}
	rescore(sv, room, s);
}

void sv_lesson_after_op(struct sv_server *sv, struct sv_room *room, uint16_t author,
			const struct sim_board_op *op)
{
	struct sv_lesson *l = room->lesson;
	if (!l || !l->active)
		return;
	/* Only what changes a student's ink on the lesson's board: its own
	 * end, undo or redo, staff's eraser or redo on its strokes (a pass
	 * taken back with the ink), a clear of the board (every pass). */
	if (op->kind == SIM_OP_CLEAR) {
		for (uint16_t i = 0; op->board == l->board && i < l->count; i++)
			ink_changed(sv, room, &l->students[i]);
		return;
	}
	const struct sim_boards *b = &room->log->boards;
	const struct sim_stroke *st =
		op->kind == SIM_OP_END ? sim_board_newest(b, author, false)
		: op->kind == SIM_OP_UNDO || op->kind == SIM_OP_REDO
			? sim_board_find(b, op->target_author ? op->target_author : author, op->target_op)
			: NULL;
	if (st && st->board == l->board && l->slot[st->author])
		ink_changed(sv, room, &l->students[l->slot[st->author] - 1]);
}

/* Scores held back at least wait_us ago are worked out now. */
static void rescore_stale(struct sv_server *sv, struct sv_room *room, uint64_t wait_us)
{
	struct sv_lesson *l = room->lesson;
	if (!l || !l->active || !room->log)
		return;
	for (uint16_t i = 0; i < l->count; i++) {
		struct sv_lesson_student *s = &l->students[i];
		if (s->stale && s->step < l->lesson.step_count &&
		    sv->now_us - s->rescored_us >= wait_us)
			rescore(sv, room, s);
	}
}

void sv_lesson_tick(struct sv_server *sv, struct sv_room *room)
{
	rescore_stale(sv, room, SV_LESSON_RESCORE_US);
}

void sv_lesson_settle(struct sv_server *sv, struct sv_room *room)
{
	rescore_stale(sv, room, 0);
}

void sv_lesson_hash(const struct sv_room *room, struct proto_state_hash *h)
{
	const struct sv_lesson *l = room->lesson;
	if (!l || !l->name[0])
		return;
	proto_state_hash_lesson(h, l->name, l->active, l->board);
	for (uint16_t a = 1; a < SIM_BOARD_AUTHORS; a++)
		if (l->slot[a]) {
			const struct sv_lesson_student *s = &l->students[l->slot[a] - 1];
			proto_state_hash_student(h, a, s->step, lesson_points(l, s));
		}
}

void sv_lesson_snapshot(const struct sv_room *room,
			void (*emit)(void *ctx, const struct proto_log_op *op), void *ctx)
{
	/* The running lesson, or the last one's results: each student's step
	 * and points (those of the steps done too, so the leaderboard of a
	 * late joiner is the room's). */
	const struct sv_lesson *l = room->lesson;
	if (!l || !l->name[0])
		return;
	struct proto_log_op op = lesson_op(l);
	emit(ctx, &op);
	for (uint16_t i = 0; i < l->count; i++) {
		const struct sv_lesson_student *s = &l->students[i];
		op = step_op(l, s);
		emit(ctx, &op);
		struct sim_score best = {.total = s->step < l->lesson.step_count ? s->best[s->step] : 0};
		if (best.total || lesson_points(l, s)) {
			op = score_op(l, s, best);
			emit(ctx, &op);
		}
	}
}
