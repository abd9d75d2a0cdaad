#include "msg.h"
#include "msg_codec.h"

#include <string.h>

#define FIELD_ENTRY_(T, f, b, s) {#f, offsetof(T, f), sizeof(((T *)0)->f), b, s},
#define AVATAR_ENTRY_(f, b, s) FIELD_ENTRY_(struct sim_avatar, f, b, s)
#define ITEM_ENTRY_(f, b, s) FIELD_ENTRY_(struct proto_item, f, b, s)
const struct proto_field proto_avatar_fields[] = {PROTO_AVATAR_FIELDS(AVATAR_ENTRY_)};
const int proto_avatar_field_count = (int)CORE_ARRAY_LEN(proto_avatar_fields);
const struct proto_field proto_item_fields[] = {PROTO_ITEM_FIELDS(ITEM_ENTRY_)};
const int proto_item_field_count = (int)CORE_ARRAY_LEN(proto_item_fields);
#define POSE_ENTRY_(f, b, s) FIELD_ENTRY_(struct proto_pose, f, b, s)
const struct proto_field proto_pose_fields[] = {PROTO_POSE_FIELDS(POSE_ENTRY_)};
const int proto_pose_field_count = (int)CORE_ARRAY_LEN(proto_pose_fields);

int proto_avatar_bits(void)
{
	int bits = 0;
	for (int i = 0; i < proto_avatar_field_count; i++)
		bits += proto_avatar_fields[i].bits;
	return bits;
}

int proto_item_bits(void)
{
	int bits = 0;
	for (int i = 0; i < proto_item_field_count; i++)
		bits += proto_item_fields[i].bits;
	return bits;
}

void proto_write_fields(struct proto_writer *w, const struct proto_field *table, int count,
			const void *s)
{
	const uint8_t *base = s;
	for (int i = 0; i < count; i++) {
		const struct proto_field *f = &table[i];
		uint32_t v = 0;
		if (f->size == 1)
			v = base[f->offset];
		else if (f->size == 2) {
			uint16_t x;
			memcpy(&x, base + f->offset, 2);
			v = x;
		} else {
			memcpy(&v, base + f->offset, 4);
		}
		proto_write_bits(w, v, f->bits);
	}
}

void proto_read_fields(struct proto_reader *r, const struct proto_field *table, int count,
		       void *s)
{
	uint8_t *base = s;
	for (int i = 0; i < count; i++) {
		const struct proto_field *f = &table[i];
		uint32_t v = f->is_signed ? (uint32_t)proto_read_signed(r, f->bits)
					  : proto_read_bits(r, f->bits);
		if (f->size == 1) {
			base[f->offset] = (uint8_t)v;
		} else if (f->size == 2) {
			uint16_t x = (uint16_t)v;
			memcpy(base + f->offset, &x, 2);
		} else {
			memcpy(base + f->offset, &v, 4);
		}
	}
}

static bool field_differs(const struct proto_field *f, const void *s, const void *base)
{
	return memcmp((const uint8_t *)s + f->offset, (const uint8_t *)base + f->offset, f->size) != 0;
}

bool proto_write_field_delta(struct proto_writer *w, const struct proto_field *table, int count,
			     const void *s, const void *base)
{
	bool any = false;
	for (int i = 0; i < count; i++) {
		bool changed = field_differs(&table[i], s, base);
		any |= changed;
		if (!w)
			continue;
		proto_write_bool(w, changed);
		if (changed)
			proto_write_fields(w, &table[i], 1, s);
	}
	return any;
}

void proto_read_field_delta(struct proto_reader *r, const struct proto_field *table, int count,
			    void *s)
{
	for (int i = 0; i < count; i++)
		if (proto_read_bool(r))
			proto_read_fields(r, &table[i], 1, s);
}

static void write_avatar(struct proto_writer *w, const struct sim_avatar *a)
{
	proto_write_fields(w, proto_avatar_fields, proto_avatar_field_count, a);
}

static void read_avatar(struct proto_reader *r, struct sim_avatar *a)
{
	proto_read_fields(r, proto_avatar_fields, proto_avatar_field_count, a);
}

static const char *const role_names[PROTO_ROLE_COUNT] = {"student", "ta", "instructor",
							 "observer"};

const char *proto_role_name(enum proto_role role)
{
	return role < PROTO_ROLE_COUNT ? role_names[role] : "?";
}

