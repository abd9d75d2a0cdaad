/* The secure wire (wire.h): sessions, sealing and opening, receiving and
 * sending. The handshake is in wire_handshake.c. */
#if defined(__linux__)
#define _GNU_SOURCE /* MSG_NOSIGNAL */
#endif
#include "wire_internal.h"

#include "proto/msg.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>

/* The wire of each socket: ENet calls enet_socket_send and its intercept
 * hook with only the host or socket in hand. */
static struct net_wire *g_wires[FD_SLOTS];

struct net_wire *wire_of_socket(ENetSocket s)
{
	return s >= 0 && s < FD_SLOTS ? g_wires[s] : NULL;
}

/* ---- sealing and opening ---- */

/* Seals msg (len bytes) into out, ciphertext then tag, with [head,
 * head + head_len) as additional data, under counter's nonce. */
void wire_seal(struct net_session *s, const uint8_t *head, size_t head_len, const uint8_t *msg,
	       size_t len, uint8_t *out, uint64_t counter)
{
	uint8_t nonce[12];
	nonce_of(counter, nonce);
	unsigned long long tag_len;
	if (s->cipher == NET_WIRE_AES)
		crypto_aead_aes256gcm_encrypt_detached_afternm(out, out + len, &tag_len, msg, len, head,
							       head_len, NULL, nonce, &s->aes_tx);
	else
		crypto_aead_chacha20poly1305_ietf_encrypt_detached(out, out + len, &tag_len, msg, len,
								   head, head_len, NULL, nonce,
								   s->tx_key);
}

/* The cipher both ends can use: AES-GCM where this machine has it and the
 * other end said it has too. */
uint8_t wire_local_ciphers(void)
{
	/* LYCEUM_WIRE_CHACHA=1 takes AES off the table: to measure, and to test
	 * the path a Quest takes. */
	const char *only_chacha = getenv("LYCEUM_WIRE_CHACHA");
	bool aes = crypto_aead_aes256gcm_is_available() && !(only_chacha && only_chacha[0] == '1');
	return (uint8_t)(NET_WIRE_CHACHA | (aes ? NET_WIRE_AES : 0));
}

/* The full counter a datagram's low 16 bits stand for: the one nearest the
 * highest received. */
static uint64_t widen(uint64_t highest, uint16_t low)
{
	uint64_t c = (highest & ~(uint64_t)0xFFFF) | low;
	if (c + 0x8000 < highest)
		c += 0x10000;
	else if (c > highest + 0x8000 && c >= 0x10000)
		c -= 0x10000;
	return c;
}

static bool replayed(const struct net_session *s, uint64_t c)
{
	if (c == 0)
		return true;
	if (c > s->rx_highest)
		return false;
	uint64_t back = s->rx_highest - c;
	return back >= WINDOW || (s->rx_window >> back) & 1u;
}

static void mark(struct net_session *s, uint64_t c)
{
	if (c > s->rx_highest) {
		uint64_t shift = c - s->rx_highest;
		s->rx_window = shift >= WINDOW ? 1u : (s->rx_window << shift) | 1u;
		s->rx_highest = c;
	} else {
		s->rx_window |= (uint64_t)1 << (s->rx_highest - c);
	}
}

/* Opens ciphertext (len bytes, then its tag) into out, checking the
 * counter against the replay window; counts what fails. */
bool wire_open_sealed(struct net_wire *w, struct net_session *s, const uint8_t *head,
		      size_t head_len, uint16_t low, const uint8_t *ct, size_t len, uint8_t *out)
{
	uint64_t c = widen(s->rx_highest, low);
	if (replayed(s, c)) {
		w->stats.replayed++;
		return false;
	}
	uint8_t nonce[12];
	nonce_of(c, nonce);
	int r = s->cipher == NET_WIRE_AES
			? crypto_aead_aes256gcm_decrypt_detached_afternm(out, NULL, ct, len, ct + len,
									 head, head_len, nonce,
									 &s->aes_rx)
			: crypto_aead_chacha20poly1305_ietf_decrypt_detached(out, NULL, ct, len, ct + len,
									     head, head_len, nonce,
									     s->rx_key);
	if (r != 0) {
		w->stats.bad_tag++;
		return false;
	}
	mark(s, c);
	return true;
}

