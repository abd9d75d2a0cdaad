/*
 * rnd_frame.c: the renderer as the app sees it: made (the device, then its
 * target, the frames in flight, the pipelines, the fonts) and freed, and a
 * frame at a time: begin (wait for the frame's fence, take the target's
 * next image), the scene's draws, end (record, submit, present or read
 * back). Nothing is created per frame.
 */
#include "rnd_vk.h"

#include <stdlib.h>
#include <string.h>

/* ---- create and destroy ----------------------------------------------------- */

static enum core_result create_frames(struct rnd *r)
{
	VkCommandBufferAllocateInfo ai = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
		.commandPool = r->pool,
		.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
		.commandBufferCount = 1,
	};
	VkFenceCreateInfo fci = {
		.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO,
		.flags = VK_FENCE_CREATE_SIGNALED_BIT,
	};
	VkSemaphoreCreateInfo sci = {.sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
	for (int i = 0; i < RND_FRAMES_IN_FLIGHT; i++) {
		struct rnd_frame *f = &r->frames[i];
		RND_VK(vkAllocateCommandBuffers(r->device, &ai, &f->cmd));
		RND_VK(vkCreateFence(r->device, &fci, NULL, &f->done));
		RND_VK(vkCreateSemaphore(r->device, &sci, NULL, &f->acquired));
		enum core_result res;
		if ((res = rnd_buffer_create(r, sizeof(struct rnd_sprite_inst) * RND_MAX_DECALS,
					     VK_BUFFER_USAGE_VERTEX_BUFFER_BIT, &f->decals)) ||
		    (res = rnd_buffer_create(r, sizeof(struct rnd_avatar_inst) * RND_MAX_AVATARS,
					     VK_BUFFER_USAGE_VERTEX_BUFFER_BIT, &f->avatars)) ||
		    (res = rnd_buffer_create(r, sizeof(struct rnd_ui_inst) * RND_MAX_UI_QUADS,
					     VK_BUFFER_USAGE_VERTEX_BUFFER_BIT, &f->ui)))
			return res;
	}
	return CORE_OK;
}

enum core_result rnd_create(const struct rnd_config *cfg, struct rnd **out_r)
{
	struct rnd *r = calloc(1, sizeof(*r));
	if (!r)
		return CORE_ERR_NOMEM;
	r->cfg = *cfg;
	r->cam.zoom = 1.0f;
	*out_r = r;
	enum core_result res;
	if ((res = rnd_device_create(r)) || (res = rnd_target_create(r)) || (res = create_frames(r)) ||
	    (res = rnd_pipelines_create(r)) || (res = rnd_fonts_create(r)))
		return res;
	return CORE_OK;
}

void rnd_destroy(struct rnd **pr, uint32_t *out_validation_messages)
{
	struct rnd *r = *pr;
	if (!r)
		return;
	*pr = NULL;
	if (r->device) {
		vkDeviceWaitIdle(r->device);
		rnd_xr_destroy(r);
		rnd_world_destroy(r);
		rnd_image_destroy(r, &r->font);
		rnd_boards_destroy(r);
		for (int i = 0; i < RND_FRAMES_IN_FLIGHT; i++) {
			struct rnd_frame *f = &r->frames[i];
			rnd_buffer_destroy(r, &f->decals);
			rnd_buffer_destroy(r, &f->avatars);
			rnd_buffer_destroy(r, &f->ui);
			if (f->done)
				vkDestroyFence(r->device, f->done, NULL);
			if (f->acquired)
				vkDestroySemaphore(r->device, f->acquired, NULL);
		}
		rnd_buffer_destroy(r, &r->mesh);
		rnd_pipelines_destroy(r);
		rnd_target_destroy(r);
	}
	rnd_device_destroy(r);
	if (out_validation_messages)
		*out_validation_messages = r->stats.validation_messages;
	free(r);
}

/* ---- frames ---------------------------------------------------------------- */

void rnd_resize(struct rnd *r, uint32_t width, uint32_t height)
{
	r->cfg.width = width;
	r->cfg.height = height;
	if (r->surface)
		r->swap_dirty = true;
}

bool rnd_frame_begin(struct rnd *r, const struct rnd_camera *cam)
{
	struct rnd_frame *f = &r->frames[r->frame_index];
	vkWaitForFences(r->device, 1, &f->done, VK_TRUE, UINT64_MAX);
	r->cur = NULL;
	if (!rnd_target_acquire(r, f))
		return false;
	/* CPU time counts from here: the waits for the GPU and the display are over. */
	r->frame_start_ns = rnd_now_ns();
	vkResetFences(r->device, 1, &f->done);
	f->decal_count = f->avatar_count = f->ui_count = f->board_at = 0;
	f->walls = 0;
	r->cur = f;
	r->cam = *cam;
	if (!(r->cam.zoom > 0.05f))
		r->cam.zoom = 0.05f;
	r->push.cut[3] = 0;
	rnd_update_push(r);
	return true;
}

enum core_result rnd_frame_end(struct rnd *r, const char *screenshot_png)
{
	struct rnd_frame *f = r->cur;
	if (!f)
		return CORE_OK;
	VkCommandBuffer cmd = f->cmd;
	RND_VK(vkResetCommandBuffer(cmd, 0));
	VkCommandBufferBeginInfo bi = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
		.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
	};
	RND_VK(vkBeginCommandBuffer(cmd, &bi));
	VkClearValue clear[3] = {
		{.color = {{0.086f, 0.098f, 0.118f, 1.0f}}},
		{.depthStencil = {1.0f, 0}},
		{.color = {{0, 0, 0, 1}}},
	};
	VkRenderPassBeginInfo rbi = {
		.sType = VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO,
		.renderPass = r->pass,
		.framebuffer = r->framebuffer,
		.renderArea = {{0, 0}, {r->width, r->height}},
		.clearValueCount = 3,
		.pClearValues = clear,
	};
	vkCmdBeginRenderPass(cmd, &rbi, VK_SUBPASS_CONTENTS_INLINE);
	rnd_record_draws(r, cmd);
	vkCmdEndRenderPass(cmd);
	rnd_target_record(r, cmd, screenshot_png != NULL);
	RND_VK(vkEndCommandBuffer(cmd));

	VkPipelineStageFlags wait_stage = VK_PIPELINE_STAGE_TRANSFER_BIT;
	VkSubmitInfo si = {
		.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
		.waitSemaphoreCount = r->surface ? 1 : 0,
		.pWaitSemaphores = &f->acquired,
		.pWaitDstStageMask = &wait_stage,
		.commandBufferCount = 1,
		.pCommandBuffers = &cmd,
		.signalSemaphoreCount = r->surface ? 1 : 0,
		.pSignalSemaphores = &r->swap_ready[r->swap_index],
	};
	RND_VK(vkQueueSubmit(r->queue, 1, &si, f->done));
	r->stats.cpu_ms = (double)(rnd_now_ns() - r->frame_start_ns) / 1e6;
	r->stats.avatars = f->avatar_count;
	r->stats.decals = f->decal_count;
	r->stats.ui_quads = f->ui_count;
	r->cur = NULL;
	r->frame_index = (r->frame_index + 1) % RND_FRAMES_IN_FLIGHT;

	rnd_target_present(r);
	if (screenshot_png) {
		vkWaitForFences(r->device, 1, &f->done, VK_TRUE, UINT64_MAX);
		return rnd_target_write_png(r, screenshot_png);
	}
	return CORE_OK;
}

const struct rnd_stats *rnd_get_stats(const struct rnd *r)
{
	return &r->stats;
}
