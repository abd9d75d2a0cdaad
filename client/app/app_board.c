/*
 * app_board.c: the room's boards in the desktop client. Each board shows on
 * its wall in the room, redrawn as strokes arrive; standing at a board
 * (APP_BOARD_NEAR_M), one draws on its wall with the mouse. F2 opens the
 * board one stands at (else the first) full-screen (F2 again: the next
 * board, then closed): the strokes as the room's log holds them, drawn
 * progressively as others draw, the running lesson's practice areas with
 * one's own target, and one's own strokes until the log has them. A left
 * drag draws (the points go out every 50 ms as begin, appends and end);
 * C and P choose the pen's colour and width, Delete turns the eraser on
 * (a drag removes the strokes it touches: one's own, or anyone's for
 * staff); Z undoes one's newest stroke and R redoes it. "/save-board" in
 * the chat line writes the board as PNG and "/clear-board" clears it
 * (staff), so the notes leave the room.
 */
#include "app.h"

#include "plat.h"
#include "proto/perm.h"

#include <math.h>
#include <stb_image_write.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MM_PER_PX (SIM_BOARD_SURFACE_W / APP_BOARD_PX_W)
#define SEND_US 50000u     /* a pen's batch */
#define RASTER_US 50000u   /* the open board's image is redrawn at most this often */
#define WALL_RASTER_US 250000u /* a board only on its wall, at most this often */
#define WALL_BOTTOM_M 0.8f /* the image's lower edge above the floor */
#define WALL_MAX_H_M 1.4f  /* and its height at most (it keeps its proportions) */
#define MIN_STEP_MM 2      /* a point closer to the last is not a new one */
#define PAPER 0xfff4f6f8u  /* RGBA8 in memory: a, b, g, r from the top */
#define GRID 0xffd8dcdeu
#define TARGET 0xfff0c8a0u
#define ERASER_REACH_MM 24 /* the eraser takes strokes this near the pointer */
#define CLEAR_CONFIRM_US 10000000u /* /clear-board again within this: it goes */

/* The pen's choices: C cycles the colours (RGBA), P the widths (0.5 px
 * units); the first of each is where a pen starts. */
static const struct {
	uint32_t rgba;
	const char *name;
} colours[APP_PEN_COLOURS] = {{0x1d3f8cffu, "blue"},  {0x202328ffu, "black"},
			      {0xc0392bffu, "red"},   {0x1e8449ffu, "green"},
			      {0xd68910ffu, "orange"}, {0x7d3c98ffu, "purple"}};
static const struct {
	uint8_t width;
	const char *name;
} widths[APP_PEN_WIDTHS] = {{8, "medium"}, {4, "fine"}, {20, "broad"}};

_Static_assert(RND_BOARD_IMAGES >= SIM_BOARDS && RND_BOARD_IMAGES <= 8,
	       "every board has an image slot, and walls_drawn has a bit for each");
_Static_assert(SIM_BOARD_SURFACE_W % APP_BOARD_PX_W == 0 &&
		       SIM_BOARD_SURFACE_H / (SIM_BOARD_SURFACE_W / APP_BOARD_PX_W) == APP_BOARD_PX_H,
	       "the board image keeps the surface's proportions");

/* A stroke's RGBA (0xRRGGBBAA) as a pixel of an R8G8B8A8 image. */
static uint32_t pixel_of(uint32_t rgba)
{
	return (rgba >> 24) | ((rgba >> 16) & 0xffu) << 8 | ((rgba >> 8) & 0xffu) << 16 | 0xff000000u;
}

