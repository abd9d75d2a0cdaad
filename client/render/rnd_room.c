/*
 * rnd_room.c: the VR room's triangles (rnd_room.h). Each tile's colour is
 * the mean of its art's opaque pixels, so the room in the headset has the
 * desktop's floors and walls; faces are shaded by their direction (a light
 * from above), which is all the lighting the flat pipeline does.
 */
#include "rnd_room.h"

#include "rnd.h"

#include "sim/world.h"
#include "sim/world_load.h"

#include <cglm/cglm.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FLOOR_RGB 0x8a8f96u /* a tile whose art cannot be read */

struct tile_look {
	uint32_t *rgb;        /* per tile of the tileset: mean colour | 0x1000000 once known */
	const unsigned char *px; /* the tileset's image (struct rnd_world_images) */
	int w, h;
};

static uint32_t pack(float r, float g, float b)
{
	uint32_t ri = (uint32_t)CORE_CLAMP(r * 255.0f + 0.5f, 0.0f, 255.0f);
	uint32_t gi = (uint32_t)CORE_CLAMP(g * 255.0f + 0.5f, 0.0f, 255.0f);
	uint32_t bi = (uint32_t)CORE_CLAMP(b * 255.0f + 0.5f, 0.0f, 255.0f);
	return ri | gi << 8 | bi << 16 | 0xff000000u;
}

static uint32_t shade(uint32_t rgb, float k)
{
	return pack((float)((rgb >> 16) & 0xff) / 255.0f * k, (float)((rgb >> 8) & 0xff) / 255.0f * k,
		    (float)(rgb & 0xff) / 255.0f * k);
}

void rnd_room_box(struct rnd_room_vertex *out, const float c[3], const float h[3],
		  const float q[4], uint32_t rgb)
{
	/* Faces as (axis, sign): corners in a fixed order, two triangles each. */
	static const float light[3] = {-0.35f, -0.6f, 0.85f};
	int n = 0;
	for (int axis = 0; axis < 3; axis++) {
		for (int sign = -1; sign <= 1; sign += 2) {
			int u = (axis + 1) % 3, v = (axis + 2) % 3;
			float normal[3] = {0, 0, 0}, wn[3];
			normal[axis] = (float)sign;
			glm_quat_rotatev((float *)q, normal, wn);
			float lit = 0.55f + 0.45f * CORE_MAX(0.0f, wn[0] * light[0] + wn[1] * light[1] +
								 wn[2] * light[2]);
			uint32_t col = shade(rgb, lit);
			float corners[4][3];
			static const float su[4] = {-1, 1, 1, -1}, sv[4] = {-1, -1, 1, 1};
			for (int k = 0; k < 4; k++) {
				float local[3];
				local[axis] = (float)sign * h[axis];
				local[u] = su[k] * h[u];
				local[v] = sv[k] * h[v];
				float wv[3];
				glm_quat_rotatev((float *)q, local, wv);
				for (int i = 0; i < 3; i++)
					corners[k][i] = c[i] + wv[i];
			}
			static const int order[6] = {0, 1, 2, 0, 2, 3};
			for (int k = 0; k < 6; k++) {
				memcpy(out[n].pos, corners[order[k]], sizeof(out[n].pos));
				out[n].rgba = col;
				n++;
			}
		}
	}
}

/* The mean colour of a tile's opaque pixels (0xRRGGBB). */
static uint32_t tile_colour(const struct sim_art_tileset *ts, struct tile_look *look, uint32_t idx)
{
	if (look->rgb[idx])
		return look->rgb[idx] & 0xffffffu;
	uint64_t sum[3] = {0, 0, 0}, n = 0;
	int ox = ts->margin_px + (int)(idx % ts->columns) * (ts->tile_w_px + ts->spacing_px);
	int oy = ts->margin_px + (int)(idx / ts->columns) * (ts->tile_h_px + ts->spacing_px);
	for (int y = 0; look->px && y < ts->tile_h_px && oy + y < look->h; y++) {
		for (int x = 0; x < ts->tile_w_px && ox + x < look->w; x++) {
			const unsigned char *p =
				look->px + ((size_t)(oy + y) * (size_t)look->w + (size_t)(ox + x)) * 4;
			if (p[3] < 128)
				continue;
			sum[0] += p[0], sum[1] += p[1], sum[2] += p[2];
			n++;
		}
	}
	uint32_t rgb = n ? (uint32_t)(sum[0] / n) << 16 | (uint32_t)(sum[1] / n) << 8 |
				   (uint32_t)(sum[2] / n)
			 : FLOOR_RGB;
	look->rgb[idx] = rgb | 0x1000000u;
	return rgb;
}

