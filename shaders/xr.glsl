// The VR scene's push constants (struct rnd_xr_push in rnd_xr.c): each
// eye's view-projection from world metres (x, y on the floor, z up). Built
// twice: with RND_XR_MULTIVIEW one pass draws both eyes (gl_ViewIndex picks
// the matrix); without it (a device without multiview must not be handed
// its SPIR-V capability) the scene is drawn once per eye with that eye's
// matrix first.
#ifdef RND_XR_MULTIVIEW
#extension GL_EXT_multiview : require
#define XR_VIEW gl_ViewIndex
#else
#define XR_VIEW 0
#endif
layout(push_constant) uniform XrPush {
	mat4 view_proj[2];
} pc;

vec4 xr_project(vec3 w)
{
	return pc.view_proj[XR_VIEW] * vec4(w, 1.0);
}
