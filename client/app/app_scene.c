/*
 * app_scene.c: what is in the room this frame (from the client core, or
 * from the seeded --demo set) and how it is drawn: seat and door markers,
 * shadows, every avatar, name labels and the speaking indicator.
 */
#include "app.h"

#include "sim/move.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define TWO_PI 6.28318531f
#define STAND_HEAD_M 1.62f
#define SEAT_HEIGHT_M 0.45f

/* Twelve colours that stay apart from each other and from the floor. */
static const uint32_t palette[] = {
	0xe6194b, 0x3cb44b, 0xffe119, 0x4363d8, 0xf58231, 0x911eb4,
	0x42d4f4, 0xf032e6, 0xbfef45, 0xfabed4, 0x469990, 0xdcbeff,
};

uint32_t app_colour_of(uint16_t id)
{
	return palette[id % CORE_ARRAY_LEN(palette)];
}

static uint32_t rng_next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* --demo: a fixed, seeded class. Two in three sit at seats, the rest stand
 * or walk in the classroom's open floor; avatar 1 is "you". */
void app_demo_setup(struct app *a)
{
	const struct sim_world *w = a->world;
	uint32_t rng = a->opt.seed ? a->opt.seed : 1;
	int n = CORE_MIN(a->opt.demo, APP_MAX_AVATARS);
	int seats_free = w->seat_count;
	int order[SIM_MAX_SEATS];
	for (int i = 0; i < w->seat_count; i++)
		order[i] = i;
	for (int i = w->seat_count - 1; i > 0; i--) {
		int j = (int)(rng_next(&rng) % (uint32_t)(i + 1));
		int t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	uint8_t zone = sim_world_zone_find(w, "classroom");
	if (zone == SIM_ZONE_NONE)
		zone = 0;
	const struct sim_rect b = w->zones[zone].bounds;
	for (int i = 0; i < n; i++) {
		struct app_avatar *av = &a->demo[i];
		memset(av, 0, sizeof(*av));
		av->id = (uint16_t)(i + 1);
		av->colour = app_colour_of(av->id);
		av->role = i == 0 ? PROTO_ROLE_STUDENT : (i == 1 ? PROTO_ROLE_INSTRUCTOR
								  : PROTO_ROLE_STUDENT);
		snprintf(a->demo_names[i], PROTO_NAME_MAX, i == 1 ? "Ms. Okafor" : "Student %02d", i + 1);
		av->name = a->demo_names[i];
		av->seat = SIM_SEAT_NONE;
		bool sit = i % 3 != 0 && i > 1 && seats_free > 0;
		if (sit) {
			const struct sim_seat *s = &w->seats[order[--seats_free]];
			av->seat = (uint16_t)(s - w->seats);
			av->x_m = (float)s->pos.x_mm / 1000.0f;
			av->y_m = (float)s->pos.y_mm / 1000.0f;
			av->yaw_rad = (float)s->facing * TWO_PI / 65536.0f;
			av->sitting = true;
		} else {
			struct sim_point p;
			int tries = 0;
			do {
				p.x_mm = b.x_mm + (int32_t)(rng_next(&rng) % (uint32_t)b.w_mm);
				p.y_mm = b.y_mm + (int32_t)(rng_next(&rng) % (uint32_t)b.h_mm);
			} while ((sim_avatar_collides(w, p) || sim_world_zone_at(w, p) != zone) &&
				 ++tries < 1000);
			av->x_m = (float)p.x_mm / 1000.0f;
			av->y_m = (float)p.y_mm / 1000.0f;
			av->yaw_rad = (float)(rng_next(&rng) % 8) * TWO_PI / 8.0f;
			av->walking = i % 2 == 1;
		}
		av->speaking = i == 1 || i == 5;
	}
	a->avatar_count = n;
}

void app_scene_gather(struct app *a, uint64_t now_us)
{
	memset(a->seat_holder, 0, sizeof(a->seat_holder));
	memset(a->door_holder, 0, sizeof(a->door_holder));
	a->self_index = -1;
	a->avatar_count = 0;
	if (a->link == APP_LINK_DEMO) {
		int n = CORE_MIN(a->opt.demo, APP_MAX_AVATARS);
		for (int i = 0; i < n; i++) {
			a->avatars[i] = a->demo[i];
			if (a->demo[i].seat != SIM_SEAT_NONE)
				a->seat_holder[a->demo[i].seat] = a->demo[i].id;
		}
		a->avatar_count = n;
		a->self_index = n > 0 ? 0 : -1;
		if (n > 0)
			a->avatars[0].self = true;
		a->self_zone = sim_world_zone_find(a->world, "classroom");
		return;
	}
	if (a->link != APP_LINK_JOINED)
		return;
	struct cl_conn *c = &a->conn;
	memcpy(a->seat_holder, c->seat_holder, sizeof(a->seat_holder));
	memcpy(a->door_holder, c->door_holder, sizeof(a->door_holder));
	struct sim_avatar me = cl_conn_view_self(c);
	a->self_zone = me.zone;
	struct app_avatar *s = &a->avatars[a->avatar_count++];
	*s = (struct app_avatar){
		.id = c->welcome.client_id,
		.x_m = (float)me.pos_x_mm / 1000.0f,
		.y_m = (float)me.pos_y_mm / 1000.0f,
		.yaw_rad = (float)me.yaw * TWO_PI / 65536.0f,
		.sitting = me.seat != SIM_SEAT_NONE,
		.walking = (me.flags & SIM_AVATAR_WALKING) != 0,
		.self = true,
		.speaking = app_voice_transmitting(a),
		.seat = me.seat,
		.colour = app_colour_of(c->welcome.client_id),
		.name = a->labels[0],
		.role = c->welcome.role,
	};
	const struct cl_roster_entry me_entry = {.id = c->welcome.client_id,
						 .role = c->welcome.role,
						 .same_name = c->welcome.same_name};
	struct cl_roster_entry named = me_entry;
	core_strlcpy(named.name, c->welcome.name, sizeof(named.name));
	cl_roster_label(&named, a->labels[0], sizeof(a->labels[0]));
	a->self_index = 0;
	int n = cl_conn_view_remotes(c, now_us, a->views, CL_MAX_REMOTES);
	for (int i = 0; i < n && a->avatar_count < APP_MAX_AVATARS; i++) {
		const struct cl_view *v = &a->views[i];
		const struct cl_roster_entry *e = cl_conn_roster_find(c, v->id);
		char *label = a->labels[a->avatar_count];
		if (e)
			cl_roster_label(e, label, sizeof(a->labels[0]));
		else
			core_strlcpy(label, "?", sizeof(a->labels[0]));
		struct app_avatar *o = &a->avatars[a->avatar_count++];
		*o = (struct app_avatar){
			.id = v->id,
			.x_m = (float)v->x_mm / 1000.0f,
			.y_m = (float)v->y_mm / 1000.0f,
			.yaw_rad = (float)v->yaw * TWO_PI / 65536.0f,
			.sitting = v->seat != SIM_SEAT_NONE,
			.walking = (v->flags & SIM_AVATAR_WALKING) != 0,
			.speaking = e && e->speaking,
			.seat = v->seat,
			.colour = app_colour_of(v->id),
			.name = label,
			.role = e ? e->role : PROTO_ROLE_STUDENT,
			.has_pose = v->has_pose,
		};
		if (v->has_pose) { /* hands relative to the head, the head to the avatar */
			struct proto_pose_f f;
			proto_pose_dequantize(&v->pose, &f);
			for (int h = 0; h < 2; h++) {
				o->hand_m[h][0] = o->x_m + f.head_m[0] + f.hand_m[h][0];
				o->hand_m[h][1] = o->y_m + f.head_m[1] + f.hand_m[h][1];
				o->hand_m[h][2] = CORE_MAX(0.0f, f.head_m[2] + f.hand_m[h][2]);
				memcpy(o->hand_q[h], f.hand_q[h], sizeof(o->hand_q[h]));
			}
			o->head_m[0] = o->x_m + f.head_m[0];
			o->head_m[1] = o->y_m + f.head_m[1];
			o->head_m[2] = f.head_m[2];
			memcpy(o->head_q, f.head_q, sizeof(o->head_q));
		}
	}
}

static float head_height(const struct app_avatar *av)
{
	return av->sitting ? STAND_HEAD_M - 0.72f + SEAT_HEIGHT_M : STAND_HEAD_M;
}

struct label_box {
	float x, y, w, h;
};

static struct label_box label_of(struct app *a, const struct app_avatar *av, const char **out_role)
{
	float hx, hy;
	rnd_world_to_screen(a->rnd, av->x_m, av->y_m, head_height(av) + 0.08f, &hx, &hy);
	const char *role = av->role == PROTO_ROLE_STUDENT ? NULL
			   : proto_role_name((enum proto_role)av->role);
	float w = rnd_text_width(a->rnd, RND_FONT_SMALL, av->name) + 14.0f;
	if (role)
		w += rnd_text_width(a->rnd, RND_FONT_SMALL, role) + 10.0f;
	if (av->speaking)
		w += 14.0f;
	float h = rnd_line_height(a->rnd, RND_FONT_SMALL) + 6.0f;
	*out_role = role;
	return (struct label_box){hx - w * 0.5f, hy - h, w, h};
}

static void draw_label(struct app *a, const struct app_avatar *av, uint64_t now_us)
{
	const char *role;
	struct label_box b = label_of(a, av, &role);
	rnd_rect(a->rnd, b.x, b.y, b.w, b.h, 6.0f, av->self ? 0xd0283c58 : 0xb8121418);
	float x = b.x + 7.0f;
	if (av->speaking) {
		/* speaking: a pulsing green dot before the name */
		float t = (float)(now_us % 1000000u) / 1e6f;
		float r = 4.0f + 1.5f * sinf(t * TWO_PI * 2.0f);
		rnd_ring(a->rnd, x + 4.0f, b.y + b.h * 0.5f, r, r, 0xff4fe08a);
		x += 14.0f;
	}
	x += rnd_text(a->rnd, RND_FONT_SMALL, x, b.y + 3.0f, av->self ? 0xffffe7a0 : 0xfff2f4f8,
		      av->name);
	if (role)
		rnd_text(a->rnd, RND_FONT_SMALL, x + 10.0f, b.y + 3.0f, 0xff9fd0ff, role);
	/* a colour tick under the label ties it to the avatar */
	rnd_rect(a->rnd, b.x + b.w * 0.5f - 8.0f, b.y + b.h - 2.0f, 16.0f, 3.0f, 1.5f,
		 0xff000000u | av->colour);
}

static void draw_places(struct app *a, const struct app_avatar *self, uint64_t now_us)
{
	const struct sim_world *w = a->world;
	float t = (float)w->tile_mm / 1000.0f;
	for (int i = 0; i < w->seat_count; i++) {
		if (a->seat_holder[i])
			continue;
		float x = (float)w->seats[i].pos.x_mm / 1000.0f, y = (float)w->seats[i].pos.y_mm / 1000.0f;
		bool near = false;
		if (self && !self->sitting) {
			float dx = x - self->x_m, dy = y - self->y_m;
			near = dx * dx + dy * dy < (float)SIM_SEAT_REACH_MM * SIM_SEAT_REACH_MM / 1e6f;
		}
		rnd_draw_decal(a->rnd, x, y, SEAT_HEIGHT_M + 0.01f, near ? 0.2f : 0.14f, 0,
			       near ? 0xe07cf0a8 : 0x7068d890);
	}
	for (int i = 0; i < w->door_count; i++) {
		const struct sim_rect *r = &w->doors[i].rect;
		uint32_t colour = a->door_holder[i] ? 0x90f0b040 : 0x5060d890;
		for (int32_t y = r->y_mm; y < r->y_mm + r->h_mm; y += w->tile_mm)
			for (int32_t x = r->x_mm; x < r->x_mm + r->w_mm; x += w->tile_mm)
				rnd_draw_decal(a->rnd, (float)x / 1000.0f + t * 0.5f,
					       (float)y / 1000.0f + t * 0.5f, 0.005f, t * 0.45f, 0,
					       colour);
	}
	app_item_draw(a, now_us);
}

void app_scene_draw(struct app *a, uint64_t now_us)
{
	if (!a->world_ready)
		return;
	const struct app_avatar *self = a->self_index >= 0 ? &a->avatars[a->self_index] : NULL;
	rnd_set_focus(a->rnd, self ? self->x_m : 0, self ? self->y_m : 0, self != NULL);
	draw_places(a, self, now_us);
	app_board_draw_walls(a, now_us);
	float phase = (float)(now_us % 10000000u) / 1e6f * TWO_PI * 1.7f;
	for (int i = 0; i < a->avatar_count; i++) {
		const struct app_avatar *av = &a->avatars[i];
		rnd_draw_decal(a->rnd, av->x_m, av->y_m, av->sitting ? SEAT_HEIGHT_M + 0.01f : 0.0f,
			       0.3f, 2, 0x70000000);
		if (av->self)
			rnd_draw_decal(a->rnd, av->x_m, av->y_m, 0.01f, 0.42f, 1, 0xd0ffe7a0);
		struct rnd_avatar ra = {
			.x_m = av->x_m,
			.y_m = av->y_m,
			.yaw_rad = av->yaw_rad,
			.sitting = av->sitting,
			.walking = av->walking,
			.walk_phase_rad = phase + (float)av->id,
			.seat_height_m = SEAT_HEIGHT_M,
			.colour = av->colour,
		};
		rnd_draw_avatar(a->rnd, &ra);
		for (int h = 0; av->has_pose && h < 2; h++)
			rnd_draw_decal(a->rnd, av->hand_m[h][0], av->hand_m[h][1], av->hand_m[h][2],
				       0.07f, 0, 0xf0000000u | (av->colour & 0xffffffu));
	}
	if (a->has_target && a->link == APP_LINK_JOINED)
		rnd_draw_decal(a->rnd, a->target_x, a->target_y, 0.01f, 0.25f, 1, 0xc0ffe7a0);
	if (!a->opt.labels)
		return;
	/* Labels far to near, so a nearer label covers a farther one. */
	int order[APP_MAX_AVATARS];
	for (int i = 0; i < a->avatar_count; i++)
		order[i] = i;
	for (int i = 1; i < a->avatar_count; i++) {
		int k = order[i], j = i - 1;
		float key = a->avatars[k].x_m + a->avatars[k].y_m;
		while (j >= 0 && a->avatars[order[j]].x_m + a->avatars[order[j]].y_m > key) {
			order[j + 1] = order[j];
			j--;
		}
		order[j + 1] = k;
	}
	for (int i = 0; i < a->avatar_count; i++)
		draw_label(a, &a->avatars[order[i]], now_us);
}

/* A name as a JSON string body: quotes, backslashes and controls escaped. */
static void json_name(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

bool app_scene_write_json(struct app *a, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		CORE_ERROR("cannot write '%s'", path);
		return false;
	}
	const struct rnd_stats *st = rnd_get_stats(a->rnd);
	int roster = a->link == APP_LINK_JOINED ? a->conn.roster_count : a->avatar_count;
	fprintf(f, "{\"width\": %u, \"height\": %u, \"labels\": %s, \"roster\": %d, \"avatars\": [",
		st->width, st->height, a->opt.labels ? "true" : "false", roster);
	for (int i = 0; i < a->avatar_count; i++) {
		const struct app_avatar *av = &a->avatars[i];
		float fx, fy, hx, hy;
		rnd_world_to_screen(a->rnd, av->x_m, av->y_m, 0, &fx, &fy);
		rnd_world_to_screen(a->rnd, av->x_m, av->y_m, head_height(av), &hx, &hy);
		const char *role;
		struct label_box b = label_of(a, av, &role);
		fprintf(f, "%s\n  {\"id\": %u, \"name\": \"", i ? "," : "", av->id);
		json_name(f, av->name);
		fprintf(f,
			"\", \"self\": %s, \"colour\": \"#%06x\", \"sitting\": %s, \"seat\": %d, "
			"\"world_m\": [%.3f, %.3f], \"feet\": [%.1f, %.1f], \"head\": [%.1f, %.1f], "
			"\"label\": [%.1f, %.1f, %.1f, %.1f]}",
			av->self ? "true" : "false", av->colour, av->sitting ? "true" : "false",
			av->seat == SIM_SEAT_NONE ? -1 : (int)av->seat, av->x_m, av->y_m, fx, fy, hx,
			hy, b.x, b.y, b.w, b.h);
	}
	/* The boards on their walls: each image's top-left, top-right and
	 * bottom-left corners on the screen. */
	fprintf(f, "\n], \"boards\": [");
	for (int b = 0, n = 0; b < RND_BOARD_IMAGES; b++) {
		if (!(a->board_view.walls_drawn & (1u << b)))
			continue;
		float q[6];
		app_board_wall_on_screen(a, b, q);
		fprintf(f, "%s\n  {\"board\": %d, \"corners\": [%.1f, %.1f, %.1f, %.1f, %.1f, %.1f]}",
			n++ ? "," : "", b, q[0], q[1], q[2], q[3], q[4], q[5]);
	}
	fprintf(f, "\n]}\n");
	return fclose(f) == 0;
}
