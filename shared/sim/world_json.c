/* Tiled's JSON formats into the map model: maps (.tmj), tilesets (.tsj)
 * and object templates (.tj), through Jansson. Only the syntax is checked
 * here; world_build.c checks the values. */
#include "world_map.h"

#include <jansson.h>
#include <string.h>

static enum core_result parse(struct sim_load *ld, const char *text, size_t size, json_t **out)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return sim_load_fail(ld, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
	*out = root;
	return CORE_OK;
}

/* A member Tiled writes as an integer: its value when it is one, def when it
 * is absent, SIM_MAP_BAD_INT otherwise. */
static int64_t int_member(json_t *owner, const char *key, int64_t def)
{
	json_t *v = json_object_get(owner, key);
	if (!v)
		return def;
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : SIM_MAP_BAD_INT;
}

static enum core_result copy_string(struct sim_load *ld, json_t *v, const char **out)
{
	return sim_map_strndup(ld, json_string_value(v), json_string_length(v), out);
}

/* ---- properties --------------------------------------------------------- */

static bool value_fits(enum sim_map_prop_type type, json_t *v)
{
	switch (type) {
	case SIM_PROP_INT:
	case SIM_PROP_FLOAT:
	case SIM_PROP_OBJECT:
		return json_is_number(v);
	case SIM_PROP_BOOL:
		return json_is_boolean(v);
	case SIM_PROP_STRING:
	case SIM_PROP_COLOR:
	case SIM_PROP_FILE:
		return json_is_string(v);
	case SIM_PROP_CLASS:
		return true;
	}
	return false;
}

static enum core_result read_props(struct sim_load *ld, json_t *owner, struct sim_map_props *out)
{
	*out = (struct sim_map_props){0};
	json_t *props = json_object_get(owner, "properties");
	if (!props)
		return CORE_OK;
	if (!json_is_array(props))
		return sim_load_fail(ld, "'properties' must be an array (re-save the map with Tiled "
					 "1.2 or later)");
	size_t i;
	json_t *p;
	json_array_foreach(props, i, p) {
		const char *name = json_string_value(json_object_get(p, "name"));
		const char *type_s = json_string_value(json_object_get(p, "type"));
		json_t *value = json_object_get(p, "value");
		if (!name)
			return sim_load_fail(ld, "property %zu has no name", i);
		if (!type_s)
			type_s = "string"; /* Tiled omits the type of string properties in some versions */
		enum sim_map_prop_type type;
		if (!sim_map_prop_type_parse(type_s, &type))
			return sim_load_fail(ld, "property '%s' has unknown type '%s'; use one of "
						 "string, int, float, bool, color, file, object, class",
					     name, type_s);
		if (!value)
			return sim_load_fail(ld, "property '%s' has no value", name);
		if (!value_fits(type, value))
			return sim_load_fail(ld, "property '%s' is of type %s but its value is not; "
						 "set it again in Tiled",
					     name, type_s);
		struct sim_map_prop *prop;
		enum core_result r = sim_map_new_prop(ld, out, &prop);
		if (r == CORE_OK)
			r = sim_map_strdup(ld, name, &prop->name);
		if (r == CORE_OK && json_is_string(value))
			r = copy_string(ld, value, &prop->text);
		if (r != CORE_OK)
			return r;
		prop->type = type;
		prop->number = json_is_number(value) ? json_number_value(value) : 0;
		prop->truth = json_is_true(value);
	}
	return CORE_OK;
}

/* ---- tilesets ----------------------------------------------------------- */

static enum core_result read_tileset_members(struct sim_load *ld, json_t *ts,
					     struct sim_map_tileset *out)
{
	json_t *off = json_object_get(ts, "tileoffset");
	out->tilecount = json_integer_value(json_object_get(ts, "tilecount"));
	out->columns = int_member(ts, "columns", SIM_MAP_BAD_INT);
	out->tile_w_px = int_member(ts, "tilewidth", SIM_MAP_BAD_INT);
	out->tile_h_px = int_member(ts, "tileheight", SIM_MAP_BAD_INT);
	out->margin_px = int_member(ts, "margin", 0);
	out->spacing_px = int_member(ts, "spacing", 0);
	out->offset_x_px = int_member(off, "x", 0);
	out->offset_y_px = int_member(off, "y", 0);
	json_t *image = json_object_get(ts, "image");
	enum core_result r = CORE_OK;
	if (json_is_string(image))
		r = copy_string(ld, image, &out->image);
	size_t i;
	json_t *tile;
	json_array_foreach(json_object_get(ts, "tiles"), i, tile) {
		struct sim_map_tile *t;
		if (r == CORE_OK)
			r = sim_map_new_tile_info(ld, out, &t);
		if (r != CORE_OK)
			return r;
		t->id = int_member(tile, "id", SIM_MAP_BAD_INT);
		if ((r = read_props(ld, tile, &t->props)) != CORE_OK)
			return r;
	}
	return r;
}

