/**
 * @file itest.h
 * @brief Black-box test helpers: start the real lyceum-server on a free
 * loopback port, run the real programs, read their output and reports.
 * Every wait is bounded; every child is stopped by the end of the test.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

struct itest_proc {
	pid_t pid;
	char out_path[256]; /* standard output, kept in a file */
	char err_path[256]; /* standard error */
};

struct itest_server {
	struct itest_proc proc;
	int port;
	char addr[64]; /* 127.0.0.1:port */
};

/** A fresh folder under /tmp for this test's files (removed by itest_cleanup). */
const char *itest_dir(void);
void itest_cleanup(void);

/** Starts argv (NULL-terminated) with output to files. */
bool itest_spawn(struct itest_proc *p, const char *name, char *const argv[]);
/** Waits up to timeout_ms; returns the exit status, or -1 on time-out (then kills it). */
int itest_wait(struct itest_proc *p, int timeout_ms);
/** SIGTERM, then waits; returns the exit status (-1 if it had to be killed). */
int itest_stop(struct itest_proc *p, int timeout_ms);
/** Runs argv to completion; exit status or -1. */
int itest_run(struct itest_proc *p, const char *name, char *const argv[], int timeout_ms);

/** Starts lyceum-server on 127.0.0.1 port 0 with extra flags; waits for LISTENING. */
bool itest_server_start(struct itest_server *s, char *const extra[]);
/** Starts lyceum-netsim in front of server (127.0.0.1 port 0) with impairment flags. */
bool itest_netsim_start(struct itest_server *ns, const struct itest_server *server,
			char *const extra[]);

/** Whole file as a string (caller frees); "" when missing. */
char *itest_read(const char *path);
/** The file's last size - 1 bytes in buf, for a failure message: nothing
 * to free before fail_msg jumps out of the test. Returns buf. */
const char *itest_read_tail(const char *path, char *buf, size_t size);
/** Lines of text that contain needle. */
int itest_count(const char *text, const char *needle);
/** Waits until the file contains needle, up to timeout_ms. */
bool itest_wait_for(const char *path, const char *needle, int timeout_ms);
/** Waits until path holds needle count times or more. */
bool itest_wait_count(const char *path, const char *needle, int count, int timeout_ms);
/** Parses a JSON file. */
json_t *itest_json(const char *path);
/** A counter of the server's final stats line (its log at stop): the value
 * of " key=", or -1 when there is no such line or key. */
long long itest_server_stat(const struct itest_server *s, const char *key);
/** The bot of a lyceum-bot report with this display name; NULL (said) if none. */
json_t *itest_bot_named(json_t *report, const char *name);
/** Makes a token and server key pair with the real lyceum-token in
 * itest_dir()/name (the folder's path in dir). */
bool itest_keygen(char *dir, size_t size, const char *name);
/** The newest "board hash" line of the server's log for board 1 of room:
 * its content hash in out (65 bytes); false when there is none. */
bool itest_board_hash(const struct itest_server *s, const char *room, char *out);
/** The same for the newest "room state hash" line (chat and lesson). */
bool itest_state_hash(const struct itest_server *s, const char *room, char *out);
/** Writes text to dir/name and returns the path (static buffer per call site: copy it). */
const char *itest_write(const char *name, const char *text);
