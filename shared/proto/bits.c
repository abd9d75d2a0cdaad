#include "bits.h"

#include <assert.h>
#include <string.h>

void proto_writer_init(struct proto_writer *w, void *buf, uint32_t capacity)
{
	w->data = buf;
	w->capacity = capacity;
	w->bit_pos = 0;
	w->overflow = false;
}

/* Little-endian words whatever the host (the wire is LSB-first). */
static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static void store_le64(uint8_t *p, uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(p, &v, sizeof(v));
}

/* Bits go in LSB-first, so a value shifted by the bit offset lands in at
 * most five bytes, the first keeping the bits already written below it and
 * every byte past the end left zero for the next write to OR into. With
 * eight bytes of room left, one 64-bit store writes them (a snapshot of a
 * full board is millions of these); near the end, byte by byte. */
void proto_write_bits(struct proto_writer *w, uint32_t value, int bits)
{
	assert(bits >= 1 && bits <= 32);
	if (w->overflow || w->bit_pos + (uint32_t)bits > w->capacity * 8u) {
		w->overflow = true;
		return;
	}
	if (bits < 32)
		value &= (1u << bits) - 1;
	uint32_t byte = w->bit_pos >> 3, off = w->bit_pos & 7;
	uint64_t v = (uint64_t)value << off;
	uint8_t *d = w->data + byte;
	if (w->capacity - byte >= 8) {
		store_le64(d, (d[0] & ((1u << off) - 1)) | v);
	} else {
		uint32_t n = (off + (uint32_t)bits + 7) >> 3;
		d[0] = (uint8_t)((d[0] & ((1u << off) - 1)) | (uint8_t)v);
		for (uint32_t k = 1; k < n; k++)
			d[k] = (uint8_t)(v >> (8 * k));
	}
	w->bit_pos += (uint32_t)bits;
}

void proto_write_signed(struct proto_writer *w, int32_t value, int bits)
{
	proto_write_bits(w, (uint32_t)value, bits);
}

void proto_write_bool(struct proto_writer *w, bool value)
{
	proto_write_bits(w, value ? 1 : 0, 1);
}

void proto_write_bytes(struct proto_writer *w, const void *p, uint32_t len)
{
	const uint8_t *b = p;
	for (uint32_t i = 0; i < len; i++)
		proto_write_bits(w, b[i], 8);
}

void proto_write_bitstream(struct proto_writer *w, const uint8_t *src, uint32_t bits)
{
	if (!bits)
		return;
	if (w->overflow || w->bit_pos + bits > w->capacity * 8u) {
		w->overflow = true;
		return;
	}
	uint32_t off = w->bit_pos & 7, nbytes = (bits + 7) / 8, touched = (off + bits + 7) / 8;
	uint8_t *d = w->data + (w->bit_pos >> 3);
	/* Eight bytes a step (every snapshot appends its zone's lists, about
	 * 150 bytes, so this ran 15,000 times a second per 1,000 clients), then
	 * the rest byte by byte; carry holds the off bits that spill over. */
	uint64_t carry = d[0] & ((1u << off) - 1);
	uint32_t i = 0;
	for (; i + 8 <= nbytes; i += 8) {
		uint64_t v = load_le64(src + i);
		store_le64(d + i, carry | v << off);
		carry = off ? v >> (64 - off) : 0;
	}
	for (; i < nbytes; i++) {
		uint32_t v = (uint32_t)carry | (uint32_t)src[i] << off;
		d[i] = (uint8_t)v;
		carry = v >> 8;
	}
	if (touched > nbytes)
		d[nbytes] = (uint8_t)carry;
	uint32_t tail = (off + bits) & 7; /* zero what lies past the end */
	if (tail)
		d[touched - 1] &= (uint8_t)((1u << tail) - 1);
	w->bit_pos += bits;
}

void proto_write_string(struct proto_writer *w, const char *s, uint32_t max_len)
{
	uint32_t n = (uint32_t)strlen(s);
	if (n > max_len)
		n = max_len;
	if (n > 255)
		n = 255;
	proto_write_bits(w, n, 8);
	proto_write_bytes(w, s, n);
}

uint32_t proto_writer_bytes(const struct proto_writer *w)
{
	return (w->bit_pos + 7) / 8;
}

