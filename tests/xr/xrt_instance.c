/*
 * xrt_instance.c: the test runtime's loader interface, instance and system.
 *
 * Negotiation with the Khronos loader, xrGetInstanceProcAddr's table, the
 * instance and its system (one HMD, a stereo view configuration), paths,
 * the event queue, the configuration from the environment, and the JSON
 * report for tests. Handles encode kind, slot and generation.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openxr/openxr_reflection.h>

#include "xrt_internal.h"

/* The loader's side of the runtime interface (loader_interfaces.h upstream, not installed). */
enum xrt_loader_struct {
	XRT_LOADER_INTERFACE_STRUCT_LOADER_INFO = 1,
	XRT_LOADER_INTERFACE_STRUCT_RUNTIME_REQUEST = 3,
};
struct xrt_negotiate_loader_info {
	int structType;
	uint32_t structVersion;
	size_t structSize;
	uint32_t minInterfaceVersion;
	uint32_t maxInterfaceVersion;
	XrVersion minApiVersion;
	XrVersion maxApiVersion;
};
struct xrt_negotiate_runtime_request {
	int structType;
	uint32_t structVersion;
	size_t structSize;
	uint32_t runtimeInterfaceVersion;
	XrVersion runtimeApiVersion;
	PFN_xrGetInstanceProcAddr getInstanceProcAddr;
};
#define XRT_LOADER_RUNTIME_INTERFACE 1

__attribute__((visibility("default"))) XrResult XRAPI_CALL
xrNegotiateLoaderRuntimeInterface(const struct xrt_negotiate_loader_info *info,
				  struct xrt_negotiate_runtime_request *req);

struct xrt_rt xrt = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};
static pthread_once_t xrt_once = PTHREAD_ONCE_INIT;

static const struct {
	const char *name;
	uint32_t version;
} extensions[] = {
	{ XR_KHR_VULKAN_ENABLE2_EXTENSION_NAME, XR_KHR_vulkan_enable2_SPEC_VERSION },
	{ XR_FB_DISPLAY_REFRESH_RATE_EXTENSION_NAME, XR_FB_display_refresh_rate_SPEC_VERSION },
	{ XRT_BD_CONTROLLER_EXT, 2 },
};
#define N_EXTENSIONS (sizeof(extensions) / sizeof(extensions[0]))

static void xrt_init_once(void)
{
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&xrt.cond, &attr);
	pthread_condattr_destroy(&attr);
}

void xrt_lock(const char *fn)
{
	pthread_once(&xrt_once, xrt_init_once);
	pthread_mutex_lock(&xrt.lock);
	xrt.fn = fn;
}

void xrt_unlock(void)
{
	xrt.fn = NULL;
	pthread_mutex_unlock(&xrt.lock);
}

int64_t xrt_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

