/*
 * xr_frame.c: the eyes' swapchains (one of two layers when the device has
 * multiview, else one an eye; the first format the runtime offers that the
 * renderer draws, the recommended size) and the frame: xrWaitFrame (the
 * runtime's pacing), xrBeginFrame, the views at the predicted display time,
 * the images acquired and waited for; then, after the renderer's submit,
 * released and handed back in one projection layer with xrEndFrame.
 */
#include "xr_internal.h"

#include "rnd_xr.h"

#include <stdlib.h>
#include <string.h>

static enum core_result pick_format(struct xr *x)
{
	uint32_t n = 0;
	XR_TRY(x, xrEnumerateSwapchainFormats(x->session, 0, &n, NULL),
	       "xrEnumerateSwapchainFormats");
	int64_t *offered = calloc(n ? n : 1, sizeof(*offered));
	if (!offered)
		return CORE_ERR_NOMEM;
	XrResult res = xrEnumerateSwapchainFormats(x->session, n, &n, offered);
	uint32_t want_n;
	const int64_t *want = rnd_xr_formats(&want_n);
	x->format = 0;
	for (uint32_t w = 0; XR_SUCCEEDED(res) && !x->format && w < want_n; w++)
		for (uint32_t i = 0; i < n; i++)
			if (offered[i] == want[w]) {
				x->format = want[w];
				break;
			}
	free(offered);
	XR_TRY(x, res, "xrEnumerateSwapchainFormats");
	if (x->format)
		return CORE_OK;
	CORE_ERROR("the OpenXR runtime offers none of the 8-bit RGBA swapchain formats the "
		   "renderer draws into (%u formats offered)",
		   n);
	return CORE_ERR_IO;
}

enum core_result xr_swapchains_create(struct xr *x, struct rnd *r)
{
	enum core_result res = pick_format(x);
	if (res != CORE_OK)
		return res;
	x->multiview = rnd_xr_multiview(r, x->cfg.multiview);
	x->swapchain_count = x->multiview ? 1 : 2;
	/* One size for both eyes (one multiview image): the larger
	 * recommendation, within what both allow. */
	const XrViewConfigurationView *v = x->config_views;
	x->width = CORE_MIN(CORE_MAX(v[0].recommendedImageRectWidth, v[1].recommendedImageRectWidth),
			    CORE_MIN(v[0].maxImageRectWidth, v[1].maxImageRectWidth));
	x->height = CORE_MIN(CORE_MAX(v[0].recommendedImageRectHeight, v[1].recommendedImageRectHeight),
			     CORE_MIN(v[0].maxImageRectHeight, v[1].maxImageRectHeight));
	if (!x->width || !x->height) {
		CORE_ERROR("the OpenXR runtime recommends an eye image of %ux%u", x->width, x->height);
		return CORE_ERR_IO;
	}
	struct rnd_xr_target t = {
		.multiview = x->multiview,
		.format = x->format,
		.width = x->width,
		.height = x->height,
	};
	for (uint32_t s = 0; s < x->swapchain_count; s++) {
		XrSwapchainCreateInfo ci = {
			.type = XR_TYPE_SWAPCHAIN_CREATE_INFO,
			.usageFlags = XR_SWAPCHAIN_USAGE_COLOR_ATTACHMENT_BIT,
			.format = x->format,
			.sampleCount = 1,
			.width = x->width,
			.height = x->height,
			.faceCount = 1,
			.arraySize = x->multiview ? 2 : 1,
			.mipCount = 1,
		};
		XR_TRY(x, xrCreateSwapchain(x->session, &ci, &x->swapchains[s]), "xrCreateSwapchain");
		uint32_t n = 0;
		XR_TRY(x, xrEnumerateSwapchainImages(x->swapchains[s], 0, &n, NULL),
		       "xrEnumerateSwapchainImages");
		if (n > XR_MAX_IMAGES || n > RND_XR_MAX_IMAGES) {
			CORE_ERROR("the OpenXR runtime made a swapchain of %u images; Lyceum takes %d",
				   n, RND_XR_MAX_IMAGES);
			return CORE_ERR_IO;
		}
		XrSwapchainImageVulkan2KHR images[XR_MAX_IMAGES];
		for (uint32_t i = 0; i < n; i++)
			images[i] = (XrSwapchainImageVulkan2KHR){.type = XR_TYPE_SWAPCHAIN_IMAGE_VULKAN2_KHR};
		XR_TRY(x, xrEnumerateSwapchainImages(x->swapchains[s], n, &n,
						     (XrSwapchainImageBaseHeader *)images),
		       "xrEnumerateSwapchainImages");
		t.image_count[s] = n;
		for (uint32_t i = 0; i < n; i++)
			t.images[s][i] = (uint64_t)(uintptr_t)images[i].image;
	}
	CORE_INFO("OpenXR: %ux%u an eye, %s", x->width, x->height,
		  x->multiview ? "both in one multiview pass" : "a pass an eye (no multiview)");
	return rnd_xr_set_target(r, &t);
}

void xr_swapchains_destroy(struct xr *x)
{
	for (uint32_t s = 0; s < 2; s++)
		if (x->swapchains[s]) {
			xrDestroySwapchain(x->swapchains[s]);
			x->swapchains[s] = XR_NULL_HANDLE;
		}
}

