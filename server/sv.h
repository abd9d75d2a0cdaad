/**
 * @file sv.h
 * @brief lyceum-server internals: one process, many rooms, one network host.
 *
 * A room is created on the first join and closed when its last client
 * leaves; each runs the world --rooms names for it (else --world), loaded
 * once at start-up and shared by every room that runs it. Clients send
 * move commands that go through the shared step (sim_step); presence
 * snapshots go out at the snapshot rate, scoped by zone. Both travel as
 * state datagrams of the session layer (net/host.h). Tables are sized
 * at start-up from --max-clients; nothing in the tick allocates.
 */
#pragma once

#include "core/core.h"
#include "net/host.h"
#include "net/ticket.h"
#include "net/token.h"
#include "proto/msg.h"
#include "proto/registry.h"
#include "proto/text.h"
#include "sim/move.h"
#include "sv_log.h"
#include "sv_room.h"

#include <stdbool.h>
#include <stdint.h>

#define SV_MAX_ROOMS 256
/* Rooms send their snapshots in this many slots spread over the period. */
#define SV_SNAPSHOT_SLOTS 32
#define SV_MAX_CLIENTS 4000 /* client ids fit 12 bits */
#define SV_SPARE_PEERS 4    /* peers past the limit, used only to say "full" */
#define SV_MAX_VIOLATIONS 32 /* malformed messages before a peer is disconnected */
/* A client earns one command per server tick and may bank this many, enough
 * to ride out jitter and the redundant copies after a lost packet; more
 * commands than real time allows are dropped, and the snapshot's ack makes
 * the client replay from where the server really is. */
#define SV_CMD_BUDGET_MAX 8
/* Zone lists a room's snapshot tick keeps encoded: zones x baselines in use
 * (the members of a zone ack one of the last two or three frames). */
#define SV_LISTS_CACHED 16
/* A connection that has not sent a valid HELLO by then is dropped. As long
 * as a client gives ENet to connect: through a lossy link the VERIFY_CONNECT
 * and then the HELLO may each need retries, and ENet's back off (0.5, 1,
 * 2 s... for the server's VERIFY_CONNECT, from 0.25 s for the client's
 * HELLO); at 15% loss each way 5 s turned away about one connect in 20. */
#define SV_HELLO_TIMEOUT_US (NET_CONNECT_TIMEOUT_MS * 1000ull)
/* A dropped client may come back with its resume ticket this long after
 * its connection ended. */
#define SV_RESUME_US 120000000u
/* A move whose newest tick is further ahead of the last one applied is
 * refused: obeyed, it would freeze the avatar until real time caught up. */
#define SV_MAX_TICK_LEAD 900
/* Refusals logged per second; the rest are counted (stats: refuse_unlogged=). */
#define SV_REFUSE_LOG_BURST 20
/* Messages over a rate limit within SV_THROTTLE_WINDOW_US before a peer is
 * disconnected for flooding. A window, not a count for the whole session:
 * an honest client paces itself by the same buckets, and the odd op that
 * arrives a hair early (network jitter) is dropped and sent again, which
 * over an hour's lesson would otherwise add up to an expulsion. */
#define SV_MAX_THROTTLED 64
#define SV_THROTTLE_WINDOW_US 10000000u

 /* Voice (sv_voice.c). A listener hears at most --voice-streams speakers at
 * once, the loudest; a speaker keeps its place until silent this long, and
 * a louder one takes the place of the quietest only by this margin (in
 * loudness units, 3 per dB), once that one has held it SV_VOICE_MIN_HOLD_US
 * and at most once per SV_VOICE_MIN_HOLD_US per listener (the one that lost
 * its place cannot take another's at once: no flapping). */
#define SV_VOICE_MAX_STREAMS 8
#define SV_VOICE_HOLD_US 500000u
#define SV_VOICE_MIN_HOLD_US 500000u
#define SV_VOICE_MARGIN 18
/* A speaker with no frame for this long has stopped (its last frame says
 * so sooner); longer than Opus DTX's 400 ms between comfort-noise frames,
 * so a pause while push-to-talk is held does not end the talk. */
#define SV_VOICE_SILENT_US 600000u
/* A speaker's SPEAKING event goes to the whole room at most once per this
 * long each way: a client cannot make its frames into a flood of reliable
 * messages by flagging each one the last. */
