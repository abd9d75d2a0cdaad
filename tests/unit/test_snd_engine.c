/**
 * @file test_snd_engine.c
 * @brief Two engines back to back in one thread (simulated clock): loopback
 * correlation and mouth-to-ear, jitter buffer, FEC/PLC, spatial mix,
 * mute/PTT/DTX/VAD, speaker slots.
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

#define FS 960u
#define SECONDS(s) ((uint32_t)((s) * SND_RATE_HZ))

static struct snd_engine *engine(void (*tweak)(struct snd_config *))
{
	struct snd_config cfg;
	snd_config_defaults(&cfg);
	if (tweak)
		tweak(&cfg);
	struct snd_engine *e = NULL;
	assert_int_equal(snd_engine_create(&cfg, &e), CORE_OK);
	return e;
}

/* Runs n samples of a_in through A -> link -> B; B's stereo output into out. */
static void run(struct snd_tk_link *l, const int16_t *a_in, int16_t *out, uint32_t n)
{
	for (uint32_t i = 0; i + FS <= n; i += FS)
		snd_tk_link_step(l, a_in ? a_in + i : NULL, out ? out + 2 * i : NULL);
}

static void loop_tweak(struct snd_config *c)
{
	const char *v = getenv("SND_TWEAK");
	if (v && strchr(v, 'a'))
		c->aec = false;
	if (v && strchr(v, 'd'))
		c->denoise = false;
	if (v && strchr(v, 'g'))
		c->agc = false;
}

static void test_loopback_tone_and_latency(void **state)
{
	(void)state;
	struct snd_engine *a = engine(loop_tweak), *b = engine(NULL);
	uint32_t n = SECONDS(4);
	int16_t *in = calloc(n, 2), *out = calloc(2 * (size_t)n, 2), *left = calloc(n, 2);
	/* 440 Hz bursts, 300 ms on / 500 ms period, with a little noise floor */
	snd_tk_tone(in, n, 440.0, 0.3, 300, 500);
	uint64_t rng = 7;
	for (uint32_t i = 0; i < n; i++)
		in[i] = (int16_t)(in[i] + (int16_t)((snd_tk_rand(&rng) - 0.5) * 60.0));
	struct snd_tk_link l;
	snd_tk_link_init(&l, a, b, &(struct snd_tk_link_config){.speaker = 5});
	run(&l, in, out, n);
	snd_tk_left(out, left, n);

	uint32_t cmp = n - SECONDS(0.3);
	int32_t lag = snd_tk_best_lag(in, left, cmp, SECONDS(0.2));
	double corr = snd_tk_envelope_corr(in, left, cmp, lag, 480);
	struct snd_stats st;
	snd_engine_stats(b, &st);
	double m2e_log = 0;
	uint32_t m2e_n = 0;
	struct snd_played p;
	while (snd_engine_pop_played(b, &p))
		if (p.how == SND_PLAY_DECODED) {
			m2e_log += (double)(p.play_us - l.capture_us[p.seq]);
			m2e_n++;
		}
	double lag_ms = lag / 48.0;
	printf("loopback: sent %u, envelope corr %.3f (>= 0.90), mouth-to-ear %.1f ms\n", l.sent,
	       corr, lag_ms);
	printf("  breakdown: capture frame 20.0 + jitter target %.1f + output framing %.1f"
	       " (capture->play by the playout log %.1f ms) + Opus lookahead %.1f"
	       " + preprocess/decoder %.1f\n",
	       (double)st.speakers[0].target_delay_ms,
	       m2e_n ? m2e_log / m2e_n / 1000.0 - 20.0 - (double)st.speakers[0].target_delay_ms : 0,
	       m2e_n ? m2e_log / m2e_n / 1000.0 : 0, (double)st.lookahead_ms,
	       lag_ms - (m2e_n ? m2e_log / m2e_n / 1000.0 : 0) - (double)st.lookahead_ms);
	assert_true(corr >= 0.90);
	assert_true(lag_ms > 50.0 && lag_ms < 62.0);
	assert_true(m2e_n > 100);
	assert_int_equal(st.speakers[0].speaker, 5);
	assert_int_equal(st.total.lost, 0);
	assert_int_equal(st.total.late, 0);
	free(in);
	free(out);
	free(left);
	snd_engine_destroy(&a);
	snd_engine_destroy(&b);
}

