/* Items: grabbed (one holder at a time, granted here), carried (the holder
 * streams where, kept within its reach), put down (settled here: back on
 * its spawn if close to it, else on the floor at open ground) and sent
 * home when left unattended for the time its world gives it. Their state
 * reaches every member of the room in its snapshots (proto/snapshot.h). */
#include "sv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct sim_item *spawn_of(const struct sv_room *room, int i)
{
	return &room->world->sim->items[i];
}

static struct proto_item at_spawn(const struct sv_room *room, int i)
{
	const struct sim_world *w = room->world->sim;
	const struct sim_item *s = spawn_of(room, i);
	return (struct proto_item){
		.x_cm = proto_item_cm(s->pos.x_mm, sim_world_width_mm(w)),
		.y_cm = proto_item_cm(s->pos.y_mm, sim_world_height_mm(w)),
		.z_cm = (uint16_t)CORE_MIN(s->height_mm / 10, PROTO_ITEM_MAX_Z_CM),
	};
}

bool sv_items_open(struct sv_room *room)
{
	if (!room->items && !(room->items = calloc(1, sizeof(*room->items))))
		return false;
	struct sv_items *it = room->items;
	int count = CORE_MIN(room->world->sim->item_count, SIM_MAX_ITEMS);
	if (!it->ready || it->count != count) {
		memset(it, 0, sizeof(*it));
		it->ready = true;
		it->count = count;
		for (int i = 0; i < count; i++)
			it->items[i].now = at_spawn(room, i);
	}
	for (int i = 0; i < count; i++) /* nobody from before is here */
		it->items[i].now.holder = 0;
	it->changed_frame = 1;
	return true;
}

void sv_items_free(struct sv_room *room)
{
	free(room->items);
	room->items = NULL;
}

void sv_items_record(struct sv_room *room, struct sv_frame *f, const struct sv_frame *prev)
{
	struct sv_items *it = room->items;
	for (int i = 0; i < it->count; i++)
		f->items[i] = it->items[i].now;
	if (!prev || memcmp(prev->items, f->items, (size_t)it->count * sizeof(f->items[0])))
		it->changed_frame = f->number;
}

const struct proto_item_list *sv_item_list(struct sv_server *sv, const struct sv_room *room,
					   const struct sv_client *c, uint32_t base_seq)
{
	const struct sv_items *it = room->items;
	if (!it->count)
		return NULL;
	const struct sv_frame *bf = NULL;
	if (base_seq) {
		const struct sv_sent *s = &c->sent[base_seq % SV_FRAMES];
		bf = s->seq == base_seq ? sv_frame_get(room, s->frame) : NULL;
	}
	uint32_t key = !base_seq ? 0 : bf ? bf->number : SV_ITEMS_WHOLE;
	for (int i = 0; i < sv->item_lists_count; i++)
		if (sv->item_lists[i].base_frame == key)
			return &sv->item_lists[i].list;
	struct sv_item_lists *l =
		&sv->item_lists[sv->item_lists_count < SV_LISTS_CACHED ? sv->item_lists_count++
								       : SV_LISTS_CACHED - 1];
	l->base_frame = key;
	const struct sv_frame *now = &room->frames[room->frame_number % SV_FRAMES];
	proto_encode_item_list(now->items, bf ? bf->items : NULL, it->count, base_seq != 0,
			       &l->list);
	return &l->list;
}

static const char *item_name(const struct sv_room *room, int i)
{
	const char *n = spawn_of(room, i)->name;
	return n[0] ? n : "item";
}

static int64_t dist2_mm(const struct proto_item *p, int32_t x_mm, int32_t y_mm)
{
	int64_t dx = (int64_t)p->x_cm * 10 - x_mm, dy = (int64_t)p->y_cm * 10 - y_mm;
	return dx * dx + dy * dy;
}

static int held_by(const struct sv_room *room, uint16_t id)
{
	for (int i = 0; i < room->items->count; i++)
		if (room->items->items[i].now.holder == id)
			return i;
	return -1;
}

/* Put down by its holder: on its spawn when close to it, else on the
 * floor where it was carried, or at the holder's feet if that is no floor. */
