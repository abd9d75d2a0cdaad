#include "itest.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char g_dir[128];
static pid_t g_children[64]; /* killed at exit, so a failed test leaves nothing running */
static int g_child_count;

static void kill_children(void)
{
	for (int i = 0; i < g_child_count; i++) {
		if (g_children[i] > 0 && kill(g_children[i], 0) == 0) {
			kill(g_children[i], SIGKILL);
			waitpid(g_children[i], NULL, 0);
		}
	}
	g_child_count = 0;
}

static void remember_child(pid_t pid)
{
	static bool registered;
	if (!registered) {
		atexit(kill_children);
		registered = true;
	}
	if (g_child_count < (int)(sizeof(g_children) / sizeof(g_children[0])))
		g_children[g_child_count++] = pid;
}

const char *itest_dir(void)
{
	if (!g_dir[0]) {
		snprintf(g_dir, sizeof(g_dir), "/tmp/lyceum-itest-XXXXXX");
		if (!mkdtemp(g_dir)) {
			perror("mkdtemp");
			exit(1);
		}
	}
	return g_dir;
}

void itest_cleanup(void)
{
	kill_children();
	if (!g_dir[0] || getenv("LYCEUM_KEEP_TEST_FILES"))
		return;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "itest: could not remove %s\n", g_dir);
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

