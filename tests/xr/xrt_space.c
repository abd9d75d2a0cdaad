/*
 * xrt_space.c: the test runtime's spaces and views.
 *
 * Everything is first placed in STAGE space (origin on the floor at the
 * centre of a 4 x 4 m stage, +y up, -z forward). LOCAL is the default head
 * pose: 1.6 m above the stage origin, facing -z. VIEW follows the head.
 * Action spaces follow a hand's grip pose (the aim pose is the same) while
 * their pose action is active as of the last xrSyncActions. The views are
 * the head pose moved by half the IPD along its own x axis, with the head's
 * orientation and a symmetric field of view. Poses do not depend on the time
 * asked for: they are the script's latest.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "xrt_internal.h"

static const XrReferenceSpaceType reference_spaces[] = { XR_REFERENCE_SPACE_TYPE_VIEW, XR_REFERENCE_SPACE_TYPE_LOCAL,
							 XR_REFERENCE_SPACE_TYPE_STAGE };
/* Without a play area (LYCEUM_XRT_NO_STAGE) STAGE, the last, is not offered. */
#define N_REFERENCE_SPACES (sizeof(reference_spaces) / sizeof(reference_spaces[0]) - (xrt.cfg.no_stage ? 1 : 0))
#define STAGE_SIZE_M 4.0f
#define LOCAL_HEIGHT_M 1.6f

struct xrt_space *xrt_space_get(XrSpace space)
{
	uint32_t slot, gen;
	if (!xrt.session.live || !xrt_handle_slot((uint64_t)(uintptr_t)space, XRT_KIND_SPACE, XRT_MAX_SPACES, &slot, &gen))
		return NULL;
	struct xrt_space *sp = &xrt.spaces[slot];
	return sp->live && (sp->gen & 0xffffff) == gen ? sp : NULL;
}

static XrResult space_new(XrSpace *out, struct xrt_space **sp)
{
	for (uint32_t i = 0; i < XRT_MAX_SPACES; i++) {
		if (xrt.spaces[i].live)
			continue;
		uint32_t gen = xrt.spaces[i].gen + 1;
		memset(&xrt.spaces[i], 0, sizeof(xrt.spaces[i]));
		xrt.spaces[i].gen = gen;
		xrt.spaces[i].live = true;
		*sp = &xrt.spaces[i];
		*out = (XrSpace)(uintptr_t)xrt_handle_make(XRT_KIND_SPACE, i, gen);
		return XR_SUCCESS;
	}
	return xrt_fail(XR_ERROR_LIMIT_REACHED, "more than %d live spaces", XRT_MAX_SPACES);
}

/* Where a space is, in stage space; false when it cannot be located now. */
static bool space_pose(const struct xrt_space *sp, XrPosef *out)
{
	XrPosef base = xrt_pose_identity();
	if (!sp->is_action) {
		if (sp->ref_type == XR_REFERENCE_SPACE_TYPE_VIEW)
			base = xrt.sim.head;
		else if (sp->ref_type == XR_REFERENCE_SPACE_TYPE_LOCAL)
			base.position.y = LOCAL_HEIGHT_M;
		*out = xrt_pose_mul(base, sp->offset);
		return true;
	}
	const struct xrt_action *a = &xrt.actions[sp->action];
	if (!a->live || a->gen != sp->action_gen)
		return false;
	int hand = -1;
	enum xrt_top top;
	if (sp->subaction != XR_NULL_PATH) {
		if (xrt_top_of(sp->subaction, &top) && top <= XRT_RIGHT && a->st[top].active)
			hand = (int)top;
	} else if (a->st[XRT_LEFT].active) {
		hand = XRT_LEFT;
	} else if (a->st[XRT_RIGHT].active) {
		hand = XRT_RIGHT;
	}
	if (hand < 0)
		return false;
	*out = xrt_pose_mul(xrt.sim.hand[hand].grip, sp->offset);
	return true;
}

XRT_API(xrEnumerateReferenceSpaces, xrt_enumerate_reference_spaces,
	(XrSession session, uint32_t cap, uint32_t *count, XrReferenceSpaceType *types), (session, cap, count, types))
{
	struct xrt_session *s;
	XrResult r = xrt_check_session(session, &s);
	if (r == XR_SUCCESS)
		r = xrt_two_call(cap, count, N_REFERENCE_SPACES, "reference spaces");
	if (r != XR_SUCCESS || cap == 0)
		return r;
	if (!types)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "spaces is NULL");
	memcpy(types, reference_spaces, N_REFERENCE_SPACES * sizeof(reference_spaces[0]));
	return XR_SUCCESS;
}

static bool reference_space_offered(XrReferenceSpaceType type)
{
	for (size_t i = 0; i < N_REFERENCE_SPACES; i++)
		if (reference_spaces[i] == type)
			return true;
	return false;
}

