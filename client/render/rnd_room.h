/**
 * @file rnd_room.h
 * @brief The VR room's triangles, built on the CPU from the world file:
 * the floor a quad a tile, walls and furniture boxes extruded from their
 * tiles, each coloured like its tile's art and lit from above. No Vulkan
 * here, so it is tested and measured without a device.
 */
#pragma once

#include "core/core.h"

#include <stdint.h>

struct sim_world;
struct sim_world_art;
struct rnd_world_images;

/* layout(location = 0..1) in xr_flat.vert */
struct rnd_room_vertex {
	float pos[3];  /* world metres, z up */
	uint32_t rgba; /* R8G8B8A8 unorm, R in the lowest byte */
};

#define RND_ROOM_WALL_M 2.7f      /* a tile on a layer named like "wall" without a height */
#define RND_ROOM_BLOCKED_M 0.75f  /* other blocked tiles: desks, tables */
#define RND_ROOM_OPEN_M 0.45f     /* other open tiles above the floor layer: chairs */

/** The room's triangles (*out freed by the caller with free). The first
 * art layer is the floor; a tile on a later layer is a box as high as its
 * tileset's `height` property (metres), or the defaults above. */
enum core_result rnd_room_build(const struct sim_world *w, const struct sim_world_art *art,
				const struct rnd_world_images *images, struct rnd_room_vertex **out,
				uint32_t *out_count) CORE_MUST_CHECK;

/** 36 vertices of a box: centre c, half extents h along its own axes, turned
 * by the unit quaternion q (x, y, z, w); colour 0xRRGGBB. */
void rnd_room_box(struct rnd_room_vertex *out, const float c[3], const float h[3],
		  const float q[4], uint32_t rgb);
