#include "snapshot.h"
#include "msg.h"

#include <math.h>
#include <string.h>

#define POS_SMALL_CM 63 /* |delta| a small position change can carry */
#define TIME_STEP_US 500
#define SQRT2_F 1.41421356f /* smallest-three components lie in +-1/sqrt2 */

/* ---- poses ----------------------------------------------------------- */

static int32_t clamp_round(float v, float unit, int32_t lo, int32_t hi)
{
	long q = lroundf(v / unit);
	return (int32_t)(q < lo ? lo : q > hi ? hi : q);
}

/* Smallest-three: drop the largest component (its sign made positive), keep
 * the other three in [-1/sqrt2, 1/sqrt2] with `bits` each. */
static uint32_t quat_pack(const float q[4], int bits)
{
	int big = 0;
	for (int i = 1; i < 4; i++)
		if (fabsf(q[i]) > fabsf(q[big]))
			big = i;
	float sign = q[big] < 0 ? -1.0f : 1.0f;
	uint32_t out = (uint32_t)big;
	int32_t levels = (1 << bits) - 1;
	for (int i = 0, k = 0; i < 4; i++) {
		if (i == big)
			continue;
		float v = q[i] * sign * SQRT2_F; /* [-1, 1] */
		int32_t qv = clamp_round((v + 1.0f) * 0.5f * (float)levels, 1.0f, 0, levels);
		out |= (uint32_t)qv << (2 + bits * k++);
	}
	return out;
}

static void quat_unpack(uint32_t packed, int bits, float q[4])
{
	int big = (int)(packed & 3u);
	int32_t levels = (1 << bits) - 1;
	float sum = 0;
	for (int i = 0, k = 0; i < 4; i++) {
		if (i == big)
			continue;
		uint32_t qv = (packed >> (2 + bits * k++)) & (uint32_t)levels;
		float v = ((float)qv / (float)levels) * 2.0f - 1.0f;
		q[i] = v / (SQRT2_F);
		sum += q[i] * q[i];
	}
	q[big] = sum < 1.0f ? sqrtf(1.0f - sum) : 0.0f;
}

void proto_pose_quantize(const struct proto_pose_f *in, struct proto_pose *out)
{
	memset(out, 0, sizeof(*out));
	out->head_dx = (int8_t)clamp_round(in->head_m[0], 0.008f, -128, 127);
	out->head_dy = (int8_t)clamp_round(in->head_m[1], 0.008f, -128, 127);
	out->head_z = (uint8_t)clamp_round(in->head_m[2], 0.010f, 0, 255);
	out->head_q = quat_pack(in->head_q, 8);
	for (int h = 0; h < 2; h++) {
		for (int a = 0; a < 3; a++)
			out->hand_d[h][a] = (int8_t)clamp_round(in->hand_m[h][a], 0.016f, -64, 63);
		out->hand_q[h] = quat_pack(in->hand_q[h], 7);
	}
}

void proto_pose_dequantize(const struct proto_pose *p, struct proto_pose_f *out)
{
	out->head_m[0] = p->head_dx * 0.008f;
	out->head_m[1] = p->head_dy * 0.008f;
	out->head_m[2] = p->head_z * 0.010f;
	quat_unpack(p->head_q, 8, out->head_q);
	for (int h = 0; h < 2; h++) {
		for (int a = 0; a < 3; a++)
			out->hand_m[h][a] = p->hand_d[h][a] * 0.016f;
		quat_unpack(p->hand_q[h], 7, out->hand_q[h]);
	}
}

void proto_write_pose(struct proto_writer *w, const struct proto_pose *p)
{
	proto_write_signed(w, p->head_dx, 8);
	proto_write_signed(w, p->head_dy, 8);
	proto_write_bits(w, p->head_z, 8);
	proto_write_bits(w, p->head_q, 26);
	for (int h = 0; h < 2; h++) {
		for (int a = 0; a < 3; a++)
			proto_write_signed(w, p->hand_d[h][a], 7);
		proto_write_bits(w, p->hand_q[h], 23);
	}
}

