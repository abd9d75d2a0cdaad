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

#define PROTO_FIELD_SIZE_SUM_(f, b, s) +sizeof(((struct sim_avatar *)0)->f)
#define PROTO_FIELD_BITS_OK_(f, b, s) \
	_Static_assert((b) >= 1 && (b) <= 8 * sizeof(((struct sim_avatar *)0)->f), \
		       "wire width of sim_avatar." #f " does not fit the field");
PROTO_AVATAR_FIELDS(PROTO_FIELD_BITS_OK_)
_Static_assert(sizeof(struct sim_avatar) == 0 PROTO_AVATAR_FIELDS(PROTO_FIELD_SIZE_SUM_),
	       "struct sim_avatar has a field that PROTO_AVATAR_FIELDS does not put on the wire "
	       "(or has padding): add it to shared/proto/fields.h");

extern const struct proto_field proto_avatar_fields[];
extern const int proto_avatar_field_count;
/** Sum of the table's bit widths. */
int proto_avatar_bits(void);

void proto_write_fields(struct proto_writer *w, const struct proto_field *table, int count,
			const void *s);
void proto_read_fields(struct proto_reader *r, const struct proto_field *table, int count,
		       void *s);
