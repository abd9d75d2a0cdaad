/* Moderation: staff keep control of the room.
 *
 * Every request arrives through the registry (sv_input.c), which has
 * already checked the sender's role against the permission matrix; here
 * the request is checked against the room (is the target a member, may
 * this actor act on them) and carried out. The server holds the result:
 * a mute is the server's (the voice router drops a muted member's frames,
 * and a mute outlives a reconnect), a ban lasts the room's session, a
 * lock keeps students out. Each action is logged with who, whom, what and
 * when, and every member of the room hears of it in a MOD_EVENT. */
#include "sv.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void sv_send_log(const struct sv_server *sv, struct sv_client *c, const uint8_t *buf,
		 uint32_t len)
{
	if (!len || !net_host_connected(sv->net, c->peer))
		return;
	if (net_host_send(sv->net, c->peer, NET_CH_LOG, buf, len) != CORE_OK)
		CORE_WARN("client=%u: log message of %u bytes not queued", c->id, len);
}

void sv_room_send_log(struct sv_server *sv, struct sv_room *room, const uint8_t *buf,
		      uint32_t len)
{
	for (int i = 0; i < room->member_count; i++)
		sv_send_log(sv, &sv->clients[room->members[i]], buf, len);
}

/* A member's status changed: everyone's roster hears it. */
static void room_send_info(struct sv_server *sv, struct sv_room *room, const struct sv_client *who)
{
	for (int i = 0; i < room->member_count; i++)
		sv_send_avatar_info(sv, &sv->clients[room->members[i]], who);
}

static uint32_t encode_hands(const struct sv_room *room, uint8_t *buf, uint32_t cap)
{
	struct proto_hand_queue q = {.count = (uint8_t)room->hand_count};
	memcpy(q.ids, room->hands, sizeof(q.ids[0]) * (size_t)room->hand_count);
	return proto_encode_hand_queue(&q, buf, cap);
}

static void room_send_hands(struct sv_server *sv, struct sv_room *room)
{
	uint8_t buf[128];
	sv_room_send_log(sv, room, buf, encode_hands(room, buf, sizeof(buf)));
}

bool sv_is_muted(const struct sv_server *sv, const struct sv_client *c)
{
	(void)sv;
	const struct sv_room *room = c->room;
	return proto_voice_held((enum proto_role)c->role, c->muted, room && room->mute_all,
				room && room->floor == c->id);
}

uint8_t sv_member_status(const struct sv_server *sv, const struct sv_client *c)
{
	(void)sv;
	uint8_t s = 0;
	/* Muted by staff, one by one; mute-all is the room's (WELCOME and
	 * MOD_EVENT say it), so toggling it costs one message, not one per
	 * member per member. */
	if (c->muted)
		s |= PROTO_STATUS_MUTED;
	if (c->hand_raised_us)
		s |= PROTO_STATUS_HAND;
	if (c->room && c->room->floor == c->id)
		s |= PROTO_STATUS_FLOOR;
	return s;
}

bool sv_outranks(uint8_t actor_role, uint8_t target_role)
{
	return !proto_role_is_staff((enum proto_role)target_role) ||
	       (actor_role == PROTO_ROLE_INSTRUCTOR && target_role == PROTO_ROLE_TA);
}

void sv_refuse_perm(struct sv_server *sv, struct sv_client *c, uint8_t type, enum proto_perm perm)
{
	char text[PROTO_MOD_TEXT_MAX];
	enum proto_role role = (enum proto_role)c->role;
	snprintf(text, sizeof(text), "%s %s may not %s", proto_role_article(role),
		 proto_role_name(role), perm == PROTO_PERM_NONE ? "do that" : proto_perm_name(perm));
	sv_refuse_action(sv, c, type, text);
}

