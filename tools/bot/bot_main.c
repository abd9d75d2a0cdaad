/* lyceum-bot: see bot.h and the README. */
#include "bot.h"
#include "plat.h"
#include "sim/world_load.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"usage: lyceum-bot [flags]\n"
	"  --server HOST:PORT     server to join (default 127.0.0.1:7777)\n"
	"  --room NAME            room to join (default lesson; with --token, the token's)\n"
	"  --count N              clients in this process, 1-4000 (default 1)\n"
	"  --seconds S            how long to stay after joining; 0 = until Ctrl-C (default 10)\n"
	"  --seed N               seed of every random choice (default 1)\n"
	"  --behavior NAME        idle | wander | path | seat | cheat | lecture | draw | chat |\n"
	"                         lesson | grab (--behaviour too)\n"
	"                         (default wander); draw: stand, hold the room's boards and draw\n"
	"                         board-v1's seeded strokes (seed --seed, author i+1) on board 1;\n"
	"                         chat: wander and type a seeded line every 2-6 s (room, zone,\n"
	"                         questions; staff roles answer questions and announce);\n"
	"                         lesson: stand and trace each step of the room's lesson in\n"
	"                         its practice area, asking for the next once it passes;\n"
	"                         grab: walk to its item, pick it up, carry it about for\n"
	"                         --hold seconds, put it down, and go for it again\n"
	"  --item N               grab: the item's index (default: bot i takes item i mod count)\n"
	"  --hold S               grab: seconds it carries the item (default 3)\n"
	"  --lesson-noise MM      lesson: the hand's wobble and offset in mm (default 0)\n"
	"  --lesson-steps N       lesson: stop after passing N steps, keeping the pass (default: all)\n"
	"  --path FILE            JSON [[x, y], ...] waypoints in metres, for path and cheat\n"
	"  --seat N               seat index (as lyceum-world check lists them), for seat\n"
	"  --walkers N            lecture: bots 0..N-1 wander, each other bot walks to its own\n"
	"                         seat (bot i takes seat i-N) and sits (default 20)\n"
	"  --zones A,B,...        spawn zones, dealt round-robin to the bots (default: any)\n"
	"  --worlds DIR           world files for prediction (default assets/worlds)\n"
	"  --name PREFIX          display names are PREFIX-<i> (default bot)\n"
	"  --report FILE          also write the JSON report there\n"
	"  --protocol-version N   claim another protocol version (tests)\n"
	"  --vr 1                 send a head and hand pose with every move, as a headset does\n"
	"  --stall S              send no input for the first S seconds after joining, as an\n"
	"                         app stalled behind a system dialog (default 0)\n"
	"  --token-key FILE       secret token key: each bot mints its own join token\n"
	"                         (user and name PREFIX-<i>, room --room, role --role)\n"
	"  --server-key FILE      the server's public key the minted tokens name (default:\n"
	"                         server.pub beside --token-key)\n"
	"  --token TOKEN          join with this token (one bot)\n"
	"  --role ROLE            role of the minted tokens: student, ta, instructor or\n"
	"                         observer (default student)\n"
	"  --ttl S                lifetime of the minted tokens in seconds (default 3600)\n"
	"";
