/**
 * @file wire_internal.h
 * @brief Private to shared/net: the wire's state and the helpers its two
 * files share (wire.c: sessions, sealing, receiving, sending;
 * wire_handshake.c: the challenge and the key exchange).
 */
#pragma once

#include "wire.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define WINDOW 64 /* replay window, datagrams */
#define FD_SLOTS 65536
/* The largest datagram either way: ENet's largest, in a CONNECT. */
#define SEALED_MAX (ENET_PROTOCOL_MAXIMUM_MTU + NET_WIRE_CONNECT_HEADER + NET_WIRE_TAG)
/* Handshakes (two X25519 each) an IP address may cost per second, and the
 * burst: a class behind one NAT joins at once. */
#define HANDSHAKES_PER_S 32
#define HANDSHAKE_BURST 64
#define HANDSHAKE_SLOTS 256
/* A session that has had authentic traffic this recently is not replaced
 * by a new handshake from its address (an old CONNECT replayed). */
#define REKEY_QUIET_US 5000000u
/* A session whose ENet peer never connected is forgotten after this: as
 * long as its client goes on trying to connect. ENet's server counts a
 * peer connected only when the client's acknowledgement of VERIFY_CONNECT
 * arrives, and resends VERIFY_CONNECT after 0.5, 1.5, 3.5 and 7.5 s until
 * one is acknowledged (the client's HELLO does not count before that); at
 * 5 s the session went before the fifth try, and through 5% loss each way
 * about one join in 11,000 hung until the client gave up (a model of the
 * retries; too rare to measure). */
#define UNBOUND_US (NET_CONNECT_TIMEOUT_MS * 1000u)
/* A CHALLENGE of another version or key fails the handshake only if no
 * fitting one comes within this. */
#define MISMATCH_GRACE_US 1500000u

_Static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == NET_WIRE_TAG, "tag size");
_Static_assert(crypto_scalarmult_BYTES == NET_WIRE_KEY_BYTES, "X25519 key size");

struct net_session {
	/* What every datagram checks and counts first, in the first cache line
	 * (behind the 1 KiB of AES state it was a miss of its own on every
	 * datagram); the expanded keys after it keep their 16-byte alignment. */
	bool in_use;
	uint8_t cipher;        /* NET_WIRE_AES or NET_WIRE_CHACHA */
	bool bound;            /* server: its ENet peer connected (net_session_bind) */
	bool heard;            /* client: the server has sealed to us (the CONNECT got through) */
	uint32_t generation;   /* server: which handshake made it (a new one on the address differs) */
	ENetAddress addr;
	uint64_t tx_counter;   /* the last one sent */
	uint64_t rx_highest;   /* the highest received */
	uint64_t rx_window;    /* bit k: rx_highest - k was received */
	uint64_t last_rx_us;
	uint64_t created_us;
	crypto_aead_aes256gcm_state aes_tx, aes_rx;
	uint8_t tx_key[32], rx_key[32];
	uint8_t client_pk[32]; /* the handshake's ephemeral key: a repeat is not a new session */
};

/* Handshake budget per IP address (a small table; a collision shares a budget). */
struct handshake_slot {
	uint32_t host;
	uint32_t tokens;
	uint64_t last_us;
};

/* A CHALLENGE is not authenticated: anyone who sees a REQUEST, or guesses
 * one was sent, may answer it first with the server's static key and an
 * epoch key of its own, and the CONNECT made from that answer never opens
 * at the server. So until the server has sealed to it, a client keeps up to
 * WIRE_CANDIDATES answers that name the right key (the oldest giving way to
 * a newer one), sends its CONNECT under each in turn (ENet resends it after
 * 0.25, 0.75, 1.75, 3.75 and 7.75 s: NET_CONNECT_RTT_GUESS_MS), and keeps
 * the one whose keys open the server's reply; the others are erased. A
 * forger who keeps answering every REQUEST first can still delay a join,
 * as anyone on the path can by dropping it; a MAC under the static key
 * would cost the server a scalar multiplication per REQUEST, which the
 * stateless challenge exists to avoid. */