/* Both sides' keys from the handshake's three public keys: which is tx
 * and which rx depends on the side. */
bool wire_derive(struct net_session *s, bool server, uint8_t cipher, const uint8_t ee[32],
		 const uint8_t es[32], const uint8_t client_pk[32], const uint8_t epoch_pk[32],
		 const uint8_t static_pk[32])
{
	static const char label[] = "lyceum-wire-1";
	if (cipher != NET_WIRE_CHACHA && (cipher != NET_WIRE_AES || !crypto_aead_aes256gcm_is_available()))
		return false;
	uint8_t out[64];
	crypto_generichash_state st;
	if (crypto_generichash_init(&st, NULL, 0, sizeof(out)) != 0)
		return false;
	crypto_generichash_update(&st, (const uint8_t *)label, sizeof(label) - 1);
	crypto_generichash_update(&st, ee, 32);
	crypto_generichash_update(&st, es, 32);
	crypto_generichash_update(&st, client_pk, 32);
	crypto_generichash_update(&st, epoch_pk, 32);
	crypto_generichash_update(&st, static_pk, 32);
	crypto_generichash_update(&st, &cipher, 1);
	crypto_generichash_final(&st, out, sizeof(out));
	memcpy(server ? s->rx_key : s->tx_key, out, 32);
	memcpy(server ? s->tx_key : s->rx_key, out + 32, 32);
	sodium_memzero(out, sizeof(out));
	s->cipher = cipher;
	if (cipher == NET_WIRE_AES) {
		crypto_aead_aes256gcm_beforenm(&s->aes_tx, s->tx_key);
		crypto_aead_aes256gcm_beforenm(&s->aes_rx, s->rx_key);
	}
	return true;
}


/* ---- the server's sessions, by address ---- */

static size_t addr_hash(const struct net_wire *w, const ENetAddress *a)
{
	uint64_t h = ((uint64_t)a->host << 16 | a->port) * 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 32) & (w->index_cap - 1);
}

static size_t index_find(const struct net_wire *w, const ENetAddress *a)
{
	size_t i = addr_hash(w, a);
	while (w->index[i]) {
		const struct net_session *s = &w->sessions[w->index[i] - 1];
		if (s->addr.host == a->host && s->addr.port == a->port)
			return i;
		i = (i + 1) & (w->index_cap - 1);
	}
	return i; /* the empty slot where it would go */
}

struct net_session *net_wire_session(struct net_wire *w, const ENetAddress *addr)
{
	if (!w->server)
		return w->status == NET_WIRE_READY ? w->client : NULL;
	uint32_t slot = w->index[index_find(w, addr)];
	return slot ? &w->sessions[slot - 1] : NULL;
}

/* Linear probing keeps its chains whole on removal by moving later
 * entries back into the gap. */
static void index_remove(struct net_wire *w, size_t i)
{
	w->index[i] = 0;
	for (size_t j = (i + 1) & (w->index_cap - 1); w->index[j]; j = (j + 1) & (w->index_cap - 1)) {
		size_t home = addr_hash(w, &w->sessions[w->index[j] - 1].addr);
		/* Move j back to i if i lies on the way from its home to j. */
		bool between = i <= j ? (home <= i || home > j) : (home <= i && home > j);
		if (between) {
			w->index[i] = w->index[j];
			w->index[j] = 0;
			i = j;
		}
	}
}

void net_wire_session_close(struct net_wire *w, struct net_session *s)
{
	if (!w || !s || !w->server || !s->in_use)
		return;
	size_t i = index_find(w, &s->addr);
	if (w->index[i] && &w->sessions[w->index[i] - 1] == s)
		index_remove(w, i);
	sodium_memzero(s, sizeof(*s));
	w->session_count--;
}

void net_wire_expire(struct net_wire *w, uint64_t now_us)
{
	if (w->server)
		wire_rotate(w);
	for (size_t i = 0; w->server && i < w->max_sessions; i++) {
		struct net_session *s = &w->sessions[i];
		if (s->in_use && (now_us - s->last_rx_us > NET_WIRE_IDLE_US ||
				  (!s->bound && now_us - s->created_us > UNBOUND_US)))
			net_wire_session_close(w, s);
	}
}

