#include "fuzz_scene.h"

#include "sim/world_load.h"

#include <stdio.h>
#include <string.h>

static uint32_t next_rand(uint32_t *state)
{
	*state = *state * 1664525u + 1013904223u;
	return *state >> 8;
}

struct proto_pose fuzz_pose(int k)
{
	float d = (float)(k % 7) * 0.01f;
	struct proto_pose_f f = {
		.head_m = {0.05f + d, -0.02f, 1.62f - d},
		.head_q = {0.1f, -0.2f + d, 0.3f, 0.927f},
		.hand_m = {{0.3f, -0.35f - d, -0.5f}, {-0.3f + d, 0.2f, 0.1f}},
		.hand_q = {{0.5f, 0.5f, -0.5f, 0.5f}, {0.0f, 0.707f, 0.0f, 0.707f}},
	};
	struct proto_pose p;
	proto_pose_quantize(&f, &p);
	return p;
}

/* Frame 0 puts everyone near a spawn, every fifth avatar a VR user and a
 * few seated; then walkers walk, one leaves, one arrives, one teleports.
 * Avatar 0 is the receiver: the zone lists show it too, as the server's do. */
static void build_frames(struct fuzz_scene *s)
{
	const struct sim_world *w = &s->world;
	uint32_t rng = 2024;
	struct proto_snapshot_avatar live[FUZZ_AVATARS + 1]; /* the last arrives in frame 5 */
	for (int i = 0; i <= FUZZ_AVATARS; i++) {
		struct proto_snapshot_avatar *a = &live[i];
		memset(a, 0, sizeof(*a));
		a->id = (uint16_t)(2 + 5 * i + i % 3);
		const struct sim_point p = w->spawns[i % w->spawn_count].pos;
		a->state.pos_x_mm = p.x_mm + (int32_t)(next_rand(&rng) % 1200) - 600;
		a->state.pos_y_mm = p.y_mm + (int32_t)(next_rand(&rng) % 1200) - 600;
		a->state.yaw = (uint16_t)next_rand(&rng);
		a->state.seat = SIM_SEAT_NONE;
		a->state.door = SIM_DOOR_NONE;
		if (i % 7 == 3 && w->seat_count) {
			a->state.seat = (uint16_t)(i % w->seat_count);
			a->state.pos_x_mm = w->seats[a->state.seat].pos.x_mm;
			a->state.pos_y_mm = w->seats[a->state.seat].pos.y_mm;
			a->state.yaw = w->seats[a->state.seat].facing;
			a->state.flags = SIM_AVATAR_SITTING;
		}
		if (i == 22 && w->door_count)
			a->state.door = (uint16_t)(w->door_count - 1);
		a->send_time_us = 7000000u + next_rand(&rng) % 50000;
		a->has_pose = i % 5 == 0;
		if (a->has_pose)
			a->pose = fuzz_pose(i);
	}
	for (int f = 0; f < FUZZ_FRAMES; f++) {
		struct proto_snapshot *cur = &s->sent[f];
		memset(cur, 0, sizeof(*cur));
		cur->seq = FUZZ_FIRST_SEQ + (uint32_t)f;
		cur->server_tick = 90000u + 2u * (uint32_t)f;
		cur->ack_tick = 89990u + 2u * (uint32_t)f;
		cur->hold_ms = f == 0 ? PROTO_HOLD_NONE : (uint8_t)(9 + f);
		for (int i = 0; i <= FUZZ_AVATARS; i++) {
			struct proto_snapshot_avatar *a = &live[i];
			if (i == 10 && f >= 3)
				continue; /* left */
			if (i == FUZZ_AVATARS && f < 5)
				continue; /* not yet arrived */
			if (f > 0 && (i % 4 || i == 0) && !(a->state.flags & SIM_AVATAR_SITTING)) {
				a->state.pos_x_mm += 90 + (int32_t)(next_rand(&rng) % 20);
				a->state.flags = SIM_AVATAR_WALKING;
				a->send_time_us += 66666u + next_rand(&rng) % 3000;
			}
			if (f == 6 && i == 17) { /* a teleport and a turn */
				a->state.pos_y_mm -= 3000;
				a->state.yaw ^= 0x4000;
			}
			if (f > 0 && a->has_pose && (f + i) % 2)
				a->pose = fuzz_pose(f + i);
			a->state.zone = sim_world_zone_at(w, (struct sim_point){a->state.pos_x_mm,
										a->state.pos_y_mm});
			cur->avatars[cur->count++] = *a;
		}
		cur->self = live[0].state;
		/* The room's items: at their spawns, the first carried off from
		 * frame 2 by avatar 1, put down on the floor at frame 6. */
		cur->item_count = (uint8_t)s->bits.item_count;
		for (int i = 0; i < cur->item_count; i++) {
			struct proto_item *it = &cur->items[i];
			it->x_cm = (uint16_t)(w->items[i].pos.x_mm / 10);
			it->y_cm = (uint16_t)(w->items[i].pos.y_mm / 10);
			it->z_cm = (uint16_t)(w->items[i].height_mm / 10);
			if (i == 0 && f >= 2) {
				it->x_cm = (uint16_t)(it->x_cm + 30 * f);
				it->z_cm = f < 6 ? 110 : 0;
				it->yaw = (uint16_t)(0x1000 * f);
				it->holder = f < 6 ? live[1].id : 0;
			}
		}
	}
	const struct proto_snapshot *last = &s->sent[FUZZ_FRAMES - 1];
	s->ref = (struct proto_snapshot_ref){last->seq, last->server_tick, last->ack_tick + 3};
}

bool fuzz_scene_init(struct fuzz_scene *s)
{
	char err[512];
	memset(s, 0, sizeof(*s));
	if (sim_world_load_named(LYCEUM_SOURCE_DIR "/assets/worlds", "classroom", &s->world, err,
				 sizeof(err)) != CORE_OK) {
		fprintf(stderr, "fuzz scene: %s\n", err);
		return false;
	}
	proto_world_bits_init(&s->bits, &s->world);
	s->bits.tick_us = 1000000u / SIM_TICK_HZ;
	build_frames(s);
	return true;
}

uint32_t fuzz_scene_encode(const struct fuzz_scene *s, int i, int base, uint8_t *buf,
			   uint32_t cap)
{
	return proto_encode_snapshot(&s->sent[i], base < 0 ? NULL : &s->sent[base], &s->bits, buf,
				     cap);
}

struct proto_move fuzz_walker_move(uint32_t newest_tick, bool vr)
{
	struct proto_move m = {.count = PROTO_MOVE_CMDS,
			       .send_time_us = 4123456789u,
			       .ack_seq = FUZZ_FIRST_SEQ + 3,
			       .acked_tick = newest_tick - 2,
			       .has_pose = vr};
	for (int i = 0; i < PROTO_MOVE_CMDS; i++) {
		struct sim_cmd *c = &m.cmds[i];
		c->tick = newest_tick - (uint32_t)i;
		c->move_x = (int8_t)(127 - 2 * i);
		c->move_y = (int8_t)(-40 + i);
		c->yaw = sim_yaw_of(c->move_x, c->move_y);
		c->seat = SIM_SEAT_NONE;
	}
	if (vr) {
		m.pose = fuzz_pose(3);
		m.cmds[2].yaw = 0x2000; /* looking elsewhere: an explicit yaw */
	}
	return m;
}
