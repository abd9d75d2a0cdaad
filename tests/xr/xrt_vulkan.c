/*
 * xrt_vulkan.c: the test runtime's XR_KHR_vulkan_enable2 and swapchains.
 *
 * The application's Vulkan objects are used through the Vulkan loader the
 * runtime links (libvulkan), so they must come from the same loader, as
 * they do in any ordinary program. Swapchain images are created on the
 * application's VkDevice (three per swapchain, one for a static image),
 * with the attachment usage of their kind and TRANSFER_SRC added, and are
 * moved once, at creation, on the session's queue into the layout the
 * extension promises at xrWaitSwapchainImage: COLOR_ATTACHMENT_OPTIMAL, or
 * DEPTH_STENCIL_ATTACHMENT_OPTIMAL for depth. Images cycle in ring order.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "xrt_internal.h"

static const VkFormat formats[] = { VK_FORMAT_R8G8B8A8_SRGB, VK_FORMAT_B8G8R8A8_SRGB, VK_FORMAT_R8G8B8A8_UNORM,
				    VK_FORMAT_B8G8R8A8_UNORM, VK_FORMAT_D32_SFLOAT };
#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

static XrResult check_vk_instance(XrInstance instance)
{
	XrResult r = xrt_check_instance(instance);
	if (r != XR_SUCCESS)
		return r;
	if (!xrt.ext_vulkan2)
		return xrt_fail(XR_ERROR_EXTENSION_NOT_PRESENT, "XR_KHR_vulkan_enable2 is not enabled");
	return XR_SUCCESS;
}

XRT_API(xrGetVulkanGraphicsRequirements2KHR, xrt_get_vulkan_graphics_requirements2,
	(XrInstance instance, XrSystemId system, XrGraphicsRequirementsVulkanKHR *req), (instance, system, req))
{
	XrResult r = check_vk_instance(instance);
	if (r != XR_SUCCESS)
		return r;
	if (system != XRT_SYSTEM_ID)
		return xrt_fail(XR_ERROR_SYSTEM_INVALID, "systemId %" PRIu64 " is not the one xrGetSystem returned",
				(uint64_t)system);
	if (!req || req->type != XR_TYPE_GRAPHICS_REQUIREMENTS_VULKAN2_KHR)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "graphicsRequirements is NULL or not "
				"XR_TYPE_GRAPHICS_REQUIREMENTS_VULKAN2_KHR");
	req->minApiVersionSupported = XR_MAKE_VERSION(1, 0, 0);
	req->maxApiVersionSupported = XR_MAKE_VERSION(1, 3, 0);
	xrt.gfx_requirements_called = true;
	return XR_SUCCESS;
}

XRT_API(xrCreateVulkanInstanceKHR, xrt_create_vulkan_instance,
	(XrInstance instance, const XrVulkanInstanceCreateInfoKHR *info, VkInstance *out, VkResult *vk_result),
	(instance, info, out, vk_result))
{
	XrResult r = check_vk_instance(instance);
	if (r != XR_SUCCESS)
		return r;
	if (!info || info->type != XR_TYPE_VULKAN_INSTANCE_CREATE_INFO_KHR || !out || !vk_result)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "createInfo is NULL or not "
				"XR_TYPE_VULKAN_INSTANCE_CREATE_INFO_KHR, or an output is NULL");
	if (info->systemId != XRT_SYSTEM_ID)
		return xrt_fail(XR_ERROR_SYSTEM_INVALID, "systemId %" PRIu64 " is not the one xrGetSystem returned",
				(uint64_t)info->systemId);
	if (info->createFlags != 0 || !info->pfnGetInstanceProcAddr || !info->vulkanCreateInfo)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "createFlags is not 0, or pfnGetInstanceProcAddr or "
				"vulkanCreateInfo is NULL");
	PFN_vkCreateInstance create =
		(PFN_vkCreateInstance)info->pfnGetInstanceProcAddr(VK_NULL_HANDLE, "vkCreateInstance");
	if (!create) {
		xrt_error("the application's vkGetInstanceProcAddr has no vkCreateInstance");
		return XR_ERROR_RUNTIME_FAILURE;
	}
	*vk_result = create(info->vulkanCreateInfo, info->vulkanAllocator, out);
	return XR_SUCCESS;
}

XRT_API(xrGetVulkanGraphicsDevice2KHR, xrt_get_vulkan_graphics_device2,
	(XrInstance instance, const XrVulkanGraphicsDeviceGetInfoKHR *info, VkPhysicalDevice *out),
	(instance, info, out))
{
	XrResult r = check_vk_instance(instance);
	if (r != XR_SUCCESS)
		return r;
	if (!info || info->type != XR_TYPE_VULKAN_GRAPHICS_DEVICE_GET_INFO_KHR || !out || !info->vulkanInstance)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "getInfo is NULL, not "
				"XR_TYPE_VULKAN_GRAPHICS_DEVICE_GET_INFO_KHR, or has no VkInstance");
	if (info->systemId != XRT_SYSTEM_ID)
		return xrt_fail(XR_ERROR_SYSTEM_INVALID, "systemId %" PRIu64 " is not the one xrGetSystem returned",
				(uint64_t)info->systemId);
	uint32_t n = 0;
	VkPhysicalDevice devs[16];
	if (vkEnumeratePhysicalDevices(info->vulkanInstance, &n, NULL) != VK_SUCCESS || n == 0) {
		xrt_error("the Vulkan instance has no physical devices (VK_ICD_FILENAMES?)");
		return XR_ERROR_RUNTIME_FAILURE;
	}
	if (n > 16)
		n = 16;
	VkResult vr = vkEnumeratePhysicalDevices(info->vulkanInstance, &n, devs);
	if (vr != VK_SUCCESS && vr != VK_INCOMPLETE) {
		xrt_error("vkEnumeratePhysicalDevices failed (%d)", vr);
		return XR_ERROR_RUNTIME_FAILURE;
	}
	VkPhysicalDevice pick = VK_NULL_HANDLE;
	for (uint32_t i = 0; i < n && !pick; i++) {
		VkPhysicalDeviceProperties props;
		vkGetPhysicalDeviceProperties(devs[i], &props);
		if (!xrt.cfg.gpu[0] || strstr(props.deviceName, xrt.cfg.gpu))
			pick = devs[i];
	}
	if (!pick) {
		xrt_error("LYCEUM_XRT_GPU='%s' names none of the %u Vulkan devices", xrt.cfg.gpu, n);
		return XR_ERROR_RUNTIME_FAILURE;
	}
	xrt.vk_instance = info->vulkanInstance;
	xrt.vk_physdev = pick;
	*out = pick;
	return XR_SUCCESS;
}

XRT_API(xrCreateVulkanDeviceKHR, xrt_create_vulkan_device,
	(XrInstance instance, const XrVulkanDeviceCreateInfoKHR *info, VkDevice *out, VkResult *vk_result),
	(instance, info, out, vk_result))
{
	XrResult r = check_vk_instance(instance);
	if (r != XR_SUCCESS)
		return r;
	if (!info || info->type != XR_TYPE_VULKAN_DEVICE_CREATE_INFO_KHR || !out || !vk_result)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "createInfo is NULL or not "
				"XR_TYPE_VULKAN_DEVICE_CREATE_INFO_KHR, or an output is NULL");
	if (info->systemId != XRT_SYSTEM_ID)
		return xrt_fail(XR_ERROR_SYSTEM_INVALID, "systemId %" PRIu64 " is not the one xrGetSystem returned",
				(uint64_t)info->systemId);
	if (info->createFlags != 0 || !info->pfnGetInstanceProcAddr || !info->vulkanCreateInfo)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "createFlags is not 0, or pfnGetInstanceProcAddr or "
				"vulkanCreateInfo is NULL");
	if (!xrt.vk_physdev || info->vulkanPhysicalDevice != xrt.vk_physdev)
		return xrt_fail(XR_ERROR_HANDLE_INVALID, "vulkanPhysicalDevice is not the one "
				"xrGetVulkanGraphicsDevice2KHR returned");
	PFN_vkCreateDevice create = (PFN_vkCreateDevice)info->pfnGetInstanceProcAddr(xrt.vk_instance, "vkCreateDevice");
	if (!create) {
		xrt_error("the application's vkGetInstanceProcAddr has no vkCreateDevice");
		return XR_ERROR_RUNTIME_FAILURE;
	}
	*vk_result = create(info->vulkanPhysicalDevice, info->vulkanCreateInfo, info->vulkanAllocator, out);
	return XR_SUCCESS;
}

/* Session resources: the queue, a command pool and a fence. */
XrResult xrt_vk_session_init(struct xrt_session *s, const XrGraphicsBindingVulkanKHR *b)
{
	if (!b->instance || !b->physicalDevice || !b->device)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "the Vulkan binding has a NULL instance, physical device "
				"or device");
	if (!xrt.vk_physdev || b->physicalDevice != xrt.vk_physdev)
		return xrt_fail(XR_ERROR_GRAPHICS_DEVICE_INVALID, "the binding's VkPhysicalDevice is not the one "
				"xrGetVulkanGraphicsDevice2KHR returned");
	uint32_t n = 0;
	vkGetPhysicalDeviceQueueFamilyProperties(b->physicalDevice, &n, NULL);
	VkQueueFamilyProperties fams[32];
	if (n > 32)
		n = 32;
	vkGetPhysicalDeviceQueueFamilyProperties(b->physicalDevice, &n, fams);
	if (b->queueFamilyIndex >= n || b->queueIndex >= fams[b->queueFamilyIndex].queueCount)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "queue family %u, index %u is not a queue of the device",
				b->queueFamilyIndex, b->queueIndex);
	s->vk_instance = b->instance;
	s->vk_physdev = b->physicalDevice;
	s->vk_device = b->device;
	s->vk_family = b->queueFamilyIndex;
	s->vk_queue_index = b->queueIndex;
	vkGetDeviceQueue(s->vk_device, s->vk_family, s->vk_queue_index, &s->vk_queue);
	VkCommandPoolCreateInfo pci = { .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
					.flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT |
						 VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
					.queueFamilyIndex = s->vk_family };
	VkFenceCreateInfo fci = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
	if (vkCreateCommandPool(s->vk_device, &pci, NULL, &s->vk_pool) != VK_SUCCESS ||
	    vkCreateFence(s->vk_device, &fci, NULL, &s->vk_fence) != VK_SUCCESS) {
		xrt_error("cannot create a command pool and fence on the application's VkDevice");
		xrt_vk_session_fini(s);
		return XR_ERROR_RUNTIME_FAILURE;
	}
	return XR_SUCCESS;
}

