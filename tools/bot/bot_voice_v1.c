/* lyceum-bot --scenario voice-v1: the voice load of
 * ../shared/bench/voice-v1.md, exactly: C rooms x U users on the bench-open
 * floor (one zone), the first S users of each room talking without pause,
 * everyone listening. Standard output is JSON lines only; logs go to
 * standard error.
 *
 * The speech WAV is encoded once (Opus, VOIP, 24 kbit/s CBR, 20 ms) into a
 * table of packets; each speaker plays it from its own offset, its sends
 * spread over the 20 ms period by a seeded phase. Each speaker keeps a ring
 * of its send times by seq, so a listener's latency is the kernel's arrival
 * time of the datagram (SO_TIMESTAMPNS, read with SIOCGSTAMPNS) less the
 * speaker's CLOCK_REALTIME just before the send: both clocks are this
 * process's. Every frame is parsed (its Opus TOC); --decode listeners decode
 * fully, with a decoder per speaker they hear. */
#include "bot.h"
#include "plat.h"
#include "sim/world_load.h"

#include <jansson.h>
#include <math.h>
#include <opus/opus.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define VO_RATE_HZ 48000
#define VO_FRAME_SAMPLES 960 /* 20 ms */
#define VO_PERIOD_US 20000u
#define VO_BITRATE 24000
#define VO_LOUDNESS 200 /* constant: with S <= N every speaker is forwarded */
#define VO_SEQ_RING (1u << PROTO_VOICE_SEQ_BITS) /* by seq: 41 s of sends */
#define VO_GRACE_US 1000000u                     /* late arrivals after the window */
#define VO_STEP_US 1000                          /* the load loop's step, as in bot_scenario.c */
#define VO_SERVICE_US 200000u /* a client with nothing to read is serviced this often (keepalive) */
#define VO_JOIN_TIMEOUT_US 30000000u
#define VO_MAX_CLIENTS 4000
#define VO_WORLD "bench-open"

struct vo_options {
	int rooms, users, speakers, decode;
	double seconds, settle;
	uint32_t seed;
	const char *server, *voice;
};

/* The speech, encoded once: count packets of len[i] bytes. */
struct vo_clip {
	int count;
	uint16_t *len;
	uint8_t (*data)[PROTO_VOICE_OPUS_MAX];
};

/* One send of a speaker, at ring[seq]. */
struct vo_sent {
	int64_t realtime_ns; /* 0: not sent (dropped, or not yet) */
	bool in_window;
};

struct vo_run;

struct vo_client {
	struct cl_conn conn;
	struct vo_run *run;
	int room, user;
	char room_name[32], name[32]; /* the connection config points at these */
	bool lost;
	uint64_t last_service_us;
	/* speaking */
	bool speaker;
	double phase; /* of the 20 ms period */
	int clip_offset;
	uint64_t k; /* next send tick */
	struct vo_sent *ring;
	/* listening */
	OpusDecoder **decoders; /* by the speaker's user index; NULL: parse only */
	uint64_t rx_window;     /* frames sent in the window that reached this client */
};

struct vo_run {
	struct vo_options opt;
	struct vo_clip clip;
	struct vo_client *clients;
	int32_t by_id[PROTO_MAX_CLIENT_ID + 1]; /* client id -> index, -1: none */
	uint64_t window_start_us, window_end_us;
	uint64_t expected, received, stray, no_timestamp, opus_errors, sends, sends_dropped;
	struct bot_hist latency_ms;
	opus_int16 pcm[VO_FRAME_SAMPLES]; /* the decoders' output, thrown away */
};

struct vo_world {
	const char *dir;
	struct sim_world *world;
};

