/*
 * rnd_target.c: the render-target part of the renderer: the render pass,
 * the offscreen target every frame is drawn into (multisampled, resolved),
 * and where it goes: a window's swapchain (copied or blitted), a read-back
 * for screenshots, or nothing more (headless). Built at start-up and again
 * when the window changes size.
 */
#include "rnd_vk.h"

#include <stb_image_write.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- offscreen target and render pass ------------------------------------ */

#define TARGET_FORMAT VK_FORMAT_R8G8B8A8_UNORM

static enum core_result create_pass(struct rnd *r)
{
	bool ms = r->samples != VK_SAMPLE_COUNT_1_BIT;
	VkAttachmentDescription att[3] = {
		{
			.format = TARGET_FORMAT,
			.samples = r->samples,
			.loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR,
			.storeOp = ms ? VK_ATTACHMENT_STORE_OP_DONT_CARE : VK_ATTACHMENT_STORE_OP_STORE,
			.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE,
			.stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE,
			.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED,
			.finalLayout = ms ? VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL
					  : VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
		},
		{
			.format = r->depth_format,
			.samples = r->samples,
			.loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR,
			.storeOp = VK_ATTACHMENT_STORE_OP_DONT_CARE,
			.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE,
			.stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE,
			.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED,
			.finalLayout = VK_IMAGE_LAYOUT_DEPTH_STENCIL_ATTACHMENT_OPTIMAL,
		},
		{
			.format = TARGET_FORMAT,
			.samples = VK_SAMPLE_COUNT_1_BIT,
			.loadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE,
			.storeOp = VK_ATTACHMENT_STORE_OP_STORE,
			.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE,
			.stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE,
			.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED,
			.finalLayout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
		},
	};
	VkAttachmentReference colour = {0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
	VkAttachmentReference depth = {1, VK_IMAGE_LAYOUT_DEPTH_STENCIL_ATTACHMENT_OPTIMAL};
	VkAttachmentReference resolve = {2, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
	VkSubpassDescription sub = {
		.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS,
		.colorAttachmentCount = 1,
		.pColorAttachments = &colour,
		.pResolveAttachments = ms ? &resolve : NULL,
		.pDepthStencilAttachment = &depth,
	};
	/* The previous frame's blit or copy reads the target; this one writes it. */
	VkSubpassDependency deps[2] = {
		{
			.srcSubpass = VK_SUBPASS_EXTERNAL,
			.dstSubpass = 0,
			.srcStageMask = VK_PIPELINE_STAGE_TRANSFER_BIT |
					VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT |
					VK_PIPELINE_STAGE_LATE_FRAGMENT_TESTS_BIT,
			.dstStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT |
					VK_PIPELINE_STAGE_EARLY_FRAGMENT_TESTS_BIT,
			.srcAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT |
					 VK_ACCESS_DEPTH_STENCIL_ATTACHMENT_WRITE_BIT,
			.dstAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT |
					 VK_ACCESS_COLOR_ATTACHMENT_READ_BIT |
					 VK_ACCESS_DEPTH_STENCIL_ATTACHMENT_READ_BIT |
					 VK_ACCESS_DEPTH_STENCIL_ATTACHMENT_WRITE_BIT,
		},
		{
			.srcSubpass = 0,
			.dstSubpass = VK_SUBPASS_EXTERNAL,
			.srcStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT,
			.dstStageMask = VK_PIPELINE_STAGE_TRANSFER_BIT,
			.srcAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT,
			.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT,
		},
	};
	VkRenderPassCreateInfo rpci = {
		.sType = VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO,
		.attachmentCount = ms ? 3 : 2,
		.pAttachments = att,
		.subpassCount = 1,
		.pSubpasses = &sub,
		.dependencyCount = 2,
		.pDependencies = deps,
	};
	RND_VK(vkCreateRenderPass(r->device, &rpci, NULL, &r->pass));
	return CORE_OK;
}

static void destroy_target(struct rnd *r)
{
	if (r->framebuffer)
		vkDestroyFramebuffer(r->device, r->framebuffer, NULL);
	r->framebuffer = VK_NULL_HANDLE;
	rnd_image_destroy(r, &r->colour_ms);
	rnd_image_destroy(r, &r->depth);
	rnd_image_destroy(r, &r->resolved);
	rnd_buffer_destroy(r, &r->readback);
}

static enum core_result create_target(struct rnd *r, uint32_t w, uint32_t h)
{
	bool ms = r->samples != VK_SAMPLE_COUNT_1_BIT;
	enum core_result res;
	VkImageUsageFlags out_usage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT |
				      VK_IMAGE_USAGE_TRANSFER_SRC_BIT;
	if (ms) {
		res = rnd_image_create(r, w, h, TARGET_FORMAT, r->samples,
				   VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT |
					   VK_IMAGE_USAGE_TRANSIENT_ATTACHMENT_BIT,
				   VK_IMAGE_ASPECT_COLOR_BIT, &r->colour_ms);
		if (res != CORE_OK)
			return res;
	}
	if ((res = rnd_image_create(r, w, h, TARGET_FORMAT, VK_SAMPLE_COUNT_1_BIT, out_usage,
				VK_IMAGE_ASPECT_COLOR_BIT, &r->resolved)) != CORE_OK)
		return res;
	if ((res = rnd_image_create(r, w, h, r->depth_format, r->samples,
				VK_IMAGE_USAGE_DEPTH_STENCIL_ATTACHMENT_BIT,
				VK_IMAGE_ASPECT_DEPTH_BIT, &r->depth)) != CORE_OK)
		return res;
	VkImageView views[3] = {ms ? r->colour_ms.view : r->resolved.view, r->depth.view,
				r->resolved.view};
	VkFramebufferCreateInfo fci = {
		.sType = VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO,
		.renderPass = r->pass,
		.attachmentCount = ms ? 3 : 2,
		.pAttachments = views,
		.width = w,
		.height = h,
		.layers = 1,
	};
	RND_VK(vkCreateFramebuffer(r->device, &fci, NULL, &r->framebuffer));
	if ((res = rnd_buffer_create(r, (VkDeviceSize)w * h * 4, VK_BUFFER_USAGE_TRANSFER_DST_BIT,
				     &r->readback)) != CORE_OK)
		return res;
	r->width = w;
	r->height = h;
	r->stats.width = w;
	r->stats.height = h;
	return CORE_OK;
}

/* ---- swapchain ------------------------------------------------------------ */

static void destroy_swapchain(struct rnd *r)
{
	for (uint32_t i = 0; i < r->swap_count; i++)
		if (r->swap_ready[i])
			vkDestroySemaphore(r->device, r->swap_ready[i], NULL);
	memset(r->swap_ready, 0, sizeof(r->swap_ready));
	if (r->swapchain)
		vkDestroySwapchainKHR(r->device, r->swapchain, NULL);
	r->swapchain = VK_NULL_HANDLE;
	r->swap_count = 0;
}

static VkPresentModeKHR present_mode(struct rnd *r)
{
	if (r->cfg.vsync)
		return VK_PRESENT_MODE_FIFO_KHR;
	uint32_t n = 0;
	vkGetPhysicalDeviceSurfacePresentModesKHR(r->gpu, r->surface, &n, NULL);
	VkPresentModeKHR modes[16];
	n = CORE_MIN(n, 16u);
	vkGetPhysicalDeviceSurfacePresentModesKHR(r->gpu, r->surface, &n, modes);
	VkPresentModeKHR best = VK_PRESENT_MODE_FIFO_KHR;
	for (uint32_t i = 0; i < n; i++) {
		if (modes[i] == VK_PRESENT_MODE_IMMEDIATE_KHR)
			return modes[i];
		if (modes[i] == VK_PRESENT_MODE_MAILBOX_KHR)
			best = modes[i];
	}
	return best;
}

/* Builds (or rebuilds) the swapchain and the offscreen target to match the
 * window. Returns CORE_ERR_FULL-free CORE_OK with swap_extent 0 x 0 while
 * the window is minimised. */
static enum core_result build_swapchain(struct rnd *r)
{
	vkDeviceWaitIdle(r->device);
	VkSurfaceCapabilitiesKHR caps;
	RND_VK(vkGetPhysicalDeviceSurfaceCapabilitiesKHR(r->gpu, r->surface, &caps));
	VkExtent2D ext = caps.currentExtent;
	if (ext.width == 0xffffffffu) {
		ext.width = CORE_CLAMP(r->cfg.width, caps.minImageExtent.width,
				       caps.maxImageExtent.width);
		ext.height = CORE_CLAMP(r->cfg.height, caps.minImageExtent.height,
					caps.maxImageExtent.height);
	}
	r->swap_extent = ext;
	r->swap_dirty = false;
	if (ext.width == 0 || ext.height == 0)
		return CORE_OK; /* minimised: nothing to build until it comes back */

	uint32_t n = 0;
	vkGetPhysicalDeviceSurfaceFormatsKHR(r->gpu, r->surface, &n, NULL);
	VkSurfaceFormatKHR formats[32];
	n = CORE_MIN(n, 32u);
	vkGetPhysicalDeviceSurfaceFormatsKHR(r->gpu, r->surface, &n, formats);
	VkSurfaceFormatKHR fmt = formats[0];
	for (uint32_t i = 0; i < n; i++)
		if (formats[i].format == VK_FORMAT_B8G8R8A8_UNORM ||
		    formats[i].format == VK_FORMAT_R8G8B8A8_UNORM)
			fmt = formats[i];
	uint32_t images = caps.minImageCount + 1;
	if (caps.maxImageCount && images > caps.maxImageCount)
		images = caps.maxImageCount;
	images = CORE_MIN(images, (uint32_t)RND_MAX_SWAPCHAIN_IMAGES);
	VkSwapchainKHR old = r->swapchain;
	VkSwapchainCreateInfoKHR sci = {
		.sType = VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR,
		.surface = r->surface,
		.minImageCount = images,
		.imageFormat = fmt.format,
		.imageColorSpace = fmt.colorSpace,
		.imageExtent = ext,
		.imageArrayLayers = 1,
		.imageUsage = VK_IMAGE_USAGE_TRANSFER_DST_BIT,
		.imageSharingMode = VK_SHARING_MODE_EXCLUSIVE,
		.preTransform = caps.currentTransform,
		.compositeAlpha = VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR,
		.presentMode = present_mode(r),
		.clipped = VK_TRUE,
		.oldSwapchain = old,
	};
	if (!(caps.supportedUsageFlags & VK_IMAGE_USAGE_TRANSFER_DST_BIT)) {
		CORE_ERROR("this window's swapchain cannot be a transfer target");
		return CORE_ERR_IO;
	}
	if (!(caps.supportedCompositeAlpha & VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR))
		sci.compositeAlpha = VK_COMPOSITE_ALPHA_INHERIT_BIT_KHR;
	VkSwapchainKHR fresh;
	RND_VK(vkCreateSwapchainKHR(r->device, &sci, NULL, &fresh));
	destroy_swapchain(r);
	r->swapchain = fresh;
	r->swap_format = fmt.format;
	r->swap_count = RND_MAX_SWAPCHAIN_IMAGES;
	RND_VK(vkGetSwapchainImagesKHR(r->device, r->swapchain, &r->swap_count, r->swap_images));
	VkSemaphoreCreateInfo semci = {.sType = VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
	for (uint32_t i = 0; i < r->swap_count; i++)
		RND_VK(vkCreateSemaphore(r->device, &semci, NULL, &r->swap_ready[i]));
	VkFormatProperties src, dst;
	vkGetPhysicalDeviceFormatProperties(r->gpu, TARGET_FORMAT, &src);
	vkGetPhysicalDeviceFormatProperties(r->gpu, fmt.format, &dst);
	r->can_blit = (src.optimalTilingFeatures & VK_FORMAT_FEATURE_BLIT_SRC_BIT) &&
		      (dst.optimalTilingFeatures & VK_FORMAT_FEATURE_BLIT_DST_BIT);
	r->stats.swapchain_builds++;
	if (ext.width != r->width || ext.height != r->height) {
		destroy_target(r);
		return create_target(r, ext.width, ext.height);
	}
	return CORE_OK;
}

static void record_present_copy(struct rnd *r, VkCommandBuffer cmd)
{
	VkImage dst = r->swap_images[r->swap_index];
	rnd_barrier(cmd, dst, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 0,
		VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
		VK_PIPELINE_STAGE_TRANSFER_BIT);
	if (r->can_blit) {
		VkImageBlit blit = {
			.srcSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1},
			.srcOffsets = {{0, 0, 0}, {(int32_t)r->width, (int32_t)r->height, 1}},
			.dstSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1},
			.dstOffsets = {{0, 0, 0},
				       {(int32_t)r->swap_extent.width,
					(int32_t)r->swap_extent.height, 1}},
		};
		vkCmdBlitImage(cmd, r->resolved.image, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, dst,
			       VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &blit, VK_FILTER_NEAREST);
	} else {
		VkImageCopy copy = {
			.srcSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1},
			.dstSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1},
			.extent = {CORE_MIN(r->width, r->swap_extent.width),
				   CORE_MIN(r->height, r->swap_extent.height), 1},
		};
		vkCmdCopyImage(cmd, r->resolved.image, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, dst,
			       VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &copy);
	}
	rnd_barrier(cmd, dst, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_PRESENT_SRC_KHR,
		VK_ACCESS_TRANSFER_WRITE_BIT, 0, VK_PIPELINE_STAGE_TRANSFER_BIT,
		VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT);
}

