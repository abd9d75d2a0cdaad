/*
 * rnd_world.c: the world's tile sprites (built once per world), the frame's
 * decals and avatars, the projection and the draws of a frame.
 *
 * The sprite atlas is the world's tileset images stacked vertically, with a
 * strip of the renderer's own shapes below them (a diamond, a ring and a
 * soft shadow, all in the 2:1 floor projection).
 */
#include "rnd_vk.h"
#include "rnd_xr.h"

#include "sim/world.h"
#include "sim/world_load.h"

#include <math.h>
#include <stb_image.h>
#include <stdlib.h>
#include <string.h>

#define STRIP_H 32
#define SHAPE_W 64

uint32_t rnd_rgba(uint32_t argb)
{
	/* 0xAARRGGBB -> bytes R, G, B, A in memory (little-endian 0xAABBGGRR) */
	return (argb & 0xff00ff00u) | ((argb >> 16) & 0xffu) | ((argb & 0xffu) << 16);
}

void rnd_world_destroy(struct rnd *r)
{
	rnd_buffer_destroy(r, &r->statics);
	rnd_image_destroy(r, &r->atlas);
	if (r->atlas_set)
		vkFreeDescriptorSets(r->device, r->desc_pool, 1, &r->atlas_set);
	r->atlas_set = VK_NULL_HANDLE;
	r->static_count = 0;
	rnd_xr_room_destroy(r); /* the VR scene's room goes with the world */
}

/* The renderer's shapes, each SHAPE_W x STRIP_H: 0 diamond, 1 ring, 2 shadow. */
static void draw_strip(uint8_t *px, uint32_t stride_px)
{
	for (int y = 0; y < STRIP_H; y++) {
		for (int x = 0; x < 3 * SHAPE_W; x++) {
			int s = x / SHAPE_W;
			float u = ((float)(x % SHAPE_W) + 0.5f) / SHAPE_W * 2 - 1;
			float v = ((float)y + 0.5f) / STRIP_H * 2 - 1;
			float a;
			if (s == 0) {
				float d = fabsf(u) + fabsf(v); /* diamond: |u| + |v| <= 1 */
				a = CORE_CLAMP((1.0f - d) * 16.0f, 0.0f, 1.0f);
			} else if (s == 1) {
				float d = sqrtf(u * u + v * v);
				a = CORE_CLAMP(1.0f - fabsf(d - 0.8f) * 10.0f, 0.0f, 1.0f);
			} else {
				float d = sqrtf(u * u + v * v);
				a = CORE_CLAMP(1.0f - d, 0.0f, 1.0f);
				a = a * a;
			}
			uint8_t *p = px + ((size_t)y * stride_px + (size_t)x) * 4;
			p[0] = p[1] = p[2] = 255;
			p[3] = (uint8_t)(a * 255.0f + 0.5f);
		}
	}
}

struct loaded_tileset {
	const unsigned char *px; /* the caller's (struct rnd_world_images) */
	int w, h;
	uint32_t y; /* row in the atlas */
	uint16_t (*trim)[4]; /* per tile: x0, y0, x1, y1 of its visible pixels */
};

/* The visible part of each tile image: a flat floor tile is a 64 x 32
 * diamond at the bottom of a 64 x 128 cell, and drawing only that part
 * saves three quarters of its fragments. */
static bool trim_tiles(const struct sim_art_tileset *ts, struct loaded_tileset *set)
{
	set->trim = calloc(ts->tilecount, sizeof(*set->trim));
	if (!set->trim)
		return false;
	for (uint32_t idx = 0; idx < ts->tilecount; idx++) {
		int ox = ts->margin_px + (int)(idx % ts->columns) * (ts->tile_w_px + ts->spacing_px);
		int oy = ts->margin_px + (int)(idx / ts->columns) * (ts->tile_h_px + ts->spacing_px);
		int x0 = ts->tile_w_px, y0 = ts->tile_h_px, x1 = 0, y1 = 0;
		for (int y = 0; y < ts->tile_h_px && oy + y < set->h; y++) {
			for (int x = 0; x < ts->tile_w_px && ox + x < set->w; x++) {
				if (!set->px[((size_t)(oy + y) * (size_t)set->w + (size_t)(ox + x)) * 4 + 3])
					continue;
				x0 = CORE_MIN(x0, x);
				y0 = CORE_MIN(y0, y);
				x1 = CORE_MAX(x1, x + 1);
				y1 = CORE_MAX(y1, y + 1);
			}
		}
		if (x1 <= x0)
			x0 = y0 = x1 = y1 = 0; /* empty tile: nothing to draw */
		set->trim[idx][0] = (uint16_t)x0;
		set->trim[idx][1] = (uint16_t)y0;
		set->trim[idx][2] = (uint16_t)x1;
		set->trim[idx][3] = (uint16_t)y1;
	}
	return true;
}

