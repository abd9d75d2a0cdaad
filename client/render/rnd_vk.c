/*
 * rnd_vk.c: instance, device, offscreen target, swapchain, frame pacing and
 * read-back. Everything is created at start-up or on resize, never per frame.
 */
#include "rnd_vk.h"

#include <stb_image_write.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t rnd_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- instance and device --------------------------------------------- */

static VKAPI_ATTR VkBool32 VKAPI_CALL on_validation(VkDebugUtilsMessageSeverityFlagBitsEXT sev,
						     VkDebugUtilsMessageTypeFlagsEXT type,
						     const VkDebugUtilsMessengerCallbackDataEXT *d,
						     void *user)
{
	struct rnd *r = user;
	if (sev >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) {
		r->stats.validation_messages++;
		fprintf(stderr, "lyceum: Vulkan validation: %s\n", d->pMessage);
	}
	return VK_FALSE;
}

static bool has_layer(const char *name)
{
	uint32_t n = 0;
	vkEnumerateInstanceLayerProperties(&n, NULL);
	VkLayerProperties props[64];
	n = CORE_MIN(n, 64u);
	vkEnumerateInstanceLayerProperties(&n, props);
	for (uint32_t i = 0; i < n; i++)
		if (!strcmp(props[i].layerName, name))
			return true;
	return false;
}

static enum core_result create_instance(struct rnd *r)
{
	const char *exts[16];
	uint32_t n = 0;
	for (uint32_t i = 0; i < r->cfg.instance_extension_count && n < 14; i++)
		exts[n++] = r->cfg.instance_extensions[i];
	const char *layers[1];
	uint32_t layer_count = 0;
	if (r->cfg.validation) {
		if (!has_layer("VK_LAYER_KHRONOS_validation")) {
			CORE_ERROR("--validation needs VK_LAYER_KHRONOS_validation; install the Debian "
				   "package vulkan-validationlayers");
			return CORE_ERR_INVALID;
		}
		layers[layer_count++] = "VK_LAYER_KHRONOS_validation";
		exts[n++] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
	}
	VkApplicationInfo app = {
		.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
		.pApplicationName = "lyceum",
		.applicationVersion = 1,
		.pEngineName = "lyceum",
		.apiVersion = VK_API_VERSION_1_1,
	};
	VkDebugUtilsMessengerCreateInfoEXT dbg = {
		.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
		.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
				   VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
		.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
			       VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
			       VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
		.pfnUserCallback = on_validation,
		.pUserData = r,
	};
	VkInstanceCreateInfo ci = {
		.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
		.pNext = r->cfg.validation ? &dbg : NULL,
		.pApplicationInfo = &app,
		.enabledLayerCount = layer_count,
		.ppEnabledLayerNames = layers,
		.enabledExtensionCount = n,
		.ppEnabledExtensionNames = exts,
	};
	VkResult vr = vkCreateInstance(&ci, NULL, &r->instance);
	if (vr != VK_SUCCESS) {
		CORE_ERROR("no Vulkan driver could be started (vkCreateInstance: %d); install a "
			   "driver, e.g. the Debian package mesa-vulkan-drivers",
			   (int)vr);
		return CORE_ERR_IO;
	}
	if (r->cfg.validation) {
		PFN_vkCreateDebugUtilsMessengerEXT create = (PFN_vkCreateDebugUtilsMessengerEXT)
			vkGetInstanceProcAddr(r->instance, "vkCreateDebugUtilsMessengerEXT");
		if (create)
			RND_VK(create(r->instance, &dbg, NULL, &r->messenger));
	}
	return CORE_OK;
}

static int device_score(VkPhysicalDevice gpu, VkSurfaceKHR surface, uint32_t *out_family)
{
	VkPhysicalDeviceProperties props;
	vkGetPhysicalDeviceProperties(gpu, &props);
	uint32_t n = 0;
	vkGetPhysicalDeviceQueueFamilyProperties(gpu, &n, NULL);
	VkQueueFamilyProperties fams[16];
	n = CORE_MIN(n, 16u);
	vkGetPhysicalDeviceQueueFamilyProperties(gpu, &n, fams);
	for (uint32_t i = 0; i < n; i++) {
		if (!(fams[i].queueFlags & VK_QUEUE_GRAPHICS_BIT))
			continue;
		VkBool32 present = VK_TRUE;
		if (surface)
			vkGetPhysicalDeviceSurfaceSupportKHR(gpu, i, surface, &present);
		if (!present)
			continue;
		*out_family = i;
		switch (props.deviceType) {
		case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 4;
		case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 3;
		case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
		default: return 1;
		}
	}
	return 0;
}

