/* The room op log on the wire (msg_board.h). */
#include "msg_board.h"
#include "msg.h"
#include "msg_codec.h"
#include "sim/lesson.h"
#include "text.h"

#include <string.h>

_Static_assert(PROTO_CHAT_NAME_MAX == PROTO_NAME_MAX, "a chat's name is a display name");
_Static_assert(SIM_MAX_ZONES <= 32, "a chat's zone is 5 bits");
_Static_assert(PROTO_LOG_REASON_COUNT <= 16, "a LAST's reason is 4 bits");

#define RICE_K 2
#define RICE_ESCAPE 14
#define RAW_BITS 18

static void put_delta(struct proto_writer *w, int32_t d)
{
	uint32_t z = d >= 0 ? (uint32_t)d << 1 : ((uint32_t)(-(int64_t)d) << 1) - 1;
	uint32_t q = z >> RICE_K;
	if (q >= RICE_ESCAPE) {
		proto_write_bits(w, (1u << RICE_ESCAPE) - 1, RICE_ESCAPE);
		proto_write_bits(w, z, RAW_BITS);
		return;
	}
	/* q ones, then the zero, then the low RICE_K bits: one write (at most
	 * RICE_ESCAPE + RICE_K bits). */
	proto_write_bits(w, ((1u << q) - 1) | (z & ((1u << RICE_K) - 1)) << (q + 1),
			 (int)q + 1 + RICE_K);
}

static int32_t get_delta(struct proto_reader *r)
{
	uint32_t q = 0;
	while (q < RICE_ESCAPE && proto_read_bits(r, 1))
		q++;
	uint32_t z = q == RICE_ESCAPE ? proto_read_bits(r, RAW_BITS)
				      : q << RICE_K | proto_read_bits(r, RICE_K);
	return z & 1 ? -(int32_t)((z + 1) >> 1) : (int32_t)(z >> 1);
}

/* Points: the op's values (absolute for BEGIN, offsets from the stroke's
 * last point otherwise) as deltas from point to point. */
static bool put_points(struct proto_writer *w, const struct sim_board_op *op, bool absolute)
{
	if (op->count > SIM_BOARD_OP_POINTS)
		return false;
	proto_write_bits(w, op->count, 7);
	int32_t px = 0, py = 0, pp = 0;
	for (uint32_t i = 0; i < op->count; i++) {
		if (i == 0 && absolute) {
			if (op->x[0] < 0 || op->x[0] > 65535 || op->y[0] < 0 || op->y[0] > 65535 ||
			    op->p[0] < 0 || op->p[0] > 255)
				return false;
			proto_write_bits(w, (uint32_t)op->x[0], 16);
			proto_write_bits(w, (uint32_t)op->y[0], 16);
			proto_write_bits(w, (uint32_t)op->p[0], 8);
		} else {
			int32_t dx = op->x[i] - px, dy = op->y[i] - py, dp = op->p[i] - pp;
			if (dx < -65535 || dx > 65535 || dy < -65535 || dy > 65535 || dp < -255 ||
			    dp > 255)
				return false;
			put_delta(w, dx);
			put_delta(w, dy);
			put_delta(w, dp);
		}
		px = op->x[i];
		py = op->y[i];
		pp = op->p[i];
	}
	return true;
}

static bool get_points(struct proto_reader *r, struct sim_board_op *op, bool absolute)
{
	op->count = (uint16_t)proto_read_bits(r, 7);
	if (op->count > SIM_BOARD_OP_POINTS)
		return false;
	int32_t px = 0, py = 0, pp = 0;
	for (uint32_t i = 0; i < op->count && !r->overflow; i++) {
		if (i == 0 && absolute) {
			px = (int32_t)proto_read_bits(r, 16);
			py = (int32_t)proto_read_bits(r, 16);
			pp = (int32_t)proto_read_bits(r, 8);
		} else {
			/* Deltas the encoder could have written, no more. */
			int32_t dx = get_delta(r), dy = get_delta(r), dp = get_delta(r);
			if (dx < -65535 || dx > 65535 || dy < -65535 || dy > 65535 || dp < -255 || dp > 255)
				return false;
			px += dx;
			py += dy;
			pp += dp;
		}
		op->x[i] = px;
		op->y[i] = py;
		op->p[i] = pp;
	}
	return !r->overflow;
}

