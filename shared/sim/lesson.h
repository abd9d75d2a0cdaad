/**
 * @file lesson.h
 * @brief Lessons and their scoring: ordered steps, each a prompt, a target
 * shape (polylines in practice-area millimetres), a tolerance and scoring
 * weights; and the score of a student's strokes against a step.
 *
 * Scores are per mille, computed with integers only, so the same strokes
 * give the same score on every machine (the server decides; the aarch64
 * determinism check covers it):
 * - accuracy: the mean, over the drawn points, of 1000 for a point within
 *   a quarter of the tolerance of the target, falling linearly to 0 at
 *   the tolerance;
 * - coverage: the share of the target (sampled every half tolerance) that
 *   has a drawn point within the tolerance;
 * - smoothness: 1000 less half the per-mille ratio of the drawn path's
 *   turning (second differences, the path thinned to points at least
 *   SIM_LESSON_SMOOTH_MM apart) to its length; a clean trace stays near
 *   1000, a scribble falls to 0;
 * - total: the weighted mean of the three.
 */
#pragma once

#include "sim/board.h"

#include <stdbool.h>
#include <stdint.h>

#define SIM_LESSON_STEPS 32
#define SIM_LESSON_POLYLINES 16
#define SIM_LESSON_POINTS 512      /* target points of a step, all polylines */
#define SIM_LESSON_PROMPT_MAX 200  /* bytes of UTF-8 */
#define SIM_LESSON_TITLE_MAX 63
#define SIM_LESSON_TOLERANCE_MAX 500
#define SIM_LESSON_INK_MAX 8192    /* drawn points scored, at most (the first ones) */
#define SIM_LESSON_SAMPLES 1024    /* target samples for coverage, at most */
#define SIM_LESSON_SMOOTH_MM 8

struct sim_lesson_step {
	char prompt[SIM_LESSON_PROMPT_MAX + 1];
	uint16_t tolerance_mm;
	uint16_t w_accuracy, w_coverage, w_smoothness; /* weights, not all 0 */
	uint16_t pass; /* per mille: the total that validates the step */
	uint16_t polyline_count;
	uint16_t polyline_end[SIM_LESSON_POLYLINES]; /* each one's end (exclusive) in x, y */
	int32_t x[SIM_LESSON_POINTS], y[SIM_LESSON_POINTS];
};

struct sim_lesson {
	char title[SIM_LESSON_TITLE_MAX + 1];
	uint16_t area_w_mm, area_h_mm; /* one student's practice area */
	uint16_t step_count;
	struct sim_lesson_step steps[SIM_LESSON_STEPS];
};

/* Drawn strokes, as the board holds them. */
struct sim_lesson_ink {
	const struct sim_board_point *points;
	uint32_t count;
};

struct sim_score {
	uint16_t accuracy, coverage, smoothness, total; /* per mille */
	uint32_t points; /* drawn points scored */
};

/** The length of a step's target, mm, all its polylines together (0: only
 * dots, nothing to trace). */
uint32_t sim_lesson_target_length(const struct sim_lesson_step *s);
/** Scores strokes against a step; each point is taken less (origin_x,
 * origin_y): the practice area's corner on the board. */
struct sim_score sim_lesson_score(const struct sim_lesson_step *step,
				  const struct sim_lesson_ink *strokes, uint32_t stroke_count,
				  int32_t origin_x, int32_t origin_y);
/** Does the score validate the step? Its total reaches the pass mark, and
 * so does its coverage (half a shape, however neat, is not the shape). */
static inline bool sim_lesson_passed(const struct sim_lesson_step *step, struct sim_score s)
{
	return s.total >= step->pass && s.coverage >= step->pass;
}
/** Practice areas on a board of w x h mm: columns and rows of them. */
void sim_lesson_grid(const struct sim_lesson *l, uint16_t board_w, uint16_t board_h,
		     uint16_t *cols, uint16_t *rows);
