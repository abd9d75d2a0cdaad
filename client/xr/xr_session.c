/*
 * xr_session.c: the OpenXR instance (extensions enumerated before they are
 * enabled: XR_KHR_vulkan_enable2 required; XR_FB_display_refresh_rate and
 * XR_BD_controller_interaction when offered), the HMD system, the Vulkan
 * instance and device made through the runtime (the renderer's hooks), the
 * session and its reference spaces, and the lifecycle the runtime drives
 * through events: READY -> begin, STOPPING -> end, EXITING -> quit,
 * LOSS_PENDING -> give up cleanly (said why).
 */
#include "xr_internal.h"

#include "rnd_xr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void xr_pose_of(const XrPosef *p, struct xr_pose *out)
{
	out->p[0] = p->position.x;
	out->p[1] = p->position.y;
	out->p[2] = p->position.z;
	out->q[0] = p->orientation.x;
	out->q[1] = p->orientation.y;
	out->q[2] = p->orientation.z;
	out->q[3] = p->orientation.w;
}

bool xr_check(struct xr *x, XrResult res, const char *what)
{
	if (XR_SUCCEEDED(res))
		return true;
	char name[XR_MAX_RESULT_STRING_SIZE] = "";
	if (!x->instance || XR_FAILED(xrResultToString(x->instance, res, name)))
		snprintf(name, sizeof(name), "%d", (int)res);
	CORE_ERROR("OpenXR: %s failed: %s", what, name);
	if (res == XR_ERROR_INSTANCE_LOST || res == XR_ERROR_SESSION_LOST)
		x->lost = true;
	return false;
}

static bool has_extension(const XrExtensionProperties *props, uint32_t n, const char *name)
{
	for (uint32_t i = 0; i < n; i++)
		if (!strcmp(props[i].extensionName, name))
			return true;
	return false;
}

#ifdef __ANDROID__
/* Android's loader needs the VM and the activity before anything else. */
static enum core_result android_loader(struct xr *x)
{
	PFN_xrInitializeLoaderKHR init = NULL;
	if (XR_FAILED(xrGetInstanceProcAddr(XR_NULL_HANDLE, "xrInitializeLoaderKHR",
					    (PFN_xrVoidFunction *)&init)) ||
	    !init) {
		CORE_ERROR("the OpenXR loader has no xrInitializeLoaderKHR: package the Khronos "
			   "loader for Android (docs/android.md)");
		return CORE_ERR_IO;
	}
	XrLoaderInitInfoAndroidKHR li = {
		.type = XR_TYPE_LOADER_INIT_INFO_ANDROID_KHR,
		.applicationVM = x->cfg.android_vm,
		.applicationContext = x->cfg.android_activity,
	};
	XR_TRY(x, init((const XrLoaderInitInfoBaseHeaderKHR *)&li), "xrInitializeLoaderKHR");
	return CORE_OK;
}
#endif