static int64_t realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool parse_options(struct vo_options *o, int argc, char **argv)
{
	*o = (struct vo_options){.rooms = 1, .users = 50, .speakers = 4, .decode = 4, .seconds = 20,
				 .settle = 3, .seed = 1, .server = "127.0.0.1:7777"};
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
			if (strcmp(v, "voice-v1")) {
				bot_emit_error("unknown scenario:", v);
				return false;
			}
		} else if (!strcmp(f, "--server")) {
			o->server = v;
		} else if (!strcmp(f, "--voice")) {
			o->voice = v;
		} else if (!strcmp(f, "--seconds") || !strcmp(f, "--settle")) {
			bool settle = !strcmp(f, "--settle");
			if (!num || d < (settle ? 0 : 0.1) || d > 3600) {
				bot_emit_error("value out of range for", f);
				return false;
			}
			*(settle ? &o->settle : &o->seconds) = d;
		} else if (!strcmp(f, "--rooms") || !strcmp(f, "--users") || !strcmp(f, "--speakers") ||
			   !strcmp(f, "--decode")) {
			bool may_be_0 = !strcmp(f, "--decode");
			if (!num || d != floor(d) || d < (may_be_0 ? 0 : 1) || d > VO_MAX_CLIENTS) {
				bot_emit_error("value out of range for", f);
				return false;
			}
			int *dst = !strcmp(f, "--rooms")   ? &o->rooms
				   : !strcmp(f, "--users") ? &o->users
				   : may_be_0		   ? &o->decode
							   : &o->speakers;
			*dst = (int)d;
		} else if (!strcmp(f, "--seed")) {
			if (!num || d != floor(d) || d < 0 || d > 4294967295.0) {
				bot_emit_error("value out of range for", f);
				return false;
			}
			o->seed = (uint32_t)d;
		} else {
			bot_emit_error("unknown flag", f);
			return false;
		}
	}
	if (!o->voice) {
		bot_emit_error("--voice FILE.wav is required (tools/bench/make_speech.sh makes one)", "");
		return false;
	}
	if (o->speakers > o->users) {
		bot_emit_error("--speakers: more speakers than --users in a room", "");
		return false;
	}
	if (o->rooms * o->users > VO_MAX_CLIENTS) {
		bot_emit_error("rooms x users: at most 4000 clients in one process", "");
		return false;
	}
	return true;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* A 48 kHz mono 16-bit PCM WAV: its samples in *out (malloc'd). */
static bool wav_load(const char *path, int16_t **out, size_t *out_samples)
{
	char why[400];
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		bot_emit_error("--voice: cannot open", path);
		return false;
	}
	fseek(fp, 0, SEEK_END);
	long size = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	uint8_t *buf = size > 12 ? malloc((size_t)size) : NULL;
	bool read = buf && fread(buf, 1, (size_t)size, fp) == (size_t)size;
	fclose(fp);
	if (!read || memcmp(buf, "RIFF", 4) || memcmp(buf + 8, "WAVE", 4)) {
		free(buf);
		snprintf(why, sizeof(why), "%s: not a RIFF WAVE file; make one with tools/bench/make_speech.sh",
			 path);
		bot_emit_error("--voice:", why);
		return false;
	}
	uint16_t format = 0, channels = 0, bits = 0;
	uint32_t rate = 0;
	const uint8_t *data = NULL;
	uint32_t data_len = 0;
	for (long p = 12; p + 8 <= size;) {
		uint32_t len = le32(buf + p + 4);
		const uint8_t *body = buf + p + 8;
		if ((long)len > size - p - 8)
			len = (uint32_t)(size - p - 8);
		if (!memcmp(buf + p, "fmt ", 4) && len >= 16) {
			format = le16(body);
			channels = le16(body + 2);
			rate = le32(body + 4);
			bits = le16(body + 14);
			if (format == 0xfffe && len >= 26) /* WAVE_FORMAT_EXTENSIBLE: its sub-format */
				format = le16(body + 24);
		} else if (!memcmp(buf + p, "data", 4)) {
			data = body;
			data_len = len;
		}
		p += 8 + (long)len + (len & 1);
	}
	if (format != 1 || channels != 1 || rate != VO_RATE_HZ || bits != 16 || !data) {
		snprintf(why, sizeof(why),
			 "%s is %s%u Hz, %u channel(s), %u-bit; voice-v1 needs 48 kHz mono 16-bit PCM: "
			 "convert it with: sox %s -r 48000 -c 1 -b 16 -e signed-integer OUT.wav",
			 path, format == 1 ? "PCM, " : "not PCM, ", rate, channels, bits, path);
		free(buf);
		bot_emit_error("--voice:", why);
		return false;
	}
	size_t n = data_len / 2;
	int16_t *pcm = malloc(n * sizeof(*pcm) + 1);
	if (!pcm) {
		free(buf);
		bot_emit_error("out of memory for the speech", "");
		return false;
	}
	for (size_t i = 0; i < n; i++)
		pcm[i] = (int16_t)le16(data + 2 * i);
	free(buf);
	*out = pcm;
	*out_samples = n;
	return true;
}

