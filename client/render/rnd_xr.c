/*
 * rnd_xr.c: the VR scene (rnd_xr.h): its target (the runtime's swapchain
 * images, a depth image, one multiview pass or a pass per eye), its three
 * pipelines (flat-shaded triangles, the avatar figure in 3D, board images)
 * and its frame: the room's static mesh, the frame's boxes, the avatars
 * rnd_draw_avatar gathered, the boards. The room's triangles come from
 * rnd_room.c.
 */
#include "rnd_room.h"
#include "rnd_vk.h"
#include "rnd_xr.h"

#include <stdlib.h>
#include <string.h>

/* Each vertex shader twice: a pass an eye, and both in one multiview pass. */
static const uint32_t spv_xr_flat_vert[] =
#include "xr_flat.vert.inc"
	;
static const uint32_t spv_xr_flat_mv_vert[] =
#include "xr_flat_mv.vert.inc"
	;
static const uint32_t spv_xr_avatar_vert[] =
#include "avatar_xr.vert.inc"
	;
static const uint32_t spv_xr_avatar_mv_vert[] =
#include "avatar_xr_mv.vert.inc"
	;
static const uint32_t spv_xr_board_vert[] =
#include "xr_board.vert.inc"
	;
static const uint32_t spv_xr_board_mv_vert[] =
#include "xr_board_mv.vert.inc"
	;
static const uint32_t spv_xr_text_vert[] =
#include "xr_text.vert.inc"
	;
static const uint32_t spv_xr_text_mv_vert[] =
#include "xr_text_mv.vert.inc"
	;
static const uint32_t spv_xr_text_frag[] =
#include "xr_text.frag.inc"
	;
static const uint32_t spv_xr_flat_frag[] =
#include "xr_flat.frag.inc"
	;
static const uint32_t spv_xr_board_frag[] =
#include "xr_board.frag.inc"
	;

struct rnd_xr_push {
	float view_proj[2][16];
};

struct board_vertex {
	float pos[3];
	float uv[2];
};

/* layout(location = 0..2) in xr_text.vert */
struct text_vertex {
	float pos[3];
	float uv[2];
	uint32_t rgba; /* R8G8B8A8 unorm */
};

struct rnd_xr_scene {
	struct rnd_xr_target target;
	uint32_t passes; /* 1 multiview, 2 one per eye */
	bool srgb;       /* the images encode: the shaders write linear colour */
	VkRenderPass pass;
	struct rnd_image depth[2];
	VkImageView views[2][RND_XR_MAX_IMAGES];
	VkFramebuffer fbs[2][RND_XR_MAX_IMAGES];
	VkPipelineLayout layout;
	VkPipeline pipe_flat, pipe_avatar, pipe_board, pipe_text;

	struct rnd_buffer room; /* the room's triangles (rnd_room.c) */
	uint32_t room_vertices;

	struct rnd_buffer boxes[RND_FRAMES_IN_FLIGHT]; /* 36 vertices a box */
	struct rnd_buffer boards[RND_FRAMES_IN_FLIGHT]; /* 6 vertices a board slot */
	struct rnd_buffer texts[RND_FRAMES_IN_FLIGHT];  /* labels: 6 vertices a glyph or plate */
	uint32_t text_count; /* vertices this frame */
	uint32_t flat_count; /* vertices in this frame's boxes buffer */
	uint32_t box_count;
	uint8_t board_mask; /* this frame's boards on their walls */
	uint64_t begin_ns;
	struct rnd_xr_stats stats;
};

bool rnd_xr_multiview(const struct rnd *r, int want)
{
	if (!r->multiview) {
		if (want == 1)
			CORE_WARN("the Vulkan device '%s' has no multiview: a pass an eye",
				  r->stats.device_name);
		return false;
	}
	if (want == -1 && !strncmp(r->stats.device_name, "llvmpipe", 8)) {
		CORE_INFO("multiview off on %s: its multiview drops triangles that need clipping in "
			  "the second eye; a pass an eye (--xr-multiview on to force it)",
			  r->stats.device_name);
		return false;
	}
	return want != 0;
}

