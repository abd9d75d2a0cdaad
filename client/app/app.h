/**
 * @file app.h
 * @brief lyceum, the desktop client: one window (or none, --headless), one
 * connection through the client core, the renderer, and the HUD.
 *
 * Each loop iteration polls the window, services the network, runs as many
 * 30 Hz input ticks as are due (each predicted at once by the client core),
 * then renders one frame: the world, every avatar in one draw, labels and
 * the HUD. With --demo there is no server: a fixed, seeded set of avatars
 * stands and sits in the room (golden images and the frame benchmark).
 */
#pragma once

#include "cl.h"
#include "plat_window.h"
#include "rnd.h"
#include "sim/lesson.h"
#include "sim/world_load.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define APP_MAX_NOTICES 6
#define APP_BOARD_PX_W 1000 /* the board image: 4 mm a pixel */
#define APP_BOARD_PX_H 500
#define APP_BOARD_NEAR_M 2.5f /* standing this close to a board, F2 opens that one */
/* The pen's keys and undo work standing at a board, and this long after the
 * pen last left one (a headset's pen reaches a board from further away). */
#define APP_PEN_KEYS_AFTER_US 10000000u
/* Esc said twice within this leaves (once: a notice asks). */
#define APP_LEAVE_CONFIRM_US 3000000u
#define APP_PEN_COLOURS 6 /* C on an open board cycles them (app_board.c) */
#define APP_PEN_WIDTHS 3  /* and P these */
#define APP_ERASED_MAX 256 /* strokes one drag of the eraser takes */
#define APP_MAX_AVATARS 256
#define APP_STATS_FRAMES 4096 /* frame times kept for --stats percentiles */

struct app_options {
	const char *server;
	const char *room;
	const char *name;
	enum proto_role role;
	const char *token; /* a join token: room, name and role come from it */
	const char *zone;  /* where to appear (NULL: wherever the server puts us) */
	const char *worlds_dir;
	const char *world; /* --demo: the world to show */
	const char *font;
	bool headless;
	const char *screenshot;
	const char *scene_json; /* where --screenshot's avatars and labels are described */
	long frames;            /* 0: until closed */
	bool stats;
	bool vsync;
	bool validation;
	bool fullscreen;
	bool labels;
	int msaa;
	uint32_t width, height;
	int demo;      /* avatars in --demo (0: connect to a server) */
	uint32_t seed;
	float zoom;
	long resize_frame; /* --resize-at: resize the window at this frame (tests) */
	const char *input_script; /* --input-script: headless input replay (tests) */
	uint32_t resize_w, resize_h;
	/* voice (app_voice.c) */
	bool no_audio;
	const char *audio_in, *audio_out; /* device names; NULL: the system's default */
	bool push_to_talk;
	int frame_ms;
	int bitrate_bps;
	/* VR (app_xr.c) */
	bool xr;
	bool xr_smooth_turn;
	int xr_multiview; /* 1 on, 0 off, -1 auto */
	float xr_refresh_hz;
};

/** What the scene knows of one avatar this frame. */
struct app_avatar {
	uint16_t id;
	float x_m, y_m, yaw_rad;
	bool sitting, walking, speaking, self;
	bool has_pose; /* a headset user: its hands are drawn where they are */
	float hand_m[2][3]; /* world metres, z above the floor */
	float hand_q[2][4]; /* world axes */
	float head_m[3], head_q[4];
	uint16_t seat;
	uint32_t colour;
	const char *name;
	uint8_t role;
};

struct app_notice {
	char text[128];
	uint32_t argb;
	uint64_t until_us;
};

enum app_link {
	APP_LINK_DEMO,
	APP_LINK_CONNECTING,
	APP_LINK_JOINED,
	APP_LINK_WAITING, /* lost or refused: reconnecting at reconnect_at_us */
	APP_LINK_GIVEN_UP, /* refused for good (another protocol version) */
};

/** What a platform without a main() of its own hands the app (Android:
 * platform/android). NULL on the desktop. */
