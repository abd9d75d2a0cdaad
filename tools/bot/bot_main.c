/* lyceum-bot: see bot.h and the README. */
#include "bot.h"
#include "plat.h"
#include "sim/world_load.h"

#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: lyceum-bot [flags]\n"
	"  --server HOST:PORT     server to join (default 127.0.0.1:7777)\n"
	"  --room NAME            room to join (default lesson)\n"
	"  --count N              clients in this process, 1-4000 (default 1)\n"
	"  --seconds S            how long to stay after joining; 0 = until Ctrl-C (default 10)\n"
	"  --seed N               seed of every random choice (default 1)\n"
	"  --behavior NAME        idle | wander | path (default wander)\n"
	"  --path FILE            JSON [[x, y], ...] waypoints in metres, for --behavior path\n"
	"  --zones A,B,...        spawn zones, dealt round-robin to the bots (default: any)\n"
	"  --worlds DIR           world files for prediction (default assets/worlds)\n"
	"  --name PREFIX          display names are PREFIX-<i> (default bot)\n"
	"  --report FILE          also write the JSON report there\n"
	"  --protocol-version N   claim another protocol version (tests)\n"
	"Prints a JSON report on standard output at the end. Exit 0 when every bot\n"
	"joined and stayed; 1 when one was refused, failed or dropped; 2 on bad flags.\n";

struct world_cache {
	const char *dir;
	int count;
	struct sim_world *worlds[4];
};

static const struct sim_world *world_for(void *user, const char *name)
{
	struct world_cache *wc = user;
	for (int i = 0; i < wc->count; i++)
		if (!strcmp(wc->worlds[i]->name, name))
			return wc->worlds[i];
	if (wc->count == (int)CORE_ARRAY_LEN(wc->worlds))
		return NULL;
	struct sim_world *w = malloc(sizeof(*w));
	char err[512];
	if (!w || sim_world_load_named(wc->dir, name, w, err, sizeof(err)) != CORE_OK) {
		fprintf(stderr, "lyceum-bot: %s\n", w ? err : "out of memory");
		free(w);
		return NULL;
	}
	wc->worlds[wc->count++] = w;
	return w;
}

static bool parse_num(const char *flag, const char *v, double lo, double hi, double *out)
{
	char *end;
	double d = strtod(v, &end);
	if (!v[0] || *end || d < lo || d > hi) {
		fprintf(stderr, "lyceum-bot: %s '%s' must be a number from %g to %g\n", flag, v, lo, hi);
		return false;
	}
	*out = d;
	return true;
}

static int parse_args(struct bot_options *o, int argc, char **argv)
{
	*o = (struct bot_options){.count = 1,
				  .server = "127.0.0.1:7777",
				  .room = "lesson",
				  .seconds = 10,
				  .seed = 1,
				  .behavior = BOT_WANDER,
				  .worlds_dir = access("assets/worlds", R_OK) == 0
							? "assets/worlds"
							: LYCEUM_SOURCE_DIR "/assets/worlds",
				  .name_prefix = "bot"};
	for (int i = 1; i < argc; i++) {
		const char *f = argv[i];
		if (!strcmp(f, "--help") || !strcmp(f, "-h")) {
			fputs(usage, stdout);
			return 1;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "lyceum-bot: %s needs a value (or is unknown)\n%s", f, usage);
			return 2;
		}
		const char *v = argv[++i];
		double d;
		if (!strcmp(f, "--server"))
			o->server = v;
		else if (!strcmp(f, "--room"))
			o->room = v;
		else if (!strcmp(f, "--count")) {
			if (!parse_num(f, v, 1, 4000, &d))
				return 2;
			o->count = (int)d;
		} else if (!strcmp(f, "--seconds")) {
			if (!parse_num(f, v, 0, 86400, &d))
				return 2;
			o->seconds = d;
		} else if (!strcmp(f, "--seed")) {
			if (!parse_num(f, v, 0, 4294967295.0, &d))
				return 2;
			o->seed = (uint32_t)d;
		} else if (!strcmp(f, "--behavior") || !strcmp(f, "--behaviour")) {
			if (!strcmp(v, "idle"))
				o->behavior = BOT_IDLE;
			else if (!strcmp(v, "wander"))
				o->behavior = BOT_WANDER;
			else if (!strcmp(v, "path"))
				o->behavior = BOT_PATH;
			else {
				fprintf(stderr, "lyceum-bot: unknown behavior '%s'; use idle, wander or "
						"path\n",
					v);
				return 2;
			}
		} else if (!strcmp(f, "--path"))
			o->path_file = v;
		else if (!strcmp(f, "--zones"))
			o->zones = v;
		else if (!strcmp(f, "--worlds"))
			o->worlds_dir = v;
		else if (!strcmp(f, "--name"))
			o->name_prefix = v;
		else if (!strcmp(f, "--report"))
			o->report_file = v;
		else if (!strcmp(f, "--protocol-version")) {
			if (!parse_num(f, v, 1, 65535, &d))
				return 2;
			o->protocol_version = (uint32_t)d;
		} else {
			fprintf(stderr, "lyceum-bot: unknown flag %s\n%s", f, usage);
			return 2;
		}
	}
	if (o->behavior == BOT_PATH && !o->path_file) {
		fprintf(stderr, "lyceum-bot: --behavior path needs --path FILE\n");
		return 2;
	}
	return 0;
}

