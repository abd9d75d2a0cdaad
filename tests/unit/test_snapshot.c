/* Snapshot codec: the worst case fits one packet; long runs of deltas
 * against lagging baselines decode to exactly what was sent (as quantised);
 * idle avatars cost nothing; poses keep their precision; bad input and
 * missing baselines are rejected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "proto/msg.h"
#include "proto/registry.h"
#include "sim/world_load.h"

#include <math.h>
#include <string.h>

static struct sim_world world;
static struct proto_world_bits bits;
static uint32_t rng = 77;

static uint32_t rnd(void)
{
	rng = rng * 1664525u + 1013904223u;
	return rng >> 8;
}

static int setup(void **state)
{
	(void)state;
	char err[512];
	if (sim_world_load_named(LYCEUM_SOURCE_DIR "/assets/worlds", "classroom", &world, err,
				 sizeof(err)) != CORE_OK)
		return -1;
	proto_world_bits_init(&bits, &world);
	bits.tick_us = 33333; /* 30 Hz: walkers' send times are predicted */
	bits.item_count = 0;  /* avatars alone: items have a test of their own */
	return 0;
}

static struct proto_pose random_pose(void)
{
	struct proto_pose_f f = {
		.head_m = {(float)(rnd() % 400) / 1000.0f - 0.2f, 0.1f, 1.2f + (float)(rnd() % 500) / 1000.0f},
		.head_q = {0.1f, -0.2f, 0.3f, 0.927f},
		.hand_m = {{0.3f, -0.4f, -0.5f}, {-0.3f, 0.2f, 0.1f}},
		.hand_q = {{0.5f, 0.5f, -0.5f, 0.5f}, {0.0f, 0.707f, 0.0f, 0.707f}}};
	struct proto_pose p;
	proto_pose_quantize(&f, &p);
	return p;
}

static void random_avatar(struct proto_snapshot_avatar *a, uint16_t id, bool vr)
{
	a->id = id;
	a->state = (struct sim_avatar){.pos_x_mm = (int32_t)(rnd() % 16000) + 250,
				       .pos_y_mm = (int32_t)(rnd() % 17500) + 250,
				       .yaw = (uint16_t)rnd(),
				       .seat = (uint16_t)(rnd() % 3 ? SIM_SEAT_NONE : rnd() % world.seat_count),
				       .door = (uint16_t)(rnd() % 5 ? SIM_DOOR_NONE : rnd() % world.door_count),
				       .zone = 0,
				       .flags = (uint8_t)(rnd() & 7)};
	a->send_time_us = 1000000u + rnd() % 60000;
	a->has_pose = vr;
	if (vr)
		a->pose = random_pose();
}

/* What the client must see: the sender's avatar as the wire quantises it. */
static void expect_same(const struct proto_snapshot *sent, const struct proto_snapshot *got)
{
	assert_int_equal(got->count, sent->count);
	assert_int_equal(got->hold_ms, sent->hold_ms);
	assert_memory_equal(&got->self, &sent->self, sizeof(sent->self));
	for (int i = 0; i < sent->count; i++) {
		const struct proto_snapshot_avatar *s = &sent->avatars[i], *g = &got->avatars[i];
		struct sim_avatar q = proto_remote_quantize(&s->state);
		q.zone = sent->self.zone;
		assert_int_equal(g->id, s->id);
		assert_memory_equal(&g->state, &q, sizeof(q));
		assert_int_equal(g->send_time_us, s->send_time_us - s->send_time_us % 1000);
		assert_int_equal(g->has_pose, s->has_pose);
		if (s->has_pose)
			assert_memory_equal(&g->pose, &s->pose, sizeof(s->pose));
	}
}