const int64_t *rnd_xr_formats(uint32_t *out_count)
{
	/* sRGB first: the runtime composites in linear light. */
	static const int64_t formats[] = {VK_FORMAT_R8G8B8A8_SRGB, VK_FORMAT_B8G8R8A8_SRGB,
					  VK_FORMAT_R8G8B8A8_UNORM, VK_FORMAT_B8G8R8A8_UNORM};
	*out_count = (uint32_t)CORE_ARRAY_LEN(formats);
	return formats;
}

const struct rnd_xr_stats *rnd_xr_get_stats(const struct rnd *r)
{
	static const struct rnd_xr_stats none;
	return r->xr ? &r->xr->stats : &none;
}

void rnd_xr_vulkan(const struct rnd *r, void **instance, void **physical_device, void **device,
		   uint32_t *queue_family, uint32_t *queue_index)
{
	*instance = r->instance;
	*physical_device = r->gpu;
	*device = r->device;
	*queue_family = r->queue_family;
	*queue_index = 0;
}

/* ---- the scene's own objects ----------------------------------------------- */

static enum core_result scene_create(struct rnd *r)
{
	if (r->xr)
		return CORE_OK;
	struct rnd_xr_scene *x = calloc(1, sizeof(*x));
	if (!x)
		return CORE_ERR_NOMEM;
	r->xr = x;
	enum core_result res = rnd_layout_make(r, VK_SHADER_STAGE_VERTEX_BIT,
					       sizeof(struct rnd_xr_push), &x->layout);
	if (res != CORE_OK)
		return res;
	for (int i = 0; i < RND_FRAMES_IN_FLIGHT; i++) {
		if ((res = rnd_buffer_create(r, sizeof(struct rnd_room_vertex) * 36 * RND_XR_MAX_BOXES,
					     VK_BUFFER_USAGE_VERTEX_BUFFER_BIT, &x->boxes[i])) ||
		    (res = rnd_buffer_create(r, sizeof(struct board_vertex) * 6 * RND_BOARD_IMAGES,
					     VK_BUFFER_USAGE_VERTEX_BUFFER_BIT, &x->boards[i])) ||
		    (res = rnd_buffer_create(r, sizeof(struct text_vertex) * 6 * RND_XR_MAX_GLYPHS,
					     VK_BUFFER_USAGE_VERTEX_BUFFER_BIT, &x->texts[i])))
			return res;
	}
	return CORE_OK;
}

static void target_destroy(struct rnd *r, struct rnd_xr_scene *x)
{
	VkPipeline *pipes[] = {&x->pipe_flat, &x->pipe_avatar, &x->pipe_board, &x->pipe_text};
	for (size_t i = 0; i < CORE_ARRAY_LEN(pipes); i++) {
		if (*pipes[i])
			vkDestroyPipeline(r->device, *pipes[i], NULL);
		*pipes[i] = VK_NULL_HANDLE;
	}
	for (int e = 0; e < 2; e++) {
		for (uint32_t i = 0; i < RND_XR_MAX_IMAGES; i++) {
			if (x->fbs[e][i])
				vkDestroyFramebuffer(r->device, x->fbs[e][i], NULL);
			if (x->views[e][i])
				vkDestroyImageView(r->device, x->views[e][i], NULL);
			x->fbs[e][i] = VK_NULL_HANDLE;
			x->views[e][i] = VK_NULL_HANDLE;
		}
		rnd_image_destroy(r, &x->depth[e]);
	}
	if (x->pass)
		vkDestroyRenderPass(r->device, x->pass, NULL);
	x->pass = VK_NULL_HANDLE;
}

void rnd_xr_room_destroy(struct rnd *r)
{
	if (!r->xr)
		return;
	rnd_buffer_destroy(r, &r->xr->room);
	r->xr->room_vertices = 0;
}

void rnd_xr_clear_target(struct rnd *r)
{
	if (!r->xr)
		return;
	vkDeviceWaitIdle(r->device);
	target_destroy(r, r->xr);
}

