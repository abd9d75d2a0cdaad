/* A zone too big for one snapshot. Most snapshots carry a zone's lists
 * encoded once for every receiver acking the same frame (sv_snapshot.c);
 * when those do not fit a datagram (a lecture of 250 joined at once, a
 * joiner's first view, a crowd moving at once), the receiver gets lists of
 * its own: the changes that fit, most important first, and the rest on the
 * following snapshots. Importance is Gaffer's and Overte's priority
 * accumulator: a change waiting to be sent gains priority every snapshot,
 * more the nearer it is to the receiver, and loses it when sent; changes
 * within VIEW_NEAR_MM go first, every snapshot. Never a fragmented
 * datagram. The server then tracks what the receiver holds (its view,
 * sv.h) instead of a frame, until a snapshot leaves it with the frame
 * whole and the shared encoding takes over again. */
#include "sv.h"

#include <stdlib.h>
#include <string.h>

#define VIEW_NEAR_MM 5000
/* An entry's id gap, about (Elias gamma of gaps of one to three). */
#define VIEW_ID_BITS 3
/* The lists' own bits (time base, three "any" bits and counts), and a
 * departure's (its id gap), generously. */
#define VIEW_LISTS_BITS 64
#define VIEW_GONE_BITS 16
/* When the chosen ones do not fit after all, an eighth fewer is tried,
 * this many times, before only departures are sent. */
#define VIEW_TRIES 24

enum { KIND_NEW, KIND_CHANGED };

/* The state the receiver holds for entry e: from the frame it was sent
 * in, or the avatar's newest if it has not changed since. False (and a
 * state that says nothing) when neither is known any more. */
static bool resolve(const struct sv_server *sv, const struct sv_room *room,
		    const struct sv_view_entry *e, struct proto_snapshot_avatar *out)
{
	const struct sv_frame *f = sv_frame_get(room, e->frame);
	const struct sv_frame_entry *fe =
		f && e->slot < f->count && f->entries[e->slot].id == e->id ? &f->entries[e->slot] : NULL;
	const struct sv_client *o = e->id <= sv->cfg.max_clients ? &sv->clients[e->id] : NULL;
	if (!fe && o && o->room == room && o->recorded && o->changed_frame <= e->frame) {
		const struct sv_frame *now = &room->frames[room->frame_number % SV_FRAMES];
		if (o->frame_slot < now->count && now->entries[o->frame_slot].id == e->id)
			fe = &now->entries[o->frame_slot];
	}
	out->id = e->id;
	if (!fe) {
		memset(&out->state, 0, sizeof(out->state));
		out->send_time_us = 0;
		out->has_pose = false;
		return false;
	}
	out->state = fe->state;
	out->send_time_us = fe->send_time_us;
	out->has_pose = fe->has_pose;
	out->pose = fe->pose;
	return true;
}

/* What snapshot seq left the client holding, if still known: its own
 * view, or a frame's zone written as one into *as_frame (which only this
 * function's frame scratch touches). NULL: unknown. */
static const struct sv_view *view_of(struct sv_server *sv, const struct sv_room *room,
				     const struct sv_client *c, uint32_t seq,
				     struct sv_view *as_frame)
{
	const struct sv_sent *s = &c->sent[seq % SV_FRAMES];
	if (!seq || s->seq != seq || s->zone != c->avatar.zone)
		return NULL;
	if (s->view) {
		const struct sv_view *v = &sv->views[c->id].views[seq % SV_FRAMES];
		return v->seq == seq ? v : NULL;
	}
	const struct sv_frame *f = sv_frame_get(room, s->frame);
	const struct sv_frame_entry *self = f ? sv_frame_find(f, c->id) : NULL;
	if (!self)
		return NULL;
	struct proto_snapshot *z = &sv->view_scratch.frame_zone;
	uint16_t *slots = sv->view_scratch.frame_slots;
	sv_frame_zone(f, s->zone, z, slots);
	struct sv_view *v = as_frame;
	v->seq = seq;
	v->server_tick = f->server_tick;
	v->time_base = proto_snapshot_time_base(z);
	v->self = self->state;
	v->count = z->count;
	for (int i = 0; i < z->count; i++)
		v->entries[i] = (struct sv_view_entry){z->avatars[i].id, slots[i], f->number};
	return v;
}

/* The client's acked snapshot, if usable as a base (within the window). */
static const struct sv_view *base_view(struct sv_server *sv, const struct sv_room *room,
				       const struct sv_client *c, uint32_t next_seq)
{
	if (!c->acked_seq || next_seq - c->acked_seq >= PROTO_BASELINE_WINDOW)
		return NULL;
	return view_of(sv, room, c, c->acked_seq, &sv->view_scratch.frame_view[0]);
}

