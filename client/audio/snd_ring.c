/**
 * @file snd_ring.c
 * @brief Lock-free SPSC ring (see snd_ring.h).
 */
#include "snd_ring.h"

#include <stdlib.h>
#include <string.h>

enum core_result snd_ring_init(struct snd_ring *r, size_t elem_size, uint32_t capacity)
{
	memset(r, 0, sizeof(*r));
	if (capacity < 2 || (capacity & (capacity - 1)) != 0 || elem_size == 0) {
		CORE_ERROR("snd_ring: capacity %u must be a power of two >= 2", capacity);
		return CORE_ERR_INVALID;
	}
	r->buf = calloc(capacity, elem_size);
	if (!r->buf) {
		CORE_ERROR("snd_ring: out of memory for %u x %zu bytes", capacity, elem_size);
		return CORE_ERR_NOMEM;
	}
	r->mask = capacity - 1;
	r->elem_size = elem_size;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	return CORE_OK;
}

void snd_ring_fini(struct snd_ring *r)
{
	free(r->buf);
	r->buf = NULL;
}

bool snd_ring_push(struct snd_ring *r, const void *elem)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	if (head - tail > r->mask)
		return false;
	memcpy(r->buf + (size_t)(head & r->mask) * r->elem_size, elem, r->elem_size);
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return true;
}

bool snd_ring_pop(struct snd_ring *r, void *out_elem)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	if (head == tail)
		return false;
	memcpy(out_elem, r->buf + (size_t)(tail & r->mask) * r->elem_size, r->elem_size);
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	return true;
}

uint32_t snd_ring_count(const struct snd_ring *r)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
	return head - tail;
}
