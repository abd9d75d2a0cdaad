/* A room's op log: seqs, the boards, live batches, tails and snapshots (sv_log.h). */
#include "sv.h"
#include "plat.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* A tail this small is always sent as it is, never a snapshot. */
#define SV_TAIL_ALWAYS 65536u
/* A bigger answer (a long tail, a snapshot) goes to one client at most this
 * often; a request in between waits for the client's retry: no client can
 * make the server queue megabytes for it again and again. */
#define SV_BIG_SYNC_GAP_US 2000000u
/* A snapshot's transfer: the loop runs without pauses this long. */
#define SV_LOG_TRANSFER_US 1000000u
/* Messages of a tail or snapshot, on the log channel. */

static void log_release(struct sv_log *log)
{
	sim_board_fini(&log->boards);
	free(log->bytes);
	free(log->offs);
	free(log->live_meta);
	free(log->snap);
	free(log->zone_of);
	free(log->chat);
	free(log);
}

void sv_log_free(struct sv_room *room)
{
	sv_lesson_free(room);
	if (room->log)
		log_release(room->log);
	room->log = NULL;
	free(room->author_user);
	room->author_user = NULL;
	room->author_count = 0;
}

bool sv_log_open(struct sv_server *sv, struct sv_room *room)
{
	(void)sv;
	if (room->log)
		return true;
	struct sv_log *log = calloc(1, sizeof(*log));
	if (!log)
		return false;
	/* Big blocks come from the system zeroed and cost memory only where
	 * written: an idle room's log is a few pages. */
	log->bytes = malloc(SV_LOG_BYTES);
	log->offs = calloc(SV_LOG_OPS, sizeof(*log->offs));
	log->live_meta = calloc(SV_LIVE_MAX, sizeof(*log->live_meta));
	log->snap = malloc(SV_LOG_SNAP_BYTES);
	log->zone_of = calloc(SV_LOG_OPS, 1);
	log->chat = calloc(PROTO_CHAT_HISTORY, sizeof(*log->chat));
	if (!log->bytes || !log->offs || !log->live_meta || !log->snap || !log->zone_of || !log->chat ||
	    sim_board_init(&log->boards, SV_LOG_POINTS) != CORE_OK) {
		log_release(log);
		CORE_ERROR("room=%s: no memory for its op log; its boards stay closed", room->name);
		return false;
	}
	log->epoch = randombytes_random() | 1u;
	log->first_seq = 1;
	log->live_from = 1;
	log->hash_logged = true;
	sim_board_setup(&log->boards, room->world->sim);
	room->log = log;
	return true;
}

/* The member of the room who draws as author now, or NULL. */
static const struct sv_client *member_drawing_as(const struct sv_server *sv,
						 const struct sv_room *room, uint16_t author)
{
	for (int i = 0; i < room->member_count; i++)
		if (sv->clients[room->members[i]].author == author)
			return &sv->clients[room->members[i]];
	return NULL;
}

uint16_t sv_log_author(struct sv_server *sv, struct sv_room *room, const char *user)
{
	if (!room->author_user)
		room->author_user = calloc(SIM_BOARD_AUTHORS, sizeof(*room->author_user));
	if (!room->author_user) {
		CORE_WARN("room=%s: no memory for author numbers; a newcomer cannot draw", room->name);
		return 0;
	}
	for (int a = 1; user[0] && a <= room->author_count; a++) {
		if (strcmp(room->author_user[a], user))
			continue;
		/* The same user on a second device draws as someone else: two
		 * connections must not share op ids. */
		if (!member_drawing_as(sv, room, (uint16_t)a))
			return (uint16_t)a;
	}
	if (room->author_count + 1 >= SIM_BOARD_AUTHORS) {
		CORE_WARN("room=%s has given out all %d author numbers; a newcomer cannot draw",
			  room->name, SIM_BOARD_AUTHORS - 1);
		return 0;
	}
	int a = ++room->author_count;
	core_strlcpy(room->author_user[a], user, sizeof(room->author_user[a]));
	return (uint16_t)a;
}

/* --- the compacted snapshot --- */

struct msg_builder {
	uint8_t *out;    /* the snapshot buffer */
	uint32_t cap, len;
	uint32_t start;  /* the open message's length word */
	uint32_t msg_len;
	bool first;
	bool failed;
	uint32_t epoch;
};

