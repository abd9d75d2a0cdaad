/* Clients and rooms: handshake, join, leave, move commands. */
#include "sv.h"
#include "proto/perm.h"
#include "proto/text.h"
#include "sim/world_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* A room's tables are allocated when it opens (on a join, never in the
 * tick) and freed when it closes. */
static void room_free(struct sv_room *room)
{
	free(room->members);
	room->members = NULL;
	for (int f = 0; f < SV_FRAMES; f++) {
		free(room->frames[f].entries);
		room->frames[f].entries = NULL;
	}
	room->in_use = false;
}

static bool room_alloc(struct sv_room *room)
{
	room->members = calloc(SV_ROOM_MAX_CLIENTS, sizeof(*room->members));
	bool ok = room->members != NULL;
	for (int f = 0; f < SV_FRAMES; f++) {
		room->frames[f] = (struct sv_frame){
			.number = UINT32_MAX,
			.entries = calloc(SV_ROOM_MAX_CLIENTS, sizeof(struct sv_frame_entry))};
		ok = ok && room->frames[f].entries;
	}
	if (!ok)
		room_free(room);
	return ok;
}

/* The server's X25519 key: --server-key, else server.key beside the token
 * key (lyceum-token keygen makes both); an open server without one makes a
 * key for this run, which clients cannot check. */
static enum core_result server_key(const struct sv_config *cfg, uint8_t sk[NET_SERVER_KEY_BYTES])
{
	char path[600], err[700];
	if (cfg->server_key[0]) {
		core_strlcpy(path, cfg->server_key, sizeof(path));
	} else if (cfg->token_key[0]) {
		if (!net_key_file_beside(cfg->token_key, "server.key", path, sizeof(path))) {
			CORE_ERROR("--token-key: the path is too long");
			return CORE_ERR_INVALID;
		}
	} else {
		uint8_t pk[NET_SERVER_KEY_BYTES];
		if (net_server_keygen(pk, sk) != CORE_OK)
			return CORE_ERR_IO;
		CORE_INFO("no --server-key: a new server key for this run (an open server; clients "
			  "cannot check that they reach this one)");
		return CORE_OK;
	}
	if (net_server_key_read(path, sk, true, err, sizeof(err)) != CORE_OK) {
		CORE_ERROR("%s%s", err,
			   cfg->server_key[0] ? ""
					      : " (looked for it beside --token-key; give --server-key "
						"FILE: lyceum-token keygen writes server.key next to "
						"token.pub)");
		return CORE_ERR_INVALID;
	}
	return CORE_OK;
}

enum core_result sv_server_init(struct sv_server *sv, const struct sv_config *cfg)
{
	memset(sv, 0, sizeof(*sv));
	sv->cfg = *cfg;
	sv->clients = calloc((size_t)cfg->max_clients + 1, sizeof(*sv->clients));
	/* Every client's own view, for zones too big for one snapshot: the
	 * pages of clients that never need one are never touched. */
	sv->views = calloc((size_t)cfg->max_clients + 1, sizeof(*sv->views));
	if (!sv->clients || !sv->views)
		return CORE_ERR_NOMEM;
	/* Worlds load now: a bad default world stops the server at start, not
	 * at the first join of a lesson; a bad world of one room closes only
	 * that room. */
	if (sv_worlds_init(sv) != CORE_OK)
		return CORE_ERR_INVALID;
	if (sv_admit_init(sv) != CORE_OK)
		return CORE_ERR_INVALID;
	uint8_t sk[NET_SERVER_KEY_BYTES];
	enum core_result r = server_key(cfg, sk);
	if (r == CORE_OK)
		r = net_server_key_public(sk, sv->admit.server_pk);
	if (r == CORE_OK && sv_input_check() != CORE_OK)
		r = CORE_ERR_INVALID;
	if (r == CORE_OK) {
		/* A few peers past --max-clients, so a client over the limit hears
		 * "full" instead of silence. Handshakes per address follow the
		 * pending connections it may have: a class behind one NAT (and the
		 * bench's bots) join at once. */
		const struct net_server_config nc = {
			.bind = cfg->bind,
			.port = cfg->port,
			.max_peers = (size_t)cfg->max_clients + SV_SPARE_PEERS,
			.state_socket = cfg->state_socket != 0,
			.static_sk = sk,
			.max_sessions = (size_t)cfg->max_clients + 256,
			.sessions_per_address = (size_t)cfg->max_per_address + 16,
			.peers_per_address = (size_t)cfg->max_per_address,
			.handshakes_per_s = (uint32_t)CORE_MAX(32, cfg->max_pending_per_address / 2),
			.handshake_burst = (uint32_t)cfg->max_pending_per_address,
		};
		const struct net_host_handlers handlers = {
			.on_event = sv_on_net_event,
			.on_state = sv_on_state,
			.prefetch = sv_prefetch_client,
			.ctx = sv,
		};
		r = net_host_server(&nc, &handlers, &sv->net);
	}
	memset(sk, 0, sizeof(sk)); /* the host keeps its own copy */
	if (r != CORE_OK)
		return r;
	sv->state_socket = net_host_has_state_socket(sv->net);
	return CORE_OK;
}

