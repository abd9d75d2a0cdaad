/* Lessons through the real server and real clients (lyceum-bot): an
 * instructor starts the letters lesson; two careful students trace every
 * step and are let on step by step, a careless one is scored below the
 * pass mark and its request for the next step is refused with its score,
 * a student who joins mid-lesson gets its own practice area and the first
 * step, a student cannot start a lesson and a missing lesson is refused
 * with the reason (and the lessons there are); at the stop the server logs
 * the leaderboard, and every client holds the same one. A lesson whose
 * areas the board holds two of: the third student and the instructor are
 * told it cannot be scored, the two who have one trace the targets the
 * server sends them (the lesson is only the server's), the instructor's
 * clear of the board takes back their passes, and the instructor moves
 * one of them on to its next step (which a student may not). */
#include "itest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static char g_keys[256];

static json_t *lesson_of(json_t *report, const char *name)
{
	json_t *b = itest_bot_named(report, name);
	assert_non_null(b);
	json_t *l = json_object_get(b, "lesson");
	if (!l)
		fail_msg("%s has no lesson in its report", name);
	return l;
}

static long long num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static void a_class_follows_a_lesson_scored_by_the_server(void **state)
{
	(void)state;
	struct itest_server sv;
	char pub[300], key[300], rep[4][300];
	snprintf(pub, sizeof(pub), "%s/token.pub", g_keys);
	snprintf(key, sizeof(key), "%s/token.key", g_keys);
	const char *names[4] = {"teacher", "neat", "sloppy", "late"};
	for (int i = 0; i < 4; i++)
		snprintf(rep[i], sizeof(rep[i]), "%s/%s.json", itest_dir(), names[i]);
	char *flags[] = {"--token-key", pub, NULL};
	assert_true(itest_server_start(&sv, flags));
#define BOT(NAME, ...)                                                                       \
	{LYCEUM_BOT_BIN, "--server", sv.addr, "--room", "lesson", "--token-key", key, "--name", \
	 NAME, __VA_ARGS__, NULL}
	char *teacher[] = BOT("teacher", "--role", "instructor", "--behavior", "idle", "--seconds",
			      "11", "--report", rep[0], "--moderate",
			      "0.3:lesson-start::no-such-lesson;1:lesson-start::letters;3:lesson-start::shapes;"
			      "10:lesson-stop");
	char *neat[] = BOT("neat", "--count", "2", "--behavior", "lesson", "--seconds", "10.5",
			   "--report", rep[1]);
	char *sloppy[] = BOT("sloppy", "--behavior", "lesson", "--lesson-noise", "80", "--seconds",
			     "10.5", "--report", rep[2], "--moderate", "0.5:lesson-start::letters");
	char *late[] = BOT("late", "--behavior", "lesson", "--seconds", "5.5", "--report", rep[3]);
	struct itest_proc t, n, s, l;
	assert_true(itest_spawn(&t, "teacher", teacher));
	assert_true(itest_spawn(&n, "neat", neat));
	assert_true(itest_spawn(&s, "sloppy", sloppy));
	sleep(4);
	assert_true(itest_spawn(&l, "late", late));
	assert_int_equal(itest_wait(&t, 30000), 0);
	assert_int_equal(itest_wait(&n, 30000), 0);
	assert_int_equal(itest_wait(&s, 30000), 0);
	assert_int_equal(itest_wait(&l, 30000), 0);
	/* After the stop, with everyone gone, a newcomer is shown the results. */
	char results_json[300];
	snprintf(results_json, sizeof(results_json), "%s/results.json", itest_dir());
	char *after[] = BOT("after", "--behavior", "lesson", "--seconds", "2", "--report", results_json);
	struct itest_proc af;
	assert_int_equal(itest_run(&af, "after", after, 30000), 0);
	assert_int_equal(itest_stop(&sv.proc, 5000), 0);
	json_t *ar = itest_json(results_json);
	assert_non_null(ar);
	/* Lesson and chat as the server holds them, through a snapshot. */
	char server_state[65];
	assert_true(itest_state_hash(&sv, "lesson", server_state));
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(itest_bot_named(ar, "after-0"), "board"), "state_hash")),
			    server_state);
	json_t *al = lesson_of(ar, "after-0");
	assert_string_equal(json_string_value(json_object_get(al, "lesson")), "letters");
	assert_false(json_is_true(json_object_get(al, "active")));
	json_t *results = json_object_get(al, "leaderboard");
	assert_int_equal(json_array_size(results), 4);
	/* Named, those who left too (their STEP ops carry the name). */
	bool late_named = false;
	for (size_t i = 0; i < json_array_size(results); i++)
		late_named |= !strcmp(json_string_value(json_object_get(json_array_get(results, i), "name")),
				      "late-0");
	assert_true(late_named);
	int done_well = 0;
	for (size_t i = 0; i < json_array_size(results); i++)
		done_well += num(json_array_get(results, i), "step") == 5 &&
			     num(json_array_get(results, i), "points") >= 5 * 700;
	assert_true(done_well >= 2); /* the careful ones (and the late one), points whole */
	json_decref(ar);

	json_t *tr = itest_json(rep[0]), *nr = itest_json(rep[1]), *sr = itest_json(rep[2]),
	       *lr = itest_json(rep[3]);
	assert_non_null(tr);
	assert_non_null(nr);
	assert_non_null(sr);
	assert_non_null(lr);
	/* The careful ones did every step, each validated by the server. */
	for (int i = 0; i < 2; i++) {
		char name[16];
		snprintf(name, sizeof(name), "neat-%d", i);
		json_t *le = lesson_of(nr, name);
		assert_string_equal(json_string_value(json_object_get(le, "lesson")), "letters");
		assert_int_equal(num(le, "step"), 5);
		assert_true(num(le, "points") >= 5 * 700);
		assert_int_equal(json_array_size(json_object_get(le, "leaderboard")), 4);
		/* Live, to the end of the lesson: the same state as the server's. */
		assert_string_equal(json_string_value(json_object_get(
					    json_object_get(itest_bot_named(nr, name), "board"), "state_hash")),
				    server_state);
	}
	/* The careless one: scored, below the mark, held at step 1. */
	json_t *sl = lesson_of(sr, "sloppy-0");
	assert_int_equal(num(sl, "step"), 0);
	assert_int_equal(num(sl, "nexts_asked"), 1);
	json_t *last = json_object_get(sl, "last_score");
	assert_false(json_is_true(json_object_get(last, "passed")));
	assert_true(num(last, "total") < 700);
	/* Its two refusals: starting a lesson, and the next step. */
	json_t *sb = itest_bot_named(sr, "sloppy-0");
	assert_int_equal(num(sb, "refused_actions"), 2);
	/* The late joiner took part from its first step. */
	json_t *ll = lesson_of(lr, "late-0");
	assert_true(num(ll, "step") >= 1);
	/* The instructor was told why the missing lesson did not start. */
	char *out = itest_read(rep[0]);
	assert_non_null(strstr(out, "no lesson 'no-such-lesson' here; there are: letters shapes"));
	/* A second start while one runs is refused: it would wipe the
	 * students' steps. */
	assert_non_null(strstr(out, "'letters' is running: /lesson stop first"));
	free(out);
	/* The server's record: ten steps passed by the careful ones, the late
	 * one's, none of the careless one's, and the leaderboard at the stop. */
	char *log = itest_read(sv.proc.err_path);
	assert_true(itest_count(log, "lesson step passed") >= 11);
	assert_int_equal(itest_count(log, "lesson started room=lesson "), 1);
	assert_int_equal(itest_count(log, "user=sloppy-0 author=4 step="), 0);
	assert_int_equal(itest_count(log, "lesson leaderboard"), 4);
	assert_non_null(strstr(log, "place=1 user=neat-"));
	assert_non_null(strstr(log, "place=4 user=sloppy-0"));
	free(log);
	json_decref(tr);
	json_decref(nr);
	json_decref(sr);
	json_decref(lr);
}

