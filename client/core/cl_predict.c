/* Prediction and reconciliation of the local avatar (cg_predict.c is the
 * model): commands are applied at once; each snapshot's acked state is the
 * new base and the pending commands are replayed on it. A correction under
 * CL_SNAP_ERROR_MM is blended away over CL_SMOOTH_FRAMES rendered frames;
 * a larger one (teleport, a seat taken, a kick) snaps. */
#include "cl.h"

#include <string.h>

struct sim_occupancy cl_conn_occupancy(const struct cl_conn *c)
{
	return (struct sim_occupancy){.self = c->welcome.client_id,
				      .seat_holder = c->seat_holder,
				      .door_holder = c->door_holder};
}

/* Who holds which seat and door, from the avatars of this client's zone. */
static void update_occupancy(struct cl_conn *c)
{
	const struct proto_snapshot *s = &c->snap;
	memset(c->seat_holder, 0, sizeof(c->seat_holder));
	memset(c->door_holder, 0, sizeof(c->door_holder));
	for (int i = 0; i < s->count; i++) {
		const struct sim_avatar *a = &s->avatars[i].state;
		if (a->seat < SIM_MAX_SEATS)
			c->seat_holder[a->seat] = s->avatars[i].id;
		if (a->door < SIM_MAX_DOORS)
			c->door_holder[a->door] = s->avatars[i].id;
	}
}

void cl_predict_reconcile(struct cl_conn *c)
{
	const struct proto_snapshot *s = &c->snap;
	update_occupancy(c);
	if (!s->ack_tick && c->next_tick > 1)
		return; /* the server has applied nothing yet: keep predicting */
	struct sim_occupancy occ = cl_conn_occupancy(c);
	struct sim_avatar state = s->self;
	for (uint32_t t = s->ack_tick + 1; s->ack_tick && (int32_t)(c->next_tick - t) > 0; t++) {
		const struct sim_cmd *cmd = &c->history[t & (CL_CMD_HISTORY - 1)];
		if (cmd->tick != t)
			break; /* older than the ring: keep what we have */
		sim_step(c->world, c->welcome.tick_hz, &occ, &state, cmd);
	}
	const struct sim_avatar *old = &c->predicted;
	if (!memcmp(&state, old, sizeof(state)))
		return;
	int64_t dx = (int64_t)old->pos_x_mm - state.pos_x_mm;
	int64_t dy = (int64_t)old->pos_y_mm - state.pos_y_mm;
	int32_t err = (int32_t)core_isqrt64((uint64_t)(dx * dx + dy * dy));
	c->stats.corrections++;
	if (err > c->stats.largest_correction_mm)
		c->stats.largest_correction_mm = err;
	/* What the player sees moves from where it was drawn to the corrected
	 * place: keep the old error as an offset that fades. */
	int64_t shown_dx = dx + c->smooth_dx_mm * c->smooth_frames_left / CL_SMOOTH_FRAMES;
	int64_t shown_dy = dy + c->smooth_dy_mm * c->smooth_frames_left / CL_SMOOTH_FRAMES;
	if (err > CL_SNAP_ERROR_MM || state.seat != old->seat) {
		c->stats.snaps += err > CL_SNAP_ERROR_MM;
		c->smooth_dx_mm = c->smooth_dy_mm = 0;
		c->smooth_frames_left = 0;
	} else if (shown_dx || shown_dy) {
		c->smooth_dx_mm = (int32_t)shown_dx;
		c->smooth_dy_mm = (int32_t)shown_dy;
		c->smooth_frames_left = CL_SMOOTH_FRAMES;
		c->smooth_frames_used = 0;
	}
	c->predicted = state;
}

struct sim_avatar cl_conn_view_self(struct cl_conn *c)
{
	struct sim_avatar v = c->predicted;
	if (c->smooth_frames_left > 0) {
		c->smooth_frames_left--;
		c->smooth_frames_used++;
		v.pos_x_mm += c->smooth_dx_mm * c->smooth_frames_left / CL_SMOOTH_FRAMES;
		v.pos_y_mm += c->smooth_dy_mm * c->smooth_frames_left / CL_SMOOTH_FRAMES;
		if (c->smooth_frames_left == 0 && c->smooth_frames_used > c->stats.max_converge_frames)
			c->stats.max_converge_frames = c->smooth_frames_used;
	}
	return v;
}