struct app_platform {
	void *android_vm, *android_activity; /* JavaVM *, the activity's jobject */
	/** Called every frame: the platform's own events; sets *quit to leave. */
	void (*pump)(void *user, bool *quit);
	void *user;
};

struct app {
	struct app_options opt;
	const struct app_platform *plat;
	struct plat_window *win;
	struct rnd *rnd;
	struct plat_input input;
	bool quit;

	struct sim_world *world;
	struct sim_world_art art;
	struct rnd_world_images world_images; /* its tilesets, decoded with it */
	bool world_ready;   /* uploaded to the renderer */
	bool world_pending; /* loaded, not yet uploaded (app_world_sync) */
	uint64_t item_sent_us; /* the carried item's place last sent */
	uint64_t item_home_us[SIM_MAX_ITEMS]; /* staff sent it home from someone's hands then */
	struct app_carry {     /* a headset: the item held is in this hand */
		bool valid;
		float m[3];    /* world metres, z up */
	} carry;
	char world_error[512];

	struct cl_conn conn;
	enum app_link link;
	uint64_t reconnect_at_us;
	int attempts;
	char link_message[640];
	uint8_t resume_ticket[PROTO_TICKET_MAX]; /* from the last WELCOME: for a reconnect */
	uint16_t resume_len;
	uint8_t server_key[32]; /* the key the token named, kept for the reconnect */
	bool has_server_key;
	uint64_t next_tick_us;
	bool ever_joined;

	/* input */
	float zoom;
	bool roster_open, muted, fullscreen;
	uint64_t leave_asked_us; /* Esc once: a second within APP_LEAVE_CONFIRM_US leaves */
	bool has_target;
	float target_x, target_y;
	int target_seat; /* -1: none */
	uint16_t yaw;
	bool want_stand;
	struct app_steer { /* VR: the thumbstick instead of the keys (app_xr.c) */
		bool active;
		float x, y;   /* world axes, length up to 1 */
		uint16_t yaw; /* where the head looks */
	} steer;

	/* this frame */
	int avatar_count;
	struct app_avatar avatars[APP_MAX_AVATARS];
	struct cl_view views[CL_MAX_REMOTES];
	char labels[APP_MAX_AVATARS][CL_LABEL_MAX]; /* avatars[i].name points here */
	int self_index; /* into avatars, -1 when not in the room */
	uint16_t seat_holder[SIM_MAX_SEATS];
	uint16_t door_holder[SIM_MAX_DOORS];
	uint8_t self_zone;

	/* moderation (app_moderate.c) */
	uint16_t selected_id; /* the roster member staff act on; 0: none */
	bool room_locked;
	int move_zone_next;

	/* what happened in the room (roster changes, announcements, refusals) */
	struct app_notice notices[APP_MAX_NOTICES];

	/* chat (app_chat.c): the room's log as this client holds it */
	struct cl_board *board;
	bool chat_open;
	char chat_line[PROTO_CHAT_TEXT_MAX + 1];
	uint64_t chat_seen_us; /* the newest line's arrival: the panel shows a while */
	uint64_t lesson_ended_us; /* the lesson's results show a while after it ends */

	/* the board view (app_board.c) */
	struct app_board_view {
		bool open;
		uint8_t board; /* the one open full-screen */
		struct app_board_image { /* each board's, shown on its wall and full-screen */
			uint32_t *pixels; /* APP_BOARD_PX_W x APP_BOARD_PX_H, RGBA8; NULL: none yet */
			bool dirty;
			uint64_t raster_us;
		} images[RND_BOARD_IMAGES];
		uint8_t walls_drawn; /* bit b: board b was drawn on its wall in the last frame */
		bool pen_down, begun;
		uint64_t pen_up_us; /* when the pen last left a board */
		uint16_t pending_n; /* points not yet sent */
		struct sim_board_point pending[SIM_BOARD_OP_POINTS];
		struct sim_board_point base; /* the stroke's last point sent */
		uint64_t sent_us;
		uint32_t ink_n; /* the stroke under way (the pen is down) */
		struct sim_board_point ink[SIM_BOARD_STROKE_POINTS];
		uint8_t colour, width; /* the pen's: indexes into app_board.c's choices */
		bool eraser;           /* a drag erases the strokes it touches */
		bool wall_held;        /* a press that began on a wall's board goes on */
		uint64_t clear_asked_us; /* the first /clear-board, waiting to be said again */
		int clear_board;
		uint32_t erased_n;     /* strokes this drag has erased, not erased again */
		bool erase_said;       /* this drag's refusal or limit was said */
		int32_t erase_x, erase_y; /* where the eraser last looked (board mm) */
		struct app_erased {
			uint16_t author;
			uint32_t op_id;
		} erased[APP_ERASED_MAX];
	} board_view;

