/* The session layer: ENet, the wire and the state datagrams behind one
 * handle per socket (host.h). */
#include "host.h"
#include "net.h"
#include "wire.h"

#include <errno.h>
#include <poll.h>
#include <time.h>
#if defined(__linux__)
#include <linux/sockios.h>
#include <sys/ioctl.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A server's snapshots of one slot, queued before one send. */
#define HOST_BATCH 128
/* State datagrams read per system call from the state socket. */
#define HOST_INBOX 64
/* Every enet_host_service call walks all peer slots twice (sending before
 * and after it reads), so a service reads, hands over the events, and
 * reads again only if more came meanwhile, which a poll tells for far less
 * than another walk; each round reads up to 256 datagrams. */
#define HOST_SERVICE_ROUNDS 64
/* Rounds of HOST_INBOX state datagrams read at once: a flood cannot keep
 * the owner from its own work. */
#define HOST_STATE_ROUNDS 64

/* What the host keeps per peer: enough to check and seal a state
 * datagram without touching ENet's peer. */
struct net_slot {
	struct net_session *session; /* the wire's, for this peer's address */
	uint32_t generation;         /* the session's when the peer connected */
	ENetAddress addr;
	bool live; /* connected, and not yet let go */
};

/* Is the slot's session still the one its peer connected through? A new
 * handshake from the address (after 5 s of silence) remakes it in place:
 * that is someone else's, even at the same address and port. */
static bool slot_sealable(const struct net_slot *s)
{
	return s->live && net_session_is(s->session, &s->addr) &&
	       net_session_generation(s->session) == s->generation;
}

struct net_host {
	ENetHost *enet;
	struct net_wire *wire;
	struct net_host_handlers handlers;
	bool server;
	int state_fd;            /* server: the steered state socket, or -1 */
	ENetSocket send_socket;  /* where state datagrams leave from */
	struct net_slot *slots;  /* [0] unused; 1..enet->peerCount */
	uint64_t now_us;
	/* server */
	struct net_batch out, in;
	/* client */
	ENetAddress server_addr;
	net_peer peer;
	uint16_t state_id; /* the id the server knows this connection by */
	uint8_t client_buf[NET_STATE_MAX];
	/* counted here: ENet's totals see neither state path but the hook's */
	uint64_t state_sent, state_sent_bytes, state_received, state_received_bytes;
	uint64_t state_unsealed, stray;
	bool rx_timestamps;
	int64_t rx_realtime_ns; /* of the datagram on_state is handed */
	char error[256];
};

void net_addr_format(const struct net_addr *a, char *out, size_t size)
{
	ENetAddress e = {.host = a->ip, .port = a->port};
	net_address_format(&e, out, size);
}

static struct net_addr to_addr(const ENetAddress *e)
{
	return (struct net_addr){.ip = e->host, .port = e->port};
}

static net_peer peer_of(const struct net_host *h, const ENetPeer *p)
{
	return (net_peer)(p - h->enet->peers + 1);
}

static ENetPeer *enet_peer_of(const struct net_host *h, net_peer peer)
{
	if (!h || peer == 0 || peer > h->enet->peerCount)
		return NULL;
	return &h->enet->peers[peer - 1];
}

/* A state datagram from nobody we know (a peer gone a moment ago, or a
 * forgery): counted, the first one a server sees logged. */
static void stray(struct net_host *h, const ENetAddress *from, const char *why)
{
	if (h->stray++ == 0 && h->server) {
		char addr[64];
		net_address_format(from, addr, sizeof(addr));
		CORE_WARN("state datagram from %s dropped: %s (further ones are only counted, "
			  "in the stats line's stray=)",
			  addr, why);
	}
}

/* A state datagram, still sealed: it must open under the session of the
 * peer it names, from that peer's address. */
