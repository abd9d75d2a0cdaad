/* lyceum-netsim: a UDP proxy between clients and a server that adds delay,
 * jitter, loss, duplication, reordering and a bandwidth cap, each direction
 * on its own, all from one seed. Each client gets its own upstream socket,
 * so the server sees distinct peers. Stops on SIGINT/SIGTERM or after
 * --seconds and prints what it did as one JSON line. */
#include "core/core.h"
#include "plat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CLIENTS 4096
#define MAX_QUEUED 65536
#define MAX_DATAGRAM 2048
#define IDLE_EXPIRY_US 30000000ull

static const char usage[] =
	"usage: lyceum-netsim --server HOST:PORT [flags]\n"
	"  --listen ADDR:PORT   where clients connect (default 127.0.0.1:7778; port 0 picks one)\n"
	"  --server HOST:PORT   the real server\n"
	"  --delay MS           one-way delay added in each direction (default 0)\n"
	"  --jitter MS          +- uniform jitter on that delay, order kept (default 0)\n"
	"  --loss PCT           packets dropped, each direction (default 0)\n"
	"  --dup PCT            packets sent twice (default 0)\n"
	"  --reorder PCT        packets held back 2 x jitter + 5 ms so later ones pass (default 0)\n"
	"  --rate KBPS          bandwidth cap per client and direction, kilobits/s (default none)\n"
	"  --corrupt PCT        packets with one bit flipped (an attacker on the path; default 0)\n"
	"  --replay PCT         packets followed by a copy of one sent up to 64 packets before\n"
	"                       (default 0)\n"
	"  --inject PCT         packets followed by a forged ENet DISCONNECT in clear, as if from\n"
	"                       the same sender (default 0)\n"
	"  --seed N             seed of every random choice, a stream a direction (default 1)\n"
	"  --seconds S          stop by itself after S seconds (default: on SIGINT/SIGTERM)\n"
	"  --change-at S        after S seconds the link changes (a student walking away from\n"
	"                       the access point) to:\n"
	"  --then-delay MS      the one-way delay from then on (default: unchanged)\n"
	"  --then-loss PCT      the loss from then on (default: unchanged)\n"
	"Prints LISTENING udp ADDR:PORT when ready and a JSON summary when it stops.\n";

struct options {
	char listen[128], server[128];
	double delay_ms, jitter_ms, loss, dup, reorder, rate_kbps, seconds;
	double corrupt, replay, inject; /* an attacker on the path */
	double change_at_s, then_delay_ms, then_loss; /* < 0: unchanged */
	uint32_t seed;
};

struct direction_stats {
	uint64_t passed, dropped, duplicated, reordered, overflow, bytes;
	uint64_t corrupted, replayed, injected;
};

/* The last packets each way, for --replay: any of them may come again. */
#define REPLAY_RING 64
static struct {
	int client;
	uint16_t len;
	uint8_t data[MAX_DATAGRAM];
} replay_ring[2][REPLAY_RING];
static uint32_t replay_count[2];

struct client {
	bool used;
	struct sockaddr_in addr; /* the client's address */
	int fd;                  /* upstream socket to the server */
	uint64_t last_us;
	uint64_t free_at_us[2];  /* bandwidth cap: when each direction's link is next free */
	uint64_t last_due_us[2]; /* FIFO: no packet overtakes another unless reordered */
};

struct packet {
	uint64_t due_us;
	uint32_t order;
	int client;
	int dir; /* 0: to server, 1: to client */
	uint16_t len;
	uint8_t data[MAX_DATAGRAM];
};

static struct client clients[MAX_CLIENTS];
static struct packet *heap[MAX_QUEUED];
static int heap_len;
static struct packet *pool;
static int free_list[MAX_QUEUED], free_len;
/* One random stream a direction: how much one direction carries (an ack
 * more or less, as timing goes) never moves the other's losses. */
static uint32_t rng[2];
static uint32_t order_counter;
static struct direction_stats stats[2];

static double rnd01(int dir)
{
	uint32_t z = (rng[dir] += 0x6d2b79f5u);
	z = (z ^ (z >> 15)) * (z | 1u);
	z ^= z + (z ^ (z >> 7)) * (z | 61u);
	return (double)(z ^ (z >> 14)) / 4294967296.0;
}

static bool earlier(const struct packet *a, const struct packet *b)
{
	return a->due_us != b->due_us ? a->due_us < b->due_us : a->order < b->order;
}

