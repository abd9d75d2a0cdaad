#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "proto/msg.h"
#include "proto/registry.h"

#include <string.h>

static struct sim_avatar sample_avatar(int i)
{
	return (struct sim_avatar){.pos_x_mm = -8388608 + i * 1234567 % 16777215,
				   .pos_y_mm = 8388607 - i * 7777,
				   .yaw = (uint16_t)(i * 4099),
				   .seat = (uint16_t)(i % 3 ? SIM_SEAT_NONE : i),
				   .door = SIM_DOOR_NONE,
				   .zone = (uint8_t)(i % 5),
				   .flags = (uint8_t)(i & 7)};
}

/* Every shorter prefix of a valid message must be rejected, and so must the
 * message with a byte appended. */
typedef enum core_result (*decode_fn)(const uint8_t *, uint32_t, void *);

static void check_prefixes_and_trailing(const uint8_t *buf, uint32_t len, decode_fn decode,
					void *out)
{
	for (uint32_t n = 0; n < len; n++)
		assert_int_not_equal(decode(buf, n, out), CORE_OK);
	uint8_t longer[PROTO_MAX_PACKET + 1];
	memcpy(longer, buf, len);
	longer[len] = 0;
	assert_int_not_equal(decode(longer, len + 1, out), CORE_OK);
}

static void hello_round_trip(void **state)
{
	(void)state;
	struct proto_hello h = {.version = PROTO_VERSION, .role = PROTO_ROLE_INSTRUCTOR,
				.token_kind = PROTO_TOKEN_RESUME, .token_len = 3};
	strcpy(h.room, "physics-101");
	strcpy(h.name, "Ada Lovelace");
	strcpy(h.spawn_zone, "meeting");
	memcpy(h.token, "\x01\x02\x03", 3);
	uint8_t buf[PROTO_MAX_PACKET];
	uint32_t len = proto_encode_hello(&h, buf, sizeof(buf));
	assert_true(len > 0);
	struct proto_hello out;
	assert_int_equal(proto_decode_hello(buf, len, &out), CORE_OK);
	assert_int_equal(out.version, PROTO_VERSION);
	assert_int_equal(out.role, PROTO_ROLE_INSTRUCTOR);
	assert_string_equal(out.room, "physics-101");
	assert_string_equal(out.name, "Ada Lovelace");
	assert_string_equal(out.spawn_zone, "meeting");
	assert_int_equal(out.token_kind, PROTO_TOKEN_RESUME);
	assert_int_equal(out.token_len, 3);
	assert_memory_equal(out.token, "\x01\x02\x03", 3);
	check_prefixes_and_trailing(buf, len, (decode_fn)proto_decode_hello, &out);
	/* A token without a kind, or a kind without a token, is rejected. */
	h.token_kind = PROTO_TOKEN_NONE;
	len = proto_encode_hello(&h, buf, sizeof(buf));
	assert_int_not_equal(proto_decode_hello(buf, len, &out), CORE_OK);
	h.token_kind = PROTO_TOKEN_JOIN;
	h.token_len = 0;
	len = proto_encode_hello(&h, buf, sizeof(buf));
	assert_int_not_equal(proto_decode_hello(buf, len, &out), CORE_OK);
	h.token_kind = PROTO_TOKEN_NONE;
	len = proto_encode_hello(&h, buf, sizeof(buf));
	assert_int_equal(proto_decode_hello(buf, len, &out), CORE_OK);
	/* An unknown role is rejected. */
	h.role = PROTO_ROLE_COUNT;
	len = proto_encode_hello(&h, buf, sizeof(buf));
	assert_int_not_equal(proto_decode_hello(buf, len, &out), CORE_OK);
}

