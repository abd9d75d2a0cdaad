/**
 * @file msg_board.h
 * @brief The room op log on the wire: board ops up, logged ops down.
 *
 * BOARD_OP  client -> server, log channel (reliable, ordered)
 *   u8 type | u32 op_id | op body (below)
 * op_id: the author's own count, strictly increasing across its session
 * (a reconnect carries on): the server applies each (author, op_id) once,
 * so ops resent after a reconnect are not applied twice.
 *
 * CHAT  client -> server, inside BOARD_OPS: a chat op (CHAT, ANSWER or
 * REMOVE), in the
 * same op id sequence as the author's board ops, with its own permission
 * and rate bucket
 *   u8 type | u32 op_id | u4 kind | body (below; name empty, zone 0,
 *   answered 0: the server fills them in)
 *
 * LESSON  client -> server, log channel: u8 type | u2 action (START, STOP:
 * staff with the lesson permission; NEXT: a student asks for its next
 * step, granted only when the current one validates, or with a name staff
 * move that student on, passed or not) | u3 board | u5 name length | name
 * (START: a file of the server's --lessons, no extension; NEXT: empty, or
 * a member's display name)
 *
 * LESSON_TARGET  server -> client, log channel: the target of a student's
 * step, sent to that student when it takes part, reconnects or moves on,
 * so it draws what the server scores against (not a file of its own)
 *   u8 type | u5 name length | name (the lesson) | u5 step | u4 polylines
 *   - 1 (1-16) | per polyline u9 points - 1 (512 in all at most) | per
 *   point u12 x | u12 y (practice-area mm)
 *
 * BOARD_SYNC  client -> server, log channel
 *   u8 type | u32 epoch | u32 last_seq
 * "I hold the room's log up to last_seq" (0: nothing; epoch: the room
 * incarnation it came from). Sent on joining and when a gap shows.
 *
 * BOARD_LOG (log channel), BOARD_LIVE (state datagram)  server -> client:
 * logged ops, in seq order
 *   u8 type | u2 mode | u32 first_seq | [u32 epoch (SNAP_START)] | ops
 * mode LIVE travels as a state datagram (the newest ops, sent to the whole
 * room every PROTO_LOG_FLUSH_MS), TAIL on the log channel (an answer to
 * BOARD_SYNC: the ops after its last_seq), SNAP_START and SNAP on the log
 * channel: a compacted snapshot of the room's state as ops without seqs
 * (the receiver starts over at SNAP_START), SNAP_END its last part, whose
 * first_seq is the seq it holds to. Ops fill the message to its end, each
 * one byte-aligned:
 *   u4 kind | kind OWN: egamma op_id delta (the receiver's own op, whose
 *   body it kept) | else u12 author | egamma (op_id delta + 1) | body
 * op_id delta: from the author's previous logged op (so replicas track each
 * author's last op id); 0 only in snapshots, for an op that continues the
 * one before (a long stroke in parts), and LAST sets it outright.
 * Bodies:
 *   BEGIN    u3 board | u32 colour | u6 width | points (first absolute)
 *   APPEND, END   points (first relative to the stroke's last point)
 *   UNDO, REDO    u12 target author (0: the author) | u32 target op_id
 *   CLEAR    u3 board
 *   LAST     u32 op_id | u4 reason: the author's last op id, outright (in a
 *            snapshot), or an op of the author's the server refused
 *            (reason: its sim_board_result, or PROTO_LOG_REFUSED_*)
 *   CHAT     u2 scope | u5 zone | u1 answered | u5 name length | name
 *            | u9 text length | text (UTF-8, proto_text_check)
 *   ANSWER   u12 question's author | u32 its op_id
 *   REMOVE   u12 line's author | u32 its op_id (staff: out of the history)
 *   HIDDEN   (none): a zone message, to a member outside the zone
 *   LESSON   u1 active | u3 board | u6 step count | u13 area width mm |
 *            u12 area height mm | u7 areas per row | u5 name length | name
 *            | u6 title length | title (author: the instructor)
 *   STEP     u6 step (0-based; = step count: done) | u10 practice area |
 *            u8 prompt length | prompt | u5 name length | the student's
 *            display name (author: the student)
 *   SCORE    u6 step | u10 accuracy | u10 coverage | u10 smoothness |
 *            u10 total | u1 passed | u16 lesson points (the sum of the
 *            student's best totals) (author: the student)
 * LESSON, STEP and SCORE are the server's: op id delta 0.
 * points: u7 count | [first: u16 x | u16 y | u8 p when absolute]
 *   | deltas (x, y, p), each zigzag then Rice-coded with k = 2: q ones,
 *   a zero, 2 bits; q >= 14 escapes to 18 raw bits.
 */
#pragma once

#include "bits.h"
#include "core/core.h"
#include "sim/board.h"

