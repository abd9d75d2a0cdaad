/* Items through the real server and real clients (lyceum-bot) on a copy
 * of tests/data/worlds/items.tmj (the grid world with its cube a metre
 * from a spawn, home after 2 s unattended): two bots
 * go for the cube at once and exactly one is granted it (the other is
 * told who holds it, and both see the same holder); the holder carries it
 * about, an onlooker sees it move, and when the holder leaves with it the
 * server puts it down; put down away from its spawn (so, or by its
 * holder), it goes back there once its time is up. A TA sends the cube
 * home from a student's hands, which a student may not. */
#include "itest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static long long num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static json_t *item0(json_t *report, const char *name)
{
	json_t *b = itest_bot_named(report, name);
	assert_non_null(b);
	json_t *items = json_object_get(b, "items");
	assert_int_equal(json_array_size(items), 1);
	return json_array_get(items, 0);
}

static void one_holder_carried_about_and_home_again(void **state)
{
	(void)state;
	/* The grid world, its cube on a table a metre from the right spawn
	 * (both bots can reach it on their first tick), home after 2 s. */
	const char *dir = itest_dir(), *worlds = LYCEUM_SOURCE_DIR "/tests/data/worlds";
	struct itest_server sv;
	char *flags[] = {"--worlds", (char *)worlds, "--world", "items", NULL};
	assert_true(itest_server_start(&sv, flags));
	char rep_grab[300], rep_look[300], rep_carry[300];
	snprintf(rep_grab, sizeof(rep_grab), "%s/grab.json", dir);
	snprintf(rep_look, sizeof(rep_look), "%s/look.json", dir);
	snprintf(rep_carry, sizeof(rep_carry), "%s/carry.json", dir);
#define BOT(NAME, ...)                                                                       \
	{LYCEUM_BOT_BIN, "--server", sv.addr, "--room", "items", "--worlds", (char *)worlds,   \
	 "--zones", "right", "--name", NAME, __VA_ARGS__, NULL}
	/* Two at once for the cube; the one granted carries it about and
	 * leaves with it 3 s later (the server puts it down where it was). */
	char *grab[] = BOT("grab", "--count", "2", "--behavior", "grab", "--item", "0", "--hold",
			   "10", "--seconds", "3", "--report", rep_grab);
	/* Once it is home again, another carries it 1.5 s and puts it down. */
	char *carry[] = BOT("carry", "--behavior", "grab", "--hold", "1.5", "--seconds", "3",
			    "--report", rep_carry);
	char *look[] = BOT("look", "--behavior", "idle", "--seconds", "13", "--report", rep_look);
	struct itest_proc g, l, k;
	assert_true(itest_spawn(&l, "look", look));
	assert_true(itest_spawn(&g, "grab", grab));
	assert_int_equal(itest_wait(&g, 30000), 0);
	assert_true(itest_wait_for(sv.proc.err_path, "back on its spawn", 10000));
	assert_true(itest_spawn(&k, "carry", carry));
	assert_int_equal(itest_wait(&k, 30000), 0);
	assert_int_equal(itest_wait(&l, 30000), 0);
	assert_int_equal(itest_stop(&sv.proc, 5000), 0);

	json_t *gr = itest_json(rep_grab), *lr = itest_json(rep_look), *kr = itest_json(rep_carry);
	assert_non_null(gr);
	assert_non_null(lr);
	assert_non_null(kr);
	json_t *a = json_object_get(itest_bot_named(gr, "grab-0"), "grab");
	json_t *b = json_object_get(itest_bot_named(gr, "grab-1"), "grab");
	assert_non_null(a);
	assert_non_null(b);
	/* Exactly one was granted the cube; the other asked and was refused. */
	assert_int_equal(num(a, "granted") + num(b, "granted"), 1);
	json_t *winner = num(a, "granted") ? a : b, *loser = num(a, "granted") ? b : a;
	assert_true(num(loser, "asked") >= 1);
	assert_true(num(loser, "refused") >= 1);
	assert_int_equal(num(winner, "holding"), 0);
	assert_int_equal(num(loser, "holding"), -1);
	assert_true(num(winner, "carry_moves") >= 20);
	/* Both saw the same holder: the winner. */
	json_t *wb = itest_bot_named(gr, num(a, "granted") ? "grab-0" : "grab-1");
	assert_string_equal(json_string_value(json_object_get(item0(gr, "grab-0"), "holder_name")),
			    json_string_value(json_object_get(wb, "name")));
	assert_string_equal(json_string_value(json_object_get(item0(gr, "grab-1"), "holder_name")),
			    json_string_value(json_object_get(wb, "name")));
	/* The carrier had it, carried it and put it down. */
	json_t *kg = json_object_get(itest_bot_named(kr, "carry-0"), "grab");
	assert_int_equal(num(kg, "granted"), 1);
	assert_int_equal(num(kg, "put_down"), 1);
	/* The onlooker saw it carried well away from its spawn, and at the
	 * end back on it, held by nobody. */
	json_t *seen = item0(lr, "look-0");
	assert_true(json_real_value(json_object_get(seen, "farthest_from_spawn_m")) > 1.0);
	assert_int_equal(num(seen, "holder"), 0);
	json_t *at = json_object_get(seen, "position_m");
	assert_true(json_real_value(json_array_get(at, 0)) == 15.0);
	assert_true(json_real_value(json_array_get(at, 1)) == 12.0);
	/* The server's record: two grabs, a refusal, a put-down as its holder
	 * left and one asked for, each followed by the return. */
	char *log = itest_read(sv.proc.err_path);
	assert_int_equal(itest_count(log, "name=cube grabbed by"), 2);
	assert_true(itest_count(log, "holds the cube") >= 1);
	assert_int_equal(itest_count(log, "name=cube put down: its holder"), 1);
	assert_int_equal(itest_count(log, "name=cube put down by"), 1);
	/* The time it lay depends on the tick; its return_after does not. */
	assert_int_equal(itest_count(log, "name=cube back on its spawn (unattended "), 2);
	assert_int_equal(itest_count(log, " s; it returns after 2 s)"), 2);
	free(log);
	assert_int_equal(itest_server_stat(&sv, "item_grabs"), 2);
	assert_int_equal(itest_server_stat(&sv, "item_returns"), 2);
	json_decref(kr);
	json_decref(gr);
	json_decref(lr);
}

