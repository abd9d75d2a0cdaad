/*
 * xrt_capture.c: the test runtime's readback of submitted eye images.
 *
 * With LYCEUM_XRT_CAPTURE=DIR and LYCEUM_XRT_CAPTURE_FRAMES=N,M,..., the
 * xrEndFrame of the Nth frame that submitted a projection layer copies each
 * of the layer's two views (its subImage rectangle and array layer, from
 * the swapchain image last released) into a host-visible buffer on the
 * session's queue, after vkQueueWaitIdle so the application's rendering is
 * done, and writes DIR/frame-N-left.png and DIR/frame-N-right.png as RGBA
 * (BGRA formats swizzled, sRGB bytes written as they are). The image goes
 * COLOR_ATTACHMENT_OPTIMAL -> TRANSFER_SRC_OPTIMAL -> COLOR_ATTACHMENT_OPTIMAL.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb_image_write.h>
#pragma GCC diagnostic pop

#include "xrt_internal.h"

static bool copy_out(const struct xrt_swapchain *sc, VkImage image, const XrRect2Di *rect, uint32_t layer,
		     const char *path)
{
	struct xrt_session *s = &xrt.session;
	VkDevice d = s->vk_device;
	uint32_t w = (uint32_t)rect->extent.width, h = (uint32_t)rect->extent.height;
	VkDeviceSize size = (VkDeviceSize)w * h * 4;
	VkBuffer buf = VK_NULL_HANDLE;
	VkDeviceMemory mem = VK_NULL_HANDLE;
	bool ok = false;

	VkBufferCreateInfo bci = { .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
				   .size = size,
				   .usage = VK_BUFFER_USAGE_TRANSFER_DST_BIT,
				   .sharingMode = VK_SHARING_MODE_EXCLUSIVE };
	if (vkCreateBuffer(d, &bci, NULL, &buf) != VK_SUCCESS)
		goto out;
	VkMemoryRequirements req;
	vkGetBufferMemoryRequirements(d, buf, &req);
	int type = xrt_vk_memory_type(s->vk_physdev, req.memoryTypeBits,
				      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
	VkMemoryAllocateInfo mai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
				     .allocationSize = req.size,
				     .memoryTypeIndex = (uint32_t)type };
	if (type < 0 || vkAllocateMemory(d, &mai, NULL, &mem) != VK_SUCCESS ||
	    vkBindBufferMemory(d, buf, mem, 0) != VK_SUCCESS)
		goto out;

	vkQueueWaitIdle(s->vk_queue); /* the application's rendering of this image is done */
	VkCommandBuffer cb = xrt_vk_begin();
	if (!cb)
		goto out;
	VkImageSubresourceRange range = { VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, layer, 1 };
	VkImageMemoryBarrier to_src = { .sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER,
					.srcAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT,
					.dstAccessMask = VK_ACCESS_TRANSFER_READ_BIT,
					.oldLayout = VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL,
					.newLayout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
					.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
					.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
					.image = image,
					.subresourceRange = range };
	vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0,
			     NULL, 0, NULL, 1, &to_src);
	VkBufferImageCopy region = { .imageSubresource = { VK_IMAGE_ASPECT_COLOR_BIT, 0, layer, 1 },
				     .imageOffset = { rect->offset.x, rect->offset.y, 0 },
				     .imageExtent = { w, h, 1 } };
	vkCmdCopyImageToBuffer(cb, image, VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, buf, 1, &region);
	VkImageMemoryBarrier back = to_src;
	back.srcAccessMask = 0;
	back.dstAccessMask = VK_ACCESS_COLOR_ATTACHMENT_READ_BIT | VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT;
	back.oldLayout = VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL;
	back.newLayout = VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL;
	VkBufferMemoryBarrier host = { .sType = VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER,
				       .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
				       .dstAccessMask = VK_ACCESS_HOST_READ_BIT,
				       .srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
				       .dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
				       .buffer = buf,
				       .size = VK_WHOLE_SIZE };
	vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT, 0, 0,
			     NULL, 0, NULL, 1, &back);
	vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 0, NULL, 1, &host, 0,
			     NULL);
	if (!xrt_vk_submit(cb))
		goto out;

	unsigned char *px;
	if (vkMapMemory(d, mem, 0, VK_WHOLE_SIZE, 0, (void **)&px) != VK_SUCCESS)
		goto out;
	if (sc->format == VK_FORMAT_B8G8R8A8_SRGB || sc->format == VK_FORMAT_B8G8R8A8_UNORM) {
		for (VkDeviceSize i = 0; i < size; i += 4) {
			unsigned char b = px[i];
			px[i] = px[i + 2];
			px[i + 2] = b;
		}
	}
	ok = stbi_write_png(path, (int)w, (int)h, 4, px, (int)w * 4) != 0;
	vkUnmapMemory(d, mem);
	if (!ok)
		xrt_error("capture: cannot write %s: %s", path, strerror(errno));
out:
	if (buf)
		vkDestroyBuffer(d, buf, NULL);
	if (mem)
		vkFreeMemory(d, mem, NULL);
	return ok;
}

void xrt_capture_views(const XrCompositionLayerProjection *layer, uint64_t frame)
{
	static const char *const eye[2] = { "left", "right" };
	for (uint32_t v = 0; v < 2; v++) {
		const XrSwapchainSubImage *si = &layer->views[v].subImage;
		const struct xrt_swapchain *sc = xrt_swapchain_get(si->swapchain);
		char path[XRT_PATH_BUF + 64];
		snprintf(path, sizeof(path), "%s/frame-%llu-%s.png", xrt.cfg.capture_dir, (unsigned long long)frame,
			 eye[v]);
		if (sc->depth || sc->samples != 1) {
			xrt_error("capture: frame %llu %s eye: the swapchain is %s; only single-sample colour images "
				  "are captured", (unsigned long long)frame, eye[v],
				  sc->depth ? "depth" : "multisampled");
			continue;
		}
		if (!copy_out(sc, sc->images[sc->last_released], &si->imageRect, si->imageArrayIndex, path)) {
			xrt_error("capture: frame %llu %s eye: the readback failed", (unsigned long long)frame, eye[v]);
			continue;
		}
		if (xrt.n_captures < sizeof(xrt.captures) / sizeof(xrt.captures[0])) {
			snprintf(xrt.captures[xrt.n_captures], sizeof(xrt.captures[0]), "frame-%llu-%s.png",
				 (unsigned long long)frame, eye[v]);
			xrt.n_captures++;
		}
	}
}
