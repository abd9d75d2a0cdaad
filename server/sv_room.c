/* Rooms: opened on a first join, kept once empty (their bans, lock, mutes,
 * boards, chat, lesson and items), joined and left; spawns, seats and
 * doors, the roster. */
#include "sv.h"
#include "proto/perm.h"
#include "proto/text.h"
#include "sim/world_load.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* A room's presence tables come from its own arena, taken when it opens
 * (on a join, never in the tick) and given back whole when it closes. */
#define ROOM_ARENA_BYTES                                                             \
	(SV_ROOM_MAX_CLIENTS * sizeof(uint16_t) +                                    \
	 SV_FRAMES * (SV_ROOM_MAX_CLIENTS * sizeof(struct sv_frame_entry) +                 \
		      SIM_MAX_ITEMS * sizeof(struct proto_item)) +                         \
	 64 * (2 * SV_FRAMES + 1))

static void room_free(struct sv_server *sv, struct sv_room *room)
{
	if (room->in_use)
		sv->slot_rooms[(room - sv->rooms) % SV_SNAPSHOT_SLOTS]--;
	core_arena_fini(&room->arena);
	room->members = NULL;
	for (int f = 0; f < SV_FRAMES; f++)
		room->frames[f].entries = NULL;
	room->in_use = false;
}

static bool room_alloc(struct sv_room *room)
{
	if (core_arena_init(&room->arena, ROOM_ARENA_BYTES) != CORE_OK)
		return false;
	room->members = CORE_ARENA_NEW(&room->arena, uint16_t, SV_ROOM_MAX_CLIENTS);
	for (int f = 0; f < SV_FRAMES; f++)
		room->frames[f] = (struct sv_frame){
			.number = UINT32_MAX,
			.entries = CORE_ARENA_NEW(&room->arena, struct sv_frame_entry,
						  SV_ROOM_MAX_CLIENTS),
			.items = CORE_ARENA_NEW(&room->arena, struct proto_item, SIM_MAX_ITEMS)};
	assert(room->frames[SV_FRAMES - 1].items); /* the arena is sized for them */
	return true;
}

void sv_room_tick(struct sv_server *sv, struct sv_room *room)
{
	sv_voice_tick(sv, room);
	sv_lesson_tick(sv, room); /* scores held back by SV_LESSON_RESCORE_US */
	sv_items_tick(sv, room);
	sv_log_flush(sv, room, sv->now_us, false); /* due ops, or where the log stands */
}

const char *sv_zone_name(const struct sv_room *room, uint8_t zone)
{
	const struct sim_world *w = room ? room->world->sim : NULL;
	return w && zone < w->zone_count ? w->zones[zone].name : "none";
}

/* An open room, or one emptied earlier whose state is kept. */
static struct sv_room *room_find(struct sv_server *sv, const char *name)
{
	for (int i = 0; i < SV_MAX_ROOMS; i++)
		if ((sv->rooms[i].in_use || sv->rooms[i].kept) && !strcmp(sv->rooms[i].name, name))
			return &sv->rooms[i];
	return NULL;
}

/* Opens a room for an admitted client: a kept one wakes as it was left
 * (bans, lock, mutes, boards, chat, lesson, items); a new one takes a free
 * slot, else the slot of the room kept longest. NULL when all SV_MAX_ROOMS
 * are open. */
static struct sv_room *room_open(struct sv_server *sv, struct sv_room *room, const char *name,
				 const struct sv_world *world)
{
	if (!room) {
		for (int i = 0; i < SV_MAX_ROOMS; i++) {
			struct sv_room *r = &sv->rooms[i];
			if (r->in_use)
				continue;
			if (!r->kept) {
				room = r;
				break;
			}
			if (!room || r->emptied_us < room->emptied_us)
				room = r;
		}
		if (room && room->kept)
			CORE_WARN("all %d room slots are used; room=%s, empty the longest, is forgotten "
				  "(its boards, chat, lesson results, items, bans, lock and mutes) to make "
				  "room for room=%s",
				  SV_MAX_ROOMS, room->name, name);
		if (room) {
			if (room->kept)
				sv_log_free(room); /* another room's boards */
			sv_items_free(room); /* and items */
			room->kept = false;
			room->locked = false;
			room->ban_count = 0;
			room->mute_all = false;
			room->muted_user_count = 0;
			core_strlcpy(room->name, name, sizeof(room->name));
		}
	}
	if (!room || !room_alloc(room))
		return NULL;
	bool woke = room->kept;
	room->kept = false;
	room->in_use = true;
	sv->slot_rooms[(room - sv->rooms) % SV_SNAPSHOT_SLOTS]++;
	room->member_count = 0;
	memset(&room->voice, 0, sizeof(room->voice));
	memset(room->zone_changed, 0, sizeof(room->zone_changed));
	room->frame_number = 0;
	memset(room->spawn_next, 0, sizeof(room->spawn_next));
	memset(room->seat_holder, 0, sizeof(room->seat_holder));
	memset(room->door_holder, 0, sizeof(room->door_holder));
	room->floor = 0;
	room->hand_count = 0;
	room->world = world;
	if (!sv_items_open(room)) {
		room_free(sv, room);
		room->kept = woke;
		return NULL;
	}
	CORE_INFO("room open room=%s world=%s%s", room->name, world->name,
		  woke ? " (as it was left: boards, chat, lesson, items, bans, lock and mutes)" : "");
	return room;
}

