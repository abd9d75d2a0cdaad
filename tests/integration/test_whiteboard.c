/* Boards through the real server, real clients and lyceum-netsim: the
 * board-v1 load at 5% loss and a 100 ms round trip converges on every
 * replica and on the server (the reconnecting client, which comes back
 * with its last seq, included); late joiners receive the board through
 * the late-join path and agree with the server; students may not erase
 * others' strokes or clear the board, staff may. */
#include "itest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static char g_keys[256];

/* The scenario's result: its last line of standard output. */
static json_t *result_of(const struct itest_proc *p)
{
	char *out = itest_read(p->out_path);
	char *last = strstr(out, "{\"event\":\"result\"");
	json_t *r = last ? json_loads(last, 0, NULL) : NULL;
	if (!r)
		fprintf(stderr, "no result in the scenario's output:\n%s\n", out);
	free(out);
	return r;
}

/* Runs the scenario to its end; one that fails says why (its error event
 * on standard output, its progress on standard error). */
static void run_scenario(struct itest_proc *bot, const char *name, char *const argv[])
{
	int rc = itest_run(bot, name, argv, 90000);
	if (rc != 0) {
		char out[4096], err[8192];
		fail_msg("lyceum-bot --scenario board-v1 exited %d:\n%s\n%s", rc,
			 itest_read_tail(bot->out_path, out, sizeof(out)),
			 itest_read_tail(bot->err_path, err, sizeof(err)));
	}
}

static void start_behind_netsim(struct itest_server *sv, struct itest_server *ns)
{
	char pub[300];
	snprintf(pub, sizeof(pub), "%s/token.pub", g_keys);
	char *flags[] = {"--token-key", pub, NULL};
	assert_true(itest_server_start(sv, flags));
	char *impair[] = {"--loss", "5", "--delay", "50", "--seed", "11", NULL};
	assert_true(itest_netsim_start(ns, sv, impair));
}

static void thirty_pens_through_loss_converge_with_the_server(void **state)
{
	(void)state;
	struct itest_server sv, ns;
	start_behind_netsim(&sv, &ns);
	char key[300];
	snprintf(key, sizeof(key), "%s/token.key", g_keys);
	char *argv[] = {LYCEUM_BOT_BIN, "--scenario", "board-v1", "--phase", "live", "--server",
			ns.addr, "--token-key", key, "--seed", "1", "--seconds", "6", "--ramp", "1",
			"--reconnect-at", "2", "--offline", "1", NULL};
	struct itest_proc bot;
	run_scenario(&bot, "pens", argv);
	itest_stop(&ns.proc, 5000);
	assert_int_equal(itest_stop(&sv.proc, 5000), 0);
	json_t *r = result_of(&bot);
	assert_non_null(r);
	char server_hash[65];
	assert_true(itest_board_hash(&sv, "board-v1", server_hash));
	const char *native = json_string_value(json_object_get(r, "native_content_hash"));
	fprintf(stderr, "30 pens at 5%% loss: %lld points, %lld gaps repaired, reconnect resync %.1f ms, "
			"server %s, replicas %s\n",
		(long long)json_integer_value(json_object_get(r, "points_drawn")),
		(long long)json_integer_value(json_object_get(r, "gaps_repaired")),
		json_real_value(json_object_get(r, "reconnect_resync_ms")), server_hash, native);
	assert_true(json_is_true(json_object_get(r, "converged")));
	assert_true(json_is_true(json_object_get(r, "order_hashes_agree")));
	assert_non_null(native);
	assert_string_equal(native, server_hash);
	/* The loss was real: batches went missing and were repaired. */
	assert_true(json_integer_value(json_object_get(r, "gaps_repaired")) > 0);
	assert_true(json_real_value(json_object_get(r, "reconnect_resync_ms")) >= 0);
	/* Ops went again until confirmed (each BOARD_OPS datagram repeats the
	 * author's unconfirmed ones, and the reconnect resent its own): the
	 * server saw repeats, applied each op once, and every replica agrees. */
	assert_true(itest_server_stat(&sv, "board_ops") > 0);
	assert_true(itest_server_stat(&sv, "board_dups") > 0);
	json_decref(r);
}

