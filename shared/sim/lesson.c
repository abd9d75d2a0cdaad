/* Lesson scoring (lesson.h): integers only. */
#include "sim/lesson.h"

#include <string.h>

#define COORD_LIMIT 100000 /* drawn points are clamped here: products stay in 64 bits */

static int32_t clamp(int32_t v)
{
	return v < -COORD_LIMIT ? -COORD_LIMIT : v > COORD_LIMIT ? COORD_LIMIT : v;
}

/* Squared distance from (x, y) to the segment a-b. */
static uint64_t seg_dist2(int64_t x, int64_t y, int64_t ax, int64_t ay, int64_t bx, int64_t by)
{
	int64_t dx = bx - ax, dy = by - ay, px = x - ax, py = y - ay;
	int64_t len2 = dx * dx + dy * dy, t = px * dx + py * dy;
	if (len2 == 0 || t <= 0)
		return (uint64_t)(px * px + py * py);
	if (t >= len2)
		return (uint64_t)((x - bx) * (x - bx) + (y - by) * (y - by));
	int64_t c = px * dy - py * dx; /* |c| < 2^35: c * c fits */
	return (uint64_t)(c * c / len2);
}

/* Distance (mm, floored) from a point to the nearest target segment. */
static uint32_t target_dist(const struct sim_lesson_step *s, int32_t x, int32_t y)
{
	uint64_t best = UINT64_MAX;
	uint16_t start = 0;
	for (uint16_t p = 0; p < s->polyline_count; p++) {
		for (uint16_t i = start; i + 1 < s->polyline_end[p]; i++) {
			uint64_t d = seg_dist2(x, y, s->x[i], s->y[i], s->x[i + 1], s->y[i + 1]);
			if (d < best)
				best = d;
		}
		if (s->polyline_end[p] == start + 1) { /* a single point */
			int64_t dx = x - s->x[start], dy = y - s->y[start];
			uint64_t d = (uint64_t)(dx * dx + dy * dy);
			if (d < best)
				best = d;
		}
		start = s->polyline_end[p];
	}
	return best == UINT64_MAX ? UINT32_MAX : core_isqrt64(best);
}

static uint32_t abs32(int32_t v)
{
	return v < 0 ? (uint32_t)-(int64_t)v : (uint32_t)v;
}

/* The target's samples, every `spacing` mm along each polyline (its
 * vertices included); returns how many (at most max). */
static uint32_t sample_target(const struct sim_lesson_step *s, uint32_t spacing, int32_t *sx,
			      int32_t *sy, uint32_t max)
{
	uint32_t n = 0;
	uint16_t start = 0;
	for (uint16_t p = 0; p < s->polyline_count; p++) {
		for (uint16_t i = start; i < s->polyline_end[p] && n < max; i++) {
			sx[n] = s->x[i];
			sy[n++] = s->y[i];
			if (i + 1 >= s->polyline_end[p])
				break;
			int64_t dx = s->x[i + 1] - s->x[i], dy = s->y[i + 1] - s->y[i];
			uint32_t len = core_isqrt64((uint64_t)(dx * dx + dy * dy));
			uint32_t k = len / spacing;
			for (uint32_t j = 1; j < k && n < max; j++) {
				sx[n] = s->x[i] + (int32_t)(dx * j / k);
				sy[n++] = s->y[i] + (int32_t)(dy * j / k);
			}
		}
		start = s->polyline_end[p];
	}
	return n;
}

uint32_t sim_lesson_target_length(const struct sim_lesson_step *s)
{
	uint64_t len = 0;
	uint16_t start = 0;
	for (uint16_t p = 0; p < s->polyline_count; p++) {
		for (uint16_t i = start; i + 1 < s->polyline_end[p]; i++) {
			int64_t dx = s->x[i + 1] - s->x[i], dy = s->y[i + 1] - s->y[i];
			len += core_isqrt64((uint64_t)(dx * dx + dy * dy));
		}
		start = s->polyline_end[p];
	}
	return len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
}