XrResult xrt_fail(XrResult r, const char *fmt, ...)
{
	char what[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	const char *fn = xrt.fn ? xrt.fn : "?";
	fprintf(stderr, "xrt: violation: %s: %s\n", fn, what);
	xrt.violations++;
	if (xrt.n_messages < XRT_MAX_MESSAGES) {
		snprintf(xrt.messages[xrt.n_messages], sizeof(xrt.messages[0]), "%s: %s", fn, what);
		xrt.n_messages++;
	}
	return r;
}

void xrt_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("xrt: error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

uint64_t xrt_handle_make(enum xrt_kind kind, uint32_t slot, uint32_t gen)
{
	return ((uint64_t)kind << 56) | ((uint64_t)(gen & 0xffffff) << 32) | (uint64_t)(slot + 1);
}

bool xrt_handle_slot(uint64_t h, enum xrt_kind kind, uint32_t n, uint32_t *slot, uint32_t *gen)
{
	if ((h >> 56) != (uint64_t)kind)
		return false;
	uint32_t s = (uint32_t)(h & 0xffffffffu);
	if (s == 0 || s > n)
		return false;
	*slot = s - 1;
	*gen = (uint32_t)((h >> 32) & 0xffffff);
	return true;
}

bool xrt_instance_ok(XrInstance instance)
{
	uint32_t slot, gen;
	return xrt.instance_live && xrt_handle_slot((uint64_t)(uintptr_t)instance, XRT_KIND_INSTANCE, 1, &slot, &gen) &&
	       gen == (xrt.instance_gen & 0xffffff);
}

XrResult xrt_check_instance(XrInstance instance)
{
	if (!xrt_instance_ok(instance))
		return xrt_fail(XR_ERROR_HANDLE_INVALID, "XrInstance 0x%" PRIxPTR " is not a live instance",
				(uintptr_t)instance);
	return XR_SUCCESS;
}

/* The capacity half of the two-call idiom; the caller fills when XR_SUCCESS and capacity > 0. */
XrResult xrt_two_call(uint32_t capacity, uint32_t *count, uint32_t n, const char *what)
{
	if (!count)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "%s count output is NULL", what);
	*count = n;
	if (capacity != 0 && capacity < n)
		return xrt_fail(XR_ERROR_SIZE_INSUFFICIENT, "capacity %u for %s is less than the %u needed", capacity,
				what, n);
	return XR_SUCCESS;
}

bool xrt_pose_valid(const XrPosef *pose)
{
	const XrQuaternionf *q = &pose->orientation;
	float n = q->x * q->x + q->y * q->y + q->z * q->z + q->w * q->w;
	return isfinite(n) && fabsf(n - 1.0f) < 0.01f && isfinite(pose->position.x) && isfinite(pose->position.y) &&
	       isfinite(pose->position.z);
}

/* Paths: an interning table; XrPath is slot + 1. */
const char *xrt_path_string(XrPath path)
{
	if (path == XR_NULL_PATH || path > xrt.n_paths)
		return NULL;
	return xrt.paths[path - 1];
}

XrPath xrt_path_intern(const char *s)
{
	for (uint32_t i = 0; i < xrt.n_paths; i++)
		if (strcmp(xrt.paths[i], s) == 0)
			return i + 1;
	if (xrt.n_paths == XRT_MAX_PATHS)
		return XR_NULL_PATH;
	char *copy = strdup(s);
	if (!copy)
		return XR_NULL_PATH;
	xrt.paths[xrt.n_paths++] = copy;
	return xrt.n_paths;
}

/* Events: a ring of XrEventDataBuffer; the last free slot is kept for XrEventDataEventsLost. */
void xrt_event_push(const void *event, size_t size)
{
	if (xrt.ev_count >= XRT_MAX_EVENTS - 1) {
		xrt.ev_lost++;
		return;
	}
	XrEventDataBuffer *slot = &xrt.events[(xrt.ev_head + xrt.ev_count) % XRT_MAX_EVENTS];
	memset(slot, 0, sizeof(*slot));
	memcpy(slot, event, size);
	xrt.ev_count++;
}

void xrt_events_forget_session(XrSession session)
{
	XrEventDataBuffer keep[XRT_MAX_EVENTS];
	uint32_t n = 0;
	for (uint32_t i = 0; i < xrt.ev_count; i++) {
		const XrEventDataBuffer *e = &xrt.events[(xrt.ev_head + i) % XRT_MAX_EVENTS];
		const XrSession *owner = NULL;
		if (e->type == XR_TYPE_EVENT_DATA_SESSION_STATE_CHANGED)
			owner = &((const XrEventDataSessionStateChanged *)e)->session;
		else if (e->type == XR_TYPE_EVENT_DATA_INTERACTION_PROFILE_CHANGED)
			owner = &((const XrEventDataInteractionProfileChanged *)e)->session;
		else if (e->type == XR_TYPE_EVENT_DATA_DISPLAY_REFRESH_RATE_CHANGED_FB)
			owner = NULL; /* no session field; harmless after the session */
		if (owner && *owner == session)
			continue;
		keep[n++] = *e;
	}
	memcpy(xrt.events, keep, n * sizeof(keep[0]));
	xrt.ev_head = 0;
	xrt.ev_count = n;
}

/* Configuration from the environment; false (after a message) when a value is bad. */
static bool parse_u32(const char *s, uint32_t *out, char **end)
{
	errno = 0;
	unsigned long v = strtoul(s, end, 10);
	if (errno || *end == s || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool copy_env(const char *name, char *dst, size_t size)
{
	const char *v = getenv(name);
	dst[0] = '\0';
	if (!v || !*v)
		return true;
	if (strlen(v) >= size) {
		xrt_error("%s is longer than %zu characters", name, size - 1);
		return false;
	}
	strcpy(dst, v);
	return true;
}

static bool config_load(struct xrt_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->eye_w = 640;
	cfg->eye_h = 640;
	cfg->fov_x_rad = cfg->fov_y_rad = 45.0f * (float)XRT_PI / 180.0f;

	const char *v = getenv("LYCEUM_XRT_EYE_SIZE");
	if (v && *v) {
		char *end;
		uint32_t w, h;
		if (!parse_u32(v, &w, &end) || *end != 'x' || !parse_u32(end + 1, &h, &end) || *end != '\0' ||
		    w < 16 || h < 16 || w > XRT_MAX_EYE_SIZE || h > XRT_MAX_EYE_SIZE) {
			xrt_error("LYCEUM_XRT_EYE_SIZE='%s': want WxH, each 16 to %d, e.g. 640x640", v,
				  XRT_MAX_EYE_SIZE);
			return false;
		}
		cfg->eye_w = w;
		cfg->eye_h = h;
	}
	v = getenv("LYCEUM_XRT_NO_STAGE");
	cfg->no_stage = v && v[0] && strcmp(v, "0") != 0;
	v = getenv("LYCEUM_XRT_FOV_DEG");
	if (v && *v) {
		char *end;
		double fx = strtod(v, &end), fy = fx;
		if (*end == 'x')
			fy = strtod(end + 1, &end);
		if (*end != '\0' || !(fx >= 10.0 && fx <= 170.0) || !(fy >= 10.0 && fy <= 170.0)) {
			xrt_error("LYCEUM_XRT_FOV_DEG='%s': want the full field of view in degrees, 10 to 170, as F "
				  "or HxV, e.g. 90",
				  v);
			return false;
		}
		cfg->fov_x_rad = (float)(fx * XRT_PI / 360.0);
		cfg->fov_y_rad = (float)(fy * XRT_PI / 360.0);
	}
	if (!copy_env("LYCEUM_XRT_GPU", cfg->gpu, sizeof(cfg->gpu)) ||
	    !copy_env("LYCEUM_XRT_PROFILE", cfg->profile, sizeof(cfg->profile)) ||
	    !copy_env("LYCEUM_XRT_CAPTURE", cfg->capture_dir, sizeof(cfg->capture_dir)) ||
	    !copy_env("LYCEUM_XRT_REPORT", cfg->report, sizeof(cfg->report)) ||
	    !copy_env("LYCEUM_XRT_SCRIPT", cfg->script, sizeof(cfg->script)))
		return false;
	if (cfg->profile[0]) {
		int p = xrt_profile_find(cfg->profile);
		if (p < 0 || !xrt_profiles[p].simulated) {
			xrt_error("LYCEUM_XRT_PROFILE='%s': want one of /interaction_profiles/oculus/touch_controller, "
				  "/interaction_profiles/bytedance/pico4_controller, "
				  "/interaction_profiles/valve/index_controller, "
				  "/interaction_profiles/khr/simple_controller",
				  cfg->profile);
			return false;
		}
	}
	v = getenv("LYCEUM_XRT_CAPTURE_FRAMES");
	if (v && *v) {
		const char *s = v;
		for (;;) {
			char *end;
			uint32_t f;
			if (cfg->n_capture_frames == XRT_MAX_CAPTURE_FRAMES || !parse_u32(s, &f, &end) || f == 0 ||
			    (*end != ',' && *end != '\0')) {
				xrt_error("LYCEUM_XRT_CAPTURE_FRAMES='%s': want up to %d frame numbers from 1, "
					  "comma separated, e.g. 20,40",
					  v, XRT_MAX_CAPTURE_FRAMES);
				return false;
			}
			cfg->capture_frames[cfg->n_capture_frames++] = f;
			if (*end == '\0')
				break;
			s = end + 1;
		}
		if (!cfg->capture_dir[0]) {
			xrt_error("LYCEUM_XRT_CAPTURE_FRAMES is set but LYCEUM_XRT_CAPTURE (the folder) is not");
			return false;
		}
	}
	return true;
}

/* The report for tests (README.md lists the fields). */
void xrt_report_write(bool final)
{
	if (!xrt.cfg.report[0])
		return;
	json_t *o = json_object();
	json_t *states = json_array();
	json_t *msgs = json_array();
	json_t *caps = json_array();
	for (uint32_t i = 0; i < xrt.n_states; i++)
		json_array_append_new(states, json_string(xrt.states[i]));
	for (uint32_t i = 0; i < xrt.n_messages; i++)
		json_array_append_new(msgs, json_string(xrt.messages[i]));
	for (uint32_t i = 0; i < xrt.n_captures; i++)
		json_array_append_new(caps, json_string(xrt.captures[i]));
	const struct xrt_session *s = &xrt.session;
	float rate = s->rate_hz > 0.0f ? s->rate_hz : XRT_DEFAULT_RATE_HZ; /* kept after the session ends */
	json_object_set_new(o, "application", json_string(xrt.app_name));
	json_object_set_new(o, "frames", json_integer((json_int_t)xrt.frames));
	json_object_set_new(o, "frames_with_layers", json_integer((json_int_t)xrt.frames_with_layers));
	json_object_set_new(o, "states", states);
	json_object_set_new(o, "violations", json_integer(xrt.violations));
	json_object_set_new(o, "violation_messages", msgs);
	json_object_set_new(o, "interaction_profile", xrt.profile_path ? json_string(xrt.profile_path) : json_null());
	json_object_set_new(o, "refresh_rate", json_real(rate));
	json_object_set_new(o, "display_period_ms", json_real(1000.0 / rate));
	json_object_set_new(o, "swapchains_created", json_integer(xrt.swapchains_created));
	json_object_set_new(o, "max_frame_gap_ms", json_real(xrt.max_frame_gap_ms));
	json_object_set_new(o, "haptics", json_integer(xrt.haptics));
	json_object_set_new(o, "captures", caps);
	json_object_set_new(o, "session_running", json_boolean(s->live && s->running));
	json_object_set_new(o, "instance_destroyed", json_boolean(final));
	char tmp[XRT_PATH_BUF + 8];
	snprintf(tmp, sizeof(tmp), "%s.tmp", xrt.cfg.report);
	if (json_dump_file(o, tmp, JSON_INDENT(2)) != 0 || rename(tmp, xrt.cfg.report) != 0)
		xrt_error("cannot write the report %s: %s", xrt.cfg.report, strerror(errno));
	json_decref(o);
}

/* Loader interface and xrGetInstanceProcAddr. */
enum xrt_ext { EXT_NONE, EXT_VULKAN2, EXT_REFRESH };

/* The conditional makes the compiler check f against the PFN type of xr##T. */
#define XRT_FN(T, f) ((PFN_xrVoidFunction)(1 ? (f) : (PFN_xr##T)0))
#define CORE(T, f) { "xr" #T, XRT_FN(T, f), EXT_NONE }
#define EXT(T, f, e) { "xr" #T, XRT_FN(T, f), e }
static const struct {
	const char *name;
	PFN_xrVoidFunction fn;
	enum xrt_ext ext;
} functions[] = {
	CORE(EnumerateApiLayerProperties, xrt_enumerate_api_layer_properties),
	CORE(EnumerateInstanceExtensionProperties, xrt_enumerate_instance_extension_properties),
	CORE(CreateInstance, xrt_create_instance),
	CORE(DestroyInstance, xrt_destroy_instance),
	CORE(GetInstanceProperties, xrt_get_instance_properties),
	CORE(PollEvent, xrt_poll_event),
	CORE(ResultToString, xrt_result_to_string),
	CORE(StructureTypeToString, xrt_structure_type_to_string),
	CORE(GetSystem, xrt_get_system),
	CORE(GetSystemProperties, xrt_get_system_properties),
	CORE(EnumerateEnvironmentBlendModes, xrt_enumerate_environment_blend_modes),
	CORE(EnumerateViewConfigurations, xrt_enumerate_view_configurations),
	CORE(GetViewConfigurationProperties, xrt_get_view_configuration_properties),
	CORE(EnumerateViewConfigurationViews, xrt_enumerate_view_configuration_views),
	CORE(StringToPath, xrt_string_to_path),
	CORE(PathToString, xrt_path_to_string),
	CORE(CreateSession, xrt_create_session),
	CORE(DestroySession, xrt_destroy_session),
	CORE(BeginSession, xrt_begin_session),
	CORE(EndSession, xrt_end_session),
	CORE(RequestExitSession, xrt_request_exit_session),
	CORE(WaitFrame, xrt_wait_frame),
	CORE(BeginFrame, xrt_begin_frame),
	CORE(EndFrame, xrt_end_frame),
	CORE(EnumerateReferenceSpaces, xrt_enumerate_reference_spaces),
	CORE(CreateReferenceSpace, xrt_create_reference_space),
	CORE(GetReferenceSpaceBoundsRect, xrt_get_reference_space_bounds_rect),
	CORE(CreateActionSpace, xrt_create_action_space),
	CORE(DestroySpace, xrt_destroy_space),
	CORE(LocateSpace, xrt_locate_space),
	CORE(LocateViews, xrt_locate_views),
	CORE(EnumerateSwapchainFormats, xrt_enumerate_swapchain_formats),
	CORE(CreateSwapchain, xrt_create_swapchain),
	CORE(DestroySwapchain, xrt_destroy_swapchain),
	CORE(EnumerateSwapchainImages, xrt_enumerate_swapchain_images),
	CORE(AcquireSwapchainImage, xrt_acquire_swapchain_image),
	CORE(WaitSwapchainImage, xrt_wait_swapchain_image),
	CORE(ReleaseSwapchainImage, xrt_release_swapchain_image),
	CORE(CreateActionSet, xrt_create_action_set),
	CORE(DestroyActionSet, xrt_destroy_action_set),
	CORE(CreateAction, xrt_create_action),
	CORE(DestroyAction, xrt_destroy_action),
	CORE(SuggestInteractionProfileBindings, xrt_suggest_interaction_profile_bindings),
	CORE(AttachSessionActionSets, xrt_attach_session_action_sets),
	CORE(GetCurrentInteractionProfile, xrt_get_current_interaction_profile),
	CORE(SyncActions, xrt_sync_actions),
	CORE(GetActionStateBoolean, xrt_get_action_state_boolean),
	CORE(GetActionStateFloat, xrt_get_action_state_float),
	CORE(GetActionStateVector2f, xrt_get_action_state_vector2f),
	CORE(GetActionStatePose, xrt_get_action_state_pose),
	CORE(ApplyHapticFeedback, xrt_apply_haptic_feedback),
	CORE(StopHapticFeedback, xrt_stop_haptic_feedback),
	CORE(EnumerateBoundSourcesForAction, xrt_enumerate_bound_sources_for_action),
	CORE(GetInputSourceLocalizedName, xrt_get_input_source_localized_name),
	EXT(GetVulkanGraphicsRequirements2KHR, xrt_get_vulkan_graphics_requirements2, EXT_VULKAN2),
	EXT(CreateVulkanInstanceKHR, xrt_create_vulkan_instance, EXT_VULKAN2),
	EXT(GetVulkanGraphicsDevice2KHR, xrt_get_vulkan_graphics_device2, EXT_VULKAN2),
	EXT(CreateVulkanDeviceKHR, xrt_create_vulkan_device, EXT_VULKAN2),
	EXT(EnumerateDisplayRefreshRatesFB, xrt_enumerate_display_refresh_rates, EXT_REFRESH),
	EXT(GetDisplayRefreshRateFB, xrt_get_display_refresh_rate, EXT_REFRESH),
	EXT(RequestDisplayRefreshRateFB, xrt_request_display_refresh_rate, EXT_REFRESH),
};

static XrResult XRAPI_CALL xrt_get_instance_proc_addr(XrInstance instance, const char *name,
						      PFN_xrVoidFunction *function);
XRT_API(xrGetInstanceProcAddr, xrt_get_instance_proc_addr,
	(XrInstance instance, const char *name, PFN_xrVoidFunction *function), (instance, name, function))
{
	if (!function)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "function output is NULL");
	*function = NULL;
	if (!name)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "name is NULL");
	if (instance != XR_NULL_HANDLE && !xrt_instance_ok(instance))
		return xrt_fail(XR_ERROR_HANDLE_INVALID, "XrInstance 0x%" PRIxPTR " is not a live instance",
				(uintptr_t)instance);
	if (strcmp(name, "xrGetInstanceProcAddr") == 0) {
		*function = (PFN_xrVoidFunction)(1 ? xrt_get_instance_proc_addr : (PFN_xrGetInstanceProcAddr)0);
		return XR_SUCCESS;
	}
	for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
		if (strcmp(functions[i].name, name) != 0)
			continue;
		/* Only three may be asked for without an instance; names the runtime lacks fall through to
		 * XR_ERROR_FUNCTION_UNSUPPORTED either way, as loaders probe (xrInitializeLoaderKHR). */
		if (instance == XR_NULL_HANDLE && strcmp(name, "xrEnumerateInstanceExtensionProperties") &&
		    strcmp(name, "xrEnumerateApiLayerProperties") && strcmp(name, "xrCreateInstance"))
			return xrt_fail(XR_ERROR_HANDLE_INVALID, "%s asked for without an instance", name);
		/* An extension's functions exist only once it is enabled (not a violation: the loader asks). */
		if ((functions[i].ext == EXT_VULKAN2 && !xrt.ext_vulkan2) ||
		    (functions[i].ext == EXT_REFRESH && !xrt.ext_refresh))
			return XR_ERROR_FUNCTION_UNSUPPORTED;
		*function = functions[i].fn;
		return XR_SUCCESS;
	}
	return XR_ERROR_FUNCTION_UNSUPPORTED;
}

