/* Moderation messages: requests, events and the hand queue (msg.h). */
#include "msg.h"
#include "msg_codec.h"

#include <string.h>

static bool is_mod_request(uint8_t type)
{
	return type >= PROTO_MSG_MUTE && type <= PROTO_MSG_MOVE_USER;
}

const char *proto_mod_action_name(uint8_t type)
{
	switch (type) {
	case PROTO_MSG_MUTE: return "mute";
	case PROTO_MSG_MUTE_ALL: return "mute-all";
	case PROTO_MSG_KICK: return "kick";
	case PROTO_MSG_LOCK: return "lock";
	case PROTO_MSG_HAND: return "hand";
	case PROTO_MSG_FLOOR: return "floor";
	case PROTO_MSG_MOVE_USER: return "move";
	case PROTO_MSG_LESSON: return "lesson";
	case PROTO_MSG_ITEM: return "item";
	default: return "?";
	}
}

uint32_t proto_encode_mod_request(const struct proto_mod_request *m, uint8_t *buf, uint32_t cap)
{
	if (!is_mod_request(m->type))
		return 0;
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_bits(&w, m->type, 8);
	proto_write_bits(&w, m->target, 12);
	proto_write_bool(&w, m->flag);
	proto_write_string(&w, m->text, PROTO_MOD_TEXT_MAX - 1);
	return finish(&w);
}

enum core_result proto_decode_mod_request(const uint8_t *data, uint32_t len,
					  struct proto_mod_request *out)
{
	memset(out, 0, sizeof(*out));
	uint8_t type = proto_msg_type(data, len);
	struct proto_reader r;
	if (!is_mod_request(type) || !open_msg(&r, data, len, type))
		return CORE_ERR_INVALID;
	out->type = type;
	out->target = (uint16_t)proto_read_bits(&r, 12);
	out->flag = proto_read_bool(&r);
	proto_read_string(&r, out->text, sizeof(out->text));
	return done(&r);
}

uint32_t proto_encode_mod_event(const struct proto_mod_event *m, uint8_t *buf, uint32_t cap)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_bits(&w, PROTO_MSG_MOD_EVENT, 8);
	proto_write_bits(&w, m->action, 8);
	proto_write_bool(&w, m->refused);
	proto_write_bool(&w, m->flag);
	proto_write_bits(&w, m->actor, 12);
	proto_write_bits(&w, m->target, 12);
	proto_write_bits(&w, m->unix_time, 32);
	proto_write_string(&w, m->actor_name, PROTO_NAME_MAX - 1);
	proto_write_string(&w, m->text, PROTO_MOD_TEXT_MAX - 1);
	return finish(&w);
}

enum core_result proto_decode_mod_event(const uint8_t *data, uint32_t len,
					struct proto_mod_event *out)
{
	memset(out, 0, sizeof(*out));
	struct proto_reader r;
	if (!open_msg(&r, data, len, PROTO_MSG_MOD_EVENT))
		return CORE_ERR_INVALID;
	out->action = (uint8_t)proto_read_bits(&r, 8);
	out->refused = proto_read_bool(&r);
	out->flag = proto_read_bool(&r);
	out->actor = (uint16_t)proto_read_bits(&r, 12);
	out->target = (uint16_t)proto_read_bits(&r, 12);
	out->unix_time = proto_read_bits(&r, 32);
	proto_read_string(&r, out->actor_name, sizeof(out->actor_name));
	proto_read_string(&r, out->text, sizeof(out->text));
	/* A refused lesson or item request is answered the same way, and an
	 * item staff sent home is told to the room. */
	if (!is_mod_request(out->action) && out->action != PROTO_MSG_ITEM &&
	    !(out->refused && out->action == PROTO_MSG_LESSON))
		return CORE_ERR_INVALID;
	return done(&r);
}

uint32_t proto_encode_hand_queue(const struct proto_hand_queue *m, uint8_t *buf, uint32_t cap)
{
	if (m->count > PROTO_HAND_QUEUE_MAX)
		return 0;
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_bits(&w, PROTO_MSG_HAND_QUEUE, 8);
	proto_write_bits(&w, m->count, 8);
	for (int i = 0; i < m->count; i++)
		proto_write_bits(&w, m->ids[i], 12);
	return finish(&w);
}

enum core_result proto_decode_hand_queue(const uint8_t *data, uint32_t len,
					 struct proto_hand_queue *out)
{
	memset(out, 0, sizeof(*out));
	struct proto_reader r;
	if (!open_msg(&r, data, len, PROTO_MSG_HAND_QUEUE))
		return CORE_ERR_INVALID;
	uint32_t count = proto_read_bits(&r, 8);
	if (count > PROTO_HAND_QUEUE_MAX)
		return CORE_ERR_INVALID;
	out->count = (uint8_t)count;
	for (uint32_t i = 0; i < count; i++)
		out->ids[i] = (uint16_t)proto_read_bits(&r, 12);
	return done(&r);
}
