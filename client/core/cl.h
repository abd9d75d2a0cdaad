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
#include "net/net.h"
#include "proto/msg.h"
#include "sim/move.h"

#include <stdbool.h>
#include <stdint.h>

#define CL_CMD_HISTORY 64 /* power of two: 2 s of commands at 30 Hz */
#define CL_MAX_ROSTER 256
#define CL_CONNECT_TIMEOUT_US 5000000u

enum cl_state {
	CL_STATE_IDLE,
	CL_STATE_CONNECTING, /* ENet handshake under way */
	CL_STATE_HELLO_SENT,
	CL_STATE_JOINED,
	CL_STATE_REFUSED,     /* refuse_message says why */
	CL_STATE_DISCONNECTED,
	CL_STATE_FAILED,      /* could not connect; error says why */
};

struct cl_conn_config {
	const char *server; /* host:port */
	const char *room;
	const char *name;
	enum proto_role role;
	const char *spawn_zone;    /* NULL or "": any */
	uint32_t protocol_version; /* 0: PROTO_VERSION (tests pass another) */
};

/** Resolves the world the server names in WELCOME; NULL if not available. */
typedef const struct sim_world *(*cl_world_fn)(void *user, const char *name);

struct cl_roster_entry {
	uint16_t id;
	uint8_t role;
	char name[PROTO_NAME_MAX];
};

struct cl_stats {
	uint64_t snapshots;
	uint64_t full_snapshots; /* on join and on zone change */
	uint64_t decode_errors;
	uint64_t corrections;       /* replayed state differed from the prediction */
	int32_t largest_correction_mm;
};

struct cl_conn {
	enum cl_state state;
	ENetHost *host;
	ENetPeer *peer;
	uint64_t connect_started_us;
	struct cl_conn_config cfg;
	cl_world_fn world_fn;
	void *world_user;
	const struct sim_world *world;
	char error[256];
	char refuse_message[200];
	uint8_t refuse_reason;

	struct proto_welcome welcome;
	uint32_t next_tick; /* tick of the next command */
	struct sim_avatar predicted;
	struct sim_cmd history[CL_CMD_HISTORY]; /* indexed by tick & (CL_CMD_HISTORY-1) */

	struct proto_snapshot snap; /* newest snapshot */
	bool snap_fresh;            /* set when one arrives; the caller clears it */
	uint32_t newest_seq;

	int roster_count;
	struct cl_roster_entry roster[CL_MAX_ROSTER];
	struct cl_stats stats;
};

/** Opens a socket and starts connecting. */
enum core_result cl_conn_start(struct cl_conn *c, const struct cl_conn_config *cfg,
			       cl_world_fn world_fn, void *world_user) CORE_MUST_CHECK;
/** Handles every pending network event; now_us drives the connect timeout. */
void cl_conn_service(struct cl_conn *c, uint64_t now_us);
/** Applies a command locally (prediction) and sends it with the two before. */
void cl_conn_input(struct cl_conn *c, int8_t move_x, int8_t move_y, uint16_t yaw,
		   uint8_t buttons, uint32_t send_time_us);
/** Leaves politely (waits up to wait_ms for the server to hear it) and frees. */
void cl_conn_close(struct cl_conn *c, uint32_t wait_ms);
const struct cl_roster_entry *cl_conn_roster_find(const struct cl_conn *c, uint16_t id);
const char *cl_state_name(enum cl_state s);
