/* lyceum-bot --scenario board-v1: the whiteboard load of
 * ../shared/bench/board-v1.md, exactly (bot_board_gen.c draws it).
 *
 * live: 30 clients on board 0 of one room, client i drawing as author i+1
 * on its own 50 ms tick shifted by i*50/30 ms; client N-1 drops its
 * connection --reconnect-at seconds into the window, keeps drawing while
 * away, and comes back with its resume ticket --offline seconds later.
 * join: 30 loaders (one per author) put the 10,000-stroke board on the
 * server, stroke by stroke in order; then --joins fresh clients join one
 * after another and receive it through the normal late-join path.
 *
 * Every client is a real client core with its own connection and board
 * replica; all live in this process, so an op's send time is known where
 * it arrives. Standard output is JSON lines only; logs go to stderr. With
 * --token-key the clients hold join tokens (a reconnect then keeps its
 * author number and its ops are applied once); without, an open server. */
#include "bot.h"
#include "bot_board_gen.h"
#include "net/ticket.h"
#include "plat.h"
#include "sim/world_load.h"

#include <jansson.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BV_MAX_CLIENTS 200
#define BV_JOIN_TIMEOUT_US 30000000u
#define BV_SETTLE_US 10000000u /* at most, for the last ops to reach everyone */
#define BV_OPS_PER_CLIENT 4096 /* send times kept, by op id */
#define BV_SAMPLE_US (1000000.0 / 60.0)

struct bv_options {
	const char *phase, *server, *token_key, *room;
	uint32_t seed;
	int clients, joins, strokes;
	double seconds, ramp, reconnect_at, offline;
};

struct bv_client {
	struct cl_conn conn;
	struct cl_board board;
	struct bv_run *run;
	bool retried; /* its first connection dropped before it joined */
	int index;
	char name[32];
	char token[PROTO_TOKEN_MAX + 1];
	uint8_t ticket[PROTO_TICKET_MAX];
	uint8_t server_key[32];
	struct bb_pen pen;
	uint32_t stroke_op[2];  /* op id of the current stroke's begin */
	uint32_t stroke_idx;
	int64_t next_tick;
	uint64_t t0_us;         /* its tick 0 */
	/* by op id: when it was sent, and the sample time of its first point */
	uint64_t *sent_us, *first_sample_us;
	uint8_t *in_window;
	bool offline, back;
	uint64_t back_started_us, resync_ms_x1000;
	bool resynced;
};

struct bv_run {
	struct bv_options opt;
	struct bv_client *c;
	int count;
	int by_author[SIM_BOARD_AUTHORS]; /* author number -> client index + 1 */
	struct bot_hist sent_ms, drawn_ms;
	uint64_t points_drawn, batches;
	int connect_retries; /* clients whose first connection dropped before they joined */
	const char *worlds_dir;
	struct sim_world *world;
	uint8_t sk[NET_TOKEN_SECRET_BYTES], server_pk[NET_SERVER_KEY_BYTES];
};

static const struct sim_world *bv_world(void *user, const char *name)
{
	struct bv_run *run = user;
	return bot_world_cached(run->worlds_dir, &run->world, name);
}

static bool parse_options(struct bv_options *o, int argc, char **argv)
{
	*o = (struct bv_options){.phase = "live", .server = "127.0.0.1:7777", .room = "board-v1",
				 .seed = 1, .clients = 30, .joins = 5, .strokes = 10000,
				 .seconds = 20, .ramp = 3, .reconnect_at = 8, .offline = 2};
	const char *scenario = "board-v1";
	const struct bot_flag flags[] = {
		{"scenario", BOT_FLAG_TEXT, &scenario, 0, 0, "board-v1"},
		{"phase", BOT_FLAG_TEXT, &o->phase, 0, 0, "live|join"},
		{"server", BOT_FLAG_TEXT, &o->server, 0, 0, NULL},
		{"token-key", BOT_FLAG_TEXT, &o->token_key, 0, 0, NULL},
		{"room", BOT_FLAG_TEXT, &o->room, 0, 0, NULL},
		{"seed", BOT_FLAG_U32, &o->seed, 0, 4294967295.0, NULL},
		{"clients", BOT_FLAG_INT, &o->clients, 1, BV_MAX_CLIENTS, NULL},
		{"joins", BOT_FLAG_INT, &o->joins, 0, 100, NULL},
		{"strokes", BOT_FLAG_INT, &o->strokes, 1, 60000, NULL},
		{"seconds", BOT_FLAG_REAL, &o->seconds, 0.5, 3600, NULL},
		{"ramp", BOT_FLAG_REAL, &o->ramp, 0, 60, NULL},
		{"reconnect-at", BOT_FLAG_REAL, &o->reconnect_at, 0, 3600, NULL},
		{"offline", BOT_FLAG_REAL, &o->offline, 0, 60, NULL},
	};
	return bot_flags_parse(argc, argv, flags, (int)CORE_ARRAY_LEN(flags));
}