void sv_refuse_action(struct sv_server *sv, struct sv_client *c, uint8_t type, const char *why)
{
	char text[PROTO_MOD_TEXT_MAX];
	const struct proto_msg_spec *spec = proto_msg_spec(type);
	if (!why) {
		sv_refuse_perm(sv, c, type, spec ? (enum proto_perm)spec->perm : PROTO_PERM_NONE);
		return;
	}
	proto_text_clip(text, sizeof(text), why); /* a notice: whole words */
	sv->refused_actions++;
	if (c->refused_actions++ == 0) {
		char q[PROTO_QUOTED_MAX];
		CORE_INFO("refused room=%s client=%u name=%s action=%s: %s (further refusals of this "
			  "client are only counted)",
			  c->room ? c->room->name : "-", c->id, sv_qname(c, q),
			  spec ? spec->name : "?", text);
	}
	if ((type < PROTO_MSG_MUTE || type > PROTO_MSG_MOVE_USER) && type != PROTO_MSG_LESSON &&
	    type != PROTO_MSG_ITEM)
		return; /* only requests have an answer */
	struct proto_mod_event e = {.action = type, .refused = true, .actor = 0, .target = c->id,
				    .unix_time = (uint32_t)time(NULL)};
	core_strlcpy(e.actor_name, "server", sizeof(e.actor_name));
	core_strlcpy(e.text, text, sizeof(e.text));
	uint8_t buf[256];
	sv_send_log(sv, c, buf, proto_encode_mod_event(&e, buf, sizeof(buf)));
}

void sv_tell_room(struct sv_server *sv, const struct sv_client *actor, uint8_t type,
		  const struct sv_client *target, bool flag, const char *text)
{
	struct proto_mod_event e = {.action = type, .flag = flag, .actor = actor->id,
				    .target = target ? target->id : 0,
				    .unix_time = (uint32_t)time(NULL)};
	core_strlcpy(e.actor_name, actor->name, sizeof(e.actor_name));
	core_strlcpy(e.text, text ? text : "", sizeof(e.text));
	uint8_t buf[256];
	sv_room_send_log(sv, actor->room, buf, proto_encode_mod_event(&e, buf, sizeof(buf)));
}

/* Who did what to whom and when: the log line is the record, the event
 * tells the room. */
static void announce(struct sv_server *sv, struct sv_client *actor, uint8_t type,
		     const struct sv_client *target, bool flag, const char *text)
{
	struct sv_room *room = actor->room;
	sv_tell_room(sv, actor, type, target, flag, text);
	sv->moderation_actions++;
	char qa[PROTO_QUOTED_MAX], qt[PROTO_QUOTED_MAX], qx[PROTO_QUOTED_MAX];
	CORE_INFO("moderation room=%s actor=%u actor_name=%s action=%s flag=%d target=%u "
		  "target_name=%s text=%s",
		  room->name, actor->id, sv_qname(actor, qa), proto_mod_action_name(type), flag,
		  target ? target->id : 0, target ? sv_qname(target, qt) : "\"\"",
		  proto_log_quote(qx, sizeof(qx), text ? text : ""));
}

/* The member a request names, in the actor's room, or NULL (refused). */
static struct sv_client *target_of(struct sv_server *sv, struct sv_client *actor,
				   const struct proto_mod_request *m)
{
	struct sv_client *t = m->target >= 1 && m->target <= sv->cfg.max_clients
				      ? &sv->clients[m->target]
				      : NULL;
	if (!t || t->state != SV_CLIENT_JOINED || t->room != actor->room) {
		sv_refuse_action(sv, actor, m->type, "nobody with that id is in this room");
		return NULL;
	}
	/* Staff act on students and observers; only an instructor on a TA, and
	 * nobody on an instructor but themselves. */
	bool allowed = t == actor || sv_outranks(actor->role, t->role);
	if (!allowed) {
		sv_refuse_action(sv, actor, m->type, "staff of equal or higher rank cannot be moderated");
		return NULL;
	}
	return t;
}

static int user_index(char list[][NET_TOKEN_USER_MAX], int count, const char *user)
{
	for (int i = 0; user[0] && i < count; i++)
		if (!strcmp(list[i], user))
			return i;
	return -1;
}

static void set_muted_user(struct sv_room *room, const char *user, bool muted)
{
	if (!user[0])
		return;
	int at = user_index(room->muted_users, room->muted_user_count, user);
	if (muted && at < 0) {
		if (room->muted_user_count == SV_ROOM_BANS) {
			CORE_WARN("room=%s holds %d mutes; this one lasts only until the member "
				  "reconnects",
				  room->name, SV_ROOM_BANS);
			return;
		}
		core_strlcpy(room->muted_users[room->muted_user_count++], user,
			     sizeof(room->muted_users[0]));
	} else if (!muted && at >= 0) {
		memcpy(room->muted_users[at], room->muted_users[--room->muted_user_count],
		       sizeof(room->muted_users[0]));
	}
}

