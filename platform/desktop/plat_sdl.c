/* plat_sdl.c: the desktop window, SDL2 with a Vulkan surface. */
#include "plat.h"
#include "plat_window.h"

#include <SDL.h>
#include <SDL_vulkan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sdl_window {
	struct plat_window base;
	SDL_Window *window;
	const char *extensions[16];
	uint32_t extension_count;
	bool fullscreen;
	bool typing;
};

static void drawable_size(struct sdl_window *s, struct plat_input *in)
{
	int w = 0, h = 0;
	SDL_Vulkan_GetDrawableSize(s->window, &w, &h);
	if (SDL_GetWindowFlags(s->window) & SDL_WINDOW_MINIMIZED)
		w = h = 0;
	in->width = (uint32_t)(w > 0 ? w : 0);
	in->height = (uint32_t)(h > 0 ? h : 0);
}

/* While typing, keys edit the line: Enter sends, Escape closes. */
static void typing_key(struct plat_input *in, SDL_Keycode k, bool down)
{
	if (!down)
		return;
	if (k == SDLK_RETURN || k == SDLK_KP_ENTER)
		in->pressed[PLAT_ACT_CHAT]++;
	else if (k == SDLK_ESCAPE)
		in->pressed[PLAT_ACT_CANCEL]++;
	else if (k == SDLK_BACKSPACE)
		in->pressed[PLAT_ACT_BACKSPACE]++;
}

static void key(struct plat_input *in, SDL_Keycode k, Uint16 mod, bool down, bool repeat)
{
	int held = -1;
	switch (k) {
	case SDLK_w: case SDLK_UP: held = PLAT_KEY_UP; break;
	case SDLK_s: case SDLK_DOWN: held = PLAT_KEY_DOWN; break;
	case SDLK_a: case SDLK_LEFT: held = PLAT_KEY_LEFT; break;
	case SDLK_d: case SDLK_RIGHT: held = PLAT_KEY_RIGHT; break;
	case SDLK_v: held = PLAT_KEY_TALK; break;
	default: break;
	}
	if (held >= 0)
		in->held[held] = down;
	if (!down || repeat)
		return;
	switch (k) {
	case SDLK_e: in->pressed[PLAT_ACT_SIT]++; break;
	case SDLK_m: in->pressed[PLAT_ACT_MUTE]++; break;
	case SDLK_F11: in->pressed[PLAT_ACT_FULLSCREEN]++; break;
	case SDLK_RETURN:
	case SDLK_KP_ENTER:
		in->pressed[mod & KMOD_ALT ? PLAT_ACT_FULLSCREEN : PLAT_ACT_CHAT]++;
		break;
	case SDLK_PLUS: case SDLK_EQUALS: case SDLK_KP_PLUS: in->pressed[PLAT_ACT_ZOOM_IN]++; break;
	case SDLK_MINUS: case SDLK_KP_MINUS: in->pressed[PLAT_ACT_ZOOM_OUT]++; break;
	case SDLK_TAB: in->pressed[PLAT_ACT_ROSTER]++; break;
	case SDLK_ESCAPE: in->pressed[PLAT_ACT_CANCEL]++; break; /* the app: close, or leave */
	case SDLK_h: in->pressed[PLAT_ACT_HAND]++; break;
	case SDLK_RIGHTBRACKET: case SDLK_PAGEDOWN: in->pressed[PLAT_ACT_SELECT_NEXT]++; break;
	case SDLK_LEFTBRACKET: case SDLK_PAGEUP: in->pressed[PLAT_ACT_SELECT_PREV]++; break;
	case SDLK_u: in->pressed[PLAT_ACT_MOD_MUTE]++; break;
	case SDLK_k: in->pressed[PLAT_ACT_MOD_KICK]++; break;
	case SDLK_b: in->pressed[PLAT_ACT_MOD_BAN]++; break;
	case SDLK_f: in->pressed[PLAT_ACT_MOD_FLOOR]++; break;
	case SDLK_g: in->pressed[PLAT_ACT_MOD_MOVE]++; break;
	case SDLK_l: in->pressed[PLAT_ACT_MOD_LOCK]++; break;
	case SDLK_x: in->pressed[PLAT_ACT_MOD_MUTE_ALL]++; break;
	case SDLK_t: in->pressed[PLAT_ACT_VOICE_MODE]++; break;
	case SDLK_PERIOD: in->pressed[PLAT_ACT_VOLUME_UP]++; break;
	case SDLK_COMMA: in->pressed[PLAT_ACT_VOLUME_DOWN]++; break;
	case SDLK_y: in->pressed[PLAT_ACT_BROADCAST]++; break;
	case SDLK_F2: in->pressed[PLAT_ACT_BOARD]++; break;
	case SDLK_z: in->pressed[PLAT_ACT_UNDO]++; break;
	case SDLK_r: in->pressed[PLAT_ACT_REDO]++; break;
	case SDLK_q: in->pressed[PLAT_ACT_GRAB]++; break;
	case SDLK_DELETE: in->pressed[PLAT_ACT_ERASER]++; break;
	case SDLK_c: in->pressed[PLAT_ACT_PEN_COLOUR]++; break;
	case SDLK_p: in->pressed[PLAT_ACT_PEN_WIDTH]++; break;
	default: break;
	}
}

