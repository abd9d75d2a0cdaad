#include "net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool g_initialised;

static void pool_release(void);

static void net_deinit(void)
{
	enet_deinitialize();
	pool_release();
}

/* ENet allocates and frees a packet, its data and a command for every
 * datagram either way. Blocks up to 2,048 bytes come from free lists per
 * power-of-two size class and go back to them: no search, no lock, no
 * return to the system (a list holds at most the peak in flight, a few
 * thousand blocks at 2,000 clients). A 16-byte header (kept so the block
 * stays aligned for any type) records the class, since ENet's free does not
 * say the size. The lists are per thread; ENet itself is per host and the
 * processes here drive it from one thread. */
#define POOL_MIN_SHIFT 6 /* 64 bytes */
#define POOL_CLASSES 6   /* to 2,048 bytes */
#define POOL_HEADER 16
#define POOL_DIRECT 0xff /* a larger block, straight from malloc */

struct pool_block {
	struct pool_block *next;
};

static _Thread_local struct pool_block *g_pool[POOL_CLASSES];

CORE_UNUSED static void *pool_malloc(size_t size)
{
	size_t need = size + POOL_HEADER;
	unsigned cls = 0;
	while (cls < POOL_CLASSES && need > ((size_t)1 << (POOL_MIN_SHIFT + cls)))
		cls++;
	uint8_t *block;
	if (cls < POOL_CLASSES && g_pool[cls]) {
		block = (uint8_t *)g_pool[cls];
		g_pool[cls] = g_pool[cls]->next;
	} else {
		block = malloc(cls < POOL_CLASSES ? (size_t)1 << (POOL_MIN_SHIFT + cls) : need);
		if (!block)
			return NULL;
	}
	block[0] = cls < POOL_CLASSES ? (uint8_t)cls : POOL_DIRECT;
	return block + POOL_HEADER;
}

CORE_UNUSED static void pool_free(void *p)
{
	if (!p)
		return;
	uint8_t *block = (uint8_t *)p - POOL_HEADER;
	if (block[0] == POOL_DIRECT) {
		free(block);
		return;
	}
	struct pool_block *b = (struct pool_block *)(void *)block;
	unsigned cls = block[0];
	b->next = g_pool[cls];
	g_pool[cls] = b;
}

static void pool_no_memory(void)
{
	CORE_ERROR("out of memory in the network layer");
	abort();
}

/* Blocks on the lists at exit go back, so leak checkers see none. */
static void pool_release(void)
{
	for (int cls = 0; cls < POOL_CLASSES; cls++) {
		while (g_pool[cls]) {
			struct pool_block *b = g_pool[cls];
			g_pool[cls] = b->next;
			free(b);
		}
	}
}

enum core_result net_init(void)
{
	if (g_initialised)
		return CORE_OK;
#if defined(__SANITIZE_ADDRESS__)
	/* Under AddressSanitizer ENet's blocks come from malloc, so it sees
	 * every use after free. */
	ENetCallbacks callbacks = {malloc, free, pool_no_memory};
#else
	ENetCallbacks callbacks = {pool_malloc, pool_free, pool_no_memory};
#endif
	if (enet_initialize_with_callbacks(ENET_VERSION, &callbacks) != 0) {
		CORE_ERROR("ENet could not initialise");
		return CORE_ERR_IO;
	}
	atexit(net_deinit);
	g_initialised = true;
	return CORE_OK;
}

enum core_result net_address_parse(const char *text, uint16_t default_port, ENetAddress *out)
{
	char host[256];
	const char *colon = strrchr(text, ':');
	long port = default_port;
	if (colon) {
		char *end;
		port = strtol(colon + 1, &end, 10);
		if (*end || end == colon + 1 || port < 0 || port > 65535)
			return CORE_ERR_INVALID;
		snprintf(host, sizeof(host), "%.*s", (int)(colon - text), text);
	} else {
		core_strlcpy(host, text, sizeof(host));
	}
	if (!host[0])
		core_strlcpy(host, "127.0.0.1", sizeof(host));
	memset(out, 0, sizeof(*out));
	if (enet_address_set_host(out, host) != 0)
		return CORE_ERR_INVALID;
	out->port = (enet_uint16)port;
	return CORE_OK;
}

