/**
 * @file msg.h
 * @brief Message schemas and codecs. Every message starts with an 8-bit type.
 *
 * Transport (net/host.h): HELLO, WELCOME, REFUSE, AVATAR_INFO, AVATAR_GONE go
 * on ENet's control channel (reliable, ordered); MOVE and SNAPSHOT travel as
 * state datagrams (unreliable; the newest tick or seq wins). Every decoder takes untrusted bytes: it never reads outside
 * them and returns CORE_ERR_INVALID for anything malformed, truncated or
 * with bytes left over.
 */
#pragma once

#include "fields.h"
#include "snapshot.h"
#include "core/core.h"

#include <stdbool.h>
#include <stdint.h>

/** Bumped on every incompatible wire change. */
#define PROTO_VERSION 15 /* 9: the room op log (boards), author numbers; 10: chat, lessons; 11: items;
			  * 12: ops go up in BOARD_OPS datagrams; 13: WELCOME counts the roster;
			  * 14: LESSON_TARGET; 15: MOD_EVENT tells an item sent home */
#define PROTO_NAME_MAX 32
#define PROTO_TOKEN_MAX 512
#define PROTO_TICKET_MAX 256 /* a resume ticket, sealed by the server */
#define PROTO_USER_MAX 65    /* a user id from a join token, and its NUL */
#define PROTO_MOVE_CMDS 3 /* a move carries the newest command and the two before */
#define PROTO_MAX_CLIENT_ID 4095

enum proto_msg_type {
	PROTO_MSG_HELLO = 1,
	PROTO_MSG_WELCOME = 2,
	PROTO_MSG_REFUSE = 3,
	PROTO_MSG_MOVE = 4,
	PROTO_MSG_SNAPSHOT = 5,
	PROTO_MSG_AVATAR_INFO = 6,
	PROTO_MSG_AVATAR_GONE = 7,
	/* Moderation requests, client -> server, log channel (msg_mod.c). */
	PROTO_MSG_MUTE = 8,      /* target, flag: mute (1) or unmute (0) */
	PROTO_MSG_MUTE_ALL = 9,  /* flag: everyone but staff and the floor muted, or not */
	PROTO_MSG_KICK = 10,     /* target, flag: ban for the session, text: reason */
	PROTO_MSG_LOCK = 11,     /* flag: only staff may join, or anyone with a token */
	PROTO_MSG_HAND = 12,     /* flag: raise (1) or lower (0) one's own hand */
	PROTO_MSG_FLOOR = 13,    /* target, flag: give the floor (1) or take it back (0) */
	PROTO_MSG_MOVE_USER = 14, /* target, text: the zone to move them to */
	/* Server -> client, log channel. */
	PROTO_MSG_MOD_EVENT = 15, /* a moderation action done (or refused) */
	PROTO_MSG_HAND_QUEUE = 16, /* the raised hands, oldest first */
	/* Voice (msg_voice.c): frames are state datagrams both ways, speaking
	 * events go to the whole room on the log channel. */
	PROTO_MSG_VOICE = 17,         /* client -> server: a frame */
	PROTO_MSG_VOICE_FORWARD = 18, /* server -> client: a frame, with its speaker */
	PROTO_MSG_SPEAKING = 19,
	/* The room op log (msg_board.h). */
	PROTO_MSG_BOARD_OP = 20,   /* client -> server, inside BOARD_OPS: one op */
	PROTO_MSG_BOARD_SYNC = 21, /* client -> server, log: the seq it holds to */
	PROTO_MSG_BOARD_LOG = 22,  /* server -> client, log: a tail or a snapshot */
	PROTO_MSG_BOARD_LIVE = 23, /* server -> client, datagram: the newest ops */
	PROTO_MSG_CHAT = 24,       /* client -> server, inside BOARD_OPS: a chat op (the same log) */
	PROTO_MSG_LESSON = 25,     /* client -> server, log: start, stop, next step */
	/* Items (msg_item.c); their state travels in snapshots. */
	PROTO_MSG_ITEM = 26,      /* client -> server, log: grab or release */
	PROTO_MSG_ITEM_MOVE = 27, /* client -> server, datagram: where the holder carries it */
	PROTO_MSG_BOARD_OPS = 28, /* client -> server, datagram: its ops not yet confirmed, in order */
	PROTO_MSG_LESSON_TARGET = 29, /* server -> client, log: its step's target */
	PROTO_MSG_TYPE_COUNT
};

