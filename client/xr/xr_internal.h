/*
 * xr_internal.h: the OpenXR side's state, shared by its files:
 *   xr_session.c  instance, system, the Vulkan hooks, session, spaces, events;
 *   xr_input.c    action set, actions, suggested bindings, reading them;
 *   xr_frame.c    swapchains and the frame loop.
 */
#pragma once

#include "xr.h"

#include "rnd.h"

#include <vulkan/vulkan.h>
#ifdef __ANDROID__
#include <jni.h>
#define XR_USE_PLATFORM_ANDROID
#endif
#define XR_USE_GRAPHICS_API_VULKAN
#include <openxr/openxr.h>
#include <openxr/openxr_platform.h>

#define XR_MAX_IMAGES 8
/* Pico 4's controllers (not in this loader's 1.0.20 headers). */
#define XR_BD_CONTROLLER_EXTENSION "XR_BD_controller_interaction"

enum xr_action_id {
	XR_ACT_MOVE,     /* vector2f, left */
	XR_ACT_TURN,     /* vector2f, right */
	XR_ACT_DRAW,     /* float, both */
	XR_ACT_GRAB,     /* float (grip), both */
	XR_ACT_TALK,     /* boolean */
	XR_ACT_MUTE,     /* boolean */
	XR_ACT_SIT,      /* boolean */
	XR_ACT_HAND,     /* boolean: raise a hand */
	XR_ACT_UNDO,     /* boolean: undo one's newest stroke */
	XR_ACT_REDO,     /* boolean */
	XR_ACT_GRIP_POSE,
	XR_ACT_AIM_POSE,
	XR_ACT_HAPTIC,
	XR_ACT_COUNT,
};

struct xr {
	struct xr_config cfg;
	XrInstance instance;
	XrSystemId system;
	XrSession session;
	XrSessionState state;
	bool running;        /* between xrBeginSession and xrEndSession */
	bool exit_requested;
	bool lost;
	bool has_refresh;    /* XR_FB_display_refresh_rate enabled */
	bool has_bd;         /* XR_BD_controller_interaction enabled */
	struct rnd_vk_hooks hooks;
	VkPhysicalDevice gpu; /* the one the runtime named */

	PFN_xrGetVulkanGraphicsRequirements2KHR get_requirements;
	PFN_xrCreateVulkanInstanceKHR create_vk_instance;
	PFN_xrGetVulkanGraphicsDevice2KHR get_vk_device;
	PFN_xrCreateVulkanDeviceKHR create_vk_device;
	PFN_xrRequestDisplayRefreshRateFB request_refresh;
	PFN_xrEnumerateDisplayRefreshRatesFB enumerate_refresh;

	XrSpace space;      /* stage, or local when the runtime has no stage */
	XrSpace view_space;
	XrReferenceSpaceType space_type;

	/* actions (xr_input.c) */
	XrActionSet set;
	XrAction actions[XR_ACT_COUNT];
	XrPath hands[2];
	XrSpace grip_space[2], aim_space[2];
	bool prev_grab[2], prev_mute, prev_sit, prev_hand, prev_undo, prev_redo;
	char profile[128];

	/* swapchains (xr_frame.c): one of two layers (multiview) or one an eye */
	bool multiview;
	uint32_t swapchain_count;
	XrSwapchain swapchains[2];
	uint32_t width, height;
	int64_t format;
	XrViewConfigurationView config_views[2];
	XrView views[2];
	bool frame_begun;
	bool acquired[2]; /* this frame's image of each swapchain: acquired and waited */
	uint64_t frames;
};

/* xr_session.c */
/** Logs a failed call with the runtime's name for the result; true on success. */
bool xr_check(struct xr *x, XrResult res, const char *what);
#define XR_TRY(x, call, what)                       \
	do {                                        \
		if (!xr_check((x), (call), (what))) \
			return CORE_ERR_IO;         \
	} while (0)
/** An OpenXR pose as xr.h's. */
void xr_pose_of(const XrPosef *p, struct xr_pose *out);

/* xr_input.c */
enum core_result xr_actions_create(struct xr *x) CORE_MUST_CHECK;
void xr_actions_destroy(struct xr *x);
/** After an XrEventDataInteractionProfileChanged: which profile is current. */
void xr_actions_profile_changed(struct xr *x);

/* xr_frame.c */
enum core_result xr_swapchains_create(struct xr *x, struct rnd *r) CORE_MUST_CHECK;
void xr_swapchains_destroy(struct xr *x);
