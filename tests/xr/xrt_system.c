/*
 * xrt_system.c: the test runtime's system and paths.
 *
 * One head-mounted display (system id 1) with a stereo view configuration
 * whose recommended eye size comes from LYCEUM_XRT_EYE_SIZE, an opaque
 * blend mode, and the path table's entry points.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "xrt_internal.h"

static bool path_well_formed(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= XR_MAX_PATH_LENGTH || s[0] != '/' || s[n - 1] == '/')
		return false;
	const char *comp = s + 1;
	for (const char *c = s + 1;; c++) {
		if (*c == '/' || *c == '\0') {
			size_t len = (size_t)(c - comp);
			if (len == 0)
				return false;
			if (strspn(comp, ".") >= len) /* "." and ".." */
				return false;
			if (*c == '\0')
				return true;
			comp = c + 1;
			continue;
		}
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.'))
			return false;
	}
}

/* System: one head-mounted display with a stereo view configuration. */
static XrResult check_system(XrInstance instance, XrSystemId system)
{
	XrResult r = xrt_check_instance(instance);
	if (r != XR_SUCCESS)
		return r;
	if (system != XRT_SYSTEM_ID)
		return xrt_fail(XR_ERROR_SYSTEM_INVALID, "systemId %" PRIu64 " is not the one xrGetSystem returned",
				(uint64_t)system);
	return XR_SUCCESS;
}

static XrResult check_view_config(XrViewConfigurationType type, bool probe)
{
	if (type == XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO)
		return XR_SUCCESS;
	if (type == XR_VIEW_CONFIGURATION_TYPE_PRIMARY_MONO ||
	    type == XR_VIEW_CONFIGURATION_TYPE_PRIMARY_QUAD_VARJO ||
	    type == XR_VIEW_CONFIGURATION_TYPE_SECONDARY_MONO_FIRST_PERSON_OBSERVER_MSFT)
		return probe ? XR_ERROR_VIEW_CONFIGURATION_TYPE_UNSUPPORTED
			     : xrt_fail(XR_ERROR_VIEW_CONFIGURATION_TYPE_UNSUPPORTED,
					"view configuration %d was not enumerated", type);
	return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "viewConfigurationType %d is not a valid value", type);
}

XRT_API(xrGetSystem, xrt_get_system, (XrInstance instance, const XrSystemGetInfo *info, XrSystemId *out),
	(instance, info, out))
{
	XrResult r = xrt_check_instance(instance);
	if (r != XR_SUCCESS)
		return r;
	if (!info || info->type != XR_TYPE_SYSTEM_GET_INFO || !out)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "getInfo is NULL or not XR_TYPE_SYSTEM_GET_INFO, or "
				"systemId is NULL");
	if (info->formFactor == XR_FORM_FACTOR_HANDHELD_DISPLAY)
		return XR_ERROR_FORM_FACTOR_UNSUPPORTED; /* a fair question, not a violation */
	if (info->formFactor != XR_FORM_FACTOR_HEAD_MOUNTED_DISPLAY)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "formFactor %d is not a valid value", info->formFactor);
	*out = XRT_SYSTEM_ID;
	return XR_SUCCESS;
}

XRT_API(xrGetSystemProperties, xrt_get_system_properties,
	(XrInstance instance, XrSystemId system, XrSystemProperties *props), (instance, system, props))
{
	XrResult r = check_system(instance, system);
	if (r != XR_SUCCESS)
		return r;
	if (!props || props->type != XR_TYPE_SYSTEM_PROPERTIES)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "properties is NULL or not XR_TYPE_SYSTEM_PROPERTIES");
	props->systemId = system;
	props->vendorId = 0x4c59; /* "LY" */
	snprintf(props->systemName, sizeof(props->systemName), "Lyceum test HMD");
	props->graphicsProperties.maxSwapchainImageWidth = XRT_MAX_EYE_SIZE;
	props->graphicsProperties.maxSwapchainImageHeight = XRT_MAX_EYE_SIZE;
	props->graphicsProperties.maxLayerCount = XRT_MAX_LAYERS;
	props->trackingProperties.orientationTracking = XR_TRUE;
	props->trackingProperties.positionTracking = XR_TRUE;
	return XR_SUCCESS;
}

XRT_API(xrEnumerateEnvironmentBlendModes, xrt_enumerate_environment_blend_modes,
	(XrInstance instance, XrSystemId system, XrViewConfigurationType type, uint32_t cap, uint32_t *count,
	 XrEnvironmentBlendMode *modes),
	(instance, system, type, cap, count, modes))
{
	XrResult r = check_system(instance, system);
	if (r == XR_SUCCESS)
		r = check_view_config(type, true);
	if (r == XR_SUCCESS)
		r = xrt_two_call(cap, count, 1, "environment blend modes");
	if (r != XR_SUCCESS || cap == 0)
		return r;
	if (!modes)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "environmentBlendModes is NULL");
	modes[0] = XR_ENVIRONMENT_BLEND_MODE_OPAQUE;
	return XR_SUCCESS;
}