enum core_result sim_json_read_tileset(struct sim_load *ld, const char *text, size_t size,
				       struct sim_map_tileset *ts)
{
	json_t *root;
	enum core_result r = parse(ld, text, size, &root);
	if (r != CORE_OK)
		return r;
	if (!json_is_object(root))
		r = sim_load_fail(ld, "not a Tiled tileset (the top level is not a JSON object)");
	else
		r = read_tileset_members(ld, root, ts);
	json_decref(root);
	return r;
}

static enum core_result read_tilesets(struct sim_load *ld, json_t *root)
{
	size_t i;
	json_t *ts;
	json_array_foreach(json_object_get(root, "tilesets"), i, ts) {
		json_int_t firstgid = json_integer_value(json_object_get(ts, "firstgid"));
		const char *source = json_string_value(json_object_get(ts, "source"));
		enum core_result r;
		if (source) {
			r = sim_map_read_tileset_file(ld, source, firstgid);
		} else {
			char where[32];
			struct sim_map_tileset *embedded;
			snprintf(where, sizeof(where), "%zu (embedded)", i);
			r = sim_map_new_tileset(ld, &embedded);
			if (r == CORE_OK)
				r = sim_map_strdup(ld, where, &embedded->where);
			if (r == CORE_OK) {
				embedded->firstgid = firstgid;
				r = read_tileset_members(ld, ts, embedded);
			}
		}
		if (r != CORE_OK)
			return r;
	}
	return CORE_OK;
}

/* ---- objects ------------------------------------------------------------ */

static enum core_result read_polygon(struct sim_load *ld, json_t *polygon,
				     struct sim_map_object *out)
{
	/* a file of at most 1 MiB holds far fewer than INT_MAX corners */
	size_t count = json_array_size(polygon);
	enum core_result r = sim_map_new_points(ld, out, (int)count);
	if (r != CORE_OK)
		return r;
	out->shape = SIM_SHAPE_POLYGON;
	for (size_t i = 0; i < count && i < SIM_MAX_ZONE_POINTS; i++) {
		json_t *pt = json_array_get(polygon, i);
		out->points[i].x = json_number_value(json_object_get(pt, "x"));
		out->points[i].y = json_number_value(json_object_get(pt, "y"));
	}
	return CORE_OK;
}

/* A member present in an instance replaces its template's. */
static void override_number(json_t *obj, const char *key, double *field)
{
	json_t *v = json_object_get(obj, key);
	if (v)
		*field = json_number_value(v);
}

static enum core_result read_object(struct sim_load *ld, json_t *obj, struct sim_map_object *out)
{
	enum core_result r = CORE_OK;
	const char *tmpl_source = json_string_value(json_object_get(obj, "template"));
	if (tmpl_source && ld->in_template)
		return sim_load_fail(ld, "a template's object names template '%s'; templates do "
					 "not nest",
				     tmpl_source);
	if (tmpl_source) {
		struct sim_map_template *tmpl;
		if ((r = sim_map_template_get(ld, tmpl_source, &tmpl)) != CORE_OK)
			return r;
		sim_map_object_from_template(out, tmpl);
	}
	out->id = json_integer_value(json_object_get(obj, "id"));
	json_t *cls = json_object_get(obj, "class");
	if (!json_is_string(cls) || !json_string_length(cls))
		cls = json_object_get(obj, "type");
	if (json_is_string(cls) && json_string_length(cls))
		r = copy_string(ld, cls, &out->cls);
	json_t *name = json_object_get(obj, "name");
	if (r == CORE_OK && json_is_string(name))
		r = copy_string(ld, name, &out->name);
	if (r != CORE_OK)
		return r;
	override_number(obj, "x", &out->x);
	override_number(obj, "y", &out->y);
	override_number(obj, "width", &out->width);
	override_number(obj, "height", &out->height);
	override_number(obj, "rotation", &out->rotation_deg);
	json_t *polygon = json_object_get(obj, "polygon");
	if (json_is_true(json_object_get(obj, "point")))
		out->shape = SIM_SHAPE_POINT;
	else if (json_is_array(polygon))
		r = read_polygon(ld, polygon, out);
	else if (json_is_true(json_object_get(obj, "ellipse")) ||
		 json_object_get(obj, "polyline") || json_object_get(obj, "text"))
		out->shape = SIM_SHAPE_RECT;
	if (r != CORE_OK)
		return r;
	struct sim_map_props base = out->props;
	if ((r = read_props(ld, obj, &out->props)) != CORE_OK)
		return r;
	return out->tmpl ? sim_map_props_inherit(ld, &out->props, &base) : CORE_OK;
}

