/* Whiteboard state: strokes in chunks, tombstones, one open stroke per author. */
#include "board.h"
#include "world.h"

#include <stdlib.h>
#include <string.h>

#define STROKES_PER_POINTS 16 /* strokes reserved: one per this many points */
#define MAX_STROKES 65536u

static uint32_t key_hash(uint16_t author, uint32_t op_id)
{
	uint32_t h = op_id * 0x9e3779b1u ^ (uint32_t)author * 0x85ebca6bu;
	h ^= h >> 15;
	return h * 0x2c1b3c6du;
}

enum core_result sim_board_init(struct sim_boards *b, uint32_t max_points)
{
	memset(b, 0, sizeof(*b));
	uint32_t strokes = max_points / STROKES_PER_POINTS;
	b->stroke_cap = CORE_MAX(64u, CORE_MIN(strokes, MAX_STROKES));
	b->chunk_cap = max_points / SIM_BOARD_CHUNK + b->stroke_cap + 1;
	b->index_cap = 1;
	while (b->index_cap < b->stroke_cap * 2)
		b->index_cap <<= 1;
	/* Large blocks come straight from the system, zeroed, and cost memory
	 * only where written. */
	b->strokes = calloc(b->stroke_cap, sizeof(*b->strokes));
	b->chunks = calloc(b->chunk_cap, sizeof(*b->chunks));
	b->index = calloc(b->index_cap, sizeof(*b->index));
	b->chunk_map = calloc(b->chunk_cap, sizeof(*b->chunk_map));
	if (!b->strokes || !b->chunks || !b->index || !b->chunk_map) {
		sim_board_fini(b);
		return CORE_ERR_NOMEM;
	}
	b->chunk_count = 1; /* 0 means none */
	return CORE_OK;
}

void sim_board_fini(struct sim_boards *b)
{
	free(b->strokes);
	free(b->chunks);
	free(b->index);
	free(b->chunk_map);
	memset(b, 0, sizeof(*b));
}

void sim_board_reset(struct sim_boards *b)
{
	/* Only the parts written are cleared, so a big idle reservation stays
	 * untouched. */
	memset(b->strokes, 0, (size_t)b->stroke_count * sizeof(*b->strokes));
	memset(b->chunks, 0, (size_t)b->chunk_count * sizeof(*b->chunks));
	memset(b->index, 0, (size_t)b->index_cap * sizeof(*b->index));
	memset(b->open, 0, sizeof(b->open));
	b->stroke_count = 0;
	b->chunk_count = 1;
	b->points = 0;
	b->live = 0;
}

void sim_board_set_size(struct sim_boards *b, uint8_t board, uint16_t width_mm, uint16_t height_mm)
{
	if (board < SIM_BOARDS) {
		b->width_mm[board] = width_mm;
		b->height_mm[board] = height_mm;
	}
}

void sim_board_setup(struct sim_boards *b, const struct sim_world *w)
{
	for (int i = 0; i < SIM_BOARDS; i++)
		sim_board_set_size(b, (uint8_t)i, i < w->board_count ? SIM_BOARD_SURFACE_W : 0,
				   i < w->board_count ? SIM_BOARD_SURFACE_H : 0);
}

static uint32_t find_index(const struct sim_boards *b, uint16_t author, uint32_t op_id)
{
	uint32_t mask = b->index_cap - 1;
	for (uint32_t i = key_hash(author, op_id) & mask;; i = (i + 1) & mask) {
		uint32_t v = b->index[i];
		if (!v)
			return 0;
		const struct sim_stroke *s = &b->strokes[v - 1];
		if (s->author == author && s->op_id == op_id)
			return v;
	}
}

const struct sim_stroke *sim_board_find(const struct sim_boards *b, uint16_t author, uint32_t op_id)
{
	uint32_t v = find_index(b, author, op_id);
	return v ? &b->strokes[v - 1] : NULL;
}

const struct sim_stroke *sim_board_newest(const struct sim_boards *b, uint16_t author, bool undone)
{
	for (uint32_t i = b->stroke_count; i-- > 0;) {
		const struct sim_stroke *s = &b->strokes[i];
		if (s->author == author && !!(s->flags & SIM_STROKE_UNDONE) == undone)
			return s;
	}
	return NULL;
}