	/* voice (app_voice.c): NULL when there is no audio device */
	struct snd_engine *voice;
	struct snd_backend *audio;
	bool push_to_talk, broadcast;
	float volume[PROTO_MAX_CLIENT_ID + 1]; /* ours for each speaker; 0: unset (1.0) */

	/* --demo */
	struct app_avatar demo[APP_MAX_AVATARS];
	char demo_names[APP_MAX_AVATARS][PROTO_NAME_MAX];

	/* --stats */
	long frame;
	double frame_ms[APP_STATS_FRAMES];
	uint64_t started_us;
	uint64_t draw_calls_total;
	uint32_t max_avatar_draws; /* the most draws any frame spent on avatars */
};

/* app_net.c */
void app_net_start(struct app *a, uint64_t now_us);
void app_net_update(struct app *a, uint64_t now_us);
void app_net_close(struct app *a);
/** Loads the world (and its art) by name from the worlds folder; the
 * renderer takes it at the next app_world_sync. */
bool app_load_world(struct app *a, const char *path_or_name);
/** Hands a newly loaded world to the renderer (on the thread that draws);
 * false when it cannot be drawn (said in a notice). */
bool app_world_sync(struct app *a);
#define APP_NOTICE_ME 0xfff08080u /* a notice about oneself (moderation, items) */
void app_notice(struct app *a, uint32_t argb, const char *fmt, ...) CORE_PRINTF(3, 4);
/* The local time (the teacher's clock) as YYYYMMDD-HHMMSS for an exported
 * file's name; *tm (when not NULL) gets it too. */
void app_file_stamp(char out[16], struct tm *tm);

/* app_input.c */
void app_input_frame(struct app *a);
/** One tick of input into the client core (the server's rate). */
void app_input_tick(struct app *a, uint64_t now_us);
/** The ticks due by now (at most 8 after a stall, then no burst). */
void app_input_ticks(struct app *a, uint64_t now_us);
/** Walks to (x, y) metres along a planned route; seat >= 0: and sits there. */
void app_walk_to(struct app *a, float x, float y, int seat);

/* app_scene.c */
void app_demo_setup(struct app *a);
void app_scene_gather(struct app *a, uint64_t now_us);
void app_scene_draw(struct app *a, uint64_t now_us);
uint32_t app_colour_of(uint16_t id);
/** Writes the avatars and their label rectangles of this frame as JSON. */
bool app_scene_write_json(struct app *a, const char *path);

/* app_moderate.c */
/** Staff keys on the selected roster member, and H for one's hand. */
void app_moderate_input(struct app *a);
/** Moderation events from the client core become notices. */
void app_moderate_events(struct app *a);
/** The roster's order: instructors, TAs, students, observers (0..3). */
int app_role_rank(uint8_t role);
/** Roster indices in the order the roster shows them (staff first). */
int app_roster_order(const struct app *a, int *out, int max);
bool app_is_staff(const struct app *a);

/* app_chat.c: the room's text chat */
bool app_chat_start(struct app *a);
/** A (new) connection feeds the chat (and the boards). */
void app_chat_attach(struct app *a);
void app_chat_close(struct app *a);
/** The chat line's keys; true while typing (the frame's other input is spent). */
bool app_chat_input(struct app *a);
void app_chat_event(struct app *a, const struct cl_event *ev, uint64_t now_us);
void app_chat_draw(struct app *a, uint64_t now_us);

