/**
 * @file world_map.h
 * @brief Inside lyceum_world: the in-memory model of a Tiled map, which one
 * reader per format fills (world_json.c, world_tmx.c) and world_build.c
 * turns into a sim_world, and what the readers share: the load context with
 * its one-line errors (world_map.c), files (world_file.c), tile layer data
 * (world_data.c) and object templates (world_template.c).
 *
 * The model holds what Lyceum reads of a map, in the file's own units
 * (Tiled's pixels and degrees, gids with their flip flags). Readers check
 * syntax and the sizes they need to decode; the builder checks every value
 * against what a sim_world holds. The model lives in an arena that goes
 * with the load, taking blocks as it fills up to a fixed cap; counts and
 * sizes past the limits below are refused with a message, never grown.
 */
#pragma once

#include "core/arena.h"
#include "world_load.h"

#include <stdbool.h>
#include <stdint.h>

#define SIM_MAP_MAX_FILE_BYTES (1024 * 1024)      /* one map, tileset or template file */
#define SIM_MAP_MAX_TOTAL_BYTES (4 * 1024 * 1024) /* all of a world's files together */
#define SIM_MAP_MAX_LAYERS 64                     /* of every kind; groups are flattened */
#define SIM_MAP_MAX_GROUP_DEPTH 8
#define SIM_MAP_MAX_OBJECTS 4096 /* in layers and templates */
#define SIM_MAP_MAX_PROPS 16384
#define SIM_MAP_MAX_TILE_INFOS 16384 /* tileset tiles with properties */
#define SIM_MAP_MAX_GIDS 65536
#define SIM_MAP_MAX_TILE_PX 4096 /* tile sizes, margins, spacings and offsets */
#define SIM_MAP_GID_MASK 0x0fffffffu /* Tiled keeps flip and rotation flags in bits 28-31 */
/* Tile layers at their largest, and the model of all files' text. The
 * arena takes blocks as it needs them, up to this. */
#define SIM_MAP_ARENA_BYTES (24u * 1024 * 1024)
#define SIM_MAP_BLOCK_BYTES (256u * 1024)
#define SIM_MAP_MAX_BLOCKS 128
/* A member that is present but not an integer: outside every range the
 * builder accepts, so it is refused with the message about that range. */
#define SIM_MAP_BAD_INT INT64_MIN

enum sim_map_prop_type {
	SIM_PROP_STRING,
	SIM_PROP_INT,
	SIM_PROP_FLOAT,
	SIM_PROP_BOOL,
	SIM_PROP_COLOR,
	SIM_PROP_FILE,
	SIM_PROP_OBJECT,
	SIM_PROP_CLASS,
};

/* A custom property; its value matches its type (the readers check). */
struct sim_map_prop {
	struct sim_map_prop *next;
	const char *name;
	enum sim_map_prop_type type;
	const char *text; /* string, color, file; "" otherwise */
	double number;    /* int, float, object */
	bool truth;       /* bool */
};

/* An owner's properties, in the file's order. */
struct sim_map_props {
	struct sim_map_prop *first, *last;
	int count;
};

enum sim_map_shape {
	SIM_SHAPE_RECT, /* also ellipses, polylines and text: read as their rectangle */
	SIM_SHAPE_POINT,
	SIM_SHAPE_POLYGON,
};

struct sim_map_xy {
	double x, y;
};

struct sim_map_template;

struct sim_map_object {
	struct sim_map_object *next; /* in its layer */
	int64_t id;
	const char *cls; /* Class (Type before Tiled 1.9); "" when none */
	const char *name;
	enum sim_map_shape shape;
	double x, y, width, height, rotation_deg;
	int point_count;           /* the polygon's corners, as many as the file has */
	struct sim_map_xy *points; /* relative to (x, y); the first SIM_MAX_ZONE_POINTS */
	struct sim_map_props props;
	struct sim_map_template *tmpl; /* the template it is an instance of, or NULL */
};

struct sim_map_template {
	const char *source; /* file name, beside the map */
	enum sim_world_format format;
	struct sim_map_object object;
	int uses;
};

enum sim_map_layer_kind {
	SIM_MAP_TILE_LAYER,
	SIM_MAP_OBJECT_LAYER,
	SIM_MAP_IMAGE_LAYER,
};

struct sim_map_layer {
	enum sim_map_layer_kind kind;
	const char *name;
	bool visible; /* its own flag and its groups' */
	struct sim_map_props props;
	/* tile layers: the map's width x height, row-major, flip flags kept */
	uint32_t *gids;
	enum sim_layer_encoding encoding;
	enum sim_layer_compression compression;
	/* object layers */
	struct sim_map_object *objects, *last_object;
	int object_count;
};

struct sim_map_tile {
	struct sim_map_tile *next;
	int64_t id;
	struct sim_map_props props;
};