#define SV_VOICE_EVENT_GAP_US 250000u
/* While voice flows the loop waits for no batch: a frame is forwarded as
 * soon as it arrives. */
#define SV_VOICE_LIVE_US 200000u

#define SV_MAX_ROOM_ENTRIES 64                  /* rooms --rooms may list */
#define SV_MAX_WORLDS (SV_MAX_ROOM_ENTRIES + 1) /* each room's own, and --world */

struct sv_config {
	char bind[128];
	uint16_t port;
	char worlds_dir[512];
	char lessons_dir[512];
	char world[64];
	int tick_hz;
	int snapshot_hz;
	int max_clients;
	int state_socket; /* 1: moves on a second, steered socket where the system allows */
	char token_key[512]; /* public key file; empty: an open development server */
	char server_key[512]; /* the server's X25519 secret key file (tokens name its public half) */
	struct sv_room_config {  /* --rooms: none listed, any room a token names */
		char room[PROTO_NAME_MAX];
		char world[SIM_NAME_MAX]; /* "": --world */
	} rooms[SV_MAX_ROOM_ENTRIES];
	int room_count;
	int max_per_address; /* connections from one IP address (a school behind one NAT) */
	int max_pending_per_address; /* of those, not yet past HELLO */
	int voice_streams; /* speakers a listener hears at once */
};

/* Who a client is, as its join token (or resume ticket) says. */
struct sv_identity {
	char user[NET_TOKEN_USER_MAX];
	char name[PROTO_NAME_MAX];
	char room[PROTO_NAME_MAX];
	uint8_t role;
	enum proto_token_kind kind;
	uint8_t token_id[NET_TOKEN_ID_BYTES]; /* the join token's or the ticket's */
	int64_t token_expires;                /* unix s, join tokens only */
};

enum sv_client_state {
	SV_CLIENT_FREE,
	SV_CLIENT_CONNECTING, /* connected, no HELLO yet */
	SV_CLIENT_JOINED,
};

struct sv_room;

/* A world as the server holds it: loaded once, shared by its rooms. */
struct sv_world {
	char name[SIM_NAME_MAX];
	struct sim_world *sim; /* NULL: it did not load (error says why) */
	struct proto_world_bits bits;
	char error[300];
};


/* One room of --rooms, with the world it runs. */
struct sv_room_entry {
	char room[PROTO_NAME_MAX];
	const struct sv_world *world;
};