static void settle(struct sv_server *sv, struct sv_room *room, int i, const struct sv_client *c)
{
	const struct sim_world *w = room->world->sim;
	struct sv_item *item = &room->items->items[i];
	const struct sim_item *s = spawn_of(room, i);
	if (dist2_mm(&item->now, s->pos.x_mm, s->pos.y_mm) <=
	    (int64_t)SV_ITEM_SNAP_MM * SV_ITEM_SNAP_MM) {
		item->now = at_spawn(room, i);
		item->away_us = 0;
		return;
	}
	int32_t col = item->now.x_cm * 10 / w->tile_mm, row = item->now.y_cm * 10 / w->tile_mm;
	if (sim_world_blocked(w, col, row)) {
		item->now.x_cm = proto_item_cm(c->avatar.pos_x_mm, sim_world_width_mm(w));
		item->now.y_cm = proto_item_cm(c->avatar.pos_y_mm, sim_world_height_mm(w));
	}
	item->now.z_cm = 0;
	item->now.holder = 0;
	item->away_us = sv->now_us ? sv->now_us : 1;
}

static void refuse(struct sv_server *sv, struct sv_client *c, const char *why)
{
	sv->item_refusals++;
	sv_refuse_action(sv, c, PROTO_MSG_ITEM, why);
}

static void grab(struct sv_server *sv, struct sv_client *c, int i)
{
	struct sv_room *room = c->room;
	struct sv_item *item = &room->items->items[i];
	char why[PROTO_MOD_TEXT_MAX], q[PROTO_QUOTED_MAX];
	if (item->now.holder == c->id)
		return; /* a resend: it is ours already */
	if (item->now.holder) {
		const struct sv_client *h = &sv->clients[item->now.holder];
		snprintf(why, sizeof(why), "%s holds the %s", h->name, item_name(room, i));
		refuse(sv, c, why);
		return;
	}
	int mine = held_by(room, c->id);
	if (mine >= 0) {
		snprintf(why, sizeof(why), "you hold the %s; put it down first", item_name(room, mine));
		refuse(sv, c, why);
		return;
	}
	int64_t reach = SIM_ITEM_REACH_MM + SV_ITEM_REACH_SLACK_MM;
	if (dist2_mm(&item->now, c->avatar.pos_x_mm, c->avatar.pos_y_mm) > reach * reach) {
		snprintf(why, sizeof(why), "the %s is out of reach; walk up to it (%.1f m)",
			 item_name(room, i), SIM_ITEM_REACH_MM / 1000.0);
		refuse(sv, c, why);
		return;
	}
	item->now.holder = c->id;
	item->away_us = 0;
	sv->item_grabs++;
	CORE_INFO("item room=%s item=%d name=%s grabbed by client=%u name=%s", room->name, i,
		  item_name(room, i), c->id, sv_qname(c, q));
}

/* Staff: the item back on its spawn, out of its holder's hands (a
 * student keeping the globe for the whole lesson, the end of an
 * activity). The holder sees it go like anyone else. */
static void send_home(struct sv_server *sv, struct sv_client *c, int i)
{
	struct sv_room *room = c->room;
	struct sv_item *item = &room->items->items[i];
	if (!proto_perm_allows((enum proto_role)c->role, PROTO_PERM_RETURN_ITEMS)) {
		sv->item_refusals++;
		sv_refuse_perm(sv, c, PROTO_MSG_ITEM, PROTO_PERM_RETURN_ITEMS);
		return;
	}
	uint16_t holder = item->now.holder;
	if (!holder && !item->away_us)
		return; /* on its spawn already: nothing to do, nothing to tell */
	/* As moderation: not from the hands of staff of equal or higher rank. */
	const struct sv_client *h = holder ? &sv->clients[holder] : NULL;
	if (h && h != c && !sv_outranks(c->role, h->role)) {
		char why[PROTO_MOD_TEXT_MAX];
		snprintf(why, sizeof(why), "%.31s holds the %s; staff of equal or higher rank keep theirs",
			 h->name, item_name(room, i));
		refuse(sv, c, why);
		return;
	}
	item->now = at_spawn(room, i);
	item->away_us = 0;
	sv->item_returns++;
	/* Its holder, and the room, hear who sent it home: to them it would
	 * otherwise look as if it had been put down. */
	sv_tell_room(sv, c, PROTO_MSG_ITEM, h != c ? h : NULL, false, item_name(room, i));
	char q[PROTO_QUOTED_MAX], qh[PROTO_QUOTED_MAX];
	CORE_INFO("item room=%s item=%d name=%s sent home by client=%u name=%s (held by %s)", room->name,
		  i, item_name(room, i), c->id, sv_qname(c, q),
		  holder ? sv_qname(&sv->clients[holder], qh) : "nobody");
}

