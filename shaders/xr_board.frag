#version 450
// A board's image on its wall: sRGB-encoded pixels, linear out for an sRGB
// swapchain (see xr_flat.frag).
layout(constant_id = 0) const bool LINEAR_OUT = true;
layout(set = 0, binding = 0) uniform sampler2D u_image;
layout(location = 0) in vec2 v_uv;
layout(location = 0) out vec4 o_colour;

vec3 to_linear(vec3 c)
{
	return mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(0.04045, c));
}

void main()
{
	vec3 c = texture(u_image, v_uv).rgb;
	o_colour = vec4(LINEAR_OUT ? to_linear(c) : c, 1.0);
}