static void builder_open(struct msg_builder *b, uint8_t mode, uint32_t first_seq)
{
	struct proto_log_head h = {.mode = mode, .start = b->first, .first_seq = first_seq,
				   .epoch = b->epoch};
	b->first = false;
	if (b->len + 4 + PROTO_LOG_HEAD_MAX > b->cap) {
		b->failed = true;
		return;
	}
	b->start = b->len;
	b->len += 4;
	b->msg_len = proto_log_head_encode(&h, b->out + b->len, PROTO_LOG_HEAD_MAX);
	b->len += b->msg_len;
}

static void builder_close(struct msg_builder *b)
{
	memcpy(b->out + b->start, &b->msg_len, 4);
}

static void builder_op(struct msg_builder *b, const struct proto_log_op *op)
{
	if (b->failed)
		return;
	if (b->msg_len + PROTO_BOARD_OP_MAX > SV_LOG_CHUNK) {
		builder_close(b);
		builder_open(b, PROTO_LOG_SNAP, 0);
	}
	uint32_t room = b->cap - b->len;
	uint32_t n = proto_log_op_encode(op, b->out + b->len, room < PROTO_BOARD_OP_MAX ? room : PROTO_BOARD_OP_MAX);
	if (!n) {
		b->failed = true;
		return;
	}
	b->len += n;
	b->msg_len += n;
}

/* Up to 64 points as an op: a begin's absolute, an append's offsets from
 * the point before them (base). */
static void snap_points(struct msg_builder *mb, struct proto_log_op *op,
			const struct sim_board_point *pts, uint16_t n, const struct sim_board_point *base)
{
	sim_board_op_points(&op->op, pts, n, base);
	builder_op(mb, op);
}

/* A stroke as ops: its begin, its points 64 at a time, its end (if it is
 * its author's newest and closed), its tombstone. */
static void snap_stroke(struct msg_builder *mb, const struct sim_boards *b,
			const struct sim_stroke *s, uint32_t *replay_last, bool last_of_author)
{
	struct proto_log_op op = {.kind = SIM_OP_BEGIN, .author = s->author};
	op.op_id_delta = s->op_id - replay_last[s->author];
	replay_last[s->author] = s->op_id;
	op.op = (struct sim_board_op){.kind = SIM_OP_BEGIN, .board = s->board, .width = s->width,
				      .color = s->color};
	struct sim_board_point pts[SIM_BOARD_OP_POINTS], base = {0};
	uint16_t n = 0;
	bool begun = false;
	for (uint32_t c = s->first; c; c = b->chunks[c].next) {
		const struct sim_board_chunk *ch = &b->chunks[c];
		for (uint32_t i = 0; i < ch->count; i++) {
			if (n == SIM_BOARD_OP_POINTS) {
				snap_points(mb, &op, pts, n, begun ? &base : NULL);
				base = pts[n - 1];
				begun = true;
				op.kind = op.op.kind = SIM_OP_APPEND;
				op.op_id_delta = 0; /* continues the begin */
				n = 0;
			}
			pts[n++] = ch->points[i];
		}
	}
	snap_points(mb, &op, pts, n, begun ? &base : NULL);
	if (!(s->flags & SIM_STROKE_OPEN) && last_of_author) {
		struct proto_log_op end = {.kind = SIM_OP_END, .author = s->author,
					   .op = {.kind = SIM_OP_END}};
		builder_op(mb, &end);
	}
	if (s->flags & SIM_STROKE_UNDONE) { /* as whoever undid it */
		uint16_t by = s->undone_by ? s->undone_by : s->author;
		struct proto_log_op undo = {
			.kind = SIM_OP_UNDO, .author = by,
			.op = {.kind = SIM_OP_UNDO, .target_author = by != s->author ? s->author : 0,
			       .target_op = s->op_id}};
		builder_op(mb, &undo);
	}
}

static void snap_emit(void *ctx, const struct proto_log_op *op)
{
	builder_op(ctx, op);
}

