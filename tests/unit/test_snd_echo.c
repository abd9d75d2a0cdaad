/**
 * @file test_snd_echo.c
 * @brief A laptop without headphones: does the room hear itself back?
 *
 * Three engines in one thread on a simulated clock. F (far) speaks
 * synthetic voice; its packets reach L (the laptop), whose loudspeaker
 * output comes back into L's own microphone through a simulated room: the
 * output 40 ms later at -6 dB plus a reflection 7 ms after it at -16 dB,
 * over a faint noise floor. Whatever L sends reaches R (another listener).
 * L's level gate is held open, so what R hears is what the canceller (with
 * the preprocessor's residual echo suppression) leaves, not what the gate
 * shuts out. With L's canceller on, R must hear F's voice coming back
 * through L at least 25 dB weaker than with it off, after a second to
 * converge; and L's own user, speaking over F (double talk) and then alone,
 * must still reach R.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snd_testkit.h"

#define FS 960u /* 20 ms frames */
#define SECONDS(s) ((uint32_t)((s) * SND_RATE_HZ))
#define FRAME_US (FS * 1000000u / SND_RATE_HZ)
#define ECHO_MS 40u
#define REFLECT_MS 7u
#define HIST (SND_RATE_HZ / 2u) /* half a second of L's output, as the room remembers it */
/* The room reads only what L played before the frame it captures. */
_Static_assert(SND_RATE_HZ / 1000u * ECHO_MS >= FS, "an echo shorter than a frame");

/* The timeline (seconds): F talks over [0, 8); L's user talks over [6, 10). */
#define FAR_END 8.0
#define NEAR_START 6.0
#define TOTAL 10.0

struct result {
	double echo_db;     /* R's output while only F talks, after convergence */
	double near_db;     /* R's output while only L's user talks */
	double double_db;   /* R's output while both talk (printed only) */
	double double_corr; /* R's output against L's user's voice while both talk */
	double alone_corr;  /* the same while L's user talks alone */
};

/* aec: the canceller on; open: the level gate always open */
static struct snd_engine *engine(bool aec, bool open)
{
	struct snd_config cfg;
	snd_config_defaults(&cfg);
	cfg.aec = aec;
	if (open)
		cfg.vad_threshold_dbfs = -120.0f;
	struct snd_engine *e = NULL;
	assert_int_equal(snd_engine_create(&cfg, &e), CORE_OK);
	return e;
}

/* Moves every packet @p from has sent to @p to as speaker @p id, arriving
 * one frame later (a loopback network). */
static void deliver(struct snd_engine *from, struct snd_engine *to, uint16_t id, uint64_t t_us)
{
	struct snd_packet p;
	while (snd_engine_pop_packet(from, &p))
		assert_true(snd_engine_push_packet(to, id, p.seq, p.data, p.len, t_us + FRAME_US));
}

static struct result run(bool aec)
{
	struct snd_engine *f = engine(true, false), *l = engine(aec, true), *r = engine(true, false);
	uint32_t n = SECONDS(TOTAL);
	int16_t *far = calloc(n, 2), *near = calloc(n, 2), *heard = calloc(n, 2);
	int16_t *hist = calloc(HIST, 2);
	assert_non_null(far);
	assert_non_null(near);
	assert_non_null(heard);
	assert_non_null(hist);
	snd_tk_voice(far, SECONDS(FAR_END), 120.0, 0.5);
	snd_tk_voice(near + SECONDS(NEAR_START), n - SECONDS(NEAR_START), 210.0, 0.4);
	uint64_t rng = 11;
	int16_t mic[FS], out[2 * FS], sink[2 * FS];
	for (uint32_t s = 0; s + FS <= n; s += FS) {
		uint64_t t_us = (uint64_t)s * 1000000u / SND_RATE_HZ;
		snd_engine_process(f, far + s, sink, FS, t_us);
		deliver(f, l, 1, t_us);
		/* the room: what L played ECHO_MS ago, and a reflection */
		for (uint32_t i = 0; i < FS; i++) {
			uint32_t at = s + i + HIST;
			double v = 0.5 * hist[(at - SND_RATE_HZ / 1000u * ECHO_MS) % HIST] +
				   0.16 * hist[(at - SND_RATE_HZ / 1000u * (ECHO_MS + REFLECT_MS)) % HIST] +
				   near[s + i] + (snd_tk_rand(&rng) - 0.5) * 40.0;
			mic[i] = (int16_t)lrint(fmax(-32768.0, fmin(32767.0, v)));
		}
		snd_engine_process(l, mic, out, FS, t_us);
		for (uint32_t i = 0; i < FS; i++)
			hist[(s + i) % HIST] = (int16_t)((out[2 * i] + out[2 * i + 1]) / 2);
		deliver(l, r, 2, t_us);
		snd_engine_process(r, NULL, out, FS, t_us);
		snd_tk_left(out, heard + s, FS);
	}
	struct result res;
	/* R hears L's microphone about 36 ms later, and F's voice through the
	 * room about 115 ms after F spoke: 0.2 s past each change covers both */
	uint32_t lag = SECONDS(0.2);
	res.echo_db = snd_tk_rms_db(heard + SECONDS(1.0), SECONDS(NEAR_START - 1.0), 1);
	res.double_db = snd_tk_rms_db(heard + SECONDS(NEAR_START) + lag, SECONDS(FAR_END - NEAR_START) - lag, 1);
	res.near_db = snd_tk_rms_db(heard + SECONDS(FAR_END) + lag, SECONDS(TOTAL - FAR_END) - lag, 1);
	uint32_t from = SECONDS(NEAR_START), mid = SECONDS(FAR_END);
	int32_t best = snd_tk_best_lag(near + from, heard + from, n - from - lag, lag);
	res.double_corr = snd_tk_envelope_corr(near + from, heard + from, mid - from, best, 480);
	res.alone_corr = snd_tk_envelope_corr(near + mid, heard + mid, n - mid - lag, best, 480);
	free(far);
	free(near);
	free(heard);
	free(hist);
	snd_engine_destroy(&f);
	snd_engine_destroy(&l);
	snd_engine_destroy(&r);
	return res;
}

static void test_echo_cancelled(void **state)
{
	(void)state;
	struct result off = run(false), on = run(true);
	printf("echo heard back by the room: %.1f dBFS with the canceller off, %.1f dBFS on "
	       "(%.1f dB less; want >= 25)\n",
	       off.echo_db, on.echo_db, off.echo_db - on.echo_db);
	printf("L's user heard: alone %.1f dBFS (off %.1f), envelope correlation %.3f (off %.3f); "
	       "over the far voice %.1f dBFS (off %.1f), correlation %.3f (off %.3f); want >= 0.80\n",
	       on.near_db, off.near_db, on.alone_corr, off.alone_corr, on.double_db, off.double_db,
	       on.double_corr, off.double_corr);
	/* without the canceller the room hears itself: the test can tell */
	assert_true(off.echo_db > -40.0);
	assert_true(off.echo_db - on.echo_db >= 25.0);
	/* the canceller does not silence the laptop's own user */
	assert_true(on.near_db > -40.0);
	assert_true(on.near_db > off.near_db - 6.0);
	assert_true(on.alone_corr >= 0.80);
	assert_true(on.double_corr >= 0.80);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_cancelled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