static enum core_result create_device(struct rnd *r)
{
	uint32_t n = 0;
	vkEnumeratePhysicalDevices(r->instance, &n, NULL);
	VkPhysicalDevice gpus[16];
	n = CORE_MIN(n, 16u);
	vkEnumeratePhysicalDevices(r->instance, &n, gpus);
	int best = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t family;
		int score = device_score(gpus[i], r->surface, &family);
		if (score > best) {
			best = score;
			r->gpu = gpus[i];
			r->queue_family = family;
		}
	}
	if (!best) {
		CORE_ERROR("no Vulkan device can draw%s; install a driver (Debian: "
			   "mesa-vulkan-drivers gives the CPU driver lavapipe)",
			   r->surface ? " to this window" : "");
		return CORE_ERR_IO;
	}
	VkPhysicalDeviceProperties props;
	vkGetPhysicalDeviceProperties(r->gpu, &props);
	core_strlcpy(r->stats.device_name, props.deviceName, sizeof(r->stats.device_name));
	vkGetPhysicalDeviceMemoryProperties(r->gpu, &r->mem_props);

	VkSampleCountFlags counts = props.limits.framebufferColorSampleCounts &
				    props.limits.framebufferDepthSampleCounts;
	r->samples = VK_SAMPLE_COUNT_1_BIT;
	for (int s = CORE_CLAMP(r->cfg.msaa, 1, 8); s > 1; s /= 2) {
		if (counts & (VkSampleCountFlags)s) {
			r->samples = (VkSampleCountFlagBits)s;
			break;
		}
	}
	const VkFormat depths[] = {VK_FORMAT_D32_SFLOAT, VK_FORMAT_D24_UNORM_S8_UINT,
				   VK_FORMAT_D16_UNORM};
	r->depth_format = VK_FORMAT_UNDEFINED;
	for (size_t i = 0; i < CORE_ARRAY_LEN(depths); i++) {
		VkFormatProperties fp;
		vkGetPhysicalDeviceFormatProperties(r->gpu, depths[i], &fp);
		if (fp.optimalTilingFeatures & VK_FORMAT_FEATURE_DEPTH_STENCIL_ATTACHMENT_BIT) {
			r->depth_format = depths[i];
			break;
		}
	}
	if (r->depth_format == VK_FORMAT_UNDEFINED) {
		CORE_ERROR("the Vulkan device '%s' has no depth format", props.deviceName);
		return CORE_ERR_IO;
	}

	float prio = 1.0f;
	VkDeviceQueueCreateInfo qci = {
		.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
		.queueFamilyIndex = r->queue_family,
		.queueCount = 1,
		.pQueuePriorities = &prio,
	};
	const char *exts[] = {VK_KHR_SWAPCHAIN_EXTENSION_NAME};
	VkDeviceCreateInfo dci = {
		.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
		.queueCreateInfoCount = 1,
		.pQueueCreateInfos = &qci,
		.enabledExtensionCount = r->surface ? 1 : 0,
		.ppEnabledExtensionNames = exts,
	};
	RND_VK(vkCreateDevice(r->gpu, &dci, NULL, &r->device));
	vkGetDeviceQueue(r->device, r->queue_family, 0, &r->queue);
	VkCommandPoolCreateInfo pci = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
		.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
		.queueFamilyIndex = r->queue_family,
	};
	RND_VK(vkCreateCommandPool(r->device, &pci, NULL, &r->pool));
	return CORE_OK;
}

/* ---- memory ------------------------------------------------------------- */

static int memory_type(const struct rnd *r, uint32_t bits, VkMemoryPropertyFlags want)
{
	for (uint32_t i = 0; i < r->mem_props.memoryTypeCount; i++)
		if ((bits & (1u << i)) &&
		    (r->mem_props.memoryTypes[i].propertyFlags & want) == want)
			return (int)i;
	return -1;
}