static void hand_remove(struct sv_room *room, uint16_t id)
{
	for (int i = 0; i < room->hand_count; i++) {
		if (room->hands[i] == id) {
			memmove(&room->hands[i], &room->hands[i + 1],
				sizeof(room->hands[0]) * (size_t)(room->hand_count - i - 1));
			room->hand_count--;
			return;
		}
	}
}

/* Every member who is this user (one person may join on two devices), or
 * just the target when it has no user id (an open server). */
static bool same_person(const struct sv_client *a, const struct sv_client *b)
{
	return a == b || (a->user[0] && !strcmp(a->user, b->user));
}

static void do_mute(struct sv_server *sv, struct sv_client *c, const struct proto_mod_request *m)
{
	struct sv_client *t = target_of(sv, c, m);
	if (!t)
		return;
	if (t == c) {
		/* A mute is the server's: nobody lifts their own (the microphone
		 * key is the local mute). */
		sv_refuse_action(sv, c, m->type, "a mute is lifted by other staff, not by yourself");
		return;
	}
	struct sv_room *room = c->room;
	set_muted_user(room, t->user, m->flag);
	for (int i = 0; i < room->member_count; i++) {
		struct sv_client *o = &sv->clients[room->members[i]];
		if (same_person(o, t) && o->muted != m->flag) {
			o->muted = m->flag;
			room_send_info(sv, room, o);
		}
	}
	announce(sv, c, m->type, t, m->flag, NULL);
}

static void do_mute_all(struct sv_server *sv, struct sv_client *c,
			const struct proto_mod_request *m)
{
	c->room->mute_all = m->flag;
	announce(sv, c, m->type, NULL, m->flag, NULL);
}

static void do_kick(struct sv_server *sv, struct sv_client *c, const struct proto_mod_request *m)
{
	char why[160];
	if (m->text[0] && !proto_text_check(m->text, PROTO_MOD_TEXT_MAX - 1, "the reason", why,
					     sizeof(why))) {
		sv_refuse_action(sv, c, m->type, why);
		return;
	}
	struct sv_client *t = target_of(sv, c, m);
	if (!t)
		return;
	if (t == c) {
		sv_refuse_action(sv, c, m->type, "you cannot remove yourself; leave instead");
		return;
	}
	struct sv_room *room = c->room;
	bool banned = false;
	if (m->flag && t->user[0]) {
		if (user_index(room->bans, room->ban_count, t->user) >= 0) {
			banned = true;
		} else if (room->ban_count < SV_ROOM_BANS) {
			core_strlcpy(room->bans[room->ban_count++], t->user, sizeof(room->bans[0]));
			banned = true;
		} else {
			CORE_WARN("room=%s holds %d bans; this kick is not a ban", room->name,
				  SV_ROOM_BANS);
		}
	}
	/* The room (the target too) hears it first; then the target leaves
	 * the room at once and its connection ends once that has been sent. A
	 * ban removes every connection of that user. */
	announce(sv, c, m->type, t, banned, m->text);
	for (int i = room->member_count - 1; i >= 0; i--) {
		struct sv_client *o = &sv->clients[room->members[i]];
		if (o != t && !(banned && same_person(o, t)))
			continue;
		sv_room_leave(sv, o, banned ? "banned" : "kicked");
		o->state = SV_CLIENT_FREE;
		if (o->peer)
			net_host_disconnect_later(sv->net, o->peer, NET_DISCONNECT_KICKED);
		if (room->member_count == 0 || !room->in_use)
			break;
	}
}

static void do_lock(struct sv_server *sv, struct sv_client *c, const struct proto_mod_request *m)
{
	c->room->locked = m->flag;
	announce(sv, c, m->type, NULL, m->flag, NULL);
}

static void do_hand(struct sv_server *sv, struct sv_client *c, const struct proto_mod_request *m)
{
	struct sv_room *room = c->room;
	bool raised = c->hand_raised_us != 0;
	if (m->flag == raised)
		return; /* already so: nothing to tell anyone */
	if (m->flag) {
		if (room->hand_count == PROTO_HAND_QUEUE_MAX) {
			sv_refuse_action(sv, c, m->type, "too many hands are up; wait a moment");
			return;
		}
		room->hands[room->hand_count++] = c->id;
		c->hand_raised_us = sv->now_us ? sv->now_us : 1;
	} else {
		hand_remove(room, c->id);
		c->hand_raised_us = 0;
	}
	room_send_hands(sv, room);
	room_send_info(sv, room, c);
	announce(sv, c, m->type, c, m->flag, NULL);
}