/* The entry of id in view v (ascending ids) from position *at on, or NULL. */
static const struct sv_view_entry *entry_from(const struct sv_view *v, uint16_t id, int *at)
{
	while (*at < v->count && v->entries[*at].id < id)
		(*at)++;
	return *at < v->count && v->entries[*at].id == id ? &v->entries[*at] : NULL;
}

static bool same_avatar(const struct proto_snapshot_avatar *a, const struct proto_snapshot_avatar *b)
{
	return !memcmp(&a->state, &b->state, sizeof(a->state)) &&
	       a->send_time_us == b->send_time_us && a->has_pose == b->has_pose &&
	       (!a->has_pose || !memcmp(&a->pose, &b->pose, sizeof(a->pose)));
}

/* Distance, near enough: the octagon max + min / 2 is within 12% of the
 * circle, and costs no square root (this runs for every pair in a crowd). */
static int32_t distance_mm(const struct sim_avatar *a, const struct sim_avatar *b)
{
	int32_t dx = abs(a->pos_x_mm - b->pos_x_mm), dy = abs(a->pos_y_mm - b->pos_y_mm);
	return dx > dy ? dx + dy / 2 : dy + dx / 2;
}

/* Most important first: what was sent since the base (it must be sent
 * again), then near ones, then someone the receiver has not seen at all,
 * then by priority, then by id: a key whose ascending order is that, with
 * the candidate's index in its low bits, sorted by a stable radix sort
 * (ties keep id order; qsort was a tenth of a crowded server's time). */
#define ORDER_INDEX_BITS 9
static uint32_t order_key(const struct sv_candidate *k, int index)
{
	uint32_t rank = (uint32_t)k->committed << 18 | (uint32_t)k->near << 17 |
			(uint32_t)(k->kind == KIND_NEW) << 16 | k->priority;
	return (~rank & 0x7ffffu) << ORDER_INDEX_BITS | (uint32_t)index;
}

static void sort_keys(uint32_t *keys, uint32_t *tmp, int n)
{
	for (int shift = ORDER_INDEX_BITS; shift < ORDER_INDEX_BITS + 19; shift += 8) {
		int count[257] = {0};
		for (int i = 0; i < n; i++)
			count[((keys[i] >> shift) & 0xff) + 1]++;
		for (int d = 0; d < 256; d++)
			count[d + 1] += count[d];
		for (int i = 0; i < n; i++)
			tmp[count[(keys[i] >> shift) & 0xff]++] = keys[i];
		memcpy(keys, tmp, (size_t)n * sizeof(*keys));
	}
}

static const struct sv_candidate *ordered(const struct sv_view_scratch *x, int t)
{
	return &x->candidates[x->order[t] & ((1u << ORDER_INDEX_BITS) - 1)];
}

/* The zone now and the receiver's base, walked together in id order: each
 * step yields the zone's avatar of the next id, the base's, or both. */
struct merge {
	const struct proto_snapshot *zone, *base;
	int i, j;
};

static bool merge_next(struct merge *m, const struct proto_snapshot_avatar **a,
		       const struct proto_snapshot_avatar **o)
{
	*a = m->i < m->zone->count ? &m->zone->avatars[m->i] : NULL;
	*o = m->j < m->base->count ? &m->base->avatars[m->j] : NULL;
	if (!*a && !*o)
		return false;
	if (*a && *o && (*a)->id != (*o)->id) {
		if ((*a)->id < (*o)->id)
			*o = NULL;
		else
			*a = NULL;
	}
	m->i += *a != NULL;
	m->j += *o != NULL;
	return true;
}

/* The base view as the receiver holds it (b), and which of its states the
 * server no longer knows (x->stale). */
static void hold_base(const struct sv_server *sv, const struct sv_room *room,
		      const struct sv_view *base, struct proto_snapshot *b, bool *stale)
{
	b->count = 0;
	if (!base)
		return;
	b->server_tick = base->server_tick;
	b->count = base->count;
	for (int j = 0; j < base->count; j++)
		stale[j] = !resolve(sv, room, &base->entries[j], &b->avatars[j]);
}

/* Everything that waits, as candidates in x (their number returned):
 * newcomers and changes with their priority and cost; departures are
 * marked chosen at once (up to a list's worth, *out_gone). */