const char *proto_role_article(enum proto_role role)
{
	return strchr("aeiou", proto_role_name(role)[0]) ? "an" : "a";
}

bool proto_role_parse(const char *s, enum proto_role *out_role)
{
	for (int i = 0; i < PROTO_ROLE_COUNT; i++) {
		if (!strcmp(s, role_names[i])) {
			*out_role = (enum proto_role)i;
			return true;
		}
	}
	return false;
}

const char *proto_refuse_reason_name(enum proto_refuse_reason reason)
{
	switch (reason) {
	case PROTO_REFUSE_VERSION: return "version";
	case PROTO_REFUSE_FULL: return "full";
	case PROTO_REFUSE_BAD_HELLO: return "bad-hello";
	case PROTO_REFUSE_WORLD: return "world";
	case PROTO_REFUSE_SHUTDOWN: return "shutdown";
	case PROTO_REFUSE_TOKEN_MISSING: return "token-missing";
	case PROTO_REFUSE_TOKEN_MALFORMED: return "token-malformed";
	case PROTO_REFUSE_TOKEN_SIGNATURE: return "token-signature";
	case PROTO_REFUSE_TOKEN_EXPIRED: return "token-expired";
	case PROTO_REFUSE_TOKEN_ROOM: return "token-room";
	case PROTO_REFUSE_TOKEN_REPLAYED: return "token-replayed";
	case PROTO_REFUSE_ROOM_UNKNOWN: return "room-unknown";
	case PROTO_REFUSE_ROOM_LOCKED: return "room-locked";
	case PROTO_REFUSE_BANNED: return "banned";
	case PROTO_REFUSE_BAD_NAME: return "bad-name";
	case PROTO_REFUSE_ROLE: return "role";
	case PROTO_REFUSE_TIMEOUT: return "timeout";
	}
	return "?";
}

uint8_t proto_msg_type(const uint8_t *data, uint32_t len)
{
	if (!len)
		return 0;
	return data[0] & PROTO_VOICE_FORWARD_BIT ? PROTO_MSG_VOICE_FORWARD : data[0];
}


uint32_t proto_encode_hello(const struct proto_hello *m, uint8_t *buf, uint32_t cap)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_bits(&w, PROTO_MSG_HELLO, 8);
	proto_write_bits(&w, m->version, 16);
	proto_write_bits(&w, m->role, 8);
	proto_write_string(&w, m->room, PROTO_NAME_MAX - 1);
	proto_write_string(&w, m->name, PROTO_NAME_MAX - 1);
	proto_write_string(&w, m->spawn_zone, PROTO_NAME_MAX - 1);
	proto_write_bool(&w, m->has_spawn_pos);
	if (m->has_spawn_pos) {
		proto_write_signed(&w, m->spawn_pos.x_mm, 24);
		proto_write_signed(&w, m->spawn_pos.y_mm, 24);
	}
	uint16_t n = m->token_len > PROTO_TOKEN_MAX ? PROTO_TOKEN_MAX : m->token_len;
	proto_write_bits(&w, m->token_kind, 2);
	proto_write_bits(&w, n, 16);
	proto_write_bytes(&w, m->token, n);
	return finish(&w);
}

enum core_result proto_decode_hello(const uint8_t *data, uint32_t len, struct proto_hello *out)
{
	struct proto_reader r;
	memset(out, 0, sizeof(*out));
	if (!open_msg(&r, data, len, PROTO_MSG_HELLO))
		return CORE_ERR_INVALID;
	out->version = (uint16_t)proto_read_bits(&r, 16);
	out->role = (uint8_t)proto_read_bits(&r, 8);
	proto_read_string(&r, out->room, sizeof(out->room));
	proto_read_string(&r, out->name, sizeof(out->name));
	proto_read_string(&r, out->spawn_zone, sizeof(out->spawn_zone));
	out->has_spawn_pos = proto_read_bool(&r);
	if (out->has_spawn_pos) {
		out->spawn_pos.x_mm = proto_read_signed(&r, 24);
		out->spawn_pos.y_mm = proto_read_signed(&r, 24);
	}
	out->token_kind = (uint8_t)proto_read_bits(&r, 2);
	out->token_len = (uint16_t)proto_read_bits(&r, 16);
	if (out->token_len > PROTO_TOKEN_MAX)
		return CORE_ERR_INVALID;
	proto_read_bytes(&r, out->token, out->token_len);
	if (out->role >= PROTO_ROLE_COUNT || out->token_kind > PROTO_TOKEN_RESUME ||
	    (out->token_kind == PROTO_TOKEN_NONE) != (out->token_len == 0))
		return CORE_ERR_INVALID;
	return done(&r);
}

