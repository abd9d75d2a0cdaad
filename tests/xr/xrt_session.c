/*
 * xrt_session.c: the test runtime's session, frame loop and refresh rate.
 *
 * States: xrCreateSession queues IDLE, READY; the first xrWaitFrame after
 * xrBeginSession queues SYNCHRONIZED; the first xrEndFrame after that
 * VISIBLE then FOCUSED (VISIBLE only while the script says "focus off").
 * An exit (xrRequestExitSession or the script's "exit") steps down through
 * VISIBLE and SYNCHRONIZED to STOPPING; xrEndSession queues IDLE, EXITING.
 * The script's "loss" queues LOSS_PENDING, after which frame calls return
 * XR_SESSION_LOSS_PENDING until the application destroys the session.
 * xrWaitFrame sleeps to the next vsync of a grid at the display rate
 * (90 Hz unless XR_FB_display_refresh_rate chose 72 or 120).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "xrt_internal.h"

static const float refresh_rates[] = { 72.0f, 90.0f, 120.0f };
#define N_RATES (sizeof(refresh_rates) / sizeof(refresh_rates[0]))

struct xrt_session *xrt_session_get(XrSession session)
{
	uint32_t slot, gen;
	if (!xrt.instance_live || !xrt.session.live ||
	    !xrt_handle_slot((uint64_t)(uintptr_t)session, XRT_KIND_SESSION, 1, &slot, &gen) ||
	    gen != (xrt.session.gen & 0xffffff))
		return NULL;
	return &xrt.session;
}

XrResult xrt_check_session(XrSession session, struct xrt_session **out)
{
	*out = xrt_session_get(session);
	if (!*out)
		return xrt_fail(XR_ERROR_HANDLE_INVALID, "XrSession 0x%" PRIxPTR " is not a live session",
				(uintptr_t)session);
	return XR_SUCCESS;
}

XrSession xrt_session_handle(void)
{
	return (XrSession)(uintptr_t)xrt_handle_make(XRT_KIND_SESSION, 0, xrt.session.gen);
}

static const char *state_name(XrSessionState st)
{
	switch (st) {
	case XR_SESSION_STATE_IDLE:
		return "IDLE";
	case XR_SESSION_STATE_READY:
		return "READY";
	case XR_SESSION_STATE_SYNCHRONIZED:
		return "SYNCHRONIZED";
	case XR_SESSION_STATE_VISIBLE:
		return "VISIBLE";
	case XR_SESSION_STATE_FOCUSED:
		return "FOCUSED";
	case XR_SESSION_STATE_STOPPING:
		return "STOPPING";
	case XR_SESSION_STATE_LOSS_PENDING:
		return "LOSS_PENDING";
	case XR_SESSION_STATE_EXITING:
		return "EXITING";
	default:
		return "UNKNOWN";
	}
}

void xrt_session_set_state(XrSessionState state)
{
	xrt.session.state = state;
	XrEventDataSessionStateChanged e = { XR_TYPE_EVENT_DATA_SESSION_STATE_CHANGED, NULL, xrt_session_handle(),
					     state, xrt_now_ns() };
	xrt_event_push(&e, sizeof(e));
	if (xrt.n_states < XRT_MAX_STATES)
		xrt.states[xrt.n_states++] = state_name(state);
}

void xrt_session_exit(void)
{
	struct xrt_session *s = &xrt.session;
	if (!s->live || !s->running || s->lost || s->exit_requested)
		return;
	s->exit_requested = true;
	if (s->state == XR_SESSION_STATE_FOCUSED)
		xrt_session_set_state(XR_SESSION_STATE_VISIBLE);
	if (s->state == XR_SESSION_STATE_VISIBLE || s->state == XR_SESSION_STATE_READY)
		xrt_session_set_state(XR_SESSION_STATE_SYNCHRONIZED);
	xrt_session_set_state(XR_SESSION_STATE_STOPPING);
}

void xrt_session_loss(void)
{
	struct xrt_session *s = &xrt.session;
	if (!s->live || s->lost)
		return;
	s->lost = true;
	xrt_session_set_state(XR_SESSION_STATE_LOSS_PENDING);
}

void xrt_session_focus(bool on)
{
	struct xrt_session *s = &xrt.session;
	s->focus_off = !on;
	if (!s->live || !s->running || s->lost || s->exit_requested)
		return;
	if (on && s->state == XR_SESSION_STATE_VISIBLE)
		xrt_session_set_state(XR_SESSION_STATE_FOCUSED);
	else if (!on && s->state == XR_SESSION_STATE_FOCUSED)
		xrt_session_set_state(XR_SESSION_STATE_VISIBLE);
}

static void session_destroy(void)
{
	struct xrt_session *s = &xrt.session;
	for (uint32_t i = 0; i < XRT_MAX_SPACES; i++)
		xrt.spaces[i].live = false;
	xrt_swapchain_destroy_all();
	xrt_input_detach();
	xrt_vk_session_fini(s);
	xrt_events_forget_session(xrt_session_handle());
	s->running = false;
	s->live = false;
	pthread_cond_broadcast(&xrt.cond);
	xrt_capture_flush();
}

void xrt_session_destroy_all(void)
{
	if (xrt.session.live)
		session_destroy();
}

static XrResult check_stereo(XrViewConfigurationType type)
{
	if (type != XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO)
		return xrt_fail(XR_ERROR_VIEW_CONFIGURATION_TYPE_UNSUPPORTED,
				"view configuration %d: the runtime has PRIMARY_STEREO only", type);
	return XR_SUCCESS;
}

XRT_API(xrCreateSession, xrt_create_session, (XrInstance instance, const XrSessionCreateInfo *info, XrSession *out),
	(instance, info, out))
{
	XrResult r = xrt_check_instance(instance);
	if (r != XR_SUCCESS)
		return r;
	if (!info || info->type != XR_TYPE_SESSION_CREATE_INFO || !out)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "createInfo is NULL or not XR_TYPE_SESSION_CREATE_INFO, "
				"or session is NULL");
	if (info->createFlags != 0)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "createFlags is not 0");
	if (info->systemId != XRT_SYSTEM_ID)
		return xrt_fail(XR_ERROR_SYSTEM_INVALID, "systemId %" PRIu64 " is not the one xrGetSystem returned",
				(uint64_t)info->systemId);
	const XrGraphicsBindingVulkanKHR *binding = NULL;
	for (const XrBaseInStructure *n = info->next; n; n = n->next)
		if (n->type == XR_TYPE_GRAPHICS_BINDING_VULKAN_KHR)
			binding = (const XrGraphicsBindingVulkanKHR *)n;
	if (!xrt.ext_vulkan2)
		return xrt_fail(XR_ERROR_GRAPHICS_DEVICE_INVALID, "XR_KHR_vulkan_enable2 is not enabled; the runtime "
				"has no headless sessions");
	if (!xrt.gfx_requirements_called)
		return xrt_fail(XR_ERROR_GRAPHICS_REQUIREMENTS_CALL_MISSING, "xrGetVulkanGraphicsRequirements2KHR "
				"was not called first");
	if (!binding)
		return xrt_fail(XR_ERROR_GRAPHICS_DEVICE_INVALID, "no XrGraphicsBindingVulkan2KHR in the next chain");
	if (xrt.session.live)
		return xrt_fail(XR_ERROR_LIMIT_REACHED, "the test runtime holds one session at a time");

	struct xrt_session *s = &xrt.session;
	uint32_t gen = s->gen + 1;
	memset(s, 0, sizeof(*s));
	s->gen = gen;
	r = xrt_vk_session_init(s, binding);
	if (r != XR_SUCCESS)
		return r;
	s->live = true;
	s->profile = -1;
	s->rate_hz = XRT_DEFAULT_RATE_HZ;
	s->epoch_ns = xrt_now_ns();
	xrt_session_set_state(XR_SESSION_STATE_IDLE);
	xrt_session_set_state(XR_SESSION_STATE_READY);
	*out = xrt_session_handle();
	return XR_SUCCESS;
}

XRT_API(xrDestroySession, xrt_destroy_session, (XrSession session), (session))
{
	struct xrt_session *s;
	XrResult r = xrt_check_session(session, &s);
	if (r != XR_SUCCESS)
		return r;
	session_destroy();
	xrt_report_write(false);
	return XR_SUCCESS;
}

XRT_API(xrBeginSession, xrt_begin_session, (XrSession session, const XrSessionBeginInfo *info), (session, info))
{
	struct xrt_session *s;
	XrResult r = xrt_check_session(session, &s);
	if (r != XR_SUCCESS)
		return r;
	if (!info || info->type != XR_TYPE_SESSION_BEGIN_INFO)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "beginInfo is NULL or not XR_TYPE_SESSION_BEGIN_INFO");
	if (s->lost)
		return XR_ERROR_SESSION_LOST;
	if (s->running)
		return xrt_fail(XR_ERROR_SESSION_RUNNING, "the session is already running");
	if (s->state != XR_SESSION_STATE_READY)
		return xrt_fail(XR_ERROR_SESSION_NOT_READY, "the session is not READY");
	r = check_stereo(info->primaryViewConfigurationType);
	if (r != XR_SUCCESS)
		return r;
	s->running = true;
	s->exit_requested = false;
	s->wait_pending = s->frame_begun = false;
	s->begin_ns = xrt_now_ns();
	s->last_end_ns = 0;
	return XR_SUCCESS;
}

XRT_API(xrEndSession, xrt_end_session, (XrSession session), (session))
{
	struct xrt_session *s;
	XrResult r = xrt_check_session(session, &s);
	if (r != XR_SUCCESS)
		return r;
	if (s->lost)
		return XR_ERROR_SESSION_LOST;
	if (!s->running)
		return xrt_fail(XR_ERROR_SESSION_NOT_RUNNING, "the session is not running");
	if (s->state != XR_SESSION_STATE_STOPPING)
		return xrt_fail(XR_ERROR_SESSION_NOT_STOPPING, "the session is %s, not STOPPING", state_name(s->state));
	s->running = false;
	s->wait_pending = s->frame_begun = false;
	pthread_cond_broadcast(&xrt.cond);
	xrt_session_set_state(XR_SESSION_STATE_IDLE);
	if (s->exit_requested)
		xrt_session_set_state(XR_SESSION_STATE_EXITING);
	xrt_report_write(false);
	return XR_SUCCESS;
}

XRT_API(xrRequestExitSession, xrt_request_exit_session, (XrSession session), (session))
{
	struct xrt_session *s;
	XrResult r = xrt_check_session(session, &s);
	if (r != XR_SUCCESS)
		return r;
	if (s->lost)
		return XR_ERROR_SESSION_LOST;
	if (!s->running)
		return xrt_fail(XR_ERROR_SESSION_NOT_RUNNING, "the session is not running");
	xrt_session_exit();
	return XR_SUCCESS;
}

/* The frame loop. */
static XrResult wait_frame(XrSession session, const XrFrameWaitInfo *info, XrFrameState *state)
{
	struct xrt_session *s;
	XrResult r = xrt_check_session(session, &s);
	if (r != XR_SUCCESS)
		return r;
	if (info && info->type != XR_TYPE_FRAME_WAIT_INFO)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "frameWaitInfo is not XR_TYPE_FRAME_WAIT_INFO");
	if (!state || state->type != XR_TYPE_FRAME_STATE)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "frameState is NULL or not XR_TYPE_FRAME_STATE");
	if (!s->running)
		return xrt_fail(XR_ERROR_SESSION_NOT_RUNNING, "the session is not running");
	uint32_t gen = s->gen;
	if (s->wait_pending) {
		/* The spec blocks this call until xrBeginFrame; a single-threaded app never returns. */
		struct timespec deadline;
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += 2;
		int e = 0;
		while (s->live && s->gen == gen && s->running && s->wait_pending && e != ETIMEDOUT)
			e = pthread_cond_timedwait(&xrt.cond, &xrt.lock, &deadline);
		xrt.fn = "xrWaitFrame";
		if (!s->live || s->gen != gen)
			return XR_ERROR_SESSION_LOST;
		if (s->wait_pending)
			(void)xrt_fail(XR_SUCCESS, "called again without xrBeginFrame for the frame it returned; a runtime "
				 "blocks here until xrBeginFrame (here: 2 s, then goes on)");
	}
	xrt_script_apply();
	if (s->state == XR_SESSION_STATE_READY && s->running)
		xrt_session_set_state(XR_SESSION_STATE_SYNCHRONIZED);

	int64_t period = (int64_t)(1e9 / s->rate_hz + 0.5);
	int64_t now = xrt_now_ns();
	int64_t target = s->epoch_ns + ((now - s->epoch_ns) / period + 1) * period;
	if (target <= s->last_wake_ns)
		target = s->last_wake_ns + period;
	xrt_unlock();
	struct timespec ts = { (time_t)(target / 1000000000), (long)(target % 1000000000) };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	xrt_lock("xrWaitFrame");
	if (!s->live || s->gen != gen)
		return XR_ERROR_SESSION_LOST;
	s->last_wake_ns = target;
	state->predictedDisplayTime = target + period;
	state->predictedDisplayPeriod = period;
	state->shouldRender = s->state == XR_SESSION_STATE_VISIBLE || s->state == XR_SESSION_STATE_FOCUSED;
	s->wait_pending = true;
	s->frames_waited++;
	return s->lost ? XR_SESSION_LOSS_PENDING : XR_SUCCESS;
}

