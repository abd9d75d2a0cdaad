/* The load context, the model's storage and the checks both readers make
 * before they decode a layer. */
#include "world_map.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum core_result sim_load_init(struct sim_load *ld, const char *path, char *err, size_t err_size)
{
	memset(ld, 0, sizeof(*ld));
	ld->path = path;
	ld->err = err;
	ld->err_size = err_size;
	ld->object_id = -1;
	ld->map = SIM_LOAD_NEW(ld, struct sim_map, 1);
	if (!ld->map) {
		snprintf(err, err_size, "%s: out of memory", path);
		return CORE_ERR_NOMEM;
	}
	return CORE_OK;
}

void sim_load_fini(struct sim_load *ld)
{
	for (int i = 0; i < ld->block_count; i++)
		core_arena_fini(&ld->blocks[i]);
	ld->block_count = 0;
}

void *sim_load_alloc(struct sim_load *ld, size_t size, size_t align)
{
	if (ld->block_count > 0) {
		void *p = core_arena_alloc(&ld->blocks[ld->block_count - 1], size, align);
		if (p)
			return p;
	}
	/* a fresh block, the size of this allocation when it is larger: memory
	 * is reserved as the map needs it, up to the cap */
	size_t want = CORE_MAX((size_t)SIM_MAP_BLOCK_BYTES, size + align);
	if (ld->block_count == SIM_MAP_MAX_BLOCKS || want > SIM_MAP_ARENA_BYTES - ld->reserved)
		return NULL;
	struct core_arena *block = &ld->blocks[ld->block_count];
	if (core_arena_init(block, want) != CORE_OK)
		return NULL;
	ld->block_count++;
	ld->reserved += want;
	return core_arena_alloc(block, size, align);
}

enum core_result sim_load_fail(struct sim_load *ld, const char *fmt, ...)
{
	char what[384], where[192] = "";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	size_t n = 0;
	if (ld->layer && ld->object_id >= 0)
		n = (size_t)snprintf(where, sizeof(where), "layer '%s' object %lld: ", ld->layer,
				     (long long)ld->object_id);
	else if (ld->layer)
		n = (size_t)snprintf(where, sizeof(where), "layer '%s': ", ld->layer);
	if (ld->part && n < sizeof(where))
		snprintf(where + n, sizeof(where) - n, "%s: ", ld->part);
	snprintf(ld->err, ld->err_size, "%s: %s%s", ld->path, where, what);
	return CORE_ERR_INVALID;
}

enum core_result sim_load_too_big(struct sim_load *ld, const char *what)
{
	(void)sim_load_fail(ld, "%s; Lyceum holds a world of at most %d layers (%d of them tile "
				"layers), %d objects, %d properties, %d tiles with properties and "
				"%u MiB in all. Make it smaller",
			    what, SIM_MAP_MAX_LAYERS, SIM_REPORT_MAX_LAYERS, SIM_MAP_MAX_OBJECTS,
			    SIM_MAP_MAX_PROPS, SIM_MAP_MAX_TILE_INFOS, SIM_MAP_ARENA_BYTES >> 20);
	return CORE_ERR_NOMEM;
}

enum core_result sim_map_strndup(struct sim_load *ld, const char *s, size_t len, const char **out)
{
	char *copy = sim_load_alloc(ld, len + 1, 1);
	if (!copy)
		return sim_load_too_big(ld, "the map's text does not fit");
	memcpy(copy, s, len);
	copy[len] = '\0';
	*out = copy;
	return CORE_OK;
}

enum core_result sim_map_strdup(struct sim_load *ld, const char *s, const char **out)
{
	return sim_map_strndup(ld, s, strlen(s), out);
}