/* Rebuilds the compacted snapshot at the log's seq. */
static bool snap_build(struct sv_server *sv, struct sv_room *room)
{
	struct sv_log *log = room->log;
	const struct sim_boards *b = &log->boards;
	uint64_t t0 = plat_time_us();
	struct msg_builder mb = {.out = log->snap, .cap = SV_LOG_SNAP_BYTES, .first = true,
				 .epoch = log->epoch};
	/* Each author's newest stroke: only it may need an END. */
	uint32_t *newest = sv->log_scratch.newest, *replay_last = sv->log_scratch.replay_last;
	memset(newest, 0, sizeof(sv->log_scratch.newest));
	memset(replay_last, 0, sizeof(sv->log_scratch.replay_last));
	for (uint32_t i = 0; i < b->stroke_count; i++)
		newest[b->strokes[i].author] = i + 1;
	builder_open(&mb, PROTO_LOG_SNAP, 0);
	for (uint32_t i = 0; i < b->stroke_count && !mb.failed; i++)
		snap_stroke(&mb, b, &b->strokes[i], replay_last, newest[b->strokes[i].author] == i + 1);
	/* The room's recent chat, each message after a LAST that puts its
	 * author's op ids just before it (they interleave with strokes'). */
	for (uint32_t i = 0; i < log->chat_count; i++) {
		const struct sv_chat_entry *e = sv_chat_history(log, i);
		struct proto_log_op last = {.kind = PROTO_LOG_LAST, .author = e->author,
					    .last_op = e->op_id - 1};
		struct proto_log_op chat = {.kind = PROTO_LOG_CHAT, .author = e->author,
					    .op_id_delta = 1, .op = {.kind = PROTO_LOG_CHAT},
					    .chat = e->chat};
		builder_op(&mb, &last);
		builder_op(&mb, &chat);
	}
	sv_lesson_snapshot(room, snap_emit, &mb);
	builder_close(&mb);
	/* The last part: every author's last op id, and the seq it holds to. */
	builder_open(&mb, PROTO_LOG_SNAP_END, log->seq);
	for (int a = 1; a < SIM_BOARD_AUTHORS; a++) {
		if (!log->last_op[a])
			continue;
		struct proto_log_op last = {.kind = PROTO_LOG_LAST, .author = (uint16_t)a,
					    .last_op = log->last_op[a]};
		builder_op(&mb, &last);
	}
	builder_close(&mb);
	if (mb.failed) {
		log->snap_valid = false;
		CORE_ERROR("room=%s: its boards do not fit a snapshot of %u bytes (they cannot: "
			   "SV_LOG_SNAP_BYTES is sized for full boards); late joiners will not "
			   "receive them",
			   room->name, SV_LOG_SNAP_BYTES);
		return false;
	}
	log->snap_len = mb.len;
	log->snap_seq = log->seq;
	log->snap_valid = true;
	sv->board_snap_builds++;
	CORE_INFO("board snapshot room=%s seq=%u strokes=%u points=%llu bytes=%u build_us=%llu",
		  room->name, log->seq, b->stroke_count, (unsigned long long)b->points, mb.len,
		  (unsigned long long)(plat_time_us() - t0));
	return true;
}

_Static_assert((uint64_t)SV_LOG_POINTS * 12 + 65536ull * 64 + SV_LOG_POINTS / 64 * 16 <
		       SV_LOG_SNAP_BYTES,
	       "a snapshot of full boards must fit SV_LOG_SNAP_BYTES");

/* --- sending --- */

static uint32_t op_offset(const struct sv_log *log, uint32_t seq)
{
	return seq > log->seq ? log->used : log->offs[seq - log->first_seq];
}

static void send_log(struct sv_server *sv, struct sv_client *c, const uint8_t *msg, uint32_t len)
{
	if (net_host_send(sv->net, c->peer, NET_CH_LOG, msg, len) != CORE_OK)
		CORE_WARN("client=%u: its log message of %u bytes could not be queued", c->id, len);
}

/* A zone's message is shown to a member outside the zone as its author's
 * op id only (HIDDEN): the member's replica still counts the seq. */
static bool hidden_from(const struct sv_log *log, uint32_t seq, const struct sv_client *c)
{
	uint8_t z = log->zone_of[seq - log->first_seq];
	return z && z - 1 != c->avatar.zone;
}

/* op at seq as member c is to see it: the logged bytes, or HIDDEN written
 * into alt (author and delta kept). Returns its length. */
static uint32_t op_for(const struct sv_log *log, uint32_t seq, const struct sv_client *c,
		       const uint8_t **src, uint8_t alt[8])
{
	uint32_t at = op_offset(log, seq);
	*src = log->bytes + at;
	if (seq > log->zone_last_seq || !hidden_from(log, seq, c))
		return op_offset(log, seq + 1) - at;
	struct proto_reader r;
	struct proto_log_op o;
	proto_reader_init(&r, log->bytes + at, op_offset(log, seq + 1) - at);
	if (proto_log_next(&r, &o) != 1)
		return 0;
	if (o.author == c->author) /* one's own line, from whichever zone one is in now */
		return op_offset(log, seq + 1) - at;
	struct proto_log_op h = {.kind = PROTO_LOG_HIDDEN, .author = o.author,
				 .op_id_delta = o.op_id_delta, .op = {.kind = PROTO_LOG_HIDDEN}};
	*src = alt;
	return proto_log_op_encode(&h, alt, 8);
}

