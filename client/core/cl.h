/**
 * @file cl.h
 * @brief Client core: one connection to a server, input, prediction and
 * reconciliation. No graphics, no audio: lyceum, lyceum-bot and the tests
 * all run this code.
 *
 * Every tick the caller samples input and calls cl_conn_input: the command
 * is applied at once through the shared step (prediction), kept in a ring
 * indexed by tick, and sent with the two before it. Every snapshot acks the
 * last input tick the server applied with the authoritative state at that
 * tick: the client rewinds to it and replays the commands still pending
 * (Quake III's cg_predict.c is the model).
 */
#pragma once

#include "core/core.h"
#include "net/host.h"
#include "proto/msg.h"
#include "proto/msg_board.h"
#include "proto/registry.h"
#include "sim/move.h"

#include <stdbool.h>
#include <stdint.h>

#define CL_CMD_HISTORY 64 /* power of two: 2 s of commands at 30 Hz */
#define CL_MAX_ROSTER 256
/* A joined client that has sent no move for this long sends an idle one:
 * the server takes silence (NET_SILENCE_MS) as a client gone. */
#define CL_KEEPALIVE_US 1000000u
#define CL_CONNECT_TIMEOUT_US (NET_CONNECT_TIMEOUT_MS * 1000u) /* no WELCOME by then: give up */
#define CL_SNAP_ERROR_MM 1000       /* corrections above this snap; below, they blend */
#define CL_SMOOTH_FRAMES 2          /* a blended correction is gone after this many frames */
#define CL_INTERP_BASE_US 100000    /* remote avatars are shown this far in the past, at least */
#define CL_REMOTE_SAMPLES 8         /* per remote avatar: power of two */
#define CL_MAX_REMOTES PROTO_MAX_SNAPSHOT_AVATARS
#define CL_SNAP_RING PROTO_BASELINE_WINDOW /* decoded snapshots kept as baselines */

enum cl_state {
	CL_STATE_IDLE,
	CL_STATE_SECURING,   /* the wire's key exchange (net/wire.h) under way */
	CL_STATE_CONNECTING, /* ENet handshake under way, sealed */
	CL_STATE_HELLO_SENT,
	CL_STATE_JOINED,
	CL_STATE_REFUSED,     /* refuse_message says why */
	CL_STATE_DISCONNECTED,
	CL_STATE_FAILED,      /* could not connect; error says why */
};

/* The strings must outlive the connection: it keeps the pointers. */
struct cl_conn_config {
	const char *server; /* host:port */
	const char *room;
	const char *name;
	enum proto_role role;
	const char *spawn_zone;    /* NULL or "": any */
	bool has_spawn_pos;        /* ask to appear here (worlds with free_spawn) */
	struct sim_point spawn_pos;
	uint32_t protocol_version; /* 0: PROTO_VERSION (tests pass another) */
	/* A join token (lyceum-token, the lobby) or the resume ticket of the
	 * last WELCOME (an automatic reconnect); NONE for an open server. With
	 * one, the server takes room (may be ""), name and role from it. */
	enum proto_token_kind token_kind;
	const uint8_t *token;
	uint16_t token_len;
	/* The server's key (32 bytes) when known: a join token names it, and
	 * the client keeps it for reconnecting with a ticket. NULL: taken from
	 * a join token, else any server is believed (an open server). */
	const uint8_t *server_key;
};

/** Resolves the world the server names in WELCOME; NULL if not available. */
typedef const struct sim_world *(*cl_world_fn)(void *user, const char *name);

struct cl_roster_entry {
	uint16_t id;
	uint8_t role;
	char name[PROTO_NAME_MAX];
	uint8_t same_name; /* 0, or its number among members who show this name */
	uint8_t status;    /* enum proto_status: muted, hand up, holds the floor */
	char user[PROTO_USER_MAX]; /* the user id, when our role may see it; else "" */
	bool speaking;  /* talking now (SPEAKING events) */
	bool broadcast; /* ... to the whole room */
	uint16_t author; /* its author number in the room's op log (strokes show it) */
};