void sv_server_fini(struct sv_server *sv)
{
	net_host_destroy(sv->net);
	sv->net = NULL;
	sv_admit_fini(sv);
	for (int i = 0; i < SV_MAX_ROOMS; i++) {
		room_free(&sv->rooms[i]);
		sv_log_free(&sv->rooms[i]);
	}
	free(sv->clients);
	free(sv->views);
	sv_worlds_fini(sv);
	memset(sv, 0, sizeof(*sv));
}

const char *sv_zone_name(const struct sv_room *room, uint8_t zone)
{
	const struct sim_world *w = room ? room->world->sim : NULL;
	return w && zone < w->zone_count ? w->zones[zone].name : "none";
}

/* The client slot a peer takes (its number is the client's id); NULL for
 * the spare peers past --max-clients. */
static struct sv_client *client_of(struct sv_server *sv, net_peer peer)
{
	if (peer == 0 || peer > sv->cfg.max_clients)
		return NULL;
	return &sv->clients[peer];
}

/* A client's display name as a log field: quoted, so it cannot forge fields. */
const char *sv_qname(const struct sv_client *c, char out[PROTO_QUOTED_MAX])
{
	return proto_log_quote(out, PROTO_QUOTED_MAX, c->name);
}

static void peer_address(const struct sv_server *sv, net_peer peer, char *out, size_t size)
{
	struct net_addr a = net_host_peer_address(sv->net, peer);
	net_addr_format(&a, out, size);
}

void sv_send_control(const struct sv_server *sv, struct sv_client *c, const uint8_t *buf,
		     uint32_t len)
{
	if (!net_host_connected(sv->net, c->peer))
		return; /* leaving already: nothing to tell it */
	if (len && net_host_send(sv->net, c->peer, NET_CH_CONTROL, buf, len) != CORE_OK)
		CORE_WARN("client=%u: control message of %u bytes not queued", c->id, len);
}

void sv_refuse(struct sv_server *sv, net_peer peer, enum proto_refuse_reason reason,
	       uint16_t client_version, const char *message)
{
	struct proto_refuse m = {.reason = (uint8_t)reason,
				 .server_version = PROTO_VERSION,
				 .client_version = client_version};
	core_strlcpy(m.message, message, sizeof(m.message));
	uint8_t buf[256];
	uint32_t len = proto_encode_refuse(&m, buf, sizeof(buf));
	if (len && net_host_send(sv->net, peer, NET_CH_CONTROL, buf, len) != CORE_OK)
		CORE_WARN("refusal not queued");
	net_host_disconnect_later(sv->net, peer, NET_DISCONNECT_REFUSED);
	/* One line per refusal, up to SV_REFUSE_LOG_BURST a second: a flood of
	 * bad hellos cannot fill the log (the rest are counted). */
	uint64_t second = sv->now_us / 1000000u;
	if (second != sv->refuse_log_second) {
		sv->refuse_log_second = second;
		sv->refuse_log_count = 0;
	}
	if (sv->refuse_log_count++ < SV_REFUSE_LOG_BURST) {
		char addr[64];
		peer_address(sv, peer, addr, sizeof(addr));
		CORE_INFO("refuse addr=%s reason=%s: %s", addr, proto_refuse_reason_name(reason),
			  message);
	} else {
		sv->refuse_log_dropped++;
	}
	struct sv_client *c = client_of(sv, peer);
	if (c && c->state != SV_CLIENT_JOINED)
		c->state = SV_CLIENT_FREE;
}

