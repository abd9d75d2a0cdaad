#version 450
// A glyph's coverage from the font atlas (R8) times the label's colour;
// linear out for an sRGB swapchain (see xr_flat.frag).
layout(constant_id = 0) const bool LINEAR_OUT = true;
layout(set = 0, binding = 0) uniform sampler2D u_font;
layout(location = 0) in vec2 v_uv;
layout(location = 1) in vec4 v_colour;
layout(location = 0) out vec4 o_colour;

vec3 to_linear(vec3 c)
{
	return mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(0.04045, c));
}

void main()
{
	float cover = texture(u_font, v_uv).r;
	o_colour = vec4(LINEAR_OUT ? to_linear(v_colour.rgb) : v_colour.rgb, v_colour.a * cover);
}
