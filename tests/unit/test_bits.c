#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "proto/bits.h"

#include <stdlib.h>
#include <string.h>

static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void unsigned_round_trip_every_width(void **state)
{
	(void)state;
	uint8_t buf[4096];
	uint32_t values[600];
	int widths[600];
	struct proto_writer w;
	proto_writer_init(&w, buf, sizeof(buf));
	for (int i = 0; i < 600; i++) {
		widths[i] = 1 + i % 32;
		values[i] = widths[i] == 32 ? rnd() : rnd() & ((1u << widths[i]) - 1);
		proto_write_bits(&w, values[i], widths[i]);
	}
	assert_false(w.overflow);
	struct proto_reader r;
	proto_reader_init(&r, buf, proto_writer_bytes(&w));
	for (int i = 0; i < 600; i++)
		assert_int_equal(proto_read_bits(&r, widths[i]), values[i]);
	assert_false(r.overflow);
	assert_true(proto_reader_left_bits(&r) < 8);
}

/* A bit string from one writer appended to another at every alignment
 * reads back as if written there field by field, in buffers that start
 * out full of garbage (neither writer may rely on zeroed memory). */
static void bitstreams_append_at_any_alignment(void **state)
{
	(void)state;
	uint8_t src[256], dst[300];
	uint32_t values[100];
	int widths[100];
	for (uint32_t len = 1; len <= 100; len += 13) {
		memset(src, 0xa5, sizeof(src));
		struct proto_writer ws;
		proto_writer_init(&ws, src, sizeof(src));
		for (uint32_t i = 0; i < len; i++) {
			widths[i] = 1 + (int)(rnd() % 32);
			values[i] = widths[i] == 32 ? rnd() : rnd() & ((1u << widths[i]) - 1);
			proto_write_bits(&ws, values[i], widths[i]);
		}
		for (uint32_t lead = 0; lead < 16; lead++) {
			memset(dst, 0x5a, sizeof(dst));
			struct proto_writer w;
			proto_writer_init(&w, dst, sizeof(dst));
			if (lead)
				proto_write_bits(&w, (1u << lead) - 1, (int)lead);
			proto_write_bitstream(&w, src, ws.bit_pos);
			proto_write_bits(&w, 0x2b, 7); /* what follows lands intact */
			assert_false(w.overflow);
			assert_int_equal(w.bit_pos, lead + ws.bit_pos + 7);
			struct proto_reader r;
			proto_reader_init(&r, dst, proto_writer_bytes(&w));
			if (lead)
				assert_int_equal(proto_read_bits(&r, (int)lead), (1u << lead) - 1);
			for (uint32_t i = 0; i < len; i++)
				assert_int_equal(proto_read_bits(&r, widths[i]), values[i]);
			assert_int_equal(proto_read_bits(&r, 7), 0x2b);
			assert_true(proto_reader_left_bits(&r) < 8);
			/* The unused top bits of the last byte are zero. */
			if (w.bit_pos & 7)
				assert_int_equal(dst[w.bit_pos / 8] >> (w.bit_pos & 7), 0);
		}
	}
	/* Too long for what is left: overflow, nothing written past the end. */
	struct proto_writer w;
	proto_writer_init(&w, dst, 4);
	proto_write_bits(&w, 1, 3);
	proto_write_bitstream(&w, src, 30);
	assert_true(w.overflow);
}

static void signed_round_trip_extremes(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct proto_writer w;
	proto_writer_init(&w, buf, sizeof(buf));
	const int32_t v[] = {0, -1, 1, -8388608, 8388607, -128, 127, INT32_MIN, INT32_MAX};
	const int bits[] = {24, 24, 24, 24, 24, 8, 8, 32, 32};
	for (int i = 0; i < 9; i++)
		proto_write_signed(&w, v[i], bits[i]);
	struct proto_reader r;
	proto_reader_init(&r, buf, proto_writer_bytes(&w));
	for (int i = 0; i < 9; i++)
		assert_int_equal(proto_read_signed(&r, bits[i]), v[i]);
	assert_false(r.overflow);
}

