#version 450
#include "config.h"
#include "common.glsl"

// One instance per tile sprite or decal; six vertices per quad, no buffers.
layout(location = 0) in vec4 i_rect;  // top-left x, y and w, h in iso px (zoom 1)
layout(location = 1) in vec4 i_uv;    // u0 v0 u1 v1
layout(location = 2) in vec4 i_info;  // key, flags, 0, 0
layout(location = 3) in vec4 i_tint;

layout(location = 0) out vec2 v_uv;
layout(location = 1) out vec4 v_tint;
#ifdef SPRITE_CUTOUT
layout(location = 2) flat out vec2 v_info; // key, flags
layout(location = 3) out vec2 v_iso;
#endif

const vec2 corners[6] = vec2[](vec2(0, 0), vec2(1, 0), vec2(1, 1), vec2(0, 0), vec2(1, 1), vec2(0, 1));

void main()
{
	vec2 c = corners[gl_VertexIndex];
	vec2 p = i_rect.xy + c * i_rect.zw;
	bool wall = i_info.y > RND_SPRITE_WALL_IMAGE - 0.5;
	if (wall)
		p.y += c.x * i_rect.z * i_info.z;
	v_uv = mix(i_uv.xy, i_uv.zw, c);
	v_tint = i_tint;
#ifdef SPRITE_CUTOUT
	v_info = i_info.xy;
	v_iso = p;
#endif
	float d = i_info.y > RND_SPRITE_FLOOR - 0.5 && i_info.y < RND_SPRITE_FLOOR + 0.5
		? RND_DEPTH_FLOOR : key_depth(wall ? mix(i_info.x, i_info.w, c.x) : i_info.x);
	gl_Position = vec4(iso_to_ndc(p), d, 1.0);
}
