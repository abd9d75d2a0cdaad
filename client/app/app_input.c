/*
 * app_input.c: keys, clicks and the wheel become commands for the client
 * core, which predicts them at once (so the local avatar moves the frame the
 * key goes down) and sends them to the server.
 *
 * WASD / arrows move along the screen's axes. A click walks there along a
 * path found on the tile grid (breadth-first, 8 neighbours, no corner
 * cutting); a click on a seat walks to it and sits. E sits on the nearest
 * free seat (walking to it when out of reach) or stands up.
 */
#include "app.h"

#include "plat.h"

#include "sim/move.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ARRIVE_M 0.06f
#define WAYPOINT_M 0.18f
#define STUCK_TICKS 45 /* blocked this long: give up the walk */
#define PATH_MAX 512

static struct {
	int count, next;
	float x[PATH_MAX], y[PATH_MAX];
	int stuck;
	int32_t prev[SIM_MAX_MAP_TILES * SIM_MAX_MAP_TILES];
	int32_t queue[SIM_MAX_MAP_TILES * SIM_MAX_MAP_TILES];
} path;

static bool tile_open(const struct sim_world *w, int32_t c, int32_t r)
{
	return !sim_world_blocked(w, c, r);
}

/* Breadth-first over tiles from the avatar's tile to the goal's (or to the
 * reachable tile nearest it), then the tile centres as waypoints. */
static bool plan(const struct sim_world *w, float sx, float sy, float gx, float gy)
{
	const float t = (float)w->tile_mm / 1000.0f;
	const int32_t W = w->width_tiles, H = w->height_tiles;
	int32_t sc = (int32_t)(sx / t), sr = (int32_t)(sy / t);
	int32_t gc = (int32_t)floorf(gx / t), gr = (int32_t)floorf(gy / t);
	if (sc < 0 || sr < 0 || sc >= W || sr >= H)
		return false;
	for (int32_t i = 0; i < W * H; i++)
		path.prev[i] = -2;
	int head = 0, tail = 0;
	int32_t start = sr * W + sc, best = start;
	float best_d = 1e30f;
	path.prev[start] = -1;
	path.queue[tail++] = start;
	static const int dc[8] = {1, -1, 0, 0, 1, 1, -1, -1};
	static const int dr[8] = {0, 0, 1, -1, 1, -1, 1, -1};
	while (head < tail) {
		int32_t cur = path.queue[head++];
		int32_t c = cur % W, r = cur / W;
		float d = (float)((c - gc) * (c - gc) + (r - gr) * (r - gr));
		if (d < best_d) {
			best_d = d;
			best = cur;
			if (d == 0)
				break;
		}
		for (int k = 0; k < 8; k++) {
			int32_t nc = c + dc[k], nr = r + dr[k];
			if (nc < 0 || nr < 0 || nc >= W || nr >= H || path.prev[nr * W + nc] != -2)
				continue;
			if (!tile_open(w, nc, nr))
				continue;
			if (k >= 4 && (!tile_open(w, nc, r) || !tile_open(w, c, nr)))
				continue; /* no cutting past a wall's corner */
			path.prev[nr * W + nc] = cur;
			path.queue[tail++] = nr * W + nc;
		}
	}
	int n = 0;
	for (int32_t cur = best; cur >= 0 && n < PATH_MAX; cur = path.prev[cur])
		path.queue[n++] = cur;
	path.count = 0;
	for (int i = n - 2; i >= 0; i--) { /* skip the start tile */
		path.x[path.count] = ((float)(path.queue[i] % W) + 0.5f) * t;
		path.y[path.count] = ((float)(path.queue[i] / W) + 0.5f) * t;
		path.count++;
	}
	if (best_d == 0 && path.count < PATH_MAX) { /* end exactly where asked */
		if (path.count)
			path.count--;
		path.x[path.count] = gx;
		path.y[path.count] = gy;
		path.count++;
	}
	path.next = 0;
	path.stuck = 0;
	return path.count > 0;
}

void app_walk_to(struct app *a, float x, float y, int seat)
{
	if (!a->world || a->link != APP_LINK_JOINED)
		return; /* no room to plan a route in yet */
	const struct sim_avatar *me = &a->conn.predicted;
	a->target_seat = seat;
	a->has_target = plan(a->world, (float)me->pos_x_mm / 1000.0f, (float)me->pos_y_mm / 1000.0f,
			     x, y);
	a->target_x = x;
	a->target_y = y;
	if (!a->has_target && seat < 0)
		app_notice(a, 0xffe8b86c, "Can't walk there");
}

static uint16_t seat_holder(const struct app *a, int seat)
{
	return a->conn.seat_holder[seat];
}