/*
 * What happened in the room, for the app, the bots and later VR to show
 * (cl_conn_next_event): the client core reports changes instead of each
 * caller diffing its arrays every frame.
 */
enum cl_event_type {
	CL_EVENT_MODERATION, /* mod: an action done in the room (or refused to us) */
	CL_EVENT_HANDS,      /* the hand queue changed (cl_conn.hands) */
	CL_EVENT_SPEAKING,   /* speaking: someone started or stopped talking */
	CL_EVENT_BOARD,      /* board: a board changed (an op applied, or a snapshot) */
	CL_EVENT_BOARD_REFUSED, /* board: the server refused one of our ops (board.reason) */
	CL_EVENT_CHAT,       /* board: a chat line arrived (author, op_id; op_id 0: the
				history was reloaded) or a question was answered */
	CL_EVENT_LESSON,     /* board.author: a lesson started or stopped (0), a student's
				step changed or was scored (cl_board.lesson) */
	CL_EVENT_ITEM,       /* item: an item changed hands (picked up or put down) */
	CL_EVENT_ROSTER,     /* roster: someone joined, left, or their role or status
				changed (the members there when we joined are the
				roster, not events) */
};
enum cl_roster_change { CL_ROSTER_JOINED, CL_ROSTER_LEFT, CL_ROSTER_CHANGED };
struct cl_event {
	enum cl_event_type type;
	struct proto_mod_event mod;
	struct proto_speaking speaking;
	struct {
		uint8_t board;   /* BOARD: which one (SIM_BOARDS: all, after a snapshot) */
		uint16_t author;
		uint32_t op_id;  /* BOARD_REFUSED */
		uint8_t reason;  /* BOARD_REFUSED: proto_log_reason_name */
		bool snapshot;   /* BOARD, CHAT, LESSON: a snapshot's end, not news */
	} board;
	struct {
		uint16_t id;
		uint8_t change;  /* enum cl_roster_change */
		char name[PROTO_NAME_MAX];
	} roster;
	struct {
		uint8_t index;   /* the world's */
		uint16_t holder; /* now (0: put down) */
		uint16_t before; /* the holder before */
	} item;
};

/*
 * The room's boards as this client holds them (cl_board.c): the server's
 * op log applied in seq order, so every replica that holds the same seq
 * holds the same boards. The caller owns it and attaches it to a
 * connection; it outlives reconnects (its last seq and its ops not yet
 * confirmed go on with the next connection). Our own ops are applied when
 * the server's log says so (OWN), never before: the app draws the stroke
 * under way from its own pen.
 */
#define CL_BOARD_PENDING 256 /* our ops not yet confirmed; more are refused */
#define CL_BOARD_HELD 32     /* live batches held while a gap is repaired */
#define CL_BOARD_TOOK 64     /* strokes we took off last, for redo's order */
#define CL_BOARD_SYNC_RETRY_US 1000000u
/* Ops go up in state datagrams, whose bytes the server allows 24 KiB/s
 * (moves and voice included): a backlog (a reconnect, a big drawing) goes
 * out paced. */
#define CL_BOARD_UP_BYTES_PER_S 6144u
#define CL_BOARD_UP_BURST 12288u
/* An unconfirmed op goes again after a round trip and two batch periods,
 * at least MIN, doubling up to BACKOFF times, at most MAX. */
#define CL_BOARD_RESEND_MIN_US 30000u
#define CL_BOARD_RESEND_MAX_US 1000000u
#define CL_BOARD_RESEND_BACKOFF 5
typedef void (*cl_board_op_fn)(void *user, uint16_t author, uint32_t op_id,
			       const struct sim_board_op *op, bool own);
/* The room's chat as this client has seen it, oldest first: a late joiner
 * gets the room's recent history with the snapshot; when full, a new line
 * pushes out the oldest that is not an open question (proto_chat_evict). */