void xrt_vk_session_fini(struct xrt_session *s)
{
	if (!s->vk_device)
		return;
	if (s->vk_queue)
		vkQueueWaitIdle(s->vk_queue);
	if (s->vk_fence)
		vkDestroyFence(s->vk_device, s->vk_fence, NULL);
	if (s->vk_pool)
		vkDestroyCommandPool(s->vk_device, s->vk_pool, NULL);
	s->vk_fence = VK_NULL_HANDLE;
	s->vk_pool = VK_NULL_HANDLE;
	s->vk_device = VK_NULL_HANDLE;
}

static bool is_depth(VkFormat f)
{
	return f == VK_FORMAT_D32_SFLOAT;
}

static bool format_usable(VkPhysicalDevice pd, VkFormat f)
{
	VkFormatProperties props;
	vkGetPhysicalDeviceFormatProperties(pd, f, &props);
	VkFormatFeatureFlags need = is_depth(f) ? VK_FORMAT_FEATURE_DEPTH_STENCIL_ATTACHMENT_BIT
						: VK_FORMAT_FEATURE_COLOR_ATTACHMENT_BIT;
	return (props.optimalTilingFeatures & need) == need;
}

XRT_API(xrEnumerateSwapchainFormats, xrt_enumerate_swapchain_formats,
	(XrSession session, uint32_t cap, uint32_t *count, int64_t *out), (session, cap, count, out))
{
	struct xrt_session *s;
	XrResult r = xrt_check_session(session, &s);
	if (r != XR_SUCCESS)
		return r;
	int64_t usable[N_FORMATS];
	uint32_t n = 0;
	for (size_t i = 0; i < N_FORMATS; i++)
		if (format_usable(s->vk_physdev, formats[i]))
			usable[n++] = formats[i];
	r = xrt_two_call(cap, count, n, "swapchain formats");
	if (r != XR_SUCCESS || cap == 0)
		return r;
	if (!out)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "formats is NULL");
	memcpy(out, usable, n * sizeof(usable[0]));
	return XR_SUCCESS;
}

