/**
 * @file fields.h
 * @brief Wire field tables (Quake III's netField_t is the model): each state
 * struct that crosses the wire is described once, field by field, with its
 * bit width. The build fails when a struct gains a field the table does not
 * name, or a width cannot hold its field.
 */
#pragma once

#include "bits.h"
#include "sim/move.h"

#include <stddef.h>

struct proto_field {
	const char *name;
	uint16_t offset;
	uint8_t size; /* bytes in the struct */
	uint8_t bits; /* bits on the wire */
	uint8_t is_signed;
};

/* X(field, bits, signed) for struct sim_avatar, in wire order. Positions are
 * millimetres, 24-bit signed (±8.3 km: any world this build loads). */
#define PROTO_AVATAR_FIELDS(X)   \
	X(pos_x_mm, 24, 1)       \
	X(pos_y_mm, 24, 1)       \
	X(yaw, 16, 0)            \
	X(seat, 16, 0)           \
	X(door, 16, 0)           \
	X(zone, 8, 0)            \
	X(flags, 8, 0)

/*
 * What other clients receive of an avatar, X(field, how) for struct
 * sim_avatar in the order snapshot.c writes them (write_new, changed,
 * write_changed, read_new, read_changed; proto_remote_quantize applies
 * each field's how). The build fails when struct sim_avatar gains a field
 * this table does not name, and snapshot.c pins the table's length where
 * the encoding is written, so a field named here without an encoding fails
 * it too.
 *   PLACE  centimetres as wide as the world, or a 5- or 7-bit step
 *   YAW8   a 256th of a turn
 *   FLAGS  PROTO_REMOTE_FLAGS only (BLOCKED is the mover's own business)
 *   INDEX  whether there is one, then the index as wide as the world's count
 *   ZONE   not sent: a snapshot lists its zone's avatars only
 */
#define PROTO_REMOTE_AVATAR_FIELDS(X) \
	X(pos_x_mm, PLACE)             \
	X(pos_y_mm, PLACE)             \
	X(yaw, YAW8)                   \
	X(flags, FLAGS)                \
	X(seat, INDEX)                 \
	X(door, INDEX)                 \
	X(zone, ZONE)
#define PROTO_REMOTE_FLAGS (SIM_AVATAR_SITTING | SIM_AVATAR_WALKING)
#define PROTO_REMOTE_FLAG_BITS 2

/*
 * A remote item as snapshots carry it (typed entities: avatars, items).
 * Centimetres on the floor plan, the height above the floor, the yaw
 * (65536 a turn) and who holds it (a client id, 0: nobody).
 */
struct proto_item {
	uint16_t x_cm;
	uint16_t y_cm;
	uint16_t z_cm;
	uint16_t yaw;
	uint16_t holder;
};
#define PROTO_ITEM_MAX_Z_CM 511 /* z travels in 9 bits */

/** Millimetres as an item's centimetres, rounded, within 0..max_mm. */
static inline uint16_t proto_item_cm(int64_t mm, int64_t max_mm)
{
	int64_t v = mm < 0 ? 0 : mm > max_mm ? max_mm : mm;
	v = (v + 5) / 10;
	return (uint16_t)(v > 65535 ? 65535 : v);
}

/* X(field, bits, signed) for struct proto_item, in wire order. */
#define PROTO_ITEM_FIELDS(X) \
	X(x_cm, 16, 0)       \
	X(y_cm, 16, 0)       \
	X(z_cm, 9, 0)        \
	X(yaw, 16, 0)        \
	X(holder, 12, 0)

/*
 * A VR pose as it travels (typed entities: poses), already quantised so
 * encoding is lossless: the head from the avatar's position, the hands
 * from the head. Widths in memory are chosen so the struct has no padding
 * (the table's check below needs that); the wire widths are the table's.
 */
struct proto_pose {
	uint32_t head_q;     /* smallest-three: u2 index + 3 x 8 bits */
	uint32_t hand_q[2];  /* smallest-three: u2 index + 3 x 7 bits */
	int16_t head_dx;     /* head - avatar position, 8 mm units (8 bits) */
	int16_t head_dy;
	uint16_t head_z;     /* head height above the floor, 10 mm units (8 bits) */
	int8_t hand_d[2][3]; /* hand - head, 16 mm units, 7 bits each */
};

/* X(field, bits, signed) for struct proto_pose, in wire order. */
#define PROTO_POSE_FIELDS(X) \
	X(head_dx, 8, 1)     \
	X(head_dy, 8, 1)     \
	X(head_z, 8, 0)      \
	X(head_q, 26, 0)     \
	X(hand_d[0][0], 7, 1) \
	X(hand_d[0][1], 7, 1) \
	X(hand_d[0][2], 7, 1) \
	X(hand_q[0], 23, 0)  \
	X(hand_d[1][0], 7, 1) \
	X(hand_d[1][1], 7, 1) \
	X(hand_d[1][2], 7, 1) \
	X(hand_q[1], 23, 0)