static void put_text(struct proto_writer *w, const char *s, int bits)
{
	size_t n = strlen(s);
	proto_write_bits(w, (uint32_t)n, bits);
	for (size_t i = 0; i < n; i++)
		proto_write_bits(w, (uint8_t)s[i], 8);
}

static bool get_text(struct proto_reader *r, char *out, uint32_t size, int bits)
{
	uint32_t n = proto_read_bits(r, bits);
	if (n >= size || r->overflow)
		return false;
	proto_read_bytes(r, out, n);
	out[n] = '\0';
	return !r->overflow && memchr(out, '\0', n) == NULL;
}

static bool put_chat(struct proto_writer *w, const struct proto_chat *c)
{
	if (c->scope >= PROTO_CHAT_SCOPE_COUNT || c->zone >= SIM_MAX_ZONES ||
	    strlen(c->name) >= PROTO_CHAT_NAME_MAX || strlen(c->text) > PROTO_CHAT_TEXT_MAX)
		return false;
	proto_write_bits(w, c->scope, 2);
	proto_write_bits(w, c->zone, 5);
	proto_write_bool(w, c->answered);
	put_text(w, c->name, 5);
	put_text(w, c->text, 9);
	return true;
}

/* Text others will read: checked as the server checks it, on every
 * receiver too (a server is not trusted with what a screen shows). */
static bool get_chat(struct proto_reader *r, struct proto_chat *c)
{
	char why[8];
	c->scope = (uint8_t)proto_read_bits(r, 2);
	c->zone = (uint8_t)proto_read_bits(r, 5);
	c->answered = proto_read_bool(r);
	if (!get_text(r, c->name, sizeof(c->name), 5) || !get_text(r, c->text, sizeof(c->text), 9))
		return false;
	return (!c->name[0] || proto_name_check(c->name, why, sizeof(why))) &&
	       proto_text_check(c->text, PROTO_CHAT_TEXT_MAX, "a chat message", why, sizeof(why));
}

static bool put_lesson(struct proto_writer *w, uint8_t kind, const struct proto_lesson *l)
{
	if (kind == PROTO_LOG_LESSON) {
		if (l->board >= SIM_BOARDS || l->step_count > 63 || l->area_w > 8191 ||
		    l->area_h > 4095 || l->cols > 127 || strlen(l->name) > 31 || strlen(l->title) > 63)
			return false;
		proto_write_bool(w, l->active);
		proto_write_bits(w, l->board, 3);
		proto_write_bits(w, l->step_count, 6);
		proto_write_bits(w, l->area_w, 13);
		proto_write_bits(w, l->area_h, 12);
		proto_write_bits(w, l->cols, 7);
		put_text(w, l->name, 5);
		put_text(w, l->title, 6);
		return true;
	}
	if (l->step > 63)
		return false;
	proto_write_bits(w, l->step, 6);
	if (kind == PROTO_LOG_STEP) {
		if (l->cell > 1023 || strlen(l->prompt) > 255 || strlen(l->student) > 31)
			return false;
		proto_write_bits(w, l->cell, 10);
		put_text(w, l->prompt, 8);
		put_text(w, l->student, 5);
		return true;
	}
	if (l->accuracy > 1000 || l->coverage > 1000 || l->smoothness > 1000 || l->total > 1000)
		return false;
	proto_write_bits(w, l->accuracy, 10);
	proto_write_bits(w, l->coverage, 10);
	proto_write_bits(w, l->smoothness, 10);
	proto_write_bits(w, l->total, 10);
	proto_write_bool(w, l->passed);
	proto_write_bits(w, l->points, 16);
	return true;
}