/* The free seat nearest the avatar in its zone, or -1. */
static int nearest_free_seat(const struct app *a, float x, float y, float max_m)
{
	const struct sim_world *w = a->world;
	int best = -1;
	float best_d = max_m * max_m;
	for (int i = 0; i < w->seat_count; i++) {
		if (seat_holder(a, i) && seat_holder(a, i) != a->conn.welcome.client_id)
			continue;
		if (w->seats[i].zone != a->conn.predicted.zone && max_m > 2.0f)
			continue;
		float dx = (float)w->seats[i].pos.x_mm / 1000.0f - x;
		float dy = (float)w->seats[i].pos.y_mm / 1000.0f - y;
		if (dx * dx + dy * dy < best_d) {
			best_d = dx * dx + dy * dy;
			best = i;
		}
	}
	return best;
}

/* Esc (when it closes nothing: the chat line and the board take theirs)
 * leaves, said twice within APP_LEAVE_CONFIRM_US: a student reaching for
 * Esc to close something should not leave the class. Closing the window
 * leaves at once. */
static void escape(struct app *a, uint64_t now_us)
{
	if (a->leave_asked_us && now_us - a->leave_asked_us < APP_LEAVE_CONFIRM_US) {
		a->quit = true;
	} else {
		a->leave_asked_us = now_us;
		app_notice(a, 0xffe8d7a0u, "Press Esc again to leave%s", a->link == APP_LINK_JOINED ? " the room" : "");
	}
}

/* Per frame: zoom, fullscreen, mute, roster, clicks. */
void app_input_frame(struct app *a)
{
	struct plat_input *in = &a->input;
	if (app_chat_input(a))
		return;
	(void)app_board_input(a, plat_time_us()); /* it takes the mouse while the board shows */
	float zoom_steps = in->wheel + (float)in->pressed[PLAT_ACT_ZOOM_IN] -
			   (float)in->pressed[PLAT_ACT_ZOOM_OUT];
	if (zoom_steps != 0)
		a->zoom = CORE_CLAMP(a->zoom * powf(1.15f, zoom_steps), 0.35f, 3.0f);
	if (in->pressed[PLAT_ACT_FULLSCREEN] % 2) {
		a->fullscreen = !a->fullscreen;
		a->win->set_fullscreen(a->win, a->fullscreen);
	}
	if (in->pressed[PLAT_ACT_MUTE] % 2) {
		a->muted = !a->muted;
		app_notice(a, 0xffd8e2ee, "Microphone %s", a->muted ? "muted" : "on");
	}
	if (in->pressed[PLAT_ACT_ROSTER] % 2)
		a->roster_open = !a->roster_open;
	if (in->pressed[PLAT_ACT_QUIT])
		a->quit = true;
	if (in->pressed[PLAT_ACT_CANCEL])
		escape(a, plat_time_us());
	app_voice_input(a);
	app_moderate_input(a);
	if (a->link != APP_LINK_JOINED || !a->world)
		return;
	app_item_input(a);
	if (in->pressed[PLAT_ACT_SIT]) {
		const struct sim_avatar *me = &a->conn.predicted;
		if (me->seat != SIM_SEAT_NONE) {
			a->want_stand = true;
		} else {
			float x = (float)me->pos_x_mm / 1000.0f, y = (float)me->pos_y_mm / 1000.0f;
			int s = nearest_free_seat(a, x, y, 30.0f);
			if (s < 0)
				app_notice(a, 0xffe8b86c, "No free seat in this room");
			else
				app_walk_to(a, (float)a->world->seats[s].pos.x_mm / 1000.0f,
					(float)a->world->seats[s].pos.y_mm / 1000.0f, s);
		}
	}
	if (in->clicked) {
		float x, y;
		rnd_screen_to_world(a->rnd, in->click_x, in->click_y, 0.0f, &x, &y);
		/* A click on a chair means that seat: seats stand 0.45 m high. */
		float sx, sy;
		rnd_screen_to_world(a->rnd, in->click_x, in->click_y, 0.45f, &sx, &sy);
		int seat = -1;
		float best = 0.4f * 0.4f;
		for (int i = 0; i < a->world->seat_count; i++) {
			float dx = (float)a->world->seats[i].pos.x_mm / 1000.0f - sx;
			float dy = (float)a->world->seats[i].pos.y_mm / 1000.0f - sy;
			if (dx * dx + dy * dy < best) {
				best = dx * dx + dy * dy;
				seat = i;
			}
		}
		if (seat >= 0 && seat_holder(a, seat) && seat_holder(a, seat) != a->conn.welcome.client_id)
			app_notice(a, 0xffe8b86c, "That seat is taken");
		else if (seat >= 0)
			app_walk_to(a, (float)a->world->seats[seat].pos.x_mm / 1000.0f,
				(float)a->world->seats[seat].pos.y_mm / 1000.0f, seat);
		else
			app_walk_to(a, x, y, -1);
		if (a->conn.predicted.seat != SIM_SEAT_NONE)
			a->want_stand = true;
	}
}