struct sv_client {
	enum sv_client_state state;
	uint16_t id; /* 1..max_clients, stable while connected: its peer's number */
	net_peer peer; /* == id while the connection lives, 0 once it is let go */
	struct net_addr addr; /* the peer's, for the log and per-address limits */
	uint64_t last_state_us; /* its newest state datagram (or its join) */
	struct sv_room *room;
	char name[PROTO_NAME_MAX];
	char user[NET_TOKEN_USER_MAX]; /* stable identity from the token ("" when open) */
	uint8_t same_name;             /* 0, or its number among members showing this name */
	uint8_t ticket_id[NET_TICKET_ID_BYTES]; /* of the resume ticket it was handed */
	bool has_ticket;
	uint8_t role;
	struct sim_avatar avatar;
	bool has_cmd;
	uint32_t last_cmd_tick;  /* last input tick applied */
	uint64_t ack_rx_us;      /* drain that brought it as a move's newest (0: not so) */
	uint32_t send_time_us;   /* carried from the newest applied command */
	uint32_t move_time_ms;   /* send time of the newest move decoded: widens short ones */
	bool has_move_time;
	uint32_t newest_move_tick; /* a move older than this arrived late: dropped */
	bool has_move;
	uint32_t snapshot_seq;
	uint64_t snapshot_us;    /* when the newest one went */
	uint32_t acked_seq;      /* newest snapshot the client says it holds */
	bool has_pose;           /* a VR client: head and hands */
	struct proto_pose pose;
	struct sv_sent {         /* what snapshot seq showed: frame and zone */
		uint32_t seq;
		uint32_t frame;
		uint8_t zone;
		bool view;       /* its own view (sv->views), not the frame's zone */
	} sent[SV_FRAMES];
	uint32_t changed_frame;  /* the room frame its recorded state last changed in */
	uint16_t frame_slot;     /* its index among the entries of its room's newest frame */
	bool recorded;           /* in a frame of its room since it joined */
	bool has_views;          /* sv->views[id] is this client's (not a former holder's of the id) */
	uint64_t connected_us; /* when it connected: HELLO is due by SV_HELLO_TIMEOUT_US */
	uint32_t violations; /* malformed or unexpected messages */
	uint32_t throttled;  /* messages over a rate bucket in this window */
	uint64_t throttled_since_us; /* the window's start */
	bool throttle_warned;        /* the one warning of this join is logged */
	uint32_t refused_actions; /* requests its role does not allow */
	struct proto_bucket_state buckets[PROTO_BUCKET_COUNT];
	bool muted;          /* by staff; held by the server, not the client */
	uint64_t hand_raised_us; /* 0: hand down */
	int32_t cmd_budget;  /* commands it may still apply: real time, not its say-so */
	uint32_t budget_tick; /* server tick the budget was last brought up to */
	uint64_t cmds_dropped; /* over budget: a speed hack or a clock running fast */
	struct sv_talker {       /* as a speaker */
		uint64_t last_us;    /* its newest frame */
		uint64_t changed_us; /* its last SPEAKING event */
		uint8_t level;       /* loudness, smoothed over frames */
		bool speaking;
		bool broadcast;      /* to the whole room */
		bool ending;         /* its newest frame was a talk spurt's last */
		bool announce;       /* the room is to hear its SPEAKING at the next tick */
		bool refused_logged;
	} talk;
	struct sv_stream {       /* as a listener: the speakers it hears now */
		uint16_t id;         /* 0: free */
		uint8_t level;
		bool priority;       /* the floor or a broadcast: never pushed out */
		uint64_t since_us, last_us;
	} streams[SV_VOICE_MAX_STREAMS];
	uint64_t stream_swap_us; /* a louder speaker last took a place from another */
	uint16_t author; /* its author number in the room's op log; 0: cannot draw */
	uint64_t big_sync_us; /* its last tail or snapshot past SV_TAIL_ALWAYS bytes */
	bool board_synced;    /* it has asked for the log on this connection */
};


/*
 * A receiver's own view of its zone (sv_view.c), for a zone whose changes
 * do not fit one snapshot: which avatars it holds, each as of which room
 * frame. The state itself is looked up: the frame's, or the avatar's
 * newest if it has not changed since, else unknown ("stale": sent whole).
 */
struct sv_view_entry {
	uint16_t id;
	uint16_t slot;  /* its index among that frame's entries */
	uint32_t frame;
};
struct sv_view {
	uint32_t seq;         /* the snapshot that left the receiver with it */
	uint32_t server_tick; /* that snapshot's */
	uint32_t time_base;   /* that snapshot's, as the receiver decoded it */
	struct sim_avatar self;
	uint16_t count;
	struct sv_view_entry entries[SV_ROOM_MAX_CLIENTS]; /* ascending id */
};
/* Per client, allocated for all at start-up and touched only by those
 * that need it (the pages of the others stay unmapped). */
struct sv_views {
	struct sv_view views[SV_FRAMES]; /* by seq % SV_FRAMES */
	/* Priority accumulated while a change to an avatar waits to be sent
	 * (0: nothing waits), by avatar id. */
	uint16_t priority[PROTO_MAX_CLIENT_ID + 1];
};


/* Admission state (sv_admit.c): keys, used token ids, resumable tickets. */
struct sv_seen {
	uint8_t id[NET_TOKEN_ID_BYTES];
	int64_t until_unix; /* the token's expiry: past it, the slot is free */
};
struct sv_resumable {
	uint8_t id[NET_TICKET_ID_BYTES];
	uint64_t deadline_us; /* 0: free or used */
};
struct sv_admit {
	bool tokens;         /* a token key is set: tokens required */
	uint8_t server_pk[NET_SERVER_KEY_BYTES]; /* this server's key: tokens must name it */
	uint8_t token_pk[NET_TOKEN_PUBLIC_BYTES];
	uint8_t ticket_key[NET_TICKET_KEY_BYTES];
	struct sv_seen *seen; /* open addressing, seen_cap a power of two */
	uint32_t seen_cap;
	struct sv_resumable *resumable; /* max_clients entries */
	uint64_t refused, seen_full, hello_timeouts, pending_refused;
};