XRT_API(xrEnumerateViewConfigurations, xrt_enumerate_view_configurations,
	(XrInstance instance, XrSystemId system, uint32_t cap, uint32_t *count, XrViewConfigurationType *types),
	(instance, system, cap, count, types))
{
	XrResult r = check_system(instance, system);
	if (r == XR_SUCCESS)
		r = xrt_two_call(cap, count, 1, "view configurations");
	if (r != XR_SUCCESS || cap == 0)
		return r;
	if (!types)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "viewConfigurationTypes is NULL");
	types[0] = XR_VIEW_CONFIGURATION_TYPE_PRIMARY_STEREO;
	return XR_SUCCESS;
}

XRT_API(xrGetViewConfigurationProperties, xrt_get_view_configuration_properties,
	(XrInstance instance, XrSystemId system, XrViewConfigurationType type, XrViewConfigurationProperties *props),
	(instance, system, type, props))
{
	XrResult r = check_system(instance, system);
	if (r == XR_SUCCESS)
		r = check_view_config(type, true);
	if (r != XR_SUCCESS)
		return r;
	if (!props || props->type != XR_TYPE_VIEW_CONFIGURATION_PROPERTIES)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "configurationProperties is NULL or not "
				"XR_TYPE_VIEW_CONFIGURATION_PROPERTIES");
	props->viewConfigurationType = type;
	props->fovMutable = XR_FALSE;
	return XR_SUCCESS;
}

XRT_API(xrEnumerateViewConfigurationViews, xrt_enumerate_view_configuration_views,
	(XrInstance instance, XrSystemId system, XrViewConfigurationType type, uint32_t cap, uint32_t *count,
	 XrViewConfigurationView *views),
	(instance, system, type, cap, count, views))
{
	XrResult r = check_system(instance, system);
	if (r == XR_SUCCESS)
		r = check_view_config(type, true);
	if (r == XR_SUCCESS)
		r = xrt_two_call(cap, count, 2, "views");
	if (r != XR_SUCCESS || cap == 0)
		return r;
	if (!views)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "views is NULL");
	for (uint32_t i = 0; i < 2; i++)
		if (views[i].type != XR_TYPE_VIEW_CONFIGURATION_VIEW)
			return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "views[%u].type is %d, not "
					"XR_TYPE_VIEW_CONFIGURATION_VIEW", i, views[i].type);
	for (uint32_t i = 0; i < 2; i++) {
		views[i].recommendedImageRectWidth = xrt.cfg.eye_w;
		views[i].recommendedImageRectHeight = xrt.cfg.eye_h;
		views[i].maxImageRectWidth = XRT_MAX_EYE_SIZE;
		views[i].maxImageRectHeight = XRT_MAX_EYE_SIZE;
		views[i].recommendedSwapchainSampleCount = 1;
		views[i].maxSwapchainSampleCount = 4;
	}
	return XR_SUCCESS;
}

/* Paths. */
XRT_API(xrStringToPath, xrt_string_to_path, (XrInstance instance, const char *s, XrPath *out), (instance, s, out))
{
	XrResult r = xrt_check_instance(instance);
	if (r != XR_SUCCESS)
		return r;
	if (!s || !out)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "pathString or path is NULL");
	if (!path_well_formed(s))
		return xrt_fail(XR_ERROR_PATH_FORMAT_INVALID, "'%.100s' is not a well-formed path", s);
	XrPath p = xrt_path_intern(s);
	if (p == XR_NULL_PATH)
		return xrt_fail(XR_ERROR_PATH_COUNT_EXCEEDED, "more than %d distinct paths", XRT_MAX_PATHS);
	*out = p;
	return XR_SUCCESS;
}

XRT_API(xrPathToString, xrt_path_to_string,
	(XrInstance instance, XrPath path, uint32_t cap, uint32_t *count, char *buf), (instance, path, cap, count, buf))
{
	XrResult r = xrt_check_instance(instance);
	if (r != XR_SUCCESS)
		return r;
	const char *s = xrt_path_string(path);
	if (!s)
		return xrt_fail(XR_ERROR_PATH_INVALID, "XrPath %" PRIu64 " was not made by xrStringToPath",
				(uint64_t)path);
	r = xrt_two_call(cap, count, (uint32_t)strlen(s) + 1, "the path string");
	if (r != XR_SUCCESS || cap == 0)
		return r;
	if (!buf)
		return xrt_fail(XR_ERROR_VALIDATION_FAILURE, "buffer is NULL");
	memcpy(buf, s, strlen(s) + 1);
	return XR_SUCCESS;
}