/* app_board.c: the room's boards full-screen, drawing with the mouse */
bool app_board_start(struct app *a);
void app_board_close(struct app *a);
/** F2 and, while the board shows, the mouse and Z/R; true: the frame's
 * other input is spent. */
bool app_board_input(struct app *a, uint64_t now_us);
void app_board_event(struct app *a, const struct cl_event *ev);
void app_board_draw(struct app *a, uint64_t now_us);
/** Board b's image is rasterised and uploaded as of now (at most a few
 * times a second while strokes arrive); false when it cannot be. */
bool app_board_image_ready(struct app *a, int b, uint64_t now_us);
/** Each board on its wall in the room (the world pass). */
void app_board_draw_walls(struct app *a, uint64_t now_us);
/** The board whose wall is within APP_BOARD_NEAR_M of us, or -1. */
int app_board_near(const struct app *a);
/** Where board b's image stands: its top edge from (x0, y0, z1) to (x1, y1, z1), its
 * bottom at the image's lower edge height; metres. */
void app_board_wall(const struct app *a, int b, float *x0, float *y0, float *x1, float *y1,
		    float *z0, float *z1);
/** Board b's image on its wall as the screen shows it: the corners of its
 * top-left (q[0], q[1]), top-right and bottom-left, in pixels. */
void app_board_wall_on_screen(const struct app *a, int b, float q[6]);
/** The pen on board `board` at (x, y) board millimetres, down or up (a
 * stroke begins, grows in 50 ms batches, ends when it lifts); the mouse on
 * the full-screen board and a VR controller's tip both draw through it. */
void app_board_pen(struct app *a, int board, bool down, int32_t x, int32_t y, uint8_t pressure,
		   uint64_t now_us);
/** The board shown (or the first) as PNG in the working folder (staff). */
bool app_board_save(struct app *a);
/** "/clear-board": the open board, else the one we stand at (staff). */
bool app_board_clear(struct app *a);

/* app_voice.c: the microphone and the room's voices through PortAudio */
struct snd_engine;
struct snd_backend;
/** Opens the audio devices; without them the client runs silent (said why). */
void app_voice_start(struct app *a);
/** The frame's voice keys (mode, broadcast, volume): once a frame, where
 * the keys are read (app_input_frame). */
void app_voice_input(struct app *a);
/** Frames to and from the server, where everyone stands (the desktop once
 * a frame; the headset on its network thread). */
void app_voice_update(struct app *a);
void app_voice_close(struct app *a);
bool app_voice_transmitting(const struct app *a);
/** The microphone's level, dBFS (-100 with no audio). */
float app_voice_level_db(const struct app *a);
/** Lists the audio devices on standard output. */
int app_voice_list_devices(void);

/* app_xr.c: lyceum --xr, the whole run in a headset */
int app_xr_main(struct app *a);

/* app_main.c: the flags, then the desktop's or the headset's run. */
int app_main(int argc, char **argv, const struct app_platform *plat);
/** Starts what the run shows: the --demo class, or the chat, boards,
 * connection and voice (the microphone muted). Non-zero: the exit status. */
int app_open(struct app *a);
/** Closes what app_open started (safe when it did not run), frees the
 * renderer (rc becomes 3 when --validation saw messages), the world and
 * the window; returns rc. */
int app_close(struct app *a, int rc);
/** The median and p99 of n figures (sorts them). */
void app_percentiles(double *v, long n, double *median, double *p99);

/* app_hud.c */
void app_hud_draw(struct app *a, uint64_t now_us);

/* app_item.c: items picked up (Q), carried, put down */
void app_item_input(struct app *a);
/** Streams where we carry the item we hold (call after the tick's move). */
void app_item_tick(struct app *a, uint64_t now_us);
void app_item_event(struct app *a, const struct cl_event *ev);
/** Staff sent an item home (a MOD_EVENT): who did, from whose hands. */
void app_item_sent_home(struct app *a, const struct proto_mod_event *m, const char *from);
void app_item_draw(struct app *a, uint64_t now_us);
