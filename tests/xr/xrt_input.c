/*
 * xrt_input.c: the test runtime's action states, haptics and input sources.
 *
 * xrSyncActions snapshots the simulated hands through the current
 * profile's bindings; the xrGetActionState* calls read that snapshot.
 * Input is active only while the session is FOCUSED (otherwise every action
 * reads inactive and xrSyncActions returns XR_SESSION_NOT_FOCUSED). A boolean
 * action bound to an analog component reads "value > 0.5"; a float action
 * bound to a button reads 0 or 1; several bindings combine as OR, the
 * largest magnitude, or the longest vector. The first xrSyncActions after
 * xrAttachSessionActionSets queues XrEventDataInteractionProfileChanged.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xrt_internal.h"

#define MAX_BINDINGS 16

static bool compatible(XrActionType type, enum xrt_value kind)
{
	switch (type) {
	case XR_ACTION_TYPE_BOOLEAN_INPUT:
	case XR_ACTION_TYPE_FLOAT_INPUT:
		return kind == XRT_V_BOOL || kind == XRT_V_FLOAT;
	case XR_ACTION_TYPE_VECTOR2F_INPUT:
		return kind == XRT_V_VEC2;
	case XR_ACTION_TYPE_POSE_INPUT:
		return kind == XRT_V_POSE;
	case XR_ACTION_TYPE_VIBRATION_OUTPUT:
		return kind == XRT_V_HAPTIC;
	default:
		return false;
	}
}

/* A binding path to the component an action of this type reads; an identifier picks its component. */
static bool resolve(const struct xrt_profile *p, XrActionType type, XrPath path, struct xrt_binding *out)
{
	static const char *const bool_suffixes[] = { "", "/click", "/value", "/touch" };
	static const char *const float_suffixes[] = { "", "/value", "/click", "/force", "/touch" };
	static const char *const pose_suffixes[] = { "", "/pose" };
	const char *s = xrt_path_string(path);
	if (!s)
		return false;
	const char *const *suffixes = bool_suffixes;
	size_t n = sizeof(bool_suffixes) / sizeof(bool_suffixes[0]);
	if (type == XR_ACTION_TYPE_FLOAT_INPUT) {
		suffixes = float_suffixes;
		n = sizeof(float_suffixes) / sizeof(float_suffixes[0]);
	} else if (type == XR_ACTION_TYPE_POSE_INPUT) {
		suffixes = pose_suffixes;
		n = sizeof(pose_suffixes) / sizeof(pose_suffixes[0]);
	} else if (type != XR_ACTION_TYPE_BOOLEAN_INPUT) {
		n = 1;
	}
	for (int t = 0; t <= XRT_RIGHT; t++) {
		size_t len = strlen(xrt_top_paths[t]);
		if (strncmp(s, xrt_top_paths[t], len) != 0 || s[len] != '/')
			continue;
		for (size_t i = 0; i < n; i++) {
			char rest[XR_MAX_PATH_LENGTH + 16];
			snprintf(rest, sizeof(rest), "%s%s", s + len, suffixes[i]);
			const struct xrt_component *c = xrt_component_find(p, (enum xrt_top)t, rest);
			if (c && compatible(type, c->kind)) {
				out->top = (enum xrt_top)t;
				out->comp = c;
				out->path = path;
				return true;
			}
		}
	}
	return false;
}

/* The current profile's bindings of one action. */
static uint32_t bindings_of(const struct xrt_session *s, uint32_t slot, struct xrt_binding *out)
{
	if (s->profile < 0)
		return 0;
	const struct xrt_action *a = &xrt.actions[slot];
	uint32_t n = 0;
	for (uint32_t i = 0; i < xrt.n_suggestions[s->profile] && n < MAX_BINDINGS; i++) {
		const struct xrt_suggestion *sg = &xrt.suggestions[s->profile][i];
		if (sg->action == slot && sg->action_gen == a->gen &&
		    resolve(&xrt_profiles[s->profile], a->type, sg->binding, &out[n]))
			n++;
	}
	return n;
}

