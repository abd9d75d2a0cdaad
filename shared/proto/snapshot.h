/**
 * @file snapshot.h
 * @brief Presence snapshots: delta-encoded against a baseline the client
 * acked, quantised, bit-packed (Quake III's sv_snapshot.c and msg.c are the
 * model). Also the quantised VR pose that moves and snapshots carry.
 *
 * SNAPSHOT  server -> client, state datagram
 *   u8 type=5 | u16 seq | u16 server_tick | u16 ack_tick | u8 hold_ms
 *   | u4 base_gap | self | zone lists
 * hold_ms: how long the server had held the move that brought ack_tick when
 *   this snapshot left, 0..254 ms (255: no move yet, or longer), so the
 *   client measures its round trip from every snapshot:
 *   arrival - that move's send - hold_ms.
 * zone lists: time_base | changed list (delta only) | new list | gone list
 *   (delta only). They list everyone in the receiver's zone, the receiver
 *   too, so every receiver in a zone acking the same baseline gets the same
 *   bits: the server encodes them once and appends them to each header.
 * time_base: u32 in a full snapshot; in a delta u1 near: i12 ms from the
 *   baseline's | u32.
 * Counters are the low 16 bits; the receiver widens them around what it
 * knows (struct proto_snapshot_ref). base_gap 0: a full snapshot; otherwise
 * the baseline is snapshot seq - base_gap.
 * self: the receiver's own state, exact (it reconciles against it): all the
 *   avatar fields in a full snapshot, else per field u1 changed [value].
 * A list is u1 any [u8 count, then count x { egamma id gap | fields }],
 * ascending id:
 *   changed: u1 walker: 1 = only position and send time changed:
 *     posdelta | walktime; 0 = u1 pos [posdelta] | u1 yaw [u8] | u1 state
 *     [state] | u1 time [u1 has [time]] | u1 pose [u1 has [pose]]
 *   new: pos | u8 yaw | state | u1 has_time [time] | u1 has_pose [pose]
 *   gone: the id alone.
 * Avatars unchanged since the baseline are in no list and cost nothing.
 * pos: x, y in cm with the world's bits. posdelta: u1 small: i5 dx i5 dy cm
 *   | u1 medium: i7 dx i7 dy cm | pos. state: u2 flags (sitting, walking)
 *   | u1 [seat bits] | u1 [door bits]. time: u1 raw: 0 + u7 steps of 1 ms
 *   below time_base | 1 + u32 µs. Send times sit on a 1 ms grid (rounded
 *   down, time_base too), so a time decodes the same from any baseline.
 *   walktime: u1 near: i5 ms from the prediction (the avatar's time in the
 *   baseline plus the server ticks elapsed) | time.
 * self positions: u1 near: i13 mm from the baseline's | the whole field.
 * items (only in worlds that have some; the world says how many, at most
 *   SIM_MAX_ITEMS): every item's fields (PROTO_ITEM_FIELDS) in a full
 *   snapshot; in a delta u1 whole: every item's fields | u1 any [u6 count,
 *   count x { egamma index gap | per field u1 changed [value] }]. The room's
 *   items are the same for every member: encoded once per baseline frame.
 * pose (138 bits): head - avatar i8 dx i8 dy (8 mm) u8 height (10 mm)
 *   | head orientation smallest-three u2 + 3 x 8 | 2 x (hand - head i7 x 3
 *   (16 mm) | orientation smallest-three u2 + 3 x 7).
 */
#pragma once

#include "bits.h"
#include "core/core.h"
#include "fields.h"
#include "sim/move.h"

#include <stdbool.h>
#include <stdint.h>

/* Everyone a room admits may share a zone (a list carries up to
 * PROTO_MAX_LIST, u8 count); a zone whose changes do not fit a datagram is
 * sent a part at a time. */
#define PROTO_MAX_SNAPSHOT_AVATARS 256
#define PROTO_MAX_LIST 255
#define PROTO_MAX_BASE_GAP 15 /* base_gap is 4 bits */
/* The server never deltas against a snapshot more than this many older than
 * the one it sends; clients keep this many decoded snapshots as baselines. */