static uint32_t bench_author(void *user, uint16_t author)
{
	const struct bv_run *run = user;
	return author < SIM_BOARD_AUTHORS ? (uint32_t)run->by_author[author] : 0;
}

/* Every op a replica applies: sent -> received, and drawn -> received per
 * point, for the window's ops of the other clients. */
static void on_op(void *user, uint16_t author, uint32_t op_id, const struct sim_board_op *op, bool own)
{
	struct bv_client *me = user;
	struct bv_run *run = me->run;
	int from = author < SIM_BOARD_AUTHORS ? run->by_author[author] - 1 : -1;
	if (own || from < 0 || op_id >= BV_OPS_PER_CLIENT)
		return;
	const struct bv_client *src = &run->c[from];
	if (!src->sent_us || !src->in_window[op_id])
		return;
	uint64_t now = plat_time_us();
	bot_hist_add(&run->sent_ms, (double)(now - src->sent_us[op_id]) / 1000.0);
	if (op->kind == SIM_OP_BEGIN || op->kind == SIM_OP_APPEND)
		for (uint32_t i = 0; i < op->count; i++)
			bot_hist_add(&run->drawn_ms,
				     ((double)now - (double)src->first_sample_us[op_id] - i * BV_SAMPLE_US) / 1000.0);
}

static bool connect_client(struct bv_run *run, struct bv_client *c);

static bool start_client(struct bv_run *run, struct bv_client *c, bool measure)
{
	c->run = run;
	if (cl_board_init(&c->board) != CORE_OK) {
		bot_emit_error("out of memory for a board replica", c->name);
		return false;
	}
	if (measure) {
		c->sent_us = calloc(BV_OPS_PER_CLIENT, sizeof(*c->sent_us));
		c->first_sample_us = calloc(BV_OPS_PER_CLIENT, sizeof(*c->first_sample_us));
		c->in_window = calloc(BV_OPS_PER_CLIENT, 1);
		if (!c->sent_us || !c->first_sample_us || !c->in_window) {
			bot_emit_error("out of memory for", c->name);
			return false;
		}
		c->board.on_op = on_op;
		c->board.on_op_user = c;
	}
	return connect_client(run, c);
}

/* A connection with a fresh token (a token admits one). */
static bool connect_client(struct bv_run *run, struct bv_client *c)
{
	const struct bv_options *o = &run->opt;
	struct cl_conn_config cfg = {.server = o->server, .room = o->room, .name = c->name,
				     .role = PROTO_ROLE_STUDENT};
	if (o->token_key) {
		if (!bot_mint_token(run->sk, run->server_pk, PROTO_ROLE_STUDENT, 3600, o->room, c->name,
				    c->token, sizeof(c->token)))
			return false;
		cfg.token_kind = PROTO_TOKEN_JOIN;
		cfg.token = (const uint8_t *)c->token;
		cfg.token_len = (uint16_t)strlen(c->token);
	}
	if (cl_conn_start(&c->conn, &cfg, bv_world, run) != CORE_OK) {
		bot_emit_error("cannot start a client:", c->conn.error);
		return false;
	}
	cl_conn_attach_board(&c->conn, &c->board);
	return true;
}

static void free_client(struct bv_client *c)
{
	if (c->conn.host)
		cl_conn_close(&c->conn, 0);
	cl_board_fini(&c->board);
	free(c->sent_us);
	free(c->first_sample_us);
	free(c->in_window);
}

