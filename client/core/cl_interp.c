/* Remote avatars: every snapshot's states go into a small ring per avatar,
 * stamped with server time; they are drawn interp_delay in the past,
 * interpolated between the two samples around that moment. The delay starts
 * at CL_INTERP_BASE_US and grows with measured jitter, so one lost snapshot
 * still leaves two samples to interpolate between or, at worst, a short
 * extrapolation along the last velocity. */
#include "cl.h"

#include <string.h>

#define CLOCK_RESET_US 500000
#define CLOCK_FAST_US 100000
#define CLOCK_DRIFT_US 1000
#define DELAY_STEP_US 2000
#define TELEPORT_MM 1000

static int64_t abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

static void clock_update(struct cl_conn *c, int64_t server_us, int64_t arrival_us)
{
	struct cl_clock *k = &c->clock;
	int64_t sample = server_us - arrival_us;
	int64_t period_us = 1000000 / (c->welcome.snapshot_hz ? c->welcome.snapshot_hz : 15);
	if (!k->valid || abs64(sample - k->delta_us) > CLOCK_RESET_US) {
		k->delta_us = sample;
		k->valid = true;
		k->resets++;
		k->jitter_us = 0;
		k->interp_delay_us = CL_INTERP_BASE_US;
	} else {
		int64_t diff = sample - k->delta_us;
		if (abs64(diff) > CLOCK_FAST_US)
			k->delta_us += diff / 2;
		else
			k->delta_us += CORE_CLAMP(diff, -CLOCK_DRIFT_US, CLOCK_DRIFT_US);
		int64_t d = (arrival_us - k->last_arrival_us) - (server_us - k->last_server_us);
		k->jitter_us += (abs64(d) - k->jitter_us) / 16;
	}
	k->last_server_us = server_us;
	k->last_arrival_us = arrival_us;
	int64_t target = CORE_MAX(CL_INTERP_BASE_US, period_us + 4 * k->jitter_us);
	k->interp_delay_us += CORE_CLAMP(target - k->interp_delay_us, -DELAY_STEP_US, DELAY_STEP_US);
}

int64_t cl_clock_server_now_us(const struct cl_conn *c, uint64_t now_us)
{
	return (int64_t)now_us + c->clock.delta_us;
}

static struct cl_remote *remote_for(struct cl_conn *c, uint16_t id)
{
	uint8_t slot = c->remote_slot[id];
	if (slot)
		return &c->remotes[slot - 1];
	for (int i = 0; i < CL_MAX_REMOTES; i++) {
		struct cl_remote *r = &c->remotes[i];
		if (r->id == 0) {
			memset(r, 0, sizeof(*r));
			r->id = id;
			c->remote_slot[id] = (uint8_t)(i + 1);
			return r;
		}
	}
	return NULL;
}

void cl_interp_on_snapshot(struct cl_conn *c, uint64_t arrival_us)
{
	const struct proto_snapshot *s = &c->snap;
	int64_t server_us = (int64_t)s->server_tick * 1000000 / c->welcome.tick_hz;
	clock_update(c, server_us, (int64_t)arrival_us);
	for (int i = 0; i < s->count; i++) {
		const struct proto_snapshot_avatar *a = &s->avatars[i];
		if (a->id == 0 || a->id > PROTO_MAX_CLIENT_ID)
			continue;
		struct cl_remote *r = remote_for(c, a->id);
		if (!r)
			continue;
		r->seen_seq = s->seq;
		struct cl_remote_sample *sm = &r->samples[r->count++ & (CL_REMOTE_SAMPLES - 1)];
		sm->server_us = server_us;
		sm->state = a->state;
		sm->send_time_us = a->send_time_us;
		sm->has_pose = a->has_pose;
		sm->pose = a->pose;
	}
	cl_items_on_snapshot(c, server_us);
	/* Whoever this snapshot no longer lists left the zone or the room. */
	for (int i = 0; i < CL_MAX_REMOTES; i++) {
		struct cl_remote *r = &c->remotes[i];
		if (r->id && r->seen_seq != s->seq) {
			c->remote_slot[r->id] = 0;
			r->id = 0;
		}
	}
}

