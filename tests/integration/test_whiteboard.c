/* Boards through the real server, real clients and lyceum-netsim: the
 * board-v1 load at 5% loss and a 100 ms round trip converges on every
 * replica and on the server (the reconnecting client, which comes back
 * with its last seq, included); late joiners receive the board through
 * the late-join path and agree with the server. */
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
	assert_int_equal(itest_run(&bot, "pens", argv, 90000), 0);
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
	/* Ops resent after the reconnect were applied once. */
	assert_true(itest_server_stat(&sv, "board_ops") > 0);
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
	assert_int_equal(itest_run(&bot, "joiners", argv, 90000), 0);
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
	};
	int rc = cmocka_run_group_tests(tests, setup, NULL);
	itest_cleanup();
	return rc;
}
