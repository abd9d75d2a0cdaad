/* lyceum-bot --scenario classroom-presence-v1: the reference load of
 * ../shared/bench/classroom-presence-v1.md, exactly: R rooms x U users on the
 * bench-open floor, each walking a seeded script, every bot decoding every
 * snapshot. Standard output is JSON lines only; logs go to standard error.
 *
 * The script is followed through Lyceum's normal path: each send carries the
 * ticks of input (tick_hz / rate of them, bundled in one packet) that steer
 * the predicted avatar onto the scripted positions; the server's step is
 * authoritative. A world with free_spawn lets each avatar start where the
 * script puts it. */
#include "bot.h"
#include "plat.h"
#include "sim/world_load.h"

#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846
#define JOIN_TIMEOUT_US 30000000u
#define CP_STEP_US 1000 /* the load loop's step: see the wait below */

struct cp_options {
	int rooms, users;
	double rate, seconds, settle, room_w, room_h, speed, heading_every, idle_fraction;
	uint32_t seed;
	const char *server;
};

struct cp_walk {
	uint32_t rng;
	double x, y, heading, yaw;
	bool idle;
	int ticks_left;
	double send_phase;
};

struct cp_client {
	struct cl_conn conn;
	struct cp_walk walk;
	uint64_t k;            /* next send index */
	double prev_x, prev_y; /* scripted position at the previous send */
	uint32_t *last_time;   /* per remote id: newest send time seen */
	char room[32], name[32]; /* the connection config points at these */
	bool joined, lost, decoded_in_window;
};

static double rng01(uint32_t *state)
{
	return (double)bot_rng_next(state) / 4294967296.0;
}

static void new_segment(struct cp_walk *w, const struct cp_options *o)
{
	if (rng01(&w->rng) < o->idle_fraction) {
		w->idle = true;
	} else {
		w->idle = false;
		w->heading = rng01(&w->rng) * 2.0 * PI - PI;
	}
}

static int seg_ticks(const struct cp_options *o)
{
	return (int)lround(o->heading_every * o->rate);
}

static void walk_init(struct cp_walk *w, const struct cp_options *o, uint32_t room, uint32_t user)
{
	memset(w, 0, sizeof(*w));
	w->rng = bot_mix32(bot_mix32(bot_mix32(o->seed) ^ room) ^ (uint32_t)((user + 1) * 0x27d4eb2du));
	w->x = rng01(&w->rng) * o->room_w;
	w->y = rng01(&w->rng) * o->room_h;
	w->heading = rng01(&w->rng) * 2.0 * PI - PI;
	w->yaw = w->heading;
	w->idle = false;
	w->ticks_left = 1 + (int)floor(rng01(&w->rng) * seg_ticks(o));
	w->send_phase = rng01(&w->rng);
	new_segment(w, o);
}

/* One send tick of simulated time: walls mirror position and velocity. */
static void walk_tick(struct cp_walk *w, const struct cp_options *o)
{
	if (--w->ticks_left <= 0) {
		w->ticks_left = seg_ticks(o);
		new_segment(w, o);
	}
	if (w->idle)
		return;
	double step = o->speed / o->rate;
	double vx = cos(w->heading) * step, vy = sin(w->heading) * step;
	w->x += vx;
	w->y += vy;
	bool bounced = false;
	if (w->x < 0) {
		w->x = -w->x;
		vx = -vx;
		bounced = true;
	} else if (w->x > o->room_w) {
		w->x = 2 * o->room_w - w->x;
		vx = -vx;
		bounced = true;
	}
	if (w->y < 0) {
		w->y = -w->y;
		vy = -vy;
		bounced = true;
	} else if (w->y > o->room_h) {
		w->y = 2 * o->room_h - w->y;
		vy = -vy;
		bounced = true;
	}
	if (bounced)
		w->heading = atan2(vy, vx);
	w->yaw = w->heading;
}

