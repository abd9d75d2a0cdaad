/*
 * xr_input.c: one action set, its actions, and suggested bindings for the
 * controllers Lyceum knows: Khronos simple, Oculus Touch (Quest), Pico 4
 * (only when the runtime offers XR_BD_controller_interaction) and Valve
 * Index. The runtime picks the profile of the controllers in hand; the
 * app only ever reads actions.
 *
 *   action   Touch / Pico 4        Index                 simple
 *   move     left thumbstick       left thumbstick       -
 *   turn     right thumbstick      right thumbstick      -
 *   draw     triggers              triggers              select
 *   grab     grips                 grips (squeeze)       -
 *   talk     left X (hold)         left A (hold)         -
 *   mute     left Y                left B                menu
 *   sit      right A               right A               -
 *   hand     right B               right B               -
 *   undo     right stick click     right stick click     -
 *   redo     left stick click      left stick click      -
 */
#include "xr_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct action_desc {
	const char *name, *label;
	XrActionType type;
	bool both_hands;
};

static const struct action_desc ACTIONS[XR_ACT_COUNT] = {
	[XR_ACT_MOVE] = {"move", "Move", XR_ACTION_TYPE_VECTOR2F_INPUT, false},
	[XR_ACT_TURN] = {"turn", "Turn and teleport", XR_ACTION_TYPE_VECTOR2F_INPUT, false},
	[XR_ACT_DRAW] = {"draw", "Draw on a board", XR_ACTION_TYPE_FLOAT_INPUT, true},
	[XR_ACT_GRAB] = {"grab", "Grab an item", XR_ACTION_TYPE_FLOAT_INPUT, true},
	[XR_ACT_TALK] = {"talk", "Push to talk", XR_ACTION_TYPE_BOOLEAN_INPUT, false},
	[XR_ACT_MUTE] = {"mute", "Mute", XR_ACTION_TYPE_BOOLEAN_INPUT, false},
	[XR_ACT_SIT] = {"sit", "Sit or stand", XR_ACTION_TYPE_BOOLEAN_INPUT, false},
	[XR_ACT_HAND] = {"raise_hand", "Raise a hand", XR_ACTION_TYPE_BOOLEAN_INPUT, false},
	[XR_ACT_UNDO] = {"undo", "Undo your last stroke", XR_ACTION_TYPE_BOOLEAN_INPUT, false},
	[XR_ACT_REDO] = {"redo", "Redo your last undo", XR_ACTION_TYPE_BOOLEAN_INPUT, false},
	[XR_ACT_GRIP_POSE] = {"hand_pose", "Hand", XR_ACTION_TYPE_POSE_INPUT, true},
	[XR_ACT_AIM_POSE] = {"aim_pose", "Pointer", XR_ACTION_TYPE_POSE_INPUT, true},
	[XR_ACT_HAPTIC] = {"buzz", "Buzz", XR_ACTION_TYPE_VIBRATION_OUTPUT, true},
};

struct binding {
	enum xr_action_id action;
	const char *path;
};

#define L "/user/hand/left/"
#define R "/user/hand/right/"
#define HANDS(act, leaf) {act, L leaf}, {act, R leaf}
#define POSES HANDS(XR_ACT_GRIP_POSE, "input/grip/pose"), HANDS(XR_ACT_AIM_POSE, "input/aim/pose"), \
	HANDS(XR_ACT_HAPTIC, "output/haptic")
#define UNDO_REDO {XR_ACT_UNDO, R "input/thumbstick/click"}, {XR_ACT_REDO, L "input/thumbstick/click"}

static const struct binding TOUCH[] = {
	{XR_ACT_MOVE, L "input/thumbstick"}, {XR_ACT_TURN, R "input/thumbstick"},
	HANDS(XR_ACT_DRAW, "input/trigger/value"), HANDS(XR_ACT_GRAB, "input/squeeze/value"),
	{XR_ACT_TALK, L "input/x/click"}, {XR_ACT_MUTE, L "input/y/click"},
	{XR_ACT_SIT, R "input/a/click"}, {XR_ACT_HAND, R "input/b/click"}, UNDO_REDO, POSES,
};
static const struct binding INDEX[] = {
	{XR_ACT_MOVE, L "input/thumbstick"}, {XR_ACT_TURN, R "input/thumbstick"},
	HANDS(XR_ACT_DRAW, "input/trigger/value"), HANDS(XR_ACT_GRAB, "input/squeeze/value"),
	{XR_ACT_TALK, L "input/a/click"}, {XR_ACT_MUTE, L "input/b/click"},
	{XR_ACT_SIT, R "input/a/click"}, {XR_ACT_HAND, R "input/b/click"}, UNDO_REDO, POSES,
};
static const struct binding SIMPLE[] = {
	HANDS(XR_ACT_DRAW, "input/select/click"), {XR_ACT_MUTE, L "input/menu/click"}, POSES,
};

