/* sim_vectors: a long scripted run of the shared simulation, printed as one
 * hash. Built for this machine and for aarch64 (the Quest's and Pico's
 * processor) and run under qemu-aarch64; the two hashes must match.
 *
 * 64 avatars on a walled floor with furniture, two exclusive doors and 40
 * seats, 20,000 ticks of seeded input with sitting and standing, occupancy
 * arbitrated the way the server does it (first command wins); then lesson
 * scores of 2,000 seeded wobbly traces of a square, a zigzag and a circle
 * (the server alone scores, and a student on any machine must get the
 * same score from the same strokes). */
#include "sim/lesson.h"
#include "sim/move.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define AVATARS 64
#define TICKS 20000

static struct sim_world world;
static uint16_t seat_holder[SIM_MAX_SEATS], door_holder[SIM_MAX_DOORS];

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s;
}

/* Scores of seeded traces, hashed: each step's target traced with a
 * seeded offset and wobble, sometimes only in part. */
static uint64_t lesson_vectors(uint64_t hash)
{
	static struct sim_lesson_step steps[3];
	static struct sim_board_point pts[2048];
	struct sim_lesson_step *sq = &steps[0], *zz = &steps[1], *ci = &steps[2];
	*sq = (struct sim_lesson_step){.tolerance_mm = 20, .w_accuracy = 4, .w_coverage = 4,
				       .w_smoothness = 2, .pass = 650, .polyline_count = 1,
				       .polyline_end = {5}, .x = {220, 420, 420, 220, 220},
				       .y = {100, 100, 300, 300, 100}};
	*zz = (struct sim_lesson_step){.tolerance_mm = 25, .w_accuracy = 5, .w_coverage = 4,
				       .w_smoothness = 1, .pass = 700, .polyline_count = 2,
				       .polyline_end = {4, 6}, .x = {210, 430, 210, 430, 300, 340},
				       .y = {60, 60, 340, 340, 200, 200}};
	ci->tolerance_mm = 15;
	ci->w_accuracy = ci->w_coverage = ci->w_smoothness = 1;
	ci->polyline_count = 1;
	ci->polyline_end[0] = 49;
	for (int k = 0; k < 49; k++) { /* a rough 48-gon of radius 120, closed */
		static const int16_t c8[9] = {120, 111, 85, 46, 0, -46, -85, -111, -120};
		int q = k % 48, o = q % 12, quad = q / 12;
		int cx = o <= 8 ? c8[o * 8 / 12] : -c8[8 - (o - 8) * 8 / 12];
		int sx = o <= 8 ? c8[8 - o * 8 / 12] : c8[(o - 8) * 8 / 12];
		int x = quad == 0 ? cx : quad == 1 ? -sx : quad == 2 ? -cx : sx;
		int y = quad == 0 ? sx : quad == 1 ? cx : quad == 2 ? -sx : -cx;
		ci->x[k] = 320 + x;
		ci->y[k] = 200 + y;
	}
	uint32_t seed = 99;
	for (int t = 0; t < 2000; t++) {
		const struct sim_lesson_step *st = &steps[t % 3];
		int dx = (int)(lcg(&seed) >> 27) - 16, dy = (int)(lcg(&seed) >> 27) - 16;
		int wobble = (int)(lcg(&seed) >> 28), keep = 40 + (int)(lcg(&seed) % 61);
		uint32_t n = 0;
		for (uint16_t i = 0; i + 1 < st->polyline_end[st->polyline_count - 1] && n < 2000; i++) {
			for (int k = 0; k < 20 && n < 2000; k++) {
				int w = wobble ? (int)(lcg(&seed) % (uint32_t)(2 * wobble + 1)) - wobble : 0;
				int x = st->x[i] + (st->x[i + 1] - st->x[i]) * k / 20 + dx + w;
				int y = st->y[i] + (st->y[i + 1] - st->y[i]) * k / 20 + dy - w;
				pts[n++] = (struct sim_board_point){(uint16_t)(x + 640), (uint16_t)(y + 400),
								    (uint8_t)(100 + w)};
			}
		}
		struct sim_lesson_ink ink[2] = {{pts, n * (uint32_t)keep / 100},
						{pts + n * (uint32_t)keep / 100, n - n * (uint32_t)keep / 100}};
		struct sim_score sc = sim_lesson_score(st, ink, t % 5 ? 1 : 2, 640, 400);
		hash = (hash ^ ((uint64_t)sc.accuracy << 48 | (uint64_t)sc.coverage << 32 |
				(uint64_t)sc.smoothness << 16 | sc.total)) *
		       0x100000001b3ull;
	}
	return hash;
}

static void build_world(void)
{
	sim_world_init(&world, "vectors", 40, 30, 500);
	for (int c = 0; c < 40; c++) {
		sim_world_set_blocked(&world, c, 0, true);
		sim_world_set_blocked(&world, c, 29, true);
	}
	for (int r = 0; r < 30; r++) {
		sim_world_set_blocked(&world, 0, r, true);
		sim_world_set_blocked(&world, 39, r, true);
		if (r < 13 || r > 14) /* a wall down the middle with a two-tile door */
			sim_world_set_blocked(&world, 20, r, true);
	}
	for (int row = 0; row < 5; row++) /* desks with a chair behind each 2 tiles */
		for (int c = 3; c < 17; c++)
			sim_world_set_blocked(&world, c, 4 + row * 5, true);
	for (int row = 0; row < 5; row++) {
		for (int k = 0; k < 7; k++) {
			struct sim_seat *s = &world.seats[world.seat_count++];
			s->pos = (struct sim_point){(3 + 2 * k) * 500 + 250, (5 + row * 5) * 500 + 250};
			s->facing = 49152;
		}
	}
	for (int k = 0; k < 5; k++) {
		struct sim_seat *s = &world.seats[world.seat_count++];
		s->pos = (struct sim_point){(24 + 3 * k) * 500 + 250, 20 * 500 + 250};
		s->facing = (uint16_t)(k * 13107);
	}
	world.doors[world.door_count++] = (struct sim_door){.rect = {10000, 6500, 500, 1000}};
	world.doors[world.door_count++] = (struct sim_door){.rect = {15000, 12000, 1500, 500}};
	struct sim_point west[] = {{0, 0}, {10000, 0}, {10000, 15000}, {0, 15000}};
	struct sim_point east[] = {{10500, 0}, {20000, 0}, {20000, 15000}, {10500, 15000}};
	if (sim_world_add_zone(&world, "west", SIM_ZONE_CLASSROOM, 1, west, 4) != CORE_OK ||
	    sim_world_add_zone(&world, "east", SIM_ZONE_HALLWAY, 2, east, 4) != CORE_OK)
		return;
	sim_world_finish(&world);
}

