/**
 * @file snd_capture.c
 * @brief Microphone side: echo cancel, preprocess, meter, VAD/PTT, Opus encode.
 */
#include "snd_internal.h"

#include <opus/opus.h>
#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>
#include <string.h>

enum core_result snd_capture_init(struct snd_engine *e)
{
	const struct snd_config *c = &e->cfg;
	int err = 0;
	e->enc = opus_encoder_create(SND_RATE_HZ, 1, OPUS_APPLICATION_VOIP, &err);
	if (err != OPUS_OK || !e->enc) {
		CORE_ERROR("snd: opus_encoder_create: %s", opus_strerror(err));
		return CORE_ERR_NOMEM;
	}
	opus_encoder_ctl(e->enc, OPUS_SET_BITRATE((opus_int32)c->bitrate_bps));
	opus_encoder_ctl(e->enc, OPUS_SET_COMPLEXITY((opus_int32)CORE_MIN(c->complexity, 10u)));
	opus_encoder_ctl(e->enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
	opus_encoder_ctl(e->enc, OPUS_SET_INBAND_FEC(1));
	opus_encoder_ctl(e->enc, OPUS_SET_DTX(1));
	opus_encoder_ctl(e->enc, OPUS_SET_PACKET_LOSS_PERC(0));
	opus_int32 lookahead = 0;
	opus_encoder_ctl(e->enc, OPUS_GET_LOOKAHEAD(&lookahead));
	e->lookahead_ms = (float)lookahead * 1000.0f / SND_RATE_HZ;

	/* speexdsp delays by its frame (overlap-add): run it on 10 ms pieces */
	int fs = (int)SND_DSP_FRAME;
	if (c->aec) {
		int tail = (int)(SND_RATE_HZ / 1000u * CORE_MAX(c->aec_tail_ms, c->frame_ms));
		e->echo = speex_echo_state_init(fs, tail);
		if (!e->echo) {
			CORE_ERROR("snd: speex_echo_state_init failed");
			return CORE_ERR_NOMEM;
		}
		int rate = SND_RATE_HZ;
		speex_echo_ctl(e->echo, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
	}
	if (c->aec || c->denoise || c->agc || c->vad) {
		e->dsp_delay_ms = (float)SND_DSP_FRAME * 1000.0f / SND_RATE_HZ;
		e->pre = speex_preprocess_state_init(fs, SND_RATE_HZ);
		if (!e->pre) {
			CORE_ERROR("snd: speex_preprocess_state_init failed");
			return CORE_ERR_NOMEM;
		}
		int on = c->denoise ? 1 : 0;
		speex_preprocess_ctl(e->pre, SPEEX_PREPROCESS_SET_DENOISE, &on);
		on = c->agc ? 1 : 0;
		speex_preprocess_ctl(e->pre, SPEEX_PREPROCESS_SET_AGC, &on);
		if (c->agc) {
			int max_gain_db = 20;
			speex_preprocess_ctl(e->pre, SPEEX_PREPROCESS_SET_AGC_MAX_GAIN, &max_gain_db);
		}
		if (c->vad) { /* speexdsp warns on every SET_VAD */
			on = 1;
			speex_preprocess_ctl(e->pre, SPEEX_PREPROCESS_SET_VAD, &on);
		}
		if (e->echo)
			speex_preprocess_ctl(e->pre, SPEEX_PREPROCESS_SET_ECHO_STATE, e->echo);
	}
	e->hang_frames = (c->hangover_ms + c->frame_ms - 1) / c->frame_ms;
	return CORE_OK;
}

void snd_capture_fini(struct snd_engine *e)
{
	if (e->pre)
		speex_preprocess_state_destroy(e->pre);
	if (e->echo)
		speex_echo_state_destroy(e->echo);
	if (e->enc)
		opus_encoder_destroy(e->enc);
	e->pre = NULL;
	e->echo = NULL;
	e->enc = NULL;
}

static float rms_db(const int16_t *s, uint32_t n, float *out_peak_db)
{
	double sum = 0.0;
	int peak = 0;
	for (uint32_t i = 0; i < n; i++) {
		int v = s[i];
		sum += (double)v * v;
		int a = v < 0 ? -v : v;
		if (a > peak)
			peak = a;
	}
	*out_peak_db = snd_db((float)peak / 32768.0f);
	return snd_db((float)(sqrt(sum / n) / 32768.0));
}

static void meter(struct snd_engine *e, const int16_t *mic)
{
	float peak_db;
	float db = rms_db(mic, e->fs, &peak_db);
	float k = (float)e->cfg.frame_ms / 20.0f;
	/* fast attack, about 300 ms release */
	float coef = db > e->level_db ? 0.6f : 0.07f * k;
	e->level_db += (db - e->level_db) * CORE_MIN(coef, 1.0f);
	if (e->level_db < -120.0f)
		e->level_db = -120.0f;
	/* peak hold falling 20 dB/s */
	e->peak_db = CORE_MAX(peak_db, e->peak_db - 20.0f * (float)e->cfg.frame_ms / 1000.0f);
	atomic_store_explicit(&e->mic_level_db, e->level_db, memory_order_relaxed);
	atomic_store_explicit(&e->mic_peak_db, e->peak_db, memory_order_relaxed);
}

static void send_packet(struct snd_engine *e, const int16_t *pcm, uint8_t loudness, bool last,
			uint64_t capture_us)
{
	uint32_t loss = atomic_load_explicit(&e->expected_loss, memory_order_relaxed);
	if (loss != e->loss_applied) {
		opus_encoder_ctl(e->enc, OPUS_SET_PACKET_LOSS_PERC((opus_int32)loss));
		e->loss_applied = loss;
	}
	struct snd_packet p = {.loudness = loudness, .last = last, .capture_us = capture_us};
	opus_int32 n = opus_encode(e->enc, pcm, (int)e->fs, p.data, SND_MAX_PACKET);
	if (n < 0) {
		CORE_WARN("snd: opus_encode: %s", opus_strerror(n));
		return;
	}
	/* seq counts frames, sent or not: a frame DTX leaves out is a gap the
	 * receiver fills as Opus expects (its decoder's concealment makes the
	 * comfort noise), not jitter to buffer against. */
	p.seq = e->seq;
	e->seq = (uint16_t)((e->seq + 1u) & (SND_SEQ_MOD - 1u));
	if (n <= 2 && !last) {
		snd_count(&e->dtx_skipped);
		return;
	}
	p.len = (uint16_t)n;
	uint16_t loop = (uint16_t)atomic_load_explicit(&e->loopback_id, memory_order_relaxed);
	if (loop) {
		struct snd_incoming in = {
			.speaker = loop,
			.seq = p.seq,
			.len = p.len,
			.arrival_us = capture_us + e->frame_us,
		};
		memcpy(in.data, p.data, p.len);
		snd_jitter_insert(e, &in);
	}
	if (!snd_ring_push(&e->out_ring, &p)) {
		snd_count(&e->dropped_out_ring);
		return;
	}
	snd_count(&e->packets_sent);
}

void snd_capture_frame(struct snd_engine *e, const int16_t *mic, uint64_t capture_us)
{
	const struct snd_config *c = &e->cfg;
	snd_count(&e->frames_captured);
	meter(e, mic);

	bool speech = !c->vad;
	for (uint32_t off = 0; off < e->fs; off += SND_DSP_FRAME) {
		if (e->echo)
			speex_echo_cancellation(e->echo, mic + off, e->ref + off, e->work + off);
		else
			memcpy(e->work + off, mic + off, SND_DSP_FRAME * sizeof(int16_t));
		if (e->pre && speex_preprocess_run(e->pre, e->work + off) && c->vad)
			speech = true;
	}
	float peak_db;
	float db = rms_db(e->work, e->fs, &peak_db);
	float loud = 255.0f + 3.0f * db;
	uint8_t loudness = (uint8_t)CORE_CLAMP(loud, 0.0f, 255.0f);

	bool want;
	if (atomic_load_explicit(&e->mute, memory_order_relaxed)) {
		want = false;
		e->hang_left = 0;
	} else if (atomic_load_explicit(&e->mode, memory_order_relaxed) == SND_MODE_PTT) {
		want = atomic_load_explicit(&e->ptt, memory_order_relaxed);
		e->hang_left = 0;
	} else {
		bool voiced = speech && db > c->vad_threshold_dbfs;
		if (voiced)
			e->hang_left = e->hang_frames + 1;
		else if (e->hang_left > 0)
			e->hang_left--;
		want = e->hang_left > 0;
	}

	if (want) {
		/* the hang-over's final frame closes the spurt */
		bool last = e->hang_left == 1;
		e->transmitting = !last;
		if (last)
			e->hang_left = 0;
		send_packet(e, e->work, loudness, last, capture_us);
	} else if (e->transmitting) {
		/* released or muted: close the spurt; a muted frame carries silence */
		e->transmitting = false;
		if (atomic_load_explicit(&e->mute, memory_order_relaxed))
			memset(e->work, 0, e->fs * sizeof(int16_t));
		send_packet(e, e->work, loudness, true, capture_us);
	}
	atomic_store_explicit(&e->tx_flag, e->transmitting, memory_order_relaxed);
}
