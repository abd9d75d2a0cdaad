/**
 * @file lesson_load.h
 * @brief Reading a lesson file (assets/lessons/NAME.json) for the server
 * and for `lyceum-lesson check`. The format, with every key required
 * unless marked:
 *
 *   {"format": "lyceum-lesson-1",
 *    "title": "Tracing capital letters",
 *    "area": {"width_mm": 600, "height_mm": 600},    one student's practice area
 *    "steps": [{
 *      "prompt": "Trace the L: down, then right",    1-200 bytes of UTF-8
 *      "target": [[[100, 50], [100, 550], [400, 550]]], polylines, area mm
 *      "tolerance_mm": 30,                              1-500
 *      "weights": {"accuracy": 5, "coverage": 4, "smoothness": 1}, not all 0
 *      "pass_percent": 70}]}                            0-100 (optional, 60)
 *
 * Unknown keys are errors (a misspelt one would otherwise be ignored).
 */
#pragma once

#include "sim/lesson.h"

#include <stddef.h>

/** Reads path into out; false with an error naming the file, the step and
 * what is wrong (and what to do) in err. */
bool sim_lesson_load(const char *path, struct sim_lesson *out, char *err, size_t err_size);