static enum core_result create_instance(struct xr *x)
{
#ifdef __ANDROID__
	enum core_result lr = android_loader(x);
	if (lr != CORE_OK)
		return lr;
	XrInstanceCreateInfoAndroidKHR android = {
		.type = XR_TYPE_INSTANCE_CREATE_INFO_ANDROID_KHR,
		.applicationVM = x->cfg.android_vm,
		.applicationActivity = x->cfg.android_activity,
	};
#endif
	uint32_t n = 0;
	XrResult res = xrEnumerateInstanceExtensionProperties(NULL, 0, &n, NULL);
	if (XR_FAILED(res)) {
		CORE_ERROR("no OpenXR runtime is active (xrEnumerateInstanceExtensionProperties: "
			   "%d): start your headset's runtime (SteamVR, Monado, the Quest app), "
			   "or point XR_RUNTIME_JSON at one",
			   (int)res);
		return CORE_ERR_IO;
	}
	XrExtensionProperties *props = calloc(n ? n : 1, sizeof(*props));
	if (!props)
		return CORE_ERR_NOMEM;
	for (uint32_t i = 0; i < n; i++)
		props[i].type = XR_TYPE_EXTENSION_PROPERTIES;
	res = xrEnumerateInstanceExtensionProperties(NULL, n, &n, props);
	bool vk2 = XR_SUCCEEDED(res) && has_extension(props, n, XR_KHR_VULKAN_ENABLE2_EXTENSION_NAME);
	x->has_refresh = XR_SUCCEEDED(res) &&
			 has_extension(props, n, XR_FB_DISPLAY_REFRESH_RATE_EXTENSION_NAME);
	x->has_bd = XR_SUCCEEDED(res) && has_extension(props, n, XR_BD_CONTROLLER_EXTENSION);
	free(props);
	if (!vk2) {
		CORE_ERROR("the OpenXR runtime does not offer %s; Lyceum draws with Vulkan and "
			   "needs it",
			   XR_KHR_VULKAN_ENABLE2_EXTENSION_NAME);
		return CORE_ERR_IO;
	}
	const char *exts[4] = {XR_KHR_VULKAN_ENABLE2_EXTENSION_NAME};
	uint32_t ext_count = 1;
#ifdef __ANDROID__
	exts[ext_count++] = XR_KHR_ANDROID_CREATE_INSTANCE_EXTENSION_NAME;
#endif
	if (x->has_refresh)
		exts[ext_count++] = XR_FB_DISPLAY_REFRESH_RATE_EXTENSION_NAME;
	if (x->has_bd)
		exts[ext_count++] = XR_BD_CONTROLLER_EXTENSION;
	XrInstanceCreateInfo ci = {
		.type = XR_TYPE_INSTANCE_CREATE_INFO,
#ifdef __ANDROID__
		.next = &android,
#endif
		.applicationInfo = {.applicationName = "Lyceum",
				    .applicationVersion = 1,
				    .engineName = "Lyceum",
				    .engineVersion = 1,
				    .apiVersion = XR_MAKE_VERSION(1, 0, 0)},
		.enabledExtensionCount = ext_count,
		.enabledExtensionNames = exts,
	};
	XR_TRY(x, xrCreateInstance(&ci, &x->instance), "xrCreateInstance");
	XrInstanceProperties ip = {.type = XR_TYPE_INSTANCE_PROPERTIES};
	if (XR_SUCCEEDED(xrGetInstanceProperties(x->instance, &ip)))
		CORE_INFO("OpenXR runtime: %s %u.%u.%u", ip.runtimeName,
			  (unsigned)XR_VERSION_MAJOR(ip.runtimeVersion),
			  (unsigned)XR_VERSION_MINOR(ip.runtimeVersion),
			  (unsigned)XR_VERSION_PATCH(ip.runtimeVersion));
	struct {
		const char *name;
		PFN_xrVoidFunction *fn;
		bool needed;
	} fns[] = {
		{"xrGetVulkanGraphicsRequirements2KHR", (PFN_xrVoidFunction *)&x->get_requirements, true},
		{"xrCreateVulkanInstanceKHR", (PFN_xrVoidFunction *)&x->create_vk_instance, true},
		{"xrGetVulkanGraphicsDevice2KHR", (PFN_xrVoidFunction *)&x->get_vk_device, true},
		{"xrCreateVulkanDeviceKHR", (PFN_xrVoidFunction *)&x->create_vk_device, true},
		{"xrRequestDisplayRefreshRateFB", (PFN_xrVoidFunction *)&x->request_refresh, false},
		{"xrEnumerateDisplayRefreshRatesFB", (PFN_xrVoidFunction *)&x->enumerate_refresh, false},
	};
	for (size_t i = 0; i < CORE_ARRAY_LEN(fns); i++) {
		if (!fns[i].needed && !x->has_refresh)
			continue;
		XR_TRY(x, xrGetInstanceProcAddr(x->instance, fns[i].name, fns[i].fn), fns[i].name);
	}
	return CORE_OK;
}