static void worst_case_full_snapshot_fits_one_packet(void **state)
{
	(void)state;
	static struct proto_snapshot s, out;
	s.seq = 0xfffffff0u;
	s.server_tick = 123456;
	s.ack_tick = 99;
	s.hold_ms = PROTO_HOLD_NONE;
	s.self = (struct sim_avatar){.pos_x_mm = 16499, .pos_y_mm = 17999, .yaw = 65535,
				     .seat = 57, .door = 1, .zone = 2, .flags = 7};
	/* 50 avatars in one zone, every one a VR user in a seat holding a door
	 * (not physical, but the most bits), send times far apart. */
	s.count = 50;
	for (int i = 0; i < 50; i++) {
		random_avatar(&s.avatars[i], (uint16_t)(4095 - 80 * (49 - i)), true);
		s.avatars[i].state.seat = (uint16_t)(world.seat_count - 1);
		s.avatars[i].state.door = (uint16_t)(world.door_count - 1);
		s.avatars[i].send_time_us = 1000000u + (uint32_t)i * 3000;
	}
	uint8_t buf[PROTO_MAX_PACKET];
	uint32_t len = proto_encode_snapshot(&s, NULL, &bits, buf, sizeof(buf));
	print_message("worst-case full snapshot of 50 VR avatars: %u bytes (limit %d)\n", len,
		      PROTO_MAX_PACKET);
	assert_true(len > 0 && len <= PROTO_MAX_PACKET);
	/* The receiver widens 16-bit counters around what it knows. */
	const struct proto_snapshot_ref ref = {s.seq - 3, s.server_tick - 5, s.ack_tick + 2};
	assert_int_equal(proto_snapshot_base_seq(buf, len, &ref), 0);
	assert_int_equal(proto_decode_snapshot(buf, len, &bits, &ref, NULL, &out), CORE_OK);
	assert_int_equal(out.seq, s.seq);
	assert_int_equal(out.server_tick, s.server_tick);
	assert_int_equal(out.ack_tick, s.ack_tick);
	assert_true(out.full);
	expect_same(&s, &out);
	/* Every shorter prefix is rejected. */
	for (uint32_t n = 0; n < len; n++)
		assert_int_not_equal(proto_decode_snapshot(buf, n, &bits, &ref, NULL, &out), CORE_OK);
}

static void deltas_against_lagging_baselines_decode_exactly(void **state)
{
	(void)state;
	enum { RING = PROTO_BASELINE_WINDOW, STEPS = 400 };
	static struct proto_snapshot sent[RING], got[RING], cur, out;
	bool present[200] = {false};
	static struct proto_snapshot_avatar live[200];
	for (int id = 1; id < 200; id++) {
		present[id] = id < 60;
		random_avatar(&live[id], (uint16_t)id, id % 3 == 0);
	}
	uint8_t buf[PROTO_MAX_PACKET];
	uint32_t acked = 0;
	size_t delta_bytes = 0, deltas = 0;
	for (uint32_t seq = 1; seq <= STEPS; seq++) {
		/* The world moves on: walkers walk, some sit, some come and go. */
		for (int id = 1; id < 200; id++) {
			struct proto_snapshot_avatar *a = &live[id];
			if (rnd() % 100 == 0)
				present[id] = !present[id];
			if (id % 4 == 0)
				continue; /* idle */
			a->state.pos_x_mm = CORE_CLAMP(a->state.pos_x_mm + (int32_t)(rnd() % 190) - 95, 250, 16250);
			a->state.pos_y_mm = CORE_CLAMP(a->state.pos_y_mm + (int32_t)(rnd() % 190) - 95, 250, 17750);
			if (rnd() % 20 == 0) /* a jump: teleport */
				a->state.pos_x_mm = (int32_t)(rnd() % 16000) + 250;
			if (rnd() % 10 == 0)
				a->state.yaw = (uint16_t)rnd();
			if (rnd() % 50 == 0)
				a->state.seat = a->state.seat == SIM_SEAT_NONE ? (uint16_t)(rnd() % world.seat_count) : SIM_SEAT_NONE;
			a->send_time_us = 1000000u + seq * 66666u + rnd() % 30000;
			if (a->has_pose && rnd() % 2)
				a->pose = random_pose();
		}
		cur.seq = seq;
		cur.server_tick = seq * 2;
		cur.ack_tick = seq;
		cur.self = live[1].state;
		cur.count = 0;
		/* 64: as many as a full snapshot of this world always carries
		 * (a bigger zone is sent a part at a time, sv_view.c). */
		for (int id = 2; id < 200 && cur.count < 64; id++)
			if (present[id])
				cur.avatars[cur.count++] = live[id];
		/* The client's ack lags by 1 to RING-1 snapshots, or is missing. */
		const struct proto_snapshot *base = NULL;
		if (acked && seq - acked < RING && rnd() % 10)
			base = &sent[acked % RING];
		uint32_t len = proto_encode_snapshot(&cur, base, &bits, buf, sizeof(buf));
		assert_true(len > 0);
		if (base) {
			delta_bytes += len;
			deltas++;
		}
		const struct proto_snapshot_ref ref = {seq - 1, (seq - 1) * 2, seq + 1};
		uint32_t need = proto_snapshot_base_seq(buf, len, &ref);
		assert_int_equal(need, base ? base->seq : 0);
		const struct proto_snapshot *client_base = need ? &got[need % RING] : NULL;
		assert_int_equal(proto_decode_snapshot(buf, len, &bits, &ref, client_base, &out), CORE_OK);
		assert_int_equal(out.seq, seq);
		assert_int_equal(out.server_tick, seq * 2);
		assert_int_equal(out.ack_tick, seq);
		expect_same(&cur, &out);
		assert_int_equal(out.full, base == NULL);
		sent[seq % RING] = cur;
		got[seq % RING] = out;
		if (rnd() % 3)
			acked = seq - (rnd() % 3 > 0 ? 0 : 1);
	}
	print_message("%zu deltas, %.0f bytes on average for about 55 avatars\n", deltas,
		      (double)delta_bytes / (double)deltas);
	assert_true(deltas > STEPS / 2);
}

