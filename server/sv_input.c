/* The receiving side: every message from a client passes here, through the
 * message registry (proto/registry.h), before any handler sees it; moves
 * are applied here through the shared step. */
#include "sv.h"
#include "proto/text.h"

#include <stdio.h>
#include <string.h>

/* Bad input is dropped; the first is logged, and a peer that keeps sending
 * it is disconnected. The room never sees any of it. */
void sv_violation(struct sv_server *sv, struct sv_client *c, const char *what, uint32_t len)
{
	char q[PROTO_QUOTED_MAX];
	c->violations++;
	if (c->violations == 1)
		CORE_WARN("room=%s client=%u name=%s sent %s (%u bytes); dropped",
			  c->room ? c->room->name : "-", c->id, sv_qname(c, q), what, len);
	if (c->violations == SV_MAX_VIOLATIONS) {
		CORE_WARN("room=%s client=%u name=%s disconnected after %d malformed messages",
			  c->room ? c->room->name : "-", c->id, sv_qname(c, q), SV_MAX_VIOLATIONS);
		sv_client_expel(sv, c, "violation");
	}
}

static void on_move(struct sv_server *sv, struct sv_client *c, const union proto_any *any,
		    uint32_t len)
{
	struct proto_move m = any->move;
	proto_move_widen(&m, c->last_cmd_tick, c->snapshot_seq, c->move_time_ms, c->has_move_time);
	/* Well-formed but absurd: refused, not obeyed. A newest tick far ahead
	 * of the last applied one would hold every later command back until
	 * the client's ticks caught up (minutes); a seat the world does not
	 * have names nothing. */
	if (m.cmds[0].tick - c->last_cmd_tick > SV_MAX_TICK_LEAD &&
	    (int32_t)(m.cmds[0].tick - c->last_cmd_tick) > 0) {
		sv_violation(sv, c, "a move whose tick is far ahead of the last one applied", len);
		return;
	}
	const bool may_sit = proto_perm_allows((enum proto_role)c->role, PROTO_PERM_SIT);
	for (int i = 0; i < m.count; i++) {
		if (!(m.cmds[i].buttons & SIM_BUTTON_SIT))
			continue;
		if (!may_sit) {
			sv_violation(sv, c, "a seat asked for by a role that may not sit", len);
			return;
		}
		if (m.cmds[i].seat != SIM_SEAT_NONE && m.cmds[i].seat >= c->room->world->sim->seat_count) {
			sv_violation(sv, c, "a move naming a seat the world does not have", len);
			return;
		}
	}
	/* State datagrams may arrive out of order: one older than the newest
	 * move seen would only roll back its pose and send time. */
	if (c->has_move && (int32_t)(m.cmds[0].tick - c->newest_move_tick) < 0)
		return;
	c->newest_move_tick = m.cmds[0].tick;
	c->has_move = true;
	if (m.send_time_us) {
		c->move_time_ms = m.send_time_us / 1000;
		c->has_move_time = true;
	}
	if (m.ack_seq && (int32_t)(m.ack_seq - c->acked_seq) > 0 &&
	    (int32_t)(c->snapshot_seq - m.ack_seq) >= 0)
		c->acked_seq = m.ack_seq;
	/* A pose is relayed, not simulated; it counts as a change of state. */
	bool pose_changed = m.has_pose != c->has_pose ||
			    (m.has_pose && memcmp(&m.pose, &c->pose, sizeof(m.pose)));
	c->has_pose = m.has_pose;
	if (m.has_pose)
		c->pose = m.pose;
	if (pose_changed)
		c->send_time_us = m.send_time_us;
	/* Oldest first; commands already applied are skipped, so the two
	 * redundant copies in every move cost nothing but make a lost packet
	 * harmless. */
	struct sv_room *room = c->room;
	char q[PROTO_QUOTED_MAX];
	/* One command earned per server tick since the last look, up to the bank. */
	uint32_t earned = sv->tick - c->budget_tick;
	c->cmd_budget = (int32_t)CORE_MIN((uint32_t)SV_CMD_BUDGET_MAX, (uint32_t)c->cmd_budget + earned);
	c->budget_tick = sv->tick;
	const struct sim_occupancy occ = {.self = c->id,
					  .seat_holder = room->seat_holder,
					  .door_holder = room->door_holder};
	const uint32_t acked_before = c->has_cmd ? c->last_cmd_tick : 0;
	for (int i = m.count - 1; i >= 0; i--) {
		const struct sim_cmd *cmd = &m.cmds[i];
		if (c->has_cmd && (int32_t)(cmd->tick - c->last_cmd_tick) <= 0)
			continue;
		if (c->cmd_budget <= 0) {
			if (c->cmds_dropped++ == 0)
				CORE_WARN("room=%s client=%u name=%s sends commands faster than real "
					  "time; the extra ones are dropped",
					  room->name, c->id, sv_qname(c, q));
			continue;
		}
		c->cmd_budget--;
		struct sim_avatar before = c->avatar;
		uint8_t zone_before = c->avatar.zone;
		sim_step(c->room->world->sim, sv->cfg.tick_hz, &occ, &c->avatar, cmd);
		sv_update_holders(room, c->id, &before, &c->avatar);
		c->has_cmd = true;
		c->last_cmd_tick = cmd->tick;
		/* An avatar that did not change costs nothing downstream, so its
		 * send time only moves when its state does. */
		if (memcmp(&before, &c->avatar, sizeof(before)))
			c->send_time_us = m.send_time_us;
		if (c->avatar.zone != zone_before) {
			sv_voice_room_changed(room);
			CORE_INFO("zone room=%s client=%u name=%s from=%s to=%s", c->room->name, c->id,
				  sv_qname(c, q), sv_zone_name(c->room, zone_before),
				  sv_zone_name(c->room, c->avatar.zone));
		}
	}
	/* The client times its round trip from the move whose newest command
	 * the snapshots ack. A move that applied nothing (a duplicate) leaves
	 * the time of the one that did; one whose newest command was cut (over
	 * budget) leaves an ack no move of the client's ends with. */
	if (c->has_cmd && c->last_cmd_tick != acked_before)
		c->ack_rx_us = c->last_cmd_tick == m.cmds[0].tick ? sv->now_us : 0;
}

