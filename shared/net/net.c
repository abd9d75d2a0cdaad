#if defined(__linux__)
#define _GNU_SOURCE /* sendmmsg, getrandom */
#endif
#include "net.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/filter.h>
#endif

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

#if defined(__linux__)
/* Classic BPF for the server's SO_REUSEPORT group: socket 1 (state) for a
 * datagram that starts with the state magic, socket 0 (ENet's) for the
 * rest. The kernel runs it with the UDP payload at offset 0; a datagram too
 * short to load from ends it with 0, ENet's. */
static bool attach_steering(int fd)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NET_STATE_MAGIC0, 0, 3),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 1),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NET_STATE_MAGIC1, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = {(unsigned short)CORE_ARRAY_LEN(code), code};
	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog)) == 0;
}

static bool bind_shared(int fd, const ENetAddress *addr)
{
	int one = 1;
	return setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) == 0 &&
	       enet_socket_bind(fd, addr) == 0;
}

/* The port alone, bound plainly: fails if anyone holds it (a second server
 * too, though its sockets share the port among themselves), and for port 0
 * picks the port. */
static bool port_is_free(ENetAddress *addr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok = fd >= 0 && enet_socket_bind(fd, addr) == 0 &&
		  enet_socket_get_address(fd, addr) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* ENet's socket and the state socket on one address and port, steered by
 * the program above. False (and nothing left open) where the system says
 * no; the caller then falls back to one socket. */
static bool open_pair(ENetHost *host, const ENetAddress *addr, int *out_state_fd)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	if (!bind_shared((int)host->socket, addr) || !bind_shared(fd, addr) || !attach_steering(fd)) {
		close(fd);
		return false;
	}
	int big = 4 << 20;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	*out_state_fd = fd;
	return true;
}
#endif

enum core_result net_server_create(const char *bind_addr, uint16_t port, size_t max_peers,
				   bool state_socket, ENetHost **out_host, int *out_state_fd)
{
	ENetAddress addr;
	*out_state_fd = -1;
	if (net_address_parse(bind_addr, port, &addr) != CORE_OK) {
		CORE_ERROR("cannot use bind address '%s': give an IPv4 address or host name",
			   bind_addr);
		return CORE_ERR_INVALID;
	}
	addr.port = port;
	ENetHost *host = NULL;
#if defined(__linux__)
	if (state_socket && port_is_free(&addr)) {
		/* Unbound (no address), so its socket can join the group first. */
		host = enet_host_create(NULL, max_peers, NET_CHANNEL_COUNT, 0, 0);
		if (host && !open_pair(host, &addr, out_state_fd)) {
			CORE_INFO("no SO_REUSEPORT steering here (%s): state datagrams share ENet's "
				  "socket",
				  strerror(errno));
			enet_host_destroy(host);
			host = NULL;
		}
	}
#else
	(void)state_socket;
#endif
	if (!host) {
		errno = 0;
		host = enet_host_create(&addr, max_peers, NET_CHANNEL_COUNT, 0, 0);
	}
	if (!host) {
		/* ENet keeps bind's errno: say which of the two it was. */
		if (errno == EADDRNOTAVAIL)
			CORE_ERROR("cannot listen on UDP %s port %u: that address is not one of this "
				   "machine's (%s); give --bind one it has, or 0.0.0.0 for all",
				   bind_addr, port, strerror(errno));
		else if (errno == EADDRINUSE)
			CORE_ERROR("cannot listen on UDP %s port %u: the port is in use; is another "
				   "server running there? Pick another --port",
				   bind_addr, port);
		else
			CORE_ERROR("cannot listen on UDP %s port %u: %s", bind_addr, port,
				   errno ? strerror(errno) : "ENet could not make the host");
		return CORE_ERR_IO;
	}
	if (enet_socket_get_address(host->socket, &host->address) != 0)
		host->address = addr;
	/* Room for a class arriving at once (the kernel caps it at rmem_max). */
	enet_socket_set_option(host->socket, ENET_SOCKOPT_RCVBUF, 4 << 20);
	enet_socket_set_option(host->socket, ENET_SOCKOPT_SNDBUF, 4 << 20);
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
	net_host_limits(host, 1, NET_CLIENT_MAX_WAITING_DATA);
	*out_host = host;
	return CORE_OK;
}