/* Encodes the clip once: 20 ms frames, VOIP, 24 kbit/s, constant bitrate. */
static bool clip_encode(struct vo_clip *clip, const char *path)
{
	int16_t *pcm;
	size_t samples;
	if (!wav_load(path, &pcm, &samples))
		return false;
	clip->count = (int)(samples / VO_FRAME_SAMPLES);
	if (clip->count < 50) {
		free(pcm);
		bot_emit_error("--voice: the speech is shorter than 1 s:", path);
		return false;
	}
	int err;
	OpusEncoder *enc = opus_encoder_create(VO_RATE_HZ, 1, OPUS_APPLICATION_VOIP, &err);
	clip->len = calloc((size_t)clip->count, sizeof(*clip->len));
	clip->data = calloc((size_t)clip->count, sizeof(*clip->data));
	bool ok = enc && clip->len && clip->data &&
		  opus_encoder_ctl(enc, OPUS_SET_BITRATE(VO_BITRATE)) == OPUS_OK &&
		  opus_encoder_ctl(enc, OPUS_SET_VBR(0)) == OPUS_OK;
	for (int i = 0; ok && i < clip->count; i++) {
		opus_int32 n = opus_encode(enc, pcm + (size_t)i * VO_FRAME_SAMPLES, VO_FRAME_SAMPLES,
					   clip->data[i], PROTO_VOICE_OPUS_MAX);
		ok = n > 0;
		clip->len[i] = (uint16_t)(ok ? n : 0);
	}
	if (enc)
		opus_encoder_destroy(enc);
	free(pcm);
	if (!ok)
		bot_emit_error("libopus could not encode the speech:", enc ? "" : opus_strerror(err));
	else
		fprintf(stderr, "lyceum-bot: voice-v1: %s: %d frames of %u bytes\n", path, clip->count,
			clip->len[0]);
	return ok;
}

static const struct sim_world *voice_world(void *user, const char *name)
{
	struct vo_world *vw = user;
	if (vw->world && !strcmp(vw->world->name, name))
		return vw->world;
	if (strcmp(name, VO_WORLD)) {
		fprintf(stderr, "lyceum-bot: the server runs world %s; voice-v1 needs " VO_WORLD
				" (lyceum-server --world " VO_WORLD ", or LYCEUM_WORLD)\n",
			name);
		return NULL;
	}
	return bot_world_cached(vw->dir, &vw->world, name);
}

/* Every frame a client receives: parsed, timed against its send, and
 * decoded by the decoding listeners. */
static void on_frame(void *user, const struct proto_voice_down *f, uint64_t arrival_us, int64_t kernel_rx_ns)
{
	(void)arrival_us;
	struct vo_client *l = user;
	struct vo_run *run = l->run;
	int32_t from = f->speaker <= PROTO_MAX_CLIENT_ID ? run->by_id[f->speaker] : -1;
	const struct vo_client *sp = from >= 0 ? &run->clients[from] : NULL;
	if (!sp || !sp->speaker || sp->room != l->room || sp == l) {
		run->stray++;
		return;
	}
	if (opus_packet_get_nb_samples(f->opus, f->len, VO_RATE_HZ) != VO_FRAME_SAMPLES)
		run->opus_errors++;
	else if (l->decoders &&
		 opus_decode(l->decoders[sp->user], f->opus, f->len, run->pcm, VO_FRAME_SAMPLES, 0) !=
			 VO_FRAME_SAMPLES)
		run->opus_errors++;
	const struct vo_sent *s = &sp->ring[f->seq & (VO_SEQ_RING - 1)];
	if (!s->in_window)
		return;
	run->received++;
	l->rx_window++;
	if (kernel_rx_ns > 0)
		bot_hist_add(&run->latency_ms, (double)(kernel_rx_ns - s->realtime_ns) / 1e6);
	else
		run->no_timestamp++;
}

/* The sends that are due: the k-th at epoch + (phase + k) x 20 ms. A tick
 * late by a whole period is dropped, never burst. */