static void welcome_and_refuse_round_trip(void **state)
{
	(void)state;
	struct proto_welcome w = {.version = PROTO_VERSION, .client_id = 4095,
				  .tick_hz = 30, .snapshot_hz = 15, .server_tick = 0xdeadbeef,
				  .state = sample_avatar(7), .role = PROTO_ROLE_TA, .same_name = 2,
				  .room_flags = PROTO_ROOM_LOCKED | PROTO_ROOM_MUTE_ALL, .roster = 321,
				  .ticket_len = 200};
	memset(w.ticket, 0xA5, w.ticket_len);
	strcpy(w.name, "Grace Hopper");
	strcpy(w.room, "r");
	strcpy(w.world, "classroom");
	uint8_t buf[PROTO_MAX_PACKET];
	uint32_t len = proto_encode_welcome(&w, buf, sizeof(buf));
	struct proto_welcome wo;
	assert_int_equal(proto_decode_welcome(buf, len, &wo), CORE_OK);
	assert_int_equal(wo.client_id, 4095);
	assert_int_equal(wo.server_tick, 0xdeadbeef);
	assert_string_equal(wo.world, "classroom");
	assert_memory_equal(&wo.state, &w.state, sizeof(w.state));
	assert_int_equal(wo.role, PROTO_ROLE_TA);
	assert_string_equal(wo.name, "Grace Hopper");
	assert_int_equal(wo.same_name, 2);
	assert_int_equal(wo.room_flags, PROTO_ROOM_LOCKED | PROTO_ROOM_MUTE_ALL);
	assert_int_equal(wo.roster, 321);
	assert_int_equal(wo.ticket_len, 200);
	assert_memory_equal(wo.ticket, w.ticket, 200);
	check_prefixes_and_trailing(buf, len, (decode_fn)proto_decode_welcome, &wo);

	struct proto_refuse r = {.reason = PROTO_REFUSE_VERSION, .server_version = 1,
				 .client_version = 999};
	strcpy(r.message, "protocol version mismatch");
	len = proto_encode_refuse(&r, buf, sizeof(buf));
	struct proto_refuse ro;
	assert_int_equal(proto_decode_refuse(buf, len, &ro), CORE_OK);
	assert_int_equal(ro.client_version, 999);
	assert_string_equal(ro.message, "protocol version mismatch");
	check_prefixes_and_trailing(buf, len, (decode_fn)proto_decode_refuse, &ro);
}

static void refuse_layout_is_frozen(void **state)
{
	(void)state;
	/* Old and new clients must read a refusal: type, reason, two u16
	 * versions, then a length-prefixed message, LSB-first. */
	struct proto_refuse r = {.reason = 1, .server_version = 0x0102, .client_version = 0x0304};
	strcpy(r.message, "no");
	uint8_t buf[32];
	uint32_t len = proto_encode_refuse(&r, buf, sizeof(buf));
	const uint8_t expect[] = {PROTO_MSG_REFUSE, 1, 0x02, 0x01, 0x04, 0x03, 2, 'n', 'o'};
	assert_int_equal(len, sizeof(expect));
	assert_memory_equal(buf, expect, sizeof(expect));
}