/* In two parts: C compilers need only take string literals of 4095 bytes. */
static const char usage_more[] =
	"  --moderate SCRIPT      requests every bot sends: AT:ACTION[:TARGET[:TEXT]]\n"
	"                         separated by ';' (AT: seconds after joining; ACTION: mute,\n"
	"                         unmute, mute-all, unmute-all, kick, ban, lock, unlock, hand,\n"
	"                         lower, floor, unfloor, move; or chat: say, say-zone,\n"
	"                         announce, ask (TEXT: the line), answer (the oldest open\n"
	"                         question, or TARGET's), remove (TARGET's newest line); or\n"
	"                         lessons: lesson-start (TEXT: the lesson, board 1),\n"
	"                         lesson-stop, lesson-next (TARGET: the instructor moves a\n"
	"                         student on);\n"
	"                         or boards: erase\n"
	"                         (TARGET's newest live stroke), clear-board (TARGET: the\n"
	"                         board's number), redo-erased, redo (as the desktop's R);\n"
	"                         or return-items (staff: every item home);\n"
	"                         TARGET: a display name or self; TEXT: a kick reason or, for\n"
	"                         move, the zone)\n"
	"  --chat-unchecked 1     a modified client: sends chat its role may not (announce,\n"
	"                         answer) for the server to refuse\n"
	"  --reconnect-at S       S seconds after joining, drop the connection without a word and\n"
	"                         come back with the server's resume ticket (once)\n"
	"  --voice FILE.wav       the speakers say this file (48 kHz mono 16-bit) in a loop,\n"
	"                         each from its own place in it, through the client's audio\n"
	"                         pipeline (Opus, jitter buffer, mixing) on files\n"
	"  --speakers N           bots 0..N-1 speak (default: all, with --voice)\n"
	"  --voice-start S        speakers start S seconds after everyone joined (default 0)\n"
	"  --voice-broadcast 1    speakers ask to be heard by the whole room (instructor, floor)\n"
	"  --voice-ignore-mute 1  keep sending when the server muted us (a modified client)\n"
	"  --record-dir DIR       write what each bot hears to DIR/NAME.wav (stereo, 48 kHz)\n"
	"  --voice-fec 0|1        recover a lost frame from the next one's FEC (default 1)\n"
	"  --voice-plc 0|1        conceal a lost frame; 0 plays silence (default 1)\n"
	"  --frame-ms 10|20       voice frame length (default 20)\n"
	"  --bitrate BPS          Opus bitrate, 6000-128000 (default 24000)\n"
	"  --scenario classroom-presence-v1 [its flags]: the reference load (see README)\n"
	"  --scenario voice-v1 [its flags]: the voice reference load (see README)\n"
	"  --scenario board-v1 [its flags]: the whiteboard reference load (see README)\n"
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
				  .seconds = 10,
				  .seed = 1,
				  .behavior = BOT_WANDER,
				  .seat = -1,
				  .walkers = 20,
				  .worlds_dir = core_assets_dir(CORE_ASSETS_WORLDS),
				  .name_prefix = "bot",
				  .role = PROTO_ROLE_STUDENT,
				  .ttl_s = 3600,
				  .speakers = -1,
				  .item = -1,
				  .hold_s = 3,
				  .voice_fec = true,
				  .voice_plc = true,
				  .frame_ms = 20,
				  .bitrate_bps = 24000};
	static const char *const behaviors[] = {"idle", "wander", "path", "seat", "cheat",
						"lecture", "draw", "chat", "lesson", "grab"};
	for (int i = 1; i < argc; i++) {
		const char *f = argv[i];
		if (!strcmp(f, "--help") || !strcmp(f, "-h")) {
			fputs(usage, stdout);
			fputs(usage_more, stdout);
			return 1;
		}
		if (i + 1 >= argc) {
			bool known = core_usage_lists(usage, f) || core_usage_lists(usage_more, f);
			fprintf(stderr, known ? "lyceum-bot: %s needs a value\n%s%s"
					      : "lyceum-bot: unknown flag %s\n%s%s",
				f, usage, usage_more);
			return 2;
		}
		const char *v = argv[++i];
		double d = 0;
		bool ok = true;
		if (!strcmp(f, "--server"))
			o->server = v;
		else if (!strcmp(f, "--room"))
			o->room = v;
		else if (!strcmp(f, "--count") && (ok = parse_num(f, v, 1, 4000, &d)))
			o->count = (int)d;
		else if (!strcmp(f, "--seconds") && (ok = parse_num(f, v, 0, 86400, &d)))
			o->seconds = d;
		else if (!strcmp(f, "--seed") && (ok = parse_num(f, v, 0, 4294967295.0, &d)))
			o->seed = (uint32_t)d;
		else if (!strcmp(f, "--seat") && (ok = parse_num(f, v, 0, SIM_MAX_SEATS - 1, &d)))
			o->seat = (int)d;
		else if (!strcmp(f, "--walkers") && (ok = parse_num(f, v, 0, 4000, &d)))
			o->walkers = (int)d;
		else if (!strcmp(f, "--protocol-version") && (ok = parse_num(f, v, 1, 65535, &d)))
			o->protocol_version = (uint32_t)d;
		else if (!strcmp(f, "--vr") && (ok = parse_num(f, v, 0, 1, &d)))
			o->vr = d != 0;
		else if (!strcmp(f, "--lesson-noise") && (ok = parse_num(f, v, 0, 1000, &d)))
			o->lesson_noise_mm = d;
		else if (!strcmp(f, "--lesson-steps") && (ok = parse_num(f, v, 1, 255, &d)))
			o->lesson_steps = (int)d;
		else if (!strcmp(f, "--item") && (ok = parse_num(f, v, 0, SIM_MAX_ITEMS - 1, &d)))
			o->item = (int)d;
		else if (!strcmp(f, "--hold") && (ok = parse_num(f, v, 0, 86400, &d)))
			o->hold_s = d;
		else if (!strcmp(f, "--chat-unchecked") && (ok = parse_num(f, v, 0, 1, &d)))
			o->chat_unchecked = d != 0;
		else if (!strcmp(f, "--stall") && (ok = parse_num(f, v, 0, 86400, &d)))
			o->stall_s = d;
		else if (!strcmp(f, "--behavior") || !strcmp(f, "--behaviour")) {
			ok = false;
			for (int k = 0; k < (int)CORE_ARRAY_LEN(behaviors); k++) {
				if (!strcmp(v, behaviors[k])) {
					o->behavior = (enum bot_behavior)k;
					ok = true;
				}
			}
			if (!ok)
				fprintf(stderr, "lyceum-bot: unknown behavior '%s'; use idle, wander, "
						"path, seat, cheat, lecture, draw, chat, lesson or grab\n",
					v);
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
		else if (!strcmp(f, "--token-key"))
			o->token_key = v;
		else if (!strcmp(f, "--server-key"))
			o->server_key = v;
		else if (!strcmp(f, "--moderate"))
			o->moderate = v;
		else if (!strcmp(f, "--reconnect-at") && (ok = parse_num(f, v, 0.1, 86400, &d)))
			o->reconnect_at_s = d;
		else if (!strcmp(f, "--token"))
			o->token = v;
		else if (!strcmp(f, "--ttl") && (ok = parse_num(f, v, 1, 31536000, &d)))
			o->ttl_s = (int)d;
		else if (!strcmp(f, "--voice"))
			o->voice_file = v;
		else if (!strcmp(f, "--record-dir"))
			o->record_dir = v;
		else if (!strcmp(f, "--speakers") && (ok = parse_num(f, v, 0, 4000, &d)))
			o->speakers = (int)d;
		else if (!strcmp(f, "--voice-start") && (ok = parse_num(f, v, 0, 86400, &d)))
			o->voice_start_s = d;
		else if (!strcmp(f, "--voice-broadcast") && (ok = parse_num(f, v, 0, 1, &d)))
			o->voice_broadcast = d != 0;
		else if (!strcmp(f, "--voice-ignore-mute") && (ok = parse_num(f, v, 0, 1, &d)))
			o->voice_ignore_mute = d != 0;
		else if (!strcmp(f, "--voice-fec") && (ok = parse_num(f, v, 0, 1, &d)))
			o->voice_fec = d != 0;
		else if (!strcmp(f, "--voice-plc") && (ok = parse_num(f, v, 0, 1, &d)))
			o->voice_plc = d != 0;
		else if (!strcmp(f, "--frame-ms") && (ok = parse_num(f, v, 10, 20, &d))) {
			o->frame_ms = (int)d;
			if (o->frame_ms != 10 && o->frame_ms != 20) {
				fprintf(stderr, "lyceum-bot: --frame-ms is 10 or 20\n");
				ok = false;
			}
		} else if (!strcmp(f, "--bitrate") && (ok = parse_num(f, v, 6000, 128000, &d)))
			o->bitrate_bps = (int)d;
		else if (!strcmp(f, "--role")) {
			ok = proto_role_parse(v, &o->role);
			if (!ok)
				fprintf(stderr, "lyceum-bot: --role '%s': use student, ta, instructor or "
						"observer\n",
					v);
		}
		else if (ok) {
			fprintf(stderr, "lyceum-bot: unknown flag %s\n%s%s", f, usage, usage_more);
			return 2;
		}
		if (!ok)
			return 2;
	}
	if ((o->behavior == BOT_PATH || o->behavior == BOT_CHEAT) && !o->path_file) {
		fprintf(stderr, "lyceum-bot: --behavior path and cheat need --path FILE\n");
		return 2;
	}
	if (o->behavior == BOT_SEAT && o->seat < 0) {
		fprintf(stderr, "lyceum-bot: --behavior seat needs --seat N\n");
		return 2;
	}
	/* A token names its room: sent only when --room was given, to be checked. */
	if (!o->room)
		o->room = o->token ? "" : "lesson";
	if (o->token && (o->token_key || o->count != 1)) {
		fprintf(stderr, "lyceum-bot: --token is one bot's token: use it with --count 1 and "
				"without --token-key\n");
		return 2;
	}
	if (o->token && strlen(o->token) >= NET_TOKEN_TEXT_MAX) {
		fprintf(stderr, "lyceum-bot: --token is too long to be a join token\n");
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
	const char *start = list;
	for (int k = 0; k < i % n; k++)
		start = strchr(start, ',') + 1;
	const char *end = strchr(start, ',');
	size_t len = end ? (size_t)(end - start) : strlen(start);
	snprintf(out, size, "%.*s", (int)len, start);
}

bool bot_mint_token(const uint8_t *sk, const uint8_t *server_pk, enum proto_role role, int ttl_s,
		    const char *room, const char *name, char *out, size_t cap)
{
	int64_t now = (int64_t)time(NULL);
	struct net_token t = {.version = NET_TOKEN_VERSION,
			      .role = (uint8_t)role,
			      .issued_at = now,
			      .expires_at = now + ttl_s};
	memcpy(t.server_key, server_pk, sizeof(t.server_key));
	core_strlcpy(t.user, name, sizeof(t.user));
	core_strlcpy(t.name, name, sizeof(t.name));
	core_strlcpy(t.room, room, sizeof(t.room));
	if (net_token_new_id(t.id) != CORE_OK || !net_token_mint(&t, sk, out, cap)) {
		fprintf(stderr, "lyceum-bot: cannot mint a token for %s in room '%s' (user ids and "
				"rooms are letters, digits, '.', '_', '-')\n",
			name, room);
		return false;
	}
	return true;
}

bool bot_load_keys(const char *token_key, const char *server_key, uint8_t *sk, uint8_t *server_pk)
{
	char err[600], server_pub[600];
	/* The server's public key, which every token names: server.pub
	 * beside the token key (lyceum-token keygen writes both). */
	if (!server_key && !net_key_file_beside(token_key, "server.pub", server_pub, sizeof(server_pub))) {
		fprintf(stderr, "lyceum-bot: --token-key: the path is too long\n");
		return false;
	}
	if (net_token_key_read(token_key, sk, true, err, sizeof(err)) != CORE_OK ||
	    net_server_key_read(server_key ? server_key : server_pub, server_pk, false, err,
				sizeof(err)) != CORE_OK) {
		fprintf(stderr, "lyceum-bot: %s\n", err);
		return false;
	}
	return true;
}

static int out_of_memory(int count)
{
	fprintf(stderr, "lyceum-bot: out of memory for %d bots\n", count);
	return 1;
}

/* 0 when every bot is under way (those that could not start are gone);
 * else the exit status, the reason printed: 2 for keys or a token the
 * flags cannot make, 1 when memory or the audio engine fails. */
static int start_bots(struct bot_run *run, struct world_cache *worlds)
{
	const struct bot_options *o = &run->opt;
	uint8_t sk[NET_TOKEN_SECRET_BYTES], server_pk[NET_SERVER_KEY_BYTES];
	if (o->token_key && !bot_load_keys(o->token_key, o->server_key, sk, server_pk))
		return 2;
	run->bots = calloc((size_t)o->count, sizeof(*run->bots));
	if (!run->bots)
		return out_of_memory(o->count);
	for (int i = 0; i < o->count; i++) {
		struct bot *b = &run->bots[i];
		b->index = i;
		snprintf(b->name, sizeof(b->name), "%s-%d", o->name_prefix, i);
		nth_zone(o->zones, i, b->spawn_zone, sizeof(b->spawn_zone));
		b->rng = bot_seed_mix(o->seed, (uint32_t)i);
		b->home_zone = b->last_zone = SIM_ZONE_NONE;
		b->min_x_mm = b->min_y_mm = INT32_MAX;
		b->max_x_mm = b->max_y_mm = INT32_MIN;
		b->last_send_time = calloc(BOT_ID_SLOTS, sizeof(uint32_t));
		if (!b->last_send_time || (o->behavior == BOT_LECTURE && !bot_crowd_init(b)))
			return out_of_memory(o->count);
		struct cl_conn_config cfg = {.server = o->server,
					     .room = o->room,
					     .name = b->name,
					     .role = o->role,
					     .spawn_zone = b->spawn_zone,
					     .protocol_version = o->protocol_version};
		if (o->token)
			core_strlcpy(b->token, o->token, sizeof(b->token));
		else if (o->token_key &&
			 !bot_mint_token(sk, server_pk, o->role, o->ttl_s, o->room, b->name, b->token,
					 sizeof(b->token)))
			return 2;
		if (b->token[0]) {
			cfg.token_kind = PROTO_TOKEN_JOIN;
			cfg.token = (const uint8_t *)b->token;
			cfg.token_len = (uint16_t)strlen(b->token);
		}
		if (bot_voice_wanted(o) && !bot_voice_init(run, b))
			return 1; /* it said why */
		if ((o->behavior == BOT_DRAW || o->behavior == BOT_CHAT || o->behavior == BOT_LESSON ||
		     run->mod_log) &&
		    !bot_board_init(run, b))
			return 1; /* it said why */
		if (cl_conn_start(&b->conn, &cfg, world_for, worlds) != CORE_OK) {
			fprintf(stderr, "lyceum-bot: %s: %s\n", b->name,
				b->conn.error[0] ? b->conn.error : "cannot start");
			b->gone = true;
		}
		bot_board_attach(b);
	}
	return 0;
}

/* The flags that name a part of the world, checked once the world is
 * known: a seat, an item or a zone it does not have would otherwise leave
 * the bot doing nothing while its run reads as a pass. False, the reason
 * printed, when one does not fit. */
static bool flags_fit_world(const struct bot_run *run, const struct bot *b)
{
	const struct bot_options *o = &run->opt;
	const struct sim_world *w = b->conn.world;
	if (!w)
		return true;
	if (o->behavior == BOT_SEAT && o->seat >= w->seat_count) {
		fprintf(stderr, "lyceum-bot: %s: --seat %d: world %s has %d seats (0 to %d)\n", b->name,
			o->seat, w->name, w->seat_count, w->seat_count - 1);
		return false;
	}
	if (o->behavior == BOT_GRAB && (w->item_count == 0 || o->item >= w->item_count)) {
		fprintf(stderr, "lyceum-bot: %s: --behavior grab: world %s has %d items%s\n", b->name,
			w->name, w->item_count, w->item_count ? ", fewer than --item asks" : "");
		return false;
	}
	if (b->spawn_zone[0] && sim_world_zone_find(w, b->spawn_zone) == SIM_ZONE_NONE) {
		char names[200] = "";
		for (int z = 0; z < w->zone_count && strlen(names) + SIM_NAME_MAX + 2 < sizeof(names); z++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 z ? ", " : "", w->zones[z].name);
		fprintf(stderr, "lyceum-bot: %s: --zones: world %s has no zone '%s' (it has %s)\n",
			b->name, w->name, b->spawn_zone, names[0] ? names : "none");
		return false;
	}
	return true;
}

/* Everyone connects, or fails, within the connect timeout. */
static void join_all(struct bot_run *run)
{
	const int count = run->opt.count;
	uint64_t start_us = plat_time_us();
	for (int finished = 0; finished < count && !plat_stop_requested();) {
		uint64_t now = plat_time_us();
		run->joined = finished = 0;
		for (int i = 0; i < count; i++) {
			struct bot *b = &run->bots[i];
			cl_conn_service(&b->conn, now);
			if (b->conn.state == CL_STATE_JOINED) {
				if (!b->joined_once) {
					b->joined_once = true;
					b->joined_us = now;
					if (!flags_fit_world(run, b)) {
						b->gone = true;
						cl_conn_close(&b->conn, 300);
						continue;
					}
					b->home_zone = b->conn.welcome.state.zone;
					b->yaw = b->conn.welcome.state.yaw;
					run->by_id[b->conn.welcome.client_id] = b;
				}
				run->joined++;
				/* Waiting for the crowd, it still says where it stands at
				 * the tick rate, as a real client does: its moves carry
				 * the acks its snapshots are deltas from. */
				if (now - b->last_wait_input_us >= 1000000u / b->conn.welcome.tick_hz) {
					b->last_wait_input_us = now;
					cl_conn_input(&b->conn, 0, 0, b->yaw, 0, SIM_SEAT_NONE,
						      (uint32_t)now);
				}
			}
			finished += b->conn.state >= CL_STATE_JOINED;
		}
		plat_sleep_us(2000);
	}
	run->join_s = (double)(plat_time_us() - start_us) / 1e6;
	fprintf(stderr, "lyceum-bot: %d of %d bots joined room '%s' on %s in %.2f s\n", run->joined,
		count, run->opt.room, run->opt.server, run->join_s);
}

static void sample_links(struct bot_run *run)
{
	for (int i = 0; i < run->opt.count; i++) {
		const struct cl_conn *c = &run->bots[i].conn;
		if (c->state != CL_STATE_JOINED)
			continue;
		bot_hist_add(&run->rtt_ms, cl_conn_rtt_ms(c));
		bot_hist_add(&run->interp_delay_ms, (double)c->clock.interp_delay_us / 1000.0);
	}
}

/* One tick of input per bot at the server's tick rate (missed ticks are
 * dropped, never burst); sockets are read as soon as they have data. */
static void run_window(struct bot_run *run)
{
	const int count = run->opt.count;
	struct pollfd *fds = calloc((size_t)count, sizeof(*fds));
	if (!fds)
		return;
	int tick_hz = SIM_TICK_HZ;
	for (int i = 0; i < count; i++) {
		if (run->bots[i].joined_once)
			tick_hz = run->bots[i].conn.welcome.tick_hz;
		bot_window_mark(&run->bots[i]);
	}
	const uint64_t tick_us = 1000000u / (uint64_t)tick_hz;
	uint64_t window_start = plat_time_us();
	run->window_start_us = window_start;
	const bool voice = bot_voice_wanted(&run->opt);
	uint64_t window_end = run->opt.seconds > 0 ? window_start + (uint64_t)(run->opt.seconds * 1e6)
						   : UINT64_MAX;
	const uint64_t stall_end = window_start + (uint64_t)(run->opt.stall_s * 1e6);
	uint64_t next_tick = window_start, next_sample = window_start + 1000000u;
	uint64_t next_status = window_start + 10000000u;
	while (run->joined > 0 && !plat_stop_requested()) {
		uint64_t now = plat_time_us();
		if (now >= window_end)
			break;
		for (int i = 0; i < count; i++) {
			fds[i].fd = net_host_fd(run->bots[i].conn.host);
			fds[i].events = POLLIN;
			fds[i].revents = 0;
		}
		int wait_ms = next_tick > now ? (int)((next_tick - now + 999) / 1000) : 0;
		if (voice && wait_ms > 5) /* the audio runs in steps of 5 ms */
			wait_ms = 5;
		if (poll(fds, (nfds_t)count, wait_ms) < 0 && !plat_stop_requested())
			plat_sleep_us(1000);
		now = plat_time_us();
		bool tick = now >= next_tick;
		for (int i = 0; i < count; i++) {
			struct bot *b = &run->bots[i];
			if (b->conn.host && (fds[i].revents & POLLIN))
				cl_conn_service(&b->conn, now); /* frames in before the audio runs */
			if (b->conn.host)
				bot_voice_tick(run, b, now);
			if (!b->conn.host || (!tick && !(fds[i].revents & POLLIN)))
				continue;
			if (tick) {
				bot_moderate_tick(run, b, now);
				bot_reconnect_tick(run, b, now);
				bot_board_tick(run, b, now);
				bot_chat_tick(run, b, now);
				bot_lesson_tick(run, b, now);
			}
			if (b->reconnecting && b->conn.state == CL_STATE_JOINED) {
				b->reconnecting = false;
				run->by_id[b->conn.welcome.client_id] = b;
			}
			if (tick && b->conn.state == CL_STATE_JOINED && now >= stall_end) {
				bot_behavior_tick(run, b, (uint32_t)now);
				(void)cl_conn_view_self(&b->conn); /* a rendered frame */
				/* Interpolation error from a sample of at most
				 * BOT_VIEW_SAMPLE observers: in a crowd of 250 every bot
				 * looking at every other was half the process's time. */
				if (b->index % CORE_MAX(1, run->opt.count / BOT_VIEW_SAMPLE) == 0)
					bot_measure_views(run, b, now);
			}
			cl_conn_service(&b->conn, now);
			if (b->conn.snap_fresh)
				bot_on_snapshot(run, b, now);
			bool coming_back = b->reconnecting && (b->conn.state == CL_STATE_SECURING ||
							       b->conn.state == CL_STATE_CONNECTING ||
							       b->conn.state == CL_STATE_HELLO_SENT);
			if (b->conn.state != CL_STATE_JOINED && !b->gone && b->joined_once &&
			    !coming_back) {
				b->gone = true;
				fprintf(stderr, "lyceum-bot: %s: %s\n", b->name,
					b->conn.state == CL_STATE_REFUSED ? b->conn.refuse_message
									  : b->conn.error);
			}
		}
		if (tick) {
			next_tick += tick_us;
			if (now > next_tick + tick_us)
				next_tick = now + tick_us;
		}
		if (now >= next_sample) {
			next_sample += 1000000u;
			sample_links(run);
		}
		if (now >= next_status) {
			next_status += 10000000u;
			int alive = 0;
			for (int i = 0; i < count; i++)
				alive += run->bots[i].conn.state == CL_STATE_JOINED;
			fprintf(stderr, "lyceum-bot: %d/%d connected, presence latency p50 %.1f ms "
					"p99 %.1f ms\n",
				alive, count, bot_hist_percentile(&run->latency_ms, 50),
				bot_hist_percentile(&run->latency_ms, 99));
		}
	}
	run->window_s = (double)(plat_time_us() - window_start) / 1e6;
	free(fds);
}

int main(int argc, char **argv)
{
	for (int i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], "--scenario") && !strcmp(argv[i + 1], "board-v1"))
			return bot_board_v1_main(argc, argv);
		if (!strcmp(argv[i], "--scenario") && !strcmp(argv[i + 1], "voice-v1"))
			return bot_voice_v1_main(argc, argv);
	}
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--scenario"))
			return bot_scenario_main(argc, argv, core_assets_dir(CORE_ASSETS_WORLDS));
	static struct bot_run run;
	int rc = parse_args(&run.opt, argc, argv);
	if (rc)
		return rc == 1 ? 0 : rc;
	core_log_set_level(core_log_level_from_env());
	plat_install_stop_handler();
	plat_raise_fd_limit();
	bot_behavior_init();
	run.latency_ms.width = 0.1;
	run.rtt_ms.width = 0.1;
	run.interp_delay_ms.width = 0.1;
	run.interp_error_mm.width = 1;
	run.mouth_to_ear_ms.width = 0.1;
	if (run.opt.path_file && bot_path_load(run.opt.path_file, &run.path) != CORE_OK)
		return 2;
	if (run.opt.moderate && !bot_moderate_parse(&run, run.opt.moderate))
		return 2;
	struct world_cache worlds = {.dir = run.opt.worlds_dir};
	if ((rc = start_bots(&run, &worlds)) != 0)
		return rc;
	join_all(&run);
	run_window(&run);
	rc = bot_report(&run);
	for (int i = 0; i < run.opt.count; i++) {
		/* Goodbye, and once more if the link lost it (as a client that
		 * leaves does): the server logs a leave, not a timeout. Each
		 * returns as soon as the server has it. */
		cl_conn_close(&run.bots[i].conn, 1000);
		bot_voice_free(&run.bots[i]);
		bot_board_free(&run.bots[i]);
		bot_lesson_free(&run.bots[i]);
		for (int s = 0; s < BOT_ZONE_SLOTS; s++)
			free(run.bots[i].seen[s]);
		free(run.bots[i].last_send_time);
		bot_crowd_free(&run.bots[i]);
	}
	for (int i = 0; i < worlds.count; i++)
		free(worlds.worlds[i]);
	free(run.bots);
	return rc;
}
