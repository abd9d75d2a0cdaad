/* Items in the desktop client: Q picks up the nearest item within reach
 * (or puts down the one held), a held item is carried in front of the
 * avatar and its place streamed to the server; every item is drawn where
 * the snapshots say (interpolated), the one we carry where we carry it. */
#include "app.h"
#include "plat.h"

#include <math.h>
#include <string.h>

#define CARRY_AHEAD_M 0.4f
#define CARRY_HEIGHT_M 1.1f
#define ITEM_COLOUR 0xf0f0c040u
#define HELD_COLOUR 0xf060d0f0u

/* Where the item we hold is: in front of us at CARRY_HEIGHT_M, or in the
 * hand that holds it (a headset, app_xr.c). */
static void carry_point(const struct app *a, float *x, float *y, float *z)
{
	if (a->carry.valid) {
		*x = a->carry.m[0], *y = a->carry.m[1], *z = CORE_MAX(a->carry.m[2], 0.0f);
		return;
	}
	*z = CARRY_HEIGHT_M;
	const struct sim_avatar *me = &a->conn.predicted;
	float yaw = (float)me->yaw * 6.2831853f / 65536.0f;
	*x = (float)me->pos_x_mm / 1000.0f + CARRY_AHEAD_M * cosf(yaw);
	*y = (float)me->pos_y_mm / 1000.0f + CARRY_AHEAD_M * sinf(yaw);
}

static const char *item_name(const struct app *a, int i)
{
	return a->world->items[i].name[0] ? a->world->items[i].name : "item";
}

void app_item_input(struct app *a)
{
	if (!(a->input.pressed[PLAT_ACT_GRAB] % 2))
		return;
	struct cl_conn *c = &a->conn;
	int held = cl_item_held(c);
	if (held >= 0) {
		(void)cl_item_request(c, (uint8_t)held, PROTO_ITEM_RELEASE);
		return;
	}
	struct cl_item_view v[SIM_MAX_ITEMS];
	int n = cl_conn_view_items(c, plat_time_us(), v, SIM_MAX_ITEMS), best = -1;
	int64_t best_d2 = INT64_MAX;
	for (int i = 0; i < n; i++) {
		int64_t dx = v[i].x_mm - c->predicted.pos_x_mm, dy = v[i].y_mm - c->predicted.pos_y_mm;
		if (dx * dx + dy * dy < best_d2) {
			best_d2 = dx * dx + dy * dy;
			best = i;
		}
	}
	if (best < 0 || best_d2 > (int64_t)SIM_ITEM_REACH_MM * SIM_ITEM_REACH_MM) {
		if (best < 0)
			app_notice(a, 0xffe8b86c, "Nothing to pick up here");
		else
			app_notice(a, 0xffe8b86c, "Nothing to pick up within %.1f m (the %s is %.1f m away)",
				   SIM_ITEM_REACH_MM / 1000.0, item_name(a, v[best].index),
				   sqrt((double)best_d2) / 1000.0);
		return;
	}
	if (v[best].holder) {
		const struct cl_roster_entry *h = cl_conn_roster_find(c, v[best].holder);
		app_notice(a, 0xffe8b86c, "%s holds the %s", h ? h->name : "Someone",
			   item_name(a, v[best].index));
		return;
	}
	(void)cl_item_request(c, v[best].index, PROTO_ITEM_GRAB);
}

void app_item_tick(struct app *a, uint64_t now_us)
{
	int held = cl_item_held(&a->conn);
	/* At half the tick rate: the server keeps the newest, others interpolate. */
	if (held < 0 || now_us - a->item_sent_us < 50000)
		return;
	float x, y, z;
	carry_point(a, &x, &y, &z);
	if (cl_item_carry(&a->conn, (uint8_t)held, (int32_t)lroundf(x * 1000.0f),
			  (int32_t)lroundf(y * 1000.0f), (int32_t)lroundf(z * 1000.0f),
			  a->conn.predicted.yaw) == CORE_OK)
		a->item_sent_us = now_us;
}

