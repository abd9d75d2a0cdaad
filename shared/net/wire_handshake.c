/* The wire's handshake (wire.h): the server's stateless challenge and the
 * key exchange, on both sides. */
#if defined(__linux__)
#define _GNU_SOURCE /* MSG_NOSIGNAL */
#endif
#include "wire_internal.h"

#include "proto/msg.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* ---- the server's handshake ---- */

static void make_epoch(struct net_wire *w, uint32_t n)
{
	int k = (int)(n & 1);
	randombytes_buf(w->secret[k], 32);
	crypto_box_keypair(w->epoch_pk[k], w->epoch_sk[k]);
	w->secret_epoch[k] = n;
}

/* Brings the keys up to the current epoch: a new cookie secret and epoch
 * key each epoch, overwriting those of two epochs ago (and with them the
 * means to decrypt what sessions made then sent: forward secrecy). */
void wire_rotate(struct net_wire *w)
{
	uint32_t current = now_epoch();
	if (current == w->epoch)
		return;
	if (current - w->epoch >= 2)
		make_epoch(w, current - 1);
	make_epoch(w, current);
	w->epoch = current;
}

/* The secret and epoch key of epoch e, if it is the current or the last. */
static bool epoch_keys(struct net_wire *w, uint32_t e, const uint8_t **out_secret,
		       const uint8_t **out_sk, const uint8_t **out_pk)
{
	wire_rotate(w);
	int k = (int)(e & 1);
	if ((e != w->epoch && e + 1 != w->epoch) || w->secret_epoch[k] != e)
		return false;
	*out_secret = w->secret[k];
	*out_sk = w->epoch_sk[k];
	*out_pk = w->epoch_pk[k];
	return true;
}

static void cookie_of(const uint8_t *secret, uint32_t e, const ENetAddress *from,
		      const uint8_t client_pk[32], uint8_t cipher, uint8_t out[16])
{
	uint8_t in[4 + 4 + 2 + 32 + 1];
	put_u32(in, e);
	memcpy(in + 4, &from->host, 4);
	put_u16(in + 8, from->port);
	memcpy(in + 10, client_pk, 32);
	in[42] = cipher;
	crypto_generichash(out, 16, in, sizeof(in), secret, 32);
}

static void format_addr(const ENetAddress *a, char *out, size_t size)
{
	const uint8_t *ip = (const uint8_t *)&a->host;
	snprintf(out, size, "%u.%u.%u.%u:%u", ip[0], ip[1], ip[2], ip[3], a->port);
}

static void send_raw(ENetSocket s, const ENetAddress *to, const void *data, size_t len)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = ENET_HOST_TO_NET_16(to->port),
				  .sin_addr.s_addr = to->host};
	(void)!sendto((int)s, data, len, MSG_NOSIGNAL, (struct sockaddr *)&sin, sizeof(sin));
}

void wire_on_request(struct net_wire *w, const ENetAddress *from, const uint8_t *d, size_t len)
{
	if (len != NET_WIRE_REQUEST_SIZE) {
		w->stats.clear++;
		return;
	}
	const uint8_t *secret, *esk, *epk;
	uint32_t e = now_epoch();
	if (!epoch_keys(w, e, &secret, &esk, &epk))
		return;
	uint8_t out[NET_WIRE_CHALLENGE_SIZE];
	out[0] = NET_WIRE_MAGIC;
	out[1] = NET_WIRE_CHALLENGE;
	uint8_t cipher = (d[36] & wire_local_ciphers() & NET_WIRE_AES) ? NET_WIRE_AES : NET_WIRE_CHACHA;
	put_u16(out + 2, PROTO_VERSION);
	put_u32(out + 4, e);
	cookie_of(secret, e, from, d + 4, cipher, out + 8);
	memcpy(out + 24, epk, 32);
	memcpy(out + 56, w->static_pk, 32);
	out[88] = cipher;
	w->stats.requests++;
	/* A client of another version learns the server's from this and
	 * stops with a message saying which to install. */
	uint16_t version = get_u16(d + 2);
	if (version != PROTO_VERSION) {
		w->stats.version_mismatch++;
		uint64_t second = (uint64_t)time(NULL);
		if (second != w->mismatch_log_s) {
			w->mismatch_log_s = second;
			char addr[64];
			format_addr(from, addr, sizeof(addr));
			CORE_INFO("refuse addr=%s reason=version: protocol version mismatch: this server "
				  "speaks version %u, the client version %u (at most one such line a "
				  "second)",
				  addr, PROTO_VERSION, version);
		}
	}
	send_raw(w->socket, from, out, sizeof(out));
}