static void late_joiners_receive_the_board_the_server_holds(void **state)
{
	(void)state;
	struct itest_server sv, ns;
	start_behind_netsim(&sv, &ns);
	char key[300];
	snprintf(key, sizeof(key), "%s/token.key", g_keys);
	char *argv[] = {LYCEUM_BOT_BIN, "--scenario", "board-v1", "--phase", "join", "--server",
			ns.addr, "--token-key", key, "--seed", "2", "--strokes", "60", "--joins", "2",
			"--room", "late", NULL};
	struct itest_proc bot;
	run_scenario(&bot, "joiners", argv);
	itest_stop(&ns.proc, 5000);
	assert_int_equal(itest_stop(&sv.proc, 5000), 0);
	json_t *r = result_of(&bot);
	assert_non_null(r);
	char server_hash[65];
	assert_true(itest_board_hash(&sv, "late", server_hash));
	assert_true(json_is_true(json_object_get(r, "converged")));
	assert_string_equal(json_string_value(json_object_get(r, "native_content_hash")), server_hash);
	/* Each joiner (and each loader, joining an empty board) got a snapshot. */
	assert_true(itest_server_stat(&sv, "board_snapshots") >= 32);
	json_decref(r);
}

/* Ordinary bots drawing (--behavior draw): each reports the board it
 * holds, and every report shows the server's hash. */
static void drawing_bots_report_the_servers_board(void **state)
{
	(void)state;
	struct itest_server sv;
	char pub[300], key[300], report[300];
	snprintf(pub, sizeof(pub), "%s/token.pub", g_keys);
	snprintf(key, sizeof(key), "%s/token.key", g_keys);
	snprintf(report, sizeof(report), "%s/draw.json", itest_dir());
	char *flags[] = {"--token-key", pub, NULL};
	assert_true(itest_server_start(&sv, flags));
	char *argv[] = {LYCEUM_BOT_BIN, "--server", sv.addr, "--behavior", "draw", "--count", "6",
			"--room", "drawing", "--token-key", key, "--seconds", "5", "--report", report,
			NULL};
	struct itest_proc bot;
	assert_int_equal(itest_run(&bot, "drawers", argv, 60000), 0);
	assert_int_equal(itest_stop(&sv.proc, 5000), 0);
	char server_hash[65];
	assert_true(itest_board_hash(&sv, "drawing", server_hash));
	json_t *rep = itest_json(report);
	assert_non_null(rep);
	json_t *bots = json_object_get(rep, "bots");
	assert_int_equal(json_array_size(bots), 6);
	for (size_t i = 0; i < json_array_size(bots); i++) {
		json_t *board = json_object_get(json_array_get(bots, i), "board");
		assert_non_null(board);
		assert_true(json_integer_value(json_object_get(board, "ops_sent")) > 20);
		assert_int_equal(json_integer_value(json_object_get(board, "ops_pending")), 0);
		assert_string_equal(json_string_value(json_object_get(board, "content_hash")), server_hash);
	}
	json_decref(rep);
}

static long long board_stat(json_t *bot, const char *key)
{
	return (long long)json_integer_value(json_object_get(json_object_get(bot, "board"), key));
}

/* Who may remove what: two students (modified clients that send what
 * their role may not) try to erase the TA's stroke and to clear the board,
 * and the one whose stroke the TA erased tries to bring it back: all
 * refused. The TA erases and, once the students' pens rest, clears the
 * board; a newcomer then finds it empty, as the server holds it. The
 * steps leave a second or more either side, so the bots' join times
 * (spawned together) do not decide the outcome. */
