/* State datagrams on real sockets over loopback: the header, batches out
 * and in, and the server's two sockets on one port with the kernel steering
 * by the first bytes. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/net.h"
#include "proto/registry.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int udp_socket(ENetAddress *bound)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t len = sizeof(a);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	bound->host = a.sin_addr.s_addr;
	bound->port = ntohs(a.sin_port);
	return fd;
}

static bool readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms) > 0;
}

static void state_datagrams_are_recognised_by_their_first_bytes(void **state)
{
	(void)state;
	uint8_t buf[NET_WIRE_STATE_OVERHEAD] = {0x7f, 0xff, 0xff, 0x0f};
	uint16_t id;
	assert_true(net_state_peek(buf, sizeof(buf), &id));
	assert_int_equal(id, 4095);
	assert_false(net_state_peek(buf, sizeof(buf) - 1, &id)); /* no room for the tag */
	buf[1] = 0xfe;
	assert_false(net_state_peek(buf, sizeof(buf), &id));
	/* What ENet sends never starts so: a connect is peer 0xFFF without
	 * the compressed flag. */
	const uint8_t enet_connect[NET_WIRE_STATE_OVERHEAD] = {0x8f, 0xff, 0, 0, 0x82, 0xff, 0, 1};
	assert_false(net_state_peek(enet_connect, sizeof(enet_connect), &id));
}

static void batches_go_out_and_come_in_whole(void **state)
{
	(void)state;
	ENetAddress a_addr, b_addr;
	int a = udp_socket(&a_addr), b = udp_socket(&b_addr);
	struct net_batch out, in;
	assert_int_equal(net_batch_init(&out, 16), CORE_OK);
	assert_int_equal(net_batch_init(&in, 8), CORE_OK);
	/* 40 datagrams through a batch of 16: it sends itself when full. */
	for (int i = 0; i < 40; i++) {
		uint8_t *d = net_batch_next(&out, a);
		uint32_t len = NET_WIRE_STATE_OVERHEAD + 1 + (uint32_t)i * 30;
		memset(d, i, len);
		d[0] = 0x7f;
		d[1] = 0xff;
		d[2] = (uint8_t)i;
		d[3] = 0;
		net_batch_push(&out, &b_addr, len);
	}
	net_batch_send(&out, a);
	assert_int_equal(out.sent, 40);
	assert_int_equal(out.dropped, 0);
	int got = 0;
	while (got < 40 && readable(b, 2000)) {
		int n = net_batch_receive(&in, b);
		assert_true(n > 0 && n <= 8);
		for (int k = 0; k < n; k++, got++) {
			uint16_t id;
			assert_true(net_state_peek(net_batch_data(&in, k), in.len[k], &id));
			assert_int_equal(id, got);
			assert_int_equal(in.len[k], NET_WIRE_STATE_OVERHEAD + 1 + (uint32_t)got * 30);
			assert_int_equal(net_batch_data(&in, k)[in.len[k] - 1], got);
			assert_true(net_address_equal(&in.addr[k], &a_addr));
		}
	}
	assert_int_equal(got, 40);
	assert_int_equal(net_batch_receive(&in, b), 0); /* empty: no wait */
	/* Longer than any state datagram: read as length 0, which nobody takes. */
	static uint8_t big[NET_STATE_MAX + 100];
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(b_addr.port),
				 .sin_addr.s_addr = b_addr.host};
	assert_true(sendto(a, big, sizeof(big), 0, (struct sockaddr *)&to, sizeof(to)) > 0);
	assert_true(readable(b, 2000));
	assert_int_equal(net_batch_receive(&in, b), 1);
	assert_int_equal(in.len[0], 0);
	net_batch_fini(&out);
	net_batch_fini(&in);
	close(a);
	close(b);
}

static void the_server_port_steers_state_datagrams_to_their_socket(void **state)
{
	(void)state;
	assert_int_equal(net_init(), CORE_OK);
	ENetHost *host;
	int state_fd;
	assert_int_equal(net_server_create("127.0.0.1", 0, 8, true, &host, &state_fd), CORE_OK);
	if (state_fd < 0) {
		print_message("no SO_REUSEPORT steering on this system: one socket\n");
		enet_host_destroy(host);
		skip();
	}
	assert_true(host->address.port != 0);
	/* A second server on the port is refused, not quietly given half of it. */
	ENetHost *again;
	int again_fd;
	assert_int_equal(net_server_create("127.0.0.1", host->address.port, 8, true, &again,
					   &again_fd),
			 CORE_ERR_IO);

	ENetAddress me, server = {.host = htonl(INADDR_LOOPBACK), .port = host->address.port};
	int c = udp_socket(&me);
	uint8_t state_dgram[NET_WIRE_STATE_OVERHEAD + 3] = {0x7f, 0xff, 7, 0};
	const uint8_t other[] = {0x7f, 0x00, 1, 2, 3}, tiny[] = {0x7f};
	for (int i = 0; i < 5; i++) {
		assert_int_equal(net_state_send(c, &server, state_dgram, sizeof(state_dgram)), CORE_OK);
		ENetBuffer b1 = {.data = (void *)other, .dataLength = sizeof(other)};
		ENetBuffer b2 = {.data = (void *)tiny, .dataLength = sizeof(tiny)};
		assert_true(enet_socket_send(c, &server, &b1, 1) > 0);
		assert_true(enet_socket_send(c, &server, &b2, 1) > 0);
	}
	struct net_batch in;
	assert_int_equal(net_batch_init(&in, 32), CORE_OK);
	int state_got = 0, enet_got = 0;
	for (int tries = 0; tries < 100 && (state_got < 5 || enet_got < 10); tries++) {
		(void)readable(state_fd, 20);
		int n = net_batch_receive(&in, state_fd);
		for (int k = 0; k < n; k++) {
			assert_int_equal(in.len[k], sizeof(state_dgram));
			assert_true(net_address_equal(&in.addr[k], &me));
		}
		state_got += CORE_MAX(n, 0);
		n = net_batch_receive(&in, host->socket);
		for (int k = 0; k < n; k++)
			assert_true(in.len[k] == sizeof(other) || in.len[k] == sizeof(tiny));
		enet_got += CORE_MAX(n, 0);
	}
	assert_int_equal(state_got, 5);
	assert_int_equal(enet_got, 10);
	net_batch_fini(&in);
	close(c);
	close(state_fd);
	enet_host_destroy(host);
}

/* ENet's packet limit holds the largest message of every type that travels
 * through ENet, and a state datagram holds the largest datagram message. */
static void limits_hold_every_registered_message(void **state)
{
	(void)state;
	for (int t = 1; t < PROTO_MSG_TYPE_COUNT; t++) {
		const struct proto_msg_spec *s = proto_msg_spec((uint8_t)t);
		assert_non_null(s);
		if (s->path == PROTO_PATH_DATAGRAM)
			assert_true(NET_WIRE_STATE_OVERHEAD + s->max_size <= NET_STATE_MAX);
		else
			assert_true(s->max_size <= NET_MAX_MESSAGE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(state_datagrams_are_recognised_by_their_first_bytes),
		cmocka_unit_test(batches_go_out_and_come_in_whole),
		cmocka_unit_test(the_server_port_steers_state_datagrams_to_their_socket),
		cmocka_unit_test(limits_hold_every_registered_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
