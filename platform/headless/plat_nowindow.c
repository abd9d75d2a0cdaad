/* plat_nowindow.c: the headless "window": no display, no events. */
#include "plat.h"
#include "plat_window.h"

#include <stdlib.h>
#include <string.h>

static void nw_poll(struct plat_window *w, struct plat_input *in)
{
	(void)w;
	bool held[PLAT_KEY_COUNT];
	memcpy(held, in->held, sizeof(held));
	uint32_t width = in->width, height = in->height;
	memset(in, 0, sizeof(*in));
	memcpy(in->held, held, sizeof(held));
	in->width = width;
	in->height = height;
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

static void nw_destroy(struct plat_window *w)
{
	free(w);
}

struct plat_window *plat_window_create_headless(void)
{
	struct plat_window *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	*w = (struct plat_window){
		.poll = nw_poll,
		.vk_extensions = nw_extensions,
		.create_surface = NULL,
		.set_fullscreen = nw_set_fullscreen,
		.set_size = nw_set_size,
		.set_title = nw_set_title,
		.destroy = nw_destroy,
		.headless = true,
	};
	return w;
}