bool xr_frame_wait(struct xr *x, struct xr_frame *f)
{
	memset(f, 0, sizeof(*f));
	if (!x->running)
		return false;
	XrFrameWaitInfo wi = {.type = XR_TYPE_FRAME_WAIT_INFO};
	XrFrameState fs = {.type = XR_TYPE_FRAME_STATE};
	if (!xr_check(x, xrWaitFrame(x->session, &wi, &fs), "xrWaitFrame"))
		return false;
	XrFrameBeginInfo bi = {.type = XR_TYPE_FRAME_BEGIN_INFO};
	XrResult res = xrBeginFrame(x->session, &bi);
	if (!xr_check(x, res, "xrBeginFrame"))
		return false;
	x->frame_begun = true;
	f->display_time = fs.predictedDisplayTime;
	f->period_ns = fs.predictedDisplayPeriod;
	f->should_render = fs.shouldRender;
	if (!f->should_render)
		return true;
	XrViewLocateInfo li = {
		.type = XR_TYPE_VIEW_LOCATE_INFO,
		.viewConfigurationType = XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO,
		.displayTime = fs.predictedDisplayTime,
		.space = x->space,
	};
	XrViewState vs = {.type = XR_TYPE_VIEW_STATE};
	uint32_t n = 0;
	x->views[0] = x->views[1] = (XrView){.type = XR_TYPE_VIEW};
	if (!xr_check(x, xrLocateViews(x->session, &li, &vs, 2, &n, x->views), "xrLocateViews") ||
	    n != 2 ||
	    !(vs.viewStateFlags & XR_VIEW_STATE_ORIENTATION_VALID_BIT)) {
		f->should_render = false; /* nothing to draw from: an empty frame */
		return true;
	}
	for (int e = 0; e < 2; e++) {
		xr_pose_of(&x->views[e].pose, &f->eyes[e].pose);
		f->eyes[e].fov[0] = x->views[e].fov.angleLeft;
		f->eyes[e].fov[1] = x->views[e].fov.angleRight;
		f->eyes[e].fov[2] = x->views[e].fov.angleUp;
		f->eyes[e].fov[3] = x->views[e].fov.angleDown;
	}
	XrSpaceLocation loc = {.type = XR_TYPE_SPACE_LOCATION};
	if (XR_SUCCEEDED(xrLocateSpace(x->view_space, x->space, fs.predictedDisplayTime, &loc)) &&
	    (loc.locationFlags & XR_SPACE_LOCATION_ORIENTATION_VALID_BIT)) {
		xr_pose_of(&loc.pose, &f->head);
		f->head_valid = true;
	}
	for (uint32_t s = 0; s < x->swapchain_count; s++) {
		XrSwapchainImageAcquireInfo ai = {.type = XR_TYPE_SWAPCHAIN_IMAGE_ACQUIRE_INFO};
		XrSwapchainImageWaitInfo wwi = {.type = XR_TYPE_SWAPCHAIN_IMAGE_WAIT_INFO,
						.timeout = XR_INFINITE_DURATION};
		if (!xr_check(x, xrAcquireSwapchainImage(x->swapchains[s], &ai, &f->image[s]),
			      "xrAcquireSwapchainImage"))
			break;
		/* An image acquired but not waited for cannot be released: the
		 * next frame's acquire fails and says so. */
		if (!xr_check(x, xrWaitSwapchainImage(x->swapchains[s], &wwi),
			      "xrWaitSwapchainImage"))
			break;
		x->acquired[s] = true;
	}
	if (!x->acquired[0] || (x->swapchain_count == 2 && !x->acquired[1]))
		f->should_render = false; /* the frame ends empty; what was acquired is released */
	if (x->multiview)
		f->image[1] = f->image[0];
	return true;
}

enum core_result xr_frame_submit(struct xr *x, const struct xr_frame *f, bool drawn)
{
	if (!x->frame_begun)
		return CORE_OK;
	x->frame_begun = false;
	/* Every image acquired goes back, drawn or not. */
	bool released = true;
	for (uint32_t s = 0; s < x->swapchain_count; s++) {
		if (!x->acquired[s])
			continue;
		x->acquired[s] = false;
		XrSwapchainImageReleaseInfo ri = {.type = XR_TYPE_SWAPCHAIN_IMAGE_RELEASE_INFO};
		released &= xr_check(x, xrReleaseSwapchainImage(x->swapchains[s], &ri),
				     "xrReleaseSwapchainImage");
	}
	bool with_layer = f->should_render && drawn && released;
	XrCompositionLayerProjectionView pv[2];
	XrCompositionLayerProjection layer = {
		.type = XR_TYPE_COMPOSITION_LAYER_PROJECTION,
		.space = x->space,
		.viewCount = 2,
		.views = pv,
	};
	const XrCompositionLayerBaseHeader *layers[1] = {(const XrCompositionLayerBaseHeader *)&layer};
	if (with_layer) {
		for (uint32_t e = 0; e < 2; e++) {
			pv[e] = (XrCompositionLayerProjectionView){
				.type = XR_TYPE_COMPOSITION_LAYER_PROJECTION_VIEW,
				.pose = x->views[e].pose,
				.fov = x->views[e].fov,
				.subImage = {
					.swapchain = x->swapchains[x->multiview ? 0 : e],
					.imageRect = {{0, 0}, {(int32_t)x->width, (int32_t)x->height}},
					.imageArrayIndex = x->multiview ? e : 0,
				},
			};
		}
	}
	XrFrameEndInfo ei = {
		.type = XR_TYPE_FRAME_END_INFO,
		.displayTime = f->display_time,
		.environmentBlendMode = XR_ENVIRONMENT_BLEND_MODE_OPAQUE,
		.layerCount = with_layer ? 1 : 0,
		.layers = layers,
	};
	XR_TRY(x, xrEndFrame(x->session, &ei), "xrEndFrame");
	x->frames++;
	return CORE_OK;
}
