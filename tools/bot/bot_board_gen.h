/**
 * @file bot_board_gen.h
 * @brief The board-v1 workload (../shared/bench/board-v1.md): each
 * author's strokes and its pen timeline, exactly as the benchmark defines
 * them (IEEE-754 doubles, + - * / and floor only: the build sets
 * -ffp-contract=off), so every system draws the same integers.
 */
#pragma once

#include "sim/board.h"

#include <stdbool.h>
#include <stdint.h>

#define BB_BOARD_W 4000
#define BB_BOARD_H 2000
#define BB_MAX_POINTS 200
#define BB_TICK_MS 50
#define BB_SAMPLES_PER_TICK 3

struct bb_stroke {
	uint32_t color;
	uint8_t width;
	uint16_t n;
	bool undone;
	struct sim_board_point pts[BB_MAX_POINTS];
};

struct bb_author {
	uint32_t author; /* >= 1 */
	uint32_t rng;    /* mulberry32 state */
};

/** authorSeed(s, a) = mix32(mix32(s) ^ imul(a, 0x27d4eb2d)). */
uint32_t bb_author_seed(uint32_t seed, uint32_t author);
void bb_author_init(struct bb_author *a, uint32_t seed, uint32_t author);
/** mulberry32 output / 2^32. */
double bb_rng(struct bb_author *a);
/** genStroke, then the draw that decides whether it is undone. */
void bb_gen_stroke(struct bb_author *a, struct bb_stroke *out);

/* One author's pen: which op each 50 ms tick sends. */
enum bb_op { BB_NONE, BB_BEGIN, BB_APPEND, BB_UNDO };
struct bb_pen {
	struct bb_author gen;
	struct bb_stroke cur;  /* the stroke being drawn (or the last one) */
	uint32_t stroke_index; /* strokes begun */
	int64_t start;         /* sample index where cur starts */
	uint16_t sent;         /* points of cur sent */
	bool undo_pending;     /* cur is undone and its undo is not sent yet */
	bool begun;
};
struct bb_tick_op {
	enum bb_op op;
	uint32_t stroke_index; /* 1-based: the stroke it concerns */
	uint16_t first, count; /* points [first, first + count) of the stroke */
	const struct bb_stroke *stroke;
	int64_t first_sample;  /* sample index of point first */
};
void bb_pen_init(struct bb_pen *p, uint32_t seed, uint32_t author);
/** The board op (on board 0) a tick's op is; begin_op: the op id its
 * stroke's begin was sent with (what an undo names). */
void bb_tick_board_op(const struct bb_tick_op *t, uint32_t begin_op, struct sim_board_op *out);
/** The op of tick k (ticks in order from 0, each called once). */
struct bb_tick_op bb_pen_tick(struct bb_pen *p, int64_t k);
