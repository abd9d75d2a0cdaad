/* The room's boards as this client holds them: the op log applied in seq order (cl.h). */
#include "cl.h"
#include "cl_board_internal.h"

#include <stddef.h>
#include <string.h>

#define CL_BOARD_POINTS 2000000u /* as many as a server's room holds */

enum core_result cl_board_init(struct cl_board *b)
{
	memset(b, 0, sizeof(*b));
	return sim_board_init(&b->boards, CL_BOARD_POINTS);
}

void cl_board_fini(struct cl_board *b)
{
	sim_board_fini(&b->boards);
}

void cl_conn_attach_board(struct cl_conn *c, struct cl_board *b)
{
	c->board = b;
	b->synced = false; /* until this connection's sync is answered */
}

bool cl_board_synced(const struct cl_conn *c)
{
	return c->board && c->board->synced;
}

static struct cl_board_pending *pending_at(struct cl_board *b, uint32_t i)
{
	return &b->pending[(b->pending_head + i) % CL_BOARD_PENDING];
}

/* How long the oldest op waits for the log to confirm it before it goes
 * again: a round trip and its variation plus two live batch periods,
 * doubled each time it has gone again unanswered (a confirmation lost
 * with its live batch comes with the repair that the gap asks for). */
static uint64_t resend_us(const struct cl_conn *c)
{
	const struct cl_link *l = &c->link;
	uint64_t wait = l->rtt_samples ? (uint64_t)l->srtt_us + 4u * l->rttvar_us
				       : CL_BOARD_RESEND_MIN_US;
	wait = CORE_MAX(wait + 2u * PROTO_LOG_FLUSH_MS * 1000u, (uint64_t)CL_BOARD_RESEND_MIN_US);
	return CORE_MIN(wait << c->board->resends, (uint64_t)CL_BOARD_RESEND_MAX_US);
}

/* A BOARD_OPS message in buf of our queued ops from index from on, as
 * many as fit; *to: the index after the last one in it. */
static uint32_t fill(struct cl_board *b, uint8_t *buf, uint32_t from, uint32_t *to)
{
	uint32_t len = proto_board_ops_start(buf, NET_STATE_MESSAGE_MAX), n;
	for (*to = from; *to < b->pending_count; ++*to, len = n)
		if (!(n = proto_board_ops_add(buf, len, NET_STATE_MESSAGE_MAX, &pending_at(b, *to)->up)))
			break;
	return len;
}

/* Sends our ops the log has not confirmed, oldest first, in BOARD_OPS
 * datagrams as the byte budget allows: those not yet sent on this
 * connection, or all of them again once the oldest has waited resend_us
 * (the server drops what follows a gap, so everything after the oldest
 * goes again too). */
static void pump(struct cl_conn *c)
{
	struct cl_board *b = c->board;
	if (!b->synced || c->state != CL_STATE_JOINED || !c->peer || !b->pending_count)
		return;
	uint64_t now = c->service_now_us;
	uint64_t earned = (now - b->up_budget_us) * CL_BOARD_UP_BYTES_PER_S / 1000000u;
	if (earned) {
		b->up_budget = (uint32_t)CORE_MIN((uint64_t)CL_BOARD_UP_BURST, b->up_budget + earned);
		b->up_budget_us = now;
	}
	const struct cl_board_pending *oldest = pending_at(b, 0);
	if (oldest->wire && now - oldest->sent_us >= resend_us(c)) {
		if (b->resends < CL_BOARD_RESEND_BACKOFF)
			b->resends++;
		b->stats.resends++;
		for (uint32_t i = 0; i < b->pending_count; i++)
			pending_at(b, i)->wire = false;
	}
	uint32_t from = 0, to;
	while (from < b->pending_count && pending_at(b, from)->wire)
		from++;
	/* Ops in flight since an earlier service ride along when everything
	 * fits in one datagram and the byte budget: a lost one is then made
	 * good by the next op's datagram, not by a timeout. A backlog goes in
	 * order, datagram after datagram. */
	bool along = from > 0 && pending_at(b, from - 1)->sent_us != now;
	while (from < b->pending_count) {
		uint8_t *buf = net_host_state_buf(c->host);
		uint32_t len = 0;
		if (along) {
			along = false;
			len = fill(b, buf, 0, &to);
			if (to == b->pending_count && len <= b->up_budget)
				from = 0;
			else
				len = 0;
		}
		if (!len)
			len = fill(b, buf, from, &to);
		if (to == from) { /* cl_board_queue lets in only ops that can be said */
			c->stats.decode_errors++;
			return;
		}
		if (len > b->up_budget || !net_host_state_send(c->host, c->peer, len))
			return; /* the rest at a later service */
		b->up_budget -= len;
		for (; from < to; from++) {
			pending_at(b, from)->wire = true;
			pending_at(b, from)->sent_us = now;
		}
	}
}