#include <stdbool.h>
#include <stdint.h>

/* Kinds past the board's (sim_board_kind) that only the log has. */
#define PROTO_LOG_CHAT 7    /* a chat message (proto_chat) */
#define PROTO_LOG_ANSWER 8  /* staff mark a question answered (target author, op) */
#define PROTO_LOG_LESSON 9  /* a lesson started or stopped on a board (proto_lesson) */
#define PROTO_LOG_STEP 10   /* a student's step now: its prompt and practice area */
#define PROTO_LOG_SCORE 11  /* a student's strokes scored against their step */
#define PROTO_LOG_REMOVE 12 /* staff remove a chat line (target author, op) */
#define PROTO_LOG_HIDDEN 13 /* a zone message, to a member outside the zone */
#define PROTO_LOG_LAST 14   /* an author's last op id, outright */
#define PROTO_LOG_OWN 15    /* the receiver's own op: it has the body */
/* A LAST's reasons past the board's results. */
enum proto_log_refusal {
	PROTO_LOG_REFUSED_ROLE = SIM_BOARD_RESULT_COUNT, /* the sender's role may not */
	PROTO_LOG_REFUSED_NO_ZONE,  /* a zone message from outside every zone */
	PROTO_LOG_REFUSED_NO_QUESTION, /* answered: no such open question */
	PROTO_LOG_REFUSED_NO_LINE,     /* removed: no such line in the history */
	PROTO_LOG_REASON_COUNT,
};
/** What a LAST's reason means, for people. */
const char *proto_log_reason_name(uint8_t reason);

enum proto_chat_scope {
	PROTO_CHAT_ROOM,
	PROTO_CHAT_ZONE,     /* the sender's zone only */
	PROTO_CHAT_ANNOUNCE, /* staff, shown to everyone prominently */
	PROTO_CHAT_QUESTION, /* to staff and the room, until staff mark it answered */
	PROTO_CHAT_SCOPE_COUNT,
};
#define PROTO_CHAT_TEXT_MAX 400 /* bytes of UTF-8 */
#define PROTO_CHAT_NAME_MAX 32  /* PROTO_NAME_MAX */
struct proto_chat {
	uint8_t scope;  /* enum proto_chat_scope */
	uint8_t zone;   /* ZONE: the sender's (the server's word) */
	bool answered;  /* QUESTION, in a snapshot: staff have answered it */
	char name[PROTO_CHAT_NAME_MAX];      /* the sender's display name (the server's word) */
	char text[PROTO_CHAT_TEXT_MAX + 1];
};
#define PROTO_LOG_FLUSH_MS 12
#define PROTO_LOG_MESSAGE_MAX 32768 /* a BOARD_LOG on the log channel */

enum proto_log_mode {
	PROTO_LOG_LIVE,
	PROTO_LOG_TAIL,
	PROTO_LOG_SNAP,     /* a part of a snapshot (SNAP_START: the first, with its epoch) */
	PROTO_LOG_SNAP_END, /* the snapshot's last part: it holds up to first_seq */
};

enum proto_lesson_action { PROTO_LESSON_START, PROTO_LESSON_STOP, PROTO_LESSON_NEXT };
#define PROTO_LESSON_NAME_MAX 32
#define PROTO_LESSON_TITLE_MAX 64
#define PROTO_LESSON_PROMPT_MAX 201
struct proto_lesson_up {
	uint8_t action; /* enum proto_lesson_action */
	uint8_t board;
	char name[PROTO_LESSON_NAME_MAX];
};
/* LESSON, STEP and SCORE ops. */
struct proto_lesson {
	bool active;
	uint8_t board, step_count, cols;
	uint16_t area_w, area_h;
	char name[PROTO_LESSON_NAME_MAX];
	char title[PROTO_LESSON_TITLE_MAX];
	uint8_t step;
	uint16_t cell;
	char prompt[PROTO_LESSON_PROMPT_MAX];
	uint16_t accuracy, coverage, smoothness, total, points;
	bool passed;
	char student[PROTO_CHAT_NAME_MAX]; /* STEP: the student's display name (the server's word) */
};
/* LESSON_TARGET: a step's target polylines, in practice-area mm. */
#define PROTO_LESSON_TARGET_POLYLINES 16
#define PROTO_LESSON_TARGET_POINTS 512
#define PROTO_LESSON_TARGET_MAX (1 + 1 + PROTO_LESSON_NAME_MAX + 2 + 20 + 3 * PROTO_LESSON_TARGET_POINTS)
struct proto_lesson_target {
	char name[PROTO_LESSON_NAME_MAX];
	uint8_t step;
	uint16_t polyline_count;
	uint16_t polyline_end[PROTO_LESSON_TARGET_POLYLINES]; /* each one's end (exclusive) */
	uint16_t x[PROTO_LESSON_TARGET_POINTS], y[PROTO_LESSON_TARGET_POINTS];
};
uint32_t proto_encode_lesson_target(const struct proto_lesson_target *m, uint8_t *buf, uint32_t cap);
enum core_result proto_decode_lesson_target(const uint8_t *data, uint32_t len,
					    struct proto_lesson_target *out) CORE_MUST_CHECK;