/* The i-th name of a comma-separated list, round-robin. */
static void nth_zone(const char *list, int i, char *out, size_t size)
{
	out[0] = '\0';
	if (!list || !list[0])
		return;
	int n = 1;
	for (const char *p = list; *p; p++)
		n += *p == ',';
	int want = i % n;
	const char *start = list;
	for (int k = 0; k < want; k++)
		start = strchr(start, ',') + 1;
	const char *end = strchr(start, ',');
	size_t len = end ? (size_t)(end - start) : strlen(start);
	snprintf(out, size, "%.*s", (int)len, start);
}

static void seen_mark(struct bot *b, uint8_t zone, uint16_t id)
{
	int slot = zone == SIM_ZONE_NONE ? SIM_MAX_ZONES : zone;
	if (slot > SIM_MAX_ZONES || id > PROTO_MAX_CLIENT_ID)
		return;
	if (!b->seen[slot])
		b->seen[slot] = calloc(BOT_ID_SLOTS / 8, 1);
	if (b->seen[slot])
		b->seen[slot][id / 8] |= (uint8_t)(1u << (id % 8));
}

static void on_snapshot(struct bot *b, struct bot_latency *lat, bool in_window)
{
	const struct proto_snapshot *s = &b->conn.snap;
	uint32_t now32 = (uint32_t)plat_time_us();
	b->conn.snap_fresh = false;
	if (s->self.zone != b->last_zone && b->last_zone != SIM_ZONE_NONE)
		b->zone_changes++;
	b->last_zone = s->self.zone;
	b->min_x_mm = CORE_MIN(b->min_x_mm, s->self.pos_x_mm);
	b->max_x_mm = CORE_MAX(b->max_x_mm, s->self.pos_x_mm);
	b->min_y_mm = CORE_MIN(b->min_y_mm, s->self.pos_y_mm);
	b->max_y_mm = CORE_MAX(b->max_y_mm, s->self.pos_y_mm);
	for (int i = 0; i < s->count; i++) {
		const struct proto_snapshot_avatar *a = &s->avatars[i];
		seen_mark(b, s->self.zone, a->id);
		if (!a->send_time_us || a->send_time_us == b->last_send_time[a->id])
			continue;
		b->last_send_time[a->id] = a->send_time_us;
		if (in_window)
			bot_latency_add(lat, now32 - a->send_time_us);
	}
}

static void window_mark(struct bot *b)
{
	ENetHost *h = b->conn.host;
	b->window_snapshots0 = b->conn.stats.snapshots;
	b->sent_bytes0 = h ? h->totalSentData : 0;
	b->recv_bytes0 = h ? h->totalReceivedData : 0;
	b->sent_packets0 = h ? h->totalSentPackets : 0;
	b->recv_packets0 = h ? h->totalReceivedPackets : 0;
}