/* False when this address has spent its handshakes for now. */
static bool handshake_allowed(struct net_wire *w, uint32_t host, uint64_t now_us)
{
	struct handshake_slot *h = &w->handshake[(host * 2654435761u) >> 24];
	if (h->host != host || !h->last_us) {
		*h = (struct handshake_slot){.host = host, .tokens = w->handshake_burst,
					     .last_us = now_us};
	} else if (now_us > h->last_us) {
		uint64_t earned = (now_us - h->last_us) * w->handshakes_per_s / 1000000u;
		if (earned) {
			h->tokens = (uint32_t)CORE_MIN((uint64_t)w->handshake_burst, h->tokens + earned);
			h->last_us = now_us;
		}
	}
	if (!h->tokens)
		return false;
	h->tokens--;
	return true;
}

/* A CONNECT: the cookie first (cheap), then the address's handshake budget,
 * then the keys (two X25519), then the ENet datagram inside must open
 * under them. */
enum net_wire_verdict wire_on_connect(struct net_wire *w, ENetHost *host, const uint8_t *d,
				      size_t len, uint64_t now_us)
{
	const ENetAddress *from = &host->receivedAddress;
	if (len < NET_WIRE_CONNECT_HEADER + NET_WIRE_TAG || len > SEALED_MAX) {
		w->stats.clear++;
		return NET_WIRE_DONE;
	}
	uint32_t e = get_u32(d + 2);
	const uint8_t *cookie = d + 6, *client_pk = d + 22;
	uint8_t cipher = d[54];
	const uint8_t *secret, *esk, *epk;
	uint8_t want[16];
	bool fresh_cookie = epoch_keys(w, e, &secret, &esk, &epk);
	if (fresh_cookie)
		cookie_of(secret, e, from, client_pk, cipher, want);
	if (!fresh_cookie || sodium_memcmp(want, cookie, 16) != 0) {
		w->stats.bad_cookie++;
		return NET_WIRE_DONE;
	}
	struct net_session *s = net_wire_session(w, from);
	struct net_session fresh;
	if (!s || memcmp(s->client_pk, client_pk, 32) != 0) {
		/* A new handshake (a new client on this address). Not over a
		 * session that is in use (an old CONNECT replayed would swap its
		 * keys), and not beyond the address's budget of X25519 work. */
		if (s && now_us - s->last_rx_us < REKEY_QUIET_US) {
			w->stats.bad_cookie++;
			return NET_WIRE_DONE;
		}
		if (!handshake_allowed(w, from->host, now_us)) {
			w->stats.sessions_full++;
			return NET_WIRE_DONE;
		}
		uint8_t ee[32], es[32];
		memset(&fresh, 0, sizeof(fresh));
		bool ok = crypto_scalarmult(ee, esk, client_pk) == 0 &&
			  crypto_scalarmult(es, w->static_sk, client_pk) == 0 &&
			  wire_derive(&fresh, true, cipher, ee, es, client_pk, epk, w->static_pk);
		sodium_memzero(ee, sizeof(ee));
		sodium_memzero(es, sizeof(es));
		if (!ok) {
			w->stats.bad_cookie++;
			return NET_WIRE_DONE;
		}
		memcpy(fresh.client_pk, client_pk, 32);
		fresh.addr = *from;
		s = &fresh;
	}
	size_t inner = len - NET_WIRE_CONNECT_HEADER - NET_WIRE_TAG;
	if (!wire_open_sealed(w, s, d, NET_WIRE_CONNECT_HEADER, get_u16(d + NET_WIRE_CONNECT_HEADER - 2),
			 d + NET_WIRE_CONNECT_HEADER, inner, w->rx_scratch))
		return NET_WIRE_DONE;
	if (s == &fresh) {
		struct net_session *kept = wire_session_add(w, from);
		if (!kept)
			return NET_WIRE_DONE;
		bool replacing = kept->tx_counter != 0;
		*kept = fresh;
		kept->generation = ++w->generations;
		kept->in_use = true;
		kept->created_us = now_us;
		sodium_memzero(&fresh, sizeof(fresh));
		s = kept;
		if (!replacing)
			w->stats.handshakes++;
	}
	s->last_rx_us = now_us;
	host->receivedData = w->rx_scratch;
	host->receivedDataLength = inner;
	return NET_WIRE_TO_ENET;
}

/* ---- the client's handshake ---- */