enum proto_role {
	PROTO_ROLE_STUDENT,
	PROTO_ROLE_TA,
	PROTO_ROLE_INSTRUCTOR,
	PROTO_ROLE_OBSERVER,
	PROTO_ROLE_COUNT,
};

enum proto_refuse_reason {
	PROTO_REFUSE_VERSION = 1, /* protocol versions differ */
	PROTO_REFUSE_FULL,        /* --max-clients reached */
	PROTO_REFUSE_BAD_HELLO,   /* the hello could not be decoded */
	PROTO_REFUSE_WORLD,       /* the room's world cannot be loaded */
	PROTO_REFUSE_SHUTDOWN,    /* the server is stopping */
	PROTO_REFUSE_TOKEN_MISSING,   /* this server admits only holders of a join token */
	PROTO_REFUSE_TOKEN_MALFORMED, /* the token is not a Lyceum join token */
	PROTO_REFUSE_TOKEN_SIGNATURE, /* not signed by this server's token key */
	PROTO_REFUSE_TOKEN_EXPIRED,   /* expired, or not valid yet */
	PROTO_REFUSE_TOKEN_ROOM,      /* the token names another room */
	PROTO_REFUSE_TOKEN_REPLAYED,  /* the token (or resume ticket) was used already */
	PROTO_REFUSE_ROOM_UNKNOWN,    /* no such room on this server */
	PROTO_REFUSE_ROOM_LOCKED,     /* staff locked the room */
	PROTO_REFUSE_BANNED,          /* removed from this room for the session */
	PROTO_REFUSE_BAD_NAME,        /* the display name cannot be shown */
	PROTO_REFUSE_ROLE,            /* a staff role without a token that grants it */
	PROTO_REFUSE_TIMEOUT,         /* no hello in time */
};

/* What HELLO's token field holds. */
enum proto_token_kind {
	PROTO_TOKEN_NONE = 0,   /* an open development server */
	PROTO_TOKEN_JOIN = 1,   /* a signed join token (lyceum-token, the lobby) */
	PROTO_TOKEN_RESUME = 2, /* the resume ticket of a WELCOME: an automatic reconnect */
};

const char *proto_role_name(enum proto_role role);
/** "a" or "an", whichever goes before the role's name in a sentence. */
const char *proto_role_article(enum proto_role role);
/** "version", "token-expired", ...: a refusal's reason in a log line. */
const char *proto_refuse_reason_name(enum proto_refuse_reason reason);
bool proto_role_parse(const char *s, enum proto_role *out_role);

/*
 * HELLO  client -> server, control
 *   u8 type | u16 version | u8 role | str room | str name | str spawn_zone
 *   | u1 has_spawn_pos [i24 x_mm | i24 y_mm]
 *   | u2 token_kind | u16 token_len | token bytes
 * A spawn position is honoured only in worlds whose map allows it (free_spawn).
 * With a token, the room (empty: the token's), role and name come from it,
 * never from these fields; role and name are used only by an open
 * development server (no --token-key), which admits students only.
 */
struct proto_hello {
	uint16_t version;
	uint8_t role;
	char room[PROTO_NAME_MAX];
	char name[PROTO_NAME_MAX];
	char spawn_zone[PROTO_NAME_MAX]; /* empty: any spawn */
	bool has_spawn_pos;
	struct sim_point spawn_pos;
	uint8_t token_kind; /* enum proto_token_kind */
	uint16_t token_len;
	uint8_t token[PROTO_TOKEN_MAX];
};