XrResult XRAPI_CALL xrt_wait_frame(XrSession session, const XrFrameWaitInfo *info, XrFrameState *state)
{
	xrt_lock("xrWaitFrame");
	XrResult r = wait_frame(session, info, state);
	xrt_unlock();
	return r;
}

XRT_API(xrBeginFrame, xrt_begin_frame, (XrSession session, const XrFrameBeginInfo *info), (session, info))
{
	struct xrt_session *s;
	XrResult r = xrt_check_session(session, &s);
	if (r != XR_SUCCESS)
		return r;
	if (info && info->type != XR_TYPE_FRAME_BEGIN_INFO)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "frameBeginInfo is not XR_TYPE_FRAME_BEGIN_INFO");
	if (!s->running)
		return xrt_fail(XR_ERROR_SESSION_NOT_RUNNING, "the session is not running");
	if (!s->wait_pending)
		return xrt_fail(XR_ERROR_CALL_ORDER_INVALID, "no xrWaitFrame returned a frame for this xrBeginFrame");
	s->wait_pending = false;
	pthread_cond_broadcast(&xrt.cond);
	r = s->frame_begun ? XR_FRAME_DISCARDED : XR_SUCCESS;
	s->frame_begun = true;
	if (r == XR_SUCCESS && s->lost)
		r = XR_SESSION_LOSS_PENDING;
	return r;
}