struct xrt_swapchain *xrt_swapchain_get(XrSwapchain swapchain)
{
	uint32_t slot, gen;
	if (!xrt.session.live ||
	    !xrt_handle_slot((uint64_t)(uintptr_t)swapchain, XRT_KIND_SWAPCHAIN, XRT_MAX_SWAPCHAINS, &slot, &gen))
		return NULL;
	struct xrt_swapchain *sc = &xrt.swapchains[slot];
	return sc->live && (sc->gen & 0xffffff) == gen ? sc : NULL;
}

static void swapchain_free(struct xrt_swapchain *sc)
{
	VkDevice d = xrt.session.vk_device;
	if (d && xrt.session.vk_queue)
		vkQueueWaitIdle(xrt.session.vk_queue);
	for (uint32_t i = 0; i < XRT_SWAPCHAIN_IMAGES; i++) {
		if (sc->images[i])
			vkDestroyImage(d, sc->images[i], NULL);
		if (sc->memory[i])
			vkFreeMemory(d, sc->memory[i], NULL);
		sc->images[i] = VK_NULL_HANDLE;
		sc->memory[i] = VK_NULL_HANDLE;
	}
	sc->live = false;
}

void xrt_swapchain_destroy_all(void)
{
	for (uint32_t i = 0; i < XRT_MAX_SWAPCHAINS; i++)
		if (xrt.swapchains[i].live)
			swapchain_free(&xrt.swapchains[i]);
}

