/* What a crowd in one zone sees of itself (issue 13's lecture of 250):
 * how long after two bots are both in the room each has the other in its
 * snapshots, whether walkers near a bot are fresh in every snapshot it
 * gets, and whether anyone vanishes from a snapshot while still there.
 * Kept only for --behavior lecture: it costs memory per bot. */
#include "bot.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* A walker this close to a receiver must be updated in every snapshot. */
#define CROWD_NEAR_MM 5000

struct bot_crowd {
	uint64_t *first_seen_us;  /* by id; 0: not yet */
	uint32_t *prev_time;      /* by id: its send time in the previous snapshot */
	uint8_t prev_in[BOT_ID_SLOTS / 8];
	uint32_t prev_seq;
};

bool bot_crowd_init(struct bot *b)
{
	b->crowd = calloc(1, sizeof(*b->crowd));
	if (!b->crowd)
		return false;
	b->crowd->first_seen_us = calloc(BOT_ID_SLOTS, sizeof(uint64_t));
	b->crowd->prev_time = calloc(BOT_ID_SLOTS, sizeof(uint32_t));
	return b->crowd->first_seen_us && b->crowd->prev_time;
}

void bot_crowd_free(struct bot *b)
{
	if (!b->crowd)
		return;
	free(b->crowd->first_seen_us);
	free(b->crowd->prev_time);
	free(b->crowd);
	b->crowd = NULL;
}

static bool has(const uint8_t *set, uint16_t id)
{
	return set[id / 8] & (1u << (id % 8));
}

/* Walking now, by the truth of its own bot: a lecture walker that is not
 * seated (walkers never stop). */
static bool walker(const struct bot_run *run, uint16_t id)
{
	const struct bot *t = run->by_id[id];
	return t && t->index < run->opt.walkers && t->conn.state == CL_STATE_JOINED &&
	       t->conn.predicted.seat == SIM_SEAT_NONE;
}

void bot_crowd_on_snapshot(struct bot_run *run, struct bot *b, uint64_t now_us)
{
	struct bot_crowd *k = b->crowd;
	const struct proto_snapshot *s = &b->conn.snap;
	const bool next = k->prev_seq && s->seq == k->prev_seq + 1;
	uint8_t now_in[BOT_ID_SLOTS / 8] = {0};
	for (int i = 0; i < s->count; i++) {
		const struct proto_snapshot_avatar *a = &s->avatars[i];
		if (a->id > PROTO_MAX_CLIENT_ID)
			continue;
		now_in[a->id / 8] |= (uint8_t)(1u << (a->id % 8));
		if (!k->first_seen_us[a->id])
			k->first_seen_us[a->id] = now_us;
		int64_t dx = a->state.pos_x_mm - s->self.pos_x_mm,
			dy = a->state.pos_y_mm - s->self.pos_y_mm;
		if (next && has(k->prev_in, a->id) && walker(run, a->id) &&
		    dx * dx + dy * dy <= (int64_t)CROWD_NEAR_MM * CROWD_NEAR_MM) {
			run->crowd_near_samples++;
			run->crowd_near_stale += a->send_time_us == k->prev_time[a->id];
		}
		k->prev_time[a->id] = a->send_time_us;
	}
	/* Gone from this snapshot while its bot is still in the zone. */
	for (int id = 1; k->prev_seq && id < BOT_ID_SLOTS; id++) {
		if (!has(k->prev_in, (uint16_t)id) || has(now_in, (uint16_t)id))
			continue;
		const struct bot *t = run->by_id[id];
		if (t && t->conn.state == CL_STATE_JOINED && t->conn.predicted.zone == s->self.zone)
			run->crowd_vanished++;
	}
	memcpy(k->prev_in, now_in, sizeof(now_in));
	k->prev_seq = s->seq;
}

static double percentile(double *v, int n, double p)
{
	if (!n)
		return 0;
	for (int i = 1; i < n; i++) /* insertion sort: a few hundred values */
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			double t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	int at = (int)(p / 100.0 * (n - 1) + 0.5);
	return v[at];
}

json_t *bot_crowd_report(const struct bot_run *run)
{
	int n = 0;
	uint64_t unseen = 0;
	double *worst = calloc((size_t)run->opt.count + 1, sizeof(double));
	for (int i = 0; worst && i < run->opt.count; i++) {
		const struct bot *b = &run->bots[i];
		if (!b->crowd || !b->joined_once || b->conn.state != CL_STATE_JOINED)
			continue;
		double w = 0;
		for (int j = 0; j < run->opt.count; j++) {
			const struct bot *t = &run->bots[j];
			if (t == b || !t->joined_once || t->conn.state != CL_STATE_JOINED ||
			    t->conn.predicted.zone != b->conn.predicted.zone)
				continue;
			uint64_t seen = b->crowd->first_seen_us[t->conn.welcome.client_id];
			uint64_t both = CORE_MAX(b->joined_us, t->joined_us);
			if (!seen) {
				unseen++;
				continue;
			}
			w = CORE_MAX(w, seen > both ? (double)(seen - both) / 1e6 : 0.0);
		}
		worst[n++] = w;
	}
	/* Sorted by the first call, before the maximum is read. */
	double p50 = percentile(worst, n, 50), p99 = percentile(worst, n, 99),
	       max = n ? worst[n - 1] : 0.0;
	json_t *o = json_pack("{s:i,s:f,s:f,s:f,s:I,s:I,s:I,s:I}", "bots", n, "see_everyone_s_p50",
			      p50, "see_everyone_s_p99", p99, "see_everyone_s_max", max,
			      "pairs_never_seen",
			      (json_int_t)unseen, "near_walker_snapshots",
			      (json_int_t)run->crowd_near_samples, "near_walker_stale",
			      (json_int_t)run->crowd_near_stale, "vanished",
			      (json_int_t)run->crowd_vanished);
	free(worst);
	return o;
}
