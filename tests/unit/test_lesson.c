/* Lessons: scoring on reference shapes with known scores (a perfect
 * trace, an offset one, a partial one, a scribble), and lesson files: the
 * shipped ones load, bad ones are refused with the file, the step and what
 * is wrong. */
#include "sim/lesson_load.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The shapes lesson's square, as a step: 200 mm sides, tolerance 20. */
static struct sim_lesson_step square(void)
{
	struct sim_lesson_step s = {.tolerance_mm = 20, .w_accuracy = 4, .w_coverage = 4,
				    .w_smoothness = 2, .pass = 650, .polyline_count = 1,
				    .polyline_end = {5}, .x = {220, 420, 420, 220, 220},
				    .y = {100, 100, 300, 300, 100}};
	return s;
}

static struct sim_board_point pts[4096];

/* The square traced every 5 mm, moved by (dx, dy), the first `quarters`
 * quarters of it, plus origin; noise: a seeded wobble of +-noise mm. */
static uint32_t trace(int dx, int dy, int quarters, int noise, int ox, int oy)
{
	static const int cx[5] = {220, 420, 420, 220, 220}, cy[5] = {100, 100, 300, 300, 100};
	uint32_t n = 0, rng = 7;
	for (int q = 0; q < quarters; q++)
		for (int k = 0; k < 40; k++) {
			int wob = 0;
			if (noise) {
				rng = rng * 1664525u + 1013904223u;
				wob = (int)(rng >> 16) % (2 * noise + 1) - noise;
			}
			int x = cx[q] + (cx[q + 1] - cx[q]) * k / 40 + dx + (q % 2 ? wob : 0);
			int y = cy[q] + (cy[q + 1] - cy[q]) * k / 40 + dy + (q % 2 ? 0 : wob);
			pts[n++] = (struct sim_board_point){(uint16_t)(x + ox), (uint16_t)(y + oy), 128};
		}
	return n;
}

static struct sim_score score_of(uint32_t n, int ox, int oy)
{
	struct sim_lesson_step s = square();
	struct sim_lesson_ink ink = {pts, n};
	return sim_lesson_score(&s, &ink, 1, ox, oy);
}

static void reference_shapes_score_as_expected(void **state)
{
	(void)state;
	/* A perfect trace, in the practice area at (1280, 800) on the board. */
	struct sim_score perfect = score_of(trace(0, 0, 4, 0, 1280, 800), 1280, 800);
	assert_int_equal(perfect.accuracy, 1000);
	assert_int_equal(perfect.coverage, 1000);
	assert_true(perfect.smoothness >= 950); /* its corners turn */
	assert_true(perfect.total >= 990);
	/* Offset by half the tolerance: accurate in part, still covering. */
	struct sim_score half = score_of(trace(10, 10, 4, 0, 0, 0), 0, 0);
	assert_true(half.accuracy < 800 && half.accuracy > 400);
	assert_true(half.coverage > 900);
	/* Offset by twice the tolerance: neither accurate nor covering. */
	struct sim_score off = score_of(trace(40, 40, 4, 0, 0, 0), 0, 0);
	assert_true(off.accuracy < 300);
	assert_true(off.coverage < 400);
	assert_true(off.total < 650);
	/* Half the square: accurate, half covered. */
	struct sim_score partial = score_of(trace(0, 0, 2, 0, 0, 0), 0, 0);
	assert_int_equal(partial.accuracy, 1000);
	assert_true(partial.coverage >= 480 && partial.coverage <= 560);
	struct sim_lesson_step sq = square();
	assert_false(sim_lesson_passed(&sq, partial)); /* half a square is not a square */
	assert_true(sim_lesson_passed(&sq, perfect));
	/* A shaky but faithful hand passes; a scribble does not. */
	struct sim_score shaky = score_of(trace(0, 0, 4, 6, 0, 0), 0, 0);
	assert_true(sim_lesson_passed(&sq, shaky));
	assert_true(shaky.smoothness < perfect.smoothness);
	uint32_t n = 0, rng = 3;
	for (int i = 0; i < 200; i++) { /* back and forth across the middle */
		rng = rng * 1664525u + 1013904223u;
		pts[n++] = (struct sim_board_point){(uint16_t)(240 + (i % 2) * 160 + (rng >> 28)),
						    (uint16_t)(120 + i), 128};
	}
	struct sim_score scribble = score_of(n, 0, 0);
	assert_true(scribble.smoothness < 100);
	assert_true(scribble.total < 400);
	assert_false(sim_lesson_passed(&sq, scribble));
	assert_false(sim_lesson_passed(&sq, off));
	/* Nothing drawn: nothing scored. */
	struct sim_score none = score_of(0, 0, 0);
	assert_int_equal(none.total, 0);
	/* The exact figures, as every machine must give them (the aarch64
	 * check runs the same cases through sim_vectors). */
	fprintf(stderr, "perfect %u/%u/%u=%u, half-offset %u/%u/%u=%u, offset %u/%u/%u=%u, "
			"partial %u/%u/%u=%u, shaky %u/%u/%u=%u, scribble %u/%u/%u=%u\n",
		perfect.accuracy, perfect.coverage, perfect.smoothness, perfect.total, half.accuracy,
		half.coverage, half.smoothness, half.total, off.accuracy, off.coverage, off.smoothness,
		off.total, partial.accuracy, partial.coverage, partial.smoothness, partial.total,
		shaky.accuracy, shaky.coverage, shaky.smoothness, shaky.total, scribble.accuracy,
		scribble.coverage, scribble.smoothness, scribble.total);
}