/* A "put down" this soon after its item was sent home is that, said already. */
#define HOME_NOTICE_US 3000000u

void app_item_event(struct app *a, const struct cl_event *ev)
{
	if (ev->type != CL_EVENT_ITEM || !a->world || ev->item.index >= a->world->item_count)
		return;
	uint64_t *home = &a->item_home_us[ev->item.index];
	if (!ev->item.holder && *home && a->conn.service_now_us - *home < HOME_NOTICE_US) {
		*home = 0;
		return;
	}
	uint16_t me = a->conn.welcome.client_id, who = ev->item.holder ? ev->item.holder : ev->item.before;
	const struct cl_roster_entry *e = cl_conn_roster_find(&a->conn, who);
	char label[CL_LABEL_MAX];
	const char *name = who == me ? "You" : e ? cl_roster_label(e, label, sizeof(label)) : "Someone";
	app_notice(a, 0xffc8d8f0, "%s %s the %s", name, ev->item.holder ? "picked up" : "put down",
		   item_name(a, ev->item.index));
}

void app_item_sent_home(struct app *a, const struct proto_mod_event *m, const char *from)
{
	const bool mine = m->target == a->conn.welcome.client_id;
	/* The item of that name its holder still holds here: the snapshot
	 * that shows it put down is yet to come (one that came first showed
	 * "put down" already, and nothing is marked). */
	struct cl_item_view v[SIM_MAX_ITEMS];
	int n = m->target && a->world ? cl_conn_view_items(&a->conn, a->conn.service_now_us, v,
							       SIM_MAX_ITEMS)
				      : 0;
	for (int i = 0; i < n; i++)
		if (v[i].holder == m->target && v[i].index < a->world->item_count &&
		    strcmp(item_name(a, v[i].index), m->text) == 0)
			a->item_home_us[v[i].index] = a->conn.service_now_us;
	if (!m->target)
		app_notice(a, 0xffc8d8f0, "%.31s sent the %.40s home", m->actor_name, m->text);
	else
		app_notice(a, mine ? APP_NOTICE_ME : 0xffc8d8f0, "%.31s sent the %.40s home from %s",
			   m->actor_name, m->text, mine ? "your hands" : from);
}

void app_item_draw(struct app *a, uint64_t now_us)
{
	struct cl_item_view v[SIM_MAX_ITEMS];
	int n = a->link == APP_LINK_JOINED ? cl_conn_view_items(&a->conn, now_us, v, SIM_MAX_ITEMS) : 0;
	if (n == 0) { /* not joined yet: where the world puts them */
		for (int i = 0; i < a->world->item_count; i++) {
			float x = (float)a->world->items[i].pos.x_mm / 1000.0f;
			float y = (float)a->world->items[i].pos.y_mm / 1000.0f;
			float z = (float)a->world->items[i].height_mm / 1000.0f + 0.01f;
			rnd_draw_decal(a->rnd, x, y, z, 0.12f, 0, ITEM_COLOUR);
			rnd_draw_decal(a->rnd, x, y, z, 0.2f, 1, 0xc0f0c040);
		}
		return;
	}
	uint16_t me = a->conn.welcome.client_id;
	for (int i = 0; i < n; i++) {
		float x = (float)v[i].x_mm / 1000.0f, y = (float)v[i].y_mm / 1000.0f;
		float z = (float)v[i].z_mm / 1000.0f + 0.01f;
		if (v[i].holder == me)
			carry_point(a, &x, &y, &z);
		uint32_t colour = v[i].holder ? HELD_COLOUR : ITEM_COLOUR;
		rnd_draw_decal(a->rnd, x, y, z, 0.12f, 0, colour);
		rnd_draw_decal(a->rnd, x, y, z, 0.2f, 1, (colour & 0x00ffffffu) | 0xc0000000u);
		if (z > 0.05f) /* its shadow on the floor */
			rnd_draw_decal(a->rnd, x, y, 0.0f, 0.14f, 2, 0x50000000);
	}
}
