#version 450
#include "config.h"
#include "common.glsl"

// Screen-space quads in pixels: glyphs, panels, rings. One draw for all of them.
layout(location = 0) in vec4 i_rect;   // x, y, w, h (px, top-left origin)
layout(location = 1) in vec4 i_uv;
layout(location = 2) in vec4 i_extra;  // radius or line width, mode
layout(location = 3) in vec4 i_colour;

layout(location = 0) out vec2 v_uv;
layout(location = 1) out vec4 v_colour;
layout(location = 2) out vec2 v_local; // px from the quad centre
layout(location = 3) flat out vec4 v_shape; // half w, half h, radius, mode

const vec2 corners[6] = vec2[](vec2(0, 0), vec2(1, 0), vec2(1, 1), vec2(0, 0), vec2(1, 1), vec2(0, 1));

void main()
{
	vec2 c = corners[gl_VertexIndex];
	vec2 p = i_rect.xy + c * i_rect.zw;
	v_uv = mix(i_uv.xy, i_uv.zw, c);
	v_colour = i_colour;
	v_local = (c - 0.5) * i_rect.zw;
	v_shape = vec4(i_rect.zw * 0.5, i_extra.x, i_extra.y);
	gl_Position = vec4(p / pc.depth.zw * 2.0 - 1.0, 0.0, 1.0);
}
