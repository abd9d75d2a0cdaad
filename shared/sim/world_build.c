/* The map model into a sim_world and the renderer's art, whatever format
 * the map came in: every size, id and count is range-checked here before
 * it becomes an integer of the world, and every author error names the
 * layer, the object and the fix. */
#include "world_map.h"

#include "move.h"

#include <assert.h>
#include <math.h> /* isfinite only: this library does not link libm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* No object in a map (at most 256 tiles of 10 m) lies this far out, and
 * twice it still fits an int32: the difference of two converted
 * coordinates cannot overflow. */
#define MAX_ABS_MM 1e9

struct build {
	struct sim_load *ld;
	const struct sim_map *map;
	struct sim_world *w;
	struct sim_world_art *art; /* NULL unless the caller wants the art */
	uint8_t *walls;            /* NULL unless the caller wants them */
	double tile_h_px;
	uint8_t *gid_blocked; /* SIM_MAP_MAX_GIDS entries: 0 unknown, 1 known, 2 known and blocked */
};

/* Callers range-check v first: the file's numbers are never trusted. */
static int32_t round_i32(double v)
{
	assert(v > -2147483648.5 && v < 2147483647.5);
	return (int32_t)(v >= 0 ? v + 0.5 : v - 0.5);
}

/* Tiled's projected pixels to world millimetres; false (nothing written)
 * when the result is past MAX_ABS_MM or not a number. */
static bool px_to_mm(const struct build *b, double px, int32_t *out_mm)
{
	double mm = px / b->tile_h_px * b->w->tile_mm;
	if (!(mm >= -MAX_ABS_MM && mm <= MAX_ABS_MM))
		return false;
	*out_mm = round_i32(mm);
	return true;
}

static bool px_to_point(const struct build *b, double x_px, double y_px, struct sim_point *out)
{
	return px_to_mm(b, x_px, &out->x_mm) && px_to_mm(b, y_px, &out->y_mm);
}

/* For messages about coordinates too far out to convert. */
static double px_to_m(const struct build *b, double px)
{
	return px / b->tile_h_px * b->w->tile_mm / 1000.0;
}

/* fmod(deg, 360) moved into [0, 360), without libm: binary long division,
 * in which every subtraction is exact. deg is finite. */
static double degrees_reduce(double deg)
{
	double r = deg < 0 ? -deg : deg;
	double step = 360.0;
	while (step <= r / 2)
		step *= 2;
	for (; step >= 360.0; step /= 2) {
		if (r >= step)
			r -= step;
	}
	if (deg < 0 && r > 0)
		r = 360.0 - r;
	return r < 360.0 ? r : 0.0;
}

static uint16_t degrees_to_yaw(double deg)
{
	return (uint16_t)(round_i32(degrees_reduce(deg) / 360.0 * 65536.0) & 0xffff);
}

/* ---- properties ------------------------------------------------------------- */

/* A number property (float or int). Returns 0 found, 1 absent, -1 error (reported). */
static int number_property(struct sim_load *ld, const struct sim_map_props *props,
			   const char *name, double *out, enum core_result *out_err)
{
	const struct sim_map_prop *p = sim_map_prop_find(props, name);
	if (!p)
		return 1;
	if (p->type != SIM_PROP_FLOAT && p->type != SIM_PROP_INT) {
		*out_err = sim_load_fail(ld, "property '%s' must be a float, not %s", name,
					 sim_map_prop_type_name(p->type));
		return -1;
	}
	*out = p->number;
	return 0;
}

/* A property holding text, or NULL. */
static const char *string_property(const struct sim_map_props *props, const char *name)
{
	const struct sim_map_prop *p = sim_map_prop_find(props, name);
	if (p && (p->type == SIM_PROP_STRING || p->type == SIM_PROP_COLOR ||
		  p->type == SIM_PROP_FILE))
		return p->text;
	return NULL;
}

/* ---- tilesets --------------------------------------------------------------- */