void proto_read_pose(struct proto_reader *r, struct proto_pose *p)
{
	memset(p, 0, sizeof(*p)); /* padding too: poses are compared with memcmp */
	p->head_dx = (int8_t)proto_read_signed(r, 8);
	p->head_dy = (int8_t)proto_read_signed(r, 8);
	p->head_z = (uint8_t)proto_read_bits(r, 8);
	p->head_q = proto_read_bits(r, 26);
	for (int h = 0; h < 2; h++) {
		for (int a = 0; a < 3; a++)
			p->hand_d[h][a] = (int8_t)proto_read_signed(r, 7);
		p->hand_q[h] = proto_read_bits(r, 23);
	}
}

/* ---- remote avatar quantisation --------------------------------------- */

void proto_world_bits_init(struct proto_world_bits *b, const struct sim_world *w)
{
	b->pos_x_bits = proto_bits_for((uint32_t)(sim_world_width_mm(w) / 10 + 1));
	b->pos_y_bits = proto_bits_for((uint32_t)(sim_world_height_mm(w) / 10 + 1));
	b->seat_bits = proto_bits_for((uint32_t)CORE_MAX(w->seat_count - 1, 0));
	b->door_bits = proto_bits_for((uint32_t)CORE_MAX(w->door_count - 1, 0));
}

static int32_t cm_of(int32_t mm)
{
	return mm < 0 ? 0 : (mm + 5) / 10;
}

struct sim_avatar proto_remote_quantize(const struct sim_avatar *a)
{
	struct sim_avatar q = *a;
	q.pos_x_mm = cm_of(a->pos_x_mm) * 10;
	q.pos_y_mm = cm_of(a->pos_y_mm) * 10;
	q.yaw = (uint16_t)(((a->yaw + 128u) >> 8) << 8);
	q.flags = a->flags & (SIM_AVATAR_SITTING | SIM_AVATAR_WALKING);
	return q;
}

static void write_place(struct proto_writer *w, const struct proto_world_bits *b,
			const struct sim_avatar *q)
{
	proto_write_bits(w, (uint32_t)(q->pos_x_mm / 10), b->pos_x_bits);
	proto_write_bits(w, (uint32_t)(q->pos_y_mm / 10), b->pos_y_bits);
}

static void read_place(struct proto_reader *r, const struct proto_world_bits *b, struct sim_avatar *a)
{
	a->pos_x_mm = (int32_t)proto_read_bits(r, b->pos_x_bits) * 10;
	a->pos_y_mm = (int32_t)proto_read_bits(r, b->pos_y_bits) * 10;
}

static void write_state(struct proto_writer *w, const struct proto_world_bits *b,
			const struct sim_avatar *q)
{
	proto_write_bits(w, q->flags, 2);
	proto_write_bool(w, q->seat != SIM_SEAT_NONE);
	if (q->seat != SIM_SEAT_NONE)
		proto_write_bits(w, q->seat, b->seat_bits);
	proto_write_bool(w, q->door != SIM_DOOR_NONE);
	if (q->door != SIM_DOOR_NONE)
		proto_write_bits(w, q->door, b->door_bits);
}

static void read_state(struct proto_reader *r, const struct proto_world_bits *b, struct sim_avatar *a)
{
	a->flags = (uint8_t)proto_read_bits(r, 2);
	a->seat = proto_read_bool(r) ? (uint16_t)proto_read_bits(r, b->seat_bits) : SIM_SEAT_NONE;
	a->door = proto_read_bool(r) ? (uint16_t)proto_read_bits(r, b->door_bits) : SIM_DOOR_NONE;
}

/* Send times travel on a fixed 500 µs grid (t rounded down), and the time
 * base sits on that grid too: whichever snapshot an unchanged avatar's time
 * is reconstructed from, it decodes to the same value. */
static uint32_t time_grid(uint32_t t)
{
	return t - t % TIME_STEP_US;
}

static void write_time(struct proto_writer *w, uint32_t t, uint32_t base)
{
	uint32_t below = base - time_grid(t);
	if (below <= 255u * TIME_STEP_US) {
		proto_write_bool(w, false);
		proto_write_bits(w, below / TIME_STEP_US, 8);
	} else {
		proto_write_bool(w, true);
		proto_write_bits(w, time_grid(t), 32);
	}
}

