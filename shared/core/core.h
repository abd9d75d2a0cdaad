/**
 * @file core.h
 * @brief Results, logging and small helpers compiled into every program.
 *
 * Fallible functions return enum core_result and are marked CORE_MUST_CHECK.
 * A failure is logged once, where it happens, with file and line, saying what
 * the user should do. assert() is for programmer mistakes only.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CORE_MUST_CHECK __attribute__((warn_unused_result))
#define CORE_UNUSED __attribute__((unused))
#define CORE_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define CORE_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define CORE_MIN(a, b) ((a) < (b) ? (a) : (b))
#define CORE_MAX(a, b) ((a) > (b) ? (a) : (b))
#define CORE_CLAMP(v, lo, hi) ((v) < (lo) ? (lo) : (v) > (hi) ? (hi) : (v))

enum core_result {
	CORE_OK = 0,
	CORE_ERR_INVALID,  /* bad input: file, packet, flag */
	CORE_ERR_IO,       /* a file or socket operation failed */
	CORE_ERR_NOMEM,    /* an allocation or a fixed pool ran out */
	CORE_ERR_FULL,     /* a fixed-size table is full */
	CORE_ERR_PROTOCOL, /* the peer speaks another protocol version */
	CORE_ERR_REFUSED,  /* the peer said no */
	CORE_ERR_TIMEOUT,
};

const char *core_result_str(enum core_result r);

enum core_log_level {
	CORE_LOG_DEBUG,
	CORE_LOG_INFO,
	CORE_LOG_WARN,
	CORE_LOG_ERROR,
};

/** Lines below this level are dropped. Default INFO; LYCEUM_LOG=debug|info|warn|error. */
void core_log_set_level(enum core_log_level level);
enum core_log_level core_log_level_from_env(void);
void core_log_write(enum core_log_level level, const char *file, int line,
		    const char *fmt, ...) CORE_PRINTF(4, 5);

#define CORE_DEBUG(...) core_log_write(CORE_LOG_DEBUG, __FILE__, __LINE__, __VA_ARGS__)
#define CORE_INFO(...) core_log_write(CORE_LOG_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define CORE_WARN(...) core_log_write(CORE_LOG_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define CORE_ERROR(...) core_log_write(CORE_LOG_ERROR, __FILE__, __LINE__, __VA_ARGS__)

/** Copies at most size-1 bytes and always terminates. Returns strlen(src). */
size_t core_strlcpy(char *dst, const char *src, size_t size);

/** Does a program's usage text list flag (as a whole word: "--port" is
 *  not found in "--portal")? For saying "unknown flag" rather than "needs
 *  a value" when a flag ends the command line. */
bool core_usage_lists(const char *usage, const char *flag);

/** FNV-1a, 64 bit: state hashes for determinism checks. */
#define CORE_FNV64_INIT 0xcbf29ce484222325ull
uint64_t core_fnv64(uint64_t h, const void *data, size_t len);

/** Integer square root, floor(sqrt(v)), no floats. */
uint32_t core_isqrt64(uint64_t v);

/* The assets Lyceum ships. */
enum core_assets {
	CORE_ASSETS_WORLDS,
	CORE_ASSETS_LESSONS,
};
/** Where the shipped worlds or lessons are by default, under one assets
 * folder: $LYCEUM_ASSETS; else share/lyceum/assets of the prefix the
 * program is installed in (bin/..), or the nearest assets/ above the
 * program (a build inside the source tree); else assets/ in the working
 * folder. Nothing is compiled in. Every program's default comes from here;
 * --worlds and --lessons override it. */
const char *core_assets_dir(enum core_assets which);