static void speak(struct vo_run *run, struct vo_client *c, uint64_t epoch, uint64_t now)
{
	uint64_t due = epoch + (uint64_t)((c->phase + (double)c->k) * VO_PERIOD_US);
	if (now < due || c->conn.state != CL_STATE_JOINED)
		return;
	uint64_t behind = (now - due) / VO_PERIOD_US;
	bool in_window = now >= run->window_start_us && now < run->window_end_us;
	for (uint64_t s = 0; s < behind; s++) {
		c->ring[c->k & (VO_SEQ_RING - 1)].realtime_ns = 0;
		c->ring[c->k & (VO_SEQ_RING - 1)].in_window = false;
		c->k++;
	}
	if (in_window)
		run->sends_dropped += behind;
	int packet = (int)((c->k + (uint64_t)c->clip_offset) % (uint64_t)run->clip.count);
	struct vo_sent *slot = &c->ring[c->k & (VO_SEQ_RING - 1)];
	struct proto_voice_up up = {.seq = (uint16_t)(c->k & (VO_SEQ_RING - 1)),
				    .loudness = VO_LOUDNESS,
				    .opus = run->clip.data[packet],
				    .len = run->clip.len[packet]};
	slot->in_window = false;
	slot->realtime_ns = realtime_ns();
	if (cl_conn_send_voice(&c->conn, &up) == CORE_OK && in_window) {
		slot->in_window = true;
		run->sends++;
		run->expected += (uint64_t)(run->opt.users - 1);
	} else if (in_window) {
		run->sends_dropped++;
	}
	c->k++;
}

/* Sockets, decoders and send rings for every client; connects in waves. */
static bool start_clients(struct vo_run *run, struct vo_world *vw)
{
	const struct vo_options *o = &run->opt;
	const int n = o->rooms * o->users;
	for (int i = 0; i < n; i++) {
		struct vo_client *c = &run->clients[i];
		c->run = run;
		c->room = i / o->users;
		c->user = i % o->users;
		c->speaker = c->user < o->speakers;
		uint32_t rng = bot_seed_mix(bot_mix32(o->seed), (uint32_t)i);
		if (c->speaker) {
			c->phase = (double)bot_rng_next(&rng) / 4294967296.0;
			c->clip_offset = (int)(bot_rng_next(&rng) % (uint32_t)run->clip.count);
			c->ring = calloc(VO_SEQ_RING, sizeof(*c->ring));
			if (!c->ring) {
				bot_emit_error("out of memory for the send rings", "");
				return false;
			}
		}
		snprintf(c->room_name, sizeof(c->room_name), "voice-%d", c->room);
		snprintf(c->name, sizeof(c->name), "vo-%d-%d", c->room, c->user);
		/* Anywhere on the 20 m x 15 m floor, away from its edges. */
		int32_t x_mm = 500 + (int32_t)(bot_rng_next(&rng) % 19000u);
		int32_t y_mm = 500 + (int32_t)(bot_rng_next(&rng) % 14000u);
		struct cl_conn_config cfg = {.server = o->server,
					     .room = c->room_name,
					     .name = c->name,
					     .role = PROTO_ROLE_STUDENT,
					     .has_spawn_pos = true,
					     .spawn_pos = {x_mm, y_mm}};
		if (cl_conn_start(&c->conn, &cfg, voice_world, vw) != CORE_OK) {
			bot_emit_error("cannot start a client:", c->conn.error);
			return false;
		}
		cl_conn_set_voice_sink(&c->conn, on_frame, c);
		cl_conn_rx_timestamps(&c->conn, true);
		if (i % 100 == 99) {
			uint64_t wave_end = plat_time_us() + 20000;
			while (plat_time_us() < wave_end) {
				for (int k = 0; k <= i; k++)
					cl_conn_service(&run->clients[k].conn, plat_time_us());
				plat_sleep_us(2000);
			}
		}
	}
	/* The decoding listeners, spread over the rooms: pure listeners
	 * first, speakers only when a room has no one else. */
	int decoding = CORE_MIN(o->decode, n);
	for (int d = 0; d < decoding; d++) {
		int room = d % o->rooms, slot = d / o->rooms;
		int user = o->speakers + slot < o->users ? o->speakers + slot : slot % o->users;
		struct vo_client *c = &run->clients[room * o->users + user];
		if (c->decoders)
			continue;
		c->decoders = calloc((size_t)o->speakers, sizeof(*c->decoders));
		for (int s = 0; c->decoders && s < o->speakers; s++) {
			int err;
			c->decoders[s] = opus_decoder_create(VO_RATE_HZ, 1, &err);
			if (!c->decoders[s]) {
				bot_emit_error("libopus: cannot make a decoder:", opus_strerror(err));
				return false;
			}
		}
		if (!c->decoders) {
			bot_emit_error("out of memory for the decoders", "");
			return false;
		}
	}
	return true;
}

