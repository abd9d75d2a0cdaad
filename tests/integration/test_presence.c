/* 50 real bots against the real server over loopback, in two zones: each
 * sees exactly the avatars of its own zone, at the configured rate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "itest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BOTS 50
#define RATE_HZ 15

static void fifty_bots_see_exactly_their_zone(void **state)
{
	(void)state;
	struct itest_server sv;
	char *extra[] = {"--rate", "15", NULL};
	assert_true(itest_server_start(&sv, extra));

	char report[300];
	snprintf(report, sizeof(report), "%s/presence.json", itest_dir());
	char *argv[] = {LYCEUM_BOT_BIN, "--server", sv.addr, "--room", "physics", "--count", "50",
			"--zones", "classroom,meeting", "--behavior", "wander", "--seconds", "4",
			"--seed", "42", "--report", report, NULL};
	struct itest_proc bot;
	int rc = itest_run(&bot, "bots", argv, 40000);
	if (rc != 0) {
		char err[8192];
		fail_msg("lyceum-bot exited %d:\n%s", rc, itest_read_tail(bot.err_path, err, sizeof(err)));
	}

	json_t *r = itest_json(report);
	assert_non_null(r);
	assert_int_equal(json_integer_value(json_object_get(r, "connected")), BOTS);
	assert_int_equal(json_integer_value(json_object_get(r, "still_connected")), BOTS);
	assert_int_equal(json_integer_value(json_object_get(r, "decode_errors")), 0);
	json_t *lat = json_object_get(r, "latency_ms");
	assert_true(json_integer_value(json_object_get(lat, "samples")) > 1000);

	/* Who is where, from the bots' own join zones. */
	json_t *bots = json_object_get(r, "bots");
	assert_int_equal(json_array_size(bots), BOTS);
	int ids[BOTS];
	const char *zone[BOTS];
	int per_zone_classroom = 0, per_zone_meeting = 0;
	for (int i = 0; i < BOTS; i++) {
		json_t *b = json_array_get(bots, (size_t)i);
		ids[i] = (int)json_integer_value(json_object_get(b, "id"));
		zone[i] = json_string_value(json_object_get(b, "home_zone"));
		assert_non_null(zone[i]);
		per_zone_classroom += !strcmp(zone[i], "classroom");
		per_zone_meeting += !strcmp(zone[i], "meeting");
	}
	assert_int_equal(per_zone_classroom, 25);
	assert_int_equal(per_zone_meeting, 25);

	for (int i = 0; i < BOTS; i++) {
		json_t *b = json_array_get(bots, (size_t)i);
		/* Wandering bots keep to their zone: it never changed. */
		assert_int_equal(json_integer_value(json_object_get(b, "zone_changes")), 0);
		assert_string_equal(json_string_value(json_object_get(b, "zone")), zone[i]);
		/* Snapshots at the configured rate, within 20%. */
		double rate = json_real_value(json_object_get(b, "snapshots_per_s"));
		if (rate < RATE_HZ * 0.8 || rate > RATE_HZ * 1.2)
			fail_msg("bot %d received %.2f snapshots/s, expected %d +-20%%", i, rate, RATE_HZ);
		assert_int_equal(json_integer_value(json_object_get(b, "full_snapshots")), 1);
		/* Seen: only its own zone, and exactly the others there. */
		json_t *seen = json_object_get(b, "seen");
		assert_int_equal(json_object_size(seen), 1);
		json_t *list = json_object_get(seen, zone[i]);
		if (!list)
			fail_msg("bot %d (zone %s) saw avatars in another zone", i, zone[i]);
		int expect = 0;
		for (int j = 0; j < BOTS; j++) {
			if (j == i || strcmp(zone[j], zone[i]))
				continue;
			expect++;
			bool found = false;
			for (size_t k = 0; k < json_array_size(list); k++)
				found |= json_integer_value(json_array_get(list, k)) == ids[j];
			if (!found)
				fail_msg("bot %d never saw bot %d of its zone %s", i, j, zone[i]);
		}
		assert_int_equal((int)json_array_size(list), expect);
		/* No conflicts: prediction never needed a correction. */
		assert_int_equal(json_integer_value(json_object_get(b, "corrections")), 0);
	}
	json_decref(r);

	/* The server logged each join and each (polite) leave, and stops cleanly. */
	assert_true(itest_wait_for(sv.proc.err_path, "room close room=physics", 5000));
	assert_int_equal(itest_stop(&sv.proc, 5000), 0);
	char *log = itest_read(sv.proc.err_path);
	assert_int_equal(itest_count(log, "join room=physics"), BOTS);
	assert_int_equal(itest_count(log, "reason=disconnect"), BOTS);
	assert_int_equal(itest_count(log, "reason=timeout"), 0);
	assert_non_null(strstr(log, "room open room=physics world=classroom"));
	free(log);
}

/* Headsets send head and hand poses; those travel to the others of the
 * zone, and only for the avatars that have them. */
static void vr_poses_reach_the_zone(void **state)
{
	(void)state;
	struct itest_server sv;
	assert_true(itest_server_start(&sv, NULL));
	char desk_report[300], vr_report[300];
	snprintf(desk_report, sizeof(desk_report), "%s/desk.json", itest_dir());
	snprintf(vr_report, sizeof(vr_report), "%s/vr.json", itest_dir());
	char *desk_argv[] = {LYCEUM_BOT_BIN, "--server", sv.addr, "--count", "3", "--zones",
			     "classroom", "--behavior", "idle", "--seconds", "3", "--name", "desk",
			     "--report", desk_report, NULL};
	char *vr_argv[] = {LYCEUM_BOT_BIN, "--server", sv.addr, "--count", "2", "--zones",
			   "classroom", "--behavior", "wander", "--vr", "1", "--seconds", "2",
			   "--name", "quest", "--report", vr_report, NULL};
	struct itest_proc desk, vr;
	assert_true(itest_spawn(&desk, "desk", desk_argv));
	assert_true(itest_wait_for(desk.err_path, "3 of 3 bots joined", 10000));
	assert_int_equal(itest_run(&vr, "quest", vr_argv, 20000), 0);
	assert_int_equal(itest_wait(&desk, 20000), 0);
	json_t *d = itest_json(desk_report), *v = itest_json(vr_report);
	assert_non_null(d);
	assert_non_null(v);
	json_t *b;
	size_t i;
	/* Desktop users saw posed avatars (the headsets) and plain ones (each
	 * other), and their client core's views showed the headsets' poses. */
	json_array_foreach(json_object_get(d, "bots"), i, b) {
		assert_true(json_integer_value(json_object_get(b, "seen_with_pose")) > 10);
		assert_true(json_integer_value(json_object_get(b, "views_with_pose")) > 10);
		assert_true(json_integer_value(json_object_get(b, "seen_without_pose")) > 10);
	}
	/* Each headset saw the other headset posed and the three desks plain. */
	json_array_foreach(json_object_get(v, "bots"), i, b) {
		assert_true(json_is_true(json_object_get(b, "vr_pose")));
		assert_true(json_integer_value(json_object_get(b, "seen_with_pose")) > 5);
		assert_true(json_integer_value(json_object_get(b, "seen_without_pose")) > 15);
	}
	json_decref(d);
	json_decref(v);
	assert_int_equal(itest_stop(&sv.proc, 5000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vr_poses_reach_the_zone),
		cmocka_unit_test(fifty_bots_see_exactly_their_zone),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	itest_cleanup();
	return rc;
}
