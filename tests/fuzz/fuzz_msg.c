/* Every message but SNAPSHOT (fuzz_snapshot). The first byte picks the
 * decoder (enum fuzz_msg_pick), the rest is the message. A message that decodes is encoded again and must decode
 * to the same thing (the round trip), so a decoder that accepts what the
 * encoder cannot say, or an encoder that loses a field, aborts here. */
#include "fuzz_scene.h"
#include "proto/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[PROTO_MAX_PACKET + PROTO_TOKEN_MAX];

static void differs(const char *what)
{
	fprintf(stderr, "fuzz_msg: %s: decode(encode(decode(x))) != decode(x)\n", what);
	abort();
}

static void encoded(const char *what, uint32_t len)
{
	if (!len)
		differs(what); /* the encoder refused a message its decoder accepted */
}

static void hello(const uint8_t *data, uint32_t len)
{
	static struct proto_hello a, b;
	if (proto_decode_hello(data, len, &a) != CORE_OK)
		return;
	uint32_t n = proto_encode_hello(&a, buf, sizeof(buf));
	encoded("hello", n);
	if (proto_decode_hello(buf, n, &b) != CORE_OK || memcmp(&a, &b, sizeof(a)))
		differs("hello");
}

static void welcome(const uint8_t *data, uint32_t len)
{
	struct proto_welcome a, b;
	if (proto_decode_welcome(data, len, &a) != CORE_OK)
		return;
	uint32_t n = proto_encode_welcome(&a, buf, sizeof(buf));
	encoded("welcome", n);
	if (proto_decode_welcome(buf, n, &b) != CORE_OK || memcmp(&a, &b, sizeof(a)))
		differs("welcome");
}

static void refuse(const uint8_t *data, uint32_t len)
{
	struct proto_refuse a, b;
	if (proto_decode_refuse(data, len, &a) != CORE_OK)
		return;
	uint32_t n = proto_encode_refuse(&a, buf, sizeof(buf));
	encoded("refuse", n);
	if (proto_decode_refuse(buf, n, &b) != CORE_OK || memcmp(&a, &b, sizeof(a)))
		differs("refuse");
}

/* What a decoded move says, before the server widens it: the encoder may
 * pick other widths (a short send time is re-sent whole), not other values. */
static bool same_move(const struct proto_move *a, const struct proto_move *b)
{
	if (a->count != b->count || a->send_time_us != b->send_time_us ||
	    a->ack_seq != b->ack_seq || a->has_pose != b->has_pose ||
	    (a->has_pose && memcmp(&a->pose, &b->pose, sizeof(a->pose))))
		return false;
	for (int i = 0; i < a->count; i++) {
		const struct sim_cmd *x = &a->cmds[i], *y = &b->cmds[i];
		if ((x->tick ^ y->tick) & ((1u << a->tick_bits) - 1) || x->move_x != y->move_x ||
		    x->move_y != y->move_y || x->yaw != y->yaw || x->buttons != y->buttons ||
		    x->seat != y->seat)
			return false;
	}
	return true;
}

static void move(const uint8_t *data, uint32_t len)
{
	struct proto_move a, b;
	if (proto_decode_move(data, len, &a) != CORE_OK)
		return;
	/* The newest tick goes short when the acked tick is close: make it so
	 * exactly when the decoded one was short. */
	uint32_t newest = a.cmds[0].tick;
	a.acked_tick = a.tick_bits == 8 ? (newest == 1 ? newest - 2 : newest - 1) : 0;
	a.full_time = a.time_bits == 23;
	a.send_time_us *= 1000u; /* decoded in ms until widened */
	uint32_t n = proto_encode_move(&a, newest, buf, sizeof(buf));
	a.send_time_us /= 1000u;
	encoded("move", n);
	if (proto_decode_move(buf, n, &b) != CORE_OK || !same_move(&a, &b))
		differs("move");
	/* As the server does, around what it last saw of this client. */
	proto_move_widen(&a, 0xfffffff0u, 0x10u, 4294000u, true);
	proto_move_widen(&b, 0, 0, 0, false);
}

static void avatar_info(const uint8_t *data, uint32_t len)
{
	struct proto_avatar_info a, b;
	if (proto_decode_avatar_info(data, len, &a) != CORE_OK)
		return;
	uint32_t n = proto_encode_avatar_info(&a, buf, sizeof(buf));
	encoded("avatar info", n);
	if (proto_decode_avatar_info(buf, n, &b) != CORE_OK || memcmp(&a, &b, sizeof(a)))
		differs("avatar info");
}