/* Over a rate bucket: the message is dropped (throttled) and counted; a
 * peer that keeps at it (SV_MAX_THROTTLED within SV_THROTTLE_WINDOW_US, a
 * window that starts at the first throttle after the last one ended) is
 * disconnected, the room never notices. One warning a join. */
static void throttle(struct sv_server *sv, struct sv_client *c, const char *what, const char *fate)
{
	char q[PROTO_QUOTED_MAX];
	sv->throttled++;
	if (!c->throttled || sv->now_us - c->throttled_since_us >= SV_THROTTLE_WINDOW_US) {
		c->throttled = 0;
		c->throttled_since_us = sv->now_us;
	}
	if (!c->throttle_warned) {
		c->throttle_warned = true;
		CORE_WARN("room=%s client=%u name=%s sends %s faster than allowed; the extra ones "
			  "%s (stats throttled=)",
			  c->room ? c->room->name : "-", c->id, sv_qname(c, q), what, fate);
	}
	if (++c->throttled == SV_MAX_THROTTLED && c->peer) {
		CORE_WARN("room=%s client=%u name=%s disconnected: %d messages over its rate limits "
			  "within %u s",
			  c->room ? c->room->name : "-", c->id, sv_qname(c, q), SV_MAX_THROTTLED,
			  SV_THROTTLE_WINDOW_US / 1000000u);
		sv_client_expel(sv, c, "flooding");
	}
}

static void handle_hello(struct sv_server *sv, struct sv_client *c, const union proto_any *m,
			 uint32_t len)
{
	(void)len;
	sv_on_hello(sv, c, &m->hello);
}

static void on_move(struct sv_server *sv, struct sv_client *c, const union proto_any *m,
		    uint32_t len);

/* The handler of every message a client may send: sv_input_check makes sure
 * that each registry entry addressed to the server has one. */