/* Ops from..log->seq on the log channel, in parts of at most SV_LOG_CHUNK
 * bytes; at least one message, so the receiver knows it is up to date. */
static void send_tail(struct sv_server *sv, struct sv_client *c, uint32_t from)
{
	struct sv_log *log = c->room->log;
	uint8_t *msg = sv->log_scratch.msg;
	uint32_t seq = from;
	do {
		struct proto_log_head h = {.mode = PROTO_LOG_TAIL, .first_seq = seq};
		uint32_t len = proto_log_head_encode(&h, msg, PROTO_LOG_HEAD_MAX);
		uint32_t start = op_offset(log, seq), end = start;
		if (seq > log->zone_last_seq) { /* no zone messages: the bytes as logged */
			while (seq <= log->seq) {
				uint32_t next = op_offset(log, seq + 1);
				if (next - start > SV_LOG_CHUNK && end > start)
					break;
				end = next;
				seq++;
			}
			memcpy(msg + len, log->bytes + start, end - start);
			len += end - start;
		} else {
			uint32_t body = len;
			for (; seq <= log->seq; seq++) {
				uint8_t alt[8];
				const uint8_t *src;
				uint32_t n = op_for(log, seq, c, &src, alt);
				if (len - body + n > SV_LOG_CHUNK && len > body)
					break;
				memcpy(msg + len, src, n);
				len += n;
			}
		}
		send_log(sv, c, msg, len);
	} while (seq <= log->seq);
	sv->board_tails++;
}

static void send_snapshot(struct sv_server *sv, struct sv_client *c)
{
	struct sv_log *log = c->room->log;
	for (uint32_t at = 0; at < log->snap_len;) {
		uint32_t len;
		memcpy(&len, log->snap + at, 4);
		send_log(sv, c, log->snap + at + 4, len);
		at += 4 + len;
	}
	sv->board_snapshots++;
	/* ENet sends a window at a time as acks come back: the loop answers
	 * them at once, not on its usual cadence, while this goes out. */
	sv->board_transfer_until_us = sv->now_us + SV_LOG_TRANSFER_US;
}

void sv_on_board_sync(struct sv_server *sv, struct sv_client *c, const union proto_any *m,
		      uint32_t len)
{
	(void)len;
	if (!c->room->log && !sv_log_open(sv, c->room))
		return;
	struct sv_log *log = c->room->log;
	const struct proto_board_sync *q = &m->board_sync;
	/* Its first sync comes after its WELCOME: what went to it on the log
	 * channel at the join may have overtaken the WELCOME and been
	 * dropped (another channel), so its lesson target goes again. */
	if (!c->board_synced) {
		c->board_synced = true;
		sv_lesson_on_first_sync(sv, c);
	}
	/* The live ops not yet flushed are in the tail: flush first, so the
	 * live batch that follows starts past it. */
	sv_log_flush(sv, c->room, sv->now_us, true);
	bool has_tail = q->epoch == log->epoch && q->last_seq <= log->seq &&
			q->last_seq + 1 >= log->first_seq;
	uint32_t tail = has_tail ? log->used - op_offset(log, q->last_seq + 1) : UINT32_MAX;
	bool small = tail <= SV_TAIL_ALWAYS ||
		     (!has_tail && log->snap_valid && log->snap_len <= SV_TAIL_ALWAYS &&
		      log->used - op_offset(log, log->snap_seq + 1) <= SV_TAIL_ALWAYS);
	if (!small && c->big_sync_us && sv->now_us - c->big_sync_us < SV_BIG_SYNC_GAP_US) {
		sv->board_syncs_deferred++;
		return;
	}
	if (small && has_tail &&
	    !proto_bucket_take(&c->buckets[PROTO_BUCKET_SYNC_ANSWER], PROTO_BUCKET_SYNC_ANSWER,
			       tail, sv->now_us)) {
		sv->board_syncs_deferred++;
		return;
	}
	if (!small)
		c->big_sync_us = sv->now_us;
	if (tail <= SV_TAIL_ALWAYS || (log->snap_valid && tail <= log->snap_len)) {
		send_tail(sv, c, q->last_seq + 1);
		return;
	}
	/* A snapshot and the tail after it: rebuilt when the tail since it
	 * has grown past a quarter of it (so a late join stays flat). */
	bool stale = !log->snap_valid || log->snap_seq + 1 < log->first_seq ||
		     log->used - op_offset(log, log->snap_seq + 1) > log->snap_len / 4;
	if (stale && !snap_build(sv, c->room))
		return;
	send_snapshot(sv, c);
	send_tail(sv, c, log->snap_seq + 1);
}