/* Is (x, y) within r mm of the segment a-b? */
static bool near_segment(int64_t x, int64_t y, const struct sim_board_point *a,
			 const struct sim_board_point *b, int64_t r)
{
	int64_t vx = (int64_t)b->x - a->x, vy = (int64_t)b->y - a->y;
	int64_t wx = x - a->x, wy = y - a->y;
	int64_t len2 = vx * vx + vy * vy, t = vx * wx + vy * wy;
	if (len2 == 0 || t <= 0)
		return wx * wx + wy * wy <= r * r;
	if (t >= len2)
		return (x - b->x) * (x - b->x) + (y - b->y) * (y - b->y) <= r * r;
	/* The perpendicular, |w × v| / |v|, without squaring the cross product
	 * (it would overflow 64 bits on a board 65 m wide). */
	int64_t cross = wx * vy - wy * vx;
	return (cross < 0 ? -cross : cross) <= r * (int64_t)core_isqrt64((uint64_t)len2);
}

const struct sim_stroke *sim_board_hit(const struct sim_boards *b, uint8_t board, int32_t x,
				       int32_t y, int32_t reach_mm,
				       bool (*skip)(void *user, const struct sim_stroke *s), void *user)
{
	x = CORE_CLAMP(x, 0, SIM_BOARD_MAX_MM);
	y = CORE_CLAMP(y, 0, SIM_BOARD_MAX_MM);
	reach_mm = CORE_CLAMP(reach_mm, 0, SIM_BOARD_MAX_MM);
	for (uint32_t i = b->stroke_count; i-- > 0;) {
		const struct sim_stroke *s = &b->strokes[i];
		if (s->board != board || (s->flags & SIM_STROKE_UNDONE) || !s->first ||
		    (skip && skip(user, s)))
			continue;
		int64_t r = reach_mm + s->width / 2;
		const struct sim_board_point *prev = NULL;
		for (uint32_t c = s->first; c; c = b->chunks[c].next)
			for (uint32_t k = 0; k < b->chunks[c].count; k++) {
				const struct sim_board_point *pt = &b->chunks[c].points[k];
				if (near_segment(x, y, prev ? prev : pt, pt, r))
					return s;
				prev = pt;
			}
	}
	return NULL;
}

/* Chunks an append of n points to s needs beyond what s has room for. */
static uint32_t chunks_needed(const struct sim_boards *b, const struct sim_stroke *s, uint32_t n)
{
	uint32_t room = s && s->last ? SIM_BOARD_CHUNK - b->chunks[s->last].count : 0;
	return n > room ? (n - room + SIM_BOARD_CHUNK - 1) / SIM_BOARD_CHUNK : 0;
}

/* The op's points made absolute (against base for relative ops); false if
 * one falls off the board. */
static bool resolve_points(const struct sim_boards *b, uint8_t board, const struct sim_board_op *op,
			   const struct sim_board_point *base, struct sim_board_point *out)
{
	if (op->count > SIM_BOARD_OP_POINTS)
		return false;
	for (uint32_t i = 0; i < op->count; i++) {
		int64_t x = op->x[i], y = op->y[i], p = op->p[i];
		if (base) {
			x += base->x;
			y += base->y;
			p += base->p;
		}
		if (x < 0 || x > b->width_mm[board] || y < 0 || y > b->height_mm[board] || p < 0 ||
		    p > 255)
			return false;
		out[i] = (struct sim_board_point){(uint16_t)x, (uint16_t)y, (uint8_t)p};
	}
	return true;
}