bool itest_spawn(struct itest_proc *p, const char *name, char *const argv[])
{
	memset(p, 0, sizeof(*p));
	snprintf(p->out_path, sizeof(p->out_path), "%s/%s.out", itest_dir(), name);
	snprintf(p->err_path, sizeof(p->err_path), "%s/%s.err", itest_dir(), name);
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		int out = open(p->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int err = open(p->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (out < 0 || err < 0)
			_exit(127);
		dup2(out, 1);
		dup2(err, 2);
		execv(argv[0], argv);
		fprintf(stderr, "itest: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	p->pid = pid;
	remember_child(pid);
	return true;
}

static void forget_child(pid_t pid)
{
	for (int i = 0; i < g_child_count; i++)
		if (g_children[i] == pid)
			g_children[i] = 0;
}

int itest_wait(struct itest_proc *p, int timeout_ms)
{
	if (p->pid <= 0)
		return -1;
	forget_child(p->pid);
	for (int waited = 0;; waited += 10) {
		int status;
		pid_t r = waitpid(p->pid, &status, WNOHANG);
		if (r == p->pid) {
			p->pid = 0;
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		if (waited >= timeout_ms) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &status, 0);
			p->pid = 0;
			return -1;
		}
		sleep_ms(10);
	}
}

int itest_stop(struct itest_proc *p, int timeout_ms)
{
	if (p->pid <= 0)
		return -1;
	kill(p->pid, SIGTERM);
	return itest_wait(p, timeout_ms);
}

int itest_run(struct itest_proc *p, const char *name, char *const argv[], int timeout_ms)
{
	if (!itest_spawn(p, name, argv))
		return -1;
	return itest_wait(p, timeout_ms);
}

const char *itest_read_tail(const char *path, char *buf, size_t size)
{
	buf[0] = '\0';
	FILE *f = fopen(path, "rb");
	if (!f)
		return buf;
	if (fseek(f, 0, SEEK_END) == 0) {
		long n = ftell(f);
		if (n > (long)size - 1)
			fseek(f, n - (long)(size - 1), SEEK_SET);
		else
			fseek(f, 0, SEEK_SET);
	}
	size_t got = fread(buf, 1, size - 1, f);
	buf[got] = '\0';
	fclose(f);
	return buf;
}

char *itest_read(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	size_t got = fread(buf, 1, (size_t)n, f);
	buf[got] = '\0';
	fclose(f);
	return buf;
}

int itest_count(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

bool itest_wait_count(const char *path, const char *needle, int count, int timeout_ms)
{
	for (int waited = 0; waited <= timeout_ms; waited += 20) {
		char *text = itest_read(path);
		bool found = itest_count(text, needle) >= count;
		free(text);
		if (found)
			return true;
		sleep_ms(20);
	}
	return false;
}

bool itest_wait_for(const char *path, const char *needle, int timeout_ms)
{
	return itest_wait_count(path, needle, 1, timeout_ms);
}

/* Starts a program that prints "LISTENING udp 127.0.0.1:PORT" when ready. */
static bool listener_start(struct itest_server *s, const char *kind, char *const argv[])
{
	static int counter;
	char name[32];
	snprintf(name, sizeof(name), "%s%d", kind, counter++);
	if (!itest_spawn(&s->proc, name, argv))
		return false;
	if (!itest_wait_for(s->proc.out_path, "LISTENING", 10000)) {
		char *err = itest_read(s->proc.err_path);
		fprintf(stderr, "itest: %s did not start:\n%s\n", kind, err);
		free(err);
		itest_stop(&s->proc, 2000);
		return false;
	}
	char *out = itest_read(s->proc.out_path);
	const char *at = strstr(out, "127.0.0.1:");
	s->port = at ? atoi(at + strlen("127.0.0.1:")) : 0;
	free(out);
	snprintf(s->addr, sizeof(s->addr), "127.0.0.1:%d", s->port);
	return s->port > 0;
}

static bool start_with(struct itest_server *s, const char *kind, char **argv, int n,
		       char *const extra[])
{
	for (int i = 0; extra && extra[i] && n < 31; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	return listener_start(s, kind, argv);
}

bool itest_server_start(struct itest_server *s, char *const extra[])
{
	char *argv[32] = {LYCEUM_SERVER_BIN, "--bind", "127.0.0.1", "--port", "0"};
	return start_with(s, "server", argv, 5, extra);
}

bool itest_netsim_start(struct itest_server *ns, const struct itest_server *server,
			char *const extra[])
{
	char *argv[32] = {LYCEUM_NETSIM_BIN, "--listen", "127.0.0.1:0", "--server",
			  (char *)server->addr};
	return start_with(ns, "netsim", argv, 5, extra);
}

json_t *itest_json(const char *path)
{
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);
	if (!j)
		fprintf(stderr, "itest: %s: line %d: %s\n", path, err.line, err.text);
	return j;
}

long long itest_server_stat(const struct itest_server *s, const char *key)
{
	char *log = itest_read(s->proc.err_path);
	const char *line = strstr(log, "stats final");
	char needle[64];
	snprintf(needle, sizeof(needle), " %s=", key);
	const char *at = line ? strstr(line, needle) : NULL;
	long long v = at ? strtoll(at + strlen(needle), NULL, 10) : -1;
	free(log);
	return v;
}

json_t *itest_bot_named(json_t *report, const char *name)
{
	json_t *bots = json_object_get(report, "bots");
	for (size_t i = 0; i < json_array_size(bots); i++) {
		json_t *b = json_array_get(bots, i);
		if (!strcmp(json_string_value(json_object_get(b, "name")), name))
			return b;
	}
	fprintf(stderr, "itest: no bot named %s in the report\n", name);
	return NULL;
}

const char *itest_write(const char *name, const char *text)
{
	static char path[4][256];
	static int slot;
	char *p = path[slot++ % 4];
	snprintf(p, 256, "%s/%s", itest_dir(), name);
	FILE *f = fopen(p, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "itest: cannot write %s\n", p);
		exit(1);
	}
	return p;
}

bool itest_keygen(char *dir, size_t size, const char *name)
{
	snprintf(dir, size, "%s/%s", itest_dir(), name);
	char *argv[] = {LYCEUM_TOKEN_BIN, "keygen", "--out", dir, NULL};
	struct itest_proc p;
	return itest_run(&p, name, argv, 10000) == 0;
}

/* The 64 hex digits after key in the newest line of the server's log that
 * holds needle. */
static bool newest_hash(const struct itest_server *s, const char *needle, const char *key,
			char *out)
{
	char *log = itest_read(s->proc.err_path);
	const char *line = NULL;
	for (const char *at = log ? strstr(log, needle) : NULL; at; at = strstr(at + 1, needle))
		line = at;
	const char *h = line ? strstr(line, key) : NULL;
	bool ok = h && strlen(h) >= strlen(key) + 64;
	if (ok) {
		memcpy(out, h + strlen(key), 64);
		out[64] = 0;
	}
	free(log);
	return ok;
}

bool itest_board_hash(const struct itest_server *s, const char *room, char *out)
{
	char needle[128];
	snprintf(needle, sizeof(needle), "board hash room=%s board=1 ", room);
	return newest_hash(s, needle, "content=", out);
}

bool itest_state_hash(const struct itest_server *s, const char *room, char *out)
{
	char needle[128];
	snprintf(needle, sizeof(needle), "room state hash room=%s ", room);
	return newest_hash(s, needle, "state=", out);
}