/*
 * WELCOME  server -> client, control
 *   u8 type | u16 version | u16 client_id | u8 tick_hz
 *   | u8 snapshot_hz | u32 server_tick | str room | str world
 *   | avatar fields (spawn state) | u8 role | str name | u8 same_name
 *   | u2 room_flags (1: locked, 2: everyone but staff and the floor muted)
 *   | u12 author (this client's author number in the room's op log)
 *   | u16 roster (the AVATAR_INFOs that follow on control: the members
 *     as this client joins them, itself included)
 *   | u16 ticket_len | ticket bytes
 * role
 * and name: what the server admitted this client as (from its join token).
 * same_name: see AVATAR_INFO. ticket: a resume ticket, sealed by the server,
 * that lets this client back in once after a dropped connection, within
 * a short time, without a new join token (empty: none).
 */
struct proto_welcome {
	uint16_t version;
	uint16_t client_id;
	uint8_t tick_hz;
	uint8_t snapshot_hz;
	uint32_t server_tick;
	char room[PROTO_NAME_MAX];
	char world[PROTO_NAME_MAX];
	struct sim_avatar state;
	uint8_t role;
	char name[PROTO_NAME_MAX];
	uint8_t same_name;
	uint8_t room_flags; /* PROTO_ROOM_LOCKED, PROTO_ROOM_MUTE_ALL */
	/* Its author number: the room's name for this user in the op log,
	 * the same after a reconnect with its ticket. */
	uint16_t author;
	/* The AVATAR_INFOs that follow on control: the room's members as the
	 * newcomer joins them, itself included. Once they have come, a
	 * member's info or departure is news. */
	uint16_t roster;
	uint16_t ticket_len;
	uint8_t ticket[PROTO_TICKET_MAX];
};
#define PROTO_ROOM_LOCKED 1u
#define PROTO_ROOM_MUTE_ALL 2u

/*
 * REFUSE  server -> client, control, then the server disconnects the peer
 *   u8 type | u8 reason | u16 server_version | u16 client_version | str message
 */
struct proto_refuse {
	uint8_t reason;
	uint16_t server_version;
	uint16_t client_version;
	char message[200];
};

/*
 * MOVE  client -> server, state datagram
 *   u8 type | u2 count (1..3)
 *   | u1 long_tick (u16 | u8 newest_tick)
 *   | u1 full_time (u23 | u16 send_time_ms)
 *   | u1 has_ack [u8 ack_seq] | cmd (newest) | (count - 1) x older
 *   | u1 has_pose [pose]
 *   cmd: i8 move_x | i8 move_y | u1 faces_move [else u16 yaw] | u4 buttons
 *        | [u16 seat if SIT]
 *   older: u1 same as the newer one | else u1 near: i3 dx i3 dy
 *   u1 faces_move (else the newer one's yaw), same buttons | else cmd.
 *   Command i is for tick newest_tick - i. The newest tick travels as its
 *   low 8 bits when the client's newest acked tick is close (the server
 *   widens it around the last tick it applied), else 16. send_time_ms is
 *   the send time on the 1 ms grid presence uses (CLOCK_MONOTONIC µs mod
 *   2^32, divided by 1000): all 23 bits in a client's first moves, every
 *   PROTO_MOVE_FULL_TIME_EVERY-th and near its wrap, otherwise the low 16,
 *   widened around the last time the server decoded from this client. The
 *   server passes it on so receivers can measure presence latency. ack_seq
 *   (low 8 bits, widened around the last snapshot sent) is the newest
 *   snapshot the client holds, the baseline for the next delta. faces_move:
 *   the yaw is sim_yaw_of(move_x, move_y), as a walker's is. A VR client
 *   adds its head and hand poses.
 */
