/**
 * @file rnd_vk.h
 * @brief The renderer's insides, shared by its files: the Vulkan objects,
 * per-frame resources in [RND_FRAMES_IN_FLIGHT] arrays (niagara's idea) and
 * the instance layouts the shaders read (shaders/config.h).
 *
 * Three parts, so that an OpenXR session can drive it (issue 16):
 *   device  (rnd_device.c): instance, physical device, queue, memory,
 *           buffers, images, uploads;
 *   target  (rnd_target.c): the render pass, the offscreen target and
 *           where a frame goes (a window's swapchain, a read-back);
 *   scene   (rnd_world.c, rnd_board.c, rnd_font.c, rnd_pipe.c): what is
 *           drawn, recorded into the target's pass;
 * and rnd_frame.c ties them into rnd_create and the frame loop.
 */
#pragma once

#include "rnd.h"

#include "../../shaders/config.h"

#include <stb_truetype.h>
#include <vulkan/vulkan.h>

#define RND_MAX_SWAPCHAIN_IMAGES 8

/* layout(location = 0..3) in sprite.vert */
struct rnd_sprite_inst {
	float rect[4]; /* iso px: x, y, w, h */
	float uv[4];
	float info[4]; /* key, flags */
	uint32_t tint; /* R8G8B8A8 unorm: 0xAABBGGRR in memory order */
	uint32_t pad[3];
};

/* bindings of avatar.vert */
struct rnd_avatar_vertex {
	float pos[3];
	float normal[3];
	float part;
};

struct rnd_avatar_inst {
	float place[4]; /* x, y, yaw, flags */
	float colour[4];
	float anim[4];  /* walk phase, seat height */
};

struct rnd_ui_inst {
	float rect[4];
	float uv[4];
	float extra[4]; /* radius or line width, mode */
	uint32_t colour;
	uint32_t pad[3];
};

/* common.glsl's push constant block */
struct rnd_push {
	float iso[4];
	float cam[4];
	float depth[4];
	float cut[4];
};

struct rnd_buffer {
	VkBuffer buf;
	VkDeviceMemory mem;
	void *map; /* host-visible, coherent, mapped for the buffer's life */
	VkDeviceSize size;
};

struct rnd_image {
	VkImage image;
	VkDeviceMemory mem;
	VkImageView view;
};

struct rnd_frame {
	VkCommandBuffer cmd;
	VkFence done;
	VkSemaphore acquired;
	struct rnd_buffer decals, avatars, ui;
	uint32_t decal_count, avatar_count, ui_count;
	uint32_t board_at; /* the board's quad among the UI quads + 1; 0: none */
	int board_slot;    /* whose image that quad shows */
	uint8_t walls;     /* bit i: board image i is drawn on its wall (a decal slot) */
};

struct rnd_font_face {
	stbtt_packedchar chars[96]; /* ASCII 32..127 */
	stbtt_packedchar extra[96]; /* Latin-1 160..255 */
	float size_px, ascent_px, line_px;
};

struct rnd {
	struct rnd_config cfg;
	VkInstance instance;
	VkDebugUtilsMessengerEXT messenger;
	VkPhysicalDevice gpu;
	VkPhysicalDeviceMemoryProperties mem_props;
	VkDevice device;
	uint32_t queue_family;
	VkQueue queue;
	VkCommandPool pool;
	VkSampleCountFlagBits samples;
	VkFormat depth_format;
	bool multiview; /* the device has VK_KHR_multiview's feature, enabled */

	VkSurfaceKHR surface;
	VkSwapchainKHR swapchain;
	VkFormat swap_format;
	VkExtent2D swap_extent;
	uint32_t swap_count;
	VkImage swap_images[RND_MAX_SWAPCHAIN_IMAGES];
	VkSemaphore swap_ready[RND_MAX_SWAPCHAIN_IMAGES]; /* rendering done, per image */
	bool swap_dirty;
	uint32_t swap_index;
	bool swap_acquired;
	bool can_blit;

	/* offscreen target: multisampled colour and depth, resolved into `resolved` */
	uint32_t width, height;
	struct rnd_image colour_ms, depth, resolved;
	VkRenderPass pass;
	VkFramebuffer framebuffer;
	struct rnd_buffer readback;

