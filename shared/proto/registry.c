#include "registry.h"

#include <stddef.h>

/* Adapters from each codec's signature to the registry's. */
static enum core_result dec_hello(const uint8_t *d, uint32_t n, union proto_any *o)
{
	return proto_decode_hello(d, n, &o->hello);
}
static enum core_result dec_welcome(const uint8_t *d, uint32_t n, union proto_any *o)
{
	return proto_decode_welcome(d, n, &o->welcome);
}
static enum core_result dec_refuse(const uint8_t *d, uint32_t n, union proto_any *o)
{
	return proto_decode_refuse(d, n, &o->refuse);
}
static enum core_result dec_move(const uint8_t *d, uint32_t n, union proto_any *o)
{
	return proto_decode_move(d, n, &o->move);
}
static enum core_result dec_avatar_info(const uint8_t *d, uint32_t n, union proto_any *o)
{
	return proto_decode_avatar_info(d, n, &o->avatar_info);
}
static enum core_result dec_avatar_gone(const uint8_t *d, uint32_t n, union proto_any *o)
{
	return proto_decode_avatar_gone(d, n, &o->avatar_gone);
}
static enum core_result dec_mod(const uint8_t *d, uint32_t n, union proto_any *o)
{
	return proto_decode_mod_request(d, n, &o->mod);
}
static enum core_result dec_mod_event(const uint8_t *d, uint32_t n, union proto_any *o)
{
	return proto_decode_mod_event(d, n, &o->mod_event);
}
static enum core_result dec_hand_queue(const uint8_t *d, uint32_t n, union proto_any *o)
{
	return proto_decode_hand_queue(d, n, &o->hand_queue);
}
static enum core_result dec_voice_up(const uint8_t *d, uint32_t n, union proto_any *o)
{
	return proto_decode_voice_up(d, n, &o->voice_up);
}
static enum core_result dec_voice_down(const uint8_t *d, uint32_t n, union proto_any *o)
{
	return proto_decode_voice_down(d, n, &o->voice_down);
}
static enum core_result dec_speaking(const uint8_t *d, uint32_t n, union proto_any *o)
{
	return proto_decode_speaking(d, n, &o->speaking);
}

static enum core_result dec_board_up(const uint8_t *d, uint32_t n, union proto_any *o)
{
	return proto_decode_board_up(d, n, &o->board_up);
}
static enum core_result dec_board_ops(const uint8_t *d, uint32_t n, union proto_any *o)
{
	return proto_decode_board_ops(d, n, &o->board_ops);
}
static enum core_result dec_chat_up(const uint8_t *d, uint32_t n, union proto_any *o)
{
	return proto_decode_chat_up(d, n, &o->board_up);
}
static enum core_result dec_lesson_up(const uint8_t *d, uint32_t n, union proto_any *o)
{
	return proto_decode_lesson_up(d, n, &o->lesson_up);
}
static enum core_result dec_lesson_target(const uint8_t *d, uint32_t n, union proto_any *o)
{
	return proto_decode_lesson_target(d, n, &o->lesson_target);
}
static enum core_result dec_board_sync(const uint8_t *d, uint32_t n, union proto_any *o)
{
	return proto_decode_board_sync(d, n, &o->board_sync);
}
/* The log's ops are read one at a time by the receiver (proto_log_next):
 * this only checks the whole message. */
static enum core_result dec_board_log(const uint8_t *d, uint32_t n, union proto_any *o)
{
	(void)o;
	return proto_log_validate(d, n);
}

static enum core_result dec_item_up(const uint8_t *d, uint32_t n, union proto_any *o)
{
	return proto_decode_item_up(d, n, &o->item_up);
}
static enum core_result dec_item_move(const uint8_t *d, uint32_t n, union proto_any *o)
{
	return proto_decode_item_move(d, n, &o->item_move);
}

#define C PROTO_PATH_CONTROL
#define L PROTO_PATH_LOG
#define D PROTO_PATH_DATAGRAM
#define P PROTO_PATH_PART
#define TS PROTO_TO_SERVER
#define TC PROTO_TO_CLIENT
#define NONE PROTO_PERM_NONE
/* A moderation request: a type byte, 12 + 1 bits, a string. */
#define MOD_SIZE (1 + 2 + 1 + PROTO_MOD_TEXT_MAX)

