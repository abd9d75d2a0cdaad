/* Bots in lessons: the lesson steps of a --moderate script (an instructor
 * starts and stops a lesson; a student asks for its next step) and
 * --behavior lesson: a student that traces its step's target (as the
 * server sent it: LESSON_TARGET) in its own practice area (with --lesson-noise of offset and wobble), waits for the
 * server's score and asks for the next step once the step passes (or, once,
 * even though it has not: the server must refuse), up to --lesson-steps. */
#include "bot.h"

#include "bot_rng.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STEP_MM 5 /* the pen's points along the target */

struct bot_lesson {
	int drawn_step;  /* the step whose target it traced last (-1: none) */
	int asked_step;  /* the step it asked to leave (-1: none) */
	uint32_t rng;
	uint64_t strokes, nexts;
};

void bot_lesson_step(struct bot *b, const struct bot_mod_step *st)
{
	/* lesson-start's TEXT is the lesson; lesson-next's TARGET a student (staff). */
	const char *name = st->scope == PROTO_LESSON_NEXT ? st->target : st->text;
	if (cl_lesson_request(&b->conn, (enum proto_lesson_action)st->scope, 0, name) != CORE_OK)
		fprintf(stderr, "lyceum-bot: %s: could not send the lesson request\n", b->name);
}

/* The step's target, from the practice area at (ox, oy), by a hand that
 * is off by up to noise mm and wobbles as much. */
static void trace(struct bot_run *run, struct bot *b, const struct proto_lesson_target *st,
		  int32_t ox, int32_t oy)
{
	struct bot_lesson *l = b->lesson;
	int noise = (int)run->opt.lesson_noise_mm;
	int dx = noise ? (int)(bot_rng_next(&l->rng) % (uint32_t)(noise + 1)) - noise / 2 : 0;
	int dy = noise ? (int)(bot_rng_next(&l->rng) % (uint32_t)(noise + 1)) - noise / 2 : 0;
	uint16_t start = 0;
	for (uint16_t p = 0; p < st->polyline_count; p++) {
		struct sim_board_op op = {.kind = SIM_OP_BEGIN, .board = b->board->lesson.info.board,
					  .width = 6, .color = 0x1d3f8cffu};
		/* The points in batches of an op's worth; each batch after the
		 * begin is said from the one before's last point (base). */
		struct sim_board_point batch[SIM_BOARD_OP_POINTS], base = {0};
		uint16_t n = 0;
		for (uint16_t i = start; i < st->polyline_end[p]; i++) {
			int32_t x0 = st->x[i], y0 = st->y[i];
			bool last = i + 1 >= st->polyline_end[p];
			int32_t x1 = last ? x0 : st->x[i + 1], y1 = last ? y0 : st->y[i + 1];
			int32_t len = (int32_t)core_isqrt64((uint64_t)((int64_t)(x1 - x0) * (x1 - x0) +
								       (int64_t)(y1 - y0) * (y1 - y0)));
			int32_t k = last ? 1 : CORE_MAX(1, len / STEP_MM);
			for (int32_t j = 0; j < k; j++) {
				int w = noise ? (int)(bot_rng_next(&l->rng) % (uint32_t)(noise + 1)) - noise / 2
					      : 0;
				int32_t x = CORE_CLAMP(ox + x0 + (x1 - x0) * j / k + dx + w, 0,
						       SIM_BOARD_SURFACE_W);
				int32_t y = CORE_CLAMP(oy + y0 + (y1 - y0) * j / k + dy - w, 0,
						       SIM_BOARD_SURFACE_H);
				if (n == SIM_BOARD_OP_POINTS) {
					sim_board_op_points(&op, batch, n,
							    op.kind == SIM_OP_BEGIN ? NULL : &base);
					if (!cl_board_send(&b->conn, &op))
						return;
					base = batch[n - 1];
					op = (struct sim_board_op){.kind = SIM_OP_APPEND};
					n = 0;
				}
				batch[n++] = (struct sim_board_point){(uint16_t)x, (uint16_t)y, 140};
			}
		}
		sim_board_op_points(&op, batch, n, op.kind == SIM_OP_BEGIN ? NULL : &base);
		if (!cl_board_send(&b->conn, &op))
			return;
		struct sim_board_op end = {.kind = SIM_OP_END};
		(void)cl_board_send(&b->conn, &end);
		l->strokes++;
		start = st->polyline_end[p];
	}
}

