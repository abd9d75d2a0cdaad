/* Boards: the board-v1 generator against the benchmark's reference values,
 * the board's rules (tombstones, one open stroke per author, refusals),
 * the op log's codecs, and the canonical hashes. */
#include "bot_board_gen.h"
#include "proto/msg.h"
#include "proto/msg_board.h"
#include "proto/registry.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

static void generator_matches_the_reference(void **state)
{
	(void)state;
	assert_int_equal(bb_author_seed(1, 1), 3891064802u);
	struct bb_author a;
	bb_author_init(&a, 1, 1);
	struct bb_author peek = a;
	assert_true(bb_rng(&peek) == 0.35209328425116837);
	struct bb_stroke s;
	bb_gen_stroke(&a, &s);
	assert_int_equal(s.n, 83);
	assert_int_equal(s.color, 3085650681u);
	assert_int_equal(s.width, 31);
	assert_false(s.undone);
	const int want[3][3] = {{913, 294, 130}, {913, 290, 133}, {912, 287, 135}};
	for (int i = 0; i < 3; i++) {
		assert_int_equal(s.pts[i].x, want[i][0]);
		assert_int_equal(s.pts[i].y, want[i][1]);
		assert_int_equal(s.pts[i].p, want[i][2]);
	}
}

static void pen_timeline_matches_the_reference(void **state)
{
	(void)state;
	long points = 0, batches = 0, begun = 0, undone = 0;
	for (uint32_t author = 1; author <= 30; author++) {
		struct bb_pen p;
		bb_pen_init(&p, 1, author);
		for (int64_t k = 0; k < 460; k++) {
			struct bb_tick_op t = bb_pen_tick(&p, k);
			begun += t.op == BB_BEGIN;
			undone += t.op == BB_UNDO;
			if (k >= 60 && (t.op == BB_BEGIN || t.op == BB_APPEND)) {
				points += t.count;
				batches++;
			}
		}
	}
	assert_int_equal(points, 34087);
	assert_int_equal(batches, 11571);
	assert_int_equal(begun, 384);
	assert_int_equal(undone, 41);
	/* The join board. */
	struct bb_author gen[30];
	for (uint32_t i = 0; i < 30; i++)
		bb_author_init(&gen[i], 1, i + 1);
	long live = 0, made = 0, undone_j = 0, live_points = 0;
	struct bb_stroke s;
	for (long k = 0; live < 10000; k++) {
		bb_gen_stroke(&gen[k % 30], &s);
		made++;
		if (s.undone)
			undone_j++;
		else {
			live++;
			live_points += s.n;
		}
	}
	assert_int_equal(made, 11057);
	assert_int_equal(undone_j, 1057);
	assert_int_equal(live_points, 1109769);
}

static struct sim_board_op begin_op(int n, int x0)
{
	struct sim_board_op op = {.kind = SIM_OP_BEGIN, .board = 0, .width = 4, .color = 0xff0000ffu,
				  .count = (uint16_t)n};
	for (int i = 0; i < n; i++) {
		op.x[i] = x0 + i * 3;
		op.y[i] = 100 + i;
		op.p[i] = 128;
	}
	return op;
}