static void hold(uint16_t *holders, uint16_t before, uint16_t after, uint16_t none, uint16_t id)
{
	if (before == after)
		return;
	if (before != none && holders[before] == id)
		holders[before] = 0;
	if (after != none)
		holders[after] = id;
}

int main(void)
{
	build_world();
	struct sim_avatar av[AVATARS];
	uint32_t rng = 0x4c594345; /* "LYCE" */
	for (int i = 0; i < AVATARS; i++) {
		struct sim_point p;
		do {
			p = (struct sim_point){(int32_t)(lcg(&rng) % 19000) + 500,
					       (int32_t)(lcg(&rng) % 14000) + 500};
		} while (sim_avatar_collides(&world, p));
		av[i] = sim_avatar_spawn(&world, p, (uint16_t)lcg(&rng));
	}
	uint64_t hash = CORE_FNV64_INIT, checkpoint = 0;
	int sits = 0, door_passes = 0;
	for (uint32_t t = 1; t <= TICKS; t++) {
		for (int i = 0; i < AVATARS; i++) {
			uint32_t r = lcg(&rng);
			struct sim_cmd cmd = {.tick = t,
					      .move_x = (int8_t)(r >> 24),
					      .move_y = (int8_t)(r >> 16),
					      .yaw = (uint16_t)(r >> 8),
					      .seat = SIM_SEAT_NONE};
			if ((r & 0xff) < 6)
				cmd.buttons = SIM_BUTTON_SIT;
			else if ((r & 0xff) < 9)
				cmd.buttons = SIM_BUTTON_STAND;
			else if ((r & 0xff) < 11) {
				cmd.buttons = SIM_BUTTON_SIT;
				cmd.seat = (uint16_t)((r >> 3) % world.seat_count);
			}
			/* Walk in runs of a second, so avatars reach walls, doors and seats. */
			if ((t / 30 + (uint32_t)i) % 3) {
				cmd.move_x = (int8_t)(((t / 30 + (uint32_t)i * 7) % 5) * 60 - 120);
				cmd.move_y = (int8_t)(((t / 45 + (uint32_t)i * 3) % 5) * 60 - 120);
			}
			/* A quarter of them head for a seat of their own choosing and ask for
			 * it, so seats are contested; now and then they stand up again. */
			if (i % 4 == 0 && (t / 600 + (uint32_t)i) % 2) {
				const struct sim_seat *want = &world.seats[(t / 600 + (uint32_t)i) % world.seat_count];
				int32_t dx = (want->pos.x_mm - av[i].pos_x_mm) / 16;
				int32_t dy = (want->pos.y_mm - av[i].pos_y_mm) / 16;
				cmd.move_x = (int8_t)CORE_CLAMP(dx, -127, 127);
				cmd.move_y = (int8_t)CORE_CLAMP(dy, -127, 127);
				cmd.buttons = (r & 0x1ff) == 0 ? SIM_BUTTON_STAND : SIM_BUTTON_SIT;
				cmd.seat = (uint16_t)(want - world.seats);
			}
			struct sim_occupancy occ = {.self = (uint16_t)(i + 1),
						    .seat_holder = seat_holder,
						    .door_holder = door_holder};
			struct sim_avatar before = av[i];
			sim_step(&world, SIM_TICK_HZ, &occ, &av[i], &cmd);
			hold(seat_holder, before.seat, av[i].seat, SIM_SEAT_NONE, (uint16_t)(i + 1));
			hold(door_holder, before.door, av[i].door, SIM_DOOR_NONE, (uint16_t)(i + 1));
			sits += before.seat == SIM_SEAT_NONE && av[i].seat != SIM_SEAT_NONE;
			door_passes += before.door == SIM_DOOR_NONE && av[i].door != SIM_DOOR_NONE;
			hash = sim_avatar_hash(hash, &av[i]);
		}
		if (t == TICKS / 2)
			checkpoint = hash;
	}
	/* the yaw every possible move vector faces (moves carry it as one bit) */
	for (int32_t x = -SIM_MOVE_MAX; x <= SIM_MOVE_MAX; x++)
		for (int32_t y = -SIM_MOVE_MAX; y <= SIM_MOVE_MAX; y++) {
			uint16_t yaw = sim_yaw_of(x, y);
			hash = (hash ^ yaw) * 0x100000001b3ull;
		}
	uint64_t lessons = lesson_vectors(CORE_FNV64_INIT);
	printf("sim_vectors: %d avatars x %d ticks, %d sits, %d door entries, checkpoint "
	       "%016" PRIx64 ", hash %016" PRIx64 ", lesson scores %016" PRIx64 "\n",
	       AVATARS, TICKS, sits, door_passes, checkpoint, hash, lessons);
	return sits > 20 && door_passes > 20 ? 0 : 1;
}
