/**
 * @file world_load.h
 * @brief Reads a Tiled map saved as JSON (.tmj, isometric) into a sim_world.
 *
 * Kept apart from the simulation (it parses JSON and floats; the step does
 * neither). Tiled stores isometric object coordinates in a projected space
 * where each tile is a square of side tileheight: an object at (x, y) px sits
 * on tile column x / tileheight and row y / tileheight.
 */
#pragma once

#include "world.h"

#include <stddef.h>

/**
 * Loads path into *out. On failure *out is left untouched, the returned
 * result is not CORE_OK and err holds one line naming the file, the layer,
 * the object and what to do. Nothing is logged here: the caller decides.
 */
enum core_result sim_world_load(const char *path, struct sim_world *out, char *err,
				size_t err_size) CORE_MUST_CHECK;

/** Loads dir/name.tmj (name without extension). */
enum core_result sim_world_load_named(const char *dir, const char *name, struct sim_world *out,
				      char *err, size_t err_size) CORE_MUST_CHECK;
