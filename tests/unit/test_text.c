/* Display names, room names, log quoting and the permission matrix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "proto/perm.h"
#include "proto/text.h"

#include <string.h>

static bool name_ok(const char *s)
{
	char why[160];
	why[0] = '\0';
	bool ok = proto_name_check(s, why, sizeof(why));
	assert_true(ok == (why[0] == '\0')); /* a refusal always says why */
	return ok;
}

static void names_people_use_pass(void **state)
{
	(void)state;
	assert_true(name_ok("Ada"));
	assert_true(name_ok("Ms Smith"));
	assert_true(name_ok("Zoë Müller"));
	assert_true(name_ok("李小龍"));
	assert_true(name_ok("Oluwaseun O."));
	assert_true(name_ok("Sam (Year 9)"));
	assert_true(name_ok("(2)"));
	assert_true(name_ok("😀 Sam")); /* 4-byte sequence */
	assert_true(name_ok("1234567890123456789012345678901")); /* 31 bytes */
}

static void names_that_deceive_or_break_fail(void **state)
{
	(void)state;
	assert_false(name_ok(""));
	assert_false(name_ok("12345678901234567890123456789012")); /* 32 bytes */
	assert_false(name_ok(" Ms Smith"));
	assert_false(name_ok("Ms Smith "));
	assert_false(name_ok("Ms\tSmith"));
	assert_false(name_ok("Ms\nSmith"));
	assert_false(name_ok("Ms\x7fSmith"));
	assert_false(name_ok("Ms\xc2\x85Smith"));          /* C1 control NEL */
	assert_false(name_ok("Ms \xe2\x80\xaeSmith"));      /* U+202E right-to-left override */
	assert_false(name_ok("Ms \xe2\x81\xa6Smith"));      /* U+2066 left-to-right isolate */
	assert_false(name_ok("Ms\xe2\x80\x8bSmith"));       /* U+200B zero-width space */
	assert_false(name_ok("Ms\xe2\x80\x8dSmith"));       /* U+200D zero-width joiner */
	assert_false(name_ok("Ms\xef\xbb\xbfSmith"));       /* U+FEFF */
	assert_false(name_ok("\xe3\x85\xa4"));              /* U+3164 Hangul filler */
	assert_false(name_ok("Ms \xff Smith"));             /* not UTF-8 */
	assert_false(name_ok("Ms \xc0\xaf Smith"));         /* overlong '/' */
	assert_false(name_ok("Ms \xed\xa0\x80 Smith"));     /* a surrogate */
	assert_false(name_ok("Ms \xe2\x82"));               /* cut in the middle */
	assert_false(name_ok("Ms \xf4\x90\x80\x80"));       /* above U+10FFFF */
	assert_false(name_ok("Ms Smith\xc2\xa0"));           /* trailing no-break space */
	assert_false(name_ok("\xe3\x80\x80Ms Smith"));       /* leading ideographic space */
	assert_false(name_ok("Ms\xe2\x80\x83Smith"));        /* em space inside */
	assert_false(name_ok("\xe2\xa0\x80"));               /* braille blank */
	assert_false(name_ok("Sam\xef\xb8\x8f"));            /* variation selector */
	assert_false(name_ok("\xcc\x81Sam"));                 /* starts with a combining mark */
	assert_false(name_ok("Sam (2)"));                     /* the roster's own numbering */
	assert_false(name_ok("Ms Smith (12)"));
}

static void room_names(void **state)
{
	(void)state;
	assert_true(proto_room_name_check("physics-101"));
	assert_true(proto_room_name_check("lesson_2.b"));
	assert_false(proto_room_name_check(""));
	assert_false(proto_room_name_check("a b"));
	assert_false(proto_room_name_check("a/b"));
	assert_false(proto_room_name_check("12345678901234567890123456789012"));
}