/* The server encodes a zone's lists once per baseline frame and appends
 * them to each receiver's own header: the bytes are those of encoding each
 * snapshot alone, at whatever bit the receiver's header ends, and each
 * receiver decodes the whole zone, itself included. */
static void receivers_of_a_zone_share_its_lists(void **state)
{
	(void)state;
	static struct proto_snapshot base, cur, mine, out, base_out;
	base.seq = 40;
	base.server_tick = 80;
	base.count = 30;
	for (int i = 0; i < 30; i++)
		random_avatar(&base.avatars[i], (uint16_t)(3 * i + 1), i % 5 == 0);
	cur = base;
	cur.server_tick = 82;
	for (int i = 0; i < 30; i += 2) { /* half of them walk */
		cur.avatars[i].state.pos_x_mm += 90 + i;
		cur.avatars[i].send_time_us += 66000;
	}
	struct proto_zone_lists lists;
	assert_true(proto_encode_zone_lists(&cur, &base, &bits, &lists));
	uint8_t shared[PROTO_MAX_PACKET], alone[PROTO_MAX_PACKET];
	for (int r = 0; r < 30; r += 7) {
		/* Receiver r's own view: its self (moved or not) and its seqs. */
		struct sim_avatar self_then = base.avatars[r].state, self_now = cur.avatars[r].state;
		struct proto_snapshot_head head = {100 + (uint32_t)r, cur.server_tick, 7,
						   (uint8_t)(40 + r), self_now},
					   base_head = {.seq = 98 + (uint32_t)r, .self = self_then};
		uint32_t len = proto_encode_snapshot_with(&head, &base_head, &lists, NULL, shared,
							  sizeof(shared));
		base.seq = base_head.seq;
		base.self = self_then;
		mine = cur;
		mine.seq = head.seq;
		mine.ack_tick = 7;
		mine.hold_ms = (uint8_t)(40 + r);
		mine.self = self_now;
		uint32_t alone_len = proto_encode_snapshot(&mine, &base, &bits, alone, sizeof(alone));
		assert_true(len > 0);
		assert_int_equal(len, alone_len);
		assert_memory_equal(shared, alone, len);
		/* The receiver holds the baseline as it decoded it. */
		uint8_t full[PROTO_MAX_PACKET];
		uint32_t full_len = proto_encode_snapshot(&base, NULL, &bits, full, sizeof(full));
		assert_int_equal(proto_decode_snapshot(full, full_len, &bits, NULL, NULL, &base_out), CORE_OK);
		assert_int_equal(proto_decode_snapshot(shared, len, &bits, NULL, &base_out, &out), CORE_OK);
		expect_same(&mine, &out);
	}
}