static void board_rules(void **state)
{
	(void)state;
	struct sim_boards b;
	assert_int_equal(sim_board_init(&b, 10000), CORE_OK);
	sim_board_set_size(&b, 0, 4000, 2000);
	struct sim_board_op op = begin_op(5, 10);
	assert_int_equal(sim_board_apply(&b, 1, 1, 1, &op), SIM_BOARD_APPLIED);
	struct sim_board_op app = {.kind = SIM_OP_APPEND, .count = 2, .x = {1, 2}, .y = {0, 0}, .p = {0, 0}};
	assert_int_equal(sim_board_apply(&b, 1, 2, 2, &app), SIM_BOARD_APPLIED);
	const struct sim_stroke *s = sim_board_find(&b, 1, 1);
	assert_non_null(s);
	assert_int_equal(s->count, 7);
	assert_int_equal(s->tail.x, 10 + 4 * 3 + 2); /* offsets from the stroke's last point */
	/* Another author cannot append to it; nobody appends past the board. */
	assert_int_equal(sim_board_apply(&b, 2, 1, 3, &app), SIM_BOARD_NO_STROKE);
	struct sim_board_op off = {.kind = SIM_OP_APPEND, .count = 1, .x = {5000}};
	assert_int_equal(sim_board_apply(&b, 1, 3, 3, &off), SIM_BOARD_BAD_POINT);
	struct sim_board_op other = begin_op(3, 500);
	other.board = 3;
	assert_int_equal(sim_board_apply(&b, 1, 3, 3, &other), SIM_BOARD_BAD_BOARD);
	/* Undo twice changes nothing more; redo brings it back. */
	struct sim_board_op undo = {.kind = SIM_OP_UNDO, .target_op = 1};
	assert_int_equal(sim_board_apply(&b, 1, 4, 4, &undo), SIM_BOARD_APPLIED);
	assert_int_equal(b.live, 0);
	uint8_t o1[32], c1[32], o2[32], c2[32];
	assert_int_equal(proto_board_hash(&b, 0, NULL, NULL, o1, c1), CORE_OK);
	assert_int_equal(sim_board_apply(&b, 1, 5, 5, &undo), SIM_BOARD_NOOP);
	assert_int_equal(proto_board_hash(&b, 0, NULL, NULL, o2, c2), CORE_OK);
	assert_memory_equal(c1, c2, 32);
	struct sim_board_op redo = {.kind = SIM_OP_REDO, .target_op = 1};
	assert_int_equal(sim_board_apply(&b, 1, 6, 6, &redo), SIM_BOARD_APPLIED);
	assert_int_equal(b.live, 1);
	/* Someone else's undo names the author; clear takes every stroke. */
	struct sim_board_op theirs = {.kind = SIM_OP_UNDO, .target_author = 1, .target_op = 1};
	assert_int_equal(sim_board_apply(&b, 2, 1, 7, &theirs), SIM_BOARD_APPLIED);
	/* The stroke remembers whose undo it was (the server's redo rule). */
	assert_int_equal(sim_board_find(&b, 1, 1)->undone_by, 2);
	struct sim_board_op second = begin_op(2, 900);
	assert_int_equal(sim_board_apply(&b, 2, 2, 8, &second), SIM_BOARD_APPLIED);
	/* Clear removes the board's strokes and gives their storage back;
	 * another board's strokes stay, found and appendable as before. */
	sim_board_set_size(&b, 1, 4000, 2000);
	struct sim_board_op long_one = begin_op(64, 100);
	long_one.board = 1;
	assert_int_equal(sim_board_apply(&b, 4, 1, 9, &long_one), SIM_BOARD_APPLIED);
	uint32_t chunks_before = b.chunk_count;
	struct sim_board_op clear = {.kind = SIM_OP_CLEAR, .board = 0};
	assert_int_equal(sim_board_apply(&b, 3, 1, 10, &clear), SIM_BOARD_APPLIED);
	assert_int_equal(b.live, 1);
	assert_int_equal(b.stroke_count, 1);
	assert_true(b.chunk_count < chunks_before);
	assert_int_equal(b.points, 64);
	assert_null(sim_board_find(&b, 1, 1));
	assert_int_equal(sim_board_apply(&b, 1, 7, 11, &redo), SIM_BOARD_NO_STROKE);
	const struct sim_stroke *kept = sim_board_find(&b, 4, 1);
	assert_non_null(kept);
	struct sim_board_point pts[64];
	assert_int_equal(sim_board_points(&b, kept, pts, 64), 64);
	assert_int_equal(pts[63].x, 100 + 63 * 3);
	struct sim_board_op more = {.kind = SIM_OP_APPEND, .count = 1, .x = {5}, .y = {5}, .p = {0}};
	assert_int_equal(sim_board_apply(&b, 4, 2, 12, &more), SIM_BOARD_APPLIED);
	assert_int_equal(sim_board_find(&b, 4, 1)->count, 65);
	sim_board_fini(&b);
}

static bool skip_author_2(void *user, const struct sim_stroke *s)
{
	(void)user;
	return s->author == 2;
}

/* The eraser's hit test: the newest live stroke near the point, its width
 * counted, on that board only; long segments are measured across, not at
 * their ends. */