static void record_readback(struct rnd *r, VkCommandBuffer cmd)
{
	VkBufferImageCopy region = {
		.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1},
		.imageExtent = {r->width, r->height, 1},
	};
	vkCmdCopyImageToBuffer(cmd, r->resolved.image, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
			       r->readback.buf, 1, &region);
	VkBufferMemoryBarrier b = {
		.sType = VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER,
		.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
		.dstAccessMask = VK_ACCESS_HOST_READ_BIT,
		.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
		.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
		.buffer = r->readback.buf,
		.size = VK_WHOLE_SIZE,
	};
	vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 0,
			     NULL, 1, &b, 0, NULL);
}

static enum core_result write_png(struct rnd *r, const char *path)
{
	/* The target is RGBA8 in memory order; alpha is forced opaque. */
	uint8_t *px = r->readback.map;
	for (uint32_t i = 0; i < r->width * r->height; i++)
		px[i * 4 + 3] = 255;
	if (!stbi_write_png(path, (int)r->width, (int)r->height, 4, px, (int)r->width * 4)) {
		CORE_ERROR("cannot write the screenshot '%s'; check that its folder exists and is "
			   "writable",
			   path);
		return CORE_ERR_IO;
	}
	return CORE_OK;
}

enum core_result rnd_target_create(struct rnd *r)
{
	enum core_result res = create_pass(r);
	if (res != CORE_OK)
		return res;
	if (r->surface)
		return build_swapchain(r);
	return create_target(r, CORE_MAX(r->cfg.width, 16u), CORE_MAX(r->cfg.height, 16u));
}

