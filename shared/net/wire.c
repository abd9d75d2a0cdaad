/* The secure wire (wire.h): handshake, sessions, sealing and opening. */
#if defined(__linux__)
#define _GNU_SOURCE /* MSG_NOSIGNAL */
#endif
#include "wire.h"

#include "proto/msg.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>

#define WINDOW 64 /* replay window, datagrams */
#define FD_SLOTS 65536
/* The largest datagram either way: ENet's largest, in a CONNECT. */
#define SEALED_MAX (ENET_PROTOCOL_MAXIMUM_MTU + NET_WIRE_CONNECT_HEADER + NET_WIRE_TAG)
/* Handshakes (two X25519 each) an IP address may cost per second, and the
 * burst: a class behind one NAT joins at once. */
#define HANDSHAKES_PER_S 32
#define HANDSHAKE_BURST 64
#define HANDSHAKE_SLOTS 256
/* A session that has had authentic traffic this recently is not replaced
 * by a new handshake from its address (an old CONNECT replayed). */
#define REKEY_QUIET_US 5000000u
/* A session whose ENet peer never connected is forgotten after this. */
#define UNBOUND_US 5000000u
/* A CHALLENGE of another version or key fails the handshake only if no
 * fitting one comes within this. */
#define MISMATCH_GRACE_US 1500000u

_Static_assert(crypto_aead_chacha20poly1305_ietf_ABYTES == NET_WIRE_TAG, "tag size");
_Static_assert(crypto_scalarmult_BYTES == NET_WIRE_KEY_BYTES, "X25519 key size");

struct net_session {
	/* AES's expanded keys first: they want 16-byte alignment. */
	crypto_aead_aes256gcm_state aes_tx, aes_rx;
	uint8_t cipher; /* NET_WIRE_AES or NET_WIRE_CHACHA */
	bool in_use;
	ENetAddress addr;
	uint8_t tx_key[32], rx_key[32];
	uint8_t client_pk[32]; /* the handshake's ephemeral key: a repeat is not a new session */
	uint64_t tx_counter;   /* the last one sent */
	uint64_t rx_highest;   /* the highest received */
	uint64_t rx_window;    /* bit k: rx_highest - k was received */
	uint64_t last_rx_us;
	uint64_t created_us;
	bool bound;            /* server: its ENet peer connected (net_session_bind) */
	bool heard;            /* client: the server has sealed to us (the CONNECT got through) */
};

/* Handshake budget per IP address (a small table; a collision shares a budget). */
struct handshake_slot {
	uint32_t host;
	uint32_t tokens;
	uint64_t last_us;
};

struct net_wire {
	bool server;
	ENetHost *host;
	ENetSocket socket;
	struct net_wire_stats stats;
	/* server */
	uint8_t static_sk[32], static_pk[32];
	uint32_t epoch;               /* current epoch number */
	uint8_t secret[2][32];        /* cookie secret of epoch e in [e & 1] */
	uint8_t epoch_sk[2][32], epoch_pk[2][32];
	uint32_t secret_epoch[2];
	struct net_session *sessions; /* max_sessions */
	size_t max_sessions, session_count, per_host;
	struct handshake_slot handshake[HANDSHAKE_SLOTS];
	uint32_t handshakes_per_s, handshake_burst;
	uint32_t *index;              /* open addressing by address: session + 1, 0 empty */
	size_t index_cap;             /* power of two, 2 x max_sessions or more */
	/* client */
	struct net_session client;
	ENetAddress server_addr;
	uint8_t client_sk[32], client_pk[32];
	bool has_expected;
	uint8_t expected_pk[32];
	uint32_t cookie_epoch;
	uint8_t cookie[16];
	uint16_t version;      /* the protocol version this client speaks */
	bool version_mismatch;
	uint64_t mismatch_since_us; /* client: a CHALLENGE that did not fit came then */
	uint64_t mismatch_log_s; /* server: the second a version mismatch was last logged */
	enum net_wire_status status;
	uint64_t next_request_us, request_gap_us, started_us;
	char error[200];
	net_state_fn state_fn; /* state datagrams from the hook go here */
	void *state_ctx;
	uint64_t now_us;       /* the caller's clock, for the hook */
	uint8_t rx_scratch[SEALED_MAX]; /* the datagram opened for ENet */
	uint8_t tx_scratch[SEALED_MAX]; /* the datagram sealed for the socket */
};

/* The wire of each socket: ENet calls enet_socket_send and its intercept
 * hook with only the host or socket in hand. */
static struct net_wire *g_wires[FD_SLOTS];

static struct net_wire *wire_of_socket(ENetSocket s)
{
	return s >= 0 && s < FD_SLOTS ? g_wires[s] : NULL;
}

static uint32_t now_epoch(void)
{
	return (uint32_t)(time(NULL) / NET_WIRE_EPOCH_S);
}

static void put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void nonce_of(uint64_t counter, uint8_t nonce[12])
{
	memset(nonce, 0, 12);
	for (int i = 0; i < 8; i++)
		nonce[i] = (uint8_t)(counter >> (8 * i));
}

/* ---- sealing and opening ---- */

/* Seals [head, head + head_len) as additional data and msg into out
 * (ciphertext then tag). Returns the next counter's low bits via head. */
