/**
 * @file snd_mix.c
 * @brief Spatial mix: distance, constant-power panning, priority ducking, limiter.
 */
#include "snd_internal.h"

#include <string.h>

#define SND_FULL_GAIN_M 2.0f    /* no attenuation up to this distance */
#define SND_MIN_DIST_GAIN 0.1f  /* -20 dB floor: a classroom stays intelligible */
#define SND_DUCK_GAIN 0.25f     /* -12 dB under a priority speaker */
#define SND_PAN_WIDTH 0.8f      /* never pan fully into one ear */
#define SND_LIMIT_KNEE 0.8f

static const float snd_pi = 3.14159265358979f;

/* Target left/right gains of one speaker for this frame, ducking excluded. */
static void speaker_gains(const struct snd_engine *e, uint16_t id, float *out_l, float *out_r,
			  bool *out_priority)
{
	const struct snd_speaker_param *p = &e->params[id];
	uint32_t flags = atomic_load_explicit(&p->flags, memory_order_relaxed);
	float vol = atomic_load_explicit(&p->volume, memory_order_relaxed);
	*out_priority = (flags & SND_PARAM_PRIORITY) != 0;
	if (!(flags & SND_PARAM_HAS_POS)) {
		*out_l = vol;
		*out_r = vol;
		return;
	}
	float lx = (float)atomic_load_explicit(&e->listener_x_mm, memory_order_relaxed);
	float ly = (float)atomic_load_explicit(&e->listener_y_mm, memory_order_relaxed);
	uint32_t yaw = atomic_load_explicit(&e->listener_yaw, memory_order_relaxed);
	float dx = ((float)atomic_load_explicit(&p->x_mm, memory_order_relaxed) - lx) / 1000.0f;
	float dy = ((float)atomic_load_explicit(&p->y_mm, memory_order_relaxed) - ly) / 1000.0f;
	float dist = sqrtf(dx * dx + dy * dy);
	float g = dist <= SND_FULL_GAIN_M ? 1.0f : SND_FULL_GAIN_M / dist;
	g = CORE_MAX(g, SND_MIN_DIST_GAIN) * vol;
	/* pan > 0: the speaker is to the listener's left */
	float pan = 0.0f;
	if (dist > 0.01f) {
		float facing = (float)yaw * 2.0f * snd_pi / 65536.0f;
		pan = sinf(atan2f(dy, dx) - facing) * SND_PAN_WIDTH;
	}
	float theta = (1.0f - pan) * snd_pi / 4.0f; /* 0: all left, pi/2: all right */
	*out_l = g * sqrtf(2.0f) * cosf(theta);
	*out_r = g * sqrtf(2.0f) * sinf(theta);
}

static float limit(float x)
{
	float a = fabsf(x);
	if (a <= SND_LIMIT_KNEE)
		return x;
	float y = SND_LIMIT_KNEE + (1.0f - SND_LIMIT_KNEE) * tanhf((a - SND_LIMIT_KNEE) /
								   (1.0f - SND_LIMIT_KNEE));
	return x < 0.0f ? -y : y;
}

void snd_mix_frame(struct snd_engine *e)
{
	uint32_t fs = e->fs;
	float k = (float)e->cfg.frame_ms / 20.0f;
	memset(e->mix_l, 0, fs * sizeof(float));
	memset(e->mix_r, 0, fs * sizeof(float));

	bool any_priority = false;
	for (uint32_t i = 0; i < SND_MAX_SPEAKERS; i++) {
		struct snd_speaker *sp = &e->speakers[i];
		if (!sp->audible)
			continue;
		uint32_t flags = atomic_load_explicit(&e->params[sp->id].flags, memory_order_relaxed);
		sp->priority = (flags & SND_PARAM_PRIORITY) != 0;
		any_priority |= sp->priority;
	}
	for (uint32_t i = 0; i < SND_MAX_SPEAKERS; i++) {
		struct snd_speaker *sp = &e->speakers[i];
		if (!sp->audible)
			continue;
		float gl, gr;
		bool prio;
		speaker_gains(e, sp->id, &gl, &gr, &prio);
		float duck_to = any_priority && !sp->priority ? SND_DUCK_GAIN : 1.0f;
		float coef = duck_to < sp->duck ? 0.6f * k : 0.1f * k; /* attack ~30 ms, release ~200 ms */
		sp->duck += (duck_to - sp->duck) * CORE_MIN(coef, 1.0f);
		gl *= sp->duck;
		gr *= sp->duck;
		if (sp->gain_l < 0.0f) {
			sp->gain_l = gl;
			sp->gain_r = gr;
		}
		float sl = (gl - sp->gain_l) / (float)fs;
		float sr = (gr - sp->gain_r) / (float)fs;
		float cl = sp->gain_l, cr = sp->gain_r;
		for (uint32_t s = 0; s < fs; s++) {
			cl += sl;
			cr += sr;
			e->mix_l[s] += sp->pcm[s] * cl;
			e->mix_r[s] += sp->pcm[s] * cr;
		}
		sp->gain_l = gl;
		sp->gain_r = gr;
	}

	float master = atomic_load_explicit(&e->master, memory_order_relaxed);
	float m0 = e->master_applied, ms = (master - m0) / (float)fs;
	for (uint32_t s = 0; s < fs; s++) {
		float m = m0 + ms * (float)(s + 1);
		float l = limit(e->mix_l[s] * m);
		float r = limit(e->mix_r[s] * m);
		int il = (int)lrintf(l * 32767.0f);
		int ir = (int)lrintf(r * 32767.0f);
		e->play[2 * s] = (int16_t)il;
		e->play[2 * s + 1] = (int16_t)ir;
		e->ref[s] = (int16_t)((il + ir) / 2);
	}
	e->master_applied = master;
}
