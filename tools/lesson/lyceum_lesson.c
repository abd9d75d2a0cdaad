/*
 * lyceum-lesson: for lesson authors.
 *   lyceum-lesson check FILE.json...   validates lessons; a bad one gets an
 *                                       error naming the file, the step and
 *                                       what is wrong
 *   lyceum-lesson score FILE.json STEP INK.json
 *                                       scores strokes against a step as the
 *                                       server would (INK: [[[x, y], ...], ...]
 *                                       in practice-area mm), printing JSON
 * Exit status: 0 all good, 1 a lesson or ink is bad, 2 bad usage.
 */
#include "proto/text.h"
#include "sim/lesson_load.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: lyceum-lesson check FILE.json...\n"
	"       lyceum-lesson score FILE.json STEP INK.json\n"
	"  check   validate lesson files (assets/lessons/*.json); prints one line per file\n"
	"  score   score the strokes in INK.json ([[[x, y], ...], ...], practice-area mm)\n"
	"          against step STEP (1-based), exactly as the server scores them\n";

static int check(int argc, char **argv)
{
	static struct sim_lesson l;
	int bad = 0;
	for (int i = 0; i < argc; i++) {
		char err[600];
		if (!sim_lesson_load(argv[i], &l, err, sizeof(err))) {
			fprintf(stderr, "lyceum-lesson: %s\n", err);
			bad++;
			continue;
		}
		/* It is started by its file's name: one a request cannot carry
		 * can never be started. */
		const char *base = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
		char name[64];
		size_t n = strlen(base) > 5 && !strcmp(base + strlen(base) - 5, ".json") ? strlen(base) - 5
											: strlen(base);
		snprintf(name, sizeof(name), "%.*s", (int)n, base);
		if (n >= sizeof(name) || !proto_room_name_check(name)) {
			fprintf(stderr,
				"lyceum-lesson: %s: the file's name '%.*s' cannot be started: name it "
				"NAME.json, NAME being 1 to 31 letters, digits, '.', '_' or '-'\n",
				argv[i], (int)n, base);
			bad++;
			continue;
		}
		uint16_t cols, rows;
		sim_lesson_grid(&l, SIM_BOARD_SURFACE_W, SIM_BOARD_SURFACE_H, &cols, &rows);
		printf("%s: ok: \"%s\", %u step%s, practice area %u x %u mm (%u on a board)\n", argv[i],
		       l.title, l.step_count, l.step_count == 1 ? "" : "s", l.area_w_mm, l.area_h_mm,
		       cols * rows);
		/* A step whose target has no length is a dot to touch, not a line
		 * to trace: likely a mistake, so said. */
		for (int k = 0; k < l.step_count; k++) {
			if (sim_lesson_target_length(&l.steps[k]) == 0)
				fprintf(stderr,
					"lyceum-lesson: %s: warning: step %d: its target is only dots, "
					"with no line to trace; students score by touching them\n",
					argv[i], k + 1);
		}
		/* Students past the areas draw without a score: say so to the author. */
		if (cols * rows < 30)
			fprintf(stderr,
				"lyceum-lesson: %s: warning: a board (%u x %u mm) holds %u practice "
				"area%s of %u x %u mm; in a larger class the rest draw without a score "
				"(30 fit in areas of %u x %u mm)\n",
				argv[i], SIM_BOARD_SURFACE_W, SIM_BOARD_SURFACE_H, cols * rows,
				cols * rows == 1 ? "" : "s", l.area_w_mm, l.area_h_mm,
				SIM_BOARD_SURFACE_W / 6, SIM_BOARD_SURFACE_H / 5);
	}
	return bad ? 1 : 0;
}

static int score(const char *path, const char *step_arg, const char *ink_path)
{
	static struct sim_lesson l;
	char err[600];
	if (!sim_lesson_load(path, &l, err, sizeof(err))) {
		fprintf(stderr, "lyceum-lesson: %s\n", err);
		return 1;
	}
	char *end;
	long step = strtol(step_arg, &end, 10);
	if (*end || step < 1 || step > l.step_count) {
		fprintf(stderr, "lyceum-lesson: STEP must be 1 to %u\n", l.step_count);
		return 2;
	}
	json_error_t je;
	json_t *ink = json_load_file(ink_path, 0, &je);
	if (!json_is_array(ink)) {
		fprintf(stderr, "lyceum-lesson: %s: not a JSON list of strokes (%s)\n", ink_path,
			ink ? "not a list" : je.text);
		json_decref(ink);
		return 1;
	}
	size_t n = json_array_size(ink), total = 0;
	struct sim_lesson_ink *strokes = calloc(n ? n : 1, sizeof(*strokes));
	struct sim_board_point *pts = calloc(SIM_LESSON_INK_MAX, sizeof(*pts));
	int rc = 0;
	for (size_t s = 0; s < n && !rc && strokes && pts; s++) {
		json_t *line = json_array_get(ink, s);
		if (!json_is_array(line)) {
			fprintf(stderr, "lyceum-lesson: %s: stroke %zu is not a list of [x, y] points\n",
				ink_path, s + 1);
			rc = 1;
			break;
		}
		strokes[s].points = pts + total;
		for (size_t i = 0; i < json_array_size(line) && total < SIM_LESSON_INK_MAX; i++) {
			json_t *p = json_array_get(line, i);
			json_int_t x = json_integer_value(json_array_get(p, 0));
			json_int_t y = json_integer_value(json_array_get(p, 1));
			if (!json_is_integer(json_array_get(p, 0)) || !json_is_integer(json_array_get(p, 1)) ||
			    x < 0 || y < 0 || x > 65535 || y > 65535) {
				fprintf(stderr, "lyceum-lesson: %s: stroke %zu point %zu is not [x, y] in "
						"whole millimetres (0..65535)\n",
					ink_path, s + 1, i + 1);
				rc = 1;
				break;
			}
			pts[total++] = (struct sim_board_point){(uint16_t)x, (uint16_t)y, 128};
			strokes[s].count++;
		}
	}
	if (!rc && strokes && pts) {
		const struct sim_lesson_step *st = &l.steps[step - 1];
		struct sim_score sc = sim_lesson_score(st, strokes, (uint32_t)n, 0, 0);
		printf("{\"step\": %ld, \"points\": %u, \"accuracy\": %u, \"coverage\": %u, "
		       "\"smoothness\": %u, \"total\": %u, \"pass\": %u, \"passed\": %s}\n",
		       step, sc.points, sc.accuracy, sc.coverage, sc.smoothness, sc.total, st->pass,
		       sim_lesson_passed(st, sc) ? "true" : "false");
	}
	free(strokes);
	free(pts);
	json_decref(ink);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "check"))
		return check(argc - 2, argv + 2);
	if (argc == 5 && !strcmp(argv[1], "score"))
		return score(argv[2], argv[3], argv[4]);
	bool help = argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
	if (argc > 1 && !help) {
		if (!strcmp(argv[1], "check"))
			fprintf(stderr, "lyceum-lesson: check needs at least one FILE.json\n");
		else if (!strcmp(argv[1], "score"))
			fprintf(stderr, "lyceum-lesson: score needs FILE.json, STEP and INK.json\n");
		else
			fprintf(stderr, "lyceum-lesson: unknown command '%s'\n", argv[1]);
	}
	fputs(usage, help ? stdout : stderr);
	return help ? 0 : 2;
}
