/**
 * @file snd_wav.c
 * @brief RIFF/WAVE 16-bit PCM: reading a mono 48 kHz file, streaming a writer.
 */
#include "snd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SND_WAV_FIX "convert it with: sox IN.wav -r 48000 -c 1 -b 16 -e signed-integer OUT.wav"

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static enum core_result fail(char *err, size_t err_size, FILE *f, enum core_result r,
			     const char *path, const char *what)
{
	if (f)
		fclose(f);
	if (err && err_size)
		snprintf(err, err_size, "%s: %s", path, what);
	CORE_ERROR("%s: %s", path, what);
	return r;
}

enum core_result snd_wav_read(const char *path, int16_t **out_samples, uint32_t *out_frames,
			      char *err, size_t err_size)
{
	*out_samples = NULL;
	*out_frames = 0;
	char msg[256];
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(msg, sizeof(msg), "cannot open: %s", strerror(errno));
		return fail(err, err_size, NULL, CORE_ERR_IO, path, msg);
	}
	uint8_t hdr[12];
	if (fread(hdr, 1, 12, f) != 12 || memcmp(hdr, "RIFF", 4) != 0 ||
	    memcmp(hdr + 8, "WAVE", 4) != 0)
		return fail(err, err_size, f, CORE_ERR_INVALID, path,
			    "not a RIFF/WAVE file; " SND_WAV_FIX);
	bool have_fmt = false;
	uint16_t format = 0, channels = 0, bits = 0;
	uint32_t rate = 0;
	for (;;) {
		uint8_t ch[8];
		if (fread(ch, 1, 8, f) != 8)
			return fail(err, err_size, f, CORE_ERR_INVALID, path,
				    "no 'data' chunk (truncated file?); " SND_WAV_FIX);
		uint32_t size = rd32(ch + 4);
		if (memcmp(ch, "fmt ", 4) == 0) {
			uint8_t fmt[40] = {0};
			if (size < 16 || fread(fmt, 1, CORE_MIN(size, 40u), f) != CORE_MIN(size, 40u))
				return fail(err, err_size, f, CORE_ERR_INVALID, path,
					    "short 'fmt ' chunk; " SND_WAV_FIX);
			format = rd16(fmt);
			channels = rd16(fmt + 2);
			rate = rd32(fmt + 4);
			bits = rd16(fmt + 14);
			if (format == 0xFFFE && size >= 26)
				format = rd16(fmt + 24); /* WAVE_FORMAT_EXTENSIBLE: sub-format */
			if (size > 40 && fseek(f, (long)(size - 40), SEEK_CUR) != 0)
				return fail(err, err_size, f, CORE_ERR_IO, path, "seek failed");
			have_fmt = true;
		} else if (memcmp(ch, "data", 4) == 0) {
			if (!have_fmt)
				return fail(err, err_size, f, CORE_ERR_INVALID, path,
					    "'data' before 'fmt '; " SND_WAV_FIX);
			if (format != 1 || bits != 16 || channels != 1 || rate != SND_RATE_HZ) {
				snprintf(msg, sizeof(msg),
					 "is %s %u-bit, %u channel(s), %u Hz; voice needs 16-bit PCM "
					 "mono 48000 Hz; %s",
					 format == 1 ? "PCM" : format == 3 ? "float" : "non-PCM",
					 bits, channels, rate, SND_WAV_FIX);
				return fail(err, err_size, f, CORE_ERR_INVALID, path, msg);
			}
			/* No larger than the file holds: a streamed WAV may
			 * declare 4 GiB. */
			long here = ftell(f);
			if (here < 0 || fseek(f, 0, SEEK_END) != 0)
				return fail(err, err_size, f, CORE_ERR_IO, path, "seek failed");
			long end = ftell(f);
			if (end < here || fseek(f, here, SEEK_SET) != 0)
				return fail(err, err_size, f, CORE_ERR_IO, path, "seek failed");
			if ((uint64_t)size > (uint64_t)(end - here))
				size = (uint32_t)(end - here);
			uint32_t frames = size / 2;
			int16_t *s = malloc((size_t)CORE_MAX(frames, 1u) * sizeof(int16_t));
			if (!s)
				return fail(err, err_size, f, CORE_ERR_NOMEM, path, "out of memory");
			size_t got = fread(s, sizeof(int16_t), frames, f);
			fclose(f);
			for (size_t i = 0; i < got; i++) { /* little-endian on disk */
				uint8_t *b = (uint8_t *)&s[i];
				s[i] = (int16_t)rd16(b);
			}
			*out_samples = s;
			*out_frames = (uint32_t)got;
			return CORE_OK;
		} else if (fseek(f, (long)(size + (size & 1u)), SEEK_CUR) != 0) {
			return fail(err, err_size, f, CORE_ERR_INVALID, path, "bad chunk size");
		}
	}
}

