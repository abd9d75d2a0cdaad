/**
 * @file snd_internal.h
 * @brief The engine's private layout, shared by its .c files only.
 *
 * Fields are grouped by owner: "audio" fields are touched only by the audio
 * thread (snd_engine_process); "shared" fields are atomics written by one
 * side and read by the other.
 */
#pragma once

#include <math.h>
#include <stdatomic.h>

#include "snd.h"
#include "snd_ring.h"

struct OpusEncoder;
struct OpusDecoder;
struct SpeexEchoState_;
struct SpeexPreprocessState_;

/* speexdsp works on 10 ms: its preprocessor delays by one of its frames.
 * 5 ms would take 5 ms off mouth to ear, but the echo canceller then takes
 * 17 dB off the room's echo instead of 31 (unit.test_snd_echo fails). */
#define SND_DSP_FRAME 480u

/* Incoming packet, network -> audio. */
struct snd_incoming {
	uint16_t speaker;
	uint16_t seq;
	uint16_t len;
	uint64_t arrival_us;
	uint8_t data[SND_MAX_PACKET];
};

/* Counters written by the audio thread, read by anyone (relaxed). */
struct snd_counters {
	_Atomic uint32_t speaker;
	_Atomic uint32_t received, lost, concealed, fec_recovered, late, duplicates, trimmed;
	_Atomic uint32_t target_delay_us;
	_Atomic uint64_t delay_sum_us;
	_Atomic uint32_t delay_count;
};

struct snd_jb_slot {
	bool used;
	int64_t seq;         /* widened */
	uint64_t arrival_us;
	uint16_t len;
	uint8_t data[SND_MAX_PACKET];
};

/* One remote speaker's jitter buffer and decoder (audio thread). */
struct snd_speaker {
	uint16_t id;               /* 0: free */
	struct OpusDecoder *dec;
	struct snd_jb_slot slots[SND_JB_SLOTS];
	bool waiting;              /* talk spurt received, waiting for start_at_us */
	bool playing;              /* in a talk spurt */
	uint64_t start_at_us;
	int64_t next_seq;          /* widened seq of the next frame to play */
	int64_t max_seq;           /* highest widened seq seen */
	bool have_seq;             /* max_seq is valid */
	uint64_t last_arrival_us;
	uint64_t last_play_us;
	bool transit_valid;
	int64_t prev_transit_us;
	float jitter_us;           /* RFC 3550 interarrival jitter */
	float target_us;
	uint32_t excess_run;       /* frames the queue has been target + 2 deep */
	uint32_t plc_run;          /* consecutive frames not decoded from their own packet */
	float gain_l, gain_r;      /* gains applied at the end of the last frame */
	float duck;                /* 1 = not ducked */
	bool audible;              /* produced audio this frame */
	bool priority;             /* this frame's priority flag */
	float pcm[SND_MAX_FRAME];
	struct snd_counters *stats; /* points into the engine's table */
};

/* What the network side says about one speaker id. */
struct snd_speaker_param {
	_Atomic int32_t x_mm, y_mm;
	_Atomic float volume;
	_Atomic uint32_t flags; /* SND_PARAM_* */
};
#define SND_PARAM_HAS_POS 1u
#define SND_PARAM_PRIORITY 2u

struct snd_engine {
	struct snd_config cfg;
	uint32_t fs;            /* samples per frame */
	uint64_t frame_us;

	/* audio: framing */
	uint32_t pos;           /* samples into the current frame */
	uint64_t frame_start_us;
	int16_t cap[SND_MAX_FRAME];
	int16_t work[SND_MAX_FRAME];
	int16_t ref[SND_MAX_FRAME];     /* mono of what was played, for the AEC */
	int16_t play[SND_MAX_FRAME * 2];
	float mix_l[SND_MAX_FRAME], mix_r[SND_MAX_FRAME];
	float scratch[SND_MAX_FRAME];

	/* audio: capture */
	struct OpusEncoder *enc;
	struct SpeexEchoState_ *echo;
	struct SpeexPreprocessState_ *pre;
	bool transmitting;
	uint32_t hang_left;     /* frames of hang-over left */
	uint32_t hang_frames;
	uint16_t seq;
	uint32_t loss_applied;
	float level_db, peak_db;

	/* audio: playback */
	struct snd_speaker speakers[SND_MAX_SPEAKERS];
	float master_applied;

	/* rings */
	struct snd_ring out_ring;    /* struct snd_packet, audio -> network */
	struct snd_ring in_ring;     /* struct snd_incoming, network -> audio */
	struct snd_ring played_ring; /* struct snd_played, audio -> network */

	/* shared: controls (network side writes) */
	_Atomic bool ptt, mute;
	_Atomic int mode;
	_Atomic uint32_t expected_loss;
	_Atomic uint32_t loopback_id;
	_Atomic int32_t listener_x_mm, listener_y_mm;
	_Atomic uint32_t listener_yaw;
	_Atomic float master;
	struct snd_speaker_param *params; /* [SND_SPEAKER_IDS] */

	/* shared: published by the audio thread */
	_Atomic float mic_level_db, mic_peak_db;
	_Atomic bool tx_flag;
	_Atomic uint32_t frames_captured, packets_sent, dtx_skipped, dropped_out_ring,
		dropped_speakers, dropped_played_log;
	_Atomic uint32_t dropped_in_ring; /* network side writes */
	float lookahead_ms;
	float dsp_delay_ms; /* the preprocessor's, when it runs */
	_Atomic int64_t clock_offset_us; /* the audio side's clock less CLOCK_MONOTONIC */
	struct snd_counters slot_stats[SND_MAX_SPEAKERS];
	struct snd_counters total;
};

/* Single-writer counter bump. */
static inline void snd_count(_Atomic uint32_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

static inline float snd_db(float rms)
{
	return rms > 1e-9f ? 20.0f * log10f(rms) : -180.0f;
}

/* snd_capture.c */
enum core_result snd_capture_init(struct snd_engine *e) CORE_MUST_CHECK;
void snd_capture_fini(struct snd_engine *e);
void snd_capture_frame(struct snd_engine *e, const int16_t *mic, uint64_t capture_us);

/* snd_jitter.c */
enum core_result snd_jitter_init(struct snd_engine *e) CORE_MUST_CHECK;
void snd_jitter_fini(struct snd_engine *e);
/* Inserts one packet into its speaker's buffer (audio thread). */
void snd_jitter_insert(struct snd_engine *e, const struct snd_incoming *in);
/* Produces this frame's audio for every speaker into sp->pcm / sp->audible. */
void snd_jitter_frame(struct snd_engine *e, uint64_t play_us);

/* snd_mix.c */
/* Mixes audible speakers into e->play (stereo) and e->ref (mono). */
void snd_mix_frame(struct snd_engine *e);
