/* What the bots measure and the JSON report. */
#include "bot.h"
#include "plat.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bot_hist_add(struct bot_hist *h, double value)
{
	double bucket = value / h->width;
	h->buckets[bucket < BOT_HIST_BUCKETS && bucket >= 0 ? (int)bucket : BOT_HIST_BUCKETS]++;
	h->samples++;
	h->sum += value;
	if (value > h->max)
		h->max = value;
}

double bot_hist_percentile(const struct bot_hist *h, double p)
{
	if (!h->samples)
		return 0;
	uint64_t want = (uint64_t)ceil(p / 100.0 * (double)h->samples), seen = 0;
	for (int i = 0; i <= BOT_HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= want)
			return i == BOT_HIST_BUCKETS ? h->max : (i + 0.5) * h->width;
	}
	return h->max;
}

static json_t *hist_json(const struct bot_hist *h)
{
	return json_pack("{s:I,s:f,s:f,s:f,s:f,s:f}", "samples", (json_int_t)h->samples, "mean",
			 h->samples ? h->sum / (double)h->samples : 0.0, "p50",
			 bot_hist_percentile(h, 50), "p95", bot_hist_percentile(h, 95), "p99",
			 bot_hist_percentile(h, 99), "max", h->max);
}

static void seen_mark(struct bot *b, uint8_t zone, uint16_t id)
{
	int slot = zone == SIM_ZONE_NONE ? SIM_MAX_ZONES : zone;
	if (slot > SIM_MAX_ZONES || id > PROTO_MAX_CLIENT_ID)
		return;
	if (!b->seen[slot])
		b->seen[slot] = calloc(BOT_ID_SLOTS / 8, 1);
	if (b->seen[slot])
		b->seen[slot][id / 8] |= (uint8_t)(1u << (id % 8));
}

static void track_remote(struct bot_run *run, const struct proto_snapshot_avatar *a,
			 int64_t server_us)
{
	struct bot_remote_track *t = &run->remotes[a->id];
	int32_t x = a->state.pos_x_mm, y = a->state.pos_y_mm;
	if (!t->seen) {
		*t = (struct bot_remote_track){.seen = true, .min_x_mm = x, .max_x_mm = x,
					       .min_y_mm = y, .max_y_mm = y, .first_us = server_us,
					       .last_us = server_us, .first_x_mm = x, .first_y_mm = y,
					       .last_x_mm = x, .last_y_mm = y};
		return;
	}
	t->min_x_mm = CORE_MIN(t->min_x_mm, x);
	t->max_x_mm = CORE_MAX(t->max_x_mm, x);
	t->min_y_mm = CORE_MIN(t->min_y_mm, y);
	t->max_y_mm = CORE_MAX(t->max_y_mm, y);
	/* Every observer of a zone gets the same server ticks: count each once. */
	if (server_us <= t->last_us)
		return;
	int64_t dx = x - t->last_x_mm, dy = y - t->last_y_mm;
	t->path_mm += core_isqrt64((uint64_t)(dx * dx + dy * dy));
	t->last_us = server_us;
	t->last_x_mm = x;
	t->last_y_mm = y;
}

void bot_on_snapshot(struct bot_run *run, struct bot *b, uint64_t now_us)
{
	const struct proto_snapshot *s = &b->conn.snap;
	uint32_t now32 = (uint32_t)now_us;
	int64_t server_us = (int64_t)s->server_tick * 1000000 / b->conn.welcome.tick_hz;
	b->conn.snap_fresh = false;
	if (s->self.zone != b->last_zone && b->last_zone != SIM_ZONE_NONE)
		b->zone_changes++;
	b->last_zone = s->self.zone;
	b->min_x_mm = CORE_MIN(b->min_x_mm, s->self.pos_x_mm);
	b->max_x_mm = CORE_MAX(b->max_x_mm, s->self.pos_x_mm);
	b->min_y_mm = CORE_MIN(b->min_y_mm, s->self.pos_y_mm);
	b->max_y_mm = CORE_MAX(b->max_y_mm, s->self.pos_y_mm);
	for (int i = 0; i < s->count; i++) {
		const struct proto_snapshot_avatar *a = &s->avatars[i];
		seen_mark(b, s->self.zone, a->id);
		if (a->has_pose)
			b->posed_records++;
		else
			b->plain_records++;
		if (a->id <= PROTO_MAX_CLIENT_ID)
			track_remote(run, a, server_us);
		if (!a->send_time_us || a->send_time_us == b->last_send_time[a->id])
			continue;
		b->last_send_time[a->id] = a->send_time_us;
		bot_hist_add(&run->latency_ms, (double)(uint32_t)(now32 - a->send_time_us) / 1000.0);
	}
	if (b->crowd)
		bot_crowd_on_snapshot(run, b, now_us);
}

