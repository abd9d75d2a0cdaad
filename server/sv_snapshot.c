/* Presence snapshots, scoped by zone: a client hears only the avatars of
 * its own zone. A snapshot is marked full on join and on zone change. */
#include "sv.h"

#include <string.h>

static void send_zone(struct sv_server *sv, const uint16_t *ids, int count)
{
	static struct proto_snapshot snap; /* the builder's scratch, not per client */
	uint8_t buf[PROTO_MAX_PACKET];
	for (int i = 0; i < count; i++) {
		struct sv_client *c = &sv->clients[ids[i]];
		snap.seq = ++c->snapshot_seq;
		snap.server_tick = sv->tick;
		snap.ack_tick = c->has_cmd ? c->last_cmd_tick : 0;
		snap.full = c->announced_zone != c->avatar.zone;
		snap.self = c->avatar;
		snap.count = 0;
		for (int j = 0; j < count && snap.count < PROTO_MAX_SNAPSHOT_AVATARS; j++) {
			if (j == i)
				continue;
			const struct sv_client *o = &sv->clients[ids[j]];
			struct proto_snapshot_avatar *a = &snap.avatars[snap.count++];
			a->id = o->id;
			a->state = o->avatar;
			a->send_time_us = o->send_time_us;
		}
		uint32_t len = proto_encode_snapshot(&snap, buf, sizeof(buf));
		if (!len) {
			CORE_WARN("client=%u: snapshot of %u avatars does not fit one packet", c->id,
				  snap.count);
			continue;
		}
		if (net_send(c->peer, NET_CH_STATE, buf, len) != CORE_OK)
			continue;
		c->announced_zone = c->avatar.zone;
		sv->snapshots_sent++;
	}
}

void sv_send_snapshots(struct sv_server *sv)
{
	const int zone_slots = sv->world->zone_count + 1; /* + "no zone" */
	for (int r = 0; r < SV_MAX_ROOMS; r++) {
		const struct sv_room *room = &sv->rooms[r];
		if (!room->in_use)
			continue;
		for (int z = 0; z < zone_slots; z++) {
			uint8_t zone = z < sv->world->zone_count ? (uint8_t)z : SIM_ZONE_NONE;
			int n = 0;
			for (int i = 0; i < room->member_count; i++)
				if (sv->clients[room->members[i]].avatar.zone == zone)
					sv->zone_scratch[n++] = room->members[i];
			if (n)
				send_zone(sv, sv->zone_scratch, n);
		}
	}
}