static void staff_send_a_held_item_home(void **state)
{
	(void)state;
	/* A student keeps the cube; a TA sends it home from its hands (the
	 * desktop's /return-items), which a student may not. */
	const char *dir = itest_dir(), *worlds = LYCEUM_SOURCE_DIR "/tests/data/worlds";
	char keys[256], pub[300], key[300], rep_kid[300], rep_holder[300];
	assert_true(itest_keygen(keys, sizeof(keys), "item-keys"));
	snprintf(pub, sizeof(pub), "%s/token.pub", keys);
	snprintf(key, sizeof(key), "%s/token.key", keys);
	snprintf(rep_kid, sizeof(rep_kid), "%s/kid.json", dir);
	snprintf(rep_holder, sizeof(rep_holder), "%s/holder.json", dir);
	struct itest_server sv;
	char *flags[] = {"--worlds", (char *)worlds, "--world", "items", "--token-key", pub, NULL};
	assert_true(itest_server_start(&sv, flags));
	char *holder[] = BOT("holder", "--token-key", key, "--behavior", "grab", "--item", "0",
			     "--hold", "30", "--seconds", "7", "--report", rep_holder);
	char *ta[] = BOT("ta", "--token-key", key, "--role", "ta", "--behavior", "idle", "--seconds",
			 "3", "--moderate", "1.5:return-items");
	char *kid[] = BOT("kid", "--token-key", key, "--behavior", "idle", "--seconds", "3",
			  "--moderate", "1:return-items", "--report", rep_kid);
	struct itest_proc h, t, k;
	assert_true(itest_spawn(&h, "holder", holder));
	assert_true(itest_wait_for(sv.proc.err_path, "name=cube grabbed by", 10000));
	assert_true(itest_spawn(&k, "kid", kid));
	assert_true(itest_spawn(&t, "ta", ta));
	assert_int_equal(itest_wait(&k, 30000), 0);
	assert_int_equal(itest_wait(&t, 30000), 0);
	assert_int_equal(itest_wait(&h, 30000), 0);
	assert_int_equal(itest_stop(&sv.proc, 5000), 0);
	char *log = itest_read(sv.proc.err_path);
	assert_non_null(log);
	assert_int_equal(itest_count(log, "name=cube sent home by client="), 1);
	assert_non_null(strstr(log, "name=\"ta-0\" (held by \"holder-0\")"));
	free(log);
	char *out = itest_read(rep_kid);
	assert_non_null(out);
	assert_non_null(strstr(out, "a student may not send items home"));
	free(out);
	/* The holder was told who sent it home, not left to think it put it down. */
	json_t *r = itest_json(rep_holder);
	assert_non_null(r);
	json_t *grab = json_object_get(json_array_get(json_object_get(r, "bots"), 0), "grab");
	assert_int_equal(num(grab, "sent_home"), 1);
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_holder_carried_about_and_home_again),
		cmocka_unit_test(staff_send_a_held_item_home),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	itest_cleanup();
	return rc;
}