static enum core_result allocate(struct rnd *r, VkMemoryRequirements req,
				 VkMemoryPropertyFlags want, VkDeviceMemory *out)
{
	int type = memory_type(r, req.memoryTypeBits, want);
	if (type < 0) {
		CORE_ERROR("the Vulkan device has no memory of the kind needed (flags %#x)",
			   (unsigned)want);
		return CORE_ERR_NOMEM;
	}
	VkMemoryAllocateInfo ai = {
		.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
		.allocationSize = req.size,
		.memoryTypeIndex = (uint32_t)type,
	};
	RND_VK(vkAllocateMemory(r->device, &ai, NULL, out));
	return CORE_OK;
}

enum core_result rnd_buffer_create(struct rnd *r, VkDeviceSize size, VkBufferUsageFlags usage,
				   struct rnd_buffer *out)
{
	memset(out, 0, sizeof(*out));
	VkBufferCreateInfo bci = {
		.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
		.size = size,
		.usage = usage,
		.sharingMode = VK_SHARING_MODE_EXCLUSIVE,
	};
	RND_VK(vkCreateBuffer(r->device, &bci, NULL, &out->buf));
	VkMemoryRequirements req;
	vkGetBufferMemoryRequirements(r->device, out->buf, &req);
	enum core_result res = allocate(r, req,
					VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
						VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
					&out->mem);
	if (res != CORE_OK)
		return res;
	RND_VK(vkBindBufferMemory(r->device, out->buf, out->mem, 0));
	RND_VK(vkMapMemory(r->device, out->mem, 0, VK_WHOLE_SIZE, 0, &out->map));
	out->size = size;
	return CORE_OK;
}

void rnd_buffer_destroy(struct rnd *r, struct rnd_buffer *b)
{
	if (b->buf)
		vkDestroyBuffer(r->device, b->buf, NULL);
	if (b->mem)
		vkFreeMemory(r->device, b->mem, NULL);
	memset(b, 0, sizeof(*b));
}

static enum core_result image_create(struct rnd *r, uint32_t w, uint32_t h, VkFormat format,
				     VkSampleCountFlagBits samples, VkImageUsageFlags usage,
				     VkImageAspectFlags aspect, struct rnd_image *out)
{
	memset(out, 0, sizeof(*out));
	VkImageCreateInfo ici = {
		.sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO,
		.imageType = VK_IMAGE_TYPE_2D,
		.format = format,
		.extent = {w, h, 1},
		.mipLevels = 1,
		.arrayLayers = 1,
		.samples = samples,
		.tiling = VK_IMAGE_TILING_OPTIMAL,
		.usage = usage,
		.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED,
	};
	RND_VK(vkCreateImage(r->device, &ici, NULL, &out->image));
	VkMemoryRequirements req;
	vkGetImageMemoryRequirements(r->device, out->image, &req);
	enum core_result res = allocate(r, req, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, &out->mem);
	if (res != CORE_OK)
		return res;
	RND_VK(vkBindImageMemory(r->device, out->image, out->mem, 0));
	VkImageViewCreateInfo vci = {
		.sType = VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO,
		.image = out->image,
		.viewType = VK_IMAGE_VIEW_TYPE_2D,
		.format = format,
		.subresourceRange = {aspect, 0, 1, 0, 1},
	};
	RND_VK(vkCreateImageView(r->device, &vci, NULL, &out->view));
	return CORE_OK;
}

void rnd_image_destroy(struct rnd *r, struct rnd_image *img)
{
	if (img->view)
		vkDestroyImageView(r->device, img->view, NULL);
	if (img->image)
		vkDestroyImage(r->device, img->image, NULL);
	if (img->mem)
		vkFreeMemory(r->device, img->mem, NULL);
	memset(img, 0, sizeof(*img));
}

