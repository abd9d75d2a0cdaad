/**
 * @file bot.h
 * @brief lyceum-bot: N headless clients in one process, each its own network
 * host, driven by scripted behaviours through the client core (prediction
 * included), with a JSON report at the end.
 *
 * Because every bot lives in this process, each one's true trajectory (its
 * own prediction, which equals the server's when nothing conflicts) is known
 * to the others: that is how the report measures interpolation error.
 */
#pragma once

#include "bot_board_gen.h"
#include "bot_rng.h"
#include "cl.h"
#include "net/token.h"

#include <stdbool.h>
#include <stdint.h>

struct json_t;
struct bot_voice;

#define BOT_MAX_PATH 256 /* --path points, and a planned route's turns */
#define BOT_VIEW_SAMPLE 50 /* bots that measure interpolation error, at most (about) */
#define BOT_ID_SLOTS (PROTO_MAX_CLIENT_ID + 1)
#define BOT_ZONE_SLOTS (SIM_MAX_ZONES + 1) /* the last slot is "no zone" */
#define BOT_TRAJ 128                       /* power of two: 4 s of commands at 30 Hz */

enum bot_behavior {
	BOT_IDLE,
	BOT_WANDER, /* seeded random walk that stays in its zone */
	BOT_PATH,   /* walks the --path waypoints, then stands */
	BOT_SEAT,   /* walks to --seat and sits on it, if it is still free */
	BOT_CHEAT,  /* walks the --path sending 3 commands per tick, into walls */
	BOT_LECTURE, /* the first --walkers wander, the rest walk to a seat each and sit */
	BOT_DRAW,    /* stand and draw board-v1's seeded strokes on board 0 (bot_board.c) */
	BOT_CHAT,    /* wander and type seeded lines, questions and (staff) answers (bot_chat.c) */
	BOT_LESSON,  /* stand and trace its lesson steps in its practice area (bot_lesson.c) */
	BOT_GRAB,    /* walk to its item, pick it up, carry it about, put it down, again */
};

struct bot_options {
	int count;
	const char *server;
	const char *room;
	double seconds; /* 0: until SIGINT/SIGTERM */
	uint32_t seed;
	enum bot_behavior behavior;
	const char *path_file;
	int seat;
	int walkers; /* lecture: how many walk about instead of sitting */
	const char *zones; /* comma-separated spawn zones, bot i takes the i-th mod n */
	const char *worlds_dir;
	const char *report_file;
	const char *name_prefix;
	uint32_t protocol_version;
	bool vr; /* send a head and hand pose with every move, like a headset */
	double stall_s; /* no input for this long after joining: an app behind a dialog */
	const char *token_key; /* secret key file: each bot mints its own join token */
	const char *token;     /* one join token (with --count 1) */
	const char *server_key; /* server.pub for minted tokens (default: beside token_key) */
	enum proto_role role;  /* of the minted tokens; an open server admits students only */
	int ttl_s;             /* lifetime of the minted tokens */
	const char *moderate;  /* --moderate script: requests each bot sends (bot_moderate.c) */
	double reconnect_at_s; /* drop the connection then and come back with the resume ticket */
	/* Voice (bot_voice.c): every bot runs the client's audio engine on
	 * files when --voice or --record-dir is given. */
	const char *voice_file; /* what the speakers say, looped */
	int speakers;           /* bots 0..speakers-1 speak (-1: all) */
	double voice_start_s;   /* after the window opens */
	bool voice_broadcast;   /* ask for the whole room (instructor, floor) */
	bool voice_ignore_mute; /* a modified client: keeps sending when muted */
	bool chat_unchecked;    /* a modified client: sends chat its role may not */
	double lesson_noise_mm;  /* the tracing hand's wobble and offset */
	int lesson_steps;        /* stop after passing this many steps (0: all) */
	int item;                /* grab: the item's index (-1: bot i takes item i mod count) */
	double hold_s;           /* grab: how long it carries the item before putting it down */
	const char *record_dir; /* each bot's output, DIR/NAME.wav */
	bool voice_fec, voice_plc;
	int frame_ms;
	int bitrate_bps;
};

/* One step of a --moderate script: at at_s after joining, send type with
 * target (a display name, "self", or "" for none), flag and text. */