#define PROTO_POSE_BITS 138

/* The build-time checks of a table: every width holds its field, and the
 * fields named add up to the whole struct (so a field added to the struct
 * and not to its table, or padding, stops the build). */
#define PROTO_FIELD_SIZE_SUM_(T, f) +sizeof(((T *)0)->f)
#define PROTO_FIELD_BITS_OK_(T, f, b)                                                        \
	_Static_assert((b) >= 1 && (b) <= 8 * sizeof(((T *)0)->f),                          \
		       "wire width of " #T "." #f " does not fit the field");
#define PROTO_AVATAR_BITS_OK_(f, b, s) PROTO_FIELD_BITS_OK_(struct sim_avatar, f, b)
#define PROTO_AVATAR_SIZE_(f, b, s) PROTO_FIELD_SIZE_SUM_(struct sim_avatar, f)
#define PROTO_ITEM_BITS_OK_(f, b, s) PROTO_FIELD_BITS_OK_(struct proto_item, f, b)
#define PROTO_ITEM_SIZE_(f, b, s) PROTO_FIELD_SIZE_SUM_(struct proto_item, f)
PROTO_AVATAR_FIELDS(PROTO_AVATAR_BITS_OK_)
_Static_assert(sizeof(struct sim_avatar) == 0 PROTO_AVATAR_FIELDS(PROTO_AVATAR_SIZE_),
	       "struct sim_avatar has a field that PROTO_AVATAR_FIELDS does not put on the wire "
	       "(or has padding): add it to shared/proto/fields.h");
#define PROTO_REMOTE_AVATAR_SIZE_(f, how) PROTO_FIELD_SIZE_SUM_(struct sim_avatar, f)
_Static_assert(sizeof(struct sim_avatar) == 0 PROTO_REMOTE_AVATAR_FIELDS(PROTO_REMOTE_AVATAR_SIZE_),
	       "struct sim_avatar has a field that PROTO_REMOTE_AVATAR_FIELDS does not say how "
	       "other clients receive: add it to shared/proto/fields.h");
_Static_assert(PROTO_REMOTE_FLAGS < (1 << PROTO_REMOTE_FLAG_BITS),
	       "PROTO_REMOTE_FLAGS must fit the bits write_state sends");
PROTO_ITEM_FIELDS(PROTO_ITEM_BITS_OK_)
_Static_assert(sizeof(struct proto_item) == 0 PROTO_ITEM_FIELDS(PROTO_ITEM_SIZE_),
	       "struct proto_item has a field that PROTO_ITEM_FIELDS does not put on the wire "
	       "(or has padding): add it to shared/proto/fields.h");
#define PROTO_POSE_BITS_OK_(f, b, s) PROTO_FIELD_BITS_OK_(struct proto_pose, f, b)
#define PROTO_POSE_SIZE_(f, b, s) PROTO_FIELD_SIZE_SUM_(struct proto_pose, f)
#define PROTO_POSE_WIRE_(f, b, s) +(b)
PROTO_POSE_FIELDS(PROTO_POSE_BITS_OK_)
_Static_assert(sizeof(struct proto_pose) == 0 PROTO_POSE_FIELDS(PROTO_POSE_SIZE_),
	       "struct proto_pose has a field that PROTO_POSE_FIELDS does not put on the wire "
	       "(or has padding): add it to shared/proto/fields.h");
_Static_assert(PROTO_POSE_BITS == 0 PROTO_POSE_FIELDS(PROTO_POSE_WIRE_),
	       "PROTO_POSE_BITS is the sum of the pose table's widths");

extern const struct proto_field proto_avatar_fields[];
extern const int proto_avatar_field_count;
extern const struct proto_field proto_item_fields[];
extern const int proto_item_field_count;
extern const struct proto_field proto_pose_fields[];
extern const int proto_pose_field_count;
/** Sum of the table's bit widths. */
int proto_avatar_bits(void);
int proto_item_bits(void);

void proto_write_fields(struct proto_writer *w, const struct proto_field *table, int count,
			const void *s);
void proto_read_fields(struct proto_reader *r, const struct proto_field *table, int count,
		       void *s);
/** Field by field against base: a changed bit, then the value if it did.
 * Returns whether any field changed (with w NULL, only says so). */
bool proto_write_field_delta(struct proto_writer *w, const struct proto_field *table, int count,
			     const void *s, const void *base);
/** Reads what proto_write_field_delta wrote over s (which holds the base). */
void proto_read_field_delta(struct proto_reader *r, const struct proto_field *table, int count,
			    void *s);