enum core_result rnd_world_images_load(const struct sim_world_art *art,
				      struct rnd_world_images *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < art->tileset_count; i++) {
		struct rnd_tileset_image *im = &out->sets[i];
		int ch;
		im->rgba = stbi_load(art->tilesets[i].image, &im->w, &im->h, &ch, 4);
		if (!im->rgba) {
			CORE_ERROR("cannot read the tileset image '%s' (%s); check the path in the "
				   "tileset",
				   art->tilesets[i].image, stbi_failure_reason());
			rnd_world_images_free(out);
			return CORE_ERR_INVALID;
		}
		out->count = i + 1;
	}
	return CORE_OK;
}

void rnd_world_images_free(struct rnd_world_images *im)
{
	for (int i = 0; i < im->count; i++)
		stbi_image_free(im->sets[i].rgba);
	memset(im, 0, sizeof(*im));
}

static enum core_result build_atlas(struct rnd *r, const struct sim_world_art *art,
				    const struct rnd_world_images *images,
				    struct loaded_tileset *sets)
{
	uint32_t w = 3 * SHAPE_W, h = 0;
	if (images->count != art->tileset_count) {
		CORE_ERROR("the world has %d tilesets but %d images were read", art->tileset_count,
			   images->count);
		return CORE_ERR_INVALID;
	}
	for (int i = 0; i < art->tileset_count; i++) {
		sets[i].px = images->sets[i].rgba;
		sets[i].w = images->sets[i].w;
		sets[i].h = images->sets[i].h;
		if (!trim_tiles(&art->tilesets[i], &sets[i]))
			return CORE_ERR_NOMEM;
		sets[i].y = h;
		w = CORE_MAX(w, (uint32_t)sets[i].w);
		h += (uint32_t)sets[i].h;
	}
	uint32_t strip_y = h;
	h += STRIP_H;
	uint8_t *px = calloc((size_t)w * h, 4);
	if (!px)
		return CORE_ERR_NOMEM;
	for (int i = 0; i < art->tileset_count; i++)
		for (int y = 0; y < sets[i].h; y++)
			memcpy(px + ((size_t)(sets[i].y + (uint32_t)y) * w) * 4,
			       sets[i].px + (size_t)y * (size_t)sets[i].w * 4, (size_t)sets[i].w * 4);
	draw_strip(px + (size_t)strip_y * w * 4, w);
	enum core_result res = rnd_texture_create(r, w, h, VK_FORMAT_R8G8B8A8_UNORM, px,
						  (size_t)w * h * 4, &r->atlas);
	free(px);
	if (res != CORE_OK)
		return res;
	r->atlas_w = w;
	r->atlas_h = h;
	r->atlas_strip_v = (float)strip_y / (float)h;
	r->atlas_set = rnd_texture_set(r, &r->atlas, r->sampler_pixel);
	return r->atlas_set ? CORE_OK : CORE_ERR_NOMEM;
}

static uint32_t count_tiles(const struct sim_world_art *art)
{
	uint32_t n = 0;
	for (int l = 0; l < art->layer_count; l++)
		for (int32_t i = 0; i < art->width_tiles * art->height_tiles; i++)
			n += art->layers[l].gids[i] != 0;
	return n;
}