static bool parse_options(struct cp_options *o, int argc, char **argv)
{
	*o = (struct cp_options){.rooms = 1, .users = 50, .rate = 15, .seconds = 30, .settle = 3,
				 .room_w = 20, .room_h = 15, .speed = 1.4, .heading_every = 2,
				 .idle_fraction = 0.3, .seed = 1, .server = "127.0.0.1:7777"};
	for (int i = 1; i < argc; i++) {
		const char *f = argv[i];
		if (i + 1 >= argc) {
			bot_emit_error("this flag needs a value:", f);
			return false;
		}
		const char *v = argv[++i];
		char *end;
		double d = strtod(v, &end);
		bool num = v[0] && !*end;
		if (!strcmp(f, "--scenario")) {
			if (strcmp(v, "classroom-presence-v1")) {
				bot_emit_error("unknown scenario:", v);
				return false;
			}
			continue;
		}
		if (!strcmp(f, "--server")) {
			o->server = v;
			continue;
		}
		struct {
			const char *name;
			double *dst;
			double lo, hi;
		} reals[] = {{"--rate", &o->rate, 1, 120},
			     {"--seconds", &o->seconds, 0.1, 86400},
			     {"--settle", &o->settle, 0, 3600},
			     {"--room-w", &o->room_w, 1, 1000},
			     {"--room-h", &o->room_h, 1, 1000},
			     {"--speed", &o->speed, 0, 10},
			     {"--heading-every", &o->heading_every, 0.1, 3600},
			     {"--idle-fraction", &o->idle_fraction, 0, 1}};
		bool known = false;
		for (size_t k = 0; k < CORE_ARRAY_LEN(reals); k++) {
			if (strcmp(f, reals[k].name))
				continue;
			known = true;
			if (!num || d < reals[k].lo || d > reals[k].hi) {
				bot_emit_error("value out of range for", f);
				return false;
			}
			*reals[k].dst = d;
		}
		if (known)
			continue;
		if (!strcmp(f, "--rooms") || !strcmp(f, "--users") || !strcmp(f, "--seed")) {
			if (!num || d < (strcmp(f, "--seed") ? 1 : 0) || d > 4294967295.0 ||
			    (strcmp(f, "--seed") && d > 4000)) {
				bot_emit_error("value out of range for", f);
				return false;
			}
			if (!strcmp(f, "--rooms"))
				o->rooms = (int)d;
			else if (!strcmp(f, "--users"))
				o->users = (int)d;
			else
				o->seed = (uint32_t)d;
			continue;
		}
		bot_emit_error("unknown flag", f);
		return false;
	}
	if (o->rooms * o->users > 4000) {
		bot_emit_error("rooms x users: at most 4000 clients in one process", "");
		return false;
	}
	return true;
}

static const struct sim_world *scenario_world(void *user, const char *name)
{
	static struct sim_world *w;
	static char loaded[64];
	const char *dir = user;
	if (w && !strcmp(loaded, name))
		return w;
	if (strcmp(name, "bench-open")) {
		fprintf(stderr, "lyceum-bot: the server runs world %s; classroom-presence-v1 needs "
				"bench-open (lyceum-server --world bench-open, or LYCEUM_WORLD)\n",
			name);
		return NULL;
	}
	if (!w)
		w = malloc(sizeof(*w));
	char err[512];
	if (!w || sim_world_load_named(dir, name, w, err, sizeof(err)) != CORE_OK) {
		fprintf(stderr, "lyceum-bot: %s\n", w ? err : "out of memory");
		return NULL;
	}
	core_strlcpy(loaded, name, sizeof(loaded));
	return w;
}

/* The ticks of input that carry the avatar from the previous scripted
 * position to the new one, each steering the prediction onto its share. */