static void service_all(struct bv_run *run, int from, int to)
{
	uint64_t now = plat_time_us();
	for (int i = from; i < to; i++)
		if (run->c[i].conn.host)
			cl_conn_service(&run->c[i].conn, now);
}

/* Waits until clients [from, to) have joined and their boards caught up. */
static bool wait_synced(struct bv_run *run, int from, int to)
{
	uint64_t t0 = plat_time_us();
	for (;;) {
		service_all(run, from, to);
		int done = 0;
		for (int i = from; i < to; i++) {
			struct bv_client *bc = &run->c[i];
			const struct cl_conn *c = &bc->conn;
			/* A connection lost before its welcome (a handshake through
			 * loss) connects again, as a person's client would; a refusal
			 * or a second loss is the end. */
			if (c->state > CL_STATE_JOINED && c->state != CL_STATE_REFUSED &&
			    !c->welcome.client_id && !bc->retried) {
				fprintf(stderr, "lyceum-bot: board-v1: %s: %s before joining; connecting again\n",
					bc->name, c->error);
				bc->retried = true;
				run->connect_retries++;
				cl_conn_drop(&bc->conn);
				if (!connect_client(run, bc))
					return false;
				continue;
			}
			if (c->state > CL_STATE_JOINED) {
				bot_emit_error("a client did not join:", c->state == CL_STATE_REFUSED ? c->refuse_message : c->error);
				return false;
			}
			done += cl_board_synced(c);
		}
		if (done == to - from)
			break;
		if (plat_time_us() - t0 > BV_JOIN_TIMEOUT_US || plat_stop_requested()) {
			bot_emit_error("clients did not join and catch up in time", "");
			return false;
		}
		plat_sleep_us(1000);
	}
	for (int i = from; i < to; i++) {
		uint16_t a = run->c[i].board.author;
		if (a && a < SIM_BOARD_AUTHORS)
			run->by_author[a] = i + 1;
	}
	return true;
}

/* The op of pen tick k, sent. */
static void draw_tick(struct bv_run *run, struct bv_client *c, int64_t k, bool in_window)
{
	struct bb_tick_op t = bb_pen_tick(&c->pen, k);
	if (t.op == BB_NONE)
		return;
	struct sim_board_op op;
	bb_tick_board_op(&t, c->stroke_op[0], &op);
	uint32_t id = cl_board_send(&c->conn, &op);
	if (!id) {
		bot_emit_error("a client's op queue is full:", c->name);
		return;
	}
	if (t.op == BB_BEGIN)
		c->stroke_op[0] = id;
	if (id < BV_OPS_PER_CLIENT && c->sent_us) {
		/* Drawn while offline: it is sent when the client is back. */
		c->sent_us[id] = c->offline ? 0 : plat_time_us();
		c->first_sample_us[id] = c->t0_us + (uint64_t)((double)t.first_sample * BV_SAMPLE_US);
		c->in_window[id] = in_window;
	}
	if (in_window && t.op != BB_UNDO) {
		run->points_drawn += t.count;
		run->batches++;
	}
}

/* Drops client c's connection, as a lost network would. */
static void go_offline(struct bv_client *c)
{
	c->conn.welcome.ticket_len = c->conn.welcome.ticket_len > PROTO_TICKET_MAX ? 0 : c->conn.welcome.ticket_len;
	memcpy(c->ticket, c->conn.welcome.ticket, c->conn.welcome.ticket_len);
	memcpy(c->server_key, c->conn.server_key, sizeof(c->server_key));
	c->offline = true;
	fprintf(stderr, "lyceum-bot: board-v1: %s goes offline\n", c->name);
	cl_conn_drop(&c->conn);
}