static void avatar_gone(const uint8_t *data, uint32_t len)
{
	uint16_t a, b;
	if (proto_decode_avatar_gone(data, len, &a) != CORE_OK)
		return;
	uint32_t n = proto_encode_avatar_gone(a, buf, sizeof(buf));
	encoded("avatar gone", n);
	if (proto_decode_avatar_gone(buf, n, &b) != CORE_OK || a != b)
		differs("avatar gone");
}

static void mod_request(const uint8_t *data, uint32_t len)
{
	struct proto_mod_request a, b;
	if (proto_decode_mod_request(data, len, &a) != CORE_OK)
		return;
	uint32_t n = proto_encode_mod_request(&a, buf, sizeof(buf));
	encoded("mod request", n);
	if (proto_decode_mod_request(buf, n, &b) != CORE_OK || memcmp(&a, &b, sizeof(a)))
		differs("mod request");
}

static void mod_event(const uint8_t *data, uint32_t len)
{
	struct proto_mod_event a, b;
	if (proto_decode_mod_event(data, len, &a) != CORE_OK)
		return;
	uint32_t n = proto_encode_mod_event(&a, buf, sizeof(buf));
	encoded("mod event", n);
	if (proto_decode_mod_event(buf, n, &b) != CORE_OK || memcmp(&a, &b, sizeof(a)))
		differs("mod event");
}

static void hand_queue(const uint8_t *data, uint32_t len)
{
	struct proto_hand_queue a, b;
	if (proto_decode_hand_queue(data, len, &a) != CORE_OK)
		return;
	uint32_t n = proto_encode_hand_queue(&a, buf, sizeof(buf));
	encoded("hand queue", n);
	if (proto_decode_hand_queue(buf, n, &b) != CORE_OK || memcmp(&a, &b, sizeof(a)))
		differs("hand queue");
}

/* As the server and the client take a message: by its registry entry. */
static void voice_up(const uint8_t *data, uint32_t len)
{
	struct proto_voice_up a, b;
	if (proto_decode_voice_up(data, len, &a) != CORE_OK)
		return;
	uint32_t n = proto_encode_voice_up(&a, buf, sizeof(buf));
	encoded("voice", n);
	if (proto_decode_voice_up(buf, n, &b) != CORE_OK || a.seq != b.seq || a.last != b.last ||
	    a.broadcast != b.broadcast || a.loudness != b.loudness || a.len != b.len ||
	    memcmp(a.opus, b.opus, a.len))
		differs("voice");
}

static void voice_down(const uint8_t *data, uint32_t len)
{
	struct proto_voice_down a, b;
	if (proto_decode_voice_down(data, len, &a) != CORE_OK)
		return;
	if (proto_msg_type(data, len) != PROTO_MSG_VOICE_FORWARD)
		differs("voice_forward type");
	uint32_t n = proto_encode_voice_down(&a, buf, sizeof(buf));
	encoded("voice_forward", n);
	if (proto_decode_voice_down(buf, n, &b) != CORE_OK || a.speaker != b.speaker ||
	    a.seq != b.seq || a.len != b.len || memcmp(a.opus, b.opus, a.len))
		differs("voice_forward");
}

static void speaking(const uint8_t *data, uint32_t len)
{
	struct proto_speaking a, b;
	if (proto_decode_speaking(data, len, &a) != CORE_OK)
		return;
	uint32_t n = proto_encode_speaking(&a, buf, sizeof(buf));
	encoded("speaking", n);
	if (proto_decode_speaking(buf, n, &b) != CORE_OK || memcmp(&a, &b, sizeof(a)))
		differs("speaking");
}

static void one_op(const uint8_t *data, uint32_t len)
{
	/* BOARD_OP or CHAT: the same op form, a chat kind only in CHAT. */
	static struct proto_board_up a, b;
	bool chat = proto_decode_board_up(data, len, &a) != CORE_OK;
	if (chat && proto_decode_chat_up(data, len, &a) != CORE_OK)
		return;
	uint32_t n = proto_encode_board_up(&a, buf, sizeof(buf));
	encoded("board_op", n);
	if ((chat ? proto_decode_chat_up(buf, n, &b) : proto_decode_board_up(buf, n, &b)) != CORE_OK ||
	    memcmp(&a, &b, sizeof(a)))
		differs("board_op");
}

/* BOARD_OPS, each part as one op; or one op on its own. */
static void board_up(const uint8_t *data, uint32_t len)
{
	static struct proto_board_ops ops;
	if (!len || data[0] != PROTO_MSG_BOARD_OPS) {
		one_op(data, len);
		return;
	}
	if (proto_decode_board_ops(data, len, &ops) != CORE_OK)
		return;
	uint32_t end = PROTO_BOARD_OPS_HEADER;
	for (uint8_t i = 0; i < ops.count; i++) {
		if (ops.part[i].off != end + 2 || ops.part[i].off + ops.part[i].len > len)
			differs("board_ops framing");
		end = ops.part[i].off + ops.part[i].len;
		one_op(ops.data + ops.part[i].off, ops.part[i].len);
	}
	if (end != len)
		differs("board_ops framing");
}