struct net_session *wire_session_add(struct net_wire *w, const ENetAddress *addr)
{
	size_t i = index_find(w, addr);
	if (w->index[i])
		return &w->sessions[w->index[i] - 1];
	size_t same_host = 0;
	for (size_t k = 0; k < w->max_sessions && same_host < w->per_host; k++)
		same_host += w->sessions[k].in_use && w->sessions[k].addr.host == addr->host;
	if (w->session_count == w->max_sessions || same_host >= w->per_host) {
		w->stats.sessions_full++;
		return NULL;
	}
	size_t k = 0;
	while (w->sessions[k].in_use)
		k++;
	struct net_session *s = &w->sessions[k];
	memset(s, 0, sizeof(*s));
	s->in_use = true;
	s->addr = *addr;
	w->index[i] = (uint32_t)k + 1;
	w->session_count++;
	return s;
}

/* ---- receiving ---- */

/* Client, not yet answered: the first reply that opens under one of the
 * candidates' keys (wire_internal.h) makes it the session, and the others
 * are erased. Counted as one bad tag if none opens it. */
static struct net_session *open_candidate(struct net_wire *w, const uint8_t *d, size_t inner)
{
	const uint64_t bad_tag = w->stats.bad_tag, replayed = w->stats.replayed;
	for (int i = 0; i < w->cand_count; i++) {
		struct net_session *s = &w->cand[i].session;
		if (!wire_open_sealed(w, s, d, NET_WIRE_SEALED_HEADER, get_u16(d + 2),
				      d + NET_WIRE_SEALED_HEADER, inner, w->rx_scratch))
			continue;
		w->stats.bad_tag = bad_tag;
		w->stats.replayed = replayed;
		if (i != 0)
			w->cand[0] = w->cand[i];
		for (int k = 1; k < w->cand_count; k++)
			sodium_memzero(&w->cand[k], sizeof(w->cand[k]));
		w->cand_count = 1;
		w->client = &w->cand[0].session;
		return w->client;
	}
	w->stats.bad_tag = bad_tag + 1;
	w->stats.replayed = replayed;
	return NULL;
}

enum net_wire_verdict net_wire_receive(struct net_wire *w, ENetHost *host, uint64_t now_us)
{
	const uint8_t *d = host->receivedData;
	size_t len = host->receivedDataLength;
	if (len < 2 || d[0] != NET_WIRE_MAGIC) {
		w->stats.clear++;
		return NET_WIRE_DONE;
	}
	switch (d[1]) {
	case NET_WIRE_STATE:      /* only clients send these */
	case NET_WIRE_STATE_DOWN: /* only servers */
		if (w->server == (d[1] == NET_WIRE_STATE))
			return NET_WIRE_TO_STATE;
		w->stats.clear++;
		return NET_WIRE_DONE;
	case NET_WIRE_REQUEST:
		if (w->server)
			wire_on_request(w, &host->receivedAddress, d, len);
		else
			w->stats.clear++;
		return NET_WIRE_DONE;
	case NET_WIRE_CHALLENGE:
		if (!w->server)
			wire_on_challenge(w, &host->receivedAddress, d, len);
		else
			w->stats.clear++;
		return NET_WIRE_DONE;
	case NET_WIRE_CONNECT:
		if (w->server)
			return wire_on_connect(w, host, d, len, now_us);
		w->stats.clear++;
		return NET_WIRE_DONE;
	case NET_WIRE_SEALED:
		break;
	default:
		w->stats.clear++;
		return NET_WIRE_DONE;
	}
	struct net_session *s = net_wire_session(w, &host->receivedAddress);
	if (!s || (!w->server && (host->receivedAddress.host != s->addr.host ||
				  host->receivedAddress.port != s->addr.port))) {
		w->stats.no_session++;
		return NET_WIRE_DONE;
	}
	if (len < NET_WIRE_SEALED_HEADER + NET_WIRE_TAG || len > SEALED_MAX) {
		w->stats.clear++;
		return NET_WIRE_DONE;
	}
	size_t inner = len - NET_WIRE_SEALED_HEADER - NET_WIRE_TAG;
	if (!w->server && !s->heard)
		s = open_candidate(w, d, inner);
	else if (!wire_open_sealed(w, s, d, NET_WIRE_SEALED_HEADER, get_u16(d + 2),
				   d + NET_WIRE_SEALED_HEADER, inner, w->rx_scratch))
		s = NULL;
	if (!s)
		return NET_WIRE_DONE;
	s->last_rx_us = now_us;
	s->heard = true;
	host->receivedData = w->rx_scratch;
	host->receivedDataLength = inner;
	return NET_WIRE_TO_ENET;
}

