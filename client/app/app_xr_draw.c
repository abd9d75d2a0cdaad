/*
 * app_xr_draw.c: what a VR frame draws (app_xr.h): everyone else (their
 * figures, a headset user's visor and hands, name labels turned to us),
 * the items, the boards' images on their walls, our hands, the teleport
 * marker, the comfort vignette; then both eyes are recorded.
 */
#include "app_xr.h"

#include "plat.h"
#include "rnd_xr.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Where board b stands in the VR room: its image's top edge from (x0, y0)
 * to (x1, y1), from z0 up to z1 (app_board_wall), moved along the way it
 * faces out of the blocked tiles it hangs on, a centimetre into the room. */
void board_face(const struct app *a, int b, float *x0, float *y0, float *x1, float *y1,
		float *z0, float *z1)
{
	app_board_wall(a, b, x0, y0, x1, y1, z0, z1);
	const struct sim_world *w = a->world;
	const struct sim_board *bd = &w->boards[b];
	float f = (float)bd->facing * TWO_PI / 65536.0f, dx = cosf(f), dy = sinf(f);
	float cx = (*x0 + *x1) * 0.5f, cy = (*y0 + *y1) * 0.5f, tile_m = (float)w->tile_mm / 1000.0f;
	float t = 0;
	for (; t < 2.0f; t += 0.01f) {
		int tx = (int)floorf((cx + dx * t) / tile_m), ty = (int)floorf((cy + dy * t) / tile_m);
		if (tx < 0 || ty < 0 || tx >= w->width_tiles || ty >= w->height_tiles ||
		    !w->blocked[ty * w->width_tiles + tx])
			break;
	}
	t = t >= 2.0f ? 0.01f : t + 0.01f;
	*x0 += dx * t, *x1 += dx * t;
	*y0 += dy * t, *y1 += dy * t;
}

static const float IDENTITY_Q[4] = {0, 0, 0, 1};
/* Half extents in world axes at the identity pose, which looks along -y
 * (up the map): across, ahead, up. */
static const float VISOR_HALF_M[3] = {0.09f, 0.06f, 0.11f};
static const float HAND_HALF_M[3] = {0.04f, 0.07f, 0.045f};

/* Everyone but us, each with a name label turned to us (`right`: our
 * right, flat): the render thread alone writes a->avatars (in
 * app_scene_gather, under the lock), so it reads them without it. */
static void draw_avatars(struct app *a, const float right[3], const float eye[3],
			 uint64_t now_us)
{
	/* a stride every 0.6 s, as on the desktop */
	float walk_phase = (float)(now_us % 600000u) / 600000.0f * TWO_PI;
	for (int i = 0; i < a->avatar_count; i++) {
		const struct app_avatar *av = &a->avatars[i];
		if (av->self)
			continue; /* we are inside it */
		struct rnd_avatar ra = {
			.x_m = av->x_m, .y_m = av->y_m, .yaw_rad = av->yaw_rad,
			.sitting = av->sitting, .walking = av->walking,
			.walk_phase_rad = walk_phase, .seat_height_m = 0.45f, .colour = av->colour,
		};
		rnd_draw_avatar(a->rnd, &ra);
		float dx = av->x_m - eye[0], dy = av->y_m - eye[1];
		/* a neighbour's name at arm's length would fill the view */
		if (a->opt.labels && av->name && dx * dx + dy * dy > 1.0f) {
			char text[CL_LABEL_MAX + 32];
			const char *role = av->role == PROTO_ROLE_STUDENT
						   ? NULL
						   : proto_role_name((enum proto_role)av->role);
			snprintf(text, sizeof(text), "%s%s%s", av->name, role ? " - " : "",
				 role ? role : "");
			float top = av->has_pose ? av->head_m[2] + 0.12f : av->sitting ? 1.35f : 1.75f;
			float c[3] = {av->x_m, av->y_m, top + 0.18f};
			rnd_xr_label(a->rnd, c, right, 0.09f, av->speaking ? 0xff8fe39au : 0xfff2f4f8u,
				     text);
		}
		if (!av->has_pose)
			continue;
		/* a headset user: a visor where the head is, the hands where they are */
		rnd_xr_box(a->rnd, av->head_m, VISOR_HALF_M, av->head_q, 0x23262cu);
		for (int h = 0; h < 2; h++)
			rnd_xr_box(a->rnd, av->hand_m[h], HAND_HALF_M, av->hand_q[h], av->colour);
	}
}

void gather_shared(struct app *a, uint64_t now_us, struct xr_shared *sh)
{
	sh->item_count = a->link == APP_LINK_JOINED
				 ? cl_conn_view_items(&a->conn, now_us, sh->items, SIM_MAX_ITEMS)
				 : 0;
	for (int i = 0; i < sh->item_count; i++) { /* ours is in our hand now, not when told */
		struct cl_item_view *v = &sh->items[i];
		if (v->holder && v->holder == a->conn.welcome.client_id && a->carry.valid) {
			v->x_mm = (int32_t)lroundf(a->carry.m[0] * 1000.0f);
			v->y_mm = (int32_t)lroundf(a->carry.m[1] * 1000.0f);
			v->z_mm = (int32_t)lroundf(a->carry.m[2] * 1000.0f) - 100;
		}
	}
	sh->board_count = 0;
	for (int b = 0; a->world && b < a->world->board_count && b < RND_BOARD_IMAGES; b++) {
		if (!app_board_image_ready(a, b, now_us)) /* rasterised and uploaded as needed */
			continue;
		struct xr_board_place *p = &sh->boards[sh->board_count++];
		p->slot = b;
		board_face(a, b, &p->x0, &p->y0, &p->x1, &p->y1, &p->z0, &p->z1);
	}
}