static void send_tick(struct cp_client *cp, const struct cp_options *o, int cmds, uint32_t now32)
{
	struct cl_conn *c = &cp->conn;
	const int32_t r = SIM_AVATAR_RADIUS_MM;
	const int32_t step = sim_step_max_mm(c->welcome.tick_hz);
	/* Walking straight, a command is the heading's own move vector, and the
	 * yaw is that vector's (sim_yaw_of), so a move costs one bit for its yaw
	 * and one for each repeated command; the prediction is steered back onto
	 * the script only once it is more than STEER_MM off. */
	const int32_t steer_mm = 25;
	int8_t hx = (int8_t)lround(cos(cp->walk.yaw) * SIM_MOVE_MAX);
	int8_t hy = (int8_t)lround(sin(cp->walk.yaw) * SIM_MOVE_MAX);
	uint16_t yaw = sim_yaw_of(hx, hy);
	for (int j = 1; j <= cmds; j++) {
		double f = (double)j / cmds;
		double tx = (cp->prev_x + (cp->walk.x - cp->prev_x) * f) * 1000.0;
		double ty = (cp->prev_y + (cp->walk.y - cp->prev_y) * f) * 1000.0;
		int32_t gx = CORE_CLAMP((int32_t)lround(tx), r, sim_world_width_mm(c->world) - r);
		int32_t gy = CORE_CLAMP((int32_t)lround(ty), r, sim_world_height_mm(c->world) - r);
		int8_t mx = 0, my = 0;
		if (!cp->walk.idle) {
			/* where the heading's vector would put it, against the script */
			struct sim_avatar probe = c->predicted;
			struct sim_cmd try = {.move_x = hx, .move_y = hy, .yaw = yaw, .seat = SIM_SEAT_NONE};
			struct sim_occupancy occ = cl_conn_occupancy(c);
			sim_step(c->world, c->welcome.tick_hz, &occ, &probe, &try);
			int64_t ex = gx - probe.pos_x_mm, ey = gy - probe.pos_y_mm;
			if (ex * ex + ey * ey <= (int64_t)steer_mm * steer_mm) {
				cl_conn_queue_input(c, hx, hy, yaw, 0, SIM_SEAT_NONE);
				continue;
			}
		}
		int64_t dx = gx - c->predicted.pos_x_mm, dy = gy - c->predicted.pos_y_mm;
		int64_t len = core_isqrt64((uint64_t)(dx * dx + dy * dy));
		if (len > 2) { /* within 2 mm counts as there: no endless 1 mm jiggle */
			int64_t m = CORE_MIN((int64_t)SIM_MOVE_MAX, len * SIM_MOVE_MAX / step);
			mx = (int8_t)(dx * m / len);
			my = (int8_t)(dy * m / len);
		}
		cl_conn_queue_input(c, mx, my, yaw, 0, SIM_SEAT_NONE);
	}
	cl_conn_flush_input(c, now32);
	cp->prev_x = cp->walk.x;
	cp->prev_y = cp->walk.y;
}