	VkDescriptorSetLayout set_layout;
	VkDescriptorPool desc_pool;
	VkPipelineLayout layout;
	VkPipeline pipe_sprite, pipe_decal, pipe_avatar, pipe_ui;
	VkSampler sampler_pixel, sampler_linear;

	struct rnd_image atlas, font;
	uint32_t atlas_w, atlas_h;
	VkDescriptorSet atlas_set, font_set;
	struct rnd_image boards[RND_BOARD_IMAGES]; /* rnd_set_board_image */
	uint32_t board_w[RND_BOARD_IMAGES], board_h[RND_BOARD_IMAGES];
	VkDescriptorSet board_sets[RND_BOARD_IMAGES];
	float atlas_strip_v; /* where the renderer's own shapes start in the atlas */

	struct rnd_buffer statics; /* tile sprites of the world */
	uint32_t static_count;
	struct rnd_buffer mesh;
	uint32_t mesh_vertices;

	struct rnd_frame frames[RND_FRAMES_IN_FLIGHT];
	uint32_t frame_index;
	struct rnd_frame *cur;
	uint64_t frame_start_ns;

	/* the world as projected */
	float tile_m, iso_x, iso_y; /* px per metre along x-y and x+y */
	float key_min, key_max;
	struct rnd_camera cam;
	struct rnd_push push;

	struct rnd_font_face fonts[RND_FONT_COUNT];
	uint32_t font_w, font_h;

	struct rnd_stats stats;

	struct rnd_xr_scene *xr; /* rnd_xr.c: the VR scene, NULL on the desktop */
};

/* rnd_device.c: instance, device, memory, uploads */
enum core_result rnd_device_create(struct rnd *r) CORE_MUST_CHECK;
void rnd_device_destroy(struct rnd *r);
enum core_result rnd_image_create(struct rnd *r, uint32_t w, uint32_t h, VkFormat format,
				  VkSampleCountFlagBits samples, VkImageUsageFlags usage,
				  VkImageAspectFlags aspect, struct rnd_image *out) CORE_MUST_CHECK;
/** The same with `layers` array layers (a 2D array view when more than one). */
enum core_result rnd_image_create_layers(struct rnd *r, uint32_t w, uint32_t h, uint32_t layers,
					 VkFormat format, VkSampleCountFlagBits samples,
					 VkImageUsageFlags usage, VkImageAspectFlags aspect,
					 struct rnd_image *out) CORE_MUST_CHECK;
void rnd_barrier(VkCommandBuffer cmd, VkImage image, VkImageLayout from, VkImageLayout to,
		 VkAccessFlags src_access, VkAccessFlags dst_access, VkPipelineStageFlags src,
		 VkPipelineStageFlags dst);
enum core_result rnd_buffer_create(struct rnd *r, VkDeviceSize size, VkBufferUsageFlags usage,
				   struct rnd_buffer *out) CORE_MUST_CHECK;
void rnd_buffer_destroy(struct rnd *r, struct rnd_buffer *b);
/** A sampled RGBA8 (or R8) image filled from pixels through a staging copy. */
enum core_result rnd_texture_create(struct rnd *r, uint32_t w, uint32_t h, VkFormat format,
				    const void *pixels, size_t bytes,
				    struct rnd_image *out) CORE_MUST_CHECK;
void rnd_image_destroy(struct rnd *r, struct rnd_image *img);
/** New pixels for a texture rnd_texture_create made (the same size and
 * format); frames already submitted finish with the old ones. */
enum core_result rnd_texture_update(struct rnd *r, struct rnd_image *img, uint32_t w, uint32_t h,
				    const void *pixels, size_t bytes) CORE_MUST_CHECK;
uint64_t rnd_now_ns(void);

/* rnd_target.c: the render pass, the offscreen target, the swapchain */
enum core_result rnd_target_create(struct rnd *r) CORE_MUST_CHECK;
void rnd_target_destroy(struct rnd *r);
/** The window's next image for frame f (true at once when headless);
 * false when there is none to draw into now (minimised, rebuilt). */
bool rnd_target_acquire(struct rnd *r, struct rnd_frame *f);
/** After the render pass: the copy to the window's image, the read-back. */
void rnd_target_record(struct rnd *r, VkCommandBuffer cmd, bool readback);
void rnd_target_present(struct rnd *r);
enum core_result rnd_target_write_png(struct rnd *r, const char *path) CORE_MUST_CHECK;

