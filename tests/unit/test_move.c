/* The shared movement step: speed, collision and sliding, zones, and
 * determinism. Worlds are built by hand so every number is known. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/move.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct sim_world world;

/* 20 x 10 tiles of 1 m; a wall along column 10 with a gap at rows 4-5;
 * zones "west" (columns 0-9) and "east" (columns 11-19). */
static int setup(void **state)
{
	(void)state;
	sim_world_init(&world, "test", 20, 10, 1000);
	for (int r = 0; r < 10; r++)
		if (r != 4 && r != 5)
			sim_world_set_blocked(&world, 10, r, true);
	struct sim_point west[] = {{0, 0}, {10000, 0}, {10000, 10000}, {0, 10000}};
	struct sim_point east[] = {{11000, 0}, {20000, 0}, {20000, 10000}, {11000, 10000}};
	if (sim_world_add_zone(&world, "west", SIM_ZONE_CLASSROOM, 1, west, 4) != CORE_OK ||
	    sim_world_add_zone(&world, "east", SIM_ZONE_HALLWAY, 2, east, 4) != CORE_OK)
		return -1;
	return 0;
}

static struct sim_cmd cmd(int8_t mx, int8_t my)
{
	return (struct sim_cmd){.move_x = mx, .move_y = my, .yaw = 0};
}

static void walks_at_walking_speed(void **state)
{
	(void)state;
	struct sim_avatar a = sim_avatar_spawn(&world, (struct sim_point){1000, 1000}, 0);
	struct sim_cmd c = cmd(127, 0);
	for (int i = 0; i < SIM_TICK_HZ; i++)
		sim_step(&world, SIM_TICK_HZ, NULL, &a, &c);
	/* One second at full stick: 1.4 m/s within rounding of one mm per tick. */
	assert_in_range(a.pos_x_mm - 1000, SIM_WALK_SPEED_MM_S - SIM_TICK_HZ,
			SIM_WALK_SPEED_MM_S + SIM_TICK_HZ);
	assert_int_equal(a.pos_y_mm, 1000);
	assert_true(a.flags & SIM_AVATAR_WALKING);
	assert_int_equal(sim_step_max_mm(SIM_TICK_HZ), 47);
}

static void diagonal_is_no_faster(void **state)
{
	(void)state;
	struct sim_avatar a = sim_avatar_spawn(&world, (struct sim_point){1000, 1000}, 0);
	struct sim_cmd c = cmd(127, 127);
	sim_step(&world, SIM_TICK_HZ, NULL, &a, &c);
	int64_t dx = a.pos_x_mm - 1000, dy = a.pos_y_mm - 1000;
	assert_true(dx * dx + dy * dy <= 47 * 47);
	/* -128 is outside the stick's disc and is clamped, not a faster step. */
	struct sim_avatar b = sim_avatar_spawn(&world, (struct sim_point){5000, 5000}, 0);
	c = cmd(-128, -128);
	sim_step(&world, SIM_TICK_HZ, NULL, &b, &c);
	dx = b.pos_x_mm - 5000;
	dy = b.pos_y_mm - 5000;
	assert_true(dx * dx + dy * dy <= 47 * 47);
}

static void wall_stops_flush_and_never_lets_through(void **state)
{
	(void)state;
	struct sim_avatar a = sim_avatar_spawn(&world, (struct sim_point){8000, 1500}, 0);
	struct sim_cmd c = cmd(127, 0);
	for (int i = 0; i < 200; i++)
		sim_step(&world, SIM_TICK_HZ, NULL, &a, &c);
	assert_int_equal(a.pos_x_mm, 10000 - SIM_AVATAR_RADIUS_MM);
	assert_int_equal(a.pos_y_mm, 1500);
	assert_true(a.flags & SIM_AVATAR_BLOCKED);
	/* At the slowest tick rate a step is longer; still no tunnelling. */
	a = sim_avatar_spawn(&world, (struct sim_point){8000, 1500}, 0);
	for (int i = 0; i < 200; i++)
		sim_step(&world, 10, NULL, &a, &c);
	assert_int_equal(a.pos_x_mm, 10000 - SIM_AVATAR_RADIUS_MM);
	/* From the other side too. */
	a = sim_avatar_spawn(&world, (struct sim_point){13000, 8500}, 0);
	c = cmd(-127, 0);
	for (int i = 0; i < 200; i++)
		sim_step(&world, SIM_TICK_HZ, NULL, &a, &c);
	assert_int_equal(a.pos_x_mm, 11000 + SIM_AVATAR_RADIUS_MM);
}

static void slides_along_a_wall(void **state)
{
	(void)state;
	/* Pushing diagonally into the wall: x stops, y keeps going. */
	struct sim_avatar a = sim_avatar_spawn(&world, (struct sim_point){9500, 500}, 0);
	struct sim_cmd c = cmd(90, 90);
	for (int i = 0; i < 30; i++)
		sim_step(&world, SIM_TICK_HZ, NULL, &a, &c);
	assert_int_equal(a.pos_x_mm, 9750);
	assert_true(a.pos_y_mm > 500 + 800);
}

