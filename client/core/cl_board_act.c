/* What this client asks of the room's log: its undo and redo targets, the
 * eraser, clearing a board, chat lines, lesson requests and the ink of
 * its ops still on their way (cl.h). The log's replica is cl_board.c. */
#include "cl.h"
#include "cl_board_internal.h"

#include "proto/perm.h"
#include "proto/text.h"

#include <stdio.h>
#include <string.h>

/* Our op i of those not yet confirmed, oldest first, to read. */
static const struct proto_board_up *pending_up(const struct cl_board *b, uint32_t i)
{
	return &b->pending[(b->pending_head + i) % CL_BOARD_PENDING].up;
}

uint32_t cl_board_send(struct cl_conn *c, const struct sim_board_op *op)
{
	struct cl_board *b = c->board;
	struct proto_board_up up = {.op = *op};
	uint32_t id = cl_board_queue(c, &up);
	if (id && op->kind == SIM_OP_UNDO) {
		b->took[b->took_count++ % CL_BOARD_TOOK] = (struct cl_board_took){
			.author = op->target_author ? op->target_author : b->author,
			.op_id = op->target_op};
		if (b->epoch)
			b->took_epoch = b->epoch;
	}
	return id;
}

/* May we send an op that needs perm now? The server's rules, said here
 * first. */
static bool may_send(struct cl_conn *c, enum proto_perm perm, char *why, size_t why_size)
{
	if (!c->board || c->state != CL_STATE_JOINED) {
		snprintf(why, why_size, "not in a room");
		return false;
	}
	if (!c->board->author) {
		snprintf(why, why_size, "this room has no author number left for you");
		return false;
	}
	if (!proto_perm_allows((enum proto_role)c->welcome.role, perm) && !c->board->unchecked) {
		enum proto_role role = (enum proto_role)c->welcome.role;
		snprintf(why, why_size, "%s %s may not %s", proto_role_article(role),
			 proto_role_name(role), proto_perm_name(perm));
		return false;
	}
	if (c->board->pending_count == CL_BOARD_PENDING) {
		snprintf(why, why_size, "too much is still on its way to the server; wait a moment");
		return false;
	}
	return true;
}

void cl_board_pending_ink(const struct cl_board *b, cl_ink_fn fn, void *user)
{
	/* A stroke begun before these ops is the log's open one of ours: its
	 * line goes on from the log's last point. */
	uint32_t open = b->author ? b->boards.open[b->author] : 0;
	const struct sim_stroke *style = open ? &b->boards.strokes[open - 1] : NULL;
	struct sim_stroke begun;
	struct sim_board_point last = style ? style->tail : (struct sim_board_point){0};
	bool first = true, from_log = style != NULL;
	for (uint32_t i = 0; i < b->pending_count; i++) {
		const struct sim_board_op *op = &pending_up(b, i)->op;
		bool relative = op->kind == SIM_OP_APPEND || op->kind == SIM_OP_END;
		if (op->kind == SIM_OP_BEGIN) {
			begun = (struct sim_stroke){.board = op->board, .width = op->width, .color = op->color};
			style = &begun;
			first = true;
			from_log = false;
		} else if (!relative || !style) {
			continue; /* not a stroke's points, or its stroke is gone (cleared) */
		} else if (from_log) {
			fn(user, style, &last, true);
			first = from_log = false;
		}
		for (uint32_t k = 0; k < op->count && k < SIM_BOARD_OP_POINTS; k++) {
			struct sim_board_point pt = {
				(uint16_t)CORE_CLAMP(op->x[k] + (relative ? last.x : 0), 0, SIM_BOARD_MAX_MM),
				(uint16_t)CORE_CLAMP(op->y[k] + (relative ? last.y : 0), 0, SIM_BOARD_MAX_MM),
				(uint8_t)CORE_CLAMP(op->p[k] + (relative ? last.p : 0), 0, 255)};
			fn(user, style, &pt, first);
			first = false;
			if (k + 1 == op->count)
				last = pt;
		}
		if (op->kind == SIM_OP_END)
			style = NULL;
	}
}

/* Does our op (an undo or a redo) name the stroke (author, op_id)? */
static bool names_stroke(const struct cl_board *b, const struct sim_board_op *op, uint16_t author,
			 uint32_t op_id)
{
	return (op->kind == SIM_OP_UNDO || op->kind == SIM_OP_REDO) && op->target_op == op_id &&
	       (op->target_author ? op->target_author : b->author) == author;
}

/* The stroke (author, op_id) undone (true) or not, as it will stand once
 * the undos and redos of ours still on their way are applied. */
