/* Items: grab and release requests, and where a holder carries one (msg.h). */
#include "msg.h"
#include "msg_codec.h"

#include <string.h>

_Static_assert(SIM_MAX_ITEMS <= 32, "an item index travels in 5 bits");

uint32_t proto_encode_item_up(const struct proto_item_up *m, uint8_t *buf, uint32_t cap)
{
	if (m->action > PROTO_ITEM_RETURN || m->item >= SIM_MAX_ITEMS)
		return 0;
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_bits(&w, PROTO_MSG_ITEM, 8);
	proto_write_bits(&w, m->action, 2);
	proto_write_bits(&w, m->item, 5);
	return finish(&w);
}

enum core_result proto_decode_item_up(const uint8_t *data, uint32_t len, struct proto_item_up *out)
{
	memset(out, 0, sizeof(*out));
	struct proto_reader r;
	if (!open_msg(&r, data, len, PROTO_MSG_ITEM))
		return CORE_ERR_INVALID;
	out->action = (uint8_t)proto_read_bits(&r, 2);
	out->item = (uint8_t)proto_read_bits(&r, 5);
	return out->action > PROTO_ITEM_RETURN ? CORE_ERR_INVALID : done(&r);
}

/* Every field of the item's table but the holder, which only the server sets. */
static bool carried_field(const struct proto_field *f)
{
	return f->offset != offsetof(struct proto_item, holder);
}

uint32_t proto_encode_item_move(const struct proto_item_move *m, uint8_t *buf, uint32_t cap)
{
	if (m->item >= SIM_MAX_ITEMS || m->at.z_cm > PROTO_ITEM_MAX_Z_CM)
		return 0;
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_bits(&w, PROTO_MSG_ITEM_MOVE, 8);
	proto_write_bits(&w, m->item, 5);
	for (int i = 0; i < proto_item_field_count; i++)
		if (carried_field(&proto_item_fields[i]))
			proto_write_fields(&w, &proto_item_fields[i], 1, &m->at);
	return finish(&w);
}

enum core_result proto_decode_item_move(const uint8_t *data, uint32_t len,
					struct proto_item_move *out)
{
	memset(out, 0, sizeof(*out));
	struct proto_reader r;
	if (!open_msg(&r, data, len, PROTO_MSG_ITEM_MOVE))
		return CORE_ERR_INVALID;
	out->item = (uint8_t)proto_read_bits(&r, 5);
	for (int i = 0; i < proto_item_field_count; i++)
		if (carried_field(&proto_item_fields[i]))
			proto_read_fields(&r, &proto_item_fields[i], 1, &out->at);
	return done(&r);
}
