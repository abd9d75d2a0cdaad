/* What a load read, for authors: the formats and files from the model, and
 * warnings about what loads but is probably wrong from the built world. A
 * warning never fails a load: the checks are guesses an author may
 * overrule. */
#include "world_map.h"

#include "move.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* How far ahead of a seat a wall makes it face the wall: a seated avatar's
 * knees and the desk in front of them. */
#define SEAT_LOOK_AHEAD_MM (2 * SIM_AVATAR_RADIUS_MM)

static void warn(struct sim_world_report *out, const char *fmt, ...) CORE_PRINTF(2, 3);

static void warn(struct sim_world_report *out, const char *fmt, ...)
{
	if (out->warning_count < SIM_REPORT_MAX_WARNINGS) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(out->warnings[out->warning_count], SIM_REPORT_LINE_MAX, fmt, ap);
		va_end(ap);
		sim_map_trim_utf8(out->warnings[out->warning_count]);
	}
	out->warning_count++;
}

static double m(int32_t mm)
{
	return mm / 1000.0;
}

static double deg(uint16_t yaw)
{
	return yaw * 360.0 / 65536.0;
}

static int32_t cell_of(const struct sim_world *w, int32_t mm)
{
	return mm >= 0 ? mm / w->tile_mm : -1;
}

static bool wall_at(const struct sim_world *w, const uint8_t *walls, struct sim_point p)
{
	if (!sim_world_contains(w, p))
		return true;
	return walls[cell_of(w, p.y_mm) * SIM_MAX_MAP_TILES + cell_of(w, p.x_mm)] != 0;
}

/* The yaw rounded to one of eight directions, as a step of length mm. */
static struct sim_point step_towards(uint16_t yaw, int32_t mm)
{
	static const int8_t dirs[8][2] = {{1, 0},  {1, 1},   {0, 1},  {-1, 1},
					  {-1, 0}, {-1, -1}, {0, -1}, {1, -1}};
	int octant = ((yaw + 4096) >> 13) & 7;
	int32_t len = octant & 1 ? mm * 181 / 256 : mm; /* 181/256 ~ 1/sqrt(2) */
	return (struct sim_point){dirs[octant][0] * len, dirs[octant][1] * len};
}

static void check_seats(const struct sim_world *w, const uint8_t *walls,
			struct sim_world_report *out)
{
	for (int i = 0; i < w->seat_count; i++) {
		const struct sim_seat *s = &w->seats[i];
		for (int32_t ahead = SIM_AVATAR_RADIUS_MM; ahead <= SEAT_LOOK_AHEAD_MM;
		     ahead += SIM_AVATAR_RADIUS_MM) {
			struct sim_point d = step_towards(s->facing, ahead);
			struct sim_point p = {s->pos.x_mm + d.x_mm, s->pos.y_mm + d.y_mm};
			if (wall_at(w, walls, p)) {
				warn(out, "Seat %u at (%.2f m, %.2f m) faces a wall or the map's edge "
					  "%.2f m ahead (facing %.0f deg); turn its 'facing' towards "
					  "the room",
				     s->object_id, m(s->pos.x_mm), m(s->pos.y_mm), m(ahead),
				     deg(s->facing));
				break;
			}
		}
		if (s->zone == SIM_ZONE_NONE)
			warn(out, "Seat %u at (%.2f m, %.2f m) is in no Zone; whoever sits there sees "
				  "and hears no one",
			     s->object_id, m(s->pos.x_mm), m(s->pos.y_mm));
	}
}

static void check_zones(const struct sim_world *w, struct sim_world_report *out)
{
	for (int z = 0; z < w->zone_count; z++) {
		bool spawn = false;
		for (int i = 0; i < w->spawn_count && !spawn; i++)
			spawn = w->spawns[i].zone == z;
		if (!spawn)
			warn(out, "Zone '%s' has no Spawn; avatars reach it only by walking in. Add "
				  "a Spawn if people join there",
			     w->zones[z].name);
	}
}

/* The width of a door's opening: its side along the wall it is in (the
 * wall's tiles touch both ends of that side), or its longer side when no
 * wall says. */
static int32_t door_opening_mm(const struct sim_world *w, const struct sim_rect *r)
{
	int32_t cx = cell_of(w, r->x_mm + r->w_mm / 2), cy = cell_of(w, r->y_mm + r->h_mm / 2);
	bool wall_along_y = sim_world_blocked(w, cx, cell_of(w, r->y_mm - 1)) &&
			    sim_world_blocked(w, cx, cell_of(w, r->y_mm + r->h_mm));
	bool wall_along_x = sim_world_blocked(w, cell_of(w, r->x_mm - 1), cy) &&
			    sim_world_blocked(w, cell_of(w, r->x_mm + r->w_mm), cy);
	if (wall_along_y && !wall_along_x)
		return r->h_mm;
	if (wall_along_x && !wall_along_y)
		return r->w_mm;
	return CORE_MAX(r->w_mm, r->h_mm);
}

