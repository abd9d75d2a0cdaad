/*
 * app_moderate.c: moderation as the desktop user sees it. Everyone sees
 * what staff do in notices (who did what to whom), a student sees that they
 * were muted, moved or removed and by whom, and raises a hand with H; staff
 * pick a member in the roster ([ and ]) and act on them: U mute, K remove,
 * B remove for the session, F give the floor, G move to the next zone, and
 * on the room: L lock, X mute everyone but staff and the floor. The server
 * decides; a refusal comes back as a notice.
 */
#include "app.h"

#include "proto/perm.h"

#include <stdio.h>
#include <string.h>

#define NOTICE_MOD 0xfff0c878u
#define NOTICE_REFUSED 0xfff05a5au

int app_role_rank(uint8_t role)
{
	return role == PROTO_ROLE_INSTRUCTOR ? 0 : role == PROTO_ROLE_TA ? 1
	       : role == PROTO_ROLE_STUDENT ? 2 : 3;
}

int app_roster_order(const struct app *a, int *out, int max)
{
	const struct cl_conn *c = &a->conn;
	int n = 0;
	for (int rank = 0; rank < 4; rank++)
		for (int i = 0; i < c->roster_count && n < max; i++)
			if (app_role_rank(c->roster[i].role) == rank)
				out[n++] = i;
	return n;
}

bool app_is_staff(const struct app *a)
{
	return a->link == APP_LINK_JOINED &&
	       proto_role_is_staff((enum proto_role)a->conn.welcome.role);
}

static const char *name_of(const struct app *a, uint16_t id, char *buf, size_t size)
{
	if (id == a->conn.welcome.client_id)
		return "you";
	const struct cl_roster_entry *e = cl_conn_roster_find(&a->conn, id);
	return e ? cl_roster_label(e, buf, size) : "someone";
}

static void on_event(struct app *a, const struct proto_mod_event *m)
{
	char target[CL_LABEL_MAX];
	const bool me = m->target == a->conn.welcome.client_id;
	const char *who = name_of(a, m->target, target, sizeof(target));
	const char *actor = m->actor_name;
	uint32_t colour = me ? APP_NOTICE_ME : NOTICE_MOD;
	if (m->refused) {
		app_notice(a, NOTICE_REFUSED, "Not done: %.90s", m->text);
		return;
	}
	switch (m->action) {
	case PROTO_MSG_MUTE:
		app_notice(a, colour, "%.31s %s %s", actor, m->flag ? "muted" : "unmuted", who);
		break;
	case PROTO_MSG_MUTE_ALL:
		app_notice(a, NOTICE_MOD, m->flag ? "%.31s muted everyone but staff and the floor"
						  : "%.31s lifted the room's mute",
			   actor);
		break;
	case PROTO_MSG_KICK:
		app_notice(a, colour, "%.31s removed %s%s%s%.60s", actor, who,
			   m->flag ? " for the session" : "", m->text[0] ? ": " : "", m->text);
		break;
	case PROTO_MSG_LOCK:
		a->room_locked = m->flag;
		app_notice(a, NOTICE_MOD, "%.31s %s the room", actor, m->flag ? "locked" : "unlocked");
		break;
	case PROTO_MSG_HAND:
		if (m->flag)
			app_notice(a, NOTICE_MOD, "%s raised a hand", me ? "You" : actor);
		break;
	case PROTO_MSG_FLOOR:
		app_notice(a, colour, "%.31s %s %s", actor,
			   m->flag ? "gave the floor to" : "took the floor back from", who);
		break;
	case PROTO_MSG_MOVE_USER:
		app_notice(a, colour, "%.31s moved %s to %.40s", actor, who, m->text);
		break;
	case PROTO_MSG_ITEM:
		app_item_sent_home(a, m, who);
		break;
	default:
		break;
	}
}