static bool undone_after_pending(const struct cl_board *b, uint16_t author, uint32_t op_id,
				 bool undone)
{
	for (uint32_t i = 0; i < b->pending_count; i++) {
		const struct sim_board_op *op = &pending_up(b, i)->op;
		if (names_stroke(b, op, author, op_id))
			undone = op->kind == SIM_OP_UNDO;
	}
	return undone;
}

bool cl_board_undo_on_its_way(const struct cl_board *b, const struct sim_stroke *s)
{
	for (uint32_t i = 0; i < b->pending_count; i++) {
		const struct sim_board_op *op = &pending_up(b, i)->op;
		if (op->kind == SIM_OP_UNDO && names_stroke(b, op, s->author, s->op_id))
			return true;
	}
	return false;
}

/* Is our begin op_id still on its way? */
static bool begin_on_its_way(const struct cl_board *b, uint32_t op_id)
{
	for (uint32_t i = 0; i < b->pending_count; i++)
		if (pending_up(b, i)->op.kind == SIM_OP_BEGIN && pending_up(b, i)->op_id == op_id)
			return true;
	return false;
}

/* The stroke we took off last that is still off, ours or (theirs)
 * someone else's: its op id (its author in *author), or 0. */
static uint32_t last_taken(const struct cl_board *b, bool theirs, uint16_t *author)
{
	for (uint32_t k = 0; k < CORE_MIN(b->took_count, CL_BOARD_TOOK); k++) {
		const struct cl_board_took *t = &b->took[(b->took_count - 1 - k) % CL_BOARD_TOOK];
		bool ours = t->author == b->author;
		if (!ours && !theirs)
			continue;
		const struct sim_stroke *s = sim_board_find(&b->boards, t->author, t->op_id);
		if (!s && !(ours && begin_on_its_way(b, t->op_id)))
			continue; /* gone with the log it was in */
		/* Off by our hand: our last op on its way that names it is an
		 * undo, or with none the log's tombstone is ours. */
		bool off = s && (s->flags & SIM_STROKE_UNDONE) && s->undone_by == b->author;
		if (undone_after_pending(b, t->author, t->op_id, off)) {
			*author = ours ? 0 : t->author;
			return t->op_id;
		}
	}
	return 0;
}

uint32_t cl_board_undo_target(const struct cl_board *b, bool redo, bool theirs,
			      uint16_t *author)
{
	uint16_t none;
	if (!author)
		author = &none;
	*author = 0;
	uint32_t last = redo ? last_taken(b, theirs, author) : 0;
	if (last)
		return last;
	/* Our begins still on their way are the newest strokes (one of them
	 * is undone only by an undo also on its way). */
	for (uint32_t i = b->pending_count; i-- > 0;) {
		const struct proto_board_up *up = pending_up(b, i);
		if (up->op.kind == SIM_OP_BEGIN &&
		    undone_after_pending(b, b->author, up->op_id, false) == redo)
			return up->op_id;
	}
	/* Then the log's, newest first. A redo passes over a stroke of ours
	 * that someone else erased (theirs to bring back, not ours), and
	 * with theirs brings back someone else's that we erased. */
	for (uint32_t i = b->boards.stroke_count; i-- > 0;) {
		const struct sim_stroke *s = &b->boards.strokes[i];
		bool ours = s->author == b->author;
		if (ours ? redo && s->undone_by && s->undone_by != b->author
			 : !(redo && theirs && s->undone_by == b->author))
			continue;
		if (undone_after_pending(b, s->author, s->op_id, s->flags & SIM_STROKE_UNDONE) == redo) {
			if (!ours)
				*author = s->author;
			return s->op_id;
		}
	}
	return 0;
}

uint32_t cl_board_undo(struct cl_conn *c, bool redo, struct sim_board_op *op)
{
	*op = (struct sim_board_op){0};
	if (!c->board)
		return 0;
	/* Staff's redo also brings back what their eraser took of others'. */
	bool staff = proto_perm_allows((enum proto_role)c->welcome.role, PROTO_PERM_ERASE_OTHERS);
	uint16_t author;
	uint32_t target = cl_board_undo_target(c->board, redo, staff, &author);
	*op = (struct sim_board_op){.kind = redo ? SIM_OP_REDO : SIM_OP_UNDO,
				    .target_author = author,
				    .target_op = target};
	return target ? cl_board_send(c, op) : 0;
}