static void do_floor(struct sv_server *sv, struct sv_client *c, const struct proto_mod_request *m)
{
	struct sv_room *room = c->room;
	struct sv_client *t = target_of(sv, c, m);
	if (!t)
		return;
	uint16_t before = room->floor;
	if (m->flag) {
		room->floor = t->id;
		if (t->hand_raised_us) {
			hand_remove(room, t->id);
			t->hand_raised_us = 0;
			room_send_hands(sv, room);
		}
	} else if (room->floor == t->id) {
		room->floor = 0;
	}
	if (before && before != room->floor && before <= sv->cfg.max_clients)
		room_send_info(sv, room, &sv->clients[before]);
	room_send_info(sv, room, t);
	announce(sv, c, m->type, t, m->flag, NULL);
}

static void do_move_user(struct sv_server *sv, struct sv_client *c,
			 const struct proto_mod_request *m)
{
	const struct sim_world *world = c->room->world->sim;
	uint8_t zone = m->text[0] ? sim_world_zone_find(world, m->text) : SIM_ZONE_NONE;
	if (zone == SIM_ZONE_NONE) {
		char why[PROTO_MOD_TEXT_MAX];
		snprintf(why, sizeof(why), "this room's world has no zone named '%.40s'", m->text);
		sv_refuse_action(sv, c, m->type, why);
		return;
	}
	struct sv_client *t = target_of(sv, c, m);
	if (!t)
		return;
	/* Like a teleport: seat and door let go, the avatar placed on a free
	 * spot of the zone; the member's client is corrected by the next
	 * snapshot (a hard snap, as DESIGN.md says for teleports). */
	struct sim_avatar before = t->avatar;
	struct sim_point p = sv_spawn_point(sv, c->room, zone);
	t->avatar = sim_avatar_spawn(world, p, before.yaw);
	sv_update_holders(c->room, t->id, &before, &t->avatar);
	sv_voice_room_changed(c->room);
	t->send_time_us = 0;
	announce(sv, c, m->type, t, true, world->zones[zone].name);
}

void sv_on_mod_request(struct sv_server *sv, struct sv_client *c, const union proto_any *any,
		       uint32_t len)
{
	(void)len;
	const struct proto_mod_request *m = &any->mod;
	switch (m->type) {
	case PROTO_MSG_MUTE: do_mute(sv, c, m); break;
	case PROTO_MSG_MUTE_ALL: do_mute_all(sv, c, m); break;
	case PROTO_MSG_KICK: do_kick(sv, c, m); break;
	case PROTO_MSG_LOCK: do_lock(sv, c, m); break;
	case PROTO_MSG_HAND: do_hand(sv, c, m); break;
	case PROTO_MSG_FLOOR: do_floor(sv, c, m); break;
	case PROTO_MSG_MOVE_USER: do_move_user(sv, c, m); break;
	default: sv_violation(sv, c, "an unknown moderation request", len); break;
	}
}

void sv_moderation_on_join(struct sv_server *sv, struct sv_client *c)
{
	(void)sv;
	struct sv_room *room = c->room;
	c->muted = user_index(room->muted_users, room->muted_user_count, c->user) >= 0;
	c->hand_raised_us = 0;
	c->throttled = 0;
	c->throttle_warned = false;
	c->refused_actions = 0;
}

void sv_moderation_welcome(struct sv_server *sv, struct sv_client *c)
{
	(void)sv;
	const struct sv_room *room = c->room;
	uint8_t buf[128];
	if (room->hand_count)
		sv_send_log(sv, c, buf, encode_hands(room, buf, sizeof(buf)));
}

void sv_moderation_on_leave(struct sv_server *sv, struct sv_client *c)
{
	struct sv_room *room = c->room;
	if (c->hand_raised_us) {
		hand_remove(room, c->id);
		c->hand_raised_us = 0;
		room_send_hands(sv, room);
	}
	if (room->floor == c->id)
		room->floor = 0;
}