static XrResult check_sub_image(const XrSwapchainSubImage *si, const char *what)
{
	struct xrt_swapchain *sc = xrt_swapchain_get(si->swapchain);
	if (!sc)
		return xrt_fail(XR_ERROR_HANDLE_INVALID, "%s: XrSwapchain 0x%" PRIxPTR " is not a live swapchain", what,
				(uintptr_t)si->swapchain);
	if (sc->last_released < 0)
		return xrt_fail(XR_ERROR_LAYER_INVALID, "%s: its swapchain has no released image", what);
	if (si->imageArrayIndex >= sc->array_size)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "%s: imageArrayIndex %u, the swapchain has %u", what,
				si->imageArrayIndex, sc->array_size);
	const XrRect2Di *rc = &si->imageRect;
	if (rc->offset.x < 0 || rc->offset.y < 0 || rc->extent.width <= 0 || rc->extent.height <= 0 ||
	    (int64_t)rc->offset.x + rc->extent.width > (int64_t)sc->width ||
	    (int64_t)rc->offset.y + rc->extent.height > (int64_t)sc->height)
		return xrt_fail(XR_ERROR_SWAPCHAIN_RECT_INVALID, "%s: imageRect %d,%d %dx%d is not inside the %ux%u "
				"image", what, rc->offset.x, rc->offset.y, rc->extent.width, rc->extent.height,
				sc->width, sc->height);
	return XR_SUCCESS;
}