static void draw_shared(struct app *a, const struct xr_shared *sh)
{
	for (int i = 0; i < sh->item_count; i++) {
		const struct cl_item_view *v = &sh->items[i];
		float c[3] = {(float)v->x_mm / 1000.0f, (float)v->y_mm / 1000.0f,
			      (float)v->z_mm / 1000.0f + 0.1f};
		float half = (float)v->yaw * TWO_PI / 65536.0f / 2;
		float q[4] = {0, 0, sinf(half), cosf(half)};
		rnd_xr_box(a->rnd, c, (const float[3]){0.1f, 0.1f, 0.1f}, q,
			   v->holder ? 0xf0b040u : 0x3c8ce0u);
	}
	for (int i = 0; i < sh->board_count; i++) {
		const struct xr_board_place *p = &sh->boards[i];
		rnd_xr_board(a->rnd, p->slot, p->x0, p->y0, p->x1, p->y1, p->z0, p->z1);
	}
}

/* The head in the world this frame: where the eyes are, its right, up and
 * forward. */
struct head_view {
	float at[3], right[3], up[3], fwd[3];
};

static void head_view(const struct xr_rig *rig, const struct xr_frame *f, float ax, float ay,
		      struct head_view *h)
{
	static const float axes[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, -1}};
	float *out[3] = {h->right, h->up, h->fwd};
	to_world_point(rig, ax, ay, f->head.p, h->at);
	for (int i = 0; i < 3; i++) {
		float s[3];
		qrot(f->head.q, axes[i], s);
		to_world_dir(rig, s, out[i]);
	}
}

/* A dark ring around the view while the avatar moves: less of the moving
 * world in the corner of the eye, less sickness. */
static void vignette(struct app *a, const struct xr_rig *rig, const struct head_view *h)
{
	float k = CORE_CLAMP(rig->speed / 1.2f, 0.0f, 1.0f);
	if (k < 0.05f)
		return;
	const float d = 0.12f;
	float open = d * tanf((55.0f - 20.0f * k) * (TWO_PI / 360.0f)), outer = d * 3.0f;
	const float *centre = h->at, *right = h->right, *up = h->up, *fwd = h->fwd;
	const int segs = 16;
	for (int i = 0; i < segs; i++) {
		float a0 = (float)i / (float)segs * TWO_PI, a1 = (float)(i + 1) / (float)segs * TWO_PI;
		float pts[4][3];
		const float rad[4] = {open, outer, outer, open}, ang[4] = {a0, a0, a1, a1};
		for (int k2 = 0; k2 < 4; k2++)
			for (int j = 0; j < 3; j++)
				pts[k2][j] = centre[j] + fwd[j] * d +
					     (right[j] * cosf(ang[k2]) + up[j] * sinf(ang[k2])) *
						     rad[k2];
		rnd_xr_quad(a->rnd, pts, 0x000000u);
	}
}

bool draw_frame(struct app *a, struct xr_rig *rig, const struct xr_frame *f,
		const struct xr_input *in, float ax, float ay, const struct xr_shared *sh)
{
	rnd_xr_frame_begin(a->rnd);
	struct head_view head;
	float right[3] = {1, 0, 0}; /* ours, flat: the labels face us */
	float eye[3] = {ax, ay, 1.6f};
	if (f->head_valid) {
		head_view(rig, f, ax, ay, &head);
		memcpy(eye, head.at, sizeof(eye));
		float len = sqrtf(head.right[0] * head.right[0] + head.right[1] * head.right[1]);
		if (len > 0.01f)
			right[0] = head.right[0] / len, right[1] = head.right[1] / len;
	}
	draw_avatars(a, right, eye, plat_time_us());
	draw_shared(a, sh);
	for (int h = 0; h < 2; h++) {
		if (!in->hand_valid[h])
			continue;
		float c[3], q[4];
		to_world_point(rig, ax, ay, in->hand[h].p, c);
		to_world_quat(rig, in->hand[h].q, q);
		rnd_xr_box(a->rnd, c, HAND_HALF_M, q, in->draw[h] > 0.3f ? 0x1d3f8cu : 0xe8c8a8u);
	}
	if (rig->aiming && rig->aim_ok)
		rnd_xr_box(a->rnd, (const float[3]){rig->aim_x, rig->aim_y, 0.01f},
			   (const float[3]){0.25f, 0.25f, 0.01f}, IDENTITY_Q, 0x40d080u);
	if (f->head_valid)
		vignette(a, rig, &head);
	float vp[2][16];
	for (int e = 0; e < 2; e++)
		eye_view_proj(rig, ax, ay, &f->eyes[e], vp[e]);
	if (rnd_xr_frame_end(a->rnd, f->image, vp) != CORE_OK) {
		CORE_WARN("the VR frame could not be drawn");
		return false;
	}
	return true;
}

