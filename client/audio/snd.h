/**
 * @file snd.h
 * @brief Voice: capture, Opus, per-speaker jitter buffers, spatial mix; backends.
 *
 * Design note
 * ===========
 *
 * Threading. A struct snd_engine has two sides, each used by exactly one
 * thread:
 *  - the audio side, snd_engine_process(), called from the device callback
 *    (PortAudio) or from snd_backend_wav_pump(). It never allocates, blocks or
 *    takes a lock: every Opus coder, speexdsp state and buffer is allocated by
 *    snd_engine_create(). The per-speaker jitter buffers (SND_MAX_SPEAKERS
 *    slots) belong to it alone.
 *  - the network/UI side: everything else. It talks to the audio side through
 *    three lock-free single-producer single-consumer rings (outgoing packets,
 *    incoming packets, the playout log) and through atomics (push-to-talk,
 *    mute, mode, expected loss, listener and speaker positions, volumes, the
 *    microphone meter and the statistics).
 *
 * Time. now_us is CLOCK_MONOTONIC microseconds (or the device's sample clock
 * in the same unit) at the first sample of the buffer handed to
 * snd_engine_process(). Arrival times given to snd_engine_push_packet() must
 * use the same clock.
 *
 * Packet header fields (struct snd_packet; the network layer puts them on the
 * wire, this module does no networking):
 *  - seq: 11 bits, +1 per frame (sent, or left out by DTX), wraps at 2048,
 *    continues across talk spurts. The receiver widens it around the last
 *    seq seen.
 *  - loudness: 0..255 = 255 - 3 * (-dBFS of the processed frame), so the
 *    server can forward only the loudest speakers.
 *  - last: the final packet of a talk spurt (VAD hang-over over, push-to-talk
 *    released, muted).
 *  - capture_us: when the frame's first sample was captured (sender's clock),
 *    for latency measurements.
 *
 * Where mouth-to-ear latency comes from, in order:
 *  1. the capture frame: a frame is encoded once its last sample is in (one
 *     frame, 20 ms by default, 10 ms selectable), plus the device's input
 *     buffer (snd_device_latency());
 *  2. the Opus encoder lookahead, 6.5 ms at 48 kHz (snd_stats.lookahead_ms);
 *  3. the network (not here);
 *  4. the jitter buffer: a talk spurt starts playing target_delay after its
 *     first packet arrived; the target starts at one frame and follows the
 *     measured inter-arrival jitter (RFC 3550); underruns stretch (the
 *     buffer grows by a concealed frame), depth above target + 2 frames is
 *     trimmed by dropping a frame, quiet ones first;
 *  5. output framing: a frame is rendered at a frame boundary, so a packet
 *     waits up to one frame for the next boundary;
 *  6. the device's output buffer (snd_device_latency()).
 * tests/unit/test_snd_engine.c measures 1-5 with a zero-delay network.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/core.h"

#define SND_RATE_HZ 48000
#define SND_MAX_FRAME 960         /* samples per channel in a 20 ms frame */
#define SND_MAX_SPEAKERS 16       /* concurrent remote speakers mixed */
#define SND_MAX_PACKET 320        /* bytes of Opus per packet: the wire's PROTO_VOICE_OPUS_MAX */
#define SND_SEQ_MOD 2048          /* seq is 11 bits (msg.h, VOICE) */
#define SND_SPEAKER_IDS 4096      /* speaker ids are 1..4095 */
#define SND_JB_SLOTS 64           /* jitter buffer slots per speaker (seq & 63) */

enum snd_mode {
	SND_MODE_VAD, /* transmit on voice activity (with hang-over) */
	SND_MODE_PTT, /* transmit while push-to-talk is held */
};

/** How a frame of a remote speaker was produced. */
enum snd_play_how {
	SND_PLAY_DECODED, /* its own packet */
	SND_PLAY_FEC,     /* recovered from the next packet's in-band FEC */
	SND_PLAY_PLC,     /* Opus packet loss concealment */
	SND_PLAY_SILENCE, /* missing and plc=false */
};