static bool get_lesson(struct proto_reader *r, uint8_t kind, struct proto_lesson *l)
{
	char why[8];
	if (kind == PROTO_LOG_LESSON) {
		l->active = proto_read_bool(r);
		l->board = (uint8_t)proto_read_bits(r, 3);
		l->step_count = (uint8_t)proto_read_bits(r, 6);
		l->area_w = (uint16_t)proto_read_bits(r, 13);
		l->area_h = (uint16_t)proto_read_bits(r, 12);
		l->cols = (uint8_t)proto_read_bits(r, 7);
		return get_text(r, l->name, sizeof(l->name), 5) &&
		       get_text(r, l->title, sizeof(l->title), 6) &&
		       proto_room_name_check(l->name) &&
		       proto_text_check(l->title, PROTO_LESSON_TITLE_MAX - 1, "a title", why, sizeof(why));
	}
	l->step = (uint8_t)proto_read_bits(r, 6);
	if (kind == PROTO_LOG_STEP) {
		l->cell = (uint16_t)proto_read_bits(r, 10);
		return get_text(r, l->prompt, sizeof(l->prompt), 8) &&
		       (!l->prompt[0] || proto_text_check(l->prompt, PROTO_LESSON_PROMPT_MAX - 1,
							  "a prompt", why, sizeof(why))) &&
		       get_text(r, l->student, sizeof(l->student), 5) &&
		       (!l->student[0] || proto_name_check(l->student, why, sizeof(why)));
	}
	l->accuracy = (uint16_t)proto_read_bits(r, 10);
	l->coverage = (uint16_t)proto_read_bits(r, 10);
	l->smoothness = (uint16_t)proto_read_bits(r, 10);
	l->total = (uint16_t)proto_read_bits(r, 10);
	l->passed = proto_read_bool(r);
	l->points = (uint16_t)proto_read_bits(r, 16);
	return !r->overflow && l->accuracy <= 1000 && l->coverage <= 1000 && l->smoothness <= 1000 &&
	       l->total <= 1000;
}

static bool put_body(struct proto_writer *w, const struct sim_board_op *op,
		     const struct proto_chat *chat, const struct proto_lesson *lesson)
{
	switch (op->kind) {
	case SIM_OP_BEGIN:
		if (op->board >= SIM_BOARDS || op->width > 63)
			return false;
		proto_write_bits(w, op->board, 3);
		proto_write_bits(w, op->color, 32);
		proto_write_bits(w, op->width, 6);
		return put_points(w, op, true);
	case SIM_OP_APPEND:
	case SIM_OP_END:
		return put_points(w, op, false);
	case SIM_OP_UNDO:
	case SIM_OP_REDO:
	case PROTO_LOG_ANSWER:
	case PROTO_LOG_REMOVE:
		if (op->target_author > PROTO_MAX_CLIENT_ID)
			return false;
		proto_write_bits(w, op->target_author, 12);
		proto_write_bits(w, op->target_op, 32);
		return true;
	case SIM_OP_CLEAR:
		if (op->board >= SIM_BOARDS)
			return false;
		proto_write_bits(w, op->board, 3);
		return true;
	case PROTO_LOG_CHAT:
		return put_chat(w, chat);
	case PROTO_LOG_LESSON:
	case PROTO_LOG_STEP:
	case PROTO_LOG_SCORE:
		return lesson && put_lesson(w, op->kind, lesson);
	case PROTO_LOG_HIDDEN:
		return true;
	default:
		return false;
	}
}

static bool get_body(struct proto_reader *r, struct sim_board_op *op, struct proto_chat *chat,
		     struct proto_lesson *lesson)
{
	switch (op->kind) {
	case SIM_OP_BEGIN:
		op->board = (uint8_t)proto_read_bits(r, 3);
		op->color = proto_read_bits(r, 32);
		op->width = (uint8_t)proto_read_bits(r, 6);
		return get_points(r, op, true);
	case SIM_OP_APPEND:
	case SIM_OP_END:
		return get_points(r, op, false);
	case SIM_OP_UNDO:
	case SIM_OP_REDO:
	case PROTO_LOG_ANSWER:
	case PROTO_LOG_REMOVE:
		op->target_author = (uint16_t)proto_read_bits(r, 12);
		op->target_op = proto_read_bits(r, 32);
		return !r->overflow;
	case SIM_OP_CLEAR:
		op->board = (uint8_t)proto_read_bits(r, 3);
		return !r->overflow;
	case PROTO_LOG_CHAT:
		return get_chat(r, chat);
	case PROTO_LOG_LESSON:
	case PROTO_LOG_STEP:
	case PROTO_LOG_SCORE:
		return lesson && get_lesson(r, op->kind, lesson);
	case PROTO_LOG_HIDDEN:
		return true;
	default:
		return false;
	}
}

