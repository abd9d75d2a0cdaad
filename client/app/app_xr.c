/*
 * app_xr.c: `lyceum --xr`, the classroom in a headset. The same connection,
 * prediction, voice, boards and items as the desktop (app_net.c,
 * app_input.c, ...), driven by the controllers instead of the keyboard and
 * drawn at true scale for two eyes (rnd_xr.h) at the runtime's pace
 * (xrWaitFrame, client/xr).
 *
 * Axes. OpenXR's stage is x right, y up, -z forward; the world is x along
 * the tile columns, y along the rows, z up, and as Tiled shows it from
 * above (y down the screen) it is the mirror image of a right-handed
 * space. P, which swaps the second and third axes, maps one to the other
 * without mirroring the room: stage forward (-z) is world -y, "up the map".
 * A rotation q of the stage is the rotation (-x, -z, -y, w) of the world.
 *
 * The rig. Where the user stands in the play area is not where the avatar
 * is: the thumbstick walks the avatar (through the same prediction as the
 * desktop's keys), a turn rotates the whole play area about it, and the
 * head's offset from where it was when the session began (`centre`) is
 * added on top and sent as the pose, so others see the lean and the hands.
 * The local head pose is the runtime's of this frame: it never waits for
 * the network.
 *
 * Threads. The render thread (this loop, paced by xrWaitFrame) does no
 * network or file I/O: a network thread services the connection, runs the
 * ticks and the voice, and loads a new world's file; the two share struct
 * app under one lock, which the render thread holds only to read the
 * controllers into it and copy out what it draws (struct xr_shared).
 */
#include "app.h"

#include "plat.h"
#include "rnd_xr.h"
#include "xr.h"

#include <cglm/cglm.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SNAP_DEG 30.0f
#define SMOOTH_DEG_S 90.0f
#define TELEPORT_MAX_M 5.0f
#define PEN_REACH_M 0.06f  /* the tip this close to a board draws */
#define NEAR_M 0.05f
#define FAR_M 100.0f
#define TWO_PI 6.2831853f

struct xr_rig {
	float yaw;        /* the play area's turn in the world, radians */
	float centre[3];  /* stage point over the avatar's position */
	bool centred;
	bool snapped;     /* the turn stick is out: one snap per push */
	bool aiming;      /* the teleport stick is forward */
	float aim_x, aim_y;
	bool aim_ok;
	float speed;      /* the avatar's speed just now, m/s, for the vignette */
	int grab_hand;    /* the hand whose grip is held on an item, -1: none */
	int held_before;  /* the item held last frame (a buzz when it changes) */
	float last_x, last_y;
	uint64_t last_us;
};

/* ---- axes ------------------------------------------------------------------ */

/* A stage direction in world axes, turned by the rig. */
static void to_world_dir(const struct xr_rig *rig, const float v[3], float out[3])
{
	float c = cosf(rig->yaw), s = sinf(rig->yaw);
	float wx = v[0], wy = v[2];
	out[0] = c * wx - s * wy;
	out[1] = s * wx + c * wy;
	out[2] = v[1];
}

static void to_world_quat(const struct xr_rig *rig, const float q[4], float out[4])
{
	versor pq = {-q[0], -q[2], -q[1], q[3]}, rq, res;
	glm_quatv(rq, rig->yaw, (vec3){0, 0, 1});
	glm_quat_mul(rq, pq, res);
	glm_quat_normalize(res);
	memcpy(out, res, sizeof(res));
}

/* A stage point in the world: the avatar's place plus the offset from the
 * centre of the play area. */
static void to_world_point(const struct xr_rig *rig, float ax, float ay, const float p[3],
			   float out[3])
{
	float d[3] = {p[0] - rig->centre[0], p[1], p[2] - rig->centre[2]};
	to_world_dir(rig, d, out);
	out[0] += ax;
	out[1] += ay;
}

/* Rotates v by the unit quaternion q (x, y, z, w). */
static void qrot(const float q[4], const float v[3], float out[3])
{
	versor vq = {q[0], q[1], q[2], q[3]};
	glm_quat_rotatev(vq, (float *)v, out);
}