static void stamp(uint32_t *px, int cx, int cy, int r, uint32_t c)
{
	for (int y = cy - r; y <= cy + r; y++)
		for (int x = cx - r; x <= cx + r; x++)
			if (x >= 0 && y >= 0 && x < APP_BOARD_PX_W && y < APP_BOARD_PX_H &&
			    (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r + r)
				px[y * APP_BOARD_PX_W + x] = c;
}

/* A line of discs from (x0, y0) to (x1, y1), board mm. */
static void segment(uint32_t *px, int x0, int y0, int x1, int y1, int r, uint32_t c)
{
	x0 /= MM_PER_PX, y0 /= MM_PER_PX, x1 /= MM_PER_PX, y1 /= MM_PER_PX;
	int n = CORE_MAX(abs(x1 - x0), abs(y1 - y0));
	for (int i = 0; i <= n; i++)
		stamp(px, x0 + (n ? (x1 - x0) * i / n : 0), y0 + (n ? (y1 - y0) * i / n : 0), r, c);
}

struct pen {
	uint32_t *px;
	int width; /* 0.5 px units */
	uint32_t c;
	bool first;
	int x, y;
};

static void pen_point(void *user, const struct sim_board_point *pt)
{
	struct pen *p = user;
	if (p->first)
		p->x = pt->x, p->y = pt->y;
	/* The radius follows the pressure: the width at 128, a third of it at
	 * 0, two thirds more at 255 (rounded: a fine pen's is a pixel or none). */
	segment(p->px, p->x, p->y, pt->x, pt->y, (p->width * (64 + pt->p) + 768) / (8 * 192), p->c);
	p->x = pt->x;
	p->y = pt->y;
	p->first = false;
}

/* One point of our ink on its way to the log (cl_board_pending_ink). */
struct own_ink {
	struct pen pen;
	int board;
};

static void own_ink_point(void *user, const struct sim_stroke *style,
			  const struct sim_board_point *pt, bool first)
{
	struct own_ink *o = user;
	if (style->board != o->board)
		return;
	o->pen.width = style->width;
	o->pen.c = pixel_of(style->color);
	o->pen.first = o->pen.first || first;
	pen_point(&o->pen, pt);
}

/* The running lesson's file, for one's target (from the same assets as the
 * server's; without it the areas are still shown). */
static void lesson_overlay(struct app *a, int board, uint32_t *px)
{
	const struct cl_lesson *l = &a->board->lesson;
	if (!l->info.active || l->info.board != board || !l->info.area_w ||
	    !l->info.area_h)
		return;
	for (int x = l->info.area_w; x < SIM_BOARD_SURFACE_W; x += l->info.area_w)
		segment(px, x, 0, x, SIM_BOARD_SURFACE_H - 1, 0, GRID);
	for (int y = l->info.area_h; y < SIM_BOARD_SURFACE_H; y += l->info.area_h)
		segment(px, 0, y, SIM_BOARD_SURFACE_W - 1, y, 0, GRID);
	/* Our step's target, as the server sent it (what it scores against). */
	const struct proto_lesson_target *st = cl_lesson_target(a->board);
	if (!st || !l->info.cols)
		return;
	int ox = (l->mine.cell % l->info.cols) * l->info.area_w;
	int oy = (l->mine.cell / l->info.cols) * l->info.area_h;
	uint16_t start = 0;
	for (uint16_t p = 0; p < st->polyline_count; p++) {
		for (uint16_t i = start; i + 1 < st->polyline_end[p]; i++)
			segment(px, ox + st->x[i], oy + st->y[i], ox + st->x[i + 1], oy + st->y[i + 1],
				2, TARGET);
		start = st->polyline_end[p];
	}
}

/* Board `board`'s whole image again: paper, the lesson, the strokes, ours
 * under way. False when there is no memory for it. */
static bool raster(struct app *a, int board)
{
	struct app_board_view *v = &a->board_view;
	struct app_board_image *img = &v->images[board];
	if (!img->pixels && !(img->pixels = malloc(sizeof(uint32_t) * APP_BOARD_PX_W * APP_BOARD_PX_H)))
		return false;
	for (size_t i = 0; i < (size_t)APP_BOARD_PX_W * APP_BOARD_PX_H; i++)
		img->pixels[i] = PAPER;
	lesson_overlay(a, board, img->pixels);
	const struct sim_boards *b = &a->board->boards;
	for (uint32_t i = 0; i < b->stroke_count; i++) {
		const struct sim_stroke *s = &b->strokes[i];
		if (s->board != board || (s->flags & SIM_STROKE_UNDONE))
			continue;
		struct pen p = {img->pixels, s->width, pixel_of(s->color), true, 0, 0};
		sim_board_each_point(b, s, pen_point, &p);
	}
	/* Ours that the log does not hold yet (the points sent), then the
	 * stroke under way's points not sent yet, from the last one sent. */
	struct own_ink o = {{img->pixels, 0, 0, true, 0, 0}, board};
	cl_board_pending_ink(a->board, own_ink_point, &o);
	if (v->pen_down && v->board == board) {
		struct pen p = {img->pixels, widths[v->width].width, pixel_of(colours[v->colour].rgba),
				true, 0, 0};
		uint32_t sent = v->ink_n - v->pending_n;
		for (uint32_t i = sent ? sent - 1 : 0; i < v->ink_n; i++)
			pen_point(&p, &v->ink[i]);
	}
	img->dirty = false;
	return true;
}

static void all_dirty(struct app *a)
{
	for (int i = 0; i < RND_BOARD_IMAGES; i++)
		a->board_view.images[i].dirty = true;
}

bool app_board_start(struct app *a)
{
	all_dirty(a);
	return true;
}

void app_board_close(struct app *a)
{
	for (int i = 0; i < RND_BOARD_IMAGES; i++)
		free(a->board_view.images[i].pixels);
	memset(&a->board_view, 0, sizeof(a->board_view));
}

/* Where the board shows on screen. */
static void board_rect(const struct app *a, float *x, float *y, float *w, float *h)
{
	float sw = (float)a->input.width, sh = (float)a->input.height;
	*w = CORE_MIN(sw - 40, (sh - 110) * 2.0f);
	*h = *w / 2.0f;
	*x = (sw - *w) * 0.5f;
	*y = 70;
}

/* Sends the points gathered since the last batch: the stroke's begin, an
 * append, or (last) its end. */
static void send_batch(struct app *a, bool last)
{
	struct app_board_view *v = &a->board_view;
	if (!v->pending_n && !last)
		return;
	struct sim_board_op op = {.kind = !v->begun ? SIM_OP_BEGIN : last ? SIM_OP_END : SIM_OP_APPEND};
	if (!v->begun && !v->pending_n)
		return; /* a click without a point */
	if (!v->begun) {
		op.board = v->board;
		op.width = widths[v->width].width;
		op.color = colours[v->colour].rgba;
	}
	sim_board_op_points(&op, v->pending, v->pending_n, v->begun ? &v->base : NULL);
	if (!cl_board_send(&a->conn, &op)) {
		app_notice(a, 0xfff05a5au, "The stroke could not be sent: too much is waiting");
		v->pen_down = false;
		return;
	}
	if (v->pending_n)
		v->base = v->pending[v->pending_n - 1];
	if (!v->begun && last) { /* begun and ended in one batch */
		struct sim_board_op end = {.kind = SIM_OP_END};
		(void)cl_board_send(&a->conn, &end);
	}
	v->begun = true;
	v->pending_n = 0;
	v->sent_us = a->conn.service_now_us;
}

void app_board_pen(struct app *a, int board, bool down, int32_t x, int32_t y, uint8_t pressure,
		   uint64_t now_us)
{
	struct app_board_view *v = &a->board_view;
	if (down && a->link == APP_LINK_JOINED && board >= 0 && board < RND_BOARD_IMAGES &&
	    (!v->pen_down || v->board == board)) {
		x = CORE_CLAMP(x, 0, SIM_BOARD_SURFACE_W - 1);
		y = CORE_CLAMP(y, 0, SIM_BOARD_SURFACE_H - 1);
		if (!v->pen_down) {
			v->board = (uint8_t)board;
			v->pen_down = true;
			v->begun = false;
			v->pending_n = 0;
			v->ink_n = 0;
			v->sent_us = now_us;
		}
		const struct sim_board_point *last = v->ink_n ? &v->ink[v->ink_n - 1] : NULL;
		bool far = !last || abs(x - last->x) + abs(y - last->y) >= MIN_STEP_MM;
		if (far && v->ink_n == SIM_BOARD_STROKE_POINTS) {
			/* A stroke holds SIM_BOARD_STROKE_POINTS: the pen goes on
			 * in a new one, from where this one ends. */
			struct sim_board_point joint = *last;
			send_batch(a, true);
			if (!v->pen_down)
				return; /* it could not be sent (said) */
			v->begun = false;
			v->ink_n = v->pending_n = 0;
			v->ink[v->ink_n++] = joint;
			v->pending[v->pending_n++] = joint;
		}
		if (far && v->ink_n < SIM_BOARD_STROKE_POINTS) {
			struct sim_board_point pt = {(uint16_t)x, (uint16_t)y, pressure};
			v->ink[v->ink_n++] = pt;
			v->pending[v->pending_n++] = pt;
			v->images[v->board].dirty = true;
		}
		if (v->pending_n == SIM_BOARD_OP_POINTS || now_us - v->sent_us >= SEND_US)
			send_batch(a, false);
	} else if (v->pen_down) {
		send_batch(a, true);
		v->pen_down = false;
		v->pen_up_us = now_us;
		v->ink_n = 0; /* every point is on its way now: the pending ink shows it */
		v->images[v->board].dirty = true;
	}
}

/* What the eraser passes over: someone else's stroke (unless we are
 * staff), and one whose erase is on its way already. */
static bool eraser_skips(void *user, const struct sim_stroke *s)
{
	const struct app *a = user;
	if (s->author != a->board->author &&
	    !proto_perm_allows((enum proto_role)a->conn.welcome.role, PROTO_PERM_ERASE_OTHERS))
		return true;
	for (uint32_t i = 0; i < a->board_view.erased_n; i++)
		if (a->board_view.erased[i].author == s->author &&
		    a->board_view.erased[i].op_id == s->op_id)
			return true;
	return cl_board_undo_on_its_way(a->board, s);
}

/* The eraser held at (x, y) on board: every stroke it touches goes, once;
 * a refusal, or the drag's limit, is said once a drag. */
static void erase_at(struct app *a, int board, bool held, int32_t x, int32_t y)
{
	struct app_board_view *v = &a->board_view;
	if (!held) {
		v->erased_n = 0;
		v->erase_said = false;
		v->erase_x = v->erase_y = -1;
		return;
	}
	/* Look again only where the pointer moved (the test walks strokes). */
	if (abs(x - v->erase_x) + abs(y - v->erase_y) < MIN_STEP_MM)
		return;
	v->erase_x = x;
	v->erase_y = y;
	const struct sim_stroke *s;
	while ((s = sim_board_hit(&a->board->boards, (uint8_t)board, x, y, ERASER_REACH_MM,
				  eraser_skips, a))) {
		char why[160];
		if (v->erased_n == APP_ERASED_MAX) {
			snprintf(why, sizeof(why), "a drag takes %d strokes at most: lift and go on",
				 APP_ERASED_MAX);
		} else {
			v->erased[v->erased_n].author = s->author;
			v->erased[v->erased_n].op_id = s->op_id;
			v->erased_n++;
			if (cl_board_erase(&a->conn, s, why, sizeof(why)))
				continue;
		}
		if (!v->erase_said)
			app_notice(a, 0xfff05a5au, "Not erased: %.100s", why);
		v->erase_said = true;
		return;
	}
}

/* The mouse on board at (x, y) board mm, the button held or not: the pen
 * or the eraser. */
static void tool_at(struct app *a, int board, bool held, int32_t x, int32_t y, uint64_t now_us)
{
	if (a->board_view.eraser)
		erase_at(a, board, held, x, y);
	else
		app_board_pen(a, board, held, x, y, 128, now_us);
}

static void pen(struct app *a, uint64_t now_us)
{
	struct app_board_view *v = &a->board_view;
	const struct plat_input *in = &a->input;
	float bx, by, bw, bh;
	board_rect(a, &bx, &by, &bw, &bh);
	bool inside = in->mouse_x >= bx && in->mouse_y >= by && in->mouse_x < bx + bw &&
		      in->mouse_y < by + bh;
	int32_t x = (int32_t)((in->mouse_x - bx) / bw * SIM_BOARD_SURFACE_W);
	int32_t y = (int32_t)((in->mouse_y - by) / bh * SIM_BOARD_SURFACE_H);
	tool_at(a, v->board, in->button && inside, x, y, now_us);
}

void app_board_wall_on_screen(const struct app *a, int b, float q[6])
{
	float x0, y0, x1, y1, z0, z1;
	app_board_wall(a, b, &x0, &y0, &x1, &y1, &z0, &z1);
	rnd_world_to_screen(a->rnd, x0, y0, z1, &q[0], &q[1]);
	rnd_world_to_screen(a->rnd, x1, y1, z1, &q[2], &q[3]);
	rnd_world_to_screen(a->rnd, x0, y0, z0, &q[4], &q[5]);
}

/* In the room: the mouse on the wall of the board one stands at draws (or
 * erases) there. A press that starts on the board is the board's, not a
 * walk; true while the board has the mouse. */
static bool wall_pen(struct app *a, uint64_t now_us)
{
	struct app_board_view *v = &a->board_view;
	struct plat_input *in = &a->input;
	int b = app_board_near(a);
	if (b < 0 || !(v->walls_drawn & (1u << b)) || (v->pen_down && v->board != b)) {
		if (v->wall_held) /* walked away mid-stroke: it ends (a headset's pen is not ours) */
			tool_at(a, v->board, false, 0, 0, now_us);
		v->wall_held = false;
		return false;
	}
	/* The image is an affine map of the board's surface (the camera is
	 * orthographic): solve mouse = q0 + u (q1 - q0) + w (q2 - q0). */
	float q[6];
	app_board_wall_on_screen(a, b, q);
	float ax = q[2] - q[0], ay = q[3] - q[1], bx = q[4] - q[0], by = q[5] - q[1];
	float det = ax * by - ay * bx;
	if (fabsf(det) < 1.0f)
		return false; /* seen edge on */
	float mx = in->mouse_x - q[0], my = in->mouse_y - q[1];
	float u = (mx * by - my * bx) / det, w = (ax * my - ay * mx) / det;
	bool inside = u >= 0 && u <= 1 && w >= 0 && w <= 1;
	bool was = v->wall_held;
	if (in->clicked && inside)
		v->wall_held = true; /* this press is the board's */
	v->wall_held = v->wall_held && in->button;
	if (v->wall_held || was)
		tool_at(a, b, v->wall_held && inside, (int32_t)(u * SIM_BOARD_SURFACE_W),
			(int32_t)(w * SIM_BOARD_SURFACE_H), now_us);
	if (v->wall_held)
		in->clicked = false;
	return v->wall_held;
}

/* Undo (or redo) our newest stroke (undone one), ours on its way counted. */
static void undo(struct app *a, bool redo)
{
	struct sim_board_op op;
	if (cl_board_undo(&a->conn, redo, &op))
		return;
	if (!op.target_op)
		app_notice(a, 0xffa8b0bcu, redo ? "Nothing to redo" : "Nothing of yours to undo");
	else
		app_notice(a, 0xfff05a5au, "Not %s: too much is waiting", redo ? "redone" : "undone");
}

/* C, P, Delete: the pen's colour, its width, the eraser. */
static void tool_keys(struct app *a)
{
	struct app_board_view *v = &a->board_view;
	const struct plat_input *in = &a->input;
	bool eraser = in->pressed[PLAT_ACT_ERASER] % 2;
	int colour = in->pressed[PLAT_ACT_PEN_COLOUR], width = in->pressed[PLAT_ACT_PEN_WIDTH];
	if (!eraser && !colour && !width)
		return;
	app_board_pen(a, -1, false, 0, 0, 0, a->conn.service_now_us); /* a stroke under way ends */
	v->erased_n = 0;
	v->colour = (uint8_t)((v->colour + colour) % APP_PEN_COLOURS);
	v->width = (uint8_t)((v->width + width) % APP_PEN_WIDTHS);
	v->eraser = eraser ? !v->eraser : false; /* choosing a pen puts the eraser down */
	if (v->eraser)
		app_notice(a, 0xffd8e2eeu, "Eraser: drag over strokes to remove them");
	else
		app_notice(a, 0xffd8e2eeu, "Pen: %s, %s", colours[v->colour].name,
			   widths[v->width].name);
}

bool app_board_clear(struct app *a)
{
	struct app_board_view *v = &a->board_view;
	int b = v->open ? v->board : app_board_near(a);
	char why[160];
	if (!a->board || b < 0) {
		app_notice(a, 0xfff05a5au, "Stand at a board (or open it with F2) to clear it");
		return false;
	}
	if (!proto_perm_allows((enum proto_role)a->conn.welcome.role, PROTO_PERM_CLEAR_BOARD)) {
		app_notice(a, 0xfff05a5au, "Not cleared: only staff clear a board");
		return false;
	}
	/* Clearing cannot be undone and takes everyone's work: said twice. */
	uint64_t now = a->conn.service_now_us;
	if (!v->clear_asked_us || v->clear_board != b || now - v->clear_asked_us > CLEAR_CONFIRM_US) {
		v->clear_asked_us = now;
		v->clear_board = b;
		app_notice(a, 0xffe8b86cu, "Clear board %d for everyone? It cannot be undone: "
					   "/clear-board again within 10 s", b + 1);
		return false;
	}
	v->clear_asked_us = 0;
	if (!cl_board_clear(&a->conn, (uint8_t)b, why, sizeof(why))) {
		app_notice(a, 0xfff05a5au, "Not cleared: %.100s", why);
		return false;
	}
	app_notice(a, 0xfff2f4f8u, "Clearing board %d", b + 1);
	return true;
}

bool app_board_input(struct app *a, uint64_t now_us)
{
	struct app_board_view *v = &a->board_view;
	struct plat_input *in = &a->input;
	if (!a->board)
		return false;
	/* Esc closes the board (it does not leave the class); F2 moves on. */
	bool esc = v->open && in->pressed[PLAT_ACT_CANCEL];
	if (esc)
		in->pressed[PLAT_ACT_CANCEL] = 0;
	if (esc || in->pressed[PLAT_ACT_BOARD] % 2) {
		/* F2: the board one stands at (else the first), the next, then closed. */
		int at = v->open ? -1 : app_board_near(a);
		bool was_open = v->open;
		uint8_t next = esc ? RND_BOARD_IMAGES
			       : at >= 0 ? (uint8_t)at
			       : v->open ? (uint8_t)(v->board + 1)
					 : 0;
		while (next < RND_BOARD_IMAGES && !a->board->boards.width_mm[next])
			next++;
		if (v->pen_down)
			send_batch(a, true);
		v->pen_down = false;
		v->open = next < RND_BOARD_IMAGES && a->link == APP_LINK_JOINED;
		v->board = v->open ? next : 0;
		v->images[v->board].dirty = true;
		/* Nothing opened though nothing was open: say why. */
		if (!v->open && !was_open)
			app_notice(a, 0xffa8b0bcu, a->link != APP_LINK_JOINED ? "Not in a room yet"
									 : "This room has no boards");
	}
	/* The pen's keys and undo, full-screen, standing at a board or just
	 * after drawing on one. */
	bool at_board = v->open || v->pen_down || app_board_near(a) >= 0 ||
			(v->pen_up_us && now_us - v->pen_up_us < APP_PEN_KEYS_AFTER_US);
	if (a->link == APP_LINK_JOINED && at_board) {
		tool_keys(a);
		if (in->pressed[PLAT_ACT_UNDO] % 2 || in->pressed[PLAT_ACT_REDO] % 2)
			undo(a, in->pressed[PLAT_ACT_REDO] % 2);
	}
	if (!v->open) {
		if (a->link == APP_LINK_JOINED)
			(void)wall_pen(a, now_us);
		return false;
	}
	pen(a, now_us);
	/* The board has the mouse and the keys; quitting and chat still work. */
	bool quit = in->pressed[PLAT_ACT_QUIT], chat = in->pressed[PLAT_ACT_CHAT];
	memset(in->pressed, 0, sizeof(in->pressed));
	memset(in->held, 0, sizeof(in->held));
	in->pressed[PLAT_ACT_QUIT] = quit;
	in->pressed[PLAT_ACT_CHAT] = chat;
	in->clicked = false;
	return true;
}

void app_board_event(struct app *a, const struct cl_event *ev)
{
	if (ev->type == CL_EVENT_LESSON ||
	    (ev->type == CL_EVENT_BOARD && ev->board.board >= RND_BOARD_IMAGES))
		all_dirty(a);
	else if (ev->type == CL_EVENT_BOARD)
		a->board_view.images[ev->board.board].dirty = true;
	else if (ev->type == CL_EVENT_BOARD_REFUSED)
		all_dirty(a); /* a refused op of ours leaves the pending ink */
}

/* Board b's image brought up to date, no more often than every `every`
 * µs; false when it cannot be shown. */
static bool refresh(struct app *a, int b, uint64_t now_us, uint64_t every)
{
	struct app_board_image *img = &a->board_view.images[b];
	if (img->pixels && (!img->dirty || now_us - img->raster_us < every))
		return true;
	img->raster_us = now_us;
	return raster(a, b) && rnd_set_board_image(a->rnd, b, APP_BOARD_PX_W, APP_BOARD_PX_H,
						   img->pixels) == CORE_OK;
}

/* Where board b's image stands in the room: along its wall, facing where
 * the world says, its left edge first (as someone in front of it sees it). */
static void wall_of(const struct sim_board *bd, float *x0, float *y0, float *x1, float *y1,
		    float *z1)
{
	const struct sim_rect *r = &bd->rect;
	float cx = (float)(r->x_mm + r->w_mm / 2) / 1000.0f, cy = (float)(r->y_mm + r->h_mm / 2) / 1000.0f;
	float a = (float)bd->facing * 6.2831853f / 65536.0f - 1.5707963f; /* its right */
	float dx = cosf(a), dy = sinf(a);
	float len = (float)(fabsf(dx) > fabsf(dy) ? r->w_mm : r->h_mm) / 1000.0f;
	float h = CORE_MIN(len / 2.0f, WALL_MAX_H_M);
	len = h * 2.0f;
	*x0 = cx - dx * len / 2, *y0 = cy - dy * len / 2;
	*x1 = cx + dx * len / 2, *y1 = cy + dy * len / 2;
	*z1 = WALL_BOTTOM_M + h;
}

int app_board_near(const struct app *a)
{
	const struct sim_world *w = a->world;
	if (!w)
		return -1;
	float px = (float)a->conn.predicted.pos_x_mm / 1000.0f, py = (float)a->conn.predicted.pos_y_mm / 1000.0f;
	int best = -1;
	float best_d = APP_BOARD_NEAR_M * APP_BOARD_NEAR_M;
	for (int b = 0; b < w->board_count && b < RND_BOARD_IMAGES; b++) {
		float x0, y0, x1, y1, z1;
		wall_of(&w->boards[b], &x0, &y0, &x1, &y1, &z1);
		/* distance to the board's segment */
		float vx = x1 - x0, vy = y1 - y0, t = ((px - x0) * vx + (py - y0) * vy) / (vx * vx + vy * vy);
		t = CORE_CLAMP(t, 0.0f, 1.0f);
		float dx = x0 + vx * t - px, dy = y0 + vy * t - py;
		if (dx * dx + dy * dy < best_d) {
			best_d = dx * dx + dy * dy;
			best = b;
		}
	}
	return best;
}

void app_board_wall(const struct app *a, int b, float *x0, float *y0, float *x1, float *y1,
		    float *z0, float *z1)
{
	wall_of(&a->world->boards[b], x0, y0, x1, y1, z1);
	*z0 = WALL_BOTTOM_M;
}

bool app_board_image_ready(struct app *a, int b, uint64_t now_us)
{
	struct app_board_view *v = &a->board_view;
	return a->board && a->world && b >= 0 && b < a->world->board_count &&
	       b < RND_BOARD_IMAGES && a->link == APP_LINK_JOINED &&
	       refresh(a, b, now_us, v->pen_down && v->board == b ? RASTER_US : WALL_RASTER_US);
}

void app_board_draw_walls(struct app *a, uint64_t now_us)
{
	struct app_board_view *v = &a->board_view;
	v->walls_drawn = 0;
	if (!a->board || !a->world || a->link != APP_LINK_JOINED)
		return;
	for (int b = 0; b < a->world->board_count && b < RND_BOARD_IMAGES; b++) {
		if (!refresh(a, b, now_us, v->open && v->board == b ? RASTER_US : WALL_RASTER_US))
			continue;
		float x0, y0, x1, y1, z1;
		wall_of(&a->world->boards[b], &x0, &y0, &x1, &y1, &z1);
		rnd_draw_wall_board(a->rnd, b, x0, y0, x1, y1, WALL_BOTTOM_M, z1);
		v->walls_drawn |= (uint8_t)(1u << b);
	}
}

void app_board_draw(struct app *a, uint64_t now_us)
{
	struct app_board_view *v = &a->board_view;
	if (!v->open || !a->board)
		return;
	if (!refresh(a, v->board, now_us, RASTER_US)) {
		app_notice(a, 0xfff05a5au, "The board cannot be shown (no memory)");
		v->open = false;
		return;
	}
	struct rnd *r = a->rnd;
	float x, y, w, h;
	board_rect(a, &x, &y, &w, &h);
	rnd_rect(r, x - 10, y - 44, w + 20, h + 54, 12, 0xe0101218u);
	char title[160];
	char tool[48];
	snprintf(tool, sizeof(tool), v->eraser ? "eraser" : "%s %s pen", widths[v->width].name,
		 colours[v->colour].name);
	snprintf(title, sizeof(title),
		 "Board %u, %s: drag to draw, C colour, P width, Del eraser, Z undo, R redo, "
		 "F2 next board or close",
		 v->board + 1, tool);
	rnd_text(r, RND_FONT_SMALL, x + 4, y - 34, 0xfff2f4f8u, title);
	rnd_draw_board(r, v->board, x, y, w, h);
}

bool app_board_save(struct app *a)
{
	struct app_board_view *v = &a->board_view;
	if (!proto_role_is_staff((enum proto_role)a->conn.welcome.role)) {
		app_notice(a, 0xfff05a5au, "Only staff export boards");
		return false;
	}
	/* The board open, else the one we stand at, else the first. */
	int b = v->open ? v->board : app_board_near(a);
	for (b = b < 0 ? 0 : b; a->board && b < RND_BOARD_IMAGES && !a->board->boards.width_mm[b];)
		b++;
	if (!a->board || b >= RND_BOARD_IMAGES) {
		app_notice(a, 0xfff05a5au, "This room has no boards");
		return false;
	}
	if (!raster(a, b))
		return false;
	struct app_board_image *img = &v->images[b];
	img->dirty = true; /* the view redraws it when it next shows */
	char path[160], stamp[16];
	app_file_stamp(stamp, NULL);
	snprintf(path, sizeof(path), "lyceum-board-%s-%d-%s.png", a->conn.welcome.room, b + 1, stamp);
	bool ok = stbi_write_png(path, APP_BOARD_PX_W, APP_BOARD_PX_H, 4, img->pixels,
				 APP_BOARD_PX_W * 4) != 0;
	app_notice(a, ok ? 0xfff2f4f8u : 0xfff05a5au, ok ? "Board saved to %.80s" : "Could not write %.80s",
		   path);
	return ok;
}
