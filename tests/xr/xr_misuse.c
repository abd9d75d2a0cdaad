/*
 * lyceum-xr-misuse: drives the test runtime through the real OpenXR loader
 * and checks that it answers misuse as the specification says, and that the
 * scripted head, hands and buttons reach the application.
 *
 *   lyceum-xr-misuse REPORT.json
 *
 * The caller sets XR_RUNTIME_JSON, VK_ICD_FILENAMES (lavapipe) and
 * LYCEUM_XRT_SCRIPT=misuse.script, and LYCEUM_XRT_REPORT=REPORT.json; at
 * the end the report must count exactly the violations committed here.
 * Exit 0 when every check passes, 1 otherwise (each failure printed).
 */
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <vulkan/vulkan.h>
#define XR_USE_GRAPHICS_API_VULKAN
#include <openxr/openxr.h>
#include <openxr/openxr_platform.h>

static int failures;
static int committed; /* violations this program commits on purpose */

static void expect(int line, const char *call, XrResult got, XrResult want)
{
	if (got != want) {
		fprintf(stderr, "xr_misuse.c:%d: %s returned %d, want %d\n", line, call, got, want);
		failures++;
	}
}
#define EXPECT(call, want) expect(__LINE__, #call, (call), (want))
#define MISUSE(call, want)                  \
	do {                                \
		committed++;                \
		EXPECT(call, want);         \
	} while (0)
#define TRUE_THAT(cond)                                                                        \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "xr_misuse.c:%d: not true: %s\n", __LINE__, #cond);    \
			failures++;                                                            \
		}                                                                              \
	} while (0)
#define PI 3.14159265358979323846
#define NEAR(a, b) (fabs((double)(a) - (double)(b)) < 1e-3)

static XrInstance instance;
static XrSession session;

static XrPath path(const char *s)
{
	XrPath p = XR_NULL_PATH;
	EXPECT(xrStringToPath(instance, s, &p), XR_SUCCESS);
	return p;
}

/* Polls until a state-change event to `want` arrives; false if the queue runs dry first. */
static bool poll_state(XrSessionState want)
{
	for (int i = 0; i < 64; i++) {
		XrEventDataBuffer e = { .type = XR_TYPE_EVENT_DATA_BUFFER };
		if (xrPollEvent(instance, &e) != XR_SUCCESS)
			return false;
		if (e.type == XR_TYPE_EVENT_DATA_SESSION_STATE_CHANGED &&
		    ((XrEventDataSessionStateChanged *)&e)->state == want)
			return true;
	}
	return false;
}

static bool poll_type(XrStructureType want)
{
	for (int i = 0; i < 64; i++) {
		XrEventDataBuffer e = { .type = XR_TYPE_EVENT_DATA_BUFFER };
		if (xrPollEvent(instance, &e) != XR_SUCCESS)
			return false;
		if (e.type == want)
			return true;
	}
	return false;
}

static XrAction action(XrActionSet set, const char *name, XrActionType type, const XrPath *hands)
{
	XrActionCreateInfo ai = { .type = XR_TYPE_ACTION_CREATE_INFO };
	snprintf(ai.actionName, sizeof(ai.actionName), "%s", name);
	snprintf(ai.localizedActionName, sizeof(ai.localizedActionName), "%s", name);
	ai.actionType = type;
	ai.countSubactionPaths = 2;
	ai.subactionPaths = hands;
	XrAction a = XR_NULL_HANDLE;
	EXPECT(xrCreateAction(set, &ai, &a), XR_SUCCESS);
	return a;
}

static XrTime frame(XrEnvironmentBlendMode blend, XrDuration *period)
{
	XrFrameState fs = { .type = XR_TYPE_FRAME_STATE };
	XrFrameBeginInfo fb = { .type = XR_TYPE_FRAME_BEGIN_INFO };
	EXPECT(xrWaitFrame(session, NULL, &fs), XR_SUCCESS);
	EXPECT(xrBeginFrame(session, &fb), XR_SUCCESS);
	XrFrameEndInfo fe = { XR_TYPE_FRAME_END_INFO, NULL, fs.predictedDisplayTime, blend, 0, NULL };
	if (blend != XR_ENVIRONMENT_BLEND_MODE_OPAQUE) {
		MISUSE(xrEndFrame(session, &fe), XR_ERROR_ENVIRONMENT_BLEND_MODE_UNSUPPORTED);
		fe.environmentBlendMode = XR_ENVIRONMENT_BLEND_MODE_OPAQUE;
	}
	EXPECT(xrEndFrame(session, &fe), XR_SUCCESS);
	if (period)
		*period = fs.predictedDisplayPeriod;
	return fs.predictedDisplayTime;
}