static const struct proto_msg_spec specs[PROTO_MSG_TYPE_COUNT] = {
	[PROTO_MSG_HELLO] = {"hello", C, TS, 1024, NONE, PROTO_BUCKET_HELLO, dec_hello},
	[PROTO_MSG_WELCOME] = {"welcome", C, TC, 512, NONE, PROTO_BUCKET_NONE, dec_welcome},
	[PROTO_MSG_REFUSE] = {"refuse", C, TC, 256, NONE, PROTO_BUCKET_NONE, dec_refuse},
	[PROTO_MSG_MOVE] = {"move", D, TS, 128, PROTO_PERM_PRESENCE, PROTO_BUCKET_MOVE, dec_move},
	[PROTO_MSG_SNAPSHOT] = {"snapshot", D, TC, PROTO_MAX_PACKET, NONE, PROTO_BUCKET_NONE, NULL},
	[PROTO_MSG_AVATAR_INFO] = {"avatar_info", C, TC, 128, NONE, PROTO_BUCKET_NONE,
				   dec_avatar_info},
	[PROTO_MSG_AVATAR_GONE] = {"avatar_gone", C, TC, 4, NONE, PROTO_BUCKET_NONE,
				   dec_avatar_gone},
	[PROTO_MSG_MUTE] = {"mute", L, TS, MOD_SIZE, PROTO_PERM_MUTE, PROTO_BUCKET_MODERATION,
			    dec_mod},
	[PROTO_MSG_MUTE_ALL] = {"mute_all", L, TS, MOD_SIZE, PROTO_PERM_MUTE,
				PROTO_BUCKET_MODERATION, dec_mod},
	[PROTO_MSG_KICK] = {"kick", L, TS, MOD_SIZE, PROTO_PERM_KICK, PROTO_BUCKET_MODERATION,
			    dec_mod},
	[PROTO_MSG_LOCK] = {"lock", L, TS, MOD_SIZE, PROTO_PERM_LOCK_ROOM,
			    PROTO_BUCKET_MODERATION, dec_mod},
	[PROTO_MSG_HAND] = {"hand", L, TS, MOD_SIZE, PROTO_PERM_RAISE_HAND, PROTO_BUCKET_HAND,
			    dec_mod},
	[PROTO_MSG_FLOOR] = {"floor", L, TS, MOD_SIZE, PROTO_PERM_GIVE_FLOOR,
			     PROTO_BUCKET_MODERATION, dec_mod},
	[PROTO_MSG_MOVE_USER] = {"move_user", L, TS, MOD_SIZE, PROTO_PERM_MOVE_USER,
				 PROTO_BUCKET_MODERATION, dec_mod},
	/* The permission to speak is checked by the server's handler: a frame
	 * refused is dropped quietly (counted), not answered 50 times a second. */
	[PROTO_MSG_VOICE] = {"voice", D, TS, PROTO_VOICE_UP_HEADER + PROTO_VOICE_OPUS_MAX, NONE,
			     PROTO_BUCKET_VOICE, dec_voice_up},
	[PROTO_MSG_VOICE_FORWARD] = {"voice_forward", D, TC,
				     PROTO_VOICE_DOWN_HEADER + PROTO_VOICE_OPUS_MAX, NONE,
				     PROTO_BUCKET_NONE, dec_voice_down},
	[PROTO_MSG_SPEAKING] = {"speaking", L, TC, 3, NONE, PROTO_BUCKET_NONE, dec_speaking},
	/* Room ops travel inside BOARD_OPS. Their permission is checked where
	 * they are logged (sv_log.c), so that a refusal is logged too and the
	 * author stops sending the op; undo of others' strokes and clear need
	 * more than draw. */
	[PROTO_MSG_BOARD_OPS] = {"board_ops", D, TS, PROTO_MAX_PACKET, NONE, PROTO_BUCKET_BOARD_UP,
				 dec_board_ops},
	[PROTO_MSG_BOARD_OP] = {"board_op", P, TS, PROTO_BOARD_OP_MAX, PROTO_PERM_DRAW,
				PROTO_BUCKET_BOARD, dec_board_up},
	/* Announcements and answering questions need more than chat. */
	[PROTO_MSG_CHAT] = {"chat", P, TS, PROTO_BOARD_OP_MAX, PROTO_PERM_CHAT, PROTO_BUCKET_CHAT,
			    dec_chat_up},
	/* Start and stop need the lesson permission, next needs draw: the handler checks. */
	[PROTO_MSG_LESSON] = {"lesson", L, TS, 2 + PROTO_LESSON_NAME_MAX, NONE,
			      PROTO_BUCKET_MODERATION, dec_lesson_up},
	[PROTO_MSG_LESSON_TARGET] = {"lesson_target", L, TC, PROTO_LESSON_TARGET_MAX, NONE,
				     PROTO_BUCKET_NONE, dec_lesson_target},
	[PROTO_MSG_ITEM] = {"item", L, TS, 2, PROTO_PERM_GRAB, PROTO_BUCKET_ITEM, dec_item_up},
	/* A move after the release crossed it on the way is dropped quietly. */
	[PROTO_MSG_ITEM_MOVE] = {"item_move", D, TS, 11, PROTO_PERM_GRAB, PROTO_BUCKET_ITEM_MOVE,
				 dec_item_move},
	[PROTO_MSG_BOARD_SYNC] = {"board_sync", L, TS, 9, NONE, PROTO_BUCKET_SYNC, dec_board_sync},
	[PROTO_MSG_BOARD_LOG] = {"board_log", L, TC, PROTO_LOG_MESSAGE_MAX, NONE, PROTO_BUCKET_NONE,
				 dec_board_log},
	[PROTO_MSG_BOARD_LIVE] = {"board_live", D, TC, PROTO_MAX_PACKET, NONE, PROTO_BUCKET_NONE,
				  dec_board_log},
	[PROTO_MSG_MOD_EVENT] = {"mod_event", L, TC, 256, NONE, PROTO_BUCKET_NONE, dec_mod_event},
	[PROTO_MSG_HAND_QUEUE] = {"hand_queue", L, TC, 2 + (PROTO_HAND_QUEUE_MAX * 12 + 7) / 8,
				  NONE, PROTO_BUCKET_NONE, dec_hand_queue},
};

