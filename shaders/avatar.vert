#version 450
#include "config.h"
#ifdef RND_XR
#include "xr.glsl" // the VR scene: true scale, one matrix per eye
#else
#include "common.glsl"
#endif

// Every avatar in one instanced draw: a low-poly figure of boxes, posed here.
layout(location = 0) in vec3 a_pos;    // metres, facing +x, feet at z = 0
layout(location = 1) in vec3 a_normal;
layout(location = 2) in float a_part;
layout(location = 3) in vec4 i_place;  // x, y (m), yaw (rad), flags
layout(location = 4) in vec4 i_colour;
layout(location = 5) in vec4 i_anim;   // walk phase (rad), seat height (m), 0, 0

layout(location = 0) out vec3 v_colour;

bool part_is(float p) { return abs(a_part - p) < 0.5; }

void main()
{
	vec3 p = a_pos;
	float flags = i_place.w;
	bool sitting = mod(flags, 2.0) > 0.5;
	bool walking = mod(floor(flags / 2.0), 2.0) > 0.5;
	bool leg = part_is(RND_PART_LEG_L) || part_is(RND_PART_LEG_R);
	bool arm = part_is(RND_PART_ARM_L) || part_is(RND_PART_ARM_R);
	float side = (part_is(RND_PART_LEG_L) || part_is(RND_PART_ARM_L)) ? 1.0 : -1.0;
	if (sitting) {
		// The body drops so the hips rest on the seat; thighs turn forward
		// about the hip, shins follow them and stretch down to the floor.
		const float hip = 0.72, knee = 0.40;
		float seat = i_anim.y;
		if (leg && p.z > knee + 0.005) {
			float dz = p.z - hip;
			p = vec3(-dz, p.y, seat + p.x);
		} else if (leg) {
			p.x += hip - knee;
			p.z *= seat / knee;
		} else {
			p.z += seat - hip;
		}
	} else if (walking) {
		float s = sin(i_anim.x);
		if (leg)
			p.x += side * s * (0.72 - p.z) * 0.45;
		if (arm)
			p.x -= side * s * (1.25 - p.z) * 0.5;
		p.z += abs(s) * 0.025;
	}
	float cy = cos(i_place.z), sy = sin(i_place.z);
	vec3 w = vec3(i_place.x + p.x * cy - p.y * sy, i_place.y + p.x * sy + p.y * cy, p.z);
	vec3 n = vec3(a_normal.x * cy - a_normal.y * sy, a_normal.x * sy + a_normal.y * cy, a_normal.z);

	vec3 base = i_colour.rgb;
	if (part_is(RND_PART_HEAD))
		base = vec3(0.93, 0.78, 0.64);
	else if (part_is(RND_PART_FACE))
		base = vec3(0.16, 0.14, 0.13);
	else if (leg)
		base = vec3(0.20, 0.22, 0.28);
	else if (arm)
		base = i_colour.rgb * 0.85;
	// Light from the upper left of the screen (world -x, -y, up).
	vec3 l = normalize(vec3(-0.35, -0.6, 0.85));
	float lit = 0.45 + 0.55 * max(dot(n, l), 0.0);
	v_colour = base * lit;

#ifdef RND_XR
	gl_Position = xr_project(w);
#else
	float key = i_place.x + i_place.y + RND_AVATAR_KEY_BIAS +
		RND_AVATAR_SELF_DEPTH * ((w.x - i_place.x) + (w.y - i_place.y) + 0.8 * w.z);
	gl_Position = vec4(iso_to_ndc(iso_project(w)), key_depth(key), 1.0);
#endif
}