enum core_result sim_map_new_object(struct sim_load *ld, struct sim_map_layer *layer,
				    struct sim_map_object **out)
{
	struct sim_map *map = ld->map;
	struct sim_map_object *obj = NULL;
	if (map->object_count < SIM_MAP_MAX_OBJECTS)
		obj = SIM_LOAD_NEW(ld, struct sim_map_object, 1);
	if (!obj)
		return sim_load_too_big(ld, "too many objects");
	map->object_count++;
	obj->cls = "";
	obj->name = "";
	if (layer && layer->last_object)
		layer->last_object->next = obj;
	else if (layer)
		layer->objects = obj;
	if (layer) {
		layer->last_object = obj;
		layer->object_count++;
	}
	*out = obj;
	return CORE_OK;
}

enum core_result sim_map_new_prop(struct sim_load *ld, struct sim_map_props *owner,
				  struct sim_map_prop **out)
{
	struct sim_map *map = ld->map;
	struct sim_map_prop *p = NULL;
	if (map->prop_count < SIM_MAP_MAX_PROPS)
		p = SIM_LOAD_NEW(ld, struct sim_map_prop, 1);
	if (!p)
		return sim_load_too_big(ld, "too many properties");
	map->prop_count++;
	p->name = "";
	p->text = "";
	if (owner->last)
		owner->last->next = p;
	else
		owner->first = p;
	owner->last = p;
	owner->count++;
	*out = p;
	return CORE_OK;
}

enum core_result sim_map_new_tile_info(struct sim_load *ld, struct sim_map_tileset *ts,
				       struct sim_map_tile **out)
{
	struct sim_map *map = ld->map;
	struct sim_map_tile *t = NULL;
	if (map->tile_info_count < SIM_MAP_MAX_TILE_INFOS)
		t = SIM_LOAD_NEW(ld, struct sim_map_tile, 1);
	if (!t)
		return sim_load_too_big(ld, "too many tiles with properties");
	map->tile_info_count++;
	t->id = SIM_MAP_BAD_INT;
	if (ts->last_tile)
		ts->last_tile->next = t;
	else
		ts->tiles = t;
	ts->last_tile = t;
	ts->tile_count++;
	*out = t;
	return CORE_OK;
}

enum core_result sim_map_new_tileset(struct sim_load *ld, struct sim_map_tileset **out)
{
	struct sim_map *map = ld->map;
	if (map->tileset_count == SIM_REPORT_MAX_TILESETS)
		return sim_load_fail(ld, "more than %d tilesets; merge them in Tiled",
				     SIM_REPORT_MAX_TILESETS);
	struct sim_map_tileset *ts = &map->tilesets[map->tileset_count];
	map->tileset_count++;
	memset(ts, 0, sizeof(*ts));
	ts->format = map->format;
	*out = ts;
	return CORE_OK;
}

enum core_result sim_map_check_layer_size(struct sim_load *ld, int64_t width, int64_t height)
{
	const struct sim_map *map = ld->map;
	if (width != map->width || height != map->height)
		return sim_load_fail(ld, "layer is %lldx%lld tiles but the map is %lldx%lld; resize "
					 "the layer",
				     (long long)width, (long long)height, (long long)map->width,
				     (long long)map->height);
	return CORE_OK;
}

enum core_result sim_map_new_layer(struct sim_load *ld, enum sim_map_layer_kind kind,
				   const char *name, bool visible, struct sim_map_layer **out)
{
	struct sim_map *map = ld->map;
	if (map->layer_count == SIM_MAP_MAX_LAYERS)
		return sim_load_too_big(ld, "too many layers");
	if (kind == SIM_MAP_TILE_LAYER && map->tile_layer_count == SIM_REPORT_MAX_LAYERS)
		return sim_load_fail(ld, "more than %d tile layers; merge some in Tiled",
				     SIM_REPORT_MAX_LAYERS);
	struct sim_map_layer *layer = &map->layers[map->layer_count];
	memset(layer, 0, sizeof(*layer));
	layer->kind = kind;
	layer->name = name;
	layer->visible = visible;
	if (kind == SIM_MAP_TILE_LAYER) {
		/* sim_map_check_header has bounded both to SIM_MAX_MAP_TILES */
		size_t cells = (size_t)map->width * (size_t)map->height;
		layer->gids = SIM_LOAD_NEW(ld, uint32_t, cells);
		if (!layer->gids)
			return sim_load_too_big(ld, "the tile layers do not fit");
		map->tile_layer_count++;
	}
	map->layer_count++;
	*out = layer;
	return CORE_OK;
}