#define CL_CHAT_LINES PROTO_CHAT_HISTORY
/* The room's lesson as this client holds it: what the server logged. */
struct cl_lesson {
	struct proto_lesson info;  /* the LESSON op: active, board, name, title, steps, areas */
	struct proto_lesson mine;  /* our newest STEP (step, cell, prompt) */
	struct proto_lesson score; /* our newest SCORE */
	uint8_t step[SIM_BOARD_AUTHORS];    /* each student's step (the leaderboard) */
	uint16_t points[SIM_BOARD_AUTHORS]; /* each student's lesson points */
	bool enrolled[SIM_BOARD_AUTHORS];
	/* Each student's name as it joined the lesson (its STEP ops): the
	 * results name those who have left too. */
	char names[SIM_BOARD_AUTHORS][PROTO_CHAT_NAME_MAX];
	/* The server's LESSON_TARGET for us (cl_lesson_target reads it): it may
	 * come before the ops it goes with, so a new lesson keeps it (the last
	 * member: a new lesson clears the ones before it). */
	struct proto_lesson_target target;
};
struct cl_chat_line {
	uint32_t seq; /* 0: from a snapshot */
	uint16_t author;
	uint32_t op_id;
	bool own;
	struct proto_chat chat; /* own: no name (it is ours) */
};
struct cl_board {
	struct sim_boards boards;
	uint32_t epoch;       /* of the room's log we hold (0: none yet) */
	uint32_t applied_seq; /* we hold the log up to here */
	bool synced;          /* since the last connection's BOARD_SYNC was answered */
	bool in_snapshot;     /* a snapshot is arriving: live ops wait */
	bool sync_asked;
	uint64_t sync_asked_us;
	uint16_t author;      /* ours, from WELCOME */
	uint32_t last_op[SIM_BOARD_AUTHORS]; /* each author's newest op id, as logged */
	uint32_t next_op_id;
	uint32_t pending_head, pending_count;
	struct cl_board_pending {
		struct proto_board_up up;
		bool final; /* its id is given (once synced: it may have gone out); a
			     * later sync numbers it on from the log's last id of ours */
		bool wire;  /* sent on this connection */
		uint64_t sent_us; /* last sent (wire) */
	} pending[CL_BOARD_PENDING];
	/* The strokes we took off the board (our undos and erases), newest
	 * last: redo brings back the last we took first, as an editor's
	 * does. A ring of the last CL_BOARD_TOOK, of the log of took_epoch. */
	struct cl_board_took {
		uint16_t author;
		uint32_t op_id;
	} took[CL_BOARD_TOOK];
	uint32_t took_count; /* ever taken */
	uint32_t took_epoch;
	uint8_t resends; /* the oldest op has gone again this often unconfirmed */
	uint16_t prev_author; /* the author number before a reconnect gave another */
	/* Bytes of BOARD_OPS we may send now (CL_BOARD_UP_BYTES_PER_S). */
	uint32_t up_budget;
	uint64_t up_budget_us;
	int held_count;
	struct cl_board_held {
		uint32_t first_seq, len;
		uint8_t data[PROTO_MAX_PACKET];
	} held[CL_BOARD_HELD];
	struct cl_lesson lesson;
	struct cl_chat_line chat[CL_CHAT_LINES]; /* oldest first: cl_chat_line() */
	uint32_t chat_count;
	struct proto_bucket_state chat_bucket; /* the server's chat rate, kept here */
	bool unchecked; /* a modified client (tests): sends what its role may not */
	cl_board_op_fn on_op; /* optional: every board op applied (bots measure with it) */
	bool no_replica;      /* only sends: others' ops are not applied (a loader) */
	void *on_op_user;
	struct cl_board_stats {
		uint64_t ops, own, refused, live, tails, snapshots, gaps, dropped_held, desyncs;
		uint64_t resends; /* times our unconfirmed ops went again after a wait */
		uint64_t chat, hidden; /* chat lines; zone messages of other zones */
		uint64_t bytes; /* of board messages received */
	} stats;
};

