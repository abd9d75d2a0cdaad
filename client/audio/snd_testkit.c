/**
 * @file snd_testkit.c
 * @brief Simulated A->B link and signal metrics (see snd_testkit.h).
 */
#include "snd_testkit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double snd_tk_rand(uint64_t *state)
{
	/* splitmix64 */
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0;
}

enum core_result snd_tk_loopback_engine(struct snd_engine **out_engine)
{
	struct snd_config cfg;
	snd_config_defaults(&cfg);
	cfg.aec = false;
	enum core_result r = snd_engine_create(&cfg, out_engine);
	if (r == CORE_OK)
		snd_engine_set_loopback(*out_engine, 7);
	return r;
}

void snd_tk_link_init(struct snd_tk_link *l, struct snd_engine *a, struct snd_engine *b,
		      const struct snd_tk_link_config *cfg)
{
	memset(l, 0, sizeof(*l));
	l->a = a;
	l->b = b;
	l->cfg = *cfg;
	if (!l->cfg.speaker)
		l->cfg.speaker = 1;
	l->rng = cfg->seed;
	l->t0_us = 1000000u;
	l->t_us = l->t0_us;
	l->fs = snd_engine_frame_samples(a);
	l->drop_seq = -1;
}

int64_t snd_tk_sample_at(const struct snd_tk_link *l, uint64_t t_us)
{
	return ((int64_t)t_us - (int64_t)l->t0_us) * SND_RATE_HZ / 1000000;
}

void snd_tk_link_step(struct snd_tk_link *l, const int16_t *a_in, int16_t *b_out)
{
	uint64_t frame_us = (uint64_t)l->fs * 1000000u / SND_RATE_HZ;
	/* deliver in arrival order */
	for (;;) {
		uint32_t best = UINT32_MAX;
		for (uint32_t i = 0; i < l->queued; i++)
			if (l->queue[i].arrival_us <= l->t_us &&
			    (best == UINT32_MAX || l->queue[i].arrival_us < l->queue[best].arrival_us))
				best = i;
		if (best == UINT32_MAX)
			break;
		struct snd_tk_flight *f = &l->queue[best];
		if (l->b)
			(void)snd_engine_push_packet(l->b, l->cfg.speaker, f->seq, f->data, f->len,
						     f->arrival_us);
		l->queue[best] = l->queue[--l->queued];
	}
	int16_t *out = b_out ? b_out : l->a_out;
	if (l->b)
		snd_engine_process(l->b, NULL, out, l->fs, l->t_us);
	snd_engine_process(l->a, a_in, l->a_out, l->fs, l->t_us);
	struct snd_packet p;
	while (snd_engine_pop_packet(l->a, &p)) {
		l->sent++;
		l->capture_us[p.seq] = p.capture_us;
		if (p.last)
			l->last_flags++;
		bool drop = (int64_t)p.seq == l->drop_seq;
		if (l->cfg.loss > 0.0f && snd_tk_rand(&l->rng) < l->cfg.loss)
			drop = true;
		if (drop || l->queued == SND_TK_QUEUE) {
			l->dropped_by_link++;
			continue;
		}
		struct snd_tk_flight *f = &l->queue[l->queued++];
		uint64_t jitter = 0;
		if (l->cfg.jitter_ms)
			jitter = (uint64_t)(snd_tk_rand(&l->rng) * l->cfg.jitter_ms * 1000.0);
		f->arrival_us = l->t_us + frame_us + l->cfg.delay_ms * 1000u + jitter;
		f->seq = p.seq;
		f->len = p.len;
		memcpy(f->data, p.data, p.len);
	}
	l->t_us += frame_us;
}

void snd_tk_left(const int16_t *stereo, int16_t *out_mono, uint32_t frames)
{
	for (uint32_t i = 0; i < frames; i++)
		out_mono[i] = stereo[2 * i];
}

static double env_db(const int16_t *x, uint32_t win)
{
	double s = 0.0;
	for (uint32_t i = 0; i < win; i++)
		s += (double)x[i] * x[i];
	double db = 10.0 * log10(s / win / (32768.0 * 32768.0) + 1e-12);
	return db < -60.0 ? -60.0 : db;
}

