/*
 * rnd_device.c: the device part of the renderer: the Vulkan instance (with
 * the validation layers when asked), the physical device and its queue,
 * memory, buffers, images, one-off uploads and the textures made from them.
 * Made once at start-up; the render target (rnd_target.c) and the scene
 * (rnd_world.c, rnd_board.c, rnd_font.c) are built on it.
 */
#include "rnd_vk.h"

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
	const struct rnd_vk_hooks *hooks = r->cfg.vk_hooks;
	if (hooks) {
		if (!hooks->create_instance(hooks->user, &ci, &r->instance))
			return CORE_ERR_IO;
		goto made;
	}
	VkResult vr = vkCreateInstance(&ci, NULL, &r->instance);
	if (vr != VK_SUCCESS) {
		CORE_ERROR("no Vulkan driver could be started (vkCreateInstance: %d); install a "
			   "driver, e.g. the Debian package mesa-vulkan-drivers",
			   (int)vr);
		return CORE_ERR_IO;
	}
made:
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

/* The device the OpenXR runtime names (its headset's GPU), with a
 * graphics queue family. */
static bool hooked_device(struct rnd *r)
{
	const struct rnd_vk_hooks *hooks = r->cfg.vk_hooks;
	if (!hooks->pick_device(hooks->user, r->instance, &r->gpu))
		return false;
	if (!device_score(r->gpu, VK_NULL_HANDLE, &r->queue_family)) {
		CORE_ERROR("the Vulkan device the OpenXR runtime named has no graphics queue");
		return false;
	}
	return true;
}

static enum core_result create_device(struct rnd *r)
{
	if (r->cfg.vk_hooks) {
		if (!hooked_device(r))
			return CORE_ERR_IO;
		goto picked;
	}
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
picked:;
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
	/* Multiview (core in 1.1) draws both eyes of the VR scene in one pass. */
	VkPhysicalDeviceMultiviewFeatures mv = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MULTIVIEW_FEATURES,
	};
	VkPhysicalDeviceFeatures2 f2 = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
		.pNext = &mv,
	};
	vkGetPhysicalDeviceFeatures2(r->gpu, &f2);
	r->multiview = mv.multiview && props.apiVersion >= VK_API_VERSION_1_1;
	VkPhysicalDeviceMultiviewFeatures mv_on = {
		.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MULTIVIEW_FEATURES,
		.multiview = VK_TRUE,
	};
	VkDeviceCreateInfo dci = {
		.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
		.pNext = r->multiview ? &mv_on : NULL,
		.queueCreateInfoCount = 1,
		.pQueueCreateInfos = &qci,
		.enabledExtensionCount = r->surface ? 1 : 0,
		.ppEnabledExtensionNames = exts,
	};
	if (r->cfg.vk_hooks) {
		const struct rnd_vk_hooks *hooks = r->cfg.vk_hooks;
		if (!hooks->create_device(hooks->user, r->gpu, &dci, &r->device))
			return CORE_ERR_IO;
	} else {
		RND_VK(vkCreateDevice(r->gpu, &dci, NULL, &r->device));
	}
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

enum core_result rnd_image_create(struct rnd *r, uint32_t w, uint32_t h, VkFormat format,
				     VkSampleCountFlagBits samples, VkImageUsageFlags usage,
				     VkImageAspectFlags aspect, struct rnd_image *out)
{
	return rnd_image_create_layers(r, w, h, 1, format, samples, usage, aspect, out);
}

enum core_result rnd_image_create_layers(struct rnd *r, uint32_t w, uint32_t h, uint32_t layers,
					 VkFormat format, VkSampleCountFlagBits samples,
					 VkImageUsageFlags usage, VkImageAspectFlags aspect,
					 struct rnd_image *out)
{
	memset(out, 0, sizeof(*out));
	VkImageCreateInfo ici = {
		.sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO,
		.imageType = VK_IMAGE_TYPE_2D,
		.format = format,
		.extent = {w, h, 1},
		.mipLevels = 1,
		.arrayLayers = layers,
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
		.viewType = layers > 1 ? VK_IMAGE_VIEW_TYPE_2D_ARRAY : VK_IMAGE_VIEW_TYPE_2D,
		.format = format,
		.subresourceRange = {aspect, 0, 1, 0, layers},
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

void rnd_barrier(VkCommandBuffer cmd, VkImage image, VkImageLayout from, VkImageLayout to,
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
		rnd_barrier(cmd, img->image, from, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
			fresh ? 0 : VK_ACCESS_SHADER_READ_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
			fresh ? VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT : VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT,
			VK_PIPELINE_STAGE_TRANSFER_BIT);
		VkBufferImageCopy region = {
			.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1},
			.imageExtent = {w, h, 1},
		};
		vkCmdCopyBufferToImage(cmd, staging.buf, img->image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
				       1, &region);
		rnd_barrier(cmd, img->image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
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
	enum core_result res = rnd_image_create(r, w, h, format, VK_SAMPLE_COUNT_1_BIT,
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

enum core_result rnd_device_create(struct rnd *r)
{
	enum core_result res = create_instance(r);
	if (res != CORE_OK)
		return res;
	if (r->cfg.create_surface &&
	    !r->cfg.create_surface(r->cfg.surface_user, r->instance, &r->surface)) {
		CORE_ERROR("could not create a Vulkan surface for the window");
		return CORE_ERR_IO;
	}
	return create_device(r);
}

void rnd_device_destroy(struct rnd *r)
{
	if (r->device) {
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
}