uint32_t proto_encode_welcome(const struct proto_welcome *m, uint8_t *buf, uint32_t cap)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_bits(&w, PROTO_MSG_WELCOME, 8);
	proto_write_bits(&w, m->version, 16);
	proto_write_bits(&w, m->client_id, 16);
	proto_write_bits(&w, m->tick_hz, 8);
	proto_write_bits(&w, m->snapshot_hz, 8);
	proto_write_bits(&w, m->server_tick, 32);
	proto_write_string(&w, m->room, PROTO_NAME_MAX - 1);
	proto_write_string(&w, m->world, PROTO_NAME_MAX - 1);
	write_avatar(&w, &m->state);
	proto_write_bits(&w, m->role, 8);
	proto_write_string(&w, m->name, PROTO_NAME_MAX - 1);
	proto_write_bits(&w, m->same_name, 8);
	proto_write_bits(&w, m->room_flags, 2);
	proto_write_bits(&w, m->author, 12);
	proto_write_bits(&w, m->roster, 16);
	uint16_t n = m->ticket_len > PROTO_TICKET_MAX ? PROTO_TICKET_MAX : m->ticket_len;
	proto_write_bits(&w, n, 16);
	proto_write_bytes(&w, m->ticket, n);
	return finish(&w);
}

enum core_result proto_decode_welcome(const uint8_t *data, uint32_t len, struct proto_welcome *out)
{
	struct proto_reader r;
	memset(out, 0, sizeof(*out));
	if (!open_msg(&r, data, len, PROTO_MSG_WELCOME))
		return CORE_ERR_INVALID;
	out->version = (uint16_t)proto_read_bits(&r, 16);
	out->client_id = (uint16_t)proto_read_bits(&r, 16);
	out->tick_hz = (uint8_t)proto_read_bits(&r, 8);
	out->snapshot_hz = (uint8_t)proto_read_bits(&r, 8);
	out->server_tick = proto_read_bits(&r, 32);
	proto_read_string(&r, out->room, sizeof(out->room));
	proto_read_string(&r, out->world, sizeof(out->world));
	read_avatar(&r, &out->state);
	out->role = (uint8_t)proto_read_bits(&r, 8);
	proto_read_string(&r, out->name, sizeof(out->name));
	out->same_name = (uint8_t)proto_read_bits(&r, 8);
	out->room_flags = (uint8_t)proto_read_bits(&r, 2);
	out->author = (uint16_t)proto_read_bits(&r, 12);
	out->roster = (uint16_t)proto_read_bits(&r, 16);
	out->ticket_len = (uint16_t)proto_read_bits(&r, 16);
	if (out->ticket_len > PROTO_TICKET_MAX)
		return CORE_ERR_INVALID;
	proto_read_bytes(&r, out->ticket, out->ticket_len);
	if (!out->tick_hz || !out->snapshot_hz || out->client_id > PROTO_MAX_CLIENT_ID ||
	    out->role >= PROTO_ROLE_COUNT)
		return CORE_ERR_INVALID;
	return done(&r);
}

uint32_t proto_encode_refuse(const struct proto_refuse *m, uint8_t *buf, uint32_t cap)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_bits(&w, PROTO_MSG_REFUSE, 8);
	proto_write_bits(&w, m->reason, 8);
	proto_write_bits(&w, m->server_version, 16);
	proto_write_bits(&w, m->client_version, 16);
	proto_write_string(&w, m->message, sizeof(m->message) - 1);
	return finish(&w);
}

enum core_result proto_decode_refuse(const uint8_t *data, uint32_t len, struct proto_refuse *out)
{
	struct proto_reader r;
	memset(out, 0, sizeof(*out));
	if (!open_msg(&r, data, len, PROTO_MSG_REFUSE))
		return CORE_ERR_INVALID;
	out->reason = (uint8_t)proto_read_bits(&r, 8);
	out->server_version = (uint16_t)proto_read_bits(&r, 16);
	out->client_version = (uint16_t)proto_read_bits(&r, 16);
	proto_read_string(&r, out->message, sizeof(out->message));
	return done(&r);
}