XrResult XRAPI_CALL xrNegotiateLoaderRuntimeInterface(const struct xrt_negotiate_loader_info *info,
						      struct xrt_negotiate_runtime_request *req)
{
	if (!info || !req || info->structType != XRT_LOADER_INTERFACE_STRUCT_LOADER_INFO ||
	    info->structVersion != 1 || info->structSize != sizeof(*info) ||
	    req->structType != XRT_LOADER_INTERFACE_STRUCT_RUNTIME_REQUEST || req->structVersion != 1 ||
	    req->structSize != sizeof(*req) || info->minInterfaceVersion > XRT_LOADER_RUNTIME_INTERFACE ||
	    info->maxInterfaceVersion < XRT_LOADER_RUNTIME_INTERFACE ||
	    XR_VERSION_MAJOR(info->minApiVersion) > 1 || XR_VERSION_MAJOR(info->maxApiVersion) < 1) {
		xrt_error("the OpenXR loader's negotiation request is not one this runtime (interface 1, API 1.0) "
			  "understands");
		return XR_ERROR_INITIALIZATION_FAILED;
	}
	req->runtimeInterfaceVersion = XRT_LOADER_RUNTIME_INTERFACE;
	req->runtimeApiVersion = XR_CURRENT_API_VERSION;
	req->getInstanceProcAddr = xrt_get_instance_proc_addr;
	return XR_SUCCESS;
}