XRT_API(xrCreateReferenceSpace, xrt_create_reference_space,
	(XrSession session, const XrReferenceSpaceCreateInfo *info, XrSpace *out), (session, info, out))
{
	struct xrt_session *s;
	XrResult r = xrt_check_session(session, &s);
	if (r != XR_SUCCESS)
		return r;
	if (!info || info->type != XR_TYPE_REFERENCE_SPACE_CREATE_INFO || !out)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "createInfo is NULL or not "
				"XR_TYPE_REFERENCE_SPACE_CREATE_INFO, or space is NULL");
	if (!reference_space_offered(info->referenceSpaceType))
		return xrt_fail(XR_ERROR_REFERENCE_SPACE_UNSUPPORTED, "reference space type %d was not enumerated",
				info->referenceSpaceType);
	if (!xrt_pose_valid(&info->poseInReferenceSpace))
		return xrt_fail(XR_ERROR_POSE_INVALID, "poseInReferenceSpace has a quaternion that is not unit");
	struct xrt_space *sp;
	r = space_new(out, &sp);
	if (r != XR_SUCCESS)
		return r;
	sp->ref_type = info->referenceSpaceType;
	sp->offset = info->poseInReferenceSpace;
	return XR_SUCCESS;
}

XRT_API(xrGetReferenceSpaceBoundsRect, xrt_get_reference_space_bounds_rect,
	(XrSession session, XrReferenceSpaceType type, XrExtent2Df *bounds), (session, type, bounds))
{
	struct xrt_session *s;
	XrResult r = xrt_check_session(session, &s);
	if (r != XR_SUCCESS)
		return r;
	if (!bounds)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "bounds is NULL");
	if (!reference_space_offered(type))
		return xrt_fail(XR_ERROR_REFERENCE_SPACE_UNSUPPORTED, "reference space type %d was not enumerated",
				type);
	if (type != XR_REFERENCE_SPACE_TYPE_STAGE) {
		bounds->width = bounds->height = 0.0f;
		return XR_SPACE_BOUNDS_UNAVAILABLE;
	}
	bounds->width = bounds->height = STAGE_SIZE_M;
	return XR_SUCCESS;
}

XRT_API(xrCreateActionSpace, xrt_create_action_space,
	(XrSession session, const XrActionSpaceCreateInfo *info, XrSpace *out), (session, info, out))
{
	struct xrt_session *s;
	XrResult r = xrt_check_session(session, &s);
	if (r != XR_SUCCESS)
		return r;
	if (!info || info->type != XR_TYPE_ACTION_SPACE_CREATE_INFO || !out)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "createInfo is NULL or not "
				"XR_TYPE_ACTION_SPACE_CREATE_INFO, or space is NULL");
	uint32_t slot;
	struct xrt_action *a = xrt_action_get(info->action, &slot);
	if (!a)
		return xrt_fail(XR_ERROR_HANDLE_INVALID, "XrAction 0x%" PRIxPTR " is not a live action",
				(uintptr_t)info->action);
	if (a->type != XR_ACTION_TYPE_POSE_INPUT)
		return xrt_fail(XR_ERROR_ACTION_TYPE_MISMATCH, "action '%s' is not a pose action", a->name);
	if (info->subactionPath != XR_NULL_PATH) {
		if (!xrt_path_string(info->subactionPath))
			return xrt_fail(XR_ERROR_PATH_INVALID, "subactionPath %" PRIu64 " is not a path",
					(uint64_t)info->subactionPath);
		bool listed = false;
		for (uint32_t i = 0; i < a->n_sub; i++)
			listed |= a->sub[i] == info->subactionPath;
		if (!listed)
			return xrt_fail(XR_ERROR_PATH_UNSUPPORTED, "subactionPath %s is not one of action '%s'",
					xrt_path_string(info->subactionPath), a->name);
	}
	if (!xrt_pose_valid(&info->poseInActionSpace))
		return xrt_fail(XR_ERROR_POSE_INVALID, "poseInActionSpace has a quaternion that is not unit");
	struct xrt_space *sp;
	r = space_new(out, &sp);
	if (r != XR_SUCCESS)
		return r;
	sp->is_action = true;
	sp->action = slot;
	sp->action_gen = a->gen;
	sp->subaction = info->subactionPath;
	sp->offset = info->poseInActionSpace;
	return XR_SUCCESS;
}

XRT_API(xrDestroySpace, xrt_destroy_space, (XrSpace space), (space))
{
	struct xrt_space *sp = xrt_space_get(space);
	if (!sp)
		return xrt_fail(XR_ERROR_HANDLE_INVALID, "XrSpace 0x%" PRIxPTR " is not a live space", (uintptr_t)space);
	sp->live = false;
	return XR_SUCCESS;
}