/* Packets of a continuous tone, recorded from A, to feed B by hand. */
struct recorded {
	uint32_t count;
	struct snd_packet p[256];
};

static void ptt_mode(struct snd_config *c)
{
	c->mode = SND_MODE_PTT;
	c->denoise = false;
	c->agc = false;
	c->aec = false;
}

static void record(struct recorded *r, uint32_t frames, double hz)
{
	struct snd_engine *a = engine(ptt_mode);
	snd_engine_set_ptt(a, true);
	int16_t in[FS], out[2 * FS];
	r->count = 0;
	uint64_t rng = 1;
	for (uint32_t f = 0; f < frames; f++) {
		/* a tone with a little noise: Opus DTX would take a pure sine for silence */
		for (uint32_t i = 0; i < FS; i++) {
			double t = (double)(f * FS + i) / SND_RATE_HZ;
			double am = 0.6 + 0.4 * sin(2 * 3.14159265358979 * 3.0 * t);
			in[i] = (int16_t)(0.3 * 32767.0 * am * sin(2 * 3.14159265358979 * hz * t) +
					  (snd_tk_rand(&rng) - 0.5) * 2000.0);
		}
		snd_engine_process(a, in, out, FS, 1000000u + (uint64_t)f * 20000u);
		while (r->count < 256 && snd_engine_pop_packet(a, &r->p[r->count]))
			r->count++;
	}
	snd_engine_destroy(&a);
}

/* B renders one frame at frame index f (time f * 20 ms). */
static void b_frame(struct snd_engine *b, uint32_t f, int16_t *out)
{
	int16_t tmp[2 * FS];
	snd_engine_process(b, NULL, out ? out : tmp, FS, 1000000u + (uint64_t)f * 20000u);
}

static void push(struct snd_engine *b, uint16_t spk, const struct snd_packet *p, uint16_t seq,
		 uint32_t f)
{
	bool ok = snd_engine_push_packet(b, spk, seq, p->data, p->len,
					 1000000u + (uint64_t)f * 20000u);
	if (!ok)
		printf("push failed: speaker %u seq %u len %u frame %u\n", spk, seq, p->len, f);
	assert_true(ok);
}

static void test_jitter_reorder_duplicates_wrap(void **state)
{
	(void)state;
	struct recorded *r = calloc(1, sizeof(*r));
	record(r, 100, 440.0);
	assert_int_equal(r->count, 100);
	struct snd_engine *b = engine(NULL);
	/* seq starts at 2032 so it wraps; pairs swapped; every packet twice */
	for (uint32_t f = 0; f < 110; f++) {
		if (f < 100) {
			uint32_t k = f ^ 1u;
			uint16_t seq = (uint16_t)((2032u + k) & 2047u);
			push(b, 9, &r->p[k], seq, f);
			push(b, 9, &r->p[k], seq, f);
		}
		b_frame(b, f, NULL);
	}
	struct snd_stats st;
	snd_engine_stats(b, &st);
	printf("reorder+dup+wrap: received %u decoded-delay %.1f ms lost %u late %u dup %u\n",
	       st.total.received, (double)st.total.mean_delay_ms, st.total.lost, st.total.late,
	       st.total.duplicates);
	assert_int_equal(st.total.received, 200);
	assert_int_equal(st.total.duplicates, 100);
	assert_int_equal(st.total.lost, 0);
	assert_int_equal(st.total.late, 0);
	uint32_t decoded = 0, last_seq = 0;
	struct snd_played p;
	bool in_order = true;
	while (snd_engine_pop_played(b, &p)) {
		if (p.how != SND_PLAY_DECODED)
			continue;
		if (decoded && p.seq != ((last_seq + 1u) & 2047u))
			in_order = false;
		last_seq = p.seq;
		decoded++;
	}
	assert_int_equal(decoded, 100);
	assert_true(in_order);
	assert_int_equal(last_seq, (2032u + 99u) & 2047u);
	snd_engine_destroy(&b);
	free(r);
}