struct profile {
	const char *path;
	const struct binding *bindings;
	size_t count;
	bool needs_bd;
};

static const struct profile PROFILES[] = {
	{"/interaction_profiles/oculus/touch_controller", TOUCH, CORE_ARRAY_LEN(TOUCH), false},
	{"/interaction_profiles/bytedance/pico4_controller", TOUCH, CORE_ARRAY_LEN(TOUCH), true},
	{"/interaction_profiles/valve/index_controller", INDEX, CORE_ARRAY_LEN(INDEX), false},
	{"/interaction_profiles/khr/simple_controller", SIMPLE, CORE_ARRAY_LEN(SIMPLE), false},
};

static enum core_result suggest(struct xr *x, const struct profile *p)
{
	XrActionSuggestedBinding b[32];
	uint32_t n = 0;
	for (size_t i = 0; i < p->count && n < CORE_ARRAY_LEN(b); i++) {
		XrPath path;
		XR_TRY(x, xrStringToPath(x->instance, p->bindings[i].path, &path), "xrStringToPath");
		b[n++] = (XrActionSuggestedBinding){x->actions[p->bindings[i].action], path};
	}
	XrPath profile;
	XR_TRY(x, xrStringToPath(x->instance, p->path, &profile), "xrStringToPath");
	XrInteractionProfileSuggestedBinding sb = {
		.type = XR_TYPE_INTERACTION_PROFILE_SUGGESTED_BINDING,
		.interactionProfile = profile,
		.countSuggestedBindings = n,
		.suggestedBindings = b,
	};
	char what[160];
	snprintf(what, sizeof(what), "xrSuggestInteractionProfileBindings (%s)", p->path);
	XR_TRY(x, xrSuggestInteractionProfileBindings(x->instance, &sb), what);
	return CORE_OK;
}

enum core_result xr_actions_create(struct xr *x)
{
	XR_TRY(x, xrStringToPath(x->instance, "/user/hand/left", &x->hands[0]), "xrStringToPath");
	XR_TRY(x, xrStringToPath(x->instance, "/user/hand/right", &x->hands[1]), "xrStringToPath");
	XrActionSetCreateInfo sci = {.type = XR_TYPE_ACTION_SET_CREATE_INFO, .priority = 0};
	strcpy(sci.actionSetName, "classroom");
	strcpy(sci.localizedActionSetName, "Classroom");
	XR_TRY(x, xrCreateActionSet(x->instance, &sci, &x->set), "xrCreateActionSet");
	for (int i = 0; i < XR_ACT_COUNT; i++) {
		XrActionCreateInfo ci = {
			.type = XR_TYPE_ACTION_CREATE_INFO,
			.actionType = ACTIONS[i].type,
			.countSubactionPaths = ACTIONS[i].both_hands ? 2 : 0,
			.subactionPaths = ACTIONS[i].both_hands ? x->hands : NULL,
		};
		strcpy(ci.actionName, ACTIONS[i].name);
		strcpy(ci.localizedActionName, ACTIONS[i].label);
		XR_TRY(x, xrCreateAction(x->set, &ci, &x->actions[i]), "xrCreateAction");
	}
	for (size_t i = 0; i < CORE_ARRAY_LEN(PROFILES); i++) {
		if (PROFILES[i].needs_bd && !x->has_bd)
			continue;
		enum core_result res = suggest(x, &PROFILES[i]);
		if (res != CORE_OK)
			return res;
	}
	for (int h = 0; h < 2; h++) {
		XrActionSpaceCreateInfo ci = {
			.type = XR_TYPE_ACTION_SPACE_CREATE_INFO,
			.action = x->actions[XR_ACT_GRIP_POSE],
			.subactionPath = x->hands[h],
			.poseInActionSpace = {.orientation = {0, 0, 0, 1}},
		};
		XR_TRY(x, xrCreateActionSpace(x->session, &ci, &x->grip_space[h]), "xrCreateActionSpace");
		ci.action = x->actions[XR_ACT_AIM_POSE];
		XR_TRY(x, xrCreateActionSpace(x->session, &ci, &x->aim_space[h]), "xrCreateActionSpace");
	}
	XrSessionActionSetsAttachInfo ai = {
		.type = XR_TYPE_SESSION_ACTION_SETS_ATTACH_INFO,
		.countActionSets = 1,
		.actionSets = &x->set,
	};
	XR_TRY(x, xrAttachSessionActionSets(x->session, &ai), "xrAttachSessionActionSets");
	return CORE_OK;
}