#define BOT_MOD_STEPS 32
#define BOT_MOD_EVENTS 64
struct bot_mod_step {
	double at_s;
	uint8_t type;      /* PROTO_MSG_CHAT: a chat step (scope; answer: flag) */
	bool flag;
	uint8_t scope;
	char target[PROTO_NAME_MAX];
	/* Chat: up to twice the server's cap, so a run can try an over-long
	 * line (the client core refuses it); other steps: what they carry. */
	char text[2 * PROTO_CHAT_TEXT_MAX + 1];
};

struct bot_path {
	int count;
	struct sim_point points[BOT_MAX_PATH];
};

/* A sample of the bot's own trajectory: where its prediction put it right
 * after the command sampled at t_us. */
struct bot_traj_sample {
	uint32_t t_us;
	int32_t x_mm, y_mm;
};

struct bot {
	int index;
	/* --behavior draw: the room's boards as this bot holds them, its pen */
	struct cl_board *board;
	struct bb_pen pen;
	int64_t pen_tick;
	uint64_t pen_t0_us;
	uint32_t stroke_op; /* the op id of its current stroke's begin */
	uint64_t board_ops, board_dropped;
	uint64_t board_erased, board_cleared, board_redone; /* erase, clear-board, redo-erased sent */
	uint64_t board_redo, board_redo_theirs; /* redo sent (as R), of them someone else's stroke */
	uint64_t chat_sent, chat_not_sent, chat_next_us; /* bot_chat.c */
	struct bot_lesson *lesson; /* bot_lesson.c */
	struct bot_grab {          /* --behavior grab */
		bool carrying;     /* the item it holds is being carried about */
		uint64_t asked_us, held_us, put_down_us, carry_us;
		uint64_t asks, grabs, refused, put_downs, carries;
		uint64_t sent_home; /* staff sent home what it held */
		int32_t farthest_mm[SIM_MAX_ITEMS]; /* each item seen this far from its spawn */
	} grab;
	char chat_why[96];  /* why the last line was not sent */
	char name[PROTO_NAME_MAX];
	char spawn_zone[PROTO_NAME_MAX];
	char token[NET_TOKEN_TEXT_MAX];
	uint8_t ticket[PROTO_TICKET_MAX]; /* the resume ticket a reconnect uses */
	uint8_t server_key[32];           /* the key the server showed, for the reconnect */
	struct cl_conn conn;
	bool joined_once;
	bool gone; /* refused, failed or disconnected; reported once */
	uint64_t joined_us;   /* when it (first) joined */
	uint64_t last_wait_input_us; /* its idle input while the others join */
	int mod_next;         /* next --moderate step */
	int mod_event_count;  /* events received (only the first BOT_MOD_EVENTS kept) */
	struct proto_mod_event mod_events[BOT_MOD_EVENTS];
	uint64_t speaking_events; /* someone in the room started or stopped talking */
	uint64_t roster_events[2]; /* members joined, left (CL_EVENT_ROSTER) */
	bool reconnecting;    /* dropped on purpose, coming back with its ticket */
	int reconnects;
	uint32_t rng;
	uint8_t home_zone;
	int ticks_left;
	int dir; /* -1 standing */
	int waypoint;
	bool routed;           /* lecture: its route to its seat is planned */
	struct bot_path route; /* lecture: tile centres to its seat, turns only */
	uint16_t yaw;
	int zone_changes;
	uint8_t last_zone;
	uint64_t posed_records; /* avatars seen with a pose */
	uint64_t plain_records; /* avatars seen without one */
	uint64_t posed_views;   /* remote avatars its client core showed with head and hands */
	uint8_t *seen[BOT_ZONE_SLOTS];   /* bitsets of avatar ids, per zone */
	struct bot_crowd *crowd;         /* lecture only: what it saw of its crowd, when */
	uint32_t *last_send_time;        /* per remote id: newest send time counted */
	int32_t min_x_mm, max_x_mm, min_y_mm, max_y_mm; /* server's positions for this bot */
	uint64_t window_snapshots0;
	uint64_t sent_bytes0, recv_bytes0, sent_packets0, recv_packets0;
	uint32_t traj_count;
	struct bot_traj_sample traj[BOT_TRAJ];
	struct bot_voice *voice; /* NULL: no audio */
};

