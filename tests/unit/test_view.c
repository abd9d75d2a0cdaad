/* The server's snapshots of a zone too big to send whole (sv_view.c and
 * sv_snapshot.c's choice of path), decoded by a client that acks late:
 * whatever the lag, once the client holds everyone every avatar decodes to
 * exactly the room's newest state, there is never a decode error or a
 * missing baseline, and members leaving and coming back on a reused id
 * change nothing of that. The real server code, without the network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sv.h"
#include "sim/world_load.h"

#include <stdlib.h>
#include <string.h>

#define RING 16 /* the client's decoded snapshots, as cl.h keeps them */

static struct sv_server sv;
static struct sv_world hall;
static struct proto_snapshot ring[RING], decoded;

static void server_setup(int members)
{
	memset(&sv, 0, sizeof(sv));
	struct sim_world *w = calloc(1, sizeof(*w));
	char err[300];
	assert_non_null(w);
	if (sim_world_load_named(LYCEUM_SOURCE_DIR "/assets/worlds", "lecture-hall", w, err,
				 sizeof(err)) != CORE_OK)
		fail_msg("%s", err);
	hall = (struct sv_world){.sim = w};
	core_strlcpy(hall.name, "lecture-hall", sizeof(hall.name));
	proto_world_bits_init(&hall.bits, w);
	hall.bits.tick_us = 33333;
	sv.cfg.max_clients = 300;
	sv.cfg.tick_hz = 30;
	sv.clients = calloc(301, sizeof(*sv.clients));
	sv.views = calloc(301, sizeof(*sv.views));
	struct sv_room *room = &sv.rooms[0];
	room->in_use = true;
	sv.slot_rooms[0] = 1; /* as room_open keeps it */
	room->world = &hall;
	assert_true(sv_items_open(room)); /* the hall's items travel in every snapshot too */
	room->members = calloc(SV_ROOM_MAX_CLIENTS, sizeof(uint16_t));
	for (int f = 0; f < SV_FRAMES; f++)
		room->frames[f] = (struct sv_frame){
			.number = UINT32_MAX,
			.entries = calloc(SV_ROOM_MAX_CLIENTS, sizeof(struct sv_frame_entry)),
			.items = calloc(SIM_MAX_ITEMS, sizeof(struct proto_item))};
	uint8_t zone = sim_world_zone_find(w, "hall");
	for (int id = 1; id <= members; id++) {
		struct sv_client *c = &sv.clients[id];
		c->id = (uint16_t)id;
		c->peer = (net_peer)id;
		c->state = SV_CLIENT_JOINED;
		c->room = room;
		c->avatar = sim_avatar_spawn(w, sv_spawn_point(&sv, room, zone), 0);
		c->avatar.zone = zone;
		room->members[room->member_count++] = (uint16_t)id;
	}
}

static void server_teardown(void)
{
	for (int f = 0; f < SV_FRAMES; f++) {
		free(sv.rooms[0].frames[f].entries);
		free(sv.rooms[0].frames[f].items);
	}
	sv_items_free(&sv.rooms[0]);
	free(sv.rooms[0].members);
	free(sv.clients);
	free(sv.views);
	free(hall.sim);
}

static void member_remove(struct sv_room *room, uint16_t id)
{
	int k = 0;
	for (int i = 0; i < room->member_count; i++)
		if (room->members[i] != id)
			room->members[k++] = room->members[i];
	room->member_count = k;
}

/* Back in the room as someone new on the same id, somewhere else. */
static void member_add(struct sv_room *room, uint16_t id)
{
	struct sv_client *c = &sv.clients[id];
	c->recorded = false;
	c->avatar.pos_x_mm += 1230;
	int at = room->member_count++;
	while (at > 0 && room->members[at - 1] > id) {
		room->members[at] = room->members[at - 1];
		at--;
	}
	room->members[at] = id;
}

/* frames snapshots to client 1 of a hall of members walking to and fro,
 * its acks lag snapshots behind; with churn, members leave and come back
 * on their ids. Returns the snapshots in which a decoded avatar was not
 * where the server had it, once the client held everyone. */