void sv_on_connect(struct sv_server *sv, net_peer peer, uint32_t version)
{
	struct sv_client *c = client_of(sv, peer);
	if (!c) {
		char msg[200];
		snprintf(msg, sizeof(msg), "the server is full (it admits %d at a time); try again later",
			 sv->cfg.max_clients);
		sv_refuse(sv, peer, PROTO_REFUSE_FULL, (uint16_t)version, msg);
		return;
	}
	if (version != PROTO_VERSION) {
		char msg[200];
		snprintf(msg, sizeof(msg),
			 "protocol version mismatch: this server speaks version %u, your client "
			 "speaks version %u; install a client of the server's version",
			 PROTO_VERSION, version);
		sv_refuse(sv, peer, PROTO_REFUSE_VERSION, (uint16_t)version, msg);
		return;
	}
	/* Connections that have not said HELLO yet cost a slot each: one
	 * address may hold only so many (a class behind one NAT joins in a
	 * few seconds; a flood from one address waits for its own to end). */
	const struct net_addr addr = net_host_peer_address(sv->net, peer);
	int pending = 0;
	for (int i = 1; i <= sv->cfg.max_clients; i++)
		pending += sv->clients[i].state == SV_CLIENT_CONNECTING &&
			   sv->clients[i].addr.ip == addr.ip;
	if (pending >= sv->cfg.max_pending_per_address) {
		if (sv->admit.pending_refused++ == 0) {
			char text[64];
			net_addr_format(&addr, text, sizeof(text));
			CORE_WARN("addr=%s has %d connections waiting for their hello; further ones "
				  "are dropped (counted in the stats line's pending_refused=)",
				  text, pending);
		}
		/* One small datagram back, smaller than the CONNECT that caused it;
		 * its session goes with it. */
		net_host_disconnect_now(sv->net, peer, NET_DISCONNECT_REFUSED);
		return;
	}
	memset(c, 0, sizeof(*c));
	c->state = SV_CLIENT_CONNECTING;
	c->id = (uint16_t)(c - sv->clients);
	c->peer = peer;
	c->addr = addr;
	c->connected_us = sv->now_us;
}

/* An open room, or one emptied earlier whose moderation state is kept. */
static struct sv_room *room_find(struct sv_server *sv, const char *name)
{
	for (int i = 0; i < SV_MAX_ROOMS; i++)
		if ((sv->rooms[i].in_use || sv->rooms[i].kept) && !strcmp(sv->rooms[i].name, name))
			return &sv->rooms[i];
	return NULL;
}

/* Opens a room for an admitted client: a kept one wakes with its bans, lock
 * and mutes; a new one takes a free slot, else the slot of the room kept
 * longest. NULL when all SV_MAX_ROOMS are open. */
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
			CORE_WARN("all %d room slots are used; room=%s, empty the longest, forgets its "
				  "bans, lock and mutes to make room for room=%s",
				  SV_MAX_ROOMS, room->name, name);
		if (room) {
			if (room->kept)
				sv_log_free(room); /* another room's boards */
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
	CORE_INFO("room open room=%s world=%s%s", room->name, world->name,
		  woke ? " (bans, lock and mutes as they were)" : "");
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
		/* Its presence tables go; who is banned or muted and whether it is
		 * locked stay while the server runs: the room's session. */
		CORE_INFO("room close room=%s", room->name);
		room_free(room);
		room->kept = true;
		room->emptied_us = sv->now_us;
	}
	c->room = NULL;
}

/* The client's slot is free again; its peer is let go and, with
 * end_peer, disconnected at once (it ended on its own otherwise). */
void sv_client_drop(struct sv_server *sv, struct sv_client *c, const char *why, bool end_peer)
{
	if (c->state == SV_CLIENT_JOINED && c->room)
		sv_room_leave(sv, c, why);
	net_peer peer = c->peer;
	c->state = SV_CLIENT_FREE;
	c->peer = 0;
	if (peer && end_peer)
		net_host_disconnect_now(sv->net, peer, NET_DISCONNECT_NONE);
}

void sv_client_expel(struct sv_server *sv, struct sv_client *c, const char *why)
{
	/* Out of the room now, not when the disconnect has been delivered: a
	 * client being thrown out gets nothing more processed, and its ticket
	 * does not bring it back (only a timeout leaves one resumable). */
	if (c->state == SV_CLIENT_JOINED && c->room)
		sv_room_leave(sv, c, why);
	c->state = SV_CLIENT_FREE;
	if (c->peer)
		net_host_disconnect_later(sv->net, c->peer, NET_DISCONNECT_VIOLATION);
}

void sv_on_disconnect(struct sv_server *sv, net_peer peer, bool timed_out)
{
	struct sv_client *c = client_of(sv, peer);
	if (c && c->peer == peer)
		sv_client_drop(sv, c, timed_out ? "timeout" : "disconnect", false);
}