static bool read_bool(const struct xrt_hand *h, enum xrt_source src)
{
	switch (src) {
	case XRT_SRC_TRIGGER:
		return h->trigger > 0.5f;
	case XRT_SRC_TRIGGER_TOUCH:
		return h->trigger > 0.0f;
	case XRT_SRC_SQUEEZE:
		return h->squeeze > 0.5f;
	case XRT_SRC_STICK_CLICK:
		return h->thumbstick;
	case XRT_SRC_STICK_TOUCH:
		return h->thumbstick || h->stick.x != 0.0f || h->stick.y != 0.0f;
	case XRT_SRC_STICK_X:
		return fabsf(h->stick.x) > 0.5f;
	case XRT_SRC_STICK_Y:
		return fabsf(h->stick.y) > 0.5f;
	case XRT_SRC_LOWER:
		return h->lower;
	case XRT_SRC_UPPER:
		return h->upper;
	case XRT_SRC_MENU:
		return h->menu;
	case XRT_SRC_SELECT:
		return h->select || h->trigger > 0.5f;
	default:
		return false;
	}
}

static float read_float(const struct xrt_hand *h, const struct xrt_component *c)
{
	if (c->kind == XRT_V_BOOL)
		return read_bool(h, c->src) ? 1.0f : 0.0f;
	switch (c->src) {
	case XRT_SRC_TRIGGER:
		return h->trigger;
	case XRT_SRC_SQUEEZE:
		return h->squeeze;
	case XRT_SRC_STICK_X:
		return h->stick.x;
	case XRT_SRC_STICK_Y:
		return h->stick.y;
	default:
		return read_bool(h, c->src) ? 1.0f : 0.0f;
	}
}

static bool same_value(XrActionType type, const struct xrt_action_state *a, const struct xrt_action_state *b)
{
	switch (type) {
	case XR_ACTION_TYPE_BOOLEAN_INPUT:
		return a->b == b->b;
	case XR_ACTION_TYPE_FLOAT_INPUT:
		return a->f == b->f;
	case XR_ACTION_TYPE_VECTOR2F_INPUT:
		return a->v.x == b->v.x && a->v.y == b->v.y;
	default:
		return true;
	}
}

/* Fold one source into a state: OR, largest magnitude, longest vector. */
static void fold(XrActionType type, struct xrt_action_state *into, const struct xrt_action_state *from)
{
	if (!from->active)
		return;
	into->active = true;
	into->b = into->b || from->b;
	if (fabsf(from->f) > fabsf(into->f))
		into->f = from->f;
	if (from->v.x * from->v.x + from->v.y * from->v.y > into->v.x * into->v.x + into->v.y * into->v.y)
		into->v = from->v;
	(void)type;
}

static void update(struct xrt_action *a, int slot_index, struct xrt_action_state next, XrTime now)
{
	struct xrt_action_state *cur = &a->st[slot_index];
	if (!next.active) {
		memset(cur, 0, sizeof(*cur));
		return;
	}
	next.changed = cur->active && !same_value(a->type, cur, &next);
	next.last_change = cur->active && !next.changed ? cur->last_change : now;
	*cur = next;
}

static bool set_listed(const XrActionsSyncInfo *info, uint32_t set_slot, enum xrt_top hand)
{
	for (uint32_t i = 0; i < info->countActiveActionSets; i++) {
		const XrActiveActionSet *as = &info->activeActionSets[i];
		uint32_t slot, gen;
		enum xrt_top top;
		if (!xrt_handle_slot((uint64_t)(uintptr_t)as->actionSet, XRT_KIND_ACTION_SET, XRT_MAX_ACTION_SETS, &slot,
				     &gen) || slot != set_slot)
			continue;
		if (as->subactionPath == XR_NULL_PATH || (xrt_top_of(as->subactionPath, &top) && top == hand))
			return true;
	}
	return false;
}