static void move_round_trip_carries_three_commands(void **state)
{
	(void)state;
	struct proto_move m = {.count = 3, .send_time_us = 0xfffffff0u};
	for (int i = 0; i < 3; i++)
		m.cmds[i] = (struct sim_cmd){.move_x = (int8_t)(-127 + i), .move_y = (int8_t)(127 - i),
					     .yaw = (uint16_t)(65535 - i), .buttons = (uint8_t)(i + 1),
					     .seat = (uint16_t)(i & 1 ? SIM_SEAT_NONE : 500 + i)};
	uint8_t buf[64];
	uint32_t len = proto_encode_move(&m, 1000, buf, sizeof(buf));
	/* 8 + 2 + 17 (long tick: nothing acked) + 24 (full time: near the
	 * wrap) + 1 (no ack) + 3 x 37 (yaw not the move's) + 2 x 2 (the older
	 * ones differ in yaw, so they go whole) + 16 for each SIT's seat
	 * (buttons 1 and 3) + 1 (no pose) = 200 bits */
	assert_int_equal(len, 25);
	struct proto_move out;
	assert_int_equal(proto_decode_move(buf, len, &out), CORE_OK);
	proto_move_widen(&out, 990, 0, 0, false);
	assert_int_equal(out.count, 3);
	assert_int_equal(out.send_time_us, 0xfffffff0u / 1000 * 1000); /* the 1 ms grid */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(out.cmds[i].tick, 1000 - i);
		assert_int_equal(out.cmds[i].move_x, m.cmds[i].move_x);
		assert_int_equal(out.cmds[i].move_y, m.cmds[i].move_y);
		assert_int_equal(out.cmds[i].yaw, m.cmds[i].yaw);
		assert_int_equal(out.cmds[i].buttons, m.cmds[i].buttons);
		assert_int_equal(out.cmds[i].seat, m.cmds[i].seat);
	}
	check_prefixes_and_trailing(buf, len, (decode_fn)proto_decode_move, &out);
	/* A walker facing where it goes, its tick near the acked one and its
	 * send time near the last: older commands like the newer cost a bit, a
	 * few units off nine; the whole move is ten bytes. */
	struct proto_move walk = {.count = 3, .send_time_us = 123456789, .ack_seq = 70000,
				  .acked_tick = 69990};
	walk.cmds[0] = (struct sim_cmd){.move_x = 120, .move_y = -40, .yaw = sim_yaw_of(120, -40),
					.seat = SIM_SEAT_NONE};
	walk.cmds[1] = walk.cmds[0];
	walk.cmds[2] = walk.cmds[0];
	walk.cmds[2].move_x = 117;
	walk.cmds[2].yaw = sim_yaw_of(117, -40);
	len = proto_encode_move(&walk, 70001, buf, sizeof(buf));
	assert_int_equal(len, (8 + 2 + 9 + 17 + 9 + 21 + 1 + 9 + 1 + 7) / 8);
	assert_int_equal(proto_decode_move(buf, len, &out), CORE_OK);
	proto_move_widen(&out, 69990, 70003, 123456 - 20000, true);
	assert_int_equal(out.ack_seq, 70000);
	assert_int_equal(out.send_time_us, 123456000);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(out.cmds[i].tick, 70001 - i);
		assert_int_equal(out.cmds[i].move_x, walk.cmds[i].move_x);
		assert_int_equal(out.cmds[i].move_y, walk.cmds[i].move_y);
		assert_int_equal(out.cmds[i].yaw, walk.cmds[i].yaw);
	}
	/* A short send time with nothing to widen it against is unknown, not wrong. */
	proto_decode_move(buf, len, &out) == CORE_OK ? (void)0 : fail();
	proto_move_widen(&out, 69990, 70003, 0, false);
	assert_int_equal(out.send_time_us, 0);
	/* The tick goes long when the acked one is far behind. */
	walk.acked_tick = 60000;
	assert_int_equal(proto_encode_move(&walk, 70001, buf, sizeof(buf)),
			 (8 + 2 + 17 + 17 + 9 + 21 + 1 + 9 + 1 + 7) / 8);
	m.count = 0;
	assert_int_equal(proto_encode_move(&m, 1, buf, sizeof(buf)), 0);
}

static void roster_messages_round_trip(void **state)
{
	(void)state;
	struct proto_avatar_info info = {.id = 17, .role = PROTO_ROLE_TA, .same_name = 3};
	strcpy(info.name, "Grace");
	strcpy(info.user, "grace@example.org");
	uint8_t buf[128];
	uint32_t len = proto_encode_avatar_info(&info, buf, sizeof(buf));
	struct proto_avatar_info out;
	assert_int_equal(proto_decode_avatar_info(buf, len, &out), CORE_OK);
	assert_int_equal(out.id, 17);
	assert_string_equal(out.name, "Grace");
	assert_int_equal(out.same_name, 3);
	assert_string_equal(out.user, "grace@example.org");
	check_prefixes_and_trailing(buf, len, (decode_fn)proto_decode_avatar_info, &out);
	uint16_t id;
	len = proto_encode_avatar_gone(4000, buf, sizeof(buf));
	assert_int_equal(proto_decode_avatar_gone(buf, len, &id), CORE_OK);
	assert_int_equal(id, 4000);
}