/* Window coordinates to drawable pixels (they differ on high-DPI screens). */
static void to_drawable(struct sdl_window *s, int x, int y, float *out_x, float *out_y)
{
	int ww = 1, wh = 1, dw = 1, dh = 1;
	SDL_GetWindowSize(s->window, &ww, &wh);
	SDL_Vulkan_GetDrawableSize(s->window, &dw, &dh);
	*out_x = (float)x * (float)dw / (float)(ww > 0 ? ww : 1);
	*out_y = (float)y * (float)dh / (float)(wh > 0 ? wh : 1);
}

static void sdl_poll(struct plat_window *w, struct plat_input *in)
{
	struct sdl_window *s = (struct sdl_window *)w;
	memset(in->pressed, 0, sizeof(in->pressed));
	in->wheel = 0;
	in->clicked = false;
	in->resized = false;
	in->text[0] = '\0';
	SDL_Event e;
	while (SDL_PollEvent(&e)) {
		switch (e.type) {
		case SDL_QUIT:
			in->pressed[PLAT_ACT_QUIT]++;
			break;
		case SDL_KEYDOWN:
		case SDL_KEYUP:
			if (s->typing)
				typing_key(in, e.key.keysym.sym, e.type == SDL_KEYDOWN);
			else
				key(in, e.key.keysym.sym, e.key.keysym.mod, e.type == SDL_KEYDOWN,
				    e.key.repeat != 0);
			break;
		case SDL_TEXTINPUT:
			if (s->typing && strlen(in->text) + strlen(e.text.text) < sizeof(in->text))
				strcat(in->text, e.text.text);
			break;
		case SDL_MOUSEWHEEL:
			in->wheel += (float)e.wheel.y;
			break;
		case SDL_MOUSEBUTTONDOWN:
			if (e.button.button == SDL_BUTTON_LEFT) {
				in->clicked = true;
				in->button = true;
				to_drawable(s, e.button.x, e.button.y, &in->click_x, &in->click_y);
				in->mouse_x = in->click_x;
				in->mouse_y = in->click_y;
			}
			break;
		case SDL_MOUSEBUTTONUP:
			if (e.button.button == SDL_BUTTON_LEFT)
				in->button = false;
			break;
		case SDL_MOUSEMOTION:
			to_drawable(s, e.motion.x, e.motion.y, &in->mouse_x, &in->mouse_y);
			break;
		case SDL_WINDOWEVENT:
			if (e.window.event == SDL_WINDOWEVENT_SIZE_CHANGED ||
			    e.window.event == SDL_WINDOWEVENT_MINIMIZED ||
			    e.window.event == SDL_WINDOWEVENT_RESTORED ||
			    e.window.event == SDL_WINDOWEVENT_MAXIMIZED)
				in->resized = true;
			if (e.window.event == SDL_WINDOWEVENT_FOCUS_LOST)
				memset(in->held, 0, sizeof(in->held));
			break;
		default:
			break;
		}
	}
	if (plat_stop_requested())
		in->pressed[PLAT_ACT_QUIT]++;
	drawable_size(s, in);
}

