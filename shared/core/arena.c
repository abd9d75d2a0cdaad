#include "arena.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

enum core_result core_arena_init(struct core_arena *arena, size_t size)
{
	memset(arena, 0, sizeof(*arena));
	/* Zeroed by the system, page by page as first touched: a big arena
	 * costs memory only as it fills. */
	arena->base = calloc(1, size);
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
	void *p = arena->base + start;
	/* Only what an earlier use (before a reset) wrote needs zeroing. */
	if (start < arena->high_water)
		memset(p, 0, CORE_MIN(size, arena->high_water - start));
	arena->used = start + size;
	if (arena->used > arena->high_water)
		arena->high_water = arena->used;
	return p;
}

void core_arena_reset(struct core_arena *arena)
{
	arena->used = 0;
}