static void barrier(VkCommandBuffer cmd, VkImage image, VkImageLayout from, VkImageLayout to,
		    VkAccessFlags src_access, VkAccessFlags dst_access, VkPipelineStageFlags src,
		    VkPipelineStageFlags dst)
{
	VkImageMemoryBarrier b = {
		.sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER,
		.srcAccessMask = src_access,
		.dstAccessMask = dst_access,
		.oldLayout = from,
		.newLayout = to,
		.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
		.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
		.image = image,
		.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1},
	};
	vkCmdPipelineBarrier(cmd, src, dst, 0, 0, NULL, 0, NULL, 1, &b);
}

/* One-time commands at start-up (texture uploads); waits for them. */
static enum core_result submit_once(struct rnd *r, VkCommandBuffer cmd)
{
	RND_VK(vkEndCommandBuffer(cmd));
	VkSubmitInfo si = {
		.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
		.commandBufferCount = 1,
		.pCommandBuffers = &cmd,
	};
	RND_VK(vkQueueSubmit(r->queue, 1, &si, VK_NULL_HANDLE));
	RND_VK(vkQueueWaitIdle(r->queue));
	vkFreeCommandBuffers(r->device, r->pool, 1, &cmd);
	return CORE_OK;
}

static enum core_result begin_once(struct rnd *r, VkCommandBuffer *out)
{
	VkCommandBufferAllocateInfo ai = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
		.commandPool = r->pool,
		.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
		.commandBufferCount = 1,
	};
	RND_VK(vkAllocateCommandBuffers(r->device, &ai, out));
	VkCommandBufferBeginInfo bi = {
		.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
		.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
	};
	RND_VK(vkBeginCommandBuffer(*out, &bi));
	return CORE_OK;
}

/* Copies pixels into img through a staging buffer, from layout `from`
 * (after the reads of frames submitted before it, on this queue). */
static enum core_result upload(struct rnd *r, struct rnd_image *img, uint32_t w, uint32_t h,
			       const void *pixels, size_t bytes, VkImageLayout from)
{
	struct rnd_buffer staging;
	enum core_result res = rnd_buffer_create(r, bytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, &staging);
	if (res != CORE_OK)
		return res;
	memcpy(staging.map, pixels, bytes);
	VkCommandBuffer cmd;
	if ((res = begin_once(r, &cmd)) == CORE_OK) {
		bool fresh = from == VK_IMAGE_LAYOUT_UNDEFINED;
		barrier(cmd, img->image, from, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
			fresh ? 0 : VK_ACCESS_SHADER_READ_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
			fresh ? VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT : VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT,
			VK_PIPELINE_STAGE_TRANSFER_BIT);
		VkBufferImageCopy region = {
			.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1},
			.imageExtent = {w, h, 1},
		};
		vkCmdCopyBufferToImage(cmd, staging.buf, img->image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
				       1, &region);
		barrier(cmd, img->image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
			VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL, VK_ACCESS_TRANSFER_WRITE_BIT,
			VK_ACCESS_SHADER_READ_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
			VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT);
		res = submit_once(r, cmd);
	}
	rnd_buffer_destroy(r, &staging);
	return res;
}

enum core_result rnd_texture_create(struct rnd *r, uint32_t w, uint32_t h, VkFormat format,
				    const void *pixels, size_t bytes, struct rnd_image *out)
{
	enum core_result res = image_create(r, w, h, format, VK_SAMPLE_COUNT_1_BIT,
					    VK_IMAGE_USAGE_SAMPLED_BIT |
						    VK_IMAGE_USAGE_TRANSFER_DST_BIT,
					    VK_IMAGE_ASPECT_COLOR_BIT, out);
	if (res != CORE_OK)
		return res;
	return upload(r, out, w, h, pixels, bytes, VK_IMAGE_LAYOUT_UNDEFINED);
}