static void eraser_touches_the_newest_live_stroke(void **state)
{
	(void)state;
	struct sim_boards b;
	assert_int_equal(sim_board_init(&b, 10000), CORE_OK);
	sim_board_set_size(&b, 0, 4000, 2000);
	sim_board_set_size(&b, 1, 4000, 2000);
	/* Author 1: a horizontal line from (100, 500) to (3100, 500), width 4. */
	struct sim_board_op line = {.kind = SIM_OP_BEGIN, .width = 4, .color = 1, .count = 2,
				    .x = {100, 3100}, .y = {500, 500}, .p = {128, 128}};
	assert_int_equal(sim_board_apply(&b, 1, 1, 1, &line), SIM_BOARD_APPLIED);
	const struct sim_stroke *first = sim_board_find(&b, 1, 1);
	assert_ptr_equal(sim_board_hit(&b, 0, 1600, 510, 8, NULL, NULL), first); /* mid-segment */
	assert_ptr_equal(sim_board_hit(&b, 0, 1600, 490, 8, NULL, NULL), first);
	assert_null(sim_board_hit(&b, 0, 1600, 511, 8, NULL, NULL));              /* 11 > 8 + 4 / 2 */
	assert_null(sim_board_hit(&b, 0, 3200, 500, 8, NULL, NULL));              /* past its end */
	assert_null(sim_board_hit(&b, 1, 1600, 500, 8, NULL, NULL));              /* another board */
	/* Author 2 crosses it later, wider: the newer one is touched first. */
	struct sim_board_op cross = {.kind = SIM_OP_BEGIN, .width = 40, .color = 2, .count = 2,
				     .x = {1600, 1600}, .y = {100, 900}, .p = {128, 128}};
	assert_int_equal(sim_board_apply(&b, 2, 1, 2, &cross), SIM_BOARD_APPLIED);
	const struct sim_stroke *second = sim_board_find(&b, 2, 1);
	assert_ptr_equal(sim_board_hit(&b, 0, 1600, 500, 0, NULL, NULL), second);
	assert_ptr_equal(sim_board_hit(&b, 0, 1625, 300, 8, NULL, NULL), second); /* 25 <= 8 + 40 / 2 */
	/* A student's eraser passes over others' strokes to its own below. */
	assert_ptr_equal(sim_board_hit(&b, 0, 1600, 500, 0, skip_author_2, NULL), first);
	assert_null(sim_board_hit(&b, 0, -70000, 500, 0, NULL, NULL)); /* off the board */
	/* Erased (undone), it is passed over; a single point is a disc. */
	struct sim_board_op undo = {.kind = SIM_OP_UNDO, .target_op = 1};
	assert_int_equal(sim_board_apply(&b, 2, 2, 3, &undo), SIM_BOARD_APPLIED);
	assert_ptr_equal(sim_board_hit(&b, 0, 1600, 500, 0, NULL, NULL), first);
	struct sim_board_op dot = {.kind = SIM_OP_BEGIN, .board = 1, .width = 2, .color = 3,
				   .count = 1, .x = {2000}, .y = {1000}, .p = {9}};
	assert_int_equal(sim_board_apply(&b, 3, 1, 4, &dot), SIM_BOARD_APPLIED);
	assert_non_null(sim_board_hit(&b, 1, 2003, 1004, 4, NULL, NULL));
	assert_null(sim_board_hit(&b, 1, 2004, 1004, 4, NULL, NULL));
	sim_board_fini(&b);
}

/* A full chat history pushes out its oldest line that is not a question
 * still open; with PROTO_CHAT_OPEN_MAX open ones, the oldest of them. */