XRT_API(xrSyncActions, xrt_sync_actions, (XrSession session, const XrActionsSyncInfo *info), (session, info))
{
	struct xrt_session *s;
	XrResult r = xrt_check_session(session, &s);
	if (r != XR_SUCCESS)
		return r;
	if (!info || info->type != XR_TYPE_ACTIONS_SYNC_INFO ||
	    (info->countActiveActionSets && !info->activeActionSets))
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "syncInfo is NULL, not XR_TYPE_ACTIONS_SYNC_INFO, or has "
				"a NULL activeActionSets");
	if (!s->attached)
		return xrt_fail(XR_ERROR_ACTIONSET_NOT_ATTACHED, "no action sets are attached to the session");
	for (uint32_t i = 0; i < info->countActiveActionSets; i++) {
		const XrActiveActionSet *as = &info->activeActionSets[i];
		uint32_t slot, gen;
		enum xrt_top top;
		if (!xrt_handle_slot((uint64_t)(uintptr_t)as->actionSet, XRT_KIND_ACTION_SET, XRT_MAX_ACTION_SETS, &slot,
				     &gen) || !xrt.sets[slot].live || (xrt.sets[slot].gen & 0xffffff) != gen)
			return xrt_fail(XR_ERROR_HANDLE_INVALID, "activeActionSets[%u].actionSet is not a live action set",
					i);
		if (!xrt.sets[slot].in_session)
			return xrt_fail(XR_ERROR_ACTIONSET_NOT_ATTACHED, "action set '%s' is not attached to the session",
					xrt.sets[slot].name);
		if (as->subactionPath != XR_NULL_PATH) {
			if (!xrt_path_string(as->subactionPath))
				return xrt_fail(XR_ERROR_PATH_INVALID, "activeActionSets[%u].subactionPath is not a path",
						i);
			if (!xrt_top_of(as->subactionPath, &top))
				return xrt_fail(XR_ERROR_PATH_UNSUPPORTED, "activeActionSets[%u].subactionPath %s is not "
						"a top-level user path", i, xrt_path_string(as->subactionPath));
		}
	}
	xrt_script_apply();
	/* The app samples what the script set now: each control may change again. */
	xrt.sim.hand[0].unsynced = xrt.sim.hand[1].unsynced = 0;
	if (s->profile_event_due) {
		XrEventDataInteractionProfileChanged e = { XR_TYPE_EVENT_DATA_INTERACTION_PROFILE_CHANGED, NULL,
							   xrt_session_handle() };
		xrt_event_push(&e, sizeof(e));
		s->profile_event_due = false;
	}
	bool focused = s->running && s->state == XR_SESSION_STATE_FOCUSED;
	XrTime now = xrt_now_ns();
	for (uint32_t slot = 0; slot < XRT_MAX_ACTIONS; slot++) {
		struct xrt_action *a = &xrt.actions[slot];
		if (!a->live || !xrt.sets[a->set].in_session)
			continue;
		struct xrt_binding b[MAX_BINDINGS];
		uint32_t nb = focused ? bindings_of(s, slot, b) : 0;
		struct xrt_action_state hand_state[2];
		memset(hand_state, 0, sizeof(hand_state));
		for (int h = XRT_LEFT; h <= XRT_RIGHT; h++) {
			if (!set_listed(info, a->set, (enum xrt_top)h))
				continue;
			for (uint32_t i = 0; i < nb; i++) {
				if (b[i].top != (enum xrt_top)h)
					continue;
				const struct xrt_hand *hd = &xrt.sim.hand[h];
				struct xrt_action_state one = { .active = true };
				one.b = read_bool(hd, b[i].comp->src);
				one.f = read_float(hd, b[i].comp);
				if (b[i].comp->src == XRT_SRC_STICK) {
					one.v = hd->stick;
				}
				fold(a->type, &hand_state[h], &one);
			}
		}
		struct xrt_action_state any;
		memset(&any, 0, sizeof(any));
		fold(a->type, &any, &hand_state[XRT_LEFT]);
		fold(a->type, &any, &hand_state[XRT_RIGHT]);
		update(a, XRT_LEFT, hand_state[XRT_LEFT], now);
		update(a, XRT_RIGHT, hand_state[XRT_RIGHT], now);
		update(a, XRT_ANY, any, now);
	}
	s->sync_count++;
	if (!focused)
		return XR_SESSION_NOT_FOCUSED;
	return s->lost ? XR_SESSION_LOSS_PENDING : XR_SUCCESS;
}

