/**
 * @file world_fixture.h
 * @brief For the world tests: a canonical text dump of a sim_world and its
 * art (every field, so two loads compare whole), the first line where two
 * dumps differ, and tile layer data encoded as Tiled writes it (base64 of
 * little-endian gids through zlib, gzip or zstd), to make maps in every
 * format the loader reads.
 */
#pragma once

#include "sim/world_load.h"

#include <stddef.h>
#include <stdint.h>

/** Every field of w as text, one item a line (the caller frees). */
char *world_dump(const struct sim_world *w);
/** The art as text: layer names and gids, tileset fields, and only the
 * file name of each image (its folder depends on where the map was). */
char *world_art_dump(const struct sim_world_art *art);
/** NULL when equal, else a description of the first different line (the
 * caller frees). */
char *world_dump_diff(const char *a, const char *b);
/** n gids as base64, compressed as asked (the caller frees), or NULL. */
char *world_encode_gids(const uint32_t *gids, size_t n, enum sim_layer_compression compression);
/** A TMX map's CSV layers (as Tiled writes them) in another encoding:
 * <tile> elements, or base64 compressed as asked (the caller frees). */
char *world_tmx_recode(const char *tmx, enum sim_layer_encoding encoding,
		       enum sim_layer_compression compression);