static void build_sprites(struct rnd *r, const struct sim_world *w,
			  const struct sim_world_art *art, const struct loaded_tileset *sets)
{
	struct rnd_sprite_inst *out = r->statics.map;
	float tw = (float)w->tile_w_px, th = (float)w->tile_h_px;
	uint32_t n = 0;
	for (int l = 0; l < art->layer_count; l++) {
		const struct sim_art_layer *layer = &art->layers[l];
		bool floor = l == 0 || !strcmp(layer->name, "floor");
		bool walls = !strcmp(layer->name, "walls");
		for (int32_t i = 0; i < art->width_tiles * art->height_tiles; i++) {
			uint32_t gid = layer->gids[i];
			int t = gid ? sim_world_art_tileset(art, gid) : -1;
			if (t < 0)
				continue;
			const struct sim_art_tileset *ts = &art->tilesets[t];
			uint32_t idx = gid - ts->firstgid;
			const uint16_t *tr = sets[t].trim[idx];
			if (tr[2] <= tr[0])
				continue;
			float sx = (float)(ts->margin_px +
					   (int32_t)(idx % ts->columns) * (ts->tile_w_px + ts->spacing_px));
			float sy = (float)(ts->margin_px +
					   (int32_t)(idx / ts->columns) * (ts->tile_h_px + ts->spacing_px));
			int32_t c = i % art->width_tiles, row = i / art->width_tiles;
			/* Tiled: the image's bottom edge sits on the cell's bottom corner. */
			float top_x = (float)(c - row) * tw * 0.5f;
			float top_y = (float)(c + row) * th * 0.5f;
			float x0 = top_x - tw * 0.5f + (float)ts->offset_x_px + tr[0];
			float y0 = top_y + th - (float)ts->tile_h_px + (float)ts->offset_y_px + tr[1];
			float iw = (float)(tr[2] - tr[0]), ih = (float)(tr[3] - tr[1]);
			float u0 = sx + tr[0], v0 = (float)sets[t].y + sy + tr[1];
			out[n++] = (struct rnd_sprite_inst){
				.rect = {x0, y0, iw, ih},
				.uv = {u0 / (float)r->atlas_w, v0 / (float)r->atlas_h,
				       (u0 + iw) / (float)r->atlas_w, (v0 + ih) / (float)r->atlas_h},
				.info = {(float)(c + row + 1) * r->tile_m,
					 floor ? (float)RND_SPRITE_FLOOR
					       : walls ? (float)RND_SPRITE_CUTAWAY : 0.0f},
				.tint = 0xffffffffu,
			};
		}
	}
	r->static_count = n;
}

enum core_result rnd_set_world(struct rnd *r, const struct sim_world *w,
			       const struct sim_world_art *art, const struct rnd_world_images *images)
{
	vkDeviceWaitIdle(r->device);
	rnd_world_destroy(r);
	r->tile_m = (float)w->tile_mm / 1000.0f;
	r->iso_x = (float)w->tile_w_px * 0.5f / r->tile_m;
	r->iso_y = (float)w->tile_h_px * 0.5f / r->tile_m;
	r->key_min = -1.0f;
	r->key_max = (float)(w->width_tiles + w->height_tiles) * r->tile_m + 1.0f;

	struct loaded_tileset sets[SIM_ART_MAX_TILESETS] = {0};
	enum core_result res = build_atlas(r, art, images, sets);
	uint32_t tiles = count_tiles(art);
	if (res == CORE_OK && tiles > RND_MAX_STATIC_SPRITES) {
		CORE_ERROR("the world has %u tiles in its layers; the renderer draws at most %d",
			   tiles, RND_MAX_STATIC_SPRITES);
		res = CORE_ERR_FULL;
	}
	if (res == CORE_OK)
		res = rnd_buffer_create(r, sizeof(struct rnd_sprite_inst) * CORE_MAX(tiles, 1u),
					VK_BUFFER_USAGE_VERTEX_BUFFER_BIT, &r->statics);
	if (res == CORE_OK)
		build_sprites(r, w, art, sets);
	if (res == CORE_OK && r->xr) /* the VR scene's room too */
		res = rnd_xr_set_room(r, w, art, images);
	for (int i = 0; i < art->tileset_count; i++)
		free(sets[i].trim);
	return res;
}

/* ---- projection ------------------------------------------------------------ */

void rnd_iso_px(const struct rnd *r, float x, float y, float z, float *px, float *py)
{
	*px = (x - y) * r->iso_x;
	*py = (x + y) * r->iso_y - z * (float)RND_Z_PX_PER_M;
}