int xrt_vk_memory_type(VkPhysicalDevice pd, uint32_t bits, VkMemoryPropertyFlags want)
{
	VkPhysicalDeviceMemoryProperties mp;
	vkGetPhysicalDeviceMemoryProperties(pd, &mp);
	for (uint32_t i = 0; i < mp.memoryTypeCount; i++)
		if ((bits & (1u << i)) && (mp.memoryTypes[i].propertyFlags & want) == want)
			return (int)i;
	return -1;
}

/* One-time commands on the session's queue, waited for. */
VkCommandBuffer xrt_vk_begin(void)
{
	struct xrt_session *s = &xrt.session;
	VkCommandBufferAllocateInfo ai = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
					   .commandPool = s->vk_pool,
					   .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
					   .commandBufferCount = 1 };
	VkCommandBuffer cb = VK_NULL_HANDLE;
	if (vkAllocateCommandBuffers(s->vk_device, &ai, &cb) != VK_SUCCESS)
		return VK_NULL_HANDLE;
	VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
					.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT };
	if (vkBeginCommandBuffer(cb, &bi) != VK_SUCCESS) {
		vkFreeCommandBuffers(s->vk_device, s->vk_pool, 1, &cb);
		return VK_NULL_HANDLE;
	}
	return cb;
}