void rnd_xr_destroy(struct rnd *r)
{
	struct rnd_xr_scene *x = r->xr;
	if (!x)
		return;
	target_destroy(r, x);
	rnd_buffer_destroy(r, &x->room);
	for (int i = 0; i < RND_FRAMES_IN_FLIGHT; i++) {
		rnd_buffer_destroy(r, &x->boxes[i]);
		rnd_buffer_destroy(r, &x->boards[i]);
		rnd_buffer_destroy(r, &x->texts[i]);
	}
	if (x->layout)
		vkDestroyPipelineLayout(r->device, x->layout, NULL);
	free(x);
	r->xr = NULL;
}

/* ---- the target ------------------------------------------------------------ */

static enum core_result create_pass(struct rnd *r, struct rnd_xr_scene *x)
{
	VkAttachmentDescription att[2] = {
		{
			.format = (VkFormat)x->target.format,
			.samples = VK_SAMPLE_COUNT_1_BIT,
			.loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR,
			.storeOp = VK_ATTACHMENT_STORE_OP_STORE,
			.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE,
			.stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE,
			/* The runtime hands images over in this layout and wants them back in it
			 * (XR_KHR_vulkan_enable2). */
			.initialLayout = VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL,
			.finalLayout = VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL,
		},
		{
			.format = r->depth_format,
			.samples = VK_SAMPLE_COUNT_1_BIT,
			.loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR,
			.storeOp = VK_ATTACHMENT_STORE_OP_DONT_CARE,
			.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE,
			.stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE,
			.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED,
			.finalLayout = VK_IMAGE_LAYOUT_DEPTH_STENCIL_ATTACHMENT_OPTIMAL,
		},
	};
	VkAttachmentReference colour = {0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
	VkAttachmentReference depth = {1, VK_IMAGE_LAYOUT_DEPTH_STENCIL_ATTACHMENT_OPTIMAL};
	VkSubpassDescription sub = {
		.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS,
		.colorAttachmentCount = 1,
		.pColorAttachments = &colour,
		.pDepthStencilAttachment = &depth,
	};
	/* The last frame's use of the image (the runtime's reads, our writes)
	 * before this frame's clear. */
	VkSubpassDependency dep = {
		.srcSubpass = VK_SUBPASS_EXTERNAL,
		.dstSubpass = 0,
		.srcStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT |
				VK_PIPELINE_STAGE_LATE_FRAGMENT_TESTS_BIT,
		.dstStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT |
				VK_PIPELINE_STAGE_EARLY_FRAGMENT_TESTS_BIT,
		.srcAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT |
				 VK_ACCESS_DEPTH_STENCIL_ATTACHMENT_WRITE_BIT,
		.dstAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT |
				 VK_ACCESS_DEPTH_STENCIL_ATTACHMENT_READ_BIT |
				 VK_ACCESS_DEPTH_STENCIL_ATTACHMENT_WRITE_BIT,
	};
	const uint32_t view_mask = 0x3, correlation = 0x3;
	VkRenderPassMultiviewCreateInfo mv = {
		.sType = VK_STRUCTURE_TYPE_RENDER_PASS_MULTIVIEW_CREATE_INFO,
		.subpassCount = 1,
		.pViewMasks = &view_mask,
		.correlationMaskCount = 1,
		.pCorrelationMasks = &correlation,
	};
	VkRenderPassCreateInfo ci = {
		.sType = VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO,
		.pNext = x->target.multiview ? &mv : NULL,
		.attachmentCount = 2,
		.pAttachments = att,
		.subpassCount = 1,
		.pSubpasses = &sub,
		.dependencyCount = 1,
		.pDependencies = &dep,
	};
	RND_VK(vkCreateRenderPass(r->device, &ci, NULL, &x->pass));
	return CORE_OK;
}

static enum core_result create_framebuffers(struct rnd *r, struct rnd_xr_scene *x)
{
	const struct rnd_xr_target *t = &x->target;
	uint32_t layers = t->multiview ? 2 : 1;
	for (uint32_t e = 0; e < x->passes; e++) {
		enum core_result res = rnd_image_create_layers(
			r, t->width, t->height, layers, r->depth_format, VK_SAMPLE_COUNT_1_BIT,
			VK_IMAGE_USAGE_DEPTH_STENCIL_ATTACHMENT_BIT, VK_IMAGE_ASPECT_DEPTH_BIT,
			&x->depth[e]);
		if (res != CORE_OK)
			return res;
		for (uint32_t i = 0; i < t->image_count[e]; i++) {
			VkImageViewCreateInfo vci = {
				.sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO,
				.image = (VkImage)(uintptr_t)t->images[e][i],
				.viewType = layers > 1 ? VK_IMAGE_VIEW_TYPE_2D_ARRAY
						       : VK_IMAGE_VIEW_TYPE_2D,
				.format = (VkFormat)t->format,
				.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, layers},
			};
			RND_VK(vkCreateImageView(r->device, &vci, NULL, &x->views[e][i]));
			VkImageView atts[2] = {x->views[e][i], x->depth[e].view};
			VkFramebufferCreateInfo fci = {
				.sType = VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO,
				.renderPass = x->pass,
				.attachmentCount = 2,
				.pAttachments = atts,
				.width = t->width,
				.height = t->height,
				.layers = 1, /* multiview: the view mask picks the layers */
			};
			RND_VK(vkCreateFramebuffer(r->device, &fci, NULL, &x->fbs[e][i]));
		}
	}
	return CORE_OK;
}

