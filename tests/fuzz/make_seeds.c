/* Writes the fuzz targets' seed corpora from the real encoders on realistic
 * values: make_seeds OUTDIR writes OUTDIR/<target>/<name>. update_seeds.sh
 * runs it and adds the shipped worlds. */
#include "fuzz_scene.h"
#include "net/ticket.h"
#include "proto/msg_board.h"
#include "net/token.h"
#include "net/wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *out_dir;
static int failures;

static void seed(const char *target, const char *name, const uint8_t *data, uint32_t len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", out_dir, target);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "make_seeds: %s: %s\n", path, strerror(errno));
		failures++;
		return;
	}
	snprintf(path, sizeof(path), "%s/%s/%s", out_dir, target, name);
	FILE *f = fopen(path, "wb");
	if (!len || !f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "make_seeds: %s: %s\n", path, len ? strerror(errno) : "encoder refused");
		failures++;
	}
}

/* fuzz_msg's inputs: a byte that picks the decoder, then the message. */
static void msg_seed(const char *name, uint8_t pick, const uint8_t *msg, uint32_t len)
{
	uint8_t buf[1 + PROTO_MAX_PACKET];
	buf[0] = pick;
	memcpy(buf + 1, msg, len);
	seed("fuzz_msg", name, buf, len ? len + 1 : 0);
}

/* A state datagram as wire.h lays it out: 7F FF | u16 client_id (LE) |
 * u16 counter | message | tag. Only a session can seal one; fuzz_state_header
 * takes the message as opened, so the tag here is zeros. */
static void state_seed(const char *name, const uint8_t *msg, uint32_t len)
{
	uint8_t buf[NET_WIRE_STATE_OVERHEAD + PROTO_MAX_PACKET] = {NET_WIRE_MAGIC, NET_WIRE_STATE,
								   17, 0, 0x34, 0x12};
	memcpy(buf + NET_WIRE_STATE_HEADER, msg, len);
	seed("fuzz_state_header", name, buf, len ? len + NET_WIRE_STATE_OVERHEAD : 0);
}

static void control_seeds(const struct fuzz_scene *s)
{
	uint8_t buf[PROTO_MAX_PACKET];
	struct proto_hello hello = {.version = PROTO_VERSION, .role = PROTO_ROLE_STUDENT,
				    .room = "physics-101", .name = "Ada Lovelace"};
	msg_seed("hello", FUZZ_PICK_HELLO, buf, proto_encode_hello(&hello, buf, sizeof(buf)));
	/* A join token names the room, role and name; here, a staff member's. */
	hello.role = PROTO_ROLE_INSTRUCTOR;
	strcpy(hello.spawn_zone, "stage");
	hello.has_spawn_pos = true;
	hello.spawn_pos = s->world.spawns[0].pos;
	hello.token_kind = PROTO_TOKEN_JOIN;
	hello.token_len = 96;
	for (int i = 0; i < hello.token_len; i++)
		hello.token[i] = (uint8_t)(i * 37 + 11);
	msg_seed("hello-join-token", FUZZ_PICK_HELLO, buf, proto_encode_hello(&hello, buf, sizeof(buf)));
	/* An automatic reconnect: the resume ticket of the last WELCOME. */
	struct proto_hello resume = {.version = PROTO_VERSION, .token_kind = PROTO_TOKEN_RESUME,
				     .token_len = 48};
	memset(resume.token, 0xa5, resume.token_len);
	msg_seed("hello-resume", FUZZ_PICK_HELLO, buf, proto_encode_hello(&resume, buf, sizeof(buf)));

	struct proto_welcome welcome = {.version = PROTO_VERSION, .client_id = 17,
					.tick_hz = SIM_TICK_HZ,
					.snapshot_hz = 15, .server_tick = 90000,
					.room = "physics-101", .world = "classroom",
					.state = s->sent[0].self, .role = PROTO_ROLE_STUDENT,
					.name = "Ada Lovelace", .same_name = 2, .ticket_len = 48};
	memset(welcome.ticket, 0xa5, welcome.ticket_len);
	msg_seed("welcome", FUZZ_PICK_WELCOME, buf, proto_encode_welcome(&welcome, buf, sizeof(buf)));

	struct proto_refuse refuse = {.reason = PROTO_REFUSE_VERSION, .server_version = PROTO_VERSION,
				      .client_version = PROTO_VERSION - 1,
				      .message = "this server speaks a newer protocol; update Lyceum"};
	msg_seed("refuse", FUZZ_PICK_REFUSE, buf, proto_encode_refuse(&refuse, buf, sizeof(buf)));

	struct proto_avatar_info info = {.id = 17, .role = PROTO_ROLE_TA, .name = "Grace Hopper",
					 .same_name = 1, .status = PROTO_STATUS_HAND};
	msg_seed("avatar-info", FUZZ_PICK_AVATAR_INFO, buf,
		 proto_encode_avatar_info(&info, buf, sizeof(buf)));
	msg_seed("avatar-gone", FUZZ_PICK_AVATAR_GONE, buf, proto_encode_avatar_gone(17, buf, sizeof(buf)));
}