/* A zone of 250 cannot be sent whole: its receiver's view grows over
 * several snapshots, each a delta from one it acked, carrying part of the
 * zone; a base avatar whose state the sender no longer knows ("stale") is
 * sent with every field, and the receiver ends with exactly the sender's
 * view each time. */
static void a_crowd_arrives_a_part_at_a_time(void **state)
{
	(void)state;
	static struct proto_snapshot zone, view, base, got, held;
	static bool stale[PROTO_MAX_SNAPSHOT_AVATARS];
	zone.count = 250;
	for (int i = 0; i < 250; i++)
		random_avatar(&zone.avatars[i], (uint16_t)(i + 1), i % 25 == 0);
	uint8_t full[PROTO_MAX_PACKET];
	assert_int_equal(proto_encode_snapshot(&zone, NULL, &bits, full, sizeof(full)), 0);
	memset(&base, 0, sizeof(base));
	memset(&held, 0, sizeof(held));
	bool have_base = false;
	uint32_t base_time_base = 0;
	for (uint32_t seq = 1, step = 0; step < 10; seq++, step++) {
		/* The view after this snapshot: the base and the next 80 of the zone. */
		view = base;
		view.seq = seq;
		view.server_tick = seq * 2;
		view.self = zone.avatars[0].state;
		int add = 0;
		view.count = 0;
		for (int i = 0, j = 0; i < zone.count; i++) {
			while (j < base.count && base.avatars[j].id < zone.avatars[i].id)
				j++;
			bool known = j < base.count && base.avatars[j].id == zone.avatars[i].id;
			if (known || add++ < 80)
				view.avatars[view.count++] = zone.avatars[i];
		}
		/* The sender forgot a third of the base's states: sent whole. */
		for (int j = 0; j < base.count; j++) {
			stale[j] = j % 3 == 0;
			if (stale[j])
				memset(&base.avatars[j].state, 0, sizeof(base.avatars[j].state));
		}
		struct proto_zone_lists lists;
		assert_true(proto_encode_view_lists(&view, have_base ? &base : NULL, base_time_base,
						    have_base ? stale : NULL, &bits, &lists));
		struct proto_snapshot_head head = {seq, view.server_tick, 0, 0, view.self},
					   base_head = {.seq = base.seq, .self = base.self};
		uint8_t buf[PROTO_MAX_PACKET];
		uint32_t len = proto_encode_snapshot_with(&head, have_base ? &base_head : NULL, &lists, NULL,
							  buf, sizeof(buf));
		assert_true(len > 0);
		assert_int_equal(proto_decode_snapshot(buf, len, &bits, NULL, have_base ? &held : NULL,
						       &got),
				 CORE_OK);
		expect_same(&view, &got);
		assert_int_equal(got.time_base, proto_snapshot_time_base(&view));
		/* Acked: the next is a delta from it. */
		held = got;
		base = view;
		base_time_base = got.time_base;
		have_base = true;
		/* Everyone walks a little before the next one. */
		for (int i = 0; i < zone.count; i += 2) {
			zone.avatars[i].state.pos_x_mm += 40;
			zone.avatars[i].send_time_us += 66000;
		}
	}
	assert_int_equal(got.count, 250);
}