/* Instance. */
XRT_API(xrEnumerateApiLayerProperties, xrt_enumerate_api_layer_properties,
	(uint32_t cap, uint32_t *count, XrApiLayerProperties *props), (cap, count, props))
{
	(void)props;
	return xrt_two_call(cap, count, 0, "API layers");
}

XRT_API(xrEnumerateInstanceExtensionProperties, xrt_enumerate_instance_extension_properties,
	(const char *layer, uint32_t cap, uint32_t *count, XrExtensionProperties *props), (layer, cap, count, props))
{
	if (layer)
		return xrt_fail(XR_ERROR_API_LAYER_NOT_PRESENT, "layer '%s': the runtime has no API layers", layer);
	XrResult r = xrt_two_call(cap, count, N_EXTENSIONS, "extensions");
	if (r != XR_SUCCESS || cap == 0)
		return r;
	if (!props)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "properties is NULL with capacity %u", cap);
	for (uint32_t i = 0; i < N_EXTENSIONS; i++)
		if (props[i].type != XR_TYPE_EXTENSION_PROPERTIES)
			return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "properties[%u].type is %d, not "
					"XR_TYPE_EXTENSION_PROPERTIES", i, props[i].type);
	for (uint32_t i = 0; i < N_EXTENSIONS; i++) {
		snprintf(props[i].extensionName, sizeof(props[i].extensionName), "%s", extensions[i].name);
		props[i].extensionVersion = extensions[i].version;
	}
	return XR_SUCCESS;
}

