#include "world.h"

#include <string.h>

void sim_world_init(struct sim_world *w, const char *name, int32_t width_tiles,
		    int32_t height_tiles, int32_t tile_mm)
{
	memset(w, 0, sizeof(*w));
	core_strlcpy(w->name, name, sizeof(w->name));
	w->width_tiles = width_tiles;
	w->height_tiles = height_tiles;
	w->tile_mm = tile_mm;
}

void sim_world_set_blocked(struct sim_world *w, int32_t col, int32_t row, bool blocked)
{
	if (col < 0 || row < 0 || col >= w->width_tiles || row >= w->height_tiles)
		return;
	w->blocked[row * SIM_MAX_MAP_TILES + col] = blocked;
}

bool sim_world_blocked(const struct sim_world *w, int32_t col, int32_t row)
{
	if (col < 0 || row < 0 || col >= w->width_tiles || row >= w->height_tiles)
		return true;
	return w->blocked[row * SIM_MAX_MAP_TILES + col] != 0;
}

int32_t sim_world_width_mm(const struct sim_world *w)
{
	return w->width_tiles * w->tile_mm;
}

int32_t sim_world_height_mm(const struct sim_world *w)
{
	return w->height_tiles * w->tile_mm;
}

bool sim_world_contains(const struct sim_world *w, struct sim_point p)
{
	return p.x_mm >= 0 && p.y_mm >= 0 && p.x_mm < sim_world_width_mm(w) &&
	       p.y_mm < sim_world_height_mm(w);
}

enum core_result sim_world_add_zone(struct sim_world *w, const char *name,
				    enum sim_zone_kind kind, uint32_t object_id,
				    const struct sim_point *points, int count)
{
	if (w->zone_count >= SIM_MAX_ZONES || count < 3 || count > SIM_MAX_ZONE_POINTS)
		return CORE_ERR_FULL;
	struct sim_zone *z = &w->zones[w->zone_count++];
	memset(z, 0, sizeof(*z));
	core_strlcpy(z->name, name, sizeof(z->name));
	z->kind = kind;
	z->object_id = object_id;
	z->point_count = count;
	int32_t x0 = points[0].x_mm, y0 = points[0].y_mm, x1 = x0, y1 = y0;
	int64_t twice_area = 0;
	for (int i = 0; i < count; i++) {
		struct sim_point a = points[i], b = points[(i + 1) % count];
		z->points[i] = a;
		x0 = CORE_MIN(x0, a.x_mm);
		y0 = CORE_MIN(y0, a.y_mm);
		x1 = CORE_MAX(x1, a.x_mm);
		y1 = CORE_MAX(y1, a.y_mm);
		twice_area += (int64_t)a.x_mm * b.y_mm - (int64_t)b.x_mm * a.y_mm;
	}
	z->bounds = (struct sim_rect){x0, y0, x1 - x0, y1 - y0};
	z->area_mm2 = (twice_area < 0 ? -twice_area : twice_area) / 2;
	return CORE_OK;
}

bool sim_zone_contains(const struct sim_zone *z, struct sim_point p)
{
	const struct sim_rect *b = &z->bounds;
	if (p.x_mm < b->x_mm || p.y_mm < b->y_mm || p.x_mm >= b->x_mm + b->w_mm ||
	    p.y_mm >= b->y_mm + b->h_mm)
		return false;
	/* Crossing number with integer cross products: a point on the lower or
	 * left edge is inside, on the upper or right edge outside, so zones that
	 * share an edge never both claim a point. */
	bool inside = false;
	for (int i = 0, j = z->point_count - 1; i < z->point_count; j = i++) {
		struct sim_point a = z->points[i], c = z->points[j];
		if ((a.y_mm > p.y_mm) == (c.y_mm > p.y_mm))
			continue;
		int64_t lhs = (int64_t)(p.x_mm - a.x_mm) * (c.y_mm - a.y_mm);
		int64_t rhs = (int64_t)(c.x_mm - a.x_mm) * (p.y_mm - a.y_mm);
		if (c.y_mm > a.y_mm ? lhs < rhs : lhs > rhs)
			inside = !inside;
	}
	return inside;
}

uint8_t sim_world_zone_at(const struct sim_world *w, struct sim_point p)
{
	uint8_t best = SIM_ZONE_NONE;
	for (int i = 0; i < w->zone_count; i++) {
		if (!sim_zone_contains(&w->zones[i], p))
			continue;
		if (best == SIM_ZONE_NONE || w->zones[i].area_mm2 < w->zones[best].area_mm2)
			best = (uint8_t)i;
	}
	return best;
}

uint8_t sim_world_zone_find(const struct sim_world *w, const char *name)
{
	for (int i = 0; i < w->zone_count; i++)
		if (!strcmp(w->zones[i].name, name))
			return (uint8_t)i;
	return SIM_ZONE_NONE;
}

static const char *const zone_kind_names[SIM_ZONE_KIND_COUNT] = {
	"classroom", "meeting_room", "hallway", "stage"};

const char *sim_zone_kind_name(enum sim_zone_kind kind)
{
	return kind < SIM_ZONE_KIND_COUNT ? zone_kind_names[kind] : "?";
}

bool sim_zone_kind_parse(const char *s, enum sim_zone_kind *out_kind)
{
	for (int i = 0; i < SIM_ZONE_KIND_COUNT; i++) {
		if (!strcmp(s, zone_kind_names[i])) {
			*out_kind = (enum sim_zone_kind)i;
			return true;
		}
	}
	return false;
}

void sim_world_finish(struct sim_world *w)
{
	for (int i = 0; i < w->seat_count; i++)
		w->seats[i].zone = sim_world_zone_at(w, w->seats[i].pos);
	for (int i = 0; i < w->spawn_count; i++)
		w->spawns[i].zone = sim_world_zone_at(w, w->spawns[i].pos);
}

bool sim_world_name_valid(const char *name)
{
	int n = 0;
	for (const char *c = name; *c; c++, n++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      *c == '-' || *c == '_'))
			return false;
	}
	return n > 0 && n < 64;
}
