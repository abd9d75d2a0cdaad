/*
 * xrt_action.c: the test runtime's action sets, actions and bindings.
 *
 * Action sets and actions live in fixed pools owned by the instance.
 * Suggested bindings are kept per interaction profile (a new suggestion for
 * a profile replaces the old), checked against the profile's component
 * paths. xrAttachSessionActionSets freezes the sets and picks the current
 * profile: LYCEUM_XRT_PROFILE if set, else the first of the runtime's
 * preference order (touch, pico 4, index, simple) that the application
 * suggested bindings for with actions of the attached sets.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "xrt_internal.h"

void xrt_input_reset(void)
{
	memset(xrt.sets, 0, sizeof(xrt.sets));
	memset(xrt.actions, 0, sizeof(xrt.actions));
	memset(xrt.n_suggestions, 0, sizeof(xrt.n_suggestions));
}

void xrt_input_detach(void)
{
	for (uint32_t i = 0; i < XRT_MAX_ACTION_SETS; i++)
		xrt.sets[i].in_session = false;
}

bool xrt_top_of(XrPath path, enum xrt_top *out)
{
	const char *s = xrt_path_string(path);
	if (!s)
		return false;
	for (int t = 0; t < XRT_N_TOPS; t++) {
		if (strcmp(s, xrt_top_paths[t]) == 0) {
			*out = (enum xrt_top)t;
			return true;
		}
	}
	return false;
}

static struct xrt_action_set *set_get(XrActionSet set, uint32_t *slot)
{
	uint32_t gen;
	if (!xrt.instance_live ||
	    !xrt_handle_slot((uint64_t)(uintptr_t)set, XRT_KIND_ACTION_SET, XRT_MAX_ACTION_SETS, slot, &gen))
		return NULL;
	struct xrt_action_set *as = &xrt.sets[*slot];
	return as->live && (as->gen & 0xffffff) == gen ? as : NULL;
}

struct xrt_action *xrt_action_get(XrAction action, uint32_t *slot)
{
	uint32_t gen;
	if (!xrt.instance_live ||
	    !xrt_handle_slot((uint64_t)(uintptr_t)action, XRT_KIND_ACTION, XRT_MAX_ACTIONS, slot, &gen))
		return NULL;
	struct xrt_action *a = &xrt.actions[*slot];
	return a->live && (a->gen & 0xffffff) == gen ? a : NULL;
}

/* Names: lowercase letters, digits, '-', '_', '.'; terminated inside the field. */
static XrResult check_names(const char *name, size_t name_size, const char *localized, size_t loc_size,
			    const char *what)
{
	if (!memchr(name, '\0', name_size) || name[0] == '\0')
		return xrt_fail(XR_ERROR_NAME_INVALID, "%s name is empty or not terminated", what);
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.'))
			return xrt_fail(XR_ERROR_NAME_INVALID, "%s name '%s' has '%c'; names are lowercase letters, "
					"digits, '-', '_' and '.'", what, name, *c);
	if (!memchr(localized, '\0', loc_size) || localized[0] == '\0')
		return xrt_fail(XR_ERROR_LOCALIZED_NAME_INVALID, "%s '%s' has an empty or unterminated localized name",
				what, name);
	return XR_SUCCESS;
}

XRT_API(xrCreateActionSet, xrt_create_action_set,
	(XrInstance instance, const XrActionSetCreateInfo *info, XrActionSet *out), (instance, info, out))
{
	XrResult r = xrt_check_instance(instance);
	if (r != XR_SUCCESS)
		return r;
	if (!info || info->type != XR_TYPE_ACTION_SET_CREATE_INFO || !out)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "createInfo is NULL or not XR_TYPE_ACTION_SET_CREATE_INFO, "
				"or actionSet is NULL");
	r = check_names(info->actionSetName, sizeof(info->actionSetName), info->localizedActionSetName,
			sizeof(info->localizedActionSetName), "action set");
	if (r != XR_SUCCESS)
		return r;
	int free_slot = -1;
	for (uint32_t i = 0; i < XRT_MAX_ACTION_SETS; i++) {
		const struct xrt_action_set *as = &xrt.sets[i];
		if (!as->live) {
			if (free_slot < 0)
				free_slot = (int)i;
			continue;
		}
		if (strcmp(as->name, info->actionSetName) == 0)
			return xrt_fail(XR_ERROR_NAME_DUPLICATED, "an action set is already named '%s'", as->name);
		if (strcmp(as->localized, info->localizedActionSetName) == 0)
			return xrt_fail(XR_ERROR_LOCALIZED_NAME_DUPLICATED, "an action set is already called '%s'",
					as->localized);
	}
	if (free_slot < 0)
		return xrt_fail(XR_ERROR_LIMIT_REACHED, "more than %d action sets", XRT_MAX_ACTION_SETS);
	struct xrt_action_set *as = &xrt.sets[free_slot];
	uint32_t gen = as->gen + 1;
	memset(as, 0, sizeof(*as));
	as->gen = gen;
	as->live = true;
	as->priority = info->priority;
	snprintf(as->name, sizeof(as->name), "%s", info->actionSetName);
	snprintf(as->localized, sizeof(as->localized), "%s", info->localizedActionSetName);
	*out = (XrActionSet)(uintptr_t)xrt_handle_make(XRT_KIND_ACTION_SET, (uint32_t)free_slot, gen);
	return XR_SUCCESS;
}

