/* A world per room: one server runs a classroom seminar and an open hall
 * at once, each world loaded once and shared by its rooms, and a room
 * whose world does not load is refused with the loader's message while the
 * others keep running. The real server and bots on loopback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "itest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One bot in room for a second; returns its exit status, its report in
 * *out_report (NULL when it wrote none) and its standard error in *out_err. */
static int bot_in(const struct itest_server *sv, const char *room, json_t **out_report,
		  char **out_err)
{
	char report[300];
	snprintf(report, sizeof(report), "%s/report-%s.json", itest_dir(), room);
	char *argv[] = {LYCEUM_BOT_BIN, "--server", (char *)sv->addr, "--room", (char *)room,
			"--count", "2", "--seconds", "1", "--behavior", "idle", "--report", report,
			NULL};
	struct itest_proc p;
	int rc = itest_run(&p, room, argv, 20000);
	*out_err = itest_read(p.err_path);
	*out_report = itest_json(report);
	return rc;
}

static const char *world_of(json_t *report, int bot)
{
	json_t *b = json_array_get(json_object_get(report, "bots"), (size_t)bot);
	return json_string_value(json_object_get(b, "world"));
}

static void rooms_run_their_own_worlds(void **state)
{
	(void)state;
	struct itest_server sv;
	char *extra[] = {"--rooms", "seminar,hall=bench-open,annex=classroom,broken=no-such-world",
			 NULL};
	assert_true(itest_server_start(&sv, extra));
	json_t *report;
	char *err;

	assert_int_equal(bot_in(&sv, "hall", &report, &err), 0);
	assert_string_equal(world_of(report, 0), "bench-open");
	assert_string_equal(world_of(report, 1), "bench-open");
	json_decref(report);
	free(err);

	/* The room whose world did not load is refused, with the loader's
	 * message; the server goes on. */
	int rc = bot_in(&sv, "broken", &report, &err);
	if (rc != 1 || !strstr(err, "its world does not load") || !strstr(err, "no-such-world"))
		fail_msg("expected a refusal naming the missing world; exit %d:\n%s", rc, err);
	json_decref(report);
	free(err);

	assert_int_equal(bot_in(&sv, "seminar", &report, &err), 0);
	assert_string_equal(world_of(report, 0), "classroom");
	json_decref(report);
	free(err);

	/* Not listed: not hosted. */
	rc = bot_in(&sv, "elsewhere", &report, &err);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(err, "does not host room 'elsewhere'"));
	json_decref(report);
	free(err);

	assert_int_equal(itest_stop(&sv.proc, 5000), 0);
	/* Each world loaded once, whatever the number of rooms running it. */
	char *log = itest_read(sv.proc.err_path);
	assert_int_equal(itest_count(log, "world classroom:"), 1);
	assert_int_equal(itest_count(log, "world bench-open:"), 1);
	assert_non_null(strstr(log, "room=broken is refused while its world does not load"));
	free(log);
}

static void a_bad_rooms_list_is_refused_at_start(void **state)
{
	(void)state;
	char *argv[] = {LYCEUM_SERVER_BIN, "--port", "0", "--rooms", "hall=../etc/passwd", NULL};
	struct itest_proc p;
	assert_int_equal(itest_run(&p, "bad-rooms", argv, 10000), 2);
	char *err = itest_read(p.err_path);
	assert_non_null(strstr(err, "is not a world name"));
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rooms_run_their_own_worlds),
		cmocka_unit_test(a_bad_rooms_list_is_refused_at_start),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	itest_cleanup();
	return rc;
}