static enum core_result build_tileset_tiles(struct build *b, const struct sim_map_tileset *ts)
{
	struct sim_load *ld = b->ld;
	const char *where = ts->where;
	int64_t count = ts->tilecount, firstgid = ts->firstgid;
	if (count <= 0)
		return sim_load_fail(ld, "tileset %s has no 'tilecount'", where);
	if (firstgid < 1 || firstgid >= SIM_MAP_MAX_GIDS)
		return sim_load_fail(ld, "tileset %s: firstgid %lld is outside 1..%d; let Tiled "
					 "number the tilesets",
				     where, (long long)firstgid, SIM_MAP_MAX_GIDS - 1);
	if (count > SIM_MAP_MAX_GIDS - firstgid)
		return sim_load_fail(ld, "tileset %s: %lld tiles from firstgid %lld go past gid %d; "
					 "use fewer or smaller tilesets",
				     where, (long long)count, (long long)firstgid,
				     SIM_MAP_MAX_GIDS - 1);
	for (int64_t i = 0; i < count; i++)
		b->gid_blocked[firstgid + i] = 1;
	int i = 0;
	for (const struct sim_map_tile *tile = ts->tiles; tile; tile = tile->next, i++) {
		if (tile->id < 0 || tile->id > count - 1)
			return sim_load_fail(ld, "tileset %s: tile %d has no id in 0..%lld (its %lld "
						 "tiles)",
					     where, i, (long long)(count - 1), (long long)count);
		const struct sim_map_prop *height = sim_map_prop_find(&tile->props, "height");
		if (height && ((height->type != SIM_PROP_FLOAT && height->type != SIM_PROP_INT) ||
			       !(height->number >= 0 && height->number <= SIM_TILE_MAX_HEIGHT_M)))
			return sim_load_fail(ld, "tileset %s: tile %lld: property 'height' must be a "
						 "number of metres from 0 to %d (how tall the VR "
						 "client builds it)",
					     where, (long long)tile->id, SIM_TILE_MAX_HEIGHT_M);
		const struct sim_map_prop *blocked = sim_map_prop_find(&tile->props, "blocked");
		if (!blocked)
			continue;
		if (blocked->type != SIM_PROP_BOOL)
			return sim_load_fail(ld, "tileset %s: tile %lld: property 'blocked' must be a "
						 "bool",
					     where, (long long)tile->id);
		if (blocked->truth)
			b->gid_blocked[firstgid + tile->id] = 2;
	}
	return CORE_OK;
}

static bool in_range(int64_t v, int64_t lo, int64_t hi)
{
	return v >= lo && v <= hi;
}

