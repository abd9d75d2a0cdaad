/* Speech against what a listener heard of it (snd_testkit.h). */
#include "snd_testkit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENV_MS 10
#define ENV_SAMPLES (SND_RATE_HZ * ENV_MS / 1000)
#define ENV_FLOOR_DB -60.0
#define SPEECH_DB -35.0  /* a window of speech in the source */
#define PRESENT_DB 12.0  /* heard if the recording is within this of it */
#define WINDOW 100       /* envelope values per matched second */
#define SLIDE 15         /* +- envelope values around the global lag */
#define EDGE 20          /* envelope values left out at each end of the sound */

static double *envelope(const int16_t *s, uint32_t frames, int channels, uint32_t *out_n)
{
	uint32_t n = frames / ENV_SAMPLES;
	double *e = calloc(n ? n : 1, sizeof(double));
	if (!e)
		return NULL;
	for (uint32_t i = 0; i < n; i++) {
		double sum = 0;
		for (uint32_t k = 0; k < ENV_SAMPLES; k++) {
			double v = 0;
			for (int c = 0; c < channels; c++)
				v += s[((size_t)i * ENV_SAMPLES + k) * (size_t)channels + (size_t)c];
			v /= channels * 32768.0;
			sum += v * v;
		}
		double db = 10 * log10(sum / ENV_SAMPLES + 1e-12);
		e[i] = db < ENV_FLOOR_DB ? ENV_FLOOR_DB : db;
	}
	*out_n = n;
	return e;
}

static double src_at(const double *src, uint32_t ns, long i)
{
	return src[((i % (long)ns) + (long)ns) % (long)ns];
}

/* Pearson correlation of rec[from, to) with the source at lag (circular). */
static double correlate(const double *src, uint32_t ns, const double *rec, uint32_t from,
			uint32_t to, long lag)
{
	double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, n = to - from;
	for (uint32_t i = from; i < to; i++) {
		double x = src_at(src, ns, (long)i + lag), y = rec[i];
		sx += x;
		sy += y;
		sxx += x * x;
		syy += y * y;
		sxy += x * y;
	}
	double cov = sxy - sx * sy / n, vx = sxx - sx * sx / n, vy = syy - sy * sy / n;
	return vx > 0 && vy > 0 ? cov / sqrt(vx * vy) : 0;
}

double snd_tk_speech_presence(const int16_t *src, uint32_t src_frames, const int16_t *rec,
			      uint32_t rec_frames, int channels)
{
	uint32_t ns, nr;
	double *es = envelope(src, src_frames, 1, &ns);
	double *er = envelope(rec, rec_frames, channels, &nr);
	double result = -1;
	/* While the speaker was talking: its first and last sound, less the edges. */
	uint32_t from = 0, to = nr;
	while (er && from < nr && er[from] < SPEECH_DB - 10)
		from++;
	while (er && to > from && er[to - 1] < SPEECH_DB - 10)
		to--;
	from += EDGE;
	to = to > EDGE ? to - EDGE : 0;
	if (!es || !er || ns == 0 || to < from + 3 * WINDOW)
		goto out;
	double best = -2;
	long lag = 0;
	for (long l = 0; l < (long)ns; l++) {
		double r = correlate(es, ns, er, from, to, l);
		if (r > best) {
			best = r;
			lag = l;
		}
	}
	long speech = 0, present = 0;
	for (uint32_t w = from; w + WINDOW <= to; w += WINDOW) {
		long at = lag;
		double fit = -2;
		for (long d = -SLIDE; d <= SLIDE; d++) {
			double r = correlate(es, ns, er, w, w + WINDOW, lag + d);
			if (r > fit) {
				fit = r;
				at = lag + d;
			}
		}
		double offset = 0;
		int n = 0;
		for (uint32_t i = w; i < w + WINDOW; i++) {
			double x = src_at(es, ns, (long)i + at);
			if (x > SPEECH_DB) {
				offset += er[i] - x;
				n++;
			}
		}
		offset = n ? offset / n : 0;
		for (uint32_t i = w; i < w + WINDOW; i++) {
			double x = src_at(es, ns, (long)i + at);
			if (x > SPEECH_DB) {
				speech++;
				present += er[i] - offset > x - PRESENT_DB;
			}
		}
	}
	result = speech ? (double)present / (double)speech : -1;
out:
	free(es);
	free(er);
	return result;
}

int16_t *snd_tk_read_pcm(const char *path, int raw_channels, uint32_t *out_frames,
			 int *out_channels)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: cannot open\n", path);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *bytes = malloc(size > 0 ? (size_t)size : 1);
	if (!bytes || size < 0 || fread(bytes, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "%s: cannot read\n", path);
		fclose(f);
		free(bytes);
		return NULL;
	}
	fclose(f);
	long at = 0, len = size;
	int channels = raw_channels;
	size_t plen = strlen(path);
	if (plen < 4 || strcmp(path + plen - 4, ".raw")) {
		if (size < 44 || memcmp(bytes, "RIFF", 4) || memcmp(bytes + 8, "WAVE", 4)) {
			fprintf(stderr, "%s: not a WAV file\n", path);
			free(bytes);
			return NULL;
		}
		channels = bytes[22] | bytes[23] << 8;
		at = 12;
		len = 0;
		while (at + 8 <= size) {
			uint32_t chunk = (uint32_t)(bytes[at + 4] | bytes[at + 5] << 8 |
						    bytes[at + 6] << 16 | (uint32_t)bytes[at + 7] << 24);
			if (!memcmp(bytes + at, "data", 4)) {
				len = CORE_MIN((long)chunk, size - at - 8);
				at += 8;
				break;
			}
			at += 8 + (long)chunk + (chunk & 1);
		}
	}
	if (channels < 1 || channels > 8 || len <= 0) {
		fprintf(stderr, "%s: no 16-bit samples found\n", path);
		free(bytes);
		return NULL;
	}
	uint32_t frames = (uint32_t)(len / 2 / channels);
	int16_t *pcm = malloc((size_t)frames * (size_t)channels * sizeof(int16_t) + 2);
	if (!pcm) {
		free(bytes);
		return NULL;
	}
	for (size_t i = 0; i < (size_t)frames * (size_t)channels; i++)
		pcm[i] = (int16_t)(bytes[at + 2 * (long)i] | bytes[at + 2 * (long)i + 1] << 8);
	free(bytes);
	*out_frames = frames;
	*out_channels = channels;
	return pcm;
}

int16_t *snd_tk_make_speech(const char *dir, const char *text, uint32_t *out_frames)
{
	char cmd[1400], path[400];
	snprintf(cmd, sizeof(cmd),
		 "espeak-ng -s 150 -w %s/speech.wav '%s' && sox -D %s/speech.wav -r 48000 -c 1 "
		 "-b 16 -e signed-integer -t raw %s/speech.raw gain -n -3",
		 dir, text, dir, dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "espeak-ng and sox are needed to make the test speech\n");
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/speech.raw", dir);
	int channels;
	return snd_tk_read_pcm(path, 1, out_frames, &channels);
}