/**
 * Where forwarded voice frames go (the audio side's jitter buffers): the
 * frame's Opus bytes are valid until the call returns. arrival_us is the
 * service time that read it (the caller's clock), kernel_rx_ns the
 * kernel's arrival time (CLOCK_REALTIME) when cl_conn_rx_timestamps is on.
 */
typedef void (*cl_voice_fn)(void *user, const struct proto_voice_down *frame, uint64_t arrival_us,
			    int64_t kernel_rx_ns);
#define CL_EVENTS 64 /* power of two; the oldest are dropped (and counted) */

/* One received state of a remote avatar, on the server's clock. */
struct cl_remote_sample {
	int64_t server_us;
	struct sim_avatar state;
	uint32_t send_time_us;
	bool has_pose; /* a headset's: head and hands */
	struct proto_pose pose;
};

struct cl_remote {
	uint16_t id; /* 0: free slot */
	uint32_t seen_seq;
	uint32_t count; /* samples written (ring index = count & mask) */
	struct cl_remote_sample samples[CL_REMOTE_SAMPLES];
};

/** A remote avatar as it should be drawn now. */
struct cl_view {
	uint16_t id;
	int32_t x_mm, y_mm;
	uint16_t yaw;
	uint8_t flags;
	uint16_t seat;
	/* The sender's clock time this view corresponds to (interpolated), so a
	 * test harness that knows the true trajectory can measure the error. */
	uint32_t send_time_us;
	bool extrapolated;
	/* A headset user's head and hands, as the sample nearest the moment
	 * shown has them (quantised; proto_pose_dequantize gives metres). */
	bool has_pose;
	struct proto_pose pose;
};

/**
 * Server clock estimate (Quake III's CL_AdjustTimeDelta is the model):
 * delta_us = server time - local time, as seen on snapshot arrival. Large
 * jumps reset it, medium ones halve the gap, small drift moves it 1 ms per
 * snapshot, so remote motion never visibly speeds up or slows down.
 */
/* Items: every snapshot's state of each, stamped with server time, drawn
 * interp_delay in the past like remote avatars (cl_item.c). */
#define CL_ITEM_SAMPLES 4 /* power of two */
struct cl_item_track {
	uint32_t count; /* samples written */
	struct cl_item_sample {
		int64_t server_us;
		struct proto_item state;
	} samples[CL_ITEM_SAMPLES];
};
struct cl_item_view {
	uint8_t index;
	int32_t x_mm, y_mm, z_mm;
	uint16_t yaw;
	uint16_t holder; /* client id, 0: nobody */
};

struct cl_clock {
	bool valid;
	int64_t delta_us;
	int64_t last_server_us, last_arrival_us;
	int64_t jitter_us;       /* smoothed inter-arrival deviation (RFC 3550) */
	int64_t interp_delay_us; /* adapts to jitter, never below CL_INTERP_BASE_US */
	uint32_t resets;
};

/*
 * The link as the state datagrams show it, for the connection figures a
 * user sees (ENet pings only every NET_PING_INTERVAL_MS, too seldom for a
 * live figure). Round trip: a snapshot acks the newest input tick the
 * server applied and says how long the server had held that move, so
 * arrival - the move's send - hold is one sample, smoothed as TCP does
 * (RFC 6298). Loss: snapshots missing among the last CL_LINK_WINDOW.
 */
#define CL_LINK_WINDOW 64
struct cl_link {
	uint32_t move_tick[CL_CMD_HISTORY];    /* newest tick of each move sent, by tick */
	uint32_t move_sent_us[CL_CMD_HISTORY]; /* when that move left (the caller's clock) */
	uint32_t rtt_samples;
	uint32_t srtt_us, rttvar_us;
	uint64_t seen;      /* bit k: snapshot newest_seq - k arrived */
	uint32_t first_seq; /* the first snapshot of this connection */
};