static void test_jitter_late_packet(void **state)
{
	(void)state;
	struct recorded *r = calloc(1, sizeof(*r));
	record(r, 60, 440.0);
	struct snd_engine *b = engine(NULL);
	for (uint32_t f = 0; f < 70; f++) {
		if (f < 60 && f != 30)
			push(b, 3, &r->p[f], r->p[f].seq, f);
		if (f == 36) /* six frames late: long after its frame played */
			push(b, 3, &r->p[30], r->p[30].seq, f);
		b_frame(b, f, NULL);
	}
	struct snd_stats st;
	snd_engine_stats(b, &st);
	printf("late: lost %u late %u fec %u concealed %u target %.1f ms\n", st.total.lost,
	       st.total.late, st.total.fec_recovered, st.total.concealed,
	       (double)st.speakers[0].target_delay_ms);
	assert_int_equal(st.total.late, 1);
	assert_int_equal(st.total.lost, 1);
	assert_int_equal(st.total.fec_recovered, 1);
	snd_engine_destroy(&b);
	free(r);
}

static void test_jitter_target_grows_and_shrinks(void **state)
{
	(void)state;
	struct recorded *r = calloc(1, sizeof(*r));
	record(r, 250, 440.0);
	struct snd_engine *b = engine(NULL);
	uint64_t rng = 42;
	struct snd_stats st;
	/* 60 ms of uniform jitter for 2 s, then none for 30 s; seq keeps counting */
	uint64_t arrival[250 * 8];
	uint32_t total = 250 * 8;
	for (uint32_t k = 0; k < total; k++) {
		uint64_t j = k < 100 ? (uint64_t)(snd_tk_rand(&rng) * 60000.0) : 0;
		arrival[k] = 1000000u + (uint64_t)k * 20000u + j;
	}
	float peak = 0;
	uint32_t next = 0;
	bool sent[250 * 8] = {false};
	for (uint32_t f = 0; f < total + 20; f++) {
		uint64_t now = 1000000u + (uint64_t)f * 20000u;
		for (uint32_t k = next; k < total && k < next + 8; k++)
			if (!sent[k] && arrival[k] <= now) {
				const struct snd_packet *p = &r->p[k % 250];
				assert_true(snd_engine_push_packet(b, 4, (uint16_t)(k & 2047u), p->data,
								   p->len, arrival[k]));
				sent[k] = true;
			}
		while (next < total && sent[next])
			next++;
		b_frame(b, f, NULL);
		snd_engine_stats(b, &st);
		if (st.speakers[0].target_delay_ms > peak)
			peak = st.speakers[0].target_delay_ms;
	}
	printf("target: peak %.1f ms with 60 ms jitter, %.1f ms after 30 s steady; "
	       "trimmed %u, concealed %u, late %u\n",
	       (double)peak, (double)st.speakers[0].target_delay_ms, st.total.trimmed,
	       st.total.concealed, st.total.late);
	assert_true(peak >= 50.0f);
	assert_true(st.speakers[0].target_delay_ms <= 25.0f);
	assert_true(st.total.trimmed >= 1);
	snd_engine_destroy(&b);
	free(r);
}

static void no_fec(struct snd_config *c)
{
	c->fec = false;
}

static void no_fec_no_plc(struct snd_config *c)
{
	c->fec = false;
	c->plc = false;
}

/* Feeds r to B with packet `drop` missing; returns B's left channel. */
static void play_with_drop(struct snd_engine *b, const struct recorded *r, int drop,
			   int16_t *left, struct snd_stats *st)
{
	int16_t out[2 * FS];
	for (uint32_t f = 0; f < r->count + 5; f++) {
		if (f < r->count && (int)f != drop)
			push(b, 2, &r->p[f], r->p[f].seq, f);
		b_frame(b, f, out);
		snd_tk_left(out, left + (size_t)f * FS, FS);
	}
	snd_engine_stats(b, st);
}

