/**
 * @file bits.h
 * @brief Bit-level writer and reader, quantisation helpers.
 *
 * Bits are packed LSB-first into bytes. Neither side ever touches memory
 * outside its buffer: a write past the end sets overflow and is dropped, a
 * read past the end sets overflow and returns 0. Callers check the flag once
 * at the end of a message.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/** Largest payload that ENet sends unfragmented at its default MTU. */
#define PROTO_MAX_PACKET 1364

struct proto_writer {
	uint8_t *data;
	uint32_t capacity;
	uint32_t bit_pos;
	bool overflow;
};

struct proto_reader {
	const uint8_t *data;
	uint32_t size;
	uint32_t bit_pos;
	bool overflow;
};

void proto_writer_init(struct proto_writer *w, void *buf, uint32_t capacity);
/** bits 1..32; value's bits above `bits` are ignored. */
void proto_write_bits(struct proto_writer *w, uint32_t value, int bits);
void proto_write_signed(struct proto_writer *w, int32_t value, int bits);
void proto_write_bool(struct proto_writer *w, bool value);
/** Length (8 bits) then bytes; strings longer than max_len are cut. */
void proto_write_string(struct proto_writer *w, const char *s, uint32_t max_len);
void proto_write_bytes(struct proto_writer *w, const void *p, uint32_t len);
/** Appends the first `bits` bits another writer produced, at any alignment. */
void proto_write_bitstream(struct proto_writer *w, const uint8_t *src, uint32_t bits);
/** Bytes used so far (the last byte may be partly filled). */
uint32_t proto_writer_bytes(const struct proto_writer *w);

void proto_reader_init(struct proto_reader *r, const void *buf, uint32_t size);
uint32_t proto_read_bits(struct proto_reader *r, int bits);
int32_t proto_read_signed(struct proto_reader *r, int bits);
bool proto_read_bool(struct proto_reader *r);
/** Reads a string into out (size bytes incl. NUL). Too long: overflow set. */
void proto_read_string(struct proto_reader *r, char *out, uint32_t size);
void proto_read_bytes(struct proto_reader *r, void *out, uint32_t len);
/** Bits not yet read. */
uint32_t proto_reader_left_bits(const struct proto_reader *r);

/** Exp-Golomb code of v >= 1: 2*floor(log2 v)+1 bits, so small values are cheap. */
void proto_write_egamma(struct proto_writer *w, uint32_t v);
uint32_t proto_read_egamma(struct proto_reader *r);

/** A counter sent as its low `bits` bits (1..31), widened around a value
 * the receiver knows to be within half of 2^bits of the truth. */
uint32_t proto_widen(uint32_t near, uint32_t low, int bits);

/** Smallest bit count that holds 0..max_value. */
int proto_bits_for(uint32_t max_value);
/** Maps v in [min, max] (clamped) onto 0..2^bits-1, rounding to nearest. */
uint32_t proto_quantize(int32_t v, int32_t min, int32_t max, int bits);
int32_t proto_dequantize(uint32_t q, int32_t min, int32_t max, int bits);