static void passes_the_gap_and_changes_zone(void **state)
{
	(void)state;
	struct sim_avatar a = sim_avatar_spawn(&world, (struct sim_point){8000, 5000}, 0);
	assert_int_equal(a.zone, 0);
	struct sim_cmd c = cmd(127, 0);
	bool saw_doorway = false;
	for (int i = 0; i < 120; i++) {
		sim_step(&world, SIM_TICK_HZ, NULL, &a, &c);
		struct sim_point p = {a.pos_x_mm, a.pos_y_mm};
		if (sim_world_zone_at(&world, p) == SIM_ZONE_NONE) {
			saw_doorway = true;
			assert_int_equal(a.zone, 0); /* keeps its zone on the threshold */
		}
	}
	assert_true(saw_doorway);
	assert_true(a.pos_x_mm > 11500);
	assert_int_equal(a.zone, 1);
}

static void map_edges_are_walls(void **state)
{
	(void)state;
	struct sim_avatar a = sim_avatar_spawn(&world, (struct sim_point){1000, 1000}, 0);
	struct sim_cmd c = cmd(-127, -127);
	for (int i = 0; i < 100; i++)
		sim_step(&world, SIM_TICK_HZ, NULL, &a, &c);
	assert_int_equal(a.pos_x_mm, SIM_AVATAR_RADIUS_MM);
	assert_int_equal(a.pos_y_mm, SIM_AVATAR_RADIUS_MM);
}

static void sitting_avatars_do_not_walk(void **state)
{
	(void)state;
	struct sim_avatar a = sim_avatar_spawn(&world, (struct sim_point){3000, 3000}, 0);
	a.flags |= SIM_AVATAR_SITTING;
	struct sim_cmd c = cmd(127, 0);
	c.yaw = 1234;
	sim_step(&world, SIM_TICK_HZ, NULL, &a, &c);
	assert_int_equal(a.pos_x_mm, 3000);
	assert_int_equal(a.yaw, 0); /* a seated avatar faces the seat's way */
}

static void seats_are_taken_by_name_and_reach(void **state)
{
	(void)state;
	static struct sim_world w;
	sim_world_init(&w, "seats", 10, 10, 1000);
	w.seats[0] = (struct sim_seat){.pos = {2500, 2500}, .facing = 49152};
	w.seats[1] = (struct sim_seat){.pos = {3500, 2500}, .facing = 0};
	w.seat_count = 2;
	uint16_t seat_holder[2] = {0, 0};
	struct sim_occupancy me = {.self = 7, .seat_holder = seat_holder};
	struct sim_avatar a = sim_avatar_spawn(&w, (struct sim_point){2500, 3300}, 0);
	struct sim_cmd sit = {.buttons = SIM_BUTTON_SIT, .seat = 1, .move_x = 127};
	/* Seat 1 is 1.28 m away: out of reach, so the avatar walks instead. */
	sim_step(&w, SIM_TICK_HZ, &me, &a, &sit);
	assert_int_equal(a.seat, SIM_SEAT_NONE);
	assert_false(a.flags & SIM_AVATAR_SITTING);
	/* Seat 0 is within reach but someone holds it. */
	seat_holder[0] = 9;
	sit.seat = 0;
	sim_step(&w, SIM_TICK_HZ, &me, &a, &sit);
	assert_int_equal(a.seat, SIM_SEAT_NONE);
	/* Free again: sits, snapped onto the seat, facing its way. */
	seat_holder[0] = 0;
	sim_step(&w, SIM_TICK_HZ, &me, &a, &sit);
	assert_int_equal(a.seat, 0);
	assert_true(a.flags & SIM_AVATAR_SITTING);
	assert_int_equal(a.pos_x_mm, 2500);
	assert_int_equal(a.pos_y_mm, 2500);
	assert_int_equal(a.yaw, 49152);
	/* Seated avatars do not walk; STAND frees them and they walk on. */
	struct sim_cmd walk = {.move_x = 127};
	sim_step(&w, SIM_TICK_HZ, &me, &a, &walk);
	assert_int_equal(a.pos_x_mm, 2500);
	struct sim_cmd stand = {.buttons = SIM_BUTTON_STAND, .move_x = 127};
	sim_step(&w, SIM_TICK_HZ, &me, &a, &stand);
	assert_int_equal(a.seat, SIM_SEAT_NONE);
	assert_true(a.pos_x_mm > 2500);
	/* Nearest free seat when none is named. */
	struct sim_cmd any = {.buttons = SIM_BUTTON_SIT, .seat = SIM_SEAT_NONE};
	seat_holder[0] = 9;
	a = sim_avatar_spawn(&w, (struct sim_point){3000, 3000}, 0);
	sim_step(&w, SIM_TICK_HZ, &me, &a, &any);
	assert_int_equal(a.seat, 1);
	/* An out-of-range seat index is simply not a seat. */
	a = sim_avatar_spawn(&w, (struct sim_point){3000, 3000}, 0);
	struct sim_cmd bogus = {.buttons = SIM_BUTTON_SIT, .seat = 400};
	sim_step(&w, SIM_TICK_HZ, &me, &a, &bogus);
	assert_int_equal(a.seat, SIM_SEAT_NONE);
}