/* Moderation on the log channel: a kick, a move to a zone, a raised hand,
 * what the room is told, the hand queue. The kick also goes through the
 * registry pick, as the server takes it. */
static void mod_seeds(void)
{
	uint8_t buf[PROTO_MAX_PACKET];
	uint32_t len;
	struct proto_mod_request kick = {.type = PROTO_MSG_KICK, .target = 23, .flag = true,
					 .text = "disrupting the lecture"};
	len = proto_encode_mod_request(&kick, buf, sizeof(buf));
	msg_seed("mod-kick", FUZZ_PICK_MOD_REQUEST, buf, len);
	msg_seed("registry-kick", FUZZ_PICK_REGISTRY, buf, len);
	struct proto_mod_request move_user = {.type = PROTO_MSG_MOVE_USER, .target = 31,
					      .text = "breakout-2"};
	msg_seed("mod-move-user", FUZZ_PICK_MOD_REQUEST, buf,
		 proto_encode_mod_request(&move_user, buf, sizeof(buf)));
	struct proto_mod_request hand = {.type = PROTO_MSG_HAND, .flag = true};
	msg_seed("mod-hand", FUZZ_PICK_MOD_REQUEST, buf,
		 proto_encode_mod_request(&hand, buf, sizeof(buf)));
	struct proto_mod_event event = {.action = PROTO_MSG_KICK, .flag = true, .actor = 17,
					.target = 23, .unix_time = 1764759600u,
					.actor_name = "Grace Hopper", .text = "disrupting the lecture"};
	len = proto_encode_mod_event(&event, buf, sizeof(buf));
	msg_seed("mod-event-kick", FUZZ_PICK_MOD_EVENT, buf, len);
	msg_seed("registry-mod-event", FUZZ_PICK_REGISTRY, buf, len);
	struct proto_hand_queue queue = {.count = 5, .ids = {23, 4, 31, 102, 7}};
	msg_seed("hand-queue", FUZZ_PICK_HAND_QUEUE, buf,
		 proto_encode_hand_queue(&queue, buf, sizeof(buf)));
}

/* A voice frame as a client sends it, as the server forwards it, and the
 * speaking event; the frame also as the registry and the server's state
 * path take it. */