static void idle_avatars_cost_nothing(void **state)
{
	(void)state;
	static struct proto_snapshot a, b, out_a, out_b;
	a.seq = 10;
	a.count = 50;
	for (int i = 0; i < 50; i++)
		random_avatar(&a.avatars[i], (uint16_t)(i + 2), i % 2);
	b = a;
	b.seq = 11;
	uint8_t buf[PROTO_MAX_PACKET];
	uint32_t full = proto_encode_snapshot(&a, NULL, &bits, buf, sizeof(buf));
	assert_int_equal(proto_decode_snapshot(buf, full, &bits, NULL, NULL, &out_a), CORE_OK);
	uint32_t len = proto_encode_snapshot(&b, &a, &bits, buf, sizeof(buf));
	/* Header only: type, seq, tick, ack (16 bits each), hold, gap, self
	 * unchanged (a bit per field), time base as a delta (u1 + i12), three
	 * empty lists (a bit each). */
	uint32_t header =
		(8 + 16 + 16 + 16 + 8 + 4 + (uint32_t)proto_avatar_field_count + 13 + 3 + 7) / 8;
	assert_int_equal(len, header);
	assert_int_equal(proto_decode_snapshot(buf, len, &bits, NULL, &out_a, &out_b), CORE_OK);
	expect_same(&b, &out_b);
	/* One walker among them costs about four bytes, count included, not a
	 * whole record. */
	b.avatars[7].state.pos_x_mm += 93;
	b.avatars[7].send_time_us += 66000;
	len = proto_encode_snapshot(&b, &a, &bits, buf, sizeof(buf));
	assert_true(len <= header + 5);
}

static void missing_or_wrong_baselines_are_rejected(void **state)
{
	(void)state;
	static struct proto_snapshot a, b, other, out;
	a.seq = 5;
	a.count = 3;
	for (int i = 0; i < 3; i++)
		random_avatar(&a.avatars[i], (uint16_t)(i + 1), false);
	b = a;
	b.seq = 7;
	b.avatars[1].state.pos_x_mm += 500;
	uint8_t buf[PROTO_MAX_PACKET];
	uint32_t len = proto_encode_snapshot(&b, &a, &bits, buf, sizeof(buf));
	const struct proto_snapshot_ref ref = {6, 0, 0};
	assert_int_equal(proto_snapshot_base_seq(buf, len, &ref), 5);
	assert_int_not_equal(proto_decode_snapshot(buf, len, &bits, &ref, NULL, &out), CORE_OK);
	other = a;
	other.seq = 6;
	assert_int_not_equal(proto_decode_snapshot(buf, len, &bits, &ref, &other, &out), CORE_OK);
	/* A baseline whose avatars do not match what the delta changes. */
	other.seq = 5;
	other.count = 1;
	assert_int_not_equal(proto_decode_snapshot(buf, len, &bits, &ref, &other, &out), CORE_OK);
	/* Gaps the wire cannot carry are refused by the encoder. */
	b.seq = a.seq + PROTO_MAX_BASE_GAP + 1;
	assert_int_equal(proto_encode_snapshot(&b, &a, &bits, buf, sizeof(buf)), 0);
	/* Garbage never reads outside the buffer (ASan) and never yields more
	 * avatars than a snapshot holds. */
	for (int round = 0; round < 20000; round++) {
		uint32_t n = rnd() % sizeof(buf);
		for (uint32_t k = 0; k < n; k++)
			buf[k] = (uint8_t)rnd();
		if (n)
			buf[0] = PROTO_MSG_SNAPSHOT;
		(void)!proto_decode_snapshot(buf, n, &bits, &ref, round % 2 ? &a : NULL, &out);
		assert_true(out.count <= PROTO_MAX_SNAPSHOT_AVATARS);
	}
}

static void random_item(struct proto_item *it)
{
	it->x_cm = (uint16_t)(rnd() % 4000);
	it->y_cm = (uint16_t)(rnd() % 4000);
	it->z_cm = (uint16_t)(rnd() % (PROTO_ITEM_MAX_Z_CM + 1));
	it->yaw = (uint16_t)rnd();
	it->holder = (uint16_t)(rnd() % 2 ? rnd() % PROTO_MAX_CLIENT_ID : 0);
}

/* Items travel whole in a full snapshot, then as the fields that changed;
 * a world's every item fits beside a crowd; a delta whose baseline frame
 * is gone sends them whole; bad input is refused. */