static const char *const *sdl_extensions(struct plat_window *w, uint32_t *out_count)
{
	struct sdl_window *s = (struct sdl_window *)w;
	*out_count = s->extension_count;
	return s->extensions;
}

static bool sdl_create_surface(void *w, void *instance, void *out_surface)
{
	struct sdl_window *s = w;
	return SDL_Vulkan_CreateSurface(s->window, (VkInstance)instance, (VkSurfaceKHR *)out_surface);
}

static void sdl_set_fullscreen(struct plat_window *w, bool on)
{
	struct sdl_window *s = (struct sdl_window *)w;
	SDL_SetWindowFullscreen(s->window, on ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
	s->fullscreen = on;
}

static void sdl_set_size(struct plat_window *w, uint32_t width, uint32_t height)
{
	struct sdl_window *s = (struct sdl_window *)w;
	SDL_SetWindowSize(s->window, (int)width, (int)height);
}

static void sdl_set_title(struct plat_window *w, const char *title)
{
	struct sdl_window *s = (struct sdl_window *)w;
	SDL_SetWindowTitle(s->window, title);
}

static void sdl_set_typing(struct plat_window *w, bool on)
{
	struct sdl_window *s = (struct sdl_window *)w;
	if (on == s->typing)
		return;
	s->typing = on;
	if (on)
		SDL_StartTextInput();
	else
		SDL_StopTextInput();
}

static void sdl_destroy(struct plat_window *w)
{
	struct sdl_window *s = (struct sdl_window *)w;
	if (s->window)
		SDL_DestroyWindow(s->window);
	SDL_QuitSubSystem(SDL_INIT_VIDEO);
	SDL_Quit();
	free(s);
}

struct plat_window *plat_window_create_sdl(const char *title, uint32_t width, uint32_t height,
					   bool fullscreen, char *err, size_t err_size)
{
	/* SDL would otherwise take SIGINT/SIGTERM; the client's own handler stays. */
	SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
	if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
		snprintf(err, err_size, "no display: %s (run with --headless to render offscreen)",
			 SDL_GetError());
		return NULL;
	}
	struct sdl_window *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, err_size, "out of memory");
		SDL_QuitSubSystem(SDL_INIT_VIDEO);
		return NULL;
	}
	Uint32 flags = SDL_WINDOW_VULKAN | SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI;
	if (fullscreen)
		flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
	s->window = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
				     (int)width, (int)height, flags);
	unsigned n = 16;
	if (!s->window || !SDL_Vulkan_GetInstanceExtensions(s->window, &n, s->extensions)) {
		snprintf(err, err_size, "cannot open a Vulkan window: %s", SDL_GetError());
		if (s->window)
			SDL_DestroyWindow(s->window);
		free(s);
		SDL_QuitSubSystem(SDL_INIT_VIDEO);
		return NULL;
	}
	s->extension_count = n;
	s->fullscreen = fullscreen;
	SDL_StopTextInput(); /* keys act until a chat line opens */
	s->base = (struct plat_window){
		.poll = sdl_poll,
		.vk_extensions = sdl_extensions,
		.create_surface = sdl_create_surface,
		.set_fullscreen = sdl_set_fullscreen,
		.set_size = sdl_set_size,
		.set_title = sdl_set_title,
		.set_typing = sdl_set_typing,
		.destroy = sdl_destroy,
	};
	return &s->base;
}