/* Where bot t truly was when it sampled the command of time t_us. */
static bool true_position(const struct bot *t, uint32_t t_us, int32_t *x, int32_t *y)
{
	uint32_t n = t->traj_count < BOT_TRAJ ? t->traj_count : BOT_TRAJ;
	for (uint32_t back = 0; back + 1 < n; back++) {
		const struct bot_traj_sample *b = &t->traj[(t->traj_count - 1 - back) & (BOT_TRAJ - 1)];
		const struct bot_traj_sample *a = &t->traj[(t->traj_count - 2 - back) & (BOT_TRAJ - 1)];
		int32_t from_a = (int32_t)(t_us - a->t_us), span = (int32_t)(b->t_us - a->t_us);
		if (from_a < 0 || span <= 0)
			continue;
		if (from_a > span)
			return false; /* newer than the newest: not known yet */
		*x = a->x_mm + (int32_t)((int64_t)(b->x_mm - a->x_mm) * from_a / span);
		*y = a->y_mm + (int32_t)((int64_t)(b->y_mm - a->y_mm) * from_a / span);
		return true;
	}
	return false;
}

void bot_measure_views(struct bot_run *run, struct bot *b, uint64_t now_us)
{
	struct cl_view views[CL_MAX_REMOTES];
	int n = cl_conn_view_remotes(&b->conn, now_us, views, CL_MAX_REMOTES);
	for (int i = 0; i < n; i++) {
		b->posed_views += views[i].has_pose;
		const struct bot *t = views[i].id <= PROTO_MAX_CLIENT_ID ? run->by_id[views[i].id] : NULL;
		int32_t x, y;
		/* Only bots whose own prediction was never corrected know their truth. */
		if (!t || t->conn.stats.corrections || !true_position(t, views[i].send_time_us, &x, &y))
			continue;
		int64_t dx = views[i].x_mm - x, dy = views[i].y_mm - y;
		bot_hist_add(&run->interp_error_mm, (double)core_isqrt64((uint64_t)(dx * dx + dy * dy)));
	}
}

void bot_window_mark(struct bot *b)
{
	struct net_host_stats ns;
	net_host_stats(b->conn.host, &ns); /* zeros without a host */
	b->window_snapshots0 = b->conn.stats.snapshots;
	b->sent_bytes0 = ns.bytes_sent;
	b->recv_bytes0 = ns.bytes_received;
	b->sent_packets0 = ns.datagrams_sent;
	b->recv_packets0 = ns.datagrams_received;
}

static const char *zone_label(const struct sim_world *w, int slot)
{
	return !w || slot >= w->zone_count ? "none" : w->zones[slot].name;
}

static json_t *point_json(int32_t x_mm, int32_t y_mm)
{
	return json_pack("[f,f]", x_mm / 1000.0, y_mm / 1000.0);
}

static json_t *extent_json(int32_t x0, int32_t x1, int32_t y0, int32_t y1)
{
	return json_pack("{s:f,s:f,s:f,s:f}", "min_x", x0 / 1000.0, "max_x", x1 / 1000.0, "min_y",
			 y0 / 1000.0, "max_y", y1 / 1000.0);
}

/* The room's items as this bot saw them last (every bot in a world with
 * items): who holds each, where, how far from its spawn it was seen; and
 * what a grab bot asked for and got. */
static void items_report(const struct bot_run *run, const struct bot *b, json_t *o)
{
	const struct cl_conn *c = &b->conn;
	if (!c->item_count)
		return;
	json_t *items = json_array();
	for (int i = 0; i < c->item_count; i++) {
		const struct cl_item_track *t = &c->items[i];
		if (!t->count)
			continue;
		const struct proto_item *s = &t->samples[(t->count - 1) & (CL_ITEM_SAMPLES - 1)].state;
		const struct cl_roster_entry *h = s->holder ? cl_conn_roster_find(c, s->holder) : NULL;
		json_array_append_new(
			items, json_pack("{s:s,s:i,s:s,s:o,s:f,s:f}", "name", c->world->items[i].name,
					 "holder", s->holder, "holder_name",
					 s->holder == c->welcome.client_id ? b->name : h ? h->name : "",
					 "position_m", point_json(s->x_cm * 10, s->y_cm * 10),
					 "height_m", s->z_cm / 100.0, "farthest_from_spawn_m",
					 b->grab.farthest_mm[i] / 1000.0));
	}
	json_object_set_new(o, "items", items);
	if (run->opt.behavior != BOT_GRAB)
		return;
	json_object_set_new(o, "grab",
			    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:i}", "asked", (json_int_t)b->grab.asks,
				      "granted", (json_int_t)b->grab.grabs, "refused",
				      (json_int_t)b->grab.refused, "put_down",
				      (json_int_t)b->grab.put_downs, "sent_home",
				      (json_int_t)b->grab.sent_home, "carry_moves",
				      (json_int_t)b->grab.carries, "holding", cl_item_held(c)));
}