struct sv_server {
	struct sv_config cfg;
	struct sv_admit admit;
	struct net_host *net;   /* every path to every client, sealed */
	struct sv_world worlds[SV_MAX_WORLDS];
	int world_count;
	const struct sv_world *default_world; /* --world */
	struct sv_room_entry room_entries[SV_MAX_ROOM_ENTRIES]; /* --rooms */
	int room_entry_count;
	struct sv_client *clients; /* indexed by id; [0] unused */
	struct sv_views *views;    /* indexed by id, like clients */
	struct sv_room rooms[SV_MAX_ROOMS];
	/* Open rooms in each snapshot slot (room r sends in slot r % SV_SNAPSHOT_SLOTS):
	 * the loop finds its next busy slot without reading every room. */
	uint16_t slot_rooms[SV_SNAPSHOT_SLOTS];
	struct proto_snapshot scratch_cur, scratch_base; /* the snapshot builder's */
	struct sv_view_scratch { /* sv_view.c's */
		struct proto_snapshot zone;     /* the zone now */
		uint16_t zone_slots[SV_ROOM_MAX_CLIENTS]; /* their indices in the frame */
		bool stale[SV_ROOM_MAX_CLIENTS]; /* of scratch_base */
		struct sv_candidate {
			uint16_t id;
			uint8_t kind;   /* new or changed */
			bool committed; /* sent since the base: leaving it out would take it back */
			bool near;
			uint16_t priority;
			uint16_t bits;  /* estimated */
		} candidates[SV_ROOM_MAX_CLIENTS];
		uint32_t order[SV_ROOM_MAX_CLIENTS], sorting[SV_ROOM_MAX_CLIENTS]; /* keys: importance, index */
		struct proto_zone_lists lists;
		bool chosen[PROTO_MAX_CLIENT_ID + 1]; /* to send now (or to drop, if gone) */
		struct sv_view frame_view[2]; /* a frame's zone, as a view: the base's, the last's */
		struct proto_snapshot frame_zone; /* that frame's zone, while it is written */
		uint16_t frame_slots[SV_ROOM_MAX_CLIENTS];
	} view_scratch;
	uint64_t views_sent, views_partial; /* snapshots from a receiver's own view; of those, with changes left for later */
	/* A room's zone lists, encoded once per zone and baseline frame (0: a
	 * full snapshot) and shared by every member that needs them. */
	struct sv_lists {
		uint32_t base_frame;
		uint8_t zone;
		bool ok;
		struct proto_zone_lists lists;
	} lists[SV_LISTS_CACHED];
	int lists_count;
	uint64_t lists_encoded; /* zone lists encoded, against snapshots_sent */
	/* A room's items, encoded once per baseline frame (0: a full snapshot;
	 * SV_ITEMS_WHOLE: a delta whose baseline frame is gone). */
	struct sv_item_lists {
		uint32_t base_frame;
		struct proto_item_list list;
	} item_lists[SV_LISTS_CACHED];
	int item_lists_count;
	/* Items: grabs granted and refused, carried moves taken and dropped
	 * (from one not holding it), items gone back to their spawn. */
	uint64_t item_grabs, item_refusals, item_moves, item_moves_dropped, item_returns;
	uint32_t tick;
	uint64_t snapshots_sent;
	uint64_t snapshots_idle; /* not sent: nothing had changed for the receiver */
	bool state_socket;        /* moves come on their own socket: ENet's is serviced less often */
	uint64_t stray_datagrams; /* state datagrams from no joined client */
	uint64_t last_service_us; /* the last net_host_service drain */
	uint64_t refuse_log_second, refuse_log_count, refuse_log_dropped;
	uint64_t throttled, refused_actions, moderation_actions;
	/* Voice: frames in, deliveries (a frame to one listener), frames held
	 * (muted), deliveries cut (the listener hears N louder), frames
	 * refused (a role that may not speak). */
	uint64_t voice_in, voice_out, voice_held, voice_culled, voice_refused;
	uint64_t voice_live_until_us; /* voice flows: forward at once */
	/* The op log: ops logged, resends dropped, ops past a gap dropped
	 * (their author sends them again), ops refused, live batches sent (one
	 * per member), tails and snapshots sent, snapshots built. */
	uint64_t board_ops, board_dups, board_gaps, board_refused, board_live_sent, board_tails,
		board_snapshots, board_snap_builds, board_syncs_deferred, chat_ops;
	uint64_t lesson_scores, lesson_score_us; /* strokes scored, and the time it took */
	uint64_t board_live_until_us;     /* ops flow: drained and flushed every PROTO_LOG_FLUSH_MS */
	uint64_t board_transfer_until_us; /* a snapshot goes out: acks answered at once */
	uint64_t log_pending[SV_MAX_ROOMS / 64]; /* rooms with ops not yet sent live */
	struct sv_log_sink log_sink;  /* durable storage's hook (none yet) */
	struct {
		uint32_t newest[SIM_BOARD_AUTHORS], replay_last[SIM_BOARD_AUTHORS];
		uint8_t msg[SV_LOG_CHUNK + PROTO_LOG_HEAD_MAX];
	} log_scratch;
	uint64_t now_us;          /* set before each drain, for the handlers */
	/* Tick work time (one slot: its rooms' snapshots and their send) in 10 µs
	 * buckets up to 100 ms, reported every SV_STATS_EVERY_S and at stop. */
	uint32_t tick_hist[10001];
	uint64_t tick_count, tick_max_us;
};