static const char *zone_label(const struct sim_world *w, int slot)
{
	return !w || slot >= w->zone_count ? "none" : w->zones[slot].name;
}

static json_t *bot_json(const struct bot *b, double window_s)
{
	const struct cl_conn *c = &b->conn;
	ENetHost *h = c->host;
	json_t *seen = json_object();
	for (int slot = 0; slot < BOT_ZONE_SLOTS; slot++) {
		if (!b->seen[slot])
			continue;
		json_t *ids = json_array();
		for (int id = 0; id < BOT_ID_SLOTS; id++)
			if (b->seen[slot][id / 8] & (1u << (id % 8)))
				json_array_append_new(ids, json_integer(id));
		json_object_set_new(seen, zone_label(c->world, slot), ids);
	}
	double w = window_s > 0 ? window_s : 1;
	json_t *o = json_pack("{s:i,s:s,s:i,s:s,s:b,s:s}", "index", b->index, "name", b->name, "id",
			      c->welcome.client_id, "state", cl_state_name(c->state), "joined",
			      b->joined_once, "home_zone",
			      b->home_zone == SIM_ZONE_NONE ? "none" : zone_label(c->world, b->home_zone));
	if (c->state == CL_STATE_REFUSED)
		json_object_set_new(o, "refused", json_string(c->refuse_message));
	else if (c->error[0])
		json_object_set_new(o, "error", json_string(c->error));
	if (!b->joined_once)
		return o;
	json_object_set_new(o, "zone", json_string(zone_label(c->world, c->snap.self.zone)));
	json_object_set_new(o, "zone_changes", json_integer(b->zone_changes));
	json_object_set_new(o, "up_bytes_per_s",
			    json_real(h ? (double)(h->totalSentData - b->sent_bytes0) / w : 0));
	json_object_set_new(o, "down_bytes_per_s",
			    json_real(h ? (double)(h->totalReceivedData - b->recv_bytes0) / w : 0));
	json_object_set_new(o, "up_packets_per_s",
			    json_real(h ? (double)(h->totalSentPackets - b->sent_packets0) / w : 0));
	json_object_set_new(o, "down_packets_per_s",
			    json_real(h ? (double)(h->totalReceivedPackets - b->recv_packets0) / w : 0));
	json_object_set_new(o, "snapshots_per_s",
			    json_real((double)(c->stats.snapshots - b->window_snapshots0) / w));
	json_object_set_new(o, "full_snapshots", json_integer((json_int_t)c->stats.full_snapshots));
	json_object_set_new(o, "decode_errors", json_integer((json_int_t)c->stats.decode_errors));
	json_object_set_new(o, "corrections", json_integer((json_int_t)c->stats.corrections));
	json_object_set_new(o, "largest_correction_mm", json_integer(c->stats.largest_correction_mm));
	json_object_set_new(o, "server_position_m",
			    json_pack("[f,f]", c->snap.self.pos_x_mm / 1000.0,
				      c->snap.self.pos_y_mm / 1000.0));
	json_object_set_new(o, "predicted_position_m",
			    json_pack("[f,f]", c->predicted.pos_x_mm / 1000.0,
				      c->predicted.pos_y_mm / 1000.0));
	json_object_set_new(o, "server_extent_m",
			    json_pack("{s:f,s:f,s:f,s:f}", "min_x", b->min_x_mm / 1000.0, "max_x",
				      b->max_x_mm / 1000.0, "min_y", b->min_y_mm / 1000.0, "max_y",
				      b->max_y_mm / 1000.0));
	json_object_set_new(o, "seen", seen);
	return o;
}