static void a_held_door_is_a_wall(void **state)
{
	(void)state;
	/* The wall's gap (rows 4-5 of column 10) is a door. */
	world.doors[0] = (struct sim_door){.rect = {10000, 4000, 1000, 2000}};
	world.door_count = 1;
	uint16_t door_holder[1] = {3};
	struct sim_occupancy other = {.self = 5, .door_holder = door_holder};
	struct sim_avatar a = sim_avatar_spawn(&world, (struct sim_point){8000, 5000}, 0);
	struct sim_cmd c = cmd(127, 0);
	for (int i = 0; i < 120; i++)
		sim_step(&world, SIM_TICK_HZ, &other, &a, &c);
	assert_int_equal(a.pos_x_mm, 10000 - SIM_AVATAR_RADIUS_MM);
	assert_int_equal(a.door, SIM_DOOR_NONE);
	/* The holder itself passes, holding the door while in it. */
	struct sim_occupancy holder = {.self = 3, .door_holder = door_holder};
	bool held = false;
	for (int i = 0; i < 120; i++) {
		sim_step(&world, SIM_TICK_HZ, &holder, &a, &c);
		held |= a.door == 0;
	}
	assert_true(held);
	assert_true(a.pos_x_mm > 11500);
	assert_int_equal(a.door, SIM_DOOR_NONE);
	world.door_count = 0;
}

/* Many avatars, seeded commands, long run: the same hash twice. */
static uint64_t scripted_run(uint32_t seed)
{
	struct sim_avatar av[32];
	for (int i = 0; i < 32; i++)
		av[i] = sim_avatar_spawn(&world, (struct sim_point){500 + i * 600 % 9000, 500 + i * 280}, 0);
	uint32_t x = seed;
	uint64_t h = CORE_FNV64_INIT;
	for (int t = 0; t < 3000; t++) {
		for (int i = 0; i < 32; i++) {
			x = x * 1664525u + 1013904223u;
			struct sim_cmd c = {.tick = (uint32_t)t, .move_x = (int8_t)(x >> 24),
					    .move_y = (int8_t)(x >> 16), .yaw = (uint16_t)x};
			sim_step(&world, SIM_TICK_HZ, NULL, &av[i], &c);
			assert_false(sim_avatar_collides(&world,
							 (struct sim_point){av[i].pos_x_mm, av[i].pos_y_mm}));
		}
	}
	for (int i = 0; i < 32; i++)
		h = sim_avatar_hash(h, &av[i]);
	return h;
}

static void same_inputs_same_result(void **state)
{
	(void)state;
	uint64_t a = scripted_run(7), b = scripted_run(7), c = scripted_run(8);
	assert_true(a == b);
	assert_true(a != c);
}

/* sim_yaw_of is atan2 to within one 65536th of a turn, exact on the axes. */
static void yaw_of_a_move_is_its_direction(void **state)
{
	(void)state;
	assert_int_equal(sim_yaw_of(0, 0), 0);
	assert_int_equal(sim_yaw_of(127, 0), 0);
	assert_int_equal(sim_yaw_of(0, 127), 16384);
	assert_int_equal(sim_yaw_of(-127, 0), 32768);
	assert_int_equal(sim_yaw_of(0, -127), 49152);
	assert_int_equal(sim_yaw_of(90, 90), 8192);
	int worst = 0;
	for (int x = -SIM_MOVE_MAX; x <= SIM_MOVE_MAX; x++) {
		for (int y = -SIM_MOVE_MAX; y <= SIM_MOVE_MAX; y++) {
			if (!x && !y)
				continue;
			double a = atan2(y, x) / (2.0 * 3.14159265358979323846) * 65536.0;
			long want = lround(a < 0 ? a + 65536.0 : a) % 65536;
			int d = (int)((want - sim_yaw_of(x, y)) & 0xffff);
			d = d > 32768 ? 65536 - d : d;
			worst = d > worst ? d : worst;
		}
	}
	assert_true(worst <= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walks_at_walking_speed),
		cmocka_unit_test(diagonal_is_no_faster),
		cmocka_unit_test(wall_stops_flush_and_never_lets_through),
		cmocka_unit_test(slides_along_a_wall),
		cmocka_unit_test(passes_the_gap_and_changes_zone),
		cmocka_unit_test(map_edges_are_walls),
		cmocka_unit_test(sitting_avatars_do_not_walk),
		cmocka_unit_test(seats_are_taken_by_name_and_reach),
		cmocka_unit_test(a_held_door_is_a_wall),
		cmocka_unit_test(same_inputs_same_result),
		cmocka_unit_test(yaw_of_a_move_is_its_direction),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