void net_wire_handshake_budget(struct net_wire *w, uint32_t per_s, uint32_t burst)
{
	w->handshakes_per_s = per_s ? per_s : 1;
	w->handshake_burst = burst ? burst : 1;
}

bool net_session_is(const struct net_session *s, const ENetAddress *addr)
{
	return s && s->in_use && s->addr.host == addr->host && s->addr.port == addr->port;
}

uint32_t net_session_generation(const struct net_session *s)
{
	return s ? s->generation : 0;
}

void net_session_bind(struct net_session *s)
{
	if (s)
		s->bound = true;
}

void net_wire_release(struct net_wire *w, const ENetAddress *addr)
{
	if (w && w->server)
		net_wire_session_close(w, net_wire_session(w, addr));
}

void net_wire_on_state(struct net_wire *w, net_state_fn fn, void *ctx)
{
	w->state_fn = fn;
	w->state_ctx = ctx;
}

void net_wire_set_clock(struct net_wire *w, uint64_t now_us)
{
	w->now_us = now_us;
}

int net_wire_hook(ENetHost *host, ENetEvent *event)
{
	(void)event;
	struct net_wire *w = wire_of_socket(host->socket);
	if (!w)
		return 1;
	switch (net_wire_receive(w, host, w->now_us)) {
	case NET_WIRE_TO_ENET:
		return 0;
	case NET_WIRE_TO_STATE:
		if (w->state_fn)
			w->state_fn(w->state_ctx, &host->receivedAddress, host->receivedData,
				    (uint32_t)host->receivedDataLength);
		else
			w->stats.clear++;
		return 1;
	case NET_WIRE_DONE:
		break;
	}
	return 1;
}

/* ---- state datagrams ---- */

bool net_state_peek(const uint8_t *data, uint32_t len, uint16_t *out_client_id)
{
	if (len < NET_WIRE_STATE_OVERHEAD || data[0] != NET_WIRE_MAGIC || data[1] != NET_WIRE_STATE)
		return false;
	*out_client_id = get_u16(data + 2);
	return true;
}

uint32_t net_session_seal_state(struct net_session *s, uint16_t client_id, uint8_t *buf,
				uint32_t len)
{
	if (!s->in_use)
		return 0; /* forgotten: never seal with a cleared key */
	uint64_t c = ++s->tx_counter;
	buf[0] = NET_WIRE_MAGIC;
	buf[1] = NET_WIRE_STATE;
	put_u16(buf + 2, client_id);
	put_u16(buf + 4, (uint16_t)c);
	uint8_t *msg = buf + NET_WIRE_STATE_HEADER;
	wire_seal(s, buf, NET_WIRE_STATE_HEADER, msg, len, msg, c);
	return len + NET_WIRE_STATE_OVERHEAD;
}

bool net_state_is_down(const uint8_t *data, uint32_t len)
{
	return len >= NET_WIRE_STATE_DOWN_HEADER + NET_WIRE_TAG && data[0] == NET_WIRE_MAGIC &&
	       data[1] == NET_WIRE_STATE_DOWN;
}

uint32_t net_session_seal_state_down(struct net_session *s, uint8_t *buf, uint32_t len)
{
	if (!s->in_use)
		return 0;
	uint64_t c = ++s->tx_counter;
	uint8_t *msg = buf + NET_WIRE_STATE_DOWN_HEADER;
	memmove(msg, buf + NET_WIRE_STATE_HEADER, len);
	buf[0] = NET_WIRE_MAGIC;
	buf[1] = NET_WIRE_STATE_DOWN;
	put_u16(buf + 2, (uint16_t)c);
	wire_seal(s, buf, NET_WIRE_STATE_DOWN_HEADER, msg, len, msg, c);
	return len + NET_WIRE_STATE_DOWN_HEADER + NET_WIRE_TAG;
}