static void moderation_messages_round_trip(void **state)
{
	(void)state;
	uint8_t buf[PROTO_MAX_PACKET];
	struct proto_mod_request q = {.type = PROTO_MSG_KICK, .target = 4095, .flag = true};
	strcpy(q.text, "shouting over the teacher");
	uint32_t len = proto_encode_mod_request(&q, buf, sizeof(buf));
	struct proto_mod_request qo;
	assert_int_equal(proto_decode_mod_request(buf, len, &qo), CORE_OK);
	assert_int_equal(qo.type, PROTO_MSG_KICK);
	assert_int_equal(qo.target, 4095);
	assert_true(qo.flag);
	assert_string_equal(qo.text, q.text);
	check_prefixes_and_trailing(buf, len, (decode_fn)proto_decode_mod_request, &qo);
	/* Not a moderation type: neither encoded nor decoded as one. */
	q.type = PROTO_MSG_HELLO;
	assert_int_equal(proto_encode_mod_request(&q, buf, sizeof(buf)), 0);
	buf[0] = PROTO_MSG_MOD_EVENT;
	assert_int_not_equal(proto_decode_mod_request(buf, len, &qo), CORE_OK);

	struct proto_mod_event e = {.action = PROTO_MSG_MUTE, .refused = true, .flag = true,
				    .actor = 12, .target = 40, .unix_time = 1796296783u};
	strcpy(e.actor_name, "Ms Smith");
	strcpy(e.text, "a student may not mute and unmute others");
	len = proto_encode_mod_event(&e, buf, sizeof(buf));
	struct proto_mod_event eo;
	assert_int_equal(proto_decode_mod_event(buf, len, &eo), CORE_OK);
	assert_memory_equal(&eo, &e, sizeof(e));
	check_prefixes_and_trailing(buf, len, (decode_fn)proto_decode_mod_event, &eo);

	struct proto_hand_queue h = {.count = PROTO_HAND_QUEUE_MAX};
	for (int i = 0; i < h.count; i++)
		h.ids[i] = (uint16_t)(4095 - i);
	len = proto_encode_hand_queue(&h, buf, sizeof(buf));
	assert_true(len <= proto_msg_spec(PROTO_MSG_HAND_QUEUE)->max_size);
	struct proto_hand_queue ho;
	assert_int_equal(proto_decode_hand_queue(buf, len, &ho), CORE_OK);
	assert_memory_equal(&ho, &h, sizeof(h));
	check_prefixes_and_trailing(buf, len, (decode_fn)proto_decode_hand_queue, &ho);
	buf[1] = PROTO_HAND_QUEUE_MAX + 1; /* a count past the limit */
	assert_int_not_equal(proto_decode_hand_queue(buf, len, &ho), CORE_OK);
}

/* A frame keeps its fields and its Opus bytes both ways; the server's
 * in-place header rewrite makes exactly the forwarded message; an empty,
 * oversized or flag-polluted frame is refused. */
static void voice_messages_round_trip(void **state)
{
	(void)state;
	uint8_t opus[PROTO_VOICE_OPUS_MAX], buf[PROTO_VOICE_UP_HEADER + PROTO_VOICE_OPUS_MAX + 8];
	for (int i = 0; i < PROTO_VOICE_OPUS_MAX; i++)
		opus[i] = (uint8_t)(i * 7 + 1);
	struct proto_voice_up up = {.seq = 2047, .last = true, .broadcast = true, .loudness = 201,
				    .len = 60, .opus = opus};
	uint32_t len = proto_encode_voice_up(&up, buf, sizeof(buf));
	assert_int_equal(len, PROTO_VOICE_UP_HEADER + 60);
	assert_true(len <= proto_msg_spec(PROTO_MSG_VOICE)->max_size);
	struct proto_voice_up uo;
	assert_int_equal(proto_decode_voice_up(buf, len, &uo), CORE_OK);
	assert_int_equal(uo.seq, 2047);
	assert_true(uo.last && uo.broadcast);
	assert_int_equal(uo.loudness, 201);
	assert_int_equal(uo.len, 60);
	assert_memory_equal(uo.opus, opus, 60);
	assert_int_not_equal(proto_decode_voice_up(buf, PROTO_VOICE_UP_HEADER, &uo), CORE_OK);
	uint8_t keep = buf[2];
	buf[2] = 0xff; /* seq's top bits, last and broadcast were set: now the reserved ones too */
	assert_int_not_equal(proto_decode_voice_up(buf, len, &uo), CORE_OK);
	buf[2] = keep;
	up.len = PROTO_VOICE_OPUS_MAX + 1;
	assert_int_equal(proto_encode_voice_up(&up, buf, sizeof(buf)), 0);
	up.len = PROTO_VOICE_OPUS_MAX;
	len = proto_encode_voice_up(&up, buf, sizeof(buf));
	assert_int_equal(len, proto_msg_spec(PROTO_MSG_VOICE)->max_size);
	memset(buf + len, 0, 8);
	assert_int_not_equal(proto_decode_voice_up(buf, len + 1, &uo), CORE_OK);

	/* Forwarded: three bytes of header, the first with its high bit set. */
	const uint16_t ids[] = {1, 127, 128, 2000, 4095};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct proto_voice_down d = {.speaker = ids[i], .seq = (uint16_t)(2047 - i), .len = 60,
					     .opus = opus}, o;
		uint8_t enc[PROTO_VOICE_DOWN_HEADER + PROTO_VOICE_OPUS_MAX];
		uint32_t n = proto_encode_voice_down(&d, enc, sizeof(enc));
		assert_int_equal(n, PROTO_VOICE_DOWN_HEADER + 60);
		assert_true(enc[0] & 0x80);
		assert_int_equal(proto_msg_type(enc, n), PROTO_MSG_VOICE_FORWARD);
		assert_int_equal(proto_decode_voice_down(enc, n, &o), CORE_OK);
		assert_int_equal(o.speaker, d.speaker);
		assert_int_equal(o.seq, d.seq);
		assert_int_equal(o.len, 60);
		assert_memory_equal(o.opus, opus, 60);
		assert_int_not_equal(proto_decode_voice_up(enc, n, &uo), CORE_OK); /* another type */
		assert_int_not_equal(proto_decode_voice_down(enc, PROTO_VOICE_DOWN_HEADER, &o), CORE_OK);
	}
	uint8_t zero[PROTO_VOICE_DOWN_HEADER + 4];
	proto_voice_down_header(0, 77, zero); /* nobody speaks as id 0 */
	struct proto_voice_down d;
	assert_int_not_equal(proto_decode_voice_down(zero, sizeof(zero), &d), CORE_OK);
	/* Every type a message has is below the marker. */
	assert_true(PROTO_MSG_TYPE_COUNT <= PROTO_VOICE_FORWARD_BIT);

	struct proto_speaking sp = {.id = 4095, .speaking = true, .broadcast = true}, so;
	len = proto_encode_speaking(&sp, buf, sizeof(buf));
	assert_true(len <= proto_msg_spec(PROTO_MSG_SPEAKING)->max_size);
	assert_int_equal(proto_decode_speaking(buf, len, &so), CORE_OK);
	assert_memory_equal(&so, &sp, sizeof(sp));
	check_prefixes_and_trailing(buf, len, (decode_fn)proto_decode_speaking, &so);
}