void net_host_limits(ENetHost *host, size_t peers_per_address, size_t max_waiting)
{
	host->maximumPacketSize = NET_MAX_MESSAGE;
	host->maximumWaitingData = max_waiting;
	host->duplicatePeers = peers_per_address ? peers_per_address : 1;
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
	if (!peer)
		return NULL;
	enet_peer_timeout(peer, 0, NET_CONNECT_TIMEOUT_MS, NET_CONNECT_TIMEOUT_MS);
	/* ENet knows no round trip yet and assumes 500 ms. Start at the
	 * guess instead: ENet fixes a command's resend timer when it first
	 * sends it (this CONNECT, queued, has not left yet, nor the HELLO
	 * after it), and the first round trip it measures replaces the guess
	 * (ENet 1.3.15 on; older ones average it in at 1/8 a time). */
	peer->roundTripTime = NET_CONNECT_RTT_GUESS_MS;
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

enum core_result net_state_send(ENetSocket sock, const ENetAddress *to, const uint8_t *data,
				uint32_t len)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = ENET_HOST_TO_NET_16(to->port),
				  .sin_addr.s_addr = to->host};
	return sendto((int)sock, data, len, MSG_NOSIGNAL, (struct sockaddr *)&sin, sizeof(sin)) > 0
		       ? CORE_OK
		       : CORE_ERR_IO;
}

bool net_address_equal(const ENetAddress *a, const ENetAddress *b)
{
	return a->host == b->host && a->port == b->port;
}

#if defined(__linux__)
struct batch_sys {
	struct mmsghdr *msgs;
	struct iovec *iov;
	struct sockaddr_in *addr;
	bool receiving; /* every header points at its buffer, for recvmmsg */
};
#endif

enum core_result net_batch_init(struct net_batch *b, int cap)
{
	memset(b, 0, sizeof(*b));
	b->cap = cap;
	b->data = malloc((size_t)cap * NET_STATE_MAX);
	b->len = calloc((size_t)cap, sizeof(*b->len));
	b->addr = calloc((size_t)cap, sizeof(*b->addr));
	bool ok = b->data && b->len && b->addr;
#if defined(__linux__)
	struct batch_sys *sys = calloc(1, sizeof(*sys));
	b->sys = sys;
	if (sys) {
		sys->msgs = calloc((size_t)cap, sizeof(*sys->msgs));
		sys->iov = calloc((size_t)cap, sizeof(*sys->iov));
		sys->addr = calloc((size_t)cap, sizeof(*sys->addr));
	}
	ok = ok && sys && sys->msgs && sys->iov && sys->addr;
#endif
	if (!ok) {
		net_batch_fini(b);
		return CORE_ERR_NOMEM;
	}
	return CORE_OK;
}

void net_batch_fini(struct net_batch *b)
{
#if defined(__linux__)
	struct batch_sys *sys = b->sys;
	if (sys) {
		free(sys->msgs);
		free(sys->iov);
		free(sys->addr);
		free(sys);
	}
#endif
	free(b->data);
	free(b->len);
	free(b->addr);
	memset(b, 0, sizeof(*b));
}

uint8_t *net_batch_next(struct net_batch *b, ENetSocket sock)
{
	if (b->count == b->cap)
		net_batch_send(b, sock);
	return net_batch_data(b, b->count);
}

void net_batch_push(struct net_batch *b, const ENetAddress *to, uint32_t len)
{
	b->len[b->count] = len;
	b->addr[b->count] = *to;
	b->count++;
}