/* The synced state an XrActionStateGetInfo names. */
static XrResult state_of(const void *get_info, XrStructureType info_type, XrAction action, XrPath sub,
			 XrActionType want, const struct xrt_action_state **out, struct xrt_action **out_action)
{
	const XrBaseInStructure *base = get_info;
	if (!base || base->type != info_type)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "the info structure is NULL or of type %d, not %d",
				base ? (int)base->type : -1, (int)info_type);
	uint32_t slot;
	struct xrt_action *a = xrt_action_get(action, &slot);
	if (!a)
		return xrt_fail(XR_ERROR_HANDLE_INVALID, "XrAction 0x%" PRIxPTR " is not a live action",
				(uintptr_t)action);
	if (!xrt.sets[a->set].in_session)
		return xrt_fail(XR_ERROR_ACTIONSET_NOT_ATTACHED, "action '%s': its set '%s' is not attached to the "
				"session", a->name, xrt.sets[a->set].name);
	if (a->type != want)
		return xrt_fail(XR_ERROR_ACTION_TYPE_MISMATCH, "action '%s' is of type %d, not %d", a->name, a->type,
				want);
	int idx = XRT_ANY;
	if (sub != XR_NULL_PATH) {
		enum xrt_top top;
		if (!xrt_path_string(sub))
			return xrt_fail(XR_ERROR_PATH_INVALID, "subactionPath %" PRIu64 " is not a path", (uint64_t)sub);
		bool listed = false;
		for (uint32_t i = 0; i < a->n_sub; i++)
			listed |= a->sub[i] == sub;
		if (!listed || !xrt_top_of(sub, &top) || top > XRT_RIGHT)
			return xrt_fail(XR_ERROR_PATH_UNSUPPORTED, "subactionPath %s is not one of action '%s'",
					xrt_path_string(sub), a->name);
		idx = (int)top;
	}
	*out = &a->st[idx];
	if (out_action)
		*out_action = a;
	return XR_SUCCESS;
}

#define GET_STATE_CHECKS(want, state_type)                                                                     \
	struct xrt_session *s;                                                                                 \
	XrResult r = xrt_check_session(session, &s);                                                           \
	if (r != XR_SUCCESS)                                                                                   \
		return r;                                                                                      \
	if (!state || state->type != state_type)                                                               \
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "state is NULL or not of type %d", (int)state_type); \
	const struct xrt_action_state *st;                                                                     \
	r = state_of(info, XR_TYPE_ACTION_STATE_GET_INFO, info ? info->action : XR_NULL_HANDLE,                \
		     info ? info->subactionPath : XR_NULL_PATH, want, &st, NULL);                              \
	if (r != XR_SUCCESS)                                                                                   \
		return r

XRT_API(xrGetActionStateBoolean, xrt_get_action_state_boolean,
	(XrSession session, const XrActionStateGetInfo *info, XrActionStateBoolean *state), (session, info, state))
{
	GET_STATE_CHECKS(XR_ACTION_TYPE_BOOLEAN_INPUT, XR_TYPE_ACTION_STATE_BOOLEAN);
	state->currentState = st->b;
	state->changedSinceLastSync = st->changed;
	state->lastChangeTime = st->last_change;
	state->isActive = st->active;
	return XR_SUCCESS;
}

XRT_API(xrGetActionStateFloat, xrt_get_action_state_float,
	(XrSession session, const XrActionStateGetInfo *info, XrActionStateFloat *state), (session, info, state))
{
	GET_STATE_CHECKS(XR_ACTION_TYPE_FLOAT_INPUT, XR_TYPE_ACTION_STATE_FLOAT);
	state->currentState = st->f;
	state->changedSinceLastSync = st->changed;
	state->lastChangeTime = st->last_change;
	state->isActive = st->active;
	return XR_SUCCESS;
}

XRT_API(xrGetActionStateVector2f, xrt_get_action_state_vector2f,
	(XrSession session, const XrActionStateGetInfo *info, XrActionStateVector2f *state), (session, info, state))
{
	GET_STATE_CHECKS(XR_ACTION_TYPE_VECTOR2F_INPUT, XR_TYPE_ACTION_STATE_VECTOR2F);
	state->currentState = st->v;
	state->changedSinceLastSync = st->changed;
	state->lastChangeTime = st->last_change;
	state->isActive = st->active;
	return XR_SUCCESS;
}