void rnd_update_push(struct rnd *r)
{
	float cx, cy;
	rnd_iso_px(r, r->cam.x_m, r->cam.y_m, 0, &cx, &cy);
	float w = (float)r->width, h = (float)r->height;
	r->push = (struct rnd_push){
		.iso = {r->iso_x, r->iso_y, (float)RND_Z_PX_PER_M, 0},
		.cam = {cx, cy, 2.0f * r->cam.zoom / w, 2.0f * r->cam.zoom / h},
		.depth = {r->key_min, 1.0f / (r->key_max - r->key_min), w, h},
		.cut = {r->push.cut[0], r->push.cut[1], r->push.cut[2], r->push.cut[3]},
	};
}

void rnd_set_focus(struct rnd *r, float x_m, float y_m, bool enabled)
{
	float px, py;
	rnd_iso_px(r, x_m, y_m, 0.8f, &px, &py);
	r->push.cut[0] = px;
	r->push.cut[1] = py;
	r->push.cut[2] = x_m + y_m;
	r->push.cut[3] = enabled ? 110.0f : 0.0f;
}

void rnd_world_to_screen(const struct rnd *r, float x_m, float y_m, float z_m, float *out_x,
			 float *out_y)
{
	float px, py, cx, cy;
	rnd_iso_px(r, x_m, y_m, z_m, &px, &py);
	rnd_iso_px(r, r->cam.x_m, r->cam.y_m, 0, &cx, &cy);
	*out_x = (px - cx) * r->cam.zoom + (float)r->width * 0.5f;
	*out_y = (py - cy) * r->cam.zoom + (float)r->height * 0.5f;
}

void rnd_screen_to_world(const struct rnd *r, float sx, float sy, float z_m, float *out_x_m,
			 float *out_y_m)
{
	float cx, cy;
	rnd_iso_px(r, r->cam.x_m, r->cam.y_m, 0, &cx, &cy);
	float px = (sx - (float)r->width * 0.5f) / r->cam.zoom + cx;
	float py = (sy - (float)r->height * 0.5f) / r->cam.zoom + cy + z_m * (float)RND_Z_PX_PER_M;
	float a = px / r->iso_x, b = py / r->iso_y; /* x - y and x + y */
	*out_x_m = (a + b) * 0.5f;
	*out_y_m = (b - a) * 0.5f;
}

/* ---- the frame's dynamic things ---------------------------------------------- */

void rnd_draw_avatar(struct rnd *r, const struct rnd_avatar *a)
{
	struct rnd_frame *f = r->cur;
	if (!f)
		return;
	if (f->avatar_count == RND_MAX_AVATARS) {
		r->stats.dropped++;
		return;
	}
	float flags = (a->sitting ? (float)RND_AV_SITTING : 0.0f) +
		      (a->walking ? (float)RND_AV_WALKING : 0.0f);
	struct rnd_avatar_inst *in = (struct rnd_avatar_inst *)f->avatars.map + f->avatar_count++;
	*in = (struct rnd_avatar_inst){
		.place = {a->x_m, a->y_m, a->yaw_rad, flags},
		.colour = {(float)((a->colour >> 16) & 0xff) / 255.0f,
			   (float)((a->colour >> 8) & 0xff) / 255.0f, (float)(a->colour & 0xff) / 255.0f,
			   1.0f},
		.anim = {a->walk_phase_rad, a->seat_height_m, 0, 0},
	};
}

void rnd_draw_decal(struct rnd *r, float x_m, float y_m, float z_m, float size_m, int shape,
		    uint32_t argb)
{
	struct rnd_frame *f = r->cur;
	if (!f)
		return;
	if (f->decal_count == RND_MAX_DECALS - RND_BOARD_IMAGES) { /* the last are the walls' boards */
		r->stats.dropped++;
		return;
	}
	float px, py;
	rnd_iso_px(r, x_m, y_m, z_m, &px, &py);
	float w = size_m * 2.0f * r->iso_x, h = size_m * 2.0f * r->iso_y;
	float u0 = (float)(CORE_CLAMP(shape, 0, 2) * SHAPE_W) / (float)r->atlas_w;
	float u1 = u0 + (float)SHAPE_W / (float)r->atlas_w;
	struct rnd_sprite_inst *s = (struct rnd_sprite_inst *)f->decals.map + f->decal_count++;
	*s = (struct rnd_sprite_inst){
		.rect = {px - w * 0.5f, py - h * 0.5f, w, h},
		.uv = {u0, r->atlas_strip_v, u1, 1.0f},
		.info = {x_m + y_m + 0.01f, 0},
		.tint = rnd_rgba(argb),
	};
}

