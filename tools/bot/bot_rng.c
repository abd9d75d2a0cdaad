/* The scenarios' seeded random numbers (bot_rng.h). */
#include "bot_rng.h"

/* mulberry32 */
uint32_t bot_rng_next(uint32_t *state)
{
	uint32_t z = (*state += 0x6d2b79f5u);
	z = (z ^ (z >> 15)) * (z | 1u);
	z ^= z + (z ^ (z >> 7)) * (z | 61u);
	return z ^ (z >> 14);
}

uint32_t bot_mix32(uint32_t a)
{
	uint32_t z = a + 0x9e3779b9u;
	z ^= z >> 16;
	z *= 0x85ebca6bu;
	z ^= z >> 13;
	z *= 0xc2b2ae35u;
	z ^= z >> 16;
	return z;
}

uint32_t bot_seed_mix(uint32_t seed, uint32_t index)
{
	return bot_mix32(seed + index * 0x27d4eb2du);
}