static enum core_result get_system(struct xr *x)
{
	XrSystemGetInfo gi = {
		.type = XR_TYPE_SYSTEM_GET_INFO,
		.formFactor = XR_FORM_FACTOR_HEAD_MOUNTED_DISPLAY,
	};
	XrResult res = xrGetSystem(x->instance, &gi, &x->system);
	if (res == XR_ERROR_FORM_FACTOR_UNAVAILABLE) {
		CORE_ERROR("the headset is not connected or not ready (XR_ERROR_FORM_FACTOR_"
			   "UNAVAILABLE): connect it, put it on, and start lyceum --xr again");
		return CORE_ERR_IO;
	}
	XR_TRY(x, res, "xrGetSystem");
	XrSystemProperties sp = {.type = XR_TYPE_SYSTEM_PROPERTIES};
	XR_TRY(x, xrGetSystemProperties(x->instance, x->system, &sp), "xrGetSystemProperties");
	CORE_INFO("OpenXR system: %s (orientation tracking %s, position tracking %s)", sp.systemName,
		  sp.trackingProperties.orientationTracking ? "yes" : "no",
		  sp.trackingProperties.positionTracking ? "yes" : "no");
	/* Stereo, and the runtime's recommended size for each eye. */
	uint32_t n = 0;
	XR_TRY(x, xrEnumerateViewConfigurationViews(x->instance, x->system,
						    XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO, 0, &n,
						    NULL),
	       "xrEnumerateViewConfigurationViews");
	if (n != 2) {
		CORE_ERROR("the OpenXR system has %u views in its stereo configuration, not 2", n);
		return CORE_ERR_IO;
	}
	for (int i = 0; i < 2; i++)
		x->config_views[i].type = XR_TYPE_VIEW_CONFIGURATION_VIEW;
	XR_TRY(x, xrEnumerateViewConfigurationViews(x->instance, x->system,
						    XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO, 2, &n,
						    x->config_views),
	       "xrEnumerateViewConfigurationViews");
	XrGraphicsRequirementsVulkan2KHR req = {.type = XR_TYPE_GRAPHICS_REQUIREMENTS_VULKAN2_KHR};
	XR_TRY(x, x->get_requirements(x->instance, x->system, &req),
	       "xrGetVulkanGraphicsRequirements2KHR");
	if (XR_VERSION_MAJOR(req.minApiVersionSupported) > 1 ||
	    XR_MAKE_VERSION(1, 1, 0) < req.minApiVersionSupported) {
		CORE_ERROR("the OpenXR runtime needs Vulkan %u.%u or newer; Lyceum uses 1.1",
			   (unsigned)XR_VERSION_MAJOR(req.minApiVersionSupported),
			   (unsigned)XR_VERSION_MINOR(req.minApiVersionSupported));
		return CORE_ERR_IO;
	}
	return CORE_OK;
}

/* ---- the renderer's Vulkan, made by the runtime ---------------------------- */

static bool hook_instance(void *user, const void *instance_ci, void *out_instance)
{
	struct xr *x = user;
	XrVulkanInstanceCreateInfoKHR ci = {
		.type = XR_TYPE_VULKAN_INSTANCE_CREATE_INFO_KHR,
		.systemId = x->system,
		.pfnGetInstanceProcAddr = vkGetInstanceProcAddr,
		.vulkanCreateInfo = instance_ci,
	};
	VkResult vr = VK_SUCCESS;
	if (!xr_check(x, x->create_vk_instance(x->instance, &ci, out_instance, &vr),
		      "xrCreateVulkanInstanceKHR"))
		return false;
	if (vr != VK_SUCCESS) {
		CORE_ERROR("the OpenXR runtime could not make a Vulkan instance (vkCreateInstance: "
			   "%d); install a Vulkan driver",
			   (int)vr);
		return false;
	}
	return true;
}

static bool hook_pick(void *user, void *instance, void *out_physical_device)
{
	struct xr *x = user;
	XrVulkanGraphicsDeviceGetInfoKHR gi = {
		.type = XR_TYPE_VULKAN_GRAPHICS_DEVICE_GET_INFO_KHR,
		.systemId = x->system,
		.vulkanInstance = *(VkInstance *)&instance,
	};
	if (!xr_check(x, x->get_vk_device(x->instance, &gi, out_physical_device),
		      "xrGetVulkanGraphicsDevice2KHR"))
		return false;
	x->gpu = *(VkPhysicalDevice *)out_physical_device;
	return true;
}

static bool hook_device(void *user, void *physical_device, const void *device_ci, void *out_device)
{
	struct xr *x = user;
	XrVulkanDeviceCreateInfoKHR ci = {
		.type = XR_TYPE_VULKAN_DEVICE_CREATE_INFO_KHR,
		.systemId = x->system,
		.pfnGetInstanceProcAddr = vkGetInstanceProcAddr,
		.vulkanPhysicalDevice = (VkPhysicalDevice)physical_device,
		.vulkanCreateInfo = device_ci,
	};
	VkResult vr = VK_SUCCESS;
	if (!xr_check(x, x->create_vk_device(x->instance, &ci, out_device, &vr),
		      "xrCreateVulkanDeviceKHR"))
		return false;
	if (vr != VK_SUCCESS) {
		CORE_ERROR("the OpenXR runtime could not make the Vulkan device (vkCreateDevice: %d)",
			   (int)vr);
		return false;
	}
	return true;
}

const struct rnd_vk_hooks *xr_vk_hooks(struct xr *x)
{
	x->hooks = (struct rnd_vk_hooks){
		.user = x,
		.create_instance = hook_instance,
		.pick_device = hook_pick,
		.create_device = hook_device,
	};
	return &x->hooks;
}

enum core_result xr_create(const struct xr_config *cfg, struct xr **out)
{
	struct xr *x = calloc(1, sizeof(*x));
	if (!x)
		return CORE_ERR_NOMEM;
	x->cfg = *cfg;
	*out = x;
	enum core_result res = create_instance(x);
	if (res == CORE_OK)
		res = get_system(x);
	return res;
}