#define F3 VK_FORMAT_R32G32B32_SFLOAT
#define F2 VK_FORMAT_R32G32_SFLOAT
#define F4 VK_FORMAT_R32G32B32A32_SFLOAT
#define F1 VK_FORMAT_R32_SFLOAT
#define U8X4 VK_FORMAT_R8G8B8A8_UNORM

static enum core_result create_pipelines(struct rnd *r, struct rnd_xr_scene *x)
{
	bool mv = x->target.multiview;
	const VkBool32 linear_out = x->srgb;
	const VkSpecializationMapEntry entry = {0, 0, sizeof(VkBool32)};
	const VkSpecializationInfo spec = {1, &entry, sizeof(linear_out), &linear_out};
	const VkVertexInputBindingDescription flat_b = {0, sizeof(struct rnd_room_vertex),
							VK_VERTEX_INPUT_RATE_VERTEX};
	const VkVertexInputAttributeDescription flat_a[] = {
		{0, 0, F3, offsetof(struct rnd_room_vertex, pos)},
		{1, 0, U8X4, offsetof(struct rnd_room_vertex, rgba)},
	};
	struct rnd_pipe_desc flat = {
		.shaders = mv ? (struct rnd_shader_pair)RND_SHADERS(spv_xr_flat_mv_vert, spv_xr_flat_frag)
			      : (struct rnd_shader_pair)RND_SHADERS(spv_xr_flat_vert, spv_xr_flat_frag),
		.frag_spec = &spec,
		.bindings = &flat_b, .binding_count = 1,
		.attrs = flat_a, .attr_count = 2,
		.depth_test = true, .depth_write = true,
		.layout = x->layout, .pass = x->pass, .samples = VK_SAMPLE_COUNT_1_BIT,
	};
	enum core_result res = rnd_pipeline_make(r, &flat, &x->pipe_flat);
	if (res != CORE_OK)
		return res;

	struct rnd_pipe_desc avatar = flat;
	rnd_avatar_inputs(&avatar);
	avatar.shaders = mv ? (struct rnd_shader_pair)RND_SHADERS(spv_xr_avatar_mv_vert, spv_xr_flat_frag)
			    : (struct rnd_shader_pair)RND_SHADERS(spv_xr_avatar_vert, spv_xr_flat_frag);
	if ((res = rnd_pipeline_make(r, &avatar, &x->pipe_avatar)) != CORE_OK)
		return res;