struct cl_stats {
	uint64_t snapshots;
	uint64_t full_snapshots; /* on join, on zone change, after losses */
	uint64_t decode_errors;
	uint64_t baseline_misses; /* a delta against a snapshot this client lacks */
	uint64_t stray;           /* state datagrams not from our server, or not opening under our key */
	uint64_t early_snapshots; /* snapshots that overtook the WELCOME (dropped) */
	uint64_t corrections;       /* replayed state differed from the prediction */
	int32_t largest_correction_mm;
	uint64_t snaps;             /* corrections above CL_SNAP_ERROR_MM (teleport, seat, kick) */
	uint64_t events_dropped;    /* events the caller did not take in time */
	uint64_t refused_actions;   /* our requests the server refused */
	uint64_t roster_full;       /* members past CL_MAX_ROSTER, left off the roster */
	int max_converge_frames;    /* frames a blended correction took to vanish */
	uint64_t voice_sent, voice_received;
	uint64_t board_ignored; /* board messages with no board attached (an app that shows none) */
};

struct cl_conn {
	enum cl_state state;
	struct net_host *host;       /* the session layer: every path to the server, sealed */
	net_peer peer;               /* the server, once connecting; 0 before and after */
	uint8_t server_key[32];      /* the key the server must show (has_server_key) */
	bool has_server_key;
	uint64_t connect_started_us;
	uint64_t service_now_us; /* the time cl_conn_service was given, for the intercept hook */
	uint64_t last_state_us;  /* newest snapshot (or the welcome): silence means lost */
	struct cl_conn_config cfg;
	cl_world_fn world_fn;
	void *world_user;
	const struct sim_world *world;
	char error[256];
	char refuse_message[200];
	uint8_t refuse_reason;

	struct proto_welcome welcome;
	uint32_t next_tick; /* tick of the next command */
	uint32_t moves_sent;
	uint64_t last_move_us; /* service time of the newest move sent (or the welcome) */
	struct sim_avatar predicted;
	struct sim_cmd history[CL_CMD_HISTORY]; /* indexed by tick & (CL_CMD_HISTORY-1) */

	struct proto_snapshot snap; /* newest snapshot, less this client (snap.self is it) */
	bool snap_fresh;            /* set when one arrives; the caller clears it */
	uint32_t newest_seq;        /* also the ack sent with every move */
	struct proto_world_bits bits;
	struct proto_snapshot ring[CL_SNAP_RING]; /* indexed by seq & (CL_SNAP_RING-1) */
	struct proto_snapshot decoding; /* the snapshot being decoded: no static scratch */
	bool has_pose;              /* a VR client sends its head and hands */
	struct proto_pose pose;

	/* Exclusive places as this client knows them (from its zone's snapshots). */
	uint16_t seat_holder[SIM_MAX_SEATS];
	uint16_t door_holder[SIM_MAX_DOORS];

	/* Visible error of the last correction, blended away over frames. */
	int32_t smooth_dx_mm, smooth_dy_mm;
	int smooth_frames_left;
	int smooth_frames_used;

	struct cl_clock clock;
	struct cl_link link;
	struct cl_remote remotes[CL_MAX_REMOTES];
	int item_count; /* the world's */
	struct cl_item_track items[SIM_MAX_ITEMS];
	uint8_t remote_slot[PROTO_MAX_CLIENT_ID + 1]; /* id -> slot + 1; 0 = none */

	int roster_count;
	struct cl_roster_entry roster[CL_MAX_ROSTER];
	bool roster_settled;  /* the roster we joined has come: changes are events */
	uint16_t roster_due;  /* its AVATAR_INFOs still to come (the welcome's count) */
	struct proto_hand_queue hands; /* raised hands, oldest first */
	bool kicked;                   /* staff removed us: error says who and why */
	bool room_mute_all;            /* everyone but staff and the floor is muted */
	cl_voice_fn voice_fn;
	void *voice_user;
	struct cl_board *board; /* NULL: board messages are dropped */
	uint32_t event_head, event_tail;
	struct cl_event events[CL_EVENTS];
	struct cl_stats stats;
};