XRT_API(xrLocateSpace, xrt_locate_space, (XrSpace space, XrSpace base, XrTime time, XrSpaceLocation *location),
	(space, base, time, location))
{
	struct xrt_space *sp = xrt_space_get(space), *bp = xrt_space_get(base);
	if (!sp || !bp)
		return xrt_fail(XR_ERROR_HANDLE_INVALID, "XrSpace 0x%" PRIxPTR " is not a live space",
				(uintptr_t)(sp ? base : space));
	if (!location || location->type != XR_TYPE_SPACE_LOCATION)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "location is NULL or not XR_TYPE_SPACE_LOCATION");
	if (time <= 0)
		return xrt_fail(XR_ERROR_TIME_INVALID, "time %" PRId64 " is not a valid time", (int64_t)time);
	xrt_script_apply();
	XrPosef a, b;
	XrSpaceVelocity *vel = NULL;
	for (XrBaseOutStructure *n = location->next; n; n = n->next)
		if (n->type == XR_TYPE_SPACE_VELOCITY)
			vel = (XrSpaceVelocity *)n;
	if (vel)
		vel->velocityFlags = 0;
	if (space_pose(sp, &a) && space_pose(bp, &b)) {
		location->pose = xrt_pose_mul(xrt_pose_inverse(b), a);
		location->locationFlags = XR_SPACE_LOCATION_ORIENTATION_VALID_BIT | XR_SPACE_LOCATION_POSITION_VALID_BIT |
					  XR_SPACE_LOCATION_ORIENTATION_TRACKED_BIT |
					  XR_SPACE_LOCATION_POSITION_TRACKED_BIT;
	} else {
		location->pose = xrt_pose_identity();
		location->locationFlags = 0;
	}
	return xrt.session.lost ? XR_SESSION_LOSS_PENDING : XR_SUCCESS;
}

XRT_API(xrLocateViews, xrt_locate_views,
	(XrSession session, const XrViewLocateInfo *info, XrViewState *state, uint32_t cap, uint32_t *count,
	 XrView *views),
	(session, info, state, cap, count, views))
{
	struct xrt_session *s;
	XrResult r = xrt_check_session(session, &s);
	if (r != XR_SUCCESS)
		return r;
	if (!info || info->type != XR_TYPE_VIEW_LOCATE_INFO)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "viewLocateInfo is NULL or not XR_TYPE_VIEW_LOCATE_INFO");
	if (!state || state->type != XR_TYPE_VIEW_STATE)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "viewState is NULL or not XR_TYPE_VIEW_STATE");
	if (info->viewConfigurationType != XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO)
		return xrt_fail(XR_ERROR_VIEW_CONFIGURATION_TYPE_UNSUPPORTED,
				"view configuration %d: the runtime has PRIMARY_STEREO only",
				info->viewConfigurationType);
	if (info->displayTime <= 0)
		return xrt_fail(XR_ERROR_TIME_INVALID, "displayTime %" PRId64 " is not a valid time",
				(int64_t)info->displayTime);
	struct xrt_space *bp = xrt_space_get(info->space);
	if (!bp)
		return xrt_fail(XR_ERROR_HANDLE_INVALID, "space 0x%" PRIxPTR " is not a live space",
				(uintptr_t)info->space);
	r = xrt_two_call(cap, count, 2, "views");
	if (r != XR_SUCCESS || cap == 0)
		return r;
	if (!views)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "views is NULL");
	for (uint32_t i = 0; i < 2; i++)
		if (views[i].type != XR_TYPE_VIEW)
			return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "views[%u].type is %d, not XR_TYPE_VIEW", i,
					views[i].type);
	xrt_script_apply();
	XrPosef base;
	bool located = space_pose(bp, &base);
	XrPosef inv = xrt_pose_inverse(base);
	for (uint32_t i = 0; i < 2; i++) {
		XrPosef eye = { { 0.0f, 0.0f, 0.0f, 1.0f }, { (i == 0 ? -0.5f : 0.5f) * xrt.sim.ipd_m, 0.0f, 0.0f } };
		views[i].pose = located ? xrt_pose_mul(inv, xrt_pose_mul(xrt.sim.head, eye)) : xrt_pose_identity();
		views[i].fov.angleLeft = -xrt.cfg.fov_x_rad;
		views[i].fov.angleRight = xrt.cfg.fov_x_rad;
		views[i].fov.angleUp = xrt.cfg.fov_y_rad;
		views[i].fov.angleDown = -xrt.cfg.fov_y_rad;
	}
	state->viewStateFlags = located ? XR_VIEW_STATE_ORIENTATION_VALID_BIT | XR_VIEW_STATE_POSITION_VALID_BIT |
						  XR_VIEW_STATE_ORIENTATION_TRACKED_BIT |
						  XR_VIEW_STATE_POSITION_TRACKED_BIT
					: 0;
	return s->lost ? XR_SESSION_LOSS_PENDING : XR_SUCCESS;
}