void sv_on_hello(struct sv_server *sv, struct sv_client *c, const struct proto_hello *hp)
{
	const struct proto_hello hello = *hp;
	char msg[200];
	if (hello.version != PROTO_VERSION) {
		snprintf(msg, sizeof(msg),
			 "protocol version mismatch: this server speaks version %u, your client "
			 "speaks version %u",
			 PROTO_VERSION, hello.version);
		sv_refuse(sv, c->peer, PROTO_REFUSE_VERSION, hello.version, msg);
		return;
	}
	struct sv_identity id;
	enum proto_refuse_reason reason;
	if (!sv_admit_hello(sv, &hello, &id, &reason, msg, sizeof(msg))) {
		sv->admit.refused++;
		sv_refuse(sv, c->peer, reason, hello.version, msg);
		return;
	}
	/* A resume that overtook the server's noticing the old connection end:
	 * the old one is a ghost of this client, and goes. */
	struct sv_client *ghost = sv_admit_ghost(sv, &id);
	if (ghost && ghost != c)
		sv_client_drop(sv, ghost, "replaced", true);
	struct sv_room *room = room_find(sv, id.room);
	if (room && room_bans(room, id.user)) {
		snprintf(msg, sizeof(msg),
			 "you were removed from room '%s' by staff for the rest of this session",
			 room->name);
		sv_refuse(sv, c->peer, PROTO_REFUSE_BANNED, hello.version, msg);
		return;
	}
	/* A lock keeps newcomers out; a dropped member coming back with its
	 * ticket was in the room already. */
	if (room && room->locked && !proto_role_is_staff((enum proto_role)id.role) &&
	    id.kind != PROTO_TOKEN_RESUME) {
		snprintf(msg, sizeof(msg),
			 "room '%s' is locked by staff; only staff may join until it is unlocked",
			 room->name);
		sv_refuse(sv, c->peer, PROTO_REFUSE_ROOM_LOCKED, hello.version, msg);
		return;
	}
	if (room && room->member_count >= SV_ROOM_MAX_CLIENTS) {
		snprintf(msg, sizeof(msg), "room '%s' is full (%d people); join another room",
			 room->name, SV_ROOM_MAX_CLIENTS);
		sv_refuse(sv, c->peer, PROTO_REFUSE_FULL, hello.version, msg);
		return;
	}
	if (!room || !room->in_use)
		room = room_open(sv, room, id.room, sv_world_for_room(sv, id.room));
	if (!room) {
		CORE_WARN("all %d rooms are open; a join to a new room was refused", SV_MAX_ROOMS);
		sv_refuse(sv, c->peer, PROTO_REFUSE_FULL, hello.version,
			  "the server hosts its maximum number of rooms; try again later");
		return;
	}
	room_join(sv, c, room, &hello, &id);
}

/* ENet pings rarely (NET_PING_INTERVAL_MS), so a client that vanished is
 * found by its state datagrams stopping: every client sends moves at its
 * input rate. Told like a timeout, and its slot freed at once. */
void sv_drop_silent(struct sv_server *sv, uint64_t now_us)
{
	for (int id = 1; id <= sv->cfg.max_clients; id++) {
		struct sv_client *c = &sv->clients[id];
		if (c->state == SV_CLIENT_CONNECTING && c->peer &&
		    now_us - c->connected_us >= SV_HELLO_TIMEOUT_US) {
			/* Connected and silent: a slot held by someone who will not say
			 * who they are. Told why, in case it is a client stuck behind a
			 * very bad link. */
			if (sv->admit.hello_timeouts++ == 0) {
				char addr[64];
				net_addr_format(&c->addr, addr, sizeof(addr));
				CORE_WARN("addr=%s connected but sent no hello within %u s; dropped "
					  "(further ones are counted in the stats line's hello_timeouts=)",
					  addr, SV_HELLO_TIMEOUT_US / 1000000u);
			}
			sv_refuse(sv, c->peer, PROTO_REFUSE_TIMEOUT, 0,
				  "no hello within the time allowed after connecting");
			sv_client_drop(sv, c, "hello timeout", false); /* it ends after the refusal */
			continue;
		}
		if (c->state != SV_CLIENT_JOINED || !c->peer ||
		    now_us - c->last_state_us < NET_SILENCE_MS * 1000ull)
			continue;
		sv_client_drop(sv, c, "timeout", true);
	}
}
