/* Presence snapshots, scoped by zone, delta-encoded against the snapshot
 * each client acked. Each snapshot tick a room records one frame of all its
 * members (ascending id); a client's snapshot is that frame filtered to its
 * zone, and its baseline is the frame it acked filtered the same way, so the
 * history grows with rooms, not with clients. */
#include "sv.h"

#include <string.h>

static bool same_entry(const struct sv_frame_entry *a, const struct sv_frame_entry *b)
{
	return !memcmp(&a->state, &b->state, sizeof(a->state)) &&
	       a->send_time_us == b->send_time_us && a->has_pose == b->has_pose &&
	       (!a->has_pose || !memcmp(&a->pose, &b->pose, sizeof(a->pose)));
}

void sv_record_frame(struct sv_server *sv, struct sv_room *room)
{
	const struct sv_frame *prev = sv_frame_get(room, room->frame_number);
	struct sv_frame *f = &room->frames[++room->frame_number % SV_FRAMES];
	sv->lists_count = 0; /* what was encoded was of the frame before */
	sv->item_lists_count = 0;
	f->number = room->frame_number;
	f->server_tick = sv->tick;
	f->count = 0;
	for (int i = 0; i < room->member_count; i++) {
		struct sv_client *c = &sv->clients[room->members[i]];
		struct sv_frame_entry *e = &f->entries[f->count++];
		e->id = c->id;
		e->zone = c->avatar.zone;
		e->state = c->avatar;
		e->send_time_us = c->send_time_us;
		e->has_pose = c->has_pose;
		e->pose = c->pose;
		/* When its state last changed: a receiver's view that holds it
		 * from that frame or later holds its state now (sv_view.c).
		 * Its entry in the frame before is where that frame put it unless
		 * someone joined or left since (this runs for every member of
		 * every room: a search only then). */
		const struct sv_frame_entry *before = NULL;
		if (c->recorded && prev)
			before = c->frame_slot < prev->count && prev->entries[c->frame_slot].id == c->id
					 ? &prev->entries[c->frame_slot]
					 : sv_frame_find(prev, c->id);
		if (!before || !same_entry(before, e)) {
			c->changed_frame = f->number;
			room->zone_changed[sv_zone_index(e->zone)] = f->number;
			if (before)
				room->zone_changed[sv_zone_index(before->zone)] = f->number;
		}
		c->recorded = true;
		c->frame_slot = (uint16_t)(f->count - 1);
	}
	sv_items_record(room, f, prev);
}

const struct sv_frame *sv_frame_get(const struct sv_room *room, uint32_t n)
{
	if (n == 0 || room->frame_number - n >= SV_FRAMES)
		return NULL;
	const struct sv_frame *f = &room->frames[n % SV_FRAMES];
	return f->number == n ? f : NULL;
}

void sv_frame_zone(const struct sv_frame *f, uint8_t zone, struct proto_snapshot *out,
		   uint16_t *slots)
{
	out->count = 0;
	out->server_tick = f->server_tick;
	for (int i = 0; i < f->count && out->count < PROTO_MAX_SNAPSHOT_AVATARS; i++) {
		const struct sv_frame_entry *e = &f->entries[i];
		if (e->zone != zone)
			continue;
		if (slots)
			slots[out->count] = (uint16_t)i;
		struct proto_snapshot_avatar *a = &out->avatars[out->count++];
		a->id = e->id;
		a->state = e->state;
		a->send_time_us = e->send_time_us;
		a->has_pose = e->has_pose;
		a->pose = e->pose;
	}
}