enum core_result sim_json_read_template(struct sim_load *ld, const char *text, size_t size,
					struct sim_map_object *out)
{
	json_t *root;
	enum core_result r = parse(ld, text, size, &root);
	if (r != CORE_OK)
		return r;
	json_t *obj = json_object_get(root, "object");
	const char *type = json_string_value(json_object_get(root, "type"));
	if (!json_is_object(obj) || (type && strcmp(type, "template")))
		r = sim_load_fail(ld, "not a Tiled object template (no 'object' in it)");
	else
		r = read_object(ld, obj, out);
	json_decref(root);
	return r;
}

/* ---- layers ------------------------------------------------------------- */

static enum core_result read_gid_array(struct sim_load *ld, json_t *data, uint32_t *gids,
				       size_t cells)
{
	if (json_array_size(data) != cells)
		return sim_load_fail(ld, "has %zu tiles of data, expected %zu",
				     json_array_size(data), cells);
	for (size_t i = 0; i < cells; i++) {
		json_t *g = json_array_get(data, i);
		if (!json_is_integer(g) || json_integer_value(g) < 0 ||
		    json_integer_value(g) > 0xffffffffll)
			return sim_load_fail(ld, "tile %zu is not a tile gid", i);
		gids[i] = (uint32_t)json_integer_value(g);
	}
	return CORE_OK;
}

static enum core_result read_tile_layer(struct sim_load *ld, json_t *layer, const char *name,
					bool visible)
{
	if (json_object_get(layer, "chunks"))
		return sim_load_fail(ld, "chunked (infinite) tile data is not supported; untick "
					 "Map > Infinite");
	enum core_result r = sim_map_check_layer_size(
		ld, json_integer_value(json_object_get(layer, "width")),
		json_integer_value(json_object_get(layer, "height")));
	struct sim_map_layer *out;
	if (r == CORE_OK)
		r = sim_map_new_layer(ld, SIM_MAP_TILE_LAYER, name, visible, &out);
	if (r == CORE_OK)
		r = read_props(ld, layer, &out->props);
	if (r != CORE_OK)
		return r;
	size_t cells = (size_t)ld->map->width * (size_t)ld->map->height;
	json_t *data = json_object_get(layer, "data");
	const char *encoding = json_string_value(json_object_get(layer, "encoding"));
	const char *compression = json_string_value(json_object_get(layer, "compression"));
	bool csv = !encoding || !strcmp(encoding, "csv");
	if (csv && compression && compression[0])
		return sim_load_fail(ld, "CSV tile data cannot be compressed ('%s'); re-save the map "
					 "from Tiled",
				     compression);
	if (csv && json_is_array(data)) {
		out->encoding = SIM_LAYER_CSV;
		return read_gid_array(ld, data, out->gids, cells);
	}
	if (!csv && !strcmp(encoding, "base64") && json_is_string(data)) {
		out->encoding = SIM_LAYER_BASE64;
		if (!sim_layer_compression_parse(compression, &out->compression))
			return sim_load_fail(ld, "tile data is compressed with %s, which Lyceum does "
						 "not read; in Tiled set Map > Map Properties > Tile "
						 "Layer Format to CSV or Base64 (uncompressed, zlib, "
						 "gzip or zstd)",
					     compression);
		char why[160];
		if (sim_layer_decode_base64(json_string_value(data), json_string_length(data),
					    out->compression, out->gids, cells, why,
					    sizeof(why)) != CORE_OK)
			return sim_load_fail(ld, "%s; re-save the map from Tiled", why);
		return CORE_OK;
	}
	return sim_load_fail(ld, "has no tile data (expected a CSV array, or base64 with "
				 "'encoding' set)");
}