/* A log message as a client takes it: every op read, written again the
 * same, and applied to a board (whatever it says, the board stays within
 * its storage). */
static void board_log(const uint8_t *data, uint32_t len)
{
	static struct sim_boards boards;
	static uint32_t applied;
	if (!boards.strokes) {
		if (sim_board_init(&boards, 4096) != CORE_OK)
			abort();
		sim_board_set_size(&boards, 0, 4000, 2000);
		sim_board_set_size(&boards, 1, 100, 100);
	}
	if (++applied % 1024 == 0)
		sim_board_reset(&boards);
	struct proto_reader r;
	struct proto_log_head h;
	if (proto_log_open(data, len, &h, &r) != CORE_OK)
		return;
	struct proto_log_op op, again;
	uint8_t one[PROTO_BOARD_OP_MAX];
	int k;
	uint32_t seq = h.first_seq;
	while ((k = proto_log_next(&r, &op)) == 1) {
		uint32_t n = proto_log_op_encode(&op, one, sizeof(one));
		struct proto_reader r2;
		proto_reader_init(&r2, one, n);
		if (!n || proto_log_next(&r2, &again) != 1 || again.kind != op.kind ||
		    again.author != op.author || again.op_id_delta != op.op_id_delta ||
		    memcmp(&again.op, &op.op, sizeof(op.op)) || memcmp(&again.chat, &op.chat, sizeof(op.chat)) ||
		    memcmp(&again.lesson, &op.lesson, sizeof(op.lesson)))
			differs("board_log op");
		if (op.kind < SIM_OP_KIND_COUNT)
			(void)sim_board_apply(&boards, op.author, op.op_id_delta, seq++, &op.op);
	}
	if (proto_log_validate(data, len) != (k == 0 ? CORE_OK : CORE_ERR_INVALID))
		differs("board_log validate");
}

/* A LESSON_TARGET's round trip: the polylines it carries, no more. */
static void lesson_target(const struct proto_lesson_target *a)
{
	static struct proto_lesson_target b;
	uint32_t n = proto_encode_lesson_target(a, buf, sizeof(buf));
	encoded("lesson_target", n);
	uint16_t points = a->polyline_end[a->polyline_count - 1];
	if (proto_decode_lesson_target(buf, n, &b) != CORE_OK || strcmp(a->name, b.name) ||
	    a->step != b.step || a->polyline_count != b.polyline_count ||
	    memcmp(a->polyline_end, b.polyline_end, a->polyline_count * sizeof(a->polyline_end[0])) ||
	    memcmp(a->x, b.x, points * sizeof(a->x[0])) || memcmp(a->y, b.y, points * sizeof(a->y[0])))
		differs("lesson_target");
}

static void registry(const uint8_t *data, uint32_t len)
{
	static union proto_any any;
	uint8_t type = proto_msg_type(data, len);
	const struct proto_msg_spec *spec = proto_msg_spec(type);
	if (spec && spec->decode && len <= spec->max_size &&
	    spec->decode(data, len, &any) == CORE_OK && type == PROTO_MSG_LESSON_TARGET)
		lesson_target(&any.lesson_target);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void (*const decoders[FUZZ_PICK_COUNT])(const uint8_t *, uint32_t) = {
		[FUZZ_PICK_HELLO] = hello,
		[FUZZ_PICK_WELCOME] = welcome,
		[FUZZ_PICK_REFUSE] = refuse,
		[FUZZ_PICK_MOVE] = move,
		[FUZZ_PICK_AVATAR_INFO] = avatar_info,
		[FUZZ_PICK_AVATAR_GONE] = avatar_gone,
		[FUZZ_PICK_MOD_REQUEST] = mod_request,
		[FUZZ_PICK_MOD_EVENT] = mod_event,
		[FUZZ_PICK_HAND_QUEUE] = hand_queue,
		[FUZZ_PICK_REGISTRY] = registry,
		[FUZZ_PICK_VOICE_UP] = voice_up,
		[FUZZ_PICK_VOICE_DOWN] = voice_down,
		[FUZZ_PICK_SPEAKING] = speaking,
		[FUZZ_PICK_BOARD_UP] = board_up,
		[FUZZ_PICK_BOARD_LOG] = board_log,
	};
	if (size < 1)
		return 0;
	uint32_t len = (uint32_t)CORE_MIN(size - 1, (size_t)UINT32_MAX);
	decoders[data[0] % FUZZ_PICK_COUNT](data + 1, len);
	return 0;
}