#define PROTO_MOVE_FULL_TIME_EVERY 32
#define PROTO_MOVE_SHORT_TICK_SPAN 100 /* ticks past the acked one a short tick may be */

struct proto_move {
	uint8_t count;
	uint32_t send_time_us; /* decoded: on the 1 ms grid; 0 when not known */
	uint32_t ack_seq;
	bool has_pose;
	struct proto_pose pose;
	struct sim_cmd cmds[PROTO_MOVE_CMDS];
	/* for the encoder */
	uint32_t acked_tick; /* the newest tick the server has acked (0: none yet) */
	bool full_time;      /* send all of the send time */
	/* from the decoder, for proto_move_widen */
	uint8_t tick_bits, time_bits;
};

/*
 * AVATAR_INFO  server -> client, control: someone is in the room (sent
 * again when their state changes)
 *   u8 type | u12 id | u8 role | str name | u8 same_name | u3 status | u12 author
 *   | str user (the member's user id: only to those who may see the full
 *   roster, else empty)
 *   same_name: 0 when nobody else in the room shows this name, else this
 *   member's number among those who do (1, 2, ...), shown beside the name
 *   so two people who chose one name are told apart.
 * AVATAR_GONE  server -> client, control: someone left
 *   u8 type | u12 id
 */
enum proto_status {
	PROTO_STATUS_MUTED = 1 << 0, /* by staff (mute-all is the room's: WELCOME, MOD_EVENT) */
	PROTO_STATUS_HAND = 1 << 1,  /* hand raised */
	PROTO_STATUS_FLOOR = 1 << 2, /* holds the floor: heard over mute-all */
};

struct proto_avatar_info {
	uint16_t id;
	uint8_t role;
	char name[PROTO_NAME_MAX];
	uint8_t same_name;
	uint8_t status; /* enum proto_status bits */
	uint16_t author; /* its author number in the room's op log */
	char user[PROTO_USER_MAX];
};

/*
 * Moderation requests  client -> server, log channel
 *   u8 type (MUTE..MOVE_USER) | u12 target | u1 flag | str text
 * One layout for all seven; each type has its own permission and meaning
 * of target, flag and text (see enum proto_msg_type). The server checks the
 * permission, acts, and tells the room with MOD_EVENT; a request it refuses
 * is answered with a MOD_EVENT to the requester alone (refused = 1).
 */
#define PROTO_MOD_TEXT_MAX 96
struct proto_mod_request {
	uint8_t type;
	uint16_t target;
	bool flag;
	char text[PROTO_MOD_TEXT_MAX]; /* kick reason, zone name */
};

/*
 * MOD_EVENT  server -> client, log channel
 *   u8 type | u8 action (the request's type) | u1 refused | u1 flag
 *   | u12 actor | u12 target | u32 unix_time | str actor_name | str text
 * Who did what to whom and when; text is the kick reason, the zone, or
 * why a request was refused.
 */
struct proto_mod_event {
	uint8_t action;
	bool refused;
	bool flag;
	uint16_t actor, target;
	uint32_t unix_time;
	char actor_name[PROTO_NAME_MAX];
	char text[PROTO_MOD_TEXT_MAX];
};

/*
 * HAND_QUEUE  server -> client, log channel
 *   u8 type | u8 count | count x u12 id   (oldest raised first)
 */
#define PROTO_HAND_QUEUE_MAX 64
struct proto_hand_queue {
	uint8_t count;
	uint16_t ids[PROTO_HAND_QUEUE_MAX];
};

