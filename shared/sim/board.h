/**
 * @file board.h
 * @brief Whiteboards: a room's strokes, and the board ops that change them.
 *
 * The server and every client hold the same state, built by applying the
 * room's ops in the server's seq order (the op log); so the same ops give
 * the same boards, bit for bit, on every machine (integers only).
 *
 * A stroke is named by its author (a room's author number, stable across
 * reconnects) and the op id of its begin: the author can undo a stroke
 * before it has learned the stroke's seq. An author has at most one open
 * stroke, which appends extend; the next begin (or an end) closes it.
 * Undo and redo are tombstones on the stroke (its points are kept), and
 * the stroke remembers whose undo it was (staff erasing a student's stroke
 * is not the student's to bring back: the server's rule); clear
 * removes every stroke of a board and frees their storage (a cleared
 * stroke cannot be redone). Board coordinates are millimetres.
 *
 * Storage is reserved once (sim_board_init) and never grows: a full board
 * refuses the op with SIM_BOARD_FULL, which the server logs and counts.
 */
#pragma once

#include "core/core.h"

#include <stdbool.h>
#include <stdint.h>

#define SIM_BOARDS 8                  /* boards a room may have */
#define SIM_BOARD_AUTHORS 4096        /* author numbers 1..4095 */
#define SIM_BOARD_OP_POINTS 64        /* points one op carries */
#define SIM_BOARD_STROKE_POINTS 4096  /* a longer stroke is refused: begin another */
#define SIM_BOARD_MAX_MM 65535        /* x and y: 0..65535 mm */
#define SIM_BOARD_WIDTH_MAX 40        /* width, 0.5 px units: 1..40 */
#define SIM_BOARD_CHUNK 30            /* points per storage chunk */
/* Every board's drawing surface, in board millimetres, whatever its size
 * in the world (docs/architecture.md, "Boards"). */
#define SIM_BOARD_SURFACE_W 4000
#define SIM_BOARD_SURFACE_H 2000

enum sim_board_kind {
	SIM_OP_BEGIN = 1, /* board, colour, width, the first points (absolute) */
	SIM_OP_APPEND,    /* more points of the author's open stroke (relative to its last) */
	SIM_OP_END,       /* the last points (may be none); the stroke closes */
	SIM_OP_UNDO,      /* target: tombstone a stroke */
	SIM_OP_REDO,      /* target: lift the tombstone */
	SIM_OP_CLEAR,     /* board: remove all its strokes (staff) */
	SIM_OP_KIND_COUNT,
};

struct sim_board_point {
	uint16_t x, y; /* mm */
	uint8_t p;     /* pressure */
};

/* One op as decoded: who sent it is the log's business (author, op_id). */
struct sim_board_op {
	uint8_t kind;    /* enum sim_board_kind */
	uint8_t board;
	uint8_t width;
	uint32_t color;  /* RGBA */
	uint16_t target_author; /* UNDO, REDO */
	uint32_t target_op;
	uint16_t count;  /* points */
	/* BEGIN: absolute. APPEND, END: offsets from the stroke's last point. */
	int32_t x[SIM_BOARD_OP_POINTS], y[SIM_BOARD_OP_POINTS], p[SIM_BOARD_OP_POINTS];
};

enum sim_board_result {
	SIM_BOARD_APPLIED,
	SIM_BOARD_NOOP,      /* changes nothing (undo of an undone stroke) */
	SIM_BOARD_BAD_BOARD, /* no such board */
	SIM_BOARD_BAD_POINT, /* a point off the board, a width out of range */
	SIM_BOARD_NO_STROKE, /* append or end without an open stroke; an unknown target */
	SIM_BOARD_TOO_LONG,  /* past SIM_BOARD_STROKE_POINTS */
	SIM_BOARD_FULL,      /* the room's storage is used up */
	SIM_BOARD_RESULT_COUNT,
};

#define SIM_STROKE_OPEN 1u
#define SIM_STROKE_UNDONE 2u