static XrResult check_layer_common(const XrCompositionLayerBaseHeader *l, uint32_t i)
{
	if (l->layerFlags & ~(XrCompositionLayerFlags)0x7)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "layers[%u].layerFlags has unknown bits", i);
	if (!xrt_space_get(l->space))
		return xrt_fail(XR_ERROR_HANDLE_INVALID, "layers[%u].space 0x%" PRIxPTR " is not a live space", i,
				(uintptr_t)l->space);
	return XR_SUCCESS;
}

static XrResult check_layer(const XrCompositionLayerBaseHeader *l, uint32_t i)
{
	char what[64];
	if (!l)
		return xrt_fail(XR_ERROR_LAYER_INVALID, "layers[%u] is NULL", i);
	if (l->type == XR_TYPE_COMPOSITION_LAYER_PROJECTION) {
		const XrCompositionLayerProjection *p = (const XrCompositionLayerProjection *)l;
		XrResult r = check_layer_common(l, i);
		if (r != XR_SUCCESS)
			return r;
		if (p->viewCount != 2 || !p->views)
			return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "layers[%u]: %u projection views, the view "
					"configuration has 2", i, p->viewCount);
		for (uint32_t v = 0; v < 2; v++) {
			const XrCompositionLayerProjectionView *pv = &p->views[v];
			snprintf(what, sizeof(what), "layers[%u].views[%u]", i, v);
			if (pv->type != XR_TYPE_COMPOSITION_LAYER_PROJECTION_VIEW)
				return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "%s.type is %d", what, pv->type);
			if (!xrt_pose_valid(&pv->pose))
				return xrt_fail(XR_ERROR_POSE_INVALID, "%s.pose has a quaternion that is not unit", what);
			const XrFovf *f = &pv->fov;
			if (!isfinite(f->angleLeft) || !isfinite(f->angleRight) || !isfinite(f->angleUp) ||
			    !isfinite(f->angleDown))
				return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "%s.fov is not finite", what);
			r = check_sub_image(&pv->subImage, what);
			if (r != XR_SUCCESS)
				return r;
		}
		return XR_SUCCESS;
	}
	if (l->type == XR_TYPE_COMPOSITION_LAYER_QUAD) {
		const XrCompositionLayerQuad *q = (const XrCompositionLayerQuad *)l;
		XrResult r = check_layer_common(l, i);
		if (r != XR_SUCCESS)
			return r;
		snprintf(what, sizeof(what), "layers[%u]", i);
		if (q->eyeVisibility > XR_EYE_VISIBILITY_RIGHT)
			return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "%s.eyeVisibility %d", what, q->eyeVisibility);
		if (!xrt_pose_valid(&q->pose))
			return xrt_fail(XR_ERROR_POSE_INVALID, "%s.pose has a quaternion that is not unit", what);
		return check_sub_image(&q->subImage, what);
	}
	return xrt_fail(XR_ERROR_LAYER_INVALID, "layers[%u].type %d is not a layer type the runtime offers", i,
			l->type);
}

