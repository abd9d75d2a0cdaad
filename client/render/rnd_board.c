/*
 * rnd_board.c: the boards' images. Each of up to RND_BOARD_IMAGES boards
 * has a texture the app rasterises its strokes into; it is drawn on its
 * wall in the room (a sprite skewed along the wall, its depth from the
 * wall's key at each end, so whoever stands in front of it hides it as a
 * painter would) and, for the board open full-screen, as a screen quad
 * among the HUD's.
 */
#include "rnd_vk.h"

enum core_result rnd_set_board_image(struct rnd *r, int slot, uint32_t w, uint32_t h,
				     const uint32_t *rgba)
{
	if (slot < 0 || slot >= RND_BOARD_IMAGES || !w || !h)
		return CORE_ERR_INVALID;
	struct rnd_image *img = &r->boards[slot];
	if (img->image && (w != r->board_w[slot] || h != r->board_h[slot]))
		return CORE_ERR_INVALID;
	size_t bytes = (size_t)w * h * 4;
	if (img->image)
		return rnd_texture_update(r, img, w, h, rgba, bytes);
	enum core_result res = rnd_texture_create(r, w, h, VK_FORMAT_R8G8B8A8_UNORM, rgba, bytes, img);
	if (res != CORE_OK)
		return res;
	r->board_w[slot] = w;
	r->board_h[slot] = h;
	r->board_sets[slot] = rnd_texture_set(r, img, r->sampler_linear);
	return r->board_sets[slot] ? CORE_OK : CORE_ERR_NOMEM;
}

void rnd_boards_destroy(struct rnd *r)
{
	for (int i = 0; i < RND_BOARD_IMAGES; i++)
		rnd_image_destroy(r, &r->boards[i]);
}

void rnd_draw_board(struct rnd *r, int slot, float x, float y, float w, float h)
{
	if (slot < 0 || slot >= RND_BOARD_IMAGES || !r->board_sets[slot] || !r->cur ||
	    r->cur->board_at)
		return;
	struct rnd_ui_inst *u = rnd_ui_slot(r);
	if (!u)
		return;
	*u = (struct rnd_ui_inst){.rect = {x, y, w, h}, .uv = {0, 0, 1, 1},
				  .extra = {0, RND_UI_IMAGE}, .colour = 0xffffffffu};
	r->cur->board_at = r->cur->ui_count;
	r->cur->board_slot = slot;
}

void rnd_draw_wall_board(struct rnd *r, int slot, float x0_m, float y0_m, float x1_m, float y1_m,
			 float z0_m, float z1_m)
{
	struct rnd_frame *f = r->cur;
	if (slot < 0 || slot >= RND_BOARD_IMAGES || !r->board_sets[slot] || !f)
		return;
	float ax, ay, bx, by, lx, ly;
	rnd_iso_px(r, x0_m, y0_m, z1_m, &ax, &ay); /* the image's top left */
	rnd_iso_px(r, x1_m, y1_m, z1_m, &bx, &by); /* its top right */
	rnd_iso_px(r, x0_m, y0_m, z0_m, &lx, &ly); /* its bottom left */
	float u0 = 0, u1 = 1, k0 = x0_m + y0_m, k1 = x1_m + y1_m;
	if (bx < ax) { /* seen from behind the left edge: the quad runs the other way */
		float t;
		t = ax, ax = bx, bx = t;
		t = ay, ay = by, by = t;
		t = k0, k0 = k1, k1 = t;
		u0 = 1, u1 = 0;
	}
	if (bx - ax < 0.5f)
		return; /* edge on: nothing to see */
	struct rnd_sprite_inst *s =
		(struct rnd_sprite_inst *)f->decals.map + (RND_MAX_DECALS - RND_BOARD_IMAGES + slot);
	*s = (struct rnd_sprite_inst){
		.rect = {ax, ay, bx - ax, ly - ay},
		.uv = {u0, 0, u1, 1},
		/* A hair behind the wall's face: what stands at the wall wins. */
		.info = {k0 - 0.02f, RND_SPRITE_WALL_IMAGE, (by - ay) / (bx - ax), k1 - 0.02f},
		.tint = 0xffffffffu,
	};
	f->walls |= (uint8_t)(1u << slot);
}