void xr_actions_destroy(struct xr *x)
{
	for (int h = 0; h < 2; h++) {
		if (x->grip_space[h])
			xrDestroySpace(x->grip_space[h]);
		if (x->aim_space[h])
			xrDestroySpace(x->aim_space[h]);
	}
	if (x->set)
		xrDestroyActionSet(x->set); /* and its actions */
}

void xr_actions_profile_changed(struct xr *x)
{
	/* Either hand may have changed (one controller off, a hand tracked). */
	x->profile[0] = 0;
	for (int h = 1; h >= 0 && !x->profile[0]; h--) {
		XrInteractionProfileState st = {.type = XR_TYPE_INTERACTION_PROFILE_STATE};
		if (!xr_check(x, xrGetCurrentInteractionProfile(x->session, x->hands[h], &st),
			      "xrGetCurrentInteractionProfile"))
			return;
		uint32_t n = 0;
		if (st.interactionProfile != XR_NULL_PATH)
			(void)xr_check(x, xrPathToString(x->instance, st.interactionProfile,
							 sizeof(x->profile), &n, x->profile),
				       "xrPathToString");
	}
	CORE_INFO("OpenXR: controllers: %s", x->profile[0] ? x->profile : "none");
}

/* ---- reading them ------------------------------------------------------------- */

static bool get_bool(struct xr *x, enum xr_action_id a)
{
	XrActionStateGetInfo gi = {.type = XR_TYPE_ACTION_STATE_GET_INFO, .action = x->actions[a]};
	XrActionStateBoolean st = {.type = XR_TYPE_ACTION_STATE_BOOLEAN};
	return XR_SUCCEEDED(xrGetActionStateBoolean(x->session, &gi, &st)) && st.isActive &&
	       st.currentState;
}

static float get_float(struct xr *x, enum xr_action_id a, int hand)
{
	XrActionStateGetInfo gi = {.type = XR_TYPE_ACTION_STATE_GET_INFO,
				   .action = x->actions[a],
				   .subactionPath = hand >= 0 ? x->hands[hand] : XR_NULL_PATH};
	XrActionStateFloat st = {.type = XR_TYPE_ACTION_STATE_FLOAT};
	if (XR_FAILED(xrGetActionStateFloat(x->session, &gi, &st)) || !st.isActive)
		return 0;
	return st.currentState;
}

static void get_vec2(struct xr *x, enum xr_action_id a, float out[2])
{
	XrActionStateGetInfo gi = {.type = XR_TYPE_ACTION_STATE_GET_INFO, .action = x->actions[a]};
	XrActionStateVector2f st = {.type = XR_TYPE_ACTION_STATE_VECTOR2F};
	out[0] = out[1] = 0;
	if (XR_SUCCEEDED(xrGetActionStateVector2f(x->session, &gi, &st)) && st.isActive) {
		out[0] = st.currentState.x;
		out[1] = st.currentState.y;
	}
}

static bool locate(struct xr *x, XrSpace space, XrTime t, struct xr_pose *out)
{
	XrSpaceLocation loc = {.type = XR_TYPE_SPACE_LOCATION};
	if (XR_FAILED(xrLocateSpace(space, x->space, t, &loc)))
		return false;
	const XrSpaceLocationFlags need = XR_SPACE_LOCATION_POSITION_VALID_BIT |
					  XR_SPACE_LOCATION_ORIENTATION_VALID_BIT;
	if ((loc.locationFlags & need) != need)
		return false;
	xr_pose_of(&loc.pose, out);
	return true;
}

/* A stick's button counts while the stick is within this of centre. */
#define STICK_CLICK_MAX 0.5f