static void voice_seeds(void)
{
	uint8_t buf[PROTO_MAX_PACKET], opus[60];
	for (int i = 0; i < 60; i++)
		opus[i] = (uint8_t)(i * 37 + 11);
	struct proto_voice_up up = {.seq = 1234, .loudness = 190, .len = 60, .opus = opus};
	uint32_t len = proto_encode_voice_up(&up, buf, sizeof(buf));
	msg_seed("voice", FUZZ_PICK_VOICE_UP, buf, len);
	msg_seed("registry-voice", FUZZ_PICK_REGISTRY, buf, len);
	state_seed("voice", buf, len);
	struct proto_voice_down down = {.speaker = 300, .seq = 2047, .len = 60, .opus = opus};
	msg_seed("voice-forward", FUZZ_PICK_VOICE_DOWN, buf,
		 proto_encode_voice_down(&down, buf, sizeof(buf)));
	struct proto_speaking sp = {.id = 300, .speaking = true, .broadcast = true};
	msg_seed("speaking", FUZZ_PICK_SPEAKING, buf, proto_encode_speaking(&sp, buf, sizeof(buf)));
}

/* Board ops as a client sends them, a live batch and a tail as the server
 * sends them (a begin, appends, an own op, an undo, a refusal). */
static void board_seeds(void)
{
	uint8_t buf[PROTO_LOG_MESSAGE_MAX];
	struct proto_board_up up = {.op_id = 41, .op = {.kind = SIM_OP_BEGIN, .width = 12,
							.color = 0x2040a0ffu, .count = 6}};
	for (int i = 0; i < 6; i++) {
		up.op.x[i] = 1200 + i * 4;
		up.op.y[i] = 800 - i * 3;
		up.op.p[i] = 120 + i;
	}
	uint32_t len = proto_encode_board_up(&up, buf, sizeof(buf));
	msg_seed("board-begin", FUZZ_PICK_BOARD_UP, buf, len);
	msg_seed("registry-board-begin", FUZZ_PICK_REGISTRY, buf, len);
	struct proto_board_up undo = {.op_id = 42, .op = {.kind = SIM_OP_UNDO, .target_op = 41}};
	msg_seed("board-undo", FUZZ_PICK_BOARD_UP, buf, proto_encode_board_up(&undo, buf, sizeof(buf)));
	struct proto_board_up say = {.op_id = 43, .op = {.kind = PROTO_LOG_CHAT},
				     .chat = {.scope = PROTO_CHAT_QUESTION, .text = "Why is π irrational?"}};
	len = proto_encode_board_up(&say, buf, sizeof(buf));
	msg_seed("chat-question", FUZZ_PICK_BOARD_UP, buf, len);
	msg_seed("registry-chat-question", FUZZ_PICK_REGISTRY, buf, len);
	struct proto_board_up answer = {.op_id = 44, .op = {.kind = PROTO_LOG_ANSWER, .target_author = 3,
							    .target_op = 43}};
	msg_seed("chat-answer", FUZZ_PICK_BOARD_UP, buf, proto_encode_board_up(&answer, buf, sizeof(buf)));
	struct proto_board_up removal = {.op_id = 45, .op = {.kind = PROTO_LOG_REMOVE, .target_author = 3,
							     .target_op = 43}};
	msg_seed("chat-remove", FUZZ_PICK_BOARD_UP, buf, proto_encode_board_up(&removal, buf, sizeof(buf)));
	{ /* what a client sends: its unconfirmed ops in one datagram */
		uint8_t ops[PROTO_MAX_PACKET];
		uint32_t n = proto_board_ops_start(ops, sizeof(ops));
		n = proto_board_ops_add(ops, n, sizeof(ops), &up);
		n = proto_board_ops_add(ops, n, sizeof(ops), &undo);
		n = proto_board_ops_add(ops, n, sizeof(ops), &say);
		msg_seed("board-ops", FUZZ_PICK_BOARD_UP, ops, n);
		msg_seed("registry-board-ops", FUZZ_PICK_REGISTRY, ops, n);
	}
	{
		struct proto_log_head h = {.mode = PROTO_LOG_TAIL, .first_seq = 77};
		len = proto_log_head_encode(&h, buf, sizeof(buf));
		struct proto_log_op ops[3] = {
			{.kind = PROTO_LOG_CHAT, .author = 3, .op_id_delta = 2, .op = {.kind = PROTO_LOG_CHAT},
			 .chat = {.scope = PROTO_CHAT_ZONE, .zone = 4, .name = "Ms Okafor", .text = "Groups of three, please"}},
			{.kind = PROTO_LOG_HIDDEN, .author = 5, .op_id_delta = 1, .op = {.kind = PROTO_LOG_HIDDEN}},
			{.kind = PROTO_LOG_ANSWER, .author = 3, .op_id_delta = 1,
			 .op = {.kind = PROTO_LOG_ANSWER, .target_author = 9, .target_op = 12}},
		};
		for (int i = 0; i < 3; i++)
			len += proto_log_op_encode(&ops[i], buf + len, (uint32_t)sizeof(buf) - len);
		msg_seed("chat-tail", FUZZ_PICK_BOARD_LOG, buf, len);
	}
	{
		static struct proto_lesson_target target = {
			.name = "letters", .step = 1, .polyline_count = 2, .polyline_end = {2, 4},
			.x = {250, 250, 170, 330}, .y = {60, 340, 60, 60}};
		msg_seed("registry-lesson-target", FUZZ_PICK_REGISTRY, buf,
			 proto_encode_lesson_target(&target, buf, sizeof(buf)));
		struct proto_lesson_up start = {.action = PROTO_LESSON_START, .name = "letters"};
		msg_seed("registry-lesson-start", FUZZ_PICK_REGISTRY, buf,
			 proto_encode_lesson_up(&start, buf, sizeof(buf)));
		struct proto_log_head h = {.mode = PROTO_LOG_TAIL, .first_seq = 300};
		len = proto_log_head_encode(&h, buf, sizeof(buf));
		struct proto_log_op ops[3] = {
			{.kind = PROTO_LOG_LESSON, .author = 1, .op = {.kind = PROTO_LOG_LESSON},
			 .lesson = {.active = true, .step_count = 5, .area_w = 640, .area_h = 400, .cols = 6,
				    .name = "letters", .title = "Tracing capital letters"}},
			{.kind = PROTO_LOG_STEP, .author = 2, .op = {.kind = PROTO_LOG_STEP},
			 .lesson = {.step = 1, .cell = 3, .prompt = "Trace the T"}},
			{.kind = PROTO_LOG_SCORE, .author = 2, .op = {.kind = PROTO_LOG_SCORE},
			 .lesson = {.step = 1, .accuracy = 990, .coverage = 870, .smoothness = 960,
				    .total = 935, .passed = true, .points = 1932}},
		};
		for (int i = 0; i < 3; i++)
			len += proto_log_op_encode(&ops[i], buf + len, (uint32_t)sizeof(buf) - len);
		msg_seed("lesson-tail", FUZZ_PICK_BOARD_LOG, buf, len);
	}
	for (int mode = PROTO_LOG_LIVE; mode <= PROTO_LOG_TAIL; mode++) {
		struct proto_log_head h = {.mode = (uint8_t)mode, .first_seq = 5000};
		len = proto_log_head_encode(&h, buf, sizeof(buf));
		struct proto_log_op ops[4] = {
			{.kind = SIM_OP_BEGIN, .author = 3, .op_id_delta = 1, .op = up.op},
			{.kind = SIM_OP_APPEND, .author = 3, .op_id_delta = 1,
			 .op = {.kind = SIM_OP_APPEND, .count = 3, .x = {2, 5, 9}, .y = {-1, -3, -4}, .p = {0, 1, 1}}},
			{.kind = PROTO_LOG_OWN, .op_id_delta = 1},
			{.kind = PROTO_LOG_LAST, .author = 7, .last_op = 99, .reason = SIM_BOARD_NO_STROKE},
		};
		for (int i = 0; i < 4; i++)
			len += proto_log_op_encode(&ops[i], buf + len, (uint32_t)sizeof(buf) - len);
		msg_seed(mode == PROTO_LOG_LIVE ? "board-live" : "board-tail", FUZZ_PICK_BOARD_LOG, buf, len);
		msg_seed(mode == PROTO_LOG_LIVE ? "registry-board-live" : "registry-board-tail",
			 FUZZ_PICK_REGISTRY, buf, len);
		if (mode == PROTO_LOG_LIVE)
			state_seed("board-live", buf, len);
	}
}