struct sim_map_tileset {
	const char *where;  /* in messages: "0 (embedded)" or the file name */
	const char *source; /* the file name; NULL when embedded */
	enum sim_world_format format;
	int64_t firstgid, tilecount, columns, tile_w_px, tile_h_px;
	int64_t margin_px, spacing_px, offset_x_px, offset_y_px;
	const char *image; /* as the file has it; NULL when none */
	struct sim_map_tile *tiles, *last_tile; /* those with properties */
	int tile_count;
};

struct sim_map {
	enum sim_world_format format;
	const char *orientation; /* NULL when absent */
	bool infinite;
	int64_t width, height, tile_w_px, tile_h_px;
	struct sim_map_props props;
	int tileset_count;
	struct sim_map_tileset tilesets[SIM_REPORT_MAX_TILESETS];
	int layer_count, tile_layer_count;
	struct sim_map_layer layers[SIM_MAP_MAX_LAYERS];
	int template_count;
	struct sim_map_template templates[SIM_REPORT_MAX_TEMPLATES];
	/* against the limits above */
	int object_count, prop_count, tile_info_count;
};

/* One load: where messages point, and the model's storage. */
struct sim_load {
	const char *path; /* the map as given: every message starts with it */
	char *err;
	size_t err_size;
	const char *layer; /* what the current message is about: a layer name or NULL, */
	int64_t object_id; /* an object id or -1, */
	const char *part;  /* and the tileset or template file being read, or NULL */
	struct core_arena blocks[SIM_MAP_MAX_BLOCKS]; /* the model's storage */
	int block_count;
	size_t reserved; /* of all blocks, against SIM_MAP_ARENA_BYTES */
	struct sim_map *map;
	size_t bytes_read; /* of all files, against SIM_MAP_MAX_TOTAL_BYTES */
	bool in_template;  /* reading a template's object: no template in it */
};

/* ---- world_map.c: the context, the model's storage and shared checks ---- */

enum core_result sim_load_init(struct sim_load *ld, const char *path, char *err,
			       size_t err_size) CORE_MUST_CHECK;
void sim_load_fini(struct sim_load *ld);
/** Writes "path: layer 'L' object N: part: what" into the error; returns
 * CORE_ERR_INVALID. */
enum core_result sim_load_fail(struct sim_load *ld, const char *fmt, ...) CORE_PRINTF(2, 3);
/** The arena or a pool ran out: CORE_ERR_NOMEM with a message saying so. */
enum core_result sim_load_too_big(struct sim_load *ld, const char *what);

/** Zeroed memory from the load's arena, or NULL when it is spent. */
void *sim_load_alloc(struct sim_load *ld, size_t size, size_t align);
#define SIM_LOAD_NEW(ld, type, count) \
	((type *)sim_load_alloc((ld), sizeof(type) * (count), _Alignof(type)))
/** A copy of s[0..len) in the arena, terminated. */
enum core_result sim_map_strndup(struct sim_load *ld, const char *s, size_t len,
				 const char **out) CORE_MUST_CHECK;
enum core_result sim_map_strdup(struct sim_load *ld, const char *s,
				const char **out) CORE_MUST_CHECK;
/** An object appended to layer (NULL: one that belongs to no layer, a
 * template's). */
enum core_result sim_map_new_object(struct sim_load *ld, struct sim_map_layer *layer,
				    struct sim_map_object **out) CORE_MUST_CHECK;
/** A property appended to owner's. */
enum core_result sim_map_new_prop(struct sim_load *ld, struct sim_map_props *owner,
				  struct sim_map_prop **out) CORE_MUST_CHECK;
enum core_result sim_map_new_tile_info(struct sim_load *ld, struct sim_map_tileset *ts,
				       struct sim_map_tile **out) CORE_MUST_CHECK;
enum core_result sim_map_new_tileset(struct sim_load *ld,
				     struct sim_map_tileset **out) CORE_MUST_CHECK;
/** A layer appended to the map; tile layers get their gids, the map's size
 * (sim_map_check_header has checked it), after their own size is checked. */
enum core_result sim_map_new_layer(struct sim_load *ld, enum sim_map_layer_kind kind,
				   const char *name, bool visible,
				   struct sim_map_layer **out) CORE_MUST_CHECK;
enum core_result sim_map_check_layer_size(struct sim_load *ld, int64_t width,
					  int64_t height) CORE_MUST_CHECK;
/** Orientation, finiteness and sizes: what must hold before any layer is
 * decoded. Readers call it once the map's own attributes are read. */
enum core_result sim_map_check_header(struct sim_load *ld) CORE_MUST_CHECK;
/** Room for up to count polygon corners (at most SIM_MAX_ZONE_POINTS kept). */
enum core_result sim_map_new_points(struct sim_load *ld, struct sim_map_object *obj,
				    int count) CORE_MUST_CHECK;

/** core_strlcpy that never leaves half a UTF-8 character at the cut: names
 * from the files are UTF-8 (both parsers check), and stay so in the world. */
void sim_map_copy_text(char *dst, const char *src, size_t size);
/** Drops a UTF-8 sequence cut short at the end of s. */
void sim_map_trim_utf8(char *s);

