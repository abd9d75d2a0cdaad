/**
 * @file host.h
 * @brief The session layer: one host owns a socket's every path to its
 * peers, ENet's reliable channels and the state datagrams, with the wire's
 * keys and counters, and reports what happens as events to its owner.
 *
 * ENet stops here. A peer is a small number (net_peer), not a pointer into
 * ENet's tables; an owner never reads ENet's structures or its counters,
 * and callbacks take the owner's context pointer (no global is needed to
 * find the owner from a hook). On a server a peer's number is also the id
 * its state datagrams carry (wire.h), so the server may use it as the
 * client's id: 1..max_peers, reused only once ENet has let the peer go.
 *
 * A server host listens (with a second, steered socket for state datagrams
 * where the system has one: net.h), answers the wire's handshake and
 * admits ENet connections only through it. A client host secures its
 * socket to one server (net_host_secure) and then connects one peer.
 *
 * State datagrams: the owner writes a message into net_host_state_buf and
 * hands it to net_host_state_send with the peer; the host seals it under
 * the peer's session and sends it (a server batches until
 * net_host_state_flush: a slot's snapshots leave in one system call). A
 * state datagram that arrives is opened and given to on_state with its
 * peer only if it opens under the session of the peer it names, from that
 * peer's address; anything else is counted (stray) and the first logged.
 */
#pragma once

#include "core/core.h"
#include "net_types.h"
#include "proto/bits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** A peer of a host: 1..max_peers, 0 is none. */
typedef uint16_t net_peer;

/** The largest message a state datagram carries. */
#define NET_STATE_MESSAGE_MAX PROTO_MAX_PACKET

struct net_host;

enum net_event_type {
	NET_EVENT_CONNECT,    /* data: the peer's protocol version (ENet's connect data) */
	NET_EVENT_DISCONNECT, /* data: its net_disconnect_code; NONE: it timed out */
	NET_EVENT_RECEIVE,    /* a message on channel, msg and len */
};

struct net_event {
	enum net_event_type type;
	net_peer peer;
	uint32_t data;
	enum net_channel channel;
	const uint8_t *msg; /* RECEIVE: valid until the callback returns */
	uint32_t len;
};

/** What a host calls; ctx is the owner's. */
struct net_host_handlers {
	void (*on_event)(void *ctx, const struct net_event *ev);
	/** A state datagram, opened: msg may be changed in place. */
	void (*on_state)(void *ctx, net_peer peer, uint8_t *msg, uint32_t len);
	/** Optional: a batch of state datagrams is about to be handed over
	 * one by one; the owner may prefetch what it keeps per peer. */
	void (*prefetch)(void *ctx, net_peer peer);
	void *ctx;
};

struct net_server_config {
	const char *bind; /* IPv4 address or host name */
	uint16_t port;    /* 0: any free port */
	size_t max_peers;
	bool state_socket; /* a second socket for state datagrams where the system allows */
	const uint8_t *static_sk; /* the server's X25519 secret key (32 bytes; copied) */
	size_t max_sessions;      /* key exchanges held at once */
	size_t sessions_per_address;
	size_t peers_per_address; /* ENet peers from one IP address */
	uint32_t handshakes_per_s, handshake_burst; /* per IP address */
};

struct net_host_stats {
	size_t peers;              /* connected */
	uint64_t bytes_sent, bytes_received;         /* every datagram, both paths */
	uint64_t datagrams_sent, datagrams_received;
	uint64_t state_received;   /* state datagrams read from the state socket */
	uint64_t state_dropped;    /* state datagrams the socket would not take now */
	uint64_t state_unsealed;   /* state datagrams not sent: the peer had no live session */
	uint64_t stray;            /* state datagrams from no peer, or not opening under its key */
	struct net_wire_stats wire;
};

/** Listens on cfg->bind:port. Errors are logged with what to do. */
enum core_result net_host_server(const struct net_server_config *cfg,
				 const struct net_host_handlers *handlers,
				 struct net_host **out) CORE_MUST_CHECK;
/**
 * A client host for one server ("host:port", "host" or ":port"). server_pk
 * (NULL: any) is the static key the join token names: a server that shows
 * another is refused. On failure err says why.
 */
enum core_result net_host_client(const char *server, uint16_t default_port, const uint8_t *server_pk,
				 uint16_t version, const struct net_host_handlers *handlers,
				 struct net_host **out, char *err, size_t err_size) CORE_MUST_CHECK;
/** Closes the sockets at once and erases every key. NULL is fine. */
void net_host_destroy(struct net_host *h);