static void ask_sync(struct cl_conn *c)
{
	struct cl_board *b = c->board;
	struct proto_board_sync q = {.epoch = b->epoch, .last_seq = b->applied_seq};
	uint8_t buf[16];
	uint32_t len = proto_encode_board_sync(&q, buf, sizeof(buf));
	if (c->peer && len && net_host_send(c->host, c->peer, NET_CH_LOG, buf, len) != CORE_OK)
		c->stats.decode_errors++;
	b->sync_asked = true;
	b->sync_asked_us = c->service_now_us;
}

void cl_board_request_sync(struct cl_conn *c)
{
	if (c->board && c->state == CL_STATE_JOINED && !c->board->sync_asked)
		ask_sync(c);
}

/* Starts over from a snapshot: something did not add up. */
static void resync(struct cl_conn *c)
{
	struct cl_board *b = c->board;
	b->stats.desyncs++;
	b->epoch = 0;
	b->applied_seq = 0;
	b->held_count = 0;
	ask_sync(c);
}

void cl_board_on_welcome(struct cl_conn *c)
{
	struct cl_board *b = c->board;
	if (!b)
		return;
	/* Ops of the last connection go again once synced (the server applies
	 * each once). Under another author number (an open server, a second
	 * device) they would be new ops: the sync says which the log has, and
	 * the rest get new ids. */
	if (b->author && c->welcome.author != b->author && b->pending_count) {
		b->prev_author = b->author;
		for (uint32_t i = 0; i < b->pending_count; i++)
			pending_at(b, i)->final = false;
	}
	b->author = c->welcome.author;
	sim_board_setup(&b->boards, c->world);
	b->synced = false;
	b->in_snapshot = false;
	b->held_count = 0;
	for (uint32_t i = 0; i < b->pending_count; i++)
		pending_at(b, i)->wire = false;
	b->up_budget = CL_BOARD_UP_BURST;
	b->up_budget_us = c->service_now_us;
	ask_sync(c);
}

/* Our ops the log has taken (confirmed, or refused) leave the queue. */
static void pop_pending(struct cl_board *b, uint32_t upto)
{
	while (b->pending_count && pending_at(b, 0)->final && pending_at(b, 0)->up.op_id <= upto) {
		b->pending_head = (b->pending_head + 1) % CL_BOARD_PENDING;
		b->pending_count--;
		b->resends = 0;
	}
}

/* Synced: what the log holds of ours leaves the queue, and the rest gets
 * final ids, from the one past our last logged (the log takes an author's
 * ops only in order, and a restarted server's log starts again); our own
 * undo targets among them move with them. Then they go. */
static void send_unsent(struct cl_conn *c)
{
	struct cl_board *b = c->board;
	uint32_t logged = b->last_op[b->author];
	if (b->prev_author) {
		/* What the log took under the old number is done; the rest
		 * undoes the old number's strokes by name. */
		logged = b->last_op[b->prev_author];
		while (b->pending_count && pending_at(b, 0)->up.op_id <= logged) {
			b->pending_head = (b->pending_head + 1) % CL_BOARD_PENDING;
			b->pending_count--;
		}
		for (uint32_t i = 0; i < b->pending_count; i++) {
			struct sim_board_op *op = &pending_at(b, i)->up.op;
			if ((op->kind == SIM_OP_UNDO || op->kind == SIM_OP_REDO) && !op->target_author &&
			    op->target_op <= logged)
				op->target_author = b->prev_author;
		}
		b->prev_author = 0;
	} else {
		pop_pending(b, logged);
	}
	b->next_op_id = b->last_op[b->author];
	if (b->pending_count) {
		uint32_t first = pending_at(b, 0)->up.op_id;
		uint32_t shift = b->next_op_id + 1 - first; /* modulo 2^32: may move ids down */
		for (uint32_t i = 0; i < b->pending_count; i++) {
			struct cl_board_pending *p = pending_at(b, i);
			struct sim_board_op *op = &p->up.op;
			bool own = (op->kind == SIM_OP_UNDO || op->kind == SIM_OP_REDO ||
				    op->kind == PROTO_LOG_ANSWER || op->kind == PROTO_LOG_REMOVE) &&
				   (!op->target_author || op->target_author == b->author);
			/* A target among the queued ops moves with them; one before
			 * them, once the ids have moved (a restarted server's log),
			 * named an op of the old log, and would name one of ours
			 * renumbered: it names nothing now (refused as such). */
			if (own && op->target_op >= first && op->target_op < p->up.op_id)
				op->target_op += shift;
			else if (own && shift && op->target_op < first)
				op->target_op = 0;
			p->up.op_id = ++b->next_op_id;
			p->final = true;
		}
	}
	b->resends = 0;
	pump(c);
}