/* OpenXR's asymmetric field of view as a Vulkan projection (y down, depth 0..1). */
static void projection(const float fov[4], mat4 out)
{
	float l = tanf(fov[0]), r = tanf(fov[1]), u = tanf(fov[2]), d = tanf(fov[3]);
	float w = r - l, h = d - u;
	glm_mat4_zero(out);
	out[0][0] = 2.0f / w;
	out[2][0] = (r + l) / w;
	out[1][1] = 2.0f / h;
	out[2][1] = (u + d) / h;
	out[2][2] = -FAR_M / (FAR_M - NEAR_M);
	out[3][2] = -(FAR_M * NEAR_M) / (FAR_M - NEAR_M);
	out[2][3] = -1.0f;
}

/* world <- eye: the eye's stage pose, mirrored into world axes by P. */
static void eye_view_proj(const struct xr_rig *rig, float ax, float ay, const struct xr_view *e,
			  float out[16])
{
	float pos[3];
	to_world_point(rig, ax, ay, e->pose.p, pos);
	mat4 rot, p_axes = GLM_MAT4_IDENTITY_INIT, turn, m, tmp, view, proj, vp;
	versor q = {e->pose.q[0], e->pose.q[1], e->pose.q[2], e->pose.q[3]};
	glm_quat_mat4(q, rot);
	p_axes[1][1] = 0, p_axes[1][2] = 1, p_axes[2][1] = 1, p_axes[2][2] = 0;
	glm_rotate_make(turn, rig->yaw, (vec3){0, 0, 1});
	glm_translate_make(m, pos);
	glm_mat4_mul(m, turn, tmp);
	glm_mat4_mul(tmp, p_axes, m);
	glm_mat4_mul(m, rot, tmp);
	glm_mat4_inv(tmp, view);
	projection(e->fov, proj);
	glm_mat4_mul(proj, view, vp);
	memcpy(out, vp, sizeof(vp));
}

static float yaw_of_forward(const struct xr_rig *rig, const float q[4])
{
	float f[3], w[3];
	qrot(q, (const float[3]){0, 0, -1}, f);
	to_world_dir(rig, f, w);
	return atan2f(w[1], w[0]);
}

/* ---- input -------------------------------------------------------------------- */

/* The controllers as the desktop's keys where the meaning is the same.
 * A grip held picks up the nearest item (the desktop's Q) and letting go
 * puts it down (Q again); the item is carried in that hand. */
static void as_keys(struct app *a, struct xr_rig *rig, const struct xr_input *in, float ax,
		    float ay)
{
	struct plat_input *p = &a->input;
	memset(p->pressed, 0, sizeof(p->pressed));
	p->clicked = false;
	p->wheel = 0;
	p->held[PLAT_KEY_TALK] = in->talk;
	p->pressed[PLAT_ACT_MUTE] = in->mute_edge;
	p->pressed[PLAT_ACT_SIT] = in->sit_edge;
	p->pressed[PLAT_ACT_HAND] = in->hand_edge;
	int holding = a->link == APP_LINK_JOINED ? cl_item_held(&a->conn) : -1;
	if (rig->grab_hand < 0) {
		for (int h = 1; h >= 0; h--)
			if (in->grab_edge[h] && holding < 0) {
				rig->grab_hand = h;
				p->pressed[PLAT_ACT_GRAB] = 1; /* pick up */
				break;
			}
	} else if (!in->grab[rig->grab_hand]) {
		if (holding >= 0)
			p->pressed[PLAT_ACT_GRAB] = 1; /* put down */
		rig->grab_hand = -1;
	}
	a->carry.valid = rig->grab_hand >= 0 && in->hand_valid[rig->grab_hand];
	if (a->carry.valid)
		to_world_point(rig, ax, ay, in->hand[rig->grab_hand].p, a->carry.m);
	if (plat_stop_requested())
		p->pressed[PLAT_ACT_QUIT] = 1;
}

