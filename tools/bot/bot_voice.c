/* lyceum-bot's voice: each bot runs the client's audio engine (client/audio)
 * on files, through the same pipeline a desktop client runs on its devices.
 * Speakers say --voice in a loop; every bot records what it hears with
 * --record-dir. Because all bots live in this process, a listener knows
 * when each frame it plays was captured: that is its mouth-to-ear latency. */
#include "bot.h"
#include "snd.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(SND_MAX_PACKET <= PROTO_VOICE_OPUS_MAX, "an encoded frame fits a VOICE message");

#define BOT_VOICE_STEP_US 5000u /* as a device with 5 ms buffers would */
#define BOT_VOICE_RUNS 512    /* talk runs a listener remembers, for "at once" */
#define BOT_VOICE_RUN_GAP_US 100000u /* a longer silence ends a run */
#define BOT_VOICE_HEARD 64    /* speakers a listener counts frames of */

struct bot_voice_run {
	uint16_t speaker;
	uint64_t first_us, last_us;
};

struct bot_voice {
	struct snd_engine *engine;
	struct snd_backend *files;
	bool speaks;
	uint64_t next_us;
	uint64_t sent, held_back, send_failed;
	uint64_t capture_us[SND_SEQ_MOD]; /* by seq: when the frame was captured */
	/* As a listener. */
	uint64_t received;
	double m2e_sum_ms, m2e_max_ms;
	uint64_t m2e_count;
	struct {
		uint16_t speaker;
		char name[PROTO_NAME_MAX]; /* as the roster named it then */
		uint64_t frames;
	} heard[BOT_VOICE_HEARD];
	int heard_count;
	int open[SND_SPEAKER_IDS]; /* speaker -> index + 1 of its open run */
	struct bot_voice_run runs[BOT_VOICE_RUNS];
	int run_count;
	uint64_t runs_dropped;
};

bool bot_voice_wanted(const struct bot_options *o)
{
	return o->voice_file || o->record_dir;
}

static void count_heard(struct bot_voice *v, const struct cl_conn *c, uint16_t speaker)
{
	for (int i = 0; i < v->heard_count; i++) {
		if (v->heard[i].speaker == speaker) {
			v->heard[i].frames++;
			return;
		}
	}
	if (v->heard_count < BOT_VOICE_HEARD) {
		const struct cl_roster_entry *e = cl_conn_roster_find(c, speaker);
		v->heard[v->heard_count].speaker = speaker;
		core_strlcpy(v->heard[v->heard_count].name, e ? e->name : "?", PROTO_NAME_MAX);
		v->heard[v->heard_count++].frames = 1;
	}
}

/* A speaker's frames form runs; a run ends after BOT_VOICE_RUN_GAP_US. */
static void note_run(struct bot_voice *v, uint16_t speaker, uint64_t now_us)
{
	int at = v->open[speaker] - 1;
	if (at >= 0 && now_us - v->runs[at].last_us <= BOT_VOICE_RUN_GAP_US) {
		v->runs[at].last_us = now_us;
		return;
	}
	if (v->run_count == BOT_VOICE_RUNS) {
		v->runs_dropped++;
		v->open[speaker] = 0;
		return;
	}
	v->runs[v->run_count] = (struct bot_voice_run){speaker, now_us, now_us};
	v->open[speaker] = ++v->run_count;
}

static void on_frame(void *user, const struct proto_voice_down *f, uint64_t arrival_us,
		     int64_t kernel_rx_ns)
{
	struct bot *b = user;
	struct bot_voice *v = b->voice;
	(void)kernel_rx_ns;
	v->received++;
	count_heard(v, &b->conn, f->speaker);
	note_run(v, f->speaker, arrival_us);
	(void)snd_engine_push_packet(v->engine, f->speaker, f->seq, f->opus, f->len, arrival_us);
}

