#include "core.h"
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static enum core_log_level g_level = CORE_LOG_INFO;

const char *core_result_str(enum core_result r)
{
	switch (r) {
	case CORE_OK: return "ok";
	case CORE_ERR_INVALID: return "invalid input";
	case CORE_ERR_IO: return "i/o error";
	case CORE_ERR_NOMEM: return "out of memory";
	case CORE_ERR_FULL: return "table full";
	case CORE_ERR_PROTOCOL: return "protocol mismatch";
	case CORE_ERR_REFUSED: return "refused";
	case CORE_ERR_TIMEOUT: return "timed out";
	}
	return "unknown result";
}

void core_log_set_level(enum core_log_level level)
{
	g_level = level;
}

enum core_log_level core_log_level_from_env(void)
{
	const char *v = getenv("LYCEUM_LOG");
	if (!v)
		return CORE_LOG_INFO;
	if (!strcasecmp(v, "debug"))
		return CORE_LOG_DEBUG;
	if (!strcasecmp(v, "warn"))
		return CORE_LOG_WARN;
	if (!strcasecmp(v, "error"))
		return CORE_LOG_ERROR;
	return CORE_LOG_INFO;
}

void core_log_write(enum core_log_level level, const char *file, int line,
		    const char *fmt, ...)
{
	static const char *names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
	if (level < g_level)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Warnings and errors carry the place they were raised; info lines stay
	 * short for the operator reading them. */
	if (level >= CORE_LOG_WARN)
		fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s %s (%s:%d)\n",
			tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, names[level], msg,
			file, line);
	else
		fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s %s\n",
			tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, names[level], msg);
}

size_t core_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);
	if (size) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

bool core_usage_lists(const char *usage, const char *flag)
{
	size_t n = strlen(flag);
	if (n < 2 || flag[0] != '-')
		return false;
	for (const char *at = strstr(usage, flag); at; at = strstr(at + 1, flag)) {
		char after = at[n];
		bool starts = at == usage || at[-1] == ' ' || at[-1] == '\n' || at[-1] == '[' ||
			      at[-1] == '|';
		if (starts && (after == ' ' || after == '\n' || after == ']' || after == ',' ||
			       after == '=' || after == '\0'))
			return true;
	}
	return false;
}

uint64_t core_fnv64(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

uint32_t core_isqrt64(uint64_t v)
{
	uint64_t r = 0, bit = 1ull << 62;
	while (bit > v)
		bit >>= 2;
	while (bit) {
		if (v >= r + bit) {
			v -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return (uint32_t)r;
}

/* The assets folder and its two, found once (core_assets_dir). */
static char assets_root[PATH_MAX], assets_worlds[PATH_MAX + 16], assets_lessons[PATH_MAX + 16];
static pthread_once_t assets_once = PTHREAD_ONCE_INIT;

static bool has_assets(const char *dir)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/worlds", dir);
	return access(path, R_OK) == 0;
}

/* LYCEUM_ASSETS; then from the program's own folder up to the root: an
 * installed prefix's share/lyceum/assets beside bin/, or the nearest
 * assets/ (a build inside the source tree); then ./assets (a program run
 * from elsewhere, in a checkout). Beside the program first, so a stale
 * assets/ in the working folder does not replace the program's own.
 * Nothing is compiled in: a copy of the tree or of an install works
 * wherever it is. */
static void find_root(void)
{
	const char *env = getenv("LYCEUM_ASSETS");
	if (env && env[0]) {
		core_strlcpy(assets_root, env, sizeof(assets_root));
		return;
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0 && (size_t)n < sizeof(exe) - 1) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		for (int up = 0; slash; up++) {
			*slash = '\0'; /* exe is now a folder holding the program, then its parents */
			char dir[PATH_MAX + 32];
			snprintf(dir, sizeof(dir), "%s/share/lyceum/assets", exe);
			if (up == 1 && has_assets(dir) && strlen(dir) < sizeof(assets_root)) {
				core_strlcpy(assets_root, dir, sizeof(assets_root));
				return;
			}
			snprintf(dir, sizeof(dir), "%s/assets", exe);
			if (has_assets(dir) && strlen(dir) < sizeof(assets_root)) {
				core_strlcpy(assets_root, dir, sizeof(assets_root));
				return;
			}
			slash = strrchr(exe, '/');
		}
	}
	core_strlcpy(assets_root, "assets", sizeof(assets_root)); /* ./assets, or said when opened */
}

static void find_assets(void)
{
	find_root();
	snprintf(assets_worlds, sizeof(assets_worlds), "%s/worlds", assets_root);
	snprintf(assets_lessons, sizeof(assets_lessons), "%s/lessons", assets_root);
}

const char *core_assets_dir(enum core_assets which)
{
	pthread_once(&assets_once, find_assets); /* the network and render threads both ask */
	return which == CORE_ASSETS_LESSONS ? assets_lessons : assets_worlds;
}
