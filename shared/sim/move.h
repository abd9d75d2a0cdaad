/**
 * @file move.h
 * @brief The one movement step that the server and the predicting client
 * both run (Quake III's pmove is the model): state and command in, state
 * out, world queries through the world model. Integer-only: the same inputs
 * give bit-identical results on every architecture.
 */
#pragma once

#include "world.h"

#include <stdint.h>

#define SIM_TICK_HZ 30
#define SIM_WALK_SPEED_MM_S 1400
#define SIM_AVATAR_RADIUS_MM 250 /* half-side of the square the avatar occupies */
#define SIM_MOVE_MAX 127         /* a move axis runs -127..127 */
#define SIM_SEAT_REACH_MM 1000   /* a seat this close can be sat on */

enum sim_avatar_flag {
	SIM_AVATAR_SITTING = 1 << 0,
	SIM_AVATAR_WALKING = 1 << 1, /* moved during the last step */
	SIM_AVATAR_BLOCKED = 1 << 2, /* a wall stopped part of the last step */
};

enum sim_button {
	SIM_BUTTON_SIT = 1 << 0,
	SIM_BUTTON_STAND = 1 << 1,
};

/**
 * Avatar state. Both wire tables in proto/fields.h (the mover's own state,
 * and what other clients receive) must name every field: a field added
 * here without a wire entry fails the build. Keep it free of
 * padding (fields ordered by size).
 */
struct sim_avatar {
	int32_t pos_x_mm;
	int32_t pos_y_mm;
	uint16_t yaw;
	uint16_t seat; /* SIM_SEAT_NONE when standing */
	uint16_t door; /* door held while passing, SIM_DOOR_NONE otherwise */
	uint8_t zone;  /* SIM_ZONE_NONE before the first zone is entered */
	uint8_t flags; /* enum sim_avatar_flag */
};

#define SIM_DOOR_NONE 0xffff

/** One tick of input. move_x/move_y are along world +x/+y, magnitude <= 127. */
struct sim_cmd {
	uint32_t tick;
	int8_t move_x;
	int8_t move_y;
	uint16_t yaw;
	uint8_t buttons; /* enum sim_button */
	uint16_t seat;   /* with SIT: the seat wanted; SIM_SEAT_NONE = nearest free */
};

/**
 * Who holds the exclusive places, as the stepping side knows it: holder ids
 * per seat and per door (0 = free). The server's view is authoritative; a
 * client's comes from its snapshots and may be stale, which the server then
 * corrects. NULL arrays mean all free.
 */
struct sim_occupancy {
	uint16_t self; /* id of the avatar being stepped (non-zero) */
	const uint16_t *seat_holder;
	const uint16_t *door_holder;
};

/** A standing avatar at p, facing yaw, its zone looked up. */
struct sim_avatar sim_avatar_spawn(const struct sim_world *w, struct sim_point p, uint16_t yaw);

/**
 * Advances one tick of 1/tick_hz s. SIT takes the seat named in the command
 * (or the nearest) if it is free and within reach: the avatar snaps onto it,
 * facing the seat's way. STAND leaves it.
 * A door held by someone else is a wall; a door the avatar overlaps becomes
 * the one it holds.
 */
void sim_step(const struct sim_world *w, int32_t tick_hz, const struct sim_occupancy *occ,
	      struct sim_avatar *state, const struct sim_cmd *cmd);

/** Largest distance one step may cover at tick_hz, in mm (speed checks). */
int32_t sim_step_max_mm(int32_t tick_hz);

/** Whether the avatar's square at p overlaps a blocked tile or leaves the map. */
bool sim_avatar_collides(const struct sim_world *w, struct sim_point p);
/** The first door whose rectangle the avatar's square at p overlaps, or SIM_DOOR_NONE. */
uint16_t sim_door_at(const struct sim_world *w, struct sim_point p);
/** The nearest seat within reach of p that occ leaves free, or SIM_SEAT_NONE. */
uint16_t sim_seat_near(const struct sim_world *w, const struct sim_occupancy *occ,
		       struct sim_point p);

/**
 * The yaw of direction (x, y), 65536 per turn, 0 = +x (integer CORDIC, the
 * same on every architecture). Walkers face where they go; a move whose yaw
 * is this of its move vector costs one bit on the wire instead of sixteen.
 */
uint16_t sim_yaw_of(int32_t x, int32_t y);

/** FNV-1a over the state's fields in wire order: for determinism checks. */
uint64_t sim_avatar_hash(uint64_t h, const struct sim_avatar *a);