struct snd_config {
	uint32_t frame_ms;          /* 20 (default) or 10 */
	uint32_t bitrate_bps;       /* Opus bitrate, default 24000 */
	uint32_t complexity;        /* Opus complexity 0..10, default 5 */
	bool aec;                   /* speexdsp echo canceller on playback (true) */
	uint32_t aec_tail_ms;       /* echo tail, default 100 */
	bool denoise;               /* speexdsp noise suppression (true) */
	bool agc;                   /* speexdsp automatic gain control (true) */
	bool vad;                   /* also require speexdsp VAD (a heuristic; false) */
	float vad_threshold_dbfs;   /* level gate on the processed frame, default -50 */
	uint32_t hangover_ms;       /* keep sending after voice stops, default 300 */
	enum snd_mode mode;         /* default SND_MODE_VAD */
	bool fec;                   /* use in-band FEC when a packet is missing (true) */
	bool plc;                   /* conceal a missing frame; false: silence (true) */
	uint32_t max_plc_frames;    /* consecutive concealed frames before a spurt ends (5) */
	uint32_t max_delay_ms;      /* jitter buffer target ceiling, default 400 */
	uint32_t out_ring;          /* capacities, powers of two: outgoing packets (64) */
	uint32_t in_ring;           /* incoming packets (256) */
	uint32_t played_ring;       /* playout log (1024) */
};

/** An encoded frame, from the audio side to the network side. */
struct snd_packet {
	uint16_t seq;        /* 11 bits */
	uint8_t loudness;    /* 255 - 3 * (-dBFS), clamped */
	bool last;           /* last frame of a talk spurt */
	uint64_t capture_us; /* first sample's capture time */
	uint16_t len;
	uint8_t data[SND_MAX_PACKET];
};

/** One frame of one remote speaker as it was played. */
struct snd_played {
	uint16_t speaker;
	uint16_t seq;          /* 11 bits: the frame this output stands for */
	enum snd_play_how how;
	uint64_t arrival_us;   /* arrival of the packet used (0 for PLC/silence) */
	uint64_t play_us;      /* time of the output sample where the frame starts */
};

struct snd_speaker_stats {
	uint16_t speaker;         /* 0: slot free (totals: 0) */
	uint32_t received;
	uint32_t lost;            /* frames whose packet never arrived in time */
	uint32_t concealed;       /* frames made by PLC (or silence with plc=false) */
	uint32_t fec_recovered;
	uint32_t late;            /* arrived after its frame was played */
	uint32_t duplicates;
	uint32_t trimmed;         /* frames dropped to shrink the buffer */
	float target_delay_ms;
	float mean_delay_ms;      /* arrival to play, decoded frames */
};

struct snd_stats {
	uint32_t frames_captured;
	uint32_t packets_sent;
	uint32_t dtx_skipped;         /* encoded frames of <= 2 bytes not sent */
	uint32_t dropped_out_ring;    /* outgoing ring full */
	uint32_t dropped_in_ring;     /* incoming ring full (push_packet false) */
	uint32_t dropped_speakers;    /* packets of a 17th concurrent speaker */
	uint32_t dropped_played_log;  /* playout log full */
	float lookahead_ms;           /* Opus encoder lookahead */
	float dsp_delay_ms;           /* speexdsp's preprocessor (one 10 ms piece), when it runs */
	struct snd_speaker_stats speakers[SND_MAX_SPEAKERS];
	struct snd_speaker_stats total; /* since create, all speakers */
};

struct snd_engine;

/** Defaults as documented on struct snd_config. */
void snd_config_defaults(struct snd_config *out_cfg);

enum core_result snd_engine_create(const struct snd_config *cfg,
				   struct snd_engine **out_engine) CORE_MUST_CHECK;
void snd_engine_destroy(struct snd_engine **engine);

/** Samples per channel in one engine frame (960 or 480). */
uint32_t snd_engine_frame_samples(const struct snd_engine *e);

/* ---- audio side ---------------------------------------------------------- */

/**
 * Processes @p frames samples: microphone in (mono, NULL: silence), output
 * out (stereo interleaved). Any count; frames are buffered internally.
 */
void snd_engine_process(struct snd_engine *e, const int16_t *in_mono, int16_t *out_stereo,
			uint32_t frames, uint64_t now_us);

/* ---- network / UI side --------------------------------------------------- */

bool snd_engine_pop_packet(struct snd_engine *e, struct snd_packet *out_packet);
/** Queues a received packet of @p speaker (1..4095). False (and counted) when full. */
bool snd_engine_push_packet(struct snd_engine *e, uint16_t speaker, uint16_t seq,
			    const uint8_t *data, uint32_t len, uint64_t arrival_us);
bool snd_engine_pop_played(struct snd_engine *e, struct snd_played *out_played);