uint32_t proto_encode_board_up(const struct proto_board_up *m, uint8_t *buf, uint32_t cap)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	bool chat = proto_log_is_chat(m->op.kind);
	if (!chat && (m->op.kind < SIM_OP_BEGIN || m->op.kind >= SIM_OP_KIND_COUNT))
		return 0;
	proto_write_bits(&w, chat ? PROTO_MSG_CHAT : PROTO_MSG_BOARD_OP, 8);
	proto_write_bits(&w, m->op_id, 32);
	proto_write_bits(&w, m->op.kind, 4);
	if (!put_body(&w, &m->op, &m->chat, NULL))
		return 0;
	return finish(&w);
}

static enum core_result decode_up(const uint8_t *data, uint32_t len, struct proto_board_up *out,
				  uint8_t type)
{
	memset(out, 0, sizeof(*out));
	struct proto_reader r;
	if (!open_msg(&r, data, len, type))
		return CORE_ERR_INVALID;
	out->op_id = proto_read_bits(&r, 32);
	out->op.kind = (uint8_t)proto_read_bits(&r, 4);
	bool chat = proto_log_is_chat(out->op.kind);
	if (chat != (type == PROTO_MSG_CHAT) ||
	    (!chat && (out->op.kind < SIM_OP_BEGIN || out->op.kind >= SIM_OP_KIND_COUNT)))
		return CORE_ERR_INVALID;
	if (out->op_id == 0 || !get_body(&r, &out->op, &out->chat, NULL))
		return CORE_ERR_INVALID;
	return done(&r);
}

enum core_result proto_decode_board_up(const uint8_t *data, uint32_t len, struct proto_board_up *out)
{
	return decode_up(data, len, out, PROTO_MSG_BOARD_OP);
}

enum core_result proto_decode_chat_up(const uint8_t *data, uint32_t len, struct proto_board_up *out)
{
	return decode_up(data, len, out, PROTO_MSG_CHAT);
}

uint32_t proto_board_ops_start(uint8_t *buf, uint32_t cap)
{
	if (cap < PROTO_BOARD_OPS_HEADER)
		return 0;
	buf[0] = PROTO_MSG_BOARD_OPS;
	buf[1] = 0;
	return PROTO_BOARD_OPS_HEADER;
}

uint32_t proto_board_ops_add(uint8_t *buf, uint32_t len, uint32_t cap,
			     const struct proto_board_up *op)
{
	if (len < PROTO_BOARD_OPS_HEADER || buf[1] >= PROTO_BOARD_OPS_PARTS || cap < len + 2)
		return 0;
	uint32_t n = proto_encode_board_up(op, buf + len + 2, cap - len - 2);
	if (!n)
		return 0;
	buf[len] = (uint8_t)n;
	buf[len + 1] = (uint8_t)(n >> 8);
	buf[1]++;
	return len + 2 + n;
}

enum core_result proto_decode_board_ops(const uint8_t *data, uint32_t len,
					struct proto_board_ops *out)
{
	out->data = data;
	out->count = 0;
	if (len < PROTO_BOARD_OPS_HEADER || data[0] != PROTO_MSG_BOARD_OPS || data[1] == 0 ||
	    data[1] > PROTO_BOARD_OPS_PARTS)
		return CORE_ERR_INVALID;
	uint32_t at = PROTO_BOARD_OPS_HEADER;
	for (uint8_t i = 0; i < data[1]; i++) {
		if (len - at < 2)
			return CORE_ERR_INVALID;
		uint32_t n = data[at] | (uint32_t)data[at + 1] << 8;
		at += 2;
		if (n == 0 || n > len - at)
			return CORE_ERR_INVALID;
		out->part[i] = (struct proto_board_ops_part){(uint16_t)at, (uint16_t)n};
		at += n;
	}
	if (at != len)
		return CORE_ERR_INVALID;
	out->count = data[1];
	return CORE_OK;
}