bool xrt_vk_submit(VkCommandBuffer cb)
{
	struct xrt_session *s = &xrt.session;
	bool ok = vkEndCommandBuffer(cb) == VK_SUCCESS;
	VkSubmitInfo si = { .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1, .pCommandBuffers = &cb };
	ok = ok && vkResetFences(s->vk_device, 1, &s->vk_fence) == VK_SUCCESS;
	ok = ok && vkQueueSubmit(s->vk_queue, 1, &si, s->vk_fence) == VK_SUCCESS;
	ok = ok && vkWaitForFences(s->vk_device, 1, &s->vk_fence, VK_TRUE, UINT64_MAX) == VK_SUCCESS;
	vkFreeCommandBuffers(s->vk_device, s->vk_pool, 1, &cb);
	return ok;
}

static bool swapchain_images(struct xrt_swapchain *sc, VkImageUsageFlags usage, VkImageCreateFlags flags)
{
	struct xrt_session *s = &xrt.session;
	VkImageCreateInfo ici = { .sType = VK_STRUCTURE_TYPE_IMAGE_CREATE_INFO,
				  .flags = flags,
				  .imageType = VK_IMAGE_TYPE_2D,
				  .format = sc->format,
				  .extent = { sc->width, sc->height, 1 },
				  .mipLevels = 1,
				  .arrayLayers = sc->array_size,
				  .samples = (VkSampleCountFlagBits)sc->samples,
				  .tiling = VK_IMAGE_TILING_OPTIMAL,
				  .usage = usage,
				  .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
				  .initialLayout = VK_IMAGE_LAYOUT_UNDEFINED };
	for (uint32_t i = 0; i < sc->n_images; i++) {
		VkMemoryRequirements req;
		if (vkCreateImage(s->vk_device, &ici, NULL, &sc->images[i]) != VK_SUCCESS)
			return false;
		vkGetImageMemoryRequirements(s->vk_device, sc->images[i], &req);
		int type = xrt_vk_memory_type(s->vk_physdev, req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
		if (type < 0)
			type = xrt_vk_memory_type(s->vk_physdev, req.memoryTypeBits, 0);
		VkMemoryAllocateInfo mai = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
					     .allocationSize = req.size,
					     .memoryTypeIndex = (uint32_t)type };
		if (type < 0 || vkAllocateMemory(s->vk_device, &mai, NULL, &sc->memory[i]) != VK_SUCCESS ||
		    vkBindImageMemory(s->vk_device, sc->images[i], sc->memory[i], 0) != VK_SUCCESS)
			return false;
	}
	VkCommandBuffer cb = xrt_vk_begin();
	if (!cb)
		return false;
	VkImageMemoryBarrier bar[XRT_SWAPCHAIN_IMAGES];
	for (uint32_t i = 0; i < sc->n_images; i++) {
		bar[i] = (VkImageMemoryBarrier){
			.sType = VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER,
			.srcAccessMask = 0,
			.dstAccessMask = sc->depth ? VK_ACCESS_DEPTH_STENCIL_ATTACHMENT_WRITE_BIT
						   : VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT,
			.oldLayout = VK_IMAGE_LAYOUT_UNDEFINED,
			.newLayout = sc->depth ? VK_IMAGE_LAYOUT_DEPTH_STENCIL_ATTACHMENT_OPTIMAL
					       : VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL,
			.srcQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
			.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED,
			.image = sc->images[i],
			.subresourceRange = { sc->depth ? VK_IMAGE_ASPECT_DEPTH_BIT : VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0,
					      sc->array_size },
		};
	}
	VkPipelineStageFlags dst = sc->depth ? VK_PIPELINE_STAGE_EARLY_FRAGMENT_TESTS_BIT |
						       VK_PIPELINE_STAGE_LATE_FRAGMENT_TESTS_BIT
					     : VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
	vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, dst, 0, 0, NULL, 0, NULL, sc->n_images, bar);
	return xrt_vk_submit(cb);
}