static enum core_result build_tileset_art(struct build *b, const struct sim_map_tileset *ts)
{
	struct sim_load *ld = b->ld;
	struct sim_world_art *art = b->art;
	const char *where = ts->where;
	if (!art)
		return CORE_OK;
	if (art->tileset_count == SIM_ART_MAX_TILESETS)
		return sim_load_fail(ld, "more than %d tilesets; merge them in Tiled",
				     SIM_ART_MAX_TILESETS);
	if (!ts->image)
		return sim_load_fail(ld, "tileset %s has no single 'image'; Lyceum draws tilesets "
					 "made from one image (Tileset > New Tileset > Based on "
					 "Tileset Image)",
				     where);
	if (!in_range(ts->columns, 1, SIM_MAP_MAX_GIDS) ||
	    !in_range(ts->tile_w_px, 1, SIM_MAP_MAX_TILE_PX) ||
	    !in_range(ts->tile_h_px, 1, SIM_MAP_MAX_TILE_PX))
		return sim_load_fail(ld, "tileset %s needs 'columns' from 1 to %d and 'tilewidth' "
					 "and 'tileheight' from 1 to %d px",
				     where, SIM_MAP_MAX_GIDS, SIM_MAP_MAX_TILE_PX);
	if (!in_range(ts->margin_px, 0, SIM_MAP_MAX_TILE_PX) ||
	    !in_range(ts->spacing_px, 0, SIM_MAP_MAX_TILE_PX) ||
	    !in_range(ts->offset_x_px, -SIM_MAP_MAX_TILE_PX, SIM_MAP_MAX_TILE_PX) ||
	    !in_range(ts->offset_y_px, -SIM_MAP_MAX_TILE_PX, SIM_MAP_MAX_TILE_PX))
		return sim_load_fail(ld, "tileset %s: 'margin' and 'spacing' must be 0 to %d px and "
					 "'tileoffset' -%d to %d px",
				     where, SIM_MAP_MAX_TILE_PX, SIM_MAP_MAX_TILE_PX,
				     SIM_MAP_MAX_TILE_PX);
	struct sim_art_tileset *t = &art->tilesets[art->tileset_count];
	const char *image = ts->image;
	const char *slash = strrchr(ld->path, '/');
	int dir_len = slash ? (int)(slash - ld->path + 1) : 0;
	int n = snprintf(t->image, sizeof(t->image), "%.*s%s", image[0] == '/' ? 0 : dir_len,
			 ld->path, image);
	if (n < 0 || (size_t)n >= sizeof(t->image))
		return sim_load_fail(ld, "tileset %s: image path '%s' is longer than %zu characters; "
					 "move the image beside the tileset",
				     where, image, sizeof(t->image) - 1);
	art->tileset_count++;
	/* build_tileset_tiles has checked firstgid and tilecount */
	t->firstgid = (uint32_t)ts->firstgid;
	t->tilecount = (uint32_t)ts->tilecount;
	t->columns = (uint32_t)ts->columns;
	t->tile_w_px = (int32_t)ts->tile_w_px;
	t->tile_h_px = (int32_t)ts->tile_h_px;
	t->margin_px = (int32_t)ts->margin_px;
	t->spacing_px = (int32_t)ts->spacing_px;
	t->offset_x_px = (int32_t)ts->offset_x_px;
	t->offset_y_px = (int32_t)ts->offset_y_px;
	/* Heights for the VR room (build_tileset_tiles checked them). */
	for (const struct sim_map_tile *tile = ts->tiles; tile; tile = tile->next) {
		const struct sim_map_prop *height = sim_map_prop_find(&tile->props, "height");
		if (!height)
			continue;
		if (!t->height_cm && !(t->height_cm = calloc(t->tilecount, sizeof(*t->height_cm))))
			return sim_load_fail(ld, "out of memory for tileset %s's heights", where);
		t->height_cm[tile->id] = (uint16_t)(height->number * 100.0 + 0.5) + 1;
	}
	return CORE_OK;
}

/* ---- tile layers -------------------------------------------------------------- */

static enum core_result build_tile_layer(struct build *b, const struct sim_map_layer *layer)
{
	struct sim_load *ld = b->ld;
	struct sim_world *w = b->w;
	long cells = (long)w->width_tiles * w->height_tiles;
	bool walls = !strcasecmp(layer->name, "walls");
	for (long i = 0; i < cells; i++) {
		uint32_t gid = layer->gids[i] & SIM_MAP_GID_MASK;
		int32_t col = (int32_t)(i % w->width_tiles), row = (int32_t)(i / w->width_tiles);
		if (!gid)
			continue;
		if (gid >= SIM_MAP_MAX_GIDS || !b->gid_blocked[gid])
			return sim_load_fail(ld, "tile at column %d row %d uses gid %u, which no "
						 "tileset defines",
					     col, row, gid);
		if (walls || b->gid_blocked[gid] == 2)
			sim_world_set_blocked(w, col, row, true);
		if (walls && b->walls)
			b->walls[row * SIM_MAX_MAP_TILES + col] = 1;
	}
	struct sim_world_art *art = b->art;
	if (!art)
		return CORE_OK;
	if (art->layer_count == SIM_ART_MAX_LAYERS)
		return sim_load_fail(ld, "more than %d tile layers; merge some in Tiled",
				     SIM_ART_MAX_LAYERS);
	if (!layer->visible)
		return CORE_OK;
	uint32_t *gids = malloc((size_t)cells * sizeof(*gids));
	if (!gids)
		return sim_load_fail(ld, "out of memory reading the layer");
	for (long i = 0; i < cells; i++)
		gids[i] = layer->gids[i] & SIM_MAP_GID_MASK;
	struct sim_art_layer *al = &art->layers[art->layer_count];
	art->layer_count++;
	sim_map_copy_text(al->name, layer->name, sizeof(al->name));
	al->gids = gids; /* the art owns it now */
	return CORE_OK;
}

/* ---- objects -------------------------------------------------------------------- */

