/*
 * xrt_profiles.c: the interaction profiles the test runtime knows.
 *
 * Every core OpenXR 1.0 profile and the two of XR_BD_controller_interaction,
 * with the component paths of the specification, so that suggestions for any
 * of them validate as a real runtime would (XR_ERROR_PATH_UNSUPPORTED for a
 * path a profile lacks). Only the "simulated" ones can become current; the
 * simulated controller is Touch-like, and the order below is the runtime's
 * preference: oculus touch, pico 4, valve index, khr simple.
 */
#include <string.h>

#include "xrt_internal.h"

#define L XRT_TOP_BIT(XRT_LEFT)
#define R XRT_TOP_BIT(XRT_RIGHT)
#define LR XRT_HANDS
#define HD XRT_TOP_BIT(XRT_HEAD)
#define GP XRT_TOP_BIT(XRT_GAMEPAD)
#define B XRT_V_BOOL
#define F XRT_V_FLOAT
#define V2 XRT_V_VEC2
#define P XRT_V_POSE
#define HP XRT_V_HAPTIC

const char *const xrt_top_paths[XRT_N_TOPS] = { "/user/hand/left", "/user/hand/right", "/user/head",
						"/user/gamepad" };

#define HAND_POSES                                            \
	{ "/input/grip/pose", LR, P, XRT_SRC_GRIP },          \
	{ "/input/aim/pose", LR, P, XRT_SRC_AIM }
#define HAPTIC { "/output/haptic", LR, HP, XRT_SRC_HAPTIC }
#define THUMBSTICK                                                      \
	{ "/input/thumbstick", LR, V2, XRT_SRC_STICK },                 \
	{ "/input/thumbstick/x", LR, F, XRT_SRC_STICK_X },              \
	{ "/input/thumbstick/y", LR, F, XRT_SRC_STICK_Y },              \
	{ "/input/thumbstick/click", LR, B, XRT_SRC_STICK_CLICK },      \
	{ "/input/thumbstick/touch", LR, B, XRT_SRC_STICK_TOUCH }
#define TRACKPAD(hands)                                      \
	{ "/input/trackpad", hands, V2, XRT_SRC_NONE },      \
	{ "/input/trackpad/x", hands, F, XRT_SRC_NONE },     \
	{ "/input/trackpad/y", hands, F, XRT_SRC_NONE },     \
	{ "/input/trackpad/click", hands, B, XRT_SRC_NONE }, \
	{ "/input/trackpad/touch", hands, B, XRT_SRC_NONE }

static const struct xrt_component touch[] = {
	{ "/input/x/click", L, B, XRT_SRC_LOWER },
	{ "/input/x/touch", L, B, XRT_SRC_LOWER },
	{ "/input/y/click", L, B, XRT_SRC_UPPER },
	{ "/input/y/touch", L, B, XRT_SRC_UPPER },
	{ "/input/menu/click", L, B, XRT_SRC_MENU },
	{ "/input/a/click", R, B, XRT_SRC_LOWER },
	{ "/input/a/touch", R, B, XRT_SRC_LOWER },
	{ "/input/b/click", R, B, XRT_SRC_UPPER },
	{ "/input/b/touch", R, B, XRT_SRC_UPPER },
	{ "/input/system/click", R, B, XRT_SRC_NONE },
	{ "/input/squeeze/value", LR, F, XRT_SRC_SQUEEZE },
	{ "/input/trigger/value", LR, F, XRT_SRC_TRIGGER },
	{ "/input/trigger/touch", LR, B, XRT_SRC_TRIGGER_TOUCH },
	THUMBSTICK,
	{ "/input/thumbrest/touch", LR, B, XRT_SRC_NONE },
	HAND_POSES,
	HAPTIC,
};

static const struct xrt_component pico4[] = {
	{ "/input/x/click", L, B, XRT_SRC_LOWER },
	{ "/input/x/touch", L, B, XRT_SRC_LOWER },
	{ "/input/y/click", L, B, XRT_SRC_UPPER },
	{ "/input/y/touch", L, B, XRT_SRC_UPPER },
	{ "/input/menu/click", L, B, XRT_SRC_MENU },
	{ "/input/a/click", R, B, XRT_SRC_LOWER },
	{ "/input/a/touch", R, B, XRT_SRC_LOWER },
	{ "/input/b/click", R, B, XRT_SRC_UPPER },
	{ "/input/b/touch", R, B, XRT_SRC_UPPER },
	{ "/input/system/click", LR, B, XRT_SRC_NONE },
	{ "/input/trigger/click", LR, B, XRT_SRC_TRIGGER },
	{ "/input/trigger/value", LR, F, XRT_SRC_TRIGGER },
	{ "/input/trigger/touch", LR, B, XRT_SRC_TRIGGER_TOUCH },
	THUMBSTICK,
	{ "/input/squeeze/click", LR, B, XRT_SRC_SQUEEZE },
	{ "/input/squeeze/value", LR, F, XRT_SRC_SQUEEZE },
	HAND_POSES,
	HAPTIC,
};

