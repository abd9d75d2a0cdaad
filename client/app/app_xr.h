/**
 * @file app_xr.h
 * @brief The parts of `lyceum --xr` (app_xr.c, the loop and its threads):
 * the rig that puts the play area in the room (app_xr_rig.c) and what a
 * frame draws (app_xr_draw.c).
 *
 * Axes. OpenXR's stage is x right, y up, -z forward; the world is x along
 * the tile columns, y along the rows, z up, and as Tiled shows it from
 * above (y down the screen) it is the mirror image of a right-handed
 * space. P, which swaps the second and third axes, maps one to the other
 * without mirroring the room: stage forward (-z) is world -y, "up the map".
 * A rotation q of the stage is the rotation (-x, -z, -y, w) of the world.
 *
 * The rig. Where the user stands in the play area is not where the avatar
 * is: the thumbstick walks the avatar (through the same prediction as the
 * desktop's keys), a turn rotates the whole play area about it, and the
 * head's offset from where it was when the session began (`centre`) is
 * added on top and sent as the pose, so others see the lean and the hands.
 * The local head pose is the runtime's of this frame: it never waits for
 * the network.
 */
#pragma once

#include "app.h"
#include "xr.h"

#include <stdbool.h>
#include <stdint.h>

#define TWO_PI 6.2831853f

struct xr_rig {
	float yaw;        /* the play area's turn in the world, radians */
	float centre[3];  /* stage point over the avatar's position */
	bool centred;
	bool snapped;     /* the turn stick is out: one snap per push */
	bool aiming;      /* the teleport stick is forward */
	float aim_x, aim_y;
	bool aim_ok;
	float speed;      /* the avatar's speed just now, m/s, for the vignette */
	int grab_hand;    /* the hand whose grip is held on an item, -1: none */
	int held_before;  /* the item held last frame (a buzz when it changes) */
	float last_x, last_y;
	uint64_t last_us;
};

/* What the frame draws of the room's shared state, copied while the
 * network thread is held off (gather_shared), drawn after. */
struct xr_shared {
	int item_count;
	struct cl_item_view items[SIM_MAX_ITEMS];
	int board_count;
	struct xr_board_place {
		int slot;
		float x0, y0, x1, y1, z0, z1;
	} boards[RND_BOARD_IMAGES];
};

/* app_xr_rig.c: the stage in the world */
/** A stage direction in world axes, turned by the rig. */
void to_world_dir(const struct xr_rig *rig, const float v[3], float out[3]);
/** A stage rotation as a world one. */
void to_world_quat(const struct xr_rig *rig, const float q[4], float out[4]);
/** A stage point in the world, the avatar standing at (ax, ay). */
void to_world_point(const struct xr_rig *rig, float ax, float ay, const float p[3], float out[3]);
/** Rotates v by the unit quaternion q (x, y, z, w). */
void qrot(const float q[4], const float v[3], float out[3]);
/** An eye's view-projection (column-major) from world metres. */
void eye_view_proj(const struct xr_rig *rig, float ax, float ay, const struct xr_view *e,
		   float out[16]);
/** Where a stage orientation looks, as a world yaw (radians). */
float yaw_of_forward(const struct xr_rig *rig, const float q[4]);

/* app_xr_draw.c: a frame */
/** Where board b stands in the VR room (app_board_wall, out of its wall). */
void board_face(const struct app *a, int b, float *x0, float *y0, float *x1, float *y1,
		float *z0, float *z1);
/** Copies out what the frame draws of the room's shared state (under the
 * network thread's lock): the items, the boards' images brought up to date. */
void gather_shared(struct app *a, uint64_t now_us, struct xr_shared *sh);
/** Draws both eyes; false when the frame could not be (it then ends empty). */
bool draw_frame(struct app *a, struct xr_rig *rig, const struct xr_frame *f,
		const struct xr_input *in, float ax, float ay, const struct xr_shared *sh);