static bool room_bans(const struct sv_room *room, const char *user)
{
	for (int i = 0; user[0] && i < room->ban_count; i++)
		if (!strcmp(room->bans[i], user))
			return true;
	return false;
}

/* A free spot near the spawn, so a class arriving together does not stand
 * in one heap: rings of candidates 0.6 m apart, first one clear of walls. */
struct sim_point sv_spawn_point(struct sv_server *sv, struct sv_room *room, uint8_t zone)
{
	const struct sim_world *w = room->world->sim;
	int candidates[SIM_MAX_SPAWNS], n = 0;
	for (int i = 0; i < w->spawn_count; i++)
		if (zone == SIM_ZONE_NONE || w->spawns[i].zone == zone)
			candidates[n++] = i;
	if (n == 0)
		for (int i = 0; i < w->spawn_count; i++)
			candidates[n++] = i;
	int k = room->spawn_next[zone == SIM_ZONE_NONE ? SIM_MAX_ZONES : zone]++;
	struct sim_point base = w->spawns[candidates[k % n]].pos;
	int slot = k / n;
	const int step = 600;
	for (int ring = 0, tried = 0; ring < 8; ring++) {
		for (int dy = -ring; dy <= ring; dy++) {
			for (int dx = -ring; dx <= ring; dx++) {
				if (CORE_MAX(abs(dx), abs(dy)) != ring)
					continue;
				struct sim_point p = {base.x_mm + dx * step, base.y_mm + dy * step};
				if (sim_avatar_collides(w, p) ||
				    (sim_world_zone_at(w, p) != sim_world_zone_at(w, base)))
					continue;
				if (tried++ == slot % 49)
					return p;
			}
		}
	}
	return base;
}

void sv_send_avatar_info(const struct sv_server *sv, struct sv_client *to,
			 const struct sv_client *who)
{
	struct proto_avatar_info info = {.id = who->id, .role = who->role,
					 .same_name = who->same_name,
					 .status = sv_member_status(sv, who),
					 .author = who->author};
	core_strlcpy(info.name, who->name, sizeof(info.name));
	/* Who someone really is (the token's user id) only for those who may
	 * see the full roster: staff and observers. */
	if (proto_perm_allows((enum proto_role)to->role, PROTO_PERM_FULL_ROSTER))
		core_strlcpy(info.user, who->user, sizeof(info.user));
	uint8_t buf[128];
	sv_send_control(sv, to, buf, proto_encode_avatar_info(&info, buf, sizeof(buf)));
}

/* People who chose one display name are told apart by a number beside it:
 * the first keeps 0 until a second arrives, then they are 1 and 2. Returns
 * the member who was renumbered to 1, whom everyone must hear about. */
static struct sv_client *number_same_name(struct sv_server *sv, struct sv_room *room,
					  struct sv_client *c)
{
	struct sv_client *first = NULL;
	int top = 0;
	bool shared = false;
	for (int i = 0; i < room->member_count; i++) {
		struct sv_client *o = &sv->clients[room->members[i]];
		if (o == c || strcmp(o->name, c->name))
			continue;
		shared = true;
		if (o->same_name == 0)
			first = o;
		top = CORE_MAX(top, (int)o->same_name);
	}
	c->same_name = 0;
	if (!shared)
		return NULL;
	if (first) {
		first->same_name = (uint8_t)(top + 1);
		top++;
	}
	c->same_name = (uint8_t)CORE_MIN(top + 1, 255);
	return first;
}

