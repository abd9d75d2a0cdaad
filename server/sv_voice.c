/* Voice: frames are forwarded unchanged (no decoding, no mixing) to the
 * listeners of the speaker's zone, or the whole room for a broadcast; each
 * listener hears at most --voice-streams speakers at once, the loudest,
 * with hysteresis so that two voices of about the same level do not take
 * each other's place frame by frame. A muted speaker's frames stop here.
 * Nothing on this path allocates; a frame costs its listeners. */
#include "sv.h"
#include "proto/perm.h"

#include <string.h>

void sv_voice_room_changed(struct sv_room *room)
{
	room->voice.stale = true;
}

/* Counting sort of the members by zone (SIM_ZONE_NONE last). */
static void rebuild_zones(const struct sv_server *sv, struct sv_room *room)
{
	struct sv_voice_room *v = &room->voice;
	uint16_t count[SIM_MAX_ZONES + 1] = {0};
	for (int i = 0; i < room->member_count; i++)
		count[sv_zone_index(sv->clients[room->members[i]].avatar.zone)]++;
	uint16_t at = 0;
	for (int z = 0; z <= SIM_MAX_ZONES; z++) {
		v->zone_start[z] = at;
		at = (uint16_t)(at + count[z]);
	}
	v->zone_start[SIM_MAX_ZONES + 1] = at;
	uint16_t fill[SIM_MAX_ZONES + 1];
	memcpy(fill, v->zone_start, sizeof(fill));
	for (int i = 0; i < room->member_count; i++) {
		uint16_t id = room->members[i];
		v->by_zone[fill[sv_zone_index(sv->clients[id].avatar.zone)]++] = id;
	}
	v->stale = false;
}

static void send_speaking(struct sv_server *sv, struct sv_room *room, const struct sv_client *c)
{
	struct proto_speaking m = {.id = c->id, .speaking = c->talk.speaking,
				   .broadcast = c->talk.broadcast};
	uint8_t buf[8];
	sv_room_send_log(sv, room, buf, proto_encode_speaking(&m, buf, sizeof(buf)));
}

/* A talk begins: the room hears of it at the next sv_voice_tick, so the
 * frame's own path sends nothing reliable (nothing there allocates). */
static void talk_start(struct sv_server *sv, struct sv_client *c, bool broadcast)
{
	struct sv_voice_room *v = &c->room->voice;
	c->talk.speaking = true;
	c->talk.broadcast = broadcast;
	c->talk.announce = true;
	c->talk.changed_us = sv->now_us;
	if (v->speaking_count < SV_ROOM_MAX_CLIENTS)
		v->speaking[v->speaking_count++] = c->id;
}

static void talk_end(struct sv_server *sv, struct sv_client *c)
{
	struct sv_voice_room *v = &c->room->voice;
	c->talk.speaking = false;
	c->talk.broadcast = false;
	c->talk.changed_us = sv->now_us;
	for (int i = 0; i < v->speaking_count; i++) {
		if (v->speaking[i] == c->id) {
			v->speaking[i] = v->speaking[--v->speaking_count];
			break;
		}
	}
	send_speaking(sv, c->room, c);
}

/* The room hears who started talking (or changed to broadcasting), and a
 * talk ends when its frames stop, or once its last frame came; a SPEAKING
 * event never follows the one before by less than SV_VOICE_EVENT_GAP_US. */
void sv_voice_tick(struct sv_server *sv, struct sv_room *room)
{
	struct sv_voice_room *v = &room->voice;
	for (int i = v->speaking_count - 1; i >= 0; i--) {
		struct sv_client *c = &sv->clients[v->speaking[i]];
		if (c->talk.announce) {
			c->talk.announce = false;
			send_speaking(sv, room, c);
			continue;
		}
		bool quiet = sv->now_us - c->talk.last_us > SV_VOICE_SILENT_US;
		bool said_last = c->talk.ending && sv->now_us - c->talk.changed_us >= SV_VOICE_EVENT_GAP_US;
		if (quiet || said_last)
			talk_end(sv, c);
	}
}

void sv_voice_on_leave(struct sv_server *sv, struct sv_client *c)
{
	struct sv_room *room = c->room;
	if (c->talk.speaking)
		talk_end(sv, c);
	memset(&c->talk, 0, sizeof(c->talk));
	memset(c->streams, 0, sizeof(c->streams));
	c->stream_swap_us = 0;
	/* Nobody keeps a place for it (its id may soon be someone else's). */
	for (int i = 0; i < room->member_count; i++) {
		struct sv_client *l = &sv->clients[room->members[i]];
		for (int k = 0; k < SV_VOICE_MAX_STREAMS; k++)
			if (l->streams[k].id == c->id)
				l->streams[k] = (struct sv_stream){0};
	}
	sv_voice_room_changed(room);
}

