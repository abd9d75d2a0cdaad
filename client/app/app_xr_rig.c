/*
 * app_xr_rig.c: the play area in the room (app_xr.h): stage directions,
 * rotations and points in world axes, and each eye's view-projection.
 */
#include "app_xr.h"

#include <cglm/cglm.h>
#include <math.h>
#include <string.h>

#define NEAR_M 0.05f
#define FAR_M 100.0f

/* A stage direction in world axes, turned by the rig. */
void to_world_dir(const struct xr_rig *rig, const float v[3], float out[3])
{
	float c = cosf(rig->yaw), s = sinf(rig->yaw);
	float wx = v[0], wy = v[2];
	out[0] = c * wx - s * wy;
	out[1] = s * wx + c * wy;
	out[2] = v[1];
}

void to_world_quat(const struct xr_rig *rig, const float q[4], float out[4])
{
	versor pq = {-q[0], -q[2], -q[1], q[3]}, rq, res;
	glm_quatv(rq, rig->yaw, (vec3){0, 0, 1});
	glm_quat_mul(rq, pq, res);
	glm_quat_normalize(res);
	memcpy(out, res, sizeof(res));
}

/* A stage point in the world: the avatar's place plus the offset from the
 * centre of the play area. */
void to_world_point(const struct xr_rig *rig, float ax, float ay, const float p[3], float out[3])
{
	float d[3] = {p[0] - rig->centre[0], p[1], p[2] - rig->centre[2]};
	to_world_dir(rig, d, out);
	out[0] += ax;
	out[1] += ay;
}

/* Rotates v by the unit quaternion q (x, y, z, w). */
void qrot(const float q[4], const float v[3], float out[3])
{
	versor vq = {q[0], q[1], q[2], q[3]};
	glm_quat_rotatev(vq, (float *)v, out);
}

/* OpenXR's asymmetric field of view as a Vulkan projection (y down, depth 0..1). */
static void projection(const float fov[4], mat4 out)
{
	float l = tanf(fov[0]), r = tanf(fov[1]), u = tanf(fov[2]), d = tanf(fov[3]);
	float w = r - l, h = d - u;
	glm_mat4_zero(out);
	out[0][0] = 2.0f / w;
	out[2][0] = (r + l) / w;
	out[1][1] = 2.0f / h;
	out[2][1] = (u + d) / h;
	out[2][2] = -FAR_M / (FAR_M - NEAR_M);
	out[3][2] = -(FAR_M * NEAR_M) / (FAR_M - NEAR_M);
	out[2][3] = -1.0f;
}

/* world <- eye: the eye's stage pose, mirrored into world axes by P. */
void eye_view_proj(const struct xr_rig *rig, float ax, float ay, const struct xr_view *e,
		   float out[16])
{
	float pos[3];
	to_world_point(rig, ax, ay, e->pose.p, pos);
	mat4 rot, p_axes = GLM_MAT4_IDENTITY_INIT, turn, m, tmp, view, proj, vp;
	versor q = {e->pose.q[0], e->pose.q[1], e->pose.q[2], e->pose.q[3]};
	glm_quat_mat4(q, rot);
	p_axes[1][1] = 0, p_axes[1][2] = 1, p_axes[2][1] = 1, p_axes[2][2] = 0;
	glm_rotate_make(turn, rig->yaw, (vec3){0, 0, 1});
	glm_translate_make(m, pos);
	glm_mat4_mul(m, turn, tmp);
	glm_mat4_mul(tmp, p_axes, m);
	glm_mat4_mul(m, rot, tmp);
	glm_mat4_inv(tmp, view);
	projection(e->fov, proj);
	glm_mat4_mul(proj, view, vp);
	memcpy(out, vp, sizeof(vp));
}

float yaw_of_forward(const struct xr_rig *rig, const float q[4])
{
	float f[3], w[3];
	qrot(q, (const float[3]){0, 0, -1}, f);
	to_world_dir(rig, f, w);
	return atan2f(w[1], w[0]);
}