uint32_t proto_encode_lesson_up(const struct proto_lesson_up *m, uint8_t *buf, uint32_t cap);
enum core_result proto_decode_lesson_up(const uint8_t *data, uint32_t len,
					struct proto_lesson_up *out) CORE_MUST_CHECK;

/* BOARD_OP or CHAT: op.kind says which (a board kind, or CHAT or ANSWER,
 * whose target is op.target_author and op.target_op). */
struct proto_board_up {
	uint32_t op_id;
	struct sim_board_op op;
	struct proto_chat chat; /* CHAT */
};

struct proto_board_sync {
	uint32_t epoch;
	uint32_t last_seq;
};

/* One op of a BOARD_LOG message, as read. */
struct proto_log_op {
	uint8_t kind;         /* sim_board_kind, PROTO_LOG_LAST or PROTO_LOG_OWN */
	uint16_t author;      /* not for OWN */
	uint32_t op_id_delta; /* OWN: >= 1; else >= 0 (0: a snapshot's continuation) */
	uint32_t last_op;     /* LAST */
	uint8_t reason;       /* LAST: why the op was refused (0: not refused) */
	struct sim_board_op op;
	struct proto_chat chat; /* CHAT */
	struct proto_lesson lesson; /* LESSON, STEP, SCORE */
};

/* The header of a BOARD_LOG message. */
struct proto_log_head {
	uint8_t mode;   /* enum proto_log_mode */
	bool start;     /* SNAP_START: the receiver starts over */
	uint32_t first_seq;
	uint32_t epoch; /* SNAP_START only */
};
#define PROTO_LOG_HEAD_MAX 10
/* An op's largest encoding, either form (the worst case: 64 points each
 * escaping all three deltas, and an op id gap of PROTO_OP_ID_GAP_MAX): about
 * 780 bytes; a pen's ops are a few dozen. */
#define PROTO_BOARD_OP_MAX 800
/* A client counts its op ids up by one; the server logs only the next one
 * (an id that skips ahead waits for those before it), and one further
 * ahead than this is refused as malformed. */
#define PROTO_OP_ID_GAP_MAX (1u << 20)

/** BOARD_OP, or CHAT for a chat kind. */
uint32_t proto_encode_board_up(const struct proto_board_up *m, uint8_t *buf, uint32_t cap);
enum core_result proto_decode_board_up(const uint8_t *data, uint32_t len,
				       struct proto_board_up *out) CORE_MUST_CHECK;
enum core_result proto_decode_chat_up(const uint8_t *data, uint32_t len,
				      struct proto_board_up *out) CORE_MUST_CHECK;
static inline bool proto_log_is_chat(uint8_t kind)
{
	return kind == PROTO_LOG_CHAT || kind == PROTO_LOG_ANSWER || kind == PROTO_LOG_REMOVE;
}
/* A room's chat history (the server's, and each client's copy of it)
 * holds PROTO_CHAT_HISTORY lines, oldest first. When it is full, a new
 * line pushes out the oldest line that is not a question still waiting
 * for its answer, so questions are not lost to a busy chat; once
 * PROTO_CHAT_OPEN_MAX of them wait, the oldest open question goes (the
 * server logs it). Each client applies the same rule to its copy (which
 * also holds its zone's lines); the open questions are the same on both
 * sides, so both drop the same one, and what staff answer the server
 * still holds. */
#define PROTO_CHAT_HISTORY 128
#define PROTO_CHAT_OPEN_MAX 32
/** The index (of count lines, stride bytes apart, each with its
 * proto_chat at chat_offset) that a new line pushes out. */
uint32_t proto_chat_evict(const void *lines, size_t stride, size_t chat_offset, uint32_t count);
/** Makes room for one more line in a history of *count lines (array of
 * PROTO_CHAT_HISTORY, laid out as for proto_chat_evict): when full, the
 * line proto_chat_evict names goes and the rest close up. True when that
 * line was a question still open. */
bool proto_chat_make_room(void *lines, size_t stride, size_t chat_offset, uint32_t *count);
/* BOARD_OPS: a client's ops not yet confirmed by the log, oldest first, as
 * one state datagram: u8 type | u8 count | count x (u16le length | a
 * BOARD_OP or CHAT message). The client sends it with each new op and
 * again while the log has not confirmed them; the server logs, in order,
 * those past the author's last op id and stops at a gap (an earlier
 * datagram lost: the client goes back and sends from there). */
