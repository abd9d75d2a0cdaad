/**
 * @file wire.h
 * @brief The secure wire: a stateless challenge before any per-peer state,
 * a key exchange that authenticates the server, and authenticated
 * encryption of every datagram after it, ENet's and the state datagrams.
 *
 * One net_wire serves one UDP socket (a server's, or one client's), and
 * one net_session each remote end of it. Nothing leaves in clear but the
 * handshake's first two datagrams, which carry only public keys and the
 * cookie; nothing is accepted in clear but those. ENet never sees a
 * datagram that did not decrypt under its sender's session key with a
 * counter it had not seen, so an injected or replayed ENet command (a
 * forged DISCONNECT for someone else's peer id, say) cannot touch a
 * connection. libsodium is seen only here and in token.c.
 *
 * Handshake (a client, then the server):
 *
 *   REQUEST    C->S  7F FE | u16 version | u8[32] client ephemeral key
 *                    | u8 ciphers it has | zeros to NET_WIRE_REQUEST_SIZE
 *   CHALLENGE  S->C  7F FD | u16 version | u32 epoch | u8[16] cookie
 *                    | u8[32] server epoch key | u8[32] server static key
 *                    | u8 cipher chosen
 *   CONNECT    C->S  7F FC | u32 epoch | u8[16] cookie | u8[32] client
 *                    ephemeral key | u8 cipher | u16 counter
 *                    | ENet datagram, sealed | tag
 *
 * The cookie is a keyed BLAKE2b of the client's address and ephemeral key
 * under a server secret that changes every NET_WIRE_EPOCH_S (the last two
 * are accepted): the server keeps nothing for a REQUEST, answers it with
 * fewer bytes than it carried, and works (two X25519) only for a CONNECT
 * from an address that proved it receives there. The client checks the
 * server's static key against the one its join token names. Keys come
 * from X25519 of the client's ephemeral key with the server's epoch key
 * (forward secrecy; the epoch key is erased two epochs later) and with
 * its static key (which only the real server holds):
 *
 *   c2s | s2c = BLAKE2b-512("lyceum-wire-1" | ee | es | client key
 *                           | epoch key | static key)
 *
 * The cipher is AES-256-GCM where both ends have the instructions for it
 * (it costs the server a third of the other per datagram), else
 * ChaCha20-Poly1305 (Quest and Pico, and any machine without AES-NI); the
 * cookie binds the choice. After the handshake (16-byte tag; the header is
 * the additional data):
 *
 *   SEALED     both  7F FA | u16 counter | ENet datagram, sealed | tag
 *   STATE      C->S  7F FF | u16 client_id | u16 counter | message, sealed | tag
 *   STATE_DOWN S->C  7F FB | u16 counter | message, sealed | tag
 *
 * Each direction counts its datagrams from 1 (a 64-bit counter that is the
 * nonce; its low 16 bits travel, widened by the receiver around the
 * highest it has seen) and the receiver keeps a 64-datagram replay window.
 * The server's BPF program steers 7F FF to the state socket, the rest to
 * ENet's. A client has one session, so what the server sends it carries no
 * id. The tag proves who sent a state datagram.
 */
#pragma once

#include "core/core.h"
#include "net_types.h"

#include <enet/enet.h>
#include <stdbool.h>
#include <stdint.h>

#define NET_WIRE_MAGIC 0x7F
#define NET_WIRE_REQUEST 0xFE
#define NET_WIRE_CHALLENGE 0xFD
#define NET_WIRE_CONNECT 0xFC
#define NET_WIRE_SEALED 0xFA
#define NET_WIRE_STATE 0xFF
#define NET_WIRE_STATE_DOWN 0xFB
#define NET_WIRE_CHACHA 1 /* ChaCha20-Poly1305 (IETF), every machine has it */
#define NET_WIRE_AES 2    /* AES-256-GCM, where the CPU has AES-NI and PCLMUL */
#define NET_WIRE_KEY_BYTES 32
#define NET_WIRE_TAG 16
#define NET_WIRE_REQUEST_SIZE 128
#define NET_WIRE_CHALLENGE_SIZE (2 + 2 + 4 + 16 + 32 + 32 + 1)
#define NET_WIRE_SEALED_HEADER 4
#define NET_WIRE_CONNECT_HEADER (2 + 4 + 16 + 32 + 1 + 2)
#define NET_WIRE_STATE_HEADER 6
#define NET_WIRE_STATE_DOWN_HEADER 4
/** Bytes a state datagram adds to its message. */
#define NET_WIRE_STATE_OVERHEAD (NET_WIRE_STATE_HEADER + NET_WIRE_TAG)
/** How long a cookie secret (and epoch key) is current. */
#define NET_WIRE_EPOCH_S 10
/** A session that has received nothing this long is forgotten. */
#define NET_WIRE_IDLE_US 30000000u

_Static_assert(NET_WIRE_CHALLENGE_SIZE <= NET_WIRE_REQUEST_SIZE,
	       "the server never answers with more bytes than it was sent");

struct net_wire;
struct net_session;

/**
 * A server's wire on ENet's socket: it answers REQUESTs, makes a session
 * for each CONNECT with a good cookie, and seals or opens every datagram.
 * static_sk is the server's X25519 secret key. At most max_sessions at once,
 * and per_host from one IP address (its ports are cheap to come by).
 */
