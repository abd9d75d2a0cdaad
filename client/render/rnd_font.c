/*
 * rnd_font.c: labels and HUD text with stb_truetype. Two sizes are baked
 * into one R8 atlas at start-up (2x horizontal oversampling), so text is
 * drawn at its baked size and stays crisp. A 2 x 2 white block in a corner
 * serves solid rectangles from the same texture.
 */
#include "rnd_vk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FONT_ATLAS 512
#define WHITE_AT (FONT_ATLAS - 4)

static const float font_sizes[RND_FONT_COUNT] = {15.0f, 22.0f};

static unsigned char *read_file(const char *path, size_t *out_size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	unsigned char *data = NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long n = ftell(f);
		if (n > 0 && n < (64 << 20) && fseek(f, 0, SEEK_SET) == 0) {
			data = malloc((size_t)n);
			if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
				free(data);
				data = NULL;
			}
			*out_size = (size_t)n;
		}
	}
	fclose(f);
	return data;
}

enum core_result rnd_fonts_create(struct rnd *r)
{
	const char *path = r->cfg.font_path;
	size_t size = 0;
	unsigned char *ttf = path ? read_file(path, &size) : NULL;
	if (!ttf) {
		CORE_ERROR("cannot read the font '%s'; install the Debian package fonts-dejavu-core "
			   "or pass --font FILE.ttf",
			   path ? path : "(none)");
		return CORE_ERR_IO;
	}
	unsigned char *pixels = calloc(FONT_ATLAS, FONT_ATLAS);
	if (!pixels) {
		free(ttf);
		return CORE_ERR_NOMEM;
	}
	stbtt_pack_context pc;
	enum core_result res = CORE_OK;
	/* Pack into the top rows only: the bottom rows keep the white block. */
	if (!stbtt_PackBegin(&pc, pixels, FONT_ATLAS, FONT_ATLAS - 8, FONT_ATLAS, 1, NULL)) {
		res = CORE_ERR_NOMEM;
	} else {
		stbtt_PackSetOversampling(&pc, 2, 1);
		for (int i = 0; i < RND_FONT_COUNT && res == CORE_OK; i++) {
			struct rnd_font_face *face = &r->fonts[i];
			face->size_px = font_sizes[i];
			if (!stbtt_PackFontRange(&pc, ttf, 0, face->size_px, 32, 96, face->chars) ||
			    !stbtt_PackFontRange(&pc, ttf, 0, face->size_px, 160, 96, face->extra)) {
				CORE_ERROR("the font '%s' could not be baked (not a TrueType font, or "
					   "the atlas is full)",
					   path);
				res = CORE_ERR_INVALID;
			}
			stbtt_fontinfo info;
			if (res == CORE_OK && stbtt_InitFont(&info, ttf, 0)) {
				int ascent, descent, gap;
				stbtt_GetFontVMetrics(&info, &ascent, &descent, &gap);
				float scale = stbtt_ScaleForPixelHeight(&info, face->size_px);
				face->ascent_px = (float)ascent * scale;
				face->line_px = (float)(ascent - descent + gap) * scale;
			}
		}
		stbtt_PackEnd(&pc);
	}
	for (int y = WHITE_AT; y < WHITE_AT + 2; y++)
		for (int x = WHITE_AT; x < WHITE_AT + 2; x++)
			pixels[y * FONT_ATLAS + x] = 255;
	if (res == CORE_OK)
		res = rnd_texture_create(r, FONT_ATLAS, FONT_ATLAS, VK_FORMAT_R8_UNORM, pixels,
					 FONT_ATLAS * FONT_ATLAS, &r->font);
	free(pixels);
	free(ttf);
	if (res != CORE_OK)
		return res;
	r->font_w = r->font_h = FONT_ATLAS;
	r->font_set = rnd_texture_set(r, &r->font, r->sampler_linear);
	return r->font_set ? CORE_OK : CORE_ERR_NOMEM;
}

/* Next code point of UTF-8 text; malformed bytes read as '?'. */
static uint32_t next_codepoint(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	uint32_t c = p[0];
	int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
	if (c >= 0x80 && c < 0xc0) {
		*s += 1;
		return '?';
	}
	if (extra)
		c &= 0x3fu >> extra;
	for (int i = 1; i <= extra; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*s += i;
			return '?';
		}
		c = (c << 6) | (p[i] & 0x3fu);
	}
	*s += 1 + extra;
	return c;
}

