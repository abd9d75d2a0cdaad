/**
 * @file snd_ring.h
 * @brief Lock-free single-producer single-consumer ring of fixed-size elements.
 *
 * One thread pushes, one thread pops. head is written only by the producer,
 * tail only by the consumer; each publishes with release and reads the
 * other's index with acquire, so an element's bytes are visible before its
 * index. Capacity is a power of two; indices run freely and are masked.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

struct snd_ring {
	_Alignas(64) _Atomic uint32_t head; /* next slot to write (producer) */
	_Alignas(64) _Atomic uint32_t tail; /* next slot to read (consumer) */
	_Alignas(64) uint32_t mask;
	size_t elem_size;
	uint8_t *buf;
};

/** Allocates capacity (a power of two) elements of elem_size bytes. */
enum core_result snd_ring_init(struct snd_ring *r, size_t elem_size,
			       uint32_t capacity) CORE_MUST_CHECK;
void snd_ring_fini(struct snd_ring *r);

/** Producer: copies elem in; false when full. */
bool snd_ring_push(struct snd_ring *r, const void *elem);
/** Consumer: copies the oldest element out; false when empty. */
bool snd_ring_pop(struct snd_ring *r, void *out_elem);
/** Either side: elements queued (a snapshot). */
uint32_t snd_ring_count(const struct snd_ring *r);
