/* Canonical board hashes (msg_board.h). */
#include "msg_board.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct ser {
	const uint8_t *p;
	uint32_t len;
};

struct writer {
	uint8_t *at;
};

static void put_point(void *user, const struct sim_board_point *pt)
{
	struct writer *w = user;
	uint8_t *o = w->at;
	o[0] = (uint8_t)pt->x;
	o[1] = (uint8_t)(pt->x >> 8);
	o[2] = (uint8_t)pt->y;
	o[3] = (uint8_t)(pt->y >> 8);
	o[4] = pt->p;
	w->at += 5;
}

static void put_u32(uint8_t *o, uint32_t v)
{
	o[0] = (uint8_t)v;
	o[1] = (uint8_t)(v >> 8);
	o[2] = (uint8_t)(v >> 16);
	o[3] = (uint8_t)(v >> 24);
}

static int cmp_ser(const void *a, const void *b)
{
	const struct ser *x = a, *y = b;
	uint32_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

enum core_result proto_board_hash(const struct sim_boards *b, uint8_t board, proto_author_map map,
				  void *user, uint8_t order[PROTO_BOARD_HASH_BYTES],
				  uint8_t content[PROTO_BOARD_HASH_BYTES])
{
	size_t bytes = 0, count = 0;
	for (uint32_t i = 0; i < b->stroke_count; i++) {
		const struct sim_stroke *s = &b->strokes[i];
		if (s->board == board && !(s->flags & SIM_STROKE_UNDONE)) {
			bytes += 13 + (size_t)s->count * 5;
			count++;
		}
	}
	uint8_t *buf = malloc(bytes ? bytes : 1);
	struct ser *sers = malloc((count ? count : 1) * sizeof(*sers));
	if (!buf || !sers) {
		free(buf);
		free(sers);
		return CORE_ERR_NOMEM;
	}
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	struct writer w = {buf};
	size_t k = 0;
	for (uint32_t i = 0; i < b->stroke_count; i++) {
		const struct sim_stroke *s = &b->strokes[i];
		if (s->board != board || (s->flags & SIM_STROKE_UNDONE))
			continue;
		uint8_t *start = w.at;
		put_u32(w.at, map ? map(user, s->author) : s->author);
		put_u32(w.at + 4, s->color);
		w.at[8] = s->width;
		put_u32(w.at + 9, s->count);
		w.at += 13;
		sim_board_each_point(b, s, put_point, &w);
		sers[k++] = (struct ser){start, (uint32_t)(w.at - start)};
		crypto_hash_sha256_update(&st, start, (unsigned long long)(w.at - start));
	}
	crypto_hash_sha256_final(&st, order);
	qsort(sers, count, sizeof(*sers), cmp_ser);
	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < count; i++)
		crypto_hash_sha256_update(&st, sers[i].p, sers[i].len);
	crypto_hash_sha256_final(&st, content);
	free(buf);
	free(sers);
	return CORE_OK;
}

const char *proto_hash_hex(const uint8_t hash[PROTO_BOARD_HASH_BYTES], char out[65])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < PROTO_BOARD_HASH_BYTES; i++) {
		out[2 * i] = digits[hash[i] >> 4];
		out[2 * i + 1] = digits[hash[i] & 15];
	}
	out[64] = 0;
	return out;
}