#define PROTO_BOARD_OPS_HEADER 2
#define PROTO_BOARD_OPS_PARTS 64
struct proto_board_ops {
	const uint8_t *data; /* the message (valid while it is handled) */
	uint8_t count;
	struct proto_board_ops_part {
		uint16_t off, len;
	} part[PROTO_BOARD_OPS_PARTS];
};
/** Starts a BOARD_OPS message in buf; returns its length so far (0: no room). */
uint32_t proto_board_ops_start(uint8_t *buf, uint32_t cap);
/** Appends op to the message of len bytes in buf; the new length, or 0
 * when it does not fit in cap or holds PROTO_BOARD_OPS_PARTS already (the
 * message is unchanged). */
uint32_t proto_board_ops_add(uint8_t *buf, uint32_t len, uint32_t cap,
			     const struct proto_board_up *op);
/** Checks the framing (the parts are decoded one by one by their receiver). */
enum core_result proto_decode_board_ops(const uint8_t *data, uint32_t len,
					struct proto_board_ops *out) CORE_MUST_CHECK;
uint32_t proto_encode_board_sync(const struct proto_board_sync *m, uint8_t *buf, uint32_t cap);
enum core_result proto_decode_board_sync(const uint8_t *data, uint32_t len,
					 struct proto_board_sync *out) CORE_MUST_CHECK;

/** Writes a BOARD_LOG header; returns its bytes (0: no room). */
uint32_t proto_log_head_encode(const struct proto_log_head *h, uint8_t *buf, uint32_t cap);
/** Encodes one op as BOARD_LOG carries it (full form, or OWN when own);
 * returns its bytes (0: no room or a bad op). */
uint32_t proto_log_op_encode(const struct proto_log_op *op, uint8_t *buf, uint32_t cap);
/** Opens a BOARD_LOG message: reads the header, leaves r at the first op. */
enum core_result proto_log_open(const uint8_t *data, uint32_t len, struct proto_log_head *out,
				struct proto_reader *r) CORE_MUST_CHECK;
/** The next op of an opened message: 1 with *out, 0 at the end, -1 for a
 * malformed op (the rest of the message is not to be trusted). */
int proto_log_next(struct proto_reader *r, struct proto_log_op *out);
/** Checks a whole BOARD_LOG message (fuzzing, and the registry's check). */
enum core_result proto_log_validate(const uint8_t *data, uint32_t len) CORE_MUST_CHECK;

/* board_hash.c: the canonical hashes of ../shared/bench/board-v1.md, so
 * replicas (and other systems) can be compared from outside. A stroke
 * serialises as author u32le | colour u32le | width u8 | n u32le |
 * n x (x u16le, y u16le, p u8); order: SHA-256 of the live strokes in
 * board order; content: of their serialisations sorted bytewise. */
#define PROTO_BOARD_HASH_BYTES 32
/** Maps an author number to the number the hash shows (NULL: as is). */
typedef uint32_t (*proto_author_map)(void *user, uint16_t author);
enum core_result proto_board_hash(const struct sim_boards *b, uint8_t board, proto_author_map map,
				  void *user, uint8_t order[PROTO_BOARD_HASH_BYTES],
				  uint8_t content[PROTO_BOARD_HASH_BYTES]) CORE_MUST_CHECK;
/* The rest of a room's op-log state, hashed the same way by the server
 * (sv_log_hashes) and by each replica (cl_board_state_hash), so that chat
 * and lessons are checked from outside as strokes are: the room's chat
 * lines (zone lines left out: each zone has its own), oldest first, each
 * as author u16le | op_id u32le | scope u8 | answered u8 | text length
 * u16le | text; then, once a lesson has been started, its name (length
 * u8 | bytes), active u8 and board u8, and each student in it by author
 * number, ascending, as author u16le | step u8 | points u16le. A replica
 * holds the same lines while its copy has room for them (it counts its
 * zone's lines too, PROTO_CHAT_HISTORY in all). */
struct proto_state_hash {
	unsigned char sha[128]; /* libsodium's SHA-256 state, as bytes (board_hash.c) */
	uint32_t lines, students;           /* hashed so far */
};
void proto_state_hash_init(struct proto_state_hash *h);
void proto_state_hash_chat(struct proto_state_hash *h, uint16_t author, uint32_t op_id,
			   const struct proto_chat *chat);
void proto_state_hash_lesson(struct proto_state_hash *h, const char *name, bool active,
			     uint8_t board);
void proto_state_hash_student(struct proto_state_hash *h, uint16_t author, uint8_t step,
			      uint16_t points);
void proto_state_hash_final(struct proto_state_hash *h, uint8_t out[PROTO_BOARD_HASH_BYTES]);
/** Lower-case hex of a hash into out (65 bytes). */
const char *proto_hash_hex(const uint8_t hash[PROTO_BOARD_HASH_BYTES], char out[65]);