static void chat_history_keeps_open_questions(void **state)
{
	(void)state;
	static struct proto_chat lines[PROTO_CHAT_HISTORY];
	memset(lines, 0, sizeof(lines));
	const size_t stride = sizeof(lines[0]);
	assert_int_equal(proto_chat_evict(lines, stride, 0, PROTO_CHAT_HISTORY), 0);
	lines[0].scope = PROTO_CHAT_QUESTION;
	lines[1].scope = PROTO_CHAT_QUESTION;
	assert_int_equal(proto_chat_evict(lines, stride, 0, PROTO_CHAT_HISTORY), 2);
	lines[1].answered = true; /* an answered question goes like any line */
	assert_int_equal(proto_chat_evict(lines, stride, 0, PROTO_CHAT_HISTORY), 1);
	/* 32 open (lines 0 and 10..40): the oldest open question goes. */
	for (int i = 0; i < PROTO_CHAT_OPEN_MAX - 1; i++)
		lines[10 + i].scope = PROTO_CHAT_QUESTION;
	assert_int_equal(proto_chat_evict(lines, stride, 0, PROTO_CHAT_HISTORY), 0);
	lines[0].answered = true;
	assert_int_equal(proto_chat_evict(lines, stride, 0, PROTO_CHAT_HISTORY), 0); /* 31 open */
	lines[50].scope = PROTO_CHAT_QUESTION; /* 32 again: the oldest open is line 10 */
	assert_int_equal(proto_chat_evict(lines, stride, 0, PROTO_CHAT_HISTORY), 10);
	for (int i = 0; i < PROTO_CHAT_HISTORY; i++)
		lines[i] = (struct proto_chat){.scope = PROTO_CHAT_QUESTION};
	assert_int_equal(proto_chat_evict(lines, stride, 0, PROTO_CHAT_HISTORY), 0);

	/* Making room: nothing goes until full; then the evicted line goes and
	 * the rest close up, oldest first, and an open question is reported. */
	static struct tagged {
		uint32_t tag;
		struct proto_chat chat;
	} hist[PROTO_CHAT_HISTORY];
	memset(hist, 0, sizeof(hist));
	uint32_t count = PROTO_CHAT_HISTORY - 1;
	assert_false(proto_chat_make_room(hist, sizeof(hist[0]), offsetof(struct tagged, chat), &count));
	assert_int_equal(count, PROTO_CHAT_HISTORY - 1);
	count = PROTO_CHAT_HISTORY;
	for (uint32_t i = 0; i < count; i++)
		hist[i].tag = i;
	hist[0].chat.scope = PROTO_CHAT_QUESTION;
	assert_false(proto_chat_make_room(hist, sizeof(hist[0]), offsetof(struct tagged, chat), &count));
	assert_int_equal(count, PROTO_CHAT_HISTORY - 1);
	assert_int_equal(hist[0].tag, 0); /* the open question stays */
	assert_int_equal(hist[1].tag, 2); /* line 1 went */
	assert_int_equal(hist[count - 1].tag, PROTO_CHAT_HISTORY - 1);
	for (uint32_t i = 0; i < count; i++)
		hist[i].chat.scope = PROTO_CHAT_QUESTION;
	count = PROTO_CHAT_HISTORY;
	assert_true(proto_chat_make_room(hist, sizeof(hist[0]), offsetof(struct tagged, chat), &count));
	assert_int_equal(hist[0].tag, 2);
}

static void hash_is_the_canonical_serialisation(void **state)
{
	(void)state;
	struct sim_boards b;
	assert_int_equal(sim_board_init(&b, 1000), CORE_OK);
	sim_board_set_size(&b, 0, 4000, 2000);
	struct sim_board_op one = begin_op(2, 10), two = begin_op(1, 20);
	two.color = 0x01020304u;
	assert_int_equal(sim_board_apply(&b, 2, 1, 1, &one), SIM_BOARD_APPLIED);
	assert_int_equal(sim_board_apply(&b, 1, 1, 2, &two), SIM_BOARD_APPLIED);
	uint8_t order[32], content[32], want[32];
	assert_int_equal(proto_board_hash(&b, 0, NULL, NULL, order, content), CORE_OK);
	const uint8_t s1[] = {2, 0, 0, 0, 0xff, 0, 0, 0xff, 4, 2, 0, 0, 0, 10, 0, 100, 0, 128, 13, 0, 101, 0, 128};
	const uint8_t s2[] = {1, 0, 0, 0, 4, 3, 2, 1, 4, 1, 0, 0, 0, 20, 0, 100, 0, 128};
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, s1, sizeof(s1));
	crypto_hash_sha256_update(&st, s2, sizeof(s2));
	crypto_hash_sha256_final(&st, want);
	assert_memory_equal(order, want, 32);
	crypto_hash_sha256_init(&st); /* sorted bytewise: author 1's first */
	crypto_hash_sha256_update(&st, s2, sizeof(s2));
	crypto_hash_sha256_update(&st, s1, sizeof(s1));
	crypto_hash_sha256_final(&st, want);
	assert_memory_equal(content, want, 32);
	sim_board_fini(&b);
}

