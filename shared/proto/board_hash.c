/* Canonical board hashes, and the hash of the rest of a room's state (msg_board.h). */
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

_Static_assert(sizeof(crypto_hash_sha256_state) <= sizeof(((struct proto_state_hash *)0)->sha),
	       "struct proto_state_hash holds libsodium's SHA-256 state");

/* The state lives in h as bytes (msg_board.h does not include sodium.h),
 * so it is copied out and back rather than read through another type. */
static void sha_update(struct proto_state_hash *h, const void *data, size_t len)
{
	crypto_hash_sha256_state st;
	memcpy(&st, h->sha, sizeof(st));
	crypto_hash_sha256_update(&st, data, (unsigned long long)len);
	memcpy(h->sha, &st, sizeof(st));
}

void proto_state_hash_init(struct proto_state_hash *h)
{
	crypto_hash_sha256_state st;
	memset(h, 0, sizeof(*h));
	crypto_hash_sha256_init(&st);
	memcpy(h->sha, &st, sizeof(st));
}

void proto_state_hash_chat(struct proto_state_hash *h, uint16_t author, uint32_t op_id,
			   const struct proto_chat *chat)
{
	if (chat->scope == PROTO_CHAT_ZONE)
		return;
	size_t n = strnlen(chat->text, PROTO_CHAT_TEXT_MAX);
	uint8_t o[10];
	o[0] = (uint8_t)author;
	o[1] = (uint8_t)(author >> 8);
	put_u32(o + 2, op_id);
	o[6] = chat->scope;
	o[7] = chat->answered;
	o[8] = (uint8_t)n;
	o[9] = (uint8_t)(n >> 8);
	sha_update(h, o, sizeof(o));
	sha_update(h, (const uint8_t *)chat->text, n);
	h->lines++;
}

void proto_state_hash_lesson(struct proto_state_hash *h, const char *name, bool active,
			     uint8_t board)
{
	size_t n = strnlen(name, PROTO_LESSON_NAME_MAX - 1);
	uint8_t len = (uint8_t)n, tail[2] = {active, board};
	sha_update(h, &len, 1);
	sha_update(h, (const uint8_t *)name, n);
	sha_update(h, tail, sizeof(tail));
}

void proto_state_hash_student(struct proto_state_hash *h, uint16_t author, uint8_t step,
			      uint16_t points)
{
	uint8_t o[5] = {(uint8_t)author, (uint8_t)(author >> 8), step, (uint8_t)points,
			(uint8_t)(points >> 8)};
	sha_update(h, o, sizeof(o));
	h->students++;
}

void proto_state_hash_final(struct proto_state_hash *h, uint8_t out[PROTO_BOARD_HASH_BYTES])
{
	crypto_hash_sha256_state st;
	memcpy(&st, h->sha, sizeof(st));
	crypto_hash_sha256_final(&st, out);
}
