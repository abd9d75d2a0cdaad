/* plat_nowindow.c: the headless "window": no display. Input comes only from
 * an optional script (tests drive the client's real input path with it). */
#include "plat.h"
#include "plat_window.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCRIPT_MAX 256

struct script_event {
	long frame;
	enum { EV_KEY, EV_PRESS, EV_CLICK, EV_TYPE, EV_MOVE, EV_BUTTON } kind;
	int which; /* key or action */
	bool on;
	float x, y;
	char text[64];
};

struct no_window {
	struct plat_window base;
	long frame;
	int count, next;
	struct script_event events[SCRIPT_MAX];
};

static const char *const key_names[PLAT_KEY_COUNT] = {"up", "down", "left", "right", "talk"};
static const char *const action_names[] = {
	"sit",	    "mute",	   "fullscreen", "zoom-in",  "zoom-out",	"roster",
	"quit",	    "hand",	   "select-next", "select-prev", "mod-mute",	"mod-kick",
	"mod-ban",  "mod-floor", "mod-move",	 "mod-lock", "mod-mute-all", "voice-mode",
	"volume-up", "volume-down", "broadcast", "chat", "cancel", "backspace", "board", "undo", "redo",
	"grab", "eraser", "pen-colour", "pen-width"};
_Static_assert(sizeof(action_names) / sizeof(action_names[0]) == PLAT_ACT_COUNT,
	       "every action has a name in input scripts");

static int find(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

static bool parse_script(struct no_window *w, const char *path, char *err, size_t err_size)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, err_size, "cannot read the input script '%s'", path);
		return false;
	}
	char line[256];
	int lineno = 0;
	bool ok = true;
	while (ok && fgets(line, sizeof(line), f)) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char kind[16] = "", a[16] = "", b[16] = "";
		long frame;
		int n = sscanf(line, "%ld %15s %15s %15s", &frame, kind, a, b);
		if (n <= 0)
			continue;
		struct script_event ev = {.frame = frame};
		char *typed = n >= 3 && !strcmp(kind, "type") ? strstr(line, "type") + 5 : NULL;
		if (typed)
			typed[strcspn(typed, "\r\n")] = '\0';
		if (w->count == SCRIPT_MAX) {
			snprintf(err, err_size, "%s: more than %d events", path, SCRIPT_MAX);
			ok = false;
		} else if (n == 4 && !strcmp(kind, "key") &&
			   (ev.which = find(key_names, PLAT_KEY_COUNT, a)) >= 0 &&
			   (!strcmp(b, "on") || !strcmp(b, "off"))) {
			ev.kind = EV_KEY;
			ev.on = !strcmp(b, "on");
		} else if (n == 3 && !strcmp(kind, "press") &&
			   (ev.which = find(action_names, PLAT_ACT_COUNT, a)) >= 0) {
			ev.kind = EV_PRESS;
		} else if (n == 4 && !strcmp(kind, "move") && sscanf(a, "%f", &ev.x) == 1 &&
			   sscanf(b, "%f", &ev.y) == 1) {
			ev.kind = EV_MOVE;
		} else if (n == 3 && !strcmp(kind, "button") && (!strcmp(a, "on") || !strcmp(a, "off"))) {
			ev.kind = EV_BUTTON;
			ev.on = !strcmp(a, "on");
		} else if (typed && strlen(typed) < sizeof(ev.text)) {
			ev.kind = EV_TYPE;
			strcpy(ev.text, typed);
		} else if (n == 4 && !strcmp(kind, "click") && sscanf(a, "%f", &ev.x) == 1 &&
			   sscanf(b, "%f", &ev.y) == 1) {
			ev.kind = EV_CLICK;
		} else {
			snprintf(err, err_size,
				 "%s line %d: expected 'FRAME key up|down|left|right on|off', "
				 "'FRAME press ACTION', 'FRAME click X Y', 'FRAME move X Y', "
				 "'FRAME button on|off' or 'FRAME type TEXT' (at most 63 bytes)",
				 path, lineno);
			ok = false;
		}
		if (ok)
			w->events[w->count++] = ev;
	}
	fclose(f);
	return ok;
}

static void nw_poll(struct plat_window *base, struct plat_input *in)
{
	struct no_window *w = (struct no_window *)base;
	memset(in->pressed, 0, sizeof(in->pressed));
	in->wheel = 0;
	in->clicked = false;
	in->resized = false;
	in->text[0] = '\0';
	for (; w->next < w->count && w->events[w->next].frame <= w->frame; w->next++) {
		const struct script_event *ev = &w->events[w->next];
		if (ev->kind == EV_KEY) {
			in->held[ev->which] = ev->on;
		} else if (ev->kind == EV_PRESS) {
			in->pressed[ev->which]++;
		} else if (ev->kind == EV_MOVE) {
			in->mouse_x = ev->x;
			in->mouse_y = ev->y;
		} else if (ev->kind == EV_BUTTON) { /* as SDL: a press is a click there too */
			if (ev->on && !in->button) {
				in->clicked = true;
				in->click_x = in->mouse_x;
				in->click_y = in->mouse_y;
			}
			in->button = ev->on;
		} else if (ev->kind == EV_TYPE) {
			if (strlen(in->text) + strlen(ev->text) < sizeof(in->text))
				strcat(in->text, ev->text);
		} else {
			in->clicked = true;
			in->click_x = in->mouse_x = ev->x;
			in->click_y = in->mouse_y = ev->y;
		}
	}
	w->frame++;
	if (plat_stop_requested())
		in->pressed[PLAT_ACT_QUIT]++;
}

static const char *const *nw_extensions(struct plat_window *w, uint32_t *out_count)
{
	(void)w;
	*out_count = 0;
	return NULL;
}

static void nw_set_fullscreen(struct plat_window *w, bool on)
{
	(void)w;
	(void)on;
}

static void nw_set_size(struct plat_window *w, uint32_t width, uint32_t height)
{
	(void)w;
	(void)width;
	(void)height;
}

static void nw_set_title(struct plat_window *w, const char *title)
{
	(void)w;
	(void)title;
}

static void nw_set_typing(struct plat_window *w, bool on)
{
	(void)w;
	(void)on;
}

static void nw_destroy(struct plat_window *w)
{
	free(w);
}

struct plat_window *plat_window_create_headless(const char *input_script, char *err,
						size_t err_size)
{
	struct no_window *w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	w->base = (struct plat_window){
		.poll = nw_poll,
		.vk_extensions = nw_extensions,
		.create_surface = NULL,
		.set_fullscreen = nw_set_fullscreen,
		.set_size = nw_set_size,
		.set_title = nw_set_title,
		.set_typing = nw_set_typing,
		.destroy = nw_destroy,
		.headless = true,
	};
	if (input_script && !parse_script(w, input_script, err, err_size)) {
		free(w);
		return NULL;
	}
	return &w->base;
}