	const VkVertexInputBindingDescription board_b = {0, sizeof(struct board_vertex),
							 VK_VERTEX_INPUT_RATE_VERTEX};
	const VkVertexInputAttributeDescription board_a[] = {
		{0, 0, F3, offsetof(struct board_vertex, pos)},
		{1, 0, F2, offsetof(struct board_vertex, uv)},
	};
	struct rnd_pipe_desc board = flat;
	board.shaders = mv ? (struct rnd_shader_pair)RND_SHADERS(spv_xr_board_mv_vert, spv_xr_board_frag)
			   : (struct rnd_shader_pair)RND_SHADERS(spv_xr_board_vert, spv_xr_board_frag);
	board.bindings = &board_b;
	board.attrs = board_a;
	if ((res = rnd_pipeline_make(r, &board, &x->pipe_board)) != CORE_OK)
		return res;

	/* Labels: blended over what is drawn, tested against it, not writing depth. */
	const VkVertexInputBindingDescription text_b = {0, sizeof(struct text_vertex),
							VK_VERTEX_INPUT_RATE_VERTEX};
	const VkVertexInputAttributeDescription text_a[] = {
		{0, 0, F3, offsetof(struct text_vertex, pos)},
		{1, 0, F2, offsetof(struct text_vertex, uv)},
		{2, 0, U8X4, offsetof(struct text_vertex, rgba)},
	};
	struct rnd_pipe_desc text = flat;
	text.shaders = mv ? (struct rnd_shader_pair)RND_SHADERS(spv_xr_text_mv_vert, spv_xr_text_frag)
			  : (struct rnd_shader_pair)RND_SHADERS(spv_xr_text_vert, spv_xr_text_frag);
	text.bindings = &text_b;
	text.attrs = text_a;
	text.attr_count = 3;
	text.depth_write = false;
	text.blend = true;
	return rnd_pipeline_make(r, &text, &x->pipe_text);
}

enum core_result rnd_xr_set_target(struct rnd *r, const struct rnd_xr_target *t)
{
	if (t->multiview && !r->multiview) {
		CORE_ERROR("the VR target asks for multiview, which the device '%s' lacks",
			   r->stats.device_name);
		return CORE_ERR_INVALID;
	}
	uint32_t passes = t->multiview ? 1 : 2;
	for (uint32_t e = 0; e < passes; e++)
		if (!t->image_count[e] || t->image_count[e] > RND_XR_MAX_IMAGES) {
			CORE_ERROR("a VR swapchain has %u images; the renderer takes 1 to %d",
				   t->image_count[e], RND_XR_MAX_IMAGES);
			return CORE_ERR_INVALID;
		}
	enum core_result res = scene_create(r);
	if (res != CORE_OK)
		return res;
	struct rnd_xr_scene *x = r->xr;
	vkDeviceWaitIdle(r->device);
	target_destroy(r, x);
	x->target = *t;
	x->passes = passes;
	x->srgb = t->format == VK_FORMAT_R8G8B8A8_SRGB || t->format == VK_FORMAT_B8G8R8A8_SRGB;
	if (!x->srgb)
		CORE_WARN("the VR images are not sRGB (format %lld): the runtime may show colours "
			  "too dark or too light",
			  (long long)t->format);
	if ((res = create_pass(r, x)) || (res = create_framebuffers(r, x)) ||
	    (res = create_pipelines(r, x)))
		return res;
	r->stats.width = t->width;
	r->stats.height = t->height;
	return CORE_OK;
}

enum core_result rnd_xr_set_room(struct rnd *r, const struct sim_world *w,
				 const struct sim_world_art *art, const struct rnd_world_images *images)
{
	enum core_result res = scene_create(r);
	if (res != CORE_OK)
		return res;
	struct rnd_xr_scene *x = r->xr;
	vkDeviceWaitIdle(r->device);
	rnd_xr_room_destroy(r);
	struct rnd_room_vertex *v = NULL;
	uint32_t n = 0;
	if ((res = rnd_room_build(w, art, images, &v, &n)) != CORE_OK)
		return res;
	res = rnd_buffer_create(r, sizeof(*v) * CORE_MAX(n, 1u), VK_BUFFER_USAGE_VERTEX_BUFFER_BIT,
				&x->room);
	if (res == CORE_OK) {
		memcpy(x->room.map, v, sizeof(*v) * n);
		x->room_vertices = n;
	}
	free(v);
	return res;
}