static void op_codecs_round_trip(void **state)
{
	(void)state;
	struct proto_board_up up = {.op_id = 77, .op = begin_op(SIM_BOARD_OP_POINTS, 30)};
	uint8_t buf[PROTO_BOARD_OP_MAX];
	uint32_t len = proto_encode_board_up(&up, buf, sizeof(buf));
	assert_true(len > 0 && len <= PROTO_BOARD_OP_MAX);
	struct proto_board_up back;
	assert_int_equal(proto_decode_board_up(buf, len, &back), CORE_OK);
	assert_int_equal(back.op_id, 77);
	assert_memory_equal(&back.op, &up.op, sizeof(up.op));
	/* Every shorter prefix is refused. */
	for (uint32_t n = 0; n < len; n++)
		assert_int_equal(proto_decode_board_up(buf, n, &back), CORE_ERR_INVALID);
	/* A log message: a live batch with a full op, an own op, a refusal. */
	uint8_t msg[512];
	struct proto_log_head h = {.mode = PROTO_LOG_LIVE, .first_seq = 1000};
	uint32_t at = proto_log_head_encode(&h, msg, sizeof(msg));
	struct proto_log_op ops[3] = {
		{.kind = SIM_OP_APPEND, .author = 9, .op_id_delta = 1,
		 .op = {.kind = SIM_OP_APPEND, .count = 3, .x = {1, -2, 300}, .y = {0, 5, -7}, .p = {1, 1, -200}}},
		{.kind = PROTO_LOG_OWN, .op_id_delta = 3},
		{.kind = PROTO_LOG_LAST, .author = 4095, .last_op = 123456, .reason = SIM_BOARD_FULL},
	};
	for (int i = 0; i < 3; i++) {
		uint32_t n = proto_log_op_encode(&ops[i], msg + at, (uint32_t)sizeof(msg) - at);
		assert_true(n > 0);
		at += n;
	}
	assert_int_equal(msg[0], PROTO_MSG_BOARD_LIVE);
	assert_int_equal(proto_log_validate(msg, at), CORE_OK);
	struct proto_reader r;
	struct proto_log_head got;
	assert_int_equal(proto_log_open(msg, at, &got, &r), CORE_OK);
	assert_int_equal(got.first_seq, 1000);
	struct proto_log_op op;
	assert_int_equal(proto_log_next(&r, &op), 1);
	assert_int_equal(op.author, 9);
	assert_int_equal(op.op_id_delta, 1);
	assert_int_equal(op.op.count, 3);
	assert_int_equal(op.op.x[2], 300);
	assert_int_equal(op.op.p[2], -200);
	assert_int_equal(proto_log_next(&r, &op), 1);
	assert_int_equal(op.kind, PROTO_LOG_OWN);
	assert_int_equal(op.op_id_delta, 3);
	assert_int_equal(proto_log_next(&r, &op), 1);
	assert_int_equal(op.last_op, 123456);
	assert_int_equal(op.reason, SIM_BOARD_FULL);
	assert_int_equal(proto_log_next(&r, &op), 0);
	/* Live ops only as datagrams: the same bytes typed as the log channel's fail. */
	msg[0] = PROTO_MSG_BOARD_LOG;
	assert_int_equal(proto_log_validate(msg, at), CORE_ERR_INVALID);
}

/* BOARD_OPS: a client's unconfirmed ops in one datagram, each part the op
 * message it was before; the framing is checked, the parts by their owner. */