static void come_back(struct bv_run *run, struct bv_client *c)
{
	struct cl_conn_config cfg = c->conn.cfg;
	uint16_t ticket_len = c->conn.welcome.ticket_len;
	bool keyed = c->conn.has_server_key;
	cfg.server_key = keyed ? c->server_key : NULL;
	cfg.token_kind = ticket_len ? PROTO_TOKEN_RESUME : PROTO_TOKEN_NONE;
	cfg.token = ticket_len ? c->ticket : NULL;
	cfg.token_len = ticket_len;
	c->offline = false;
	c->back = true;
	c->back_started_us = plat_time_us();
	fprintf(stderr, "lyceum-bot: board-v1: %s comes back%s\n", c->name,
		ticket_len ? " with its resume ticket" : " (no ticket: an open server)");
	if (cl_conn_start(&c->conn, &cfg, bv_world, run) != CORE_OK)
		bot_emit_error("cannot reconnect:", c->conn.error);
	cl_conn_attach_board(&c->conn, &c->board);
}

static void hashes(struct bv_run *run, const struct bv_client *c, char content[65], char order[65])
{
	uint8_t o[PROTO_BOARD_HASH_BYTES], h[PROTO_BOARD_HASH_BYTES];
	if (proto_board_hash(&c->board.boards, 0, bench_author, run, o, h) != CORE_OK) {
		content[0] = order[0] = 0;
		return;
	}
	proto_hash_hex(h, content);
	proto_hash_hex(o, order);
}

/* Have all replicas stopped changing, with nothing of theirs unconfirmed? */
static bool settled(const struct bv_run *run)
{
	for (int i = 0; i < run->count; i++) {
		const struct cl_board *b = &run->c[i].board;
		if (b->pending_count || !b->synced || b->applied_seq != run->c[0].board.applied_seq)
			return false;
	}
	return true;
}

/* The client that went away has caught up (it may take longer than the
 * drawing on a slow link: checked while settling too). */
static void check_back(struct bv_run *run, struct bv_client *away)
{
	if (!away || !away->back || away->resynced || !cl_board_synced(&away->conn))
		return;
	away->resynced = true;
	away->resync_ms_x1000 = plat_time_us() - away->back_started_us;
	/* An open server gave it a new author number: still author N. */
	if (away->board.author < SIM_BOARD_AUTHORS)
		run->by_author[away->board.author] = away->index + 1;
	for (uint32_t id = 1; id < BV_OPS_PER_CLIENT; id++)
		if (!away->sent_us[id] && away->first_sample_us[id])
			away->sent_us[id] = plat_time_us(); /* they went just now */
}