int bot_scenario_main(int argc, char **argv, const char *worlds_dir)
{
	struct cp_options o;
	if (!parse_options(&o, argc, argv))
		return 2;
	plat_install_stop_handler();
	plat_raise_fd_limit();
	const int n = o.rooms * o.users;
	struct cp_client *cl = calloc((size_t)n, sizeof(*cl));
	struct pollfd *fds = calloc((size_t)n, sizeof(*fds));
	static struct bot_hist lat = {.width = 0.1};
	if (!cl || !fds) {
		bot_emit_error("out of memory for the clients", "");
		return 1;
	}
	const uint64_t t0 = plat_time_us();
	for (int i = 0; i < n; i++) {
		struct cp_client *cp = &cl[i];
		int room = i / o.users, user = i % o.users;
		walk_init(&cp->walk, &o, (uint32_t)room, (uint32_t)user);
		cp->prev_x = cp->walk.x;
		cp->prev_y = cp->walk.y;
		cp->last_time = calloc(BOT_ID_SLOTS, sizeof(uint32_t));
		snprintf(cp->room, sizeof(cp->room), "presence-%d", room);
		snprintf(cp->name, sizeof(cp->name), "cp-%d-%d", room, user);
		struct cl_conn_config cfg = {
			.server = o.server,
			.room = cp->room,
			.name = cp->name,
			.role = PROTO_ROLE_STUDENT,
			.has_spawn_pos = true,
			.spawn_pos = {(int32_t)lround(CORE_CLAMP(cp->walk.x * 1000, 250.0, o.room_w * 1000 - 250)),
				      (int32_t)lround(CORE_CLAMP(cp->walk.y * 1000, 250.0, o.room_h * 1000 - 250))}};
		if (!cp->last_time || cl_conn_start(&cp->conn, &cfg, scenario_world, (void *)worlds_dir) != CORE_OK) {
			bot_emit_error("cannot start a client:", cp->conn.error);
			return 1;
		}
		/* Connect in waves of 100, serviced in between, not all at once. */
		if (i % 100 == 99) {
			uint64_t wave_end = plat_time_us() + 20000;
			while (plat_time_us() < wave_end) {
				for (int k = 0; k <= i; k++)
					cl_conn_service(&cl[k].conn, plat_time_us());
				plat_sleep_us(2000);
			}
		}
	}

	/* Join (the clock started before the first connect). */
	int joined = 0;
	for (;;) {
		uint64_t now = plat_time_us();
		int done = 0;
		joined = 0;
		for (int i = 0; i < n; i++) {
			cl_conn_service(&cl[i].conn, now);
			joined += cl[i].conn.state == CL_STATE_JOINED;
			done += cl[i].conn.state >= CL_STATE_JOINED;
		}
		if (done == n || now - t0 > JOIN_TIMEOUT_US || plat_stop_requested())
			break;
		plat_sleep_us(2000);
	}
	if (joined < n) {
		for (int i = 0; i < n; i++) {
			const struct cl_conn *c = &cl[i].conn;
			if (c->state != CL_STATE_JOINED) {
				bot_emit_error("a client did not join:",
					   c->state == CL_STATE_REFUSED ? c->refuse_message
					   : c->error[0]		 ? c->error
									 : "join timed out");
				break;
			}
		}
		return 1;
	}
	for (int i = 0; i < n; i++)
		cl[i].joined = true;
	printf("{\"event\":\"joined\",\"clients\":%d,\"join_seconds\":%.2f}\n", n,
	       (double)(plat_time_us() - t0) / 1e6);
	fflush(stdout);

	const int tick_hz = cl[0].conn.welcome.tick_hz;
	const uint64_t epoch = plat_time_us();
	const uint64_t window_start = epoch + (uint64_t)(o.settle * 1e6);
	const uint64_t window_end = window_start + (uint64_t)(o.seconds * 1e6);
	bool in_window = false;
	uint64_t last_step = 0;
	uint64_t updates = 0, messages = 0, sends = 0;
	int disconnects = 0;
	while (!plat_stop_requested()) {
		uint64_t now = plat_time_us();
		if (!in_window && now >= window_start) {
			in_window = true;
			bot_emit_event("window_start");
			fflush(stdout);
		}
		if (now >= window_end)
			break;
		/* Sends due: client i's k-th at epoch + (phase + k) / rate. */
		for (int i = 0; i < n; i++) {
			struct cp_client *cp = &cl[i];
			if (cp->conn.state != CL_STATE_JOINED)
				continue;
			uint64_t due = epoch + (uint64_t)((cp->walk.send_phase + (double)cp->k) / o.rate * 1e6);
			if (now >= due) {
				/* Late ticks go at once; missed ones are dropped, never
				 * burst, but the script still walks through them. */
				uint64_t behind = (uint64_t)((double)(now - due) * o.rate / 1e6);
				for (uint64_t s = 0; s < behind; s++, cp->k++)
					walk_tick(&cp->walk, &o);
				walk_tick(&cp->walk, &o);
				int cmds = (int)(((cp->k + 1) * (uint64_t)tick_hz) / (uint64_t)o.rate -
						 (cp->k * (uint64_t)tick_hz) / (uint64_t)o.rate);
				send_tick(cp, &o, CORE_MAX(cmds, 1), (uint32_t)now);
				cp->k++;
				sends += in_window;
			}
		}
		for (int i = 0; i < n; i++) {
			fds[i].fd = net_host_fd(cl[i].conn.host);
			fds[i].events = POLLIN;
			fds[i].revents = 0;
		}
		now = plat_time_us();
		/* A load tool of thousands of clients works in steps of
		 * CP_STEP_US (sends are due every few microseconds at 1,000
		 * clients): it sleeps on a timer, not on its sockets, so a
		 * burst of snapshots wakes nobody, and then takes what arrived
		 * in one look. On the veth pair the bench runs on, every
		 * wake-up a snapshot caused was charged to the server's send. */
		if (last_step + CP_STEP_US > now)
			plat_sleep_us(last_step + CP_STEP_US - now);
		last_step = plat_time_us();
		if (poll(fds, (nfds_t)n, 0) < 0 && !plat_stop_requested())
			plat_sleep_us(500);
		now = plat_time_us();
		for (int i = 0; i < n; i++) {
			struct cp_client *cp = &cl[i];
			if (!(fds[i].revents & POLLIN) && cp->conn.state == CL_STATE_JOINED)
				continue;
			cl_conn_service(&cp->conn, now);
			if (cp->conn.state != CL_STATE_JOINED && !cp->lost) {
				cp->lost = true;
				disconnects++;
				fprintf(stderr, "lyceum-bot: client %d: %s\n", i, cp->conn.error);
			}
			if (!cp->conn.snap_fresh)
				continue;
			cp->conn.snap_fresh = false;
			const struct proto_snapshot *s = &cp->conn.snap;
			uint32_t now32 = (uint32_t)now;
			if (in_window) {
				messages++;
				cp->decoded_in_window = true;
			}
			for (int a = 0; a < s->count; a++) {
				const struct proto_snapshot_avatar *av = &s->avatars[a];
				if (!av->send_time_us || av->send_time_us == cp->last_time[av->id])
					continue;
				cp->last_time[av->id] = av->send_time_us;
				if (!in_window)
					continue;
				updates++;
				bot_hist_add(&lat, (double)(uint32_t)(now32 - av->send_time_us) / 1000.0);
			}
		}
	}
	double window_s = (double)(plat_time_us() - window_start) / 1e6;
	bot_emit_event("window_end");
	fflush(stdout);
	int connected = 0, decoding = 0;
	uint64_t decode_errors = 0;
	for (int i = 0; i < n; i++) {
		connected += cl[i].conn.state == CL_STATE_JOINED;
		decoding += cl[i].decoded_in_window;
		decode_errors += cl[i].conn.stats.decode_errors;
	}
	double per = decoding && window_s > 0 ? 1.0 / ((double)decoding * window_s) : 0;
	printf("{\"event\":\"result\",\"system\":\"lyceum\",\"clients\":%d,\"window_s\":%.1f,"
	       "\"latency_ms\":{\"samples\":%llu,\"p50\":%.1f,\"p95\":%.1f,\"p99\":%.1f},"
	       "\"updates_received_per_client_s\":%.1f,\"messages_received_per_client_s\":%.1f,"
	       "\"updates_sent_per_client_s\":%.1f,\"decoding_clients\":%d,"
	       "\"clients_connected_at_end\":%d,\"disconnects\":%d,\"decode_errors\":%llu}\n",
	       n, window_s, (unsigned long long)lat.samples, bot_hist_percentile(&lat, 50),
	       bot_hist_percentile(&lat, 95), bot_hist_percentile(&lat, 99), (double)updates * per,
	       (double)messages * per, n && window_s > 0 ? (double)sends / (n * window_s) : 0.0,
	       decoding, connected, disconnects, (unsigned long long)decode_errors);
	fflush(stdout);
	for (int i = 0; i < n; i++) {
		cl_conn_close(&cl[i].conn, 0);
		free(cl[i].last_time);
	}
	free(cl);
	free(fds);
	return 0;
}