static bool join_all(struct vo_run *run, uint64_t t0)
{
	const int n = run->opt.rooms * run->opt.users;
	int joined = 0;
	for (;;) {
		uint64_t now = plat_time_us();
		int done = 0;
		joined = 0;
		for (int i = 0; i < n; i++) {
			cl_conn_service(&run->clients[i].conn, now);
			joined += run->clients[i].conn.state == CL_STATE_JOINED;
			done += run->clients[i].conn.state >= CL_STATE_JOINED;
		}
		if (done == n || now - t0 > VO_JOIN_TIMEOUT_US || plat_stop_requested())
			break;
		plat_sleep_us(2000);
	}
	for (int i = 0; i < n && joined < n; i++) {
		const struct cl_conn *c = &run->clients[i].conn;
		if (c->state != CL_STATE_JOINED) {
			bot_emit_error("a client did not join:", c->state == CL_STATE_REFUSED ? c->refuse_message
							     : c->error[0]		 ? c->error
											 : "join timed out");
			return false;
		}
	}
	for (int i = 0; i < PROTO_MAX_CLIENT_ID + 1; i++)
		run->by_id[i] = -1;
	for (int i = 0; i < n; i++) {
		const struct cl_conn *c = &run->clients[i].conn;
		if (c->welcome.client_id <= PROTO_MAX_CLIENT_ID)
			run->by_id[c->welcome.client_id] = i;
	}
	printf("{\"event\":\"joined\",\"clients\":%d,\"join_seconds\":%.2f}\n", n,
	       (double)(plat_time_us() - t0) / 1e6);
	fflush(stdout);
	return true;
}

/* Settle, window and grace: speakers send throughout, listeners read. */
static void run_load(struct vo_run *run, struct pollfd *fds)
{
	const struct vo_options *o = &run->opt;
	const int n = o->rooms * o->users;
	const uint64_t epoch = plat_time_us();
	run->window_start_us = epoch + (uint64_t)(o->settle * 1e6);
	run->window_end_us = run->window_start_us + (uint64_t)(o->seconds * 1e6);
	const uint64_t run_end = run->window_end_us + VO_GRACE_US;
	bool started = false, ended = false;
	uint64_t last_step = 0;
	int disconnects = 0;
	while (!plat_stop_requested()) {
		uint64_t now = plat_time_us();
		if (!started && now >= run->window_start_us) {
			started = true;
			bot_emit_event("window_start");
		}
		if (!ended && now >= run->window_end_us) {
			ended = true;
			bot_emit_event("window_end");
		}
		if (now >= run_end)
			break;
		for (int i = 0; i < n; i++)
			if (run->clients[i].speaker)
				speak(run, &run->clients[i], epoch, plat_time_us());
		for (int i = 0; i < n; i++) {
			fds[i].fd = net_host_fd(run->clients[i].conn.host);
			fds[i].events = POLLIN;
			fds[i].revents = 0;
		}
		/* Steps of VO_STEP_US on a timer, not woken by each datagram:
		 * the latency is the kernel's arrival time, not this loop's. */
		now = plat_time_us();
		if (last_step + VO_STEP_US > now)
			plat_sleep_us(last_step + VO_STEP_US - now);
		last_step = plat_time_us();
		if (poll(fds, (nfds_t)n, 0) < 0 && !plat_stop_requested())
			plat_sleep_us(500);
		now = plat_time_us();
		for (int i = 0; i < n; i++) {
			struct vo_client *c = &run->clients[i];
			if (!(fds[i].revents & POLLIN) && c->conn.state == CL_STATE_JOINED &&
			    now - c->last_service_us < VO_SERVICE_US)
				continue;
			c->last_service_us = now;
			cl_conn_service(&c->conn, now);
			if (c->conn.state != CL_STATE_JOINED && !c->lost) {
				c->lost = true;
				disconnects++;
				fprintf(stderr, "lyceum-bot: client %d: %s\n", i, c->conn.error);
			}
		}
	}
	if (!ended)
		bot_emit_event("window_end");
	if (disconnects)
		fprintf(stderr, "lyceum-bot: voice-v1: %d clients lost their connection\n", disconnects);
}