static json_t *bot_json(const struct bot_run *run, const struct bot *b, double window_s)
{
	const struct cl_conn *c = &b->conn;
	struct net_host_stats ns;
	net_host_stats(c->host, &ns);
	json_t *o = json_pack("{s:i,s:s,s:i,s:s,s:b,s:s}", "index", b->index, "name", b->name, "id",
			      c->welcome.client_id, "state", cl_state_name(c->state), "joined",
			      b->joined_once, "home_zone",
			      b->home_zone == SIM_ZONE_NONE ? "none" : zone_label(c->world, b->home_zone));
	if (b->joined_once)
		json_object_set_new(o, "world", json_string(c->welcome.world));
	if (c->state == CL_STATE_REFUSED)
		json_object_set_new(o, "refused", json_string(c->refuse_message));
	else if (c->error[0])
		json_object_set_new(o, "error", json_string(c->error));
	if (!b->joined_once)
		return o;
	double w = window_s > 0 ? window_s : 1;
	json_t *seen = json_object();
	for (int slot = 0; slot < BOT_ZONE_SLOTS; slot++) {
		if (!b->seen[slot])
			continue;
		json_t *ids = json_array();
		for (int id = 0; id < BOT_ID_SLOTS; id++)
			if (b->seen[slot][id / 8] & (1u << (id % 8)))
				json_array_append_new(ids, json_integer(id));
		json_object_set_new(seen, zone_label(c->world, slot), ids);
	}
	const struct sim_avatar *self = &c->snap.self;
	json_object_set_new(o, "zone", json_string(zone_label(c->world, self->zone)));
	json_object_set_new(o, "zone_changes", json_integer(b->zone_changes));
	json_object_set_new(o, "seat", json_integer(self->seat == SIM_SEAT_NONE ? -1 : self->seat));
	json_object_set_new(o, "up_bytes_per_s",
			    json_real((double)(ns.bytes_sent - b->sent_bytes0) / w));
	json_object_set_new(o, "down_bytes_per_s",
			    json_real((double)(ns.bytes_received - b->recv_bytes0) / w));
	json_object_set_new(o, "up_packets_per_s",
			    json_real((double)(ns.datagrams_sent - b->sent_packets0) / w));
	json_object_set_new(o, "down_packets_per_s",
			    json_real((double)(ns.datagrams_received - b->recv_packets0) / w));
	json_object_set_new(o, "snapshots_per_s",
			    json_real((double)(c->stats.snapshots - b->window_snapshots0) / w));
	/* The figures its connection bars would show at the end. */
	json_object_set_new(o, "rtt_ms", json_integer(cl_conn_rtt_ms(c)));
	json_object_set_new(o, "snapshot_loss_pct", json_real(cl_conn_loss_pct(c)));
	json_object_set_new(o, "full_snapshots", json_integer((json_int_t)c->stats.full_snapshots));
	json_object_set_new(o, "decode_errors", json_integer((json_int_t)c->stats.decode_errors));
	json_object_set_new(o, "stray_datagrams", json_integer((json_int_t)(c->stats.stray + ns.stray)));
	json_object_set_new(o, "corrections", json_integer((json_int_t)c->stats.corrections));
	json_object_set_new(o, "largest_correction_mm", json_integer(c->stats.largest_correction_mm));
	json_object_set_new(o, "snaps", json_integer((json_int_t)c->stats.snaps));
	json_object_set_new(o, "vr_pose", json_boolean(c->has_pose));
	json_object_set_new(o, "speaking_events", json_integer((json_int_t)b->speaking_events));
	json_object_set_new(o, "board_messages_ignored", json_integer((json_int_t)c->stats.board_ignored));
	json_object_set_new(o, "seen_with_pose", json_integer((json_int_t)b->posed_records));
	json_object_set_new(o, "seen_without_pose", json_integer((json_int_t)b->plain_records));
	json_object_set_new(o, "views_with_pose", json_integer((json_int_t)b->posed_views));
	json_object_set_new(o, "max_converge_frames", json_integer(c->stats.max_converge_frames));
	json_object_set_new(o, "interp_delay_ms", json_real((double)c->clock.interp_delay_us / 1000.0));
	json_object_set_new(o, "clock_resets", json_integer(c->clock.resets));
	json_object_set_new(o, "server_position_m", point_json(self->pos_x_mm, self->pos_y_mm));
	json_object_set_new(o, "predicted_position_m",
			    point_json(c->predicted.pos_x_mm, c->predicted.pos_y_mm));
	json_object_set_new(o, "server_extent_m",
			    extent_json(b->min_x_mm, b->max_x_mm, b->min_y_mm, b->max_y_mm));
	json_object_set_new(o, "seen", seen);
	bot_moderate_report(b, o);
	bot_voice_report(run, b, o);
	bot_board_report(b, o);
	bot_chat_report(b, o);
	bot_lesson_report(b, o);
	items_report(run, b, o);
	return o;
}

