/*
 * xrt_capture.c: the test runtime's readback of submitted eye images.
 *
 * With LYCEUM_XRT_CAPTURE=DIR and LYCEUM_XRT_CAPTURE_FRAMES=N,M,..., the
 * xrEndFrame of the Nth frame that submitted a projection layer copies each
 * of the layer's two views (its subImage rectangle and array layer, from
 * the swapchain image last released) into a host-visible buffer on the
 * session's queue, after vkQueueWaitIdle so the application's rendering is
 * done, and keeps the pixels. The image goes COLOR_ATTACHMENT_OPTIMAL ->
 * TRANSFER_SRC_OPTIMAL -> COLOR_ATTACHMENT_OPTIMAL. When the session is
 * destroyed (xrDestroySession, or xrDestroyInstance with one live), the kept
 * views are written as DIR/frame-N-left.png and DIR/frame-N-right.png, RGBA
 * (BGRA formats swizzled, sRGB bytes written as they are): encoding a PNG
 * pair takes over half a second under the sanitizers, and a headset does not
 * stall the application's frame like that (it once ate most of a scripted
 * walk in xr.client, whose avatar catches up at most 8 ticks after a stall).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

/* A view read back, waiting to be written when the session ends. */
static struct capture {
	char name[64];
	uint32_t w, h;
	unsigned char *px; /* RGBA, w * h * 4 */
} pending[XRT_MAX_CAPTURE_FRAMES * 2];
static uint32_t n_pending;
_Static_assert(sizeof(pending[0].name) == sizeof(xrt.captures[0]), "the report lists captures by name");

static bool copy_out(const struct xrt_swapchain *sc, VkImage image, const XrRect2Di *rect, uint32_t layer,
		     struct capture *c)
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

	unsigned char *mapped;
	if (vkMapMemory(d, mem, 0, VK_WHOLE_SIZE, 0, (void **)&mapped) != VK_SUCCESS)
		goto out;
	c->px = malloc((size_t)size);
	if (c->px) {
		memcpy(c->px, mapped, (size_t)size);
		if (sc->format == VK_FORMAT_B8G8R8A8_SRGB || sc->format == VK_FORMAT_B8G8R8A8_UNORM) {
			for (VkDeviceSize i = 0; i < size; i += 4) {
				unsigned char b = c->px[i];
				c->px[i] = c->px[i + 2];
				c->px[i + 2] = b;
			}
		}
		c->w = w;
		c->h = h;
		ok = true;
	} else {
		xrt_error("capture: no memory to keep a %ux%u view until the session ends", w, h);
	}
	vkUnmapMemory(d, mem);
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
		if (sc->depth || sc->samples != 1) {
			xrt_error("capture: frame %llu %s eye: the swapchain is %s; only single-sample colour images "
				  "are captured", (unsigned long long)frame, eye[v],
				  sc->depth ? "depth" : "multisampled");
			continue;
		}
		/* cannot happen while pending holds two views for each of the
		 * XRT_MAX_CAPTURE_FRAMES frames; kept so that it never overruns */
		if (n_pending == sizeof(pending) / sizeof(pending[0])) {
			xrt_error("capture: frame %llu %s eye: %zu views are already waiting to be written; not "
				  "captured", (unsigned long long)frame, eye[v], sizeof(pending) / sizeof(pending[0]));
			continue;
		}
		struct capture *c = &pending[n_pending];
		if (!copy_out(sc, sc->images[sc->last_released], &si->imageRect, si->imageArrayIndex, c)) {
			xrt_error("capture: frame %llu %s eye: the readback failed", (unsigned long long)frame, eye[v]);
			continue;
		}
		snprintf(c->name, sizeof(c->name), "frame-%llu-%s.png", (unsigned long long)frame, eye[v]);
		n_pending++;
	}
}

void xrt_capture_flush(void)
{
	for (uint32_t i = 0; i < n_pending; i++) {
		struct capture *c = &pending[i];
		char path[XRT_PATH_BUF + sizeof(c->name)];
		int n = snprintf(path, sizeof(path), "%s/%s", xrt.cfg.capture_dir, c->name);
		if (n < 0 || (size_t)n >= sizeof(path))
			xrt_error("capture: the path of %s in %s is too long", c->name, xrt.cfg.capture_dir);
		else if (!stbi_write_png(path, (int)c->w, (int)c->h, 4, c->px, (int)c->w * 4))
			xrt_error("capture: cannot write %s: %s", path, strerror(errno));
		else if (xrt.n_captures < sizeof(xrt.captures) / sizeof(xrt.captures[0]))
			memcpy(xrt.captures[xrt.n_captures++], c->name, sizeof(c->name));
		free(c->px);
		c->px = NULL;
	}
	n_pending = 0;
}