/** Opens a socket and starts connecting. */
enum core_result cl_conn_start(struct cl_conn *c, const struct cl_conn_config *cfg,
			       cl_world_fn world_fn, void *world_user) CORE_MUST_CHECK;
/** Handles every pending network event; now_us drives the connect timeout. */
void cl_conn_service(struct cl_conn *c, uint64_t now_us);
/** Applies a command locally (prediction) and sends it with the two before. */
void cl_conn_input(struct cl_conn *c, int8_t move_x, int8_t move_y, uint16_t yaw,
		   uint8_t buttons, uint16_t seat, uint32_t send_time_us);
/** Applies a command locally without sending it: several ticks can then go
 * out in one packet with cl_conn_flush_input (at most PROTO_MOVE_CMDS). */
void cl_conn_queue_input(struct cl_conn *c, int8_t move_x, int8_t move_y, uint16_t yaw,
			 uint8_t buttons, uint16_t seat);
/** Sends the newest commands (and the ones before, up to PROTO_MOVE_CMDS). */
void cl_conn_flush_input(struct cl_conn *c, uint32_t send_time_us);
/** A VR client sets its head and hand poses before each cl_conn_input. */
void cl_conn_set_pose(struct cl_conn *c, const struct proto_pose *pose);
/** Sends a moderation request (type PROTO_MSG_MUTE .. PROTO_MSG_MOVE_USER;
 * see msg.h for target, flag and text). The server checks the role and
 * answers with a MOD_EVENT to the room, or a refused one to us. A text
 * longer than PROTO_MOD_TEXT_MAX - 1 bytes is not sent (CORE_ERR_INVALID). */
enum core_result cl_conn_moderate(struct cl_conn *c, uint8_t type, uint16_t target, bool flag,
				  const char *text) CORE_MUST_CHECK;
/** Is this member's voice held back by the server: muted by staff, or by
 * the room's mute-all (staff and the floor holder excepted)? */
bool cl_conn_member_muted(const struct cl_conn *c, const struct cl_roster_entry *e);
/** Voice frames from the server go to fn (NULL: dropped, counted). */
void cl_conn_set_voice_sink(struct cl_conn *c, cl_voice_fn fn, void *user);
/** Sends one Opus frame (msg.h, VOICE): the server forwards it to our zone,
 * or with broadcast (instructor or floor) to the room. */
enum core_result cl_conn_send_voice(struct cl_conn *c, const struct proto_voice_up *frame) CORE_MUST_CHECK;
/** Ask the kernel for each datagram's arrival time (measuring only). */
void cl_conn_rx_timestamps(struct cl_conn *c, bool on);
/** Does this member's voice duck the others (Mumble's priority speaker):
 * the instructor, whoever holds the floor, a broadcast? */
bool cl_conn_member_priority(const struct cl_roster_entry *e);
/** Is our own voice held back by the server (muted by staff, or mute-all)? */
bool cl_conn_self_muted(const struct cl_conn *c);
/* cl_board.c */
enum core_result cl_board_init(struct cl_board *b) CORE_MUST_CHECK;
void cl_board_fini(struct cl_board *b);
/** The connection feeds b (and sends its ops); one board per connection. */
void cl_conn_attach_board(struct cl_conn *c, struct cl_board *b);
/** Sends an op of ours (it is applied when the log confirms it); returns
 * its op id, 0 when CL_BOARD_PENDING ops wait already. An id given before
 * the board has synced may still move (past what the log says is ours),
 * and so may an undo's target among those. */
uint32_t cl_board_send(struct cl_conn *c, const struct sim_board_op *op);
/** Our ink not yet in the log: for each point of the strokes our pending
 * begins, appends and ends carry, in order, fn with the stroke's board,
 * colour and width (style) and whether the point starts a line. Drawn
 * over the boards, it shows what we drew before the server confirms it. */
typedef void (*cl_ink_fn)(void *user, const struct sim_stroke *style,
			  const struct sim_board_point *pt, bool first);