struct snd_wav_writer {
	FILE *f;
	char path[512];
	uint16_t channels;
	uint32_t rate_hz;
	uint64_t bytes;
};

static void header(uint8_t h[44], uint16_t channels, uint32_t rate, uint32_t data_bytes)
{
	memcpy(h, "RIFF", 4);
	wr32(h + 4, 36u + data_bytes);
	memcpy(h + 8, "WAVEfmt ", 8);
	wr32(h + 16, 16);
	wr16(h + 20, 1);
	wr16(h + 22, channels);
	wr32(h + 24, rate);
	wr32(h + 28, rate * channels * 2u);
	wr16(h + 32, (uint16_t)(channels * 2u));
	wr16(h + 34, 16);
	memcpy(h + 36, "data", 4);
	wr32(h + 40, data_bytes);
}

enum core_result snd_wav_writer_open(const char *path, uint16_t channels, uint32_t rate_hz,
				     struct snd_wav_writer **out_writer)
{
	*out_writer = NULL;
	struct snd_wav_writer *w = calloc(1, sizeof(*w));
	if (!w) {
		CORE_ERROR("%s: out of memory", path);
		return CORE_ERR_NOMEM;
	}
	w->f = fopen(path, "wb");
	if (!w->f) {
		CORE_ERROR("%s: cannot create: %s", path, strerror(errno));
		free(w);
		return CORE_ERR_IO;
	}
	core_strlcpy(w->path, path, sizeof(w->path));
	w->channels = channels;
	w->rate_hz = rate_hz;
	uint8_t h[44];
	header(h, channels, rate_hz, 0);
	if (fwrite(h, 1, 44, w->f) != 44) {
		CORE_ERROR("%s: write failed: %s", path, strerror(errno));
		fclose(w->f);
		free(w);
		return CORE_ERR_IO;
	}
	*out_writer = w;
	return CORE_OK;
}

enum core_result snd_wav_writer_write(struct snd_wav_writer *w, const int16_t *samples,
				      uint32_t frames)
{
	uint8_t buf[512];
	size_t n = (size_t)frames * w->channels;
	for (size_t i = 0; i < n;) {
		size_t k = 0;
		for (; k < sizeof(buf) / 2 && i < n; k++, i++)
			wr16(buf + 2 * k, (uint16_t)samples[i]);
		if (fwrite(buf, 2, k, w->f) != k) {
			CORE_ERROR("%s: write failed: %s", w->path, strerror(errno));
			return CORE_ERR_IO;
		}
	}
	w->bytes += n * 2u;
	return CORE_OK;
}

enum core_result snd_wav_writer_close(struct snd_wav_writer **writer)
{
	struct snd_wav_writer *w = *writer;
	if (!w)
		return CORE_OK;
	*writer = NULL;
	enum core_result r = CORE_OK;
	uint32_t data = w->bytes > 0xFFFFFFDBu ? 0xFFFFFFDBu : (uint32_t)w->bytes;
	uint8_t h[44];
	header(h, w->channels, w->rate_hz, data);
	if (fseek(w->f, 0, SEEK_SET) != 0 || fwrite(h, 1, 44, w->f) != 44) {
		CORE_ERROR("%s: cannot fix up the header: %s", w->path, strerror(errno));
		r = CORE_ERR_IO;
	}
	if (fclose(w->f) != 0 && r == CORE_OK) {
		CORE_ERROR("%s: close failed: %s", w->path, strerror(errno));
		r = CORE_ERR_IO;
	}
	free(w);
	return r;
}