void rnd_target_destroy(struct rnd *r)
{
	destroy_swapchain(r);
	destroy_target(r);
	if (r->pass)
		vkDestroyRenderPass(r->device, r->pass, NULL);
	r->pass = VK_NULL_HANDLE;
}

bool rnd_target_acquire(struct rnd *r, struct rnd_frame *f)
{
	if (!r->surface)
		return true;
	if (r->swap_dirty || !r->swapchain) {
		if (build_swapchain(r) != CORE_OK)
			return false;
	}
	if (r->swap_extent.width == 0 || r->swap_extent.height == 0 || !r->swapchain)
		return false;
	VkResult vr = vkAcquireNextImageKHR(r->device, r->swapchain, UINT64_MAX, f->acquired,
					    VK_NULL_HANDLE, &r->swap_index);
	if (vr == VK_ERROR_OUT_OF_DATE_KHR) {
		r->swap_dirty = true;
		return false;
	}
	if (vr != VK_SUCCESS && vr != VK_SUBOPTIMAL_KHR) {
		CORE_ERROR("Vulkan: acquiring a swapchain image failed (%d)", (int)vr);
		r->swap_dirty = true;
		return false;
	}
	if (vr == VK_SUBOPTIMAL_KHR)
		r->swap_dirty = true; /* present this one, rebuild before the next */
	return true;
}

void rnd_target_record(struct rnd *r, VkCommandBuffer cmd, bool readback)
{
	if (r->surface)
		record_present_copy(r, cmd);
	if (readback)
		record_readback(r, cmd);
}

void rnd_target_present(struct rnd *r)
{
	if (!r->surface)
		return;
	VkPresentInfoKHR pi = {
		.sType = VK_STRUCTURE_TYPE_PRESENT_INFO_KHR,
		.waitSemaphoreCount = 1,
		.pWaitSemaphores = &r->swap_ready[r->swap_index],
		.swapchainCount = 1,
		.pSwapchains = &r->swapchain,
		.pImageIndices = &r->swap_index,
	};
	VkResult vr = vkQueuePresentKHR(r->queue, &pi);
	if (vr != VK_SUCCESS && vr != VK_ERROR_OUT_OF_DATE_KHR && vr != VK_SUBOPTIMAL_KHR)
		CORE_WARN("Vulkan: present failed (%d); the swapchain will be rebuilt", (int)vr);
	if (vr != VK_SUCCESS)
		r->swap_dirty = true;
}

enum core_result rnd_target_write_png(struct rnd *r, const char *path)
{
	return write_png(r, path);
}
