/* Handshake and start-up errors: a client of another protocol version is
 * refused with a message naming both versions; an absent server, a silent
 * one, bad flags and a broken world are reported clearly; a client that
 * vanishes times out, one that only stops sending input does not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "itest.h"
#include "proto/msg.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A refused client gives its place back at once: on a server that admits
 * one, an instructor refused (an open server) is followed straight away
 * by a student who joins, not told "full" (the refused connection held
 * the place until ENet's timeout, up to 30 s). Refusals are counted. */
static void a_refused_client_gives_its_place_back(void **state)
{
	(void)state;
	struct itest_server sv;
	char *flags[] = {"--max-clients", "1", NULL};
	assert_true(itest_server_start(&sv, flags));
	char *teacher[] = {LYCEUM_BOT_BIN, "--server", sv.addr, "--role", "instructor",
			   "--seconds", "1", NULL};
	struct itest_proc bot;
	assert_int_equal(itest_run(&bot, "refused-teacher", teacher, 20000), 1);
	char *pupil[] = {LYCEUM_BOT_BIN, "--server", sv.addr, "--seconds", "0.5", NULL};
	assert_int_equal(itest_run(&bot, "next-pupil", pupil, 20000), 0);
	assert_int_equal(itest_stop(&sv.proc, 5000), 0);
	char *log = itest_read(sv.proc.err_path);
	assert_non_null(log);
	assert_int_equal(itest_count(log, "reason=role"), 1);
	assert_int_equal(itest_count(log, "reason=full"), 0);
	free(log);
	assert_int_equal(itest_server_stat(&sv, "refused"), 1);
}

static void wrong_protocol_version_is_refused_with_a_message(void **state)
{
	(void)state;
	struct itest_server sv;
	assert_true(itest_server_start(&sv, NULL));
	char report[300];
	snprintf(report, sizeof(report), "%s/version.json", itest_dir());
	char *argv[] = {LYCEUM_BOT_BIN, "--server", sv.addr, "--protocol-version", "999",
			"--seconds", "1", "--report", report, NULL};
	struct itest_proc bot;
	assert_int_equal(itest_run(&bot, "old-client", argv, 20000), 1);
	char err[8192];
	itest_read_tail(bot.err_path, err, sizeof(err));
	char expect[160];
	snprintf(expect, sizeof(expect),
		 "refused by the server: protocol version mismatch: this server speaks version %d, "
		 "your client speaks version 999",
		 PROTO_VERSION);
	if (!strstr(err, expect))
		fail_msg("client output does not explain the refusal:\n%s", err);
	json_t *r = itest_json(report);
	assert_int_equal(json_integer_value(json_object_get(r, "refused")), 1);
	json_t *b = json_array_get(json_object_get(r, "bots"), 0);
	assert_string_equal(json_string_value(json_object_get(b, "state")), "refused");
	json_decref(r);

	/* The server said why in its log and carries on serving others. */
	assert_true(itest_wait_for(sv.proc.err_path, "refuse addr=127.0.0.1", 2000));
	char *argv2[] = {LYCEUM_BOT_BIN, "--server", sv.addr, "--seconds", "1", NULL};
	assert_int_equal(itest_run(&bot, "good-client", argv2, 20000), 0);
	assert_int_equal(itest_stop(&sv.proc, 5000), 0);
}

static void no_server_is_reported_not_hung(void **state)
{
	(void)state;
	/* Port 9 (discard) on loopback: nothing listens. The client's socket is
	 * connected to the server, so the kernel's port-unreachable answer tells
	 * it at once, without waiting out the 10 s connect timeout. */
	char *argv[] = {LYCEUM_BOT_BIN, "--server", "127.0.0.1:9", "--seconds", "1", NULL};
	struct itest_proc bot;
	assert_int_equal(itest_run(&bot, "no-server", argv, 8000), 1);
	char err[8192];
	itest_read_tail(bot.err_path, err, sizeof(err));
	if (!strstr(err, "no answer from the server at 127.0.0.1:9: nothing listens on that port "
			 "(connection refused)"))
		fail_msg("unexpected output:\n%s", err);
}

/* A host that takes datagrams and never answers (a firewall dropping them,
 * a server stopped in a debugger): the client gives up after its connect
 * timeout and says that the key exchange was never answered. */
static void a_silent_server_is_reported_after_the_timeout(void **state)
{
	(void)state;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t alen = sizeof(a);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	char addr[32];
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(a.sin_port));
	char *argv[] = {LYCEUM_BOT_BIN, "--server", addr, "--seconds", "1", NULL};
	struct itest_proc bot;
	int rc = itest_run(&bot, "silent-server", argv, 20000);
	close(fd);
	char err[4096];
	itest_read_tail(bot.err_path, err, sizeof(err));
	char want[120];
	snprintf(want, sizeof(want), "no answer from the server at %s within 10 s (its key exchange "
		 "was never answered)", addr);
	if (rc != 1 || !strstr(err, want))
		fail_msg("exit %d, want 1 and \"%s\":\n%s", rc, want, err);
}