bool net_session_open_state(struct net_wire *w, struct net_session *s, uint8_t *data,
			    uint32_t len, uint8_t **out_msg, uint32_t *out_len)
{
	/* What the other end sends: a server hears STATE, a client STATE_DOWN. */
	const bool down = !w->server;
	const uint32_t header = down ? NET_WIRE_STATE_DOWN_HEADER : NET_WIRE_STATE_HEADER;
	if (len < header + NET_WIRE_TAG || data[0] != NET_WIRE_MAGIC ||
	    data[1] != (down ? NET_WIRE_STATE_DOWN : NET_WIRE_STATE)) {
		w->stats.clear++;
		return false;
	}
	uint32_t n = len - header - NET_WIRE_TAG;
	uint8_t *msg = data + header;
	if (!s->in_use || !wire_open_sealed(w, s, data, header, get_u16(data + header - 2), msg, n, msg))
		return false;
	s->last_rx_us = w->now_us;
	*out_msg = msg;
	*out_len = n;
	return true;
}

/* ---- sending: every datagram ENet sends passes here ---- */

/*
 * ENet sends every datagram through enet_socket_send, which Debian's
 * libenet calls through the dynamic linker's table: this definition, in
 * the program, is the one it reaches (ELF interposition; a static ENet
 * would be wrapped with -Wl,--wrap instead). It seals the datagram for the
 * session of its destination, or wraps it in the CONNECT that carries the
 * cookie while the client's handshake is not yet answered; a socket
 * without a wire sends as ENet would. test_net checks that a CONNECT
 * really leaves sealed.
 */
static int sendmsg_all(ENetSocket socket, const ENetAddress *address, const struct iovec *iov,
		       size_t count)
{
	struct msghdr m = {.msg_iov = (struct iovec *)iov, .msg_iovlen = count};
	struct sockaddr_in sin;
	if (address) {
		sin = (struct sockaddr_in){.sin_family = AF_INET,
					   .sin_port = ENET_HOST_TO_NET_16(address->port),
					   .sin_addr.s_addr = address->host};
		m.msg_name = &sin;
		m.msg_namelen = sizeof(sin);
	}
	ssize_t n = sendmsg((int)socket, &m, MSG_NOSIGNAL);
	if (n < 0)
		return errno == EWOULDBLOCK || errno == EAGAIN ? 0 : -1;
	return (int)n;
}

int enet_socket_send(ENetSocket socket, const ENetAddress *address, const ENetBuffer *buffers,
		     size_t count)
{
	struct net_wire *w = wire_of_socket(socket);
	if (!w)
		return sendmsg_all(socket, address, (const struct iovec *)buffers, count);
	struct net_session *s = address ? net_wire_session(w, address) : NULL;
	if (!s) {
		w->stats.send_dropped++;
		return 0; /* never in clear: ENet retries, or gives up on the peer */
	}
	uint8_t plain[SEALED_MAX];
	size_t len = 0;
	for (size_t i = 0; i < count; i++) {
		if (len + buffers[i].dataLength > SEALED_MAX - NET_WIRE_CONNECT_HEADER - NET_WIRE_TAG) {
			w->stats.send_dropped++;
			return 0;
		}
		memcpy(plain + len, buffers[i].data, buffers[i].dataLength);
		len += buffers[i].dataLength;
	}
	uint8_t *out = w->tx_scratch;
	size_t head;
	/* Not answered yet: each try goes under the next candidate's keys. */
	const struct wire_candidate *k = NULL;
	if (!w->server && !s->heard) {
		k = &w->cand[w->cand_next++ % w->cand_count];
		s = (struct net_session *)&k->session;
	}
	uint64_t c = ++s->tx_counter;
	out[0] = NET_WIRE_MAGIC;
	if (k) {
		out[1] = NET_WIRE_CONNECT;
		put_u32(out + 2, k->cookie_epoch);
		memcpy(out + 6, k->cookie, 16);
		memcpy(out + 22, w->client_pk, 32);
		out[54] = s->cipher;
		put_u16(out + NET_WIRE_CONNECT_HEADER - 2, (uint16_t)c);
		head = NET_WIRE_CONNECT_HEADER;
	} else {
		out[1] = NET_WIRE_SEALED;
		put_u16(out + 2, (uint16_t)c);
		head = NET_WIRE_SEALED_HEADER;
	}
	wire_seal(s, out, head, plain, len, out + head, c);
	struct iovec iov = {out, head + len + NET_WIRE_TAG};
	/* ENet adds this to its totals: the bytes that really went. */
	return sendmsg_all(socket, address, &iov, 1);
}

