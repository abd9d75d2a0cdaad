/**
 * @file sv_log.h
 * @brief A room's op log (sv_log.c): every board op gets the next seq,
 * is applied to the room's boards, kept for late joiners and sent to the
 * room. The log outlives the room's last client while the server runs.
 *
 * Ops arrive in BOARD_OPS state datagrams, each holding its author's ops
 * not yet confirmed, oldest first: an op whose id is not past its author's
 * last is a resend and is applied once, and one that skips an id (an
 * earlier datagram lost) is dropped with those after it, to come again
 * from the gap. An op the boards or the author's role refuse is logged as
 * LAST (with the reason), so its author learns it in order with
 * everything else and stops sending it.
 *
 * Down: the ops logged since the last flush go to the room every
 * PROTO_LOG_FLUSH_MS as one state datagram per member (LIVE; the author's
 * own ops as OWN, a byte each). A member that misses one, or joins, sends
 * BOARD_SYNC with the seq it holds: it gets the tail after it on the log
 * channel, or, when that is bigger, the compacted snapshot (kept, and
 * rebuilt once the tail since it outgrows a quarter of it) and the tail.
 *
 * Storage is reserved when the log opens and never grows: ops are kept in
 * one block, and when it fills the log is compacted (the snapshot becomes
 * the start). The persistence hook (struct sv_log_sink) sees every op as
 * it is logged, and every compaction.
 */
#pragma once

#include "net/token.h"
#include "proto/msg_board.h"

#include <stdbool.h>
#include <stdint.h>

#define SV_LOG_POINTS 2000000u       /* points a room's boards hold */
#define SV_LOG_BYTES (24u << 20)     /* logged ops kept, bytes */
#define SV_LOG_OPS (4u << 20)        /* logged ops kept, count */
/* The compacted snapshot, at most: room for every stroke and point the
 * boards can hold at the worst encoding (12 bytes a point, an op header
 * per 64 points and per stroke), so building it cannot fail. */
#define SV_LOG_SNAP_BYTES (32u << 20)
#define SV_LOG_CHUNK 30000u           /* a tail's or snapshot's messages, at most */

struct sv_server;
struct sv_room;
struct sv_client;

/* Chat a late joiner is shown (sv_chat.c): the room's newest messages
 * that the whole room saw, PROTO_CHAT_HISTORY of them, oldest first, and
 * the questions still waiting for an answer (proto_chat_evict). Zone
 * messages reach a late joiner in a tail, never in a snapshot, which
 * every member may be sent. */
struct sv_chat_entry {
	uint16_t author;
	uint32_t op_id;
	struct proto_chat chat;
	uint8_t role; /* its author's when said: who may remove it */
};

/* Durable storage plugs in here (none yet: DESIGN.md, "Persistence").
 * append sees every op as it is logged, as BOARD_LOG carries it, in seq
 * order; compacted says that the log dropped its ops up to seq, whose
 * effect the snapshot now holds (len bytes: the BOARD_LOG messages a late
 * joiner receives, each after its length as a host-order u32): storage may
 * keep it and drop those ops. A new epoch (the room's log opened again)
 * starts from seq 1. */
struct sv_log_sink {
	void (*append)(void *ctx, const char *room, uint32_t epoch, uint32_t seq, const uint8_t *op,
		       uint32_t len);
	void (*compacted)(void *ctx, const char *room, uint32_t epoch, uint32_t seq,
			  const uint8_t *snapshot, uint32_t len);
	void *ctx;
};

struct sv_log {
	uint32_t epoch; /* this incarnation of the room's log: a client's last_seq from another means nothing */
	uint32_t seq;   /* the newest op's; 0: none yet */
	struct sim_boards boards;
	uint32_t last_op[SIM_BOARD_AUTHORS]; /* by author: the newest op id logged */
	/* Ops first_seq..seq, full form, each at offs[seq - first_seq]. */
	uint8_t *bytes;
	uint32_t used;
	uint32_t *offs;
	uint32_t first_seq;
	/* Not yet sent live: from live_from; the author and id delta of each,
	 * for the OWN form. */
	uint32_t live_from;
	uint64_t live_since_us;
	uint64_t live_sent_us; /* the last live batch (or heartbeat) */
	struct sv_live_meta {
		uint16_t author;
		uint32_t delta;
	} *live_meta; /* by seq - live_from, SV_LIVE_MAX */
	/* The compacted snapshot: BOARD_LOG messages (u32 length, bytes) that
	 * bring an empty replica to snap_seq. */
	uint8_t *snap;
	uint32_t snap_len, snap_seq;
	bool snap_valid;
	/* Zone messages: by seq - first_seq, the zone + 1 (0: the whole
	 * room's op); the newest one's seq (a tail before it is sent as is). */
	uint8_t *zone_of;
	uint32_t zone_last_seq;
	struct sv_chat_entry *chat; /* PROTO_CHAT_HISTORY, oldest first */
	uint32_t chat_count;
	bool hash_logged; /* the boards have not changed since the last hash line */
};
#define SV_LIVE_MAX 4096 /* ops between flushes, at most (then it flushes at once) */
/* With nothing to send, an empty live batch says where the log stands this
 * often: a member whose last batch was lost finds out and asks. */