uint32_t proto_encode_lesson_up(const struct proto_lesson_up *m, uint8_t *buf, uint32_t cap)
{
	if (m->action > PROTO_LESSON_NEXT || m->board >= SIM_BOARDS || strlen(m->name) > 31 ||
	    (m->action == PROTO_LESSON_START && !proto_room_name_check(m->name)))
		return 0; /* what the decoder would refuse */
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_bits(&w, PROTO_MSG_LESSON, 8);
	proto_write_bits(&w, m->action, 2);
	proto_write_bits(&w, m->board, 3);
	put_text(&w, m->name, 5);
	return finish(&w);
}

enum core_result proto_decode_lesson_up(const uint8_t *data, uint32_t len, struct proto_lesson_up *out)
{
	memset(out, 0, sizeof(*out));
	struct proto_reader r;
	if (!open_msg(&r, data, len, PROTO_MSG_LESSON))
		return CORE_ERR_INVALID;
	out->action = (uint8_t)proto_read_bits(&r, 2);
	out->board = (uint8_t)proto_read_bits(&r, 3);
	if (out->action > PROTO_LESSON_NEXT || !get_text(&r, out->name, sizeof(out->name), 5) ||
	    (out->action == PROTO_LESSON_START && !proto_room_name_check(out->name)))
		return CORE_ERR_INVALID;
	return done(&r);
}

/* A lesson file's step fits a LESSON_TARGET (u5 step, u4 polylines, u9 points). */
_Static_assert(SIM_LESSON_STEPS <= 32 && SIM_LESSON_POLYLINES == PROTO_LESSON_TARGET_POLYLINES &&
		       SIM_LESSON_POINTS == PROTO_LESSON_TARGET_POINTS && SIM_BOARD_SURFACE_W <= 4095,
	       "LESSON_TARGET cannot carry a lesson file's step");

uint32_t proto_encode_lesson_target(const struct proto_lesson_target *m, uint8_t *buf, uint32_t cap)
{
	if (strlen(m->name) >= PROTO_LESSON_NAME_MAX || m->step >= 32 || !m->polyline_count ||
	    m->polyline_count > PROTO_LESSON_TARGET_POLYLINES)
		return 0;
	uint16_t n = m->polyline_end[m->polyline_count - 1];
	if (n > PROTO_LESSON_TARGET_POINTS)
		return 0;
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_bits(&w, PROTO_MSG_LESSON_TARGET, 8);
	put_text(&w, m->name, 5);
	proto_write_bits(&w, m->step, 5);
	proto_write_bits(&w, m->polyline_count - 1u, 4);
	uint16_t start = 0;
	for (uint16_t i = 0; i < m->polyline_count; i++) {
		if (m->polyline_end[i] <= start)
			return 0;
		proto_write_bits(&w, m->polyline_end[i] - start - 1u, 9);
		start = m->polyline_end[i];
	}
	for (uint16_t i = 0; i < n; i++) {
		if (m->x[i] > 4095 || m->y[i] > 4095)
			return 0;
		proto_write_bits(&w, m->x[i], 12);
		proto_write_bits(&w, m->y[i], 12);
	}
	return finish(&w);
}