static void heap_push(struct packet *p)
{
	int i = heap_len++;
	heap[i] = p;
	while (i > 0 && earlier(heap[i], heap[(i - 1) / 2])) {
		struct packet *t = heap[i];
		heap[i] = heap[(i - 1) / 2];
		heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

static struct packet *heap_pop(void)
{
	struct packet *top = heap[0];
	heap[0] = heap[--heap_len];
	for (int i = 0;;) {
		int l = 2 * i + 1, r = l + 1, m = i;
		if (l < heap_len && earlier(heap[l], heap[m]))
			m = l;
		if (r < heap_len && earlier(heap[r], heap[m]))
			m = r;
		if (m == i)
			break;
		struct packet *t = heap[i];
		heap[i] = heap[m];
		heap[m] = t;
		i = m;
	}
	return top;
}

static bool parse_addr(const char *text, struct sockaddr_in *out)
{
	char host[128];
	const char *colon = strrchr(text, ':');
	if (!colon)
		return false;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - text), text);
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host[0] ? host : "127.0.0.1", &out->sin_addr) == 1)
		return true;
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM}, *res;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return false;
	out->sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return true;
}

static void schedule_one(int client, int dir, const uint8_t *data, uint16_t len,
			 const struct options *o, uint64_t now);

/* What an attacker on the path adds: a copy of an earlier packet, or a
 * forged ENet DISCONNECT (any peer id and session) in clear. */
static void attack(int client, int dir, const struct options *o, uint64_t now)
{
	struct direction_stats *st = &stats[dir];
	if (o->replay > 0 && replay_count[dir] && rnd01(dir) * 100.0 < o->replay) {
		uint32_t n = replay_count[dir] < REPLAY_RING ? replay_count[dir] : REPLAY_RING;
		uint32_t k = (uint32_t)(rnd01(dir) * n) % n;
		st->replayed++;
		schedule_one(replay_ring[dir][k].client, dir, replay_ring[dir][k].data,
			     replay_ring[dir][k].len, o, now);
	}
	if (o->inject > 0 && rnd01(dir) * 100.0 < o->inject) {
		uint32_t r = (uint32_t)(rnd01(dir) * 65536.0);
		const uint8_t disconnect[8] = {(uint8_t)((r >> 8 & 0x0f) | (r & 0x30)), (uint8_t)r,
					       0, 0, 0x84, 0xff, 0, 1};
		st->injected++;
		schedule_one(client, dir, disconnect, sizeof(disconnect), o, now);
	}
}

static void schedule(int client, int dir, const uint8_t *data, uint16_t len,
		     const struct options *o, uint64_t now)
{
	if (o->replay > 0 && len <= MAX_DATAGRAM) {
		uint32_t k = replay_count[dir]++ % REPLAY_RING;
		replay_ring[dir][k].client = client;
		replay_ring[dir][k].len = len;
		memcpy(replay_ring[dir][k].data, data, len);
	}
	uint8_t copy[MAX_DATAGRAM];
	if (o->corrupt > 0 && len && rnd01(dir) * 100.0 < o->corrupt) {
		memcpy(copy, data, len);
		uint32_t bit = (uint32_t)(rnd01(dir) * len * 8.0) % (len * 8u);
		copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		stats[dir].corrupted++;
		data = copy;
	}
	schedule_one(client, dir, data, len, o, now);
	attack(client, dir, o, now);
}

static void schedule_one(int client, int dir, const uint8_t *data, uint16_t len,
			 const struct options *o, uint64_t now)
{
	struct direction_stats *st = &stats[dir];
	if (rnd01(dir) * 100.0 < o->loss) {
		st->dropped++;
		return;
	}
	int copies = rnd01(dir) * 100.0 < o->dup ? 2 : 1;
	st->duplicated += (uint64_t)(copies - 1);
	struct client *c = &clients[client];
	for (int k = 0; k < copies; k++) {
		if (!free_len) {
			st->overflow++;
			return;
		}
		struct packet *p = &pool[free_list[--free_len]];
		double delay = o->delay_ms + (rnd01(dir) * 2.0 - 1.0) * o->jitter_ms;
		uint64_t due = now + (uint64_t)(delay > 0 ? delay * 1000.0 : 0);
		if (o->rate_kbps > 0) {
			/* Serialisation on a link of that rate, queued behind earlier packets. */
			uint64_t start = c->free_at_us[dir] > now ? c->free_at_us[dir] : now;
			c->free_at_us[dir] = start + (uint64_t)(len * 8.0 / o->rate_kbps * 1000.0);
			due += c->free_at_us[dir] - now;
		}
		if (rnd01(dir) * 100.0 < o->reorder) {
			due += (uint64_t)((2.0 * o->jitter_ms + 5.0) * 1000.0);
			st->reordered++;
		} else {
			if (due < c->last_due_us[dir])
				due = c->last_due_us[dir];
			c->last_due_us[dir] = due;
		}
		p->due_us = due;
		p->order = order_counter++;
		p->client = client;
		p->dir = dir;
		p->len = len;
		memcpy(p->data, data, len);
		heap_push(p);
	}
}

