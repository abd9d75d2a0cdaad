/* The secure wire's unauthenticated surface: whatever arrives on a
 * server's or a client's socket before any key is shared (REQUEST,
 * CHALLENGE, CONNECT with its cookie, sealed datagrams from an address
 * without a session, anything at all). Nothing may crash, and nothing may
 * reach ENet: a datagram the fuzzer made cannot open under a key. */
#include "net/net.h"
#include "net/token.h"
#include "proto/msg.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ENetHost *g_server, *g_client;
static struct net_wire *g_server_wire, *g_client_wire;
static uint8_t g_buf[ENET_PROTOCOL_MAXIMUM_MTU];

static void setup(void)
{
	if (net_init() != CORE_OK)
		abort();
	ENetAddress any = {.host = htonl(INADDR_LOOPBACK), .port = 0};
	g_server = enet_host_create(&any, 4, NET_CHANNEL_COUNT, 0, 0);
	if (!g_server || net_client_create(&g_client) != CORE_OK)
		abort();
	uint8_t pk[32], sk[32];
	if (net_server_keygen(pk, sk) != CORE_OK ||
	    net_wire_server_create(g_server, sk, 4, 4, &g_server_wire) != CORE_OK)
		abort();
	/* The client waits for a CHALLENGE from port 9 of loopback (discard):
	 * its REQUEST and anything the server answers go nowhere. */
	ENetAddress nowhere = {.host = htonl(INADDR_LOOPBACK), .port = 9};
	if (net_wire_client_create(g_client, &nowhere, NULL, PROTO_VERSION, &g_client_wire) !=
	    CORE_OK)
		abort();
}

static enum net_wire_verdict feed(ENetHost *host, struct net_wire *w, const uint8_t *data,
				  size_t size, uint16_t port)
{
	memcpy(g_buf, data, size);
	host->receivedData = g_buf;
	host->receivedDataLength = size;
	host->receivedAddress = (ENetAddress){.host = htonl(INADDR_LOOPBACK), .port = port};
	return net_wire_receive(w, host, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!g_server)
		setup();
	if (size > sizeof(g_buf))
		return 0;
	/* From the discard port, so the server's answers to REQUESTs go nowhere. */
	if (feed(g_server, g_server_wire, data, size, 9) == NET_WIRE_TO_ENET)
		abort();
	enum net_wire_verdict v = feed(g_client, g_client_wire, data, size, 9);
	if (v == NET_WIRE_TO_ENET)
		abort();
	/* A made-up CHALLENGE may even be taken (it carries only public keys);
	 * start afresh so the next input meets a waiting client again. */
	if (net_wire_client_poll(g_client_wire, 1) != NET_WIRE_PENDING) {
		net_wire_destroy(g_client_wire);
		ENetAddress nowhere = {.host = htonl(INADDR_LOOPBACK), .port = 9};
		if (net_wire_client_create(g_client, &nowhere, NULL, PROTO_VERSION, &g_client_wire) !=
		    CORE_OK)
			abort();
	}
	return 0;
}
