/*
 * rnd_mesh.c: the avatar figure, a handful of boxes in metres facing +x
 * (left is +y), feet at z = 0. The vertex shader poses it: walking swings
 * legs and arms, sitting folds the legs onto the seat.
 */
#include "rnd_vk.h"

struct box {
	float x0, x1, y0, y1, z0, z1;
	float part;
};

static const struct box figure[] = {
	{-0.07f, 0.07f, 0.02f, 0.14f, 0.00f, 0.40f, RND_PART_LEG_L},  /* shins */
	{-0.07f, 0.07f, -0.14f, -0.02f, 0.00f, 0.40f, RND_PART_LEG_R},
	{-0.08f, 0.08f, 0.01f, 0.15f, 0.41f, 0.72f, RND_PART_LEG_L},  /* thighs */
	{-0.08f, 0.08f, -0.15f, -0.01f, 0.41f, 0.72f, RND_PART_LEG_R},
	{-0.11f, 0.11f, -0.17f, 0.17f, 0.70f, 1.22f, RND_PART_TORSO},
	{-0.06f, 0.06f, 0.175f, 0.255f, 0.78f, 1.20f, RND_PART_ARM_L},
	{-0.06f, 0.06f, -0.255f, -0.175f, 0.78f, 1.20f, RND_PART_ARM_R},
	{-0.12f, 0.12f, -0.12f, 0.12f, 1.24f, 1.50f, RND_PART_HEAD},
	{0.115f, 0.14f, -0.09f, 0.09f, 1.35f, 1.41f, RND_PART_FACE},  /* eyes: the way it faces */
};

static struct rnd_avatar_vertex vtx(float x, float y, float z, float nx, float ny, float nz,
				    float part)
{
	return (struct rnd_avatar_vertex){{x, y, z}, {nx, ny, nz}, part};
}

uint32_t rnd_avatar_mesh(struct rnd_avatar_vertex *out, uint32_t max)
{
	uint32_t n = 0;
	for (size_t b = 0; b < CORE_ARRAY_LEN(figure); b++) {
		const struct box *k = &figure[b];
		/* each face: normal and four corners, counter-clockwise seen from outside */
		const float f[6][3 + 12] = {
			{1, 0, 0, k->x1, k->y0, k->z0, k->x1, k->y1, k->z0, k->x1, k->y1, k->z1, k->x1, k->y0, k->z1},
			{-1, 0, 0, k->x0, k->y1, k->z0, k->x0, k->y0, k->z0, k->x0, k->y0, k->z1, k->x0, k->y1, k->z1},
			{0, 1, 0, k->x1, k->y1, k->z0, k->x0, k->y1, k->z0, k->x0, k->y1, k->z1, k->x1, k->y1, k->z1},
			{0, -1, 0, k->x0, k->y0, k->z0, k->x1, k->y0, k->z0, k->x1, k->y0, k->z1, k->x0, k->y0, k->z1},
			{0, 0, 1, k->x0, k->y0, k->z1, k->x1, k->y0, k->z1, k->x1, k->y1, k->z1, k->x0, k->y1, k->z1},
			{0, 0, -1, k->x0, k->y1, k->z0, k->x1, k->y1, k->z0, k->x1, k->y0, k->z0, k->x0, k->y0, k->z0},
		};
		for (int i = 0; i < 6 && n + 6 <= max; i++) {
			const float *q = f[i];
			const int order[6] = {0, 1, 2, 0, 2, 3};
			for (int j = 0; j < 6; j++) {
				const float *c = q + 3 + 3 * order[j];
				out[n++] = vtx(c[0], c[1], c[2], q[0], q[1], q[2], k->part);
			}
		}
	}
	return n;
}