static const sv_handler handlers[PROTO_MSG_TYPE_COUNT] = {
	[PROTO_MSG_HELLO] = handle_hello,
	[PROTO_MSG_MOVE] = on_move,
	[PROTO_MSG_MUTE] = sv_on_mod_request,
	[PROTO_MSG_MUTE_ALL] = sv_on_mod_request,
	[PROTO_MSG_KICK] = sv_on_mod_request,
	[PROTO_MSG_LOCK] = sv_on_mod_request,
	[PROTO_MSG_HAND] = sv_on_mod_request,
	[PROTO_MSG_FLOOR] = sv_on_mod_request,
	[PROTO_MSG_MOVE_USER] = sv_on_mod_request,
	[PROTO_MSG_VOICE] = sv_on_voice,
	[PROTO_MSG_BOARD_OPS] = sv_on_board_ops, /* its parts: sv_input_part */
	[PROTO_MSG_LESSON] = sv_on_lesson,
	[PROTO_MSG_BOARD_SYNC] = sv_on_board_sync,
	[PROTO_MSG_ITEM] = sv_on_item,
	[PROTO_MSG_ITEM_MOVE] = sv_on_item_move,
};

/* The registry's entry for a message that arrived on path, if a client may
 * send it there at that size; NULL (a violation, counted) if not. */
static const struct proto_msg_spec *admit(struct sv_server *sv, struct sv_client *c,
					  enum proto_path path, const uint8_t *data, uint32_t len)
{
	const struct proto_msg_spec *spec = proto_msg_spec(proto_msg_type(data, len));
	if (!spec || !(spec->direction & PROTO_TO_SERVER)) {
		sv_violation(sv, c, "a message type clients do not send", len);
		return NULL;
	}
	if (spec->path != path) {
		sv_violation(sv, c, "a message on the wrong path", len);
		return NULL;
	}
	if (len > spec->max_size) {
		sv_violation(sv, c, "an oversized message", len);
		return NULL;
	}
	return spec;
}

static bool take(struct sv_server *sv, struct sv_client *c, uint8_t type, const char *fate)
{
	const struct proto_msg_spec *spec = proto_msg_spec(type);
	if (!proto_bucket_take(&c->buckets[spec->bucket], (enum proto_bucket)spec->bucket, 1,
			       sv->now_us)) {
		throttle(sv, c, spec->name, fate);
		return false;
	}
	return true;
}

bool sv_input_take(struct sv_server *sv, struct sv_client *c, uint8_t type)
{
	return take(sv, c, type, "are dropped (counted)");
}

bool sv_input_take_op(struct sv_server *sv, struct sv_client *c, uint8_t type)
{
	return take(sv, c, type, "wait for their author to send them again (each try counted)");
}

bool sv_input_part(struct sv_server *sv, struct sv_client *c, const uint8_t *data, uint32_t len,
		   union proto_any *m)
{
	const struct proto_msg_spec *spec = admit(sv, c, PROTO_PATH_PART, data, len);
	if (spec && spec->decode(data, len, m) != CORE_OK) {
		sv_violation(sv, c, "a malformed message", len);
		return false;
	}
	return spec != NULL;
}

/* Every message from a client, on any path: the registry decides whether
 * it is one a client may send there, of that size, at that rate, in its
 * state and role; only then is it decoded and handled. */
static void dispatch(struct sv_server *sv, struct sv_client *c, enum proto_path path,
		     const uint8_t *data, uint32_t len)
{
	enum proto_bucket bytes = path == PROTO_PATH_DATAGRAM ? PROTO_BUCKET_DATAGRAM_BYTES
							      : PROTO_BUCKET_RELIABLE_BYTES;
	if (!proto_bucket_take(&c->buckets[bytes], bytes, len, sv->now_us)) {
		throttle(sv, c, "bytes", "are dropped (counted)");
		return;
	}
	const struct proto_msg_spec *spec = admit(sv, c, path, data, len);
	if (!spec)
		return;
	uint8_t type = proto_msg_type(data, len);
	bool hello = type == PROTO_MSG_HELLO;
	if (hello != (c->state == SV_CLIENT_CONNECTING)) {
		sv_violation(sv, c, hello ? "a second hello" : "a message before its hello", len);
		return;
	}
	if (!sv_input_take(sv, c, type))
		return;
	if (spec->perm != PROTO_PERM_NONE &&
	    !proto_perm_allows((enum proto_role)c->role, (enum proto_perm)spec->perm)) {
		sv_refuse_action(sv, c, type, NULL);
		return;
	}
	union proto_any m;
	if (spec->decode(data, len, &m) != CORE_OK) {
		if (hello)
			sv_refuse(sv, c->peer, PROTO_REFUSE_BAD_HELLO, 0,
				  "the hello message could not be decoded; is this a Lyceum client?");
		else
			sv_violation(sv, c, "a malformed message", len);
		return;
	}
	handlers[type](sv, c, &m, len);
}

