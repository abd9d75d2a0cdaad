/**
 * @file snd_testkit.h
 * @brief Measuring voice: a simulated A->B link between two engines in one
 * thread, and signal metrics (envelope correlation, delay, tone power).
 *
 * For tests and bots; never used by the audio path. The link is
 * deterministic for a given seed: loss is Bernoulli per packet, jitter
 * uniform per packet (so packets reorder), time is simulated.
 */
#pragma once

#include "snd.h"

/** For a test's main: a false condition says where, and returns 1. */
#define SND_TK_CHECK(c)                                                                   \
	do {                                                                              \
		if (!(c)) {                                                               \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
			return 1;                                                         \
		}                                                                         \
	} while (0)

struct snd_tk_link_config {
	uint16_t speaker;       /* id of A at B */
	float loss;             /* 0..1 per packet */
	uint32_t delay_ms;      /* fixed network delay */
	uint32_t jitter_ms;     /* extra delay, uniform 0..jitter_ms per packet */
	uint64_t seed;
};

#define SND_TK_QUEUE 512

struct snd_tk_flight {
	uint64_t arrival_us;
	uint16_t seq;
	uint16_t len;
	uint8_t data[SND_MAX_PACKET];
};

struct snd_tk_link {
	struct snd_engine *a, *b;
	struct snd_tk_link_config cfg;
	uint64_t rng;
	uint64_t t_us;                 /* simulated clock */
	uint64_t t0_us;
	uint32_t fs;
	struct snd_tk_flight queue[SND_TK_QUEUE];
	uint32_t queued;
	uint32_t sent, dropped_by_link, last_flags;
	int64_t drop_seq;              /* >= 0: drop exactly this seq */
	uint64_t capture_us[SND_SEQ_MOD]; /* A's capture time by seq */
	int16_t a_out[SND_MAX_FRAME * 2];
};

/** An engine with default settings that hears itself as speaker 7 (echo
 * cancelling off: it would cancel the loopback), for device tests. */
enum core_result snd_tk_loopback_engine(struct snd_engine **out_engine);

void snd_tk_link_init(struct snd_tk_link *l, struct snd_engine *a, struct snd_engine *b,
		      const struct snd_tk_link_config *cfg);
/**
 * One frame period: packets due arrive at B, B renders into b_out (stereo,
 * may be NULL), A captures a_in (mono, may be NULL), A's packets leave.
 */
void snd_tk_link_step(struct snd_tk_link *l, const int16_t *a_in, int16_t *b_out);
/** Output sample index (since the link's start) of a time. */
int64_t snd_tk_sample_at(const struct snd_tk_link *l, uint64_t t_us);

/** Deterministic uniform in [0, 1). */
double snd_tk_rand(uint64_t *state);

/** Left channel of interleaved stereo into mono. */
void snd_tk_left(const int16_t *stereo, int16_t *out_mono, uint32_t frames);

/**
 * Correlation of win-sample log-energy envelopes (dB, floored at -60 dBFS)
 * of x and y (y shifted back by lag samples), over n samples of x.
 */
double snd_tk_envelope_corr(const int16_t *x, const int16_t *y, uint32_t n, int32_t lag,
			    uint32_t win);
/** The lag (0..max_lag samples) at which y best matches x: envelope, then samples. */
int32_t snd_tk_best_lag(const int16_t *x, const int16_t *y, uint32_t n, uint32_t max_lag);
/** Power of one frequency (Goertzel), dBFS, over n samples. */
double snd_tk_tone_db(const int16_t *x, uint32_t n, double hz);
/** RMS dBFS over n samples, stride 1 or 2. */
double snd_tk_rms_db(const int16_t *x, uint32_t n, uint32_t stride);
/** A sine (with optional on/off bursts, period_ms 0: continuous) into out. */
void snd_tk_tone(int16_t *out, uint32_t n, double hz, double amp, uint32_t on_ms,
		 uint32_t period_ms);
/**
 * Speech against what a listener heard of it (snd_testkit_speech.c): the
 * share of the speech's 10 ms windows (above -35 dBFS) that the recording
 * (channels interleaved) reproduces within 12 dB. Each second of the
 * recording's sound is matched to the speech on its own (read circularly:
 * a speaker may loop it from any offset; the jitter buffer moves playout by
 * frames; gain control moves the level). -1 when the recording holds too
 * little sound to judge.
 */
double snd_tk_speech_presence(const int16_t *src, uint32_t src_frames, const int16_t *rec,
			      uint32_t rec_frames, int channels);
/** 16-bit PCM from a WAV file (any channel count), or raw S16LE with
 * raw_channels for a path ending in .raw. malloc'd; NULL (said why). */
int16_t *snd_tk_read_pcm(const char *path, int raw_channels, uint32_t *out_frames,
			 int *out_channels);
/** Speech (@p text, no single quotes) from espeak-ng, by sox at 48 kHz mono
 * 16-bit and 3 dB below full scale, left in DIR/speech.raw and returned
 * (malloc'd); NULL when espeak-ng or sox fail (said why). */
int16_t *snd_tk_make_speech(const char *dir, const char *text, uint32_t *out_frames);
/** Synthetic voiced speech (pulse train, two formants, 4 Hz syllables), peak ~amp. */
void snd_tk_voice(int16_t *out, uint32_t n, double f0_hz, double amp);