static bool capture_wanted(uint64_t frame)
{
	for (uint32_t i = 0; i < xrt.cfg.n_capture_frames; i++)
		if (xrt.cfg.capture_frames[i] == frame)
			return true;
	return false;
}

XRT_API(xrEndFrame, xrt_end_frame, (XrSession session, const XrFrameEndInfo *info), (session, info))
{
	struct xrt_session *s;
	XrResult r = xrt_check_session(session, &s);
	if (r != XR_SUCCESS)
		return r;
	if (!info || info->type != XR_TYPE_FRAME_END_INFO)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "frameEndInfo is NULL or not XR_TYPE_FRAME_END_INFO");
	if (!s->running)
		return xrt_fail(XR_ERROR_SESSION_NOT_RUNNING, "the session is not running");
	if (!s->frame_begun)
		return xrt_fail(XR_ERROR_CALL_ORDER_INVALID, "no xrBeginFrame for this xrEndFrame");
	if (info->displayTime <= 0)
		return xrt_fail(XR_ERROR_TIME_INVALID, "displayTime %" PRId64 " is not a valid time",
				(int64_t)info->displayTime);
	if (info->environmentBlendMode < XR_ENVIRONMENT_BLEND_MODE_OPAQUE ||
	    info->environmentBlendMode > XR_ENVIRONMENT_BLEND_MODE_ALPHA_BLEND)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "environmentBlendMode %d is not a valid value",
				info->environmentBlendMode);
	if (info->environmentBlendMode != XR_ENVIRONMENT_BLEND_MODE_OPAQUE)
		return xrt_fail(XR_ERROR_ENVIRONMENT_BLEND_MODE_UNSUPPORTED, "environmentBlendMode %d; the runtime "
				"offers OPAQUE only", info->environmentBlendMode);
	if (info->layerCount > XRT_MAX_LAYERS)
		return xrt_fail(XR_ERROR_LAYER_LIMIT_EXCEEDED, "%u layers, maxLayerCount is %d", info->layerCount,
				XRT_MAX_LAYERS);
	if (info->layerCount && !info->layers)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "layers is NULL with layerCount %u", info->layerCount);
	const XrCompositionLayerProjection *proj = NULL;
	for (uint32_t i = 0; i < info->layerCount; i++) {
		r = check_layer(info->layers[i], i);
		if (r != XR_SUCCESS)
			return r;
		if (!proj && info->layers[i]->type == XR_TYPE_COMPOSITION_LAYER_PROJECTION)
			proj = (const XrCompositionLayerProjection *)info->layers[i];
	}

	s->frame_begun = false;
	int64_t now = xrt_now_ns();
	if (s->last_end_ns) {
		double gap = (double)(now - s->last_end_ns) / 1e6;
		if (gap > xrt.max_frame_gap_ms)
			xrt.max_frame_gap_ms = gap;
	}
	s->last_end_ns = now;
	xrt.frames++;
	if (proj) {
		xrt.frames_with_layers++;
		if (capture_wanted(xrt.frames_with_layers))
			xrt_capture_views(proj, xrt.frames_with_layers);
	}
	if (s->state == XR_SESSION_STATE_SYNCHRONIZED && !s->exit_requested && !s->lost) {
		xrt_session_set_state(XR_SESSION_STATE_VISIBLE);
		if (!s->focus_off)
			xrt_session_set_state(XR_SESSION_STATE_FOCUSED);
	}
	if (xrt.frames % 30 == 0)
		xrt_report_write(false);
	return s->lost ? XR_SESSION_LOSS_PENDING : XR_SUCCESS;
}

