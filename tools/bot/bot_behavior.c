#include "bot.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define DIRS 16
#define TAU 6.283185307179586
static int8_t g_dir_x[DIRS], g_dir_y[DIRS];

void bot_behavior_init(void)
{
	for (int k = 0; k < DIRS; k++) {
		double a = TAU * k / DIRS;
		g_dir_x[k] = (int8_t)lround(SIM_MOVE_MAX * cos(a));
		g_dir_y[k] = (int8_t)lround(SIM_MOVE_MAX * sin(a));
	}
}

enum core_result bot_path_load(const char *file, struct bot_path *out)
{
	json_error_t jerr;
	json_t *root = json_load_file(file, 0, &jerr);
	if (!root) {
		fprintf(stderr, "lyceum-bot: --path %s: line %d: %s\n", file, jerr.line, jerr.text);
		return CORE_ERR_INVALID;
	}
	out->count = 0;
	enum core_result r = CORE_OK;
	if (!json_is_array(root) || json_array_size(root) == 0 ||
	    json_array_size(root) > BOT_MAX_PATH) {
		fprintf(stderr, "lyceum-bot: --path %s: expected a JSON array of 1 to %d [x, y] "
				"points in metres\n",
			file, BOT_MAX_PATH);
		r = CORE_ERR_INVALID;
	}
	size_t i;
	json_t *pt;
	json_array_foreach(root, i, pt) {
		if (r != CORE_OK)
			break;
		json_t *x = json_array_get(pt, 0), *y = json_array_get(pt, 1);
		if (!json_is_number(x) || !json_is_number(y) || json_array_size(pt) != 2) {
			fprintf(stderr, "lyceum-bot: --path %s: point %zu is not [x, y] in metres\n",
				file, i);
			r = CORE_ERR_INVALID;
			break;
		}
		out->points[out->count++] = (struct sim_point){
			(int32_t)lround(json_number_value(x) * 1000.0),
			(int32_t)lround(json_number_value(y) * 1000.0)};
	}
	json_decref(root);
	return r;
}

/* Full stick towards t from where the prediction stands; false when there. */
static bool head_for(struct bot *b, struct sim_point t, int32_t arrive_mm, int8_t *mx, int8_t *my)
{
	const struct sim_avatar *s = &b->conn.predicted;
	int32_t dx = t.x_mm - s->pos_x_mm, dy = t.y_mm - s->pos_y_mm;
	uint32_t len = core_isqrt64((uint64_t)((int64_t)dx * dx + (int64_t)dy * dy));
	if (len <= (uint32_t)arrive_mm)
		return false;
	*mx = (int8_t)(dx * (int64_t)SIM_MOVE_MAX / (int64_t)len);
	*my = (int8_t)(dy * (int64_t)SIM_MOVE_MAX / (int64_t)len);
	b->yaw = sim_yaw_of(*mx, *my); /* facing the move: one bit on the wire */
	return true;
}

/* Would a step in direction k keep the avatar in its home zone and off walls? */
static bool step_ok(const struct bot *b, int k)
{
	const struct cl_conn *c = &b->conn;
	struct sim_avatar probe = c->predicted;
	struct sim_cmd cmd = {.move_x = g_dir_x[k], .move_y = g_dir_y[k]};
	struct sim_occupancy occ = cl_conn_occupancy(c);
	sim_step(c->world, c->welcome.tick_hz, &occ, &probe, &cmd);
	/* Look ahead so the avatar turns before it touches the edge. */
	struct sim_point ahead = {probe.pos_x_mm + (probe.pos_x_mm - c->predicted.pos_x_mm) * 6,
				  probe.pos_y_mm + (probe.pos_y_mm - c->predicted.pos_y_mm) * 6};
	return !(probe.flags & SIM_AVATAR_BLOCKED) &&
	       sim_world_zone_at(c->world, ahead) == b->home_zone &&
	       !sim_avatar_collides(c->world, ahead);
}