bool sim_map_prop_type_parse(const char *s, enum sim_map_prop_type *out_type);
const char *sim_map_prop_type_name(enum sim_map_prop_type type);
/** The first property of that name, or NULL. */
const struct sim_map_prop *sim_map_prop_find(const struct sim_map_props *props,
					     const char *name);

/* ---- world_file.c: files beside the map -------------------------------- */

/**
 * Reads a whole file into a fresh buffer, terminated (the caller frees
 * *out_text). Only a regular file of at most SIM_MAP_MAX_FILE_BYTES: a
 * FIFO or a device never blocks the loader, as O_NONBLOCK opens it without
 * waiting and fstat turns it away. noun says what it is in messages.
 */
enum core_result sim_load_read_file(struct sim_load *ld, const char *full, const char *noun,
				    char **out_text, size_t *out_size) CORE_MUST_CHECK;
/** Whether text looks like XML (its first non-blank byte is '<'). */
bool sim_load_is_xml(const char *text, size_t size);
/** The path of a tileset or template file that the map names by source:
 * a plain file name in the map's folder. */
enum core_result sim_load_beside_map(struct sim_load *ld, const char *source, const char *noun,
				     char *out, size_t out_size) CORE_MUST_CHECK;
/** Reads the map file itself with the reader its format needs. */
enum core_result sim_map_read(struct sim_load *ld) CORE_MUST_CHECK;
/** An external tileset, appended to the map with its firstgid. */
enum core_result sim_map_read_tileset_file(struct sim_load *ld, const char *source,
					   int64_t firstgid) CORE_MUST_CHECK;

/* ---- world_template.c: object templates -------------------------------- */

/** The template named by source, read once per load. */
enum core_result sim_map_template_get(struct sim_load *ld, const char *source,
				      struct sim_map_template **out) CORE_MUST_CHECK;
/** Starts an instance: the template's object with the instance's id. */
void sim_map_object_from_template(struct sim_map_object *obj, struct sim_map_template *tmpl);
/** An instance's own properties over its template's: the instance's
 * first, then the template's that it does not override. */
enum core_result sim_map_props_inherit(struct sim_load *ld, struct sim_map_props *own,
				       const struct sim_map_props *base) CORE_MUST_CHECK;

/* ---- world_data.c: tile layer data --------------------------------------- */

/** "" or NULL, "zlib", "gzip", "zstd". */
bool sim_layer_compression_parse(const char *s, enum sim_layer_compression *out);
/**
 * base64 (libsodium's decoder, whitespace allowed) of cells little-endian
 * gids, perhaps compressed: exactly cells * 4 bytes must come out, and the
 * decompressor never writes more, however much the data claims.
 */
enum core_result sim_layer_decode_base64(const char *text, size_t len,
					 enum sim_layer_compression compression, uint32_t *out_gids,
					 size_t cells, char *why, size_t why_size) CORE_MUST_CHECK;
/** TMX CSV text: exactly cells unsigned 32-bit gids separated by commas. */
enum core_result sim_layer_decode_csv(const char *text, size_t len, uint32_t *out_gids,
				      size_t cells, char *why, size_t why_size) CORE_MUST_CHECK;

/* ---- the readers: world_json.c, world_tmx.c ------------------------------- */

enum core_result sim_json_read_map(struct sim_load *ld, const char *text,
				   size_t size) CORE_MUST_CHECK;
/** An external tileset's file into ts (its firstgid is set already). */
enum core_result sim_json_read_tileset(struct sim_load *ld, const char *text, size_t size,
				       struct sim_map_tileset *ts) CORE_MUST_CHECK;
enum core_result sim_json_read_template(struct sim_load *ld, const char *text, size_t size,
					struct sim_map_object *out) CORE_MUST_CHECK;
enum core_result sim_tmx_read_map(struct sim_load *ld, const char *text,
				  size_t size) CORE_MUST_CHECK;
enum core_result sim_tmx_read_tileset(struct sim_load *ld, const char *text, size_t size,
				      struct sim_map_tileset *ts) CORE_MUST_CHECK;
enum core_result sim_tmx_read_template(struct sim_load *ld, const char *text, size_t size,
				       struct sim_map_object *out) CORE_MUST_CHECK;

/* ---- world_build.c, world_report.c ---------------------------------------- */

/**
 * The model into *w (whose name is set), and into *art when not NULL. walls,
 * when not NULL, gets a cell per tile (row-major, SIM_MAX_MAP_TILES a row)
 * set where a layer named walls has a tile: what the report's checks need.
 */
enum core_result sim_map_build(struct sim_load *ld, struct sim_world *w,
			       struct sim_world_art *art, uint8_t *walls) CORE_MUST_CHECK;
/** What was read (from the model) and what looks wrong (from the world). */
void sim_map_report(const struct sim_map *map, const struct sim_world *w, const uint8_t *walls,
		    struct sim_world_report *out);