/* ---- the session ------------------------------------------------------------- */

static enum core_result create_spaces(struct xr *x)
{
	uint32_t n = 0;
	XR_TRY(x, xrEnumerateReferenceSpaces(x->session, 0, &n, NULL), "xrEnumerateReferenceSpaces");
	XrReferenceSpaceType *types = calloc(n ? n : 1, sizeof(*types));
	if (!types)
		return CORE_ERR_NOMEM;
	XrResult res = xrEnumerateReferenceSpaces(x->session, n, &n, types);
	/* Stage: the floor is y = 0 where the user set up their play area.
	 * Local has its origin at the head at start: the space we make has its
	 * origin a standing height below that, so the floor is about y = 0. */
	x->space_type = XR_REFERENCE_SPACE_TYPE_LOCAL;
	for (uint32_t i = 0; XR_SUCCEEDED(res) && i < n; i++)
		if (types[i] == XR_REFERENCE_SPACE_TYPE_STAGE)
			x->space_type = XR_REFERENCE_SPACE_TYPE_STAGE;
	free(types);
	XR_TRY(x, res, "xrEnumerateReferenceSpaces");
	XrReferenceSpaceCreateInfo ci = {
		.type = XR_TYPE_REFERENCE_SPACE_CREATE_INFO,
		.referenceSpaceType = x->space_type,
		.poseInReferenceSpace = {.orientation = {0, 0, 0, 1},
					 .position = {0, x->space_type == XR_REFERENCE_SPACE_TYPE_LOCAL
								 ? -1.6f
								 : 0.0f,
						      0}},
	};
	XR_TRY(x, xrCreateReferenceSpace(x->session, &ci, &x->space), "xrCreateReferenceSpace");
	ci.referenceSpaceType = XR_REFERENCE_SPACE_TYPE_VIEW;
	ci.poseInReferenceSpace.position.y = 0;
	XR_TRY(x, xrCreateReferenceSpace(x->session, &ci, &x->view_space), "xrCreateReferenceSpace");
	CORE_INFO("OpenXR: %s reference space",
		  x->space_type == XR_REFERENCE_SPACE_TYPE_STAGE ? "stage" : "local (no stage)");
	return CORE_OK;
}

static void choose_refresh(struct xr *x)
{
	if (!x->has_refresh || !x->cfg.refresh_hz)
		return;
	uint32_t n = 0;
	if (XR_FAILED(x->enumerate_refresh(x->session, 0, &n, NULL)) || !n)
		return;
	float *rates = calloc(n, sizeof(*rates));
	if (!rates)
		return;
	float best = 0;
	if (XR_SUCCEEDED(x->enumerate_refresh(x->session, n, &n, rates)))
		for (uint32_t i = 0; i < n; i++)
			if (rates[i] <= x->cfg.refresh_hz + 0.5f && rates[i] > best)
				best = rates[i];
	free(rates);
	if (best > 0 && xr_check(x, x->request_refresh(x->session, best),
				 "xrRequestDisplayRefreshRateFB"))
		CORE_INFO("OpenXR: asked for %.0f Hz", (double)best);
}

enum core_result xr_start(struct xr *x, struct rnd *r)
{
	void *instance, *gpu, *device;
	uint32_t family, index;
	rnd_xr_vulkan(r, &instance, &gpu, &device, &family, &index);
	XrGraphicsBindingVulkan2KHR binding = {
		.type = XR_TYPE_GRAPHICS_BINDING_VULKAN2_KHR,
		.instance = (VkInstance)instance,
		.physicalDevice = (VkPhysicalDevice)gpu,
		.device = (VkDevice)device,
		.queueFamilyIndex = family,
		.queueIndex = index,
	};
	XrSessionCreateInfo ci = {
		.type = XR_TYPE_SESSION_CREATE_INFO,
		.next = &binding,
		.systemId = x->system,
	};
	XR_TRY(x, xrCreateSession(x->instance, &ci, &x->session), "xrCreateSession");
	enum core_result res;
	if ((res = create_spaces(x)) || (res = xr_actions_create(x)) ||
	    (res = xr_swapchains_create(x, r)))
		return res;
	choose_refresh(x);
	return CORE_OK;
}