/* ---- creation ---- */

static struct net_wire *wire_new(ENetHost *host, bool server)
{
	if (sodium_init() < 0 || host->socket < 0 || host->socket >= FD_SLOTS) {
		CORE_ERROR("cannot secure socket %d (libsodium failed to start, or the descriptor "
			   "is past %d)",
			   (int)host->socket, FD_SLOTS);
		return NULL;
	}
	/* A wire still registered for this descriptor belongs to a socket that
	 * was closed (the system reuses the number): it no longer sends. */
	if (g_wires[host->socket])
		g_wires[host->socket]->socket = -1;
	struct net_wire *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->server = server;
	w->host = host;
	w->socket = host->socket;
	g_wires[host->socket] = w;
	return w;
}

enum core_result net_wire_server_create(ENetHost *host, const uint8_t static_sk[NET_WIRE_KEY_BYTES],
					size_t max_sessions, size_t per_host, struct net_wire **out)
{
	struct net_wire *w = wire_new(host, true);
	if (!w)
		return CORE_ERR_NOMEM;
	memcpy(w->static_sk, static_sk, 32);
	crypto_scalarmult_base(w->static_pk, w->static_sk);
	w->max_sessions = max_sessions;
	w->per_host = per_host;
	w->handshakes_per_s = HANDSHAKES_PER_S;
	w->handshake_burst = HANDSHAKE_BURST;
	w->index_cap = 16;
	while (w->index_cap < 2 * max_sessions)
		w->index_cap *= 2;
	w->sessions = calloc(max_sessions, sizeof(*w->sessions));
	w->index = calloc(w->index_cap, sizeof(*w->index));
	if (!w->sessions || !w->index) {
		net_wire_destroy(w);
		return CORE_ERR_NOMEM;
	}
	w->epoch = now_epoch() - 2; /* so wire_rotate() makes this epoch's keys and the last's */
	*out = w;
	return CORE_OK;
}

enum core_result net_wire_client_create(ENetHost *host, const ENetAddress *server,
					const uint8_t *expected_server_pk, uint16_t version,
					struct net_wire **out)
{
	struct net_wire *w = wire_new(host, false);
	if (!w)
		return CORE_ERR_NOMEM;
	w->server_addr = *server;
	w->version = version;
	/* The socket connected to the server: the kernel then drops datagrams
	 * from anyone else, finds the socket without a route lookup, and reports
	 * ECONNREFUSED (from enet_host_service's -1) when nothing listens there.
	 * Optional: an unconnected socket works the same without those. */
	if (enet_socket_connect(host->socket, server) != 0)
		CORE_DEBUG("cannot connect the client socket (%s); it stays unconnected",
			   strerror(errno));
	crypto_box_keypair(w->client_pk, w->client_sk);
	if (expected_server_pk) {
		w->has_expected = true;
		memcpy(w->expected_pk, expected_server_pk, 32);
	}
	w->status = NET_WIRE_PENDING;
	*out = w;
	return CORE_OK;
}

void net_wire_destroy(struct net_wire *w)
{
	if (!w)
		return;
	if (w->socket >= 0 && w->socket < FD_SLOTS && g_wires[w->socket] == w)
		g_wires[w->socket] = NULL;
	if (w->sessions)
		sodium_memzero(w->sessions, w->max_sessions * sizeof(*w->sessions));
	free(w->sessions);
	free(w->index);
	sodium_memzero(w, sizeof(*w));
	free(w);
}

const struct net_wire_stats *net_wire_stats(const struct net_wire *w)
{
	return &w->stats;
}