static const struct xrt_component index_ctl[] = {
	{ "/input/system/click", LR, B, XRT_SRC_NONE },
	{ "/input/system/touch", LR, B, XRT_SRC_NONE },
	{ "/input/a/click", LR, B, XRT_SRC_LOWER },
	{ "/input/a/touch", LR, B, XRT_SRC_LOWER },
	{ "/input/b/click", LR, B, XRT_SRC_UPPER },
	{ "/input/b/touch", LR, B, XRT_SRC_UPPER },
	{ "/input/squeeze/value", LR, F, XRT_SRC_SQUEEZE },
	{ "/input/squeeze/force", LR, F, XRT_SRC_SQUEEZE },
	{ "/input/trigger/click", LR, B, XRT_SRC_TRIGGER },
	{ "/input/trigger/value", LR, F, XRT_SRC_TRIGGER },
	{ "/input/trigger/touch", LR, B, XRT_SRC_TRIGGER_TOUCH },
	THUMBSTICK,
	TRACKPAD(LR),
	{ "/input/trackpad/force", LR, F, XRT_SRC_NONE },
	HAND_POSES,
	HAPTIC,
};

static const struct xrt_component simple[] = {
	{ "/input/select/click", LR, B, XRT_SRC_SELECT },
	{ "/input/menu/click", LR, B, XRT_SRC_MENU },
	HAND_POSES,
	HAPTIC,
};

static const struct xrt_component vive[] = {
	{ "/input/system/click", LR, B, XRT_SRC_NONE },
	{ "/input/squeeze/click", LR, B, XRT_SRC_NONE },
	{ "/input/menu/click", LR, B, XRT_SRC_NONE },
	{ "/input/trigger/click", LR, B, XRT_SRC_NONE },
	{ "/input/trigger/value", LR, F, XRT_SRC_NONE },
	TRACKPAD(LR),
	HAND_POSES,
	HAPTIC,
};

static const struct xrt_component motion[] = {
	{ "/input/menu/click", LR, B, XRT_SRC_NONE },
	{ "/input/squeeze/click", LR, B, XRT_SRC_NONE },
	{ "/input/trigger/value", LR, F, XRT_SRC_NONE },
	{ "/input/thumbstick", LR, V2, XRT_SRC_NONE },
	{ "/input/thumbstick/x", LR, F, XRT_SRC_NONE },
	{ "/input/thumbstick/y", LR, F, XRT_SRC_NONE },
	{ "/input/thumbstick/click", LR, B, XRT_SRC_NONE },
	TRACKPAD(LR),
	HAND_POSES,
	HAPTIC,
};

static const struct xrt_component xbox[] = {
	{ "/input/menu/click", GP, B, XRT_SRC_NONE },
	{ "/input/view/click", GP, B, XRT_SRC_NONE },
	{ "/input/a/click", GP, B, XRT_SRC_NONE },
	{ "/input/b/click", GP, B, XRT_SRC_NONE },
	{ "/input/x/click", GP, B, XRT_SRC_NONE },
	{ "/input/y/click", GP, B, XRT_SRC_NONE },
	{ "/input/dpad_down/click", GP, B, XRT_SRC_NONE },
	{ "/input/dpad_right/click", GP, B, XRT_SRC_NONE },
	{ "/input/dpad_up/click", GP, B, XRT_SRC_NONE },
	{ "/input/dpad_left/click", GP, B, XRT_SRC_NONE },
	{ "/input/shoulder_left/click", GP, B, XRT_SRC_NONE },
	{ "/input/shoulder_right/click", GP, B, XRT_SRC_NONE },
	{ "/input/thumbstick_left/click", GP, B, XRT_SRC_NONE },
	{ "/input/thumbstick_right/click", GP, B, XRT_SRC_NONE },
	{ "/input/trigger_left/value", GP, F, XRT_SRC_NONE },
	{ "/input/trigger_right/value", GP, F, XRT_SRC_NONE },
	{ "/input/thumbstick_left", GP, V2, XRT_SRC_NONE },
	{ "/input/thumbstick_left/x", GP, F, XRT_SRC_NONE },
	{ "/input/thumbstick_left/y", GP, F, XRT_SRC_NONE },
	{ "/input/thumbstick_right", GP, V2, XRT_SRC_NONE },
	{ "/input/thumbstick_right/x", GP, F, XRT_SRC_NONE },
	{ "/input/thumbstick_right/y", GP, F, XRT_SRC_NONE },
	{ "/output/haptic_left", GP, HP, XRT_SRC_NONE },
	{ "/output/haptic_right", GP, HP, XRT_SRC_NONE },
	{ "/output/haptic_left_trigger", GP, HP, XRT_SRC_NONE },
	{ "/output/haptic_right_trigger", GP, HP, XRT_SRC_NONE },
};

static const struct xrt_component daydream[] = {
	{ "/input/select/click", LR, B, XRT_SRC_NONE },
	TRACKPAD(LR),
	HAND_POSES,
};

static const struct xrt_component vive_pro[] = {
	{ "/input/system/click", HD, B, XRT_SRC_NONE },
	{ "/input/volume_up/click", HD, B, XRT_SRC_NONE },
	{ "/input/volume_down/click", HD, B, XRT_SRC_NONE },
	{ "/input/mute_mic/click", HD, B, XRT_SRC_NONE },
};

