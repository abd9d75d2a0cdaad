// Push constants shared by every pipeline (struct rnd_push in rnd_vk.h).
layout(push_constant) uniform Push {
	vec4 iso;   // px per m along (x-y), (x+y), z; unused
	vec4 cam;   // camera centre in iso px (zoom 1), 2*zoom/width, 2*zoom/height
	vec4 depth; // key min, 1/key range, viewport width px, viewport height px
	vec4 cut;   // local avatar: iso px x, y, key, cutaway radius in iso px (0: off)
} pc;

vec2 iso_project(vec3 w)
{
	return vec2((w.x - w.y) * pc.iso.x, (w.x + w.y) * pc.iso.y - w.z * pc.iso.z);
}

vec2 iso_to_ndc(vec2 p)
{
	return (p - pc.cam.xy) * pc.cam.zw;
}

float key_depth(float key)
{
	float t = clamp((key - pc.depth.x) * pc.depth.y, 0.0, 1.0);
	return mix(RND_DEPTH_FAR, RND_DEPTH_NEAR, t);
}