/* ---- the frame ------------------------------------------------------------- */

void rnd_xr_frame_begin(struct rnd *r)
{
	struct rnd_frame *f = &r->frames[r->frame_index];
	vkWaitForFences(r->device, 1, &f->done, VK_TRUE, UINT64_MAX);
	r->xr->begin_ns = rnd_now_ns();
	f->decal_count = f->avatar_count = f->ui_count = f->board_at = 0;
	f->walls = 0;
	r->xr->box_count = 0;
	r->xr->flat_count = 0;
	r->xr->text_count = 0;
	r->xr->board_mask = 0;
	r->cur = f;
}

/* Room for n more vertices in this frame's flat buffer, or NULL (counted). */
static struct rnd_room_vertex *flat_slot(struct rnd *r, uint32_t n)
{
	struct rnd_xr_scene *x = r->xr;
	if (!x || !r->cur)
		return NULL;
	if (x->flat_count + n > RND_XR_MAX_BOXES * 36) {
		x->stats.dropped++;
		return NULL;
	}
	struct rnd_room_vertex *v = (struct rnd_room_vertex *)x->boxes[r->frame_index].map + x->flat_count;
	x->flat_count += n;
	return v;
}

void rnd_xr_box(struct rnd *r, const float c[3], const float h[3], const float q[4],
		uint32_t rgb)
{
	struct rnd_room_vertex *v = flat_slot(r, 36);
	if (!v)
		return;
	rnd_room_box(v, c, h, q, rgb);
	r->xr->box_count++;
}

void rnd_xr_quad(struct rnd *r, float p[4][3], uint32_t rgb)
{
	struct rnd_room_vertex *v = flat_slot(r, 6);
	if (!v)
		return;
	static const int order[6] = {0, 1, 2, 0, 2, 3};
	uint32_t rgba = (rgb >> 16 & 0xff) | (rgb & 0xff00) | (rgb & 0xff) << 16 | 0xff000000u;
	for (int k = 0; k < 6; k++) {
		memcpy(v[k].pos, p[order[k]], sizeof(v[k].pos));
		v[k].rgba = rgba;
	}
}

void rnd_wait_idle(struct rnd *r)
{
	vkDeviceWaitIdle(r->device);
}

void rnd_xr_board(struct rnd *r, int slot, float x0_m, float y0_m, float x1_m, float y1_m,
		  float z0_m, float z1_m)
{
	struct rnd_xr_scene *x = r->xr;
	if (!x || !r->cur || slot < 0 || slot >= RND_BOARD_IMAGES || !r->board_sets[slot])
		return;
	struct board_vertex *v = (struct board_vertex *)x->boards[r->frame_index].map + slot * 6;
	const struct board_vertex tl = {{x0_m, y0_m, z1_m}, {0, 0}},
				  tr = {{x1_m, y1_m, z1_m}, {1, 0}},
				  bl = {{x0_m, y0_m, z0_m}, {0, 1}},
				  br = {{x1_m, y1_m, z0_m}, {1, 1}};
	v[0] = tl, v[1] = bl, v[2] = br, v[3] = tl, v[4] = br, v[5] = tr;
	x->board_mask |= (uint8_t)(1u << slot);
}

struct label_layout {
	struct rnd_xr_scene *x;
	struct text_vertex *v;
	float origin[3], right[3], up[3]; /* the label's top left; a pixel along, a pixel down */
	uint32_t rgba;
};

/* A quad of the label: rect in the label's pixels (x, y, w, h; y down). */
static bool label_quad(void *user, const float rect[4], const float uv[4])
{
	struct label_layout *l = user;
	if (l->x->text_count + 6 > RND_XR_MAX_GLYPHS * 6)
		return false;
	const float px[4] = {rect[0], rect[0] + rect[2], rect[0] + rect[2], rect[0]};
	const float py[4] = {rect[1], rect[1], rect[1] + rect[3], rect[1] + rect[3]};
	const float u[4] = {uv[0], uv[2], uv[2], uv[0]}, v[4] = {uv[1], uv[1], uv[3], uv[3]};
	static const int order[6] = {0, 1, 2, 0, 2, 3};
	struct text_vertex *out = l->v + l->x->text_count;
	for (int k = 0; k < 6; k++) {
		int c = order[k];
		for (int i = 0; i < 3; i++)
			out[k].pos[i] = l->origin[i] + l->right[i] * px[c] - l->up[i] * py[c];
		out[k].uv[0] = u[c];
		out[k].uv[1] = v[c];
		out[k].rgba = l->rgba;
	}
	l->x->text_count += 6;
	return true;
}