static enum core_result read_object_layer(struct sim_load *ld, json_t *layer, const char *name,
					  bool visible)
{
	struct sim_map_layer *out;
	enum core_result r = sim_map_new_layer(ld, SIM_MAP_OBJECT_LAYER, name, visible, &out);
	if (r == CORE_OK)
		r = read_props(ld, layer, &out->props);
	size_t j;
	json_t *obj;
	json_array_foreach(json_object_get(layer, "objects"), j, obj) {
		struct sim_map_object *o;
		if (r == CORE_OK)
			r = sim_map_new_object(ld, out, &o);
		if (r != CORE_OK)
			return r;
		json_int_t id = json_integer_value(json_object_get(obj, "id"));
		ld->object_id = id >= 0 && id <= UINT32_MAX ? id : -1;
		r = read_object(ld, obj, o);
	}
	ld->object_id = -1;
	return r;
}

static enum core_result read_layers(struct sim_load *ld, json_t *layers, int depth, bool visible)
{
	if (!json_is_array(layers))
		return sim_load_fail(ld, "'layers' must be an array");
	if (depth > SIM_MAP_MAX_GROUP_DEPTH)
		return sim_load_fail(ld, "layer groups nest deeper than %d", SIM_MAP_MAX_GROUP_DEPTH);
	size_t i;
	json_t *layer;
	json_array_foreach(layers, i, layer) {
		const char *type = json_string_value(json_object_get(layer, "type"));
		const char *name = json_string_value(json_object_get(layer, "name"));
		bool shown = visible && !json_is_false(json_object_get(layer, "visible"));
		enum core_result r = sim_map_strdup(ld, name ? name : "(unnamed)", &name);
		if (r != CORE_OK)
			return r;
		ld->layer = name;
		if (!type) {
			r = sim_load_fail(ld, "layer has no type");
		} else if (!strcmp(type, "tilelayer")) {
			r = read_tile_layer(ld, layer, name, shown);
		} else if (!strcmp(type, "objectgroup")) {
			r = read_object_layer(ld, layer, name, shown);
		} else if (!strcmp(type, "group")) {
			struct sim_map_props unused;
			r = read_props(ld, layer, &unused);
			if (r == CORE_OK)
				r = read_layers(ld, json_object_get(layer, "layers"), depth + 1, shown);
		} else if (!strcmp(type, "imagelayer")) {
			struct sim_map_layer *out;
			r = sim_map_new_layer(ld, SIM_MAP_IMAGE_LAYER, name, shown, &out);
			if (r == CORE_OK)
				r = read_props(ld, layer, &out->props);
		} else {
			r = sim_load_fail(ld, "unknown layer type '%s'", type);
		}
		if (r != CORE_OK)
			return r;
	}
	ld->layer = NULL;
	return CORE_OK;
}

/* ---- the map ------------------------------------------------------------ */

static enum core_result read_map(struct sim_load *ld, json_t *root)
{
	struct sim_map *map = ld->map;
	if (!json_is_object(root))
		return sim_load_fail(ld, "not a Tiled map (the top level is not a JSON object)");
	const char *type = json_string_value(json_object_get(root, "type"));
	if (type && strcmp(type, "map"))
		return sim_load_fail(ld, "not a Tiled map (type is '%s')", type);
	json_t *orient = json_object_get(root, "orientation");
	enum core_result r = CORE_OK;
	if (json_is_string(orient))
		r = copy_string(ld, orient, &map->orientation);
	if (r != CORE_OK)
		return r;
	map->infinite = json_is_true(json_object_get(root, "infinite"));
	map->width = json_integer_value(json_object_get(root, "width"));
	map->height = json_integer_value(json_object_get(root, "height"));
	map->tile_w_px = json_integer_value(json_object_get(root, "tilewidth"));
	map->tile_h_px = json_integer_value(json_object_get(root, "tileheight"));
	if ((r = sim_map_check_header(ld)) != CORE_OK ||
	    (r = read_props(ld, root, &map->props)) != CORE_OK ||
	    (r = read_tilesets(ld, root)) != CORE_OK)
		return r;
	return read_layers(ld, json_object_get(root, "layers"), 0, true);
}

enum core_result sim_json_read_map(struct sim_load *ld, const char *text, size_t size)
{
	json_t *root;
	enum core_result r = parse(ld, text, size, &root);
	if (r != CORE_OK)
		return r;
	r = read_map(ld, root);
	json_decref(root);
	return r;
}
