/**
 * @file net_types.h
 * @brief What the network layer's users see of it without seeing ENet:
 * channels, disconnect codes, timeouts, addresses and the wire's counters.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum net_channel {
	NET_CH_CONTROL = 0,
	NET_CH_VOICE = 1,
	NET_CH_LOG = 2,
	NET_CHANNEL_COUNT = 3,
};

/** Disconnect codes carried in ENet's disconnect data. */
enum net_disconnect_code {
	NET_DISCONNECT_NONE = 0,     /* ENet timed the peer out */
	NET_DISCONNECT_REFUSED = 1,  /* server: REFUSE was sent first */
	NET_DISCONNECT_SHUTDOWN = 2, /* server is stopping */
	NET_DISCONNECT_VIOLATION = 3,
	NET_DISCONNECT_LEAVE = 4,    /* client left on purpose */
	NET_DISCONNECT_KICKED = 5,   /* staff removed the client (a MOD_EVENT said who and why) */
};

/** ENet's peer timeout: a reliable message unacknowledged this long ends
 * the connection (ms). Gone peers are found sooner by their state
 * datagrams stopping (NET_SILENCE_MS); this only has to outlast ENet's
 * backed-off retries through a bad link: at 5 s, a link losing 15% each
 * way ended about one connection in 30 while the roster and the board's
 * snapshot came in (five tries of a message all lost). */
#define NET_TIMEOUT_MS 15000
/** How long a peer turned away (refused, or expelled for bad input) has to
 * take its last message and the goodbye before its slot is freed
 * regardless: ENet tries about four times in it, so a link losing 15% each
 * way still hears why almost always, and a client that quit at once frees
 * its place in seconds (at NET_TIMEOUT_MS a refused client that quit kept a
 * place of --max-clients for up to 30 s, and the next one was told "full").
 * A member staff remove keeps NET_TIMEOUT_MS to hear who removed it. */
#define NET_GOODBYE_MS 5000
/* ENet pings a peer it has heard no acknowledgement from for this long;
 * state traffic does not pass through ENet, so at ENet's default (0.5 s)
 * both sides would ping and acknowledge twice a second, 4 datagrams per
 * client-second at the server. Liveness comes from the state datagrams
 * instead (NET_SILENCE_MS): both sides send them all the time. */
#define NET_PING_INTERVAL_MS 10000
/** A joined peer whose state datagrams (moves one way, snapshots the
 * other) stop for this long is gone. */
#define NET_SILENCE_MS 7000
/** How long a client tries to connect, and a server keeps the session of
 * one whose ENet peer has not connected yet. ENet retries its CONNECT after
 * 0.25, 0.75, 1.75, 3.75 and 7.75 s (NET_CONNECT_RTT_GUESS_MS) and gives up
 * once the first try is older than its timeout; at 5 s a link losing 5%
 * each way failed about one connect in a thousand (the 3.5 s retry's
 * answer came too late). */
#define NET_CONNECT_TIMEOUT_MS 10000
/** The round trip a client assumes before it has measured one (ENet's
 * default is 500 ms): the first resend of a lost CONNECT or HELLO waits
 * this long, then twice as long each time. A server further away than
 * this gets a spare CONNECT, which ENet ignores as a repeat. */
#define NET_CONNECT_RTT_GUESS_MS 250

/** An IPv4 address and port; ip in network byte order (as the socket has it). */
struct net_addr {
	uint32_t ip;
	uint16_t port;
};

/** "a.b.c.d:port" */
void net_addr_format(const struct net_addr *a, char *out, size_t size);

struct net_wire_stats {
	uint64_t requests;      /* REQUESTs answered */
	uint64_t handshakes;    /* sessions made from a CONNECT */
	uint64_t bad_cookie;    /* CONNECTs with a stale or forged cookie */
	uint64_t bad_tag;       /* datagrams that did not decrypt: tampered or injected */
	uint64_t replayed;      /* counters seen before, or older than the window */
	uint64_t clear;         /* datagrams that were not Lyceum's sealed ones */
	uint64_t no_session;    /* sealed datagrams from an address without a session */
	uint64_t sessions_full; /* handshakes refused: the session table was full */
	uint64_t send_dropped;  /* ENet datagrams for an address without a session */
	uint64_t version_mismatch; /* REQUESTs of another protocol version (answered) */
};
