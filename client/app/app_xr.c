/*
 * app_xr.c: `lyceum --xr`, the classroom in a headset. The same connection,
 * prediction, voice, boards and items as the desktop (app_net.c,
 * app_input.c, ...), driven by the controllers instead of the keyboard and
 * drawn at true scale for two eyes (rnd_xr.h) at the runtime's pace
 * (xrWaitFrame, client/xr).
 *
 * The axes and the rig: app_xr.h. Threads: the render thread (this loop,
 * paced by xrWaitFrame) does no network or file I/O; a network thread
 * services the connection, runs the ticks and the voice, and loads a new
 * world's file. The two share struct app under one lock, which the render
 * thread holds only to read the controllers into it and copy out what it
 * draws (struct xr_shared).
 */
#include "app_xr.h"

#include "plat.h"
#include "rnd_xr.h"
#include "xr.h"

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
	p->pressed[PLAT_ACT_UNDO] = in->undo_edge;
	p->pressed[PLAT_ACT_REDO] = in->redo_edge;
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
		rig->yaw += in->turn * SMOOTH_DEG_S * (TWO_PI / 360.0f) * dt;
	} else if (fabsf(in->turn) > 0.7f && !rig->snapped) {
		rig->yaw += copysignf(SNAP_DEG * (TWO_PI / 360.0f), in->turn);
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
	if (!in->active || !a->world_ready || a->link != APP_LINK_JOINED) {
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

/* The trigger draws where a controller's tip touches a board. */
static void pens(struct app *a, struct xr_rig *rig, const struct xr_input *in, float ax, float ay,
		 uint64_t now_us)
{
	if (!a->world || !a->world_ready)
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

/* ---- the loop -------------------------------------------------------------------- */

/*
 * The network thread: the connection, the ticks (moves go out at the
 * server's rate, steered by what the render thread last set), voice. The
 * render thread waits for it at most 2 ms (lock_briefly), and does no
 * network or file I/O itself: what it sends is queued (ENet's reliable channel, the pose for
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
	struct xr_shared shared;
	double frame_ms[APP_STATS_FRAMES], record_ms[APP_STATS_FRAMES];
};

/* No frames now (the headset asleep, the session idle): what the controllers
 * last said must not keep the avatar walking or the microphone open. */
static void idle_input(struct app *a, struct net_thread *net)
{
	pthread_mutex_lock(&net->lock);
	a->steer.x = a->steer.y = 0;
	a->has_target = false; /* a teleport's walk stops too */
	a->input.held[PLAT_KEY_TALK] = false;
	a->carry.valid = false;
	app_board_pen(a, -1, false, 0, 0, 0, plat_time_us()); /* a stroke under way ends */
	pthread_mutex_unlock(&net->lock);
}

/* The lock, waited for at most 2 ms. */
static bool lock_briefly(pthread_mutex_t *lock)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 2000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	return pthread_mutex_timedlock(lock, &until) == 0;
}

/* The frame's part of the shared state (under the lock): the controllers
 * into the app as keys, steering and pose; everyone's places out; the
 * board pens, teleport and what the frame draws. (ax, ay): where we stand. */
static void frame_shared(struct app *a, struct xr *x, struct xr_rig *rig, const struct xr_frame *f,
			 const struct xr_input *in, float dt, uint64_t now, struct xr_shared *shared,
			 float *ax, float *ay)
{
	if (!app_world_sync(a))
		CORE_WARN("the headset keeps showing the last room it could draw");
	if (a->self_index >= 0) { /* last frame's place: the carried item follows the hand */
		*ax = a->avatars[a->self_index].x_m;
		*ay = a->avatars[a->self_index].y_m;
	}
	as_keys(a, rig, in, *ax, *ay);
	app_input_frame(a);
	int held = a->link == APP_LINK_JOINED ? cl_item_held(&a->conn) : -1;
	if (held != rig->held_before && rig->grab_hand >= 0)
		xr_haptic(x, (enum xr_hand)rig->grab_hand, 0.6f, 30000000); /* it is yours */
	rig->held_before = held;
	steer(a, rig, f, in, dt, a->opt.xr_smooth_turn);
	send_pose(a, rig, f, in);
	app_scene_gather(a, now);
	if (a->self_index >= 0) {
		*ax = a->avatars[a->self_index].x_m;
		*ay = a->avatars[a->self_index].y_m;
	} else if (a->world && a->world->spawn_count) {
		*ax = (float)a->world->spawns[0].pos.x_mm / 1000.0f;
		*ay = (float)a->world->spawns[0].pos.y_mm / 1000.0f;
	}
	teleport(a, rig, in, *ax, *ay);
	pens(a, rig, in, *ax, *ay, now);
	if (a->world_ready) {
		gather_shared(a, now, shared);
	} else { /* the renderer has not got this world: nothing of it yet */
		shared->item_count = 0;
		shared->board_count = 0;
	}
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
		/* The network thread's turn is short, but one that loads a world
		 * (its file, its images) is not: the headset then shows the last
		 * frame's room rather than wait. */
		float ax = rig.last_x, ay = rig.last_y;
		if (lock_briefly(&net->lock)) {
			frame_shared(a, x, &rig, &f, &in, dt, now, shared, &ax, &ay);
			pthread_mutex_unlock(&net->lock);
		}
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
	}
	/* The swapchains' images live on the renderer's device: the renderer
	 * lets go of them, then the session goes, then the device. */
	if (a->rnd)
		rnd_xr_clear_target(a->rnd);
	xr_destroy(&x);
	pthread_mutex_destroy(&net.lock);
	return app_close(a, rc);
}
