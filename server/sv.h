/**
 * @file sv.h
 * @brief lyceum-server internals: one process, many rooms, one ENet host.
 *
 * A room is created on the first join and closed when its last client
 * leaves; every room simulates the world loaded at start-up. Clients send
 * move commands that go through the shared step (sim_step); presence
 * snapshots go out at the snapshot rate, scoped by zone. Both travel as
 * state datagrams beside ENet (net/net.h). Tables are sized
 * at start-up from --max-clients; nothing in the tick allocates.
 */
#pragma once

#include "core/core.h"
#include "net/net.h"
#include "proto/msg.h"
#include "sim/move.h"

#include <stdbool.h>
#include <stdint.h>

#define SV_MAX_ROOMS 256
#define SV_MAX_CLIENTS 4000 /* client ids fit 12 bits */
#define SV_SPARE_PEERS 4    /* ENet slots past the limit, used only to say "full" */
#define SV_MAX_VIOLATIONS 32 /* malformed messages before a peer is disconnected */
/* A client earns one command per server tick and may bank this many, enough
 * to ride out jitter and the redundant copies after a lost packet; more
 * commands than real time allows are dropped, and the snapshot's ack makes
 * the client replay from where the server really is. */
#define SV_CMD_BUDGET_MAX 8
/* Snapshot history, per room: frames of every member's state, shared by all
 * its clients; a client's baseline must be within the last SV_FRAMES. */
#define SV_FRAMES PROTO_BASELINE_WINDOW
/* Zone lists a room's snapshot tick keeps encoded: zones x baselines in use
 * (the members of a zone ack one of the last two or three frames). */
#define SV_LISTS_CACHED 16
/* Snapshots queued before a send: a slot's rooms (about 100 at 2,000
 * clients) leave in one or two system calls. */
#define SV_BATCH 128
/* Moves read per system call from the state socket. */
#define SV_INBOX 64
#define SV_ROOM_MAX_CLIENTS 256

struct sv_config {
	char bind[128];
	uint16_t port;
	char worlds_dir[512];
	char world[64];
	int tick_hz;
	int snapshot_hz;
	int max_clients;
	int state_socket; /* 1: moves on a second, steered socket where the system allows */
};

enum sv_client_state {
	SV_CLIENT_FREE,
	SV_CLIENT_CONNECTING, /* ENet connected, no HELLO yet */
	SV_CLIENT_JOINED,
};

struct sv_room;

struct sv_client {
	enum sv_client_state state;
	uint16_t id; /* 1..max_clients, stable while connected */
	uint32_t token; /* carried by its state datagrams (WELCOME tells it) */
	ENetAddress addr; /* the peer's, kept here: one cache line checks a datagram */
	uint64_t last_state_us; /* its newest state datagram (or its join) */
	ENetPeer *peer;
	struct sv_room *room;
	char name[PROTO_NAME_MAX];
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
	uint32_t acked_seq;      /* newest snapshot the client says it holds */
	bool has_pose;           /* a VR client: head and hands */
	struct proto_pose pose;
	struct sv_sent {         /* what snapshot seq showed: frame and zone */
		uint32_t seq;
		uint32_t frame;
		uint8_t zone;
	} sent[SV_FRAMES];
	uint64_t connected_us;
	uint32_t violations; /* malformed or unexpected messages */
	int32_t cmd_budget;  /* commands it may still apply: real time, not its say-so */
	uint32_t budget_tick; /* server tick the budget was last brought up to */
	uint64_t cmds_dropped; /* over budget: a speed hack or a clock running fast */
};

/* One member's state as a snapshot frame recorded it. */
struct sv_frame_entry {
	uint16_t id;
	uint8_t zone;
	bool has_pose;
	struct sim_avatar state;
	uint32_t send_time_us;
	struct proto_pose pose;
};

struct sv_frame {
	uint32_t number;
	uint32_t server_tick;
	int count;
	struct sv_frame_entry *entries; /* ascending id, SV_ROOM_MAX_CLIENTS */
};

