/*
 * lyceum-udp-floor: what the kernel alone charges a sender per UDP datagram
 * on this machine and link, for make bench's voice section. It sends what
 * a voice forwarder must send (one datagram per frame per listener) with
 * nothing else: no receiving, no crypto, no bookkeeping. A forwarder cannot
 * cost less per forwarded frame than this, unless it sends fewer datagrams.
 *
 *   lyceum-udp-floor sink --bind ADDR --port P --sockets N --seconds S
 *     N sockets on ports P..P+N-1 that read and drop what arrives, for S
 *     seconds (the listeners).
 *   lyceum-udp-floor send --to ADDR --port P --sockets N --batches-per-s R
 *         --bytes B --seconds S
 *     R times a second (on an absolute clock, as frames arrive), one
 *     sendmmsg of N datagrams of B bytes, one to each sink socket; prints
 *     one JSON line: datagrams sent, the sender's CPU (getrusage: user and
 *     kernel, with the wake-ups between batches) per datagram, and the
 *     thread's CPU inside sendmmsg alone per datagram (the send path: the
 *     least a datagram costs however busy the sender is).
 * Both stop by themselves after S seconds.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SOCKETS 1024
#define MAX_BYTES 1400

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double cpu_s(void)
{
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec / 1e6 +
	       (double)u.ru_stime.tv_sec + (double)u.ru_stime.tv_usec / 1e6;
}

/* This thread's CPU time (user and kernel), ns. */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int usage(const char *why)
{
	fprintf(stderr,
		"lyceum-udp-floor: %s\n"
		"usage: lyceum-udp-floor sink --bind ADDR --port P --sockets N --seconds S\n"
		"       lyceum-udp-floor send --to ADDR --port P --sockets N --batches-per-s R "
		"--bytes B --seconds S\n",
		why);
	return 2;
}

static int sink(const char *addr, int port, int n, double seconds)
{
	static int fds[MAX_SOCKETS];
	static struct pollfd pfd[MAX_SOCKETS];
	for (int i = 0; i < n; i++) {
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)(port + i))};
		if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
			return usage("--bind must be an IPv4 address");
		fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			fprintf(stderr, "lyceum-udp-floor: cannot bind %s:%d: %s\n", addr, port + i,
				strerror(errno));
			return 1;
		}
		pfd[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
	}
	printf("{\"event\":\"listening\",\"sockets\":%d}\n", n);
	fflush(stdout);
	uint64_t end = now_ns() + (uint64_t)(seconds * 1e9);
	uint64_t got = 0;
	static char buf[64][MAX_BYTES];
	struct mmsghdr msgs[64];
	struct iovec iov[64];
	while (now_ns() < end) {
		if (poll(pfd, (nfds_t)n, 100) <= 0)
			continue;
		for (int i = 0; i < n; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			for (int k = 0; k < 64; k++) {
				iov[k] = (struct iovec){buf[k], MAX_BYTES};
				msgs[k] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[k], .msg_iovlen = 1}};
			}
			int r = recvmmsg(fds[i], msgs, 64, MSG_DONTWAIT, NULL);
			got += r > 0 ? (uint64_t)r : 0;
		}
	}
	printf("{\"event\":\"done\",\"received\":%llu}\n", (unsigned long long)got);
	return 0;
}

static int send_batches(const char *addr, int port, int n, double rate, int bytes, double seconds)
{
	static struct sockaddr_in to[MAX_SOCKETS];
	static struct mmsghdr msgs[MAX_SOCKETS];
	static struct iovec iov[MAX_SOCKETS];
	static char payload[MAX_BYTES];
	memset(payload, 0x5a, sizeof(payload));
	for (int i = 0; i < n; i++) {
		to[i] = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)(port + i))};
		if (inet_pton(AF_INET, addr, &to[i].sin_addr) != 1)
			return usage("--to must be an IPv4 address");
	}
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		perror("lyceum-udp-floor: socket");
		return 1;
	}
	int sndbuf = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	uint64_t period = (uint64_t)(1e9 / rate), start = now_ns();
	uint64_t batches = (uint64_t)(seconds * rate), sent = 0, refused = 0;
	double cpu0 = cpu_s();
	uint64_t in_send_ns = 0;
	for (uint64_t b = 0; b < batches; b++) {
		uint64_t due = start + b * period;
		struct timespec ts = {.tv_sec = (time_t)(due / 1000000000ull),
				      .tv_nsec = (long)(due % 1000000000ull)};
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		for (int i = 0; i < n; i++) {
			iov[i] = (struct iovec){payload, (size_t)bytes};
			msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_name = &to[i], .msg_namelen = sizeof(to[i]),
							       .msg_iov = &iov[i], .msg_iovlen = 1}};
		}
		uint64_t t0 = thread_cpu_ns();
		for (int next = 0; next < n;) {
			int r = sendmmsg(fd, msgs + next, (unsigned)(n - next), 0);
			if (r > 0) {
				next += r;
				sent += (uint64_t)r;
			} else if (r < 0 && errno == EINTR) {
				continue;
			} else {
				refused += (uint64_t)(n - next);
				break;
			}
		}
		in_send_ns += thread_cpu_ns() - t0;
	}
	double cpu = cpu_s() - cpu0, wall = (double)(now_ns() - start) / 1e9;
	printf("{\"event\":\"result\",\"datagrams\":%llu,\"refused\":%llu,\"bytes\":%d,"
	       "\"per_s\":%.0f,\"cpu_s\":%.4f,\"cpu_us_per_datagram\":%.3f,"
	       "\"in_sendmmsg_us_per_datagram\":%.3f}\n",
	       (unsigned long long)sent, (unsigned long long)refused, bytes, (double)sent / wall, cpu,
	       sent ? cpu * 1e6 / (double)sent : 0.0,
	       sent ? (double)in_send_ns / 1e3 / (double)sent : 0.0);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "sink") && strcmp(argv[1], "send")))
		return usage("the first word is sink or send");
	const char *addr = NULL;
	int port = 0, n = 0, bytes = 0;
	double rate = 0, seconds = 0;
	for (int i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			return usage("every flag takes a value");
		const char *f = argv[i], *v = argv[++i];
		if (!strcmp(f, "--bind") || !strcmp(f, "--to"))
			addr = v;
		else if (!strcmp(f, "--port"))
			port = atoi(v);
		else if (!strcmp(f, "--sockets"))
			n = atoi(v);
		else if (!strcmp(f, "--batches-per-s"))
			rate = atof(v);
		else if (!strcmp(f, "--bytes"))
			bytes = atoi(v);
		else if (!strcmp(f, "--seconds"))
			seconds = atof(v);
		else
			return usage("unknown flag");
	}
	if (!addr || port < 1 || n < 1 || n > MAX_SOCKETS || port + n > 65535 || seconds <= 0 ||
	    seconds > 600)
		return usage("--bind/--to, --port, --sockets (1..1024) and --seconds (up to 600) are needed");
	if (!strcmp(argv[1], "sink"))
		return sink(addr, port, n, seconds);
	if (rate <= 0 || rate > 100000 || bytes < 1 || bytes > MAX_BYTES)
		return usage("send needs --batches-per-s (up to 100000) and --bytes (1..1400)");
	return send_batches(addr, port, n, rate, bytes, seconds);
}