static void vulkan(XrSystemId sys, XrGraphicsBindingVulkan2KHR *binding)
{
	PFN_xrGetVulkanGraphicsRequirements2KHR reqs;
	PFN_xrCreateVulkanInstanceKHR make_instance;
	PFN_xrGetVulkanGraphicsDevice2KHR get_device;
	PFN_xrCreateVulkanDeviceKHR make_device;
	EXPECT(xrGetInstanceProcAddr(instance, "xrGetVulkanGraphicsRequirements2KHR", (PFN_xrVoidFunction *)&reqs),
	       XR_SUCCESS);
	EXPECT(xrGetInstanceProcAddr(instance, "xrCreateVulkanInstanceKHR", (PFN_xrVoidFunction *)&make_instance),
	       XR_SUCCESS);
	EXPECT(xrGetInstanceProcAddr(instance, "xrGetVulkanGraphicsDevice2KHR", (PFN_xrVoidFunction *)&get_device),
	       XR_SUCCESS);
	EXPECT(xrGetInstanceProcAddr(instance, "xrCreateVulkanDeviceKHR", (PFN_xrVoidFunction *)&make_device),
	       XR_SUCCESS);
	XrGraphicsRequirementsVulkan2KHR req = { .type = XR_TYPE_GRAPHICS_REQUIREMENTS_VULKAN2_KHR };
	EXPECT(reqs(instance, sys, &req), XR_SUCCESS);

	VkApplicationInfo app = { .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO, .apiVersion = VK_API_VERSION_1_0 };
	VkInstanceCreateInfo ici = { .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO, .pApplicationInfo = &app };
	XrVulkanInstanceCreateInfoKHR xi = { .type = XR_TYPE_VULKAN_INSTANCE_CREATE_INFO_KHR };
	xi.systemId = sys;
	xi.pfnGetInstanceProcAddr = vkGetInstanceProcAddr;
	xi.vulkanCreateInfo = &ici;
	VkResult vr = VK_ERROR_UNKNOWN;
	EXPECT(make_instance(instance, &xi, &binding->instance, &vr), XR_SUCCESS);
	TRUE_THAT(vr == VK_SUCCESS);

	XrVulkanGraphicsDeviceGetInfoKHR gi = { .type = XR_TYPE_VULKAN_GRAPHICS_DEVICE_GET_INFO_KHR };
	gi.systemId = sys;
	gi.vulkanInstance = binding->instance;
	EXPECT(get_device(instance, &gi, &binding->physicalDevice), XR_SUCCESS);

	uint32_t n = 8;
	VkQueueFamilyProperties fams[8];
	vkGetPhysicalDeviceQueueFamilyProperties(binding->physicalDevice, &n, fams);
	uint32_t family = 0;
	while (family < n && !(fams[family].queueFlags & VK_QUEUE_GRAPHICS_BIT))
		family++;
	float prio = 1.0f;
	VkDeviceQueueCreateInfo qci = { .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
					.queueFamilyIndex = family,
					.queueCount = 1,
					.pQueuePriorities = &prio };
	VkDeviceCreateInfo dci = { .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
				   .queueCreateInfoCount = 1,
				   .pQueueCreateInfos = &qci };
	XrVulkanDeviceCreateInfoKHR xd = { .type = XR_TYPE_VULKAN_DEVICE_CREATE_INFO_KHR };
	xd.systemId = sys;
	xd.pfnGetInstanceProcAddr = vkGetInstanceProcAddr;
	xd.vulkanPhysicalDevice = binding->physicalDevice;
	xd.vulkanCreateInfo = &dci;
	EXPECT(make_device(instance, &xd, &binding->device, &vr), XR_SUCCESS);
	TRUE_THAT(vr == VK_SUCCESS);
	binding->queueFamilyIndex = family;
	binding->queueIndex = 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: lyceum-xr-misuse REPORT.json\n");
		return 2;
	}
	const char *exts[] = { XR_KHR_VULKAN_ENABLE2_EXTENSION_NAME, XR_FB_DISPLAY_REFRESH_RATE_EXTENSION_NAME };
	XrInstanceCreateInfo ci = { .type = XR_TYPE_INSTANCE_CREATE_INFO };
	snprintf(ci.applicationInfo.applicationName, sizeof(ci.applicationInfo.applicationName), "xr-misuse");
	ci.applicationInfo.apiVersion = XR_MAKE_VERSION(1, 0, 0);
	ci.enabledExtensionCount = 2;
	ci.enabledExtensionNames = exts;
	if (xrCreateInstance(&ci, &instance) != XR_SUCCESS) {
		fprintf(stderr, "lyceum-xr-misuse: xrCreateInstance failed (XR_RUNTIME_JSON?)\n");
		return 1;
	}

	/* System and view configuration. */
	XrSystemGetInfo sgi = { XR_TYPE_SYSTEM_GET_INFO, NULL, XR_FORM_FACTOR_HANDHELD_DISPLAY };
	XrSystemId sys = XR_NULL_SYSTEM_ID;
	EXPECT(xrGetSystem(instance, &sgi, &sys), XR_ERROR_FORM_FACTOR_UNSUPPORTED); /* a question, not misuse */
	sgi.formFactor = XR_FORM_FACTOR_HEAD_MOUNTED_DISPLAY;
	EXPECT(xrGetSystem(instance, &sgi, &sys), XR_SUCCESS);
	uint32_t n = 0;
	XrViewConfigurationView vcv[2] = { { .type = XR_TYPE_VIEW_CONFIGURATION_VIEW }, { .type = XR_TYPE_VIEW_CONFIGURATION_VIEW } };
	EXPECT(xrEnumerateViewConfigurationViews(instance, sys, XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO, 0, &n, NULL),
	       XR_SUCCESS);
	TRUE_THAT(n == 2);
	MISUSE(xrEnumerateViewConfigurationViews(instance, sys, XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO, 1, &n, vcv),
	       XR_ERROR_SIZE_INSUFFICIENT);
	EXPECT(xrEnumerateViewConfigurationViews(instance, sys, XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO, 2, &n, vcv),
	       XR_SUCCESS);
	TRUE_THAT(vcv[0].recommendedImageRectWidth == 320 && vcv[1].recommendedImageRectHeight == 240);

	/* Paths, actions and bindings. */
	XrPath p = XR_NULL_PATH;
	MISUSE(xrStringToPath(instance, "/user/hand/Left", &p), XR_ERROR_PATH_FORMAT_INVALID);
	XrPath hands[2] = { path("/user/hand/left"), path("/user/hand/right") };
	XrActionSetCreateInfo asi = { XR_TYPE_ACTION_SET_CREATE_INFO, NULL, "misuse", "Misuse", 0 };
	XrActionSet set = XR_NULL_HANDLE;
	EXPECT(xrCreateActionSet(instance, &asi, &set), XR_SUCCESS);
	XrActionCreateInfo bad = { XR_TYPE_ACTION_CREATE_INFO, NULL, "Bad Name", XR_ACTION_TYPE_BOOLEAN_INPUT, 0, NULL,
				   "Bad" };
	XrAction dummy = XR_NULL_HANDLE;
	MISUSE(xrCreateAction(set, &bad, &dummy), XR_ERROR_NAME_INVALID);
	XrAction pressed = action(set, "pressed", XR_ACTION_TYPE_BOOLEAN_INPUT, hands);
	XrAction pull = action(set, "pull", XR_ACTION_TYPE_FLOAT_INPUT, hands);
	XrAction move = action(set, "move", XR_ACTION_TYPE_VECTOR2F_INPUT, hands);
	XrAction pose = action(set, "pose", XR_ACTION_TYPE_POSE_INPUT, hands);
	XrAction upper = action(set, "upper", XR_ACTION_TYPE_BOOLEAN_INPUT, hands);
	snprintf(bad.actionName, sizeof(bad.actionName), "pressed");
	snprintf(bad.localizedActionName, sizeof(bad.localizedActionName), "Another");
	MISUSE(xrCreateAction(set, &bad, &dummy), XR_ERROR_NAME_DUPLICATED);

	XrActionSuggestedBinding wrong[] = { { pressed, path("/user/hand/left/input/trackpad/click") } };
	XrInteractionProfileSuggestedBinding sb = { .type = XR_TYPE_INTERACTION_PROFILE_SUGGESTED_BINDING };
	sb.interactionProfile = path("/interaction_profiles/oculus/touch_controller");
	sb.countSuggestedBindings = 1;
	sb.suggestedBindings = wrong;
	MISUSE(xrSuggestInteractionProfileBindings(instance, &sb), XR_ERROR_PATH_UNSUPPORTED);
	XrActionSuggestedBinding touch[] = {
		{ pressed, path("/user/hand/right/input/trigger/value") }, /* boolean from analog */
		{ pull, path("/user/hand/right/input/trigger") },	   /* identifier: value */
		{ pull, path("/user/hand/left/input/x/click") },	   /* float from a button */
		{ move, path("/user/hand/left/input/thumbstick") },
		{ pose, path("/user/hand/left/input/grip/pose") },
		{ pose, path("/user/hand/right/input/aim/pose") },
		{ upper, path("/user/hand/right/input/b/click") },
	};
	sb.countSuggestedBindings = sizeof(touch) / sizeof(touch[0]);
	sb.suggestedBindings = touch;
	EXPECT(xrSuggestInteractionProfileBindings(instance, &sb), XR_SUCCESS);
	XrActionSuggestedBinding simple[] = { { pressed, path("/user/hand/right/input/select/click") } };
	sb.interactionProfile = path("/interaction_profiles/khr/simple_controller");
	sb.countSuggestedBindings = 1;
	sb.suggestedBindings = simple;
	EXPECT(xrSuggestInteractionProfileBindings(instance, &sb), XR_SUCCESS);

	/* Session. */
	XrGraphicsBindingVulkan2KHR binding = { .type = XR_TYPE_GRAPHICS_BINDING_VULKAN2_KHR };
	XrSessionCreateInfo sci = { XR_TYPE_SESSION_CREATE_INFO, &binding, 0, sys };
	MISUSE(xrCreateSession(instance, &sci, &session), XR_ERROR_GRAPHICS_REQUIREMENTS_CALL_MISSING);
	vulkan(sys, &binding);
	EXPECT(xrCreateSession(instance, &sci, &session), XR_SUCCESS);
	XrActionsSyncInfo sync = { .type = XR_TYPE_ACTIONS_SYNC_INFO };
	XrActiveActionSet active = { set, XR_NULL_PATH };
	sync.countActiveActionSets = 1;
	sync.activeActionSets = &active;
	MISUSE(xrSyncActions(session, &sync), XR_ERROR_ACTIONSET_NOT_ATTACHED);
	XrSessionActionSetsAttachInfo attach = { XR_TYPE_SESSION_ACTION_SETS_ATTACH_INFO, NULL, 1, &set };
	EXPECT(xrAttachSessionActionSets(session, &attach), XR_SUCCESS);
	MISUSE(xrAttachSessionActionSets(session, &attach), XR_ERROR_ACTIONSETS_ALREADY_ATTACHED);
	snprintf(bad.actionName, sizeof(bad.actionName), "late");
	MISUSE(xrCreateAction(set, &bad, &dummy), XR_ERROR_ACTIONSETS_ALREADY_ATTACHED);
	TRUE_THAT(poll_state(XR_SESSION_STATE_READY));

	XrFrameState fs = { .type = XR_TYPE_FRAME_STATE };
	MISUSE(xrWaitFrame(session, NULL, &fs), XR_ERROR_SESSION_NOT_RUNNING);
	XrSessionBeginInfo sbi = { XR_TYPE_SESSION_BEGIN_INFO, NULL, XR_VIEW_CONFIGURATION_TYPE_PRIMARY_MONO };
	MISUSE(xrBeginSession(session, &sbi), XR_ERROR_VIEW_CONFIGURATION_TYPE_UNSUPPORTED);
	sbi.primaryViewConfigurationType = XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO;
	EXPECT(xrBeginSession(session, &sbi), XR_SUCCESS);
	MISUSE(xrBeginSession(session, &sbi), XR_ERROR_SESSION_RUNNING);
	XrFrameBeginInfo fbi = { .type = XR_TYPE_FRAME_BEGIN_INFO };
	MISUSE(xrBeginFrame(session, &fbi), XR_ERROR_CALL_ORDER_INVALID);
	MISUSE(xrEndSession(session), XR_ERROR_SESSION_NOT_STOPPING);

	/* A swapchain and its ring. */
	XrSwapchainCreateInfo sci2 = { .type = XR_TYPE_SWAPCHAIN_CREATE_INFO };
	sci2.usageFlags = XR_SWAPCHAIN_USAGE_COLOR_ATTACHMENT_BIT;
	sci2.format = 12345;
	sci2.sampleCount = sci2.faceCount = sci2.arraySize = sci2.mipCount = 1;
	sci2.width = 64;
	sci2.height = 32;
	XrSwapchain sc = XR_NULL_HANDLE;
	MISUSE(xrCreateSwapchain(session, &sci2, &sc), XR_ERROR_SWAPCHAIN_FORMAT_UNSUPPORTED);
	sci2.format = VK_FORMAT_R8G8B8A8_SRGB;
	EXPECT(xrCreateSwapchain(session, &sci2, &sc), XR_SUCCESS);
	XrSwapchainImageWaitInfo wi = { XR_TYPE_SWAPCHAIN_IMAGE_WAIT_INFO, NULL, XR_INFINITE_DURATION };
	MISUSE(xrWaitSwapchainImage(sc, &wi), XR_ERROR_CALL_ORDER_INVALID);
	MISUSE(xrReleaseSwapchainImage(sc, NULL), XR_ERROR_CALL_ORDER_INVALID);
	uint32_t idx[4] = { 9, 9, 9, 9 };
	for (int i = 0; i < 3; i++)
		EXPECT(xrAcquireSwapchainImage(sc, NULL, &idx[i]), XR_SUCCESS);
	TRUE_THAT(idx[0] == 0 && idx[1] == 1 && idx[2] == 2);
	MISUSE(xrAcquireSwapchainImage(sc, NULL, &idx[3]), XR_ERROR_CALL_ORDER_INVALID);
	EXPECT(xrWaitSwapchainImage(sc, &wi), XR_SUCCESS);
	MISUSE(xrWaitSwapchainImage(sc, &wi), XR_ERROR_CALL_ORDER_INVALID);
	for (int i = 0; i < 3; i++) {
		if (i)
			EXPECT(xrWaitSwapchainImage(sc, &wi), XR_SUCCESS);
		EXPECT(xrReleaseSwapchainImage(sc, NULL), XR_SUCCESS);
	}

	/* Frames until FOCUSED; one with an unsupported blend mode. */
	XrDuration period = 0;
	frame(XR_ENVIRONMENT_BLEND_MODE_ADDITIVE, &period);
	TRUE_THAT(period > 11000000 && period < 11200000);
	XrTime t = frame(XR_ENVIRONMENT_BLEND_MODE_OPAQUE, NULL);
	TRUE_THAT(poll_state(XR_SESSION_STATE_FOCUSED));

	/* Input, as misuse.script sets it at 0 s. */
	EXPECT(xrSyncActions(session, &sync), XR_SUCCESS);
	TRUE_THAT(poll_type(XR_TYPE_EVENT_DATA_INTERACTION_PROFILE_CHANGED));
	XrInteractionProfileState ips = { .type = XR_TYPE_INTERACTION_PROFILE_STATE };
	EXPECT(xrGetCurrentInteractionProfile(session, hands[0], &ips), XR_SUCCESS);
	TRUE_THAT(ips.interactionProfile == path("/interaction_profiles/oculus/touch_controller"));
	XrActionStateGetInfo get = { XR_TYPE_ACTION_STATE_GET_INFO, NULL, pressed, hands[1] };
	XrActionStateBoolean b = { .type = XR_TYPE_ACTION_STATE_BOOLEAN };
	EXPECT(xrGetActionStateBoolean(session, &get, &b), XR_SUCCESS);
	TRUE_THAT(b.isActive && b.currentState);
	get.subactionPath = hands[0];
	EXPECT(xrGetActionStateBoolean(session, &get, &b), XR_SUCCESS);
	TRUE_THAT(!b.isActive && !b.currentState);
	XrActionStateFloat f = { .type = XR_TYPE_ACTION_STATE_FLOAT };
	MISUSE(xrGetActionStateFloat(session, &get, &f), XR_ERROR_ACTION_TYPE_MISMATCH);
	get.action = pull;
	get.subactionPath = hands[1];
	EXPECT(xrGetActionStateFloat(session, &get, &f), XR_SUCCESS);
	TRUE_THAT(f.isActive && NEAR(f.currentState, 0.7));
	get.subactionPath = hands[0];
	EXPECT(xrGetActionStateFloat(session, &get, &f), XR_SUCCESS);
	TRUE_THAT(f.isActive && NEAR(f.currentState, 1.0));
	get.action = move;
	XrActionStateVector2f v = { .type = XR_TYPE_ACTION_STATE_VECTOR2F };
	EXPECT(xrGetActionStateVector2f(session, &get, &v), XR_SUCCESS);
	TRUE_THAT(v.isActive && NEAR(v.currentState.x, 0.5) && NEAR(v.currentState.y, -0.25));
	get.action = upper;
	get.subactionPath = XR_NULL_PATH;
	EXPECT(xrGetActionStateBoolean(session, &get, &b), XR_SUCCESS);
	TRUE_THAT(b.isActive && !b.currentState && !b.changedSinceLastSync);

	/* Views and spaces: head at (0, 1.7, -1) turned 90 degrees left, IPD 70 mm, hands at their defaults. */
	XrReferenceSpaceCreateInfo rsi = { XR_TYPE_REFERENCE_SPACE_CREATE_INFO, NULL, XR_REFERENCE_SPACE_TYPE_LOCAL,
					   { { 0, 0, 0, 1 }, { 0, 0, 0 } } };
	XrSpace local = XR_NULL_HANDLE, right_hand = XR_NULL_HANDLE;
	EXPECT(xrCreateReferenceSpace(session, &rsi, &local), XR_SUCCESS);
	XrActionSpaceCreateInfo act = { XR_TYPE_ACTION_SPACE_CREATE_INFO, NULL, pose, hands[1],
					{ { 0, 0, 0, 1 }, { 0, 0, 0 } } };
	EXPECT(xrCreateActionSpace(session, &act, &right_hand), XR_SUCCESS);
	XrViewLocateInfo vli = { XR_TYPE_VIEW_LOCATE_INFO, NULL, XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO, t, local };
	XrViewState vs = { .type = XR_TYPE_VIEW_STATE };
	XrView views[2] = { { .type = XR_TYPE_VIEW }, { .type = XR_TYPE_VIEW } };
	MISUSE(xrLocateViews(session, &vli, &vs, 1, &n, views), XR_ERROR_SIZE_INSUFFICIENT);
	EXPECT(xrLocateViews(session, &vli, &vs, 2, &n, views), XR_SUCCESS);
	TRUE_THAT(NEAR(views[0].pose.position.x, 0) && NEAR(views[0].pose.position.y, 0.1) &&
		  NEAR(views[0].pose.position.z, -1 + 0.035));
	TRUE_THAT(NEAR(views[1].pose.position.z, -1 - 0.035));
	TRUE_THAT(NEAR(views[0].pose.orientation.y, sin(PI / 4)) && NEAR(views[0].fov.angleRight, PI / 4));
	XrSpaceLocation loc = { .type = XR_TYPE_SPACE_LOCATION };
	EXPECT(xrLocateSpace(right_hand, local, t, &loc), XR_SUCCESS);
	TRUE_THAT(loc.locationFlags & XR_SPACE_LOCATION_POSITION_TRACKED_BIT);
	TRUE_THAT(NEAR(loc.pose.position.x, 0.2) && NEAR(loc.pose.position.y, -0.4) &&
		  NEAR(loc.pose.position.z, -0.3));
	MISUSE(xrLocateSpace(right_hand, local, 0, &loc), XR_ERROR_TIME_INVALID);

	/* A second xrBeginFrame discards the frame before; projection layers are checked. */
	XrFrameState fs2 = { .type = XR_TYPE_FRAME_STATE };
	EXPECT(xrWaitFrame(session, NULL, &fs2), XR_SUCCESS);
	EXPECT(xrBeginFrame(session, &fbi), XR_SUCCESS);
	EXPECT(xrWaitFrame(session, NULL, &fs2), XR_SUCCESS);
	EXPECT(xrBeginFrame(session, &fbi), XR_FRAME_DISCARDED);
	XrCompositionLayerProjectionView pv[2];
	for (int i = 0; i < 2; i++)
		pv[i] = (XrCompositionLayerProjectionView){ .type = XR_TYPE_COMPOSITION_LAYER_PROJECTION_VIEW,
							    .pose = views[i].pose,
							    .fov = views[i].fov,
							    .subImage = { sc, { { 0, 0 }, { 64, 32 } }, 0 } };
	XrCompositionLayerProjection proj = { .type = XR_TYPE_COMPOSITION_LAYER_PROJECTION, .space = local,
					      .viewCount = 1, .views = pv };
	const XrCompositionLayerBaseHeader *layers[] = { (const XrCompositionLayerBaseHeader *)&proj };
	XrFrameEndInfo fe = { XR_TYPE_FRAME_END_INFO, NULL, fs2.predictedDisplayTime, XR_ENVIRONMENT_BLEND_MODE_OPAQUE,
			      1, layers };
	MISUSE(xrEndFrame(session, &fe), XR_ERROR_VALIDATION_FAILURE);
	proj.viewCount = 2;
	pv[1].subImage.imageRect.extent.width = 65;
	MISUSE(xrEndFrame(session, &fe), XR_ERROR_SWAPCHAIN_RECT_INVALID);
	pv[1].subImage.imageRect.extent.width = 64;
	EXPECT(xrEndFrame(session, &fe), XR_SUCCESS);

	/* Refresh rate. */
	PFN_xrRequestDisplayRefreshRateFB request;
	EXPECT(xrGetInstanceProcAddr(instance, "xrRequestDisplayRefreshRateFB", (PFN_xrVoidFunction *)&request),
	       XR_SUCCESS);
	MISUSE(request(session, 100.0f), XR_ERROR_DISPLAY_REFRESH_RATE_UNSUPPORTED_FB);
	EXPECT(request(session, 120.0f), XR_SUCCESS);
	TRUE_THAT(poll_type(XR_TYPE_EVENT_DATA_DISPLAY_REFRESH_RATE_CHANGED_FB));
	frame(XR_ENVIRONMENT_BLEND_MODE_OPAQUE, &period);
	TRUE_THAT(period > 8200000 && period < 8400000);

	/* Leaving. */
	EXPECT(xrRequestExitSession(session), XR_SUCCESS);
	TRUE_THAT(poll_state(XR_SESSION_STATE_STOPPING));
	EXPECT(xrEndSession(session), XR_SUCCESS);
	TRUE_THAT(poll_state(XR_SESSION_STATE_EXITING));
	EXPECT(xrDestroySwapchain(sc), XR_SUCCESS);
	EXPECT(xrDestroySession(session), XR_SUCCESS);
	EXPECT(xrDestroyInstance(instance), XR_SUCCESS);
	vkDestroyDevice(binding.device, NULL);
	vkDestroyInstance(binding.instance, NULL);

	json_error_t err;
	json_t *report = json_load_file(argv[1], 0, &err);
	if (!report) {
		fprintf(stderr, "lyceum-xr-misuse: cannot read the report %s: %s\n", argv[1], err.text);
		return 1;
	}
	json_int_t counted = json_integer_value(json_object_get(report, "violations"));
	if (counted != committed) {
		fprintf(stderr, "lyceum-xr-misuse: the runtime counted %lld violations, this program committed %d\n",
			(long long)counted, committed);
		failures++;
	}
	json_decref(report);
	printf("lyceum-xr-misuse: %d violations committed and counted, %d failures\n", committed, failures);
	return failures ? 1 : 0;
}