static void writer_and_reader_stop_at_the_end(void **state)
{
	(void)state;
	uint8_t buf[3] = {0};
	struct proto_writer w;
	proto_writer_init(&w, buf, 2);
	proto_write_bits(&w, 0xffff, 16);
	assert_false(w.overflow);
	proto_write_bits(&w, 1, 1);
	assert_true(w.overflow);
	assert_int_equal(buf[2], 0); /* nothing written past capacity */

	struct proto_reader r;
	proto_reader_init(&r, buf, 2);
	assert_int_equal(proto_read_bits(&r, 12), 0xfff);
	assert_int_equal(proto_read_bits(&r, 8), 0); /* only 4 bits left */
	assert_true(r.overflow);
	assert_int_equal(proto_read_bits(&r, 1), 0);
	assert_int_equal(proto_reader_left_bits(&r), 0);
}

static void strings_round_trip_and_reject_bad_ones(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct proto_writer w;
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_string(&w, "classroom", 31);
	proto_write_string(&w, "this name is far too long for the field", 10);
	proto_write_string(&w, "", 31);
	struct proto_reader r;
	proto_reader_init(&r, buf, proto_writer_bytes(&w));
	char out[32];
	proto_read_string(&r, out, sizeof(out));
	assert_string_equal(out, "classroom");
	proto_read_string(&r, out, sizeof(out));
	assert_string_equal(out, "this name ");
	proto_read_string(&r, out, sizeof(out));
	assert_string_equal(out, "");
	assert_false(r.overflow);

	/* A length larger than the destination is an error, not a truncation. */
	proto_reader_init(&r, buf, proto_writer_bytes(&w));
	char small[4];
	proto_read_string(&r, small, sizeof(small));
	assert_true(r.overflow);
	assert_string_equal(small, "");

	/* A control byte inside a string is an error. */
	uint8_t bad[] = {3, 'a', 0, 'b'};
	proto_reader_init(&r, bad, sizeof(bad));
	proto_read_string(&r, out, sizeof(out));
	assert_true(r.overflow);
}

static void quantisation_stays_within_half_a_step(void **state)
{
	(void)state;
	const struct {
		int32_t min, max;
		int bits;
	} cases[] = {{0, 20000, 10}, {-5000, 5000, 8}, {0, 65535, 16}, {-8388608, 8388607, 20},
		     {0, 1, 1}};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		int32_t min = cases[c].min, max = cases[c].max;
		int bits = cases[c].bits;
		double step = (double)((int64_t)max - min) / (double)((1u << bits) - 1);
		for (int i = 0; i < 5000; i++) {
			int32_t v = (int32_t)(min + (int64_t)(rnd() % (uint32_t)((int64_t)max - min + 1)));
			uint32_t q = proto_quantize(v, min, max, bits);
			assert_true(q < (1u << bits));
			int32_t back = proto_dequantize(q, min, max, bits);
			double err = (double)back - v;
			assert_true(err <= step / 2 + 1 && err >= -step / 2 - 1);
		}
		/* Ends are exact and out-of-range values clamp. */
		assert_int_equal(proto_dequantize(proto_quantize(min, min, max, bits), min, max, bits), min);
		assert_int_equal(proto_dequantize(proto_quantize(max, min, max, bits), min, max, bits), max);
		if (min > INT32_MIN)
			assert_int_equal(proto_quantize(min - 1, min, max, bits), 0);
		if (max < INT32_MAX)
			assert_int_equal(proto_quantize(max + 1, min, max, bits), (1u << bits) - 1);
	}
}

static void bits_for_counts(void **state)
{
	(void)state;
	assert_int_equal(proto_bits_for(0), 1);
	assert_int_equal(proto_bits_for(1), 1);
	assert_int_equal(proto_bits_for(2), 2);
	assert_int_equal(proto_bits_for(255), 8);
	assert_int_equal(proto_bits_for(256), 9);
	assert_int_equal(proto_bits_for(UINT32_MAX), 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unsigned_round_trip_every_width),
		cmocka_unit_test(bitstreams_append_at_any_alignment),
		cmocka_unit_test(signed_round_trip_extremes),
		cmocka_unit_test(writer_and_reader_stop_at_the_end),
		cmocka_unit_test(strings_round_trip_and_reject_bad_ones),
		cmocka_unit_test(quantisation_stays_within_half_a_step),
		cmocka_unit_test(bits_for_counts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