XRT_API(xrGetActionStatePose, xrt_get_action_state_pose,
	(XrSession session, const XrActionStateGetInfo *info, XrActionStatePose *state), (session, info, state))
{
	GET_STATE_CHECKS(XR_ACTION_TYPE_POSE_INPUT, XR_TYPE_ACTION_STATE_POSE);
	state->isActive = st->active;
	return XR_SUCCESS;
}

static XrResult haptic_checks(XrSession session, const XrHapticActionInfo *info, struct xrt_session **s,
			      struct xrt_action **a)
{
	XrResult r = xrt_check_session(session, s);
	if (r != XR_SUCCESS)
		return r;
	const struct xrt_action_state *st;
	return state_of(info, XR_TYPE_HAPTIC_ACTION_INFO, info ? info->action : XR_NULL_HANDLE,
			info ? info->subactionPath : XR_NULL_PATH, XR_ACTION_TYPE_VIBRATION_OUTPUT, &st, a);
}

XRT_API(xrApplyHapticFeedback, xrt_apply_haptic_feedback,
	(XrSession session, const XrHapticActionInfo *info, const XrHapticBaseHeader *haptic), (session, info, haptic))
{
	struct xrt_session *s;
	struct xrt_action *a;
	XrResult r = haptic_checks(session, info, &s, &a);
	if (r != XR_SUCCESS)
		return r;
	if (!haptic || haptic->type != XR_TYPE_HAPTIC_VIBRATION)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "hapticFeedback is NULL or not XR_TYPE_HAPTIC_VIBRATION");
	if (!(s->running && s->state == XR_SESSION_STATE_FOCUSED))
		return XR_SESSION_NOT_FOCUSED;
	struct xrt_binding b[MAX_BINDINGS];
	uint32_t nb = bindings_of(s, (uint32_t)(a - xrt.actions), b);
	enum xrt_top only;
	bool filtered = info->subactionPath != XR_NULL_PATH && xrt_top_of(info->subactionPath, &only);
	for (uint32_t i = 0; i < nb; i++) {
		if (filtered && b[i].top != only)
			continue;
		xrt.sim.hand[b[i].top].haptics++;
		xrt.haptics++;
	}
	return XR_SUCCESS;
}

XRT_API(xrStopHapticFeedback, xrt_stop_haptic_feedback, (XrSession session, const XrHapticActionInfo *info),
	(session, info))
{
	struct xrt_session *s;
	struct xrt_action *a;
	XrResult r = haptic_checks(session, info, &s, &a);
	if (r != XR_SUCCESS)
		return r;
	return s->running && s->state == XR_SESSION_STATE_FOCUSED ? XR_SUCCESS : XR_SESSION_NOT_FOCUSED;
}

XRT_API(xrEnumerateBoundSourcesForAction, xrt_enumerate_bound_sources_for_action,
	(XrSession session, const XrBoundSourcesForActionEnumerateInfo *info, uint32_t cap, uint32_t *count,
	 XrPath *sources),
	(session, info, cap, count, sources))
{
	struct xrt_session *s;
	XrResult r = xrt_check_session(session, &s);
	if (r != XR_SUCCESS)
		return r;
	if (!info || info->type != XR_TYPE_BOUND_SOURCES_FOR_ACTION_ENUMERATE_INFO)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "enumerateInfo is NULL or not "
				"XR_TYPE_BOUND_SOURCES_FOR_ACTION_ENUMERATE_INFO");
	uint32_t slot;
	struct xrt_action *a = xrt_action_get(info->action, &slot);
	if (!a)
		return xrt_fail(XR_ERROR_HANDLE_INVALID, "XrAction 0x%" PRIxPTR " is not a live action",
				(uintptr_t)info->action);
	if (!xrt.sets[a->set].in_session)
		return xrt_fail(XR_ERROR_ACTIONSET_NOT_ATTACHED, "action '%s': its set is not attached to the session",
				a->name);
	struct xrt_binding b[MAX_BINDINGS];
	uint32_t nb = bindings_of(s, slot, b);
	XrPath found[MAX_BINDINGS];
	for (uint32_t i = 0; i < nb; i++) {
		char full[XR_MAX_PATH_LENGTH * 2];
		snprintf(full, sizeof(full), "%s%s", xrt_top_paths[b[i].top], b[i].comp->path);
		found[i] = xrt_path_intern(full);
	}
	r = xrt_two_call(cap, count, nb, "bound sources");
	if (r != XR_SUCCESS || cap == 0)
		return r;
	if (!sources)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "sources is NULL");
	memcpy(sources, found, nb * sizeof(found[0]));
	return XR_SUCCESS;
}