static void state_in(struct net_host *h, const ENetAddress *from, uint8_t *data, uint32_t len)
{
	uint16_t id = 0;
	if (h->server ? !net_state_peek(data, len, &id) : !net_state_is_down(data, len)) {
		stray(h, from, "it is not a state datagram");
		return;
	}
	net_peer peer = h->server ? id : h->peer;
	if (peer == 0 || peer > h->enet->peerCount) {
		stray(h, from, "no such peer");
		return;
	}
	struct net_slot *s = &h->slots[peer];
	if (!slot_sealable(s)) {
		stray(h, from, "that peer is not connected");
		return;
	}
	if (!net_address_equal(from, &s->addr)) {
		stray(h, from, "it is not from the peer's address");
		return;
	}
	uint8_t *msg;
	uint32_t msg_len;
	if (!net_session_open_state(h->wire, s->session, data, len, &msg, &msg_len)) {
		stray(h, from, "it does not open under the peer's key (tampered, replayed or forged)");
		return;
	}
	h->rx_realtime_ns = 0;
#if defined(__linux__)
	if (h->rx_timestamps && !h->server) {
		/* The one ENet just read: its socket's last datagram. */
		struct timespec ts;
		if (ioctl((int)h->enet->socket, SIOCGSTAMPNS, &ts) == 0)
			h->rx_realtime_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
#endif
	h->handlers.on_state(h->handlers.ctx, peer, msg, msg_len);
}

/* The wire's hook found a state datagram on ENet's socket. */
static void on_wire_state(void *ctx, const ENetAddress *from, uint8_t *data, uint32_t len)
{
	state_in(ctx, from, data, len);
}

/* The peer is let go (a client no longer has one): its session goes too
 * unless another connection from the same address still uses it. */
static void slot_end(struct net_host *h, net_peer peer)
{
	if (!h->server && peer == h->peer)
		h->peer = 0;
	struct net_slot *s = &h->slots[peer];
	if (!s->live)
		return;
	s->live = false;
	s->session = NULL;
	if (!h->server)
		return;
	for (size_t i = 1; i <= h->enet->peerCount; i++)
		if (h->slots[i].live && net_address_equal(&h->slots[i].addr, &s->addr))
			return;
	net_wire_release(h->wire, &s->addr);
}

static void dispatch(struct net_host *h, ENetEvent *ev)
{
	net_peer peer = peer_of(h, ev->peer);
	struct net_event out = {.peer = peer, .data = ev->data};
	switch (ev->type) {
	case ENET_EVENT_TYPE_CONNECT: {
		struct net_slot *s = &h->slots[peer];
		/* ENet only ever saw this peer's datagrams through its session. */
		s->addr = ev->peer->address;
		s->session = net_wire_session(h->wire, &ev->peer->address);
		s->generation = net_session_generation(s->session);
		s->live = true;
		net_session_bind(s->session);
		net_peer_setup(ev->peer);
		if (!h->server)
			h->state_id = (uint16_t)(ev->peer->outgoingPeerID + 1);
		out.type = NET_EVENT_CONNECT;
		h->handlers.on_event(h->handlers.ctx, &out);
		break;
	}
	case ENET_EVENT_TYPE_DISCONNECT:
		out.type = NET_EVENT_DISCONNECT;
		h->handlers.on_event(h->handlers.ctx, &out);
		slot_end(h, peer);
		break;
	case ENET_EVENT_TYPE_RECEIVE:
		out.type = NET_EVENT_RECEIVE;
		out.channel = ev->channelID < NET_CHANNEL_COUNT ? (enum net_channel)ev->channelID
								: NET_CHANNEL_COUNT;
		out.msg = ev->packet->data;
		out.len = (uint32_t)ev->packet->dataLength;
		h->handlers.on_event(h->handlers.ctx, &out);
		enet_packet_destroy(ev->packet);
		break;
	case ENET_EVENT_TYPE_NONE:
		break;
	}
}

static bool readable(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	return poll(&pfd, 1, 0) > 0;
}

int net_host_service(struct net_host *h, uint64_t now_us)
{
	h->now_us = now_us;
	net_wire_set_clock(h->wire, now_us);
	int events = 0, result = 0, saved_errno = 0;
	for (int round = 0; round < HOST_SERVICE_ROUNDS; round++) {
		if (round > 0 && !readable((int)h->enet->socket))
			break;
		ENetEvent ev;
		int got = enet_host_service(h->enet, &ev, 0);
		if (got < 0) {
			saved_errno = errno;
			result = -1;
			break;
		}
		if (got == 0)
			break;
		while (got > 0) {
			events++;
			dispatch(h, &ev);
			got = enet_host_check_events(h->enet, &ev);
		}
	}
	/* What the handlers queued (a welcome, a roster) leaves now. */
	if (events > 0)
		enet_host_flush(h->enet);
	if (result < 0) {
		errno = saved_errno;
		return -1;
	}
	return events;
}

void net_host_read_state(struct net_host *h, uint64_t now_us)
{
	if (h->state_fd < 0)
		return;
	h->now_us = now_us;
	net_wire_set_clock(h->wire, now_us);
	for (int round = 0; round < HOST_STATE_ROUNDS; round++) {
		int n = net_batch_receive(&h->in, (ENetSocket)h->state_fd);
		/* The senders are scattered over the tables, and the first look
		 * at each is a cache miss: asked for all at once, they overlap. */
		for (int i = 0; i < n; i++) {
			uint16_t id;
			if (!net_state_peek(net_batch_data(&h->in, i), h->in.len[i], &id) || id == 0 ||
			    id > h->enet->peerCount)
				continue;
			__builtin_prefetch(&h->slots[id]);
			__builtin_prefetch(h->slots[id].session);
			if (h->handlers.prefetch)
				h->handlers.prefetch(h->handlers.ctx, id);
		}
		for (int i = 0; i < n; i++) {
			h->state_received_bytes += h->in.len[i];
			state_in(h, &h->in.addr[i], net_batch_data(&h->in, i), h->in.len[i]);
		}
		h->state_received += (uint64_t)CORE_MAX(n, 0);
		if (n < HOST_INBOX)
			return;
	}
}

void net_host_wait(const struct net_host *h, int timeout_ms)
{
	struct pollfd pfd[2] = {{.fd = (int)h->enet->socket, .events = POLLIN},
				{.fd = h->state_fd, .events = POLLIN}};
	(void)poll(pfd, h->state_fd >= 0 ? 2 : 1, timeout_ms);
}

bool net_host_has_state_socket(const struct net_host *h)
{
	return h->state_fd >= 0;
}

int net_host_fd(const struct net_host *h)
{
	return h ? (int)h->enet->socket : -1;
}

struct net_addr net_host_address(const struct net_host *h)
{
	ENetAddress bound;
	if (enet_socket_get_address(h->enet->socket, &bound) != 0)
		bound = h->enet->address;
	return to_addr(&bound);
}

void net_host_expire(struct net_host *h, uint64_t now_us)
{
	net_wire_expire(h->wire, now_us);
}

void net_host_shutdown(struct net_host *h, enum net_disconnect_code code, uint32_t wait_ms)
{
	for (size_t i = 0; i < h->enet->peerCount; i++) {
		ENetPeer *p = &h->enet->peers[i];
		if (p->state == ENET_PEER_STATE_CONNECTED)
			enet_peer_disconnect(p, code);
	}
	enet_host_flush(h->enet);
	/* Give the disconnects a moment to leave (and be acknowledged). */
	enet_uint32 start = enet_time_get();
	ENetEvent ev;
	while (h->enet->connectedPeers > 0 && enet_time_get() - start < wait_ms &&
	       enet_host_service(h->enet, &ev, 20) >= 0) {
		if (ev.type == ENET_EVENT_TYPE_RECEIVE)
			enet_packet_destroy(ev.packet);
		else if (ev.type == ENET_EVENT_TYPE_DISCONNECT)
			slot_end(h, peer_of(h, ev.peer));
	}
}

static struct net_host *host_new(const struct net_host_handlers *handlers, bool server)
{
	struct net_host *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->handlers = *handlers;
	h->server = server;
	h->state_fd = -1;
	return h;
}

enum core_result net_host_server(const struct net_server_config *cfg,
				 const struct net_host_handlers *handlers, struct net_host **out)
{
	struct net_host *h = host_new(handlers, true);
	if (!h)
		return CORE_ERR_NOMEM;
	enum core_result r = net_init();
	if (r == CORE_OK)
		r = net_batch_init(&h->out, HOST_BATCH);
	if (r == CORE_OK)
		r = net_batch_init(&h->in, HOST_INBOX);
	if (r == CORE_OK)
		r = net_server_create(cfg->bind, cfg->port, cfg->max_peers, cfg->state_socket, &h->enet,
				      &h->state_fd);
	if (r == CORE_OK) {
		net_host_limits(h->enet, cfg->peers_per_address, NET_MAX_WAITING_DATA);
		r = net_wire_server_create(h->enet, cfg->static_sk, cfg->max_sessions,
					   cfg->sessions_per_address, &h->wire);
	}
	if (r == CORE_OK) {
		h->slots = calloc(h->enet->peerCount + 1, sizeof(*h->slots));
		if (!h->slots)
			r = CORE_ERR_NOMEM;
	}
	if (r != CORE_OK) {
		net_host_destroy(h);
		return r;
	}
	/* The hook takes state datagrams that reach ENet's socket: all of them
	 * without a state socket, else only strays from before it existed. */
	net_wire_on_state(h->wire, on_wire_state, h);
	net_wire_handshake_budget(h->wire, cfg->handshakes_per_s, cfg->handshake_burst);
	h->enet->intercept = net_wire_hook;
	h->send_socket = h->state_fd >= 0 ? (ENetSocket)h->state_fd : h->enet->socket;
	CORE_INFO("state datagrams: %s", h->state_fd >= 0
						 ? "own socket, steered by SO_REUSEPORT"
						 : "through ENet's socket and intercept hook");
	*out = h;
	return CORE_OK;
}

enum core_result net_host_client(const char *server, uint16_t default_port, const uint8_t *server_pk,
				 uint16_t version, const struct net_host_handlers *handlers,
				 struct net_host **out, char *err, size_t err_size)
{
	struct net_host *h = host_new(handlers, false);
	enum core_result r = h ? net_init() : CORE_ERR_NOMEM;
	if (r != CORE_OK) {
		snprintf(err, err_size, "the network layer could not start");
		net_host_destroy(h);
		return r;
	}
	if (net_address_parse(server, default_port, &h->server_addr) != CORE_OK) {
		snprintf(err, err_size, "cannot resolve server address '%s'", server);
		r = CORE_ERR_INVALID;
	} else if (net_client_create(&h->enet) != CORE_OK) {
		snprintf(err, err_size, "cannot open a UDP socket");
		r = CORE_ERR_IO;
	} else if (!(h->slots = calloc(h->enet->peerCount + 1, sizeof(*h->slots)))) {
		snprintf(err, err_size, "out of memory");
		r = CORE_ERR_NOMEM;
	} else if (net_wire_client_create(h->enet, &h->server_addr, server_pk, version, &h->wire) !=
		   CORE_OK) {
		snprintf(err, err_size, "cannot secure the connection to %s", server);
		r = CORE_ERR_IO;
	}
	if (r != CORE_OK) {
		net_host_destroy(h);
		return r;
	}
	net_wire_on_state(h->wire, on_wire_state, h);
	h->enet->intercept = net_wire_hook;
	h->send_socket = h->enet->socket;
	*out = h;
	return CORE_OK;
}

void net_host_destroy(struct net_host *h)
{
	if (!h)
		return;
	net_wire_destroy(h->wire);
	if (h->enet)
		enet_host_destroy(h->enet);
	if (h->state_fd >= 0)
		close(h->state_fd);
	net_batch_fini(&h->out);
	net_batch_fini(&h->in);
	free(h->slots);
	free(h);
}

enum net_secure_status net_host_secure(struct net_host *h, uint64_t now_us)
{
	h->now_us = now_us;
	net_wire_set_clock(h->wire, now_us);
	switch (net_wire_client_poll(h->wire, now_us)) {
	case NET_WIRE_READY:
		return NET_SECURE_READY;
	case NET_WIRE_FAILED:
		return NET_SECURE_FAILED;
	case NET_WIRE_PENDING:
		break;
	}
	return NET_SECURE_PENDING;
}

const char *net_host_error(const struct net_host *h)
{
	return net_wire_error(h->wire);
}

bool net_host_version_mismatch(const struct net_host *h)
{
	return net_wire_version_mismatch(h->wire);
}

net_peer net_host_connect(struct net_host *h, uint32_t version)
{
	ENetPeer *p = net_client_connect(h->enet, &h->server_addr, version);
	h->peer = p ? peer_of(h, p) : 0;
	return h->peer;
}

enum core_result net_host_send(struct net_host *h, net_peer peer, enum net_channel channel,
			       const void *data, uint32_t len)
{
	ENetPeer *p = enet_peer_of(h, peer);
	return p ? net_send(p, channel, data, len) : CORE_ERR_INVALID;
}

bool net_host_connected(const struct net_host *h, net_peer peer)
{
	const ENetPeer *p = enet_peer_of(h, peer);
	return p && p->state == ENET_PEER_STATE_CONNECTED;
}

struct net_addr net_host_peer_address(const struct net_host *h, net_peer peer)
{
	const ENetPeer *p = enet_peer_of(h, peer);
	return p ? to_addr(&p->address) : (struct net_addr){0};
}

uint32_t net_host_peer_rtt_ms(const struct net_host *h, net_peer peer)
{
	const ENetPeer *p = enet_peer_of(h, peer);
	return p ? p->roundTripTime : 0;
}

float net_host_peer_loss_pct(const struct net_host *h, net_peer peer)
{
	const ENetPeer *p = enet_peer_of(h, peer);
	return p ? (float)p->packetLoss * 100.0f / ENET_PEER_PACKET_LOSS_SCALE : 0;
}

void net_host_disconnect(struct net_host *h, net_peer peer, enum net_disconnect_code code)
{
	ENetPeer *p = enet_peer_of(h, peer);
	if (p)
		enet_peer_disconnect(p, code);
}

void net_host_disconnect_later(struct net_host *h, net_peer peer, enum net_disconnect_code code)
{
	ENetPeer *p = enet_peer_of(h, peer);
	if (p)
		enet_peer_disconnect_later(p, code);
}

void net_host_turn_away(struct net_host *h, net_peer peer, enum net_disconnect_code code)
{
	ENetPeer *p = enet_peer_of(h, peer);
	if (!p)
		return;
	/* It needs only what is queued and the goodbye: one that does not
	 * acknowledge them (a refused client that quit at once) no longer
	 * holds its slot for the whole NET_TIMEOUT_MS. */
	enet_peer_timeout(p, 0, NET_GOODBYE_MS, NET_GOODBYE_MS);
	enet_peer_disconnect_later(p, code);
}

void net_host_disconnect_now(struct net_host *h, net_peer peer, enum net_disconnect_code code)
{
	ENetPeer *p = enet_peer_of(h, peer);
	if (!p)
		return;
	enet_peer_disconnect_now(p, code);
	slot_end(h, peer);
}

void net_host_reset(struct net_host *h, net_peer peer)
{
	ENetPeer *p = enet_peer_of(h, peer);
	if (!p)
		return;
	enet_peer_reset(p);
	slot_end(h, peer);
}

uint8_t *net_host_state_buf(struct net_host *h)
{
	uint8_t *datagram = h->server ? net_batch_next(&h->out, h->send_socket) : h->client_buf;
	return datagram + NET_STATE_HEADER;
}

bool net_host_state_send(struct net_host *h, net_peer peer, uint32_t len)
{
	struct net_slot *s = peer && peer <= h->enet->peerCount ? &h->slots[peer] : NULL;
	if (!s || !slot_sealable(s) || len > NET_STATE_MESSAGE_MAX) {
		h->state_unsealed++;
		return false;
	}
	if (h->server) {
		uint8_t *datagram = net_batch_data(&h->out, h->out.count);
		uint32_t sealed = net_session_seal_state_down(s->session, datagram, len);
		net_batch_push(&h->out, &s->addr, sealed);
		h->state_sent_bytes += sealed;
		return true;
	}
	uint32_t sealed = net_session_seal_state(s->session, h->state_id, h->client_buf, len);
	/* Out now: input latency is the point. One the socket refuses is lost
	 * like any datagram (the next move carries its commands again). */
	if (net_state_send(h->send_socket, &s->addr, h->client_buf, sealed) != CORE_OK)
		return false;
	h->state_sent++;
	h->state_sent_bytes += sealed;
	return true;
}

void net_host_state_flush(struct net_host *h)
{
	if (h->server)
		net_batch_send(&h->out, h->send_socket);
}

void net_host_stats(const struct net_host *h, struct net_host_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!h)
		return;
	out->peers = h->enet->connectedPeers;
	out->bytes_sent = h->enet->totalSentData + h->state_sent_bytes - h->out.dropped_bytes;
	out->datagrams_sent = h->enet->totalSentPackets + h->state_sent + h->out.sent;
	out->bytes_received = h->enet->totalReceivedData + h->state_received_bytes;
	out->datagrams_received = h->enet->totalReceivedPackets + h->state_received;
	out->state_received = h->state_received;
	out->state_dropped = h->out.dropped;
	out->state_unsealed = h->state_unsealed;
	out->stray = h->stray;
	out->wire = *net_wire_stats(h->wire);
}

void net_host_rx_timestamps(struct net_host *h, bool on)
{
	h->rx_timestamps = on;
}

int64_t net_host_rx_realtime_ns(const struct net_host *h)
{
	return h->rx_realtime_ns;
}