static int8_t axis(float v)
{
	return (int8_t)CORE_CLAMP(lroundf(v * (float)SIM_MOVE_MAX), -SIM_MOVE_MAX, SIM_MOVE_MAX);
}

void app_input_ticks(struct app *a, uint64_t now_us)
{
	if (a->link != APP_LINK_JOINED)
		return;
	/* The server's tick, as its WELCOME says: moves are one a tick. */
	const uint64_t tick_us =
		1000000u / (a->conn.welcome.tick_hz ? a->conn.welcome.tick_hz : SIM_TICK_HZ);
	int due = 0;
	while (now_us >= a->next_tick_us && due < 8) {
		app_input_tick(a, now_us);
		a->next_tick_us += tick_us;
		due++;
	}
	if (now_us > a->next_tick_us + tick_us)
		a->next_tick_us = now_us + tick_us; /* after a stall: no burst */
}

void app_input_tick(struct app *a, uint64_t now_us)
{
	struct cl_conn *c = &a->conn;
	const struct sim_avatar *me = &c->predicted;
	const struct plat_input *in = &a->input;
	/* Screen axes to world axes: screen up is world (-1, -1), right is (1, -1). */
	float sx = (float)in->held[PLAT_KEY_RIGHT] - (float)in->held[PLAT_KEY_LEFT];
	float sy = (float)in->held[PLAT_KEY_DOWN] - (float)in->held[PLAT_KEY_UP];
	float wx = sx + sy, wy = sy - sx;
	if (a->steer.active) { /* a thumbstick (VR): world axes, any length up to 1 */
		wx = a->steer.x;
		wy = a->steer.y;
	}
	uint8_t buttons = 0;
	uint16_t seat = SIM_SEAT_NONE;
	float mx = 0, my = 0;
	float px = (float)me->pos_x_mm / 1000.0f, py = (float)me->pos_y_mm / 1000.0f;
	if (wx != 0 || wy != 0) {
		a->has_target = false;
		a->target_seat = -1;
		float len = sqrtf(wx * wx + wy * wy);
		float k = a->steer.active && len <= 1.0f ? 1.0f : 1.0f / len; /* keys: full speed */
		mx = wx * k;
		my = wy * k;
		if (me->seat != SIM_SEAT_NONE)
			a->want_stand = true;
	} else if (a->has_target) {
		if (a->target_seat >= 0) {
			uint16_t holder = seat_holder(a, a->target_seat);
			const struct sim_seat *st = &a->world->seats[a->target_seat];
			float dx = (float)st->pos.x_mm / 1000.0f - px, dy = (float)st->pos.y_mm / 1000.0f - py;
			if (holder && holder != c->welcome.client_id) {
				a->has_target = false;
				app_notice(a, 0xffe8b86c, "Someone took that seat first");
			} else if (me->seat == (uint16_t)a->target_seat) {
				a->has_target = false;
			} else if (dx * dx + dy * dy <
				   (float)(SIM_SEAT_REACH_MM - 150) * (float)(SIM_SEAT_REACH_MM - 150) / 1e6f) {
				buttons = SIM_BUTTON_SIT;
				seat = (uint16_t)a->target_seat;
			}
		}
		while (a->has_target && buttons == 0 && path.next < path.count) {
			float dx = path.x[path.next] - px, dy = path.y[path.next] - py;
			float d = sqrtf(dx * dx + dy * dy);
			bool last = path.next == path.count - 1;
			if (d < (last ? ARRIVE_M : WAYPOINT_M)) {
				path.next++;
				continue;
			}
			/* slow down for the last few centimetres so it stops on the spot */
			float speed = last ? CORE_MIN(1.0f, d * (float)c->welcome.tick_hz /
									(float)SIM_WALK_SPEED_MM_S * 1000.0f)
					   : 1.0f;
			mx = dx / d * speed;
			my = dy / d * speed;
			break;
		}
		if (path.next >= path.count && a->target_seat < 0)
			a->has_target = false;
		if (me->flags & SIM_AVATAR_BLOCKED) {
			if (++path.stuck > STUCK_TICKS) {
				a->has_target = false;
				app_notice(a, 0xffe8b86c, "Can't get there from here");
			}
		} else {
			path.stuck = 0;
		}
	}
	if (a->want_stand && me->seat != SIM_SEAT_NONE && buttons == 0) {
		buttons = SIM_BUTTON_STAND;
		mx = my = 0; /* stand this tick, walk the next */
	}
	if (me->seat == SIM_SEAT_NONE)
		a->want_stand = false;
	int8_t ax = axis(mx), ay = axis(my);
	if (a->steer.active)
		a->yaw = a->steer.yaw; /* a headset: the avatar faces where the head does */
	else if (ax != 0 || ay != 0)
		a->yaw = sim_yaw_of(ax, ay); /* face the way it walks (one bit on the wire) */
	cl_conn_input(c, ax, ay, a->yaw, buttons, seat, (uint32_t)now_us);
	app_item_tick(a, now_us);
}
