/* Voice frames and speaking events (msg.h). The Opus bytes are never
 * copied by the decoders: a decoded frame points into its message. */
#include "msg.h"
#include "msg_codec.h"

#include <string.h>

uint32_t proto_encode_voice_up(const struct proto_voice_up *m, uint8_t *buf, uint32_t cap)
{
	if (m->len == 0 || m->len > PROTO_VOICE_OPUS_MAX || cap < PROTO_VOICE_UP_HEADER + (uint32_t)m->len)
		return 0;
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_bits(&w, PROTO_MSG_VOICE, 8);
	proto_write_bits(&w, m->seq & ((1u << PROTO_VOICE_SEQ_BITS) - 1), PROTO_VOICE_SEQ_BITS);
	proto_write_bool(&w, m->last);
	proto_write_bool(&w, m->broadcast);
	proto_write_bits(&w, 0, 3);
	proto_write_bits(&w, m->loudness, 8);
	proto_write_bytes(&w, m->opus, m->len);
	return finish(&w);
}

enum core_result proto_decode_voice_up(const uint8_t *data, uint32_t len,
				       struct proto_voice_up *out)
{
	memset(out, 0, sizeof(*out));
	struct proto_reader r;
	if (len <= PROTO_VOICE_UP_HEADER || len > PROTO_VOICE_UP_HEADER + PROTO_VOICE_OPUS_MAX ||
	    !open_msg(&r, data, len, PROTO_MSG_VOICE))
		return CORE_ERR_INVALID;
	out->seq = (uint16_t)proto_read_bits(&r, PROTO_VOICE_SEQ_BITS);
	out->last = proto_read_bool(&r);
	out->broadcast = proto_read_bool(&r);
	if (proto_read_bits(&r, 3) != 0)
		return CORE_ERR_INVALID;
	out->loudness = (uint8_t)proto_read_bits(&r, 8);
	out->len = (uint16_t)(len - PROTO_VOICE_UP_HEADER);
	out->opus = data + PROTO_VOICE_UP_HEADER;
	return r.overflow ? CORE_ERR_INVALID : CORE_OK;
}

void proto_voice_down_header(uint16_t speaker, uint16_t seq, uint8_t out[PROTO_VOICE_DOWN_HEADER])
{
	struct proto_writer w;
	proto_writer_init(&w, out, PROTO_VOICE_DOWN_HEADER);
	/* Bits go LSB first: the speaker's low seven, then the marker as the
	 * first byte's high bit. */
	proto_write_bits(&w, speaker & 0x7fu, 7);
	proto_write_bits(&w, 1, 1);
	proto_write_bits(&w, (uint32_t)speaker >> 7, 5);
	proto_write_bits(&w, seq & ((1u << PROTO_VOICE_SEQ_BITS) - 1), PROTO_VOICE_SEQ_BITS);
}

uint32_t proto_encode_voice_down(const struct proto_voice_down *m, uint8_t *buf, uint32_t cap)
{
	if (m->len == 0 || m->len > PROTO_VOICE_OPUS_MAX || m->speaker == 0 ||
	    m->speaker > PROTO_MAX_CLIENT_ID || cap < PROTO_VOICE_DOWN_HEADER + (uint32_t)m->len)
		return 0;
	proto_voice_down_header(m->speaker, m->seq, buf);
	memcpy(buf + PROTO_VOICE_DOWN_HEADER, m->opus, m->len);
	return PROTO_VOICE_DOWN_HEADER + m->len;
}

enum core_result proto_decode_voice_down(const uint8_t *data, uint32_t len,
					 struct proto_voice_down *out)
{
	memset(out, 0, sizeof(*out));
	struct proto_reader r;
	if (len <= PROTO_VOICE_DOWN_HEADER || len > PROTO_VOICE_DOWN_HEADER + PROTO_VOICE_OPUS_MAX ||
	    !(data[0] & PROTO_VOICE_FORWARD_BIT))
		return CORE_ERR_INVALID;
	proto_reader_init(&r, data, len);
	uint32_t low = proto_read_bits(&r, 7);
	proto_read_bits(&r, 1);
	out->speaker = (uint16_t)(low | proto_read_bits(&r, 5) << 7);
	out->seq = (uint16_t)proto_read_bits(&r, PROTO_VOICE_SEQ_BITS);
	if (out->speaker == 0 || r.overflow)
		return CORE_ERR_INVALID;
	out->len = (uint16_t)(len - PROTO_VOICE_DOWN_HEADER);
	out->opus = data + PROTO_VOICE_DOWN_HEADER;
	return CORE_OK;
}

uint32_t proto_encode_speaking(const struct proto_speaking *m, uint8_t *buf, uint32_t cap)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_bits(&w, PROTO_MSG_SPEAKING, 8);
	proto_write_bits(&w, m->id, 12);
	proto_write_bool(&w, m->speaking);
	proto_write_bool(&w, m->broadcast);
	return finish(&w);
}

enum core_result proto_decode_speaking(const uint8_t *data, uint32_t len,
				       struct proto_speaking *out)
{
	memset(out, 0, sizeof(*out));
	struct proto_reader r;
	if (!open_msg(&r, data, len, PROTO_MSG_SPEAKING))
		return CORE_ERR_INVALID;
	out->id = (uint16_t)proto_read_bits(&r, 12);
	out->speaking = proto_read_bool(&r);
	out->broadcast = proto_read_bool(&r);
	if (out->id == 0)
		return CORE_ERR_INVALID;
	return done(&r);
}