#define SV_LOG_HEARTBEAT_US 500000u

/** Opens the room's log (boards sized from its world) at its first board
 * message, so a room nobody draws in costs nothing; false if memory is short. */
bool sv_log_open(struct sv_server *sv, struct sv_room *room);
/** Frees the log and the author numbers (the room's slot goes to another). */
void sv_log_free(struct sv_room *room);
/** The author number for this member: its user's, the same across
 * reconnects; a fresh one for an anonymous join. 0 when the room has
 * given out every number (the member cannot draw). */
uint16_t sv_log_author(struct sv_server *sv, struct sv_room *room, const char *user);
/** BOARD_OPS: the client's unconfirmed ops (BOARD_OP and CHAT parts), those
 * new to the log logged in order, up to a gap. */
void sv_on_board_ops(struct sv_server *sv, struct sv_client *c, const union proto_any *m,
		     uint32_t len);
void sv_on_board_sync(struct sv_server *sv, struct sv_client *c, const union proto_any *m,
		      uint32_t len);
/** Sends the ops logged since the last flush to the room's members, if
 * the oldest has waited PROTO_LOG_FLUSH_MS (or force). */
void sv_log_flush(struct sv_server *sv, struct sv_room *room, uint64_t now_us, bool force);
/** sv_log_flush for every room with ops waiting. */
void sv_log_flush_pending(struct sv_server *sv, uint64_t now_us, bool force);
/** When the next flush is due (UINT64_MAX: nothing waits). */
uint64_t sv_log_next_flush_us(const struct sv_server *sv);
/* sv_chat.c */
/** May this chat op be logged? SIM_BOARD_APPLIED, or the LAST reason;
 * fills in what the server vouches for (the name, the zone). For a
 * PROTO_LOG_REFUSED_ROLE, need is the permission the sender lacked, or
 * PROTO_PERM_NONE where its rank is too low (another's line to remove). */
int sv_chat_check(const struct sv_client *c, const struct sv_log *log, struct proto_log_op *op,
		  enum proto_perm *need);
/** The logged chat op (author's op_id) joins the history; true when the
 * history held PROTO_CHAT_OPEN_MAX open questions and the oldest went. */
bool sv_chat_apply(struct sv_log *log, uint16_t author, uint8_t role, uint32_t op_id,
		   const struct proto_log_op *op);
/** The line an ANSWER or REMOVE names, in the history, or NULL. */
const struct sv_chat_entry *sv_chat_named_line(const struct sv_log *log,
					       const struct proto_log_op *op);
/** The history's entry i, oldest first (i < log->chat_count). */
const struct sv_chat_entry *sv_chat_history(const struct sv_log *log, uint32_t i);

/** Logs an op of the server's own (a lesson's state, a score) in the
 * room's log: op id delta 0, never OWN. */
void sv_log_server_op(struct sv_server *sv, struct sv_room *room, const struct proto_log_op *op);

/* sv_lesson.c */
struct sv_lesson;
void sv_on_lesson(struct sv_server *sv, struct sv_client *c, const union proto_any *m, uint32_t len);
/** A member joined the room: a student takes part in the running lesson. */
void sv_lesson_on_join(struct sv_server *sv, struct sv_client *c);
/** A member's first BOARD_SYNC: its lesson target again (the one sent at
 * its join may have come before its WELCOME). */
void sv_lesson_on_first_sync(struct sv_server *sv, struct sv_client *c);
/** At start: the lessons an instructor can start, logged (or a warning
 * that the folder cannot be read). */
void sv_lesson_announce_dir(const char *dir);
/** After author's board op: the strokes of the step of the student whose
 * ink it changed (its own, or staff erasing or clearing it) are scored
 * again. */
void sv_lesson_after_op(struct sv_server *sv, struct sv_room *room, uint16_t author,
			const struct sim_board_op *op);
/** The room's lesson timers: scores held back while a student's ops came
 * fast are worked out once SV_LESSON_RESCORE_US has passed. */
void sv_lesson_tick(struct sv_server *sv, struct sv_room *room);
/** Every score still held back, worked out now: the room empties, and an
 * empty room does not tick. */
void sv_lesson_settle(struct sv_server *sv, struct sv_room *room);
/** The running lesson, or the last one's results, as ops for a snapshot. */
void sv_lesson_snapshot(const struct sv_room *room,
			void (*emit)(void *ctx, const struct proto_log_op *op), void *ctx);
/** The lesson's part of the room's state hash (proto_state_hash). */
void sv_lesson_hash(const struct sv_room *room, struct proto_state_hash *h);
void sv_lesson_free(struct sv_room *room);

/** Logs each changed board's hashes, and each changed room's state hash
 * (what replicas must match). */
void sv_log_hashes(struct sv_server *sv, bool even_unchanged);
