/**
 * @file ticket.h
 * @brief Resume tickets: a server's sealed note of who a client is, handed
 * over in WELCOME, so an automatic reconnect gets back in without a new
 * join token (a join token admits one connection).
 *
 * The server seals the ticket with a key only it holds (XSalsa20-Poly1305,
 * a fresh key per server process): a client can neither read nor forge nor
 * alter one. The ticket carries its own id; the server decides when that id
 * may be used (once, within a short time of the connection ending).
 *
 *   sealed: u8[24] nonce | MAC'd ciphertext of
 *   u8 version (1) | u8 role | u8[16] id | u8 len user | user
 *   | u8 len name | name | u8 len room | room
 */
#pragma once

#include "core/core.h"
#include "net/token.h"
#include "proto/msg.h"

#include <stdbool.h>
#include <stdint.h>

#define NET_TICKET_KEY_BYTES 32
#define NET_TICKET_ID_BYTES 16

struct net_ticket {
	uint8_t role;
	uint8_t id[NET_TICKET_ID_BYTES];
	char user[NET_TOKEN_USER_MAX];
	char name[PROTO_NAME_MAX];
	char room[PROTO_NAME_MAX];
};

/** A fresh random sealing key. */
enum core_result net_ticket_key_new(uint8_t out_key[NET_TICKET_KEY_BYTES]) CORE_MUST_CHECK;
/** Seals t (with a fresh random id written back into t->id) into out.
 * Returns the length, 0 if it does not fit (cap PROTO_TICKET_MAX is enough). */
uint32_t net_ticket_seal(struct net_ticket *t, const uint8_t key[NET_TICKET_KEY_BYTES],
			 uint8_t *out, uint32_t cap);
/** Opens a sealed ticket; false for anything not sealed by key or malformed. */
bool net_ticket_open(const uint8_t *data, uint32_t len, const uint8_t key[NET_TICKET_KEY_BYTES],
		     struct net_ticket *out) CORE_MUST_CHECK;
