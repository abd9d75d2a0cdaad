/**
 * @file net.h
 * @brief The one ENet wrapper both sides use: channel plan, host creation,
 * addresses, sends.
 *
 * Channels (DESIGN.md): control (reliable, ordered), state (unreliable,
 * sequenced: inputs and snapshots), voice (unreliable, unsequenced), log
 * (reliable, ordered: board, objects, lessons, chat, moderation).
 *
 * Handshake: the client connects with the protocol version as ENet's
 * connect data, then sends HELLO on control. A server that speaks another
 * version answers REFUSE (a layout frozen across versions) and disconnects,
 * so an old client always learns why. A signed token travels in HELLO.
 */
#pragma once

#include "core/core.h"

#include <enet/enet.h>
#include <stdbool.h>
#include <stdint.h>

enum net_channel {
	NET_CH_CONTROL = 0,
	NET_CH_STATE = 1,
	NET_CH_VOICE = 2,
	NET_CH_LOG = 3,
	NET_CHANNEL_COUNT = 4,
};

/** Disconnect codes carried in ENet's disconnect data. */
enum net_disconnect_code {
	NET_DISCONNECT_NONE = 0,     /* ENet timed the peer out */
	NET_DISCONNECT_REFUSED = 1,  /* server: REFUSE was sent first */
	NET_DISCONNECT_SHUTDOWN = 2, /* server is stopping */
	NET_DISCONNECT_VIOLATION = 3,
	NET_DISCONNECT_LEAVE = 4,    /* client left on purpose */
};

/** Peer timeout: a peer silent this long is dropped (ms). */
#define NET_TIMEOUT_MS 5000
/* ENet pings a peer it has heard no acknowledgement from for this long, and
 * state traffic is unreliable, so without this both sides would ping (and
 * acknowledge) twice a second: about 110 bytes a second each way. Every 2 s
 * still finds a dead peer within NET_TIMEOUT_MS + 2 s. */
#define NET_PING_INTERVAL_MS 2000

/** Once per process; safe to call again. */
enum core_result net_init(void) CORE_MUST_CHECK;

/** "host:port", "host" (default_port) or ":port"; host may be a name. */
enum core_result net_address_parse(const char *text, uint16_t default_port,
				   ENetAddress *out) CORE_MUST_CHECK;
/** "a.b.c.d:port" */
void net_address_format(const ENetAddress *a, char *out, size_t size);

enum core_result net_server_create(const char *bind_addr, uint16_t port, size_t max_peers,
				   ENetHost **out_host) CORE_MUST_CHECK;
enum core_result net_client_create(ENetHost **out_host) CORE_MUST_CHECK;
/** Starts a connection; the version goes in ENet's connect data. */
ENetPeer *net_client_connect(ENetHost *host, const ENetAddress *server, uint32_t version);

/**
 * Per-peer settings both sides apply once connected: the timeout, and no
 * throttling of unreliable packets. ENet's throttle drops unreliable packets
 * at the sender when round-trip times jump; Lyceum's snapshots are already
 * deltas sized for the link, and dropping them under a CPU spike on one side
 * only makes the other side's view worse.
 */
void net_peer_setup(ENetPeer *peer);

/** Sends on a channel with that channel's reliability. */
enum core_result net_send(ENetPeer *peer, enum net_channel channel, const void *data,
			  uint32_t len) CORE_MUST_CHECK;