#define WIRE_CANDIDATES 4
struct wire_candidate {
	struct net_session session;
	uint32_t cookie_epoch;
	uint8_t cookie[16];
	uint8_t epoch_pk[32];
};

struct net_wire {
	bool server;
	ENetHost *host;
	ENetSocket socket;
	struct net_wire_stats stats;
	/* server */
	uint8_t static_sk[32], static_pk[32];
	uint32_t epoch;               /* current epoch number */
	uint8_t secret[2][32];        /* cookie secret of epoch e in [e & 1] */
	uint8_t epoch_sk[2][32], epoch_pk[2][32];
	uint32_t secret_epoch[2];
	struct net_session *sessions; /* max_sessions */
	size_t max_sessions, session_count, per_host;
	struct handshake_slot handshake[HANDSHAKE_SLOTS];
	uint32_t handshakes_per_s, handshake_burst;
	uint32_t generations;         /* sessions made so far: each its own generation */
	uint32_t *index;              /* open addressing by address: session + 1, 0 empty */
	size_t index_cap;             /* power of two, 2 x max_sessions or more */
	/* client */
	struct wire_candidate cand[WIRE_CANDIDATES];
	int cand_count, cand_next, cand_replace;
	struct net_session *client; /* cand[0]'s, once a CHALLENGE came */
	ENetAddress server_addr;
	uint8_t client_sk[32], client_pk[32];
	bool has_expected;
	uint8_t expected_pk[32];
	uint16_t version;      /* the protocol version this client speaks */
	bool version_mismatch;
	uint64_t mismatch_since_us; /* client: a CHALLENGE that did not fit came then */
	uint64_t mismatch_log_s; /* server: the second a version mismatch was last logged */
	enum net_wire_status status;
	uint64_t next_request_us, request_gap_us, started_us;
	char error[200];
	net_state_fn state_fn; /* state datagrams from the hook go here */
	void *state_ctx;
	uint64_t now_us;       /* the caller's clock, for the hook */
	uint8_t rx_scratch[SEALED_MAX]; /* the datagram opened for ENet */
	uint8_t tx_scratch[SEALED_MAX]; /* the datagram sealed for the socket */
};


struct net_wire *wire_of_socket(ENetSocket s);
uint8_t wire_local_ciphers(void);
void wire_seal(struct net_session *s, const uint8_t *head, size_t head_len, const uint8_t *msg,
	       size_t len, uint8_t *out, uint64_t counter);
bool wire_open_sealed(struct net_wire *w, struct net_session *s, const uint8_t *head,
		      size_t head_len, uint16_t low, const uint8_t *ct, size_t len, uint8_t *out);
bool wire_derive(struct net_session *s, bool server, uint8_t cipher, const uint8_t ee[32],
		 const uint8_t es[32], const uint8_t client_pk[32], const uint8_t epoch_pk[32],
		 const uint8_t static_pk[32]);
struct net_session *wire_session_add(struct net_wire *w, const ENetAddress *addr);
/* wire_handshake.c */
void wire_rotate(struct net_wire *w);
void wire_on_request(struct net_wire *w, const ENetAddress *from, const uint8_t *d, size_t len);
enum net_wire_verdict wire_on_connect(struct net_wire *w, ENetHost *host, const uint8_t *d,
				      size_t len, uint64_t now_us);
void wire_on_challenge(struct net_wire *w, const ENetAddress *from, const uint8_t *d, size_t len);

static inline uint32_t now_epoch(void)
{
	return (uint32_t)(time(NULL) / NET_WIRE_EPOCH_S);
}

static inline void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void nonce_of(uint64_t counter, uint8_t nonce[12])
{
	memset(nonce, 0, 12);
	for (int i = 0; i < 8; i++)
		nonce[i] = (uint8_t)(counter >> (8 * i));
}