void cl_board_pending_ink(const struct cl_board *b, cl_ink_fn fn, void *user);
/** The op id of the stroke that undo (or redo) names now, counting our
 * ops still on their way (a begin not yet logged, an undo or erase
 * already sent); 0 when there is none. Undo names our newest stroke
 * without a tombstone. Redo names the stroke we took off last (by undo or
 * eraser) that is still off, then (past the last CL_BOARD_TOOK, or after
 * the log started again) our newest with a tombstone of ours; with theirs
 * (staff) also someone else's that we erased: *author (when not NULL) is
 * then its author, else 0 (ours). */
uint32_t cl_board_undo_target(const struct cl_board *b, bool redo, bool theirs,
			      uint16_t *author);
/** Undo (or redo) as the desktop's Z (R) does: the stroke
 * cl_board_undo_target names, staff's redo also bringing back what they
 * erased of others'. *op is the op (target_op 0: nothing to undo or redo).
 * Returns its op id, or 0 when there was nothing or it could not be
 * queued. */
uint32_t cl_board_undo(struct cl_conn *c, bool redo, struct sim_board_op *op);
/** Is an undo (or erase) of ours for stroke s still on its way? */
bool cl_board_undo_on_its_way(const struct cl_board *b, const struct sim_stroke *s);
/** Erases stroke s (an undo naming its author): ours, or anyone's for
 * staff. Returns the op id, or 0 with a sentence in why. */
uint32_t cl_board_erase(struct cl_conn *c, const struct sim_stroke *s, char *why, size_t why_size);
/** Removes every stroke of board (staff); the op id, or 0 with why. */
uint32_t cl_board_clear(struct cl_conn *c, uint8_t board, char *why, size_t why_size);
/** Sends a chat line (text: proto_text_check, at most PROTO_CHAT_TEXT_MAX
 * bytes); returns its op id, or 0 with a sentence in why (not allowed,
 * too fast for the server's rate, bad text, the queue full). */
uint32_t cl_chat_send(struct cl_conn *c, enum proto_chat_scope scope, const char *text, char *why,
		      size_t why_size);
/** Marks author's question op_id answered (staff); 0 with why if not sent. */
uint32_t cl_chat_answer(struct cl_conn *c, uint16_t author, uint32_t op_id, char *why,
			size_t why_size);
/** Takes author's chat line op_id out of the room's history (staff): it
 * leaves every client's chat and every later snapshot; 0 with why if not
 * sent. */
uint32_t cl_chat_remove(struct cl_conn *c, uint16_t author, uint32_t op_id, char *why,
			size_t why_size);
/** Asks the server to start lesson name on board (staff), stop it, or
 * (NEXT) to move us to our next step: granted when ours validates.
 * CORE_OK when sent; the answer comes in the log (or as a refusal). */
enum core_result cl_lesson_request(struct cl_conn *c, enum proto_lesson_action action,
				   uint8_t board, const char *name);
/** Our step's target in the running lesson (practice-area mm, as the
 * server scores it), or NULL: not enrolled, or not come yet. */
const struct proto_lesson_target *cl_lesson_target(const struct cl_board *b);
/** The hash of the chat and lesson we hold, as the server logs its own
 * (`room state hash … state=`: proto_state_hash). */
void cl_board_state_hash(const struct cl_board *b, uint8_t out[PROTO_BOARD_HASH_BYTES]);
/** Chat line i of those held, oldest first (i < b->chat_count). */
const struct cl_chat_line *cl_chat_line(const struct cl_board *b, uint32_t i);
/** Asks the server where the log stands: it sends its newest ops at once
 * and the tail after ours (so our ops are confirmed without waiting for
 * the next live batch). */
void cl_board_request_sync(struct cl_conn *c);
/** Has the board caught up with the room since it (re)joined? */
bool cl_board_synced(const struct cl_conn *c);
/* The connection's side (cl_conn.c calls these). */
void cl_board_on_welcome(struct cl_conn *c);
void cl_board_on_message(struct cl_conn *c, const uint8_t *data, uint32_t len);
/** The server's LESSON_TARGET: kept for cl_lesson_target, and an event. */
void cl_board_on_target(struct cl_conn *c, const struct proto_lesson_target *t);
void cl_board_service(struct cl_conn *c, uint64_t now_us);
/** Queues an event for the caller (the oldest goes when CL_EVENTS wait). */
void cl_push_event(struct cl_conn *c, const struct cl_event *ev);