static void test_fec_and_plc(void **state)
{
	(void)state;
	struct recorded *r = calloc(1, sizeof(*r));
	/* A told to expect loss, so its packets carry FEC */
	struct snd_engine *a = engine(ptt_mode);
	snd_engine_set_expected_loss(a, 20);
	snd_engine_set_ptt(a, true);
	uint32_t n = 80 * FS;
	int16_t *in = calloc(n, 2), out[2 * FS];
	/* voiced: SILK codes FEC (LBRR) only for frames it takes for speech */
	snd_tk_voice(in, n, 120.0, 0.5);
	for (uint32_t f = 0; f < 80; f++) {
		snd_engine_process(a, in + f * FS, out, FS, 1000000u + (uint64_t)f * 20000u);
		while (snd_engine_pop_packet(a, &r->p[r->count]))
			r->count++;
	}
	snd_engine_destroy(&a);
	assert_int_equal(r->count, 80);

	uint32_t total = (r->count + 5) * FS;
	int16_t *ref = calloc(total, 2), *fec = calloc(total, 2), *plc = calloc(total, 2),
		*sil = calloc(total, 2);
	struct snd_stats s0, s1, s2, s3;
	struct snd_engine *b = engine(NULL);
	play_with_drop(b, r, -1, ref, &s0);
	snd_engine_destroy(&b);
	b = engine(NULL);
	play_with_drop(b, r, 40, fec, &s1);
	snd_engine_destroy(&b);
	b = engine(no_fec);
	play_with_drop(b, r, 40, plc, &s2);
	snd_engine_destroy(&b);
	b = engine(no_fec_no_plc);
	play_with_drop(b, r, 40, sil, &s3);
	struct snd_played p;
	uint64_t sil_play = 0;
	while (snd_engine_pop_played(b, &p))
		if (p.how == SND_PLAY_SILENCE && !sil_play)
			sil_play = p.play_us;
	snd_engine_destroy(&b);

	/* the missing frame plays at frame 41 (one frame of jitter buffer) */
	uint32_t at = 41 * FS;
	double err_fec = 0, err_plc = 0, pow_ref = 0;
	for (uint32_t i = at; i < at + FS; i++) {
		double d1 = fec[i] - ref[i], d2 = plc[i] - ref[i];
		err_fec += d1 * d1;
		err_plc += d2 * d2;
		pow_ref += (double)ref[i] * ref[i];
	}
	double snr_fec = 10 * log10(pow_ref / (err_fec + 1)),
	       snr_plc = 10 * log10(pow_ref / (err_plc + 1));
	printf("one packet lost: FEC frame SNR %.1f dB vs lossless (>= 6), PLC frame %.1f dB\n",
	       snr_fec, snr_plc);
	assert_int_equal(s0.total.lost, 0);
	assert_int_equal(s1.total.fec_recovered, 1);
	assert_int_equal(s1.total.concealed, s0.total.concealed); /* the end-of-spurt fade only */
	assert_true(snr_fec >= 6.0);
	assert_true(snr_fec > snr_plc + 3.0);
	assert_int_equal(s2.total.fec_recovered, 0);
	assert_int_equal(s2.total.concealed, s0.total.concealed + 1);
	assert_int_equal(s3.total.concealed, s0.total.concealed + 1);
	/* PLC off: the frame is silence */
	assert_int_equal(sil_play, 1000000u + 41u * 20000u);
	for (uint32_t i = at; i < at + FS; i++)
		assert_int_equal(sil[i], 0);
	assert_true(snd_tk_rms_db(plc + at, FS, 1) > -40.0);
	free(ref);
	free(fec);
	free(plc);
	free(sil);
	free(in);
	free(r);
}

/* B's output for speaker 6's recorded tone, placed by the caller. */
static void spatial_run(const struct recorded *r, int32_t x_mm, int32_t y_mm, bool has_pos,
			double *out_l_db, double *out_r_db)
{
	struct snd_engine *b = engine(NULL);
	snd_engine_set_listener(b, 1000, 1000, 16384); /* facing +y */
	snd_engine_set_speaker(b, 6, has_pos, x_mm, y_mm, 1.0f, false);
	int16_t *out = calloc(2 * (size_t)FS * (r->count + 5), 2);
	for (uint32_t f = 0; f < r->count + 5; f++) {
		if (f < r->count)
			push(b, 6, &r->p[f], r->p[f].seq, f);
		b_frame(b, f, out + (size_t)2 * f * FS);
	}
	*out_l_db = snd_tk_rms_db(out + 2 * 10 * FS, 40 * FS, 2);
	*out_r_db = snd_tk_rms_db(out + 2 * 10 * FS + 1, 40 * FS, 2);
	free(out);
	snd_engine_destroy(&b);
}