enum core_result sv_input_check(void)
{
	for (int t = 0; t < PROTO_MSG_TYPE_COUNT; t++) {
		const struct proto_msg_spec *spec = proto_msg_spec((uint8_t)t);
		bool part = spec && spec->path == PROTO_PATH_PART; /* handled by their container */
		if (spec && (spec->direction & PROTO_TO_SERVER) &&
		    (!(handlers[t] || part) || !spec->decode)) {
			CORE_ERROR("message type %d (%s) may be sent to the server but has no handler",
				   t, spec->name);
			return CORE_ERR_INVALID;
		}
	}
	return CORE_OK;
}

void sv_on_receive(struct sv_server *sv, net_peer peer, enum net_channel channel,
		   const uint8_t *data, uint32_t len)
{
	struct sv_client *c = peer <= sv->cfg.max_clients ? &sv->clients[peer] : NULL;
	if (!c || c->state == SV_CLIENT_FREE || c->peer != peer)
		return;
	if (channel == NET_CH_CONTROL)
		dispatch(sv, c, PROTO_PATH_CONTROL, data, len);
	else if (channel == NET_CH_LOG)
		dispatch(sv, c, PROTO_PATH_LOG, data, len);
	else
		sv_violation(sv, c, "a message on a channel clients do not send on", len);
}

void sv_on_net_event(void *ctx, const struct net_event *ev)
{
	struct sv_server *sv = ctx;
	switch (ev->type) {
	case NET_EVENT_CONNECT:
		sv_on_connect(sv, ev->peer, ev->data);
		break;
	case NET_EVENT_DISCONNECT:
		/* A client that leaves says so; no code means it timed out. */
		sv_on_disconnect(sv, ev->peer, ev->data != NET_DISCONNECT_LEAVE);
		break;
	case NET_EVENT_RECEIVE:
		sv_on_receive(sv, ev->peer, ev->channel, ev->msg, ev->len);
		break;
	}
}

/* One state datagram, opened under the session of the peer it named, from
 * that peer's address: a move, if the client is in a room. */
void sv_on_state(void *ctx, net_peer peer, uint8_t *msg, uint32_t len)
{
	struct sv_server *sv = ctx;
	struct sv_client *c = peer <= sv->cfg.max_clients ? &sv->clients[peer] : NULL;
	if (!c || c->state != SV_CLIENT_JOINED || c->peer != peer) {
		/* A client gone a moment ago: counted, the first one logged. */
		if (sv->stray_datagrams++ == 0)
			CORE_INFO("state datagram for client=%u, which is not in a room, dropped: "
				  "most likely one still on its way from a client that just left "
				  "(further ones are only counted, in the stats line's stray=)",
				  peer);
		return;
	}
	c->last_state_us = sv->now_us;
	dispatch(sv, c, PROTO_PATH_DATAGRAM, msg, len);
}

/* A batch's senders are scattered over the client table, and the first
 * look at each was a cache miss paid in turn (on_state was 4% of the
 * server's samples, most of it on that load). Asked for all at once, the
 * misses overlap. */
void sv_prefetch_client(void *ctx, net_peer peer)
{
	const struct sv_server *sv = ctx;
	if (peer > sv->cfg.max_clients)
		return;
	const struct sv_client *c = &sv->clients[peer];
	__builtin_prefetch(c);
	__builtin_prefetch(&c->avatar);
	__builtin_prefetch(&c->cmd_budget);
}