void proto_reader_init(struct proto_reader *r, const void *buf, uint32_t size)
{
	r->data = buf;
	r->size = size;
	r->bit_pos = 0;
	r->overflow = false;
}

uint32_t proto_read_bits(struct proto_reader *r, int bits)
{
	assert(bits >= 1 && bits <= 32);
	if (r->overflow || r->bit_pos + (uint32_t)bits > r->size * 8u) {
		r->overflow = true;
		return 0;
	}
	uint32_t off = r->bit_pos & 7, n = (off + (uint32_t)bits + 7) >> 3;
	const uint8_t *d = r->data + (r->bit_pos >> 3);
	uint64_t v = 0;
	for (uint32_t k = 0; k < n; k++)
		v |= (uint64_t)d[k] << (8 * k);
	r->bit_pos += (uint32_t)bits;
	v >>= off;
	return bits < 32 ? (uint32_t)v & ((1u << bits) - 1) : (uint32_t)v;
}

int32_t proto_read_signed(struct proto_reader *r, int bits)
{
	uint32_t v = proto_read_bits(r, bits);
	if (bits < 32 && (v & (1u << (bits - 1))))
		v |= ~((1u << bits) - 1);
	return (int32_t)v;
}

bool proto_read_bool(struct proto_reader *r)
{
	return proto_read_bits(r, 1) != 0;
}

void proto_read_bytes(struct proto_reader *r, void *out, uint32_t len)
{
	uint8_t *b = out;
	for (uint32_t i = 0; i < len; i++)
		b[i] = (uint8_t)proto_read_bits(r, 8);
}

void proto_read_string(struct proto_reader *r, char *out, uint32_t size)
{
	uint32_t n = proto_read_bits(r, 8);
	if (n >= size) {
		r->overflow = true;
		out[0] = '\0';
		return;
	}
	proto_read_bytes(r, out, n);
	out[r->overflow ? 0 : n] = '\0';
	/* A name with a NUL or control byte inside is not a name. */
	for (uint32_t i = 0; i < n && !r->overflow; i++)
		if ((unsigned char)out[i] < 0x20)
			r->overflow = true;
}

uint32_t proto_reader_left_bits(const struct proto_reader *r)
{
	return r->overflow ? 0 : r->size * 8u - r->bit_pos;
}

void proto_write_egamma(struct proto_writer *w, uint32_t v)
{
	assert(v >= 1);
	int n = proto_bits_for(v);
	if (n > 1)
		proto_write_bits(w, 0, n - 1);
	/* v's top bit is the marker that ends the zeros. */
	for (int i = n - 1; i >= 0; i--)
		proto_write_bits(w, (v >> i) & 1u, 1);
}

uint32_t proto_read_egamma(struct proto_reader *r)
{
	int zeros = 0;
	while (!proto_read_bits(r, 1)) {
		if (r->overflow || ++zeros > 31) {
			r->overflow = true;
			return 0;
		}
	}
	uint32_t v = 1;
	for (int i = 0; i < zeros; i++)
		v = (v << 1) | proto_read_bits(r, 1);
	return v;
}

uint32_t proto_widen(uint32_t near, uint32_t low, int bits)
{
	uint32_t span = 1u << bits;
	uint32_t d = (low - near) & (span - 1); /* forward distance, 0..span-1 */
	return d < span / 2 ? near + d : near + d - span;
}

int proto_bits_for(uint32_t max_value)
{
	int bits = 1;
	while (bits < 32 && (max_value >> bits))
		bits++;
	return bits;
}

uint32_t proto_quantize(int32_t v, int32_t min, int32_t max, int bits)
{
	assert(max > min && bits >= 1 && bits <= 31);
	if (v <= min)
		return 0;
	uint32_t levels = (1u << bits) - 1;
	if (v >= max)
		return levels;
	uint64_t range = (uint64_t)((int64_t)max - min);
	uint64_t off = (uint64_t)((int64_t)v - min);
	return (uint32_t)((off * levels + range / 2) / range);
}

int32_t proto_dequantize(uint32_t q, int32_t min, int32_t max, int bits)
{
	assert(max > min && bits >= 1 && bits <= 31);
	uint32_t levels = (1u << bits) - 1;
	if (q > levels)
		q = levels;
	uint64_t range = (uint64_t)((int64_t)max - min);
	return (int32_t)((int64_t)min + (int64_t)((q * range + levels / 2) / levels));
}
