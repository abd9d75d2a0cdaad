// The VR scene's push constants (struct rnd_xr_push in rnd_xr.c): each
// eye's view-projection from world metres (x, y on the floor, z up). With
// multiview one pass draws both eyes (gl_ViewIndex picks the matrix);
// without it the scene is drawn once per eye with that eye's matrix first.
#extension GL_EXT_multiview : require
layout(push_constant) uniform XrPush {
	mat4 view_proj[2];
} pc;

vec4 xr_project(vec3 w)
{
	return pc.view_proj[gl_ViewIndex] * vec4(w, 1.0);
}