static int gather(struct sv_server *sv, const struct sv_room *room, const struct sv_client *c,
		  const struct sv_view *base, const struct sv_view *last,
		  const struct proto_snapshot *z, const struct proto_snapshot *b, int *out_gone)
{
	struct sv_view_scratch *x = &sv->view_scratch;
	struct sv_views *mine = &sv->views[c->id];
	const struct sv_frame *now = &room->frames[room->frame_number % SV_FRAMES];
	/* What each costs, near enough: against the zone's time base now. */
	const uint32_t time_base = proto_snapshot_time_base(z),
		       ticks = base ? now->server_tick - base->server_tick : 0;
	struct merge m = {z, b, 0, 0};
	const struct proto_snapshot_avatar *a, *o;
	int n = 0, gone = 0, at_last = 0;
	while (merge_next(&m, &a, &o)) {
		if (!a) {
			if (gone < PROTO_MAX_LIST) {
				x->chosen[o->id] = true; /* departures always go */
				gone++;
			}
			continue;
		}
		int kind = o ? KIND_CHANGED : KIND_NEW;
		bool whole = o && x->stale[m.j - 1];
		if (o && !whole && same_avatar(a, o)) {
			mine->priority[a->id] = 0; /* nothing waits */
			continue;
		}
		/* Carried by the last snapshot beyond the base: it must go again. */
		bool committed = false;
		const struct sv_view_entry *le = last ? entry_from(last, a->id, &at_last) : NULL;
		if (le) {
			struct proto_snapshot_avatar held;
			committed = !o || (resolve(sv, room, le, &held) ? !same_avatar(&held, o) : true);
		}
		int32_t d = distance_mm(&a->state, &c->avatar);
		/* A full snapshot (no base) chooses by distance alone, the same
		 * each time until one is acked: the receiver never sees an avatar
		 * come and go while it waits. */
		uint32_t gain = 1 + (uint32_t)(64000 / (1000 + d));
		uint32_t p = CORE_MIN((base ? mine->priority[a->id] : 0u) + gain, 65535u);
		if (base)
			mine->priority[a->id] = (uint16_t)p;
		x->candidates[n] = (struct sv_candidate){
			.id = a->id,
			.kind = (uint8_t)kind,
			.committed = committed,
			.near = d <= VIEW_NEAR_MM,
			.priority = (uint16_t)p,
			.bits = (uint16_t)(proto_avatar_cost_bits(a, o, whole, ticks, time_base,
								  &room->world->bits) +
					   VIEW_ID_BITS)};
		x->order[n] = order_key(&x->candidates[n], n);
		n++;
	}
	sort_keys(x->order, x->sorting, n);
	*out_gone = gone;
	return n;
}

/* How many of the n candidates, most important first, the estimate says
 * fit; never fewer than those the last snapshot carried (they fitted then:
 * only the encoder may cut them). */
static int choose(const struct sv_view_scratch *x, int n, int gone, uint32_t budget)
{
	int take = 0, news = 0, changes = 0;
	for (uint32_t used = VIEW_LISTS_BITS + (uint32_t)gone * VIEW_GONE_BITS; take < n; take++) {
		const struct sv_candidate *k = ordered(x, take);
		int *count = k->kind == KIND_NEW ? &news : &changes;
		if (used + k->bits > budget || *count >= PROTO_MAX_LIST)
			break;
		used += k->bits;
		(*count)++;
	}
	int committed = 0;
	while (committed < n && ordered(x, committed)->committed)
		committed++;
	return CORE_MAX(take, committed);
}

/* Encodes the first take candidates (fewer, an eighth at a time, while
 * they do not fit; at last only the departures) into buf. cur is left as
 * the view this snapshot leaves: the base with the chosen changes and
 * newcomers, less the departures sent. */
static uint32_t encode_choice(struct sv_server *sv, const struct sv_room *room,
			      const struct sv_view *base, const struct proto_snapshot_head *head,
			      const struct proto_item_list *items, int n, int take, uint8_t *buf,
			      uint32_t cap)
{
	struct sv_view_scratch *x = &sv->view_scratch;
	struct proto_snapshot *b = &sv->scratch_base, *cur = &sv->scratch_cur, *z = &x->zone;
	struct proto_snapshot_head base_head = {.seq = base ? base->seq : 0};
	if (base)
		base_head.self = base->self;
	uint32_t len = 0;
	for (int attempt = 0; attempt <= VIEW_TRIES && !len; attempt++) {
		if (attempt == VIEW_TRIES || take < 0)
			take = 0;
		for (int t = 0; t < n; t++)
			x->chosen[ordered(x, t)->id] = t < take;
		cur->count = 0;
		cur->server_tick = z->server_tick;
		struct merge m = {z, b, 0, 0};
		const struct proto_snapshot_avatar *a, *o;
		while (merge_next(&m, &a, &o)) {
			const struct proto_snapshot_avatar *kept = !a ? (x->chosen[o->id] ? NULL : o)
							       : x->chosen[a->id] ? a : o;
			if (kept)
				cur->avatars[cur->count++] = *kept;
		}
		/* Only a stale avatar being sent is sent whole; one left for later
		 * stays as the receiver has it (unwritten). */
		for (int j = 0; j < b->count; j++)
			x->stale[j] = x->stale[j] && x->chosen[b->avatars[j].id];
		if (proto_encode_view_lists(cur, base ? b : NULL, base ? base->time_base : 0,
					    base ? x->stale : NULL, &room->world->bits, &x->lists))
			len = proto_encode_snapshot_with(head, base ? &base_head : NULL, &x->lists,
							 items, buf, cap);
		take -= CORE_MAX(1, take / 8);
	}
	return len;
}