static enum core_result need_inside(struct build *b, const char *cls, struct sim_point p)
{
	if (sim_world_contains(b->w, p))
		return CORE_OK;
	return sim_load_fail(b->ld, "%s at (%.2f m, %.2f m) is outside the map (%.2f m x %.2f m)",
			     cls, p.x_mm / 1000.0, p.y_mm / 1000.0,
			     sim_world_width_mm(b->w) / 1000.0, sim_world_height_mm(b->w) / 1000.0);
}

/* need_inside for a position too far out to convert */
static enum core_result far_outside(struct build *b, const char *cls, double x_px, double y_px)
{
	return sim_load_fail(b->ld, "%s at (%g m, %g m) is outside the map (%.2f m x %.2f m)", cls,
			     px_to_m(b, x_px), px_to_m(b, y_px), sim_world_width_mm(b->w) / 1000.0,
			     sim_world_height_mm(b->w) / 1000.0);
}

/* A point's position, a rectangle's centre or a polygon's origin, in the map. */
static enum core_result need_centre(struct build *b, const char *cls,
				    const struct sim_map_object *o, struct sim_point *out)
{
	double x = o->x, y = o->y;
	if (o->shape == SIM_SHAPE_RECT) {
		x = o->x + o->width / 2;
		y = o->y + o->height / 2;
	}
	if (!px_to_point(b, x, y, out))
		return far_outside(b, cls, x, y);
	return need_inside(b, cls, *out);
}

static enum core_result need_rect(struct build *b, const char *cls, const struct sim_map_object *o,
				  struct sim_rect *out)
{
	if (o->shape != SIM_SHAPE_RECT || o->width <= 0 || o->height <= 0)
		return sim_load_fail(b->ld, "%s must be a rectangle with a width and a height", cls);
	double x1 = o->x + o->width, y1 = o->y + o->height;
	struct sim_point p0, p1;
	if (!px_to_point(b, o->x, o->y, &p0))
		return far_outside(b, cls, o->x, o->y);
	if (!px_to_point(b, x1, y1, &p1))
		return far_outside(b, cls, x1, y1);
	enum core_result res = need_inside(b, cls, p0);
	if (res == CORE_OK)
		res = need_inside(b, cls, (struct sim_point){p1.x_mm - 1, p1.y_mm - 1});
	if (res == CORE_OK)
		*out = (struct sim_rect){p0.x_mm, p0.y_mm, p1.x_mm - p0.x_mm, p1.y_mm - p0.y_mm};
	return res;
}

static enum core_result need_facing(struct build *b, const struct sim_map_object *o,
				    const char *cls, uint16_t *out_yaw)
{
	double deg = 0;
	enum core_result r = CORE_OK;
	int found = number_property(b->ld, &o->props, "facing", &deg, &r);
	if (found < 0)
		return r;
	if (found > 0)
		return sim_load_fail(b->ld, "%s has no 'facing' property; add a float property "
					    "'facing' in degrees (0 = along +x, 90 = along +y)",
				     cls);
	if (!isfinite(deg))
		return sim_load_fail(b->ld, "%s 'facing' is %g; give a number of degrees (0 = along "
					    "+x, 90 = along +y)",
				     cls, deg);
	*out_yaw = degrees_to_yaw(deg);
	return CORE_OK;
}

static const char *object_name(const struct sim_map_object *o)
{
	const char *n = string_property(&o->props, "name");
	return n && n[0] ? n : o->name;
}

static enum core_result too_many(struct build *b, const char *what, int limit)
{
	return sim_load_fail(b->ld, "too many %s objects (this build holds %d)", what, limit);
}