static uint32_t read_time(struct proto_reader *r, uint32_t base)
{
	if (!proto_read_bool(r))
		return base - proto_read_bits(r, 8) * TIME_STEP_US;
	return proto_read_bits(r, 32);
}

static bool same_place(const struct sim_avatar *a, const struct sim_avatar *b)
{
	return a->pos_x_mm == b->pos_x_mm && a->pos_y_mm == b->pos_y_mm;
}

static bool same_state(const struct sim_avatar *a, const struct sim_avatar *b)
{
	return a->flags == b->flags && a->seat == b->seat && a->door == b->door;
}

static bool same_pose(const struct proto_snapshot_avatar *a, const struct proto_snapshot_avatar *b)
{
	return a->has_pose == b->has_pose && (!a->has_pose || !memcmp(&a->pose, &b->pose, sizeof(a->pose)));
}

static void write_new(struct proto_writer *w, const struct proto_world_bits *b,
		      const struct proto_snapshot_avatar *a, uint32_t time_base)
{
	struct sim_avatar q = proto_remote_quantize(&a->state);
	write_place(w, b, &q);
	proto_write_bits(w, q.yaw >> 8, 8);
	write_state(w, b, &q);
	proto_write_bool(w, a->send_time_us != 0);
	if (a->send_time_us)
		write_time(w, a->send_time_us, time_base);
	proto_write_bool(w, a->has_pose);
	if (a->has_pose)
		proto_write_pose(w, &a->pose);
}

/* Writes the fields of a that differ from base; false if none does. */
static bool changed(const struct proto_snapshot_avatar *a, const struct proto_snapshot_avatar *base)
{
	struct sim_avatar q = proto_remote_quantize(&a->state), bq = proto_remote_quantize(&base->state);
	return !same_place(&q, &bq) || q.yaw != bq.yaw || !same_state(&q, &bq) ||
	       a->send_time_us != base->send_time_us || !same_pose(a, base);
}

static void write_changed(struct proto_writer *w, const struct proto_world_bits *b,
			  const struct proto_snapshot_avatar *a,
			  const struct proto_snapshot_avatar *base, uint32_t time_base)
{
	struct sim_avatar q = proto_remote_quantize(&a->state), bq = proto_remote_quantize(&base->state);
	proto_write_bool(w, !same_place(&q, &bq));
	if (!same_place(&q, &bq)) {
		int32_t dx = (q.pos_x_mm - bq.pos_x_mm) / 10, dy = (q.pos_y_mm - bq.pos_y_mm) / 10;
		bool small = dx >= -POS_SMALL_CM && dx <= POS_SMALL_CM && dy >= -POS_SMALL_CM &&
			     dy <= POS_SMALL_CM;
		proto_write_bool(w, small);
		if (small) {
			proto_write_signed(w, dx, 7);
			proto_write_signed(w, dy, 7);
		} else {
			write_place(w, b, &q);
		}
	}
	proto_write_bool(w, q.yaw != bq.yaw);
	if (q.yaw != bq.yaw)
		proto_write_bits(w, q.yaw >> 8, 8);
	proto_write_bool(w, !same_state(&q, &bq));
	if (!same_state(&q, &bq))
		write_state(w, b, &q);
	proto_write_bool(w, a->send_time_us != base->send_time_us);
	if (a->send_time_us != base->send_time_us)
		write_time(w, a->send_time_us, time_base);
	proto_write_bool(w, !same_pose(a, base));
	if (!same_pose(a, base)) {
		proto_write_bool(w, a->has_pose);
		if (a->has_pose)
			proto_write_pose(w, &a->pose);
	}
}

static void write_self(struct proto_writer *w, const struct sim_avatar *a)
{
	proto_write_fields(w, proto_avatar_fields, proto_avatar_field_count, a);
}

static uint32_t newest_time(const struct proto_snapshot *s)
{
	uint32_t base = 0;
	bool any = false;
	for (int i = 0; i < s->count; i++) {
		uint32_t t = s->avatars[i].send_time_us;
		if (t && (!any || (int32_t)(t - base) > 0)) {
			base = t;
			any = true;
		}
	}
	return base;
}