uint32_t cl_board_queue(struct cl_conn *c, const struct proto_board_up *up)
{
	struct cl_board *b = c->board;
	/* Synced without an author number: the room has none left for us, and
	 * the server would refuse every op without logging it. */
	if (!b || b->pending_count == CL_BOARD_PENDING || (b->synced && !b->author))
		return 0;
	/* An op that cannot be said is refused here, before it takes an id:
	 * one stuck in the queue would hold every later one back. */
	uint8_t scratch[PROTO_BOARD_OP_MAX];
	struct proto_board_up probe = *up;
	probe.op_id = 1;
	if (!proto_encode_board_up(&probe, scratch, sizeof(scratch))) {
		c->stats.decode_errors++;
		return 0;
	}
	struct cl_board_pending *p = pending_at(b, b->pending_count++);
	p->up = *up;
	p->up.op_id = ++b->next_op_id;
	p->final = b->synced;
	p->wire = false;
	pump(c);
	return p->up.op_id;
}

static void lesson_apply(struct cl_conn *c, uint16_t author, uint8_t kind,
			 const struct proto_lesson *l)
{
	struct cl_lesson *cl = &c->board->lesson;
	if (kind == PROTO_LOG_LESSON) {
		/* A new lesson: nobody has a step in it yet. Our target (the
		 * last member) may have come first: it is kept, known by the
		 * lesson's name and the step. */
		if (l->active)
			memset(cl, 0, offsetof(struct cl_lesson, target));
		cl->info = *l;
		author = 0;
	} else if (kind == PROTO_LOG_STEP) {
		cl->step[author] = l->step;
		cl->enrolled[author] = true;
		if (l->student[0])
			core_strlcpy(cl->names[author], l->student, sizeof(cl->names[author]));
		if (author == c->board->author) {
			cl->mine = *l;
			memset(&cl->score, 0, sizeof(cl->score));
		}
	} else {
		cl->points[author] = l->points;
		if (author == c->board->author)
			cl->score = *l;
	}
	if (!c->board->in_snapshot) {
		struct cl_event ev = {.type = CL_EVENT_LESSON, .board = {.author = author}};
		cl_push_event(c, &ev);
	}
}

void cl_board_on_target(struct cl_conn *c, const struct proto_lesson_target *t)
{
	if (!c->board)
		return;
	c->board->lesson.target = *t;
	struct cl_event ev = {.type = CL_EVENT_LESSON, .board = {.author = c->board->author}};
	cl_push_event(c, &ev);
}

const struct proto_lesson_target *cl_lesson_target(const struct cl_board *b)
{
	const struct cl_lesson *l = &b->lesson;
	bool ours = l->info.active && b->author && l->enrolled[b->author] &&
		    l->target.polyline_count && l->target.step == l->mine.step &&
		    !strcmp(l->target.name, l->info.name);
	return ours ? &l->target : NULL;
}

void cl_board_state_hash(const struct cl_board *b, uint8_t out[PROTO_BOARD_HASH_BYTES])
{
	struct proto_state_hash h;
	proto_state_hash_init(&h);
	for (uint32_t i = 0; i < b->chat_count; i++) {
		const struct cl_chat_line *l = cl_chat_line(b, i);
		proto_state_hash_chat(&h, l->author, l->op_id, &l->chat);
	}
	const struct cl_lesson *l = &b->lesson;
	if (l->info.name[0]) {
		proto_state_hash_lesson(&h, l->info.name, l->info.active, l->info.board);
		for (uint16_t a = 1; a < SIM_BOARD_AUTHORS; a++)
			if (l->enrolled[a])
				proto_state_hash_student(&h, a, l->step[a], l->points[a]);
	}
	proto_state_hash_final(&h, out);
}