static void wander(struct bot *b, int8_t *mx, int8_t *my)
{
	const int hz = b->conn.welcome.tick_hz;
	if (--b->ticks_left <= 0) {
		b->ticks_left = hz + (int)(bot_rng_next(&b->rng) % (uint32_t)(2 * hz));
		b->dir = bot_rng_next(&b->rng) % 4 == 0 ? -1 : (int)(bot_rng_next(&b->rng) % DIRS);
	}
	if (b->dir >= 0 && !step_ok(b, b->dir)) {
		int start = (int)(bot_rng_next(&b->rng) % DIRS);
		b->dir = -1;
		for (int i = 0; i < DIRS; i++) {
			if (step_ok(b, (start + i) % DIRS)) {
				b->dir = (start + i) % DIRS;
				break;
			}
		}
	}
	if (b->dir < 0)
		return;
	*mx = g_dir_x[b->dir];
	*my = g_dir_y[b->dir];
	b->yaw = sim_yaw_of(*mx, *my);
}

static void follow_path(struct bot *b, const struct bot_path *path, int8_t *mx, int8_t *my)
{
	while (b->waypoint < path->count && !head_for(b, path->points[b->waypoint], 30, mx, my))
		b->waypoint++;
}

/* Walk to the seat; once within reach ask for it by name each tick, until
 * seated there or until the seat is seen taken by someone else. */
static void go_sit(struct bot *b, int seat, int8_t *mx, int8_t *my, uint8_t *buttons,
		   uint16_t *out_seat)
{
	const struct cl_conn *c = &b->conn;
	if (seat < 0 || seat >= c->world->seat_count || c->predicted.seat != SIM_SEAT_NONE)
		return;
	uint16_t holder = c->seat_holder[seat];
	if (holder && holder != c->welcome.client_id)
		return; /* lost the race: stand where we are */
	struct sim_point p = c->world->seats[seat].pos;
	if (head_for(b, p, SIM_SEAT_REACH_MM - 100, mx, my))
		return;
	*buttons = SIM_BUTTON_SIT;
	*out_seat = (uint16_t)seat;
}

/* How far a route keeps the avatar from anything blocked, beyond touching:
 * more than a waypoint may be missed by (ROUTE_ARRIVE_MM), so walking a
 * leg never grazes a desk. */
#define ROUTE_CLEARANCE_MM 80
#define ROUTE_ARRIVE_MM 40

static bool fits_with_room(const struct sim_world *w, struct sim_point p)
{
	const int32_t c = ROUTE_CLEARANCE_MM;
	for (int k = 0; k < 5; k++) {
		struct sim_point q = {p.x_mm + (k == 1 ? c : k == 2 ? -c : 0),
				      p.y_mm + (k == 3 ? c : k == 4 ? -c : 0)};
		if (sim_avatar_collides(w, q))
			return false;
	}
	return true;
}

/* A route from where the bot stands to a spot within reach of the seat:
 * a breadth-first search over points half a tile apart where the avatar
 * fits with room to spare (4 neighbours), kept as the points where it
 * turns. False if there is none. */
