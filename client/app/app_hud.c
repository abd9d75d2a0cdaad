/*
 * app_hud.c: the heads-up display. Where you are (zone, room), how the
 * connection is (RTT, loss, quality bars), the microphone, who is in the
 * room and in which role (and, while a lesson runs, each student's step and
 * points), join and leave notices, and a clear message with the reconnect
 * countdown when the server refuses or drops the connection.
 */
#include "app.h"

#include "plat.h"

#include <stdio.h>
#include <string.h>

#define PANEL 0xc0101218u
#define TEXT 0xfff2f4f8u
#define DIM 0xffa8b0bcu
#define GOOD 0xff5ee08au
#define FAIR 0xfff0c040u
#define POOR 0xfff05a5au

static float line(struct app *a)
{
	return rnd_line_height(a->rnd, RND_FONT_SMALL) + 3.0f;
}

static void status_panel(struct app *a)
{
	struct rnd *r = a->rnd;
	const float x = 14, y = 14, w = 300;
	float lh = line(a);
	float h = 16 + rnd_line_height(r, RND_FONT_LARGE) + 3 * lh;
	rnd_rect(r, x, y, w, h, 10, PANEL);
	const char *zone = "-";
	if (a->world && a->self_zone < a->world->zone_count)
		zone = a->world->zones[a->self_zone].name;
	float ty = y + 8;
	rnd_text(r, RND_FONT_LARGE, x + 12, ty, TEXT, zone);
	ty += rnd_line_height(r, RND_FONT_LARGE) + 2;
	char buf[160];
	if (a->link == APP_LINK_DEMO)
		snprintf(buf, sizeof(buf), "Demo class, %d avatars, world %s", a->avatar_count,
			 a->world ? a->world->name : "-");
	else
		snprintf(buf, sizeof(buf), "Room %s on %s",
			 a->conn.welcome.room[0] ? a->conn.welcome.room
						 : a->opt.room ? a->opt.room : "(from the token)",
			 a->opt.server);
	rnd_text(r, RND_FONT_SMALL, x + 12, ty, DIM, buf);
	ty += lh;

	/* connection quality: round trip and snapshot loss, live from the snapshots */
	uint32_t rtt = 0;
	float loss = 0;
	bool up = a->link == APP_LINK_JOINED && a->conn.peer;
	if (up) {
		rtt = cl_conn_rtt_ms(&a->conn);
		loss = cl_conn_loss_pct(&a->conn);
	}
	int bars = !up ? 0 : (rtt < 80 && loss < 1) ? 4 : (rtt < 150 && loss < 3) ? 3
			 : (rtt < 300 && loss < 8) ? 2 : 1;
	uint32_t colour = bars >= 4 ? GOOD : bars >= 2 ? FAIR : POOR;
	for (int i = 0; i < 4; i++) {
		float bh = 4.0f + 3.0f * (float)i;
		rnd_rect(r, x + 12 + (float)i * 6, ty + lh - 4 - bh, 4, bh, 1,
			 i < bars ? colour : 0x60ffffffu);
	}
	if (a->link == APP_LINK_DEMO)
		snprintf(buf, sizeof(buf), "Offline (demo)");
	else if (up)
		snprintf(buf, sizeof(buf), "RTT %u ms, loss %.1f%%", rtt, loss);
	else
		snprintf(buf, sizeof(buf), "Not connected");
	rnd_text(r, RND_FONT_SMALL, x + 44, ty, up || a->link == APP_LINK_DEMO ? TEXT : POOR, buf);
	ty += lh;

	/* microphone: state, mode, and a level meter (-60..0 dBFS) */
	bool live = app_voice_transmitting(a);
	rnd_ring(r, x + 18, ty + lh * 0.5f - 1, 5, a->muted ? 2 : 5,
		 a->muted ? POOR : live ? GOOD : FAIR);
	const char *mic = a->muted ? "Mic muted (M)"
			  : a->link != APP_LINK_DEMO && !a->voice ? "No audio device"
			  : a->push_to_talk ? (live ? "Talking (V)" : "Hold V to talk (T)")
			  : live ? "Talking" : "Mic on (M)";
	float tw = rnd_text(r, RND_FONT_SMALL, x + 32, ty, TEXT, mic);
	if (a->voice && !a->muted) {
		float level = CORE_CLAMP((app_voice_level_db(a) + 60.0f) / 60.0f, 0.0f, 1.0f);
		float mx = x + 40 + tw, mw = 60;
		rnd_rect(r, mx, ty + lh * 0.5f - 3, mw, 6, 3, 0x60ffffffu);
		rnd_rect(r, mx, ty + lh * 0.5f - 3, mw * level, 6, 3, live ? GOOD : DIM);
	}
	if (a->broadcast)
		rnd_text(r, RND_FONT_SMALL, x + 32, ty + lh, FAIR, "To the whole room (Y)");
}

