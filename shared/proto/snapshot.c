#include "snapshot.h"
#include "msg.h"

#include <math.h>
#include <string.h>

#define POS_SMALL_CM 15  /* |delta| in cm a 5-bit position change carries */
#define POS_MEDIUM_CM 63 /* |delta| in cm a 7-bit position change carries */
#define TIME_STEP_US 1000
#define TIME_STEPS 127 /* 7 bits of TIME_STEP_US below the time base */
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
	out->head_dx = (int16_t)clamp_round(in->head_m[0], 0.008f, -128, 127);
	out->head_dy = (int16_t)clamp_round(in->head_m[1], 0.008f, -128, 127);
	out->head_z = (uint16_t)clamp_round(in->head_m[2], 0.010f, 0, 255);
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
	proto_write_fields(w, proto_pose_fields, proto_pose_field_count, p);
}

void proto_read_pose(struct proto_reader *r, struct proto_pose *p)
{
	proto_read_fields(r, proto_pose_fields, proto_pose_field_count, p);
}

/* ---- remote avatar quantisation --------------------------------------- */

void proto_world_bits_init(struct proto_world_bits *b, const struct sim_world *w)
{
	b->pos_x_bits = proto_bits_for((uint32_t)(sim_world_width_mm(w) / 10 + 1));
	b->pos_y_bits = proto_bits_for((uint32_t)(sim_world_height_mm(w) / 10 + 1));
	b->seat_bits = proto_bits_for((uint32_t)CORE_MAX(w->seat_count - 1, 0));
	b->door_bits = proto_bits_for((uint32_t)CORE_MAX(w->door_count - 1, 0));
	b->item_count = CORE_MIN(w->item_count, SIM_MAX_ITEMS);
	b->tick_us = 0;
}

static int32_t cm_of(int32_t mm)
{
	return mm < 0 ? 0 : (mm + 5) / 10;
}

/* Each how of PROTO_REMOTE_AVATAR_FIELDS: the value as others receive it. */
static int32_t remote_PLACE(int32_t mm)
{
	return cm_of(mm) * 10;
}

static uint16_t remote_YAW8(uint16_t yaw)
{
	return (uint16_t)(((yaw + 128u) >> 8) << 8);
}

static uint8_t remote_FLAGS(uint8_t flags)
{
	return flags & PROTO_REMOTE_FLAGS;
}

static uint16_t remote_INDEX(uint16_t index)
{
	return index;
}

static uint8_t remote_ZONE(uint8_t zone)
{
	return zone;
}

struct sim_avatar proto_remote_quantize(const struct sim_avatar *a)
{
	struct sim_avatar q;
#define QUANTIZE_(f, how) q.f = remote_##how(a->f);
	PROTO_REMOTE_AVATAR_FIELDS(QUANTIZE_)
#undef QUANTIZE_
	return q;
}

/* The remote avatar's fields this file encodes: both PLACEs in write_place
 * (or write_pos_delta), YAW8 in write_new, write_changed and
 * write_changed_all, FLAGS and both INDEXes in write_state, ZONE in none.
 * A new one is written in write_new, write_changed and write_changed_all,
 * compared in same_state or changed, read in read_new and read_changed,
 * and counted here. */
#define REMOTE_COUNT_(f, how) +1
_Static_assert(0 PROTO_REMOTE_AVATAR_FIELDS(REMOTE_COUNT_) == 7,
	       "a field of PROTO_REMOTE_AVATAR_FIELDS has no encoding in snapshot.c");
/* Likewise every member of struct proto_snapshot_avatar: id in the lists,
 * state as above, send_time_us by write_time, has_pose and pose. */
#define MEMBER_COUNT_(type, name) +1
_Static_assert(0 PROTO_SNAPSHOT_AVATAR_MEMBERS(MEMBER_COUNT_) == 5,
	       "a member of struct proto_snapshot_avatar has no encoding in snapshot.c");

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
	proto_write_bits(w, q->flags, PROTO_REMOTE_FLAG_BITS);
	proto_write_bool(w, q->seat != SIM_SEAT_NONE);
	if (q->seat != SIM_SEAT_NONE)
		proto_write_bits(w, q->seat, b->seat_bits);
	proto_write_bool(w, q->door != SIM_DOOR_NONE);
	if (q->door != SIM_DOOR_NONE)
		proto_write_bits(w, q->door, b->door_bits);
}