/* rnd_pipe.c */
struct rnd_shader_pair {
	const uint32_t *vert, *frag;
	size_t vert_size, frag_size;
};
#define RND_SHADERS(v, f) {v, f, sizeof(v), sizeof(f)}

struct rnd_pipe_desc {
	struct rnd_shader_pair shaders;
	const VkVertexInputBindingDescription *bindings;
	uint32_t binding_count;
	const VkVertexInputAttributeDescription *attrs;
	uint32_t attr_count;
	bool depth_test, depth_write, blend;
	VkPipelineLayout layout; /* 0: the desktop's */
	VkRenderPass pass;       /* 0: the desktop's offscreen pass */
	VkSampleCountFlagBits samples; /* 0: the desktop's */
	const VkSpecializationInfo *frag_spec; /* the fragment shader's constants, or NULL */
};
enum core_result rnd_pipeline_make(struct rnd *r, const struct rnd_pipe_desc *d,
				   VkPipeline *out) CORE_MUST_CHECK;
enum core_result rnd_pipelines_create(struct rnd *r) CORE_MUST_CHECK;
/** A pipeline layout: the one texture set and push_size bytes of push
 * constants for push_stages. */
enum core_result rnd_layout_make(struct rnd *r, VkShaderStageFlags push_stages, uint32_t push_size,
				 VkPipelineLayout *out) CORE_MUST_CHECK;
/** The avatar figure's vertex inputs (the mesh and the instances) into d. */
void rnd_avatar_inputs(struct rnd_pipe_desc *d);
void rnd_pipelines_destroy(struct rnd *r);
VkDescriptorSet rnd_texture_set(struct rnd *r, const struct rnd_image *img, VkSampler sampler);

/* rnd_font.c */
enum core_result rnd_fonts_create(struct rnd *r) CORE_MUST_CHECK;
/** Lays out utf8 from (x, y) (its top left, pixels) as rnd_text does and
 * hands fn each glyph's rectangle (x, y, w, h) and atlas uv (u0, v0, u1,
 * v1); fn returns false to stop. Returns the width. */
float rnd_glyphs(const struct rnd *r, enum rnd_font font, float x, float y, const char *utf8,
		 bool (*fn)(void *user, const float rect[4], const float uv[4]), void *user);
/** Where the font atlas is solid white (plates behind text). */
void rnd_white_uv(const struct rnd *r, float uv[2]);
/** The frame's next UI quad, or NULL when the frame is full (counted). */
struct rnd_ui_inst *rnd_ui_slot(struct rnd *r);

/* rnd_board.c */
void rnd_boards_destroy(struct rnd *r);

/* rnd_mesh.c: the avatar figure, in metres, facing +x */
uint32_t rnd_avatar_mesh(struct rnd_avatar_vertex *out, uint32_t max);

/* rnd_xr.c */
void rnd_xr_destroy(struct rnd *r);
/** The VR room's triangles freed (the world is going). */
void rnd_xr_room_destroy(struct rnd *r);

/* rnd_world.c */
void rnd_world_destroy(struct rnd *r);
/** Records the frame's draws into r->cur->cmd inside the render pass. */
void rnd_record_draws(struct rnd *r, VkCommandBuffer cmd);
void rnd_update_push(struct rnd *r);
/** World metres to iso pixels at zoom 1. */
void rnd_iso_px(const struct rnd *r, float x, float y, float z, float *px, float *py);

uint32_t rnd_rgba(uint32_t argb);

#define RND_VK(call)                                                                     \
	do {                                                                             \
		VkResult vk_result_ = (call);                                            \
		if (vk_result_ != VK_SUCCESS) {                                          \
			CORE_ERROR("Vulkan: %s failed (%d)", #call, (int)vk_result_);    \
			return vk_result_ == VK_ERROR_OUT_OF_HOST_MEMORY ||              \
					       vk_result_ == VK_ERROR_OUT_OF_DEVICE_MEMORY \
				       ? CORE_ERR_NOMEM                                  \
				       : CORE_ERR_IO;                                    \
		}                                                                        \
	} while (0)
