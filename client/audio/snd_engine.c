/**
 * @file snd_engine.c
 * @brief Engine lifetime, framing of snd_engine_process(), the network-side API.
 */
#include "snd_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t snd_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void snd_config_defaults(struct snd_config *out_cfg)
{
	*out_cfg = (struct snd_config){
		.frame_ms = 20,
		.bitrate_bps = 24000,
		.complexity = 5,
		.aec = true,
		.aec_tail_ms = 100,
		.denoise = true,
		.agc = true,
		.vad = false,
		.vad_threshold_dbfs = -50.0f,
		.hangover_ms = 300,
		.mode = SND_MODE_VAD,
		.fec = true,
		.plc = true,
		.max_plc_frames = 5,
		.max_delay_ms = 400,
		.out_ring = 64,
		.in_ring = 256,
		.played_ring = 1024,
	};
}

static bool pow2(uint32_t v)
{
	return v >= 2 && (v & (v - 1)) == 0;
}

enum core_result snd_engine_create(const struct snd_config *cfg, struct snd_engine **out_engine)
{
	*out_engine = NULL;
	if (cfg->frame_ms != 10 && cfg->frame_ms != 20) {
		CORE_ERROR("snd: frame_ms %u: use 10 or 20", cfg->frame_ms);
		return CORE_ERR_INVALID;
	}
	if (!pow2(cfg->out_ring) || !pow2(cfg->in_ring) || !pow2(cfg->played_ring)) {
		CORE_ERROR("snd: ring capacities %u/%u/%u must be powers of two", cfg->out_ring,
			   cfg->in_ring, cfg->played_ring);
		return CORE_ERR_INVALID;
	}
	if (cfg->bitrate_bps < 6000 || cfg->bitrate_bps > 128000) {
		CORE_ERROR("snd: bitrate %u bps: use 6000..128000", cfg->bitrate_bps);
		return CORE_ERR_INVALID;
	}
	/* Without hang-over every voiced frame would end a talk spurt. */
	if (cfg->hangover_ms < cfg->frame_ms || cfg->hangover_ms > 2000) {
		CORE_ERROR("snd: hangover %u ms: use %u..2000", cfg->hangover_ms, cfg->frame_ms);
		return CORE_ERR_INVALID;
	}
	if (cfg->max_plc_frames < 1 || cfg->max_plc_frames > 50 || cfg->max_delay_ms < 40 ||
	    cfg->max_delay_ms > 2000) {
		CORE_ERROR("snd: max_plc_frames %u (1..50) or max_delay_ms %u (40..2000) out of range",
			   cfg->max_plc_frames, cfg->max_delay_ms);
		return CORE_ERR_INVALID;
	}
	struct snd_engine *e = calloc(1, sizeof(*e));
	if (!e) {
		CORE_ERROR("snd: out of memory for the engine");
		return CORE_ERR_NOMEM;
	}
	e->cfg = *cfg;
	e->fs = SND_RATE_HZ / 1000u * cfg->frame_ms;
	e->frame_us = (uint64_t)cfg->frame_ms * 1000u;
	atomic_init(&e->master, 1.0f);
	atomic_init(&e->mode, (int)cfg->mode);
	atomic_init(&e->mic_level_db, -180.0f);
	atomic_init(&e->mic_peak_db, -180.0f);
	e->master_applied = 1.0f;
	e->params = calloc(SND_SPEAKER_IDS, sizeof(*e->params));
	enum core_result r = e->params ? CORE_OK : CORE_ERR_NOMEM;
	if (r != CORE_OK)
		CORE_ERROR("snd: out of memory for speaker parameters");
	for (uint32_t i = 0; r == CORE_OK && i < SND_SPEAKER_IDS; i++)
		atomic_init(&e->params[i].volume, 1.0f);
	if (r == CORE_OK)
		r = snd_ring_init(&e->out_ring, sizeof(struct snd_packet), cfg->out_ring);
	if (r == CORE_OK)
		r = snd_ring_init(&e->in_ring, sizeof(struct snd_incoming), cfg->in_ring);
	if (r == CORE_OK)
		r = snd_ring_init(&e->played_ring, sizeof(struct snd_played), cfg->played_ring);
	if (r == CORE_OK)
		r = snd_capture_init(e);
	if (r == CORE_OK)
		r = snd_jitter_init(e);
	if (r != CORE_OK) {
		snd_engine_destroy(&e);
		return r;
	}
	*out_engine = e;
	return CORE_OK;
}

