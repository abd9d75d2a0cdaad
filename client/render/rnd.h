/**
 * @file rnd.h
 * @brief The Vulkan renderer of the 2.5D isometric classroom.
 *
 * Immediate mode, like sokol's debug text: between rnd_frame_begin and
 * rnd_frame_end the caller adds avatars, decals, rectangles and text; they
 * land in this frame's mapped buffers (sized at start-up, never grown: a
 * full buffer drops the excess and counts it) and go out in four draws:
 * the world's tile sprites, decals, every avatar in one instanced draw, and
 * every glyph and HUD shape in one draw.
 *
 * The scene is always rendered into an offscreen target; with a window it is
 * then blitted to the swapchain image, so a screenshot is the same pixels
 * whether a window exists or not. Headless mode needs no display and runs
 * on Mesa's lavapipe.
 */
#pragma once

#include "core/core.h"
#include "sim/world_load.h" /* SIM_ART_MAX_TILESETS */
#include "../../shaders/config.h" /* RND_BOARD_IMAGES */

#include <stdbool.h>
#include <stdint.h>

struct rnd;
struct sim_world;
struct sim_world_art;

/** Creates the window's VkSurfaceKHR (passed as void pointers to keep
 * Vulkan out of this header). Returns false when it cannot. */
typedef bool (*rnd_surface_fn)(void *user, void *vk_instance, void *out_vk_surface);

/**
 * An OpenXR session makes the Vulkan instance and device itself
 * (XR_KHR_vulkan_enable2: xrCreateVulkanInstanceKHR, xrGetVulkanGraphicsDevice2KHR,
 * xrCreateVulkanDeviceKHR): the renderer fills in its create infos and
 * hands them over. Vulkan types as void pointers: create_instance gets a
 * VkInstanceCreateInfo and writes a VkInstance; pick_device gets the
 * VkInstance and writes the VkPhysicalDevice the runtime wants; create_device
 * gets that and a VkDeviceCreateInfo and writes a VkDevice. Each returns
 * false (having said why) when it cannot.
 */
struct rnd_vk_hooks {
	void *user;
	bool (*create_instance)(void *user, const void *instance_ci, void *out_instance);
	bool (*pick_device)(void *user, void *instance, void *out_physical_device);
	bool (*create_device)(void *user, void *physical_device, const void *device_ci,
			      void *out_device);
};

struct rnd_config {
	uint32_t width, height;     /* headless target, or the window's first drawable size */
	bool validation;            /* VK_LAYER_KHRONOS_validation + a message counter */
	bool vsync;                 /* FIFO; otherwise MAILBOX or IMMEDIATE */
	int msaa;                   /* 1, 2, 4 or 8 samples; lowered to what the device has */
	const char *const *instance_extensions; /* the window system's, or NULL */
	uint32_t instance_extension_count;
	rnd_surface_fn create_surface; /* NULL: headless */
	void *surface_user;
	const char *font_path;      /* a TrueType font */
	const struct rnd_vk_hooks *vk_hooks; /* NULL: the renderer makes its own */
};

struct rnd_camera {
	float x_m, y_m; /* world point at the centre of the view */
	float zoom;     /* 1 = the tileset's pixels */
};

struct rnd_avatar {
	float x_m, y_m;
	float yaw_rad;  /* 0 = +x, pi/2 = +y */
	bool sitting, walking;
	float walk_phase_rad;
	float seat_height_m;
	uint32_t colour; /* 0xRRGGBB */
};

enum rnd_font {
	RND_FONT_SMALL, /* labels, HUD body */
	RND_FONT_LARGE, /* headings, notices */
	RND_FONT_COUNT,
};

struct rnd_stats {
	double cpu_ms;             /* last frame: begin (after the fence) to submit */
	uint32_t draw_calls;       /* last frame */
	uint32_t avatar_draw_calls; /* last frame: the draws that drew avatars */
	uint32_t avatars, decals, ui_quads; /* last frame */
	uint32_t dropped;          /* items that did not fit in a frame buffer, ever */
	uint32_t validation_messages; /* warnings and errors from the validation layers */
	uint32_t swapchain_builds;
	uint32_t width, height;    /* current target */
	char device_name[256];
};

enum core_result rnd_create(const struct rnd_config *cfg, struct rnd **out_r) CORE_MUST_CHECK;
/** Frees everything; *out_validation_messages (may be NULL) gets the final
 * count, teardown included. */