void app_moderate_events(struct app *a)
{
	struct cl_event ev;
	while (cl_conn_next_event(&a->conn, &ev)) {
		if (ev.type == CL_EVENT_MODERATION)
			on_event(a, &ev.mod);
		else if (ev.type == CL_EVENT_ROSTER && ev.roster.change == CL_ROSTER_JOINED)
			app_notice(a, 0xffd8e2ee, "%s joined", ev.roster.name);
		else if (ev.type == CL_EVENT_ROSTER && ev.roster.change == CL_ROSTER_LEFT)
			app_notice(a, 0xffb8c0cc, "%s left", ev.roster.name);
		else
			app_chat_event(a, &ev, a->conn.service_now_us);
		app_board_event(a, &ev);
		app_item_event(a, &ev);
	}
}

/* The member selected in the roster, 0 when none (or they left). */
static uint16_t selected(struct app *a)
{
	if (!cl_conn_roster_find(&a->conn, a->selected_id))
		a->selected_id = 0;
	return a->selected_id;
}

static void select_step(struct app *a, int step)
{
	int order[CL_MAX_ROSTER];
	int n = app_roster_order(a, order, CL_MAX_ROSTER);
	if (!n)
		return;
	int at = -1;
	for (int i = 0; i < n; i++)
		if (a->conn.roster[order[i]].id == a->selected_id)
			at = i;
	at = at < 0 ? (step > 0 ? 0 : n - 1) : (at + step + n) % n;
	a->selected_id = a->conn.roster[order[at]].id;
	a->roster_open = true;
}

static void request(struct app *a, uint8_t type, uint16_t target, bool flag, const char *text)
{
	if (cl_conn_moderate(&a->conn, type, target, flag, text) != CORE_OK)
		app_notice(a, NOTICE_REFUSED, "Could not send the request");
}

/* On the selected member: NULL and a notice when there is none. */
static const struct cl_roster_entry *target(struct app *a)
{
	const struct cl_roster_entry *e = cl_conn_roster_find(&a->conn, selected(a));
	if (!e)
		app_notice(a, NOTICE_REFUSED, "Select someone in the roster first ([ and ])");
	return e;
}

void app_moderate_input(struct app *a)
{
	const struct plat_input *in = &a->input;
	if (a->link != APP_LINK_JOINED)
		return;
	if (in->pressed[PLAT_ACT_SELECT_NEXT])
		select_step(a, in->pressed[PLAT_ACT_SELECT_NEXT]);
	if (in->pressed[PLAT_ACT_SELECT_PREV])
		select_step(a, -in->pressed[PLAT_ACT_SELECT_PREV]);
	const struct cl_roster_entry *me = cl_conn_roster_find(&a->conn, a->conn.welcome.client_id);
	if (in->pressed[PLAT_ACT_HAND] % 2)
		request(a, PROTO_MSG_HAND, 0, !(me && (me->status & PROTO_STATUS_HAND)), NULL);
	const struct cl_roster_entry *t;
	if (in->pressed[PLAT_ACT_MOD_MUTE] % 2 && (t = target(a)))
		request(a, PROTO_MSG_MUTE, t->id, !(t->status & PROTO_STATUS_MUTED), NULL);
	if (in->pressed[PLAT_ACT_MOD_KICK] && (t = target(a)))
		request(a, PROTO_MSG_KICK, t->id, false, "removed by staff");
	if (in->pressed[PLAT_ACT_MOD_BAN] && (t = target(a)))
		request(a, PROTO_MSG_KICK, t->id, true, "removed by staff for the session");
	if (in->pressed[PLAT_ACT_MOD_FLOOR] % 2 && (t = target(a)))
		request(a, PROTO_MSG_FLOOR, t->id, !(t->status & PROTO_STATUS_FLOOR), NULL);
	if (in->pressed[PLAT_ACT_MOD_MOVE] && (t = target(a)) && a->world && a->world->zone_count) {
		/* Each press, the next of the world's zones. */
		int zone = a->move_zone_next++ % a->world->zone_count;
		request(a, PROTO_MSG_MOVE_USER, t->id, true, a->world->zones[zone].name);
	}
	if (in->pressed[PLAT_ACT_MOD_LOCK] % 2)
		request(a, PROTO_MSG_LOCK, 0, !a->room_locked, NULL);
	if (in->pressed[PLAT_ACT_MOD_MUTE_ALL] % 2)
		request(a, PROTO_MSG_MUTE_ALL, 0, !a->conn.room_mute_all, NULL);
}