enum core_result proto_decode_lesson_target(const uint8_t *data, uint32_t len,
					    struct proto_lesson_target *out)
{
	out->name[0] = '\0';
	out->step = 0;
	out->polyline_count = 0;
	struct proto_reader r;
	if (!open_msg(&r, data, len, PROTO_MSG_LESSON_TARGET) ||
	    !get_text(&r, out->name, sizeof(out->name), 5))
		return CORE_ERR_INVALID;
	out->step = (uint8_t)proto_read_bits(&r, 5);
	uint16_t count = (uint16_t)(proto_read_bits(&r, 4) + 1), end = 0;
	for (uint16_t i = 0; i < count; i++) {
		end += (uint16_t)(proto_read_bits(&r, 9) + 1);
		if (end > PROTO_LESSON_TARGET_POINTS || r.overflow)
			return CORE_ERR_INVALID;
		out->polyline_end[i] = end;
	}
	for (uint16_t i = 0; i < end; i++) {
		out->x[i] = (uint16_t)proto_read_bits(&r, 12);
		out->y[i] = (uint16_t)proto_read_bits(&r, 12);
	}
	if (r.overflow)
		return CORE_ERR_INVALID;
	out->polyline_count = count;
	return done(&r);
}

uint32_t proto_encode_board_sync(const struct proto_board_sync *m, uint8_t *buf, uint32_t cap)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_bits(&w, PROTO_MSG_BOARD_SYNC, 8);
	proto_write_bits(&w, m->epoch, 32);
	proto_write_bits(&w, m->last_seq, 32);
	return finish(&w);
}

enum core_result proto_decode_board_sync(const uint8_t *data, uint32_t len,
					 struct proto_board_sync *out)
{
	struct proto_reader r;
	if (!open_msg(&r, data, len, PROTO_MSG_BOARD_SYNC))
		return CORE_ERR_INVALID;
	out->epoch = proto_read_bits(&r, 32);
	out->last_seq = proto_read_bits(&r, 32);
	return done(&r);
}

uint32_t proto_log_head_encode(const struct proto_log_head *h, uint8_t *buf, uint32_t cap)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_bits(&w, h->mode == PROTO_LOG_LIVE ? PROTO_MSG_BOARD_LIVE : PROTO_MSG_BOARD_LOG, 8);
	proto_write_bits(&w, h->mode, 2);
	proto_write_bool(&w, h->start);
	proto_write_bits(&w, 0, 5);
	proto_write_bits(&w, h->first_seq, 32);
	if (h->start)
		proto_write_bits(&w, h->epoch, 32);
	return finish(&w);
}

uint32_t proto_log_op_encode(const struct proto_log_op *op, uint8_t *buf, uint32_t cap)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_bits(&w, op->kind, 4);
	if (op->kind == PROTO_LOG_OWN) {
		if (op->op_id_delta == 0)
			return 0;
		proto_write_egamma(&w, op->op_id_delta);
		return finish(&w);
	}
	if (op->author == 0 || op->author > PROTO_MAX_CLIENT_ID || op->op_id_delta == UINT32_MAX)
		return 0;
	proto_write_bits(&w, op->author, 12);
	proto_write_egamma(&w, op->op_id_delta + 1);
	if (op->kind == PROTO_LOG_LAST) {
		proto_write_bits(&w, op->last_op, 32);
		proto_write_bits(&w, op->reason, 4);
	} else if (!put_body(&w, &op->op, &op->chat, &op->lesson))
		return 0;
	return finish(&w);
}

enum core_result proto_log_open(const uint8_t *data, uint32_t len, struct proto_log_head *out,
				struct proto_reader *r)
{
	memset(out, 0, sizeof(*out));
	proto_reader_init(r, data, len);
	uint32_t type = proto_read_bits(r, 8);
	if (type != PROTO_MSG_BOARD_LOG && type != PROTO_MSG_BOARD_LIVE)
		return CORE_ERR_INVALID;
	out->mode = (uint8_t)proto_read_bits(r, 2);
	/* Live ops come only as datagrams, the rest only on the log channel. */
	if ((out->mode == PROTO_LOG_LIVE) != (type == PROTO_MSG_BOARD_LIVE))
		return CORE_ERR_INVALID;
	out->start = proto_read_bool(r);
	if (proto_read_bits(r, 5) != 0)
		return CORE_ERR_INVALID;
	out->first_seq = proto_read_bits(r, 32);
	if (out->start) {
		if (out->mode != PROTO_LOG_SNAP && out->mode != PROTO_LOG_SNAP_END)
			return CORE_ERR_INVALID;
		out->epoch = proto_read_bits(r, 32);
	}
	return r->overflow ? CORE_ERR_INVALID : CORE_OK;
}