/*
 * Does listener l hear speaker s now? Its places go to the speakers it
 * already hears, then to free ones (a place is free once its speaker has
 * been silent SV_VOICE_HOLD_US), then to a louder speaker in place of the
 * quietest, by SV_VOICE_MARGIN and only once that one has held its place
 * SV_VOICE_MIN_HOLD_US, and at most once per SV_VOICE_MIN_HOLD_US per
 * listener. A priority speaker (a broadcast, the floor) takes the quietest
 * place of one that is not, and is never pushed out itself.
 */
bool sv_voice_admit(const struct sv_server *sv, struct sv_client *l, const struct sv_client *s,
		    bool priority)
{
	const uint64_t now = sv->now_us;
	const int n = sv->cfg.voice_streams;
	struct sv_stream *free_place = NULL, *quietest = NULL;
	for (int i = 0; i < n; i++) {
		struct sv_stream *p = &l->streams[i];
		if (p->id == s->id) {
			p->level = s->talk.level;
			p->priority = priority;
			p->last_us = now;
			return true;
		}
		if (!p->id || now - p->last_us > SV_VOICE_HOLD_US) {
			if (!free_place)
				free_place = p;
		} else if (!p->priority && (!quietest || p->level < quietest->level)) {
			quietest = p;
		}
	}
	struct sv_stream *take = free_place;
	if (!take && quietest && priority)
		take = quietest;
	else if (!take && quietest && s->talk.level >= quietest->level + SV_VOICE_MARGIN &&
		 now - quietest->since_us >= SV_VOICE_MIN_HOLD_US &&
		 now - l->stream_swap_us >= SV_VOICE_MIN_HOLD_US) {
		take = quietest;
		l->stream_swap_us = now;
	}
	if (!take)
		return false;
	*take = (struct sv_stream){.id = s->id, .level = s->talk.level, .priority = priority,
				   .since_us = now, .last_us = now};
	return true;
}

static void forward(struct sv_server *sv, struct sv_client *l, const struct sv_client *s,
		    const struct proto_voice_up *m, bool priority)
{
	if (l == s || l->state != SV_CLIENT_JOINED)
		return;
	if (!sv_voice_admit(sv, l, s, priority)) {
		sv->voice_culled++;
		return;
	}
	uint8_t *out = net_host_state_buf(sv->net);
	proto_voice_down_header(s->id, m->seq, out);
	memcpy(out + PROTO_VOICE_DOWN_HEADER, m->opus, m->len);
	if (net_host_state_send(sv->net, l->peer, PROTO_VOICE_DOWN_HEADER + m->len))
		sv->voice_out++;
}

void sv_on_voice(struct sv_server *sv, struct sv_client *c, const union proto_any *any,
		 uint32_t len)
{
	const struct proto_voice_up *m = &any->voice_up;
	struct sv_room *room = c->room;
	char q[PROTO_QUOTED_MAX];
	sv->voice_in++;
	if (!proto_perm_allows((enum proto_role)c->role, PROTO_PERM_SPEAK)) {
		sv->voice_refused++;
		if (!c->talk.refused_logged)
			CORE_WARN("room=%s client=%u name=%s role=%s sends voice, which its role may "
				  "not; dropped (stats: voice_refused=)",
				  room->name, c->id, sv_qname(c, q), proto_role_name(c->role));
		c->talk.refused_logged = true;
		return;
	}
	/* The server's mute, whatever the client believes. */
	if (sv_is_muted(sv, c)) {
		sv->voice_held++;
		return;
	}
	const bool broadcast =
		m->broadcast && (room->floor == c->id ||
				 proto_perm_allows((enum proto_role)c->role, PROTO_PERM_BROADCAST_VOICE));
	/* The level a listener's choice compares: smoothed, so one loud
	 * syllable does not take a place. */
	c->talk.level = c->talk.speaking ? (uint8_t)((c->talk.level * 3u + m->loudness) / 4u)
					 : m->loudness;
	c->talk.last_us = sv->now_us;
	c->talk.ending = m->last;
	/* The room learns who talks (sv_voice_tick says when it stops). */
	const bool may_tell = sv->now_us - c->talk.changed_us >= SV_VOICE_EVENT_GAP_US;
	if (!c->talk.speaking && may_tell) {
		talk_start(sv, c, broadcast);
	} else if (c->talk.speaking && c->talk.broadcast != broadcast && may_tell) {
		c->talk.broadcast = broadcast;
		c->talk.changed_us = sv->now_us;
		c->talk.announce = true;
	}
	sv->voice_live_until_us = sv->now_us + SV_VOICE_LIVE_US;
	/* The floor and a broadcast are heard over the others. */
	const bool priority = broadcast || room->floor == c->id;
	if (broadcast) {
		for (int i = 0; i < room->member_count; i++)
			forward(sv, &sv->clients[room->members[i]], c, m, priority);
	} else {
		if (room->voice.stale)
			rebuild_zones(sv, room);
		int z = sv_zone_index(c->avatar.zone);
		for (uint16_t i = room->voice.zone_start[z]; i < room->voice.zone_start[z + 1]; i++)
			forward(sv, &sv->clients[room->voice.by_zone[i]], c, m, priority);
	}
	(void)len;
}