static void room_join(struct sv_server *sv, struct sv_client *c, struct sv_room *room,
		      const struct proto_hello *hello, const struct sv_identity *id)
{
	const struct sim_world *world = room->world->sim;
	uint8_t zone = hello->spawn_zone[0] ? sim_world_zone_find(world, hello->spawn_zone)
					    : SIM_ZONE_NONE;
	char quoted[PROTO_QUOTED_MAX];
	if (hello->spawn_zone[0] && zone == SIM_ZONE_NONE)
		CORE_WARN("client=%u asked to spawn in zone %s, which world %s does not have; "
			  "using any spawn",
			  c->id, proto_log_quote(quoted, sizeof(quoted), hello->spawn_zone),
			  world->name);
	struct sim_point p = sv_spawn_point(sv, room, zone);
	if (hello->has_spawn_pos && world->free_spawn && sim_world_contains(world, hello->spawn_pos) &&
	    !sim_avatar_collides(world, hello->spawn_pos) &&
	    sim_world_zone_at(world, hello->spawn_pos) != SIM_ZONE_NONE)
		p = hello->spawn_pos;
	sv_admit_commit(sv, id);
	c->state = SV_CLIENT_JOINED;
	c->room = room;
	c->last_state_us = sv->now_us;
	core_strlcpy(c->name, id->name, sizeof(c->name));
	core_strlcpy(c->user, id->user, sizeof(c->user));
	c->role = id->role;
	c->avatar = sim_avatar_spawn(world, p, 0);
	c->cmd_budget = SV_CMD_BUDGET_MAX;
	c->budget_tick = sv->tick;
	c->author = sv_log_author(sv, room, c->user);
	sv_moderation_on_join(sv, c);
	struct sv_client *renumbered = number_same_name(sv, room, c);
	/* Members stay in id order, so every frame comes out sorted. */
	int at = room->member_count++;
	while (at > 0 && room->members[at - 1] > c->id) {
		room->members[at] = room->members[at - 1];
		at--;
	}
	room->members[at] = c->id;
	memset(&c->talk, 0, sizeof(c->talk));
	memset(c->streams, 0, sizeof(c->streams));
	c->stream_swap_us = 0;
	sv_voice_room_changed(room);

	struct proto_welcome w = {.version = PROTO_VERSION,
				   .client_id = c->id,
				   .tick_hz = (uint8_t)sv->cfg.tick_hz,
				   .snapshot_hz = (uint8_t)sv->cfg.snapshot_hz,
				   .server_tick = sv->tick,
				   .state = c->avatar,
				   .role = c->role,
				  .same_name = c->same_name,
				  .author = c->author,
				  .roster = (uint16_t)room->member_count,
				  .room_flags = (uint8_t)((room->locked ? PROTO_ROOM_LOCKED : 0) |
							  (room->mute_all ? PROTO_ROOM_MUTE_ALL : 0))};
	core_strlcpy(w.room, room->name, sizeof(w.room));
	core_strlcpy(w.world, room->world->name, sizeof(w.world));
	core_strlcpy(w.name, c->name, sizeof(w.name));
	sv_admit_ticket(sv, c, &w);
	uint8_t buf[PROTO_MAX_PACKET];
	sv_send_control(sv, c, buf, proto_encode_welcome(&w, buf, sizeof(buf)));

	/* Roster both ways: the newcomer learns everyone, everyone the newcomer. */
	for (int i = 0; i < room->member_count; i++) {
		struct sv_client *o = &sv->clients[room->members[i]];
		sv_send_avatar_info(sv, o, c);
		if (o == c)
			continue;
		sv_send_avatar_info(sv, c, o);
		if (renumbered)
			sv_send_avatar_info(sv, o, renumbered);
	}
	sv_moderation_welcome(sv, c);
	char addr[64], user[PROTO_QUOTED_MAX];
	net_addr_format(&c->addr, addr, sizeof(addr));
	CORE_INFO("join room=%s client=%u name=%s user=%s role=%s via=%s zone=%s addr=%s "
		  "clients_in_room=%d",
		  room->name, c->id, proto_log_quote(quoted, sizeof(quoted), c->name),
		  proto_log_quote(user, sizeof(user), c->user), proto_role_name(c->role),
		  id->kind == PROTO_TOKEN_JOIN     ? "token"
		  : id->kind == PROTO_TOKEN_RESUME ? "resume"
						   : "open",
		  sv_zone_name(room, c->avatar.zone), addr, room->member_count);
}

/* Seats and doors change hands only here, after a step, in the order the
 * commands arrived: the first to reach a free seat has it. */
void sv_update_holders(struct sv_room *room, uint16_t id, const struct sim_avatar *before,
			   const struct sim_avatar *after)
{
	if (before->seat != after->seat) {
		if (before->seat != SIM_SEAT_NONE && room->seat_holder[before->seat] == id)
			room->seat_holder[before->seat] = 0;
		if (after->seat != SIM_SEAT_NONE)
			room->seat_holder[after->seat] = id;
	}
	if (before->door != after->door) {
		if (before->door != SIM_DOOR_NONE && room->door_holder[before->door] == id)
			room->door_holder[before->door] = 0;
		if (after->door != SIM_DOOR_NONE)
			room->door_holder[after->door] = id;
	}
}

