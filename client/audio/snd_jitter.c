/**
 * @file snd_jitter.c
 * @brief Per-speaker adaptive jitter buffers and Opus decoding (audio thread).
 *
 * Each speaker has SND_JB_SLOTS slots indexed by widened seq & 63. A talk
 * spurt starts target_us after its first packet arrived. Each frame period
 * plays the next seq: its own packet, else FEC from seq + 1, else PLC (or
 * silence). When nothing later is buffered the frame is an underrun: it is
 * concealed without advancing (the buffer stretches by one frame) and after
 * max_plc_frames such frames the spurt ends. When target + 2 frames or more
 * are queued, one frame is dropped: at once if it is quiet, else after the
 * excess lasted SND_TRIM_WAIT_FRAMES.
 */
#include "snd_internal.h"

#include <opus/opus.h>
#include <string.h>

#define SND_SLOT_IDLE_US 2000000u  /* a silent speaker's slot is freed after 2 s */
#define SND_QUIET_DB -40.0f         /* frames below this may be trimmed */
#define SND_PAUSE_US 200000u        /* Opus DTX needs about this much silence */
#define SND_TRIM_WAIT_FRAMES 50u    /* too deep this long: trim even if not quiet */

enum core_result snd_jitter_init(struct snd_engine *e)
{
	for (uint32_t i = 0; i < SND_MAX_SPEAKERS; i++) {
		int err = 0;
		e->speakers[i].dec = opus_decoder_create(SND_RATE_HZ, 1, &err);
		if (err != OPUS_OK || !e->speakers[i].dec) {
			CORE_ERROR("snd: opus_decoder_create: %s", opus_strerror(err));
			return CORE_ERR_NOMEM;
		}
		e->speakers[i].stats = &e->slot_stats[i];
	}
	return CORE_OK;
}

void snd_jitter_fini(struct snd_engine *e)
{
	for (uint32_t i = 0; i < SND_MAX_SPEAKERS; i++) {
		if (e->speakers[i].dec)
			opus_decoder_destroy(e->speakers[i].dec);
		e->speakers[i].dec = NULL;
	}
}

static void publish_target(struct snd_engine *e, struct snd_speaker *sp)
{
	atomic_store_explicit(&sp->stats->target_delay_us, (uint32_t)sp->target_us,
			      memory_order_relaxed);
	atomic_store_explicit(&e->total.target_delay_us, (uint32_t)sp->target_us,
			      memory_order_relaxed);
}

static struct snd_speaker *find_speaker(struct snd_engine *e, uint16_t id)
{
	struct snd_speaker *free_slot = NULL;
	for (uint32_t i = 0; i < SND_MAX_SPEAKERS; i++) {
		if (e->speakers[i].id == id)
			return &e->speakers[i];
		if (!free_slot && e->speakers[i].id == 0)
			free_slot = &e->speakers[i];
	}
	if (!free_slot)
		return NULL;
	struct snd_speaker *sp = free_slot;
	OpusDecoder *dec = sp->dec;
	struct snd_counters *stats = sp->stats;
	opus_decoder_ctl(dec, OPUS_RESET_STATE);
	memset(sp, 0, offsetof(struct snd_speaker, pcm));
	sp->dec = dec;
	sp->stats = stats;
	sp->id = id;
	sp->duck = 1.0f;
	sp->gain_l = -1.0f; /* set from the first frame's target, no ramp-in */
	sp->target_us = (float)e->frame_us;
	/* The network side may be reading them: one atomic store each. */
	_Atomic uint32_t *const zero[] = {&stats->received, &stats->lost, &stats->concealed,
					  &stats->fec_recovered, &stats->late, &stats->duplicates,
					  &stats->trimmed, &stats->target_delay_us, &stats->delay_count};
	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		atomic_store_explicit(zero[i], 0, memory_order_relaxed);
	atomic_store_explicit(&stats->delay_sum_us, 0, memory_order_relaxed);
	atomic_store_explicit(&stats->speaker, id, memory_order_relaxed);
	publish_target(e, sp);
	return sp;
}

static void count2(struct snd_engine *e, struct snd_speaker *sp, size_t field)
{
	snd_count((_Atomic uint32_t *)((char *)sp->stats + field));
	snd_count((_Atomic uint32_t *)((char *)&e->total + field));
}
#define COUNT(e, sp, f) count2((e), (sp), offsetof(struct snd_counters, f))