int main(int argc, char **argv)
{
	struct bot_options opt;
	int rc = parse_args(&opt, argc, argv);
	if (rc)
		return rc == 1 ? 0 : rc;
	core_log_set_level(core_log_level_from_env());
	plat_install_stop_handler();
	plat_raise_fd_limit();
	bot_behavior_init();

	static struct bot_path path;
	if (opt.behavior == BOT_PATH && bot_path_load(opt.path_file, &path) != CORE_OK)
		return 2;
	struct world_cache worlds = {.dir = opt.worlds_dir};
	struct bot *bots = calloc((size_t)opt.count, sizeof(*bots));
	struct pollfd *fds = calloc((size_t)opt.count, sizeof(*fds));
	static struct bot_latency lat;
	if (!bots || !fds) {
		fprintf(stderr, "lyceum-bot: out of memory for %d bots\n", opt.count);
		return 1;
	}
	for (int i = 0; i < opt.count; i++) {
		struct bot *b = &bots[i];
		b->index = i;
		snprintf(b->name, sizeof(b->name), "%s-%d", opt.name_prefix, i);
		nth_zone(opt.zones, i, b->spawn_zone, sizeof(b->spawn_zone));
		b->rng = bot_seed_mix(opt.seed, (uint32_t)i);
		b->home_zone = b->last_zone = SIM_ZONE_NONE;
		b->min_x_mm = b->min_y_mm = INT32_MAX;
		b->max_x_mm = b->max_y_mm = INT32_MIN;
		b->last_send_time = calloc(BOT_ID_SLOTS, sizeof(uint32_t));
		struct cl_conn_config cfg = {.server = opt.server,
					     .room = opt.room,
					     .name = b->name,
					     .role = PROTO_ROLE_STUDENT,
					     .spawn_zone = b->spawn_zone,
					     .protocol_version = opt.protocol_version};
		if (!b->last_send_time || cl_conn_start(&b->conn, &cfg, world_for, &worlds) != CORE_OK) {
			fprintf(stderr, "lyceum-bot: %s: %s\n", b->name,
				b->conn.error[0] ? b->conn.error : "cannot start");
			b->gone = true;
		}
	}

	/* Join: everyone connects, or fails, within the connect timeout. */
	uint64_t start_us = plat_time_us();
	int joined = 0, finished = 0;
	while (finished < opt.count && !plat_stop_requested()) {
		uint64_t now = plat_time_us();
		joined = finished = 0;
		for (int i = 0; i < opt.count; i++) {
			struct bot *b = &bots[i];
			cl_conn_service(&b->conn, now);
			if (b->conn.state == CL_STATE_JOINED) {
				if (!b->joined_once) {
					b->joined_once = true;
					b->home_zone = b->conn.welcome.state.zone;
					b->yaw = b->conn.welcome.state.yaw;
				}
				joined++;
			}
			if (b->conn.state >= CL_STATE_JOINED)
				finished++;
		}
		plat_sleep_us(2000);
	}
	double join_s = (double)(plat_time_us() - start_us) / 1e6;
	fprintf(stderr, "lyceum-bot: %d of %d bots joined room '%s' on %s in %.2f s\n", joined,
		opt.count, opt.room, opt.server, join_s);

	int tick_hz = SIM_TICK_HZ;
	for (int i = 0; i < opt.count; i++)
		if (bots[i].joined_once)
			tick_hz = bots[i].conn.welcome.tick_hz;
	for (int i = 0; i < opt.count; i++)
		window_mark(&bots[i]);
	const uint64_t tick_us = 1000000u / (uint64_t)tick_hz;
	uint64_t window_start = plat_time_us();
	uint64_t window_end = opt.seconds > 0 ? window_start + (uint64_t)(opt.seconds * 1e6) : UINT64_MAX;
	uint64_t next_tick = window_start, next_status = window_start + 10000000u;

	while (joined > 0 && !plat_stop_requested()) {
		uint64_t now = plat_time_us();
		if (now >= window_end)
			break;
		int n = 0;
		for (int i = 0; i < opt.count; i++) {
			fds[i].fd = bots[i].conn.host ? (int)bots[i].conn.host->socket : -1;
			fds[i].events = POLLIN;
			fds[i].revents = 0;
			n++;
		}
		int wait_ms = next_tick > now ? (int)((next_tick - now + 999) / 1000) : 0;
		if (poll(fds, (nfds_t)n, wait_ms) < 0 && !plat_stop_requested())
			plat_sleep_us(1000);
		now = plat_time_us();
		bool tick = now >= next_tick;
		for (int i = 0; i < opt.count; i++) {
			struct bot *b = &bots[i];
			if (!b->conn.host || (!tick && !(fds[i].revents & POLLIN)))
				continue;
			if (tick && b->conn.state == CL_STATE_JOINED) {
				int8_t mx, my;
				bot_behavior_next(b, opt.behavior, &path, &mx, &my);
				cl_conn_input(&b->conn, mx, my, b->yaw, 0, SIM_SEAT_NONE, (uint32_t)now);
			}
			cl_conn_service(&b->conn, now);
			if (b->conn.snap_fresh)
				on_snapshot(b, &lat, true);
			if (b->conn.state != CL_STATE_JOINED && !b->gone && b->joined_once) {
				b->gone = true;
				fprintf(stderr, "lyceum-bot: %s: %s\n", b->name,
					b->conn.state == CL_STATE_REFUSED ? b->conn.refuse_message
									  : b->conn.error);
			}
		}
		if (tick) {
			next_tick += tick_us;
			if (now > next_tick + tick_us)
				next_tick = now + tick_us; /* missed ticks are dropped, never burst */
		}
		if (now >= next_status) {
			next_status += 10000000u;
			int alive = 0;
			for (int i = 0; i < opt.count; i++)
				alive += bots[i].conn.state == CL_STATE_JOINED;
			fprintf(stderr, "lyceum-bot: %d/%d connected, presence latency p50 %.1f ms "
					"p99 %.1f ms\n",
				alive, opt.count, bot_latency_percentile(&lat, 50),
				bot_latency_percentile(&lat, 99));
		}
	}
	double window_s = (double)(plat_time_us() - window_start) / 1e6;

	/* Report before leaving, so the counters are the window's. */
	int still = 0, refused = 0, failed = 0;
	uint64_t decode_errors = 0;
	json_t *list = json_array();
	for (int i = 0; i < opt.count; i++) {
		struct bot *b = &bots[i];
		still += b->conn.state == CL_STATE_JOINED;
		refused += b->conn.state == CL_STATE_REFUSED;
		failed += b->conn.state == CL_STATE_FAILED;
		decode_errors += b->conn.stats.decode_errors;
		if (b->conn.state == CL_STATE_REFUSED && !b->gone)
			fprintf(stderr, "lyceum-bot: %s: refused by the server: %s\n", b->name,
				b->conn.refuse_message);
		else if (b->conn.state == CL_STATE_FAILED && !b->gone)
			fprintf(stderr, "lyceum-bot: %s: %s\n", b->name, b->conn.error);
		json_array_append_new(list, bot_json(b, window_s));
	}
	json_t *report = json_pack(
		"{s:s,s:s,s:i,s:i,s:i,s:i,s:i,s:f,s:f,s:I,s:{s:I,s:f,s:f,s:f},s:o}", "server",
		opt.server, "room", opt.room, "clients", opt.count, "connected", joined,
		"still_connected", still, "refused", refused, "failed", failed, "join_seconds", join_s,
		"window_seconds", window_s, "decode_errors", (json_int_t)decode_errors, "latency_ms",
		"samples", (json_int_t)lat.samples, "p50", bot_latency_percentile(&lat, 50), "p95",
		bot_latency_percentile(&lat, 95), "p99", bot_latency_percentile(&lat, 99), "bots", list);
	char *text = json_dumps(report, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
	puts(text);
	fflush(stdout);
	if (opt.report_file) {
		FILE *f = fopen(opt.report_file, "w");
		if (!f || fputs(text, f) < 0 || fclose(f) != 0)
			fprintf(stderr, "lyceum-bot: cannot write report to %s\n", opt.report_file);
	}
	free(text);
	json_decref(report);

	for (int i = 0; i < opt.count; i++) {
		cl_conn_close(&bots[i].conn, 0);
		for (int s = 0; s < BOT_ZONE_SLOTS; s++)
			free(bots[i].seen[s]);
		free(bots[i].last_send_time);
	}
	for (int i = 0; i < worlds.count; i++)
		free(worlds.worlds[i]);
	free(bots);
	free(fds);
	return still == opt.count ? 0 : 1;
}
