/*
 * xrt_internal.h: the Lyceum test OpenXR runtime (lyceum_xrt), shared state.
 *
 * A headless runtime that the Khronos loader loads through XR_RUNTIME_JSON in
 * place of a headset. One instance and one session at a time; every object
 * lives in a fixed pool and its handle encodes kind, slot and generation, so
 * a stale or foreign handle is caught (XR_ERROR_HANDLE_INVALID) instead of
 * dereferenced. A single mutex serialises every entry point; xrWaitFrame
 * drops it while it sleeps. Every error that is the application's fault goes
 * through xrt_fail(), which prints "xrt: violation: <function>: <what>" and
 * counts it for the report. See tests/xr/README.md.
 */
#ifndef LYCEUM_XRT_INTERNAL_H
#define LYCEUM_XRT_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <vulkan/vulkan.h>
#define XR_NO_PROTOTYPES
#define XR_USE_GRAPHICS_API_VULKAN
#include <openxr/openxr.h>
#include <openxr/openxr_platform.h>

#define XRT_HIDDEN __attribute__((visibility("hidden")))
#define XRT_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Not in the 1.0.20 headers. */
#define XRT_BD_CONTROLLER_EXT "XR_BD_controller_interaction"

#define XRT_MAX_PATHS 2048
#define XRT_MAX_EVENTS 64
#define XRT_MAX_SPACES 128
#define XRT_MAX_ACTION_SETS 32
#define XRT_MAX_ACTIONS 256
#define XRT_MAX_SWAPCHAINS 32
#define XRT_MAX_SUGGESTIONS 256 /* per interaction profile */
#define XRT_MAX_PROFILES 16
#define XRT_MAX_LAYERS XR_MIN_COMPOSITION_LAYERS_SUPPORTED
#define XRT_SWAPCHAIN_IMAGES 3
#define XRT_MAX_STATES 64
#define XRT_MAX_MESSAGES 20
#define XRT_MAX_CAPTURE_FRAMES 64
#define XRT_MAX_EYE_SIZE 2048
#define XRT_SYSTEM_ID 1
#define XRT_DEFAULT_RATE_HZ 90.0f
#define XRT_PATH_BUF 4096
#define XRT_PI 3.14159265358979323846

enum xrt_kind {
	XRT_KIND_INSTANCE = 1,
	XRT_KIND_SESSION,
	XRT_KIND_SPACE,
	XRT_KIND_ACTION_SET,
	XRT_KIND_ACTION,
	XRT_KIND_SWAPCHAIN,
};

/* Top-level user paths; the hands are the simulated devices. */
enum xrt_top {
	XRT_LEFT = 0,
	XRT_RIGHT = 1,
	XRT_HEAD = 2,
	XRT_GAMEPAD = 3,
	XRT_N_TOPS
};
#define XRT_TOP_BIT(t) (1u << (t))
#define XRT_HANDS (XRT_TOP_BIT(XRT_LEFT) | XRT_TOP_BIT(XRT_RIGHT))
#define XRT_ANY 2 /* action state slot: the aggregate over both hands */

/* What a component path reads as. */
enum xrt_value { XRT_V_BOOL, XRT_V_FLOAT, XRT_V_VEC2, XRT_V_POSE, XRT_V_HAPTIC };

/* Which part of a simulated hand a component is wired to. */
enum xrt_source {
	XRT_SRC_NONE, /* exists on the controller, never moves here (trackpads, system) */
	XRT_SRC_TRIGGER,
	XRT_SRC_TRIGGER_TOUCH,
	XRT_SRC_SQUEEZE,
	XRT_SRC_STICK,
	XRT_SRC_STICK_X,
	XRT_SRC_STICK_Y,
	XRT_SRC_STICK_CLICK,
	XRT_SRC_STICK_TOUCH,
	XRT_SRC_LOWER, /* the lower face button: A on the right hand, X on the left */
	XRT_SRC_UPPER, /* the upper one: B, Y */
	XRT_SRC_MENU,
	XRT_SRC_SELECT,
	XRT_SRC_GRIP,
	XRT_SRC_AIM,
	XRT_SRC_HAPTIC,
};