#if defined(__linux__)
/* Points message i at its buffer (len bytes) and address. */
static void batch_prepare(struct net_batch *b, int i, uint32_t len)
{
	struct batch_sys *sys = b->sys;
	sys->iov[i] = (struct iovec){net_batch_data(b, i), len};
	sys->msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_name = &sys->addr[i],
						    .msg_namelen = sizeof(sys->addr[i]),
						    .msg_iov = &sys->iov[i],
						    .msg_iovlen = 1}};
}

/* Linux: sendmmsg. Returns how many went. A datagram the kernel refuses on
 * its own (a bad address) is skipped; a full socket buffer drops the rest. */
static int batch_send_sys(struct net_batch *b, ENetSocket sock)
{
	struct batch_sys *sys = b->sys;
	sys->receiving = false;
	for (int i = 0; i < b->count; i++) {
		sys->addr[i] = (struct sockaddr_in){.sin_family = AF_INET,
						    .sin_port = ENET_HOST_TO_NET_16(b->addr[i].port),
						    .sin_addr.s_addr = b->addr[i].host};
		batch_prepare(b, i, b->len[i]);
	}
	int next = 0, sent = 0;
	while (next < b->count) {
		int r = sendmmsg((int)sock, sys->msgs + next, (unsigned)(b->count - next), 0);
		if (r > 0) {
			next += r;
			sent += r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
			break;
		} else {
			next++; /* this one cannot go: skip it, send the rest */
		}
	}
	return sent;
}

int net_batch_receive(struct net_batch *b, ENetSocket sock)
{
	struct batch_sys *sys = b->sys;
	/* The headers are set once; a receive changes only the address
	 * lengths of those it filled, put back below. */
	if (!sys->receiving)
		for (int i = 0; i < b->cap; i++)
			batch_prepare(b, i, NET_STATE_MAX);
	sys->receiving = true;
	int n;
	do
		n = recvmmsg((int)sock, sys->msgs, (unsigned)b->cap, MSG_DONTWAIT, NULL);
	while (n < 0 && errno == EINTR);
	b->count = n > 0 ? n : 0;
	for (int i = 0; i < b->count; i++) {
		/* Longer than any state datagram: length 0, which no reader takes. */
		b->len[i] = (sys->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? 0 : sys->msgs[i].msg_len;
		b->addr[i] = (ENetAddress){.host = sys->addr[i].sin_addr.s_addr,
					   .port = ENET_NET_TO_HOST_16(sys->addr[i].sin_port)};
		sys->msgs[i].msg_hdr.msg_namelen = sizeof(sys->addr[i]);
	}
	return n < 0 && errno != EAGAIN && errno != EWOULDBLOCK ? -1 : b->count;
}
#else
static int batch_send_sys(struct net_batch *b, ENetSocket sock)
{
	int sent = 0;
	for (int i = 0; i < b->count; i++)
		sent += net_state_send(sock, &b->addr[i], net_batch_data(b, i), b->len[i]) == CORE_OK;
	return sent;
}

int net_batch_receive(struct net_batch *b, ENetSocket sock)
{
	b->count = 0;
	while (b->count < b->cap) {
		ENetBuffer buf = {.data = net_batch_data(b, b->count), .dataLength = NET_STATE_MAX};
		int n = enet_socket_receive(sock, &b->addr[b->count], &buf, 1);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		b->len[b->count++] = (uint32_t)n;
	}
	return b->count;
}
#endif

void net_batch_send(struct net_batch *b, ENetSocket sock)
{
	if (!b->count)
		return;
	int sent = batch_send_sys(b, sock);
	b->sent += (uint64_t)sent;
	b->dropped += (uint64_t)(b->count - sent);
	/* What did not go is the tail (or, rarely, one the kernel refused on
	 * its own, which this counts as the tail's): */
	for (int i = sent; i < b->count; i++)
		b->dropped_bytes += b->len[i];
	b->count = 0;
}