/* Histogram with fixed-width buckets; values past the end go in the last. */
#define BOT_HIST_BUCKETS 20000
struct bot_hist {
	uint64_t samples;
	double width; /* in the unit the caller reports */
	double max;
	double sum;
	uint32_t buckets[BOT_HIST_BUCKETS + 1];
};
void bot_hist_add(struct bot_hist *h, double value);
double bot_hist_percentile(const struct bot_hist *h, double p);

/* What the bots, together, saw of each avatar in the room. */
struct bot_remote_track {
	bool seen;
	int32_t min_x_mm, max_x_mm, min_y_mm, max_y_mm;
	int64_t first_us, last_us;       /* server time of first and last sample */
	int32_t first_x_mm, first_y_mm;  /* position then */
	int32_t last_x_mm, last_y_mm;
	uint64_t path_mm;                /* distance between successive samples */
};

struct bot_run {
	struct bot_options opt;
	int mod_steps;
	bool mod_log; /* the script chats, teaches or erases: every bot holds the room's log */
	struct bot_mod_step mod[BOT_MOD_STEPS];
	struct bot_path path;
	struct bot *bots;
	struct bot *by_id[BOT_ID_SLOTS];
	struct bot_remote_track remotes[BOT_ID_SLOTS];
	struct bot_hist latency_ms, rtt_ms, interp_error_mm, interp_delay_ms;
	struct bot_hist mouth_to_ear_ms; /* voice: capture at one bot to playback at another */
	uint64_t window_start_us;
	int joined;
	double join_s, window_s;
	uint64_t crowd_near_samples, crowd_near_stale, crowd_vanished;
};

/* bot_behavior.c (grab: its item events come through bot_moderate_tick) */
void bot_grab_on_event(struct bot *b, const struct cl_event *ev);
void bot_behavior_init(void);
enum core_result bot_path_load(const char *file, struct bot_path *out) CORE_MUST_CHECK;
/** Samples this tick's input for the bot and sends it (cheats send three). */
void bot_behavior_tick(struct bot_run *run, struct bot *b, uint32_t now_us);

/* bot_scenario.c: --scenario classroom-presence-v1 */
int bot_scenario_main(int argc, char **argv, const char *worlds_dir);

/* bot_voice.c: --voice and --record-dir, through the client's audio engine */
bool bot_voice_wanted(const struct bot_options *o);
/** Makes the bot's engine and file backend; false (said why) if it cannot. */
bool bot_voice_init(struct bot_run *run, struct bot *b);
void bot_voice_free(struct bot *b);
/** Runs the bot's audio up to now and moves frames between it and the server. */
void bot_voice_tick(struct bot_run *run, struct bot *b, uint64_t now_us);
/** The voice part of a bot's report. */
void bot_voice_report(const struct bot_run *run, const struct bot *b, struct json_t *out);

/* bot_flags.c: a scenario's flags, as a table read with getopt_long;
 * errors are the scenarios' JSON error lines. */
enum bot_flag_kind { BOT_FLAG_TEXT, BOT_FLAG_REAL, BOT_FLAG_INT, BOT_FLAG_U32 };
struct bot_flag {
	const char *name; /* without the dashes */
	enum bot_flag_kind kind;
	void *dst;        /* const char *, double, int or uint32_t */
	double lo, hi;    /* numbers: the range allowed */
	const char *choices; /* text: the values allowed, e.g. "live|join" (NULL: any) */
};
#define BOT_FLAGS_MAX 32
/** Reads every "--name value" of argv; false (said) for an unknown flag,
 * a missing value or one out of range. */
bool bot_flags_parse(int argc, char **argv, const struct bot_flag *flags, int count);
/** The world name loaded from dir into *slot (kept for the next call). */
const struct sim_world *bot_world_cached(const char *dir, struct sim_world **slot, const char *name);

/* bot_board_v1.c: --scenario board-v1 (../shared/bench/board-v1.md) */
int bot_board_v1_main(int argc, char **argv);
/* bot_main.c: join tokens for the scenarios */
bool bot_load_keys(const char *token_key, const char *server_key, uint8_t *sk, uint8_t *server_pk);
/** A join token whose user id and name are name. */
bool bot_mint_token(const uint8_t *sk, const uint8_t *server_pk, enum proto_role role, int ttl_s,
		    const char *room, const char *name, char *out, size_t cap);

