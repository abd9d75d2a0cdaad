/* Lesson files (lesson_load.h). */
#include "sim/lesson_load.h"

#include "proto/text.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct ctx {
	const char *path;
	char *err;
	size_t err_size;
	int step; /* 1-based; 0: the lesson itself */
};

CORE_PRINTF(2, 3) static bool fail(struct ctx *c, const char *fmt, ...)
{
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (c->step)
		snprintf(c->err, c->err_size, "%s: step %d: %s", c->path, c->step, what);
	else
		snprintf(c->err, c->err_size, "%s: %s", c->path, what);
	return false;
}

/* Every key of o is one of the allowed. */
static bool only_keys(struct ctx *c, json_t *o, const char *where, const char *const *keys)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		bool known = false;
		for (int i = 0; keys[i]; i++)
			known |= !strcmp(k, keys[i]);
		if (!known) {
			char list[200] = "";
			for (int i = 0; keys[i]; i++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
					 i ? ", " : "", keys[i]);
			return fail(c, "%s has an unknown key \"%s\" (the keys are %s)", where, k, list);
		}
	}
	return true;
}

static bool get_int(struct ctx *c, json_t *o, const char *key, const char *where, long lo, long hi,
		    bool optional, long dflt, long *out)
{
	json_t *v = json_object_get(o, key);
	if (!v && optional) {
		*out = dflt;
		return true;
	}
	if (!v)
		return fail(c, "%s needs \"%s\" (a whole number, %ld to %ld)", where, key, lo, hi);
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return fail(c, "%s \"%s\" must be a whole number from %ld to %ld", where, key, lo, hi);
	*out = (long)json_integer_value(v);
	return true;
}

static bool get_text(struct ctx *c, json_t *o, const char *key, size_t max, char *out, size_t size)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v))
		return fail(c, "\"%s\" is missing or not a string", key);
	char why[160];
	if (!proto_text_check(json_string_value(v), max, key, why, sizeof(why)))
		return fail(c, "%s", why);
	core_strlcpy(out, json_string_value(v), size);
	return true;
}

static bool load_target(struct ctx *c, const struct sim_lesson *l, json_t *target,
			struct sim_lesson_step *st)
{
	if (!json_is_array(target) || json_array_size(target) == 0)
		return fail(c, "\"target\" must be a list of polylines, each a list of [x, y] "
			       "points in practice-area millimetres");
	if (json_array_size(target) > SIM_LESSON_POLYLINES)
		return fail(c, "the target has %zu polylines; at most %d are allowed",
			    json_array_size(target), SIM_LESSON_POLYLINES);
	uint16_t n = 0;
	for (size_t p = 0; p < json_array_size(target); p++) {
		json_t *line = json_array_get(target, p);
		if (!json_is_array(line) || json_array_size(line) == 0)
			return fail(c, "target polyline %zu is not a list of [x, y] points", p + 1);
		for (size_t i = 0; i < json_array_size(line); i++) {
			json_t *pt = json_array_get(line, i);
			json_t *x = json_array_get(pt, 0), *y = json_array_get(pt, 1);
			if (!json_is_array(pt) || json_array_size(pt) != 2 || !json_is_integer(x) ||
			    !json_is_integer(y))
				return fail(c, "target polyline %zu point %zu is not [x, y] in whole "
					       "millimetres",
					    p + 1, i + 1);
			json_int_t xv = json_integer_value(x), yv = json_integer_value(y);
			if (xv < 0 || yv < 0 || xv > l->area_w_mm || yv > l->area_h_mm)
				return fail(c, "target polyline %zu point %zu (%lld, %lld) lies outside "
					       "the practice area (0..%u x 0..%u mm)",
					    p + 1, i + 1, (long long)xv, (long long)yv, l->area_w_mm,
					    l->area_h_mm);
			if (n == SIM_LESSON_POINTS)
				return fail(c, "the target has more than %d points: simplify it",
					    SIM_LESSON_POINTS);
			st->x[n] = (int32_t)xv;
			st->y[n++] = (int32_t)yv;
		}
		st->polyline_end[st->polyline_count++] = n;
	}
	return true;
}