XRT_API(xrCreateSwapchain, xrt_create_swapchain, (XrSession session, const XrSwapchainCreateInfo *info,
						  XrSwapchain *out),
	(session, info, out))
{
	struct xrt_session *s;
	XrResult r = xrt_check_session(session, &s);
	if (r != XR_SUCCESS)
		return r;
	if (!info || info->type != XR_TYPE_SWAPCHAIN_CREATE_INFO || !out)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "createInfo is NULL or not XR_TYPE_SWAPCHAIN_CREATE_INFO, "
				"or swapchain is NULL");
	if (info->createFlags & ~(XrSwapchainCreateFlags)(XR_SWAPCHAIN_CREATE_PROTECTED_CONTENT_BIT |
							  XR_SWAPCHAIN_CREATE_STATIC_IMAGE_BIT))
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "createFlags has unknown bits");
	if (info->createFlags & XR_SWAPCHAIN_CREATE_PROTECTED_CONTENT_BIT)
		return xrt_fail(XR_ERROR_FEATURE_UNSUPPORTED, "protected content is not offered");
	if (info->usageFlags & ~(XrSwapchainUsageFlags)0xff)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "usageFlags has unknown bits");
	VkFormat format = (VkFormat)info->format;
	bool listed = false;
	for (size_t i = 0; i < N_FORMATS; i++)
		listed |= (int64_t)formats[i] == info->format;
	if (!listed || !format_usable(s->vk_physdev, format))
		return xrt_fail(XR_ERROR_SWAPCHAIN_FORMAT_UNSUPPORTED, "format %" PRId64 " was not enumerated",
				info->format);
	if (info->width == 0 || info->height == 0 || info->width > XRT_MAX_EYE_SIZE || info->height > XRT_MAX_EYE_SIZE)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "size %ux%u: each side 1 to %d", info->width,
				info->height, XRT_MAX_EYE_SIZE);
	if (info->sampleCount == 0 || info->faceCount == 0 || info->arraySize == 0 || info->mipCount == 0)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "sampleCount, faceCount, arraySize and mipCount must be "
				"at least 1");
	if ((info->sampleCount != 1 && info->sampleCount != 2 && info->sampleCount != 4) || info->faceCount != 1 ||
	    info->arraySize > 2 || info->mipCount != 1)
		return xrt_fail(XR_ERROR_FEATURE_UNSUPPORTED, "sampleCount %u, faceCount %u, arraySize %u, mipCount "
				"%u: the runtime offers 1, 2 or 4 samples, 1 face, 1 or 2 layers, 1 mip",
				info->sampleCount, info->faceCount, info->arraySize, info->mipCount);
	bool depth = is_depth(format);
	VkImageUsageFlags usage = depth ? VK_IMAGE_USAGE_DEPTH_STENCIL_ATTACHMENT_BIT
					: VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT;
	if (info->usageFlags & XR_SWAPCHAIN_USAGE_UNORDERED_ACCESS_BIT)
		usage |= VK_IMAGE_USAGE_STORAGE_BIT;
	if (info->usageFlags & XR_SWAPCHAIN_USAGE_TRANSFER_SRC_BIT)
		usage |= VK_IMAGE_USAGE_TRANSFER_SRC_BIT;
	if (info->usageFlags & XR_SWAPCHAIN_USAGE_TRANSFER_DST_BIT)
		usage |= VK_IMAGE_USAGE_TRANSFER_DST_BIT;
	if (info->usageFlags & XR_SWAPCHAIN_USAGE_SAMPLED_BIT)
		usage |= VK_IMAGE_USAGE_SAMPLED_BIT;
	if (info->usageFlags & XR_SWAPCHAIN_USAGE_INPUT_ATTACHMENT_BIT_KHR)
		usage |= VK_IMAGE_USAGE_INPUT_ATTACHMENT_BIT;
	if ((info->usageFlags & XR_SWAPCHAIN_USAGE_COLOR_ATTACHMENT_BIT) && depth)
		return xrt_fail(XR_ERROR_FEATURE_UNSUPPORTED, "colour attachment usage on a depth format");
	if ((info->usageFlags & XR_SWAPCHAIN_USAGE_DEPTH_STENCIL_ATTACHMENT_BIT) && !depth)
		return xrt_fail(XR_ERROR_FEATURE_UNSUPPORTED, "depth attachment usage on a colour format");
	VkImageCreateFlags flags = 0;
	if (info->usageFlags & XR_SWAPCHAIN_USAGE_MUTABLE_FORMAT_BIT)
		flags |= VK_IMAGE_CREATE_MUTABLE_FORMAT_BIT;
	VkImageFormatProperties ifp;
	if (vkGetPhysicalDeviceImageFormatProperties(s->vk_physdev, format, VK_IMAGE_TYPE_2D, VK_IMAGE_TILING_OPTIMAL,
						     usage, flags, &ifp) != VK_SUCCESS ||
	    ifp.maxArrayLayers < info->arraySize || !(ifp.sampleCounts & info->sampleCount) ||
	    ifp.maxExtent.width < info->width || ifp.maxExtent.height < info->height)
		return xrt_fail(XR_ERROR_FEATURE_UNSUPPORTED, "the device cannot make format %" PRId64 " images with "
				"usage 0x%" PRIx64 ", %u samples, %u layers", info->format,
				(uint64_t)info->usageFlags, info->sampleCount, info->arraySize);
	int slot = -1;
	for (int i = 0; i < XRT_MAX_SWAPCHAINS && slot < 0; i++)
		if (!xrt.swapchains[i].live)
			slot = i;
	if (slot < 0)
		return xrt_fail(XR_ERROR_LIMIT_REACHED, "more than %d live swapchains", XRT_MAX_SWAPCHAINS);
	struct xrt_swapchain *sc = &xrt.swapchains[slot];
	uint32_t gen = sc->gen + 1;
	memset(sc, 0, sizeof(*sc));
	sc->gen = gen;
	sc->flags = info->createFlags;
	sc->usage = info->usageFlags;
	sc->format = format;
	sc->depth = depth;
	sc->width = info->width;
	sc->height = info->height;
	sc->samples = info->sampleCount;
	sc->array_size = info->arraySize;
	sc->n_images = (info->createFlags & XR_SWAPCHAIN_CREATE_STATIC_IMAGE_BIT) ? 1 : XRT_SWAPCHAIN_IMAGES;
	sc->last_released = -1;
	sc->live = true;
	if (!swapchain_images(sc, usage, flags)) {
		swapchain_free(sc);
		xrt_error("xrCreateSwapchain: Vulkan could not create or lay out %ux%u images of format %d",
			  sc->width, sc->height, format);
		return XR_ERROR_RUNTIME_FAILURE;
	}
	xrt.swapchains_created++;
	*out = (XrSwapchain)(uintptr_t)xrt_handle_make(XRT_KIND_SWAPCHAIN, (uint32_t)slot, gen);
	return XR_SUCCESS;
}

