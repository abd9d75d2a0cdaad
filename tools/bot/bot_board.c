/* --behavior draw: each bot holds the room's boards and draws board-v1's
 * seeded strokes (and their undos) on board 0 with its own pen. */
#include "bot.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

bool bot_board_init(struct bot_run *run, struct bot *b)
{
	b->board = calloc(1, sizeof(*b->board));
	if (!b->board || cl_board_init(b->board) != CORE_OK) {
		fprintf(stderr, "lyceum-bot: %s: no memory for a board replica\n", b->name);
		return false;
	}
	bb_pen_init(&b->pen, run->opt.seed, (uint32_t)b->index + 1);
	b->board->unchecked = run->opt.chat_unchecked;
	return true;
}

void bot_board_attach(struct bot *b)
{
	if (b->board)
		cl_conn_attach_board(&b->conn, b->board);
}

void bot_board_tick(struct bot_run *run, struct bot *b, uint64_t now_us)
{
	if (run->opt.behavior != BOT_DRAW || !b->board || !cl_board_synced(&b->conn))
		return;
	/* The pen rests for the run's last BOT_BOARD_REST_S, so what it drew
	 * has reached everyone when the report is written. */
	if (run->opt.seconds > 0 &&
	    (double)(now_us - b->joined_us) / 1e6 > run->opt.seconds - BOT_BOARD_REST_S)
		return;
	if (!b->pen_t0_us)
		b->pen_t0_us = now_us;
	/* The pen's 50 ms ticks since it started, each sent once. */
	while (now_us >= b->pen_t0_us + (uint64_t)b->pen_tick * BB_TICK_MS * 1000u) {
		struct bb_tick_op t = bb_pen_tick(&b->pen, b->pen_tick++);
		if (t.op == BB_NONE)
			continue;
		struct sim_board_op op;
		bb_tick_board_op(&t, b->stroke_op, &op);
		uint32_t id = cl_board_send(&b->conn, &op);
		if (!id) {
			b->board_dropped++;
			continue;
		}
		if (t.op == BB_BEGIN)
			b->stroke_op = id;
		b->board_ops++;
	}
}

void bot_board_report(const struct bot *b, json_t *out)
{
	const struct cl_board *cb = b->board;
	if (!cb)
		return;
	uint8_t order[PROTO_BOARD_HASH_BYTES], content[PROTO_BOARD_HASH_BYTES];
	char oh[65] = "", ch[65] = "";
	if (proto_board_hash(&cb->boards, 0, NULL, NULL, order, content) == CORE_OK) {
		proto_hash_hex(order, oh);
		proto_hash_hex(content, ch);
	}
	json_t *o = json_pack("{s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s,s:s}", "synced",
			      cb->synced, "seq", (json_int_t)cb->applied_seq, "strokes",
			      (json_int_t)cb->boards.stroke_count, "live", (json_int_t)cb->boards.live,
			      "points", (json_int_t)cb->boards.points, "ops_sent", (json_int_t)b->board_ops,
			      "ops_pending", (json_int_t)cb->pending_count, "refused",
			      (json_int_t)cb->stats.refused, "gaps_repaired", (json_int_t)cb->stats.gaps,
			      "resyncs", (json_int_t)cb->stats.desyncs, "content_hash", ch, "order_hash", oh);
	if (o)
		json_object_set_new(out, "board", o);
}

void bot_board_free(struct bot *b)
{
	if (b->board) {
		cl_board_fini(b->board);
		free(b->board);
		b->board = NULL;
	}
}
