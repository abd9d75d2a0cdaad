/**
 * @file xr.h
 * @brief The OpenXR side of `lyceum --xr`: an instance and session through
 * the Khronos loader with XR_KHR_vulkan_enable2, stereo swapchains the
 * renderer draws into (rnd_xr.h), the controllers' actions, and the
 * session's lifecycle. Nothing here knows the classroom: app_xr.c turns
 * what this reports into moves, poses and strokes.
 *
 * Axes: everything here is in OpenXR's stage (or local) space: metres, +y
 * up, -z forward. app_xr.c maps it into the world's axes.
 *
 * One thread: the app calls xr_poll, then (while the session runs)
 * xr_frame_wait, xr_input, draws, xr_frame_submit. xr_frame_wait blocks in
 * xrWaitFrame: the runtime paces the loop to the display.
 */
#pragma once

#include "core/core.h"

#include <stdbool.h>
#include <stdint.h>

struct rnd;
struct rnd_vk_hooks;
struct xr;

struct xr_config {
	bool validation;   /* the Vulkan validation layers (the renderer asks the runtime) */
	int multiview;     /* 1 on, 0 off (a pass an eye), -1 auto: on where the device has it and gets it right */
	float refresh_hz;  /* ask for this display rate when XR_FB_display_refresh_rate is offered; 0: the runtime's */
	/* Android (Quest, Pico): the JavaVM and the activity, for the loader
	 * (xrInitializeLoaderKHR) and the instance (XR_KHR_android_create_instance). */
	void *android_vm, *android_activity;
};

struct xr_pose {
	float p[3]; /* metres */
	float q[4]; /* unit quaternion x, y, z, w */
};

struct xr_view {
	struct xr_pose pose;
	float fov[4]; /* angle left, right, up, down (radians; left and down negative) */
};

enum xr_hand { XR_HAND_LEFT, XR_HAND_RIGHT };

/** What the controllers say this frame (all false and zero while the
 * session is not focused: input pauses). Edges are true for the one frame
 * a button went down. */
struct xr_input {
	bool active;          /* focused and the action set synced */
	float move[2];        /* left thumbstick: x right, y forward, -1..1 */
	float turn;           /* right thumbstick x */
	float teleport;       /* right thumbstick y (forward aims a teleport) */
	float draw[2];        /* each trigger, 0..1 */
	bool grab[2];         /* each grip, held */
	bool grab_edge[2];
	bool talk;            /* push-to-talk, held */
	bool mute_edge, sit_edge, hand_edge;
	bool undo_edge, redo_edge; /* one's newest stroke undone, the last undo redone */
	bool hand_valid[2];
	struct xr_pose hand[2]; /* grip poses */
	struct xr_pose aim[2];  /* aim poses (pointing) */
	bool aim_valid[2];
};

/** One frame as the runtime wants it. */
struct xr_frame {
	bool should_render;
	int64_t display_time; /* XrTime */
	int64_t period_ns;
	struct xr_view eyes[2];
	struct xr_pose head;
	bool head_valid;
	uint32_t image[2]; /* swapchain images to draw into (rnd_xr_frame_end) */
};

enum xr_status {
	XR_STATUS_IDLE,    /* no frames wanted now: sleep a little, poll again */
	XR_STATUS_RUNNING, /* frames wanted: xr_frame_wait */
	XR_STATUS_EXIT,    /* the runtime ended the session (or the user asked): quit */
	XR_STATUS_LOST,    /* the runtime lost the headset or the instance: said why */
};

/** The loader, an instance with XR_KHR_vulkan_enable2, the HMD system. */
enum core_result xr_create(const struct xr_config *cfg, struct xr **out) CORE_MUST_CHECK;
/** Hooks the renderer uses to make its instance and device through the runtime. */
const struct rnd_vk_hooks *xr_vk_hooks(struct xr *x);
/** The session on the renderer's device, its spaces, actions and swapchains. */
enum core_result xr_start(struct xr *x, struct rnd *r) CORE_MUST_CHECK;
/** Handles the runtime's events (the session's states among them). */
enum xr_status xr_poll(struct xr *x);
/** Ends the session politely (xrRequestExitSession); xr_poll then says EXIT. */
void xr_request_exit(struct xr *x);
bool xr_focused(const struct xr *x);
/** xrWaitFrame, xrBeginFrame, the views, the images. False: skip (no frame begun). */
bool xr_frame_wait(struct xr *x, struct xr_frame *f);
/** Syncs the actions and reads them (at the frame's display time). */
void xr_input(struct xr *x, const struct xr_frame *f, struct xr_input *in);
/** Releases the images and ends the frame with its projection layer (none
 * when should_render was false or the images were not drawn: the frame
 * still ends, as the runtime requires). */
enum core_result xr_frame_submit(struct xr *x, const struct xr_frame *f,
				 bool drawn) CORE_MUST_CHECK;
/** A short buzz on a controller. */
void xr_haptic(struct xr *x, enum xr_hand hand, float amplitude, int64_t duration_ns);
/** The session's frames so far, the current interaction profile. */
uint64_t xr_frames(const struct xr *x);
const char *xr_profile(const struct xr *x);
void xr_destroy(struct xr **x);