struct sim_score sim_lesson_score(const struct sim_lesson_step *step,
				  const struct sim_lesson_ink *strokes, uint32_t stroke_count,
				  int32_t origin_x, int32_t origin_y)
{
	struct sim_score sc = {0};
	const uint32_t tol = step->tolerance_mm ? step->tolerance_mm : 1;
	const uint32_t full = tol / 4;
	/* Accuracy and the path's turning, stroke by stroke. */
	uint64_t acc_sum = 0, turn = 0, path = 0;
	for (uint32_t s = 0; s < stroke_count && sc.points < SIM_LESSON_INK_MAX; s++) {
		int32_t kx[3] = {0}, ky[3] = {0};
		uint32_t kept = 0;
		for (uint32_t i = 0; i < strokes[s].count && sc.points < SIM_LESSON_INK_MAX; i++) {
			int32_t x = clamp((int32_t)strokes[s].points[i].x - origin_x);
			int32_t y = clamp((int32_t)strokes[s].points[i].y - origin_y);
			uint32_t d = target_dist(step, x, y);
			acc_sum += d <= full ? 1000u : d >= tol ? 0u : 1000u * (tol - d) / (tol - full);
			sc.points++;
			/* Thinned: a point joins the path SIM_LESSON_SMOOTH_MM from the last. */
			if (kept && abs32(x - kx[(kept - 1) % 3]) + abs32(y - ky[(kept - 1) % 3]) <
					    SIM_LESSON_SMOOTH_MM)
				continue;
			kx[kept % 3] = x;
			ky[kept % 3] = y;
			if (kept >= 1) {
				int32_t px = kx[(kept - 1) % 3], py = ky[(kept - 1) % 3];
				path += abs32(x - px) + abs32(y - py);
			}
			if (kept >= 2) {
				int32_t px = kx[(kept - 1) % 3], py = ky[(kept - 1) % 3];
				int32_t qx = kx[(kept - 2) % 3], qy = ky[(kept - 2) % 3];
				turn += abs32(x - 2 * px + qx) + abs32(y - 2 * py + qy);
			}
			kept++;
		}
	}
	if (!sc.points)
		return sc;
	sc.accuracy = (uint16_t)(acc_sum / sc.points);
	uint64_t rough = path ? turn * 500u / path : 1000u;
	sc.smoothness = (uint16_t)(rough >= 1000 ? 0 : 1000 - rough);
	/* Coverage: the target's samples near a drawn point. */
	uint32_t spacing = tol / 2 ? tol / 2 : 1, len = sim_lesson_target_length(step);
	while (len / spacing > SIM_LESSON_SAMPLES)
		spacing *= 2;
	int32_t sx[SIM_LESSON_SAMPLES + SIM_LESSON_POINTS], sy[SIM_LESSON_SAMPLES + SIM_LESSON_POINTS];
	uint32_t n = sample_target(step, spacing, sx, sy, SIM_LESSON_SAMPLES + SIM_LESSON_POINTS);
	uint64_t tol2 = (uint64_t)tol * tol;
	uint32_t covered = 0;
	for (uint32_t k = 0; k < n; k++) {
		bool near = false;
		uint32_t seen = 0;
		for (uint32_t s = 0; s < stroke_count && !near && seen < SIM_LESSON_INK_MAX; s++) {
			for (uint32_t i = 0; i < strokes[s].count && seen < SIM_LESSON_INK_MAX; i++, seen++) {
				int64_t dx = clamp((int32_t)strokes[s].points[i].x - origin_x) - sx[k];
				int64_t dy = clamp((int32_t)strokes[s].points[i].y - origin_y) - sy[k];
				if ((uint64_t)(dx * dx + dy * dy) <= tol2) {
					near = true;
					break;
				}
			}
		}
		covered += near;
	}
	sc.coverage = (uint16_t)(n ? covered * 1000u / n : 0);
	uint32_t wsum = (uint32_t)step->w_accuracy + step->w_coverage + step->w_smoothness;
	sc.total = (uint16_t)(wsum ? ((uint32_t)step->w_accuracy * sc.accuracy +
				      (uint32_t)step->w_coverage * sc.coverage +
				      (uint32_t)step->w_smoothness * sc.smoothness) / wsum
				   : 0);
	return sc;
}

void sim_lesson_grid(const struct sim_lesson *l, uint16_t board_w, uint16_t board_h,
		     uint16_t *cols, uint16_t *rows)
{
	*cols = l->area_w_mm ? (uint16_t)(board_w / l->area_w_mm) : 0;
	*rows = l->area_h_mm ? (uint16_t)(board_h / l->area_h_mm) : 0;
}