static void steer(struct app *a, struct xr_rig *rig, const struct xr_frame *f,
		  const struct xr_input *in, float dt, bool smooth_turn)
{
	a->steer.active = true;
	a->steer.x = a->steer.y = 0;
	if (f->head_valid)
		a->steer.yaw = (uint16_t)lroundf(yaw_of_forward(rig, f->head.q) / TWO_PI * 65536.0f);
	if (!in->active)
		return; /* not focused: input pauses, the avatar stands */
	/* turning */
	if (smooth_turn) {
		rig->yaw += in->turn * SMOOTH_DEG_S * (GLM_PIf / 180.0f) * dt;
	} else if (fabsf(in->turn) > 0.7f && !rig->snapped) {
		rig->yaw += copysignf(SNAP_DEG * (GLM_PIf / 180.0f), in->turn);
		rig->snapped = true;
	} else if (fabsf(in->turn) < 0.3f) {
		rig->snapped = false;
	}
	rig->yaw = fmodf(rig->yaw, TWO_PI);
	/* walking: the stick relative to where the head looks, flat */
	if (f->head_valid && (in->move[0] != 0 || in->move[1] != 0)) {
		float yaw = yaw_of_forward(rig, f->head.q);
		float fx = cosf(yaw), fy = sinf(yaw); /* forward */
		float rx = -fy, ry = fx;              /* right: clockwise on the map */
		float x = fx * in->move[1] + rx * in->move[0], y = fy * in->move[1] + ry * in->move[0];
		float len = sqrtf(x * x + y * y);
		if (len > 1.0f)
			x /= len, y /= len;
		a->steer.x = x;
		a->steer.y = y;
		a->has_target = false; /* the stick overrides a teleport's walk */
		if (a->conn.predicted.seat != SIM_SEAT_NONE)
			a->want_stand = true;
	}
}

/* Teleport: the right stick forward aims along the right hand's pointer at
 * the floor within TELEPORT_MAX_M; letting go walks there by the planned
 * route (the simulation has no jumps: others see a walk). */
static void teleport(struct app *a, struct xr_rig *rig, const struct xr_input *in, float ax,
		     float ay)
{
	if (!in->active) {
		rig->aiming = false;
		return;
	}
	if (in->teleport > 0.7f && in->aim_valid[1]) {
		rig->aiming = true;
		float o[3], d[3], dir[3];
		to_world_point(rig, ax, ay, in->aim[1].p, o);
		qrot(in->aim[1].q, (const float[3]){0, 0, -1}, d);
		to_world_dir(rig, d, dir);
		rig->aim_ok = false;
		if (dir[2] < -0.05f) {
			float t = -o[2] / dir[2];
			float x = o[0] + dir[0] * t, y = o[1] + dir[1] * t;
			float dx = x - ax, dy = y - ay;
			if (dx * dx + dy * dy <= TELEPORT_MAX_M * TELEPORT_MAX_M) {
				rig->aim_x = x;
				rig->aim_y = y;
				rig->aim_ok = true;
			}
		}
	} else if (rig->aiming && in->teleport < 0.3f) {
		rig->aiming = false;
		if (rig->aim_ok)
			app_walk_to(a, rig->aim_x, rig->aim_y, -1);
	}
}

/* Where board b stands in the VR room: its image's top edge from (x0, y0)
 * to (x1, y1), from z0 up to z1 (app_board_wall), moved along the way it
 * faces out of the blocked tiles it hangs on, a centimetre into the room. */