static int run_live(struct bv_run *run)
{
	const struct bv_options *o = &run->opt;
	run->count = o->clients;
	for (int i = 0; i < run->count; i++) {
		struct bv_client *c = &run->c[i];
		c->index = i;
		snprintf(c->name, sizeof(c->name), "pen-%d", i);
		bb_pen_init(&c->pen, o->seed, (uint32_t)i + 1);
		if (!start_client(run, c, true))
			return 1;
	}
	if (!wait_synced(run, 0, run->count))
		return 1;
	bot_emit_event("joined");
	const int64_t ramp_ticks = (int64_t)llround(o->ramp * 1000 / BB_TICK_MS);
	const int64_t end_tick = ramp_ticks + (int64_t)llround(o->seconds * 1000 / BB_TICK_MS);
	const uint64_t t0 = plat_time_us() + 200000;
	for (int i = 0; i < run->count; i++)
		run->c[i].t0_us = t0 + (uint64_t)i * BB_TICK_MS * 1000 / (uint64_t)run->count;
	const uint64_t window_us = t0 + (uint64_t)ramp_ticks * BB_TICK_MS * 1000;
	struct bv_client *away = o->reconnect_at > 0 && run->count > 1 ? &run->c[run->count - 1] : NULL;
	const uint64_t away_at = window_us + (uint64_t)(o->reconnect_at * 1e6);
	const uint64_t back_at = away_at + (uint64_t)(o->offline * 1e6);
	bool window_marked = false;
	for (;;) {
		uint64_t now = plat_time_us();
		if (!window_marked && now >= window_us) {
			bot_emit_event("window");
			window_marked = true;
		}
		bool drawing = false;
		for (int i = 0; i < run->count; i++) {
			struct bv_client *c = &run->c[i];
			while (c->next_tick < end_tick &&
			       now >= c->t0_us + (uint64_t)c->next_tick * BB_TICK_MS * 1000) {
				draw_tick(run, c, c->next_tick, c->next_tick >= ramp_ticks);
				c->next_tick++;
			}
			drawing |= c->next_tick < end_tick;
		}
		if (away && !away->offline && !away->back && now >= away_at)
			go_offline(away);
		if (away && away->offline && now >= back_at)
			come_back(run, away);
		check_back(run, away);
		service_all(run, 0, run->count);
		if (!drawing || plat_stop_requested())
			break;
		plat_sleep_us(500);
	}
	bot_emit_event("drawn");
	/* The last ops reach everyone. */
	uint64_t settle_start = plat_time_us(), stable_since = 0;
	while (plat_time_us() - settle_start < BV_SETTLE_US && !plat_stop_requested()) {
		service_all(run, 0, run->count);
		check_back(run, away);
		if (settled(run)) {
			if (!stable_since)
				stable_since = plat_time_us();
			else if (plat_time_us() - stable_since > 300000)
				break;
		} else {
			stable_since = 0;
		}
		plat_sleep_us(2000);
	}
	char content[65], order[65], c0[65], o0[65];
	hashes(run, &run->c[0], c0, o0);
	bool converged = c0[0] != 0, orders = true;
	uint64_t desyncs = 0, gaps = 0;
	for (int i = 0; i < run->count; i++) {
		hashes(run, &run->c[i], content, order);
		converged &= !strcmp(content, c0);
		orders &= !strcmp(order, o0);
		desyncs += run->c[i].board.stats.desyncs;
		gaps += run->c[i].board.stats.gaps;
		if (strcmp(content, c0))
			fprintf(stderr, "lyceum-bot: board-v1: %s holds content %s, %s holds %s\n",
				run->c[i].name, content, run->c[0].name, c0);
	}
	uint8_t no[PROTO_BOARD_HASH_BYTES], nc[PROTO_BOARD_HASH_BYTES];
	char native[65] = "";
	if (proto_board_hash(&run->c[0].board.boards, 0, NULL, NULL, no, nc) == CORE_OK)
		proto_hash_hex(nc, native);
	json_t *r = json_pack(
		"{s:s,s:s,s:s,s:i,s:f,s:I,s:I,s:{s:f,s:f,s:f},s:{s:f,s:f},s:f,s:b,s:s,s:b,s:s,"
		"s:s,s:I,s:I,s:I}",
		"event", "result", "system", "lyceum", "phase", "live", "clients", run->count,
		"window_s", o->seconds, "points_drawn", (json_int_t)run->points_drawn, "batches",
		(json_int_t)run->batches, "latency_sent_to_received_ms", "p50",
		bot_round3(bot_hist_percentile(&run->sent_ms, 50)), "p90",
		bot_round3(bot_hist_percentile(&run->sent_ms, 90)), "p99",
		bot_round3(bot_hist_percentile(&run->sent_ms, 99)), "latency_drawn_to_received_ms", "p50",
		bot_round3(bot_hist_percentile(&run->drawn_ms, 50)), "p99",
		bot_round3(bot_hist_percentile(&run->drawn_ms, 99)), "reconnect_resync_ms",
		away && away->resynced ? bot_round3((double)away->resync_ms_x1000 / 1000.0) : -1.0,
		"converged", converged, "content_hash", c0, "order_hashes_agree", orders, "order_hash",
		o0, "native_content_hash", native, "applied_seq", (json_int_t)run->c[0].board.applied_seq,
		"gaps_repaired", (json_int_t)gaps, "resyncs", (json_int_t)desyncs);
	json_object_set_new(r, "connect_retries", json_integer(run->connect_retries));
	bot_emit_result(r);
	return converged && orders ? 0 : 3;
}

/* Stroke after stroke, in board order: each loader waits until the server
 * has logged its stroke before the next author's goes, so the board's
 * order is the benchmark's. */
