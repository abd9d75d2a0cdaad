/**
 * @file test_snd_quality.c
 * @brief Voice quality under loss and jitter, A -> B with a simulated link.
 *
 * Speech from espeak-ng (resampled by sox to 48 kHz mono 16-bit) goes through
 * engine A, a link with random loss (fixed seed) and 0..40 ms uniform jitter
 * (so packets reorder), and engine B. B's playout log maps every output frame
 * back to the input frame it stands for, which removes the jitter buffer's
 * varying delay; the score is the correlation of 10 ms log-energy envelopes
 * of input and aligned output (floored at -60 dBFS). Thresholds: 0.94 at 5%
 * loss, 0.90 at 15% (0.97 without loss; sox -D: no dither, so runs repeat); FEC+PLC must stay above, and with fec=false, plc=false
 * the same loss must fall below (the score discriminates). Skips (77) without
 * espeak-ng or sox.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snd_testkit.h"

static int16_t *g_speech;
static uint32_t g_frames;

static bool make_speech(void)
{
	char dir[] = "/tmp/snd_quality_XXXXXX";
	if (!mkdtemp(dir))
		return false;
	char cmd[1024], wav[300];
	snprintf(wav, sizeof(wav), "%s/speech48.wav", dir);
	snprintf(cmd, sizeof(cmd),
		 "espeak-ng -s 150 -w %s/speech.wav 'The lecture begins at nine. Please take "
		 "your seats and open the notes on page twelve. Today we talk about waves, "
		 "sound and how your voice travels across the classroom.' && "
		 "sox -D %s/speech.wav -r 48000 -c 1 -b 16 -e signed-integer %s gain -n -3",
		 dir, dir, wav);
	int rc = system(cmd);
	char err[512] = "";
	bool ok = rc == 0 && snd_wav_read(wav, &g_speech, &g_frames, err, sizeof(err)) == CORE_OK;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return ok;
}

struct outcome {
	double score;
	struct snd_stats a, b;
};

static struct outcome run_case(float loss, bool fec, bool plc)
{
	struct snd_config ca, cb;
	snd_config_defaults(&ca);
	snd_config_defaults(&cb);
	cb.fec = fec;
	cb.plc = plc;
	struct snd_engine *a = NULL, *b = NULL;
	assert_int_equal(snd_engine_create(&ca, &a), CORE_OK);
	assert_int_equal(snd_engine_create(&cb, &b), CORE_OK);
	snd_engine_set_expected_loss(a, (uint32_t)(loss * 100.0f + 0.5f));
	struct snd_tk_link *l = calloc(1, sizeof(*l));
	snd_tk_link_init(l, a, b,
			 &(struct snd_tk_link_config){.speaker = 11, .loss = loss, .jitter_ms = 40,
						      .seed = 1234});
	uint32_t fs = snd_engine_frame_samples(a);
	uint32_t tail = SND_RATE_HZ; /* one second more for the buffer to drain */
	uint32_t n = (g_frames / fs) * fs;
	uint32_t total = n + tail;
	int16_t *in = calloc(total, 2), *out = calloc(2 * (size_t)total, 2);
	int16_t *aligned = calloc(total, 2);
	memcpy(in, g_speech, n * sizeof(int16_t));
	for (uint32_t i = 0; i < total; i += fs)
		snd_tk_link_step(l, in + i, out + 2 * (size_t)i);

	/* every played frame back to where its input was captured */
	struct snd_played p;
	while (snd_engine_pop_played(b, &p)) {
		int64_t cap = snd_tk_sample_at(l, l->capture_us[p.seq]);
		int64_t at = snd_tk_sample_at(l, p.play_us);
		if (cap < 0 || at < 0 || (uint64_t)cap + fs > total || (uint64_t)at + fs > total)
			continue;
		for (uint32_t i = 0; i < fs; i++)
			aligned[cap + i] = out[2 * (at + i)];
	}
	/* the codec and DSP delay remain: find it, then score */
	int32_t lag = snd_tk_best_lag(in, aligned, n, 48 * 40);
	struct outcome o = {.score = snd_tk_envelope_corr(in, aligned, n, lag, 480)};
	snd_engine_stats(a, &o.a);
	snd_engine_stats(b, &o.b);
	printf("  loss %2.0f%% fec %d plc %d: score %.3f (codec+dsp delay %.1f ms) sent %u "
	       "dropped %u | B lost %u fec %u concealed %u late %u target %.1f ms mean delay "
	       "%.1f ms\n",
	       loss * 100.0, fec, plc, o.score, lag / 48.0, l->sent, l->dropped_by_link,
	       o.b.total.lost, o.b.total.fec_recovered, o.b.total.concealed, o.b.total.late,
	       (double)o.b.total.target_delay_ms, (double)o.b.total.mean_delay_ms);
	free(in);
	free(out);
	free(aligned);
	free(l);
	snd_engine_destroy(&a);
	snd_engine_destroy(&b);
	return o;
}

static void test_quality_no_loss(void **state)
{
	(void)state;
	struct outcome o = run_case(0.0f, true, true);
	assert_true(o.score >= 0.95);
	/* Nothing lost but the frames DTX left out (seq counts them too). */
	assert_true(o.b.total.lost <= o.a.dtx_skipped);
}

static void check(float loss, double threshold)
{
	struct outcome good = run_case(loss, true, true);
	struct outcome bad = run_case(loss, false, false);
	printf("  => %.0f%% loss: FEC+PLC %.3f >= %.2f > none %.3f\n", loss * 100.0, good.score,
	       threshold, bad.score);
	assert_true(good.b.total.lost > 0);
	assert_true(good.b.total.fec_recovered > 0);
	assert_true(good.score >= threshold);
	assert_true(bad.score < threshold);
}

static void test_quality_5pct(void **state)
{
	(void)state;
	check(0.05f, 0.94);
}

static void test_quality_15pct(void **state)
{
	(void)state;
	check(0.15f, 0.90);
}

int main(void)
{
	if (system("command -v espeak-ng >/dev/null && command -v sox >/dev/null") != 0) {
		printf("espeak-ng or sox missing: skipped\n");
		return 77;
	}
	if (!make_speech()) {
		printf("could not make speech with espeak-ng and sox\n");
		return 1;
	}
	printf("speech: %.1f s\n", g_frames / 48000.0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quality_no_loss),
		cmocka_unit_test(test_quality_5pct),
		cmocka_unit_test(test_quality_15pct),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(g_speech);
	return rc;
}
