#version 450
#include "config.h"
#include "common.glsl"

layout(set = 0, binding = 0) uniform sampler2D atlas;

layout(location = 0) in vec2 v_uv;
layout(location = 1) in vec4 v_tint;
#ifdef SPRITE_CUTOUT
layout(location = 2) flat in vec2 v_info;
layout(location = 3) in vec2 v_iso;
#endif

layout(location = 0) out vec4 o_colour;

// 4x4 Bayer matrix: screen-door transparency keeps depth writes and needs no sorting.
float bayer4(ivec2 p)
{
	int i = (p.x & 3) + 4 * (p.y & 3);
	const float m[16] = float[](0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5);
	return (m[i] + 0.5) / 16.0;
}

void main()
{
	vec4 c = texture(atlas, v_uv) * v_tint;
#ifdef SPRITE_CUTOUT
	if (c.a < 0.5)
		discard;
	if (v_info.y > RND_SPRITE_CUTAWAY - 0.5 && pc.cut.w > 0.0 && v_info.x > pc.cut.z + 0.3) {
		// A wall in front of the local avatar and near it on screen fades to 30%.
		vec2 d = (v_iso - pc.cut.xy) / vec2(1.0, 1.6);
		float k = 1.0 - smoothstep(pc.cut.w * 0.7, pc.cut.w, length(d));
		if (bayer4(ivec2(gl_FragCoord.xy)) < k * 0.7)
			discard;
	}
	o_colour = vec4(c.rgb, 1.0);
#else
	o_colour = c;
#endif
}
