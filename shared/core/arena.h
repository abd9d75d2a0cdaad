/**
 * @file arena.h
 * @brief Linear arenas: one block reserved at start-up, bump-allocated,
 * reset as a whole (per room, per tick). Exhaustion returns NULL, never
 * grows: callers treat it as CORE_ERR_NOMEM.
 */
#pragma once

#include "core.h"

#include <stdbool.h>

struct core_arena {
	uint8_t *base;
	size_t size;
	size_t used;
	size_t high_water;
};

enum core_result core_arena_init(struct core_arena *arena, size_t size) CORE_MUST_CHECK;
void core_arena_fini(struct core_arena *arena);
/** Zeroed memory aligned to align (a power of two), or NULL when full. */
void *core_arena_alloc(struct core_arena *arena, size_t size, size_t align);
void core_arena_reset(struct core_arena *arena);

#define CORE_ARENA_NEW(arena, type, count) \
	((type *)core_arena_alloc((arena), sizeof(type) * (count), _Alignof(type)))