/* A grab, and where its holder carries the item (a state datagram). */
static void item_seeds(void)
{
	uint8_t buf[64];
	struct proto_item_up grab = {PROTO_ITEM_GRAB, 1};
	msg_seed("registry-item-grab", FUZZ_PICK_REGISTRY, buf,
		 proto_encode_item_up(&grab, buf, sizeof(buf)));
	struct proto_item_move mv = {1, {812, 377, 110, 0x2400, 0}};
	uint32_t len = proto_encode_item_move(&mv, buf, sizeof(buf));
	msg_seed("registry-item-move", FUZZ_PICK_REGISTRY, buf, len);
	state_seed("item-move", buf, len);
}

static void move_seeds(void)
{
	uint8_t buf[PROTO_MAX_PACKET];
	uint32_t len;
	/* A walker in steady state: short tick and send time, an ack. */
	struct proto_move m = fuzz_walker_move(90123, false);
	len = proto_encode_move(&m, 90123, buf, sizeof(buf));
	msg_seed("move-walker", FUZZ_PICK_MOVE, buf, len);
	msg_seed("registry-move", FUZZ_PICK_REGISTRY, buf, len);
	state_seed("move-walker", buf, len);
	/* A VR user: head and hands, one command looking elsewhere. */
	m = fuzz_walker_move(90124, true);
	len = proto_encode_move(&m, 90124, buf, sizeof(buf));
	msg_seed("move-vr", FUZZ_PICK_MOVE, buf, len);
	state_seed("move-vr", buf, len);
	/* A client's first move: long tick, whole send time, no ack; then one
	 * asking for a seat. */
	m = fuzz_walker_move(3, false);
	m.acked_tick = 0;
	m.full_time = true;
	m.ack_seq = 0;
	len = proto_encode_move(&m, 3, buf, sizeof(buf));
	msg_seed("move-first", FUZZ_PICK_MOVE, buf, len);
	state_seed("move-first", buf, len);
	m = fuzz_walker_move(90200, false);
	m.cmds[0] = (struct sim_cmd){.tick = 90200, .buttons = SIM_BUTTON_SIT, .seat = 12};
	len = proto_encode_move(&m, 90200, buf, sizeof(buf));
	msg_seed("move-sit", FUZZ_PICK_MOVE, buf, len);
	state_seed("move-sit", buf, len);
}