/* --- logging an op --- */

/* The log is full: the snapshot becomes its start. */
static void compact(struct sv_server *sv, struct sv_room *room)
{
	struct sv_log *log = room->log;
	sv_log_flush(sv, room, sv->now_us, true);
	if (!snap_build(sv, room))
		CORE_ERROR("room=%s: the op log is full and cannot be compacted; clients that "
			   "fall behind now get no tail", room->name);
	else if (sv->log_sink.compacted)
		sv->log_sink.compacted(sv->log_sink.ctx, room->name, log->epoch, log->snap_seq,
				       log->snap, log->snap_len);
	CORE_INFO("board log compacted room=%s seq=%u ops_dropped=%u bytes_dropped=%u", room->name,
		  log->seq, log->seq + 1 - log->first_seq, log->used);
	log->first_seq = log->seq + 1;
	log->used = 0;
}

/* Room for one more op: a full log is compacted (before the op changes
 * the boards, so the snapshot holds up to the op before it). */
static void log_reserve(struct sv_server *sv, struct sv_room *room)
{
	struct sv_log *log = room->log;
	if (log->used + PROTO_BOARD_OP_MAX > SV_LOG_BYTES || log->seq + 1 - log->first_seq >= SV_LOG_OPS)
		compact(sv, room);
	if (log->seq + 1 - log->live_from >= SV_LIVE_MAX)
		sv_log_flush(sv, room, sv->now_us, true);
}

/* Logs op as the next seq; false (nothing logged) if it cannot be said. */
static bool log_append(struct sv_server *sv, struct sv_room *room, const struct proto_log_op *op,
		       uint16_t own_author)
{
	bool zone = op->kind == PROTO_LOG_CHAT && op->chat.scope == PROTO_CHAT_ZONE;
	struct sv_log *log = room->log;
	uint32_t n = proto_log_op_encode(op, log->bytes + log->used, PROTO_BOARD_OP_MAX);
	if (!n) { /* the decoder let through what the encoder cannot say */
		CORE_ERROR("room=%s: an op of kind %u could not be logged", room->name, op->kind);
		return false;
	}
	uint32_t seq = ++log->seq;
	log->offs[seq - log->first_seq] = log->used;
	log->zone_of[seq - log->first_seq] = zone ? (uint8_t)(op->chat.zone + 1) : 0;
	if (zone)
		log->zone_last_seq = seq;
	if (log->live_from == seq)
		log->live_since_us = sv->now_us;
	log->live_meta[seq - log->live_from] = (struct sv_live_meta){own_author, op->op_id_delta};
	if (sv->log_sink.append)
		sv->log_sink.append(sv->log_sink.ctx, room->name, log->epoch, seq,
				    log->bytes + log->used, n);
	log->used += n;
	log->hash_logged = false;
	int r = (int)(room - sv->rooms);
	sv->log_pending[r / 64] |= 1ull << (r % 64);
	sv->board_live_until_us = sv->now_us + SV_VOICE_LIVE_US;
	return true;
}

/* Would the op apply? SIM_BOARD_APPLIED (or NOOP), or why not (a LAST's
 * reason); need is the permission it asked for (PROTO_PERM_NONE: a rank),
 * which a PROTO_LOG_REFUSED_ROLE lacked. */