static void shipped_lessons_load(void **state)
{
	(void)state;
	static struct sim_lesson l;
	char err[600];
	assert_true(sim_lesson_load(LYCEUM_ROOT "/assets/lessons/letters.json", &l, err, sizeof(err)));
	assert_int_equal(l.step_count, 5);
	assert_true(sim_lesson_load(LYCEUM_ROOT "/assets/lessons/shapes.json", &l, err, sizeof(err)));
	assert_int_equal(l.step_count, 4);
	uint16_t cols, rows;
	sim_lesson_grid(&l, SIM_BOARD_SURFACE_W, SIM_BOARD_SURFACE_H, &cols, &rows);
	assert_true(cols * rows >= 30); /* a class of 30 each has a practice area */
}

static void bad_lessons_name_the_step_and_the_fault(void **state)
{
	(void)state;
	static const struct {
		const char *json, *expect;
	} cases[] = {
		{"{", "not valid JSON"},
		{"{\"format\":\"lyceum-lesson-2\"}", "\"format\" must be"},
		{"{\"format\":\"lyceum-lesson-1\",\"title\":\"T\",\"area\":{\"width_mm\":600,"
		 "\"height_mm\":400},\"steps\":[{\"prompt\":\"p\",\"target\":[[[10,10],[700,10]]],"
		 "\"tolerance_mm\":20,\"weights\":{\"accuracy\":1,\"coverage\":1,\"smoothness\":1}}]}",
		 "step 1: target polyline 1 point 2 (700, 10) lies outside the practice area"},
		{"{\"format\":\"lyceum-lesson-1\",\"title\":\"T\",\"area\":{\"width_mm\":600,"
		 "\"height_mm\":400},\"steps\":[{\"prompt\":\"p\",\"target\":[[[1,1],[2,2]]],"
		 "\"tolerance_mm\":20,\"weights\":{\"accuracy\":1,\"coverage\":1,\"smoothness\":1}},"
		 "{\"prompt\":\"q\",\"target\":[[[1,1],[2,2]]],\"tolerance\":20,"
		 "\"weights\":{\"accuracy\":1,\"coverage\":1,\"smoothness\":1}}]}",
		 "step 2: the step has an unknown key \"tolerance\""},
		{"{\"format\":\"lyceum-lesson-1\",\"title\":\"T\",\"area\":{\"width_mm\":600,"
		 "\"height_mm\":400},\"steps\":[{\"prompt\":\"p\",\"target\":[[[1,1],[2,2]]],"
		 "\"tolerance_mm\":20,\"weights\":{\"accuracy\":0,\"coverage\":0,\"smoothness\":0}}]}",
		 "step 1: the weights are all 0"},
		{"{\"format\":\"lyceum-lesson-1\",\"title\":\" padded\",\"area\":{\"width_mm\":600,"
		 "\"height_mm\":400},\"steps\":[]}",
		 "title starts or ends with a space"},
		{"{\"format\":\"lyceum-lesson-1\",\"title\":\"T\",\"area\":{\"width_mm\":600,"
		 "\"height_mm\":400},\"steps\":[{\"prompt\":\"p\",\"target\":[[[1,1],[2,2]]],"
		 "\"tolerance_mm\":0,\"weights\":{\"accuracy\":1,\"coverage\":1,\"smoothness\":1}}]}",
		 "step 1: the step \"tolerance_mm\" must be a whole number from 1 to 500"},
	};
	static struct sim_lesson l;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[] = "/tmp/lyceum-lesson-XXXXXX";
		int fd = mkstemp(path);
		assert_true(fd >= 0);
		FILE *f = fdopen(fd, "w");
		fputs(cases[i].json, f);
		fclose(f);
		char err[600];
		bool ok = sim_lesson_load(path, &l, err, sizeof(err));
		remove(path);
		if (ok || !strstr(err, cases[i].expect) || strncmp(err, path, strlen(path)))
			fail_msg("case %zu: got \"%s\", wanted \"%s\"", i, ok ? "(loaded)" : err,
				 cases[i].expect);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reference_shapes_score_as_expected),
		cmocka_unit_test(shipped_lessons_load),
		cmocka_unit_test(bad_lessons_name_the_step_and_the_fault),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