static void chat_apply(struct cl_conn *c, uint16_t author, uint32_t op_id, uint32_t seq,
		       const struct sim_board_op *op, const struct proto_chat *chat)
{
	struct cl_board *b = c->board;
	if (op->kind == PROTO_LOG_REMOVE) {
		uint16_t target = op->target_author ? op->target_author : author;
		uint32_t kept = 0;
		for (uint32_t i = 0; i < b->chat_count; i++)
			if (b->chat[i].author != target || b->chat[i].op_id != op->target_op)
				b->chat[kept++] = b->chat[i];
		b->chat_count = kept;
	} else if (op->kind == PROTO_LOG_ANSWER) {
		uint16_t target = op->target_author ? op->target_author : author;
		for (uint32_t i = 0; i < b->chat_count; i++) {
			struct cl_chat_line *l = &b->chat[i];
			if (l->author == target && l->op_id == op->target_op)
				l->chat.answered = true;
		}
	} else {
		(void)proto_chat_make_room(b->chat, sizeof(b->chat[0]),
					   offsetof(struct cl_chat_line, chat), &b->chat_count);
		b->chat[b->chat_count] = (struct cl_chat_line){.seq = seq, .author = author,
							       .op_id = op_id,
							       .own = author == b->author,
							       .chat = *chat};
		b->chat_count++;
		b->stats.chat++;
	}
	if (!b->in_snapshot) {
		struct cl_event ev = {.type = CL_EVENT_CHAT, .board = {.author = author, .op_id = op_id}};
		cl_push_event(c, &ev);
	}
}

/* One op of the log (seq 0: part of a snapshot). */
static bool apply(struct cl_conn *c, const struct proto_log_op *l, uint32_t seq)
{
	struct cl_board *b = c->board;
	uint16_t author = l->kind == PROTO_LOG_OWN ? b->author : l->author;
	if (!author)
		return false;
	if (l->kind == PROTO_LOG_LAST) {
		b->last_op[author] = l->last_op;
		if (author == b->author && l->reason && !b->in_snapshot) {
			b->stats.refused++;
			struct cl_event ev = {.type = CL_EVENT_BOARD_REFUSED,
					      .board = {.author = author, .op_id = l->last_op,
							.reason = l->reason}};
			cl_push_event(c, &ev);
			pop_pending(b, l->last_op);
		}
		return true;
	}
	const struct sim_board_op *op = &l->op;
	const struct proto_chat *chat = &l->chat;
	uint32_t op_id = b->last_op[author] + l->op_id_delta;
	if (l->kind == PROTO_LOG_OWN) {
		if (!b->pending_count || !pending_at(b, 0)->final || pending_at(b, 0)->up.op_id != op_id)
			return false; /* the server confirms an op we do not have */
		op = &pending_at(b, 0)->up.op;
		chat = &pending_at(b, 0)->up.chat;
		b->stats.own++;
	}
	b->last_op[author] = op_id;
	if (op->kind == PROTO_LOG_HIDDEN) {
		b->stats.hidden++;
		if (author == b->author)
			pop_pending(b, op_id);
		return true;
	}
	if (proto_log_is_chat(op->kind)) {
		chat_apply(c, author, op_id, seq, op, chat);
	} else if (op->kind >= PROTO_LOG_LESSON && op->kind <= PROTO_LOG_SCORE) {
		lesson_apply(c, author, op->kind, &l->lesson);
	} else {
		enum sim_board_result r = b->no_replica && author != b->author
						  ? SIM_BOARD_APPLIED
						  : sim_board_apply(&b->boards, author, op_id, seq, op);
		if (r != SIM_BOARD_APPLIED && r != SIM_BOARD_NOOP)
			return false;
		b->stats.ops++;
		if (b->on_op && !b->in_snapshot)
			b->on_op(b->on_op_user, author, op_id, op, author == b->author);
	}
	if (author == b->author)
		pop_pending(b, op_id);
	return true;
}

/* A tail or live message against the seq we hold: 1 applied (or old), 0
 * a gap before it, -1 it does not add up. */
static int apply_seq(struct cl_conn *c, const struct proto_log_head *h, struct proto_reader *r)
{
	struct cl_board *b = c->board;
	if (h->first_seq > b->applied_seq + 1)
		return 0;
	uint32_t seq = h->first_seq;
	struct proto_log_op op;
	int k;
	bool changed = false;
	while ((k = proto_log_next(r, &op)) == 1) {
		if (seq > b->applied_seq) {
			if (!apply(c, &op, seq))
				return -1;
			b->applied_seq = seq;
			changed = true;
		}
		seq++;
	}
	if (k < 0)
		return -1;
	if (changed) {
		struct cl_event ev = {.type = CL_EVENT_BOARD, .board = {.board = SIM_BOARDS}};
		cl_push_event(c, &ev);
	}
	return 1;
}

static void hold(struct cl_board *b, const struct proto_log_head *h, const uint8_t *data,
		 uint32_t len)
{
	if (len > PROTO_MAX_PACKET)
		return;
	if (b->held_count == CL_BOARD_HELD) {
		/* The oldest goes: the repair that is on its way covers it. */
		memmove(&b->held[0], &b->held[1], sizeof(b->held[0]) * (CL_BOARD_HELD - 1));
		b->held_count--;
		b->stats.dropped_held++;
	}
	struct cl_board_held *e = &b->held[b->held_count++];
	e->first_seq = h->first_seq;
	e->len = len;
	memcpy(e->data, data, len);
}

