#version 450
// The VR scene's flat-shaded triangles and avatars. Colours are sRGB-encoded
// (the tiles' art, the avatars' colours); an sRGB swapchain wants linear
// values and encodes them itself, a UNORM one takes them as they are.
layout(constant_id = 0) const bool LINEAR_OUT = true;
layout(location = 0) in vec3 v_colour;
layout(location = 0) out vec4 o_colour;

vec3 to_linear(vec3 c)
{
	return mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(0.04045, c));
}

void main()
{
	o_colour = vec4(LINEAR_OUT ? to_linear(v_colour) : v_colour, 1.0);
}