static int64_t widen(const struct snd_speaker *sp, uint16_t seq)
{
	if (!sp->have_seq)
		return (int64_t)seq + SND_SEQ_MOD;
	int64_t ref = sp->max_seq;
	int32_t d = (int32_t)((seq - (uint32_t)(ref & (SND_SEQ_MOD - 1)) + SND_SEQ_MOD / 2) &
			      (SND_SEQ_MOD - 1)) -
		    SND_SEQ_MOD / 2;
	return ref + d;
}

static void update_target(struct snd_engine *e, struct snd_speaker *sp)
{
	float frame = (float)e->frame_us;
	float want = frame + 3.0f * sp->jitter_us;
	float max = (float)e->cfg.max_delay_ms * 1000.0f;
	if (want > sp->target_us)
		sp->target_us = want; /* grow at once */
	else
		sp->target_us -= (sp->target_us - want) / 128.0f; /* shrink over seconds */
	sp->target_us = CORE_CLAMP(sp->target_us, frame, max);
	publish_target(e, sp);
}

void snd_jitter_insert(struct snd_engine *e, const struct snd_incoming *in)
{
	struct snd_speaker *sp = find_speaker(e, in->speaker);
	if (!sp) {
		snd_count(&e->dropped_speakers);
		return;
	}
	COUNT(e, sp, received);
	int64_t seq = widen(sp, in->seq);
	if (sp->waiting && seq < sp->next_seq && sp->next_seq - seq < SND_JB_SLOTS / 2)
		sp->next_seq = seq; /* reordered at the start of a spurt: not yet played */
	if (sp->have_seq && seq < sp->next_seq) {
		COUNT(e, sp, late);
		sp->target_us += (float)e->frame_us; /* grow quickly on late packets */
		update_target(e, sp);
		return;
	}
	bool idle = !sp->playing && !sp->waiting;
	if (idle || seq >= sp->next_seq + SND_JB_SLOTS) {
		/* a new talk spurt (or one too far ahead to keep): start over */
		for (uint32_t i = 0; i < SND_JB_SLOTS; i++)
			sp->slots[i].used = false;
		sp->playing = false;
		sp->waiting = true;
		sp->next_seq = seq;
		sp->max_seq = seq;
		sp->start_at_us = in->arrival_us + (uint64_t)sp->target_us;
		sp->transit_valid = false;
		sp->plc_run = 0;
	}
	sp->have_seq = true;
	sp->last_arrival_us = in->arrival_us;
	struct snd_jb_slot *slot = &sp->slots[seq & (SND_JB_SLOTS - 1)];
	if (slot->used && slot->seq == seq) {
		COUNT(e, sp, duplicates);
		return;
	}
	slot->used = true;
	slot->seq = seq;
	slot->arrival_us = in->arrival_us;
	slot->len = in->len;
	memcpy(slot->data, in->data, in->len);
	if (seq > sp->max_seq)
		sp->max_seq = seq;

	int64_t transit = (int64_t)in->arrival_us - seq * (int64_t)e->frame_us;
	/* seq does not advance over the sender's DTX pauses: a jump that long
	 * is a pause, not network jitter */
	if (sp->transit_valid && transit - sp->prev_transit_us < (int64_t)SND_PAUSE_US) {
		int64_t d = transit - sp->prev_transit_us;
		float ad = (float)(d < 0 ? -d : d);
		sp->jitter_us += (ad - sp->jitter_us) / 16.0f;
	}
	sp->prev_transit_us = transit;
	sp->transit_valid = true;
	update_target(e, sp);
}

static void log_played(struct snd_engine *e, const struct snd_speaker *sp, int64_t seq,
		       enum snd_play_how how, uint64_t arrival_us, uint64_t play_us)
{
	struct snd_played p = {
		.speaker = sp->id,
		.seq = (uint16_t)(seq & (SND_SEQ_MOD - 1)),
		.how = how,
		.arrival_us = arrival_us,
		.play_us = play_us,
	};
	if (!snd_ring_push(&e->played_ring, &p))
		snd_count(&e->dropped_played_log);
}

static float frame_db(const float *pcm, uint32_t n)
{
	double sum = 0.0;
	for (uint32_t i = 0; i < n; i++)
		sum += (double)pcm[i] * pcm[i];
	return snd_db((float)sqrt(sum / n));
}

