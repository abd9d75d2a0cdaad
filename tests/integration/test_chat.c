/* Text chat through the real server and real clients (lyceum-bot): room
 * lines reach the room, zone lines only their zone (the rest see a HIDDEN
 * placeholder), announcements come from staff only and reach every zone,
 * questions are marked answered by staff, a line staff removed leaves
 * every client and the history, a late joiner receives the
 * room's history (without other zones' lines), and the client keeps to
 * the server's rate and text rules before anything is sent. */
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

/* How many of the bot's lines have this scope and text (and, when
 * answered >= 0, that answered flag). */
static int lines_with(json_t *bot, const char *scope, const char *text, int answered)
{
	json_t *lines = json_object_get(json_object_get(bot, "chat"), "lines");
	int n = 0;
	for (size_t i = 0; i < json_array_size(lines); i++) {
		json_t *l = json_array_get(lines, i);
		if (!strcmp(json_string_value(json_object_get(l, "scope")), scope) &&
		    strstr(json_string_value(json_object_get(l, "text")), text) &&
		    (answered < 0 || json_is_true(json_object_get(l, "answered")) == (answered == 1)))
			n++;
	}
	return n;
}

static long long chat_stat(json_t *bot, const char *key)
{
	return (long long)json_integer_value(json_object_get(json_object_get(bot, "chat"), key));
}