static void board_ops_datagrams_frame_their_ops(void **state)
{
	(void)state;
	uint8_t buf[PROTO_MAX_PACKET];
	uint32_t len = proto_board_ops_start(buf, sizeof(buf));
	assert_int_equal(len, PROTO_BOARD_OPS_HEADER);
	struct proto_board_up ops[3] = {
		{.op_id = 41, .op = begin_op(3, 30)},
		{.op_id = 42, .op = {.kind = PROTO_LOG_CHAT}, .chat = {.text = "done"}},
		{.op_id = 43, .op = {.kind = SIM_OP_UNDO, .target_op = 41}},
	};
	for (int i = 0; i < 3; i++) {
		uint32_t n = proto_board_ops_add(buf, len, sizeof(buf), &ops[i]);
		assert_true(n > len);
		len = n;
	}
	assert_true(len <= proto_msg_spec(PROTO_MSG_BOARD_OPS)->max_size);
	struct proto_board_ops got;
	assert_int_equal(proto_decode_board_ops(buf, len, &got), CORE_OK);
	assert_int_equal(got.count, 3);
	struct proto_board_up back;
	assert_int_equal(got.data[got.part[0].off], PROTO_MSG_BOARD_OP);
	assert_int_equal(proto_decode_board_up(got.data + got.part[0].off, got.part[0].len, &back),
			 CORE_OK);
	assert_int_equal(back.op_id, 41);
	assert_int_equal(proto_decode_chat_up(got.data + got.part[1].off, got.part[1].len, &back),
			 CORE_OK);
	assert_string_equal(back.chat.text, "done");
	assert_int_equal(proto_decode_board_up(got.data + got.part[2].off, got.part[2].len, &back),
			 CORE_OK);
	assert_int_equal(back.op.target_op, 41);
	/* Every cut of the framing is refused, as are trailing bytes, an empty
	 * message and a part of length 0. */
	for (uint32_t n = 0; n < len; n++)
		assert_int_equal(proto_decode_board_ops(buf, n, &got), CORE_ERR_INVALID);
	buf[len] = 0;
	assert_int_equal(proto_decode_board_ops(buf, len + 1, &got), CORE_ERR_INVALID);
	uint8_t empty[2] = {PROTO_MSG_BOARD_OPS, 0};
	assert_int_equal(proto_decode_board_ops(empty, 2, &got), CORE_ERR_INVALID);
	uint8_t zero[4] = {PROTO_MSG_BOARD_OPS, 1, 0, 0};
	assert_int_equal(proto_decode_board_ops(zero, 4, &got), CORE_ERR_INVALID);
	/* Full: an op that does not fit leaves the message as it was, and the
	 * largest op fits in an empty one. */
	struct proto_board_up big = {.op_id = 44, .op = begin_op(SIM_BOARD_OP_POINTS, 30)};
	uint32_t n = len;
	while ((n = proto_board_ops_add(buf, len, sizeof(buf), &big)) != 0)
		len = n;
	assert_int_equal(proto_decode_board_ops(buf, len, &got), CORE_OK);
	assert_int_equal(proto_board_ops_add(buf, len, sizeof(buf), &big), 0);
	assert_int_equal(proto_decode_board_ops(buf, len, &got), CORE_OK);
	assert_true(PROTO_BOARD_OPS_HEADER + 2 + PROTO_BOARD_OP_MAX <= PROTO_MAX_PACKET);
}

/* Chat ops: the round trip, and text no screen should show refused on
 * the way in (the server) and on the way out (every receiver). */
