/**
 * @file world.h
 * @brief The world model both sides simulate against: a tile grid of blocked
 * cells, zones, seats, doors, spawns, boards and items, in millimetres.
 *
 * World space: x runs along the tile columns, y along the tile rows, origin
 * at the map's top corner; tile (c, r) covers [c*tile_mm, (c+1)*tile_mm) x
 * [r*tile_mm, (r+1)*tile_mm). Yaw is uint16, 65536 per turn, 0 = +x,
 * 16384 = +y. Everything here is integer-only and fixed-size: a world is
 * built once (world_load.c or by hand in tests) and then only read.
 */
#pragma once

#include "core/core.h"

#include <stdbool.h>
#include <stdint.h>

#define SIM_MAX_MAP_TILES 256 /* per side */
#define SIM_MAX_ZONES 32
#define SIM_MAX_ZONE_POINTS 32
#define SIM_MAX_SEATS 512
#define SIM_MAX_DOORS 32
#define SIM_MAX_SPAWNS 64
#define SIM_MAX_BOARDS 16
/* Every item of a world travels in each full snapshot (proto/snapshot.h). */
#define SIM_MAX_ITEMS 32
#define SIM_TILE_MAX_HEIGHT_M 10 /* a tile's 'height' property (the VR room), metres */
#define SIM_ITEM_HEIGHT_MM 750      /* an item rests at table height unless told */
#define SIM_ITEM_MAX_HEIGHT_CM 500
#define SIM_ITEM_RETURN_S 60        /* unattended this long, it goes back to its spawn */
#define SIM_ITEM_MAX_RETURN_S 86400
#define SIM_ITEM_REACH_MM 1500      /* how far from an avatar it can grab or hold one */
#define SIM_NAME_MAX 32
#define SIM_ZONE_NONE 0xff
#define SIM_SEAT_NONE 0xffff

enum sim_zone_kind {
	SIM_ZONE_CLASSROOM,
	SIM_ZONE_MEETING_ROOM,
	SIM_ZONE_HALLWAY,
	SIM_ZONE_STAGE,
	SIM_ZONE_KIND_COUNT,
};

struct sim_point {
	int32_t x_mm;
	int32_t y_mm;
};

struct sim_rect {
	int32_t x_mm;
	int32_t y_mm;
	int32_t w_mm;
	int32_t h_mm;
};

struct sim_zone {
	char name[SIM_NAME_MAX];
	enum sim_zone_kind kind;
	uint32_t object_id;
	int point_count;
	struct sim_point points[SIM_MAX_ZONE_POINTS];
	struct sim_rect bounds;
	int64_t area_mm2;
};

struct sim_seat {
	uint32_t object_id;
	struct sim_point pos;
	uint16_t facing;
	uint8_t zone;
};

struct sim_door {
	uint32_t object_id;
	char name[SIM_NAME_MAX];
	struct sim_rect rect;
};

struct sim_spawn {
	uint32_t object_id;
	struct sim_point pos;
	uint8_t zone;
};

struct sim_board {
	uint32_t object_id;
	char name[SIM_NAME_MAX];
	struct sim_rect rect;
	uint16_t facing;
};

struct sim_item {
	uint32_t object_id;
	char name[SIM_NAME_MAX];
	struct sim_point pos; /* its spawn */
	int32_t height_mm;    /* above the floor, at its spawn */
	uint32_t return_s;    /* unattended this long away from its spawn, it goes back; 0: never */
};

struct sim_world {
	char name[64];
	int32_t width_tiles;
	int32_t height_tiles;
	int32_t tile_mm;
	int32_t tile_w_px; /* for the renderer */
	int32_t tile_h_px;
	bool free_spawn; /* map property: clients may ask to appear anywhere on open floor */
	uint8_t blocked[SIM_MAX_MAP_TILES * SIM_MAX_MAP_TILES]; /* row-major, 1 = blocked */
	int zone_count, seat_count, door_count, spawn_count, board_count, item_count;
	struct sim_zone zones[SIM_MAX_ZONES];
	struct sim_seat seats[SIM_MAX_SEATS];
	struct sim_door doors[SIM_MAX_DOORS];
	struct sim_spawn spawns[SIM_MAX_SPAWNS];
	struct sim_board boards[SIM_MAX_BOARDS];
	struct sim_item items[SIM_MAX_ITEMS];
};

/** An empty, unblocked world of the given size; tests and tools build on it. */
void sim_world_init(struct sim_world *w, const char *name, int32_t width_tiles,
		    int32_t height_tiles, int32_t tile_mm);
void sim_world_set_blocked(struct sim_world *w, int32_t col, int32_t row, bool blocked);
/** Outside the map counts as blocked. */
bool sim_world_blocked(const struct sim_world *w, int32_t col, int32_t row);
int32_t sim_world_width_mm(const struct sim_world *w);
int32_t sim_world_height_mm(const struct sim_world *w);
bool sim_world_contains(const struct sim_world *w, struct sim_point p);

/** Adds a polygon zone (bounds, area computed); CORE_ERR_FULL past the limits. */
enum core_result sim_world_add_zone(struct sim_world *w, const char *name,
				    enum sim_zone_kind kind, uint32_t object_id,
				    const struct sim_point *points, int count) CORE_MUST_CHECK;
/** The smallest zone containing p, or SIM_ZONE_NONE. */
uint8_t sim_world_zone_at(const struct sim_world *w, struct sim_point p);
/** Index of the zone with that name, or SIM_ZONE_NONE. */
uint8_t sim_world_zone_find(const struct sim_world *w, const char *name);
bool sim_zone_contains(const struct sim_zone *z, struct sim_point p);
const char *sim_zone_kind_name(enum sim_zone_kind kind);
bool sim_zone_kind_parse(const char *s, enum sim_zone_kind *out_kind);
/** Fills the zone indices of seats and spawns once all zones are in. */
void sim_world_finish(struct sim_world *w);

/** A world name (not a path): 1-63 letters, digits, '-' and '_'. The server
 * checks the one it is given, and a client the one a server sends, so a
 * name never names a file outside the worlds folder. */
bool sim_world_name_valid(const char *name);