struct xrt_component {
	const char *path;	/* below the top-level path: "/input/trigger/value" */
	uint8_t tops;		/* XRT_TOP_BIT mask */
	enum xrt_value kind;
	enum xrt_source src;
};

struct xrt_profile {
	const char *path;
	const char *name;	/* localized */
	const char *extension;	/* needed to use it, or NULL for core */
	bool simulated;		/* may become current */
	const struct xrt_component *comps;
	size_t n_comps;
};

struct xrt_suggestion {
	uint32_t action; /* pool slot */
	uint32_t action_gen;
	XrPath binding;
};

/* A resolved binding of one action in the current profile. */
struct xrt_binding {
	enum xrt_top top;
	const struct xrt_component *comp;
	XrPath path;
};

struct xrt_hand {
	XrPosef grip;
	XrVector2f stick;
	float trigger, squeeze;
	bool lower, upper, menu, thumbstick, select;
	uint32_t haptics;
	/* Controls the script changed since the app last synced its actions
	 * (bits of xrt_script.c's control_bit): their next change waits. */
	uint32_t unsynced;
};

/* The simulated user, moved by the script. */
struct xrt_sim {
	XrPosef head;
	struct xrt_hand hand[2];
	float ipd_m;
};

enum xrt_cmd {
	XRT_CMD_HEAD,
	XRT_CMD_HAND,
	XRT_CMD_STICK,
	XRT_CMD_TRIGGER,
	XRT_CMD_SQUEEZE,
	XRT_CMD_BUTTON,
	XRT_CMD_FOCUS,
	XRT_CMD_EXIT,
	XRT_CMD_LOSS,
	XRT_CMD_IPD,
};

enum xrt_button { XRT_BTN_LOWER, XRT_BTN_UPPER, XRT_BTN_MENU, XRT_BTN_THUMBSTICK, XRT_BTN_SELECT };

struct xrt_script_line {
	int64_t at_ns;
	enum xrt_cmd cmd;
	int hand;
	enum xrt_button button;
	bool on;
	int nv;
	float v[5];
	int line;
};

struct xrt_action_state {
	bool active;
	bool b;
	float f;
	XrVector2f v;
	bool changed;
	XrTime last_change;
};

struct xrt_space {
	bool live;
	uint32_t gen;
	bool is_action;
	XrReferenceSpaceType ref_type;
	uint32_t action;
	uint32_t action_gen;
	XrPath subaction;
	XrPosef offset;
};

struct xrt_action_set {
	bool live;
	uint32_t gen;
	bool immutable;	 /* attached once: no more actions, no more suggestions */
	bool in_session; /* attached to the live session */
	uint32_t priority;
	char name[XR_MAX_ACTION_SET_NAME_SIZE];
	char localized[XR_MAX_LOCALIZED_ACTION_SET_NAME_SIZE];
};

struct xrt_action {
	bool live;
	uint32_t gen;
	uint32_t set;
	XrActionType type;
	char name[XR_MAX_ACTION_NAME_SIZE];
	char localized[XR_MAX_LOCALIZED_ACTION_NAME_SIZE];
	uint32_t n_sub;
	XrPath sub[XRT_N_TOPS];
	struct xrt_action_state st[3]; /* left, right, XRT_ANY */
};

struct xrt_swapchain {
	bool live;
	uint32_t gen;
	XrSwapchainCreateFlags flags;
	XrSwapchainUsageFlags usage;
	VkFormat format;
	bool depth;
	uint32_t width, height, samples, array_size;
	uint32_t n_images;
	VkImage images[XRT_SWAPCHAIN_IMAGES];
	VkDeviceMemory memory[XRT_SWAPCHAIN_IMAGES];
	/* acquired, not yet released, oldest first; the first n_waited are waited */
	uint32_t fifo[XRT_SWAPCHAIN_IMAGES];
	uint32_t n_acquired, n_waited;
	uint32_t next;
	int last_released;
	bool acquired_once;
};