enum core_result sim_map_check_header(struct sim_load *ld)
{
	const struct sim_map *map = ld->map;
	if (!map->orientation || strcmp(map->orientation, "isometric"))
		return sim_load_fail(ld, "orientation '%s' is not supported; Lyceum worlds are "
					 "isometric (Map > Map Properties > Orientation)",
				     map->orientation ? map->orientation : "(none)");
	if (map->infinite)
		return sim_load_fail(ld, "infinite maps are not supported; untick Map > Map "
					 "Properties > Infinite");
	if (map->width < 1 || map->height < 1 || map->width > SIM_MAX_MAP_TILES ||
	    map->height > SIM_MAX_MAP_TILES)
		return sim_load_fail(ld, "map is %lldx%lld tiles; Lyceum reads 1 to %d tiles a side",
				     (long long)map->width, (long long)map->height,
				     SIM_MAX_MAP_TILES);
	if (map->tile_w_px < 1 || map->tile_h_px < 1 || map->tile_w_px > SIM_MAP_MAX_TILE_PX ||
	    map->tile_h_px > SIM_MAP_MAX_TILE_PX)
		return sim_load_fail(ld, "tilewidth and tileheight are %lldx%lld px; use 1 to %d",
				     (long long)map->tile_w_px, (long long)map->tile_h_px,
				     SIM_MAP_MAX_TILE_PX);
	return CORE_OK;
}

enum core_result sim_map_new_points(struct sim_load *ld, struct sim_map_object *obj, int count)
{
	int kept = CORE_MIN(count, SIM_MAX_ZONE_POINTS);
	obj->point_count = count;
	obj->points = SIM_LOAD_NEW(ld, struct sim_map_xy, (size_t)CORE_MAX(kept, 1));
	if (!obj->points)
		return sim_load_too_big(ld, "the polygons do not fit");
	return CORE_OK;
}

void sim_map_trim_utf8(char *s)
{
	size_t n = strlen(s), lead = n;
	while (lead > 0 && ((unsigned char)s[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead == 0)
		return;
	unsigned char c = (unsigned char)s[lead - 1];
	size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 4;
	if (n - (lead - 1) < len)
		s[lead - 1] = '\0';
}

void sim_map_copy_text(char *dst, const char *src, size_t size)
{
	core_strlcpy(dst, src, size);
	sim_map_trim_utf8(dst);
}

static const char *const prop_type_names[] = {
	[SIM_PROP_STRING] = "string", [SIM_PROP_INT] = "int",	    [SIM_PROP_FLOAT] = "float",
	[SIM_PROP_BOOL] = "bool",     [SIM_PROP_COLOR] = "color",   [SIM_PROP_FILE] = "file",
	[SIM_PROP_OBJECT] = "object", [SIM_PROP_CLASS] = "class",
};

bool sim_map_prop_type_parse(const char *s, enum sim_map_prop_type *out_type)
{
	for (size_t t = 0; t < CORE_ARRAY_LEN(prop_type_names); t++) {
		if (!strcmp(s, prop_type_names[t])) {
			*out_type = (enum sim_map_prop_type)t;
			return true;
		}
	}
	return false;
}

const char *sim_map_prop_type_name(enum sim_map_prop_type type)
{
	return prop_type_names[type];
}

const struct sim_map_prop *sim_map_prop_find(const struct sim_map_props *props, const char *name)
{
	for (const struct sim_map_prop *p = props->first; p; p = p->next) {
		if (!strcmp(p->name, name))
			return p;
	}
	return NULL;
}