/**
 * Reads what arrived on ENet's socket and hands every event to on_event
 * (state datagrams that reach it go to on_state), then sends what the
 * handlers queued. now_us stamps the sessions. Returns the events handled,
 * or -1 if the socket failed (errno says why: ECONNREFUSED on a client
 * when nothing listens at the server's port).
 */
int net_host_service(struct net_host *h, uint64_t now_us);
/** Server: reads every state datagram waiting on the state socket. */
void net_host_read_state(struct net_host *h, uint64_t now_us);
/** Waits up to timeout_ms for a datagram on any of the host's sockets. */
void net_host_wait(const struct net_host *h, int timeout_ms);
/** Server: do state datagrams arrive on a socket of their own? Then ENet's
 * may be serviced less often than the state socket is read. */
bool net_host_has_state_socket(const struct net_host *h);
/** The socket a caller polling many hosts waits on (a client has one). */
int net_host_fd(const struct net_host *h);
/** The address and port the host's socket is bound to. */
struct net_addr net_host_address(const struct net_host *h);
/** Server: forgets sessions nobody uses; once a second is enough. */
void net_host_expire(struct net_host *h, uint64_t now_us);
/** Tells every connected peer code and waits up to wait_ms for them to go,
 * dropping what arrives meanwhile. */
void net_host_shutdown(struct net_host *h, enum net_disconnect_code code, uint32_t wait_ms);

enum net_secure_status {
	NET_SECURE_PENDING, /* the key exchange is under way */
	NET_SECURE_READY,   /* keys made: net_host_connect may go */
	NET_SECURE_FAILED,  /* net_host_error says why */
};
/** Client: (re)sends the key exchange when due. */
enum net_secure_status net_host_secure(struct net_host *h, uint64_t now_us);
const char *net_host_error(const struct net_host *h);
/** Client: the server answered the key exchange with another protocol version. */
bool net_host_version_mismatch(const struct net_host *h);
/** Client: starts ENet's connection once secure; 0 if it cannot. */
net_peer net_host_connect(struct net_host *h, uint32_t version);

/** Sends on a channel with that channel's reliability. */
enum core_result net_host_send(struct net_host *h, net_peer peer, enum net_channel channel,
			       const void *data, uint32_t len) CORE_MUST_CHECK;
/** Is the peer connected (not leaving, not gone)? */
bool net_host_connected(const struct net_host *h, net_peer peer);
struct net_addr net_host_peer_address(const struct net_host *h, net_peer peer);
/** ENet's round-trip estimate (ms) and packet loss (percent), from its pings. */
uint32_t net_host_peer_rtt_ms(const struct net_host *h, net_peer peer);
float net_host_peer_loss_pct(const struct net_host *h, net_peer peer);

/*
 * Ending a connection. The peer's session goes with it once no other
 * connection from its address uses it.
 */
/** Tells the peer code at once; what was queued for it is dropped. A
 * DISCONNECT event follows. */
void net_host_disconnect(struct net_host *h, net_peer peer, enum net_disconnect_code code);
/** Tells the peer code after what is queued for it (a refusal, a kick
 * message). A DISCONNECT event follows. */
void net_host_disconnect_later(struct net_host *h, net_peer peer, enum net_disconnect_code code);
/** net_host_disconnect_later for a peer turned away (refused, or expelled
 * for bad input): it has NET_GOODBYE_MS, not NET_TIMEOUT_MS, to take what
 * is queued and the goodbye, then its slot is free regardless. */
void net_host_turn_away(struct net_host *h, net_peer peer, enum net_disconnect_code code);
/** One datagram with code, and the peer is gone now: no event follows. */
void net_host_disconnect_now(struct net_host *h, net_peer peer, enum net_disconnect_code code);
/** Forgets the peer without telling it. */
void net_host_reset(struct net_host *h, net_peer peer);

/** Room for one state message (NET_STATE_MESSAGE_MAX bytes). */
uint8_t *net_host_state_buf(struct net_host *h);
/**
 * Seals the message written at net_host_state_buf (len bytes) for peer and
 * sends it: a client at once, a server at the next net_host_state_flush.
 * False (counted) if the peer has no live session.
 */
bool net_host_state_send(struct net_host *h, net_peer peer, uint32_t len);
/** Server: sends the state datagrams queued. */
void net_host_state_flush(struct net_host *h);

void net_host_stats(const struct net_host *h, struct net_host_stats *out);

/** Client: asks the kernel for the arrival time of each datagram (costs a
 * system call per state datagram; for measuring, as lyceum-bot's voice-v1
 * does). */
void net_host_rx_timestamps(struct net_host *h, bool on);
/** Inside on_state: the kernel's arrival time of the datagram being handed
 * over, CLOCK_REALTIME ns; 0 when not asked for or not known. */
int64_t net_host_rx_realtime_ns(const struct net_host *h);