static bool load_board(struct bv_run *run, int loaders)
{
	const struct bv_options *o = &run->opt;
	struct bb_author *gen = calloc((size_t)loaders, sizeof(*gen));
	struct bb_stroke *s = malloc(sizeof(*s));
	if (!gen || !s) {
		free(gen);
		free(s);
		bot_emit_error("out of memory for the generator", "");
		return false;
	}
	for (int a = 0; a < loaders; a++)
		bb_author_init(&gen[a], o->seed, (uint32_t)a + 1);
	uint64_t live = 0, points = 0, t0 = plat_time_us();
	for (uint64_t k = 0; (int64_t)live < o->strokes && !plat_stop_requested(); k++) {
		struct bv_client *c = &run->c[k % (uint64_t)loaders];
		bb_gen_stroke(&gen[k % (uint64_t)loaders], s);
		uint32_t begin = 0;
		for (uint16_t first = 0; first < s->n;) {
			struct sim_board_op op = {.kind = first ? SIM_OP_APPEND : SIM_OP_BEGIN,
						  .color = s->color, .width = s->width};
			op.count = (uint16_t)CORE_MIN(s->n - first, SIM_BOARD_OP_POINTS);
			const struct sim_board_point *base = first ? &s->pts[first - 1] : NULL;
			for (uint16_t i = 0; i < op.count; i++) {
				op.x[i] = s->pts[first + i].x - (base ? base->x : 0);
				op.y[i] = s->pts[first + i].y - (base ? base->y : 0);
				op.p[i] = s->pts[first + i].p - (base ? base->p : 0);
			}
			uint32_t id = cl_board_send(&c->conn, &op);
			if (!first)
				begin = id;
			first = (uint16_t)(first + op.count);
		}
		if (s->undone) {
			struct sim_board_op undo = {.kind = SIM_OP_UNDO, .target_op = begin};
			(void)cl_board_send(&c->conn, &undo);
		} else {
			live++;
			points += s->n;
		}
		cl_board_request_sync(&c->conn);
		uint64_t wait0 = plat_time_us();
		for (int spins = 0; c->board.pending_count && plat_time_us() - wait0 < BV_JOIN_TIMEOUT_US; spins++) {
			/* This loader at once; all of them now and then (keepalives). */
			if (spins % 64 == 0)
				service_all(run, 0, loaders);
			else
				cl_conn_service(&c->conn, plat_time_us());
			if (c->board.pending_count)
				plat_sleep_us(100);
		}
		if (c->board.pending_count) {
			bot_emit_error("the server did not confirm a stroke of", c->name);
			free(gen);
			free(s);
			return false;
		}
	}
	fprintf(stderr, "lyceum-bot: board-v1: loaded %llu live strokes, %llu points in %.1f s\n",
		(unsigned long long)live, (unsigned long long)points, (double)(plat_time_us() - t0) / 1e6);
	free(gen);
	free(s);
	return true;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int run_join(struct bv_run *run)
{
	const struct bv_options *o = &run->opt;
	const int loaders = 30;
	run->count = loaders + o->joins;
	for (int i = 0; i < loaders; i++) {
		struct bv_client *c = &run->c[i];
		c->index = i;
		snprintf(c->name, sizeof(c->name), "loader-%d", i);
		if (!start_client(run, c, false))
			return 1;
		c->board.no_replica = true;
	}
	if (!wait_synced(run, 0, loaders) || !load_board(run, loaders))
		return 1;
	/* The loaders' work is done: they leave (the board outlives them), so
	 * that the joins' measure, from "loaded" to the result, holds the joins
	 * and nothing else, after a pause for the server to settle. */
	for (int i = 0; i < loaders; i++) {
		free_client(&run->c[i]);
		memset(&run->c[i].conn, 0, sizeof(run->c[i].conn));
	}
	plat_sleep_us(1000000);
	bot_emit_event("loaded");
	double join_ms[100], received_ms[100], bytes[100];
	char content[65] = "", order[65] = "", first_content[65] = "", native[65] = "";
	bool converged = true;
	uint64_t loaded_points = 0;
	for (int j = 0; j < o->joins; j++) {
		struct bv_client *c = &run->c[loaders + j];
		c->index = loaders + j;
		snprintf(c->name, sizeof(c->name), "joiner-%d", j);
		uint64_t t0 = plat_time_us(), welcomed = 0;
		if (!start_client(run, c, false))
			return 1;
		while (!cl_board_synced(&c->conn) && plat_time_us() - t0 < BV_JOIN_TIMEOUT_US) {
			cl_conn_service(&c->conn, plat_time_us());
			if (!welcomed && c->conn.state == CL_STATE_JOINED)
				welcomed = plat_time_us();
			if (c->conn.state > CL_STATE_JOINED)
				break;
		}
		uint64_t t1 = plat_time_us();
		if (!cl_board_synced(&c->conn)) {
			bot_emit_error("a joiner did not receive the board:", c->name);
			return 1;
		}
		struct net_host_stats ns;
		net_host_stats(c->conn.host, &ns);
		join_ms[j] = (double)(t1 - t0) / 1000.0;
		received_ms[j] = (double)(t1 - (welcomed ? welcomed : t0)) / 1000.0;
		bytes[j] = (double)ns.bytes_received;
		hashes(run, c, content, order);
		if (!j) {
			memcpy(first_content, content, sizeof(content));
			uint8_t no[PROTO_BOARD_HASH_BYTES], nc[PROTO_BOARD_HASH_BYTES];
			if (proto_board_hash(&c->board.boards, 0, NULL, NULL, no, nc) == CORE_OK)
				proto_hash_hex(nc, native);
			for (uint32_t i = 0; i < c->board.boards.stroke_count; i++)
				if (!(c->board.boards.strokes[i].flags & SIM_STROKE_UNDONE))
					loaded_points += c->board.boards.strokes[i].count;
		}
		converged &= content[0] && !strcmp(content, first_content);
		fprintf(stderr, "lyceum-bot: board-v1: %s: synced in %.1f ms, %.0f bytes, %u strokes, content %s\n",
			c->name, join_ms[j], bytes[j], c->board.boards.stroke_count, content);
		free_client(c);
		memset(&c->conn, 0, sizeof(c->conn));
	}
	json_t *samples = json_array();
	for (int j = 0; j < o->joins; j++)
		json_array_append_new(samples, json_real(bot_round3(join_ms[j])));
	qsort(join_ms, (size_t)o->joins, sizeof(double), cmp_double);
	qsort(received_ms, (size_t)o->joins, sizeof(double), cmp_double);
	qsort(bytes, (size_t)o->joins, sizeof(double), cmp_double);
	int mid = o->joins / 2;
	json_t *r = json_pack("{s:s,s:s,s:s,s:i,s:I,s:{s:f,s:o},s:{s:f},s:{s:f},s:s,s:s,s:b,s:s}",
			      "event", "result", "system", "lyceum", "phase", "join", "strokes",
			      o->strokes, "points", (json_int_t)loaded_points, "join_ms", "p50",
			      o->joins ? bot_round3(join_ms[mid]) : 0.0, "samples", samples,
			      "board_received_ms", "p50", o->joins ? bot_round3(received_ms[mid]) : 0.0,
			      "bytes_received", "p50", o->joins ? bytes[mid] : 0.0, "content_hash",
			      first_content, "order_hash", order, "converged", converged,
			      "native_content_hash", native);
	json_object_set_new(r, "connect_retries", json_integer(run->connect_retries));
	bot_emit_result(r);
	return converged ? 0 : 3;
}

int bot_board_v1_main(int argc, char **argv)
{
	struct bv_run *run = calloc(1, sizeof(*run));
	if (!run) {
		bot_emit_error("out of memory", "");
		return 1;
	}
	if (!parse_options(&run->opt, argc, argv)) {
		free(run);
		return 2;
	}
	run->worlds_dir = core_assets_dir(CORE_ASSETS_WORLDS);
	run->sent_ms.width = run->drawn_ms.width = 0.1; /* up to 2 s */
	if (run->opt.token_key && !bot_load_keys(run->opt.token_key, NULL, run->sk, run->server_pk)) {
		bot_emit_error("cannot read the token keys:", run->opt.token_key);
		free(run);
		return 1;
	}
	plat_install_stop_handler();
	plat_raise_fd_limit();
	int n = run->opt.clients > 30 + run->opt.joins ? run->opt.clients : 30 + run->opt.joins;
	run->c = calloc((size_t)n, sizeof(*run->c));
	int rc = 1;
	if (run->c)
		rc = !strcmp(run->opt.phase, "live") ? run_live(run) : run_join(run);
	for (int i = 0; run->c && i < n; i++)
		free_client(&run->c[i]);
	free(run->c);
	free(run->world);
	free(run);
	return rc;
}