struct xrt_session {
	bool live;
	uint32_t gen;
	XrSessionState state; /* the latest one queued */
	bool running;
	bool exit_requested;
	bool lost;
	bool focus_off;
	bool attached;
	bool profile_event_due;
	int profile; /* index into xrt_profiles, or -1 */
	/* Vulkan, from XrGraphicsBindingVulkanKHR */
	VkInstance vk_instance;
	VkPhysicalDevice vk_physdev;
	VkDevice vk_device;
	uint32_t vk_family, vk_queue_index;
	VkQueue vk_queue;
	VkCommandPool vk_pool;
	VkFence vk_fence;
	/* frame loop */
	int64_t epoch_ns;	/* vsync grid origin */
	int64_t last_wake_ns;
	int64_t last_end_ns;
	int64_t begin_ns;	/* script time origin */
	float rate_hz;
	bool wait_pending;	/* xrWaitFrame returned, xrBeginFrame not yet called */
	bool frame_begun;
	uint64_t frames_waited;
	uint64_t sync_count;
};

struct xrt_config {
	uint32_t eye_w, eye_h;
	float fov_x_rad, fov_y_rad; /* half angles */
	char gpu[256];
	char profile[XR_MAX_PATH_LENGTH];
	char capture_dir[XRT_PATH_BUF];
	uint32_t capture_frames[XRT_MAX_CAPTURE_FRAMES];
	uint32_t n_capture_frames;
	char report[XRT_PATH_BUF];
	char script[XRT_PATH_BUF];
	bool no_stage; /* LYCEUM_XRT_NO_STAGE=1: no play area (a seated set-up) */
};

struct xrt_rt {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* xrBeginFrame signals a blocked xrWaitFrame */
	const char *fn;	     /* the entry point being run, for messages */
	struct xrt_config cfg;

	bool instance_live;
	uint32_t instance_gen;
	bool ext_vulkan2, ext_refresh, ext_bd;
	char app_name[XR_MAX_APPLICATION_NAME_SIZE];

	char *paths[XRT_MAX_PATHS];
	uint32_t n_paths;

	XrEventDataBuffer events[XRT_MAX_EVENTS];
	uint32_t ev_head, ev_count, ev_lost;

	uint32_t violations;
	char messages[XRT_MAX_MESSAGES][256];
	uint32_t n_messages;
	const char *states[XRT_MAX_STATES];
	uint32_t n_states;
	uint64_t frames, frames_with_layers;
	uint32_t swapchains_created;
	double max_frame_gap_ms;
	uint32_t haptics;
	const char *profile_path; /* the last current interaction profile, or NULL */
	char captures[XRT_MAX_CAPTURE_FRAMES * 2][64];
	uint32_t n_captures;

	bool gfx_requirements_called;
	VkInstance vk_instance;
	VkPhysicalDevice vk_physdev;

	struct xrt_session session;
	struct xrt_space spaces[XRT_MAX_SPACES];
	struct xrt_action_set sets[XRT_MAX_ACTION_SETS];
	struct xrt_action actions[XRT_MAX_ACTIONS];
	struct xrt_swapchain swapchains[XRT_MAX_SWAPCHAINS];
	struct xrt_suggestion suggestions[XRT_MAX_PROFILES][XRT_MAX_SUGGESTIONS];
	uint32_t n_suggestions[XRT_MAX_PROFILES];

	struct xrt_sim sim;
	struct xrt_script_line *script;
	size_t n_script, next_script;
};

XRT_HIDDEN extern struct xrt_rt xrt;