static int check_op(const struct sv_client *c, const struct sv_log *log, struct proto_log_op *op,
		    enum proto_perm *need)
{
	if (proto_log_is_chat(op->kind)) {
		*need = PROTO_PERM_CHAT;
		return proto_perm_allows((enum proto_role)c->role, PROTO_PERM_CHAT)
			       ? sv_chat_check(c, log, op, need)
			       : PROTO_LOG_REFUSED_ROLE;
	}
	*need = PROTO_PERM_DRAW;
	if ((op->kind == SIM_OP_UNDO || op->kind == SIM_OP_REDO) && op->op.target_author &&
	    op->op.target_author != c->author)
		*need = PROTO_PERM_ERASE_OTHERS;
	/* Bringing back what someone else erased is erasing others' work too. */
	const struct sim_stroke *s = op->kind == SIM_OP_REDO
					     ? sim_board_find(&log->boards,
							      op->op.target_author ? op->op.target_author
										   : c->author,
							      op->op.target_op)
					     : NULL;
	if (s && s->undone_by && s->undone_by != c->author)
		*need = PROTO_PERM_ERASE_OTHERS;
	if (op->kind == SIM_OP_CLEAR)
		*need = PROTO_PERM_CLEAR_BOARD;
	if (!proto_perm_allows((enum proto_role)c->role, *need))
		return PROTO_LOG_REFUSED_ROLE;
	return (int)sim_board_check(&log->boards, c->author, &op->op);
}

/* The member of the room who draws as author, quoted; else the user its
 * token named, or "author=N" for an anonymous one gone (its work outlives
 * it). */
static const char *author_label(struct sv_server *sv, const struct sv_room *room, uint16_t author,
				char out[PROTO_QUOTED_MAX])
{
	const struct sv_client *m = member_drawing_as(sv, room, author);
	if (m)
		return sv_qname(m, out);
	const char *user = sv_author_user(room, author);
	if (user[0])
		return proto_log_quote(out, PROTO_QUOTED_MAX, user);
	snprintf(out, PROTO_QUOTED_MAX, "author=%u", author);
	return out;
}

/* What a member does to others' work is on the record (an operator asked
 * "who wiped the board?" has the answer): a board cleared, someone else's
 * stroke taken off or put back, someone else's chat line removed. Called
 * before the op is applied, while the line it removes is still there. */
static void record_op_on_others(struct sv_server *sv, const struct sv_client *c,
				const struct sv_room *room, const struct proto_log_op *op,
				uint8_t type)
{
	char qa[PROTO_QUOTED_MAX], qt[PROTO_QUOTED_MAX], qx[PROTO_QUOTED_MAX];
	const struct sim_board_op *b = &op->op;
	if (type == PROTO_MSG_CHAT) {
		const struct sv_chat_entry *e = op->kind == PROTO_LOG_REMOVE
							? sv_chat_named_line(room->log, op)
							: NULL;
		if (e && e->author != c->author)
			CORE_INFO("chat line removed room=%s by client=%u name=%s: said by %s text=%s",
				  room->name, c->id, sv_qname(c, qa),
				  author_label(sv, room, e->author, qt),
				  proto_log_quote(qx, sizeof(qx), e->chat.text));
		return;
	}
	if (b->kind == SIM_OP_CLEAR)
		CORE_INFO("board cleared room=%s board=%u by client=%u name=%s", room->name, b->board + 1u,
			  c->id, sv_qname(c, qa));
	else if ((b->kind == SIM_OP_UNDO || b->kind == SIM_OP_REDO) && b->target_author &&
		 b->target_author != c->author)
		CORE_INFO("board stroke %s room=%s by client=%u name=%s: drawn by %s op=%u",
			  b->kind == SIM_OP_UNDO ? "taken off" : "put back", room->name, c->id,
			  sv_qname(c, qa),
			  author_label(sv, room, b->target_author, qt), b->target_op);
}

/* The author's next op (its id one past the last logged), checked and
 * logged, or logged as refused. */