static enum core_result build_zone(struct build *b, const struct sim_map_object *o)
{
	struct sim_load *ld = b->ld;
	struct sim_world *w = b->w;
	const char *name = object_name(o);
	if (!name[0])
		return sim_load_fail(ld, "Zone has no name; set its Name or a string property "
					 "'name'");
	if (strlen(name) >= SIM_NAME_MAX)
		return sim_load_fail(ld, "Zone name '%s' is longer than %d characters", name,
				     SIM_NAME_MAX - 1);
	if (sim_world_zone_find(w, name) != SIM_ZONE_NONE)
		return sim_load_fail(ld, "another Zone is already named '%s'; zone names must be "
					 "unique",
				     name);
	const char *kind_s = string_property(&o->props, "kind");
	enum sim_zone_kind kind;
	if (!kind_s)
		return sim_load_fail(ld, "Zone '%s' has no 'kind'; add a string property 'kind' = "
					 "classroom, meeting_room, hallway or stage",
				     name);
	if (!sim_zone_kind_parse(kind_s, &kind))
		return sim_load_fail(ld, "Zone '%s' has kind '%s'; use classroom, meeting_room, "
					 "hallway or stage",
				     name, kind_s);
	if (w->zone_count >= SIM_MAX_ZONES)
		return too_many(b, "Zone", SIM_MAX_ZONES);
	/* corners in Tiled's pixels, range-checked as they are converted */
	double xs[SIM_MAX_ZONE_POINTS], ys[SIM_MAX_ZONE_POINTS];
	int n = 0;
	if (o->shape == SIM_SHAPE_POLYGON) {
		if (o->point_count < 3 || o->point_count > SIM_MAX_ZONE_POINTS)
			return sim_load_fail(ld, "Zone '%s' polygon has %d points; use 3 to %d", name,
					     o->point_count, SIM_MAX_ZONE_POINTS);
		for (int i = 0; i < o->point_count; i++) {
			xs[i] = o->x + o->points[i].x;
			ys[i] = o->y + o->points[i].y;
		}
		n = o->point_count;
	} else if (o->shape == SIM_SHAPE_RECT && o->width > 0 && o->height > 0) {
		double x1 = o->x + o->width, y1 = o->y + o->height;
		const double rect_xs[4] = {o->x, x1, x1, o->x};
		const double rect_ys[4] = {o->y, o->y, y1, y1};
		memcpy(xs, rect_xs, sizeof(rect_xs));
		memcpy(ys, rect_ys, sizeof(rect_ys));
		n = 4;
	} else {
		return sim_load_fail(ld, "Zone '%s' must be a rectangle or a polygon", name);
	}
	struct sim_point pts[SIM_MAX_ZONE_POINTS];
	for (int i = 0; i < n; i++) {
		if (!px_to_point(b, xs[i], ys[i], &pts[i]))
			return sim_load_fail(ld, "Zone '%s' reaches outside the map at (%g m, %g m)",
					     name, px_to_m(b, xs[i]), px_to_m(b, ys[i]));
		if (pts[i].x_mm < 0 || pts[i].y_mm < 0 || pts[i].x_mm > sim_world_width_mm(w) ||
		    pts[i].y_mm > sim_world_height_mm(w))
			return sim_load_fail(ld, "Zone '%s' reaches outside the map at (%.2f m, %.2f "
						 "m)",
					     name, pts[i].x_mm / 1000.0, pts[i].y_mm / 1000.0);
	}
	if (sim_world_add_zone(w, name, kind, (uint32_t)o->id, pts, n) != CORE_OK)
		return too_many(b, "Zone", SIM_MAX_ZONES);
	if (w->zones[w->zone_count - 1].area_mm2 == 0)
		return sim_load_fail(ld, "Zone '%s' has no area", name);
	return CORE_OK;
}

/* An item's optional properties: 'height' (m above the floor it rests
 * at) and 'return_after' (s unattended before it goes back; 0: never). */
static enum core_result item_properties(struct build *b, const struct sim_map_object *o,
					struct sim_item *it)
{
	double height = SIM_ITEM_HEIGHT_MM / 1000.0, back = SIM_ITEM_RETURN_S;
	enum core_result r = CORE_OK;
	if (number_property(b->ld, &o->props, "height", &height, &r) < 0 ||
	    number_property(b->ld, &o->props, "return_after", &back, &r) < 0)
		return r;
	if (!isfinite(height) || height < 0 || height * 100 > SIM_ITEM_MAX_HEIGHT_CM)
		return sim_load_fail(b->ld, "Item 'height' is %g m; give metres above the floor, "
					    "0 to %.2f",
				     height, SIM_ITEM_MAX_HEIGHT_CM / 100.0);
	if (!isfinite(back) || back < 0 || back > SIM_ITEM_MAX_RETURN_S)
		return sim_load_fail(b->ld, "Item 'return_after' is %g s; give seconds from 0 "
					    "(never) to %d",
				     back, SIM_ITEM_MAX_RETURN_S);
	it->height_mm = (int32_t)(height * 1000 + 0.5);
	it->return_s = (uint32_t)(back + 0.5);
	return CORE_OK;
}