uint32_t proto_encode_snapshot(const struct proto_snapshot *cur, const struct proto_snapshot *base,
			       const struct proto_world_bits *bits, uint8_t *buf, uint32_t cap)
{
	if (cur->count > PROTO_MAX_SNAPSHOT_AVATARS)
		return 0;
	uint32_t gap = base ? cur->seq - base->seq : 0;
	if (base && (gap == 0 || gap > PROTO_MAX_BASE_GAP))
		return 0;
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_bits(&w, PROTO_MSG_SNAPSHOT, 8);
	proto_write_bits(&w, cur->seq, 32);
	proto_write_bits(&w, cur->server_tick, 32);
	proto_write_bits(&w, cur->ack_tick, 32);
	proto_write_bits(&w, gap, 4);
	write_self(&w, &cur->self);
	uint32_t time_base = time_grid(newest_time(cur));
	proto_write_bits(&w, time_base, 32);
	/* The entry count goes before the entries: reserve it, fill it at the end. */
	uint32_t count_pos = w.bit_pos;
	proto_write_bits(&w, 0, 8);
	uint32_t entries = 0, prev_id = 0;
	int i = 0, j = 0;
	const int nb = base ? base->count : 0;
	while (i < cur->count || j < nb) {
		const struct proto_snapshot_avatar *a = i < cur->count ? &cur->avatars[i] : NULL;
		const struct proto_snapshot_avatar *o = j < nb ? &base->avatars[j] : NULL;
		if (a && (!o || a->id < o->id)) { /* new */
			proto_write_egamma(&w, a->id - prev_id);
			if (base) {
				proto_write_bool(&w, true);
				proto_write_bool(&w, false);
			}
			write_new(&w, bits, a, time_base);
			prev_id = a->id;
			i++;
		} else if (!a || o->id < a->id) { /* gone */
			proto_write_egamma(&w, o->id - prev_id);
			proto_write_bool(&w, true);
			proto_write_bool(&w, true);
			prev_id = o->id;
			j++;
		} else { /* in both */
			if (changed(a, o)) {
				proto_write_egamma(&w, a->id - prev_id);
				proto_write_bool(&w, false);
				write_changed(&w, bits, a, o, time_base);
				prev_id = a->id;
			} else {
				i++, j++;
				continue;
			}
			i++, j++;
		}
		entries++;
	}
	if (w.overflow || entries > 255)
		return 0;
	/* Patch the count in place. */
	for (int k = 0; k < 8; k++) {
		uint32_t bit = (entries >> k) & 1u, at = count_pos + (uint32_t)k;
		buf[at >> 3] = (uint8_t)((buf[at >> 3] & ~(1u << (at & 7))) | (bit << (at & 7)));
	}
	return proto_writer_bytes(&w);
}

uint32_t proto_snapshot_base_seq(const uint8_t *data, uint32_t len)
{
	struct proto_reader r;
	proto_reader_init(&r, data, len);
	if (proto_read_bits(&r, 8) != PROTO_MSG_SNAPSHOT)
		return 0;
	uint32_t seq = proto_read_bits(&r, 32);
	proto_read_bits(&r, 32);
	proto_read_bits(&r, 32);
	uint32_t gap = proto_read_bits(&r, 4);
	return r.overflow || !gap ? 0 : seq - gap;
}

static bool read_new(struct proto_reader *r, const struct proto_world_bits *b, uint32_t time_base,
		     uint8_t zone, struct proto_snapshot_avatar *a)
{
	memset(&a->state, 0, sizeof(a->state));
	read_place(r, b, &a->state);
	a->state.yaw = (uint16_t)(proto_read_bits(r, 8) << 8);
	read_state(r, b, &a->state);
	a->state.zone = zone;
	a->send_time_us = proto_read_bool(r) ? read_time(r, time_base) : 0;
	a->has_pose = proto_read_bool(r);
	if (a->has_pose)
		proto_read_pose(r, &a->pose);
	else
		memset(&a->pose, 0, sizeof(a->pose));
	return !r->overflow;
}