static void items_travel_whole_then_as_changes(void **state)
{
	(void)state;
	static struct proto_snapshot a, b, out, held;
	struct proto_world_bits ib = bits;
	ib.item_count = SIM_MAX_ITEMS;
	a.seq = 10;
	a.count = 3;
	a.item_count = SIM_MAX_ITEMS;
	for (int i = 0; i < 3; i++)
		random_avatar(&a.avatars[i], (uint16_t)(i + 1), false);
	for (int i = 0; i < SIM_MAX_ITEMS; i++)
		random_item(&a.items[i]);
	uint8_t buf[PROTO_MAX_PACKET];
	uint32_t full = proto_encode_snapshot(&a, NULL, &ib, buf, sizeof(buf));
	assert_true(full > 0);
	const struct proto_snapshot_ref ref = {10, 0, 0};
	assert_int_equal(proto_decode_snapshot(buf, full, &ib, &ref, NULL, &held), CORE_OK);
	assert_int_equal(held.item_count, SIM_MAX_ITEMS);
	assert_memory_equal(held.items, a.items, sizeof(a.items));
	/* Two items change: only they travel, and only their changed fields. */
	b = a;
	b.seq = 11;
	b.items[3].x_cm += 7;
	b.items[17].holder = 42;
	uint32_t delta = proto_encode_snapshot(&b, &a, &ib, buf, sizeof(buf));
	assert_true(delta > 0 && delta + 200 < full);
	const struct proto_snapshot_ref ref2 = {11, 0, 0};
	assert_int_equal(proto_decode_snapshot(buf, delta, &ib, &ref2, &held, &out), CORE_OK);
	assert_memory_equal(out.items, b.items, sizeof(b.items));
	/* None changes: the items cost two bits. */
	struct proto_item_list same;
	proto_encode_item_list(a.items, a.items, SIM_MAX_ITEMS, true, &same);
	assert_int_equal(same.bits, 2);
	/* A delta without the baseline's items sends them all whole. */
	struct proto_item_list whole;
	proto_encode_item_list(b.items, NULL, SIM_MAX_ITEMS, true, &whole);
	assert_int_equal(whole.bits, 1 + SIM_MAX_ITEMS * proto_item_bits());
	/* Everything changed: never more than whole. */
	for (int i = 0; i < SIM_MAX_ITEMS; i++)
		random_item(&b.items[i]);
	struct proto_item_list all;
	proto_encode_item_list(b.items, a.items, SIM_MAX_ITEMS, true, &all);
	assert_true(all.bits <= whole.bits);
	/* A snapshot cut short, or items the world does not have, is refused. */
	assert_int_not_equal(proto_decode_snapshot(buf, delta - 1, &ib, &ref2, &held, &out), CORE_OK);
	struct proto_world_bits fewer = ib;
	fewer.item_count = 4;
	assert_int_not_equal(proto_decode_snapshot(buf, delta, &fewer, &ref2, &held, &out), CORE_OK);
}

/* The messages a holder sends: grab, release, where it carries the item. */
static void item_requests_round_trip(void **state)
{
	(void)state;
	uint8_t buf[32];
	struct proto_item_up up = {PROTO_ITEM_RELEASE, 31}, up2;
	uint32_t n = proto_encode_item_up(&up, buf, sizeof(buf));
	assert_int_equal(n, 2);
	assert_int_equal(proto_decode_item_up(buf, n, &up2), CORE_OK);
	assert_memory_equal(&up, &up2, sizeof(up));
	up.item = SIM_MAX_ITEMS;
	assert_int_equal(proto_encode_item_up(&up, buf, sizeof(buf)), 0);
	struct proto_item_move mv = {7, {1234, 4321, 120, 40000, 0}}, mv2;
	n = proto_encode_item_move(&mv, buf, sizeof(buf));
	assert_true(n > 0 && n <= proto_msg_spec(PROTO_MSG_ITEM_MOVE)->max_size);
	assert_int_equal(proto_decode_item_move(buf, n, &mv2), CORE_OK);
	assert_int_equal(mv2.item, mv.item);
	assert_memory_equal(&mv.at, &mv2.at, sizeof(mv.at));
	assert_int_not_equal(proto_decode_item_move(buf, n - 1, &mv2), CORE_OK);
	mv.at.z_cm = PROTO_ITEM_MAX_Z_CM + 1;
	assert_int_equal(proto_encode_item_move(&mv, buf, sizeof(buf)), 0);
}