static bool load_step(struct ctx *c, const struct sim_lesson *l, json_t *o, struct sim_lesson_step *st)
{
	static const char *const keys[] = {"prompt", "target", "tolerance_mm", "weights",
					   "pass_percent", NULL};
	static const char *const wkeys[] = {"accuracy", "coverage", "smoothness", NULL};
	if (!json_is_object(o))
		return fail(c, "a step must be an object");
	if (!only_keys(c, o, "the step", keys) ||
	    !get_text(c, o, "prompt", SIM_LESSON_PROMPT_MAX, st->prompt, sizeof(st->prompt)) ||
	    !load_target(c, l, json_object_get(o, "target"), st))
		return false;
	long tol, pass, wa, wc, ws;
	json_t *w = json_object_get(o, "weights");
	if (!json_is_object(w))
		return fail(c, "\"weights\" must be an object: {\"accuracy\": A, \"coverage\": C, "
			       "\"smoothness\": S}");
	if (!get_int(c, o, "tolerance_mm", "the step", 1, SIM_LESSON_TOLERANCE_MAX, false, 0, &tol) ||
	    !get_int(c, o, "pass_percent", "the step", 0, 100, true, 60, &pass) ||
	    !only_keys(c, w, "\"weights\"", wkeys) ||
	    !get_int(c, w, "accuracy", "\"weights\"", 0, 1000, false, 0, &wa) ||
	    !get_int(c, w, "coverage", "\"weights\"", 0, 1000, false, 0, &wc) ||
	    !get_int(c, w, "smoothness", "\"weights\"", 0, 1000, false, 0, &ws))
		return false;
	if (wa + wc + ws == 0)
		return fail(c, "the weights are all 0: give at least one a weight");
	st->tolerance_mm = (uint16_t)tol;
	st->pass = (uint16_t)(pass * 10);
	st->w_accuracy = (uint16_t)wa;
	st->w_coverage = (uint16_t)wc;
	st->w_smoothness = (uint16_t)ws;
	return true;
}

bool sim_lesson_load(const char *path, struct sim_lesson *out, char *err, size_t err_size)
{
	static const char *const keys[] = {"format", "title", "area", "steps", NULL};
	static const char *const area_keys[] = {"width_mm", "height_mm", NULL};
	struct ctx c = {.path = path, .err = err, .err_size = err_size};
	memset(out, 0, sizeof(*out));
	struct stat sb;
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		return fail(&c, "is a folder: give the lesson files in it (%s/*.json)", path);
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!root && je.line < 1) /* not opened: no place in it to name */
		return fail(&c, "cannot be read: %s", je.text);
	if (!root)
		return fail(&c, "not valid JSON: %s (line %d, column %d)", je.text, je.line,
			    je.column);
	bool ok = false;
	json_t *steps = json_object_get(root, "steps"), *area = json_object_get(root, "area");
	long w, h;
	if (!json_is_object(root))
		fail(&c, "the file must hold one JSON object");
	else if (!only_keys(&c, root, "the lesson", keys))
		;
	else if (!json_is_string(json_object_get(root, "format")) ||
		 strcmp(json_string_value(json_object_get(root, "format")), "lyceum-lesson-1"))
		fail(&c, "\"format\" must be \"lyceum-lesson-1\"");
	else if (!get_text(&c, root, "title", SIM_LESSON_TITLE_MAX, out->title, sizeof(out->title)))
		;
	else if (!json_is_object(area))
		fail(&c, "\"area\" must be {\"width_mm\": W, \"height_mm\": H}: one student's "
			 "practice area on the board");
	else if (only_keys(&c, area, "\"area\"", area_keys) &&
		 get_int(&c, area, "width_mm", "\"area\"", 100, SIM_BOARD_SURFACE_W, false, 0, &w) &&
		 get_int(&c, area, "height_mm", "\"area\"", 100, SIM_BOARD_SURFACE_H, false, 0, &h)) {
		out->area_w_mm = (uint16_t)w;
		out->area_h_mm = (uint16_t)h;
		if (!json_is_array(steps) || json_array_size(steps) == 0)
			fail(&c, "\"steps\" must be a list of 1 to %d steps", SIM_LESSON_STEPS);
		else if (json_array_size(steps) > SIM_LESSON_STEPS)
			fail(&c, "the lesson has %zu steps; at most %d are allowed",
			     json_array_size(steps), SIM_LESSON_STEPS);
		else {
			ok = true;
			for (size_t i = 0; ok && i < json_array_size(steps); i++) {
				c.step = (int)i + 1;
				ok = load_step(&c, out, json_array_get(steps, i), &out->steps[i]);
			}
			out->step_count = (uint16_t)json_array_size(steps);
		}
	}
	json_decref(root);
	return ok;
}