int proto_log_next(struct proto_reader *r, struct proto_log_op *out)
{
	/* Each op starts on a byte. */
	r->bit_pos = (r->bit_pos + 7) & ~7u;
	if (r->bit_pos >= r->size * 8u)
		return 0;
	memset(out, 0, sizeof(*out)); /* an op's unused points read as zero */
	out->kind = (uint8_t)proto_read_bits(r, 4);
	out->op.kind = out->kind;
	if (out->kind == PROTO_LOG_OWN) {
		out->op_id_delta = proto_read_egamma(r);
		return r->overflow ? -1 : 1;
	}
	out->author = (uint16_t)proto_read_bits(r, 12);
	uint32_t d = proto_read_egamma(r);
	out->op_id_delta = d - 1;
	if (r->overflow || out->author == 0 || d == 0)
		return -1;
	if (out->kind == PROTO_LOG_LAST) {
		out->last_op = proto_read_bits(r, 32);
		out->reason = (uint8_t)proto_read_bits(r, 4);
		return r->overflow || out->reason >= PROTO_LOG_REASON_COUNT ? -1 : 1;
	}
	return get_body(r, &out->op, &out->chat, &out->lesson) ? 1 : -1;
}

enum core_result proto_log_validate(const uint8_t *data, uint32_t len)
{
	struct proto_reader r;
	struct proto_log_head h;
	if (proto_log_open(data, len, &h, &r) != CORE_OK)
		return CORE_ERR_INVALID;
	struct proto_log_op op;
	int k;
	while ((k = proto_log_next(&r, &op)) == 1)
		;
	return k == 0 ? CORE_OK : CORE_ERR_INVALID;
}

const char *proto_log_reason_name(uint8_t reason)
{
	switch (reason) {
	case PROTO_LOG_REFUSED_ROLE:
		return "your role may not do that";
	case PROTO_LOG_REFUSED_NO_ZONE:
		return "you are in no zone: send it to the room";
	case PROTO_LOG_REFUSED_NO_QUESTION:
		return "no such open question";
	case PROTO_LOG_REFUSED_NO_LINE:
		return "no such line (zone lines and old ones cannot be removed)";
	default:
		return reason < SIM_BOARD_RESULT_COUNT ? sim_board_result_name((enum sim_board_result)reason)
						       : "?";
	}
}

uint32_t proto_chat_evict(const void *lines, size_t stride, size_t chat_offset, uint32_t count)
{
	uint32_t open = 0, first_open = count, first_closed = count;
	for (uint32_t i = 0; i < count; i++) {
		const struct proto_chat *c =
			(const struct proto_chat *)((const uint8_t *)lines + i * stride + chat_offset);
		bool is_open = c->scope == PROTO_CHAT_QUESTION && !c->answered;
		open += is_open;
		if (is_open && first_open == count)
			first_open = i;
		if (!is_open && first_closed == count)
			first_closed = i;
	}
	/* Past the open questions kept, the oldest of them goes: the server and
	 * every client hold the same open questions, so they drop the same. */
	if (open >= PROTO_CHAT_OPEN_MAX || first_closed == count)
		return first_open < count ? first_open : 0;
	return first_closed;
}

bool proto_chat_make_room(void *lines, size_t stride, size_t chat_offset, uint32_t *count)
{
	if (*count < PROTO_CHAT_HISTORY)
		return false;
	uint32_t out = proto_chat_evict(lines, stride, chat_offset, *count);
	uint8_t *line = (uint8_t *)lines + out * stride;
	const struct proto_chat *gone = (const struct proto_chat *)(line + chat_offset);
	bool open = gone->scope == PROTO_CHAT_QUESTION && !gone->answered;
	memmove(line, line + stride, stride * (*count - 1 - out));
	(*count)--;
	return open;
}