static const stbtt_packedchar *glyph(const struct rnd_font_face *f, uint32_t c, int *out_index,
				     const stbtt_packedchar **out_table)
{
	if (c >= 32 && c < 128) {
		*out_index = (int)c - 32;
		*out_table = f->chars;
	} else if (c >= 160 && c < 256) {
		*out_index = (int)c - 160;
		*out_table = f->extra;
	} else {
		*out_index = '?' - 32;
		*out_table = f->chars;
	}
	return *out_table + *out_index;
}

float rnd_text_width(const struct rnd *r, enum rnd_font font, const char *s)
{
	const struct rnd_font_face *f = &r->fonts[font];
	float w = 0;
	while (*s) {
		int idx;
		const stbtt_packedchar *table;
		w += glyph(f, next_codepoint(&s), &idx, &table)->xadvance;
	}
	return w;
}

float rnd_line_height(const struct rnd *r, enum rnd_font font)
{
	return r->fonts[font].line_px;
}

struct rnd_ui_inst *rnd_ui_slot(struct rnd *r)
{
	struct rnd_frame *f = r->cur;
	if (!f)
		return NULL;
	if (f->ui_count == RND_MAX_UI_QUADS) {
		r->stats.dropped++;
		return NULL;
	}
	return (struct rnd_ui_inst *)f->ui.map + f->ui_count++;
}

float rnd_glyphs(const struct rnd *r, enum rnd_font font, float x, float y, const char *s,
		 bool (*fn)(void *user, const float rect[4], const float uv[4]), void *user)
{
	const struct rnd_font_face *f = &r->fonts[font];
	float pen_x = x, pen_y = y + f->ascent_px;
	while (*s) {
		int idx;
		const stbtt_packedchar *table;
		glyph(f, next_codepoint(&s), &idx, &table);
		stbtt_aligned_quad q;
		stbtt_GetPackedQuad(table, (int)r->font_w, (int)r->font_h, idx, &pen_x, &pen_y, &q, 0);
		if (q.x1 <= q.x0)
			continue; /* a space */
		const float rect[4] = {q.x0, q.y0, q.x1 - q.x0, q.y1 - q.y0};
		const float uv[4] = {q.s0, q.t0, q.s1, q.t1};
		if (!fn(user, rect, uv))
			break;
	}
	return pen_x - x;
}

void rnd_white_uv(const struct rnd *r, float uv[2])
{
	(void)r;
	uv[0] = uv[1] = (WHITE_AT + 1.0f) / FONT_ATLAS;
}

struct ui_glyphs {
	struct rnd *r;
	uint32_t colour;
};

static bool ui_glyph(void *user, const float rect[4], const float uv[4])
{
	struct ui_glyphs *g = user;
	struct rnd_ui_inst *u = rnd_ui_slot(g->r);
	if (!u)
		return false;
	*u = (struct rnd_ui_inst){
		.rect = {rect[0], rect[1], rect[2], rect[3]},
		.uv = {uv[0], uv[1], uv[2], uv[3]},
		.extra = {0, RND_UI_GLYPH},
		.colour = g->colour,
	};
	return true;
}

float rnd_text(struct rnd *r, enum rnd_font font, float x, float y, uint32_t argb,
	       const char *s)
{
	struct ui_glyphs g = {r, rnd_rgba(argb)};
	return rnd_glyphs(r, font, x, y, s, ui_glyph, &g);
}

static void shape(struct rnd *r, float x, float y, float w, float h, float param, float mode,
		  uint32_t argb)
{
	struct rnd_ui_inst *u = rnd_ui_slot(r);
	if (!u)
		return;
	float c = (WHITE_AT + 1.0f) / FONT_ATLAS;
	*u = (struct rnd_ui_inst){
		.rect = {x, y, w, h},
		.uv = {c, c, c, c},
		.extra = {param, mode},
		.colour = rnd_rgba(argb),
	};
}

void rnd_rect(struct rnd *r, float x, float y, float w, float h, float radius, uint32_t argb)
{
	shape(r, x, y, w, h, radius, RND_UI_RECT, argb);
}

void rnd_ring(struct rnd *r, float cx, float cy, float radius, float width, uint32_t argb)
{
	shape(r, cx - radius, cy - radius, radius * 2, radius * 2, width, RND_UI_RING, argb);
}
