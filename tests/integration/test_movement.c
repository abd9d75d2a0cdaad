/* Movement through the real server: a bot walking into a wall never gets
 * through it; a bot walking through a door changes zone and is announced to
 * the zone it enters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "itest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *first_bot(json_t *report)
{
	return json_array_get(json_object_get(report, "bots"), 0);
}

static double vec(json_t *b, const char *key, int i)
{
	return json_real_value(json_array_get(json_object_get(b, key), (size_t)i));
}

static void walking_into_a_wall_never_gets_through(void **state)
{
	(void)state;
	/* grid.tmj: tiles of 2 m, a wall over x = 10..12 m except y = 6..10 m.
	 * The bot spawns at (3, 3) m and walks east along y = 3 m. */
	struct itest_server sv;
	char *extra[] = {"--worlds", LYCEUM_SOURCE_DIR "/tests/data/worlds", "--world", "grid", NULL};
	assert_true(itest_server_start(&sv, extra));
	char path_file[256];
	snprintf(path_file, sizeof(path_file), "%s", itest_write("wall.json", "[[18.0, 3.0]]"));
	char report[300];
	snprintf(report, sizeof(report), "%s/wall-report.json", itest_dir());
	char *argv[] = {LYCEUM_BOT_BIN, "--server", sv.addr, "--zones", "left", "--behavior", "path",
			"--path", path_file, "--seconds", "6", "--worlds",
			LYCEUM_SOURCE_DIR "/tests/data/worlds", "--report", report, NULL};
	struct itest_proc bot;
	assert_int_equal(itest_run(&bot, "wall-bot", argv, 30000), 0);
	json_t *r = itest_json(report);
	assert_non_null(r);
	json_t *b = first_bot(r);
	json_t *extent = json_object_get(b, "server_extent_m");
	double max_x = json_real_value(json_object_get(extent, "max_x"));
	/* Flush against the wall (10 m minus the 0.25 m half-size), never past. */
	assert_true(max_x <= 9.75 + 1e-9);
	assert_true(fabs(vec(b, "server_position_m", 0) - 9.75) < 1e-9);
	assert_true(fabs(vec(b, "server_position_m", 1) - 3.0) < 1e-9);
	/* The prediction agreed with the server the whole way. */
	assert_true(vec(b, "predicted_position_m", 0) == vec(b, "server_position_m", 0));
	assert_int_equal(json_integer_value(json_object_get(b, "corrections")), 0);
	assert_string_equal(json_string_value(json_object_get(b, "zone")), "left");
	json_decref(r);
	assert_int_equal(itest_stop(&sv.proc, 5000), 0);
}

static void walking_through_the_door_changes_zone(void **state)
{
	(void)state;
	struct itest_server sv;
	assert_true(itest_server_start(&sv, NULL));
	/* Three people wait in the hallway. */
	char hall_report[300];
	snprintf(hall_report, sizeof(hall_report), "%s/hall.json", itest_dir());
	char *hall_argv[] = {LYCEUM_BOT_BIN, "--server", sv.addr, "--count", "3", "--zones",
			     "hallway", "--behavior", "idle", "--seconds", "5", "--name", "hall",
			     "--report", hall_report, NULL};
	struct itest_proc hall;
	assert_true(itest_spawn(&hall, "hall", hall_argv));
	assert_true(itest_wait_for(hall.err_path, "3 of 3 bots joined", 10000));

	/* One walks from just inside the classroom door out to the hallway. */
	char path_file[256];
	snprintf(path_file, sizeof(path_file), "%s", itest_write("door.json", "[[15.25, 6.0]]"));
	char walk_report[300];
	snprintf(walk_report, sizeof(walk_report), "%s/walker.json", itest_dir());
	char *walk_argv[] = {LYCEUM_BOT_BIN, "--server", sv.addr, "--zones", "classroom",
			     "--behavior", "path", "--path", path_file, "--seconds", "3", "--name",
			     "walker", "--report", walk_report, NULL};
	struct itest_proc walker;
	assert_int_equal(itest_run(&walker, "walker", walk_argv, 20000), 0);
	assert_int_equal(itest_wait(&hall, 20000), 0);

	json_t *w = itest_json(walk_report), *h = itest_json(hall_report);
	assert_non_null(w);
	assert_non_null(h);
	json_t *wb = first_bot(w);
	int walker_id = (int)json_integer_value(json_object_get(wb, "id"));
	assert_string_equal(json_string_value(json_object_get(wb, "home_zone")), "classroom");
	assert_string_equal(json_string_value(json_object_get(wb, "zone")), "hallway");
	assert_int_equal(json_integer_value(json_object_get(wb, "zone_changes")), 1);
	/* A full snapshot on join and another on entering the hallway. */
	assert_int_equal(json_integer_value(json_object_get(wb, "full_snapshots")), 2);
	assert_int_equal(json_integer_value(json_object_get(wb, "corrections")), 0);
	json_t *wseen = json_object_get(wb, "seen");
	assert_int_equal(json_array_size(json_object_get(wseen, "hallway")), 3);
	assert_null(json_object_get(wseen, "classroom")); /* nobody else was there */
	/* Every hallway bot saw the walker, in the hallway. */
	json_t *hb;
	size_t i;
	json_array_foreach(json_object_get(h, "bots"), i, hb) {
		json_t *list = json_object_get(json_object_get(hb, "seen"), "hallway");
		bool found = false;
		for (size_t k = 0; k < json_array_size(list); k++)
			found |= json_integer_value(json_array_get(list, k)) == walker_id;
		assert_true(found);
		assert_int_equal(json_object_size(json_object_get(hb, "seen")), 1);
	}
	json_decref(w);
	json_decref(h);
	assert_int_equal(itest_stop(&sv.proc, 5000), 0);
	char *log = itest_read(sv.proc.err_path);
	assert_non_null(strstr(log, "name=\"walker-0\" from=classroom to=hallway"));
	free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walking_into_a_wall_never_gets_through),
		cmocka_unit_test(walking_through_the_door_changes_zone),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	itest_cleanup();
	return rc;
}