static int run(int members, int lag, bool churn)
{
	server_setup(members);
	struct sv_room *room = &sv.rooms[0];
	struct sv_client *rx = &sv.clients[1];
	uint32_t newest = 0, newest_tick = 0;
	int wrong = 0, gone[64], gone_count = 0, complete = 0;
	memset(ring, 0, sizeof(ring));
	for (int frame = 1; frame <= 150; frame++) {
		sv.tick += 2;
		for (int id = 2; id <= members; id++) {
			struct sv_client *c = &sv.clients[id];
			c->avatar.pos_x_mm += frame & 1 ? 40 : -40;
			c->send_time_us = (uint32_t)frame * 66000u + (uint32_t)id;
		}
		if (churn && frame % 3 == 0 && frame <= 90) {
			uint16_t id = (uint16_t)(2 + (frame * 7) % (members - 1));
			member_remove(room, id);
			if (frame % 2)
				member_add(room, id);
			else if (gone_count < 64)
				gone[gone_count++] = id;
		}
		if (churn && frame == 100)
			while (gone_count)
				member_add(room, (uint16_t)gone[--gone_count]);
		sv_record_frame(&sv, room);
		uint8_t buf[PROTO_MAX_PACKET];
		bool view;
		uint32_t len = sv_snapshot_encode(&sv, room, rx, buf, sizeof(buf), &view);
		assert_true(len > 0 && len <= PROTO_MAX_PACKET);
		sv_snapshot_sent(&sv, room, rx, view);
		/* The client. */
		const struct proto_snapshot_ref ref = {newest, newest_tick, 0};
		uint32_t base_seq = proto_snapshot_base_seq(buf, len, &ref);
		const struct proto_snapshot *base = base_seq ? &ring[base_seq % RING] : NULL;
		if (base && base->seq != base_seq)
			fail_msg("frame %d: snapshot %u needs %u, which the client no longer has", frame,
				 rx->snapshot_seq, base_seq);
		if (proto_decode_snapshot(buf, len, &hall.bits, &ref, base, &decoded) != CORE_OK)
			fail_msg("frame %d (lag %d): snapshot %u does not decode", frame, lag,
				 rx->snapshot_seq);
		ring[decoded.seq % RING] = decoded;
		newest = decoded.seq;
		newest_tick = decoded.server_tick;
		/* Its ack, lag snapshots late. */
		if (rx->snapshot_seq > (uint32_t)lag)
			rx->acked_seq = rx->snapshot_seq - (uint32_t)lag;
		if (decoded.count != room->member_count)
			continue;
		complete++;
		int bad = 0;
		for (int i = 0; i < decoded.count; i++) {
			const struct sv_client *t = &sv.clients[decoded.avatars[i].id];
			struct sim_avatar q = proto_remote_quantize(&t->avatar);
			bad += t != rx && (decoded.avatars[i].state.pos_x_mm != q.pos_x_mm ||
					   decoded.avatars[i].state.pos_y_mm != q.pos_y_mm);
		}
		wrong += frame > 40 && bad > 0;
	}
	server_teardown();
	assert_true(complete > 100);
	return wrong;
}

static void late_acks_never_leave_avatars_behind(void **state)
{
	(void)state;
	static const int lags[] = {1, 2, 3, 6, 12};
	for (size_t i = 0; i < sizeof(lags) / sizeof(lags[0]); i++) {
		int wrong = run(200, lags[i], false);
		if (wrong)
			fail_msg("acks %d late: %d snapshots showed someone where they were not", lags[i],
				 wrong);
	}
}

static void comings_and_goings_on_reused_ids_decode_exactly(void **state)
{
	(void)state;
	static const int lags[] = {1, 2, 4};
	for (size_t i = 0; i < sizeof(lags) / sizeof(lags[0]); i++) {
		int wrong = run(250, lags[i], true);
		if (wrong)
			fail_msg("acks %d late, members coming and going: %d snapshots showed someone "
				 "where they were not",
				 lags[i], wrong);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(late_acks_never_leave_avatars_behind),
		cmocka_unit_test(comings_and_goings_on_reused_ids_decode_exactly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