static void log_client_op(struct sv_server *sv, struct sv_client *c, const struct proto_board_up *u,
			  uint8_t type, uint32_t len)
{
	struct sv_room *room = c->room;
	struct sv_log *log = room->log;
	log_reserve(sv, room);
	/* Checked, logged, and only then applied: the room's state never holds
	 * an op the log does not. */
	struct proto_log_op op = {.kind = u->op.kind, .author = c->author,
				  .op_id_delta = u->op_id - log->last_op[c->author], .op = u->op,
				  .chat = u->chat};
	enum proto_perm need = PROTO_PERM_NONE;
	int result = check_op(c, log, &op, &need);
	if (result == SIM_BOARD_APPLIED || result == SIM_BOARD_NOOP) {
		if (!log_append(sv, room, &op, c->author)) {
			sv_violation(sv, c, "a room op that cannot be logged", len);
			return;
		}
		/* Before anything else is logged (a score may compact the log,
		 * and the snapshot must hold this op id). */
		log->last_op[c->author] = u->op_id;
		uint32_t seq = log->seq;
		if (result == SIM_BOARD_APPLIED)
			record_op_on_others(sv, c, room, &op, type);
		if (type == PROTO_MSG_CHAT) {
			sv->chat_ops++;
			if (sv_chat_apply(log, c->author, c->role, u->op_id, &op))
				CORE_WARN("room=%s: %d questions wait for an answer; the oldest left the "
					  "chat history (staff: answer them, or they go)",
					  room->name, PROTO_CHAT_OPEN_MAX);
		} else {
			sv->board_ops++;
			(void)sim_board_apply(&log->boards, c->author, u->op_id, seq, &u->op);
			sv_lesson_after_op(sv, room, c->author, &u->op);
		}
		return;
	} else {
		/* Logged as refused: the author learns it in order with the rest. */
		sv->board_refused++;
		if (result == PROTO_LOG_REFUSED_ROLE && need == PROTO_PERM_NONE) /* a rank */
			sv_refuse_action(sv, c, type, "only someone of higher rank may remove that line");
		else if (result == PROTO_LOG_REFUSED_ROLE) /* the op's own need, not the message's */
			sv_refuse_perm(sv, c, type, need);
		else
			sv_refuse_action(sv, c, type, proto_log_reason_name((uint8_t)result));
		struct proto_log_op last = {.kind = PROTO_LOG_LAST, .author = c->author,
					    .last_op = u->op_id, .reason = (uint8_t)result};
		(void)log_append(sv, room, &last, 0);
	}
	log->last_op[c->author] = u->op_id;
}

void sv_on_board_ops(struct sv_server *sv, struct sv_client *c, const union proto_any *m,
		     uint32_t len)
{
	struct sv_room *room = c->room;
	if (!room->log)
		(void)sv_log_open(sv, room);
	struct sv_log *log = room->log;
	if (!log || !c->author) {
		sv_refuse_action(sv, c, PROTO_MSG_BOARD_OP, "this room's log is closed to you");
		return;
	}
	const struct proto_board_ops *ops = &m->board_ops;
	for (uint8_t i = 0; i < ops->count && c->state == SV_CLIENT_JOINED; i++) {
		const uint8_t *part = ops->data + ops->part[i].off;
		union proto_any one;
		if (!sv_input_part(sv, c, part, ops->part[i].len, &one))
			return;
		const struct proto_board_up *u = &one.board_up;
		uint32_t last = log->last_op[c->author];
		if (u->op_id <= last) {
			sv->board_dups++; /* sent again before its confirmation came back */
			continue;
		}
		if (u->op_id - last > PROTO_OP_ID_GAP_MAX) {
			sv_violation(sv, c, "a room op id far past the author's last", len);
			return;
		}
		if (u->op_id != last + 1) {
			/* An earlier datagram was lost: logging this one would
			 * skip an op for good. The author sends from the gap. */
			sv->board_gaps += ops->count - i;
			return;
		}
		/* Only an op that is logged draws from its bucket (resends are
		 * free); one throttled is sent again, with those after it. */
		uint8_t type = part[0];
		if (!sv_input_take_op(sv, c, type))
			return;
		log_client_op(sv, c, u, type, ops->part[i].len);
	}
}

void sv_log_server_op(struct sv_server *sv, struct sv_room *room, const struct proto_log_op *op)
{
	log_reserve(sv, room);
	(void)log_append(sv, room, op, 0);
}

/* --- live batches --- */

