/**
 * @file rnd_xr.h
 * @brief The renderer's VR scene (issue 16): the room at true scale, drawn
 * for two eyes into images an OpenXR runtime owns.
 *
 * The device part is the desktop's (rnd_device.c), handed the instance and
 * device the runtime made (struct rnd_vk_hooks); the target is the
 * runtime's swapchain images (one two-layer swapchain drawn in one
 * multiview pass, or one swapchain per eye and a pass each when the device
 * lacks multiview); the scene is this one: the room's floor, walls and
 * furniture built once from the world file, then per frame the avatars
 * (the desktop's instanced figure, posed in 3D), boxes for heads, hands
 * and items, and each board's live image on its wall.
 *
 * World metres throughout (x along the tile columns, y along the rows, z
 * up); the caller's view-projection matrices take them to each eye's clip
 * space, so the renderer knows nothing of OpenXR's stage axes.
 *
 * Between rnd_xr_frame_begin and rnd_xr_frame_end the caller adds avatars
 * (rnd_draw_avatar), boxes and boards; rnd_xr_frame_end records the passes
 * and submits them on the device's queue, the one the runtime was given,
 * before the caller releases the swapchain images.
 */
#pragma once

#include "rnd.h"

#include <stdbool.h>
#include <stdint.h>

#define RND_XR_MAX_IMAGES 8  /* per swapchain */
#define RND_XR_MAX_BOXES 1024 /* per frame: heads, hands, items, markers */
#define RND_XR_MAX_GLYPHS 4096 /* per frame: labels' glyphs and plates */

/** The runtime's Vulkan images for the eyes. multiview: one swapchain of
 * two layers (layer 0 left, 1 right); otherwise two swapchains. Images
 * are VkImage handles; format a VkFormat. */
struct rnd_xr_target {
	bool multiview;
	int64_t format;
	uint32_t width, height; /* each eye */
	uint32_t image_count[2];
	uint64_t images[2][RND_XR_MAX_IMAGES];
};

struct rnd_xr_stats {
	double cpu_ms;          /* the last frame: begin to submit, both eyes */
	uint32_t draws_per_eye; /* the last frame */
	uint32_t boxes, avatars;
	uint32_t dropped;       /* boxes that did not fit a frame, ever */
};

/** Whether to draw both eyes in one pass (VK_KHR_multiview, core in Vulkan
 * 1.1, feature `multiview`): want 1 yes if the device can, 0 no, -1 where
 * the device can and gets it right (Mesa's llvmpipe 22 drops triangles
 * that need clipping in every view after the first). Says which, and why. */
bool rnd_xr_multiview(const struct rnd *r, int want);
/** The image formats the renderer can draw into, best first (VkFormat);
 * the caller takes the first the runtime offers. */
const int64_t *rnd_xr_formats(uint32_t *out_count);
/** Makes the passes, depth and framebuffers for the runtime's images. */
enum core_result rnd_xr_set_target(struct rnd *r, const struct rnd_xr_target *t) CORE_MUST_CHECK;
/** Lets go of the runtime's images (before its swapchains are destroyed). */
void rnd_xr_clear_target(struct rnd *r);
/** Builds the room's floor, walls and furniture (call after rnd_set_world). */
enum core_result rnd_xr_set_room(struct rnd *r, const struct sim_world *w,
				 const struct sim_world_art *art,
				 const struct rnd_world_images *images) CORE_MUST_CHECK;

/** Waits for this frame slot's previous submission and starts a frame. */
void rnd_xr_frame_begin(struct rnd *r);
/** A box centred at c (metres) with half extents h along its own axes,
 * turned by the unit quaternion q (x, y, z, w; world axes); colour
 * 0xRRGGBB, lit from above. */
void rnd_xr_box(struct rnd *r, const float c[3], const float h[3], const float q[4],
		uint32_t rgb);
/** A flat quad (corners in order, world metres), unlit: the comfort
 * vignette, markers. */
void rnd_xr_quad(struct rnd *r, float p[4][3], uint32_t rgb);
/** Waits until the device has finished everything submitted. */
void rnd_wait_idle(struct rnd *r);
/** A label (a name) standing upright at c (its centre, metres), its line
 * height_m tall, running along `right` (the viewer's right: it faces
 * them), on a dark plate; colour 0xAARRGGBB. Drawn over the scene's
 * depth, after everything else. */
void rnd_xr_label(struct rnd *r, const float c[3], const float right[3], float height_m,
		  uint32_t argb, const char *utf8);
/** Board image slot on its wall this frame (see rnd_draw_wall_board). */
void rnd_xr_board(struct rnd *r, int slot, float x0_m, float y0_m, float x1_m, float y1_m,
		  float z0_m, float z1_m);
/** Records both eyes into the target's images image[0] (and image[1]
 * without multiview), with each eye's column-major view-projection, and
 * submits. */
enum core_result rnd_xr_frame_end(struct rnd *r, const uint32_t image[2],
				  float view_proj[2][16]) CORE_MUST_CHECK;
const struct rnd_xr_stats *rnd_xr_get_stats(const struct rnd *r);

/** What an OpenXR session is created on (XrGraphicsBindingVulkan2KHR):
 * VkInstance, VkPhysicalDevice, VkDevice, the queue family and index. */
void rnd_xr_vulkan(const struct rnd *r, void **instance, void **physical_device, void **device,
		   uint32_t *queue_family, uint32_t *queue_index);