static const struct xrt_component go[] = {
	{ "/input/system/click", LR, B, XRT_SRC_NONE },
	{ "/input/trigger/click", LR, B, XRT_SRC_NONE },
	{ "/input/back/click", LR, B, XRT_SRC_NONE },
	TRACKPAD(LR),
	HAND_POSES,
};

static const struct xrt_component neo3[] = {
	{ "/input/x/click", L, B, XRT_SRC_NONE },
	{ "/input/x/touch", L, B, XRT_SRC_NONE },
	{ "/input/y/click", L, B, XRT_SRC_NONE },
	{ "/input/y/touch", L, B, XRT_SRC_NONE },
	{ "/input/a/click", R, B, XRT_SRC_NONE },
	{ "/input/a/touch", R, B, XRT_SRC_NONE },
	{ "/input/b/click", R, B, XRT_SRC_NONE },
	{ "/input/b/touch", R, B, XRT_SRC_NONE },
	{ "/input/menu/click", LR, B, XRT_SRC_NONE },
	{ "/input/system/click", LR, B, XRT_SRC_NONE },
	{ "/input/trigger/click", LR, B, XRT_SRC_NONE },
	{ "/input/trigger/value", LR, F, XRT_SRC_NONE },
	{ "/input/trigger/touch", LR, B, XRT_SRC_NONE },
	{ "/input/thumbstick", LR, V2, XRT_SRC_NONE },
	{ "/input/thumbstick/x", LR, F, XRT_SRC_NONE },
	{ "/input/thumbstick/y", LR, F, XRT_SRC_NONE },
	{ "/input/thumbstick/click", LR, B, XRT_SRC_NONE },
	{ "/input/thumbstick/touch", LR, B, XRT_SRC_NONE },
	{ "/input/squeeze/click", LR, B, XRT_SRC_NONE },
	{ "/input/squeeze/value", LR, F, XRT_SRC_NONE },
	HAND_POSES,
	HAPTIC,
};

#define PROFILE(path, name, ext, sim, comps) { path, name, ext, sim, comps, sizeof(comps) / sizeof(comps[0]) }

const struct xrt_profile xrt_profiles[] = {
	PROFILE("/interaction_profiles/oculus/touch_controller", "Oculus Touch Controller", NULL, true, touch),
	PROFILE("/interaction_profiles/bytedance/pico4_controller", "PICO 4 Controller", XRT_BD_CONTROLLER_EXT, true,
		pico4),
	PROFILE("/interaction_profiles/valve/index_controller", "Valve Index Controller", NULL, true, index_ctl),
	PROFILE("/interaction_profiles/khr/simple_controller", "Khronos Simple Controller", NULL, true, simple),
	PROFILE("/interaction_profiles/htc/vive_controller", "HTC Vive Controller", NULL, false, vive),
	PROFILE("/interaction_profiles/microsoft/motion_controller", "Microsoft Mixed Reality Motion Controller", NULL,
		false, motion),
	PROFILE("/interaction_profiles/microsoft/xbox_controller", "Microsoft Xbox Controller", NULL, false, xbox),
	PROFILE("/interaction_profiles/google/daydream_controller", "Google Daydream Controller", NULL, false,
		daydream),
	PROFILE("/interaction_profiles/htc/vive_pro", "HTC Vive Pro", NULL, false, vive_pro),
	PROFILE("/interaction_profiles/oculus/go_controller", "Oculus Go Controller", NULL, false, go),
	PROFILE("/interaction_profiles/bytedance/pico_neo3_controller", "PICO Neo3 Controller", XRT_BD_CONTROLLER_EXT,
		false, neo3),
};
const size_t xrt_n_profiles = sizeof(xrt_profiles) / sizeof(xrt_profiles[0]);
_Static_assert(sizeof(xrt_profiles) / sizeof(xrt_profiles[0]) <= XRT_MAX_PROFILES, "raise XRT_MAX_PROFILES");

int xrt_profile_find(const char *path)
{
	for (size_t i = 0; i < xrt_n_profiles; i++)
		if (strcmp(xrt_profiles[i].path, path) == 0)
			return (int)i;
	return -1;
}

const struct xrt_component *xrt_component_find(const struct xrt_profile *p, enum xrt_top top, const char *rest)
{
	for (size_t i = 0; i < p->n_comps; i++)
		if ((p->comps[i].tops & XRT_TOP_BIT(top)) && strcmp(p->comps[i].path, rest) == 0)
			return &p->comps[i];
	return NULL;
}

/* "/input/trigger" names the identifier of "/input/trigger/value" and friends. */
bool xrt_identifier_exists(const struct xrt_profile *p, enum xrt_top top, const char *rest)
{
	size_t n = strlen(rest);
	for (size_t i = 0; i < p->n_comps; i++) {
		const char *c = p->comps[i].path;
		if ((p->comps[i].tops & XRT_TOP_BIT(top)) && strncmp(c, rest, n) == 0 && c[n] == '/')
			return true;
	}
	return false;
}
