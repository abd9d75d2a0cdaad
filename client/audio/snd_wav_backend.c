/**
 * @file snd_wav_backend.c
 * @brief File backend: a WAV (or silence) as microphone, a WAV as speakers.
 *
 * No thread of its own: snd_backend_wav_pump() runs every frame due since
 * start(), so one thread can drive many bots' engines in real time.
 */
#include "snd_internal.h"

#include <stdlib.h>
#include <string.h>

#define SND_WAV_MAX_CATCHUP_US 200000u

struct snd_wav_backend {
	struct snd_backend base;
	struct snd_engine *engine;
	int16_t *in;              /* whole input file (mono) */
	uint32_t in_frames;
	uint32_t in_pos;
	bool loop;
	struct snd_wav_writer *out;
	bool running;
	uint64_t start_us;
	uint64_t done_samples;    /* samples processed since start */
	int16_t mic[SND_MAX_FRAME];
	int16_t spk[SND_MAX_FRAME * 2];
};

static void wav_destroy(struct snd_backend *b)
{
	struct snd_wav_backend *w = (struct snd_wav_backend *)b;
	if (snd_wav_writer_close(&w->out) != CORE_OK)
		CORE_WARN("snd: the output WAV may be incomplete");
	free(w->in);
	free(w);
}

static enum core_result wav_start(struct snd_backend *b)
{
	struct snd_wav_backend *w = (struct snd_wav_backend *)b;
	w->start_us = snd_now_us();
	w->done_samples = 0;
	w->running = true;
	return CORE_OK;
}

static void wav_stop(struct snd_backend *b)
{
	((struct snd_wav_backend *)b)->running = false;
}

enum core_result snd_backend_wav_create(struct snd_engine *e, const char *in_wav, bool loop,
					const char *out_wav, struct snd_backend **out_backend)
{
	*out_backend = NULL;
	struct snd_wav_backend *w = calloc(1, sizeof(*w));
	if (!w) {
		CORE_ERROR("snd: out of memory for the WAV backend");
		return CORE_ERR_NOMEM;
	}
	w->base = (struct snd_backend){.destroy = wav_destroy, .start = wav_start, .stop = wav_stop};
	w->engine = e;
	w->loop = loop;
	enum core_result r = CORE_OK;
	if (in_wav && in_wav[0]) {
		char err[512];
		r = snd_wav_read(in_wav, &w->in, &w->in_frames, err, sizeof(err));
	}
	if (r == CORE_OK && out_wav && out_wav[0])
		r = snd_wav_writer_open(out_wav, 2, SND_RATE_HZ, &w->out);
	if (r != CORE_OK) {
		wav_destroy(&w->base);
		return r;
	}
	*out_backend = &w->base;
	return CORE_OK;
}

void snd_backend_wav_set_offset(struct snd_backend *b, uint32_t offset_samples)
{
	struct snd_wav_backend *w = (struct snd_wav_backend *)b;
	w->in_pos = w->in_frames ? offset_samples % w->in_frames : 0;
}

static void fill_mic(struct snd_wav_backend *w, uint32_t n)
{
	for (uint32_t i = 0; i < n;) {
		if (w->in_pos >= w->in_frames) {
			if (!w->loop || w->in_frames == 0) {
				memset(w->mic + i, 0, (n - i) * sizeof(int16_t));
				return;
			}
			w->in_pos = 0;
		}
		uint32_t k = CORE_MIN(n - i, w->in_frames - w->in_pos);
		memcpy(w->mic + i, w->in + w->in_pos, k * sizeof(int16_t));
		w->in_pos += k;
		i += k;
	}
}

void snd_backend_wav_pump(struct snd_backend *b, uint64_t now_us)
{
	struct snd_wav_backend *w = (struct snd_wav_backend *)b;
	if (!w->running || now_us < w->start_us)
		return;
	uint64_t due = (now_us - w->start_us) * SND_RATE_HZ / 1000000u;
	uint64_t max_behind = (uint64_t)SND_WAV_MAX_CATCHUP_US * SND_RATE_HZ / 1000000u;
	if (due > w->done_samples + max_behind)
		w->done_samples = due - max_behind; /* fell behind: skip, never burst */
	uint32_t fs = snd_engine_frame_samples(w->engine);
	while (w->done_samples + fs <= due) {
		uint64_t t = w->start_us + w->done_samples * 1000000u / SND_RATE_HZ;
		fill_mic(w, fs);
		snd_engine_process(w->engine, w->mic, w->spk, fs, t);
		if (w->out && snd_wav_writer_write(w->out, w->spk, fs) != CORE_OK) {
			(void)snd_wav_writer_close(&w->out);
			CORE_WARN("snd: stopped writing the output WAV");
		}
		w->done_samples += fs;
	}
}