/* bot_voice_v1.c: --scenario voice-v1 (../shared/bench/voice-v1.md) */
int bot_voice_v1_main(int argc, char **argv);

/* bot_moderate.c: --moderate and --reconnect-at */
/** Parses "AT:ACTION[:TARGET[:TEXT]];..." (see the README). */
bool bot_moderate_parse(struct bot_run *run, const char *script) CORE_MUST_CHECK;
/** Sends the steps that are due and keeps the events that arrived. */
void bot_moderate_tick(struct bot_run *run, struct bot *b, uint64_t now_us);
/** A script step's TARGET as a client id: a display name, "self", 0 for
 * none, PROTO_MAX_CLIENT_ID for nobody by that name (the server says so). */
uint16_t bot_target_id(const struct bot *b, const char *name);
/** Drops the connection (as a lost Wi-Fi would) and reconnects with the
 * resume ticket, once, at --reconnect-at. */
void bot_reconnect_tick(struct bot_run *run, struct bot *b, uint64_t now_us);
/** The moderation part of a bot's report. */
void bot_moderate_report(const struct bot *b, struct json_t *out);

/* bot_board.c: --behavior draw */
#define BOT_BOARD_REST_S 1.5
bool bot_board_init(struct bot_run *run, struct bot *b);
/** A (new) connection feeds the bot's boards. */
void bot_board_attach(struct bot *b);
/** Sends the pen's ops that are due, once the boards have caught up. */
void bot_board_tick(struct bot_run *run, struct bot *b, uint64_t now_us);
/** The board part of a bot's report: seq, counts, the canonical hashes. */
void bot_board_report(const struct bot *b, struct json_t *out);
void bot_board_free(struct bot *b);
/** A --moderate board step: erase (TARGET's newest live stroke: a member's
 * name, or self), clear-board (TARGET: the board's number, 1 if none) or
 * redo-erased (our newest stroke someone else erased, as a modified client
 * would: the server refuses it to a student). */
void bot_board_step(struct bot *b, const struct bot_mod_step *st);

/* bot_chat.c: chat steps of --moderate, and --behavior chat */
/** Sends a chat step of the script (say, say-zone, announce, ask, answer). */
void bot_chat_step(struct bot *b, const struct bot_mod_step *st);
/** --behavior chat: a seeded line every few seconds once synced. */
void bot_chat_tick(struct bot_run *run, struct bot *b, uint64_t now_us);
/** The chat part of a bot's report: what it sent and the lines it holds. */
void bot_chat_report(const struct bot *b, struct json_t *out);

/* bot_lesson.c: --behavior lesson, and lesson steps of --moderate */
struct bot_lesson;
/** Sends a lesson step of the script (lesson-start NAME, lesson-stop, lesson-next). */
void bot_lesson_step(struct bot *b, const struct bot_mod_step *st);
/** --behavior lesson: traces the current step, asks for the next once it passes. */
void bot_lesson_tick(struct bot_run *run, struct bot *b, uint64_t now_us);
void bot_lesson_report(const struct bot *b, struct json_t *out);
void bot_lesson_free(struct bot *b);

/* bot_crowd.c: --behavior lecture's measures of one crowded zone */
bool bot_crowd_init(struct bot *b);
void bot_crowd_free(struct bot *b);
void bot_crowd_on_snapshot(struct bot_run *run, struct bot *b, uint64_t now_us);
struct json_t *bot_crowd_report(const struct bot_run *run);

/* bot_report.c */
/** The scenarios' JSON lines: {"event":"error","error":"WHAT DETAIL"} and
 * {"event":"NAME"} on standard output, flushed. */
void bot_emit_error(const char *what, const char *detail);
void bot_emit_event(const char *name);
/** A scenario's result line (takes r; NULL: says it could not be built). */
void bot_emit_result(struct json_t *r);
/** v to three decimals, as the result lines print figures. */
double bot_round3(double v);
/** Per snapshot: zones seen, presence latency, what was seen of others. */
void bot_on_snapshot(struct bot_run *run, struct bot *b, uint64_t now_us);
/** Per tick: interpolation error of every remote view against the truth. */
void bot_measure_views(struct bot_run *run, struct bot *b, uint64_t now_us);
void bot_window_mark(struct bot *b);
/** Prints the report (and writes it to --report); returns the exit status. */
int bot_report(struct bot_run *run);