static bool faces_move(const struct sim_cmd *c)
{
	return (c->move_x || c->move_y) && c->yaw == sim_yaw_of(c->move_x, c->move_y);
}

static void write_cmd(struct proto_writer *w, const struct sim_cmd *c)
{
	proto_write_signed(w, c->move_x, 8);
	proto_write_signed(w, c->move_y, 8);
	bool derived = faces_move(c);
	proto_write_bool(w, derived);
	if (!derived)
		proto_write_bits(w, c->yaw, 16);
	proto_write_bits(w, c->buttons, 4);
	if (c->buttons & SIM_BUTTON_SIT)
		proto_write_bits(w, c->seat, 16);
}

static void read_cmd(struct proto_reader *r, struct sim_cmd *c)
{
	c->move_x = (int8_t)proto_read_signed(r, 8);
	c->move_y = (int8_t)proto_read_signed(r, 8);
	if (proto_read_bool(r))
		c->yaw = sim_yaw_of(c->move_x, c->move_y);
	else
		c->yaw = (uint16_t)proto_read_bits(r, 16);
	c->buttons = (uint8_t)proto_read_bits(r, 4);
	c->seat = c->buttons & SIM_BUTTON_SIT ? (uint16_t)proto_read_bits(r, 16) : SIM_SEAT_NONE;
}

static bool same_cmd(const struct sim_cmd *a, const struct sim_cmd *b)
{
	return a->move_x == b->move_x && a->move_y == b->move_y && a->yaw == b->yaw &&
	       a->buttons == b->buttons && (!(a->buttons & SIM_BUTTON_SIT) || a->seat == b->seat);
}

#define TIME_MS_MAX 4294967u /* (2^32 - 1) / 1000: the largest send time in ms */

uint32_t proto_encode_move(const struct proto_move *m, uint32_t newest_tick, uint8_t *buf,
			   uint32_t cap)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	if (m->count < 1 || m->count > PROTO_MOVE_CMDS)
		return 0;
	proto_write_bits(&w, PROTO_MSG_MOVE, 8);
	proto_write_bits(&w, m->count, 2);
	bool short_tick = m->acked_tick && newest_tick - m->acked_tick < PROTO_MOVE_SHORT_TICK_SPAN;
	proto_write_bool(&w, !short_tick);
	proto_write_bits(&w, newest_tick, short_tick ? 8 : 16);
	uint32_t ms = m->send_time_us / 1000;
	/* Near the wrap the server's widening could step over it: send it all. */
	bool full = m->full_time || ms < 0x10000u || ms > TIME_MS_MAX - 0x10000u;
	proto_write_bool(&w, full);
	proto_write_bits(&w, ms, full ? 23 : 16);
	proto_write_bool(&w, m->ack_seq != 0);
	if (m->ack_seq)
		proto_write_bits(&w, m->ack_seq, 8);
	write_cmd(&w, &m->cmds[0]);
	for (int i = 1; i < m->count; i++) {
		const struct sim_cmd *c = &m->cmds[i], *newer = &m->cmds[i - 1];
		int dx = c->move_x - newer->move_x, dy = c->move_y - newer->move_y;
		bool same = same_cmd(c, newer);
		proto_write_bool(&w, same);
		if (same)
			continue;
		bool derived = faces_move(c);
		bool near = dx >= -4 && dx <= 3 && dy >= -4 && dy <= 3 &&
			    (derived || c->yaw == newer->yaw) && c->buttons == newer->buttons &&
			    !(c->buttons & SIM_BUTTON_SIT);
		proto_write_bool(&w, near);
		if (near) {
			proto_write_signed(&w, dx, 3);
			proto_write_signed(&w, dy, 3);
			proto_write_bool(&w, derived);
		} else {
			write_cmd(&w, c);
		}
	}
	proto_write_bool(&w, m->has_pose);
	if (m->has_pose)
		proto_write_pose(&w, &m->pose);
	return finish(&w);
}