static enum core_result build_object(struct build *b, const struct sim_map_object *o)
{
	struct sim_world *w = b->w;
	const char *cls = o->cls;
	uint32_t id = (uint32_t)o->id; /* build_layers has range-checked it */
	enum core_result r;
	if (!cls[0])
		return sim_load_fail(b->ld, "object has no class; set its Class (Type in Tiled "
					    "before 1.9) to Zone, Seat, Door, Spawn, Board or Item");
	if (!strcmp(cls, "Zone"))
		return build_zone(b, o);
	if (!strcmp(cls, "Seat")) {
		if (w->seat_count >= SIM_MAX_SEATS)
			return too_many(b, "Seat", SIM_MAX_SEATS);
		struct sim_seat seat = {.object_id = id};
		if ((r = need_centre(b, "Seat", o, &seat.pos)) != CORE_OK ||
		    (r = need_facing(b, o, "Seat", &seat.facing)) != CORE_OK)
			return r;
		w->seats[w->seat_count++] = seat;
		return CORE_OK;
	}
	if (!strcmp(cls, "Door")) {
		if (w->door_count >= SIM_MAX_DOORS)
			return too_many(b, "Door", SIM_MAX_DOORS);
		struct sim_door door = {.object_id = id};
		if ((r = need_rect(b, "Door", o, &door.rect)) != CORE_OK)
			return r;
		sim_map_copy_text(door.name, object_name(o), sizeof(door.name));
		w->doors[w->door_count++] = door;
		return CORE_OK;
	}
	if (!strcmp(cls, "Spawn")) {
		if (w->spawn_count >= SIM_MAX_SPAWNS)
			return too_many(b, "Spawn", SIM_MAX_SPAWNS);
		struct sim_spawn sp = {.object_id = id};
		if ((r = need_centre(b, "Spawn", o, &sp.pos)) != CORE_OK)
			return r;
		if (sim_avatar_collides(w, sp.pos))
			return sim_load_fail(b->ld, "Spawn at (%.2f m, %.2f m) is on or next to a "
						    "blocked tile; an avatar there could not move. "
						    "Move it to open floor",
					     sp.pos.x_mm / 1000.0, sp.pos.y_mm / 1000.0);
		w->spawns[w->spawn_count++] = sp;
		return CORE_OK;
	}
	if (!strcmp(cls, "Board")) {
		if (w->board_count >= SIM_MAX_BOARDS)
			return too_many(b, "Board", SIM_MAX_BOARDS);
		struct sim_board bd = {.object_id = id};
		if ((r = need_rect(b, "Board", o, &bd.rect)) != CORE_OK ||
		    (r = need_facing(b, o, "Board", &bd.facing)) != CORE_OK)
			return r;
		sim_map_copy_text(bd.name, object_name(o), sizeof(bd.name));
		w->boards[w->board_count++] = bd;
		return CORE_OK;
	}
	if (!strcmp(cls, "Item")) {
		if (w->item_count >= SIM_MAX_ITEMS)
			return too_many(b, "Item", SIM_MAX_ITEMS);
		struct sim_item it = {.object_id = id};
		if ((r = need_centre(b, "Item", o, &it.pos)) != CORE_OK ||
		    (r = item_properties(b, o, &it)) != CORE_OK)
			return r;
		sim_map_copy_text(it.name, object_name(o), sizeof(it.name));
		w->items[w->item_count++] = it;
		return CORE_OK;
	}
	return sim_load_fail(b->ld, "unknown class '%s'; use Zone, Seat, Door, Spawn, Board or Item",
			     cls);
}