#define SV_STATS_EVERY_S 10
/* A receiver whose zone and own avatar have not changed since its last
 * snapshot gets one this often, not at the snapshot rate: a seated class
 * listening costs two datagrams a second each, and its voice frames are
 * not crowded by snapshots that say nothing. Never longer than half the
 * frame history, so the next snapshot is still a delta from the one it
 * acked. */
#define SV_IDLE_SNAPSHOT_US 500000u
/** Tick-time percentile in µs over the ticks counted since the last reset. */
uint32_t sv_tick_percentile_us(const struct sv_server *sv, double p);

/* sv_config.c */
/** Parses flags over LYCEUM_* environment defaults. Returns 0 ok, 1 help shown, 2 error. */
int sv_config_parse(struct sv_config *cfg, int argc, char **argv);

/* sv_admit.c: who may join which room as whom. */
enum core_result sv_admit_init(struct sv_server *sv) CORE_MUST_CHECK;
void sv_admit_fini(struct sv_server *sv);
/** Decides from a HELLO who the client is and whether it may join. On a
 * refusal returns false with the reason and a message for the user. */
bool sv_admit_hello(struct sv_server *sv, const struct proto_hello *h, struct sv_identity *out,
		    enum proto_refuse_reason *out_reason, char *msg, size_t msg_size);
/** The joined client whose resume ticket this identity used, or NULL: a
 * reconnect that overtook the server's noticing the old connection end. */
struct sv_client *sv_admit_ghost(struct sv_server *sv, const struct sv_identity *id);
/** Marks the identity's token or ticket used (call when the join happens). */
void sv_admit_commit(struct sv_server *sv, const struct sv_identity *id);
/** Seals a resume ticket for a joined client into the welcome (none when open). */
void sv_admit_ticket(struct sv_server *sv, struct sv_client *c, struct proto_welcome *w);
/** A joined client left: a dropped one may resume with its ticket for SV_RESUME_US. */
void sv_admit_on_leave(struct sv_server *sv, const struct sv_client *c, bool resumable);

/* sv_session.c: connections (the room a hello enters is sv_room.c's) */
enum core_result sv_server_init(struct sv_server *sv, const struct sv_config *cfg) CORE_MUST_CHECK;
void sv_server_fini(struct sv_server *sv);
/** The session layer's handler for its events (ctx: the server). */
void sv_on_net_event(void *ctx, const struct net_event *ev);
void sv_on_connect(struct sv_server *sv, net_peer peer, uint32_t version);
void sv_on_disconnect(struct sv_server *sv, net_peer peer, bool timed_out);
void sv_on_receive(struct sv_server *sv, net_peer peer, enum net_channel channel,
		   const uint8_t *data, uint32_t len);
/** The session layer's handler for an opened state datagram (ctx: the server). */
void sv_on_state(void *ctx, net_peer peer, uint8_t *msg, uint32_t len);
/** Prefetches the client a state datagram is for (ctx: the server). */
void sv_prefetch_client(void *ctx, net_peer peer);
/** Drops joined clients whose state datagrams stopped NET_SILENCE_MS ago. */
void sv_drop_silent(struct sv_server *sv, uint64_t now_us);
void sv_refuse(struct sv_server *sv, net_peer peer, enum proto_refuse_reason reason,
	       uint16_t client_version, const char *message);


