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

#define SIM_ART_MAX_LAYERS 8
#define SIM_ART_MAX_TILESETS 4

/**
 * What a renderer needs of a map besides the simulation's world: the tile
 * layers' gids (Tiled's flip flags removed) and the tilesets' images. The
 * server never asks for it.
 */
struct sim_world_art {
	int32_t width_tiles, height_tiles;
	int layer_count;
	struct sim_art_layer {
		char name[SIM_NAME_MAX];
		uint32_t *gids; /* width_tiles * height_tiles, row-major; 0 = empty */
	} layers[SIM_ART_MAX_LAYERS];
	int tileset_count;
	struct sim_art_tileset {
		uint32_t firstgid, tilecount, columns;
		int32_t tile_w_px, tile_h_px, margin_px, spacing_px;
		int32_t offset_x_px, offset_y_px; /* Tiled's tileoffset */
		char image[512];                  /* path of the image, resolved */
	} tilesets[SIM_ART_MAX_TILESETS];
};

/**
 * sim_world_load that also fills *out_art (NULL: like sim_world_load). On
 * success the caller frees it with sim_world_art_free.
 */
enum core_result sim_world_load_art(const char *path, struct sim_world *out,
				    struct sim_world_art *out_art, char *err,
				    size_t err_size) CORE_MUST_CHECK;
void sim_world_art_free(struct sim_world_art *art);

/** Loads dir/name.tmj (name without extension). */
enum core_result sim_world_load_named(const char *dir, const char *name, struct sim_world *out,
				      char *err, size_t err_size) CORE_MUST_CHECK;