static void board_face(const struct app *a, int b, float *x0, float *y0, float *x1, float *y1,
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

/* The trigger draws where a controller's tip touches a board. */
static void pens(struct app *a, struct xr_rig *rig, const struct xr_input *in, float ax, float ay,
		 uint64_t now_us)
{
	if (!a->world)
		return;
	int board = -1;
	int32_t bx = 0, by = 0;
	float pressure = 0;
	for (int h = 1; h >= 0 && board < 0; h--) {
		if (!in->active || !in->aim_valid[h] || in->draw[h] < 0.3f)
			continue;
		float tip_s[3], fwd[3], tip[3];
		qrot(in->aim[h].q, (const float[3]){0, 0, -0.05f}, fwd);
		for (int i = 0; i < 3; i++)
			tip_s[i] = in->aim[h].p[i] + fwd[i];
		to_world_point(rig, ax, ay, tip_s, tip);
		for (int b = 0; b < a->world->board_count && b < RND_BOARD_IMAGES; b++) {
			float x0, y0, x1, y1, z0, z1;
			board_face(a, b, &x0, &y0, &x1, &y1, &z0, &z1);
			float dx = x1 - x0, dy = y1 - y0, len = sqrtf(dx * dx + dy * dy);
			if (len < 0.01f)
				continue;
			float u = ((tip[0] - x0) * dx + (tip[1] - y0) * dy) / (len * len);
			float dist = fabsf((tip[0] - x0) * dy - (tip[1] - y0) * dx) / len;
			float v = (z1 - tip[2]) / (z1 - z0);
			if (u < 0 || u > 1 || v < 0 || v > 1 || dist > PEN_REACH_M)
				continue;
			board = b;
			bx = (int32_t)(u * SIM_BOARD_SURFACE_W);
			by = (int32_t)(v * SIM_BOARD_SURFACE_H);
			pressure = in->draw[h];
			break;
		}
	}
	app_board_pen(a, board, board >= 0, bx, by, (uint8_t)CORE_CLAMP(pressure * 255.0f, 1, 255),
		      now_us);
}

/* The head and hands as others see them: world axes, the head from the
 * avatar's place, the hands from the head. */
static void send_pose(struct app *a, struct xr_rig *rig, const struct xr_frame *f,
		      const struct xr_input *in)
{
	if (!f->head_valid) {
		cl_conn_set_pose(&a->conn, NULL);
		return;
	}
	struct proto_pose_f pf;
	float d[3] = {f->head.p[0] - rig->centre[0], f->head.p[1], f->head.p[2] - rig->centre[2]};
	to_world_dir(rig, d, pf.head_m);
	to_world_quat(rig, f->head.q, pf.head_q);
	for (int h = 0; h < 2; h++) {
		const struct xr_pose *hp = in->hand_valid[h] ? &in->hand[h] : &f->head;
		float hd[3] = {hp->p[0] - f->head.p[0], hp->p[1] - f->head.p[1],
			       hp->p[2] - f->head.p[2]};
		to_world_dir(rig, hd, pf.hand_m[h]);
		to_world_quat(rig, hp->q, pf.hand_q[h]);
	}
	struct proto_pose q;
	proto_pose_quantize(&pf, &q);
	cl_conn_set_pose(&a->conn, &q);
}

/* ---- drawing -------------------------------------------------------------------- */

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

/* What the frame draws of the room's shared state, copied while the
 * network thread is held off (gather_shared), drawn after. */
struct xr_shared {
	int item_count;
	struct cl_item_view items[SIM_MAX_ITEMS];
	int board_count;
	struct xr_board_place {
		int slot;
		float x0, y0, x1, y1, z0, z1;
	} boards[RND_BOARD_IMAGES];
};

static void gather_shared(struct app *a, uint64_t now_us, struct xr_shared *sh)
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

/* A dark ring around the view while the avatar moves: less of the moving
 * world in the corner of the eye, less sickness. */
static void vignette(struct app *a, const struct xr_rig *rig, const struct xr_frame *f, float ax,
		     float ay)
{
	float k = CORE_CLAMP(rig->speed / 1.2f, 0.0f, 1.0f);
	if (k < 0.05f || !f->head_valid)
		return;
	const float d = 0.12f;
	float open = d * tanf((55.0f - 20.0f * k) * (GLM_PIf / 180.0f)), outer = d * 3.0f;
	float centre[3], right[3], up[3], fwd[3];
	to_world_point(rig, ax, ay, f->head.p, centre);
	float sr[3], su[3], sf[3];
	qrot(f->head.q, (const float[3]){1, 0, 0}, sr);
	qrot(f->head.q, (const float[3]){0, 1, 0}, su);
	qrot(f->head.q, (const float[3]){0, 0, -1}, sf);
	to_world_dir(rig, sr, right);
	to_world_dir(rig, su, up);
	to_world_dir(rig, sf, fwd);
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

/* Draws both eyes; false when the frame could not be (it then ends empty). */
static bool draw_frame(struct app *a, struct xr_rig *rig, const struct xr_frame *f,
		       const struct xr_input *in, float ax, float ay, const struct xr_shared *sh)
{
	rnd_xr_frame_begin(a->rnd);
	float right[3] = {1, 0, 0}; /* ours, flat: the labels face us */
	float eye[3] = {ax, ay, 1.6f};
	if (f->head_valid) {
		to_world_point(rig, ax, ay, f->head.p, eye);
		float sr[3];
		qrot(f->head.q, (const float[3]){1, 0, 0}, sr);
		to_world_dir(rig, sr, right);
		float len = sqrtf(right[0] * right[0] + right[1] * right[1]);
		right[2] = 0;
		if (len > 0.01f)
			right[0] /= len, right[1] /= len;
		else
			right[0] = 1, right[1] = 0;
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
	vignette(a, rig, f, ax, ay);
	float vp[2][16];
	for (int e = 0; e < 2; e++)
		eye_view_proj(rig, ax, ay, &f->eyes[e], vp[e]);
	if (rnd_xr_frame_end(a->rnd, f->image, vp) != CORE_OK) {
		CORE_WARN("the VR frame could not be drawn");
		return false;
	}
	return true;
}

/* ---- the loop -------------------------------------------------------------------- */

/*
 * The network thread: the connection, the ticks (moves go out at the
 * server's rate, steered by what the render thread last set), voice. The
 * render thread never waits for it longer than one of its turns (a
 * non-blocking service of the socket), and does no network or file I/O
 * itself: what it sends is queued (ENet's reliable channel, the pose for
 * the next tick) and a world the network thread loaded is uploaded by it
 * at the next frame (app_world_sync).
 */
struct net_thread {
	struct app *a;
	pthread_t thread;
	pthread_mutex_t lock; /* everything in struct app the two threads share */
	atomic_bool stop;
	bool running;
};

static void *net_main(void *user)
{
	struct net_thread *n = user;
	while (!atomic_load(&n->stop)) {
		pthread_mutex_lock(&n->lock);
		uint64_t now = plat_time_us();
		app_net_update(n->a, now);
		app_input_ticks(n->a, now);
		app_voice_update(n->a);
		pthread_mutex_unlock(&n->lock);
		plat_sleep_us(1000);
	}
	return NULL;
}

/* This thread's CPU time: what a frame costs, the waits for the display
 * and the GPU left out by construction. */
static double thread_cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void print_stats(const struct app *a, struct xr *x, double *frame_ms, double *record_ms,
			long n, uint64_t draws)
{
	if (n < 1)
		return;
	double med, p99, rec_med, rec_p99;
	app_percentiles(frame_ms, n, &med, &p99);
	app_percentiles(record_ms, n, &rec_med, &rec_p99);
	const struct rnd_xr_stats *st = rnd_xr_get_stats(a->rnd);
	printf("{\"xr_frames\": %llu, \"cpu_ms_median\": %.3f, \"cpu_ms_p99\": %.3f, "
	       "\"record_ms_median\": %.3f, \"record_ms_p99\": %.3f, "
	       "\"draws_per_eye\": %.2f, \"avatars\": %u, \"boxes\": %u, \"profile\": \"%s\", "
	       "\"device\": \"%s\", \"validation_messages\": %u}\n",
	       (unsigned long long)xr_frames(x), med, p99, rec_med, rec_p99,
	       (double)draws / (double)n, st->avatars, st->boxes, xr_profile(x),
	       rnd_get_stats(a->rnd)->device_name, rnd_get_stats(a->rnd)->validation_messages);
	fflush(stdout);
}

/* The loop's own state (large: on the heap). */
struct xr_run {
	struct xr_rig rig;
	struct xr_shared shared;
	double frame_ms[APP_STATS_FRAMES], record_ms[APP_STATS_FRAMES];
};

/* No frames now (the headset asleep, the session idle): what the controllers
 * last said must not keep the avatar walking or the microphone open. */
static void idle_input(struct app *a, struct net_thread *net)
{
	pthread_mutex_lock(&net->lock);
	a->steer.x = a->steer.y = 0;
	a->input.held[PLAT_KEY_TALK] = false;
	a->carry.valid = false;
	pthread_mutex_unlock(&net->lock);
}

static int run(struct app *a, struct xr *x, struct net_thread *net, struct xr_run *xs)
{
	struct xr_rig rig = {.grab_hand = -1, .held_before = -1};
	struct xr_shared *shared = &xs->shared;
	double *frame_ms = xs->frame_ms, *record_ms = xs->record_ms;
	long measured = 0;
	uint64_t draws = 0, last_us = plat_time_us();
	bool exit_asked = false;
	int rc = 0;
	for (;;) {
		double cpu0 = thread_cpu_ms();
		enum xr_status st = xr_poll(x);
		if (st == XR_STATUS_EXIT)
			break;
		if (st == XR_STATUS_LOST) {
			rc = 1;
			break;
		}
		if (a->plat && a->plat->pump)
			a->plat->pump(a->plat->user, &a->quit);
		bool quit = a->quit || plat_stop_requested() ||
			    (a->opt.frames && (long)xr_frames(x) >= a->opt.frames);
		if (st == XR_STATUS_IDLE) {
			idle_input(a, net);
			if (quit)
				break; /* not running: nothing to end, the session is destroyed */
			plat_sleep_us(10000);
			continue;
		}
		if (quit && !exit_asked) {
			xr_request_exit(x); /* the runtime then ends the session: STOPPING */
			exit_asked = true;
		}
		struct xr_frame f;
		if (!xr_frame_wait(x, &f)) {
			idle_input(a, net);
			continue;
		}
		uint64_t now = plat_time_us();
		float dt = CORE_CLAMP((float)(now - last_us) / 1e6f, 0.0f, 0.1f);
		last_us = now;
		struct xr_input in;
		xr_input(x, &f, &in);
		if (f.head_valid && !rig.centred) {
			rig.centre[0] = f.head.p[0];
			rig.centre[2] = f.head.p[2];
			rig.centred = true;
		}
		float ax = 0, ay = 0;
		pthread_mutex_lock(&net->lock);
		(void)app_world_sync(a);
		if (a->self_index >= 0) { /* last frame's place: the carried item follows the hand */
			ax = a->avatars[a->self_index].x_m;
			ay = a->avatars[a->self_index].y_m;
		}
		as_keys(a, &rig, &in, ax, ay);
		app_input_frame(a);
		int held = a->link == APP_LINK_JOINED ? cl_item_held(&a->conn) : -1;
		if (held != rig.held_before && rig.grab_hand >= 0)
			xr_haptic(x, (enum xr_hand)rig.grab_hand, 0.6f, 30000000); /* it is yours */
		rig.held_before = held;
		steer(a, &rig, &f, &in, dt, a->opt.xr_smooth_turn);
		send_pose(a, &rig, &f, &in);
		app_scene_gather(a, now);
		if (a->self_index >= 0) {
			ax = a->avatars[a->self_index].x_m;
			ay = a->avatars[a->self_index].y_m;
		} else if (a->world && a->world->spawn_count) {
			ax = (float)a->world->spawns[0].pos.x_mm / 1000.0f;
			ay = (float)a->world->spawns[0].pos.y_mm / 1000.0f;
		}
		teleport(a, &rig, &in, ax, ay);
		pens(a, &rig, &in, ax, ay, now);
		gather_shared(a, now, shared);
		pthread_mutex_unlock(&net->lock);
		if (rig.last_us) {
			float ddx = ax - rig.last_x, ddy = ay - rig.last_y;
			float inst = sqrtf(ddx * ddx + ddy * ddy) / CORE_MAX(dt, 0.001f);
			rig.speed += (inst - rig.speed) * CORE_MIN(1.0f, dt * 10.0f);
		}
		rig.last_x = ax, rig.last_y = ay, rig.last_us = now;
		bool drawn = f.should_render && draw_frame(a, &rig, &f, &in, ax, ay, shared);
		if (xr_frame_submit(x, &f, drawn) != CORE_OK) {
			rc = 1;
			break;
		}
		if (drawn) { /* the whole frame on this thread, and the recording */
			const struct rnd_xr_stats *rs = rnd_xr_get_stats(a->rnd);
			frame_ms[measured % APP_STATS_FRAMES] = thread_cpu_ms() - cpu0;
			record_ms[measured % APP_STATS_FRAMES] = rs->cpu_ms;
			draws += rs->draws_per_eye;
			measured++;
		}
	}
	if (a->opt.stats)
		print_stats(a, x, frame_ms, record_ms, CORE_MIN(measured, (long)APP_STATS_FRAMES),
			    draws);
	return rc;
}

int app_xr_main(struct app *a)
{
	char err[256] = "";
	a->win = plat_window_create_headless(NULL, err, sizeof(err));
	if (!a->win) {
		fprintf(stderr, "lyceum: %s\n", err);
		return 1;
	}
	struct xr *x = NULL;
	struct net_thread net = {.a = a};
	pthread_mutex_init(&net.lock, NULL);
	struct xr_config xc = {
		.validation = a->opt.validation,
		.multiview = a->opt.xr_multiview,
		.refresh_hz = a->opt.xr_refresh_hz,
		.android_vm = a->plat ? a->plat->android_vm : NULL,
		.android_activity = a->plat ? a->plat->android_activity : NULL,
	};
	int rc = 0;
	if (xr_create(&xc, &x) != CORE_OK) {
		fprintf(stderr, "lyceum: OpenXR could not start (see above)\n");
		xr_destroy(&x);
		a->win->destroy(a->win);
		pthread_mutex_destroy(&net.lock);
		return 1;
	}
	struct rnd_config rc_cfg = {
		.width = 64,
		.height = 64, /* the desktop's offscreen target, unused in VR */
		.validation = a->opt.validation,
		.msaa = 1,
		.font_path = a->opt.font,
		.vk_hooks = xr_vk_hooks(x),
	};
	a->muted = true;
	a->target_seat = -1;
	a->self_index = -1;
	if (rnd_create(&rc_cfg, &a->rnd) != CORE_OK || xr_start(x, a->rnd) != CORE_OK) {
		fprintf(stderr, "lyceum: the VR session could not start (see above)\n");
		rc = 1;
	} else {
		CORE_INFO("drawing for the headset with %s", rnd_get_stats(a->rnd)->device_name);
		rc = app_open(a); /* a seeded class (--demo), or the connection */
		if (!rc && a->link != APP_LINK_DEMO) {
			if (pthread_create(&net.thread, NULL, net_main, &net) != 0) {
				fprintf(stderr, "lyceum: cannot start the network thread\n");
				rc = 1;
			} else {
				net.running = true;
			}
		}
		struct xr_run *xs = rc ? NULL : calloc(1, sizeof(*xs));
		if (!rc && !xs) {
			fprintf(stderr, "lyceum: out of memory\n");
			rc = 1;
		}
		if (!rc)
			rc = run(a, x, &net, xs);
		free(xs);
		if (net.running) {
			atomic_store(&net.stop, true);
			pthread_join(net.thread, NULL);
		}
		app_voice_close(a);
		app_net_close(a);
		app_chat_close(a);
		app_board_close(a);
	}
	/* The swapchains' images live on the renderer's device: the renderer
	 * lets go of them, then the session goes, then the device. */
	if (a->rnd)
		rnd_xr_clear_target(a->rnd);
	xr_destroy(&x);
	pthread_mutex_destroy(&net.lock);
	return app_close(a, rc);
}
