/**
 * @file net.h
 * @brief The one ENet wrapper both sides use: channel plan, host creation,
 * addresses, sends.
 *
 * Channels: control (reliable, ordered), voice (unreliable, unsequenced),
 * log (reliable, ordered: board, objects, lessons, chat, moderation). The
 * state traffic DESIGN.md gives a channel of its own, moves and snapshots,
 * travels as state datagrams on the same socket instead (below).
 *
 * Handshake: the client connects with the protocol version as ENet's
 * connect data, then sends HELLO on control. A server that speaks another
 * version answers REFUSE (a layout frozen across versions) and disconnects,
 * so an old client always learns why. A signed token travels in HELLO.
 */
#pragma once

#include "core/core.h"
#include "proto/bits.h"
#include "net_types.h"
#include "wire.h"

#include <enet/enet.h>
#include <stdbool.h>
#include <stdint.h>

/* ENet's own limits, set from Lyceum's real message sizes (ENet's defaults
 * are 32 MiB for both, which lets a peer that never authenticates make the
 * server reserve megabytes for a fragmented packet that never completes).
 * A client's largest message is a HELLO with a join token (under 700
 * bytes); the server's, a part of a board's tail or snapshot (msg_board.h:
 * PROTO_LOG_MESSAGE_MAX). ENet applies one limit both ways, so the server
 * may receive that much too; clients reach ENet only once the wire has
 * authenticated them (wire.h), and a message past its type's size is a
 * violation. */
#define NET_MAX_MESSAGE 33792
/* Received but not yet handled data a peer may have queued in ENet: a
 * server's clients send small messages; a client takes a board's snapshot
 * in parts of up to 32 KiB. */
#define NET_MAX_WAITING_DATA 16384
#define NET_CLIENT_MAX_WAITING_DATA (1u << 20)

/** Once per process; safe to call again. */
enum core_result net_init(void) CORE_MUST_CHECK;

/** "host:port", "host" (default_port) or ":port"; host may be a name. */
enum core_result net_address_parse(const char *text, uint16_t default_port,
				   ENetAddress *out) CORE_MUST_CHECK;
/** "a.b.c.d:port" */
void net_address_format(const ENetAddress *a, char *out, size_t size);

/**
 * Listens on bind_addr:port (0: any free port). With state_socket, on Linux,
 * the server gets a second socket on the same address and port for state
 * datagrams (*out_state_fd): both join one SO_REUSEPORT group whose classic
 * BPF program sends datagrams that start with the state magic to it and the
 * rest to ENet's, so moves are read in batches without entering ENet.
 * *out_state_fd is -1 where that is not available; state datagrams then
 * reach ENet's socket and its intercept hook.
 */
enum core_result net_server_create(const char *bind_addr, uint16_t port, size_t max_peers,
				   bool state_socket, ENetHost **out_host,
				   int *out_state_fd) CORE_MUST_CHECK;
enum core_result net_client_create(ENetHost **out_host) CORE_MUST_CHECK;
/** Applies NET_MAX_MESSAGE, NET_MAX_WAITING_DATA and a cap on the peers
 * from one IP address (ENet's duplicatePeers) to a host. */
void net_host_limits(ENetHost *host, size_t peers_per_address, size_t max_waiting);
/** Starts ENet's connection (once the wire is ready); the version goes in
 * ENet's connect data. The client's wire has connected the socket to the
 * server already (net_wire_client_create). */
ENetPeer *net_client_connect(ENetHost *host, const ENetAddress *server, uint32_t version);

/**
 * Per-peer settings both sides apply once connected: the timeout, and no
 * throttling of unreliable packets. ENet's throttle drops unreliable packets
 * at the sender when round-trip times jump, and dropping them under a CPU
 * spike on one side only makes the other side's view worse.
 */
void net_peer_setup(ENetPeer *peer);

/** Sends on a channel with that channel's reliability. */
enum core_result net_send(ENetPeer *peer, enum net_channel channel, const void *data,
			  uint32_t len) CORE_MUST_CHECK;

/*
 * State datagrams. Moves and snapshots want neither retransmission nor
 * ENet's ordering (their own ticks and seqs already say which is newest), so
 * they skip ENet's reliability layer and go as datagrams on the ENet
 * socket: no per-datagram allocation, command queue or peer-table walk, and
 * a server sends a whole slot's snapshots in one system call (net_batch).
 * ENet keeps the handshake, control and log channels. docs/architecture.md
 * ("State datagrams") says why this departs from DESIGN.md's channel plan.
 *
 * Their layout and sealing are the wire's (wire.h: 7F FF | u16 client_id |
 * u16 counter | message, sealed | tag). The message is one MOVE (client to
 * server) or SNAPSHOT (server to client). ENet would read the first two
 * bytes as a compressed packet for peer 0xFFF, which ENet never sends, so
 * the server's kernel steers them by those bytes (SO_REUSEPORT and a BPF
 * program) and each side's intercept hook takes the rest to the wire.
 */
#define NET_STATE_MAGIC0 NET_WIRE_MAGIC
#define NET_STATE_MAGIC1 NET_WIRE_STATE
#define NET_STATE_HEADER NET_WIRE_STATE_HEADER
#define NET_STATE_MAX (NET_WIRE_STATE_OVERHEAD + PROTO_MAX_PACKET)

/** Sends one datagram from sock. */
enum core_result net_state_send(ENetSocket sock, const ENetAddress *to, const uint8_t *data,
				uint32_t len);
bool net_address_equal(const ENetAddress *a, const ENetAddress *b);

/**
 * Datagrams sent or received together: with sendmmsg and recvmmsg, one
 * system call per batch instead of one per datagram. Buffers are allocated
 * once, at init. Unreliable by nature: what the socket cannot take now is
 * dropped and counted, never retried (the next snapshot supersedes it).
 */
struct net_batch {
	int count, cap;
	uint8_t *data;     /* cap x NET_STATE_MAX */
	uint32_t *len;
	ENetAddress *addr; /* destination when sending, source when received */
	void *sys;         /* the platform's message headers */
	uint64_t sent, dropped;
	uint64_t dropped_bytes; /* of the dropped ones */
};

enum core_result net_batch_init(struct net_batch *b, int cap) CORE_MUST_CHECK;
void net_batch_fini(struct net_batch *b);
static inline uint8_t *net_batch_data(const struct net_batch *b, int i)
{
	return b->data + (size_t)i * NET_STATE_MAX;
}
/** Room for the next datagram (NET_STATE_MAX bytes); a full batch is sent
 * first. Nothing is queued until net_batch_push. */
uint8_t *net_batch_next(struct net_batch *b, ENetSocket sock);
/** Queues the datagram written at the last net_batch_next. */
void net_batch_push(struct net_batch *b, const ENetAddress *to, uint32_t len);
/** Sends whatever is queued. */
void net_batch_send(struct net_batch *b, ENetSocket sock);
/** Replaces the batch with what the socket holds, up to cap datagrams,
 * without waiting. Returns the count (len 0: too long to be ours), or -1. */
int net_batch_receive(struct net_batch *b, ENetSocket sock);