const struct sv_frame_entry *sv_frame_find(const struct sv_frame *f, uint16_t id)
{
	int lo = 0, hi = f->count - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		if (f->entries[mid].id == id)
			return &f->entries[mid];
		if (f->entries[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* The frame the client's acked snapshot showed, if it showed the frame's
 * zone whole and that frame is still usable as a base. */
static const struct sv_frame *baseline(const struct sv_room *room, const struct sv_client *c,
				       uint32_t next_seq)
{
	if (!c->acked_seq || next_seq - c->acked_seq >= PROTO_BASELINE_WINDOW)
		return NULL;
	const struct sv_sent *s = &c->sent[c->acked_seq % SV_FRAMES];
	if (s->seq != c->acked_seq || s->zone != c->avatar.zone || s->view)
		return NULL;
	return sv_frame_get(room, s->frame);
}

/* Did the client's acked snapshot leave it with its own view? */
static bool acked_view(const struct sv_client *c, uint32_t next_seq)
{
	const struct sv_sent *s = &c->sent[c->acked_seq % SV_FRAMES];
	return c->acked_seq && next_seq - c->acked_seq < PROTO_BASELINE_WINDOW &&
	       s->seq == c->acked_seq && s->zone == c->avatar.zone && s->view;
}

/* The zone lists from base frame bf (NULL: full) to the room's newest frame
 * for zone, encoded on first use this tick. NULL if they do not fit. */
static const struct proto_zone_lists *zone_lists(struct sv_server *sv, const struct sv_room *room,
						 uint8_t zone, const struct sv_frame *bf)
{
	uint32_t base_frame = bf ? bf->number : 0;
	for (int i = 0; i < sv->lists_count; i++)
		if (sv->lists[i].zone == zone && sv->lists[i].base_frame == base_frame)
			return sv->lists[i].ok ? &sv->lists[i].lists : NULL;
	/* A new pair; with the cache full (many zones in one room) the last
	 * entry is reused, which costs an encode, never a wrong snapshot. */
	struct sv_lists *l = &sv->lists[sv->lists_count < SV_LISTS_CACHED ? sv->lists_count++ : SV_LISTS_CACHED - 1];
	l->zone = zone;
	l->base_frame = base_frame;
	struct proto_snapshot *cur = &sv->scratch_cur, *base = &sv->scratch_base;
	sv_frame_zone(&room->frames[room->frame_number % SV_FRAMES], zone, cur, NULL);
	if (bf)
		sv_frame_zone(bf, zone, base, NULL);
	l->ok = proto_encode_zone_lists(cur, bf ? base : NULL, &room->world->bits, &l->lists);
	sv->lists_encoded++;
	return l->ok ? &l->lists : NULL;
}

/* How long the server has held the move the snapshot acks, rounded to
 * the ms; it includes the wait in the socket until the drain. */
static uint8_t hold_ms(const struct sv_server *sv, const struct sv_client *c)
{
	if (!c->ack_rx_us || sv->now_us < c->ack_rx_us)
		return PROTO_HOLD_NONE;
	uint64_t ms = (sv->now_us - c->ack_rx_us + 500) / 1000;
	return ms < PROTO_HOLD_NONE ? (uint8_t)ms : PROTO_HOLD_NONE;
}

uint32_t sv_snapshot_encode(struct sv_server *sv, struct sv_room *room, struct sv_client *c,
			    uint8_t *buf, uint32_t cap, bool *out_view)
{
	uint32_t seq = c->snapshot_seq + 1;
	struct proto_snapshot_head head = {seq, sv->tick, c->has_cmd ? c->last_cmd_tick : 0,
					   hold_ms(sv, c), c->avatar},
				   base_head = {.seq = c->acked_seq};
	/* The zone's lists, encoded once for every receiver acking the same
	 * frame; a receiver whose zone does not fit one snapshot, or that holds
	 * a view of its own, gets its own. */
	uint32_t len = 0;
	bool view = acked_view(c, seq), whole = false;
	const struct sv_frame *bf = view ? NULL : baseline(room, c, seq);
	const struct sv_frame_entry *self = bf ? sv_frame_find(bf, c->id) : NULL;
	if (bf && !self)
		bf = NULL;
	if (self)
		base_head.self = self->state;
	const struct proto_zone_lists *lists = view ? NULL : zone_lists(sv, room, c->avatar.zone, bf);
	const struct proto_item_list *items = lists ? sv_item_list(sv, room, c, bf ? base_head.seq : 0)
						    : NULL;
	if (lists && !bf && lists->bits + (items ? items->bits : 0) > SV_FULL_LIST_BITS)
		lists = NULL; /* a full snapshot that only just fits: sv_view.c */
	if (lists)
		len = proto_encode_snapshot_with(&head, bf ? &base_head : NULL, lists, items, buf,
						 cap);
	if (!len) {
		len = sv_view_encode(sv, room, c, &head, buf, cap, &whole);
		view = len && !whole;
	}
	*out_view = view;
	return len;
}

void sv_snapshot_sent(struct sv_server *sv, const struct sv_room *room, struct sv_client *c,
		      bool view)
{
	uint32_t seq = ++c->snapshot_seq;
	c->sent[seq % SV_FRAMES] = (struct sv_sent){seq, room->frame_number, c->avatar.zone, view};
	c->snapshot_us = sv->now_us;
	sv->snapshots_sent++;
}

/* Has nothing changed for c since its last snapshot: not its zone's
 * avatars, not its own (it is one of them)? Then it waits for the idle
 * interval. (If that snapshot was lost, what it carried comes with the
 * next one, against the baseline c acked.) */
static bool nothing_new(const struct sv_server *sv, const struct sv_room *room,
			const struct sv_client *c)
{
	const uint64_t idle_us = CORE_MIN((uint64_t)SV_IDLE_SNAPSHOT_US,
					  SV_FRAMES / 2 * 1000000ull / (uint64_t)sv->cfg.snapshot_hz);
	if (!c->snapshot_seq || sv->now_us - c->snapshot_us >= idle_us)
		return false;
	const struct sv_sent *s = &c->sent[c->snapshot_seq % SV_FRAMES];
	return s->seq == c->snapshot_seq && !s->view && s->zone == c->avatar.zone &&
	       (int32_t)(room->zone_changed[sv_zone_index(c->avatar.zone)] - s->frame) <= 0 &&
	       (int32_t)(room->items->changed_frame - s->frame) <= 0;
}

static void send_room(struct sv_server *sv, struct sv_room *room)
{
	for (int i = 0; i < room->member_count; i++) {
		struct sv_client *c = &sv->clients[room->members[i]];
		if (nothing_new(sv, room, c)) {
			sv->snapshots_idle++;
			continue;
		}
		bool view;
		uint32_t len = sv_snapshot_encode(sv, room, c, net_host_state_buf(sv->net),
						  NET_STATE_MESSAGE_MAX, &view);
		if (!len) {
			CORE_WARN("client=%u: no snapshot of zone %u could be made", c->id, c->avatar.zone);
			continue;
		}
		/* Sealed in place under the client's session key, and queued. */
		if (net_host_state_send(sv->net, c->peer, len))
			sv_snapshot_sent(sv, room, c, view);
	}
}

int sv_send_snapshots(struct sv_server *sv, int slot)
{
	int sent = 0;
	for (int r = slot; r < SV_MAX_ROOMS && sv->slot_rooms[slot]; r += SV_SNAPSHOT_SLOTS) {
		struct sv_room *room = &sv->rooms[r];
		if (!room->in_use)
			continue;
		sv_room_tick(sv, room);
		sv_record_frame(sv, room);
		send_room(sv, room);
		sent++;
	}
	net_host_state_flush(sv->net);
	return sent;
}

int sv_slots_to_next_busy(const struct sv_server *sv, int slot)
{
	for (int k = 1; k <= SV_SNAPSHOT_SLOTS; k++)
		if (sv->slot_rooms[(slot + k) % SV_SNAPSHOT_SLOTS])
			return k;
	return 1; /* no room at all: look again next slot (a join may come) */
}