/* One instanced draw of `count` quads (six vertices each); 0 draws if none. */
static uint32_t draw_range(struct rnd *r, VkCommandBuffer cmd, VkPipeline pipe,
			   VkDescriptorSet set, VkBuffer instances, uint32_t first, uint32_t count)
{
	if (!count)
		return 0;
	VkDeviceSize zero = 0;
	vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, pipe);
	vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, r->layout, 0, 1, &set, 0, NULL);
	vkCmdBindVertexBuffers(cmd, 0, 1, &instances, &zero);
	vkCmdDraw(cmd, 6, count, 0, first);
	return 1;
}

static uint32_t draw_quads(struct rnd *r, VkCommandBuffer cmd, VkPipeline pipe, VkDescriptorSet set,
			   VkBuffer instances, uint32_t count)
{
	return draw_range(r, cmd, pipe, set, instances, 0, count);
}

/* The HUD's quads in one draw, or three around the board's image: the
 * quads before it, the image (its own texture), the quads after it. */
static uint32_t draw_ui(struct rnd *r, VkCommandBuffer cmd, const struct rnd_frame *f)
{
	if (!f->board_at)
		return draw_quads(r, cmd, r->pipe_ui, r->font_set, f->ui.buf, f->ui_count);
	uint32_t at = f->board_at - 1;
	return draw_range(r, cmd, r->pipe_ui, r->font_set, f->ui.buf, 0, at) +
	       draw_range(r, cmd, r->pipe_ui, r->board_sets[f->board_slot], f->ui.buf, at, 1) +
	       draw_range(r, cmd, r->pipe_ui, r->font_set, f->ui.buf, at + 1, f->ui_count - at - 1);
}

void rnd_record_draws(struct rnd *r, VkCommandBuffer cmd)
{
	struct rnd_frame *f = r->cur;
	VkViewport vp = {0, 0, (float)r->width, (float)r->height, 0.0f, 1.0f};
	VkRect2D scissor = {{0, 0}, {r->width, r->height}};
	vkCmdSetViewport(cmd, 0, 1, &vp);
	vkCmdSetScissor(cmd, 0, 1, &scissor);
	vkCmdPushConstants(cmd, r->layout, VK_SHADER_STAGE_VERTEX_BIT | VK_SHADER_STAGE_FRAGMENT_BIT,
			   0, sizeof(r->push), &r->push);
	uint32_t draws = 0;
	if (r->atlas_set) {
		draws += draw_quads(r, cmd, r->pipe_sprite, r->atlas_set, r->statics.buf, r->static_count);
		/* The boards on their walls before the decals: decals write no
		 * depth, so a shadow or a carried item in front of a board must
		 * be drawn after it. */
		for (int i = 0; i < RND_BOARD_IMAGES; i++)
			if (f->walls & (1u << i))
				draws += draw_range(r, cmd, r->pipe_decal, r->board_sets[i], f->decals.buf,
						    RND_MAX_DECALS - RND_BOARD_IMAGES + (uint32_t)i, 1);
		draws += draw_quads(r, cmd, r->pipe_decal, r->atlas_set, f->decals.buf, f->decal_count);
	}
	r->stats.avatar_draw_calls = 0;
	if (f->avatar_count) {
		vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_GRAPHICS, r->pipe_avatar);
		VkBuffer bufs[2] = {r->mesh.buf, f->avatars.buf};
		VkDeviceSize offs[2] = {0, 0};
		vkCmdBindVertexBuffers(cmd, 0, 2, bufs, offs);
		vkCmdDraw(cmd, r->mesh_vertices, f->avatar_count, 0, 0);
		r->stats.avatar_draw_calls++;
	}
	draws += r->stats.avatar_draw_calls;
	draws += draw_ui(r, cmd, f);
	r->stats.draw_calls = draws;
}