enum sim_board_result sim_board_check(const struct sim_boards *b, uint16_t author,
				      const struct sim_board_op *op)
{
	if (author == 0 || author >= SIM_BOARD_AUTHORS)
		return SIM_BOARD_NO_STROKE;
	struct sim_board_point pts[SIM_BOARD_OP_POINTS];
	const struct sim_stroke *open = b->open[author] ? &b->strokes[b->open[author] - 1] : NULL;
	switch (op->kind) {
	case SIM_OP_BEGIN:
		if (op->board >= SIM_BOARDS || !b->width_mm[op->board])
			return SIM_BOARD_BAD_BOARD;
		if (op->width < 1 || op->width > SIM_BOARD_WIDTH_MAX || op->count == 0 ||
		    !resolve_points(b, op->board, op, NULL, pts))
			return SIM_BOARD_BAD_POINT;
		if (b->stroke_count >= b->stroke_cap ||
		    b->chunk_count + chunks_needed(b, NULL, op->count) > b->chunk_cap)
			return SIM_BOARD_FULL;
		return SIM_BOARD_APPLIED;
	case SIM_OP_APPEND:
	case SIM_OP_END:
		if (!open)
			return SIM_BOARD_NO_STROKE;
		if (!resolve_points(b, open->board, op, &open->tail, pts))
			return SIM_BOARD_BAD_POINT;
		if (open->count + op->count > SIM_BOARD_STROKE_POINTS)
			return SIM_BOARD_TOO_LONG;
		if (b->chunk_count + chunks_needed(b, open, op->count) > b->chunk_cap)
			return SIM_BOARD_FULL;
		return op->count || op->kind == SIM_OP_END ? SIM_BOARD_APPLIED : SIM_BOARD_NOOP;
	case SIM_OP_UNDO:
	case SIM_OP_REDO: {
		const struct sim_stroke *s =
			sim_board_find(b, op->target_author ? op->target_author : author, op->target_op);
		if (!s)
			return SIM_BOARD_NO_STROKE;
		bool undone = s->flags & SIM_STROKE_UNDONE;
		return undone == (op->kind == SIM_OP_UNDO) ? SIM_BOARD_NOOP : SIM_BOARD_APPLIED;
	}
	case SIM_OP_CLEAR:
		if (op->board >= SIM_BOARDS || !b->width_mm[op->board])
			return SIM_BOARD_BAD_BOARD;
		return SIM_BOARD_APPLIED;
	default:
		return SIM_BOARD_BAD_POINT;
	}
}

static void add_points(struct sim_boards *b, struct sim_stroke *s, const struct sim_board_point *pts,
		       uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct sim_board_chunk *c = s->last ? &b->chunks[s->last] : NULL;
		if (!c || c->count == SIM_BOARD_CHUNK) {
			uint32_t k = b->chunk_count++;
			if (c)
				c->next = k;
			else
				s->first = k;
			s->last = k;
			c = &b->chunks[k];
		}
		c->points[c->count++] = pts[i];
	}
	if (n) {
		s->tail = pts[n - 1];
		s->count += n;
		b->points += n;
	}
}

static void index_add(struct sim_boards *b, uint32_t k)
{
	const struct sim_stroke *s = &b->strokes[k];
	uint32_t mask = b->index_cap - 1, i = key_hash(s->author, s->op_id) & mask;
	while (b->index[i])
		i = (i + 1) & mask;
	b->index[i] = k + 1;
}

/* Clear: the board's strokes go, and their chunks are given back; what
 * stays keeps its order, so every replica compacts alike. */
static void remove_board(struct sim_boards *b, uint8_t board)
{
	uint32_t *map = b->chunk_map;
	memset(map, 0, (size_t)b->chunk_count * sizeof(*map));
	for (uint32_t i = 0; i < b->stroke_count; i++)
		if (b->strokes[i].board != board)
			for (uint32_t c = b->strokes[i].first; c; c = b->chunks[c].next)
				map[c] = 1;
	uint32_t next = 1;
	for (uint32_t c = 1; c < b->chunk_count; c++)
		if (map[c]) {
			map[c] = next++;
			if (map[c] != c)
				b->chunks[map[c]] = b->chunks[c]; /* downwards: never over one unmoved */
		}
	for (uint32_t c = 1; c < next; c++)
		b->chunks[c].next = b->chunks[c].next ? map[b->chunks[c].next] : 0;
	memset(&b->chunks[next], 0, (size_t)(b->chunk_count - next) * sizeof(*b->chunks));
	b->chunk_count = next;
	uint32_t kept = 0;
	memset(b->open, 0, sizeof(b->open));
	for (uint32_t i = 0; i < b->stroke_count; i++) {
		struct sim_stroke s = b->strokes[i];
		if (s.board == board) {
			b->points -= s.count;
			continue;
		}
		s.first = s.first ? map[s.first] : 0;
		s.last = s.last ? map[s.last] : 0;
		b->strokes[kept] = s;
		if (s.flags & SIM_STROKE_OPEN)
			b->open[s.author] = kept + 1;
		kept++;
	}
	memset(&b->strokes[kept], 0, (size_t)(b->stroke_count - kept) * sizeof(*b->strokes));
	b->stroke_count = kept;
	memset(b->index, 0, (size_t)b->index_cap * sizeof(*b->index));
	for (uint32_t k = 0; k < kept; k++)
		index_add(b, k);
}

static void close_open(struct sim_boards *b, uint16_t author)
{
	if (b->open[author]) {
		b->strokes[b->open[author] - 1].flags &= (uint8_t)~SIM_STROKE_OPEN;
		b->open[author] = 0;
	}
}

