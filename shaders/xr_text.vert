#version 450
#include "xr.glsl"

// Name labels in the VR room: glyphs from the font atlas and their plates.
layout(location = 0) in vec3 a_pos;    // world metres, z up
layout(location = 1) in vec2 a_uv;
layout(location = 2) in vec4 a_colour; // R8G8B8A8 unorm, sRGB-encoded

layout(location = 0) out vec2 v_uv;
layout(location = 1) out vec4 v_colour;

void main()
{
	v_uv = a_uv;
	v_colour = a_colour;
	gl_Position = xr_project(a_pos);
}
