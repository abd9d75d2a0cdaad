/**
 * @file world_load.h
 * @brief Reads a Tiled map (isometric) into a sim_world: JSON (.tmj) or XML
 * (.tmx), with JSON (.tsj) or XML (.tsx) tilesets and JSON (.tj) or XML
 * (.tx) object templates beside it; tile layer data as CSV, TMX <tile>
 * elements or base64, uncompressed or compressed with zlib, gzip or zstd.
 *
 * Kept apart from the simulation (it parses text and floats; the step does
 * neither). Tiled stores isometric object coordinates in a projected space
 * where each tile is a square of side tileheight: an object at (x, y) px sits
 * on tile column x / tileheight and row y / tileheight. The same world saved
 * in any of those forms loads to the identical sim_world.
 *
 * Every file is opened only if it is a regular file of at most 1 MiB, and a
 * map names its tilesets and templates by plain file name, beside it.
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
 * layers' gids and the tilesets' images. Tiled's flip and rotation flags
 * are stripped: tiles are drawn as the tileset holds them (a report counts
 * the flipped ones). The server never asks for it.
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
		uint16_t *height_cm; /* per tile: its 'height' property in cm + 1; 0: none. NULL: no tile has one */
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
/** The tileset a gid is from (an index into art->tilesets), or -1. */
int sim_world_art_tileset(const struct sim_world_art *art, uint32_t gid);

/** Loads dir/name.tmj, or dir/name.tmx when there is no .tmj (name without
 * extension). */
enum core_result sim_world_load_named(const char *dir, const char *name, struct sim_world *out,
				      char *err, size_t err_size) CORE_MUST_CHECK;

enum sim_world_format {
	SIM_WORLD_JSON, /* .tmj, .tsj, .tj */
	SIM_WORLD_XML,  /* .tmx, .tsx, .tx */
};

enum sim_layer_encoding {
	SIM_LAYER_CSV,    /* a JSON array, or TMX encoding="csv" */
	SIM_LAYER_XML,    /* TMX <tile gid=".."/> elements (Tiled's deprecated XML format) */
	SIM_LAYER_BASE64, /* little-endian uint32 gids, perhaps compressed */
};

enum sim_layer_compression {
	SIM_LAYER_UNCOMPRESSED,
	SIM_LAYER_ZLIB,
	SIM_LAYER_GZIP,
	SIM_LAYER_ZSTD,
};

const char *sim_world_format_name(enum sim_world_format format);
const char *sim_layer_encoding_name(enum sim_layer_encoding encoding);
const char *sim_layer_compression_name(enum sim_layer_compression compression);

#define SIM_REPORT_MAX_LAYERS 32 /* also the most tile layers a map may have */
#define SIM_REPORT_MAX_TILESETS 16
#define SIM_REPORT_MAX_TEMPLATES 32
#define SIM_REPORT_MAX_WARNINGS 32
#define SIM_REPORT_FILE_MAX 128
#define SIM_REPORT_LINE_MAX 256

/**
 * What a load read, for authors (lyceum-world check): the file's format,
 * each tile layer's encoding, the tilesets and templates it used, and
 * warnings about what loads but is probably wrong (a seat facing a wall, a
 * zone without a spawn, a door narrower than an avatar, ...).
 */
struct sim_world_report {
	enum sim_world_format format;
	int tile_layer_count;
	struct sim_report_layer {
		char name[SIM_NAME_MAX];
		enum sim_layer_encoding encoding;
		enum sim_layer_compression compression;
	} tile_layers[SIM_REPORT_MAX_LAYERS];
	long flipped_tiles; /* cells whose gid carried flip flags (stripped) */
	int tileset_count;
	struct sim_report_tileset {
		char source[SIM_REPORT_FILE_MAX]; /* file name; "" when embedded */
		enum sim_world_format format;     /* of the file, or of the map when embedded */
		uint32_t firstgid, tilecount;
	} tilesets[SIM_REPORT_MAX_TILESETS];
	int template_count;
	struct sim_report_template {
		char source[SIM_REPORT_FILE_MAX];
		enum sim_world_format format;
		int uses; /* objects made from it */
	} templates[SIM_REPORT_MAX_TEMPLATES];
	int warning_count; /* all found; the first SIM_REPORT_MAX_WARNINGS are kept */
	char warnings[SIM_REPORT_MAX_WARNINGS][SIM_REPORT_LINE_MAX];
};

/**
 * sim_world_load that also fills *out_report. On failure neither *out nor
 * *out_report is touched.
 */
enum core_result sim_world_load_report(const char *path, struct sim_world *out,
				       struct sim_world_report *out_report, char *err,
				       size_t err_size) CORE_MUST_CHECK;