#define PROTO_BASELINE_WINDOW 16 /* about 1 s at 15 Hz: a lagging ack (bad Wi-Fi, a busy client) keeps its base */
#define PROTO_HOLD_NONE 255 /* hold_ms: nothing to measure a round trip by */

/** A pose as the headset reports it: metres and unit quaternions (x, y, z, w).
 * The head is relative to the avatar's floor position; hands to the head.
 * Offsets are in the world's axes (x along the tile columns, y along the
 * rows, z up: head_m[2] is the head's height), not the head's own; a VR
 * client turns its stage-space poses into these. */
struct proto_pose_f {
	float head_m[3];
	float head_q[4];
	float hand_m[2][3];
	float hand_q[2][4];
};

void proto_pose_quantize(const struct proto_pose_f *in, struct proto_pose *out);
void proto_pose_dequantize(const struct proto_pose *p, struct proto_pose_f *out);
void proto_write_pose(struct proto_writer *w, const struct proto_pose *p);
void proto_read_pose(struct proto_reader *r, struct proto_pose *p);

/* Another avatar in a snapshot, declared from its member list so that a
 * member cannot be added without it (snapshot.c counts the list where
 * each member is encoded): id, whether a VR pose comes, its state (as
 * PROTO_REMOTE_AVATAR_FIELDS sends it), the send time of its newest move
 * (0: none) and the pose. */
#define PROTO_SNAPSHOT_AVATAR_MEMBERS(X) \
	X(uint16_t, id)                  \
	X(bool, has_pose)                \
	X(struct sim_avatar, state)      \
	X(uint32_t, send_time_us)        \
	X(struct proto_pose, pose)
#define PROTO_SNAPSHOT_AVATAR_MEMBER_(type, name) type name;
struct proto_snapshot_avatar {
	PROTO_SNAPSHOT_AVATAR_MEMBERS(PROTO_SNAPSHOT_AVATAR_MEMBER_)
};

struct proto_snapshot {
	uint32_t seq;
	uint32_t server_tick;
	uint32_t ack_tick;  /* last input tick of this client the server applied */
	uint8_t hold_ms;    /* how long the server held that tick's move: PROTO_HOLD_NONE */
	uint32_t base_seq;  /* 0: full */
	bool full;
	struct sim_avatar self;
	uint32_t time_base; /* decoded: newest send time on the grid (the next delta's reference) */
	uint8_t item_count; /* the world's */
	struct proto_item items[SIM_MAX_ITEMS];
	uint16_t count;     /* everyone in the receiver's zone (itself too), ascending id */
	struct proto_snapshot_avatar avatars[PROTO_MAX_SNAPSHOT_AVATARS];
};

/** Copies a snapshot: its header and its count avatars, not the 256 slots
 * (a client copies each one it decodes twice; whole, that was 24 KiB). */
void proto_snapshot_copy(struct proto_snapshot *dst, const struct proto_snapshot *src);

/** Field widths that depend on the world, and the tick length; both sides
 * derive them from the world and the server's tick rate. */
struct proto_world_bits {
	int pos_x_bits, pos_y_bits; /* centimetres across the map */
	int seat_bits, door_bits;
	int item_count;             /* the world's items: each snapshot carries them */
	uint32_t tick_us;           /* 0: send times are not predicted */
};

void proto_world_bits_init(struct proto_world_bits *b, const struct sim_world *w);
/** Quantises a remote avatar the way the wire will carry it. */
struct sim_avatar proto_remote_quantize(const struct sim_avatar *a);

/**
 * Encodes cur against base (NULL: full). cur->avatars and base->avatars must
 * be in ascending id order; base must be the snapshot the client holds as
 * seq cur->seq - gap. Returns bytes, or 0 when buf is too small.
 */
uint32_t proto_encode_snapshot(const struct proto_snapshot *cur, const struct proto_snapshot *base,
			       const struct proto_world_bits *bits, uint8_t *buf, uint32_t cap);

/** A snapshot's zone lists, encoded: the same bits for every receiver in
 * the zone whose baseline is the same frame. */