/* letters.json with practice areas of W x H mm, as DIR/NAME.json. */
static void write_lesson(const char *dir, const char *name, int w, int h)
{
	char *text = itest_read(LYCEUM_SOURCE_DIR "/assets/lessons/letters.json");
	assert_non_null(text);
	static const char area[] = "\"width_mm\": 640,\n    \"height_mm\": 400";
	char *at = strstr(text, area);
	assert_non_null(at);
	char path[400];
	snprintf(path, sizeof(path), "%s/%s.json", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%.*s\"width_mm\": %d, \"height_mm\": %d%s", (int)(at - text), text, w, h,
		at + strlen(area));
	assert_int_equal(fclose(f), 0);
	free(text);
}

static void a_full_board_says_who_is_left_out_and_a_clear_takes_passes_back(void **state)
{
	(void)state;
	/* A lesson whose areas are so big that the board holds two. */
	char dir[300], pub[300], key[300], rep[3][300];
	snprintf(dir, sizeof(dir), "%s/pair-lessons", itest_dir());
	assert_int_equal(mkdir(dir, 0755), 0);
	write_lesson(dir, "pair", 2000, 2000);
	/* And a broken one, cut short: warned of at start, offered to nobody. */
	char broken[400];
	snprintf(broken, sizeof(broken), "%s/broken.json", dir);
	FILE *f = fopen(broken, "w");
	assert_non_null(f);
	fputs("{\"format\": \"lyceum-lesson-1\", \"title\": \"cut", f);
	fclose(f);
	snprintf(pub, sizeof(pub), "%s/token.pub", g_keys);
	snprintf(key, sizeof(key), "%s/token.key", g_keys);
	const char *names[3] = {"teacher", "pupil", "third"};
	for (int i = 0; i < 3; i++)
		snprintf(rep[i], sizeof(rep[i]), "%s/full-%s.json", itest_dir(), names[i]);
	struct itest_server sv;
	char *flags[] = {"--token-key", pub, "--lessons", dir, NULL};
	assert_true(itest_server_start(&sv, flags));
	/* Two pupils pass step 1 and keep it; a third joins once they have
	 * the areas. The instructor clears the board when they have passed. */
	char *teacher[] = BOT("teacher", "--role", "instructor", "--behavior", "idle", "--seconds",
			      "9", "--report", rep[0], "--moderate",
			      "0.3:lesson-start::nosuch;0.6:lesson-start::pair;6:clear-board:1;"
			      "7:lesson-next:pupil-0;7.2:lesson-next:nobody");
	/* The lesson is the server's alone: the pupils trace the targets it
	 * sends them. */
	char *pupils[] = BOT("pupil", "--count", "2", "--behavior", "lesson", "--lesson-steps", "1",
			     "--seconds", "8.5", "--report", rep[1]);
	char *third[] = BOT("third", "--behavior", "lesson", "--seconds", "4", "--report", rep[2],
			    "--moderate", "2:lesson-next:pupil-1");
	struct itest_proc t, p, th;
	assert_true(itest_spawn(&t, "teacher", teacher));
	assert_true(itest_spawn(&p, "pupil", pupils));
	sleep(2);
	assert_int_equal(itest_run(&th, "third", third, 30000), 0);
	assert_int_equal(itest_wait(&t, 30000), 0);
	assert_int_equal(itest_wait(&p, 30000), 0);
	assert_int_equal(itest_stop(&sv.proc, 5000), 0);
	/* The third was told it cannot be scored, and so was the instructor,
	 * who was also told which lessons there are when it mistyped one. */
	char *out = itest_read(rep[2]);
	assert_non_null(out);
	assert_non_null(strstr(out, "all 2 practice areas are taken: this lesson cannot score you"));
	assert_non_null(strstr(out, "a student may not start a lesson"));
	free(out);
	out = itest_read(rep[0]);
	assert_non_null(out);
	assert_non_null(strstr(out, "no practice area for third-0 and later ones (2 fit the board)"));
	assert_non_null(strstr(out, "no lesson 'nosuch' here; there are: pair"));
	assert_non_null(strstr(out, "nobody here is called nobody"));
	free(out);
	/* Both pupils passed step 1, held it, and lost it with their ink;
	 * then the instructor moved pupil-0 on (a student could not). */
	json_t *pr = itest_json(rep[1]);
	assert_non_null(pr);
	json_t *stayed = lesson_of(pr, "pupil-1");
	assert_int_equal(num(stayed, "step"), 0);
	assert_int_equal(num(stayed, "nexts_asked"), 0);
	json_t *last = json_object_get(stayed, "last_score");
	assert_false(json_is_true(json_object_get(last, "passed")));
	assert_int_equal(num(last, "coverage"), 0);
	json_t *moved = lesson_of(pr, "pupil-0");
	assert_int_equal(num(moved, "step"), 1);
	assert_int_equal(num(moved, "nexts_asked"), 0);
	json_decref(pr);
	char *log = itest_read(sv.proc.err_path);
	assert_non_null(log);
	/* Step 1 by both, and step 2 by pupil-0 when it has traced it. */
	assert_true(itest_count(log, "lesson step passed room=lesson lesson=pair") >= 2);
	assert_int_equal(itest_count(log, "lesson step pass taken back room=lesson lesson=pair"), 2);
	assert_int_equal(itest_count(log, "lesson step moved on room=lesson lesson=pair"), 1);
	assert_non_null(strstr(log, "step=1 passed=0 by=\"teacher-0\""));
	assert_non_null(strstr(log, "lessons in "));
	assert_non_null(strstr(log, "pair-lessons: pair\n"));
	assert_non_null(strstr(log, "pair-lessons/broken.json cannot be started: not valid JSON"));
	/* Who started the lesson and who wiped the board are on the record. */
	assert_non_null(strstr(log, "lesson=pair board=1 steps="));
	assert_int_equal(itest_count(log, "board cleared room=lesson board=1 by client="), 1);
	assert_non_null(strstr(log, "name=\"teacher-0\" author="));
	free(log);
}

static int setup(void **state)
{
	(void)state;
	return itest_keygen(g_keys, sizeof(g_keys), "keys") ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_class_follows_a_lesson_scored_by_the_server),
		cmocka_unit_test(a_full_board_says_who_is_left_out_and_a_clear_takes_passes_back),
	};
	int rc = cmocka_run_group_tests(tests, setup, NULL);
	itest_cleanup();
	return rc;
}
