/* Items as this client sees them: each snapshot's states go into a small
 * ring per item, drawn interp_delay in the past like remote avatars; the
 * holder draws its own carried item where it carries it (the app knows).
 * Grab and release are requests the server answers in later snapshots. */
#include "cl.h"

#include <string.h>

#define JUMP_MM 1500 /* a return to the spawn is not slid through the room */

void cl_items_on_snapshot(struct cl_conn *c, int64_t server_us)
{
	const struct proto_snapshot *s = &c->snap;
	c->item_count = s->item_count;
	for (int i = 0; i < s->item_count; i++) {
		struct cl_item_track *t = &c->items[i];
		const struct proto_item *now = &s->items[i];
		uint16_t before = t->count ? t->samples[(t->count - 1) & (CL_ITEM_SAMPLES - 1)].state.holder
					   : 0;
		if (t->count && before != now->holder) {
			struct cl_event ev = {.type = CL_EVENT_ITEM};
			ev.item.index = (uint8_t)i;
			ev.item.holder = now->holder;
			ev.item.before = before;
			cl_push_event(c, &ev);
		}
		struct cl_item_sample *sm = &t->samples[t->count++ & (CL_ITEM_SAMPLES - 1)];
		sm->server_us = server_us;
		sm->state = *now;
	}
}

static const struct cl_item_sample *sample_at(const struct cl_item_track *t, uint32_t back)
{
	return &t->samples[(t->count - 1 - back) & (CL_ITEM_SAMPLES - 1)];
}

static int32_t lerp(int32_t a, int32_t b, int64_t num, int64_t den)
{
	return den > 0 ? (int32_t)(a + ((int64_t)b - a) * num / den) : b;
}

static void view_between(const struct cl_item_sample *a, const struct cl_item_sample *b,
			 int64_t t, struct cl_item_view *v)
{
	int64_t num = CORE_CLAMP(t - a->server_us, 0, b->server_us - a->server_us);
	int64_t den = b->server_us - a->server_us;
	int64_t dx = ((int64_t)b->state.x_cm - a->state.x_cm) * 10;
	int64_t dy = ((int64_t)b->state.y_cm - a->state.y_cm) * 10;
	if (dx * dx + dy * dy > (int64_t)JUMP_MM * JUMP_MM)
		a = num * 2 < den ? a : b, b = a;
	v->x_mm = lerp(a->state.x_cm * 10, b->state.x_cm * 10, num, den);
	v->y_mm = lerp(a->state.y_cm * 10, b->state.y_cm * 10, num, den);
	v->z_mm = lerp(a->state.z_cm * 10, b->state.z_cm * 10, num, den);
	int32_t dyaw = (int16_t)(uint16_t)(b->state.yaw - a->state.yaw);
	v->yaw = (uint16_t)(a->state.yaw + (den > 0 ? dyaw * num / den : dyaw));
	v->holder = (num * 2 < den ? a : b)->state.holder;
}

int cl_conn_view_items(const struct cl_conn *c, uint64_t now_us, struct cl_item_view *out, int max)
{
	int64_t t = cl_clock_server_now_us(c, now_us) - c->clock.interp_delay_us;
	int n = 0;
	for (int i = 0; i < c->item_count && n < max; i++) {
		const struct cl_item_track *tr = &c->items[i];
		if (!tr->count)
			continue;
		struct cl_item_view *v = &out[n++];
		v->index = (uint8_t)i;
		uint32_t have = tr->count < CL_ITEM_SAMPLES ? tr->count : CL_ITEM_SAMPLES;
		const struct cl_item_sample *a = sample_at(tr, have - 1), *b = a;
		for (uint32_t back = 1; back < have; back++) {
			a = sample_at(tr, back);
			b = sample_at(tr, back - 1);
			if (t >= a->server_us)
				break;
		}
		if (t >= sample_at(tr, 0)->server_us)
			a = b = sample_at(tr, 0); /* no extrapolation: it stops where it was */
		view_between(a, b, t, v);
	}
	return n;
}

int cl_item_held(const struct cl_conn *c)
{
	for (int i = 0; i < c->item_count; i++) {
		const struct cl_item_track *t = &c->items[i];
		if (t->count && sample_at(t, 0)->state.holder == c->welcome.client_id)
			return i;
	}
	return -1;
}

enum core_result cl_item_request(struct cl_conn *c, uint8_t item, enum proto_item_action action)
{
	if (c->state != CL_STATE_JOINED || !c->peer || item >= c->item_count)
		return CORE_ERR_INVALID;
	struct proto_item_up m = {.action = (uint8_t)action, .item = item};
	uint8_t buf[8];
	uint32_t len = proto_encode_item_up(&m, buf, sizeof(buf));
	if (!len)
		return CORE_ERR_INVALID;
	return net_host_send(c->host, c->peer, NET_CH_LOG, buf, len);
}

enum core_result cl_item_carry(struct cl_conn *c, uint8_t item, int32_t x_mm, int32_t y_mm,
			       int32_t z_mm, uint16_t yaw)
{
	if (c->state != CL_STATE_JOINED || !c->peer || item >= c->item_count)
		return CORE_ERR_INVALID;
	struct proto_item_move m = {.item = item};
	m.at.x_cm = proto_item_cm(x_mm, 655350);
	m.at.y_cm = proto_item_cm(y_mm, 655350);
	m.at.z_cm = proto_item_cm(z_mm, PROTO_ITEM_MAX_Z_CM * 10);
	m.at.yaw = yaw;
	uint32_t len = proto_encode_item_move(&m, net_host_state_buf(c->host), NET_STATE_MESSAGE_MAX);
	if (!len || !net_host_state_send(c->host, c->peer, len))
		return CORE_ERR_INVALID;
	return CORE_OK;
}