/* Decodes the next frame from its own packet; false if it is not here. */
static bool decode_own(struct snd_engine *e, struct snd_speaker *sp, uint64_t play_us)
{
	struct snd_jb_slot *slot = &sp->slots[sp->next_seq & (SND_JB_SLOTS - 1)];
	if (!slot->used || slot->seq != sp->next_seq)
		return false;
	int n = opus_decode_float(sp->dec, slot->data, slot->len, sp->pcm, (int)e->fs, 0);
	if (n != (int)e->fs)
		memset(sp->pcm, 0, e->fs * sizeof(float));
	slot->used = false;
	uint64_t delay = play_us > slot->arrival_us ? play_us - slot->arrival_us : 0;
	atomic_fetch_add_explicit(&sp->stats->delay_sum_us, delay, memory_order_relaxed);
	atomic_fetch_add_explicit(&e->total.delay_sum_us, delay, memory_order_relaxed);
	COUNT(e, sp, delay_count);
	log_played(e, sp, sp->next_seq, SND_PLAY_DECODED, slot->arrival_us, play_us);
	sp->next_seq++;
	sp->plc_run = 0;
	return true;
}

static void conceal(struct snd_engine *e, struct snd_speaker *sp, uint64_t play_us)
{
	COUNT(e, sp, concealed);
	if (e->cfg.plc) {
		int n = opus_decode_float(sp->dec, NULL, 0, sp->pcm, (int)e->fs, 0);
		if (n != (int)e->fs)
			memset(sp->pcm, 0, e->fs * sizeof(float));
		log_played(e, sp, sp->next_seq, SND_PLAY_PLC, 0, play_us);
	} else {
		memset(sp->pcm, 0, e->fs * sizeof(float));
		log_played(e, sp, sp->next_seq, SND_PLAY_SILENCE, 0, play_us);
	}
}

static bool speaker_frame(struct snd_engine *e, struct snd_speaker *sp, uint64_t play_us)
{
	if (!sp->playing) {
		if (!sp->waiting || play_us < sp->start_at_us)
			return false;
		sp->waiting = false;
		sp->playing = true;
	}
	int64_t queued = sp->max_seq - sp->next_seq + 1;
	float excess_frames = ((float)queued * (float)e->frame_us - sp->target_us) /
			      (float)e->frame_us;
	if (decode_own(e, sp, play_us)) {
		/* too deep: drop this frame if quiet (or the next one regardless) */
		sp->excess_run = excess_frames >= 2.0f ? sp->excess_run + 1 : 0;
		bool trim = sp->excess_run > 0 &&
			    (sp->excess_run >= SND_TRIM_WAIT_FRAMES ||
			     frame_db(sp->pcm, e->fs) < SND_QUIET_DB);
		if (trim)
			sp->excess_run = 0;
		if (trim && decode_own(e, sp, play_us))
			COUNT(e, sp, trimmed);
		return true;
	}
	bool later = sp->max_seq > sp->next_seq;
	if (!later) {
		/* underrun: stretch, or end the spurt */
		if (sp->plc_run >= e->cfg.max_plc_frames) {
			sp->playing = false;
			sp->transit_valid = false;
			return false;
		}
		sp->plc_run++;
		conceal(e, sp, play_us);
		return true;
	}
	/* the frame is lost: FEC from the next packet, else conceal */
	COUNT(e, sp, lost);
	sp->plc_run++;
	struct snd_jb_slot *next = &sp->slots[(sp->next_seq + 1) & (SND_JB_SLOTS - 1)];
	if (e->cfg.fec && next->used && next->seq == sp->next_seq + 1 &&
	    opus_decode_float(sp->dec, next->data, next->len, sp->pcm, (int)e->fs, 1) ==
		    (int)e->fs) {
		COUNT(e, sp, fec_recovered);
		log_played(e, sp, sp->next_seq, SND_PLAY_FEC, next->arrival_us, play_us);
	} else {
		conceal(e, sp, play_us);
	}
	sp->next_seq++;
	return true;
}

void snd_jitter_frame(struct snd_engine *e, uint64_t play_us)
{
	for (uint32_t i = 0; i < SND_MAX_SPEAKERS; i++) {
		struct snd_speaker *sp = &e->speakers[i];
		sp->audible = false;
		if (sp->id == 0)
			continue;
		sp->audible = speaker_frame(e, sp, play_us);
		if (!sp->audible && !sp->waiting && play_us > sp->last_arrival_us + SND_SLOT_IDLE_US) {
			sp->id = 0;
			atomic_store_explicit(&sp->stats->speaker, 0, memory_order_relaxed);
		}
	}
}