/*
 * VOICE  client -> server, state datagram: one Opus frame
 *   u8 type | u11 seq | u1 last | u1 broadcast | u3 zero | u8 loudness
 *   | Opus packet (the rest of the datagram, 1..PROTO_VOICE_OPUS_MAX bytes)
 * VOICE_FORWARD  server -> client, state datagram: the same frame
 *   u1 one | u12 speaker | u11 seq | Opus packet
 * A forwarded frame is the datagram a listener gets most (fifty a second
 * from each speaker), so its header is three bytes: a first byte with the
 * high bit set is VOICE_FORWARD, whose type needs no byte of its own
 * (every other type is below 128). seq counts the speaker's frames, sent
 * or not (mod 2048, 41 s of 20 ms frames), across talk spurts; receivers
 * widen it around the last one they saw. last: the final frame of a talk
 * spurt. broadcast: meant for the whole room (an instructor, or whoever
 * holds the floor; from anyone else it goes to the zone). loudness: the
 * frame's speech level after the microphone's processing, 255 - 3 x dBFS
 * below full scale, by which the server picks each listener's loudest
 * speakers. The server forwards the Opus bytes unchanged.
 */
#define PROTO_VOICE_OPUS_MAX 320 /* 128 kbit/s at 20 ms */
#define PROTO_VOICE_UP_HEADER 4
#define PROTO_VOICE_DOWN_HEADER 3
#define PROTO_VOICE_SEQ_BITS 11
#define PROTO_VOICE_FORWARD_BIT 0x80 /* the first byte of a VOICE_FORWARD */
struct proto_voice_up {
	uint16_t seq;
	bool last;
	bool broadcast;
	uint8_t loudness;
	uint16_t len;
	const uint8_t *opus; /* decoded: points into the message */
};
struct proto_voice_down {
	uint16_t speaker;
	uint16_t seq;
	uint16_t len;
	const uint8_t *opus; /* decoded: points into the message */
};

/*
 * SPEAKING  server -> client, log channel: who started or stopped talking
 *   u8 type | u12 id | u1 speaking | u1 broadcast
 * Sent to every member of the room (labels and the roster show it), also
 * for a speaker whose frames reach only their zone.
 */
struct proto_speaking {
	uint16_t id;
	bool speaking;
	bool broadcast;
};

/** The type: the first byte (VOICE_FORWARD for any with the high bit
 * set), or 0 for an empty packet. */
uint8_t proto_msg_type(const uint8_t *data, uint32_t len);

/* Encoders return the byte count, or 0 when buf is too small. */
uint32_t proto_encode_hello(const struct proto_hello *m, uint8_t *buf, uint32_t cap);
uint32_t proto_encode_welcome(const struct proto_welcome *m, uint8_t *buf, uint32_t cap);
uint32_t proto_encode_refuse(const struct proto_refuse *m, uint8_t *buf, uint32_t cap);
uint32_t proto_encode_move(const struct proto_move *m, uint32_t newest_tick, uint8_t *buf,
			   uint32_t cap);
uint32_t proto_encode_avatar_info(const struct proto_avatar_info *m, uint8_t *buf, uint32_t cap);
uint32_t proto_encode_avatar_gone(uint16_t id, uint8_t *buf, uint32_t cap);

enum core_result proto_decode_hello(const uint8_t *data, uint32_t len,
				    struct proto_hello *out) CORE_MUST_CHECK;
enum core_result proto_decode_welcome(const uint8_t *data, uint32_t len,
				      struct proto_welcome *out) CORE_MUST_CHECK;
enum core_result proto_decode_refuse(const uint8_t *data, uint32_t len,
				     struct proto_refuse *out) CORE_MUST_CHECK;
enum core_result proto_decode_move(const uint8_t *data, uint32_t len,
				   struct proto_move *out) CORE_MUST_CHECK;
/** Widens a decoded move's short tick, ack and send time around the last
 * tick the server applied for this client, the last snapshot it sent it and
 * the last send time it decoded from it (ms; has_time false: none yet, and
 * a short time then decodes as 0, unknown). */
void proto_move_widen(struct proto_move *m, uint32_t last_tick, uint32_t last_seq,
		      uint32_t last_time_ms, bool has_time);