static bool plan_route(struct bot *b, struct sim_point s, int32_t reach_mm)
{
	const struct sim_world *w = b->conn.world;
	const int32_t step = w->tile_mm / 2;
	const int cols = w->width_tiles * 2, rows = w->height_tiles * 2, nodes = cols * rows;
	int *from = malloc((size_t)nodes * sizeof(*from)), *queue = malloc((size_t)nodes * sizeof(*queue));
	int goal = -1, head = 0, tail = 0;
	const int64_t reach = reach_mm;
	int sc = (b->conn.predicted.pos_x_mm + step / 2) / step,
	    sr = (b->conn.predicted.pos_y_mm + step / 2) / step;
	int start = sr * cols + sc;
	if (from && queue && sc >= 0 && sc < cols && sr >= 0 && sr < rows) {
		for (int i = 0; i < nodes; i++)
			from[i] = -1;
		from[start] = start;
		queue[tail++] = start;
	}
	while (head < tail && goal < 0) {
		int at = queue[head++], col = at % cols, row = at / cols;
		int64_t dx = (int64_t)col * step - s.x_mm, dy = (int64_t)row * step - s.y_mm;
		if (dx * dx + dy * dy <= reach * reach) {
			goal = at;
			break;
		}
		static const int dirs[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
		for (int k = 0; k < 4; k++) {
			int nc = col + dirs[k][0], nr = row + dirs[k][1];
			struct sim_point p = {nc * step, nr * step};
			if (nc < 0 || nc >= cols || nr < 0 || nr >= rows || from[nr * cols + nc] >= 0 ||
			    !fits_with_room(w, p))
				continue;
			from[nr * cols + nc] = at;
			queue[tail++] = nr * cols + nc;
		}
	}
	b->route.count = 0;
	if (goal >= 0) {
		/* Walk back from the goal, keeping the points where it turns. */
		int path[BOT_MAX_PATH], n = 0, prev_dir = 0;
		for (int at = goal; n < BOT_MAX_PATH; at = from[at]) {
			int dir = at == start ? 0 : at - from[at];
			if (at == goal || dir != prev_dir || at == start)
				path[n++] = at;
			prev_dir = dir;
			if (at == start)
				break;
		}
		for (int i = n - 1; i >= 0; i--)
			b->route.points[b->route.count++] =
				(struct sim_point){(path[i] % cols) * step, (path[i] / cols) * step};
	}
	free(from);
	free(queue);
	return goal >= 0;
}

/* Follows the planned route; true once at its end. */
static bool walk_route(struct bot *b, int8_t *mx, int8_t *my)
{
	while (b->waypoint < b->route.count &&
	       !head_for(b, b->route.points[b->waypoint], ROUTE_ARRIVE_MM, mx, my))
		b->waypoint++;
	return b->waypoint >= b->route.count;
}

/* A walker of the lecture never stands still: it walks to a random spot
 * of its zone with room around it, and on to the next. */
static void pace(struct bot *b, int8_t *mx, int8_t *my)
{
	const struct sim_world *w = b->conn.world;
	for (int tries = 0; tries < 8 && (!b->routed || walk_route(b, mx, my)); tries++) {
		struct sim_point t = {
			(int32_t)(bot_rng_next(&b->rng) % (uint32_t)(w->width_tiles * w->tile_mm)),
			(int32_t)(bot_rng_next(&b->rng) % (uint32_t)(w->height_tiles * w->tile_mm))};
		if (sim_world_zone_at(w, t) != b->home_zone || !fits_with_room(w, t))
			continue;
		b->waypoint = 0;
		b->routed = plan_route(b, t, 300) && b->route.count > 1;
	}
}

/* A lecture: the first --walkers bots pace the aisles; every other one
 * plans a route to its own seat, walks it and sits. */
static void lecture(struct bot_run *run, struct bot *b, int8_t *mx, int8_t *my, uint8_t *buttons,
		    uint16_t *seat)
{
	const struct sim_world *w = b->conn.world;
	int mine = b->index - run->opt.walkers;
	if (mine < 0 || mine >= w->seat_count) { /* a walker, or more bots than seats */
		pace(b, mx, my);
		return;
	}
	if (!b->routed) {
		b->routed = true;
		b->waypoint = 0;
		if (!plan_route(b, w->seats[mine].pos, SIM_SEAT_REACH_MM - 200))
			fprintf(stderr, "lyceum-bot: %s: no way to seat %d on open floor\n", b->name,
				mine);
	}
	if (b->conn.predicted.seat == SIM_SEAT_NONE && walk_route(b, mx, my))
		go_sit(b, mine, mx, my, buttons, seat);
}

/* --behavior grab: an item picked up, carried while pacing, put down. */
#define GRAB_ASK_EVERY_US 1000000u /* a refused or unanswered grab is asked again */
#define GRAB_REST_US 1500000u      /* after putting it down, before going for it again */
#define CARRY_AHEAD_MM 400         /* held in front, at chest height */
#define CARRY_HEIGHT_MM 1100

void bot_grab_on_event(struct bot *b, const struct cl_event *ev)
{
	if (ev->type == CL_EVENT_ITEM && ev->item.holder == b->conn.welcome.client_id) {
		b->grab.grabs++;
		b->grab.held_us = b->conn.service_now_us;
	}
	if (ev->type == CL_EVENT_MODERATION && ev->mod.action == PROTO_MSG_ITEM && ev->mod.refused)
		b->grab.refused++;
	else if (ev->type == CL_EVENT_MODERATION && ev->mod.action == PROTO_MSG_ITEM &&
		 ev->mod.target == b->conn.welcome.client_id)
		b->grab.sent_home++;
}

static void carry(struct bot *b, int item, int8_t *mx, int8_t *my)
{
	const struct sim_avatar *s = &b->conn.predicted;
	pace(b, mx, my);
	/* A holder streams where it carries the item 20 times a second,
	 * whatever the server's tick. */
	uint64_t now = b->conn.service_now_us;
	if (now - b->grab.carry_us < 50000)
		return;
	b->grab.carry_us = now;
	double a = (double)s->yaw * TAU / 65536.0;
	if (cl_item_carry(&b->conn, (uint8_t)item, s->pos_x_mm + (int32_t)lround(CARRY_AHEAD_MM * cos(a)),
			  s->pos_y_mm + (int32_t)lround(CARRY_AHEAD_MM * sin(a)), CARRY_HEIGHT_MM,
			  s->yaw) == CORE_OK)
		b->grab.carries++;
}

/* Every bot notes how far it saw each item from its spawn (the report's). */
static int track_items(struct bot *b, struct cl_item_view *views)
{
	const struct cl_conn *c = &b->conn;
	int n = cl_conn_view_items(c, c->service_now_us, views, SIM_MAX_ITEMS);
	for (int i = 0; i < n; i++) {
		const struct sim_item *sp = &c->world->items[views[i].index];
		int64_t dx = views[i].x_mm - sp->pos.x_mm, dy = views[i].y_mm - sp->pos.y_mm;
		int32_t d = (int32_t)core_isqrt64((uint64_t)(dx * dx + dy * dy));
		b->grab.farthest_mm[views[i].index] = CORE_MAX(b->grab.farthest_mm[views[i].index], d);
	}
	return n;
}

static void grab(struct bot_run *run, struct bot *b, const struct cl_item_view *views, int n,
		 int8_t *mx, int8_t *my)
{
	struct cl_conn *c = &b->conn;
	uint64_t now = c->service_now_us;
	if (n == 0)
		return;
	int item = run->opt.item >= 0 ? run->opt.item % n : b->index % n;
	int held = cl_item_held(c);
	if (held >= 0) {
		if (now - b->grab.held_us < (uint64_t)(run->opt.hold_s * 1e6)) {
			carry(b, held, mx, my);
			return;
		}
		/* Still held until a snapshot says otherwise: asked once a second. */
		if (now - b->grab.put_down_us >= GRAB_ASK_EVERY_US &&
		    cl_item_request(c, (uint8_t)held, PROTO_ITEM_RELEASE) == CORE_OK) {
			b->grab.put_downs++;
			b->grab.put_down_us = now;
			b->routed = false;
		}
		return;
	}
	if (now - b->grab.put_down_us < GRAB_REST_US)
		return;
	const struct cl_item_view *v = &views[item];
	struct sim_point at = {v->x_mm, v->y_mm};
	const struct sim_avatar *s = &c->predicted;
	int64_t dx = at.x_mm - s->pos_x_mm, dy = at.y_mm - s->pos_y_mm;
	if (dx * dx + dy * dy > (int64_t)(SIM_ITEM_REACH_MM - 300) * (SIM_ITEM_REACH_MM - 300)) {
		if (!b->routed) { /* a route to it; planned again when it moves away */
			b->waypoint = 0;
			b->routed = plan_route(b, at, SIM_ITEM_REACH_MM - 500);
		}
		if (b->routed && walk_route(b, mx, my))
			b->routed = false;
		return;
	}
	/* Asked while it is free, and once in any case: two hands reaching for
	 * one globe at once both ask, whatever the snapshots showed yet. */
	if ((!v->holder || !b->grab.asks) && now - b->grab.asked_us >= GRAB_ASK_EVERY_US &&
	    cl_item_request(c, (uint8_t)item, PROTO_ITEM_GRAB) == CORE_OK) {
		b->grab.asks++;
		b->grab.asked_us = now;
	}
}

static void send_input(struct bot *b, int8_t mx, int8_t my, uint8_t buttons, uint16_t seat,
		       uint32_t now_us)
{
	cl_conn_input(&b->conn, mx, my, b->yaw, buttons, seat, now_us);
	struct bot_traj_sample *t = &b->traj[b->traj_count++ & (BOT_TRAJ - 1)];
	t->t_us = now_us;
	t->x_mm = b->conn.predicted.pos_x_mm;
	t->y_mm = b->conn.predicted.pos_y_mm;
}

/* A standing person's head and hands, swaying with time, like a headset's. */
static void set_vr_pose(struct bot *b, uint32_t now_us)
{
	float t = (float)(now_us % 4000000u) / 4000000.0f * (float)TAU;
	float s = sinf(t), c = cosf(t);
	struct proto_pose_f f = {
		.head_m = {0.05f * s, 0.05f * c, 1.62f + 0.02f * s},
		.head_q = {0.0f, 0.0f, sinf(0.3f * s), cosf(0.3f * s)},
		.hand_m = {{0.25f, -0.3f, -0.45f + 0.1f * s}, {-0.25f, -0.3f, -0.45f - 0.1f * c}},
		.hand_q = {{0.0f, sinf(0.2f * c), 0.0f, cosf(0.2f * c)}, {sinf(0.2f * s), 0.0f, 0.0f, cosf(0.2f * s)}}};
	struct proto_pose p;
	proto_pose_quantize(&f, &p);
	cl_conn_set_pose(&b->conn, &p);
}

void bot_behavior_tick(struct bot_run *run, struct bot *b, uint32_t now_us)
{
	if (run->opt.vr)
		set_vr_pose(b, now_us);
	int8_t mx = 0, my = 0;
	uint8_t buttons = 0;
	uint16_t seat = SIM_SEAT_NONE;
	struct cl_item_view views[SIM_MAX_ITEMS];
	int n_items = b->conn.world && b->conn.world->item_count ? track_items(b, views) : 0;
	switch (run->opt.behavior) {
	case BOT_IDLE:
	case BOT_DRAW: /* stands at the board */
	case BOT_LESSON:
		break;
	case BOT_WANDER:
	case BOT_CHAT:
		wander(b, &mx, &my);
		break;
	case BOT_PATH:
		follow_path(b, &run->path, &mx, &my);
		break;
	case BOT_SEAT:
		go_sit(b, run->opt.seat, &mx, &my, &buttons, &seat);
		break;
	case BOT_LECTURE:
		lecture(run, b, &mx, &my, &buttons, &seat);
		break;
	case BOT_GRAB:
		grab(run, b, views, n_items, &mx, &my);
		break;
	case BOT_CHEAT:
		/* A speed hack: three ticks of input for every tick of real time,
		 * pushing along the path whatever stands in the way. */
		for (int i = 0; i < 3; i++) {
			follow_path(b, &run->path, &mx, &my);
			send_input(b, mx, my, 0, SIM_SEAT_NONE, now_us);
		}
		return;
	}
	send_input(b, mx, my, buttons, seat, now_us);
}
