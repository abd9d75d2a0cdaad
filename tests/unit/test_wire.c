/* The secure wire (net/wire.h) with the real ENet on loopback, through a
 * relay in the middle that records every datagram and, on cue, tampers
 * with them as an attacker on the same Wi-Fi would: nothing leaves in
 * clear but the handshake's public keys, a flipped bit or a replayed or
 * injected datagram is dropped and counted, and the connection survives. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/net.h"
#include "net/token.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RECORDED 512

/* The relay: clients talk to its front socket, it talks to the server from
 * its back socket, so to the server every datagram comes from the back. */
struct relay {
	int front, back;
	ENetAddress front_addr, server, client;
	bool has_client;
	int count;
	struct {
		bool upstream;
		uint32_t len;
		uint8_t data[1500];
	} seen[RECORDED];
	bool flip_next_up; /* flip a bit in the next client datagram */
	const uint8_t *forge_with; /* answer each REQUEST first with forgeries naming this key */
	int forgeries;             /* how many, each with an epoch key of its own */
};

static int udp_socket(ENetAddress *bound)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t len = sizeof(a);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	bound->host = a.sin_addr.s_addr;
	bound->port = ntohs(a.sin_port);
	return fd;
}

static void send_to(int fd, const ENetAddress *to, const void *data, size_t len)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(to->port),
				  .sin_addr.s_addr = to->host};
	assert_true(sendto(fd, data, len, 0, (struct sockaddr *)&sin, sizeof(sin)) >= 0);
}

/* What someone who saw the REQUEST can send before the server answers:
 * the server's public static key (anyone may know it), but an epoch key
 * and cookie of its own. */
static void send_forged_challenge(struct relay *r)
{
	uint8_t c[NET_WIRE_CHALLENGE_SIZE] = {NET_WIRE_MAGIC, NET_WIRE_CHALLENGE};
	uint8_t epoch_sk[32];
	c[2] = (uint8_t)PROTO_VERSION; /* little-endian, as every field */
	c[3] = (uint8_t)(PROTO_VERSION >> 8);
	for (int i = 4; i < 24; i++)
		c[i] = (uint8_t)(i * 29 + 3);
	assert_int_equal(net_server_keygen(c + 24, epoch_sk), CORE_OK);
	memcpy(c + 56, r->forge_with, 32);
	c[88] = NET_WIRE_CHACHA;
	send_to(r->front, &r->client, c, sizeof(c));
}

static void relay_pump(struct relay *r)
{
	uint8_t buf[1500];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n;
	while ((n = recvfrom(r->front, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl)) > 0) {
		r->client = (ENetAddress){.host = from.sin_addr.s_addr, .port = ntohs(from.sin_port)};
		r->has_client = true;
		for (int k = 0; r->forge_with && n > 1 && buf[1] == NET_WIRE_REQUEST && k < r->forgeries;
		     k++)
			send_forged_challenge(r);
		if (r->count < RECORDED) {
			r->seen[r->count].upstream = true;
			r->seen[r->count].len = (uint32_t)n;
			memcpy(r->seen[r->count++].data, buf, (size_t)n);
		}
		if (r->flip_next_up && n > 8) {
			buf[n / 2] ^= 0x10;
			r->flip_next_up = false;
		}
		send_to(r->back, &r->server, buf, (size_t)n);
		fl = sizeof(from);
	}
	while ((n = recv(r->back, buf, sizeof(buf), 0)) > 0) {
		if (r->count < RECORDED) {
			r->seen[r->count].upstream = false;
			r->seen[r->count].len = (uint32_t)n;
			memcpy(r->seen[r->count++].data, buf, (size_t)n);
		}
		if (r->has_client)
			send_to(r->front, &r->client, buf, (size_t)n);
	}
}

struct pair {
	ENetHost *server_host, *client_host;
	struct net_wire *server_wire, *client_wire;
	ENetPeer *server_peer, *client_peer;
	struct relay relay;
	int received;          /* packets the server got */
	char last[64];         /* the newest one */
	bool client_lost;      /* the client's peer was disconnected */
};

static struct pair *g_pair;