static void chat_codecs_check_the_text(void **state)
{
	(void)state;
	struct proto_board_up up = {.op_id = 5, .op = {.kind = PROTO_LOG_CHAT},
				    .chat = {.scope = PROTO_CHAT_QUESTION, .text = "Größe von π?"}};
	uint8_t buf[PROTO_BOARD_OP_MAX];
	uint32_t len = proto_encode_board_up(&up, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(buf[0], PROTO_MSG_CHAT);
	struct proto_board_up back;
	assert_int_equal(proto_decode_chat_up(buf, len, &back), CORE_OK);
	assert_string_equal(back.chat.text, "Größe von π?");
	assert_int_equal(back.chat.scope, PROTO_CHAT_QUESTION);
	/* A chat kind is not a board op, and the other way round. */
	assert_int_equal(proto_decode_board_up(buf, len, &back), CORE_ERR_INVALID);
	static const char *const bad[] = {"", " padded", "bell\a", "\xff\xfe", "\xe2\x80\xae" "evil",
					  "cut \xc3"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct proto_board_up b = up;
		core_strlcpy(b.chat.text, bad[i], sizeof(b.chat.text));
		len = proto_encode_board_up(&b, buf, sizeof(buf));
		assert_true(len > 0); /* the encoder says anything; the decoder checks */
		assert_int_equal(proto_decode_chat_up(buf, len, &back), CORE_ERR_INVALID);
	}
	memset(up.chat.text, 'a', PROTO_CHAT_TEXT_MAX);
	up.chat.text[PROTO_CHAT_TEXT_MAX] = '\0';
	len = proto_encode_board_up(&up, buf, sizeof(buf));
	assert_true(len > 0 && len <= PROTO_BOARD_OP_MAX);
	assert_int_equal(proto_decode_chat_up(buf, len, &back), CORE_OK);
	/* In the log: a zone line, a placeholder, an answer, a removal. */
	uint8_t msg[1024];
	struct proto_log_head h = {.mode = PROTO_LOG_TAIL, .first_seq = 9};
	uint32_t at = proto_log_head_encode(&h, msg, sizeof(msg));
	struct proto_log_op ops[4] = {
		{.kind = PROTO_LOG_CHAT, .author = 2, .op_id_delta = 1, .op = {.kind = PROTO_LOG_CHAT},
		 .chat = {.scope = PROTO_CHAT_ZONE, .zone = 31, .name = "Ms Ward", .text = "Pairs, please"}},
		{.kind = PROTO_LOG_HIDDEN, .author = 3, .op_id_delta = 4, .op = {.kind = PROTO_LOG_HIDDEN}},
		{.kind = PROTO_LOG_ANSWER, .author = 2, .op_id_delta = 1,
		 .op = {.kind = PROTO_LOG_ANSWER, .target_author = 3, .target_op = 17}},
		{.kind = PROTO_LOG_REMOVE, .author = 2, .op_id_delta = 1,
		 .op = {.kind = PROTO_LOG_REMOVE, .target_author = 4, .target_op = 21}},
	};
	for (int i = 0; i < 4; i++)
		at += proto_log_op_encode(&ops[i], msg + at, (uint32_t)sizeof(msg) - at);
	struct proto_reader r;
	struct proto_log_head got;
	assert_int_equal(proto_log_open(msg, at, &got, &r), CORE_OK);
	struct proto_log_op op;
	assert_int_equal(proto_log_next(&r, &op), 1);
	assert_string_equal(op.chat.name, "Ms Ward");
	assert_int_equal(op.chat.zone, 31);
	assert_int_equal(proto_log_next(&r, &op), 1);
	assert_int_equal(op.kind, PROTO_LOG_HIDDEN);
	assert_int_equal(op.author, 3);
	assert_int_equal(op.op_id_delta, 4);
	assert_int_equal(proto_log_next(&r, &op), 1);
	assert_int_equal(op.op.target_op, 17);
	assert_int_equal(proto_log_next(&r, &op), 1);
	assert_int_equal(op.kind, PROTO_LOG_REMOVE);
	assert_int_equal(op.op.target_author, 4);
	assert_int_equal(op.op.target_op, 21);
	assert_int_equal(proto_log_next(&r, &op), 0);
}

/* The room state hash: two holders of the same chat and lesson agree
 * whatever else their copies hold (names, zones, zone lines), and any
 * change a replica must see (an answer, a line, a step) changes it. */
static void state(const struct proto_chat *lines, int n, uint8_t step, char out[65])
{
	struct proto_state_hash h;
	uint8_t bytes[PROTO_BOARD_HASH_BYTES];
	proto_state_hash_init(&h);
	for (int i = 0; i < n; i++)
		proto_state_hash_chat(&h, (uint16_t)(i + 1), 7, &lines[i]);
	proto_state_hash_lesson(&h, "letters", true, 0);
	proto_state_hash_student(&h, 2, step, 900);
	proto_state_hash_final(&h, bytes);
	proto_hash_hex(bytes, out);
}

static void the_room_state_hash_covers_what_replicas_share(void **st)
{
	(void)st;
	struct proto_chat server[2] = {{.scope = PROTO_CHAT_ROOM, .text = "hello"},
				       {.scope = PROTO_CHAT_QUESTION, .text = "why?"}};
	/* A replica: its own line without a name, a zone line of its own zone. */
	struct proto_chat replica[3] = {{.scope = PROTO_CHAT_ROOM, .text = "hello"},
					{.scope = PROTO_CHAT_QUESTION, .text = "why?"},
					{.scope = PROTO_CHAT_ZONE, .zone = 2, .text = "psst"}};
	strcpy(server[0].name, "Sam");
	char a[65], b[65];
	state(server, 2, 1, a);
	state(replica, 3, 1, b);
	assert_string_equal(a, b);
	replica[1].answered = true;
	state(replica, 3, 1, b);
	assert_string_not_equal(a, b);
	state(server, 1, 1, b);
	assert_string_not_equal(a, b);
	state(server, 2, 2, b);
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(generator_matches_the_reference),
		cmocka_unit_test(pen_timeline_matches_the_reference),
		cmocka_unit_test(board_rules),
		cmocka_unit_test(eraser_touches_the_newest_live_stroke),
		cmocka_unit_test(hash_is_the_canonical_serialisation),
		cmocka_unit_test(op_codecs_round_trip),
		cmocka_unit_test(board_ops_datagrams_frame_their_ops),
		cmocka_unit_test(chat_codecs_check_the_text),
		cmocka_unit_test(chat_history_keeps_open_questions),
		cmocka_unit_test(the_room_state_hash_covers_what_replicas_share),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