void rnd_destroy(struct rnd **r, uint32_t *out_validation_messages);

/** A world's tileset images, decoded (RGBA8) by whoever loads the world,
 * so the thread that draws does no file I/O. */
struct rnd_world_images {
	int count; /* the art's tileset_count once loaded */
	struct rnd_tileset_image {
		unsigned char *rgba;
		int w, h;
	} sets[SIM_ART_MAX_TILESETS];
};
/** Reads and decodes each of the art's tileset images (errors logged,
 * naming the file). */
enum core_result rnd_world_images_load(const struct sim_world_art *art,
				       struct rnd_world_images *out) CORE_MUST_CHECK;
void rnd_world_images_free(struct rnd_world_images *images);

/** Uploads the world's tile art (called again when the world changes). */
enum core_result rnd_set_world(struct rnd *r, const struct sim_world *w,
			       const struct sim_world_art *art,
			       const struct rnd_world_images *images) CORE_MUST_CHECK;

/** The window's drawable size changed (0 x 0 while minimised). */
void rnd_resize(struct rnd *r, uint32_t width, uint32_t height);

/**
 * Waits for this frame's slot, acquires a swapchain image and starts
 * recording. False when there is nothing to draw into (minimised, or the
 * swapchain was just rebuilt): skip the frame.
 */
bool rnd_frame_begin(struct rnd *r, const struct rnd_camera *cam);
/** The local avatar: walls in front of it and near it fade (0: none). */
void rnd_set_focus(struct rnd *r, float x_m, float y_m, bool enabled);
void rnd_draw_avatar(struct rnd *r, const struct rnd_avatar *a);
/** A flat marker on the floor (or at height z_m) centred on (x, y).
 * shape: 0 diamond of size_m, 1 ring, 2 soft shadow. colour 0xAARRGGBB. */
void rnd_draw_decal(struct rnd *r, float x_m, float y_m, float z_m, float size_m, int shape,
		    uint32_t argb);
/** Screen pixels, top-left origin. colour 0xAARRGGBB. */
void rnd_rect(struct rnd *r, float x, float y, float w, float h, float radius, uint32_t argb);
void rnd_ring(struct rnd *r, float cx, float cy, float radius, float width, uint32_t argb);
/** Draws text with its top-left at (x, y); returns its width in pixels. */
float rnd_text(struct rnd *r, enum rnd_font font, float x, float y, uint32_t argb,
	       const char *utf8);
float rnd_text_width(const struct rnd *r, enum rnd_font font, const char *utf8);
float rnd_line_height(const struct rnd *r, enum rnd_font font);
/** Board image slot (0..RND_BOARD_IMAGES-1: RGBA8 pixels, w x h, rows top
 * down) that rnd_draw_board and rnd_draw_wall_board show; its first call
 * fixes the size. Uploads at once: call it when the board changed, not
 * every frame. */
enum core_result rnd_set_board_image(struct rnd *r, int slot, uint32_t w, uint32_t h,
				     const uint32_t *rgba) CORE_MUST_CHECK;
/** Draws board image slot into the screen rectangle (pixels), under what is
 * drawn after it; one a frame. */
void rnd_draw_board(struct rnd *r, int slot, float x, float y, float w, float h);
/** Draws board image slot on its wall in the room: the image's left edge
 * stands at (x0, y0) m, its right edge at (x1, y1), from z0 up to z1 m;
 * avatars and furniture in front of the wall hide it. Once a frame each. */
void rnd_draw_wall_board(struct rnd *r, int slot, float x0_m, float y0_m, float x1_m, float y1_m,
			 float z0_m, float z1_m);
/**
 * Records and submits the frame and presents it. With a screenshot path the
 * frame is read back (waiting for the GPU) and written as PNG.
 */
enum core_result rnd_frame_end(struct rnd *r, const char *screenshot_png) CORE_MUST_CHECK;

/** World metres to screen pixels with the camera of the current frame. */
void rnd_world_to_screen(const struct rnd *r, float x_m, float y_m, float z_m, float *out_x,
			 float *out_y);
/** Screen pixels to the world point at height z_m (0: the floor) under them. */
void rnd_screen_to_world(const struct rnd *r, float sx, float sy, float z_m, float *out_x_m,
			 float *out_y_m);

const struct rnd_stats *rnd_get_stats(const struct rnd *r);
