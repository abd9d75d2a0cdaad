#include "move.h"

struct sim_avatar sim_avatar_spawn(const struct sim_world *w, struct sim_point p, uint16_t yaw)
{
	struct sim_avatar a = {
		.pos_x_mm = p.x_mm,
		.pos_y_mm = p.y_mm,
		.yaw = yaw,
		.seat = SIM_SEAT_NONE,
		.door = SIM_DOOR_NONE,
		.zone = sim_world_zone_at(w, p),
		.flags = 0,
	};
	return a;
}

static int32_t floor_div(int32_t a, int32_t b)
{
	int32_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

bool sim_avatar_collides(const struct sim_world *w, struct sim_point p)
{
	const int32_t r = SIM_AVATAR_RADIUS_MM, t = w->tile_mm;
	int32_t c0 = floor_div(p.x_mm - r, t), c1 = floor_div(p.x_mm + r - 1, t);
	int32_t r0 = floor_div(p.y_mm - r, t), r1 = floor_div(p.y_mm + r - 1, t);
	for (int32_t row = r0; row <= r1; row++)
		for (int32_t col = c0; col <= c1; col++)
			if (sim_world_blocked(w, col, row))
				return true;
	return false;
}

static bool square_overlaps(struct sim_point p, const struct sim_rect *r)
{
	const int32_t h = SIM_AVATAR_RADIUS_MM;
	return p.x_mm + h > r->x_mm && p.x_mm - h < r->x_mm + r->w_mm && p.y_mm + h > r->y_mm &&
	       p.y_mm - h < r->y_mm + r->h_mm;
}

uint16_t sim_door_at(const struct sim_world *w, struct sim_point p)
{
	for (int i = 0; i < w->door_count; i++)
		if (square_overlaps(p, &w->doors[i].rect))
			return (uint16_t)i;
	return SIM_DOOR_NONE;
}

static bool held_by_other(const uint16_t *holders, int index, uint16_t self)
{
	return holders && holders[index] != 0 && holders[index] != self;
}

/* Walls, the map edge, and doors someone else is passing. */
static bool blocked_at(const struct sim_world *w, const struct sim_occupancy *occ,
		       struct sim_point p)
{
	if (sim_avatar_collides(w, p))
		return true;
	if (occ && occ->door_holder)
		for (int i = 0; i < w->door_count; i++)
			if (held_by_other(occ->door_holder, i, occ->self) &&
			    square_overlaps(p, &w->doors[i].rect))
				return true;
	return false;
}

/* Moves one axis by d (|d| <= radius, so no tile can be skipped) and stops
 * flush against the first obstacle: the other axis still moves, which is
 * what makes an avatar slide along a wall. Against a tile the avatar stops
 * flush with the tile's edge; against a held door, where it was. */
static bool move_axis(const struct sim_world *w, const struct sim_occupancy *occ,
		      struct sim_point *p, int axis, int32_t d)
{
	const int32_t r = SIM_AVATAR_RADIUS_MM, t = w->tile_mm;
	struct sim_point next = *p;
	int32_t *v = axis == 0 ? &next.x_mm : &next.y_mm;
	*v += d;
	if (!blocked_at(w, occ, next)) {
		*p = next;
		return false;
	}
	if (d > 0)
		*v = floor_div(*v + r - 1, t) * t - r;
	else
		*v = (floor_div(*v - r, t) + 1) * t + r;
	if (!blocked_at(w, occ, next) &&
	    (d > 0 ? *v >= (axis == 0 ? p->x_mm : p->y_mm) : *v <= (axis == 0 ? p->x_mm : p->y_mm)))
		*p = next;
	return true;
}

static uint16_t seat_if_reachable(const struct sim_world *w, const struct sim_occupancy *occ,
				  struct sim_point p, uint16_t seat)
{
	if (seat >= w->seat_count || (occ && held_by_other(occ->seat_holder, seat, occ->self)))
		return SIM_SEAT_NONE;
	int64_t dx = (int64_t)w->seats[seat].pos.x_mm - p.x_mm;
	int64_t dy = (int64_t)w->seats[seat].pos.y_mm - p.y_mm;
	return dx * dx + dy * dy <= (int64_t)SIM_SEAT_REACH_MM * SIM_SEAT_REACH_MM ? seat
										    : SIM_SEAT_NONE;
}

uint16_t sim_seat_near(const struct sim_world *w, const struct sim_occupancy *occ,
		       struct sim_point p)
{
	uint16_t best = SIM_SEAT_NONE;
	int64_t best_d2 = (int64_t)SIM_SEAT_REACH_MM * SIM_SEAT_REACH_MM;
	for (int i = 0; i < w->seat_count; i++) {
		if (occ && held_by_other(occ->seat_holder, i, occ->self))
			continue;
		int64_t dx = (int64_t)w->seats[i].pos.x_mm - p.x_mm;
		int64_t dy = (int64_t)w->seats[i].pos.y_mm - p.y_mm;
		int64_t d2 = dx * dx + dy * dy;
		if (d2 <= best_d2) {
			best_d2 = d2;
			best = (uint16_t)i;
		}
	}
	return best;
}

int32_t sim_step_max_mm(int32_t tick_hz)
{
	return (SIM_WALK_SPEED_MM_S + tick_hz - 1) / tick_hz;
}

/* Displacement for one axis: round(m * speed / (127 * hz)), symmetric about 0. */
static int32_t axis_delta(int32_t m, int32_t tick_hz)
{
	int64_t num = (int64_t)m * SIM_WALK_SPEED_MM_S * 2;
	int64_t den = (int64_t)SIM_MOVE_MAX * tick_hz * 2;
	int64_t half = den / 2;
	return (int32_t)(m >= 0 ? (num + half) / den : -((-num + half) / den));
}

void sim_step(const struct sim_world *w, int32_t tick_hz, const struct sim_occupancy *occ,
	      struct sim_avatar *s, const struct sim_cmd *cmd)
{
	int32_t mx = cmd->move_x, my = cmd->move_y;
	/* The command byte allows -128; the stick is a disc of radius 127. */
	mx = CORE_CLAMP(mx, -SIM_MOVE_MAX, SIM_MOVE_MAX);
	my = CORE_CLAMP(my, -SIM_MOVE_MAX, SIM_MOVE_MAX);
	int64_t len2 = (int64_t)mx * mx + (int64_t)my * my;
	if (len2 > SIM_MOVE_MAX * SIM_MOVE_MAX) {
		int32_t len = (int32_t)core_isqrt64((uint64_t)len2);
		mx = mx * SIM_MOVE_MAX / len;
		my = my * SIM_MOVE_MAX / len;
	}
	s->flags &= (uint8_t)~(SIM_AVATAR_WALKING | SIM_AVATAR_BLOCKED);
	struct sim_point here = {s->pos_x_mm, s->pos_y_mm};
	if ((s->flags & SIM_AVATAR_SITTING) && (cmd->buttons & SIM_BUTTON_STAND)) {
		s->flags &= (uint8_t)~SIM_AVATAR_SITTING;
		s->seat = SIM_SEAT_NONE;
	}
	if (s->flags & SIM_AVATAR_SITTING)
		return; /* seated: no walking, facing the seat's way */
	if (cmd->buttons & SIM_BUTTON_SIT) {
		uint16_t seat = cmd->seat == SIM_SEAT_NONE ? sim_seat_near(w, occ, here)
							   : seat_if_reachable(w, occ, here, cmd->seat);
		if (seat != SIM_SEAT_NONE) {
			const struct sim_seat *st = &w->seats[seat];
			s->pos_x_mm = st->pos.x_mm;
			s->pos_y_mm = st->pos.y_mm;
			s->yaw = st->facing;
			s->seat = seat;
			s->door = SIM_DOOR_NONE;
			s->flags |= SIM_AVATAR_SITTING;
			if (st->zone != SIM_ZONE_NONE)
				s->zone = st->zone;
			return;
		}
	}
	s->yaw = cmd->yaw;

	int32_t dx = axis_delta(mx, tick_hz), dy = axis_delta(my, tick_hz);
	struct sim_point p = {s->pos_x_mm, s->pos_y_mm};
	bool blocked = false;
	/* Sub-steps no longer than the radius, so even a slow tick rate cannot
	 * carry an avatar through a wall. */
	while (dx || dy) {
		int32_t sx = CORE_CLAMP(dx, -SIM_AVATAR_RADIUS_MM, SIM_AVATAR_RADIUS_MM);
		int32_t sy = CORE_CLAMP(dy, -SIM_AVATAR_RADIUS_MM, SIM_AVATAR_RADIUS_MM);
		if (sx && move_axis(w, occ, &p, 0, sx)) {
			blocked = true;
			dx = 0;
		} else {
			dx -= sx;
		}
		if (sy && move_axis(w, occ, &p, 1, sy)) {
			blocked = true;
			dy = 0;
		} else {
			dy -= sy;
		}
	}
	if (p.x_mm != s->pos_x_mm || p.y_mm != s->pos_y_mm)
		s->flags |= SIM_AVATAR_WALKING;
	if (blocked)
		s->flags |= SIM_AVATAR_BLOCKED;
	s->pos_x_mm = p.x_mm;
	s->pos_y_mm = p.y_mm;
	s->door = sim_door_at(w, p);
	/* Outside every zone (a doorway between two) the avatar keeps the zone
	 * it was in: presence does not flicker on a threshold. */
	uint8_t zone = sim_world_zone_at(w, p);
	if (zone != SIM_ZONE_NONE)
		s->zone = zone;
}

uint64_t sim_avatar_hash(uint64_t h, const struct sim_avatar *a)
{
	h = core_fnv64(h, &a->pos_x_mm, sizeof(a->pos_x_mm));
	h = core_fnv64(h, &a->pos_y_mm, sizeof(a->pos_y_mm));
	h = core_fnv64(h, &a->yaw, sizeof(a->yaw));
	h = core_fnv64(h, &a->seat, sizeof(a->seat));
	h = core_fnv64(h, &a->door, sizeof(a->door));
	h = core_fnv64(h, &a->zone, sizeof(a->zone));
	h = core_fnv64(h, &a->flags, sizeof(a->flags));
	return h;
}

/* atan(2^-i) in turns x 2^24 */
static const int32_t cordic_atan[16] = {2097152, 1238021, 654136, 332050, 166669, 83416,
					41718,   20860,   10430,  5215,   2608,   1304,
					652,     326,     163,    81};

uint16_t sim_yaw_of(int32_t x, int32_t y)
{
	if (x == 0 && y == 0)
		return 0;
	int64_t angle = 0; /* turns x 2^24 */
	int64_t vx = x, vy = y;
	if (vx < 0) { /* into the right half-plane: rotate by half a turn */
		angle = 1 << 23;
		vx = -vx;
		vy = -vy;
	}
	vx *= 1 << 20; /* (a multiply: shifting a negative value left is undefined) */
	vy *= 1 << 20;
	for (int i = 0; i < 16; i++) { /* rotate (vx, vy) onto the +x axis */
		int64_t nx, ny;
		if (vy > 0) {
			nx = vx + (vy >> i);
			ny = vy - (vx >> i);
			angle += cordic_atan[i];
		} else {
			nx = vx - (vy >> i);
			ny = vy + (vx >> i);
			angle -= cordic_atan[i];
		}
		vx = nx;
		vy = ny;
	}
	return (uint16_t)(((angle + (1 << 7)) >> 8) & 0xffff);
}