/* sv_session.c and sv_room.c: helpers the other server files share */
void sv_send_control(const struct sv_server *sv, struct sv_client *c, const uint8_t *buf, uint32_t len);
void sv_send_avatar_info(const struct sv_server *sv, struct sv_client *to,
			 const struct sv_client *who);
/** A client's display name as a log field: quoted, so it cannot forge fields. */
const char *sv_qname(const struct sv_client *c, char out[PROTO_QUOTED_MAX]);
/** Frees the client's slot (leaving its room); with end_peer its
 * connection ends at once (else it has ended already). */
void sv_client_drop(struct sv_server *sv, struct sv_client *c, const char *why, bool end_peer);
void sv_on_hello(struct sv_server *sv, struct sv_client *c, const struct proto_hello *hello);
/** Throws a client out for abuse: it leaves its room at once (not resumable)
 * and its connection ends once what was queued for it has gone. */
void sv_client_expel(struct sv_server *sv, struct sv_client *c, const char *why);

/* sv_voice.c: voice frames forwarded by zone, the loudest N per listener */
void sv_on_voice(struct sv_server *sv, struct sv_client *c, const union proto_any *m, uint32_t len);
/** The zone lists' index of a zone: SIM_ZONE_NONE (outside every zone) last. */
static inline int sv_zone_index(uint8_t zone)
{
	return zone < SIM_MAX_ZONES ? zone : SIM_MAX_ZONES;
}
/** A member joined, left or changed zone: the zone lists are rebuilt. */
void sv_voice_room_changed(struct sv_room *room);
/** A member leaves: its talk ends, and nobody keeps a place for it. */
void sv_voice_on_leave(struct sv_server *sv, struct sv_client *c);
/** Ends the talk of the room's speakers who have gone quiet. */
void sv_voice_tick(struct sv_server *sv, struct sv_room *room);
/** Does listener l hear speaker s now (taking a place for it if so)? */
bool sv_voice_admit(const struct sv_server *sv, struct sv_client *l, const struct sv_client *s,
		    bool priority);


/* sv_world.c: which world each room runs */
/** Loads --world and every world --rooms names; only a broken --world is fatal. */
enum core_result sv_worlds_init(struct sv_server *sv) CORE_MUST_CHECK;
void sv_worlds_fini(struct sv_server *sv);
/** The world a room runs; NULL if this server does not host it. The world
 * may have failed to load (->sim NULL, ->error says why). */
const struct sv_world *sv_world_for_room(const struct sv_server *sv, const char *room);

/* sv_input.c */
/** Handles one decoded message from a client (len: its size on the wire). */
typedef void (*sv_handler)(struct sv_server *sv, struct sv_client *c, const union proto_any *m,
			   uint32_t len);
/** Every registry entry a client may send has a handler and a decoder. */
enum core_result sv_input_check(void) CORE_MUST_CHECK;
/** Counts bad input; the first is logged, a peer that keeps sending it is disconnected. */
void sv_violation(struct sv_server *sv, struct sv_client *c, const char *what, uint32_t len);
/** One op inside a BOARD_OPS datagram: the registry's checks of a part (its
 * type, size and decoding) into m; false if it failed (a violation, counted). */
bool sv_input_part(struct sv_server *sv, struct sv_client *c, const uint8_t *data, uint32_t len,
		   union proto_any *m);
/** Takes one token from the bucket of message type; false: throttled (counted)
 * and the message dropped. */
bool sv_input_take(struct sv_server *sv, struct sv_client *c, uint8_t type);
/** The same for a room op, which its author sends again until it is logged. */
bool sv_input_take_op(struct sv_server *sv, struct sv_client *c, uint8_t type);

/* sv_moderate.c: mute, kick and ban, lock, hands and the floor, moves */
/** "a student may not clear a board": the refusal of a request the role
 * lacks perm for (PROTO_PERM_NONE: "do that"). */
void sv_refuse_perm(struct sv_server *sv, struct sv_client *c, uint8_t type, enum proto_perm perm);
/** Moderation's ranks: staff act on students and observers, an instructor
 * on a TA too, nobody on an instructor (but on themselves: the caller). */
bool sv_outranks(uint8_t actor_role, uint8_t target_role);
/** Sends a log-channel message to one member (ordered with the room's log). */
void sv_send_log(const struct sv_server *sv, struct sv_client *c, const uint8_t *buf,
		 uint32_t len);
