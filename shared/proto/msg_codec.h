/**
 * @file msg_codec.h
 * @brief Private to shared/proto: the steps every message codec shares.
 */
#pragma once

#include "bits.h"
#include "core/core.h"

#include <stdbool.h>
#include <stdint.h>

/* An encoder's byte count, or 0 when the buffer was too small. */
static inline uint32_t finish(struct proto_writer *w)
{
	return w->overflow ? 0 : proto_writer_bytes(w);
}

/* A decoded message is valid when nothing overflowed and only the padding
 * bits of the last byte are left. */
static inline enum core_result done(const struct proto_reader *r)
{
	return !r->overflow && proto_reader_left_bits(r) < 8 ? CORE_OK : CORE_ERR_INVALID;
}

/* Starts reading a message that must be of this type. */
static inline bool open_msg(struct proto_reader *r, const uint8_t *data, uint32_t len,
			    uint8_t type)
{
	proto_reader_init(r, data, len);
	return proto_read_bits(r, 8) == type && !r->overflow;
}