struct proto_zone_lists {
	uint32_t bits;
	uint16_t entries; /* avatars new, changed or gone: 0 says nothing changed */
	uint8_t data[PROTO_MAX_PACKET];
};

/** The zone lists of cur against base (NULL: full); reads only their
 * avatars and server ticks. False if they do not fit a packet. */
bool proto_encode_zone_lists(const struct proto_snapshot *cur, const struct proto_snapshot *base,
			     const struct proto_world_bits *bits, struct proto_zone_lists *out);
/**
 * The zone lists of one receiver whose view of its zone the sender tracks
 * avatar by avatar (a zone too big for one snapshot is sent a part at a
 * time): cur is the view this snapshot leaves it with, base the view of
 * its baseline (NULL: none), base_time_base the time base that baseline
 * carried, and base_stale (NULL: none) marks base avatars whose state the
 * sender no longer knows, which are sent whole if cur still has them.
 */
bool proto_encode_view_lists(const struct proto_snapshot *cur, const struct proto_snapshot *base,
			     uint32_t base_time_base, const bool *base_stale,
			     const struct proto_world_bits *bits, struct proto_zone_lists *out);
/** The bits avatar a costs in a snapshot's lists, its id aside: new
 * (base NULL), changed from base, or sent whole; ticks and time_base as the
 * snapshot will have them (a time base near the real one costs near the
 * same). For choosing what fits before encoding. */
uint32_t proto_avatar_cost_bits(const struct proto_snapshot_avatar *a,
				const struct proto_snapshot_avatar *base, bool whole, uint32_t ticks,
				uint32_t time_base, const struct proto_world_bits *bits);
/** The time base a snapshot of these avatars carries (the newest send time,
 * on its grid): what a receiver decodes as its time_base. */
uint32_t proto_snapshot_time_base(const struct proto_snapshot *s);

/** What is a receiver's own in a snapshot, and in its baseline. */
struct proto_snapshot_head {
	uint32_t seq;
	uint32_t server_tick;
	uint32_t ack_tick;
	uint8_t hold_ms;
	struct sim_avatar self;
};

/** A snapshot's items, encoded: the same bits for every receiver in the
 * room whose baseline is the same frame. */
struct proto_item_list {
	uint32_t bits;
	uint8_t data[(SIM_MAX_ITEMS * (5 + 16 + 16 + 9 + 16 + 12 + 12) + 7) / 8 + 2];
};
/** The items cur against base (NULL: every item whole). in_delta: the
 * snapshot is a delta (its items may still be whole: base NULL). */
void proto_encode_item_list(const struct proto_item *cur, const struct proto_item *base,
			    int count, bool in_delta, struct proto_item_list *out);

/** One receiver's snapshot: its header and self against its baseline's
 * (NULL: full), then lists encoded from the same pair of frames, then the
 * items (NULL: a world without any). Returns bytes, or 0 when buf is too
 * small. */
uint32_t proto_encode_snapshot_with(const struct proto_snapshot_head *cur,
				    const struct proto_snapshot_head *base,
				    const struct proto_zone_lists *lists,
				    const struct proto_item_list *items, uint8_t *buf, uint32_t cap);

/**
 * What the receiver already knows, to widen the 16-bit counters of the
 * wire: its newest snapshot's seq and server tick, and its newest input tick
 * (the ack can be no newer). Each must be within 32,767 of the truth.
 */
struct proto_snapshot_ref {
	uint32_t seq;
	uint32_t server_tick;
	uint32_t input_tick;
};

/** The baseline a snapshot needs, 0 for a full one (or for garbage). */
uint32_t proto_snapshot_base_seq(const uint8_t *data, uint32_t len,
				 const struct proto_snapshot_ref *ref);

/**
 * Decodes a snapshot; base is the snapshot proto_snapshot_base_seq names
 * (NULL if full, or if the client no longer has it: then CORE_ERR_INVALID).
 */
enum core_result proto_decode_snapshot(const uint8_t *data, uint32_t len,
				       const struct proto_world_bits *bits,
				       const struct proto_snapshot_ref *ref,
				       const struct proto_snapshot *base,
				       struct proto_snapshot *out) CORE_MUST_CHECK;