static float dead_zone(float v)
{
	const float dz = 0.15f;
	if (fabsf(v) < dz)
		return 0;
	return (v - copysignf(dz, v)) / (1.0f - dz);
}

void xr_input(struct xr *x, const struct xr_frame *f, struct xr_input *in)
{
	memset(in, 0, sizeof(*in));
	if (!x->running)
		return;
	XrActiveActionSet active = {x->set, XR_NULL_PATH};
	XrActionsSyncInfo si = {
		.type = XR_TYPE_ACTIONS_SYNC_INFO,
		.countActiveActionSets = 1,
		.activeActionSets = &active,
	};
	XrResult res = xrSyncActions(x->session, &si);
	/* Hands are shown wherever they are; buttons count only when focused. */
	for (int h = 0; h < 2; h++) {
		in->hand_valid[h] = locate(x, x->grip_space[h], f->display_time, &in->hand[h]);
		in->aim_valid[h] = locate(x, x->aim_space[h], f->display_time, &in->aim[h]);
	}
	if (res != XR_SUCCESS || !xr_focused(x)) { /* XR_SESSION_NOT_FOCUSED: input pauses */
		if (XR_FAILED(res))
			(void)xr_check(x, res, "xrSyncActions");
		/* A button still held when focus comes back is no new press. */
		memset(x->prev_grab, 0, sizeof(x->prev_grab));
		x->prev_mute = x->prev_sit = x->prev_hand = x->prev_undo = x->prev_redo = true;
		return;
	}
	in->active = true;
	get_vec2(x, XR_ACT_MOVE, in->move);
	float turn[2], raw_move[2] = {in->move[0], in->move[1]};
	get_vec2(x, XR_ACT_TURN, turn);
	in->move[0] = dead_zone(in->move[0]);
	in->move[1] = dead_zone(in->move[1]);
	in->turn = dead_zone(turn[0]);
	in->teleport = dead_zone(turn[1]);
	for (int h = 0; h < 2; h++) {
		in->draw[h] = get_float(x, XR_ACT_DRAW, h);
		/* a grip is held past 60%, let go below 40% */
		float g = get_float(x, XR_ACT_GRAB, h);
		in->grab[h] = x->prev_grab[h] ? g > 0.4f : g > 0.6f;
		in->grab_edge[h] = in->grab[h] && !x->prev_grab[h];
		x->prev_grab[h] = in->grab[h];
	}
	in->talk = get_bool(x, XR_ACT_TALK);
	/* A stick pushed hard (to walk, turn or teleport) is often clicked by
	 * the same thumb: its button counts only with the stick near centre. */
	bool mute = get_bool(x, XR_ACT_MUTE), sit = get_bool(x, XR_ACT_SIT),
	     hand = get_bool(x, XR_ACT_HAND),
	     undo = get_bool(x, XR_ACT_UNDO) && hypotf(turn[0], turn[1]) < STICK_CLICK_MAX,
	     redo = get_bool(x, XR_ACT_REDO) && hypotf(raw_move[0], raw_move[1]) < STICK_CLICK_MAX;
	in->mute_edge = mute && !x->prev_mute;
	in->sit_edge = sit && !x->prev_sit;
	in->hand_edge = hand && !x->prev_hand;
	in->undo_edge = undo && !x->prev_undo;
	in->redo_edge = redo && !x->prev_redo;
	x->prev_mute = mute;
	x->prev_sit = sit;
	x->prev_hand = hand;
	x->prev_undo = undo;
	x->prev_redo = redo;
}

void xr_haptic(struct xr *x, enum xr_hand hand, float amplitude, int64_t duration_ns)
{
	if (!x->running || !xr_focused(x))
		return;
	XrHapticActionInfo hi = {
		.type = XR_TYPE_HAPTIC_ACTION_INFO,
		.action = x->actions[XR_ACT_HAPTIC],
		.subactionPath = x->hands[hand],
	};
	XrHapticVibration v = {
		.type = XR_TYPE_HAPTIC_VIBRATION,
		.duration = duration_ns,
		.frequency = XR_FREQUENCY_UNSPECIFIED,
		.amplitude = amplitude,
	};
	(void)xr_check(x, xrApplyHapticFeedback(x->session, &hi, (const XrHapticBaseHeader *)&v),
		       "xrApplyHapticFeedback");
}