static void instance_reset(void)
{
	xrt_session_destroy_all();
	xrt_input_reset();
	for (uint32_t i = 0; i < xrt.n_paths; i++)
		free(xrt.paths[i]);
	xrt.n_paths = 0;
	xrt.ev_head = xrt.ev_count = xrt.ev_lost = 0;
	xrt_script_free();
	xrt.session.rate_hz = 0.0f;
	xrt.gfx_requirements_called = false;
	xrt.vk_instance = VK_NULL_HANDLE;
	xrt.vk_physdev = VK_NULL_HANDLE;
	xrt.ext_vulkan2 = xrt.ext_refresh = xrt.ext_bd = false;
}

XRT_API(xrCreateInstance, xrt_create_instance, (const XrInstanceCreateInfo *info, XrInstance *out), (info, out))
{
	if (!info || info->type != XR_TYPE_INSTANCE_CREATE_INFO)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "createInfo is NULL or not XR_TYPE_INSTANCE_CREATE_INFO");
	if (!out)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "instance output is NULL");
	if (info->createFlags != 0)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "createFlags is not 0");
	if (memchr(info->applicationInfo.applicationName, '\0', XR_MAX_APPLICATION_NAME_SIZE) == NULL ||
	    info->applicationInfo.applicationName[0] == '\0')
		return xrt_fail(XR_ERROR_NAME_INVALID, "applicationInfo.applicationName is empty or not terminated");
	if (XR_VERSION_MAJOR(info->applicationInfo.apiVersion) != 1)
		return xrt_fail(XR_ERROR_API_VERSION_UNSUPPORTED, "apiVersion %u.%u: the runtime implements 1.0",
				(unsigned)XR_VERSION_MAJOR(info->applicationInfo.apiVersion),
				(unsigned)XR_VERSION_MINOR(info->applicationInfo.apiVersion));
	if (info->enabledExtensionCount && !info->enabledExtensionNames)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "enabledExtensionNames is NULL");
	bool vk2 = false, refresh = false, bd = false;
	for (uint32_t i = 0; i < info->enabledExtensionCount; i++) {
		const char *e = info->enabledExtensionNames[i];
		if (!e)
			return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "enabledExtensionNames[%u] is NULL", i);
		if (strcmp(e, XR_KHR_VULKAN_ENABLE2_EXTENSION_NAME) == 0)
			vk2 = true;
		else if (strcmp(e, XR_FB_DISPLAY_REFRESH_RATE_EXTENSION_NAME) == 0)
			refresh = true;
		else if (strcmp(e, XRT_BD_CONTROLLER_EXT) == 0)
			bd = true;
		else
			return xrt_fail(XR_ERROR_EXTENSION_NOT_PRESENT, "extension %s is not offered by the runtime", e);
	}
	if (xrt.instance_live)
		return xrt_fail(XR_ERROR_LIMIT_REACHED, "the test runtime holds one instance at a time");

	instance_reset();
	if (!config_load(&xrt.cfg))
		return XR_ERROR_RUNTIME_FAILURE;
	xrt_sim_reset();
	if (xrt.cfg.script[0] && !xrt_script_load(xrt.cfg.script))
		return XR_ERROR_RUNTIME_FAILURE;
	xrt.ext_vulkan2 = vk2;
	xrt.ext_refresh = refresh;
	xrt.ext_bd = bd;
	snprintf(xrt.app_name, sizeof(xrt.app_name), "%s", info->applicationInfo.applicationName);
	xrt.violations = 0;
	xrt.n_messages = 0;
	xrt.n_states = 0;
	xrt.frames = xrt.frames_with_layers = 0;
	xrt.swapchains_created = 0;
	xrt.max_frame_gap_ms = 0.0;
	xrt.haptics = 0;
	xrt.profile_path = NULL;
	xrt.n_captures = 0;
	xrt.instance_live = true;
	xrt.instance_gen++;
	*out = (XrInstance)(uintptr_t)xrt_handle_make(XRT_KIND_INSTANCE, 0, xrt.instance_gen);
	xrt_report_write(false);
	return XR_SUCCESS;
}