struct sv_room {
	bool in_use;
	char name[PROTO_NAME_MAX];
	int member_count;
	uint16_t *members; /* client ids in ascending order, SV_ROOM_MAX_CLIENTS */
	uint32_t frame_number;
	struct sv_frame frames[SV_FRAMES];
	int spawn_next[SIM_MAX_ZONES + 1]; /* per zone; the last is "any" */
	uint16_t seat_holder[SIM_MAX_SEATS]; /* client id, 0 = free */
	uint16_t door_holder[SIM_MAX_DOORS];
};

struct sv_server {
	struct sv_config cfg;
	ENetHost *host;
	struct sim_world *world;
	struct sv_client *clients; /* indexed by id; [0] unused */
	struct sv_room rooms[SV_MAX_ROOMS];
	struct proto_world_bits bits;
	struct proto_snapshot scratch_cur, scratch_base; /* the snapshot builder's */
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
	uint32_t tick;
	uint64_t snapshots_sent;
	int state_fd;             /* the state socket, or -1: state comes through ENet's hook */
	ENetSocket send_socket;   /* the state socket, else ENet's */
	struct net_batch batch;   /* a slot's snapshots, sent together */
	struct net_batch inbox;   /* moves read from the state socket */
	uint64_t state_in;        /* datagrams read from the state socket */
	uint64_t stray_datagrams; /* state datagrams from no joined client */
	uint64_t last_service_us; /* the last enet_host_service drain */
	uint64_t now_us;          /* set before each drain, for the handlers */
	/* Tick work time (one slot: its rooms' snapshots and their send) in 10 µs
	 * buckets up to 100 ms, reported every SV_STATS_EVERY_S and at stop. */
	uint32_t tick_hist[10001];
	uint64_t tick_count, tick_max_us;
};

#define SV_STATS_EVERY_S 10
/* Rooms send their snapshots in this many slots spread over the period. */
#define SV_SNAPSHOT_SLOTS 32
/** Tick-time percentile in µs over the ticks counted since the last reset. */
uint32_t sv_tick_percentile_us(const struct sv_server *sv, double p);

/* sv_config.c */
/** Parses flags over LYCEUM_* environment defaults. Returns 0 ok, 1 help shown, 2 error. */
int sv_config_parse(struct sv_config *cfg, int argc, char **argv);

/* sv_room.c */
enum core_result sv_server_init(struct sv_server *sv, const struct sv_config *cfg) CORE_MUST_CHECK;
void sv_server_fini(struct sv_server *sv);
void sv_on_connect(struct sv_server *sv, ENetPeer *peer, uint32_t version);
void sv_on_disconnect(struct sv_server *sv, ENetPeer *peer, bool timed_out);
void sv_on_receive(struct sv_server *sv, ENetPeer *peer, uint8_t channel, const uint8_t *data,
		   uint32_t len);
/** ENet's intercept hook: takes state datagrams (moves), leaves the rest. */
int sv_intercept(ENetHost *host, ENetEvent *event);
/** Reads every move waiting on the state socket. */
void sv_read_state(struct sv_server *sv);
/** Drops joined clients whose state datagrams stopped NET_SILENCE_MS ago. */
void sv_drop_silent(struct sv_server *sv, uint64_t now_us);
void sv_refuse(struct sv_server *sv, ENetPeer *peer, enum proto_refuse_reason reason,
	       uint16_t client_version, const char *message);
const char *sv_zone_name(const struct sv_server *sv, uint8_t zone);

/* sv_snapshot.c */
/** Records a frame and sends snapshots for the rooms of one slot (rooms
 * slot, slot + slots, ...). Returns how many rooms it served. */
int sv_send_snapshots(struct sv_server *sv, int slot, int slots);
/** How many slots ahead (1..slots) the next slot with a room in use is. */
int sv_slots_to_next_busy(const struct sv_server *sv, int slot, int slots);

/* sv_main.c */
/** Runs until SIGINT/SIGTERM. Returns the process exit status. */
int sv_run(struct sv_server *sv);