enum core_result rnd_texture_update(struct rnd *r, struct rnd_image *img, uint32_t w, uint32_t h,
				    const void *pixels, size_t bytes)
{
	return upload(r, img, w, h, pixels, bytes, VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL);
}


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
		res = image_create(r, w, h, TARGET_FORMAT, r->samples,
				   VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT |
					   VK_IMAGE_USAGE_TRANSIENT_ATTACHMENT_BIT,
				   VK_IMAGE_ASPECT_COLOR_BIT, &r->colour_ms);
		if (res != CORE_OK)
			return res;
	}
	if ((res = image_create(r, w, h, TARGET_FORMAT, VK_SAMPLE_COUNT_1_BIT, out_usage,
				VK_IMAGE_ASPECT_COLOR_BIT, &r->resolved)) != CORE_OK)
		return res;
	if ((res = image_create(r, w, h, r->depth_format, r->samples,
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
	enum core_result res = create_instance(r);
	if (res != CORE_OK)
		return res;
	if (cfg->create_surface && !cfg->create_surface(cfg->surface_user, r->instance, &r->surface)) {
		CORE_ERROR("could not create a Vulkan surface for the window");
		return CORE_ERR_IO;
	}
	if ((res = create_device(r)) || (res = create_pass(r)) || (res = create_frames(r)) ||
	    (res = rnd_pipelines_create(r)) || (res = rnd_fonts_create(r)))
		return res;
	if (r->surface)
		res = build_swapchain(r);
	else
		res = create_target(r, CORE_MAX(cfg->width, 16u), CORE_MAX(cfg->height, 16u));
	return res;
}

void rnd_destroy(struct rnd **pr, uint32_t *out_validation_messages)
{
	struct rnd *r = *pr;
	if (!r)
		return;
	*pr = NULL;
	if (r->device) {
		vkDeviceWaitIdle(r->device);
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
		destroy_swapchain(r);
		destroy_target(r);
		if (r->pass)
			vkDestroyRenderPass(r->device, r->pass, NULL);
		if (r->pool)
			vkDestroyCommandPool(r->device, r->pool, NULL);
		vkDestroyDevice(r->device, NULL);
	}
	if (r->instance) {
		if (r->surface)
			vkDestroySurfaceKHR(r->instance, r->surface, NULL);
		if (r->messenger) {
			PFN_vkDestroyDebugUtilsMessengerEXT destroy =
				(PFN_vkDestroyDebugUtilsMessengerEXT)vkGetInstanceProcAddr(
					r->instance, "vkDestroyDebugUtilsMessengerEXT");
			if (destroy)
				destroy(r->instance, r->messenger, NULL);
		}
		vkDestroyInstance(r->instance, NULL);
	}
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
	if (r->surface) {
		if (r->swap_dirty || !r->swapchain) {
			if (build_swapchain(r) != CORE_OK)
				return false;
		}
		if (r->swap_extent.width == 0 || r->swap_extent.height == 0 || !r->swapchain)
			return false;
		VkResult vr = vkAcquireNextImageKHR(r->device, r->swapchain, UINT64_MAX,
						    f->acquired, VK_NULL_HANDLE, &r->swap_index);
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
	}
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

static void record_present_copy(struct rnd *r, VkCommandBuffer cmd)
{
	VkImage dst = r->swap_images[r->swap_index];
	barrier(cmd, dst, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 0,
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
	barrier(cmd, dst, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_PRESENT_SRC_KHR,
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
	if (r->surface)
		record_present_copy(r, cmd);
	if (screenshot_png)
		record_readback(r, cmd);
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

	if (r->surface) {
		VkPresentInfoKHR pi = {
			.sType = VK_STRUCTURE_TYPE_PRESENT_INFO_KHR,
			.waitSemaphoreCount = 1,
			.pWaitSemaphores = &r->swap_ready[r->swap_index],
			.swapchainCount = 1,
			.pSwapchains = &r->swapchain,
			.pImageIndices = &r->swap_index,
		};
		VkResult vr = vkQueuePresentKHR(r->queue, &pi);
		if (vr == VK_ERROR_OUT_OF_DATE_KHR || vr == VK_SUBOPTIMAL_KHR)
			r->swap_dirty = true;
		else if (vr != VK_SUCCESS)
			CORE_WARN("Vulkan: present failed (%d); the swapchain will be rebuilt",
				  (int)vr);
		if (vr != VK_SUCCESS)
			r->swap_dirty = true;
	}
	if (screenshot_png) {
		vkWaitForFences(r->device, 1, &f->done, VK_TRUE, UINT64_MAX);
		return write_png(r, screenshot_png);
	}
	return CORE_OK;
}

const struct rnd_stats *rnd_get_stats(const struct rnd *r)
{
	return &r->stats;
}
