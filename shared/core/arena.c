#include "arena.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

enum core_result core_arena_init(struct core_arena *arena, size_t size)
{
	memset(arena, 0, sizeof(*arena));
	arena->base = malloc(size);
	if (!arena->base) {
		CORE_ERROR("cannot reserve an arena of %zu bytes", size);
		return CORE_ERR_NOMEM;
	}
	arena->size = size;
	return CORE_OK;
}

void core_arena_fini(struct core_arena *arena)
{
	free(arena->base);
	memset(arena, 0, sizeof(*arena));
}

void *core_arena_alloc(struct core_arena *arena, size_t size, size_t align)
{
	assert(align && (align & (align - 1)) == 0);
	size_t start = (arena->used + align - 1) & ~(align - 1);
	if (start > arena->size || size > arena->size - start)
		return NULL;
	arena->used = start + size;
	if (arena->used > arena->high_water)
		arena->high_water = arena->used;
	void *p = arena->base + start;
	memset(p, 0, size);
	return p;
}

void core_arena_reset(struct core_arena *arena)
{
	arena->used = 0;
}