static int server_hook(ENetHost *host, ENetEvent *event)
{
	(void)event;
	return net_wire_receive(g_pair->server_wire, host, 1) == NET_WIRE_TO_ENET ? 0 : 1;
}

static int client_hook(ENetHost *host, ENetEvent *event)
{
	(void)event;
	return net_wire_receive(g_pair->client_wire, host, 1) == NET_WIRE_TO_ENET ? 0 : 1;
}

static void pump(struct pair *p, int ms)
{
	for (int t = 0; t < ms; t += 2) {
		ENetEvent ev;
		if (p->client_wire && net_wire_client_poll(p->client_wire, (uint64_t)t * 1000 + 1) ==
					      NET_WIRE_READY &&
		    !p->client_peer)
			p->client_peer = enet_host_connect(p->client_host, &p->relay.front_addr,
							   NET_CHANNEL_COUNT, 0);
		relay_pump(&p->relay);
		while (enet_host_service(p->server_host, &ev, 0) > 0) {
			if (ev.type == ENET_EVENT_TYPE_CONNECT)
				p->server_peer = ev.peer;
			if (ev.type == ENET_EVENT_TYPE_RECEIVE) {
				p->received++;
				snprintf(p->last, sizeof(p->last), "%.*s", (int)ev.packet->dataLength,
					 (const char *)ev.packet->data);
				enet_packet_destroy(ev.packet);
			}
		}
		relay_pump(&p->relay);
		while (p->client_host && enet_host_service(p->client_host, &ev, 0) > 0) {
			if (ev.type == ENET_EVENT_TYPE_DISCONNECT)
				p->client_lost = true;
			if (ev.type == ENET_EVENT_TYPE_RECEIVE)
				enet_packet_destroy(ev.packet);
		}
		nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
	}
}

static void pair_start(struct pair *p, const uint8_t *expect_pk, const uint8_t server_sk[32])
{
	memset(p, 0, sizeof(*p));
	g_pair = p;
	assert_int_equal(net_init(), CORE_OK);
	ENetAddress any = {.host = htonl(INADDR_LOOPBACK), .port = 0};
	p->server_host = enet_host_create(&any, 8, NET_CHANNEL_COUNT, 0, 0);
	assert_non_null(p->server_host);
	assert_int_equal(enet_socket_get_address(p->server_host->socket, &p->server_host->address), 0);
	assert_int_equal(net_wire_server_create(p->server_host, server_sk, 8, 8, &p->server_wire), CORE_OK);
	p->server_host->intercept = server_hook;
	p->relay.front = udp_socket(&p->relay.front_addr);
	ENetAddress back;
	p->relay.back = udp_socket(&back);
	p->relay.server = p->server_host->address;
	assert_int_equal(net_client_create(&p->client_host), CORE_OK);
	assert_int_equal(net_wire_client_create(p->client_host, &p->relay.front_addr, expect_pk,
						PROTO_VERSION, &p->client_wire),
			 CORE_OK);
	p->client_host->intercept = client_hook;
}

static void pair_stop(struct pair *p)
{
	if (p->client_host)
		enet_host_destroy(p->client_host);
	net_wire_destroy(p->client_wire);
	enet_host_destroy(p->server_host);
	net_wire_destroy(p->server_wire);
	close(p->relay.front);
	close(p->relay.back);
}

static void send_reliable(struct pair *p, const char *text)
{
	assert_int_equal(net_send(p->client_peer, NET_CH_CONTROL, text, (uint32_t)strlen(text)),
			 CORE_OK);
}

static bool contains(const uint8_t *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(hay + i, needle, k))
			return true;
	return false;
}