static void seal(struct net_session *s, const uint8_t *head, size_t head_len, const uint8_t *msg,
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
static uint8_t local_ciphers(void)
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
static bool open_sealed(struct net_wire *w, struct net_session *s, const uint8_t *head,
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
static bool derive(struct net_session *s, bool server, uint8_t cipher, const uint8_t ee[32],
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

static void rotate(struct net_wire *w);

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
		return w->status == NET_WIRE_READY ? &w->client : NULL;
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
		rotate(w);
	for (size_t i = 0; w->server && i < w->max_sessions; i++) {
		struct net_session *s = &w->sessions[i];
		if (s->in_use && (now_us - s->last_rx_us > NET_WIRE_IDLE_US ||
				  (!s->bound && now_us - s->created_us > UNBOUND_US)))
			net_wire_session_close(w, s);
	}
}

static struct net_session *session_add(struct net_wire *w, const ENetAddress *addr)
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
static void rotate(struct net_wire *w)
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
	rotate(w);
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

static void net_wire_format_addr(const ENetAddress *a, char *out, size_t size)
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

static void on_request(struct net_wire *w, const ENetAddress *from, const uint8_t *d, size_t len)
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
	uint8_t cipher = (d[36] & local_ciphers() & NET_WIRE_AES) ? NET_WIRE_AES : NET_WIRE_CHACHA;
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
			net_wire_format_addr(from, addr, sizeof(addr));
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
static enum net_wire_verdict on_connect(struct net_wire *w, ENetHost *host, const uint8_t *d,
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
			  derive(&fresh, true, cipher, ee, es, client_pk, epk, w->static_pk);
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
	if (!open_sealed(w, s, d, NET_WIRE_CONNECT_HEADER, get_u16(d + NET_WIRE_CONNECT_HEADER - 2),
			 d + NET_WIRE_CONNECT_HEADER, inner, w->rx_scratch))
		return NET_WIRE_DONE;
	if (s == &fresh) {
		struct net_session *kept = session_add(w, from);
		if (!kept)
			return NET_WIRE_DONE;
		bool replacing = kept->tx_counter != 0;
		*kept = fresh;
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
	out[36] = local_ciphers();
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

static void on_challenge(struct net_wire *w, const ENetAddress *from, const uint8_t *d, size_t len)
{
	if (w->status != NET_WIRE_PENDING || len != NET_WIRE_CHALLENGE_SIZE ||
	    from->host != w->server_addr.host || from->port != w->server_addr.port) {
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
	uint8_t ee[32], es[32];
	bool ok = crypto_scalarmult(ee, w->client_sk, epoch_pk) == 0 &&
		  crypto_scalarmult(es, w->client_sk, static_pk) == 0 &&
		  derive(&w->client, false, d[88], ee, es, w->client_pk, epoch_pk, static_pk);
	sodium_memzero(ee, sizeof(ee));
	sodium_memzero(es, sizeof(es));
	if (!ok) {
		w->stats.bad_tag++;
		return; /* a forged challenge: wait for the real one */
	}
	w->cookie_epoch = get_u32(d + 4);
	memcpy(w->cookie, d + 8, 16);
	w->client.in_use = true;
	w->client.addr = w->server_addr;
	w->status = NET_WIRE_READY;
}

/* ---- receiving ---- */

enum net_wire_verdict net_wire_receive(struct net_wire *w, ENetHost *host, uint64_t now_us)
{
	const uint8_t *d = host->receivedData;
	size_t len = host->receivedDataLength;
	if (len < 2 || d[0] != NET_WIRE_MAGIC) {
		w->stats.clear++;
		return NET_WIRE_DONE;
	}
	switch (d[1]) {
	case NET_WIRE_STATE:
		return NET_WIRE_TO_STATE;
	case NET_WIRE_REQUEST:
		if (w->server)
			on_request(w, &host->receivedAddress, d, len);
		else
			w->stats.clear++;
		return NET_WIRE_DONE;
	case NET_WIRE_CHALLENGE:
		if (!w->server)
			on_challenge(w, &host->receivedAddress, d, len);
		else
			w->stats.clear++;
		return NET_WIRE_DONE;
	case NET_WIRE_CONNECT:
		if (w->server)
			return on_connect(w, host, d, len, now_us);
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
	if (!open_sealed(w, s, d, NET_WIRE_SEALED_HEADER, get_u16(d + 2), d + NET_WIRE_SEALED_HEADER,
			 inner, w->rx_scratch))
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
	seal(s, buf, NET_WIRE_STATE_HEADER, msg, len, msg, c);
	return len + NET_WIRE_STATE_OVERHEAD;
}

bool net_session_open_state(struct net_wire *w, struct net_session *s, uint8_t *data,
			    uint32_t len, uint8_t **out_msg, uint32_t *out_len)
{
	if (len < NET_WIRE_STATE_OVERHEAD || data[0] != NET_WIRE_MAGIC || data[1] != NET_WIRE_STATE) {
		w->stats.clear++;
		return false;
	}
	uint32_t n = len - NET_WIRE_STATE_OVERHEAD;
	uint8_t *msg = data + NET_WIRE_STATE_HEADER;
	if (!s->in_use || !open_sealed(w, s, data, NET_WIRE_STATE_HEADER, get_u16(data + 4), msg, n, msg))
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
	uint64_t c = ++s->tx_counter;
	out[0] = NET_WIRE_MAGIC;
	if (!w->server && !s->heard) {
		out[1] = NET_WIRE_CONNECT;
		put_u32(out + 2, w->cookie_epoch);
		memcpy(out + 6, w->cookie, 16);
		memcpy(out + 22, w->client_pk, 32);
		out[54] = s->cipher;
		put_u16(out + NET_WIRE_CONNECT_HEADER - 2, (uint16_t)c);
		head = NET_WIRE_CONNECT_HEADER;
	} else {
		out[1] = NET_WIRE_SEALED;
		put_u16(out + 2, (uint16_t)c);
		head = NET_WIRE_SEALED_HEADER;
	}
	seal(s, out, head, plain, len, out + head, c);
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
	w->epoch = now_epoch() - 2; /* so rotate() makes this epoch's keys and the last's */
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