XRT_API(xrDestroyActionSet, xrt_destroy_action_set, (XrActionSet set), (set))
{
	uint32_t slot;
	struct xrt_action_set *as = set_get(set, &slot);
	if (!as)
		return xrt_fail(XR_ERROR_HANDLE_INVALID, "XrActionSet 0x%" PRIxPTR " is not a live action set",
				(uintptr_t)set);
	for (uint32_t i = 0; i < XRT_MAX_ACTIONS; i++)
		if (xrt.actions[i].live && xrt.actions[i].set == slot)
			xrt.actions[i].live = false;
	as->live = false;
	as->in_session = false;
	return XR_SUCCESS;
}

XRT_API(xrCreateAction, xrt_create_action, (XrActionSet set, const XrActionCreateInfo *info, XrAction *out),
	(set, info, out))
{
	uint32_t set_slot;
	struct xrt_action_set *as = set_get(set, &set_slot);
	if (!as)
		return xrt_fail(XR_ERROR_HANDLE_INVALID, "XrActionSet 0x%" PRIxPTR " is not a live action set",
				(uintptr_t)set);
	if (!info || info->type != XR_TYPE_ACTION_CREATE_INFO || !out)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "createInfo is NULL or not XR_TYPE_ACTION_CREATE_INFO, or "
				"action is NULL");
	if (as->immutable)
		return xrt_fail(XR_ERROR_ACTIONSETS_ALREADY_ATTACHED, "action set '%s' is attached to a session",
				as->name);
	switch (info->actionType) {
	case XR_ACTION_TYPE_BOOLEAN_INPUT:
	case XR_ACTION_TYPE_FLOAT_INPUT:
	case XR_ACTION_TYPE_VECTOR2F_INPUT:
	case XR_ACTION_TYPE_POSE_INPUT:
	case XR_ACTION_TYPE_VIBRATION_OUTPUT:
		break;
	default:
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "actionType %d is not a valid value", info->actionType);
	}
	XrResult r = check_names(info->actionName, sizeof(info->actionName), info->localizedActionName,
				 sizeof(info->localizedActionName), "action");
	if (r != XR_SUCCESS)
		return r;
	if (info->countSubactionPaths && !info->subactionPaths)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "subactionPaths is NULL with countSubactionPaths %u",
				info->countSubactionPaths);
	if (info->countSubactionPaths > 2)
		return xrt_fail(XR_ERROR_PATH_UNSUPPORTED, "%u subaction paths; the runtime's devices are the two hands",
				info->countSubactionPaths);
	for (uint32_t i = 0; i < info->countSubactionPaths; i++) {
		XrPath p = info->subactionPaths[i];
		enum xrt_top top;
		if (!xrt_path_string(p))
			return xrt_fail(XR_ERROR_PATH_INVALID, "subactionPaths[%u] %" PRIu64 " is not a path", i,
					(uint64_t)p);
		if (!xrt_top_of(p, &top) || top > XRT_RIGHT)
			return xrt_fail(XR_ERROR_PATH_UNSUPPORTED, "subactionPaths[%u] %s: want /user/hand/left or "
					"/user/hand/right", i, xrt_path_string(p));
		for (uint32_t j = 0; j < i; j++)
			if (info->subactionPaths[j] == p)
				return xrt_fail(XR_ERROR_PATH_UNSUPPORTED, "subactionPaths lists %s twice",
						xrt_path_string(p));
	}
	int free_slot = -1;
	for (uint32_t i = 0; i < XRT_MAX_ACTIONS; i++) {
		const struct xrt_action *a = &xrt.actions[i];
		if (!a->live) {
			if (free_slot < 0)
				free_slot = (int)i;
			continue;
		}
		if (a->set != set_slot)
			continue;
		if (strcmp(a->name, info->actionName) == 0)
			return xrt_fail(XR_ERROR_NAME_DUPLICATED, "action set '%s' already has an action '%s'", as->name,
					a->name);
		if (strcmp(a->localized, info->localizedActionName) == 0)
			return xrt_fail(XR_ERROR_LOCALIZED_NAME_DUPLICATED, "action set '%s' already has an action "
					"called '%s'", as->name, a->localized);
	}
	if (free_slot < 0)
		return xrt_fail(XR_ERROR_LIMIT_REACHED, "more than %d actions", XRT_MAX_ACTIONS);
	struct xrt_action *a = &xrt.actions[free_slot];
	uint32_t gen = a->gen + 1;
	memset(a, 0, sizeof(*a));
	a->gen = gen;
	a->live = true;
	a->set = set_slot;
	a->type = info->actionType;
	snprintf(a->name, sizeof(a->name), "%s", info->actionName);
	snprintf(a->localized, sizeof(a->localized), "%s", info->localizedActionName);
	a->n_sub = info->countSubactionPaths;
	for (uint32_t i = 0; i < a->n_sub; i++)
		a->sub[i] = info->subactionPaths[i];
	*out = (XrAction)(uintptr_t)xrt_handle_make(XRT_KIND_ACTION, (uint32_t)free_slot, gen);
	return XR_SUCCESS;
}