bool bot_voice_init(struct bot_run *run, struct bot *b)
{
	const struct bot_options *o = &run->opt;
	struct bot_voice *v = calloc(1, sizeof(*v));
	if (!v) {
		fprintf(stderr, "lyceum-bot: %s: no memory for its voice\n", b->name);
		return false;
	}
	b->voice = v;
	v->speaks = o->voice_file && (o->speakers < 0 || b->index < o->speakers);
	struct snd_config cfg;
	snd_config_defaults(&cfg);
	cfg.frame_ms = (uint32_t)o->frame_ms;
	cfg.bitrate_bps = (uint32_t)o->bitrate_bps;
	cfg.fec = o->voice_fec;
	cfg.plc = o->voice_plc;
	cfg.aec = false; /* a file hears no loudspeaker */
	if (snd_engine_create(&cfg, &v->engine) != CORE_OK) {
		fprintf(stderr, "lyceum-bot: %s: cannot make its audio engine\n", b->name);
		return false;
	}
	char out[700];
	if (o->record_dir) {
		if (mkdir(o->record_dir, 0755) != 0 && access(o->record_dir, W_OK) != 0) {
			fprintf(stderr, "lyceum-bot: --record-dir %s: cannot make or write that folder\n",
				o->record_dir);
			return false;
		}
		snprintf(out, sizeof(out), "%s/%s.wav", o->record_dir, b->name);
	}
	if (snd_backend_wav_create(v->engine, v->speaks ? o->voice_file : NULL, true,
				   o->record_dir ? out : NULL, &v->files) != CORE_OK)
		return false; /* the backend said why */
	/* Speakers start at their own places in the file. */
	if (v->speaks)
		snd_backend_wav_set_offset(v->files, bot_seed_mix(o->seed, (uint32_t)b->index) %
							     (SND_RATE_HZ * 10u));
	return snd_backend_start(v->files) == CORE_OK;
}

void bot_voice_free(struct bot *b)
{
	if (!b->voice)
		return;
	snd_backend_destroy(&b->voice->files);
	snd_engine_destroy(&b->voice->engine);
	free(b->voice);
	b->voice = NULL;
}

static void send_frames(struct bot_run *run, struct bot *b, uint64_t now_us)
{
	struct bot_voice *v = b->voice;
	struct snd_packet p;
	const bool started = now_us >= run->window_start_us + (uint64_t)(run->opt.voice_start_s * 1e6);
	while (snd_engine_pop_packet(v->engine, &p)) {
		if (!started || b->conn.state != CL_STATE_JOINED)
			continue;
		/* Held back by the server, a normal client stops sending; a
		 * modified one (--voice-ignore-mute) does not. */
		if (cl_conn_self_muted(&b->conn) && !run->opt.voice_ignore_mute) {
			v->held_back++;
			continue;
		}
		v->capture_us[p.seq % SND_SEQ_MOD] = p.capture_us;
		struct proto_voice_up up = {.seq = p.seq, .last = p.last,
					    .broadcast = run->opt.voice_broadcast,
					    .loudness = p.loudness, .len = p.len, .opus = p.data};
		if (cl_conn_send_voice(&b->conn, &up) == CORE_OK)
			v->sent++;
		else
			v->send_failed++;
	}
}

/* What the engine played: mouth to ear, from the speaker's capture time. */
static void take_played(struct bot_run *run, struct bot *b)
{
	struct bot_voice *v = b->voice;
	struct snd_played pl;
	while (snd_engine_pop_played(v->engine, &pl)) {
		if (pl.how != SND_PLAY_DECODED && pl.how != SND_PLAY_FEC)
			continue;
		const struct bot *from = run->by_id[pl.speaker];
		if (!from || !from->voice)
			continue;
		uint64_t captured = from->voice->capture_us[pl.seq % SND_SEQ_MOD];
		if (!captured || pl.play_us < captured || pl.play_us - captured > 5000000u)
			continue;
		double ms = (double)(pl.play_us - captured) / 1000.0;
		bot_hist_add(&run->mouth_to_ear_ms, ms);
		v->m2e_sum_ms += ms;
		v->m2e_count++;
		if (ms > v->m2e_max_ms)
			v->m2e_max_ms = ms;
	}
}

/* Where the listener stands and faces, and where each speaker is: those
 * it sees are placed, a broadcast from elsewhere plays centred. */
