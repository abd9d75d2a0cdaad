/**
 * @file plat_window.h
 * @brief The window the client draws into, chosen at run time: an SDL2
 * window on the desktop, or none (headless: offscreen frames only). An
 * interface struct of function pointers; implementations embed it as their
 * first member `base` (Monado's convention).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum plat_key {
	PLAT_KEY_UP,    /* W, Up */
	PLAT_KEY_DOWN,  /* S, Down */
	PLAT_KEY_LEFT,  /* A, Left */
	PLAT_KEY_RIGHT, /* D, Right */
	PLAT_KEY_TALK,  /* V, held: push to talk */
	PLAT_KEY_COUNT,
};

enum plat_action {
	PLAT_ACT_SIT,        /* E: sit at the nearest free seat, or stand up */
	PLAT_ACT_MUTE,       /* M */
	PLAT_ACT_FULLSCREEN, /* F11, Alt+Enter */
	PLAT_ACT_ZOOM_IN,    /* +, = */
	PLAT_ACT_ZOOM_OUT,   /* - */
	PLAT_ACT_ROSTER,     /* Tab */
	PLAT_ACT_QUIT,       /* window closed (Escape is CANCEL: the app decides) */
	PLAT_ACT_HAND,       /* H: raise or lower one's hand */
	PLAT_ACT_SELECT_NEXT, /* ], Page Down: the next member in the roster */
	PLAT_ACT_SELECT_PREV, /* [, Page Up */
	/* Staff, on the member selected in the roster (or the room): */
	PLAT_ACT_MOD_MUTE,     /* U: mute or unmute */
	PLAT_ACT_MOD_KICK,     /* K: remove from the room */
	PLAT_ACT_MOD_BAN,      /* B: remove for the rest of the session */
	PLAT_ACT_MOD_FLOOR,    /* F: give or take back the floor */
	PLAT_ACT_MOD_MOVE,     /* G: move to the next zone */
	PLAT_ACT_MOD_LOCK,     /* L: lock or unlock the room */
	PLAT_ACT_MOD_MUTE_ALL, /* X: mute everyone but staff and the floor, or undo */
	/* Voice: */
	PLAT_ACT_VOICE_MODE,   /* T: push to talk, or on voice activity */
	PLAT_ACT_VOLUME_UP,    /* . : the selected member louder, for us */
	PLAT_ACT_VOLUME_DOWN,  /* , : quieter */
	PLAT_ACT_BROADCAST,    /* Y: speak to the whole room (instructor, floor) */
	/* Chat: */
	PLAT_ACT_CHAT,         /* Enter: open the chat line; while typing, send it */
	PLAT_ACT_CANCEL,       /* Escape: close the chat line or the board; twice, leave */
	PLAT_ACT_BACKSPACE,    /* while typing */
	/* Boards: */
	PLAT_ACT_BOARD,        /* F2: the room's first board full-screen, the next, closed */
	PLAT_ACT_UNDO,         /* Z: undo one's newest stroke */
	PLAT_ACT_REDO,         /* R: redo it */
	PLAT_ACT_GRAB,         /* Q: pick up the nearest item within reach, or put it down */
	PLAT_ACT_ERASER,       /* Delete, on an open board: the eraser on or off */
	PLAT_ACT_PEN_COLOUR,   /* C, on an open board: the next pen colour */
	PLAT_ACT_PEN_WIDTH,    /* P, on an open board: the next pen width */
	PLAT_ACT_COUNT,
};

/** What happened since the last poll. */
struct plat_input {
	bool held[PLAT_KEY_COUNT];
	int pressed[PLAT_ACT_COUNT]; /* presses since the last poll */
	float wheel;                 /* scroll steps, positive = zoom in */
	bool clicked;                /* left button went down */
	float click_x, click_y;      /* drawable pixels */
	float mouse_x, mouse_y;
	bool button;                 /* the left button is held */
	bool resized;
	uint32_t width, height;      /* drawable pixels; 0 x 0 while minimised */
	/* While typing (set_typing): the text typed since the last poll, UTF-8;
	 * keys then type instead of acting (only CHAT, CANCEL and BACKSPACE). */
	char text[128];
};

struct plat_window {
	/** Fills in with what happened since the last call; keeps `held`. */
	void (*poll)(struct plat_window *w, struct plat_input *in);
	/** Vulkan instance extensions the window system needs (count 0: none). */
	const char *const *(*vk_extensions)(struct plat_window *w, uint32_t *out_count);
	/** Creates the VkSurfaceKHR; instance and out_surface are Vulkan handles. */
	bool (*create_surface)(void *w, void *instance, void *out_surface);
	void (*set_fullscreen)(struct plat_window *w, bool on);
	void (*set_size)(struct plat_window *w, uint32_t width, uint32_t height);
	void (*set_title)(struct plat_window *w, const char *title);
	/** Keys type text (a chat line is open) or act. */
	void (*set_typing)(struct plat_window *w, bool on);
	void (*destroy)(struct plat_window *w);
	bool headless;
};

/** An SDL2 window (NULL and a message in err when no display can be opened). */
struct plat_window *plat_window_create_sdl(const char *title, uint32_t width, uint32_t height,
					   bool fullscreen, char *err, size_t err_size);
/**
 * No window: frames are rendered offscreen. Polls the stop signals and, when
 * input_script is not NULL, replays input from that file, one poll per frame.
 * Each line: FRAME EVENT [ARGS], '#' starts a comment:
 *   FRAME key up|down|left|right on|off
 *   FRAME press sit|mute|fullscreen|zoom-in|zoom-out|roster|quit|hand|select-next|
 *               select-prev|mod-mute|mod-kick|mod-ban|mod-floor|mod-move|mod-lock|
 *               mod-mute-all|voice-mode|volume-up|volume-down|broadcast|chat|cancel|
 *               backspace|board|undo|redo|grab|eraser|pen-colour|pen-width
 *   FRAME click X Y
 *   FRAME move X Y         (the mouse)
 *   FRAME button on|off    (the left button held, where the mouse is; on is
 *                          also a click there, as a real button's press)
 *   FRAME type TEXT (the rest of the line, typed into an open chat line)
 * NULL and a message in err when the script cannot be read.
 */
struct plat_window *plat_window_create_headless(const char *input_script, char *err,
						size_t err_size);