XRT_API(xrDestroyInstance, xrt_destroy_instance, (XrInstance instance), (instance))
{
	XrResult r = xrt_check_instance(instance);
	if (r != XR_SUCCESS)
		return r;
	xrt_session_destroy_all();
	xrt_report_write(true);
	instance_reset();
	xrt.instance_live = false;
	return XR_SUCCESS;
}

XRT_API(xrGetInstanceProperties, xrt_get_instance_properties, (XrInstance instance, XrInstanceProperties *props),
	(instance, props))
{
	XrResult r = xrt_check_instance(instance);
	if (r != XR_SUCCESS)
		return r;
	if (!props || props->type != XR_TYPE_INSTANCE_PROPERTIES)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "instanceProperties is NULL or not "
				"XR_TYPE_INSTANCE_PROPERTIES");
	props->runtimeVersion = XR_MAKE_VERSION(0, 1, 0);
	snprintf(props->runtimeName, sizeof(props->runtimeName), "Lyceum test runtime");
	return XR_SUCCESS;
}

XRT_API(xrPollEvent, xrt_poll_event, (XrInstance instance, XrEventDataBuffer *event), (instance, event))
{
	XrResult r = xrt_check_instance(instance);
	if (r != XR_SUCCESS)
		return r;
	if (!event || event->type != XR_TYPE_EVENT_DATA_BUFFER)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "eventData is NULL or not XR_TYPE_EVENT_DATA_BUFFER");
	xrt_script_apply();
	if (xrt.ev_count == 0 && xrt.ev_lost == 0)
		return XR_EVENT_UNAVAILABLE;
	if (xrt.ev_count == 0 || (xrt.ev_lost && xrt.ev_count < XRT_MAX_EVENTS - 1)) {
		XrEventDataEventsLost lost = { XR_TYPE_EVENT_DATA_EVENTS_LOST, NULL, xrt.ev_lost };
		memset(event, 0, sizeof(*event));
		memcpy(event, &lost, sizeof(lost));
		xrt.ev_lost = 0;
		return XR_SUCCESS;
	}
	*event = xrt.events[xrt.ev_head];
	xrt.ev_head = (xrt.ev_head + 1) % XRT_MAX_EVENTS;
	xrt.ev_count--;
	return XR_SUCCESS;
}

