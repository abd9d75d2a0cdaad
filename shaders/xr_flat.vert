#version 450
#include "xr.glsl"

// The VR room and the frame's boxes (heads, hands, items): lit on the CPU.
layout(location = 0) in vec3 a_pos;    // world metres, z up
layout(location = 1) in vec4 a_colour; // R8G8B8A8 unorm

layout(location = 0) out vec3 v_colour;

void main()
{
	v_colour = a_colour.rgb;
	gl_Position = xr_project(a_pos);
}