static void staff_erase_and_clear_students_may_not(void **state)
{
	(void)state;
	struct itest_server sv;
	char pub[300], key[300], pupils_json[300], ta_json[300], after_json[300];
	snprintf(pub, sizeof(pub), "%s/token.pub", g_keys);
	snprintf(key, sizeof(key), "%s/token.key", g_keys);
	snprintf(pupils_json, sizeof(pupils_json), "%s/erase-pupils.json", itest_dir());
	snprintf(ta_json, sizeof(ta_json), "%s/erase-ta.json", itest_dir());
	snprintf(after_json, sizeof(after_json), "%s/erase-after.json", itest_dir());
	char *flags[] = {"--token-key", pub, NULL};
	assert_true(itest_server_start(&sv, flags));
	/* The students draw until 6.5 s and leave at 8 s; the TA draws until
	 * 8.5 s, erases at 4.5 s, presses R three times from 7 s (bringing
	 * back what it erased, and any of its own it undid since) and clears
	 * at 9.5 s. */
	char *pupils[] = {LYCEUM_BOT_BIN, "--server", sv.addr, "--room", "erase", "--token-key", key,
			  "--count", "2", "--name", "pupil", "--behavior", "draw", "--seconds", "8",
			  "--chat-unchecked", "1", "--report", pupils_json, "--moderate",
			  "3:erase:teacher-0;3.5:clear-board:1;6.5:redo-erased", NULL};
	char *ta[] = {LYCEUM_BOT_BIN, "--server", sv.addr, "--room", "erase", "--token-key", key,
		      "--count", "1", "--name", "teacher", "--role", "ta", "--behavior", "draw",
		      "--seconds", "10", "--report", ta_json, "--moderate",
		      "4.5:erase:pupil-0;7:redo;7.3:redo;7.6:redo;9.5:clear-board:1", NULL};
	struct itest_proc p, t;
	assert_true(itest_spawn(&p, "erase-pupils", pupils));
	assert_true(itest_spawn(&t, "erase-ta", ta));
	assert_int_equal(itest_wait(&p, 30000), 0);
	assert_int_equal(itest_wait(&t, 30000), 0);
	char *after[] = {LYCEUM_BOT_BIN, "--server", sv.addr, "--room", "erase", "--token-key", key,
			 "--count", "1", "--name", "after", "--behavior", "lesson", "--seconds", "2",
			 "--report", after_json, NULL};
	struct itest_proc af;
	assert_int_equal(itest_run(&af, "erase-after", after, 30000), 0);
	assert_int_equal(itest_stop(&sv.proc, 5000), 0);
	char server_hash[65];
	assert_true(itest_board_hash(&sv, "erase", server_hash));
	json_t *pr = itest_json(pupils_json), *tr = itest_json(ta_json), *ar = itest_json(after_json);
	assert_non_null(pr);
	assert_non_null(tr);
	assert_non_null(ar);
	json_t *teacher = itest_bot_named(tr, "teacher-0"), *newcomer = itest_bot_named(ar, "after-0");
	assert_non_null(teacher);
	assert_non_null(newcomer);
	/* The TA's erase and clear went out and were logged, not refused. */
	assert_int_equal(board_stat(teacher, "erased"), 1);
	assert_int_equal(board_stat(teacher, "cleared"), 1);
	/* Its R brought back the student's stroke it had erased, and the
	 * server took it (a student's attempt at that was refused). */
	assert_int_equal(board_stat(teacher, "redone_theirs"), 1);
	assert_int_equal(board_stat(teacher, "refused"), 0);
	long long refused = 0;
	for (int i = 0; i < 2; i++) {
		char name[32];
		snprintf(name, sizeof(name), "pupil-%d", i);
		json_t *b = itest_bot_named(pr, name);
		assert_non_null(b);
		assert_int_equal(board_stat(b, "erased"), 1);
		assert_int_equal(board_stat(b, "cleared"), 1);
		/* Only the one the TA erased has a stroke to try to bring back. */
		assert_int_equal(board_stat(b, "redone_erased"), i == 0);
		assert_int_equal(board_stat(b, "refused"), 2 + (i == 0));
		refused += board_stat(b, "refused");
	}
	assert_int_equal(itest_server_stat(&sv, "board_refused"), refused);
	/* Each student's first refusal (erasing the TA's stroke) is logged as
	 * what it lacked, not as drawing (which students may do). */
	char *log = itest_read(sv.proc.err_path);
	assert_non_null(log);
	assert_int_equal(itest_count(log, "action=board_op: a student may not erase others' strokes"), 2);
	assert_int_equal(itest_count(log, "may not draw"), 0);
	free(log);
	/* Cleared: the newcomer's board and the server's are empty alike. */
	assert_int_equal(board_stat(newcomer, "strokes"), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(newcomer, "board"),
							       "content_hash")),
			    server_hash);
	json_decref(pr);
	json_decref(tr);
	json_decref(ar);
}

static int setup(void **state)
{
	(void)state;
	return itest_keygen(g_keys, sizeof(g_keys), "keys") ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(thirty_pens_through_loss_converge_with_the_server),
		cmocka_unit_test(late_joiners_receive_the_board_the_server_holds),
		cmocka_unit_test(drawing_bots_report_the_servers_board),
		cmocka_unit_test(staff_erase_and_clear_students_may_not),
	};
	int rc = cmocka_run_group_tests(tests, setup, NULL);
	itest_cleanup();
	return rc;
}