static bool read_changed(struct proto_reader *r, const struct proto_world_bits *b,
			 uint32_t time_base, struct proto_snapshot_avatar *a)
{
	if (proto_read_bool(r)) {
		if (proto_read_bool(r)) {
			a->state.pos_x_mm += proto_read_signed(r, 7) * 10;
			a->state.pos_y_mm += proto_read_signed(r, 7) * 10;
		} else {
			read_place(r, b, &a->state);
		}
	}
	if (proto_read_bool(r))
		a->state.yaw = (uint16_t)(proto_read_bits(r, 8) << 8);
	if (proto_read_bool(r))
		read_state(r, b, &a->state);
	if (proto_read_bool(r))
		a->send_time_us = read_time(r, time_base);
	if (proto_read_bool(r)) {
		a->has_pose = proto_read_bool(r);
		if (a->has_pose)
			proto_read_pose(r, &a->pose);
	}
	return !r->overflow;
}

enum core_result proto_decode_snapshot(const uint8_t *data, uint32_t len,
				       const struct proto_world_bits *bits,
				       const struct proto_snapshot *base,
				       struct proto_snapshot *out)
{
	struct proto_reader r;
	proto_reader_init(&r, data, len);
	out->count = 0;
	if (proto_read_bits(&r, 8) != PROTO_MSG_SNAPSHOT)
		return CORE_ERR_INVALID;
	out->seq = proto_read_bits(&r, 32);
	out->server_tick = proto_read_bits(&r, 32);
	out->ack_tick = proto_read_bits(&r, 32);
	uint32_t gap = proto_read_bits(&r, 4);
	out->full = gap == 0;
	out->base_seq = gap ? out->seq - gap : 0;
	if (gap && (!base || base->seq != out->base_seq))
		return CORE_ERR_INVALID; /* no such baseline here */
	if (!gap)
		base = NULL;
	proto_read_fields(&r, proto_avatar_fields, proto_avatar_field_count, &out->self);
	uint32_t time_base = proto_read_bits(&r, 32);
	uint32_t entries = proto_read_bits(&r, 8);
	if (r.overflow)
		return CORE_ERR_INVALID;
	const int nb = base ? base->count : 0;
	int j = 0;
	uint32_t id = 0;
	for (uint32_t e = 0; e < entries; e++) {
		uint32_t gap_id = proto_read_egamma(&r);
		if (r.overflow || gap_id == 0 || id + gap_id > PROTO_MAX_CLIENT_ID)
			return CORE_ERR_INVALID;
		id += gap_id;
		/* Baseline avatars before this id are unchanged. */
		while (j < nb && base->avatars[j].id < id) {
			if (out->count >= PROTO_MAX_SNAPSHOT_AVATARS)
				return CORE_ERR_INVALID;
			out->avatars[out->count++] = base->avatars[j++];
		}
		bool in_base = j < nb && base->avatars[j].id == id;
		bool is_new = true, gone = false;
		if (base) {
			bool new_or_gone = proto_read_bool(&r);
			gone = new_or_gone && proto_read_bool(&r);
			is_new = new_or_gone && !gone;
		}
		if (gone) {
			if (!in_base)
				return CORE_ERR_INVALID;
			j++;
			continue;
		}
		if (out->count >= PROTO_MAX_SNAPSHOT_AVATARS || (is_new && in_base) ||
		    (!is_new && !in_base))
			return CORE_ERR_INVALID;
		struct proto_snapshot_avatar *a = &out->avatars[out->count];
		if (is_new) {
			a->id = (uint16_t)id;
			if (!read_new(&r, bits, time_base, out->self.zone, a))
				return CORE_ERR_INVALID;
		} else {
			*a = base->avatars[j++];
			if (!read_changed(&r, bits, time_base, a))
				return CORE_ERR_INVALID;
		}
		out->count++;
	}
	while (j < nb) {
		if (out->count >= PROTO_MAX_SNAPSHOT_AVATARS)
			return CORE_ERR_INVALID;
		out->avatars[out->count++] = base->avatars[j++];
	}
	for (int i = 0; i < out->count; i++)
		out->avatars[i].state.zone = out->self.zone;
	return !r.overflow && proto_reader_left_bits(&r) < 8 ? CORE_OK : CORE_ERR_INVALID;
}