struct sim_stroke {
	uint32_t seq;   /* of its begin in the room's log */
	uint32_t op_id; /* of its begin, the author's */
	uint16_t author;
	uint8_t board, width, flags;
	uint16_t undone_by; /* UNDONE: the author whose undo (or erase) it was */
	uint32_t color;
	uint32_t count;
	uint32_t first, last; /* chunks */
	struct sim_board_point tail; /* its last point */
};

struct sim_board_chunk {
	uint32_t next; /* 0: none (chunk 0 is never used) */
	uint8_t count;
	struct sim_board_point points[SIM_BOARD_CHUNK];
};

struct sim_boards {
	uint16_t width_mm[SIM_BOARDS], height_mm[SIM_BOARDS]; /* 0: no such board */
	uint32_t stroke_cap, stroke_count;
	struct sim_stroke *strokes; /* in the order of their begins (seq) */
	uint32_t chunk_cap, chunk_count;
	struct sim_board_chunk *chunks;
	uint32_t open[SIM_BOARD_AUTHORS]; /* each author's open stroke + 1; 0: none */
	uint32_t *index;  /* (author, op_id) -> stroke + 1, open addressing */
	uint32_t *chunk_map; /* scratch for clear: old chunk -> new */
	uint32_t index_cap;
	uint64_t points;  /* stored, live or not */
	uint32_t live;    /* strokes without a tombstone */
};

/** Reserves room for max_points points (the pages are touched only as
 * strokes arrive). Every board starts absent: sim_board_set_size. */
enum core_result sim_board_init(struct sim_boards *b, uint32_t max_points) CORE_MUST_CHECK;
void sim_board_fini(struct sim_boards *b);
/** Forgets every stroke (the sizes stay). */
void sim_board_reset(struct sim_boards *b);
void sim_board_set_size(struct sim_boards *b, uint8_t board, uint16_t width_mm, uint16_t height_mm);
struct sim_world;
/** The world's first SIM_BOARDS boards, each SIM_BOARD_SURFACE_W x _H. */
void sim_board_setup(struct sim_boards *b, const struct sim_world *w);
/** Applies author's op (seq: its place in the log). The state changes
 * only when the result is SIM_BOARD_APPLIED. */
enum sim_board_result sim_board_apply(struct sim_boards *b, uint16_t author, uint32_t op_id,
				      uint32_t seq, const struct sim_board_op *op);
/** Would the op apply? (The same checks, nothing changed.) */
enum sim_board_result sim_board_check(const struct sim_boards *b, uint16_t author,
				      const struct sim_board_op *op);
/** The stroke (author, op_id) began, or NULL. */
const struct sim_stroke *sim_board_find(const struct sim_boards *b, uint16_t author,
					uint32_t op_id);
/** The author's newest stroke with (undone) or without a tombstone, or NULL:
 * what undo and redo name when a user presses them. */
const struct sim_stroke *sim_board_newest(const struct sim_boards *b, uint16_t author, bool undone);
/** The newest stroke on the board without a tombstone that passes within
 * reach_mm (plus half its width) of (x, y), or NULL: what an eraser
 * touches there. skip (optional) passes over strokes the caller may not or
 * need not take (someone else's, one already on its way out). */
const struct sim_stroke *sim_board_hit(const struct sim_boards *b, uint8_t board, int32_t x,
				       int32_t y, int32_t reach_mm,
				       bool (*skip)(void *user, const struct sim_stroke *s), void *user);
/** Copies up to max of a stroke's points from the start; returns how many. */
uint32_t sim_board_points(const struct sim_boards *b, const struct sim_stroke *s,
			  struct sim_board_point *out, uint32_t max);
/** Calls fn for each point of the stroke in order. */
void sim_board_each_point(const struct sim_boards *b, const struct sim_stroke *s,
			  void (*fn)(void *user, const struct sim_board_point *pt), void *user);
/** Puts n points (at most SIM_BOARD_OP_POINTS) into op as the wire says
 * them: absolute (base NULL: a begin), or offsets from base, the stroke's
 * last point before them (an append or an end). */
void sim_board_op_points(struct sim_board_op *op, const struct sim_board_point *pts, uint16_t n,
			 const struct sim_board_point *base);
const char *sim_board_result_name(enum sim_board_result r);