static void send_request(struct net_wire *w)
{
	uint8_t out[NET_WIRE_REQUEST_SIZE] = {NET_WIRE_MAGIC, NET_WIRE_REQUEST};
	put_u16(out + 2, w->version);
	memcpy(out + 4, w->client_pk, 32);
	out[36] = wire_local_ciphers();
	send_raw(w->socket, &w->server_addr, out, sizeof(out));
}

enum net_wire_status net_wire_client_poll(struct net_wire *w, uint64_t now_us)
{
	if (w->status != NET_WIRE_PENDING)
		return w->status;
	if (!w->started_us) {
		w->started_us = now_us;
		w->next_request_us = now_us;
		w->request_gap_us = 200000;
	}
	if (w->mismatch_since_us && now_us - w->mismatch_since_us > MISMATCH_GRACE_US) {
		w->status = NET_WIRE_FAILED;
		return w->status;
	}
	/* Every 200 ms: a REQUEST is 128 bytes, and one lost to a server busy
	 * with a flood should cost its client a moment, not seconds. */
	if (now_us >= w->next_request_us) {
		send_request(w);
		w->next_request_us = now_us + w->request_gap_us;
	}
	return w->status;
}

const char *net_wire_error(const struct net_wire *w)
{
	return w->error;
}

bool net_wire_version_mismatch(const struct net_wire *w)
{
	return w->version_mismatch;
}

void wire_on_challenge(struct net_wire *w, const ENetAddress *from, const uint8_t *d, size_t len)
{
	/* Taken while the handshake waits, and afterwards until the server
	 * has sealed to us (another answer may be the real one). */
	bool open = w->status == NET_WIRE_PENDING ||
		    (w->status == NET_WIRE_READY && !w->client->heard);
	if (!open || len != NET_WIRE_CHALLENGE_SIZE || from->host != w->server_addr.host ||
	    from->port != w->server_addr.port) {
		w->stats.clear++;
		return;
	}
	/* A CHALLENGE is not authenticated: one that names another version or
	 * another key may be someone else's answer racing the server's, so it
	 * only fails the handshake if no good one follows within
	 * MISMATCH_GRACE_US (net_wire_client_poll). */
	uint16_t version = get_u16(d + 2);
	const uint8_t *epoch_pk = d + 24, *static_pk = d + 56;
	bool wrong_version = version != w->version;
	if (wrong_version || (w->has_expected && sodium_memcmp(static_pk, w->expected_pk, 32) != 0)) {
		if (wrong_version)
			snprintf(w->error, sizeof(w->error),
				 "protocol version mismatch: this server speaks version %u, your "
				 "client speaks version %u; install a client of the server's version",
				 version, w->version);
		else
			snprintf(w->error, sizeof(w->error),
				 "the server did not show the key your join token names: it is not "
				 "the server the token was made for (or something between you poses "
				 "as it); nothing was sent to it");
		w->version_mismatch = wrong_version;
		if (!w->mismatch_since_us)
			w->mismatch_since_us = w->now_us ? w->now_us : 1;
		return;
	}
	/* The server answers every REQUEST of one epoch alike. */
	for (int i = 0; i < w->cand_count; i++)
		if (!memcmp(w->cand[i].epoch_pk, epoch_pk, 32) && !memcmp(w->cand[i].cookie, d + 8, 16))
			return;
	/* With every place taken the oldest answer gives way: a flood of
	 * forgeries cannot keep the real one out, only delay it. */
	bool full = w->cand_count == WIRE_CANDIDATES;
	struct wire_candidate *k = &w->cand[full ? w->cand_replace++ % WIRE_CANDIDATES : w->cand_count];
	if (full)
		sodium_memzero(k, sizeof(*k));
	uint8_t ee[32], es[32];
	bool ok = crypto_scalarmult(ee, w->client_sk, epoch_pk) == 0 &&
		  crypto_scalarmult(es, w->client_sk, static_pk) == 0 &&
		  wire_derive(&k->session, false, d[88], ee, es, w->client_pk, epoch_pk, static_pk);
	sodium_memzero(ee, sizeof(ee));
	sodium_memzero(es, sizeof(es));
	if (!ok) {
		sodium_memzero(k, sizeof(*k));
		w->stats.bad_tag++;
		return; /* a forged challenge: wait for the real one */
	}
	k->cookie_epoch = get_u32(d + 4);
	memcpy(k->cookie, d + 8, 16);
	memcpy(k->epoch_pk, epoch_pk, 32);
	k->session.in_use = true;
	k->session.addr = w->server_addr;
	w->cand_count += !full;
	w->client = &w->cand[0].session;
	w->status = NET_WIRE_READY;
}