static void place(struct bot *b, uint64_t now_us)
{
	struct cl_conn *c = &b->conn;
	const struct sim_avatar *self = &c->predicted;
	snd_engine_set_listener(b->voice->engine, self->pos_x_mm, self->pos_y_mm, self->yaw);
	struct cl_view views[CL_MAX_REMOTES];
	int n = cl_conn_view_remotes(c, now_us, views, CL_MAX_REMOTES);
	for (int r = 0; r < c->roster_count; r++) {
		const struct cl_roster_entry *e = &c->roster[r];
		if (!e->speaking)
			continue;
		const struct cl_view *seen = NULL;
		for (int i = 0; i < n && !seen; i++)
			if (views[i].id == e->id)
				seen = &views[i];
		snd_engine_set_speaker(b->voice->engine, e->id, seen != NULL, seen ? seen->x_mm : 0,
				       seen ? seen->y_mm : 0, 1.0f, cl_conn_member_priority(e));
	}
}

void bot_voice_tick(struct bot_run *run, struct bot *b, uint64_t now_us)
{
	struct bot_voice *v = b->voice;
	if (!v || now_us < v->next_us)
		return;
	v->next_us = now_us + BOT_VOICE_STEP_US;
	/* A reconnect starts the connection afresh. */
	if (b->conn.voice_fn != on_frame)
		cl_conn_set_voice_sink(&b->conn, on_frame, b);
	if (b->conn.state == CL_STATE_JOINED)
		place(b, now_us);
	snd_engine_set_expected_loss(v->engine, (uint32_t)cl_conn_loss_pct(&b->conn));
	snd_backend_wav_pump(v->files, now_us);
	send_frames(run, b, now_us);
	take_played(run, b);
}

/* The most speakers heard at once: the largest overlap of talk runs. */
static int most_at_once(const struct bot_voice *v)
{
	int best = v->run_count ? 1 : 0; /* a lone frame is one voice */
	for (int i = 0; i < v->run_count; i++) {
		/* Runs are half-open, [first, last): frames read in one service
		 * share its time, and a run that ends where another starts (a
		 * lone frame among them) had given way to it. */
		int n = 0;
		uint64_t t = v->runs[i].first_us;
		for (int j = 0; j < v->run_count; j++)
			n += v->runs[j].first_us <= t && t < v->runs[j].last_us;
		if (n > best)
			best = n;
	}
	return best;
}

void bot_voice_report(const struct bot_run *run, const struct bot *b, json_t *out)
{
	const struct bot_voice *v = b->voice;
	if (!v)
		return;
	struct snd_stats st;
	snd_engine_stats(v->engine, &st);
	json_t *heard = json_array();
	for (int i = 0; i < v->heard_count; i++) {
		json_array_append_new(heard, json_pack("{s:i,s:s,s:I}", "id", v->heard[i].speaker,
						       "name", v->heard[i].name, "frames",
						       (json_int_t)v->heard[i].frames));
	}
	json_t *o = json_pack(
		"{s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:f,s:i,s:o}", "speaks",
		v->speaks, "frames_sent", (json_int_t)v->sent, "frames_held_back_muted",
		(json_int_t)v->held_back, "frames_received", (json_int_t)v->received, "frames_decoded",
		(json_int_t)st.total.received, "lost", (json_int_t)st.total.lost, "concealed",
		(json_int_t)st.total.concealed, "fec_recovered", (json_int_t)st.total.fec_recovered,
		"late", (json_int_t)st.total.late, "duplicates", (json_int_t)st.total.duplicates,
		"dropped", (json_int_t)(st.dropped_in_ring + st.dropped_speakers),
		"jitter_buffer_delay_ms", (double)st.total.mean_delay_ms,
		"mouth_to_ear_mean_ms", v->m2e_count ? v->m2e_sum_ms / (double)v->m2e_count : 0.0,
		"mouth_to_ear_max_ms", v->m2e_max_ms, "most_speakers_at_once", most_at_once(v),
		"heard", heard);
	/* What the timestamps cannot see: the encoder's lookahead and the
	 * microphone processing's delay, in the sound itself. */
	json_object_set_new(o, "codec_delay_ms", json_real((double)(st.lookahead_ms + st.dsp_delay_ms)));
	json_object_set_new(out, "voice", o);
}