/** The next event, oldest first; false when there is none. */
bool cl_conn_next_event(struct cl_conn *c, struct cl_event *out);
/** Ends the connection without a word to the server, as a lost network
 * would (tests of reconnection); the state becomes DISCONNECTED. */
void cl_conn_drop(struct cl_conn *c);
/** Leaves politely (waits up to wait_ms for the server to hear it) and frees. */
void cl_conn_close(struct cl_conn *c, uint32_t wait_ms);
const struct cl_roster_entry *cl_conn_roster_find(const struct cl_conn *c, uint16_t id);
/** Room for a roster label: a name and " (255)". */
#define CL_LABEL_MAX (PROTO_NAME_MAX + 8)
/** The name as labels and rosters show it: "Sam", or "Sam (2)" when
 * several members chose that name. Returns out. */
const char *cl_roster_label(const struct cl_roster_entry *e, char *out, size_t size);
const char *cl_state_name(enum cl_state s);

/* cl_predict.c */
/** The occupancy the client predicts against. */
struct sim_occupancy cl_conn_occupancy(const struct cl_conn *c);
/** Rewinds to the snapshot's acked state and replays pending commands. */
void cl_predict_reconcile(struct cl_conn *c);
/** The local avatar to draw this frame: the prediction plus what is left of
 * the last correction's blend. Call once per rendered frame. */
struct sim_avatar cl_conn_view_self(struct cl_conn *c);

/* cl_interp.c */
/** Records a snapshot's remote avatars and updates the clock. */
void cl_interp_on_snapshot(struct cl_conn *c, uint64_t arrival_us);
/** Server time now, as estimated. */
int64_t cl_clock_server_now_us(const struct cl_conn *c, uint64_t now_us);
/** Remote avatars to draw at local time now_us; returns how many. */
int cl_conn_view_remotes(const struct cl_conn *c, uint64_t now_us, struct cl_view *out, int max);
/* cl_item.c */
/** Records a snapshot's items; an item changing hands is an event. */
void cl_items_on_snapshot(struct cl_conn *c, int64_t server_us);
/** The room's items to draw at local time now_us; returns how many. */
int cl_conn_view_items(const struct cl_conn *c, uint64_t now_us, struct cl_item_view *out, int max);
/** The item we hold as the newest snapshot says, or -1. */
int cl_item_held(const struct cl_conn *c);
/** Asks to pick the item up, or to put it down (the server decides, and
 * the snapshots show it; a refusal comes as a MODERATION event). */
enum core_result cl_item_request(struct cl_conn *c, uint8_t item, enum proto_item_action action);
/** Where we carry the item we hold (a state datagram: send it 20 times a
 * second while holding; the server allows 60). */
enum core_result cl_item_carry(struct cl_conn *c, uint8_t item, int32_t x_mm, int32_t y_mm,
			       int32_t z_mm, uint16_t yaw);
/* cl_link.c */
/** Notes a move that left at sent_us with newest command tick. */
void cl_link_on_move(struct cl_conn *c, uint32_t tick, uint32_t sent_us);
/** Takes a decoded snapshot's seq, ack and hold; call before newest_seq moves. */
void cl_link_on_snapshot(struct cl_conn *c, const struct proto_snapshot *s, uint64_t arrival_us);
/** Round-trip time to the server, ms: from the snapshots once there are
 * any, before that ENet's estimate from the handshake. */
uint32_t cl_conn_rtt_ms(const struct cl_conn *c);
/** Snapshots lost on the way, percent of the last CL_LINK_WINDOW (ENet's
 * estimate before the first). */
float cl_conn_loss_pct(const struct cl_conn *c);