static double quat_angle_deg(const float a[4], const float b[4])
{
	double dot = fabs((double)a[0] * b[0] + (double)a[1] * b[1] + (double)a[2] * b[2] +
			  (double)a[3] * b[3]);
	return 2.0 * acos(dot > 1.0 ? 1.0 : dot) * 57.29577951308232;
}

static void poses_keep_their_precision(void **state)
{
	(void)state;
	for (int i = 0; i < 2000; i++) {
		struct proto_pose_f f;
		float *q = f.head_q;
		for (int k = 0; k < 3; k++)
			f.head_m[k] = (float)(rnd() % 1800) / 1000.0f - 0.9f;
		f.head_m[2] = (float)(rnd() % 2400) / 1000.0f;
		for (int k = 0; k < 4; k++)
			q[k] = (float)(rnd() % 2000) / 1000.0f - 1.0f;
		float norm = sqrtf(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
		for (int k = 0; k < 4; k++)
			q[k] /= norm;
		for (int h = 0; h < 2; h++) {
			for (int k = 0; k < 4; k++)
				f.hand_q[h][k] = q[(k + h + 1) % 4];
			for (int k = 0; k < 3; k++)
				f.hand_m[h][k] = (float)(rnd() % 1800) / 1000.0f - 0.9f;
		}
		struct proto_pose p, back;
		proto_pose_quantize(&f, &p);
		uint8_t buf[32];
		struct proto_writer w;
		proto_writer_init(&w, buf, sizeof(buf));
		proto_write_pose(&w, &p);
		assert_int_equal(w.bit_pos, PROTO_POSE_BITS);
		struct proto_reader r;
		proto_reader_init(&r, buf, proto_writer_bytes(&w));
		proto_read_pose(&r, &back);
		assert_memory_equal(&p, &back, sizeof(p));
		struct proto_pose_f g;
		proto_pose_dequantize(&back, &g);
		for (int k = 0; k < 3; k++)
			assert_true(fabsf(g.head_m[k] - f.head_m[k]) <= 0.0051f);
		for (int h = 0; h < 2; h++)
			for (int k = 0; k < 3; k++)
				assert_true(fabsf(g.hand_m[h][k] - f.hand_m[h][k]) <= 0.0081f);
		assert_true(quat_angle_deg(f.head_q, g.head_q) < 1.0);
		assert_true(quat_angle_deg(f.hand_q[0], g.hand_q[0]) < 2.0);
		assert_true(quat_angle_deg(f.hand_q[1], g.hand_q[1]) < 2.0);
	}
}

static void moves_carry_ack_and_pose(void **state)
{
	(void)state;
	struct proto_move m = {.count = 1, .send_time_us = 5, .ack_seq = 0xabcdef01u, .has_pose = true,
			       .pose = random_pose()};
	m.cmds[0] = (struct sim_cmd){.move_x = 3};
	uint8_t buf[96];
	uint32_t len = proto_encode_move(&m, 44, buf, sizeof(buf));
	struct proto_move out;
	assert_int_equal(proto_decode_move(buf, len, &out), CORE_OK);
	proto_move_widen(&out, 40, 0xabcdef03u, 0, false);
	assert_int_equal(out.ack_seq, 0xabcdef01u);
	assert_int_equal(out.cmds[0].tick, 44);
	assert_true(out.has_pose);
	assert_memory_equal(&out.pose, &m.pose, sizeof(m.pose));
	for (uint32_t n = 0; n < len; n++)
		assert_int_not_equal(proto_decode_move(buf, n, &out), CORE_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(worst_case_full_snapshot_fits_one_packet),
		cmocka_unit_test(deltas_against_lagging_baselines_decode_exactly),
		cmocka_unit_test(receivers_of_a_zone_share_its_lists),
		cmocka_unit_test(a_crowd_arrives_a_part_at_a_time),
		cmocka_unit_test(idle_avatars_cost_nothing),
		cmocka_unit_test(missing_or_wrong_baselines_are_rejected),
		cmocka_unit_test(poses_keep_their_precision),
		cmocka_unit_test(moves_carry_ack_and_pose),
		cmocka_unit_test(items_travel_whole_then_as_changes),
		cmocka_unit_test(item_requests_round_trip),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