static void quoting_keeps_log_fields_whole(void **state)
{
	(void)state;
	char out[PROTO_QUOTED_MAX];
	assert_string_equal(proto_log_quote(out, sizeof(out), "bot-3"), "\"bot-3\"");
	assert_string_equal(proto_log_quote(out, sizeof(out), "a\" role=instructor"),
			    "\"a\\\" role=instructor\"");
	assert_string_equal(proto_log_quote(out, sizeof(out), "x\nINFO join"), "\"x\\x0AINFO join\"");
	assert_string_equal(proto_log_quote(out, sizeof(out), "back\\slash"), "\"back\\\\slash\"");
	assert_string_equal(proto_log_quote(out, sizeof(out), "Zoë"), "\"Zoë\"");
	char small[12];
	assert_string_equal(proto_log_quote(small, sizeof(small), "abcdefghijklmnop"), "\"abcdef...\"");
	/* The worst case fits the documented size. */
	char worst[64];
	memset(worst, '\n', sizeof(worst) - 1);
	worst[sizeof(worst) - 1] = '\0';
	proto_log_quote(out, sizeof(out), worst);
	assert_int_equal(strlen(out), 2 + 4 * 63);
}

static void permission_matrix(void **state)
{
	(void)state;
	/* Everyone sends presence; only staff moderate; observers send nothing else. */
	for (int r = 0; r < PROTO_ROLE_COUNT; r++)
		assert_true(proto_perm_allows((enum proto_role)r, PROTO_PERM_PRESENCE));
	for (int p = 0; p < PROTO_PERM_COUNT; p++) {
		if (p != PROTO_PERM_PRESENCE && p != PROTO_PERM_FULL_ROSTER)
			assert_false(proto_perm_allows(PROTO_ROLE_OBSERVER, (enum proto_perm)p));
		assert_true(proto_perm_allows(PROTO_ROLE_INSTRUCTOR, (enum proto_perm)p) ||
			    p == PROTO_PERM_RAISE_HAND);
		assert_false(proto_perm_allows(PROTO_ROLE_COUNT, (enum proto_perm)p));
		assert_string_not_equal(proto_perm_name((enum proto_perm)p), "?");
	}
	static const enum proto_perm staff_only[] = {
		PROTO_PERM_ERASE_OTHERS, PROTO_PERM_CLEAR_BOARD, PROTO_PERM_ANNOUNCE,
		PROTO_PERM_GIVE_FLOOR,   PROTO_PERM_MUTE,        PROTO_PERM_KICK,
		PROTO_PERM_LOCK_ROOM,    PROTO_PERM_LESSON,      PROTO_PERM_MOVE_USER,
		PROTO_PERM_RECORD,       PROTO_PERM_BROADCAST_VOICE, PROTO_PERM_FULL_ROSTER};
	for (size_t i = 0; i < sizeof(staff_only) / sizeof(staff_only[0]); i++)
		assert_false(proto_perm_allows(PROTO_ROLE_STUDENT, staff_only[i]));
	assert_true(proto_perm_allows(PROTO_ROLE_STUDENT, PROTO_PERM_SPEAK));
	assert_true(proto_perm_allows(PROTO_ROLE_TA, PROTO_PERM_KICK));
	assert_false(proto_perm_allows(PROTO_ROLE_TA, PROTO_PERM_LOCK_ROOM));
	assert_true(proto_role_is_staff(PROTO_ROLE_TA));
	assert_false(proto_role_is_staff(PROTO_ROLE_OBSERVER));
}

static void clipped_text_ends_on_a_whole_word(void **state)
{
	(void)state;
	char out[24];
	assert_string_equal(proto_text_clip(out, sizeof(out), "fits whole"), "fits whole");
	/* 23 bytes fit; cut after the last word that leaves room for "...". */
	assert_string_equal(proto_text_clip(out, sizeof(out), "the keys are prompt target tolerance"),
			    "the keys are prompt...");
	/* No space near the end: cut between characters, never inside one. */
	assert_string_equal(proto_text_clip(out, sizeof(out), "abcdefghijklmnopq\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"),
			    "abcdefghijklmnopq\xc3\xa9...");
	char tiny[4];
	assert_string_equal(proto_text_clip(tiny, sizeof(tiny), "abcdef"), "abc");
	assert_string_equal(proto_text_clip(tiny, sizeof(tiny), "a\xc3\xa9\xc3\xa9"), "a\xc3\xa9");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_people_use_pass),
		cmocka_unit_test(names_that_deceive_or_break_fail),
		cmocka_unit_test(room_names),
		cmocka_unit_test(quoting_keeps_log_fields_whole),
		cmocka_unit_test(clipped_text_ends_on_a_whole_word),
		cmocka_unit_test(permission_matrix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
