/**
 * @file bot.h
 * @brief lyceum-bot: N headless clients in one process, each its own ENet
 * host, driven by scripted behaviours through the client core (prediction
 * included), with a JSON report at the end.
 */
#pragma once

#include "cl.h"

#include <stdbool.h>
#include <stdint.h>

#define BOT_MAX_PATH 64
#define BOT_ID_SLOTS (PROTO_MAX_CLIENT_ID + 1)
#define BOT_ZONE_SLOTS (SIM_MAX_ZONES + 1) /* the last slot is "no zone" */

enum bot_behavior {
	BOT_IDLE,
	BOT_WANDER, /* seeded random walk that stays in its zone */
	BOT_PATH,   /* walks the --path waypoints, then stands */
};

struct bot_options {
	int count;
	const char *server;
	const char *room;
	double seconds; /* 0: until SIGINT/SIGTERM */
	uint32_t seed;
	enum bot_behavior behavior;
	const char *path_file;
	const char *zones; /* comma-separated spawn zones, bot i takes the i-th mod n */
	const char *worlds_dir;
	const char *report_file;
	const char *name_prefix;
	uint32_t protocol_version;
};

struct bot {
	int index;
	char name[PROTO_NAME_MAX];
	char spawn_zone[PROTO_NAME_MAX];
	struct cl_conn conn;
	bool joined_once;
	bool gone; /* refused, failed or disconnected; reported once */
	uint32_t rng;
	uint8_t home_zone;
	int ticks_left;
	int dir; /* -1 standing */
	int waypoint;
	uint16_t yaw;
	int zone_changes;
	uint8_t last_zone;
	uint8_t *seen[BOT_ZONE_SLOTS];   /* bitsets of avatar ids, per zone */
	uint32_t *last_send_time;        /* per remote id: newest send time counted */
	int32_t min_x_mm, max_x_mm, min_y_mm, max_y_mm; /* server's positions for this bot */
	uint64_t window_snapshots0;
	uint64_t sent_bytes0, recv_bytes0, sent_packets0, recv_packets0;
};

struct bot_path {
	int count;
	struct sim_point points[BOT_MAX_PATH];
};

/* bot_behavior.c */
void bot_behavior_init(void);
enum core_result bot_path_load(const char *file, struct bot_path *out) CORE_MUST_CHECK;
/** The command for this tick; writes move and yaw. */
void bot_behavior_next(struct bot *b, enum bot_behavior behavior, const struct bot_path *path,
		       int8_t *out_mx, int8_t *out_my);
uint32_t bot_rng_next(uint32_t *state);
uint32_t bot_seed_mix(uint32_t seed, uint32_t index);

/* Latency histogram: 0.1 ms buckets up to 2 s. */
#define BOT_LAT_BUCKETS 20000
struct bot_latency {
	uint64_t samples;
	uint32_t buckets[BOT_LAT_BUCKETS + 1];
};
void bot_latency_add(struct bot_latency *l, uint32_t us);
double bot_latency_percentile(const struct bot_latency *l, double p);