void snd_engine_destroy(struct snd_engine **engine)
{
	struct snd_engine *e = *engine;
	if (!e)
		return;
	snd_jitter_fini(e);
	snd_capture_fini(e);
	snd_ring_fini(&e->played_ring);
	snd_ring_fini(&e->in_ring);
	snd_ring_fini(&e->out_ring);
	free(e->params);
	free(e);
	*engine = NULL;
}

uint32_t snd_engine_frame_samples(const struct snd_engine *e)
{
	return e->fs;
}

static void render_frame(struct snd_engine *e, uint64_t play_us)
{
	struct snd_incoming in;
	while (snd_ring_pop(&e->in_ring, &in))
		snd_jitter_insert(e, &in);
	snd_jitter_frame(e, play_us);
	snd_mix_frame(e);
}

void snd_engine_process(struct snd_engine *e, const int16_t *in_mono, int16_t *out_stereo,
			uint32_t frames, uint64_t now_us)
{
	uint32_t done = 0;
	while (done < frames) {
		if (e->pos == 0) {
			e->frame_start_us = now_us + (uint64_t)done * 1000000u / SND_RATE_HZ;
			render_frame(e, e->frame_start_us);
		}
		uint32_t n = CORE_MIN(frames - done, e->fs - e->pos);
		if (in_mono)
			memcpy(e->cap + e->pos, in_mono + done, n * sizeof(int16_t));
		else
			memset(e->cap + e->pos, 0, n * sizeof(int16_t));
		memcpy(out_stereo + 2u * done, e->play + 2u * e->pos, 2u * n * sizeof(int16_t));
		e->pos += n;
		done += n;
		if (e->pos == e->fs) {
			snd_capture_frame(e, e->cap, e->frame_start_us);
			e->pos = 0;
		}
	}
}

bool snd_engine_pop_packet(struct snd_engine *e, struct snd_packet *out_packet)
{
	return snd_ring_pop(&e->out_ring, out_packet);
}

bool snd_engine_push_packet(struct snd_engine *e, uint16_t speaker, uint16_t seq,
			    const uint8_t *data, uint32_t len, uint64_t arrival_us)
{
	if (speaker == 0 || speaker >= SND_SPEAKER_IDS || len == 0 || len > SND_MAX_PACKET)
		return false;
	/* Onto the clock the audio side runs on (a device's, maybe). */
	int64_t offset = atomic_load_explicit(&e->clock_offset_us, memory_order_relaxed);
	struct snd_incoming in = {
		.speaker = speaker,
		.seq = seq & (SND_SEQ_MOD - 1),
		.len = (uint16_t)len,
		.arrival_us = (uint64_t)((int64_t)arrival_us + offset),
	};
	memcpy(in.data, data, len);
	if (!snd_ring_push(&e->in_ring, &in)) {
		atomic_fetch_add_explicit(&e->dropped_in_ring, 1, memory_order_relaxed);
		return false;
	}
	return true;
}

bool snd_engine_pop_played(struct snd_engine *e, struct snd_played *out_played)
{
	return snd_ring_pop(&e->played_ring, out_played);
}

void snd_engine_set_ptt(struct snd_engine *e, bool down)
{
	atomic_store(&e->ptt, down);
}

void snd_engine_set_mute(struct snd_engine *e, bool mute)
{
	atomic_store(&e->mute, mute);
}

void snd_engine_set_mode(struct snd_engine *e, enum snd_mode mode)
{
	atomic_store(&e->mode, (int)mode);
}

void snd_engine_set_expected_loss(struct snd_engine *e, uint32_t pct)
{
	atomic_store(&e->expected_loss, CORE_MIN(pct, 100u));
}

void snd_engine_set_loopback(struct snd_engine *e, uint16_t speaker)
{
	atomic_store(&e->loopback_id, speaker < SND_SPEAKER_IDS ? speaker : 0u);
}

