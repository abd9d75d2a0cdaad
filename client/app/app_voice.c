/*
 * app_voice.c: the client's voice. The audio engine (client/audio) runs in
 * the sound device's callback (snd_device.h: PortAudio, or AAudio on
 * Android); this side moves frames between it and the connection, tells it where everyone stands, and reads
 * the keys: M mutes, T switches between push-to-talk (hold V) and voice
 * activity, Y speaks to the whole room (an instructor, or whoever holds the
 * floor), and , and . make the member selected in the roster quieter or
 * louder, for us only. A member the server holds back is shown muted, and
 * our own microphone goes quiet with it.
 */
#include "app.h"

#include "plat.h"
#include "snd.h"
#include "snd_device.h"

#include <math.h>
#include <stdio.h>

_Static_assert(SND_MAX_PACKET <= PROTO_VOICE_OPUS_MAX, "an encoded frame fits a VOICE message");

#define APP_VOLUME_STEP 1.25f
#define APP_VOLUME_MAX 4.0f

int app_voice_list_devices(void)
{
	return snd_device_list(stdout) == CORE_OK ? 0 : 1;
}

static void on_frame(void *user, const struct proto_voice_down *f, uint64_t arrival_us,
		     int64_t kernel_rx_ns)
{
	struct app *a = user;
	(void)kernel_rx_ns;
	(void)snd_engine_push_packet(a->voice, f->speaker, f->seq, f->opus, f->len, arrival_us);
}

void app_voice_start(struct app *a)
{
	a->push_to_talk = a->opt.push_to_talk;
	if (a->opt.no_audio)
		return;
	struct snd_config cfg;
	snd_config_defaults(&cfg);
	cfg.frame_ms = (uint32_t)a->opt.frame_ms;
	cfg.bitrate_bps = (uint32_t)a->opt.bitrate_bps;
	cfg.mode = a->push_to_talk ? SND_MODE_PTT : SND_MODE_VAD;
	if (snd_engine_create(&cfg, &a->voice) != CORE_OK) {
		app_notice(a, 0xffe8b86c, "Voice is off: the audio engine could not start");
		return;
	}
	/* 5 ms device buffers: what the device adds to mouth-to-ear. */
	if (snd_device_create(a->voice, a->opt.audio_in, a->opt.audio_out, SND_RATE_HZ / 200,
			      &a->audio) != CORE_OK ||
	    snd_backend_start(a->audio) != CORE_OK) {
		snd_backend_destroy(&a->audio);
		snd_engine_destroy(&a->voice);
		app_notice(a, 0xffe8b86c,
			   "Voice is off: no audio device (lyceum --list-audio-devices shows them)");
		return;
	}
	snd_engine_set_mute(a->voice, a->muted);
	CORE_INFO("voice: %s, %d ms frames, %d bit/s", a->push_to_talk ? "push to talk (V)"
									  : "on voice activity",
		  a->opt.frame_ms, a->opt.bitrate_bps);
}

void app_voice_close(struct app *a)
{
	if (a->audio)
		snd_backend_stop(a->audio);
	snd_backend_destroy(&a->audio);
	snd_engine_destroy(&a->voice);
}

bool app_voice_transmitting(const struct app *a)
{
	return a->voice && !a->muted && snd_engine_transmitting(a->voice);
}

float app_voice_level_db(const struct app *a)
{
	return a->voice ? snd_engine_mic_level_db(a->voice) : -100.0f;
}

void app_voice_input(struct app *a)
{
	const struct plat_input *in = &a->input;
	if (in->pressed[PLAT_ACT_VOICE_MODE] % 2) {
		a->push_to_talk = !a->push_to_talk;
		if (a->voice)
			snd_engine_set_mode(a->voice, a->push_to_talk ? SND_MODE_PTT : SND_MODE_VAD);
		app_notice(a, 0xffd8e2ee, a->push_to_talk ? "Push to talk: hold V"
							  : "Voice activity: the microphone opens when you speak");
	}
	if (in->pressed[PLAT_ACT_BROADCAST] % 2) {
		a->broadcast = !a->broadcast;
		app_notice(a, 0xffd8e2ee, a->broadcast ? "Speaking to the whole room (Y)"
						       : "Speaking to your zone (Y)");
	}
	int steps = in->pressed[PLAT_ACT_VOLUME_UP] - in->pressed[PLAT_ACT_VOLUME_DOWN];
	if (steps && a->selected_id && a->selected_id != a->conn.welcome.client_id) {
		float *v = &a->volume[a->selected_id];
		float now = *v > 0 ? *v : 1.0f;
		now = CORE_CLAMP(now * powf(APP_VOLUME_STEP, (float)steps), 0.05f, APP_VOLUME_MAX);
		*v = now;
		const struct cl_roster_entry *e = cl_conn_roster_find(&a->conn, a->selected_id);
		app_notice(a, 0xffd8e2ee, "%.31s at %.0f%% for you", e ? e->name : "?", now * 100);
	}
}

/* Where the listener stands and faces, and every speaker: those in view
 * where they are, the others (a broadcast from another zone) centred. */
static void place(struct app *a)
{
	struct cl_conn *c = &a->conn;
	snd_engine_set_listener(a->voice, c->predicted.pos_x_mm, c->predicted.pos_y_mm,
				c->predicted.yaw);
	for (int r = 0; r < c->roster_count; r++) {
		const struct cl_roster_entry *e = &c->roster[r];
		if (!e->speaking || e->id == c->welcome.client_id)
			continue;
		const struct app_avatar *seen = NULL;
		for (int i = 0; i < a->avatar_count && !seen; i++)
			if (a->avatars[i].id == e->id)
				seen = &a->avatars[i];
		float volume = a->volume[e->id] > 0 ? a->volume[e->id] : 1.0f;
		snd_engine_set_speaker(a->voice, e->id, seen != NULL,
				       seen ? (int32_t)lrintf(seen->x_m * 1000.0f) : 0,
				       seen ? (int32_t)lrintf(seen->y_m * 1000.0f) : 0, volume,
				       cl_conn_member_priority(e));
	}
}

void app_voice_update(struct app *a)
{
	if (!a->voice)
		return;
	const bool joined = a->link == APP_LINK_JOINED;
	/* Muted by us, or held back by the server: the microphone goes quiet. */
	snd_engine_set_mute(a->voice, a->muted || (joined && cl_conn_self_muted(&a->conn)));
	snd_engine_set_ptt(a->voice, a->input.held[PLAT_KEY_TALK]);
	/* The playout log is for measuring (the bots'): nobody reads it here. */
	struct snd_played played;
	while (snd_engine_pop_played(a->voice, &played)) {
	}
	struct snd_packet p;
	if (!joined) {
		while (snd_engine_pop_packet(a->voice, &p)) {
		}
		return;
	}
	if (a->conn.voice_fn != on_frame)
		cl_conn_set_voice_sink(&a->conn, on_frame, a);
	snd_engine_set_expected_loss(a->voice, (uint32_t)cl_conn_loss_pct(&a->conn));
	place(a);
	while (snd_engine_pop_packet(a->voice, &p)) {
		struct proto_voice_up up = {.seq = p.seq, .last = p.last, .broadcast = a->broadcast,
					    .loudness = p.loudness, .len = p.len, .opus = p.data};
		if (cl_conn_send_voice(&a->conn, &up) != CORE_OK)
			continue; /* lost, as on the wire: the next frame goes */
	}
}