void bot_lesson_tick(struct bot_run *run, struct bot *b, uint64_t now_us)
{
	(void)now_us;
	if (run->opt.behavior != BOT_LESSON || !b->board || !cl_board_synced(&b->conn))
		return;
	if (!b->lesson) {
		b->lesson = calloc(1, sizeof(*b->lesson));
		if (!b->lesson)
			return;
		b->lesson->drawn_step = b->lesson->asked_step = -1;
		b->lesson->rng = bot_seed_mix(run->opt.seed, (uint32_t)b->index + 77);
	}
	struct bot_lesson *l = b->lesson;
	const struct cl_lesson *cl = &b->board->lesson;
	uint16_t me = b->board->author;
	/* The target the server sent: what it scores against. */
	const struct proto_lesson_target *target = cl_lesson_target(b->board);
	if (!cl->info.active || !cl->enrolled[me] || !target)
		return;
	int step = cl->mine.step;
	if (step >= cl->info.step_count || l->asked_step == step || b->board->pending_count)
		return;
	/* --lesson-steps: the last step it takes is traced, scored and kept. */
	if (run->opt.lesson_steps && step >= run->opt.lesson_steps - 1 && l->drawn_step == step)
		return;
	bool scored = l->drawn_step == step && cl->score.step == step &&
		      (cl->score.total || cl->score.coverage || cl->score.accuracy);
	if (l->drawn_step != step) {
		uint16_t cols = cl->info.cols ? cl->info.cols : 1;
		trace(run, b, target, (int32_t)(cl->mine.cell % cols) * cl->info.area_w,
		      (int32_t)(cl->mine.cell / cols) * cl->info.area_h);
		l->drawn_step = step;
	} else if (scored && (cl->score.passed || l->nexts == 0)) {
		/* Passed: on to the next. Not passed: ask once all the same. */
		if (cl_lesson_request(&b->conn, PROTO_LESSON_NEXT, 0, "") == CORE_OK) {
			l->asked_step = step;
			l->nexts++;
		}
	}
}

void bot_lesson_report(const struct bot *b, json_t *out)
{
	if (!b->board || !b->board->lesson.info.name[0])
		return;
	const struct cl_lesson *cl = &b->board->lesson;
	uint16_t me = b->board->author;
	json_t *board = json_array();
	for (int a = 1; a < SIM_BOARD_AUTHORS; a++)
		if (cl->enrolled[a])
			json_array_append_new(board, json_pack("{s:i,s:s,s:i,s:i}", "author", a, "name",
							       cl->names[a], "step", cl->step[a],
							       "points", cl->points[a]));
	json_t *o = json_pack("{s:s,s:b,s:i,s:i,s:i,s:s,s:{s:i,s:i,s:i,s:i,s:b},s:I,s:I,s:o}", "lesson",
			      cl->info.name, "active", cl->info.active, "steps", cl->info.step_count,
			      "step", cl->mine.step, "points", cl->points[me], "prompt",
			      cl->mine.prompt, "last_score", "accuracy", cl->score.accuracy,
			      "coverage", cl->score.coverage, "smoothness", cl->score.smoothness,
			      "total", cl->score.total, "passed", cl->score.passed, "strokes",
			      (json_int_t)(b->lesson ? b->lesson->strokes : 0), "nexts_asked",
			      (json_int_t)(b->lesson ? b->lesson->nexts : 0), "leaderboard", board);
	if (o)
		json_object_set_new(out, "lesson", o);
}

void bot_lesson_free(struct bot *b)
{
	free(b->lesson);
	b->lesson = NULL;
}