static void read_state(struct proto_reader *r, const struct proto_world_bits *b, struct sim_avatar *a)
{
	a->flags = (uint8_t)proto_read_bits(r, PROTO_REMOTE_FLAG_BITS);
	a->seat = proto_read_bool(r) ? (uint16_t)proto_read_bits(r, b->seat_bits) : SIM_SEAT_NONE;
	a->door = proto_read_bool(r) ? (uint16_t)proto_read_bits(r, b->door_bits) : SIM_DOOR_NONE;
}

/* Send times travel on a fixed 1 ms grid (t rounded down), and the time
 * base sits on that grid too: whichever snapshot an unchanged avatar's time
 * is reconstructed from, it decodes to the same value. */
static uint32_t time_grid(uint32_t t)
{
	return t - t % TIME_STEP_US;
}

static void write_time(struct proto_writer *w, uint32_t t, uint32_t base)
{
	uint32_t below = base - time_grid(t);
	if (below <= TIME_STEPS * TIME_STEP_US) {
		proto_write_bool(w, false);
		proto_write_bits(w, below / TIME_STEP_US, 7);
	} else {
		proto_write_bool(w, true);
		proto_write_bits(w, time_grid(t), 32);
	}
}

static uint32_t read_time(struct proto_reader *r, uint32_t base)
{
	if (!proto_read_bool(r))
		return base - proto_read_bits(r, 7) * TIME_STEP_US;
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
	/* Most avatars of a delta did not move at all: no quantising for them. */
	if (!memcmp(&a->state, &base->state, sizeof(a->state)) &&
	    a->send_time_us == base->send_time_us && same_pose(a, base))
		return false;
	struct sim_avatar q = proto_remote_quantize(&a->state), bq = proto_remote_quantize(&base->state);
	return !same_place(&q, &bq) || q.yaw != bq.yaw || !same_state(&q, &bq) ||
	       a->send_time_us != base->send_time_us || !same_pose(a, base);
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

/* A changed avatar. Walkers are the common case: only the position and
 * the send time moved, which costs one bit of form instead of five. */
static void write_pos_delta(struct proto_writer *w, const struct proto_world_bits *b,
			    const struct sim_avatar *q, const struct sim_avatar *bq)
{
	int32_t dx = (q->pos_x_mm - bq->pos_x_mm) / 10, dy = (q->pos_y_mm - bq->pos_y_mm) / 10;
	bool small = dx >= -POS_SMALL_CM && dx <= POS_SMALL_CM && dy >= -POS_SMALL_CM &&
		     dy <= POS_SMALL_CM;
	bool medium = dx >= -POS_MEDIUM_CM && dx <= POS_MEDIUM_CM && dy >= -POS_MEDIUM_CM &&
		      dy <= POS_MEDIUM_CM;
	proto_write_bool(w, small);
	if (small) {
		proto_write_signed(w, dx, 5);
		proto_write_signed(w, dy, 5);
		return;
	}
	proto_write_bool(w, medium);
	if (medium) {
		proto_write_signed(w, dx, 7);
		proto_write_signed(w, dy, 7);
	} else {
		write_place(w, b, q);
	}
}

static void read_pos_delta(struct proto_reader *r, const struct proto_world_bits *b,
			   struct sim_avatar *a)
{
	if (proto_read_bool(r)) {
		a->pos_x_mm += proto_read_signed(r, 5) * 10;
		a->pos_y_mm += proto_read_signed(r, 5) * 10;
	} else if (proto_read_bool(r)) {
		a->pos_x_mm += proto_read_signed(r, 7) * 10;
		a->pos_y_mm += proto_read_signed(r, 7) * 10;
	} else {
		read_place(r, b, a);
	}
}

/* A walker's send time moves with the clock: predict it from its time in
 * the baseline plus the server time elapsed since, and send what is left
 * (a few ms of jitter and phase) in 5 bits, or the time as usual. */
static uint32_t predicted_time(const struct proto_world_bits *b, uint32_t base_t, uint32_t ticks)
{
	return time_grid(time_grid(base_t) + ticks * b->tick_us);
}

static void write_walker_time(struct proto_writer *w, const struct proto_world_bits *b,
			      uint32_t t, uint32_t base_t, uint32_t ticks, uint32_t time_base)
{
	int32_t r = (int32_t)(time_grid(t) - predicted_time(b, base_t, ticks)) / (int32_t)TIME_STEP_US;
	bool near = b->tick_us && base_t && r >= -16 && r <= 15;
	proto_write_bool(w, near);
	if (near)
		proto_write_signed(w, r, 5);
	else
		write_time(w, t, time_base);
}

static uint32_t read_walker_time(struct proto_reader *r, const struct proto_world_bits *b,
				 uint32_t base_t, uint32_t ticks, uint32_t time_base)
{
	if (proto_read_bool(r))
		return predicted_time(b, base_t, ticks) +
		       (uint32_t)(proto_read_signed(r, 5) * (int32_t)TIME_STEP_US);
	return read_time(r, time_base);
}

static void write_changed(struct proto_writer *w, const struct proto_world_bits *b,
			  const struct proto_snapshot_avatar *a,
			  const struct proto_snapshot_avatar *base, uint32_t ticks, uint32_t time_base)
{
	struct sim_avatar q = proto_remote_quantize(&a->state), bq = proto_remote_quantize(&base->state);
	bool place = !same_place(&q, &bq), yaw = q.yaw != bq.yaw, state = !same_state(&q, &bq);
	bool time = a->send_time_us != base->send_time_us, pose = !same_pose(a, base);
	bool walker = place && time && a->send_time_us && !yaw && !state && !pose;
	proto_write_bool(w, walker);
	if (walker) {
		write_pos_delta(w, b, &q, &bq);
		write_walker_time(w, b, a->send_time_us, base->send_time_us, ticks, time_base);
		return;
	}
	proto_write_bool(w, place);
	if (place)
		write_pos_delta(w, b, &q, &bq);
	proto_write_bool(w, yaw);
	if (yaw)
		proto_write_bits(w, q.yaw >> 8, 8);
	proto_write_bool(w, state);
	if (state)
		write_state(w, b, &q);
	proto_write_bool(w, time);
	if (time) {
		proto_write_bool(w, a->send_time_us != 0);
		if (a->send_time_us)
			write_time(w, a->send_time_us, time_base);
	}
	proto_write_bool(w, pose);
	if (pose) {
		proto_write_bool(w, a->has_pose);
		if (a->has_pose)
			proto_write_pose(w, &a->pose);
	}
}

/* A change against a state the sender no longer knows (the receiver has
 * it, from a snapshot too old to look up): every field, in full, in the
 * changed form, so the receiver ends with exactly a's state. */
static void write_changed_all(struct proto_writer *w, const struct proto_world_bits *b,
			      const struct proto_snapshot_avatar *a, uint32_t time_base)
{
	struct sim_avatar q = proto_remote_quantize(&a->state);
	proto_write_bool(w, false); /* not the walker form */
	proto_write_bool(w, true);  /* place: neither small nor medium, the whole field */
	proto_write_bool(w, false);
	proto_write_bool(w, false);
	write_place(w, b, &q);
	proto_write_bool(w, true);
	proto_write_bits(w, q.yaw >> 8, 8);
	proto_write_bool(w, true);
	write_state(w, b, &q);
	proto_write_bool(w, true);
	proto_write_bool(w, a->send_time_us != 0);
	if (a->send_time_us)
		write_time(w, a->send_time_us, time_base);
	proto_write_bool(w, true);
	proto_write_bool(w, a->has_pose);
	if (a->has_pose)
		proto_write_pose(w, &a->pose);
}

static bool read_changed(struct proto_reader *r, const struct proto_world_bits *b,
			 uint32_t ticks, uint32_t time_base, struct proto_snapshot_avatar *a)
{
	if (proto_read_bool(r)) {
		read_pos_delta(r, b, &a->state);
		a->send_time_us = read_walker_time(r, b, a->send_time_us, ticks, time_base);
		return !r->overflow;
	}
	if (proto_read_bool(r))
		read_pos_delta(r, b, &a->state);
	if (proto_read_bool(r))
		a->state.yaw = (uint16_t)(proto_read_bits(r, 8) << 8);
	if (proto_read_bool(r))
		read_state(r, b, &a->state);
	if (proto_read_bool(r))
		a->send_time_us = proto_read_bool(r) ? read_time(r, time_base) : 0;
	if (proto_read_bool(r)) {
		a->has_pose = proto_read_bool(r);
		if (a->has_pose)
			proto_read_pose(r, &a->pose);
	}
	return !r->overflow;
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

static bool is_position(const struct proto_field *f)
{
	return f->offset == offsetof(struct sim_avatar, pos_x_mm) ||
	       f->offset == offsetof(struct sim_avatar, pos_y_mm);
}

/* The receiver's own state, exact: whole in a full snapshot, otherwise
 * field by field against the baseline's (a changed bit, then the value). */
static void write_self(struct proto_writer *w, const struct sim_avatar *self,
		       const struct sim_avatar *base)
{
	if (!base) {
		proto_write_fields(w, proto_avatar_fields, proto_avatar_field_count, self);
		return;
	}
	for (int i = 0; i < proto_avatar_field_count; i++) {
		const struct proto_field *f = &proto_avatar_fields[i];
		bool changed = memcmp((const uint8_t *)self + f->offset,
				      (const uint8_t *)base + f->offset, f->size) != 0;
		proto_write_bool(w, changed);
		if (!changed)
			continue;
		if (is_position(f)) { /* a walk moves it by little: i13 mm, else whole */
			int32_t now, then;
			memcpy(&now, (const uint8_t *)self + f->offset, 4);
			memcpy(&then, (const uint8_t *)base + f->offset, 4);
			int64_t d = (int64_t)now - then;
			bool near = d >= -4096 && d <= 4095;
			proto_write_bool(w, near);
			if (near) {
				proto_write_signed(w, (int32_t)d, 13);
				continue;
			}
		}
		proto_write_fields(w, f, 1, self);
	}
}

static void read_self(struct proto_reader *r, struct sim_avatar *self, const struct sim_avatar *base)
{
	if (!base) {
		proto_read_fields(r, proto_avatar_fields, proto_avatar_field_count, self);
		return;
	}
	*self = *base;
	for (int i = 0; i < proto_avatar_field_count; i++) {
		const struct proto_field *f = &proto_avatar_fields[i];
		if (!proto_read_bool(r))
			continue;
		if (is_position(f) && proto_read_bool(r)) {
			int32_t v;
			memcpy(&v, (uint8_t *)self + f->offset, 4);
			v += proto_read_signed(r, 13);
			memcpy((uint8_t *)self + f->offset, &v, 4);
			continue;
		}
		proto_read_fields(r, f, 1, self);
	}
}

/* The time base moves by about a snapshot period: against the baseline's,
 * u1 near + i12 ms, else 32 bits. */
static void write_time_base(struct proto_writer *w, uint32_t t, uint32_t base_t, bool has_base)
{
	int32_t d = (int32_t)(t - base_t) / (int32_t)TIME_STEP_US;
	bool near = has_base && base_t && t && d >= -2048 && d <= 2047;
	if (has_base)
		proto_write_bool(w, near);
	if (near)
		proto_write_signed(w, d, 12);
	else
		proto_write_bits(w, t, 32);
}

static uint32_t read_time_base(struct proto_reader *r, uint32_t base_t, bool has_base)
{
	if (has_base && proto_read_bool(r))
		return base_t + (uint32_t)(proto_read_signed(r, 12) * (int32_t)TIME_STEP_US);
	return proto_read_bits(r, 32);
}

enum entry_list { LIST_CHANGED, LIST_NEW, LIST_GONE };

/* Walks cur against base in id order and writes each entry of the given
 * list (or only counts them when w is NULL). stale (NULL: none) marks base
 * avatars whose state the sender does not know: sent whole if still there. */
static uint32_t walk_list(struct proto_writer *w, const struct proto_world_bits *bits,
			  const struct proto_snapshot *cur, const struct proto_snapshot *base,
			  const bool *stale, enum entry_list which, uint32_t ticks,
			  uint32_t time_base)
{
	uint32_t count = 0, prev_id = 0;
	int i = 0, j = 0;
	const int nb = base ? base->count : 0;
	while (i < cur->count || j < nb) {
		const struct proto_snapshot_avatar *a = i < cur->count ? &cur->avatars[i] : NULL;
		const struct proto_snapshot_avatar *o = j < nb ? &base->avatars[j] : NULL;
		const struct proto_snapshot_avatar *entry = NULL;
		bool whole = false;
		if (a && (!o || a->id < o->id)) {
			entry = which == LIST_NEW ? a : NULL;
			i++;
		} else if (!a || o->id < a->id) {
			entry = which == LIST_GONE ? o : NULL;
			j++;
		} else {
			whole = stale && stale[j];
			entry = which == LIST_CHANGED && (whole || changed(a, o)) ? a : NULL;
			i++, j++;
		}
		if (!entry)
			continue;
		count++;
		if (!w)
			continue;
		proto_write_egamma(w, entry->id - prev_id);
		prev_id = entry->id;
		if (which == LIST_NEW)
			write_new(w, bits, entry, time_base);
		else if (which == LIST_CHANGED && whole)
			write_changed_all(w, bits, entry, time_base);
		else if (which == LIST_CHANGED)
			write_changed(w, bits, entry, o, ticks, time_base);
	}
	return count;
}

/* One of the three lists: u1 any [u8 count, entries in id order]. The new
 * and gone lists are nearly always empty and then cost a bit. */
static bool write_list(struct proto_writer *w, const struct proto_world_bits *bits,
		       const struct proto_snapshot *cur, const struct proto_snapshot *base,
		       const bool *stale, enum entry_list which, uint32_t ticks,
		       uint32_t time_base, uint16_t *entries)
{
	uint32_t count = walk_list(NULL, bits, cur, base, stale, which, ticks, time_base);
	if (count > PROTO_MAX_LIST)
		return false;
	*entries = (uint16_t)(*entries + count);
	proto_write_bool(w, count > 0);
	if (count) {
		proto_write_bits(w, count, 8);
		walk_list(w, bits, cur, base, stale, which, ticks, time_base);
	}
	return !w->overflow;
}

uint32_t proto_avatar_cost_bits(const struct proto_snapshot_avatar *a,
				const struct proto_snapshot_avatar *base, bool whole, uint32_t ticks,
				uint32_t time_base, const struct proto_world_bits *bits)
{
	uint8_t scratch[64];
	struct proto_writer w;
	proto_writer_init(&w, scratch, sizeof(scratch));
	if (!base)
		write_new(&w, bits, a, time_base);
	else if (whole)
		write_changed_all(&w, bits, a, time_base);
	else if (changed(a, base))
		write_changed(&w, bits, a, base, ticks, time_base);
	return w.bit_pos;
}

void proto_snapshot_copy(struct proto_snapshot *dst, const struct proto_snapshot *src)
{
	memcpy(dst, src, offsetof(struct proto_snapshot, avatars));
	memcpy(dst->avatars, src->avatars, (size_t)src->count * sizeof(src->avatars[0]));
}

uint32_t proto_snapshot_time_base(const struct proto_snapshot *s)
{
	return time_grid(newest_time(s));
}

static bool encode_lists(const struct proto_snapshot *cur, const struct proto_snapshot *base,
			 uint32_t base_time_base, const bool *stale,
			 const struct proto_world_bits *bits, struct proto_zone_lists *out)
{
	out->bits = 0;
	out->entries = 0;
	if (cur->count > PROTO_MAX_SNAPSHOT_AVATARS)
		return false;
	struct proto_writer w;
	proto_writer_init(&w, out->data, sizeof(out->data));
	uint32_t time_base = proto_snapshot_time_base(cur);
	write_time_base(&w, time_base, base_time_base, base != NULL);
	uint32_t ticks = base ? cur->server_tick - base->server_tick : 0;
	if (base && !write_list(&w, bits, cur, base, stale, LIST_CHANGED, ticks, time_base,
				&out->entries))
		return false;
	if (!write_list(&w, bits, cur, base, stale, LIST_NEW, ticks, time_base, &out->entries))
		return false;
	if (base && !write_list(&w, bits, cur, base, stale, LIST_GONE, ticks, time_base,
				&out->entries))
		return false;
	out->bits = w.bit_pos;
	return !w.overflow;
}

bool proto_encode_zone_lists(const struct proto_snapshot *cur, const struct proto_snapshot *base,
			     const struct proto_world_bits *bits, struct proto_zone_lists *out)
{
	return encode_lists(cur, base, base ? proto_snapshot_time_base(base) : 0, NULL, bits, out);
}

bool proto_encode_view_lists(const struct proto_snapshot *cur, const struct proto_snapshot *base,
			     uint32_t base_time_base, const bool *base_stale,
			     const struct proto_world_bits *bits, struct proto_zone_lists *out)
{
	return encode_lists(cur, base, base_time_base, base_stale, bits, out);
}

/* ---- items ----------------------------------------------------------- */

_Static_assert(SIM_MAX_ITEMS < 64, "a delta's count of changed items travels in 6 bits");

static void write_items_whole(struct proto_writer *w, const struct proto_item *cur, int count)
{
	for (int i = 0; i < count; i++)
		proto_write_fields(w, proto_item_fields, proto_item_field_count, &cur[i]);
}

static void write_items_delta(struct proto_writer *w, const struct proto_item *cur,
			      const struct proto_item *base, int count)
{
	uint32_t changed = 0;
	for (int i = 0; i < count; i++)
		changed += proto_write_field_delta(NULL, proto_item_fields, proto_item_field_count,
						   &cur[i], &base[i]);
	proto_write_bool(w, changed > 0);
	if (!changed)
		return;
	proto_write_bits(w, changed, 6);
	for (int i = 0, prev = -1; i < count; i++) {
		if (!proto_write_field_delta(NULL, proto_item_fields, proto_item_field_count, &cur[i],
					     &base[i]))
			continue;
		proto_write_egamma(w, (uint32_t)(i - prev));
		prev = i;
		proto_write_field_delta(w, proto_item_fields, proto_item_field_count, &cur[i],
					&base[i]);
	}
}

void proto_encode_item_list(const struct proto_item *cur, const struct proto_item *base,
			    int count, bool in_delta, struct proto_item_list *out)
{
	struct proto_writer w;
	proto_writer_init(&w, out->data, sizeof(out->data));
	out->bits = 0;
	if (count <= 0)
		return;
	if (!in_delta) {
		write_items_whole(&w, cur, count);
		out->bits = w.bit_pos;
		return;
	}
	if (base) { /* the changes, unless all of them whole is smaller */
		proto_write_bool(&w, false);
		write_items_delta(&w, cur, base, count);
		if (w.bit_pos <= 1 + (uint32_t)count * (uint32_t)proto_item_bits()) {
			out->bits = w.bit_pos;
			return;
		}
		proto_writer_init(&w, out->data, sizeof(out->data));
	}
	proto_write_bool(&w, true);
	write_items_whole(&w, cur, count);
	out->bits = w.bit_pos;
}

static bool read_items(struct proto_reader *r, const struct proto_world_bits *bits,
		       const struct proto_snapshot *base, struct proto_snapshot *out)
{
	int count = bits->item_count;
	out->item_count = (uint8_t)count;
	if (!count)
		return true;
	bool whole = !base || proto_read_bool(r);
	if (whole) {
		for (int i = 0; i < count; i++)
			proto_read_fields(r, proto_item_fields, proto_item_field_count, &out->items[i]);
		return !r->overflow;
	}
	if (base->item_count != count)
		return false;
	memcpy(out->items, base->items, (size_t)count * sizeof(out->items[0]));
	if (!proto_read_bool(r))
		return !r->overflow;
	uint32_t changed = proto_read_bits(r, 6);
	if (changed == 0 || changed > (uint32_t)count)
		return false;
	int64_t i = -1;
	for (uint32_t e = 0; e < changed; e++) {
		uint32_t gap = proto_read_egamma(r);
		if (r->overflow || gap == 0 || i + (int64_t)gap >= count)
			return false;
		i += gap;
		proto_read_field_delta(r, proto_item_fields, proto_item_field_count, &out->items[i]);
	}
	return !r->overflow;
}

uint32_t proto_encode_snapshot_with(const struct proto_snapshot_head *cur,
				    const struct proto_snapshot_head *base,
				    const struct proto_zone_lists *lists,
				    const struct proto_item_list *items, uint8_t *buf, uint32_t cap)
{
	uint32_t gap = base ? cur->seq - base->seq : 0;
	if (base && (gap == 0 || gap > PROTO_MAX_BASE_GAP))
		return 0;
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_bits(&w, PROTO_MSG_SNAPSHOT, 8);
	proto_write_bits(&w, cur->seq, 16);
	proto_write_bits(&w, cur->server_tick, 16);
	proto_write_bits(&w, cur->ack_tick, 16);
	proto_write_bits(&w, cur->hold_ms, 8);
	proto_write_bits(&w, gap, 4);
	write_self(&w, &cur->self, base ? &base->self : NULL);
	proto_write_bitstream(&w, lists->data, lists->bits);
	if (items)
		proto_write_bitstream(&w, items->data, items->bits);
	return w.overflow ? 0 : proto_writer_bytes(&w);
}

uint32_t proto_encode_snapshot(const struct proto_snapshot *cur, const struct proto_snapshot *base,
			       const struct proto_world_bits *bits, uint8_t *buf, uint32_t cap)
{
	struct proto_zone_lists lists;
	if (!proto_encode_zone_lists(cur, base, bits, &lists))
		return 0;
	struct proto_snapshot_head head = {cur->seq, cur->server_tick, cur->ack_tick, cur->hold_ms,
					   cur->self};
	struct proto_snapshot_head base_head = {.seq = base ? base->seq : 0};
	if (base)
		base_head.self = base->self;
	struct proto_item_list items;
	proto_encode_item_list(cur->items, base && base->item_count == cur->item_count ? base->items : NULL,
			       bits->item_count, base != NULL, &items);
	return proto_encode_snapshot_with(&head, base ? &base_head : NULL, &lists, &items, buf, cap);
}

uint32_t proto_snapshot_base_seq(const uint8_t *data, uint32_t len,
				 const struct proto_snapshot_ref *ref)
{
	struct proto_reader r;
	proto_reader_init(&r, data, len);
	if (proto_read_bits(&r, 8) != PROTO_MSG_SNAPSHOT)
		return 0;
	uint32_t seq = proto_widen(ref ? ref->seq : 0, proto_read_bits(&r, 16), 16);
	proto_read_bits(&r, 16);
	proto_read_bits(&r, 16);
	proto_read_bits(&r, 8);
	uint32_t gap = proto_read_bits(&r, 4);
	return r.overflow || !gap ? 0 : seq - gap;
}

/* Reads a list's ids (and, for changed and new, their fields) into out. */
static bool read_ids(struct proto_reader *r, uint32_t *ids, struct proto_snapshot_avatar *avs,
		     int *out_count, enum entry_list which, const struct proto_world_bits *bits,
		     uint32_t ticks, uint32_t time_base, uint8_t zone,
		     const struct proto_snapshot *base)
{
	uint32_t count = proto_read_bool(r) ? proto_read_bits(r, 8) : 0, id = 0;
	int j = 0;
	if (r->overflow || count > PROTO_MAX_SNAPSHOT_AVATARS)
		return false;
	for (uint32_t e = 0; e < count; e++) {
		uint32_t gap = proto_read_egamma(r);
		if (r->overflow || gap == 0 || id + gap > PROTO_MAX_CLIENT_ID)
			return false;
		id += gap;
		ids[e] = id;
		if (which == LIST_GONE)
			continue;
		struct proto_snapshot_avatar *a = &avs[e];
		if (which == LIST_NEW) {
			a->id = (uint16_t)id;
			if (!read_new(r, bits, time_base, zone, a))
				return false;
			continue;
		}
		while (j < base->count && base->avatars[j].id < id)
			j++;
		if (j >= base->count || base->avatars[j].id != id)
			return false; /* a change to someone the baseline does not have */
		*a = base->avatars[j];
		if (!read_changed(r, bits, ticks, time_base, a))
			return false;
	}
	*out_count = (int)count;
	return true;
}

enum core_result proto_decode_snapshot(const uint8_t *data, uint32_t len,
				       const struct proto_world_bits *bits,
				       const struct proto_snapshot_ref *ref,
				       const struct proto_snapshot *base, struct proto_snapshot *out)
{
	static const struct proto_snapshot_ref none = {0, 0, 0};
	/* On the stack, not static: the decoder is reentrant (an audio or XR
	 * thread may share the client core, and fuzzers call it in a loop). */
	struct proto_snapshot_avatar changed_avs[PROTO_MAX_SNAPSHOT_AVATARS],
		new_avs[PROTO_MAX_SNAPSHOT_AVATARS];
	uint32_t changed_ids[PROTO_MAX_SNAPSHOT_AVATARS], new_ids[PROTO_MAX_SNAPSHOT_AVATARS],
		gone_ids[PROTO_MAX_SNAPSHOT_AVATARS];
	if (!ref)
		ref = &none;
	struct proto_reader r;
	proto_reader_init(&r, data, len);
	out->count = 0;
	if (proto_read_bits(&r, 8) != PROTO_MSG_SNAPSHOT)
		return CORE_ERR_INVALID;
	out->seq = proto_widen(ref->seq, proto_read_bits(&r, 16), 16);
	out->server_tick = proto_widen(ref->server_tick, proto_read_bits(&r, 16), 16);
	out->ack_tick = proto_widen(ref->input_tick, proto_read_bits(&r, 16), 16);
	out->hold_ms = (uint8_t)proto_read_bits(&r, 8);
	uint32_t gap = proto_read_bits(&r, 4);
	out->full = gap == 0;
	out->base_seq = gap ? out->seq - gap : 0;
	if (gap && (!base || base->seq != out->base_seq))
		return CORE_ERR_INVALID; /* no such baseline here */
	if (!gap)
		base = NULL;
	read_self(&r, &out->self, base ? &base->self : NULL);
	uint32_t time_base = read_time_base(&r, base ? base->time_base : 0, base != NULL);
	out->time_base = time_base;
	uint32_t ticks = base ? out->server_tick - base->server_tick : 0;
	int nc = 0, nn = 0, ng = 0;
	if (r.overflow ||
	    (base && !read_ids(&r, changed_ids, changed_avs, &nc, LIST_CHANGED, bits, ticks,
			       time_base, out->self.zone, base)) ||
	    !read_ids(&r, new_ids, new_avs, &nn, LIST_NEW, bits, ticks, time_base, out->self.zone,
		      base) ||
	    (base && !read_ids(&r, gone_ids, NULL, &ng, LIST_GONE, bits, ticks, time_base,
			       out->self.zone, base)))
		return CORE_ERR_INVALID;
	/* Merge: the baseline with its changes, less the gone, plus the new. */
	int j = 0, c = 0, n = 0, g = 0;
	const int nb = base ? base->count : 0;
	while (j < nb || n < nn) {
		uint32_t bid = j < nb ? base->avatars[j].id : UINT32_MAX;
		uint32_t nid = n < nn ? new_ids[n] : UINT32_MAX;
		if (nid == bid)
			return CORE_ERR_INVALID; /* new, yet already there */
		bool gone = nid > bid && g < ng && gone_ids[g] == bid;
		if (gone) {
			g++, j++;
			continue;
		}
		if (out->count >= PROTO_MAX_SNAPSHOT_AVATARS)
			return CORE_ERR_INVALID;
		if (nid < bid) {
			out->avatars[out->count++] = new_avs[n++];
			continue;
		}
		if (c < nc && changed_ids[c] == bid)
			out->avatars[out->count++] = changed_avs[c++];
		else
			out->avatars[out->count++] = base->avatars[j];
		j++;
	}
	if (c != nc || g != ng)
		return CORE_ERR_INVALID; /* a change or departure of no one */
	if (!read_items(&r, bits, base, out))
		return CORE_ERR_INVALID;
	for (int i = 0; i < out->count; i++)
		out->avatars[i].state.zone = out->self.zone;
	return !r.overflow && proto_reader_left_bits(&r) < 8 ? CORE_OK : CORE_ERR_INVALID;
}