static void roster_panel(struct app *a)
{
	struct rnd *r = a->rnd;
	const struct rnd_stats *st = rnd_get_stats(r);
	float lh = line(a);
	int count = a->link == APP_LINK_DEMO ? a->avatar_count
		    : a->link == APP_LINK_JOINED ? a->conn.roster_count : 0;
	int shown = CORE_MIN(count, 18);
	const float w = 250;
	float x = (float)st->width - w - 14, y = 14;
	float h = 14 + rnd_line_height(r, RND_FONT_SMALL) + 6 + lh * (float)shown +
		  (count > shown ? lh : 0);
	rnd_rect(r, x, y, w, h, 10, PANEL);
	char buf[96];
	snprintf(buf, sizeof(buf), "In this room (%d)    Tab", count);
	rnd_text(r, RND_FONT_SMALL, x + 12, y + 8, DIM, buf);
	float ty = y + 14 + rnd_line_height(r, RND_FONT_SMALL);
	/* instructors first, then TAs, students, observers */
	int drawn = 0;
	for (int rank = 0; rank < 4 && drawn < shown; rank++) {
		for (int i = 0; i < count && drawn < shown; i++) {
			uint16_t id;
			uint8_t role;
			const char *name;
			char label[CL_LABEL_MAX];
			uint8_t status = 0;
			if (a->link == APP_LINK_DEMO) {
				id = a->avatars[i].id;
				role = a->avatars[i].role;
				name = a->avatars[i].name;
			} else {
				id = a->conn.roster[i].id;
				role = a->conn.roster[i].role;
				status = a->conn.roster[i].status;
				name = cl_roster_label(&a->conn.roster[i], label, sizeof(label));
			}
			if (app_role_rank(role) != rank)
				continue;
			if (id == a->selected_id && a->link == APP_LINK_JOINED)
				rnd_rect(r, x + 6, ty, w - 12, lh, 4, 0x50ffffffu);
			rnd_rect(r, x + 12, ty + 4, 10, 10, 5, 0xff000000u | app_colour_of(id));
			bool me = a->link == APP_LINK_DEMO ? i == 0 : id == a->conn.welcome.client_id;
			float tx = x + 30;
			tx += rnd_text(r, RND_FONT_SMALL, tx, ty, me ? 0xffffe7a0 : TEXT, name) + 8;
			if (role != PROTO_ROLE_STUDENT)
				tx += rnd_text(r, RND_FONT_SMALL, tx, ty, 0xff9fd0ff,
					       proto_role_name((enum proto_role)role)) + 8;
			/* What the server holds for them: muted, hand up, the floor. */
			if (a->link == APP_LINK_JOINED &&
			    cl_conn_member_muted(&a->conn, &a->conn.roster[i]))
				tx += rnd_text(r, RND_FONT_SMALL, tx, ty, POOR, "muted") + 8;
			if (a->link == APP_LINK_JOINED && a->conn.roster[i].speaking)
				tx += rnd_text(r, RND_FONT_SMALL, tx, ty, GOOD, "speaking") + 8;
			if (a->link == APP_LINK_JOINED && a->volume[id] > 0 && a->volume[id] != 1.0f) {
				char vol[16];
				snprintf(vol, sizeof(vol), "%.0f%%", a->volume[id] * 100);
				tx += rnd_text(r, RND_FONT_SMALL, tx, ty, DIM, vol) + 8;
			}
			/* The running lesson: where each student is and its points. */
			const struct cl_lesson *les = a->board ? &a->board->lesson : NULL;
			uint16_t au = a->link == APP_LINK_JOINED ? a->conn.roster[i].author : 0;
			if (les && les->info.active && au && au < SIM_BOARD_AUTHORS && les->enrolled[au]) {
				char prog[40];
				if (les->step[au] >= les->info.step_count)
					snprintf(prog, sizeof(prog), "done, %u pts",
						 (les->points[au] + 5) / 10);
				else
					snprintf(prog, sizeof(prog), "step %u/%u, %u pts",
						 les->step[au] + 1, les->info.step_count,
						 (les->points[au] + 5) / 10);
				tx += rnd_text(r, RND_FONT_SMALL, tx, ty, 0xfff0c878u, prog) + 8;
			}
			if (status & PROTO_STATUS_HAND)
				tx += rnd_text(r, RND_FONT_SMALL, tx, ty, FAIR, "hand") + 8;
			if (status & PROTO_STATUS_FLOOR)
				rnd_text(r, RND_FONT_SMALL, tx, ty, GOOD, "floor");
			ty += lh;
			drawn++;
		}
	}
	if (count > shown) {
		snprintf(buf, sizeof(buf), "and %d more", count - shown);
		rnd_text(r, RND_FONT_SMALL, x + 30, ty, DIM, buf);
	}
}