/** Sends a log-channel message to every member of the room. */
void sv_room_send_log(struct sv_server *sv, struct sv_room *room, const uint8_t *buf,
		      uint32_t len);
void sv_on_mod_request(struct sv_server *sv, struct sv_client *c, const union proto_any *m,
		       uint32_t len);
/** Tells the client its request was refused (why: NULL for "your role may not"). */
void sv_refuse_action(struct sv_server *sv, struct sv_client *c, uint8_t type, const char *why);
/** Tells the room what a member did (a MOD_EVENT from actor, on target if
 *  any): the notice every client shows. The caller logs it. */
void sv_tell_room(struct sv_server *sv, const struct sv_client *actor, uint8_t type,
		  const struct sv_client *target, bool flag, const char *text);
/** On join: what the room holds against this user (a mute across reconnects). */
void sv_moderation_on_join(struct sv_server *sv, struct sv_client *c);
/** After the welcome: the newcomer learns the raised hands. */
void sv_moderation_welcome(struct sv_server *sv, struct sv_client *c);
/** On leave: the hand queue and the floor forget them. */
void sv_moderation_on_leave(struct sv_server *sv, struct sv_client *c);
/** The status bits AVATAR_INFO carries for this member. */
uint8_t sv_member_status(const struct sv_server *sv, const struct sv_client *c);
/** Is this member's voice dropped (muted by staff, or by mute-all)? */
bool sv_is_muted(const struct sv_server *sv, const struct sv_client *c);

/* sv_view.c: a zone too big for one snapshot, sent a part at a time */
/* Room for a snapshot's lists after its header and self. */
#define SV_LIST_BITS ((NET_STATE_MESSAGE_MAX - 40) * 8)
/* A full snapshot (nothing acked yet) fills at most this much: the next
 * one, until an ack comes, must carry all it did again, and the same
 * people can cost more a moment later (a seat taken, a pose). */
#define SV_FULL_LIST_BITS (SV_LIST_BITS * 4 / 5)
/**
 * Encodes client c's next snapshot (head) from its own view of its zone
 * into buf: the changes that fit, most important first, the rest left for
 * the following snapshots. Returns the length (0: none) and whether the
 * view it leaves is the room's newest frame whole (*out_whole: later
 * snapshots may share the zone's encoding again).
 */
uint32_t sv_view_encode(struct sv_server *sv, struct sv_room *room, struct sv_client *c,
			const struct proto_snapshot_head *head, uint8_t *buf, uint32_t cap,
			bool *out_whole);
/** The room frame numbered n, if still kept. */
const struct sv_frame *sv_frame_get(const struct sv_room *room, uint32_t n);
/** The entry of id in frame f (ascending ids), or NULL. */
const struct sv_frame_entry *sv_frame_find(const struct sv_frame *f, uint16_t id);
/** Everyone in zone at frame f, as a snapshot's zone lists show them;
 * with slots, also where each is among the frame's entries. */
void sv_frame_zone(const struct sv_frame *f, uint8_t zone, struct proto_snapshot *out,
		   uint16_t *slots);

/* sv_snapshot.c */
/** Records the room's frame of this snapshot tick: every member's state. */
void sv_record_frame(struct sv_server *sv, struct sv_room *room);
/** Encodes client c's next snapshot of its room's newest frame into buf;
 * 0 if none could be made. *out_view: it leaves c with a view of its own. */
uint32_t sv_snapshot_encode(struct sv_server *sv, struct sv_room *room, struct sv_client *c,
			    uint8_t *buf, uint32_t cap, bool *out_view);
/** The snapshot sv_snapshot_encode made went out: c will ack against it. */
void sv_snapshot_sent(struct sv_server *sv, const struct sv_room *room, struct sv_client *c,
		      bool view);
/** Records a frame and sends snapshots for the rooms of one slot (rooms
 * slot, slot + SV_SNAPSHOT_SLOTS, ...). Returns how many rooms it served. */
int sv_send_snapshots(struct sv_server *sv, int slot);
/** How many slots ahead (1..SV_SNAPSHOT_SLOTS) the next slot with a room in
 * use is. */
int sv_slots_to_next_busy(const struct sv_server *sv, int slot);

/* sv_main.c */
/** Runs until SIGINT/SIGTERM. Returns the process exit status. */
int sv_run(struct sv_server *sv);