void net_address_format(const ENetAddress *a, char *out, size_t size)
{
	char ip[64] = "?";
	enet_address_get_host_ip(a, ip, sizeof(ip));
	snprintf(out, size, "%s:%u", ip, a->port);
}

enum core_result net_server_create(const char *bind_addr, uint16_t port, size_t max_peers,
				   ENetHost **out_host)
{
	ENetAddress addr;
	if (net_address_parse(bind_addr, port, &addr) != CORE_OK) {
		CORE_ERROR("cannot use bind address '%s': give an IPv4 address or host name",
			   bind_addr);
		return CORE_ERR_INVALID;
	}
	addr.port = port;
	ENetHost *host = enet_host_create(&addr, max_peers, NET_CHANNEL_COUNT, 0, 0);
	if (host) {
		/* Room for a class arriving at once (the kernel caps it at rmem_max). */
		enet_socket_set_option(host->socket, ENET_SOCKOPT_RCVBUF, 4 << 20);
		enet_socket_set_option(host->socket, ENET_SOCKOPT_SNDBUF, 4 << 20);
	}
	if (!host) {
		CORE_ERROR("cannot listen on UDP %s port %u: is another server running there? Pick "
			   "another --port",
			   bind_addr, port);
		return CORE_ERR_IO;
	}
	*out_host = host;
	return CORE_OK;
}

enum core_result net_client_create(ENetHost **out_host)
{
	ENetHost *host = enet_host_create(NULL, 1, NET_CHANNEL_COUNT, 0, 0);
	if (!host) {
		CORE_ERROR("cannot open a UDP socket for a client (out of file descriptors?)");
		return CORE_ERR_IO;
	}
	*out_host = host;
	return CORE_OK;
}

void net_peer_setup(ENetPeer *peer)
{
	enet_peer_timeout(peer, 0, NET_TIMEOUT_MS, NET_TIMEOUT_MS);
	enet_peer_ping_interval(peer, NET_PING_INTERVAL_MS);
	enet_peer_throttle_configure(peer, ENET_PEER_PACKET_THROTTLE_INTERVAL,
				     ENET_PEER_PACKET_THROTTLE_SCALE, 0);
}

ENetPeer *net_client_connect(ENetHost *host, const ENetAddress *server, uint32_t version)
{
	ENetPeer *peer = enet_host_connect(host, server, NET_CHANNEL_COUNT, version);
	if (peer)
		enet_peer_timeout(peer, 0, NET_TIMEOUT_MS, NET_TIMEOUT_MS);
	return peer;
}

enum core_result net_send(ENetPeer *peer, enum net_channel channel, const void *data,
			  uint32_t len)
{
	enet_uint32 flags = 0;
	switch (channel) {
	case NET_CH_CONTROL:
	case NET_CH_LOG:
		flags = ENET_PACKET_FLAG_RELIABLE;
		break;
	case NET_CH_STATE:
		flags = 0; /* unreliable, sequenced per channel */
		break;
	case NET_CH_VOICE:
		flags = ENET_PACKET_FLAG_UNSEQUENCED;
		break;
	case NET_CHANNEL_COUNT:
		return CORE_ERR_INVALID;
	}
	ENetPacket *packet = enet_packet_create(data, len, flags);
	if (!packet)
		return CORE_ERR_NOMEM;
	if (enet_peer_send(peer, (enet_uint8)channel, packet) != 0) {
		enet_packet_destroy(packet);
		return CORE_ERR_IO;
	}
	return CORE_OK;
}