static const struct cl_remote_sample *sample_at(const struct cl_remote *r, uint32_t back)
{
	return &r->samples[(r->count - 1 - back) & (CL_REMOTE_SAMPLES - 1)];
}

static int32_t lerp32(int32_t a, int32_t b, int64_t num, int64_t den)
{
	return (int32_t)(a + ((int64_t)b - a) * num / den);
}

static void view_between(const struct cl_remote_sample *a, const struct cl_remote_sample *b,
			 int64_t t, struct cl_view *v)
{
	int64_t num = t - a->server_us, den = b->server_us - a->server_us;
	int64_t dx = (int64_t)b->state.pos_x_mm - a->state.pos_x_mm;
	int64_t dy = (int64_t)b->state.pos_y_mm - a->state.pos_y_mm;
	const struct cl_remote_sample *discrete = num * 2 < den ? a : b;
	v->flags = discrete->state.flags;
	v->seat = discrete->state.seat;
	v->has_pose = discrete->has_pose;
	v->pose = discrete->pose;
	/* Never slide through a teleport or onto a seat: jump at the midpoint. */
	if (den <= 0 || dx * dx + dy * dy > (int64_t)TELEPORT_MM * TELEPORT_MM ||
	    a->state.seat != b->state.seat) {
		v->x_mm = discrete->state.pos_x_mm;
		v->y_mm = discrete->state.pos_y_mm;
		v->yaw = discrete->state.yaw;
		v->send_time_us = discrete->send_time_us;
		return;
	}
	v->x_mm = lerp32(a->state.pos_x_mm, b->state.pos_x_mm, num, den);
	v->y_mm = lerp32(a->state.pos_y_mm, b->state.pos_y_mm, num, den);
	int32_t dyaw = (int16_t)(uint16_t)(b->state.yaw - a->state.yaw);
	v->yaw = (uint16_t)(a->state.yaw + dyaw * num / den);
	int32_t dt = (int32_t)(b->send_time_us - a->send_time_us);
	v->send_time_us = a->send_time_us + (uint32_t)(dt * num / den);
}

static void view_remote(const struct cl_remote *r, int64_t t, int64_t max_extrapolate_us,
			struct cl_view *v)
{
	uint32_t n = r->count < CL_REMOTE_SAMPLES ? r->count : CL_REMOTE_SAMPLES;
	v->id = r->id;
	v->extrapolated = false;
	const struct cl_remote_sample *newest = sample_at(r, 0);
	if (t >= newest->server_us) {
		/* Past the newest sample: continue along its velocity, briefly. */
		if (n >= 2) {
			const struct cl_remote_sample *prev = sample_at(r, 1);
			int64_t ahead = CORE_MIN(t - newest->server_us, max_extrapolate_us);
			view_between(prev, newest, newest->server_us + ahead, v);
			v->extrapolated = ahead > 0;
		} else {
			view_between(newest, newest, t, v);
		}
		return;
	}
	for (uint32_t back = 1; back < n; back++) {
		const struct cl_remote_sample *a = sample_at(r, back), *b = sample_at(r, back - 1);
		if (t >= a->server_us) {
			view_between(a, b, t, v);
			return;
		}
	}
	const struct cl_remote_sample *oldest = sample_at(r, n - 1);
	view_between(oldest, oldest, oldest->server_us, v);
}

int cl_conn_view_remotes(const struct cl_conn *c, uint64_t now_us, struct cl_view *out, int max)
{
	int64_t t = cl_clock_server_now_us(c, now_us) - c->clock.interp_delay_us;
	int64_t period_us = 1000000 / (c->welcome.snapshot_hz ? c->welcome.snapshot_hz : 15);
	int n = 0;
	for (int i = 0; i < CL_MAX_REMOTES && n < max; i++)
		if (c->remotes[i].id && c->remotes[i].count)
			view_remote(&c->remotes[i], t, period_us, &out[n++]);
	return n;
}