XRT_API(xrDestroyAction, xrt_destroy_action, (XrAction action), (action))
{
	uint32_t slot;
	struct xrt_action *a = xrt_action_get(action, &slot);
	if (!a)
		return xrt_fail(XR_ERROR_HANDLE_INVALID, "XrAction 0x%" PRIxPTR " is not a live action",
				(uintptr_t)action);
	a->live = false;
	return XR_SUCCESS;
}

/* "/user/hand/left/input/trigger/value" -> XRT_LEFT, "/input/trigger/value" */
static const char *split_top(const char *s, enum xrt_top *top)
{
	for (int t = 0; t < XRT_N_TOPS; t++) {
		size_t n = strlen(xrt_top_paths[t]);
		if (strncmp(s, xrt_top_paths[t], n) == 0 && s[n] == '/') {
			*top = (enum xrt_top)t;
			return s + n;
		}
	}
	return NULL;
}

XRT_API(xrSuggestInteractionProfileBindings, xrt_suggest_interaction_profile_bindings,
	(XrInstance instance, const XrInteractionProfileSuggestedBinding *info), (instance, info))
{
	XrResult r = xrt_check_instance(instance);
	if (r != XR_SUCCESS)
		return r;
	if (!info || info->type != XR_TYPE_INTERACTION_PROFILE_SUGGESTED_BINDING)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "suggestedBindings is NULL or not "
				"XR_TYPE_INTERACTION_PROFILE_SUGGESTED_BINDING");
	if (info->countSuggestedBindings == 0 || !info->suggestedBindings)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "no suggested bindings (count %u)",
				info->countSuggestedBindings);
	const char *pname = xrt_path_string(info->interactionProfile);
	if (!pname)
		return xrt_fail(XR_ERROR_PATH_INVALID, "interactionProfile %" PRIu64 " is not a path",
				(uint64_t)info->interactionProfile);
	int pi = xrt_profile_find(pname);
	if (pi < 0)
		return xrt_fail(XR_ERROR_PATH_UNSUPPORTED, "%s is not an interaction profile of the specification",
				pname);
	const struct xrt_profile *p = &xrt_profiles[pi];
	if (p->extension && !(strcmp(p->extension, XRT_BD_CONTROLLER_EXT) == 0 && xrt.ext_bd))
		return xrt_fail(XR_ERROR_PATH_UNSUPPORTED, "%s needs the extension %s, not enabled", pname,
				p->extension);
	if (info->countSuggestedBindings > XRT_MAX_SUGGESTIONS)
		return xrt_fail(XR_ERROR_LIMIT_REACHED, "%u bindings for %s; the runtime keeps %d",
				info->countSuggestedBindings, pname, XRT_MAX_SUGGESTIONS);
	for (uint32_t i = 0; i < info->countSuggestedBindings; i++) {
		const XrActionSuggestedBinding *b = &info->suggestedBindings[i];
		uint32_t slot;
		struct xrt_action *a = xrt_action_get(b->action, &slot);
		if (!a)
			return xrt_fail(XR_ERROR_HANDLE_INVALID, "suggestedBindings[%u].action 0x%" PRIxPTR " is not a "
					"live action", i, (uintptr_t)b->action);
		if (xrt.sets[a->set].immutable)
			return xrt_fail(XR_ERROR_ACTIONSETS_ALREADY_ATTACHED, "action '%s': its action set '%s' is "
					"attached to a session", a->name, xrt.sets[a->set].name);
		const char *bs = xrt_path_string(b->binding);
		if (!bs)
			return xrt_fail(XR_ERROR_PATH_INVALID, "suggestedBindings[%u].binding %" PRIu64 " is not a "
					"path", i, (uint64_t)b->binding);
		enum xrt_top top;
		const char *rest = split_top(bs, &top);
		if (!rest || (!xrt_component_find(p, top, rest) && !xrt_identifier_exists(p, top, rest)))
			return xrt_fail(XR_ERROR_PATH_UNSUPPORTED, "%s is not a path of %s", bs, pname);
	}
	xrt.n_suggestions[pi] = info->countSuggestedBindings;
	for (uint32_t i = 0; i < info->countSuggestedBindings; i++) {
		struct xrt_suggestion *sg = &xrt.suggestions[pi][i];
		struct xrt_action *a = xrt_action_get(info->suggestedBindings[i].action, &sg->action);
		sg->action_gen = a->gen;
		sg->binding = info->suggestedBindings[i].binding;
	}
	return XR_SUCCESS;
}