/* Records what the receiver holds after snapshot head->seq (each avatar as
 * of the frame its state was sent in, now for what this one carried) and
 * forgets the choice. Returns how many candidates were left for later. */
static int record_view(struct sv_server *sv, const struct sv_room *room, struct sv_client *c,
		       const struct sv_view *base, const struct proto_snapshot_head *head, int n,
		       bool sent)
{
	struct sv_view_scratch *x = &sv->view_scratch;
	struct sv_views *mine = &sv->views[c->id];
	const struct proto_snapshot *b = &sv->scratch_base, *cur = &sv->scratch_cur, *z = &x->zone;
	const struct sv_frame *now = &room->frames[room->frame_number % SV_FRAMES];
	struct sv_view *v = &mine->views[head->seq % SV_FRAMES];
	v->seq = head->seq;
	v->server_tick = now->server_tick;
	v->time_base = proto_snapshot_time_base(cur);
	v->self = head->self;
	v->count = 0;
	for (int i = 0, j = 0, k = 0; i < cur->count; i++) {
		uint16_t id = cur->avatars[i].id;
		while (j < b->count && b->avatars[j].id < id)
			j++;
		while (k < z->count && z->avatars[k].id < id)
			k++;
		bool kept = j < b->count && b->avatars[j].id == id && (!x->chosen[id] || !sent);
		v->entries[v->count++] = kept ? base->entries[j]
					      : (struct sv_view_entry){id, x->zone_slots[k], now->number};
	}
	int left = n;
	for (int t = 0; t < n; t++) {
		uint16_t id = ordered(x, t)->id;
		if (sent && x->chosen[id]) {
			mine->priority[id] = 0;
			left--;
		}
		x->chosen[id] = false;
	}
	for (int j = 0; j < b->count; j++)
		x->chosen[b->avatars[j].id] = false;
	return left;
}

uint32_t sv_view_encode(struct sv_server *sv, struct sv_room *room, struct sv_client *c,
			const struct proto_snapshot_head *head, uint8_t *buf, uint32_t cap,
			bool *out_whole)
{
	struct sv_view_scratch *x = &sv->view_scratch;
	if (!c->has_views) { /* the id's last holder's priorities are not its */
		memset(sv->views[c->id].priority, 0, sizeof(sv->views[c->id].priority));
		c->has_views = true;
	}
	const struct sv_view *base = base_view(sv, room, c, head->seq);
	/* What the newest snapshot sent left the receiver with: what it
	 * carried beyond the base must be carried again (every snapshot is a
	 * delta from the base), or the receiver would see it taken back. */
	const struct sv_view *last =
		!base || head->seq - 1 != base->seq
			? view_of(sv, room, c, head->seq - 1, &sv->view_scratch.frame_view[1])
			: NULL;
	hold_base(sv, room, base, &sv->scratch_base, x->stale);
	sv_frame_zone(&room->frames[room->frame_number % SV_FRAMES], c->avatar.zone, &x->zone,
		      x->zone_slots);
	int gone, n = gather(sv, room, c, base, last, &x->zone, &sv->scratch_base, &gone);
	/* The room's items go whole or as changes in every snapshot: the
	 * avatars get what room they leave. */
	const struct proto_item_list *items = sv_item_list(sv, room, c, base ? base->seq : 0);
	uint32_t budget = (uint32_t)(base ? SV_LIST_BITS : SV_FULL_LIST_BITS) - (items ? items->bits : 0);
	int take = choose(x, n, gone, budget);
	uint32_t len = encode_choice(sv, room, base, head, items, n, take, buf, cap);
	int left = record_view(sv, room, c, base, head, n, len > 0);
	/* Everything sent and nothing departed left: the receiver holds the
	 * frame's zone whole, and the shared encoding can take over. */
	*out_whole = len && left == 0 && sv->scratch_cur.count == x->zone.count;
	if (len) {
		sv->views_sent++;
		sv->views_partial += !*out_whole;
	}
	return len;
}
