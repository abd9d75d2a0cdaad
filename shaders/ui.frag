#version 450
#include "config.h"

layout(set = 0, binding = 0) uniform sampler2D font;

layout(location = 0) in vec2 v_uv;
layout(location = 1) in vec4 v_colour;
layout(location = 2) in vec2 v_local;
layout(location = 3) flat in vec4 v_shape;

layout(location = 0) out vec4 o_colour;

void main()
{
	float a;
	if (v_shape.w > RND_UI_IMAGE - 0.5) {
		o_colour = texture(font, v_uv) * v_colour;
		return;
	}
	if (v_shape.w < RND_UI_GLYPH + 0.5) {
		a = texture(font, v_uv).r;
	} else if (v_shape.w < RND_UI_RECT + 0.5) {
		vec2 q = abs(v_local) - v_shape.xy + v_shape.z;
		float d = length(max(q, 0.0)) + min(max(q.x, q.y), 0.0) - v_shape.z;
		a = clamp(0.5 - d, 0.0, 1.0);
	} else {
		float r = min(v_shape.x, v_shape.y);
		float d = abs(length(v_local) - (r - v_shape.z * 0.5)) - v_shape.z * 0.5;
		a = clamp(0.5 - d, 0.0, 1.0);
	}
	o_colour = vec4(v_colour.rgb, v_colour.a * a);
}