static void test_spatial_pan_distance(void **state)
{
	(void)state;
	struct recorded *r = calloc(1, sizeof(*r));
	record(r, 60, 440.0);
	double l, rr, fl, fr, cl, cr;
	/* listener at (1 m, 1 m) facing +y: -x is on the left */
	spatial_run(r, 0, 1000, true, &l, &rr);
	spatial_run(r, 1000, 11000, true, &fl, &fr);
	spatial_run(r, 0, 0, false, &cl, &cr);
	printf("spatial: left speaker L %.1f R %.1f dB; 10 m ahead L %.1f R %.1f; "
	       "no position L %.1f R %.1f\n", l, rr, fl, fr, cl, cr);
	assert_true(l > rr + 6.0);
	assert_true(fabs(fl - fr) < 0.5);
	assert_true(cl > fl + 10.0); /* 10 m: -14 dB */
	assert_true(cl - fl < 21.0); /* floor at -20 dB */
	assert_true(fabs(cl - cr) < 0.1);
	free(r);
}

static void test_priority_ducks(void **state)
{
	(void)state;
	struct recorded *r1 = calloc(1, sizeof(*r1)), *r2 = calloc(1, sizeof(*r2));
	record(r1, 100, 440.0);
	record(r2, 100, 1000.0);
	double other_db[2];
	for (int prio = 0; prio < 2; prio++) {
		struct snd_engine *b = engine(NULL);
		snd_engine_set_speaker(b, 1, false, 0, 0, 1.0f, prio == 1);
		snd_engine_set_speaker(b, 2, false, 0, 0, 1.0f, false);
		int16_t *out = calloc(2 * (size_t)FS * 105, 2), *left = calloc((size_t)FS * 105, 2);
		for (uint32_t f = 0; f < 105; f++) {
			if (f < 100) {
				push(b, 1, &r1->p[f], r1->p[f].seq, f);
				push(b, 2, &r2->p[f], r2->p[f].seq, f);
			}
			b_frame(b, f, out + (size_t)2 * f * FS);
		}
		snd_tk_left(out, left, 105 * FS);
		other_db[prio] = snd_tk_tone_db(left + 30 * FS, 50 * FS, 1000.0);
		free(out);
		free(left);
		snd_engine_destroy(&b);
	}
	printf("ducking: other speaker %.1f dB, %.1f dB under a priority speaker\n", other_db[0],
	       other_db[1]);
	assert_true(other_db[0] - other_db[1] > 10.0 && other_db[0] - other_db[1] < 14.0);
	free(r1);
	free(r2);
}

static void vad_tone(struct snd_config *c)
{
	c->denoise = false;
	c->agc = false;
	c->vad = false; /* level gate only */
}