enum core_result proto_decode_move(const uint8_t *data, uint32_t len, struct proto_move *out)
{
	struct proto_reader r;
	memset(out, 0, sizeof(*out));
	if (!open_msg(&r, data, len, PROTO_MSG_MOVE))
		return CORE_ERR_INVALID;
	out->count = (uint8_t)proto_read_bits(&r, 2);
	out->tick_bits = proto_read_bool(&r) ? 16 : 8;
	uint32_t newest = proto_read_bits(&r, out->tick_bits);
	out->time_bits = proto_read_bool(&r) ? 23 : 16;
	uint32_t ms = proto_read_bits(&r, out->time_bits);
	if (out->time_bits == 23 && ms > TIME_MS_MAX)
		return CORE_ERR_INVALID;
	out->send_time_us = ms; /* ms until widened */
	out->ack_seq = proto_read_bool(&r) ? proto_read_bits(&r, 8) : 0;
	if (out->count < 1)
		return CORE_ERR_INVALID;
	read_cmd(&r, &out->cmds[0]);
	for (int i = 1; i < out->count; i++) {
		struct sim_cmd *c = &out->cmds[i];
		*c = out->cmds[i - 1];
		if (proto_read_bool(&r))
			continue;
		if (proto_read_bool(&r)) {
			c->move_x = (int8_t)(c->move_x + proto_read_signed(&r, 3));
			c->move_y = (int8_t)(c->move_y + proto_read_signed(&r, 3));
			if (proto_read_bool(&r))
				c->yaw = sim_yaw_of(c->move_x, c->move_y);
		} else {
			read_cmd(&r, c);
		}
	}
	/* Ticks are short here: the server widens them (proto_move_widen). */
	for (int i = 0; i < out->count; i++)
		out->cmds[i].tick = newest - (uint32_t)i;
	out->has_pose = proto_read_bool(&r);
	if (out->has_pose)
		proto_read_pose(&r, &out->pose);
	return done(&r);
}

void proto_move_widen(struct proto_move *m, uint32_t last_tick, uint32_t last_seq,
		      uint32_t last_time_ms, bool has_time)
{
	uint32_t newest = proto_widen(last_tick, m->cmds[0].tick, m->tick_bits);
	for (int i = 0; i < m->count; i++)
		m->cmds[i].tick = newest - (uint32_t)i;
	if (m->ack_seq)
		m->ack_seq = proto_widen(last_seq, m->ack_seq, 8);
	uint32_t ms = m->send_time_us;
	if (m->time_bits == 16)
		ms = has_time ? proto_widen(last_time_ms, ms, 16) : 0;
	m->send_time_us = ms <= TIME_MS_MAX ? ms * 1000u : 0;
}

uint32_t proto_encode_avatar_info(const struct proto_avatar_info *m, uint8_t *buf, uint32_t cap)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_bits(&w, PROTO_MSG_AVATAR_INFO, 8);
	proto_write_bits(&w, m->id, 12);
	proto_write_bits(&w, m->role, 8);
	proto_write_string(&w, m->name, PROTO_NAME_MAX - 1);
	proto_write_bits(&w, m->same_name, 8);
	proto_write_bits(&w, m->status, 3);
	proto_write_bits(&w, m->author, 12);
	proto_write_string(&w, m->user, PROTO_USER_MAX - 1);
	return finish(&w);
}

enum core_result proto_decode_avatar_info(const uint8_t *data, uint32_t len,
					  struct proto_avatar_info *out)
{
	struct proto_reader r;
	memset(out, 0, sizeof(*out));
	if (!open_msg(&r, data, len, PROTO_MSG_AVATAR_INFO))
		return CORE_ERR_INVALID;
	out->id = (uint16_t)proto_read_bits(&r, 12);
	out->role = (uint8_t)proto_read_bits(&r, 8);
	proto_read_string(&r, out->name, sizeof(out->name));
	out->same_name = (uint8_t)proto_read_bits(&r, 8);
	out->status = (uint8_t)proto_read_bits(&r, 3);
	out->author = (uint16_t)proto_read_bits(&r, 12);
	proto_read_string(&r, out->user, sizeof(out->user));
	if (out->role >= PROTO_ROLE_COUNT)
		return CORE_ERR_INVALID;
	return done(&r);
}

uint32_t proto_encode_avatar_gone(uint16_t id, uint8_t *buf, uint32_t cap)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_bits(&w, PROTO_MSG_AVATAR_GONE, 8);
	proto_write_bits(&w, id, 12);
	return finish(&w);
}

enum core_result proto_decode_avatar_gone(const uint8_t *data, uint32_t len, uint16_t *out_id)
{
	struct proto_reader r;
	if (!open_msg(&r, data, len, PROTO_MSG_AVATAR_GONE))
		return CORE_ERR_INVALID;
	*out_id = (uint16_t)proto_read_bits(&r, 12);
	return done(&r);
}