float snd_engine_mic_level_db(const struct snd_engine *e)
{
	return atomic_load_explicit(&e->mic_level_db, memory_order_relaxed);
}

float snd_engine_mic_peak_db(const struct snd_engine *e)
{
	return atomic_load_explicit(&e->mic_peak_db, memory_order_relaxed);
}

bool snd_engine_transmitting(const struct snd_engine *e)
{
	return atomic_load_explicit(&e->tx_flag, memory_order_relaxed);
}

void snd_engine_set_listener(struct snd_engine *e, int32_t x_mm, int32_t y_mm, uint16_t yaw)
{
	atomic_store_explicit(&e->listener_x_mm, x_mm, memory_order_relaxed);
	atomic_store_explicit(&e->listener_y_mm, y_mm, memory_order_relaxed);
	atomic_store_explicit(&e->listener_yaw, yaw, memory_order_relaxed);
}

void snd_engine_set_speaker(struct snd_engine *e, uint16_t id, bool has_pos, int32_t x_mm,
			    int32_t y_mm, float volume, bool priority)
{
	if (id == 0 || id >= SND_SPEAKER_IDS)
		return;
	struct snd_speaker_param *p = &e->params[id];
	atomic_store_explicit(&p->x_mm, x_mm, memory_order_relaxed);
	atomic_store_explicit(&p->y_mm, y_mm, memory_order_relaxed);
	atomic_store_explicit(&p->volume, CORE_CLAMP(volume, 0.0f, 4.0f), memory_order_relaxed);
	uint32_t flags = (has_pos ? SND_PARAM_HAS_POS : 0u) | (priority ? SND_PARAM_PRIORITY : 0u);
	atomic_store_explicit(&p->flags, flags, memory_order_relaxed);
}

void snd_engine_set_clock_offset(struct snd_engine *e, int64_t device_minus_monotonic_us)
{
	atomic_store_explicit(&e->clock_offset_us, device_minus_monotonic_us, memory_order_relaxed);
}

void snd_engine_set_master_volume(struct snd_engine *e, float volume)
{
	atomic_store_explicit(&e->master, CORE_CLAMP(volume, 0.0f, 4.0f), memory_order_relaxed);
}

static uint32_t ld(const _Atomic uint32_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static void copy_counters(const struct snd_counters *c, struct snd_speaker_stats *out)
{
	*out = (struct snd_speaker_stats){
		.speaker = (uint16_t)ld(&c->speaker),
		.received = ld(&c->received),
		.lost = ld(&c->lost),
		.concealed = ld(&c->concealed),
		.fec_recovered = ld(&c->fec_recovered),
		.late = ld(&c->late),
		.duplicates = ld(&c->duplicates),
		.trimmed = ld(&c->trimmed),
		.target_delay_ms = (float)ld(&c->target_delay_us) / 1000.0f,
	};
	uint32_t n = ld(&c->delay_count);
	uint64_t sum = atomic_load_explicit(&c->delay_sum_us, memory_order_relaxed);
	out->mean_delay_ms = n ? (float)((double)sum / n / 1000.0) : 0.0f;
}

void snd_engine_stats(const struct snd_engine *e, struct snd_stats *out_stats)
{
	memset(out_stats, 0, sizeof(*out_stats));
	out_stats->frames_captured = ld(&e->frames_captured);
	out_stats->packets_sent = ld(&e->packets_sent);
	out_stats->dtx_skipped = ld(&e->dtx_skipped);
	out_stats->dropped_out_ring = ld(&e->dropped_out_ring);
	out_stats->dropped_in_ring = ld(&e->dropped_in_ring);
	out_stats->dropped_speakers = ld(&e->dropped_speakers);
	out_stats->dropped_played_log = ld(&e->dropped_played_log);
	out_stats->lookahead_ms = e->lookahead_ms;
	out_stats->dsp_delay_ms = e->dsp_delay_ms;
	for (uint32_t i = 0; i < SND_MAX_SPEAKERS; i++)
		copy_counters(&e->slot_stats[i], &out_stats->speakers[i]);
	copy_counters(&e->total, &out_stats->total);
}
