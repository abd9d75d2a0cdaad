#include "bot.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>

#define DIRS 16
#define TAU 6.283185307179586
static int8_t g_dir_x[DIRS], g_dir_y[DIRS];

void bot_behavior_init(void)
{
	for (int k = 0; k < DIRS; k++) {
		double a = TAU * k / DIRS;
		g_dir_x[k] = (int8_t)lround(SIM_MOVE_MAX * cos(a));
		g_dir_y[k] = (int8_t)lround(SIM_MOVE_MAX * sin(a));
	}
}

/* mulberry32 */
uint32_t bot_rng_next(uint32_t *state)
{
	uint32_t z = (*state += 0x6d2b79f5u);
	z = (z ^ (z >> 15)) * (z | 1u);
	z ^= z + (z ^ (z >> 7)) * (z | 61u);
	return z ^ (z >> 14);
}

/* splitmix32 finaliser over seed and index */
uint32_t bot_seed_mix(uint32_t seed, uint32_t index)
{
	uint32_t z = seed + 0x9e3779b9u + index * 0x27d4eb2du;
	z ^= z >> 16;
	z *= 0x85ebca6bu;
	z ^= z >> 13;
	z *= 0xc2b2ae35u;
	z ^= z >> 16;
	return z;
}

enum core_result bot_path_load(const char *file, struct bot_path *out)
{
	json_error_t jerr;
	json_t *root = json_load_file(file, 0, &jerr);
	if (!root) {
		fprintf(stderr, "lyceum-bot: --path %s: line %d: %s\n", file, jerr.line, jerr.text);
		return CORE_ERR_INVALID;
	}
	out->count = 0;
	enum core_result r = CORE_OK;
	if (!json_is_array(root) || json_array_size(root) == 0 ||
	    json_array_size(root) > BOT_MAX_PATH) {
		fprintf(stderr, "lyceum-bot: --path %s: expected a JSON array of 1 to %d [x, y] "
				"points in metres\n",
			file, BOT_MAX_PATH);
		r = CORE_ERR_INVALID;
	}
	size_t i;
	json_t *pt;
	json_array_foreach(root, i, pt) {
		if (r != CORE_OK)
			break;
		json_t *x = json_array_get(pt, 0), *y = json_array_get(pt, 1);
		if (!json_is_number(x) || !json_is_number(y) || json_array_size(pt) != 2) {
			fprintf(stderr, "lyceum-bot: --path %s: point %zu is not [x, y] in metres\n",
				file, i);
			r = CORE_ERR_INVALID;
			break;
		}
		out->points[out->count++] = (struct sim_point){
			(int32_t)lround(json_number_value(x) * 1000.0),
			(int32_t)lround(json_number_value(y) * 1000.0)};
	}
	json_decref(root);
	return r;
}

static uint16_t yaw_of(int32_t dx, int32_t dy)
{
	double a = atan2((double)dy, (double)dx);
	if (a < 0)
		a += TAU;
	return (uint16_t)((long)lround(a / TAU * 65536.0) & 0xffff);
}

/* Would one step in direction k keep the avatar in its home zone and off walls? */
static bool step_ok(const struct bot *b, int k)
{
	const struct cl_conn *c = &b->conn;
	struct sim_avatar probe = c->predicted;
	struct sim_cmd cmd = {.move_x = g_dir_x[k], .move_y = g_dir_y[k]};
	struct sim_occupancy occ = cl_conn_occupancy(c);
	sim_step(c->world, c->welcome.tick_hz, &occ, &probe, &cmd);
	/* Look two steps ahead so the avatar turns before it touches the edge. */
	struct sim_point ahead = {probe.pos_x_mm + (probe.pos_x_mm - c->predicted.pos_x_mm) * 6,
				  probe.pos_y_mm + (probe.pos_y_mm - c->predicted.pos_y_mm) * 6};
	return !(probe.flags & SIM_AVATAR_BLOCKED) &&
	       sim_world_zone_at(c->world, ahead) == b->home_zone &&
	       !sim_avatar_collides(c->world, ahead);
}

static void wander(struct bot *b, int8_t *mx, int8_t *my)
{
	const int hz = b->conn.welcome.tick_hz;
	if (--b->ticks_left <= 0) {
		b->ticks_left = hz + (int)(bot_rng_next(&b->rng) % (uint32_t)(2 * hz));
		b->dir = bot_rng_next(&b->rng) % 4 == 0 ? -1 : (int)(bot_rng_next(&b->rng) % DIRS);
	}
	if (b->dir >= 0 && !step_ok(b, b->dir)) {
		int start = (int)(bot_rng_next(&b->rng) % DIRS);
		b->dir = -1;
		for (int i = 0; i < DIRS; i++) {
			if (step_ok(b, (start + i) % DIRS)) {
				b->dir = (start + i) % DIRS;
				break;
			}
		}
	}
	if (b->dir < 0) {
		*mx = *my = 0;
		return;
	}
	*mx = g_dir_x[b->dir];
	*my = g_dir_y[b->dir];
	b->yaw = (uint16_t)(b->dir * (65536 / DIRS));
}

static void follow_path(struct bot *b, const struct bot_path *path, int8_t *mx, int8_t *my)
{
	*mx = *my = 0;
	const struct sim_avatar *s = &b->conn.predicted;
	while (b->waypoint < path->count) {
		struct sim_point t = path->points[b->waypoint];
		int32_t dx = t.x_mm - s->pos_x_mm, dy = t.y_mm - s->pos_y_mm;
		uint32_t len = core_isqrt64((uint64_t)((int64_t)dx * dx + (int64_t)dy * dy));
		if (len < 30) {
			b->waypoint++;
			continue;
		}
		*mx = (int8_t)(dx * (int64_t)SIM_MOVE_MAX / (int64_t)len);
		*my = (int8_t)(dy * (int64_t)SIM_MOVE_MAX / (int64_t)len);
		b->yaw = yaw_of(dx, dy);
		return;
	}
}

void bot_behavior_next(struct bot *b, enum bot_behavior behavior, const struct bot_path *path,
		       int8_t *out_mx, int8_t *out_my)
{
	switch (behavior) {
	case BOT_IDLE:
		*out_mx = *out_my = 0;
		break;
	case BOT_WANDER:
		wander(b, out_mx, out_my);
		break;
	case BOT_PATH:
		follow_path(b, path, out_mx, out_my);
		break;
	}
}

void bot_latency_add(struct bot_latency *l, uint32_t us)
{
	uint32_t bucket = us / 100;
	l->buckets[bucket < BOT_LAT_BUCKETS ? bucket : BOT_LAT_BUCKETS]++;
	l->samples++;
}

double bot_latency_percentile(const struct bot_latency *l, double p)
{
	if (!l->samples)
		return 0;
	uint64_t want = (uint64_t)ceil(p / 100.0 * (double)l->samples), seen = 0;
	for (int i = 0; i <= BOT_LAT_BUCKETS; i++) {
		seen += l->buckets[i];
		if (seen >= want)
			return (i + 0.5) * 0.1;
	}
	return BOT_LAT_BUCKETS * 0.1;
}