static void snapshot_seeds(const struct fuzz_scene *s)
{
	uint8_t buf[PROTO_MAX_PACKET];
	char name[64];
	for (int f = 0; f < FUZZ_FRAMES; f++) {
		snprintf(name, sizeof(name), "delta-%d-from-%d", f, f - 1);
		if (f == 0)
			snprintf(name, sizeof(name), "full-0");
		seed("fuzz_snapshot", name, buf, fuzz_scene_encode(s, f, f - 1, buf, sizeof(buf)));
	}
	/* A client that lost a few: the newest against the oldest, and whole. */
	snprintf(name, sizeof(name), "delta-%d-from-0", FUZZ_FRAMES - 1);
	seed("fuzz_snapshot", name, buf, fuzz_scene_encode(s, FUZZ_FRAMES - 1, 0, buf, sizeof(buf)));
	snprintf(name, sizeof(name), "full-%d", FUZZ_FRAMES - 1);
	seed("fuzz_snapshot", name, buf, fuzz_scene_encode(s, FUZZ_FRAMES - 1, -1, buf, sizeof(buf)));
}

/* fuzz_token: a real token (minted with fresh keys), a ticket, a key line. */
static void token_seeds(void)
{
	uint8_t pk[NET_TOKEN_PUBLIC_BYTES], sk[NET_TOKEN_SECRET_BYTES], server_pk[32], server_sk[32];
	if (net_token_keygen(pk, sk) != CORE_OK || net_server_keygen(server_pk, server_sk) != CORE_OK) {
		failures++;
		return;
	}
	struct net_token t = {.version = NET_TOKEN_VERSION, .role = PROTO_ROLE_INSTRUCTOR,
			      .issued_at = 1796296783, .expires_at = 1796300383,
			      .user = "ada@example.org", .name = "Ada Lovelace", .room = "physics-101"};
	memcpy(t.server_key, server_pk, sizeof(server_pk));
	if (net_token_new_id(t.id) != CORE_OK) {
		failures++;
		return;
	}
	char text[NET_TOKEN_TEXT_MAX];
	size_t n = net_token_mint(&t, sk, text, sizeof(text));
	seed("fuzz_token", "instructor", (const uint8_t *)text, (uint32_t)n);
	uint8_t key[NET_TICKET_KEY_BYTES];
	struct net_ticket ticket = {.role = PROTO_ROLE_STUDENT, .user = "s1234", .name = "Bo Li",
				    .room = "lab"};
	uint8_t sealed[PROTO_TICKET_MAX];
	if (net_ticket_key_new(key) != CORE_OK) {
		failures++;
		return;
	}
	seed("fuzz_token", "ticket", sealed, net_ticket_seal(&ticket, key, sealed, sizeof(sealed)));
	static const char line[] = "lyceum-token-public-v1 WVi5CwGsuR9HKr9zT1aGIJf7vZRoxBM5g4vzhpBacD0=\n";
	seed("fuzz_token", "public-key", (const uint8_t *)line, sizeof(line) - 1);
}