static void everything_after_the_handshake_is_sealed(void **state)
{
	(void)state;
	uint8_t pk[32], sk[32];
	assert_int_equal(net_server_keygen(pk, sk), CORE_OK);
	static struct pair p;
	pair_start(&p, pk, sk);
	pump(&p, 600);
	assert_non_null(p.server_peer);
	assert_int_equal(p.client_peer->state, ENET_PEER_STATE_CONNECTED);
	send_reliable(&p, "token of Ada Lovelace, room physics-101");
	pump(&p, 200);
	assert_int_equal(p.received, 1);
	assert_string_equal(p.last, "token of Ada Lovelace, room physics-101");

	/* On the wire: the REQUEST and CHALLENGE, then only sealed datagrams. */
	assert_true(p.relay.count > 4);
	assert_true(p.relay.seen[0].upstream);
	assert_int_equal(p.relay.seen[0].len, NET_WIRE_REQUEST_SIZE);
	assert_int_equal(p.relay.seen[0].data[1], NET_WIRE_REQUEST);
	for (int i = 1; i < p.relay.count; i++) {
		const uint8_t *d = p.relay.seen[i].data;
		assert_int_equal(d[0], NET_WIRE_MAGIC);
		if (!p.relay.seen[i].upstream && d[1] == NET_WIRE_CHALLENGE)
			assert_true(p.relay.seen[i].len <= NET_WIRE_REQUEST_SIZE);
		else
			assert_true(d[1] == NET_WIRE_SEALED || d[1] == NET_WIRE_CONNECT);
		assert_false(contains(d, p.relay.seen[i].len, "Ada Lovelace"));
	}
	const struct net_wire_stats *ss = net_wire_stats(p.server_wire);
	assert_int_equal(ss->handshakes, 1);
	assert_int_equal(ss->bad_tag, 0);

	/* A flipped bit: dropped and counted; ENet sends it again and it lands. */
	p.relay.flip_next_up = true;
	send_reliable(&p, "second");
	pump(&p, 1500);
	assert_true(ss->bad_tag >= 1);
	assert_int_equal(p.received, 2);
	assert_string_equal(p.last, "second");

	/* Replays of everything the client sent so far: all refused. */
	uint64_t replayed_before = ss->replayed;
	int sent_before = p.relay.count;
	for (int i = 0; i < sent_before; i++)
		if (p.relay.seen[i].upstream && p.relay.seen[i].data[1] != NET_WIRE_REQUEST)
			send_to(p.relay.back, &p.relay.server, p.relay.seen[i].data,
				p.relay.seen[i].len);
	pump(&p, 200);
	assert_true(ss->replayed + ss->bad_cookie > replayed_before);
	assert_int_equal(p.received, 2);

	/* Injected ENet commands from the client's own address (the relay's
	 * back socket): a DISCONNECT for every peer id and session, in clear. */
	uint64_t clear_before = ss->clear;
	for (int peer = 0; peer < 8; peer++) {
		for (int session = 0; session < 4; session++) {
			uint8_t dgram[8] = {(uint8_t)(peer >> 8 | session << 4), (uint8_t)peer, 0, 0,
					    0x84 /* DISCONNECT, acknowledge */, 0xff, 0, 1};
			send_to(p.relay.back, &p.relay.server, dgram, sizeof(dgram));
		}
	}
	pump(&p, 300);
	assert_int_equal(ss->clear - clear_before, 32);
	assert_int_equal(p.server_peer->state, ENET_PEER_STATE_CONNECTED);
	assert_false(p.client_lost);
	send_reliable(&p, "still here");
	pump(&p, 300);
	assert_string_equal(p.last, "still here");
	pair_stop(&p);
}

/* The same with ChaCha20-Poly1305, the cipher of machines without AES-NI
 * (Quest, Pico): the client says it has no AES, the server follows. */
static void the_chacha_path_seals_too(void **state)
{
	(void)state;
	uint8_t pk[32], sk[32];
	assert_int_equal(net_server_keygen(pk, sk), CORE_OK);
	setenv("LYCEUM_WIRE_CHACHA", "1", 1);
	static struct pair p;
	pair_start(&p, pk, sk);
	pump(&p, 600);
	unsetenv("LYCEUM_WIRE_CHACHA");
	assert_non_null(p.server_peer);
	send_reliable(&p, "over chacha");
	pump(&p, 200);
	assert_string_equal(p.last, "over chacha");
	/* The CHALLENGE named ChaCha (its last byte). */
	bool named = false;
	for (int i = 0; i < p.relay.count; i++)
		if (!p.relay.seen[i].upstream && p.relay.seen[i].data[1] == NET_WIRE_CHALLENGE)
			named = p.relay.seen[i].data[NET_WIRE_CHALLENGE_SIZE - 1] == NET_WIRE_CHACHA;
	assert_true(named);
	pair_stop(&p);
}