/* "/input/trigger/value" -> "Trigger Value" */
static void component_words(const char *rest, char *out, size_t size)
{
	if (strncmp(rest, "/input/", 7) == 0)
		rest += 7;
	else if (strncmp(rest, "/output/", 8) == 0)
		rest += 8;
	size_t n = 0;
	bool word_start = true;
	for (const char *c = rest; *c && n + 1 < size; c++) {
		char ch = *c;
		if (ch == '/' || ch == '_') {
			ch = ' ';
			word_start = true;
		} else if (word_start && ch >= 'a' && ch <= 'z') {
			ch = (char)(ch - 'a' + 'A');
			word_start = false;
		} else {
			word_start = false;
		}
		out[n++] = ch;
	}
	out[n] = '\0';
}

XRT_API(xrGetInputSourceLocalizedName, xrt_get_input_source_localized_name,
	(XrSession session, const XrInputSourceLocalizedNameGetInfo *info, uint32_t cap, uint32_t *count, char *buf),
	(session, info, cap, count, buf))
{
	static const char *const top_names[XRT_N_TOPS] = { "Left Hand", "Right Hand", "Head", "Gamepad" };
	struct xrt_session *s;
	XrResult r = xrt_check_session(session, &s);
	if (r != XR_SUCCESS)
		return r;
	const XrInputSourceLocalizedNameFlags all = XR_INPUT_SOURCE_LOCALIZED_NAME_USER_PATH_BIT |
						    XR_INPUT_SOURCE_LOCALIZED_NAME_INTERACTION_PROFILE_BIT |
						    XR_INPUT_SOURCE_LOCALIZED_NAME_COMPONENT_BIT;
	if (!info || info->type != XR_TYPE_INPUT_SOURCE_LOCALIZED_NAME_GET_INFO || info->whichComponents == 0 ||
	    (info->whichComponents & ~all))
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "getInfo is NULL, not "
				"XR_TYPE_INPUT_SOURCE_LOCALIZED_NAME_GET_INFO, or whichComponents is 0 or unknown");
	const char *src = xrt_path_string(info->sourcePath);
	if (!src)
		return xrt_fail(XR_ERROR_PATH_INVALID, "sourcePath %" PRIu64 " is not a path",
				(uint64_t)info->sourcePath);
	int top = -1;
	const char *rest = "";
	for (int t = 0; t < XRT_N_TOPS && top < 0; t++) {
		size_t len = strlen(xrt_top_paths[t]);
		if (strncmp(src, xrt_top_paths[t], len) == 0 && (src[len] == '/' || src[len] == '\0')) {
			top = t;
			rest = src + len;
		}
	}
	if (top < 0)
		return xrt_fail(XR_ERROR_PATH_UNSUPPORTED, "sourcePath %s is not below a top-level user path", src);
	char name[512] = "", words[256];
	if (info->whichComponents & XR_INPUT_SOURCE_LOCALIZED_NAME_USER_PATH_BIT)
		snprintf(name + strlen(name), sizeof(name) - strlen(name), "%s", top_names[top]);
	if ((info->whichComponents & XR_INPUT_SOURCE_LOCALIZED_NAME_INTERACTION_PROFILE_BIT) && s->profile >= 0)
		snprintf(name + strlen(name), sizeof(name) - strlen(name), "%s%s", name[0] ? " " : "",
			 xrt_profiles[s->profile].name);
	if ((info->whichComponents & XR_INPUT_SOURCE_LOCALIZED_NAME_COMPONENT_BIT) && rest[0]) {
		component_words(rest, words, sizeof(words));
		snprintf(name + strlen(name), sizeof(name) - strlen(name), "%s%s", name[0] ? " " : "", words);
	}
	r = xrt_two_call(cap, count, (uint32_t)strlen(name) + 1, "the localized name");
	if (r != XR_SUCCESS || cap == 0)
		return r;
	if (!buf)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "buffer is NULL");
	memcpy(buf, name, strlen(name) + 1);
	return XR_SUCCESS;
}