/* Rates a real client never reaches: a desktop client moves at 30 Hz (90
 * with a VR pose at most), a teacher moderates a few times a minute. */
static const struct proto_bucket_spec buckets[PROTO_BUCKET_COUNT] = {
	[PROTO_BUCKET_NONE] = {"none", 0, 0},
	[PROTO_BUCKET_HELLO] = {"hello", 1, 2},
	[PROTO_BUCKET_MOVE] = {"move", 150, 150},
	[PROTO_BUCKET_MODERATION] = {"moderation", 5, 20},
	[PROTO_BUCKET_HAND] = {"hand", 2, 6},
	[PROTO_BUCKET_VOICE] = {"voice", 110, 60}, /* 10 ms frames: 100 a second */
	/* A pen sends 20 ops a second; a client back from a dropped link sends
	 * what it drew meanwhile (the client paces it: cl_board.c). */
	[PROTO_BUCKET_BOARD] = {"board", 60, 400},
	/* A pen's datagram each op, and again while unconfirmed (backing off). */
	[PROTO_BUCKET_BOARD_UP] = {"board_up", 120, 400},
	/* People type a line every few seconds; a burst of short replies. */
	[PROTO_BUCKET_CHAT] = {"chat", 1, 8},
	[PROTO_BUCKET_SYNC] = {"sync", 30, 60}, /* a repair per lost live batch, at worst */
	/* Someone fumbling with a globe; a holder streams 20 places a second
	 * (a headset may send 30). */
	[PROTO_BUCKET_ITEM] = {"item", 4, 12},
	[PROTO_BUCKET_ITEM_MOVE] = {"item_move", 60, 90},
	/* What the answers to one client's syncs may cost the server, in bytes
	 * (a long tail or a snapshot: at most one per 2 s, sv_log.c). */
	[PROTO_BUCKET_SYNC_ANSWER] = {"sync_answer", 262144, 524288},
	[PROTO_BUCKET_RELIABLE_BYTES] = {"reliable_bytes", 8192, 16384},
	[PROTO_BUCKET_DATAGRAM_BYTES] = {"datagram_bytes", 24576, 32768}, /* moves, voice, ops */
};

const struct proto_msg_spec *proto_msg_spec(uint8_t type)
{
	if (type >= PROTO_MSG_TYPE_COUNT || !specs[type].name)
		return NULL;
	return &specs[type];
}

const struct proto_bucket_spec *proto_bucket_spec(enum proto_bucket bucket)
{
	return (unsigned)bucket < PROTO_BUCKET_COUNT ? &buckets[bucket] : &buckets[0];
}

bool proto_bucket_take(struct proto_bucket_state *s, enum proto_bucket bucket, uint32_t cost,
		       uint64_t now_us)
{
	const struct proto_bucket_spec *b = proto_bucket_spec(bucket);
	if (bucket == PROTO_BUCKET_NONE)
		return true;
	if (!s->started) {
		s->started = true;
		s->tokens = b->burst;
		s->last_us = now_us;
	}
	if (now_us > s->last_us) {
		uint64_t earned = (now_us - s->last_us) * b->per_s / 1000000u;
		if (earned) {
			uint64_t t = s->tokens + earned;
			s->tokens = (uint32_t)(t > b->burst ? b->burst : t);
			/* Keep the remainder: advance only by what was paid for. */
			s->last_us += earned * 1000000u / b->per_s;
			if (s->tokens == b->burst)
				s->last_us = now_us;
		}
	}
	if (s->tokens < cost)
		return false;
	s->tokens -= cost;
	return true;
}
