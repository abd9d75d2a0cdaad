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

void bot_board_step(struct bot *b, const struct bot_mod_step *st)
{
	char why[160] = "the bot holds no board";
	if (b->board && st->scope == 2) { /* redo: the desktop's R, staff's bringing back what they erased */
		struct sim_board_op op;
		if (cl_board_undo(&b->conn, true, &op)) {
			b->board_redo++;
			b->board_redo_theirs += op.target_author != 0;
			return;
		}
		snprintf(why, sizeof(why), op.target_op ? "too much is waiting" : "nothing to redo");
	} else if (b->board && st->scope == 1) { /* redo-erased: as a modified client would */
		const struct sim_stroke *s = NULL;
		for (uint32_t i = b->board->boards.stroke_count; !s && i-- > 0;) {
			const struct sim_stroke *t = &b->board->boards.strokes[i];
			if (t->author == b->board->author && (t->flags & SIM_STROKE_UNDONE) &&
			    t->undone_by && t->undone_by != t->author)
				s = t;
		}
		struct sim_board_op op = {.kind = SIM_OP_REDO, .target_op = s ? s->op_id : 0};
		if (s && cl_board_send(&b->conn, &op)) {
			b->board_redone++;
			return;
		}
		snprintf(why, sizeof(why), s ? "too much is waiting" : "no stroke of ours that "
										"someone else erased");
	} else if (b->board && st->flag) { /* clear-board */
		int n = st->target[0] ? atoi(st->target) : 1;
		if (n >= 1 && n <= SIM_BOARDS && cl_board_clear(&b->conn, (uint8_t)(n - 1), why, sizeof(why))) {
			b->board_cleared++;
			return;
		}
		if (n < 1 || n > SIM_BOARDS)
			snprintf(why, sizeof(why),
				 "no board '%s': boards are numbered 1 to %d, as on the desktop "
				 "and in the server's log",
				 st->target, SIM_BOARDS);
	} else if (b->board) { /* erase */
		uint16_t id = bot_target_id(b, st->target);
		const struct cl_roster_entry *who = cl_conn_roster_find(&b->conn, id);
		uint16_t author = !id || id == b->conn.welcome.client_id ? b->board->author
			: who ? who->author : 0;
		const struct sim_stroke *s = author ? sim_board_newest(&b->board->boards, author, false)
						    : NULL;
		if (s && cl_board_erase(&b->conn, s, why, sizeof(why))) {
			b->board_erased++;
			return;
		}
		if (!s)
			snprintf(why, sizeof(why), "no live stroke of '%s' to erase", st->target);
	}
	fprintf(stderr, "lyceum-bot: %s: %s not sent: %s\n", b->name,
		st->scope == 2   ? "redo"
		: st->scope == 1 ? "redo-erased"
		: st->flag       ? "clear-board"
				 : "erase",
		why);
}

static int count_colours(const struct sim_boards *b, bool live_only)
{
	uint32_t seen[16];
	int colours = 0;
	for (uint32_t i = 0; i < b->stroke_count; i++) {
		if (live_only && (b->strokes[i].flags & SIM_STROKE_UNDONE))
			continue;
		uint32_t c = b->strokes[i].color;
		int k = 0;
		while (k < colours && seen[k] != c)
			k++;
		if (k == colours && colours < 16)
			seen[colours++] = c;
	}
	return colours;
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
	/* How many pen colours the strokes show, and the live ones (at most
	 * 16 told apart). */
	int colours = count_colours(&cb->boards, false), live_colours = count_colours(&cb->boards, true);
	uint8_t state[PROTO_BOARD_HASH_BYTES];
	char sh[65];
	cl_board_state_hash(cb, state);
	proto_hash_hex(state, sh);
	json_t *o = json_pack("{s:b,s:I,s:I,s:I,s:i,s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s,s:s,s:s}",
			      "synced", cb->synced, "seq", (json_int_t)cb->applied_seq, "strokes",
			      (json_int_t)cb->boards.stroke_count, "live", (json_int_t)cb->boards.live,
			      "colours", colours, "live_colours", live_colours, "points", (json_int_t)cb->boards.points, "ops_sent",
			      (json_int_t)b->board_ops, "erased", (json_int_t)b->board_erased,
			      "cleared", (json_int_t)b->board_cleared, "redone_erased",
			      (json_int_t)b->board_redone, "redone", (json_int_t)b->board_redo,
			      "redone_theirs", (json_int_t)b->board_redo_theirs, "ops_pending",
			      (json_int_t)cb->pending_count, "refused",
			      (json_int_t)cb->stats.refused, "gaps_repaired", (json_int_t)cb->stats.gaps,
			      "resyncs", (json_int_t)cb->stats.desyncs, "content_hash", ch, "order_hash", oh,
			      "state_hash", sh);
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