/* Raised hands, oldest first, and (for staff) the keys that act on the
 * roster; for students, how to raise a hand. */
static void moderation_panel(struct app *a)
{
	if (a->link != APP_LINK_JOINED)
		return;
	struct rnd *r = a->rnd;
	const struct rnd_stats *st = rnd_get_stats(r);
	const struct cl_conn *c = &a->conn;
	char buf[300];
	int n = snprintf(buf, sizeof(buf), "Hands up: ");
	for (int i = 0; i < c->hands.count && n < (int)sizeof(buf) - 40; i++) {
		const struct cl_roster_entry *e = cl_conn_roster_find(c, c->hands.ids[i]);
		char label[CL_LABEL_MAX];
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%s%s", i ? ", " : "",
			      e ? cl_roster_label(e, label, sizeof(label)) : "?");
	}
	const char *keys = app_is_staff(a)
				   ? "[ ] select   U mute   K remove   B ban   F floor   G move   "
				     "L lock   X mute all   Y speak to the room"
				   : "H raise or lower your hand";
	float y = (float)st->height - 2 * line(a) - 30;
	if (c->hands.count) {
		float tw = rnd_text_width(r, RND_FONT_SMALL, buf);
		rnd_rect(r, 14, y - line(a) - 12, tw + 24, line(a) + 8, 8, PANEL);
		rnd_text(r, RND_FONT_SMALL, 26, y - line(a) - 8, FAIR, buf);
	}
	const struct cl_roster_entry *me = cl_conn_roster_find(c, c->welcome.client_id);
	char line2[200];
	snprintf(line2, sizeof(line2), "%s%s%s", keys,
		 me && cl_conn_member_muted(c, me) ? "   (staff muted you)" : "",
		 a->room_locked ? "   room locked" : "");
	float tw = rnd_text_width(r, RND_FONT_SMALL, line2);
	rnd_rect(r, 14, y, tw + 24, line(a) + 8, 8, 0x90101218u);
	rnd_text(r, RND_FONT_SMALL, 26, y + 4, DIM, line2);
}

static void notices(struct app *a, uint64_t now_us)
{
	struct rnd *r = a->rnd;
	const struct rnd_stats *st = rnd_get_stats(r);
	float y = 16;
	for (int i = 0; i < APP_MAX_NOTICES; i++) {
		const struct app_notice *n = &a->notices[i];
		if (n->until_us <= now_us || !n->text[0])
			continue;
		float tw = rnd_text_width(r, RND_FONT_SMALL, n->text);
		float x = ((float)st->width - tw) * 0.5f;
		rnd_rect(r, x - 12, y, tw + 24, line(a) + 8, 8, PANEL);
		rnd_text(r, RND_FONT_SMALL, x, y + 5, n->argb, n->text);
		y += line(a) + 12;
	}
}