static const char *state_name(XrSessionState s)
{
	switch (s) {
	case XR_SESSION_STATE_IDLE: return "idle";
	case XR_SESSION_STATE_READY: return "ready";
	case XR_SESSION_STATE_SYNCHRONIZED: return "synchronized";
	case XR_SESSION_STATE_VISIBLE: return "visible";
	case XR_SESSION_STATE_FOCUSED: return "focused";
	case XR_SESSION_STATE_STOPPING: return "stopping";
	case XR_SESSION_STATE_LOSS_PENDING: return "loss pending";
	case XR_SESSION_STATE_EXITING: return "exiting";
	default: return "unknown";
	}
}

static void on_state(struct xr *x, XrSessionState s)
{
	x->state = s;
	CORE_INFO("OpenXR session: %s", state_name(s));
	if (s == XR_SESSION_STATE_READY && !x->running) {
		XrSessionBeginInfo bi = {
			.type = XR_TYPE_SESSION_BEGIN_INFO,
			.primaryViewConfigurationType = XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO,
		};
		if (xr_check(x, xrBeginSession(x->session, &bi), "xrBeginSession"))
			x->running = true;
	} else if (s == XR_SESSION_STATE_STOPPING && x->running) {
		(void)xr_check(x, xrEndSession(x->session), "xrEndSession");
		x->running = false;
	} else if (s == XR_SESSION_STATE_LOSS_PENDING) {
		CORE_ERROR("the OpenXR runtime is losing the headset (session loss pending): "
			   "Lyceum leaves the room; start lyceum --xr again once the headset is back");
		x->lost = true;
	}
}

enum xr_status xr_poll(struct xr *x)
{
	for (;;) {
		XrEventDataBuffer ev = {.type = XR_TYPE_EVENT_DATA_BUFFER};
		XrResult res = xrPollEvent(x->instance, &ev);
		if (res == XR_EVENT_UNAVAILABLE)
			break;
		if (!xr_check(x, res, "xrPollEvent"))
			return XR_STATUS_LOST;
		switch (ev.type) {
		case XR_TYPE_EVENT_DATA_SESSION_STATE_CHANGED:
			on_state(x, ((const XrEventDataSessionStateChanged *)&ev)->state);
			break;
		case XR_TYPE_EVENT_DATA_INSTANCE_LOSS_PENDING:
			CORE_ERROR("the OpenXR runtime is going away (instance loss pending): Lyceum "
				   "leaves the room");
			x->lost = true;
			break;
		case XR_TYPE_EVENT_DATA_INTERACTION_PROFILE_CHANGED:
			xr_actions_profile_changed(x);
			break;
		case XR_TYPE_EVENT_DATA_REFERENCE_SPACE_CHANGE_PENDING:
			CORE_INFO("OpenXR: the play area was recentred or changed");
			break;
		case XR_TYPE_EVENT_DATA_DISPLAY_REFRESH_RATE_CHANGED_FB:
			CORE_INFO("OpenXR: display at %.0f Hz",
				  (double)((const XrEventDataDisplayRefreshRateChangedFB *)&ev)
					  ->toDisplayRefreshRate);
			break;
		case XR_TYPE_EVENT_DATA_EVENTS_LOST:
			CORE_WARN("OpenXR: %u events were lost",
				  ((const XrEventDataEventsLost *)&ev)->lostEventCount);
			break;
		default:
			break;
		}
	}
	if (x->lost)
		return XR_STATUS_LOST;
	if (x->state == XR_SESSION_STATE_EXITING)
		return XR_STATUS_EXIT;
	return x->running ? XR_STATUS_RUNNING : XR_STATUS_IDLE;
}

void xr_request_exit(struct xr *x)
{
	if (x->session && x->running && !x->exit_requested) {
		x->exit_requested = true;
		(void)xr_check(x, xrRequestExitSession(x->session), "xrRequestExitSession");
	}
}

bool xr_focused(const struct xr *x)
{
	return x->state == XR_SESSION_STATE_FOCUSED;
}

uint64_t xr_frames(const struct xr *x)
{
	return x->frames;
}

const char *xr_profile(const struct xr *x)
{
	return x->profile[0] ? x->profile : "none";
}

void xr_destroy(struct xr **px)
{
	struct xr *x = *px;
	if (!x)
		return;
	*px = NULL;
	if (x->session) {
		/* xrEndSession only where the spec allows it; xrDestroySession ends
		 * a running session from any state. */
		if (x->running && x->state == XR_SESSION_STATE_STOPPING)
			(void)xrEndSession(x->session);
		xr_swapchains_destroy(x);
		xr_actions_destroy(x);
		if (x->view_space)
			xrDestroySpace(x->view_space);
		if (x->space)
			xrDestroySpace(x->space);
		xrDestroySession(x->session);
	}
	if (x->instance)
		xrDestroyInstance(x->instance);
	free(x);
}
