/**
 * @file registry.h
 * @brief The message registry: one table, shared by server and client,
 * that says for every message type how it travels, how big it may be, who
 * may send it, which rate bucket it draws from and how it is decoded.
 *
 * Adding a message is one entry here (and its handler on the side that
 * receives it; each side checks at start-up that every message it can
 * receive has one). A message that is not in the table, travels the wrong
 * path or direction, or is larger than its entry allows is a counted
 * violation and is never decoded. Voice frames, board ops, chat and VR
 * poses become entries in this table.
 */
#pragma once

#include "msg.h"
#include "msg_board.h"
#include "perm.h"

#include <stdbool.h>
#include <stdint.h>

enum proto_path {
	PROTO_PATH_CONTROL,  /* ENet, reliable and ordered: handshake, roster */
	PROTO_PATH_LOG,      /* ENet, reliable and ordered: moderation, board syncs and tails */
	PROTO_PATH_DATAGRAM, /* state datagrams beside ENet: moves, snapshots */
	PROTO_PATH_PART,     /* only inside a BOARD_OPS datagram: a room op (board, chat) */
};

enum proto_direction {
	PROTO_TO_SERVER = 1,
	PROTO_TO_CLIENT = 2,
};

/* Token buckets a client's messages draw from (the server enforces them). */
enum proto_bucket {
	PROTO_BUCKET_NONE,       /* server -> client messages */
	PROTO_BUCKET_HELLO,
	PROTO_BUCKET_MOVE,
	PROTO_BUCKET_MODERATION,
	PROTO_BUCKET_HAND,
	PROTO_BUCKET_VOICE,
	PROTO_BUCKET_BOARD,
	PROTO_BUCKET_BOARD_UP, /* BOARD_OPS datagrams (each op draws from BOARD or CHAT) */
	PROTO_BUCKET_CHAT,
	PROTO_BUCKET_SYNC,
	PROTO_BUCKET_ITEM,      /* grab and release */
	PROTO_BUCKET_ITEM_MOVE, /* a carried item's place */
	PROTO_BUCKET_SYNC_ANSWER, /* bytes of short tails the server sends one client */
	/* Bytes, whatever the message: */
	PROTO_BUCKET_RELIABLE_BYTES, /* ENet's channels */
	PROTO_BUCKET_DATAGRAM_BYTES, /* state datagrams */
	PROTO_BUCKET_COUNT,
};

struct proto_bucket_spec {
	const char *name;
	uint32_t per_s; /* tokens (messages or bytes) earned per second */
	uint32_t burst; /* the most that can be saved up */
};

/** Any decoded message a registry decoder produces. */
union proto_any {
	struct proto_hello hello;
	struct proto_welcome welcome;
	struct proto_refuse refuse;
	struct proto_move move;
	struct proto_avatar_info avatar_info;
	uint16_t avatar_gone;
	struct proto_mod_request mod;
	struct proto_mod_event mod_event;
	struct proto_hand_queue hand_queue;
	struct proto_voice_up voice_up;
	struct proto_voice_down voice_down;
	struct proto_speaking speaking;
	struct proto_board_up board_up;
	struct proto_board_ops board_ops;
	struct proto_lesson_up lesson_up;
	struct proto_lesson_target lesson_target;
	struct proto_board_sync board_sync;
	struct proto_item_up item_up;
	struct proto_item_move item_move;
};

/* No permission needed: the handshake (before a role is known). */
#define PROTO_PERM_NONE PROTO_PERM_COUNT

struct proto_msg_spec {
	const char *name;
	uint8_t path;      /* enum proto_path */
	uint8_t direction; /* enum proto_direction */
	uint16_t max_size; /* bytes, type byte included */
	uint8_t perm;      /* enum proto_perm the sender's role needs, or PROTO_PERM_NONE */
	uint8_t bucket;    /* enum proto_bucket */
	/* NULL where decoding needs the receiver's state (SNAPSHOT: its
	 * baselines); the handler then decodes. */
	enum core_result (*decode)(const uint8_t *data, uint32_t len, union proto_any *out);
};

/** The entry for a message type, or NULL: not a Lyceum message. */
const struct proto_msg_spec *proto_msg_spec(uint8_t type);
const struct proto_bucket_spec *proto_bucket_spec(enum proto_bucket bucket);

/** A peer's state in one bucket. Starts full. */
struct proto_bucket_state {
	uint64_t last_us;
	uint32_t tokens;
	bool started;
};
/** Takes cost tokens if there are; false when the sender is over its rate. */
bool proto_bucket_take(struct proto_bucket_state *s, enum proto_bucket bucket, uint32_t cost,
		       uint64_t now_us);