static void link_overlay(struct app *a, uint64_t now_us)
{
	if (a->link == APP_LINK_JOINED || a->link == APP_LINK_DEMO)
		return;
	struct rnd *r = a->rnd;
	const struct rnd_stats *st = rnd_get_stats(r);
	char second[160] = "";
	if (a->link == APP_LINK_WAITING) {
		uint64_t left = a->reconnect_at_us > now_us ? a->reconnect_at_us - now_us : 0;
		snprintf(second, sizeof(second), "Reconnecting in %llu s (attempt %d). Esc twice quits.",
			 (unsigned long long)(left + 999999u) / 1000000u, a->attempts + 1);
	} else if (a->link == APP_LINK_CONNECTING && a->attempts > 1) {
		snprintf(second, sizeof(second), "Attempt %d", a->attempts);
	}
	const char *first = a->link_message[0] ? a->link_message : "Connecting ...";
	if (a->world_error[0])
		first = a->world_error;
	float w1 = rnd_text_width(r, RND_FONT_LARGE, first);
	float w2 = rnd_text_width(r, RND_FONT_SMALL, second);
	float w = CORE_MAX(w1, w2) + 48;
	w = CORE_MIN(w, (float)st->width - 20);
	float h = rnd_line_height(r, RND_FONT_LARGE) + line(a) + 36;
	float x = ((float)st->width - w) * 0.5f, y = ((float)st->height - h) * 0.5f;
	rnd_rect(r, x, y, w, h, 12, 0xe0141820);
	rnd_rect(r, x, y, 6, h, 3, a->link == APP_LINK_CONNECTING ? FAIR : POOR);
	rnd_text(r, RND_FONT_LARGE, x + 24, y + 14, TEXT, first);
	rnd_text(r, RND_FONT_SMALL, x + 24, y + 20 + rnd_line_height(r, RND_FONT_LARGE), DIM, second);
}

static void help_line(struct app *a)
{
	struct rnd *r = a->rnd;
	const struct rnd_stats *st = rnd_get_stats(r);
	const char *help = a->link == APP_LINK_DEMO
				   ? "WASD/arrows move   click: walk or take a seat   E sit/stand   "
				     "wheel zoom   M mic   Tab roster   F11 fullscreen   Esc Esc leave"
				   : "WASD/arrows move   click: walk or take a seat   E sit/stand   "
				     "wheel zoom   M mic   T push-to-talk (V)   , . volume   "
				     "Enter chat   F2 board   Tab roster   Esc Esc leave";
	float tw = rnd_text_width(r, RND_FONT_SMALL, help);
	float y = (float)st->height - line(a) - 16;
	rnd_rect(r, 14, y, tw + 24, line(a) + 8, 8, 0x90101218u);
	rnd_text(r, RND_FONT_SMALL, 26, y + 4, DIM, help);
}

static void stats_box(struct app *a)
{
	struct rnd *r = a->rnd;
	const struct rnd_stats *st = rnd_get_stats(r);
	char buf[200];
	snprintf(buf, sizeof(buf), "cpu %.2f ms  draws %u  avatars %u  %.100s", st->cpu_ms, st->draw_calls,
		 st->avatars, st->device_name);
	float tw = rnd_text_width(r, RND_FONT_SMALL, buf);
	float x = (float)st->width - tw - 26, y = (float)st->height - 2 * line(a) - 30;
	rnd_rect(r, x - 12, y, tw + 24, line(a) + 8, 8, 0x90101218u);
	rnd_text(r, RND_FONT_SMALL, x, y + 4, DIM, buf);
}

void app_hud_draw(struct app *a, uint64_t now_us)
{
	status_panel(a);
	if (a->roster_open)
		roster_panel(a);
	moderation_panel(a);
	app_board_draw(a, now_us);
	app_chat_draw(a, now_us);
	notices(a, now_us);
	link_overlay(a, now_us);
	help_line(a);
	if (a->opt.stats)
		stats_box(a);
}