static void check_doors(const struct sim_world *w, struct sim_world_report *out)
{
	for (int i = 0; i < w->door_count; i++) {
		const struct sim_door *d = &w->doors[i];
		const struct sim_rect *r = &d->rect;
		int32_t opening = door_opening_mm(w, r);
		if (opening < 2 * SIM_AVATAR_RADIUS_MM)
			warn(out, "Door %u '%s' is %.2f m wide; an avatar needs %.2f m to pass. "
				  "Widen it and the gap in the wall",
			     d->object_id, d->name, m(opening), m(2 * SIM_AVATAR_RADIUS_MM));
		long blocked = 0;
		for (int32_t row = cell_of(w, r->y_mm); row <= cell_of(w, r->y_mm + r->h_mm - 1); row++)
			for (int32_t col = cell_of(w, r->x_mm); col <= cell_of(w, r->x_mm + r->w_mm - 1);
			     col++)
				blocked += sim_world_blocked(w, col, row);
		if (blocked)
			warn(out, "Door %u '%s' covers %ld blocked tile(s); nobody can pass it. Clear "
				  "the wall under the door",
			     d->object_id, d->name, blocked);
	}
}

static void check_model(const struct sim_map *map, struct sim_world_report *out)
{
	if (out->flipped_tiles)
		warn(out, "%ld tile(s) are flipped or rotated in Tiled; Lyceum draws every tile as "
			  "its tileset holds it",
		     out->flipped_tiles);
	for (int i = 0; i < map->layer_count; i++) {
		const struct sim_map_layer *layer = &map->layers[i];
		for (const struct sim_map_object *o = layer->objects; o; o = o->next) {
			if (o->rotation_deg != 0 && o->shape != SIM_SHAPE_POINT)
				warn(out, "layer '%s' object %lld (%s) is rotated %g deg; Lyceum reads "
					  "it unrotated. Use an unrotated rectangle or a polygon",
				     layer->name, (long long)o->id, o->cls, o->rotation_deg);
		}
	}
}

static void describe(const struct sim_map *map, struct sim_world_report *out)
{
	out->format = map->format;
	for (int i = 0; i < map->layer_count; i++) {
		const struct sim_map_layer *layer = &map->layers[i];
		if (layer->kind != SIM_MAP_TILE_LAYER)
			continue;
		/* sim_map_new_layer keeps tile layers within SIM_REPORT_MAX_LAYERS */
		struct sim_report_layer *rl = &out->tile_layers[out->tile_layer_count];
		out->tile_layer_count++;
		sim_map_copy_text(rl->name, layer->name, sizeof(rl->name));
		rl->encoding = layer->encoding;
		rl->compression = layer->compression;
		size_t cells = (size_t)map->width * (size_t)map->height;
		for (size_t c = 0; c < cells; c++)
			out->flipped_tiles += (layer->gids[c] & ~SIM_MAP_GID_MASK) != 0;
	}
	for (int i = 0; i < map->tileset_count; i++) {
		const struct sim_map_tileset *ts = &map->tilesets[i];
		struct sim_report_tileset *rt = &out->tilesets[i];
		sim_map_copy_text(rt->source, ts->source ? ts->source : "", sizeof(rt->source));
		rt->format = ts->format;
		/* sim_map_build has range-checked both */
		rt->firstgid = (uint32_t)ts->firstgid;
		rt->tilecount = (uint32_t)ts->tilecount;
	}
	out->tileset_count = map->tileset_count;
	for (int i = 0; i < map->template_count; i++) {
		const struct sim_map_template *t = &map->templates[i];
		struct sim_report_template *rt = &out->templates[i];
		sim_map_copy_text(rt->source, t->source, sizeof(rt->source));
		rt->format = t->format;
		rt->uses = t->uses;
	}
	out->template_count = map->template_count;
}

void sim_map_report(const struct sim_map *map, const struct sim_world *w, const uint8_t *walls,
		    struct sim_world_report *out)
{
	memset(out, 0, sizeof(*out));
	describe(map, out);
	check_model(map, out);
	check_seats(w, walls, out);
	check_zones(w, out);
	check_doors(w, out);
}