uint32_t cl_board_erase(struct cl_conn *c, const struct sim_stroke *s, char *why, size_t why_size)
{
	bool ours = c->board && s->author == c->board->author;
	if (!may_send(c, ours ? PROTO_PERM_DRAW : PROTO_PERM_ERASE_OTHERS, why, why_size))
		return 0;
	struct sim_board_op op = {.kind = SIM_OP_UNDO,
				  .target_author = ours ? 0 : s->author,
				  .target_op = s->op_id};
	uint32_t id = cl_board_send(c, &op);
	if (!id)
		snprintf(why, why_size, "the erase could not be said");
	return id;
}

uint32_t cl_board_clear(struct cl_conn *c, uint8_t board, char *why, size_t why_size)
{
	if (!may_send(c, PROTO_PERM_CLEAR_BOARD, why, why_size))
		return 0;
	if (board >= SIM_BOARDS || !c->board->boards.width_mm[board]) {
		snprintf(why, why_size, "this room has no board %u", board + 1u);
		return 0;
	}
	struct sim_board_op op = {.kind = SIM_OP_CLEAR, .board = board};
	uint32_t id = cl_board_send(c, &op);
	if (!id)
		snprintf(why, why_size, "the clear could not be said");
	return id;
}

/* May we send a chat op now? */
static bool chat_allowed(struct cl_conn *c, enum proto_perm perm, char *why, size_t why_size)
{
	if (!may_send(c, perm, why, why_size))
		return false;
	if (!proto_bucket_take(&c->board->chat_bucket, PROTO_BUCKET_CHAT, 1, c->service_now_us)) {
		const struct proto_bucket_spec *rate = proto_bucket_spec(PROTO_BUCKET_CHAT);
		snprintf(why, why_size, "slow down: the room takes %u line%s a second (%u at once)",
			 rate->per_s, rate->per_s == 1 ? "" : "s", rate->burst);
		return false;
	}
	return true;
}

uint32_t cl_chat_send(struct cl_conn *c, enum proto_chat_scope scope, const char *text, char *why,
		      size_t why_size)
{
	if ((unsigned)scope >= PROTO_CHAT_SCOPE_COUNT) {
		snprintf(why, why_size, "no such chat scope");
		return 0;
	}
	if (!proto_text_check(text, PROTO_CHAT_TEXT_MAX, "the message", why, why_size))
		return 0;
	enum proto_perm perm = scope == PROTO_CHAT_ANNOUNCE ? PROTO_PERM_ANNOUNCE : PROTO_PERM_CHAT;
	if (!chat_allowed(c, perm, why, why_size))
		return 0;
	struct proto_board_up up = {.op = {.kind = PROTO_LOG_CHAT}, .chat = {.scope = (uint8_t)scope}};
	core_strlcpy(up.chat.text, text, sizeof(up.chat.text));
	return cl_board_queue(c, &up);
}

/* A staff op on author's line op_id (ANSWER, REMOVE), if perm allows. */
static uint32_t on_line(struct cl_conn *c, uint8_t kind, enum proto_perm perm, uint16_t author,
			uint32_t op_id, char *why, size_t why_size)
{
	if (!chat_allowed(c, perm, why, why_size))
		return 0;
	struct proto_board_up up = {.op = {.kind = kind, .target_author = author, .target_op = op_id}};
	return cl_board_queue(c, &up);
}

uint32_t cl_chat_answer(struct cl_conn *c, uint16_t author, uint32_t op_id, char *why,
			size_t why_size)
{
	return on_line(c, PROTO_LOG_ANSWER, PROTO_PERM_ANNOUNCE, author, op_id, why, why_size);
}

uint32_t cl_chat_remove(struct cl_conn *c, uint16_t author, uint32_t op_id, char *why,
			size_t why_size)
{
	return on_line(c, PROTO_LOG_REMOVE, PROTO_PERM_REMOVE_CHAT, author, op_id, why, why_size);
}

const struct cl_chat_line *cl_chat_line(const struct cl_board *b, uint32_t i)
{
	return &b->chat[i];
}

enum core_result cl_lesson_request(struct cl_conn *c, enum proto_lesson_action action,
				   uint8_t board, const char *name)
{
	struct proto_lesson_up m = {.action = (uint8_t)action, .board = board};
	if (name && strlen(name) >= sizeof(m.name))
		return CORE_ERR_INVALID; /* not cut to another lesson's name */
	core_strlcpy(m.name, name ? name : "", sizeof(m.name));
	uint8_t buf[64];
	uint32_t len = proto_encode_lesson_up(&m, buf, sizeof(buf));
	if (!len || !c->peer || c->state != CL_STATE_JOINED)
		return CORE_ERR_INVALID;
	return net_host_send(c->host, c->peer, NET_CH_LOG, buf, len);
}