static XrResult check_swapchain(XrSwapchain swapchain, struct xrt_swapchain **out)
{
	*out = xrt_swapchain_get(swapchain);
	if (!*out)
		return xrt_fail(XR_ERROR_HANDLE_INVALID, "XrSwapchain 0x%" PRIxPTR " is not a live swapchain",
				(uintptr_t)swapchain);
	return XR_SUCCESS;
}

XRT_API(xrDestroySwapchain, xrt_destroy_swapchain, (XrSwapchain swapchain), (swapchain))
{
	struct xrt_swapchain *sc;
	XrResult r = check_swapchain(swapchain, &sc);
	if (r != XR_SUCCESS)
		return r;
	swapchain_free(sc);
	return XR_SUCCESS;
}

XRT_API(xrEnumerateSwapchainImages, xrt_enumerate_swapchain_images,
	(XrSwapchain swapchain, uint32_t cap, uint32_t *count, XrSwapchainImageBaseHeader *images),
	(swapchain, cap, count, images))
{
	struct xrt_swapchain *sc;
	XrResult r = check_swapchain(swapchain, &sc);
	if (r == XR_SUCCESS)
		r = xrt_two_call(cap, count, sc->n_images, "swapchain images");
	if (r != XR_SUCCESS || cap == 0)
		return r;
	if (!images)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "images is NULL");
	XrSwapchainImageVulkanKHR *vk = (XrSwapchainImageVulkanKHR *)images;
	for (uint32_t i = 0; i < sc->n_images; i++)
		if (vk[i].type != XR_TYPE_SWAPCHAIN_IMAGE_VULKAN2_KHR)
			return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "images[%u].type is %d, not "
					"XR_TYPE_SWAPCHAIN_IMAGE_VULKAN2_KHR", i, vk[i].type);
	for (uint32_t i = 0; i < sc->n_images; i++)
		vk[i].image = sc->images[i];
	return XR_SUCCESS;
}