static void bad_flags_and_worlds_stop_the_server_with_a_reason(void **state)
{
	(void)state;
	struct itest_proc p;
	char *rate[] = {LYCEUM_SERVER_BIN, "--rate", "50", NULL};
	assert_int_equal(itest_run(&p, "bad-rate", rate, 5000), 2);
	char *err = itest_read(p.err_path);
	assert_non_null(strstr(err, "--rate '50' is not a whole number from 10 to 30"));
	free(err);

	char *unknown[] = {LYCEUM_SERVER_BIN, "--colour", "red", NULL};
	assert_int_equal(itest_run(&p, "bad-flag", unknown, 5000), 2);
	err = itest_read(p.err_path);
	assert_non_null(strstr(err, "unknown flag --colour"));
	free(err);

	char *help[] = {LYCEUM_SERVER_BIN, "--help", NULL};
	assert_int_equal(itest_run(&p, "help", help, 5000), 0);
	char *out = itest_read(p.out_path);
	assert_non_null(strstr(out, "--max-clients"));
	free(out);

	char *missing[] = {LYCEUM_SERVER_BIN, "--port", "0", "--world", "atlantis", NULL};
	assert_int_equal(itest_run(&p, "no-world", missing, 5000), 1);
	err = itest_read(p.err_path);
	assert_non_null(strstr(err, "cannot load world"));
	assert_non_null(strstr(err, "atlantis.tmj"));
	free(err);

	/* A world with a mistake: the server names file, layer and object. */
	const char *dir = itest_dir();
	char *grid = itest_read(LYCEUM_SOURCE_DIR "/tests/data/worlds/grid.tmj");
	char *at = strstr(grid, "\"Seat\"");
	assert_non_null(at);
	memcpy(at, "\"Sea \"", 6);
	itest_write("broken.tmj", grid);
	free(grid);
	char *broken[] = {LYCEUM_SERVER_BIN, "--port", "0", "--worlds", (char *)dir, "--world",
			  "broken", NULL};
	assert_int_equal(itest_run(&p, "broken-world", broken, 5000), 1);
	err = itest_read(p.err_path);
	assert_non_null(strstr(err, "broken.tmj: layer 'objects' object 3: unknown class 'Sea '"));
	free(err);
}

static void a_client_that_vanishes_times_out(void **state)
{
	(void)state;
	struct itest_server sv;
	assert_true(itest_server_start(&sv, NULL));
	char *argv[] = {LYCEUM_BOT_BIN, "--server", sv.addr, "--seconds", "60", "--name", "ghost",
			NULL};
	struct itest_proc bot;
	assert_true(itest_spawn(&bot, "vanishing", argv));
	assert_true(itest_wait_for(sv.proc.err_path, "join room=lesson client=1 name=\"ghost-0\"", 10000));
	/* Gone without a word (a crash, a pulled cable): the server notices. */
	kill(bot.pid, SIGKILL);
	assert_true(itest_wait(&bot, 5000) >= 0);
	assert_true(itest_wait_for(sv.proc.err_path, "name=\"ghost-0\" reason=timeout", 12000));
	assert_true(itest_wait_for(sv.proc.err_path, "room close room=lesson", 2000));
	assert_int_equal(itest_stop(&sv.proc, 5000), 0);
}

static void a_client_stalled_behind_a_dialog_is_kept(void **state)
{
	(void)state;
	struct itest_server sv;
	assert_true(itest_server_start(&sv, NULL));
	char report[300];
	snprintf(report, sizeof(report), "%s/stalled.json", itest_dir());
	/* No input for 9 s, past the server's 7 s silence limit: the client
	 * keeps the link alive with an idle command a second. */
	char *argv[] = {LYCEUM_BOT_BIN, "--server", sv.addr, "--stall", "9", "--seconds", "11",
			"--name", "stalled", "--report", report, NULL};
	struct itest_proc bot;
	assert_int_equal(itest_run(&bot, "stalled", argv, 30000), 0);
	json_t *r = itest_json(report);
	assert_int_equal(json_integer_value(json_object_get(r, "still_connected")), 1);
	json_t *b = json_array_get(json_object_get(r, "bots"), 0);
	/* Served all along: alone and still, it gets the idle keepalive (about
	 * two a second), then the full rate once it walks. */
	double snaps = json_number_value(json_object_get(b, "snapshots_per_s"));
	if (snaps < 1.5)
		fail_msg("the stalled client got %.1f snapshots/s", snaps);
	assert_true(json_number_value(json_object_get(b, "snapshot_loss_pct")) < 1);
	json_decref(r);
	assert_true(itest_wait_for(sv.proc.err_path, "name=\"stalled-0\" reason=disconnect", 5000));
	char *log = itest_read(sv.proc.err_path);
	bool timed_out = strstr(log, "reason=timeout") != NULL;
	free(log);
	if (timed_out) {
		char tail[8192];
		fail_msg("the server timed the stalled client out:\n%s",
			 itest_read_tail(sv.proc.err_path, tail, sizeof(tail)));
	}
	assert_int_equal(itest_stop(&sv.proc, 5000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_client_that_vanishes_times_out),
		cmocka_unit_test(a_client_stalled_behind_a_dialog_is_kept),
		cmocka_unit_test(wrong_protocol_version_is_refused_with_a_message),
		cmocka_unit_test(a_refused_client_gives_its_place_back),
		cmocka_unit_test(no_server_is_reported_not_hung),
		cmocka_unit_test(a_silent_server_is_reported_after_the_timeout),
		cmocka_unit_test(bad_flags_and_worlds_stop_the_server_with_a_reason),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	itest_cleanup();
	return rc;
}
