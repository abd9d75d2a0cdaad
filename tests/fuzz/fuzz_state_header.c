/* A state datagram as the server reads it (server/sv_input.c, on_state and
 * the MOVE handler): the clear header the wire peeks at before it knows who
 * sent it, then the message between the header and the tag, as the MOVE
 * decoder and the widening see it once the datagram has opened. (Opening
 * needs the session key, which a fuzzer cannot forge: the bytes here stand
 * for what opened.) */
#include "net/wire.h"
#include "proto/msg.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t len = (uint32_t)CORE_MIN(size, (size_t)UINT32_MAX);
	uint16_t client_id;
	if (!net_state_peek(data, len, &client_id))
		return 0;
	if (len < NET_WIRE_STATE_OVERHEAD)
		abort(); /* a header peeked from fewer bytes than it has */
	const uint8_t *msg = data + NET_WIRE_STATE_HEADER;
	uint32_t msg_len = len - NET_WIRE_STATE_OVERHEAD;
	if (proto_msg_type(msg, msg_len) != PROTO_MSG_MOVE)
		return 0;
	struct proto_move m;
	if (proto_decode_move(msg, msg_len, &m) != CORE_OK)
		return 0;
	if (m.count < 1 || m.count > PROTO_MOVE_CMDS)
		abort(); /* the server walks m.cmds[count - 1 .. 0] */
	/* What the server last saw of this client: the counter bytes vary it,
	 * a new client (no send time yet) included. */
	uint32_t seen = (uint32_t)data[4] << 24 | (uint32_t)data[5] << 8 | client_id;
	proto_move_widen(&m, seen, seen >> 8, seen % 4294967u, client_id & 1);
	return 0;
}