static bool is_wall_layer(const char *name)
{
	for (const char *p = name; *p; p++)
		if (!strncasecmp(p, "wall", 4))
			return true;
	return false;
}

enum core_result rnd_room_build(const struct sim_world *w, const struct sim_world_art *art,
				const struct rnd_world_images *images, struct rnd_room_vertex **out,
				uint32_t *out_count)
{
	*out = NULL;
	*out_count = 0;
	long cells = (long)art->width_tiles * art->height_tiles;
	long tiles = 0;
	for (int l = 0; l < art->layer_count; l++)
		for (long i = 0; i < cells; i++)
			tiles += art->layers[l].gids[i] != 0;
	/* a floor tile is 6 vertices, a box 36 (its bottom unseen, but simple) */
	size_t max = (size_t)tiles * 36 + 6;
	struct rnd_room_vertex *v = malloc(max * sizeof(*v));
	struct tile_look looks[SIM_ART_MAX_TILESETS] = {0};
	enum core_result res = v ? CORE_OK : CORE_ERR_NOMEM;
	for (int i = 0; res == CORE_OK && i < art->tileset_count; i++) {
		looks[i].rgb = calloc(art->tilesets[i].tilecount, sizeof(uint32_t));
		if (!looks[i].rgb)
			res = CORE_ERR_NOMEM;
		if (i < images->count) {
			looks[i].px = images->sets[i].rgba;
			looks[i].w = images->sets[i].w;
			looks[i].h = images->sets[i].h;
		}
	}
	uint32_t n = 0;
	const float tile_m = (float)w->tile_mm / 1000.0f;
	static const float still[4] = {0, 0, 0, 1};
	for (int l = 0; res == CORE_OK && l < art->layer_count; l++) {
		const uint32_t *gids = art->layers[l].gids;
		bool walls = is_wall_layer(art->layers[l].name);
		for (long i = 0; i < cells; i++) {
			uint32_t gid = gids[i];
			int t = gid ? sim_world_art_tileset(art, gid) : -1;
			if (t < 0)
				continue;
			const struct sim_art_tileset *ts = &art->tilesets[t];
			uint32_t idx = gid - ts->firstgid;
			uint32_t rgb = tile_colour(ts, &looks[t], idx);
			float x0 = (float)(i % art->width_tiles) * tile_m;
			float y0 = (float)(i / art->width_tiles) * tile_m;
			if (l == 0) { /* the floor */
				uint32_t col = shade(rgb, 1.0f);
				const float quad[6][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 0}, {1, 1}, {0, 1}};
				for (int k = 0; k < 6; k++)
					v[n++] = (struct rnd_room_vertex){
						{x0 + quad[k][0] * tile_m, y0 + quad[k][1] * tile_m, 0},
						col};
				continue;
			}
			float height_m;
			if (ts->height_cm && ts->height_cm[idx])
				height_m = (float)(ts->height_cm[idx] - 1) / 100.0f;
			else if (walls)
				height_m = RND_ROOM_WALL_M;
			else
				height_m = w->blocked[i] ? RND_ROOM_BLOCKED_M : RND_ROOM_OPEN_M;
			if (height_m <= 0.0f)
				continue;
			/* Furniture stands a little inside its tile, so desks side by side
			 * read as desks; walls fill theirs. */
			float inset = walls ? 0.0f : 0.06f * tile_m;
			float half[3] = {tile_m * 0.5f - inset, tile_m * 0.5f - inset, height_m * 0.5f};
			float c[3] = {x0 + tile_m * 0.5f, y0 + tile_m * 0.5f, height_m * 0.5f};
			rnd_room_box(v + n, c, half, still, rgb);
			n += 36;
		}
	}
	for (int i = 0; i < art->tileset_count; i++)
		free(looks[i].rgb);
	if (res != CORE_OK) {
		free(v);
		return res;
	}
	*out = v;
	*out_count = n;
	return CORE_OK;
}
