#version 450
layout(set = 0, binding = 0) uniform sampler2D u_image;
layout(location = 0) in vec2 v_uv;
layout(location = 0) out vec4 o_colour;

void main()
{
	o_colour = vec4(texture(u_image, v_uv).rgb, 1.0);
}