void sv_room_leave(struct sv_server *sv, struct sv_client *c, const char *why)
{
	struct sv_room *room = c->room;
	struct sim_avatar gone = c->avatar;
	gone.seat = SIM_SEAT_NONE;
	gone.door = SIM_DOOR_NONE;
	sv_update_holders(room, c->id, &c->avatar, &gone);
	sv_moderation_on_leave(sv, c);
	sv_voice_on_leave(sv, c);
	sv_items_on_leave(sv, c);
	/* The next frame lacks it: its zone changed. */
	room->zone_changed[sv_zone_index(c->avatar.zone)] = room->frame_number + 1;
	for (int i = 0; i < room->member_count; i++) {
		if (room->members[i] == c->id) {
			memmove(&room->members[i], &room->members[i + 1],
				(size_t)(room->member_count - i - 1) * sizeof(room->members[0]));
			room->member_count--;
			break;
		}
	}
	uint8_t buf[16];
	uint32_t len = proto_encode_avatar_gone(c->id, buf, sizeof(buf));
	for (int i = 0; i < room->member_count; i++)
		sv_send_control(sv, &sv->clients[room->members[i]], buf, len);
	/* A connection that dropped may come back with its ticket; one that
	 * left, was kicked or was replaced may not. */
	sv_admit_on_leave(sv, c, !strcmp(why, "timeout"));
	char quoted[PROTO_QUOTED_MAX];
	CORE_INFO("leave room=%s client=%u name=%s reason=%s clients_in_room=%d", room->name, c->id,
		  proto_log_quote(quoted, sizeof(quoted), c->name), why, room->member_count);
	if (room->member_count == 0) {
		/* Its presence tables go; who is banned or muted, whether it is
		 * locked, its log, lesson and items stay while the server runs:
		 * the room's session. Scores held back are worked out now, as an
		 * empty room does not tick. */
		sv_lesson_settle(sv, room);
		CORE_INFO("room close room=%s (empty; its boards, chat, lesson, items, bans, lock "
			  "and mutes are kept while the server runs)",
			  room->name);
		room_free(sv, room);
		room->kept = true;
		room->emptied_us = sv->now_us;
	}
	c->room = NULL;
}

/* The room's side of an admitted hello: bans, lock and room for one more,
 * then the join (opening the room if it is not open). False with the
 * reason and a message for the user when it says no. */
bool sv_room_enter(struct sv_server *sv, struct sv_client *c, const struct proto_hello *hello,
		   const struct sv_identity *id, enum proto_refuse_reason *reason, char *msg,
		   size_t size)
{
	struct sv_room *room = room_find(sv, id->room);
	if (room && room_bans(room, id->user)) {
		snprintf(msg, size,
			 "you were removed from room '%s' by staff for the rest of this session",
			 room->name);
		*reason = PROTO_REFUSE_BANNED;
		return false;
	}
	/* A lock keeps newcomers out; a dropped member coming back with its
	 * ticket was in the room already. */
	if (room && room->locked && !proto_role_is_staff((enum proto_role)id->role) &&
	    id->kind != PROTO_TOKEN_RESUME) {
		snprintf(msg, size,
			 "room '%s' is locked by staff; only staff may join until it is unlocked",
			 room->name);
		*reason = PROTO_REFUSE_ROOM_LOCKED;
		return false;
	}
	if (room && room->member_count >= SV_ROOM_MAX_CLIENTS) {
		snprintf(msg, size, "room '%s' is full (%d people); join another room",
			 room->name, SV_ROOM_MAX_CLIENTS);
		*reason = PROTO_REFUSE_FULL;
		return false;
	}
	if (!room || !room->in_use)
		room = room_open(sv, room, id->room, sv_world_for_room(sv, id->room));
	if (!room) {
		CORE_WARN("all %d rooms are open; a join to a new room was refused", SV_MAX_ROOMS);
		snprintf(msg, size, "the server hosts its maximum number of rooms; try again later");
		*reason = PROTO_REFUSE_FULL;
		return false;
	}
	room_join(sv, c, room, hello, id);
	sv_lesson_on_join(sv, c);
	return true;
}

void sv_rooms_fini(struct sv_server *sv)
{
	for (int i = 0; i < SV_MAX_ROOMS; i++) {
		room_free(sv, &sv->rooms[i]);
		sv_log_free(&sv->rooms[i]);
		sv_items_free(&sv->rooms[i]);
	}
}