XRT_API(xrAcquireSwapchainImage, xrt_acquire_swapchain_image,
	(XrSwapchain swapchain, const XrSwapchainImageAcquireInfo *info, uint32_t *index), (swapchain, info, index))
{
	struct xrt_swapchain *sc;
	XrResult r = check_swapchain(swapchain, &sc);
	if (r != XR_SUCCESS)
		return r;
	if ((info && info->type != XR_TYPE_SWAPCHAIN_IMAGE_ACQUIRE_INFO) || !index)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "acquireInfo is not XR_TYPE_SWAPCHAIN_IMAGE_ACQUIRE_INFO, "
				"or index is NULL");
	if ((sc->flags & XR_SWAPCHAIN_CREATE_STATIC_IMAGE_BIT) && sc->acquired_once)
		return xrt_fail(XR_ERROR_CALL_ORDER_INVALID, "a static-image swapchain is acquired once only");
	if (sc->n_acquired == sc->n_images)
		return xrt_fail(XR_ERROR_CALL_ORDER_INVALID, "all %u images are acquired and not released",
				sc->n_images);
	*index = sc->next;
	sc->fifo[sc->n_acquired++] = sc->next;
	sc->next = (sc->next + 1) % sc->n_images;
	sc->acquired_once = true;
	return XR_SUCCESS;
}

XRT_API(xrWaitSwapchainImage, xrt_wait_swapchain_image, (XrSwapchain swapchain, const XrSwapchainImageWaitInfo *info),
	(swapchain, info))
{
	struct xrt_swapchain *sc;
	XrResult r = check_swapchain(swapchain, &sc);
	if (r != XR_SUCCESS)
		return r;
	if (!info || info->type != XR_TYPE_SWAPCHAIN_IMAGE_WAIT_INFO)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "waitInfo is NULL or not XR_TYPE_SWAPCHAIN_IMAGE_WAIT_INFO");
	if (sc->n_waited)
		return xrt_fail(XR_ERROR_CALL_ORDER_INVALID, "image %u was waited and not released yet", sc->fifo[0]);
	if (sc->n_acquired == 0)
		return xrt_fail(XR_ERROR_CALL_ORDER_INVALID, "no image is acquired");
	sc->n_waited = 1;
	return XR_SUCCESS;
}

XRT_API(xrReleaseSwapchainImage, xrt_release_swapchain_image,
	(XrSwapchain swapchain, const XrSwapchainImageReleaseInfo *info), (swapchain, info))
{
	struct xrt_swapchain *sc;
	XrResult r = check_swapchain(swapchain, &sc);
	if (r != XR_SUCCESS)
		return r;
	if (info && info->type != XR_TYPE_SWAPCHAIN_IMAGE_RELEASE_INFO)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "releaseInfo is not XR_TYPE_SWAPCHAIN_IMAGE_RELEASE_INFO");
	if (sc->n_waited == 0)
		return xrt_fail(XR_ERROR_CALL_ORDER_INVALID, "no image was waited (xrWaitSwapchainImage)");
	sc->last_released = (int)sc->fifo[0];
	for (uint32_t i = 1; i < sc->n_acquired; i++)
		sc->fifo[i - 1] = sc->fifo[i];
	sc->n_acquired--;
	sc->n_waited = 0;
	return XR_SUCCESS;
}