static void set_undone(struct sim_boards *b, struct sim_stroke *s, bool undone, uint16_t by)
{
	if (!!(s->flags & SIM_STROKE_UNDONE) == undone)
		return;
	s->undone_by = undone ? by : 0;
	if (undone) {
		s->flags |= SIM_STROKE_UNDONE;
		b->live--;
	} else {
		s->flags &= (uint8_t)~SIM_STROKE_UNDONE;
		b->live++;
	}
}

enum sim_board_result sim_board_apply(struct sim_boards *b, uint16_t author, uint32_t op_id,
				      uint32_t seq, const struct sim_board_op *op)
{
	enum sim_board_result r = sim_board_check(b, author, op);
	if (r != SIM_BOARD_APPLIED)
		return r;
	struct sim_board_point pts[SIM_BOARD_OP_POINTS];
	switch (op->kind) {
	case SIM_OP_BEGIN: {
		if (find_index(b, author, op_id))
			return SIM_BOARD_NOOP; /* the log never repeats an op id */
		close_open(b, author);
		resolve_points(b, op->board, op, NULL, pts);
		uint32_t k = b->stroke_count++;
		struct sim_stroke *s = &b->strokes[k];
		*s = (struct sim_stroke){.seq = seq, .op_id = op_id, .author = author,
					 .board = op->board, .width = op->width,
					 .flags = SIM_STROKE_OPEN, .color = op->color};
		add_points(b, s, pts, op->count);
		index_add(b, k);
		b->open[author] = k + 1;
		b->live++;
		break;
	}
	case SIM_OP_APPEND:
	case SIM_OP_END: {
		struct sim_stroke *s = &b->strokes[b->open[author] - 1];
		resolve_points(b, s->board, op, &s->tail, pts);
		add_points(b, s, pts, op->count);
		if (op->kind == SIM_OP_END)
			close_open(b, author);
		break;
	}
	case SIM_OP_UNDO:
	case SIM_OP_REDO: {
		uint32_t v = find_index(b, op->target_author ? op->target_author : author, op->target_op);
		set_undone(b, &b->strokes[v - 1], op->kind == SIM_OP_UNDO, author);
		break;
	}
	case SIM_OP_CLEAR:
		for (uint32_t i = 0; i < b->stroke_count; i++)
			if (b->strokes[i].board == op->board)
				set_undone(b, &b->strokes[i], true, author);
		remove_board(b, op->board);
		break;
	default:
		break;
	}
	return SIM_BOARD_APPLIED;
}

void sim_board_each_point(const struct sim_boards *b, const struct sim_stroke *s,
			  void (*fn)(void *user, const struct sim_board_point *pt), void *user)
{
	for (uint32_t c = s->first; c; c = b->chunks[c].next)
		for (uint32_t i = 0; i < b->chunks[c].count; i++)
			fn(user, &b->chunks[c].points[i]);
}

uint32_t sim_board_points(const struct sim_boards *b, const struct sim_stroke *s,
			  struct sim_board_point *out, uint32_t max)
{
	uint32_t n = 0;
	for (uint32_t c = s->first; c && n < max; c = b->chunks[c].next)
		for (uint32_t i = 0; i < b->chunks[c].count && n < max; i++)
			out[n++] = b->chunks[c].points[i];
	return n;
}

const char *sim_board_result_name(enum sim_board_result r)
{
	static const char *const names[SIM_BOARD_RESULT_COUNT] = {
		[SIM_BOARD_APPLIED] = "applied",
		[SIM_BOARD_NOOP] = "changes nothing",
		[SIM_BOARD_BAD_BOARD] = "no such board",
		[SIM_BOARD_BAD_POINT] = "a point or width out of range",
		[SIM_BOARD_NO_STROKE] = "no such stroke",
		[SIM_BOARD_TOO_LONG] = "stroke too long: end it and begin another",
		[SIM_BOARD_FULL] = "the room's boards are full: clear one",
	};
	return r < SIM_BOARD_RESULT_COUNT ? names[r] : "?";
}

void sim_board_op_points(struct sim_board_op *op, const struct sim_board_point *pts, uint16_t n,
			 const struct sim_board_point *base)
{
	op->count = n;
	for (uint16_t k = 0; k < n; k++) {
		op->x[k] = pts[k].x - (base ? base->x : 0);
		op->y[k] = pts[k].y - (base ? base->y : 0);
		op->p[k] = pts[k].p - (base ? base->p : 0);
	}
}