void sv_on_item(struct sv_server *sv, struct sv_client *c, const union proto_any *m, uint32_t len)
{
	(void)len;
	struct sv_room *room = c->room;
	const struct proto_item_up *up = &m->item_up;
	if (!room || up->item >= room->items->count) {
		refuse(sv, c, "this room has no such item");
		return;
	}
	if (up->action == PROTO_ITEM_GRAB) {
		grab(sv, c, up->item);
		return;
	}
	if (up->action == PROTO_ITEM_RETURN) {
		send_home(sv, c, up->item);
		return;
	}
	if (room->items->items[up->item].now.holder != c->id)
		return; /* put down already (a resend), or never ours: nothing to do */
	settle(sv, room, up->item, c);
	char q[PROTO_QUOTED_MAX];
	CORE_INFO("item room=%s item=%d name=%s put down by client=%u name=%s at x=%.2f y=%.2f",
		  room->name, up->item, item_name(room, up->item), c->id, sv_qname(c, q),
		  room->items->items[up->item].now.x_cm / 100.0,
		  room->items->items[up->item].now.y_cm / 100.0);
}

/* Where the holder says it carries it, kept within its reach and on the map. */
void sv_on_item_move(struct sv_server *sv, struct sv_client *c, const union proto_any *m,
		     uint32_t len)
{
	(void)len;
	struct sv_room *room = c->room;
	const struct proto_item_move *mv = &m->item_move;
	if (!room || mv->item >= room->items->count ||
	    room->items->items[mv->item].now.holder != c->id) {
		sv->item_moves_dropped++; /* one that crossed its release on the way */
		return;
	}
	const struct sim_world *w = room->world->sim;
	int64_t x = (int64_t)mv->at.x_cm * 10, y = (int64_t)mv->at.y_cm * 10;
	int64_t dx = x - c->avatar.pos_x_mm, dy = y - c->avatar.pos_y_mm;
	uint64_t d2 = (uint64_t)(dx * dx + dy * dy);
	if (d2 > (uint64_t)SIM_ITEM_REACH_MM * SIM_ITEM_REACH_MM) {
		int64_t d = core_isqrt64(d2);
		x = c->avatar.pos_x_mm + dx * SIM_ITEM_REACH_MM / d;
		y = c->avatar.pos_y_mm + dy * SIM_ITEM_REACH_MM / d;
	}
	struct proto_item *now = &room->items->items[mv->item].now;
	now->x_cm = proto_item_cm(x, sim_world_width_mm(w));
	now->y_cm = proto_item_cm(y, sim_world_height_mm(w));
	now->z_cm = (uint16_t)CORE_MIN(mv->at.z_cm, PROTO_ITEM_MAX_Z_CM);
	now->yaw = mv->at.yaw;
	sv->item_moves++;
}

void sv_items_on_leave(struct sv_server *sv, struct sv_client *c)
{
	struct sv_room *room = c->room;
	int i;
	while (room && (i = held_by(room, c->id)) >= 0) {
		settle(sv, room, i, c);
		char q[PROTO_QUOTED_MAX];
		CORE_INFO("item room=%s item=%d name=%s put down: its holder client=%u name=%s left, "
			  "at x=%.2f y=%.2f",
			  room->name, i, item_name(room, i), c->id, sv_qname(c, q),
			  room->items->items[i].now.x_cm / 100.0, room->items->items[i].now.y_cm / 100.0);
	}
}

void sv_items_tick(struct sv_server *sv, struct sv_room *room)
{
	for (int i = 0; i < room->items->count; i++) {
		struct sv_item *item = &room->items->items[i];
		uint32_t back_s = spawn_of(room, i)->return_s;
		if (!item->away_us || item->now.holder || !back_s ||
		    sv->now_us - item->away_us < (uint64_t)back_s * 1000000u)
			continue;
		/* An empty room does not tick: the next join finds it later. */
		double left_s = (double)(sv->now_us - item->away_us) / 1e6;
		item->now = at_spawn(room, i);
		item->away_us = 0;
		sv->item_returns++;
		CORE_INFO("item room=%s item=%d name=%s back on its spawn (unattended %.0f s; it "
			  "returns after %u s)",
			  room->name, i, item_name(room, i), left_s, back_s);
	}
}