void sv_log_flush(struct sv_server *sv, struct sv_room *room, uint64_t now_us, bool force)
{
	struct sv_log *log = room->log;
	if (!log || !log->seq)
		return;
	bool heartbeat = log->live_from > log->seq;
	if (heartbeat ? now_us < log->live_sent_us + SV_LOG_HEARTBEAT_US
		      : !force && now_us < log->live_since_us + PROTO_LOG_FLUSH_MS * 1000u)
		return;
	log->live_sent_us = now_us;
	/* Every member's batch starts with the same head. */
	struct proto_log_head first = {.mode = PROTO_LOG_LIVE, .first_seq = log->live_from};
	uint8_t head[PROTO_LOG_HEAD_MAX];
	const uint32_t head_len = proto_log_head_encode(&first, head, sizeof(head));
	for (int i = 0; i < room->member_count; i++) {
		struct sv_client *c = &sv->clients[room->members[i]];
		uint8_t *out = net_host_state_buf(sv->net);
		uint32_t seq = log->live_from;
		do {
			uint32_t len = head_len;
			if (seq == log->live_from) {
				memcpy(out, head, head_len);
			} else { /* the rest of a batch too big for one datagram */
				struct proto_log_head h = {.mode = PROTO_LOG_LIVE, .first_seq = seq};
				len = proto_log_head_encode(&h, out, PROTO_LOG_HEAD_MAX);
			}
			for (; seq <= log->seq; seq++) {
				const struct sv_live_meta *meta = &log->live_meta[seq - log->live_from];
				/* The member's own op as OWN: it holds the body. */
				uint8_t alt[8];
				const uint8_t *src;
				uint32_t n;
				if (meta->author && meta->author == c->author) {
					struct proto_log_op o = {.kind = PROTO_LOG_OWN,
								 .op_id_delta = meta->delta};
					n = proto_log_op_encode(&o, alt, sizeof(alt));
					src = alt;
				} else {
					n = op_for(log, seq, c, &src, alt);
				}
				if (len + n > NET_STATE_MESSAGE_MAX)
					break;
				memcpy(out + len, src, n);
				len += n;
			}
			if (net_host_state_send(sv->net, c->peer, len))
				sv->board_live_sent++;
			out = net_host_state_buf(sv->net);
		} while (seq <= log->seq);
	}
	log->live_from = log->seq + 1;
	int r = (int)(room - sv->rooms);
	sv->log_pending[r / 64] &= ~(1ull << (r % 64));
	if (room->member_count)
		net_host_state_flush(sv->net);
}

void sv_log_flush_pending(struct sv_server *sv, uint64_t now_us, bool force)
{
	for (int w = 0; w < SV_MAX_ROOMS / 64; w++)
		for (uint64_t bits = sv->log_pending[w]; bits; bits &= bits - 1) {
			struct sv_room *room = &sv->rooms[w * 64 + __builtin_ctzll(bits)];
			if (room->in_use)
				sv_log_flush(sv, room, now_us, force);
			else
				sv->log_pending[w] &= ~(bits & -bits); /* nobody left to send to */
		}
}

uint64_t sv_log_next_flush_us(const struct sv_server *sv)
{
	uint64_t due = UINT64_MAX;
	for (int w = 0; w < SV_MAX_ROOMS / 64; w++)
		for (uint64_t bits = sv->log_pending[w]; bits; bits &= bits - 1) {
			const struct sv_log *log = sv->rooms[w * 64 + __builtin_ctzll(bits)].log;
			if (log && log->live_from <= log->seq)
				due = CORE_MIN(due, log->live_since_us + PROTO_LOG_FLUSH_MS * 1000u);
		}
	return due;
}

void sv_log_hashes(struct sv_server *sv, bool even_unchanged)
{
	for (int i = 0; i < SV_MAX_ROOMS; i++) {
		struct sv_room *room = &sv->rooms[i];
		struct sv_log *log = room->log;
		if (!log || (log->hash_logged && !even_unchanged) || !log->seq)
			continue;
		log->hash_logged = true;
		for (uint8_t bd = 0; bd < SIM_BOARDS; bd++) {
			if (!log->boards.width_mm[bd])
				continue;
			uint8_t order[PROTO_BOARD_HASH_BYTES], content[PROTO_BOARD_HASH_BYTES];
			char oh[65], ch[65];
			if (proto_board_hash(&log->boards, bd, NULL, NULL, order, content) != CORE_OK)
				continue;
			CORE_INFO("board hash room=%s board=%u seq=%u strokes=%u live=%u points=%llu "
				  "content=%s order=%s",
				  room->name, bd + 1u, log->seq, log->boards.stroke_count, log->boards.live,
				  (unsigned long long)log->boards.points, proto_hash_hex(content, ch),
				  proto_hash_hex(order, oh));
		}
		/* Chat and lesson, as a replica holds them (cl_board_state_hash). */
		struct proto_state_hash sh;
		proto_state_hash_init(&sh);
		for (uint32_t k = 0; k < log->chat_count; k++) {
			const struct sv_chat_entry *e = sv_chat_history(log, k);
			proto_state_hash_chat(&sh, e->author, e->op_id, &e->chat);
		}
		sv_lesson_hash(room, &sh);
		uint8_t state[PROTO_BOARD_HASH_BYTES];
		char sth[65];
		proto_state_hash_final(&sh, state);
		CORE_INFO("room state hash room=%s seq=%u chat_lines=%u students=%u state=%s", room->name,
			  log->seq, sh.lines, sh.students, proto_hash_hex(state, sth));
	}
}