void rnd_xr_label(struct rnd *r, const float c[3], const float right[3], float height_m,
		  uint32_t argb, const char *utf8)
{
	struct rnd_xr_scene *x = r->xr;
	if (!x || !r->cur || !utf8[0])
		return;
	const enum rnd_font font = RND_FONT_LARGE;
	float w = rnd_text_width(r, font, utf8), h = rnd_line_height(r, font);
	float k = height_m / h, pad = h * 0.3f;
	struct label_layout l = {.x = x, .v = x->texts[r->frame_index].map};
	for (int i = 0; i < 3; i++) {
		l.right[i] = right[i] * k;
		l.up[i] = (i == 2 ? 1.0f : 0.0f) * k;
		l.origin[i] = c[i] - l.right[i] * (w * 0.5f) + l.up[i] * (h * 0.5f);
	}
	/* the plate: the atlas's white corner, darkened and translucent */
	float white[2];
	rnd_white_uv(r, white);
	l.rgba = rnd_rgba(0xb0101218u);
	const float plate[4] = {-pad, -pad * 0.5f, w + pad * 2.0f, h + pad};
	const float plate_uv[4] = {white[0], white[1], white[0], white[1]};
	if (!label_quad(&l, plate, plate_uv)) {
		x->stats.dropped++;
		return;
	}
	l.rgba = rnd_rgba(argb);
	rnd_glyphs(r, font, 0, 0, utf8, label_quad, &l);
}

/* One eye's pass (or both, multiview); returns the draws. */
static uint32_t record_pass(struct rnd *r, struct rnd_frame *f, uint32_t e, uint32_t image,
			    const struct rnd_xr_push *push)
{
	struct rnd_xr_scene *x = r->xr;
	VkCommandBuffer cmd = f->cmd;
	/* a pale sky past the walls: sRGB (0.62, 0.70, 0.78), linear for an sRGB image */
	VkClearValue clear[2] = {
		{.color = {{x->srgb ? 0.342f : 0.62f, x->srgb ? 0.448f : 0.70f,
			    x->srgb ? 0.571f : 0.78f, 1.0f}}},
		{.depthStencil = {1.0f, 0}},
	};
	VkRenderPassBeginInfo rbi = {
		.sType = VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO,
		.renderPass = x->pass,
		.framebuffer = x->fbs[e][image],
		.renderArea = {{0, 0}, {x->target.width, x->target.height}},
		.clearValueCount = 2,
		.pClearValues = clear,
	};
	vkCmdBeginRenderPass(cmd, &rbi, VK_SUBPASS_CONTENTS_INLINE);
	VkViewport vp = {0, 0, (float)x->target.width, (float)x->target.height, 0.0f, 1.0f};
	VkRect2D scissor = {{0, 0}, {x->target.width, x->target.height}};
	vkCmdSetViewport(cmd, 0, 1, &vp);
	vkCmdSetScissor(cmd, 0, 1, &scissor);
	vkCmdPushConstants(cmd, x->layout, VK_SHADER_STAGE_VERTEX_BIT, 0, sizeof(*push), push);
	uint32_t draws = 0;
	VkDeviceSize zero = 0;
	vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, x->pipe_flat);
	if (x->room_vertices) {
		vkCmdBindVertexBuffers(cmd, 0, 1, &x->room.buf, &zero);
		vkCmdDraw(cmd, x->room_vertices, 1, 0, 0);
		draws++;
	}
	if (x->flat_count) {
		vkCmdBindVertexBuffers(cmd, 0, 1, &x->boxes[r->frame_index].buf, &zero);
		vkCmdDraw(cmd, x->flat_count, 1, 0, 0);
		draws++;
	}
	if (f->avatar_count) {
		vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, x->pipe_avatar);
		VkBuffer bufs[2] = {r->mesh.buf, f->avatars.buf};
		VkDeviceSize offs[2] = {0, 0};
		vkCmdBindVertexBuffers(cmd, 0, 2, bufs, offs);
		vkCmdDraw(cmd, r->mesh_vertices, f->avatar_count, 0, 0);
		draws++;
	}
	if (x->board_mask) {
		vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, x->pipe_board);
		vkCmdBindVertexBuffers(cmd, 0, 1, &x->boards[r->frame_index].buf, &zero);
		for (uint32_t s = 0; s < RND_BOARD_IMAGES; s++) {
			if (!(x->board_mask & (1u << s)))
				continue;
			vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, x->layout, 0, 1,
						&r->board_sets[s], 0, NULL);
			vkCmdDraw(cmd, 6, 1, s * 6, 0);
			draws++;
		}
	}
	if (x->text_count) { /* last: blended over everything else */
		vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, x->pipe_text);
		vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, x->layout, 0, 1,
					&r->font_set, 0, NULL);
		vkCmdBindVertexBuffers(cmd, 0, 1, &x->texts[r->frame_index].buf, &zero);
		vkCmdDraw(cmd, x->text_count, 1, 0, 0);
		draws++;
	}
	vkCmdEndRenderPass(cmd);
	return draws;
}