/* Held live batches that now follow on. */
static void drain_held(struct cl_conn *c)
{
	struct cl_board *b = c->board;
	for (bool again = true; again;) {
		again = false;
		for (int i = 0; i < b->held_count; i++) {
			struct cl_board_held *e = &b->held[i];
			if (e->first_seq > b->applied_seq + 1)
				continue;
			struct proto_log_head h;
			struct proto_reader r;
			int k = proto_log_open(e->data, e->len, &h, &r) == CORE_OK ? apply_seq(c, &h, &r) : -1;
			memmove(e, e + 1, sizeof(*e) * (size_t)(b->held_count - i - 1));
			b->held_count--;
			if (k < 0) {
				resync(c);
				return;
			}
			again = true;
			break;
		}
	}
}

void cl_board_on_message(struct cl_conn *c, const uint8_t *data, uint32_t len)
{
	struct cl_board *b = c->board;
	if (!b) {
		c->stats.board_ignored++;
		return;
	}
	b->stats.bytes += len;
	struct proto_log_head h;
	struct proto_reader r;
	if (proto_log_open(data, len, &h, &r) != CORE_OK) {
		c->stats.decode_errors++;
		return;
	}
	struct proto_log_op op;
	int k;
	switch (h.mode) {
	case PROTO_LOG_SNAP:
	case PROTO_LOG_SNAP_END:
		if (h.start) {
			if (h.epoch != b->took_epoch)
				b->took_count = 0; /* another log: its op ids name other strokes */
			sim_board_reset(&b->boards);
			memset(b->last_op, 0, sizeof(b->last_op));
			b->chat_count = 0;
			memset(&b->lesson, 0, offsetof(struct cl_lesson, target)); /* the target stays */
			b->epoch = h.epoch;
			b->in_snapshot = true;
		}
		if (!b->in_snapshot)
			return; /* the part of a snapshot whose start we did not take */
		while ((k = proto_log_next(&r, &op)) == 1)
			if (!apply(c, &op, 0))
				k = -1;
		if (k < 0) {
			b->in_snapshot = false;
			resync(c);
			return;
		}
		if (h.mode == PROTO_LOG_SNAP_END) {
			b->in_snapshot = false;
			b->applied_seq = h.first_seq;
			b->stats.snapshots++;
			/* What the snapshot holds of ours is confirmed. */
			pop_pending(b, b->last_op[b->author]);
			struct cl_event ev = {.type = CL_EVENT_BOARD,
					      .board = {.board = SIM_BOARDS, .snapshot = true}};
			cl_push_event(c, &ev);
			ev = (struct cl_event){.type = CL_EVENT_CHAT, .board = {.snapshot = true}};
			cl_push_event(c, &ev);
			ev = (struct cl_event){.type = CL_EVENT_LESSON, .board = {.snapshot = true}};
			cl_push_event(c, &ev);
		}
		return;
	case PROTO_LOG_TAIL:
		b->stats.tails++;

		if (b->in_snapshot || !b->epoch)
			return;
		k = apply_seq(c, &h, &r);
		if (k <= 0) { /* a tail always follows on from what we asked */
			resync(c);
			return;
		}
		if (b->sync_asked) {
			b->sync_asked = false;
			if (!b->synced) {
				b->synced = true;
				send_unsent(c);
			}
		}
		drain_held(c);
		return;
	case PROTO_LOG_LIVE:
	default:
		b->stats.live++;
		if (b->in_snapshot || !b->epoch) {
			hold(b, &h, data, len);
			return;
		}
		k = apply_seq(c, &h, &r);
		if (k < 0) {
			resync(c);
		} else if (k == 0) {
			hold(b, &h, data, len);
			if (!b->sync_asked) {
				b->stats.gaps++;
				ask_sync(c);
			}
		} else {
			drain_held(c);
		}
		return;
	}
}

void cl_board_service(struct cl_conn *c, uint64_t now_us)
{
	struct cl_board *b = c->board;
	if (!b || c->state != CL_STATE_JOINED)
		return;
	/* Asked and not answered (the request throttled or deferred): again,
	 * but not while a snapshot is arriving. */
	if (b->sync_asked && !b->in_snapshot && now_us - b->sync_asked_us > CL_BOARD_SYNC_RETRY_US)
		ask_sync(c);
	pump(c);
}