/* The registry covers every type, each entry's size holds the largest
 * message of that type, and the buckets refill at their rate. */
static void registry_entries_hold_their_messages(void **state)
{
	(void)state;
	for (int t = 1; t < PROTO_MSG_TYPE_COUNT; t++) {
		const struct proto_msg_spec *s = proto_msg_spec((uint8_t)t);
		assert_non_null(s);
		assert_true(s->direction == PROTO_TO_SERVER || s->direction == PROTO_TO_CLIENT);
		assert_true(s->decode || t == PROTO_MSG_SNAPSHOT);
		if (s->direction == PROTO_TO_SERVER)
			assert_int_not_equal(s->bucket, PROTO_BUCKET_NONE);
	}
	assert_null(proto_msg_spec(0));
	assert_null(proto_msg_spec(PROTO_MSG_TYPE_COUNT));
	assert_null(proto_msg_spec(255));
	uint8_t buf[PROTO_MAX_PACKET];
	struct proto_hello h = {.version = PROTO_VERSION, .token_kind = PROTO_TOKEN_JOIN,
				.token_len = PROTO_TOKEN_MAX};
	memset(h.room, 'r', PROTO_NAME_MAX - 1);
	memset(h.name, 'n', PROTO_NAME_MAX - 1);
	memset(h.spawn_zone, 'z', PROTO_NAME_MAX - 1);
	h.has_spawn_pos = true;
	assert_true(proto_encode_hello(&h, buf, sizeof(buf)) <=
		    proto_msg_spec(PROTO_MSG_HELLO)->max_size);
	struct proto_welcome w = {.tick_hz = 30, .snapshot_hz = 15, .roster = UINT16_MAX,
				  .author = 4095, .ticket_len = PROTO_TICKET_MAX};
	memset(w.room, 'r', PROTO_NAME_MAX - 1);
	memset(w.world, 'w', PROTO_NAME_MAX - 1);
	memset(w.name, 'n', PROTO_NAME_MAX - 1);
	assert_true(proto_encode_welcome(&w, buf, sizeof(buf)) <=
		    proto_msg_spec(PROTO_MSG_WELCOME)->max_size);
	struct proto_mod_request q = {.type = PROTO_MSG_MOVE_USER};
	memset(q.text, 't', PROTO_MOD_TEXT_MAX - 1);
	assert_true(proto_encode_mod_request(&q, buf, sizeof(buf)) <=
		    proto_msg_spec(PROTO_MSG_MOVE_USER)->max_size);
	struct proto_mod_event e = {.action = PROTO_MSG_KICK};
	memset(e.text, 't', PROTO_MOD_TEXT_MAX - 1);
	memset(e.actor_name, 'a', PROTO_NAME_MAX - 1);
	assert_true(proto_encode_mod_event(&e, buf, sizeof(buf)) <=
		    proto_msg_spec(PROTO_MSG_MOD_EVENT)->max_size);

	/* A bucket: a burst, then its rate, never more. */
	struct proto_bucket_state b = {0};
	const struct proto_bucket_spec *spec = proto_bucket_spec(PROTO_BUCKET_MODERATION);
	uint32_t took = 0;
	for (uint32_t i = 0; i < spec->burst + 10; i++)
		took += proto_bucket_take(&b, PROTO_BUCKET_MODERATION, 1, 1000000);
	assert_int_equal(took, spec->burst);
	took = 0;
	for (uint64_t us = 1000000; us <= 3000000; us += 1000) /* two seconds of trying */
		took += proto_bucket_take(&b, PROTO_BUCKET_MODERATION, 1, us);
	assert_int_equal(took, 2 * spec->per_s);
}