enum core_result proto_decode_avatar_info(const uint8_t *data, uint32_t len,
					  struct proto_avatar_info *out) CORE_MUST_CHECK;
enum core_result proto_decode_avatar_gone(const uint8_t *data, uint32_t len,
					  uint16_t *out_id) CORE_MUST_CHECK;

/* msg_mod.c: moderation */
uint32_t proto_encode_mod_request(const struct proto_mod_request *m, uint8_t *buf, uint32_t cap);
enum core_result proto_decode_mod_request(const uint8_t *data, uint32_t len,
					  struct proto_mod_request *out) CORE_MUST_CHECK;
uint32_t proto_encode_mod_event(const struct proto_mod_event *m, uint8_t *buf, uint32_t cap);
enum core_result proto_decode_mod_event(const uint8_t *data, uint32_t len,
					struct proto_mod_event *out) CORE_MUST_CHECK;
uint32_t proto_encode_hand_queue(const struct proto_hand_queue *m, uint8_t *buf, uint32_t cap);
enum core_result proto_decode_hand_queue(const uint8_t *data, uint32_t len,
					 struct proto_hand_queue *out) CORE_MUST_CHECK;
/* msg_voice.c: voice frames and speaking events */
uint32_t proto_encode_voice_up(const struct proto_voice_up *m, uint8_t *buf, uint32_t cap);
enum core_result proto_decode_voice_up(const uint8_t *data, uint32_t len,
				       struct proto_voice_up *out) CORE_MUST_CHECK;
uint32_t proto_encode_voice_down(const struct proto_voice_down *m, uint8_t *buf, uint32_t cap);
enum core_result proto_decode_voice_down(const uint8_t *data, uint32_t len,
					 struct proto_voice_down *out) CORE_MUST_CHECK;
/** Writes the header of a forwarded frame (PROTO_VOICE_DOWN_HEADER bytes). */
void proto_voice_down_header(uint16_t speaker, uint16_t seq, uint8_t out[PROTO_VOICE_DOWN_HEADER]);
uint32_t proto_encode_speaking(const struct proto_speaking *m, uint8_t *buf, uint32_t cap);
enum core_result proto_decode_speaking(const uint8_t *data, uint32_t len,
				       struct proto_speaking *out) CORE_MUST_CHECK;
/** "mute", "kick", ...: a moderation message type in logs and notices. */
const char *proto_mod_action_name(uint8_t type);

/*
 * ITEM  client -> server, log
 *   u8 type | u1 release | u5 item
 * Grab asks for the item (the server grants it to one client at a time, to
 * an avatar within SIM_ITEM_REACH_MM); release puts it down where it is
 * carried (the server settles it). Refusals come back as MOD_EVENT.
 *
 * ITEM_MOVE  client -> server, state datagram, while holding one
 *   u8 type | u5 item | x_cm 16 | y_cm 16 | z_cm 9 | yaw 16
 * Where the holder carries it; the server keeps it within reach.
 */
enum proto_item_action {
	PROTO_ITEM_GRAB = 0,
	PROTO_ITEM_RELEASE = 1,
	PROTO_ITEM_RETURN = 2, /* staff: back on its spawn, from whoever holds it */
};
struct proto_item_up {
	uint8_t action; /* enum proto_item_action */
	uint8_t item;   /* the world's index */
};
struct proto_item_move {
	uint8_t item;
	struct proto_item at; /* holder is not sent */
};
/* msg_item.c */
uint32_t proto_encode_item_up(const struct proto_item_up *m, uint8_t *buf, uint32_t cap);
enum core_result proto_decode_item_up(const uint8_t *data, uint32_t len,
				      struct proto_item_up *out) CORE_MUST_CHECK;
uint32_t proto_encode_item_move(const struct proto_item_move *m, uint8_t *buf, uint32_t cap);
enum core_result proto_decode_item_move(const uint8_t *data, uint32_t len,
					struct proto_item_move *out) CORE_MUST_CHECK;