enum core_result net_wire_server_create(ENetHost *host, const uint8_t static_sk[NET_WIRE_KEY_BYTES],
					size_t max_sessions, size_t per_host,
					struct net_wire **out) CORE_MUST_CHECK;
/**
 * A client's wire to server; it connects the host's socket to the server.
 * expected_server_pk (NULL: any) is the static key the join token names: a
 * server that shows another is refused, so a machine in the middle cannot
 * pose as the server.
 */
enum core_result net_wire_client_create(ENetHost *host, const ENetAddress *server,
					const uint8_t *expected_server_pk, uint16_t version,
					struct net_wire **out) CORE_MUST_CHECK;
/** Forgets every key (erased) and stops sealing for the host's socket. */
void net_wire_destroy(struct net_wire *w);

enum net_wire_status {
	NET_WIRE_PENDING, /* REQUEST sent, no CHALLENGE yet */
	NET_WIRE_READY,   /* keys made: ENet may connect */
	NET_WIRE_FAILED,  /* net_wire_error says why */
};
/** Client: (re)sends the REQUEST when due; READY once keys are made. */
enum net_wire_status net_wire_client_poll(struct net_wire *w, uint64_t now_us);
const char *net_wire_error(const struct net_wire *w);
/** Client: the server answered with another protocol version. */
bool net_wire_version_mismatch(const struct net_wire *w);

enum net_wire_verdict {
	NET_WIRE_DONE,     /* handled or dropped (counted): ENet must not see it */
	NET_WIRE_TO_ENET,  /* opened: host->receivedData now holds ENet's datagram */
	NET_WIRE_TO_STATE, /* a state datagram, still sealed: open it with its session */
};
/** From ENet's intercept hook: the datagram ENet just read. */
enum net_wire_verdict net_wire_receive(struct net_wire *w, ENetHost *host, uint64_t now_us);

/** Takes a state datagram that arrived on ENet's socket, still sealed;
 * ctx is what net_wire_on_state was given. */
typedef void (*net_state_fn)(void *ctx, const ENetAddress *from, uint8_t *data, uint32_t len);
/** Where the hook sends state datagrams (none: they are dropped). */
void net_wire_on_state(struct net_wire *w, net_state_fn fn, void *ctx);
/** The time (µs, the caller's clock) the hook stamps sessions with. */
void net_wire_set_clock(struct net_wire *w, uint64_t now_us);
/**
 * ENet's intercept hook for a host with a wire: every datagram ENet reads
 * goes to the wire first; ENet sees only what opened under a session key,
 * state datagrams go to the net_wire_on_state handler, the rest is dropped
 * and counted. The wire is found by the host's socket, so no global of the
 * caller's is needed.
 */
int net_wire_hook(ENetHost *host, ENetEvent *event);

/** The session for a remote address (server), or the client's one. */
struct net_session *net_wire_session(struct net_wire *w, const ENetAddress *addr);
/** Server: the key exchanges (two X25519 each) one IP address may cost,
 * per second and in a burst (default 32 and 64). */
void net_wire_handshake_budget(struct net_wire *w, uint32_t per_s, uint32_t burst);
/** Server: forgets a session. */
void net_wire_session_close(struct net_wire *w, struct net_session *s);
/** Server: forgets the session of an address whose ENet peer is gone. */
void net_wire_release(struct net_wire *w, const ENetAddress *addr);
/** Server: the session's ENet peer connected; until then it is forgotten
 * after 5 s (a handshake nobody followed with a connection). */
void net_session_bind(struct net_session *s);
/** Is this still the live session of that address? A client record checks
 * before it seals or opens with the session it was given. */
bool net_session_is(const struct net_session *s, const ENetAddress *addr);
/** Server: which handshake made the session. A handshake from the same
 * address after 5 s of its silence remakes the session in place, so a
 * connection keeps the generation it was made with and checks it. */
uint32_t net_session_generation(const struct net_session *s);
/** Server: forgets sessions idle for NET_WIRE_IDLE_US, and unbound ones
 * after 5 s; once a second is enough. */
void net_wire_expire(struct net_wire *w, uint64_t now_us);
const struct net_wire_stats *net_wire_stats(const struct net_wire *w);

/**
 * Seals a state datagram in place: buf holds NET_WIRE_STATE_HEADER bytes of
 * room, then the message (len bytes), then room for the tag. Returns the
 * datagram's length.
 */
uint32_t net_session_seal_state(struct net_session *s, uint16_t client_id, uint8_t *buf,
				uint32_t len);
/** Server: the same for the session's client, with the shorter header:
 * the message (written at buf + NET_WIRE_STATE_HEADER, as for the other)
 * moves up to follow it. */
uint32_t net_session_seal_state_down(struct net_session *s, uint8_t *buf, uint32_t len);
/** Is this a state datagram from a server (not yet proven)? */
bool net_state_is_down(const uint8_t *data, uint32_t len);
/** Opens a state datagram in place; false (counted) if it is not the
 * session's. *out_msg and *out_len are the message. */
bool net_session_open_state(struct net_wire *w, struct net_session *s, uint8_t *data,
			    uint32_t len, uint8_t **out_msg, uint32_t *out_len) CORE_MUST_CHECK;
/** The client id a state datagram claims (not yet proven). */
bool net_state_peek(const uint8_t *data, uint32_t len, uint16_t *out_client_id);