static void a_server_without_the_token_key_is_not_believed(void **state)
{
	(void)state;
	uint8_t pk[32], sk[32], other_pk[32], other_sk[32];
	assert_int_equal(net_server_keygen(pk, sk), CORE_OK);
	assert_int_equal(net_server_keygen(other_pk, other_sk), CORE_OK);
	static struct pair p;
	pair_start(&p, pk, other_sk); /* the token names pk; this server holds another key */
	/* A CHALLENGE that does not fit fails the handshake only if no fitting
	 * one follows within 1.5 s (it may be someone else's, racing the
	 * server's). */
	pump(&p, 600);
	assert_int_equal(net_wire_client_poll(p.client_wire, 700000), NET_WIRE_PENDING);
	assert_int_equal(net_wire_client_poll(p.client_wire, 2000000), NET_WIRE_FAILED);
	assert_non_null(strstr(net_wire_error(p.client_wire), "not the server the token was made for"));
	assert_null(p.client_peer);
	/* Nothing but the REQUEST left the client. */
	for (int i = 0; i < p.relay.count; i++)
		if (p.relay.seen[i].upstream)
			assert_int_equal(p.relay.seen[i].data[1], NET_WIRE_REQUEST);
	pair_stop(&p);
}

static void a_connect_with_a_forged_cookie_costs_nothing(void **state)
{
	(void)state;
	uint8_t pk[32], sk[32];
	assert_int_equal(net_server_keygen(pk, sk), CORE_OK);
	static struct pair p;
	pair_start(&p, NULL, sk);
	/* A CONNECT with a random cookie, from an address that never asked. */
	uint8_t forged[NET_WIRE_CONNECT_HEADER + 40 + NET_WIRE_TAG];
	for (size_t i = 0; i < sizeof(forged); i++)
		forged[i] = (uint8_t)(i * 37 + 11);
	forged[0] = NET_WIRE_MAGIC;
	forged[1] = NET_WIRE_CONNECT;
	for (int i = 0; i < 100; i++)
		send_to(p.relay.back, &p.relay.server, forged, sizeof(forged));
	/* A REQUEST of the wrong size: no answer at all. */
	uint8_t small[40] = {NET_WIRE_MAGIC, NET_WIRE_REQUEST};
	send_to(p.relay.back, &p.relay.server, small, sizeof(small));
	pump(&p, 600);
	const struct net_wire_stats *ss = net_wire_stats(p.server_wire);
	assert_int_equal(ss->bad_cookie, 100);
	/* The honest client beside them got in; the forgeries made nothing. */
	assert_int_equal(ss->handshakes, 1);
	assert_int_equal(ss->requests, 1);
	assert_non_null(p.server_peer);
	pair_stop(&p);
}

static void forged_challenges_racing_the_server_cost_a_moment(void **state)
{
	(void)state;
	uint8_t pk[32], sk[32];
	assert_int_equal(net_server_keygen(pk, sk), CORE_OK);
	static struct pair p;
	pair_start(&p, pk, sk);
	p.relay.forge_with = pk;
	p.relay.forgeries = 6;
	/* Six forgeries arrive first, more than the client keeps: the real
	 * answer, last, takes the oldest one's place. The client sends its
	 * CONNECT under each kept answer in turn as ENet resends it (0.5, 1.5,
	 * 3.5 s); the server drops the forged ones (their cookies are not its
	 * own) and the real one opens. */
	pump(&p, 6000);
	assert_non_null(p.server_peer);
	assert_int_equal(p.client_peer->state, ENET_PEER_STATE_CONNECTED);
	assert_true(net_wire_stats(p.server_wire)->bad_cookie >= 1);
	send_reliable(&p, "still private");
	pump(&p, 200);
	assert_int_equal(p.received, 1);
	assert_string_equal(p.last, "still private");
	pair_stop(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(everything_after_the_handshake_is_sealed),
		cmocka_unit_test(the_chacha_path_seals_too),
		cmocka_unit_test(a_server_without_the_token_key_is_not_believed),
		cmocka_unit_test(a_connect_with_a_forged_cookie_costs_nothing),
		cmocka_unit_test(forged_challenges_racing_the_server_cost_a_moment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