/* Entry points: lock, name the function for messages, run, unlock. */
XRT_HIDDEN void xrt_lock(const char *fn);
XRT_HIDDEN void xrt_unlock(void);
#define XRT_API(xrname, cname, params, args)                 \
	static XrResult cname##_locked params;               \
	XrResult XRAPI_CALL cname params                     \
	{                                                    \
		xrt_lock(#xrname);                           \
		XrResult r_ = cname##_locked args;           \
		xrt_unlock();                                \
		return r_;                                   \
	}                                                    \
	static XrResult cname##_locked params

/* xrt_instance.c */
XRT_HIDDEN XrResult xrt_fail(XrResult r, const char *fmt, ...) XRT_PRINTF(2, 3);
XRT_HIDDEN void xrt_error(const char *fmt, ...) XRT_PRINTF(1, 2);
XRT_HIDDEN int64_t xrt_now_ns(void);
XRT_HIDDEN uint64_t xrt_handle_make(enum xrt_kind kind, uint32_t slot, uint32_t gen);
XRT_HIDDEN bool xrt_handle_slot(uint64_t h, enum xrt_kind kind, uint32_t n, uint32_t *slot, uint32_t *gen);
XRT_HIDDEN bool xrt_instance_ok(XrInstance instance);
XRT_HIDDEN XrResult xrt_check_instance(XrInstance instance);
XRT_HIDDEN const char *xrt_path_string(XrPath path);
XRT_HIDDEN XrPath xrt_path_intern(const char *s);
XRT_HIDDEN void xrt_event_push(const void *event, size_t size);
XRT_HIDDEN void xrt_events_forget_session(XrSession session);
XRT_HIDDEN void xrt_report_write(bool final);
XRT_HIDDEN XrResult xrt_two_call(uint32_t capacity, uint32_t *count, uint32_t n, const char *what);
XRT_HIDDEN bool xrt_pose_valid(const XrPosef *pose);

/* xrt_script.c */
XRT_HIDDEN void xrt_sim_reset(void);
XRT_HIDDEN bool xrt_script_load(const char *path);
XRT_HIDDEN void xrt_script_free(void);
XRT_HIDDEN void xrt_script_apply(void);
XRT_HIDDEN XrPosef xrt_pose_from(float x, float y, float z, float yaw_deg, float pitch_deg);

/* xrt_session.c */
XRT_HIDDEN struct xrt_session *xrt_session_get(XrSession session);
XRT_HIDDEN XrResult xrt_check_session(XrSession session, struct xrt_session **out);
XRT_HIDDEN XrSession xrt_session_handle(void);
XRT_HIDDEN void xrt_session_set_state(XrSessionState state);
XRT_HIDDEN void xrt_session_exit(void);
XRT_HIDDEN void xrt_session_loss(void);
XRT_HIDDEN void xrt_session_focus(bool on);
XRT_HIDDEN void xrt_session_destroy_all(void);
XRT_HIDDEN struct xrt_space *xrt_space_get(XrSpace space);

/* xrt_input.c */
XRT_HIDDEN void xrt_input_reset(void);
XRT_HIDDEN void xrt_input_detach(void);
XRT_HIDDEN struct xrt_action *xrt_action_get(XrAction action, uint32_t *slot);
XRT_HIDDEN bool xrt_top_of(XrPath path, enum xrt_top *out);

/* xrt_profiles.c */
XRT_HIDDEN extern const struct xrt_profile xrt_profiles[];
XRT_HIDDEN extern const size_t xrt_n_profiles;
XRT_HIDDEN extern const char *const xrt_top_paths[XRT_N_TOPS];
XRT_HIDDEN int xrt_profile_find(const char *path);
XRT_HIDDEN const struct xrt_component *xrt_component_find(const struct xrt_profile *p, enum xrt_top top,
							   const char *rest);
XRT_HIDDEN bool xrt_identifier_exists(const struct xrt_profile *p, enum xrt_top top, const char *rest);

/* xrt_vulkan.c */
XRT_HIDDEN XrResult xrt_vk_session_init(struct xrt_session *s, const XrGraphicsBindingVulkanKHR *binding);
XRT_HIDDEN void xrt_vk_session_fini(struct xrt_session *s);
XRT_HIDDEN struct xrt_swapchain *xrt_swapchain_get(XrSwapchain swapchain);
XRT_HIDDEN void xrt_swapchain_destroy_all(void);
XRT_HIDDEN int xrt_vk_memory_type(VkPhysicalDevice pd, uint32_t bits, VkMemoryPropertyFlags want);
XRT_HIDDEN VkCommandBuffer xrt_vk_begin(void);
XRT_HIDDEN bool xrt_vk_submit(VkCommandBuffer cb);

/* xrt_capture.c */
XRT_HIDDEN void xrt_capture_views(const XrCompositionLayerProjection *layer, uint64_t frame);
XRT_HIDDEN void xrt_capture_flush(void); /* writes the views kept since the last flush */

/* Entry points, in the table of xrt_instance.c. */
XrResult XRAPI_CALL xrt_enumerate_api_layer_properties(uint32_t cap, uint32_t *count, XrApiLayerProperties *props);
XrResult XRAPI_CALL xrt_enumerate_instance_extension_properties(const char *layer, uint32_t cap, uint32_t *count,
								XrExtensionProperties *props);
XrResult XRAPI_CALL xrt_create_instance(const XrInstanceCreateInfo *info, XrInstance *out);
XrResult XRAPI_CALL xrt_destroy_instance(XrInstance instance);
XrResult XRAPI_CALL xrt_get_instance_properties(XrInstance instance, XrInstanceProperties *props);
XrResult XRAPI_CALL xrt_poll_event(XrInstance instance, XrEventDataBuffer *event);
XrResult XRAPI_CALL xrt_result_to_string(XrInstance instance, XrResult value, char buffer[XR_MAX_RESULT_STRING_SIZE]);
XrResult XRAPI_CALL xrt_structure_type_to_string(XrInstance instance, XrStructureType value,
						 char buffer[XR_MAX_STRUCTURE_NAME_SIZE]);
XrResult XRAPI_CALL xrt_get_system(XrInstance instance, const XrSystemGetInfo *info, XrSystemId *out);
XrResult XRAPI_CALL xrt_get_system_properties(XrInstance instance, XrSystemId system, XrSystemProperties *props);
XrResult XRAPI_CALL xrt_enumerate_environment_blend_modes(XrInstance instance, XrSystemId system,
							  XrViewConfigurationType type, uint32_t cap,
							  uint32_t *count, XrEnvironmentBlendMode *modes);
XrResult XRAPI_CALL xrt_enumerate_view_configurations(XrInstance instance, XrSystemId system, uint32_t cap,
						      uint32_t *count, XrViewConfigurationType *types);
XrResult XRAPI_CALL xrt_get_view_configuration_properties(XrInstance instance, XrSystemId system,
							  XrViewConfigurationType type,
							  XrViewConfigurationProperties *props);
XrResult XRAPI_CALL xrt_enumerate_view_configuration_views(XrInstance instance, XrSystemId system,
							   XrViewConfigurationType type, uint32_t cap,
							   uint32_t *count, XrViewConfigurationView *views);
XrResult XRAPI_CALL xrt_string_to_path(XrInstance instance, const char *s, XrPath *out);
XrResult XRAPI_CALL xrt_path_to_string(XrInstance instance, XrPath path, uint32_t cap, uint32_t *count, char *buf);

XrResult XRAPI_CALL xrt_create_session(XrInstance instance, const XrSessionCreateInfo *info, XrSession *out);
XrResult XRAPI_CALL xrt_destroy_session(XrSession session);
XrResult XRAPI_CALL xrt_begin_session(XrSession session, const XrSessionBeginInfo *info);
XrResult XRAPI_CALL xrt_end_session(XrSession session);
XrResult XRAPI_CALL xrt_request_exit_session(XrSession session);
XrResult XRAPI_CALL xrt_wait_frame(XrSession session, const XrFrameWaitInfo *info, XrFrameState *state);
XrResult XRAPI_CALL xrt_begin_frame(XrSession session, const XrFrameBeginInfo *info);
XrResult XRAPI_CALL xrt_end_frame(XrSession session, const XrFrameEndInfo *info);
XrResult XRAPI_CALL xrt_enumerate_reference_spaces(XrSession session, uint32_t cap, uint32_t *count,
						   XrReferenceSpaceType *types);
XrResult XRAPI_CALL xrt_create_reference_space(XrSession session, const XrReferenceSpaceCreateInfo *info,
					       XrSpace *out);
XrResult XRAPI_CALL xrt_get_reference_space_bounds_rect(XrSession session, XrReferenceSpaceType type,
							XrExtent2Df *bounds);
XrResult XRAPI_CALL xrt_create_action_space(XrSession session, const XrActionSpaceCreateInfo *info, XrSpace *out);
XrResult XRAPI_CALL xrt_destroy_space(XrSpace space);
XrResult XRAPI_CALL xrt_locate_space(XrSpace space, XrSpace base, XrTime time, XrSpaceLocation *location);
XrResult XRAPI_CALL xrt_locate_views(XrSession session, const XrViewLocateInfo *info, XrViewState *state,
				     uint32_t cap, uint32_t *count, XrView *views);
XrResult XRAPI_CALL xrt_enumerate_display_refresh_rates(XrSession session, uint32_t cap, uint32_t *count,
							float *rates);
XrResult XRAPI_CALL xrt_get_display_refresh_rate(XrSession session, float *rate);
XrResult XRAPI_CALL xrt_request_display_refresh_rate(XrSession session, float rate);

XrResult XRAPI_CALL xrt_create_action_set(XrInstance instance, const XrActionSetCreateInfo *info, XrActionSet *out);
XrResult XRAPI_CALL xrt_destroy_action_set(XrActionSet set);
XrResult XRAPI_CALL xrt_create_action(XrActionSet set, const XrActionCreateInfo *info, XrAction *out);
XrResult XRAPI_CALL xrt_destroy_action(XrAction action);
XrResult XRAPI_CALL xrt_suggest_interaction_profile_bindings(XrInstance instance,
							     const XrInteractionProfileSuggestedBinding *info);
XrResult XRAPI_CALL xrt_attach_session_action_sets(XrSession session, const XrSessionActionSetsAttachInfo *info);
XrResult XRAPI_CALL xrt_get_current_interaction_profile(XrSession session, XrPath top,
							XrInteractionProfileState *state);
XrResult XRAPI_CALL xrt_sync_actions(XrSession session, const XrActionsSyncInfo *info);
XrResult XRAPI_CALL xrt_get_action_state_boolean(XrSession session, const XrActionStateGetInfo *info,
						 XrActionStateBoolean *state);
XrResult XRAPI_CALL xrt_get_action_state_float(XrSession session, const XrActionStateGetInfo *info,
					       XrActionStateFloat *state);
XrResult XRAPI_CALL xrt_get_action_state_vector2f(XrSession session, const XrActionStateGetInfo *info,
						  XrActionStateVector2f *state);
XrResult XRAPI_CALL xrt_get_action_state_pose(XrSession session, const XrActionStateGetInfo *info,
					      XrActionStatePose *state);
XrResult XRAPI_CALL xrt_apply_haptic_feedback(XrSession session, const XrHapticActionInfo *info,
					      const XrHapticBaseHeader *haptic);
XrResult XRAPI_CALL xrt_stop_haptic_feedback(XrSession session, const XrHapticActionInfo *info);
XrResult XRAPI_CALL xrt_enumerate_bound_sources_for_action(XrSession session,
							   const XrBoundSourcesForActionEnumerateInfo *info,
							   uint32_t cap, uint32_t *count, XrPath *sources);
XrResult XRAPI_CALL xrt_get_input_source_localized_name(XrSession session,
							const XrInputSourceLocalizedNameGetInfo *info, uint32_t cap,
							uint32_t *count, char *buf);

XrResult XRAPI_CALL xrt_get_vulkan_graphics_requirements2(XrInstance instance, XrSystemId system,
							  XrGraphicsRequirementsVulkanKHR *req);
XrResult XRAPI_CALL xrt_create_vulkan_instance(XrInstance instance, const XrVulkanInstanceCreateInfoKHR *info,
					       VkInstance *out, VkResult *vk_result);
XrResult XRAPI_CALL xrt_get_vulkan_graphics_device2(XrInstance instance, const XrVulkanGraphicsDeviceGetInfoKHR *info,
						    VkPhysicalDevice *out);
XrResult XRAPI_CALL xrt_create_vulkan_device(XrInstance instance, const XrVulkanDeviceCreateInfoKHR *info,
					     VkDevice *out, VkResult *vk_result);
XrResult XRAPI_CALL xrt_enumerate_swapchain_formats(XrSession session, uint32_t cap, uint32_t *count,
						    int64_t *formats);
XrResult XRAPI_CALL xrt_create_swapchain(XrSession session, const XrSwapchainCreateInfo *info, XrSwapchain *out);
XrResult XRAPI_CALL xrt_destroy_swapchain(XrSwapchain swapchain);
XrResult XRAPI_CALL xrt_enumerate_swapchain_images(XrSwapchain swapchain, uint32_t cap, uint32_t *count,
						   XrSwapchainImageBaseHeader *images);
XrResult XRAPI_CALL xrt_acquire_swapchain_image(XrSwapchain swapchain, const XrSwapchainImageAcquireInfo *info,
						uint32_t *index);
XrResult XRAPI_CALL xrt_wait_swapchain_image(XrSwapchain swapchain, const XrSwapchainImageWaitInfo *info);
XrResult XRAPI_CALL xrt_release_swapchain_image(XrSwapchain swapchain, const XrSwapchainImageReleaseInfo *info);

/* Pose maths (quaternions x, y, z, w). */
static inline XrQuaternionf xrt_quat_mul(XrQuaternionf a, XrQuaternionf b)
{
	XrQuaternionf q = {
		a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
		a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
		a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w,
		a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z,
	};
	return q;
}

static inline XrVector3f xrt_quat_rotate(XrQuaternionf q, XrVector3f v)
{
	XrVector3f t = { 2.0f * (q.y * v.z - q.z * v.y), 2.0f * (q.z * v.x - q.x * v.z),
			 2.0f * (q.x * v.y - q.y * v.x) };
	XrVector3f r = { v.x + q.w * t.x + (q.y * t.z - q.z * t.y), v.y + q.w * t.y + (q.z * t.x - q.x * t.z),
			 v.z + q.w * t.z + (q.x * t.y - q.y * t.x) };
	return r;
}

/* a then b: b expressed in a's frame, result in a's parent frame */
static inline XrPosef xrt_pose_mul(XrPosef a, XrPosef b)
{
	XrVector3f p = xrt_quat_rotate(a.orientation, b.position);
	XrPosef r = { xrt_quat_mul(a.orientation, b.orientation),
		      { a.position.x + p.x, a.position.y + p.y, a.position.z + p.z } };
	return r;
}

static inline XrPosef xrt_pose_inverse(XrPosef a)
{
	XrQuaternionf c = { -a.orientation.x, -a.orientation.y, -a.orientation.z, a.orientation.w };
	XrVector3f n = { -a.position.x, -a.position.y, -a.position.z };
	XrPosef r = { c, xrt_quat_rotate(c, n) };
	return r;
}

static inline XrPosef xrt_pose_identity(void)
{
	XrPosef r = { { 0.0f, 0.0f, 0.0f, 1.0f }, { 0.0f, 0.0f, 0.0f } };
	return r;
}

#endif