static void test_mute_ptt_vad_dtx(void **state)
{
	(void)state;
	uint32_t n = SECONDS(2);
	int16_t *tone = calloc(n, 2), *quiet = calloc(n, 2);
	snd_tk_tone(tone, n, 440.0, 0.3, 0, 0);
	struct snd_tk_link l;

	/* muted in VAD mode: nothing */
	struct snd_engine *a = engine(vad_tone);
	snd_engine_set_mute(a, true);
	snd_tk_link_init(&l, a, NULL, &(struct snd_tk_link_config){0});
	run(&l, tone, NULL, n);
	assert_int_equal(l.sent, 0);
	assert_false(snd_engine_transmitting(a));
	assert_true(snd_engine_mic_level_db(a) > -15.0f); /* the meter still works */

	/* unmuted: transmits; muting closes the spurt with one last packet */
	snd_engine_set_mute(a, false);
	run(&l, tone, NULL, n / 2);
	assert_true(snd_engine_transmitting(a));
	uint32_t sent = l.sent;
	assert_true(sent >= 45);
	snd_engine_set_mute(a, true);
	run(&l, tone, NULL, n / 2);
	assert_int_equal(l.sent, sent + 1);
	assert_int_equal(l.last_flags, 1);
	snd_engine_destroy(&a);

	/* VAD: a 0.5 s tone then silence: hang-over ~300 ms, then last */
	a = engine(vad_tone);
	snd_tk_link_init(&l, a, NULL, &(struct snd_tk_link_config){0});
	run(&l, tone, NULL, SECONDS(0.5));
	run(&l, quiet, NULL, SECONDS(1));
	struct snd_stats sv;
	snd_engine_stats(a, &sv);
	printf("VAD: 0.5 s tone -> %u packets + %u DTX frames not sent (25 voiced + 15 hang-over)"
	       ", last flags %u\n", l.sent, sv.dtx_skipped, l.last_flags);
	/* +1: the echo canceller's 10 ms delay carries the tone into frame 26 */
	assert_true(l.sent + sv.dtx_skipped >= 25 + 15 && l.sent + sv.dtx_skipped <= 26 + 15);
	assert_int_equal(l.last_flags, 1);
	snd_engine_destroy(&a);

	/* PTT mode: nothing until pressed; release sends last */
	a = engine(ptt_mode);
	snd_tk_link_init(&l, a, NULL, &(struct snd_tk_link_config){0});
	run(&l, tone, NULL, n);
	assert_int_equal(l.sent, 0);
	snd_engine_set_ptt(a, true);
	run(&l, tone, NULL, SECONDS(1));
	assert_int_equal(l.sent, 50);
	snd_engine_set_ptt(a, false);
	run(&l, tone, NULL, SECONDS(1));
	assert_int_equal(l.sent, 51);
	assert_int_equal(l.last_flags, 1);

	/* DTX: PTT held over digital silence sends almost nothing */
	uint32_t before = l.sent;
	uint32_t skipped_before = 0;
	{
		struct snd_stats s0;
		snd_engine_stats(a, &s0);
		skipped_before = s0.dtx_skipped;
	}
	snd_engine_set_ptt(a, true);
	run(&l, quiet, NULL, n);
	struct snd_stats st;
	snd_engine_stats(a, &st);
	printf("DTX: 100 silent frames -> %u packets, %u skipped\n", l.sent - before,
	       st.dtx_skipped);
	assert_true(l.sent - before <= 20);
	assert_true(st.dtx_skipped - skipped_before >= 85);
	snd_engine_destroy(&a);
	free(tone);
	free(quiet);
}

static void test_speaker_slots_full(void **state)
{
	(void)state;
	struct recorded *r = calloc(1, sizeof(*r));
	record(r, 3, 440.0);
	struct snd_engine *b = engine(NULL);
	for (uint16_t id = 1; id <= SND_MAX_SPEAKERS + 1; id++)
		push(b, id, &r->p[0], 0, 0);
	b_frame(b, 0, NULL);
	struct snd_stats st;
	snd_engine_stats(b, &st);
	assert_int_equal(st.dropped_speakers, 1);
	assert_int_equal(st.total.received, SND_MAX_SPEAKERS);
	/* 2 s of silence frees the slots; then the 17th fits */
	for (uint32_t f = 1; f < 120; f++)
		b_frame(b, f, NULL);
	push(b, 17, &r->p[1], 1, 120);
	b_frame(b, 120, NULL);
	snd_engine_stats(b, &st);
	assert_int_equal(st.dropped_speakers, 1);
	bool found = false;
	for (uint32_t i = 0; i < SND_MAX_SPEAKERS; i++)
		found |= st.speakers[i].speaker == 17;
	assert_true(found);
	/* the incoming ring refuses when full, and counts */
	uint32_t refused = 0;
	for (uint32_t i = 0; i < 300; i++)
		refused += !snd_engine_push_packet(b, 1, (uint16_t)i, r->p[0].data, r->p[0].len, 0);
	snd_engine_stats(b, &st);
	assert_int_equal(refused, 300 - 256);
	assert_int_equal(st.dropped_in_ring, refused);
	snd_engine_destroy(&b);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback_tone_and_latency),
		cmocka_unit_test(test_jitter_reorder_duplicates_wrap),
		cmocka_unit_test(test_jitter_late_packet),
		cmocka_unit_test(test_jitter_target_grows_and_shrinks),
		cmocka_unit_test(test_fec_and_plc),
		cmocka_unit_test(test_spatial_pan_distance),
		cmocka_unit_test(test_priority_ducks),
		cmocka_unit_test(test_mute_ptt_vad_dtx),
		cmocka_unit_test(test_speaker_slots_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