static void field_table_covers_the_struct(void **state)
{
	(void)state;
	size_t bytes = 0;
	for (int i = 0; i < proto_avatar_field_count; i++) {
		bytes += proto_avatar_fields[i].size;
		assert_true(proto_avatar_fields[i].bits <= proto_avatar_fields[i].size * 8);
	}
	assert_int_equal(bytes, sizeof(struct sim_avatar));
	assert_int_equal(proto_avatar_bits(), 24 + 24 + 16 + 16 + 16 + 8 + 8);
}

static void garbage_never_decodes_as_something_else(void **state)
{
	(void)state;
	struct proto_hello h;
	struct proto_welcome w;
	struct proto_refuse r;
	struct proto_move m;
	struct proto_avatar_info ai;
	struct proto_mod_request mq;
	struct proto_mod_event me;
	struct proto_hand_queue hq;
	uint16_t id;
	uint32_t x = 99;
	uint8_t buf[PROTO_MAX_PACKET];
	for (int round = 0; round < 20000; round++) {
		uint32_t len = 0;
		x = x * 1664525u + 1013904223u;
		len = (x >> 8) % sizeof(buf);
		for (uint32_t i = 0; i < len; i++) {
			x = x * 1664525u + 1013904223u;
			buf[i] = (uint8_t)(x >> 24);
		}
		if (len)
			buf[0] = (uint8_t)(1 + round % (PROTO_MSG_TYPE_COUNT - 1)); /* every decoder but snapshots' (test_snapshot) */
		/* The decoders must only ever read inside buf (ASan checks). */
		(void)!proto_decode_hello(buf, len, &h);
		(void)!proto_decode_welcome(buf, len, &w);
		(void)!proto_decode_refuse(buf, len, &r);
		(void)!proto_decode_move(buf, len, &m);
		(void)!proto_decode_avatar_info(buf, len, &ai);
		(void)!proto_decode_avatar_gone(buf, len, &id);
		(void)!proto_decode_mod_request(buf, len, &mq);
		(void)!proto_decode_mod_event(buf, len, &me);
		(void)!proto_decode_hand_queue(buf, len, &hq);
		assert_true(hq.count <= PROTO_HAND_QUEUE_MAX);
		assert_true(m.count <= PROTO_MOVE_CMDS);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hello_round_trip),
		cmocka_unit_test(welcome_and_refuse_round_trip),
		cmocka_unit_test(moderation_messages_round_trip),
		cmocka_unit_test(registry_entries_hold_their_messages),
		cmocka_unit_test(voice_messages_round_trip),
		cmocka_unit_test(refuse_layout_is_frozen),
		cmocka_unit_test(move_round_trip_carries_three_commands),
		cmocka_unit_test(roster_messages_round_trip),
		cmocka_unit_test(field_table_covers_the_struct),
		cmocka_unit_test(garbage_never_decodes_as_something_else),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
