/* The board-v1 generator and pen timeline (bot_board_gen.h). */
#include "bot_board_gen.h"
#include "bot_rng.h"

#include <math.h>
#include <string.h>

uint32_t bb_author_seed(uint32_t seed, uint32_t author)
{
	return bot_mix32(bot_mix32(seed) ^ (uint32_t)(author * 0x27d4eb2du));
}

void bb_author_init(struct bb_author *a, uint32_t seed, uint32_t author)
{
	a->author = author;
	a->rng = bb_author_seed(seed, author);
}

double bb_rng(struct bb_author *a)
{
	return (double)bot_rng_next(&a->rng) / 4294967296.0;
}

static int q(double v, int lo, int hi)
{
	double f = floor(v + 0.5);
	return f < lo ? lo : f > hi ? hi : (int)f;
}

void bb_gen_stroke(struct bb_author *a, struct bb_stroke *out)
{
	out->n = (uint16_t)(20 + (int)floor(bb_rng(a) * 181));
	out->color = (uint32_t)floor(bb_rng(a) * 4294967296.0);
	out->width = (uint8_t)(1 + (int)floor(bb_rng(a) * 40));
	double x = 100 + bb_rng(a) * 3800, y = 100 + bb_rng(a) * 1800;
	double vx = (bb_rng(a) * 2 - 1) * 4, vy = (bb_rng(a) * 2 - 1) * 4;
	double p = 64 + bb_rng(a) * 128;
	for (int i = 0; i < out->n; i++) {
		out->pts[i] = (struct sim_board_point){(uint16_t)q(x, 0, BB_BOARD_W),
						       (uint16_t)q(y, 0, BB_BOARD_H), (uint8_t)q(p, 0, 255)};
		vx = 0.85 * vx + (bb_rng(a) * 2 - 1) * 2;
		vy = 0.85 * vy + (bb_rng(a) * 2 - 1) * 2;
		x += vx;
		y += vy;
		if (x < 0) {
			x = -x;
			vx = -vx;
		} else if (x > BB_BOARD_W) {
			x = 2 * BB_BOARD_W - x;
			vx = -vx;
		}
		if (y < 0) {
			y = -y;
			vy = -vy;
		} else if (y > BB_BOARD_H) {
			y = 2 * BB_BOARD_H - y;
			vy = -vy;
		}
		p += (bb_rng(a) * 2 - 1) * 6;
		p = p > 255 ? 255 : p < 0 ? 0 : p;
	}
	out->undone = bb_rng(a) < 0.1;
}

void bb_pen_init(struct bb_pen *p, uint32_t seed, uint32_t author)
{
	memset(p, 0, sizeof(*p));
	bb_author_init(&p->gen, seed, author);
}

void bb_tick_board_op(const struct bb_tick_op *t, uint32_t begin_op, struct sim_board_op *out)
{
	memset(out, 0, sizeof(*out));
	const struct bb_stroke *s = t->stroke;
	if (t->op == BB_UNDO) {
		out->kind = SIM_OP_UNDO;
		out->target_op = begin_op;
		return;
	}
	out->kind = t->op == BB_BEGIN ? SIM_OP_BEGIN : SIM_OP_APPEND;
	out->color = s->color;
	out->width = s->width;
	out->count = t->count;
	/* A begin's points are absolute, an append's from the point before. */
	const struct sim_board_point *base = t->op == BB_BEGIN ? NULL : &s->pts[t->first - 1];
	for (uint16_t i = 0; i < t->count; i++) {
		const struct sim_board_point *p = &s->pts[t->first + i];
		out->x[i] = p->x - (base ? base->x : 0);
		out->y[i] = p->y - (base ? base->y : 0);
		out->p[i] = p->p - (base ? base->p : 0);
	}
}

struct bb_tick_op bb_pen_tick(struct bb_pen *p, int64_t k)
{
	struct bb_tick_op op = {.op = BB_NONE, .stroke = &p->cur};
	int64_t upto = BB_SAMPLES_PER_TICK * k; /* samples with index <= upto are due */
	if (!p->begun) {
		bb_gen_stroke(&p->gen, &p->cur);
		p->begun = true;
		p->stroke_index = 1;
		p->start = 0;
	}
	/* What is due, oldest first: the stroke's points, its undo, the next stroke. */
	if (p->sent < p->cur.n) {
		if (p->start > upto)
			return op;
		int64_t due = upto - p->start + 1;
		uint16_t n = (uint16_t)(due < p->cur.n ? due : p->cur.n);
		if (n <= p->sent)
			return op;
		op.op = p->sent == 0 ? BB_BEGIN : BB_APPEND;
		op.stroke_index = p->stroke_index;
		op.first = p->sent;
		op.count = (uint16_t)(n - p->sent);
		op.first_sample = p->start + p->sent;
		p->sent = n;
		if (p->sent == p->cur.n)
			p->undo_pending = p->cur.undone;
		return op;
	}
	int64_t end = p->start + p->cur.n;
	if (p->undo_pending) {
		if (end + 2 > upto)
			return op;
		p->undo_pending = false;
		op.op = BB_UNDO;
		op.stroke_index = p->stroke_index;
		op.first_sample = end + 2;
		return op;
	}
	if (end + 6 > upto)
		return op;
	/* The next stroke starts at end + 6 and is begun in this tick. */
	bb_gen_stroke(&p->gen, &p->cur);
	p->stroke_index++;
	p->start = end + 6;
	p->sent = 0;
	return bb_pen_tick(p, k);
}