static enum core_result record_and_submit(struct rnd *r, struct rnd_frame *f,
					  const uint32_t image[2], float view_proj[2][16])
{
	struct rnd_xr_scene *x = r->xr;
	VkCommandBuffer cmd = f->cmd;
	RND_VK(vkResetCommandBuffer(cmd, 0));
	VkCommandBufferBeginInfo bi = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
		.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
	};
	RND_VK(vkBeginCommandBuffer(cmd, &bi));
	struct rnd_xr_push push;
	uint32_t draws = 0;
	if (x->passes == 1) {
		memcpy(push.view_proj, view_proj, sizeof(push.view_proj));
		draws = record_pass(r, f, 0, image[0], &push);
	} else {
		for (uint32_t e = 0; e < 2; e++) {
			memcpy(push.view_proj[0], view_proj[e], sizeof(push.view_proj[0]));
			memcpy(push.view_proj[1], view_proj[e], sizeof(push.view_proj[1]));
			draws = record_pass(r, f, e, image[e], &push);
		}
	}
	RND_VK(vkEndCommandBuffer(cmd));
	VkSubmitInfo si = {
		.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
		.commandBufferCount = 1,
		.pCommandBuffers = &cmd,
	};
	/* Unsignalled only now: a failure before leaves the slot waitable. */
	RND_VK(vkResetFences(r->device, 1, &f->done));
	RND_VK(vkQueueSubmit(r->queue, 1, &si, f->done));
	x->stats.draws_per_eye = draws;
	return CORE_OK;
}

enum core_result rnd_xr_frame_end(struct rnd *r, const uint32_t image[2],
				  float view_proj[2][16])
{
	struct rnd_xr_scene *x = r->xr;
	struct rnd_frame *f = r->cur;
	r->cur = NULL;
	if (!x || !f || !x->pass)
		return CORE_ERR_INVALID;
	for (uint32_t e = 0; e < x->passes; e++)
		if (image[e] >= x->target.image_count[e])
			return CORE_ERR_INVALID;
	enum core_result res = record_and_submit(r, f, image, view_proj);
	if (res != CORE_OK)
		return res;
	x->stats.cpu_ms = (double)(rnd_now_ns() - x->begin_ns) / 1e6;
	x->stats.boxes = x->box_count;
	x->stats.avatars = f->avatar_count;
	r->stats.avatars = f->avatar_count;
	r->frame_index = (r->frame_index + 1) % RND_FRAMES_IN_FLIGHT;
	return CORE_OK;
}