/* Whether the application suggested bindings for profile pi with actions of attached sets. */
static bool profile_suggested(int pi)
{
	for (uint32_t i = 0; i < xrt.n_suggestions[pi]; i++) {
		const struct xrt_suggestion *sg = &xrt.suggestions[pi][i];
		const struct xrt_action *a = &xrt.actions[sg->action];
		if (a->live && a->gen == sg->action_gen && xrt.sets[a->set].in_session)
			return true;
	}
	return false;
}

XRT_API(xrAttachSessionActionSets, xrt_attach_session_action_sets,
	(XrSession session, const XrSessionActionSetsAttachInfo *info), (session, info))
{
	struct xrt_session *s;
	XrResult r = xrt_check_session(session, &s);
	if (r != XR_SUCCESS)
		return r;
	if (!info || info->type != XR_TYPE_SESSION_ACTION_SETS_ATTACH_INFO || info->countActionSets == 0 ||
	    !info->actionSets)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "attachInfo is NULL, not "
				"XR_TYPE_SESSION_ACTION_SETS_ATTACH_INFO, or has no action sets");
	if (s->attached)
		return xrt_fail(XR_ERROR_ACTIONSETS_ALREADY_ATTACHED, "the session already has its action sets");
	for (uint32_t i = 0; i < info->countActionSets; i++) {
		uint32_t slot;
		if (!set_get(info->actionSets[i], &slot))
			return xrt_fail(XR_ERROR_HANDLE_INVALID, "actionSets[%u] 0x%" PRIxPTR " is not a live action set",
					i, (uintptr_t)info->actionSets[i]);
	}
	for (uint32_t i = 0; i < info->countActionSets; i++) {
		uint32_t slot;
		struct xrt_action_set *as = set_get(info->actionSets[i], &slot);
		as->in_session = true;
		as->immutable = true;
	}
	for (uint32_t i = 0; i < XRT_MAX_ACTIONS; i++)
		memset(xrt.actions[i].st, 0, sizeof(xrt.actions[i].st));
	s->attached = true;
	s->profile = -1;
	if (xrt.cfg.profile[0]) {
		int pi = xrt_profile_find(xrt.cfg.profile);
		if (pi >= 0 && profile_suggested(pi))
			s->profile = pi;
	} else {
		for (size_t pi = 0; pi < xrt_n_profiles && s->profile < 0; pi++)
			if (xrt_profiles[pi].simulated && profile_suggested((int)pi))
				s->profile = (int)pi;
	}
	s->profile_event_due = s->profile >= 0;
	xrt.profile_path = s->profile >= 0 ? xrt_profiles[s->profile].path : NULL;
	return XR_SUCCESS;
}

XRT_API(xrGetCurrentInteractionProfile, xrt_get_current_interaction_profile,
	(XrSession session, XrPath top_path, XrInteractionProfileState *state), (session, top_path, state))
{
	struct xrt_session *s;
	XrResult r = xrt_check_session(session, &s);
	if (r != XR_SUCCESS)
		return r;
	if (!state || state->type != XR_TYPE_INTERACTION_PROFILE_STATE)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "interactionProfile is NULL or not "
				"XR_TYPE_INTERACTION_PROFILE_STATE");
	if (!s->attached)
		return xrt_fail(XR_ERROR_ACTIONSET_NOT_ATTACHED, "no action sets are attached to the session yet");
	enum xrt_top top;
	if (!xrt_path_string(top_path))
		return xrt_fail(XR_ERROR_PATH_INVALID, "topLevelUserPath %" PRIu64 " is not a path", (uint64_t)top_path);
	if (!xrt_top_of(top_path, &top))
		return xrt_fail(XR_ERROR_PATH_UNSUPPORTED, "%s is not a top-level user path",
				xrt_path_string(top_path));
	state->interactionProfile = XR_NULL_PATH;
	if (top <= XRT_RIGHT && s->profile >= 0)
		state->interactionProfile = xrt_path_intern(xrt_profiles[s->profile].path);
	return XR_SUCCESS;
}