#define XRT_ENUM_CASE(name, value) \
	case name:                 \
		return #name;
static const char *result_name(XrResult v)
{
	switch (v) {
		XR_LIST_ENUM_XrResult(XRT_ENUM_CASE)
	default:
		return NULL;
	}
}

static const char *structure_name(XrStructureType v)
{
	switch (v) {
		XR_LIST_ENUM_XrStructureType(XRT_ENUM_CASE)
	default:
		return NULL;
	}
}

XRT_API(xrResultToString, xrt_result_to_string,
	(XrInstance instance, XrResult value, char buffer[XR_MAX_RESULT_STRING_SIZE]), (instance, value, buffer))
{
	XrResult r = xrt_check_instance(instance);
	if (r != XR_SUCCESS)
		return r;
	if (!buffer)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "buffer is NULL");
	const char *name = result_name(value);
	if (name)
		snprintf(buffer, XR_MAX_RESULT_STRING_SIZE, "%s", name);
	else
		snprintf(buffer, XR_MAX_RESULT_STRING_SIZE, "XR_UNKNOWN_%s_%d", value >= 0 ? "SUCCESS" : "FAILURE",
			 (int)value);
	return XR_SUCCESS;
}

XRT_API(xrStructureTypeToString, xrt_structure_type_to_string,
	(XrInstance instance, XrStructureType value, char buffer[XR_MAX_STRUCTURE_NAME_SIZE]), (instance, value, buffer))
{
	XrResult r = xrt_check_instance(instance);
	if (r != XR_SUCCESS)
		return r;
	if (!buffer)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "buffer is NULL");
	const char *name = structure_name(value);
	if (name)
		snprintf(buffer, XR_MAX_STRUCTURE_NAME_SIZE, "%s", name);
	else
		snprintf(buffer, XR_MAX_STRUCTURE_NAME_SIZE, "XR_UNKNOWN_STRUCTURE_TYPE_%d", (int)value);
	return XR_SUCCESS;
}