static enum core_result build_layers(struct build *b)
{
	struct sim_load *ld = b->ld;
	for (int i = 0; i < b->map->layer_count; i++) {
		const struct sim_map_layer *layer = &b->map->layers[i];
		enum core_result r = CORE_OK;
		ld->layer = layer->name;
		ld->object_id = -1;
		if (layer->kind == SIM_MAP_TILE_LAYER)
			r = build_tile_layer(b, layer);
		int j = 0;
		for (const struct sim_map_object *o = layer->objects; r == CORE_OK && o;
		     o = o->next, j++) {
			ld->object_id = -1;
			if (o->id < 0 || o->id > UINT32_MAX)
				return sim_load_fail(ld, "object number %d has id %lld, outside "
							 "0..%lu; let Tiled number the objects",
						     j + 1, (long long)o->id,
						     (unsigned long)UINT32_MAX);
			ld->object_id = o->id;
			r = build_object(b, o);
		}
		if (r != CORE_OK)
			return r;
	}
	ld->layer = NULL;
	ld->object_id = -1;
	return CORE_OK;
}

/* ---- the map ---------------------------------------------------------------------- */

static enum core_result build_map(struct build *b)
{
	struct sim_load *ld = b->ld;
	const struct sim_map *map = b->map;
	struct sim_world *w = b->w;
	enum core_result r = CORE_OK;
	double mpt = 1.0;
	if (number_property(ld, &map->props, "metres_per_tile", &mpt, &r) < 0)
		return r;
	if (!(mpt >= 0.1 && mpt <= 10.0))
		return sim_load_fail(ld, "map property metres_per_tile is %g; use 0.1 to 10", mpt);
	char name[sizeof(w->name)];
	core_strlcpy(name, w->name, sizeof(name));
	/* sim_map_check_header has bounded the sizes */
	sim_world_init(w, name, (int32_t)map->width, (int32_t)map->height, round_i32(mpt * 1000.0));
	const struct sim_map_prop *free_spawn = sim_map_prop_find(&map->props, "free_spawn");
	if (free_spawn && free_spawn->type != SIM_PROP_BOOL)
		return sim_load_fail(ld, "map property free_spawn must be a bool");
	w->free_spawn = free_spawn && free_spawn->truth;
	w->tile_w_px = (int32_t)map->tile_w_px;
	w->tile_h_px = (int32_t)map->tile_h_px;
	b->tile_h_px = (double)map->tile_h_px;

	if (map->tileset_count == 0)
		return sim_load_fail(ld, "the map has no tilesets; add the classroom tileset in "
					 "Tiled");
	for (int i = 0; i < map->tileset_count; i++) {
		if ((r = build_tileset_tiles(b, &map->tilesets[i])) != CORE_OK ||
		    (r = build_tileset_art(b, &map->tilesets[i])) != CORE_OK)
			return r;
	}
	if ((r = build_layers(b)) != CORE_OK)
		return r;
	if (map->tile_layer_count == 0)
		return sim_load_fail(ld, "the map has no tile layer; add a floor layer");
	if (w->zone_count == 0)
		return sim_load_fail(ld, "the map has no Zone; add a rectangle of class Zone with a "
					 "name and a kind");
	if (w->spawn_count == 0)
		return sim_load_fail(ld, "the map has no Spawn; add a point of class Spawn on open "
					 "floor");
	sim_world_finish(w);
	for (int i = 0; i < w->spawn_count; i++) {
		if (w->spawns[i].zone == SIM_ZONE_NONE) {
			ld->object_id = w->spawns[i].object_id;
			ld->layer = "?";
			return sim_load_fail(ld, "Spawn at (%.2f m, %.2f m) is in no Zone; avatars "
						 "there would see no one. Move it into a zone",
					     w->spawns[i].pos.x_mm / 1000.0,
					     w->spawns[i].pos.y_mm / 1000.0);
		}
	}
	return CORE_OK;
}

enum core_result sim_map_build(struct sim_load *ld, struct sim_world *w, struct sim_world_art *art,
			       uint8_t *walls)
{
	struct build b = {.ld = ld, .map = ld->map, .w = w, .art = art, .walls = walls};
	b.gid_blocked = SIM_LOAD_NEW(ld, uint8_t, SIM_MAP_MAX_GIDS);
	if (!b.gid_blocked)
		return sim_load_too_big(ld, "the map does not fit");
	return build_map(&b);
}