static json_t *remotes_json(const struct bot_run *run)
{
	json_t *list = json_array();
	for (int id = 1; id < BOT_ID_SLOTS; id++) {
		const struct bot_remote_track *t = &run->remotes[id];
		if (!t->seen)
			continue;
		json_array_append_new(
			list, json_pack("{s:i,s:o,s:f,s:f}", "id", id, "extent_m",
					extent_json(t->min_x_mm, t->max_x_mm, t->min_y_mm, t->max_y_mm),
					"path_m", (double)t->path_mm / 1000.0, "seconds",
					(double)(t->last_us - t->first_us) / 1e6));
	}
	return list;
}

void bot_emit_error(const char *what, const char *detail)
{
	char msg[512];
	snprintf(msg, sizeof(msg), "%s%s%s", what, detail[0] ? " " : "", detail);
	json_t *ev = json_pack("{s:s,s:s}", "event", "error", "error", msg);
	if (ev) {
		json_dumpf(ev, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(ev);
	}
	printf("\n");
	fflush(stdout);
}

void bot_emit_event(const char *name)
{
	json_t *ev = json_pack("{s:s}", "event", name);
	if (ev) {
		json_dumpf(ev, stdout, JSON_COMPACT);
		json_decref(ev);
	}
	printf("\n");
	fflush(stdout);
}

int bot_report(struct bot_run *run)
{
	const struct bot_options *o = &run->opt;
	int still = 0, refused = 0, failed = 0;
	uint64_t decode_errors = 0, corrections = 0;
	json_t *list = json_array();
	for (int i = 0; i < o->count; i++) {
		struct bot *b = &run->bots[i];
		still += b->conn.state == CL_STATE_JOINED;
		refused += b->conn.state == CL_STATE_REFUSED;
		failed += b->conn.state == CL_STATE_FAILED;
		decode_errors += b->conn.stats.decode_errors;
		corrections += b->conn.stats.corrections;
		if (b->conn.state == CL_STATE_REFUSED && !b->gone)
			fprintf(stderr, "lyceum-bot: %s: refused by the server: %s\n", b->name,
				b->conn.refuse_message);
		else if (b->conn.state == CL_STATE_FAILED && !b->gone)
			fprintf(stderr, "lyceum-bot: %s: %s\n", b->name, b->conn.error);
		json_array_append_new(list, bot_json(run, b, run->window_s));
	}
	json_t *report = json_pack(
		"{s:s,s:s,s:i,s:i,s:i,s:i,s:i,s:f,s:f,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o}", "server",
		o->server, "room", o->room, "clients", o->count, "connected", run->joined,
		"still_connected", still, "refused", refused, "failed", failed, "join_seconds",
		run->join_s, "window_seconds", run->window_s, "decode_errors",
		(json_int_t)decode_errors, "corrections", (json_int_t)corrections, "latency_ms",
		hist_json(&run->latency_ms), "rtt_ms", hist_json(&run->rtt_ms), "interp_delay_ms",
		hist_json(&run->interp_delay_ms), "interp_error_mm", hist_json(&run->interp_error_mm),
		"remotes", remotes_json(run), "bots", list);
	if (o->behavior == BOT_LECTURE)
		json_object_set_new(report, "crowd", bot_crowd_report(run));
	if (bot_voice_wanted(o))
		json_object_set_new(report, "mouth_to_ear_ms", hist_json(&run->mouth_to_ear_ms));
	char *text = json_dumps(report, JSON_INDENT(1) | JSON_REAL_PRECISION(6));
	puts(text);
	fflush(stdout);
	if (o->report_file) {
		FILE *f = fopen(o->report_file, "w");
		if (!f || fputs(text, f) < 0 || fclose(f) != 0)
			fprintf(stderr, "lyceum-bot: cannot write report to %s\n", o->report_file);
	}
	free(text);
	json_decref(report);
	return still == o->count ? 0 : 1;
}

void bot_emit_result(json_t *r)
{
	if (!r) {
		bot_emit_error("cannot build the result", "");
		return;
	}
	json_dumpf(r, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
	printf("\n");
	fflush(stdout);
	json_decref(r);
}

double bot_round3(double v)
{
	return round(v * 1000.0) / 1000.0;
}