static void a_class_chats_by_scope_and_a_late_joiner_reads_the_history(void **state)
{
	(void)state;
	struct itest_server sv;
	char pub[300], key[300], pupils_json[300], teacher_json[300], late_json[300];
	snprintf(pub, sizeof(pub), "%s/token.pub", g_keys);
	snprintf(key, sizeof(key), "%s/token.key", g_keys);
	snprintf(pupils_json, sizeof(pupils_json), "%s/pupils.json", itest_dir());
	snprintf(teacher_json, sizeof(teacher_json), "%s/teacher.json", itest_dir());
	snprintf(late_json, sizeof(late_json), "%s/late.json", itest_dir());
	char *flags[] = {"--token-key", pub, NULL};
	assert_true(itest_server_start(&sv, flags));

	/* Three students (two in the classroom, one in the meeting zone): each
	 * says a room line and a zone line, tries an announcement (a modified
	 * client: the server refuses it), asks. */
	char *pupils[] = {LYCEUM_BOT_BIN, "--server", sv.addr, "--room", "chat", "--token-key", key,
			  "--count", "3", "--name", "pupil", "--zones", "classroom,classroom,meeting",
			  "--behavior", "idle", "--seconds", "7", "--report", pupils_json,
			  "--chat-unchecked", "1",
			  "--moderate",
			  "1:say::hello room;1.5:say-zone::zone only;2:announce::not allowed;"
			  "2.5:ask::what is a radius",
			  NULL};
	char *teacher[] = {LYCEUM_BOT_BIN, "--server", sv.addr, "--room", "chat", "--token-key", key,
			   "--count", "1", "--name", "teacher", "--role", "ta", "--zones", "hallway",
			   "--behavior", "idle", "--seconds", "7", "--report", teacher_json,
			   "--moderate", "4:announce::pencils down;4.5:answer;5:answer;5.5:answer;6:remove:pupil-1;"
			   "6.3:remove:head-0",
			   NULL};
	/* An instructor says a line; a TA may not remove it. */
	char *head[] = {LYCEUM_BOT_BIN, "--server", sv.addr, "--room", "chat", "--token-key", key,
			"--count", "1", "--name", "head", "--role", "instructor", "--zones", "hallway",
			"--behavior", "idle", "--seconds", "7", "--moderate", "1:say::welcome all", NULL};
	struct itest_proc p, t, h;
	assert_true(itest_spawn(&p, "pupils", pupils));
	assert_true(itest_spawn(&t, "teacher", teacher));
	assert_true(itest_spawn(&h, "head", head));
	assert_int_equal(itest_wait(&p, 30000), 0);
	assert_int_equal(itest_wait(&t, 30000), 0);
	assert_int_equal(itest_wait(&h, 30000), 0);

	/* Later, with everyone gone: the room's chat outlives them. A student
	 * joins, reads the history, and types too fast and badly. */
	char *late[] = {LYCEUM_BOT_BIN, "--server", sv.addr, "--room", "chat", "--token-key", key,
			"--count", "1", "--name", "late", "--zones", "meeting", "--behavior", "idle",
			"--seconds", "3", "--report", late_json, "--moderate",
			"1:say:: padded;1:say::1;1:say::2;1:say::3;1:say::4;1:say::5;1:say::6;"
			"1:say::7;1:say::8;1:say::9;1:say::10",
			NULL};
	struct itest_proc l;
	assert_int_equal(itest_run(&l, "late", late, 30000), 0);
	assert_int_equal(itest_stop(&sv.proc, 5000), 0);

	json_t *pr = itest_json(pupils_json), *tr = itest_json(teacher_json), *lr = itest_json(late_json);
	assert_non_null(pr);
	assert_non_null(tr);
	assert_non_null(lr);
	json_t *front = itest_bot_named(pr, "pupil-0"), *meeting = itest_bot_named(pr, "pupil-2");
	json_t *ta = itest_bot_named(tr, "teacher-0"), *newcomer = itest_bot_named(lr, "late-0");
	assert_non_null(front);
	assert_non_null(meeting);
	assert_non_null(ta);
	assert_non_null(newcomer);
	for (int i = 0; i < 3; i++) {
		char name[32];
		snprintf(name, sizeof(name), "pupil-%d", i);
		json_t *b = itest_bot_named(pr, name);
		/* Everyone's room lines, the TA's announcement, the questions
		 * answered by the TA but pupil-1's, which the TA removed (its
		 * newest line); its own announcement refused, in order. */
		assert_int_equal(lines_with(b, "room", "hello room", -1), 3);
		assert_int_equal(lines_with(b, "announce", "pencils down", -1), 1);
		assert_int_equal(lines_with(b, "announce", "not allowed", -1), 0);
		assert_int_equal(lines_with(b, "question", "what is a radius", 1), 2);
		assert_int_equal(chat_stat(b, "refused"), 1);
		assert_int_equal(chat_stat(b, "sent"), 4);
	}
	/* Zone lines: the classroom's two reach the classroom only. */
	assert_int_equal(lines_with(front, "zone", "zone only", -1), 2);
	assert_int_equal(chat_stat(front, "hidden"), 1);
	assert_int_equal(lines_with(meeting, "zone", "zone only", -1), 1);
	assert_int_equal(chat_stat(meeting, "hidden"), 2);
	assert_int_equal(lines_with(ta, "zone", "zone only", -1), 0);
	assert_int_equal(chat_stat(ta, "sent"), 6);
	assert_int_equal(chat_stat(ta, "refused"), 1); /* the instructor's line stays */
	assert_int_equal(lines_with(ta, "room", "welcome all", -1), 1);

	/* The late joiner: the history the room saw (no zone lines), and its
	 * own rules kept before sending: a padded line and the eleventh of a
	 * burst are refused with a reason, nothing reaches the server. */
	assert_int_equal(lines_with(newcomer, "room", "hello room", -1), 3);
	assert_int_equal(lines_with(newcomer, "announce", "pencils down", -1), 1);
	assert_int_equal(lines_with(newcomer, "question", "what is a radius", 1), 2);
	assert_int_equal(lines_with(newcomer, "zone", "", -1), 0);
	assert_int_equal(chat_stat(newcomer, "sent"), 8);
	assert_int_equal(chat_stat(newcomer, "not_sent"), 3);
	assert_non_null(strstr(json_string_value(json_object_get(json_object_get(newcomer, "chat"),
								  "why_not")),
			       "slow down"));
	assert_int_equal(chat_stat(newcomer, "refused"), 0);
	/* 3 x 4 lines of the pupils, 4 of the TA and its removal, the
	 * instructor's, 8 of the late joiner. */
	assert_int_equal(itest_server_stat(&sv, "chat"), 12 - 3 + 5 + 1 + 8);
	assert_int_equal(lines_with(newcomer, "room", "welcome all", -1), 1);
	/* The late joiner, the last to say anything, holds the chat the server
	 * holds: its lines, answered marks and removals (zone lines aside). */
	char server_state[65];
	assert_true(itest_state_hash(&sv, "chat", server_state));
	assert_string_equal(json_string_value(json_object_get(json_object_get(newcomer, "board"),
							       "state_hash")),
			    server_state);
	/* The three announcements and the TA's removal of the instructor's
	 * line; nothing over the rate reached the server. */
	assert_int_equal(itest_server_stat(&sv, "refused_actions"), 4);
	assert_int_equal(itest_server_stat(&sv, "throttled"), 0);
	/* The removal is on the record: who removed whose line, and what it said. */
	char *log = itest_read(sv.proc.err_path);
	assert_non_null(log);
	assert_int_equal(itest_count(log, "chat line removed room=chat by client="), 1);
	assert_non_null(strstr(log, "name=\"teacher-0\": said by \"pupil-1\" text=\"what is a radius\""));
	/* Each student's refused announcement is logged as that, not as chat
	 * (which students may do). */
	assert_int_equal(itest_count(log, "action=chat: a student may not announce"), 3);
	assert_int_equal(itest_count(log, "may not chat"), 0);
	free(log);
	json_decref(pr);
	json_decref(tr);
	json_decref(lr);
}

static int setup(void **state)
{
	(void)state;
	return itest_keygen(g_keys, sizeof(g_keys), "keys") ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_class_chats_by_scope_and_a_late_joiner_reads_the_history),
	};
	int rc = cmocka_run_group_tests(tests, setup, NULL);
	itest_cleanup();
	return rc;
}
