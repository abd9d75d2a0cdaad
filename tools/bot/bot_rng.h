/**
 * @file bot_rng.h
 * @brief The benchmarks' seeded random numbers: mulberry32 and the
 * splitmix32 finaliser, as ../shared/bench/ defines them.
 */
#pragma once

#include <stdint.h>

/** mulberry32 */
uint32_t bot_rng_next(uint32_t *state);
/** The splitmix32 finaliser applied to a + 0x9e3779b9. */
uint32_t bot_mix32(uint32_t a);
uint32_t bot_seed_mix(uint32_t seed, uint32_t index);