double snd_tk_envelope_corr(const int16_t *x, const int16_t *y, uint32_t n, int32_t lag,
			    uint32_t win)
{
	double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
	uint32_t m = 0;
	for (uint32_t i = 0; i + win <= n; i += win) {
		double a = env_db(x + i, win);
		double b = env_db(y + i + lag, win);
		sx += a;
		sy += b;
		sxx += a * a;
		syy += b * b;
		sxy += a * b;
		m++;
	}
	if (m < 2)
		return 0.0;
	double cov = sxy - sx * sy / m;
	double vx = sxx - sx * sx / m, vy = syy - sy * sy / m;
	return vx > 0 && vy > 0 ? cov / sqrt(vx * vy) : 0.0;
}

int32_t snd_tk_best_lag(const int16_t *x, const int16_t *y, uint32_t n, uint32_t max_lag)
{
	/* coarse: 1 ms envelopes */
	double best = -2.0;
	int32_t lag = 0;
	for (uint32_t l = 0; l <= max_lag; l += 48) {
		double c = snd_tk_envelope_corr(x, y, n, (int32_t)l, 48);
		if (c > best) {
			best = c;
			lag = (int32_t)l;
		}
	}
	/* fine: samples, +-2 ms */
	int32_t lo = CORE_MAX(lag - 96, 0), hi = CORE_MIN(lag + 96, (int32_t)max_lag);
	double best_xc = -1e300;
	int32_t fine = lag;
	for (int32_t l = lo; l <= hi; l++) {
		double xc = 0.0;
		for (uint32_t i = 0; i < n; i++)
			xc += (double)x[i] * y[i + (uint32_t)l];
		if (xc > best_xc) {
			best_xc = xc;
			fine = l;
		}
	}
	return fine;
}

double snd_tk_tone_db(const int16_t *x, uint32_t n, double hz)
{
	double w = 2.0 * 3.14159265358979 * hz / SND_RATE_HZ, c = 2.0 * cos(w);
	double s1 = 0, s2 = 0;
	for (uint32_t i = 0; i < n; i++) {
		double s0 = x[i] / 32768.0 + c * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	double p = s1 * s1 + s2 * s2 - c * s1 * s2;
	return 10.0 * log10(p * 2.0 / ((double)n * n) + 1e-15) + 3.0103;
}

double snd_tk_rms_db(const int16_t *x, uint32_t n, uint32_t stride)
{
	double s = 0.0;
	for (uint32_t i = 0; i < n; i++)
		s += (double)x[i * stride] * x[i * stride];
	return 10.0 * log10(s / n / (32768.0 * 32768.0) + 1e-15);
}

void snd_tk_tone(int16_t *out, uint32_t n, double hz, double amp, uint32_t on_ms,
		 uint32_t period_ms)
{
	for (uint32_t i = 0; i < n; i++) {
		bool on = true;
		if (period_ms)
			on = (i / 48u) % period_ms < on_ms;
		double v = on ? amp * sin(2.0 * 3.14159265358979 * hz * i / SND_RATE_HZ) : 0.0;
		out[i] = (int16_t)lrint(v * 32767.0);
	}
}

void snd_tk_voice(int16_t *out, uint32_t n, double f0_hz, double amp)
{
	/* glottal pulses through two formant resonators, 4 syllables a second */
	const double pi = 3.14159265358979;
	double ph = 0, y1 = 0, y2 = 0, z1 = 0, z2 = 0, r = 0.97;
	double c1 = 2 * r * cos(2 * pi * 700.0 / SND_RATE_HZ);
	double c2 = 2 * r * cos(2 * pi * 1500.0 / SND_RATE_HZ);
	for (uint32_t i = 0; i < n; i++) {
		double t = (double)i / SND_RATE_HZ;
		ph += (f0_hz + 0.15 * f0_hz * sin(2 * pi * 1.3 * t)) / SND_RATE_HZ;
		double x = 0.0;
		if (ph >= 1.0) {
			ph -= 1.0;
			x = 1.0;
		}
		double y = x + c1 * y1 - r * r * y2;
		y2 = y1;
		y1 = y;
		double z = y + c2 * z1 - r * r * z2;
		z2 = z1;
		z1 = z;
		double env = 0.5 - 0.5 * cos(2 * pi * 4.0 * t);
		double v = z * env * amp * 0.012;
		out[i] = (int16_t)lrint(CORE_CLAMP(v, -1.0, 1.0) * 32767.0);
	}
}