static int client_for(const struct sockaddr_in *from, uint64_t now)
{
	int free_slot = -1;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &clients[i];
		if (c->used && c->addr.sin_addr.s_addr == from->sin_addr.s_addr &&
		    c->addr.sin_port == from->sin_port)
			return i;
		if (c->used && now - c->last_us > IDLE_EXPIRY_US) {
			close(c->fd);
			c->used = false;
		}
		if (!c->used && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return -1;
	struct client *c = &clients[free_slot];
	memset(c, 0, sizeof(*c));
	c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return -1;
	c->used = true;
	c->addr = *from;
	c->last_us = now;
	return free_slot;
}

static bool parse_options(struct options *o, int argc, char **argv)
{
	*o = (struct options){.seed = 1, .change_at_s = -1, .then_delay_ms = -1, .then_loss = -1};
	strcpy(o->listen, "127.0.0.1:7778");
	for (int i = 1; i < argc; i++) {
		const char *f = argv[i];
		if (!strcmp(f, "--help")) {
			fputs(usage, stdout);
			exit(0);
		}
		if (i + 1 >= argc) {
			fprintf(stderr, core_usage_lists(usage, f) ? "lyceum-netsim: %s needs a value\n%s"
								  : "lyceum-netsim: unknown flag %s\n%s",
				f, usage);
			return false;
		}
		const char *v = argv[++i];
		char *end;
		double d = strtod(v, &end);
		bool number = v[0] && !*end && d >= 0;
		if (!strcmp(f, "--listen"))
			snprintf(o->listen, sizeof(o->listen), "%s", v);
		else if (!strcmp(f, "--server"))
			snprintf(o->server, sizeof(o->server), "%s", v);
		else if (!number) {
			fprintf(stderr, "lyceum-netsim: %s '%s' must be a number >= 0\n", f, v);
			return false;
		} else if (!strcmp(f, "--delay"))
			o->delay_ms = d;
		else if (!strcmp(f, "--jitter"))
			o->jitter_ms = d;
		else if (!strcmp(f, "--loss"))
			o->loss = d;
		else if (!strcmp(f, "--dup"))
			o->dup = d;
		else if (!strcmp(f, "--reorder"))
			o->reorder = d;
		else if (!strcmp(f, "--corrupt"))
			o->corrupt = d;
		else if (!strcmp(f, "--replay"))
			o->replay = d;
		else if (!strcmp(f, "--inject"))
			o->inject = d;
		else if (!strcmp(f, "--rate"))
			o->rate_kbps = d;
		else if (!strcmp(f, "--seed"))
			o->seed = (uint32_t)d;
		else if (!strcmp(f, "--seconds"))
			o->seconds = d;
		else if (!strcmp(f, "--change-at"))
			o->change_at_s = d;
		else if (!strcmp(f, "--then-delay"))
			o->then_delay_ms = d;
		else if (!strcmp(f, "--then-loss"))
			o->then_loss = d;
		else {
			fprintf(stderr, "lyceum-netsim: unknown flag %s\n%s", f, usage);
			return false;
		}
	}
	if (!o->server[0]) {
		fprintf(stderr, "lyceum-netsim: --server HOST:PORT is required\n%s", usage);
		return false;
	}
	if ((o->then_delay_ms >= 0 || o->then_loss >= 0) != (o->change_at_s >= 0)) {
		fprintf(stderr, "lyceum-netsim: --change-at S goes with --then-delay or --then-loss\n");
		return false;
	}
	if (o->loss > 100 || o->then_loss > 100 || o->dup > 100 || o->reorder > 100 ||
	    o->corrupt > 100 || o->replay > 100 || o->inject > 100) {
		fprintf(stderr, "lyceum-netsim: percentages run 0 to 100\n");
		return false;
	}
	return true;
}

static void print_stats(const struct options *o, double ran_s)
{
	const char *names[2] = {"to_server", "to_client"};
	printf("{\"event\":\"netsim\",\"seconds\":%.2f,\"seed\":%u", ran_s, o->seed);
	for (int d = 0; d < 2; d++)
		printf(",\"%s\":{\"passed\":%llu,\"dropped\":%llu,\"duplicated\":%llu,"
		       "\"reordered\":%llu,\"overflow\":%llu,\"bytes\":%llu,\"corrupted\":%llu,"
		       "\"replayed\":%llu,\"injected\":%llu}",
		       names[d], (unsigned long long)stats[d].passed,
		       (unsigned long long)stats[d].dropped, (unsigned long long)stats[d].duplicated,
		       (unsigned long long)stats[d].reordered, (unsigned long long)stats[d].overflow,
		       (unsigned long long)stats[d].bytes, (unsigned long long)stats[d].corrupted,
		       (unsigned long long)stats[d].replayed, (unsigned long long)stats[d].injected);
	printf("}\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct options o;
	if (!parse_options(&o, argc, argv))
		return 2;
	struct sockaddr_in listen_addr, server_addr;
	if (!parse_addr(o.listen, &listen_addr) || !parse_addr(o.server, &server_addr)) {
		fprintf(stderr, "lyceum-netsim: cannot resolve %s or %s\n", o.listen, o.server);
		return 2;
	}
	rng[0] = o.seed;
	rng[1] = o.seed ^ 0x9e3779b9u;
	pool = calloc(MAX_QUEUED, sizeof(*pool));
	if (!pool)
		return 1;
	for (int i = 0; i < MAX_QUEUED; i++)
		free_list[free_len++] = MAX_QUEUED - 1 - i;
	int lfd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&listen_addr, sizeof(listen_addr)) != 0) {
		fprintf(stderr, "lyceum-netsim: cannot listen on %s: %s\n", o.listen, strerror(errno));
		return 1;
	}
	socklen_t alen = sizeof(listen_addr);
	getsockname(lfd, (struct sockaddr *)&listen_addr, &alen);
	char ip[64];
	inet_ntop(AF_INET, &listen_addr.sin_addr, ip, sizeof(ip));
	printf("LISTENING udp %s:%u -> %s\n", ip, ntohs(listen_addr.sin_port), o.server);
	fflush(stdout);
	plat_install_stop_handler();
	plat_raise_fd_limit();

	static struct pollfd fds[MAX_CLIENTS + 1];
	static int fd_client[MAX_CLIENTS + 1];
	uint8_t buf[MAX_DATAGRAM];
	uint64_t start = plat_time_us();
	uint64_t stop_at = o.seconds > 0 ? start + (uint64_t)(o.seconds * 1e6) : UINT64_MAX;
	uint64_t change_at = o.change_at_s >= 0 ? start + (uint64_t)(o.change_at_s * 1e6) : UINT64_MAX;
	while (!plat_stop_requested() && plat_time_us() < stop_at) {
		if (plat_time_us() >= change_at) {
			if (o.then_delay_ms >= 0)
				o.delay_ms = o.then_delay_ms;
			if (o.then_loss >= 0)
				o.loss = o.then_loss;
			fprintf(stderr, "lyceum-netsim: at %.1f s the link changes: delay %.0f ms, loss %.1f%%\n",
				o.change_at_s, o.delay_ms, o.loss);
			change_at = UINT64_MAX;
		}
		int n = 0;
		fds[n] = (struct pollfd){.fd = lfd, .events = POLLIN};
		fd_client[n++] = -1;
		for (int i = 0; i < MAX_CLIENTS; i++) {
			if (!clients[i].used)
				continue;
			fds[n] = (struct pollfd){.fd = clients[i].fd, .events = POLLIN};
			fd_client[n++] = i;
		}
		uint64_t now = plat_time_us();
		int wait_ms = 50;
		if (heap_len)
			wait_ms = heap[0]->due_us <= now ? 0 : (int)((heap[0]->due_us - now + 999) / 1000);
		wait_ms = wait_ms > 50 ? 50 : wait_ms;
		if (poll(fds, (nfds_t)n, wait_ms) < 0 && errno != EINTR)
			break;
		now = plat_time_us();
		for (int k = 0; k < n; k++) {
			if (!(fds[k].revents & POLLIN))
				continue;
			for (int burst = 0; burst < 256; burst++) {
				struct sockaddr_in from;
				socklen_t flen = sizeof(from);
				ssize_t got = recvfrom(fds[k].fd, buf, sizeof(buf), 0,
						       (struct sockaddr *)&from, &flen);
				if (got < 0)
					break;
				if (fd_client[k] < 0) {
					int c = client_for(&from, now);
					if (c >= 0) {
						clients[c].last_us = now;
						schedule(c, 0, buf, (uint16_t)got, &o, now);
					}
				} else {
					schedule(fd_client[k], 1, buf, (uint16_t)got, &o, now);
				}
			}
		}
		while (heap_len && heap[0]->due_us <= now) {
			struct packet *p = heap_pop();
			struct client *c = &clients[p->client];
			if (c->used) {
				ssize_t sent = p->dir == 0
						       ? sendto(c->fd, p->data, p->len, 0,
								(struct sockaddr *)&server_addr, sizeof(server_addr))
						       : sendto(lfd, p->data, p->len, 0,
								(struct sockaddr *)&c->addr, sizeof(c->addr));
				if (sent == p->len) {
					stats[p->dir].passed++;
					stats[p->dir].bytes += p->len;
				}
			}
			free_list[free_len++] = (int)(p - pool);
		}
	}
	print_stats(&o, (double)(plat_time_us() - start) / 1e6);
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].used)
			close(clients[i].fd);
	close(lfd);
	free(pool);
	return 0;
}