/* fuzz_wire: each kind of datagram the wire reads, as wire.h lays it out. */
static void wire_seeds(void)
{
	uint8_t d[NET_WIRE_REQUEST_SIZE + 64] = {NET_WIRE_MAGIC, NET_WIRE_REQUEST, PROTO_VERSION, 0};
	for (int i = 4; i < 36; i++)
		d[i] = (uint8_t)(i * 7);
	d[36] = NET_WIRE_CHACHA | NET_WIRE_AES;
	seed("fuzz_wire", "request", d, NET_WIRE_REQUEST_SIZE);
	d[1] = NET_WIRE_CHALLENGE;
	d[NET_WIRE_CHALLENGE_SIZE - 1] = NET_WIRE_AES;
	seed("fuzz_wire", "challenge", d, NET_WIRE_CHALLENGE_SIZE);
	d[1] = NET_WIRE_CONNECT;
	d[54] = NET_WIRE_AES;
	seed("fuzz_wire", "connect", d, NET_WIRE_CONNECT_HEADER + 40 + NET_WIRE_TAG);
	d[1] = NET_WIRE_SEALED;
	seed("fuzz_wire", "sealed", d, NET_WIRE_SEALED_HEADER + 30 + NET_WIRE_TAG);
	d[1] = NET_WIRE_STATE;
	seed("fuzz_wire", "state", d, NET_WIRE_STATE_OVERHEAD + 10);
	const uint8_t enet_connect[52] = {0x8f, 0xff, 0, 0, 0x82, 0xff, 0, 1};
	seed("fuzz_wire", "enet-connect-in-clear", enet_connect, sizeof(enet_connect));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: make_seeds OUTDIR\n");
		return 2;
	}
	out_dir = argv[1];
	static struct fuzz_scene scene;
	if (!fuzz_scene_init(&scene))
		return 1;
	control_seeds(&scene);
	mod_seeds();
	move_seeds();
	item_seeds();
	voice_seeds();
	board_seeds();
	snapshot_seeds(&scene);
	token_seeds();
	wire_seeds();
	return failures ? 1 : 0;
}