static void report(struct vo_run *run)
{
	const struct vo_options *o = &run->opt;
	const int n = o->rooms * o->users;
	const double window_s = o->seconds;
	int connected = 0, pure = 0, decoding = 0;
	uint64_t pure_rx = 0, all_rx = 0, proto_errors = 0;
	for (int i = 0; i < n; i++) {
		const struct vo_client *c = &run->clients[i];
		connected += c->conn.state == CL_STATE_JOINED;
		decoding += c->decoders != NULL;
		proto_errors += c->conn.stats.decode_errors;
		all_rx += c->rx_window;
		if (!c->speaker) {
			pure++;
			pure_rx += c->rx_window;
		}
	}
	/* With no pure listener (S = U) the average is over everyone. */
	double rx_fps = pure ? (double)pure_rx / (pure * window_s) : (double)all_rx / (n * window_s);
	double loss = run->expected ? 1.0 - (double)run->received / (double)run->expected : 0.0;
	char scenario[48];
	snprintf(scenario, sizeof(scenario), "%dx%dx%d", o->rooms, o->users, o->speakers);
	const struct bot_hist *h = &run->latency_ms;
	json_t *r = json_pack(
		"{s:s,s:s,s:s,s:i,s:i,s:f,s:f,s:f,s:{s:f,s:f,s:f,s:f},s:f,s:I,s:i,"
		"s:I,s:I,s:I,s:I,s:I,s:I,s:i,s:I,s:I}",
		"event", "result", "system", "lyceum", "scenario", scenario, "clients", n, "speakers",
		o->speakers, "window_s", window_s, "frames_delivered_per_s",
		bot_round3((double)run->received / window_s), "rx_fps_per_listener", bot_round3(rx_fps),
		"latency_ms", "p50", bot_round3(bot_hist_percentile(h, 50)), "p90",
		bot_round3(bot_hist_percentile(h, 90)), "p99", bot_round3(bot_hist_percentile(h, 99)), "max",
		bot_round3(h->max), "loss", loss, "decode_errors", (json_int_t)(run->opus_errors + proto_errors),
		"clients_connected_at_end", connected, "frames_sent", (json_int_t)run->sends,
		"frames_expected", (json_int_t)run->expected, "frames_received", (json_int_t)run->received,
		"sends_dropped", (json_int_t)run->sends_dropped, "latency_samples", (json_int_t)h->samples,
		"no_kernel_timestamp", (json_int_t)run->no_timestamp, "decoding_listeners", decoding,
		"stray_frames", (json_int_t)run->stray, "opus_frames_in_clip", (json_int_t)run->clip.count);
	bot_emit_result(r);
}

static void free_run(struct vo_run *run, struct vo_world *vw)
{
	const int n = run->opt.rooms * run->opt.users;
	for (int i = 0; i < n && run->clients; i++) {
		struct vo_client *c = &run->clients[i];
		if (c->conn.host)
			cl_conn_close(&c->conn, 0);
		for (int s = 0; c->decoders && s < run->opt.speakers; s++)
			if (c->decoders[s])
				opus_decoder_destroy(c->decoders[s]);
		free(c->decoders);
		free(c->ring);
	}
	free(run->clients);
	free(run->clip.len);
	free(run->clip.data);
	free(vw->world);
	free(run);
}

int bot_voice_v1_main(int argc, char **argv)
{
	struct vo_run *run = calloc(1, sizeof(*run));
	struct vo_world vw = {.dir = core_assets_dir(CORE_ASSETS_WORLDS)};
	if (!run) {
		bot_emit_error("out of memory", "");
		return 1;
	}
	if (!parse_options(&run->opt, argc, argv)) {
		free(run);
		return 2;
	}
	run->latency_ms.width = 0.01;
	if (!clip_encode(&run->clip, run->opt.voice)) {
		free_run(run, &vw);
		return 1;
	}
	plat_install_stop_handler();
	plat_raise_fd_limit();
	const int n = run->opt.rooms * run->opt.users;
	run->clients = calloc((size_t)n, sizeof(*run->clients));
	struct pollfd *fds = calloc((size_t)n, sizeof(*fds));
	if (!run->clients || !fds) {
		bot_emit_error("out of memory for the clients", "");
		free(fds);
		free_run(run, &vw);
		return 1;
	}
	const uint64_t t0 = plat_time_us();
	int rc = 1;
	if (start_clients(run, &vw) && join_all(run, t0)) {
		run_load(run, fds);
		report(run);
		rc = 0;
	}
	free(fds);
	free_run(run, &vw);
	return rc;
}