void snd_engine_set_ptt(struct snd_engine *e, bool down);
void snd_engine_set_mute(struct snd_engine *e, bool mute);
void snd_engine_set_mode(struct snd_engine *e, enum snd_mode mode);
/** Expected packet loss, percent, for the encoder's FEC; applied next frame. */
void snd_engine_set_expected_loss(struct snd_engine *e, uint32_t pct);
/**
 * Hear yourself: the engine also feeds its own packets, as @p speaker, into
 * its jitter buffers (a microphone test; 0 turns it off). Packets are still
 * queued for the network side.
 */
void snd_engine_set_loopback(struct snd_engine *e, uint16_t speaker);
float snd_engine_mic_level_db(const struct snd_engine *e);
float snd_engine_mic_peak_db(const struct snd_engine *e);
bool snd_engine_transmitting(const struct snd_engine *e);

/** yaw: 65536 per turn, 0 = +x, counter-clockwise toward +y. */
void snd_engine_set_listener(struct snd_engine *e, int32_t x_mm, int32_t y_mm, uint16_t yaw);
/**
 * has_pos false: centered and unattenuated (a broadcast). volume: the
 * listener's volume for this speaker, 1.0 default. priority: ducks the others.
 */
void snd_engine_set_speaker(struct snd_engine *e, uint16_t id, bool has_pos, int32_t x_mm,
			    int32_t y_mm, float volume, bool priority);
void snd_engine_set_master_volume(struct snd_engine *e, float volume);
/**
 * A backend whose now_us runs on the device's clock (its sample count)
 * says, every buffer, how far that is from CLOCK_MONOTONIC: arrival times
 * given to snd_engine_push_packet() on the monotonic clock are moved onto
 * the device's, so drift and a late start do not grow the jitter buffer.
 */
void snd_engine_set_clock_offset(struct snd_engine *e, int64_t device_minus_monotonic_us);

void snd_engine_stats(const struct snd_engine *e, struct snd_stats *out_stats);

/* ---- backends ------------------------------------------------------------ */

/** A device (or file) driving one engine's snd_engine_process(). */
struct snd_backend {
	void (*destroy)(struct snd_backend *b);
	enum core_result (*start)(struct snd_backend *b);
	void (*stop)(struct snd_backend *b);
};

static inline CORE_MUST_CHECK enum core_result snd_backend_start(struct snd_backend *b)
{
	return b->start(b);
}

static inline void snd_backend_stop(struct snd_backend *b)
{
	b->stop(b);
}

static inline void snd_backend_destroy(struct snd_backend **b)
{
	if (*b) {
		(*b)->destroy(*b);
		*b = NULL;
	}
}

/**
 * File backend: microphone from @p in_wav (16-bit mono 48 kHz PCM; NULL:
 * silence), looped or followed by silence; output to @p out_wav (16-bit
 * stereo 48 kHz; NULL: discarded). Driven by snd_backend_wav_pump().
 */
enum core_result snd_backend_wav_create(struct snd_engine *e, const char *in_wav, bool loop,
					const char *out_wav,
					struct snd_backend **out_backend) CORE_MUST_CHECK;
/** Starts reading the input at this sample (bots speaking one file). */
void snd_backend_wav_set_offset(struct snd_backend *b, uint32_t offset_samples);
/**
 * Processes every frame due in real time since start (at most 200 ms per
 * call: a pump that fell further behind skips time, it never bursts).
 */
void snd_backend_wav_pump(struct snd_backend *b, uint64_t now_us);

/* ---- WAV files ----------------------------------------------------------- */

/**
 * Reads a 16-bit mono 48 kHz PCM WAV into a malloc'd buffer (free() it).
 * Anything else fails with a message in @p err naming the file and the fix.
 */
enum core_result snd_wav_read(const char *path, int16_t **out_samples, uint32_t *out_frames,
			      char *err, size_t err_size) CORE_MUST_CHECK;

struct snd_wav_writer;

/** Streams 16-bit PCM to disk; the header's sizes are fixed up on close. */
enum core_result snd_wav_writer_open(const char *path, uint16_t channels, uint32_t rate_hz,
				     struct snd_wav_writer **out_writer) CORE_MUST_CHECK;
enum core_result snd_wav_writer_write(struct snd_wav_writer *w, const int16_t *samples,
				      uint32_t frames) CORE_MUST_CHECK;
enum core_result snd_wav_writer_close(struct snd_wav_writer **w);

/** Monotonic clock, microseconds. */
uint64_t snd_now_us(void);
