/**
 * @file sv_room.h
 * @brief A room of lyceum-server: its lifecycle (opened on a first join,
 * kept once empty with its moderation state, boards and items, woken by
 * the next join), its own arena for the tables of its presence, the world
 * it runs, its members, frames, items, voice lists, op log and lesson, and
 * its own tick. Connections, admission and limits stay in the session
 * layer (sv_session.c, sv_admit.c); the room sees clients only once they
 * are admitted.
 */
#pragma once

#include "core/arena.h"
#include "core/core.h"
#include "net/token.h"
#include "proto/msg.h"
#include "proto/registry.h"
#include "proto/snapshot.h"
#include "sim/move.h"
#include "sim/world.h"

#include <stdbool.h>
#include <stdint.h>

/* Snapshot history, per room: frames of every member's state, shared by all
 * its clients; a client's baseline must be within the last SV_FRAMES. */
#define SV_FRAMES PROTO_BASELINE_WINDOW
#define SV_ROOM_MAX_CLIENTS 256
/* Users removed from one room for the rest of the session. */
#define SV_ROOM_BANS 64

struct sv_server;
struct sv_client;
struct sv_world;
struct sv_identity;
struct sv_log;
struct sv_lesson;

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
	struct proto_item *items; /* the room's items (its world's count), in its arena */
};

/* A room's items (sv_item.c): where each is, who holds it. */
struct sv_item {
	struct proto_item now;
	uint64_t away_us; /* put down away from its spawn at (0: at its spawn, or held) */
};
struct sv_items {
	bool ready;      /* set up for the room's world (kept while the room is) */
	int count;
	uint32_t changed_frame; /* the newest frame in which an item changed */
	struct sv_item items[SIM_MAX_ITEMS];
};

struct sv_room {
	bool in_use;
	/* Its presence tables (members, frames), taken when it opens and
	 * given back when it closes; pages are touched only as they fill. */
	struct core_arena arena;
	bool kept;            /* empty, its moderation state kept (room_open wakes it) */
	uint64_t emptied_us;
	char name[PROTO_NAME_MAX];
	const struct sv_world *world; /* what it runs; never one that failed to load */
	int member_count;
	uint16_t *members; /* client ids in ascending order, SV_ROOM_MAX_CLIENTS */
	uint32_t frame_number;
	struct sv_frame frames[SV_FRAMES];
	int spawn_next[SIM_MAX_ZONES + 1]; /* per zone; the last is "any" */
	uint16_t seat_holder[SIM_MAX_SEATS]; /* client id, 0 = free */
	uint16_t door_holder[SIM_MAX_DOORS];
	bool locked; /* only staff may join */
	bool mute_all; /* everyone but staff and the floor holder is muted */
	uint16_t floor; /* client id holding the floor, 0: nobody */
	int hand_count;
	uint16_t hands[PROTO_HAND_QUEUE_MAX]; /* raised hands, oldest first */
	int muted_user_count;
	char muted_users[SV_ROOM_BANS][NET_TOKEN_USER_MAX]; /* mutes outlive reconnects */
	int ban_count;
	char bans[SV_ROOM_BANS][NET_TOKEN_USER_MAX]; /* user ids removed for the session */
	/* The newest frame in which something changed in each zone (an
	 * avatar's state, someone arriving or leaving); SIM_MAX_ZONES: outside
	 * every zone. A receiver whose zone has not changed since its last
	 * snapshot has nothing new to hear. */
	uint32_t zone_changed[SIM_MAX_ZONES + 1];
	struct sv_voice_room {
		/* Members by zone, rebuilt when one joins, leaves or changes
		 * zone: a frame costs its listeners, not the room. */
		bool stale;
		uint16_t zone_start[SIM_MAX_ZONES + 2]; /* by zone; SIM_MAX_ZONES: none */
		uint16_t by_zone[SV_ROOM_MAX_CLIENTS];
		int speaking_count;
		uint16_t speaking[SV_ROOM_MAX_CLIENTS];
	} voice;
	struct sv_items *items; /* kept while the server runs, like the log (NULL: not yet) */
	struct sv_log *log; /* boards and the op log: kept while the server runs (sv_log.h) */
	struct sv_lesson *lesson; /* the lesson running on a board, or the last (sv_lesson.c) */
	int author_count;   /* author numbers given: 1..author_count */
	char (*author_user)[NET_TOKEN_USER_MAX]; /* by author number ("": an anonymous join);
						   reserved on the first join, pages touched as used */
};

/** The user id the token of author's first join named; "" when none (an
 *  anonymous join, or no such author). */
static inline const char *sv_author_user(const struct sv_room *room, uint16_t author)
{
	return room->author_user && author && author <= room->author_count
		       ? room->author_user[author]
		       : "";
}

/* sv_room.c */
const char *sv_zone_name(const struct sv_room *room, uint8_t zone);
/** The room's side of an admitted hello: bans, lock, room for one more,
 * then the join. False, with the reason and a message, when it says no. */
bool sv_room_enter(struct sv_server *sv, struct sv_client *c, const struct proto_hello *hello,
		   const struct sv_identity *id, enum proto_refuse_reason *reason, char *msg,
		   size_t size);
/** Frees every room's tables and logs (the server stops). */
void sv_rooms_fini(struct sv_server *sv);
void sv_room_leave(struct sv_server *sv, struct sv_client *c, const char *why);
/** Seats and doors change hands only here, after a step. */
void sv_update_holders(struct sv_room *room, uint16_t id, const struct sim_avatar *before,
		       const struct sim_avatar *after);
/** A free spot near one of the zone's spawns (SIM_ZONE_NONE: any zone). */
struct sim_point sv_spawn_point(struct sv_server *sv, struct sv_room *room, uint8_t zone);
/** The room's own tick, at its snapshot slot: its speakers who went
 * quiet, its lesson's held-back scores, its items' return, its op log's
 * due batch. */
void sv_room_tick(struct sv_server *sv, struct sv_room *room);

/* sv_item.c: items grabbed, carried, put down and gone back */
#define SV_ITEMS_WHOLE UINT32_MAX
/* A release this close to its spawn puts it back there. */
#define SV_ITEM_SNAP_MM 500
/* Grab reach has this much slack over SIM_ITEM_REACH_MM: the avatar the
 * client saw when it asked was a round trip old. */
#define SV_ITEM_REACH_SLACK_MM 500
/** A room opens: its items at their spawns (a room woken keeps them where
 * they were, held by nobody). False when there is no memory for them. */
bool sv_items_open(struct sv_room *room);
/** Forgets the room's items (its slot goes to another room, or the server stops). */
void sv_items_free(struct sv_room *room);
/** Copies the room's items into frame f (prev: the frame before, or NULL). */
void sv_items_record(struct sv_room *room, struct sv_frame *f, const struct sv_frame *prev);
/** The items of c's next snapshot, against the frame of its snapshot
 * base_seq (0: a full snapshot); NULL in a world without items. */
const struct proto_item_list *sv_item_list(struct sv_server *sv, const struct sv_room *room,
					   const struct sv_client *c, uint32_t base_seq);
void sv_on_item(struct sv_server *sv, struct sv_client *c, const union proto_any *m, uint32_t len);
void sv_on_item_move(struct sv_server *sv, struct sv_client *c, const union proto_any *m,
		     uint32_t len);
/** A member leaves: what it held is put down where it was. */
void sv_items_on_leave(struct sv_server *sv, struct sv_client *c);
/** Items unattended away from their spawn for their time go back. */
void sv_items_tick(struct sv_server *sv, struct sv_room *room);
