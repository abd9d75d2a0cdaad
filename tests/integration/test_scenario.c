/* lyceum-bot --scenario classroom-presence-v1 keeps the bench spec's
 * interface: its flags, its JSON lines in order, its figures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "itest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The scenario against a server reading moves from its state socket (1) or
 * through ENet's socket and hook (0): the same figures either way. */
static void run_scenario(char *state_socket)
{
	struct itest_server sv;
	char *extra[] = {"--world", "bench-open", "--rate", "15", "--state-socket", state_socket, NULL};
	assert_true(itest_server_start(&sv, extra));
	char *argv[] = {LYCEUM_BOT_BIN, "--scenario", "classroom-presence-v1", "--rooms", "2",
			"--users", "10", "--rate", "15", "--seconds", "3", "--settle", "1", "--seed",
			"9", "--server", sv.addr, "--room-w", "20", "--room-h", "15", "--speed", "1.4",
			"--heading-every", "2", "--idle-fraction", "0.3", NULL};
	struct itest_proc p;
	assert_int_equal(itest_run(&p, "scenario", argv, 30000), 0);
	char *out = itest_read(p.out_path);
	/* JSON lines only, in the spec's order. */
	const char *events[] = {"joined", "window_start", "window_end", "result"};
	char *line = out, *next;
	int n = 0;
	json_t *result = NULL;
	for (; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		json_error_t err;
		json_t *j = json_loads(line, 0, &err);
		if (!j)
			fail_msg("not a JSON line: %s", line);
		assert_true(n < 4);
		assert_string_equal(json_string_value(json_object_get(j, "event")), events[n]);
		if (n == 0)
			assert_int_equal(json_integer_value(json_object_get(j, "clients")), 20);
		if (n == 3)
			result = j;
		else
			json_decref(j);
		n++;
	}
	assert_int_equal(n, 4);
	assert_string_equal(json_string_value(json_object_get(result, "system")), "lyceum");
	assert_int_equal(json_integer_value(json_object_get(result, "clients")), 20);
	assert_int_equal(json_integer_value(json_object_get(result, "decoding_clients")), 20);
	assert_int_equal(json_integer_value(json_object_get(result, "clients_connected_at_end")), 20);
	assert_int_equal(json_integer_value(json_object_get(result, "disconnects")), 0);
	assert_int_equal(json_integer_value(json_object_get(result, "decode_errors")), 0);
	double msgs = json_number_value(json_object_get(result, "messages_received_per_client_s"));
	double sent = json_number_value(json_object_get(result, "updates_sent_per_client_s"));
	double upd = json_number_value(json_object_get(result, "updates_received_per_client_s"));
	assert_true(msgs > 13 && msgs < 17);
	assert_true(sent > 13.5 && sent < 16.5);
	/* 9 others per room, about 70% walking at 15 Hz: about 95 a second. */
	assert_true(upd > 60 && upd < 140);
	json_t *lat = json_object_get(result, "latency_ms");
	assert_true(json_integer_value(json_object_get(lat, "samples")) > 1000);
	assert_true(json_number_value(json_object_get(lat, "p50")) < 100);
	json_decref(result);
	free(out);
	assert_int_equal(itest_stop(&sv.proc, 5000), 0);
	/* Each room's zone lists are encoded once per baseline its members
	 * acked (one to three a tick), not once per member (ten). */
	char *log = itest_read(sv.proc.err_path);
	long long snapshots = itest_server_stat(&sv, "snapshots");
	long long lists = itest_server_stat(&sv, "zone_lists");
	print_message("server: %lld snapshots from %lld zone list encodings\n", snapshots, lists);
	assert_true(snapshots > 1000);
	assert_true(lists > 0 && lists * 3 < snapshots);
	/* The moves went where the server said they would. */
	assert_int_equal(itest_server_stat(&sv, "stray"), 0);
	long long state_in = itest_server_stat(&sv, "state_in");
	print_message("server: %lld moves read from the state socket\n", state_in);
	assert_true(state_in >= 0);
	if (!strcmp(state_socket, "0")) {
		assert_int_equal(state_in, 0);
	} else if (strstr(log, "state datagrams: own socket")) {
		/* 20 clients at 15 Hz for the whole run, about 6 s. */
		assert_true(state_in > 1000);
	} else {
		/* A system without SO_REUSEPORT steering says so and shares the socket. */
		assert_non_null(strstr(log, "no SO_REUSEPORT steering here"));
	}
	free(log);
}

static void scenario_prints_its_json_lines(void **state)
{
	(void)state;
	run_scenario("1");
}

static void scenario_without_a_state_socket(void **state)
{
	(void)state;
	run_scenario("0");
}

static void unknown_flags_are_an_error(void **state)
{
	(void)state;
	struct itest_proc p;
	char *argv[] = {LYCEUM_BOT_BIN, "--scenario", "classroom-presence-v1", "--colour", "red", NULL};
	assert_int_equal(itest_run(&p, "scenario-bad", argv, 10000), 2);
	char *out = itest_read(p.out_path);
	assert_non_null(strstr(out, "{\"event\":\"error\",\"error\":\"unknown flag --colour\"}"));
	free(out);
	/* A --moderate TEXT longer than its step carries stops the bot, named. */
	char reason[200], script[220];
	memset(reason, 'x', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	snprintf(script, sizeof(script), "1:kick:someone:%s", reason);
	char *moderate[] = {LYCEUM_BOT_BIN, "--server", "127.0.0.1:9", "--moderate", script, NULL};
	assert_int_equal(itest_run(&p, "moderate-long", moderate, 10000), 2);
	char *long_err = itest_read(p.err_path);
	assert_non_null(strstr(long_err, "has a TEXT of 199 bytes; kick takes at most 95"));
	free(long_err);
	/* A server on another world is named, not silently misused. */
	struct itest_server sv;
	assert_true(itest_server_start(&sv, NULL));
	char *wrong[] = {LYCEUM_BOT_BIN, "--scenario", "classroom-presence-v1", "--users", "2",
			 "--seconds", "1", "--server", sv.addr, NULL};
	assert_int_equal(itest_run(&p, "scenario-world", wrong, 20000), 1);
	out = itest_read(p.out_path);
	assert_non_null(strstr(out, "\"event\":\"error\""));
	free(out);
	char *err = itest_read(p.err_path);
	assert_non_null(strstr(err, "needs bench-open"));
	free(err);
	assert_int_equal(itest_stop(&sv.proc, 5000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scenario_prints_its_json_lines),
		cmocka_unit_test(scenario_without_a_state_socket),
		cmocka_unit_test(unknown_flags_are_an_error),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	itest_cleanup();
	return rc;
}
