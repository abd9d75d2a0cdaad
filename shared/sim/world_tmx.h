/**
 * @file world_tmx.h
 * @brief Inside lyceum_world: what the two halves of the TMX reader share,
 * world_tmx.c (the document, the element stack, maps, tilesets, layers)
 * and world_tmx_object.c (properties, objects, templates): the parse's
 * state and the attribute helpers, each of which reports its own failure.
 */
#pragma once

#include "world_map.h"

#include <expat.h>

#define SIM_TMX_MAX_DEPTH 32      /* Tiled's deepest: 8 groups, an object, its properties */
#define SIM_TMX_MAX_ATTRIBUTES 32 /* per element; Tiled's <map> has 16 */

enum sim_tmx_elem {
	SIM_TMX_SKIPPED, /* and everything inside it */
	SIM_TMX_MAP,
	SIM_TMX_TILESET,
	SIM_TMX_TILEOFFSET,
	SIM_TMX_IMAGE,
	SIM_TMX_TILE,
	SIM_TMX_PROPERTIES,
	SIM_TMX_PROPERTY,
	SIM_TMX_LAYER,
	SIM_TMX_DATA,
	SIM_TMX_DATA_TILE,
	SIM_TMX_OBJECTGROUP,
	SIM_TMX_OBJECT,
	SIM_TMX_SHAPE,
	SIM_TMX_GROUP,
	SIM_TMX_IMAGELAYER,
	SIM_TMX_TEMPLATE,
};

enum sim_tmx_doc {
	SIM_TMX_DOC_MAP,
	SIM_TMX_DOC_TILESET,
	SIM_TMX_DOC_TEMPLATE,
};

struct sim_tmx {
	struct sim_load *ld;
	XML_Parser parser;
	enum core_result r; /* the first failure: the parse stops there */
	enum sim_tmx_doc doc;
	int depth;
	enum sim_tmx_elem stack[SIM_TMX_MAX_DEPTH];
	int group_depth;
	bool group_visible[SIM_MAP_MAX_GROUP_DEPTH + 1];
	/* what the open elements fill */
	struct sim_map_tileset *tileset;
	struct sim_map_tile *tile;
	struct sim_map_layer *layer;
	bool layer_has_data;
	size_t cells_read; /* <tile> elements of XML layer data */
	struct sim_map_object *object;
	struct sim_map_props object_base; /* its template's properties */
	struct sim_map_object *template_out;
	int template_objects;
	struct sim_map_props *props_owner; /* NULL: the properties are skipped */
	struct sim_map_props group_props;
	struct sim_map_prop *prop; /* one whose value is its text */
	/* character data of <data> and of a multi-line <property> */
	bool collecting;
	char *text;
	size_t text_len, text_cap;
};

enum core_result sim_tmx_fail(struct sim_tmx *t, const char *fmt, ...) CORE_PRINTF(2, 3);
const char *sim_tmx_attr(const XML_Char **atts, const char *name);
/** The whole of s as a decimal integer, within int64. */
bool sim_tmx_parse_int(const char *s, int64_t *out);
/** The whole of s as a finite decimal number (no "inf", "nan" or hex). */
bool sim_tmx_parse_number(const char *s, double *out);
/** The attribute as an integer, def when absent; refused when not one. */
enum core_result sim_tmx_int_attr(struct sim_tmx *t, const char *elem, const XML_Char **atts,
				  const char *name, int64_t def, int64_t *out);
/** The attribute, when present, into *field; refused when not a number. */
enum core_result sim_tmx_number_attr(struct sim_tmx *t, const char *elem,
				     const XML_Char **atts, const char *name, double *field);
enum core_result sim_tmx_string_attr(struct sim_tmx *t, const XML_Char **atts, const char *name,
				     const char **field);
/** From here to the element's end, its text collects in t->text. */
enum core_result sim_tmx_begin_text(struct sim_tmx *t);

/* world_tmx_object.c */
enum core_result sim_tmx_start_properties(struct sim_tmx *t, struct sim_map_props *owner);
enum core_result sim_tmx_start_property(struct sim_tmx *t, const XML_Char **atts);
enum core_result sim_tmx_end_property(struct sim_tmx *t);
enum core_result sim_tmx_start_shape(struct sim_tmx *t, const char *name, const XML_Char **atts);
/** An object in a layer (with an id) or a template's (without). */
enum core_result sim_tmx_start_object(struct sim_tmx *t, const XML_Char **atts,
				      struct sim_map_object *o);
enum core_result sim_tmx_start_layer_object(struct sim_tmx *t, const XML_Char **atts);
enum core_result sim_tmx_end_object(struct sim_tmx *t);
