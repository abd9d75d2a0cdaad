#version 450
#include "xr.glsl"

// A board's image on its wall in the VR room.
layout(location = 0) in vec3 a_pos; // world metres, z up
layout(location = 1) in vec2 a_uv;

layout(location = 0) out vec2 v_uv;

void main()
{
	v_uv = a_uv;
	gl_Position = xr_project(a_pos);
}