/* Display refresh rate (XR_FB_display_refresh_rate). */
static XrResult check_refresh(XrSession session, struct xrt_session **s)
{
	XrResult r = xrt_check_session(session, s);
	if (r != XR_SUCCESS)
		return r;
	if (!xrt.ext_refresh)
		return xrt_fail(XR_ERROR_EXTENSION_NOT_PRESENT, "XR_FB_display_refresh_rate is not enabled");
	return XR_SUCCESS;
}

XRT_API(xrEnumerateDisplayRefreshRatesFB, xrt_enumerate_display_refresh_rates,
	(XrSession session, uint32_t cap, uint32_t *count, float *rates), (session, cap, count, rates))
{
	struct xrt_session *s;
	XrResult r = check_refresh(session, &s);
	if (r == XR_SUCCESS)
		r = xrt_two_call(cap, count, N_RATES, "refresh rates");
	if (r != XR_SUCCESS || cap == 0)
		return r;
	if (!rates)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "displayRefreshRates is NULL");
	memcpy(rates, refresh_rates, sizeof(refresh_rates));
	return XR_SUCCESS;
}

XRT_API(xrGetDisplayRefreshRateFB, xrt_get_display_refresh_rate, (XrSession session, float *rate), (session, rate))
{
	struct xrt_session *s;
	XrResult r = check_refresh(session, &s);
	if (r != XR_SUCCESS)
		return r;
	if (!rate)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "displayRefreshRate is NULL");
	*rate = s->rate_hz;
	return XR_SUCCESS;
}

XRT_API(xrRequestDisplayRefreshRateFB, xrt_request_display_refresh_rate, (XrSession session, float rate),
	(session, rate))
{
	struct xrt_session *s;
	XrResult r = check_refresh(session, &s);
	if (r != XR_SUCCESS)
		return r;
	float want = rate == 0.0f ? XRT_DEFAULT_RATE_HZ : rate;
	bool ok = false;
	for (size_t i = 0; i < N_RATES; i++)
		if (fabsf(want - refresh_rates[i]) < 0.01f) {
			want = refresh_rates[i];
			ok = true;
		}
	if (!ok)
		return xrt_fail(XR_ERROR_DISPLAY_REFRESH_RATE_UNSUPPORTED_FB, "%.3f Hz; the display runs at 72, 90 "
				"or 120", (double)rate);
	if (want != s->rate_hz) {
		XrEventDataDisplayRefreshRateChangedFB e = { XR_TYPE_EVENT_DATA_DISPLAY_REFRESH_RATE_CHANGED_FB, NULL,
							     s->rate_hz, want };
		s->epoch_ns = s->last_wake_ns ? s->last_wake_ns : xrt_now_ns();
		s->rate_hz = want;
		xrt_event_push(&e, sizeof(e));
	}
	return XR_SUCCESS;
}
