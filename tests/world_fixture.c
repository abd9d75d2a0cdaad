#include "world_fixture.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

struct text {
	char *s;
	size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...) CORE_PRINTF(2, 3);

static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if (t->len + (size_t)n + 1 > t->cap) {
		t->cap = (t->len + (size_t)n + 1) * 2;
		t->s = realloc(t->s, t->cap);
		if (!t->s)
			abort();
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

static void put_rect(struct text *t, struct sim_rect r)
{
	put(t, " rect %d %d %d %d", r.x_mm, r.y_mm, r.w_mm, r.h_mm);
}

char *world_dump(const struct sim_world *w)
{
	struct text t = {0};
	put(&t, "name %s\nsize %d x %d tiles of %d mm, %d x %d px, free_spawn %d\n", w->name,
	    w->width_tiles, w->height_tiles, w->tile_mm, w->tile_w_px, w->tile_h_px, w->free_spawn);
	for (int r = 0; r < w->height_tiles; r++) {
		put(&t, "blocked row %d ", r);
		for (int c = 0; c < w->width_tiles; c++)
			put(&t, "%d", w->blocked[r * SIM_MAX_MAP_TILES + c]);
		put(&t, "\n");
	}
	for (int i = 0; i < w->zone_count; i++) {
		const struct sim_zone *z = &w->zones[i];
		put(&t, "zone %d '%s' kind %d object %u area %lld", i, z->name, z->kind, z->object_id,
		    (long long)z->area_mm2);
		put_rect(&t, z->bounds);
		for (int p = 0; p < z->point_count; p++)
			put(&t, " (%d,%d)", z->points[p].x_mm, z->points[p].y_mm);
		put(&t, "\n");
	}
	for (int i = 0; i < w->seat_count; i++)
		put(&t, "seat %d object %u at %d,%d facing %u zone %u\n", i, w->seats[i].object_id,
		    w->seats[i].pos.x_mm, w->seats[i].pos.y_mm, w->seats[i].facing, w->seats[i].zone);
	for (int i = 0; i < w->door_count; i++) {
		put(&t, "door %d object %u '%s'", i, w->doors[i].object_id, w->doors[i].name);
		put_rect(&t, w->doors[i].rect);
		put(&t, "\n");
	}
	for (int i = 0; i < w->spawn_count; i++)
		put(&t, "spawn %d object %u at %d,%d zone %u\n", i, w->spawns[i].object_id,
		    w->spawns[i].pos.x_mm, w->spawns[i].pos.y_mm, w->spawns[i].zone);
	for (int i = 0; i < w->board_count; i++) {
		put(&t, "board %d object %u '%s' facing %u", i, w->boards[i].object_id,
		    w->boards[i].name, w->boards[i].facing);
		put_rect(&t, w->boards[i].rect);
		put(&t, "\n");
	}
	for (int i = 0; i < w->item_count; i++)
		put(&t, "item %d object %u '%s' at %d,%d\n", i, w->items[i].object_id,
		    w->items[i].name, w->items[i].pos.x_mm, w->items[i].pos.y_mm);
	return t.s;
}

char *world_art_dump(const struct sim_world_art *art)
{
	struct text t = {0};
	put(&t, "art %d x %d, %d layers, %d tilesets\n", art->width_tiles, art->height_tiles,
	    art->layer_count, art->tileset_count);
	for (int i = 0; i < art->layer_count; i++) {
		put(&t, "layer %d '%s'", i, art->layers[i].name);
		for (int c = 0; c < art->width_tiles * art->height_tiles; c++)
			put(&t, " %u", art->layers[i].gids[c]);
		put(&t, "\n");
	}
	for (int i = 0; i < art->tileset_count; i++) {
		const struct sim_art_tileset *ts = &art->tilesets[i];
		const char *slash = strrchr(ts->image, '/');
		put(&t, "tileset %d firstgid %u count %u columns %u tile %dx%d margin %d spacing %d "
			"offset %d,%d image %s\n",
		    i, ts->firstgid, ts->tilecount, ts->columns, ts->tile_w_px, ts->tile_h_px,
		    ts->margin_px, ts->spacing_px, ts->offset_x_px, ts->offset_y_px,
		    slash ? slash + 1 : ts->image);
	}
	return t.s;
}

char *world_dump_diff(const char *a, const char *b)
{
	int line = 1;
	const char *la = a, *lb = b;
	while (*la || *lb) {
		size_t na = strcspn(la, "\n"), nb = strcspn(lb, "\n");
		if (na != nb || memcmp(la, lb, na)) {
			struct text t = {0};
			put(&t, "line %d differs:\n  %.*s\n  %.*s", line, (int)CORE_MIN(na, 300), la,
			    (int)CORE_MIN(nb, 300), lb);
			return t.s;
		}
		la += na + (la[na] == '\n');
		lb += nb + (lb[nb] == '\n');
		line++;
	}
	return NULL;
}

/* deflate with the window bits that pick zlib (15) or gzip (31) framing */
static uint8_t *deflate_bytes(const uint8_t *in, size_t n, int window_bits, size_t *out_n)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	size_t cap = deflateBound(&z, (uLong)n) + 32;
	uint8_t *out = malloc(cap);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	int zr = deflate(&z, Z_FINISH);
	*out_n = cap - z.avail_out;
	deflateEnd(&z);
	if (zr != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

char *world_encode_gids(const uint32_t *gids, size_t n, enum sim_layer_compression compression)
{
	uint8_t *raw = malloc(n * 4 + 1), *packed = NULL;
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 4; k++)
			raw[i * 4 + k] = (uint8_t)(gids[i] >> (8 * k));
	size_t packed_n = n * 4;
	switch (compression) {
	case SIM_LAYER_UNCOMPRESSED:
		packed = raw;
		raw = NULL;
		break;
	case SIM_LAYER_ZLIB:
	case SIM_LAYER_GZIP:
		packed = deflate_bytes(raw, n * 4, compression == SIM_LAYER_GZIP ? 31 : 15,
				       &packed_n);
		break;
	case SIM_LAYER_ZSTD:
		packed = malloc(ZSTD_compressBound(n * 4));
		packed_n = ZSTD_compress(packed, ZSTD_compressBound(n * 4), raw, n * 4, 19);
		if (ZSTD_isError(packed_n)) {
			free(packed);
			packed = NULL;
		}
		break;
	}
	free(raw);
	if (!packed)
		return NULL;
	size_t b64_n = sodium_base64_ENCODED_LEN(packed_n, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(b64_n);
	sodium_bin2base64(b64, b64_n, packed, packed_n, sodium_base64_VARIANT_ORIGINAL);
	free(packed);
	return b64;
}

char *world_tmx_recode(const char *tmx, enum sim_layer_encoding encoding,
		       enum sim_layer_compression compression)
{
	static const char open[] = "<data encoding=\"csv\">";
	struct text t = {0};
	const char *at;
	put(&t, "%s", "");
	while ((at = strstr(tmx, open))) {
		put(&t, "%.*s", (int)(at - tmx), tmx);
		const char *p = at + strlen(open);
		size_t n = 0, cap = 1024;
		uint32_t *gids = malloc(cap * sizeof(*gids));
		while (*p != '<') {
			char *end;
			if (n == cap)
				gids = realloc(gids, (cap *= 2) * sizeof(*gids));
			gids[n++] = (uint32_t)strtoul(p, &end, 10);
			p = end + strspn(end, ",\r\n ");
		}
		if (encoding == SIM_LAYER_XML) {
			put(&t, "<data>\n");
			for (size_t i = 0; i < n; i++) {
				if (gids[i])
					put(&t, "   <tile gid=\"%u\"/>\n", gids[i]);
				else
					put(&t, "   <tile/>\n");
			}
		} else if (encoding == SIM_LAYER_CSV) {
			put(&t, "%s", open);
			for (size_t i = 0; i < n; i++)
				put(&t, "%s%u", i ? "," : "", gids[i]);
		} else {
			char *b64 = world_encode_gids(gids, n, compression);
			if (compression == SIM_LAYER_UNCOMPRESSED)
				put(&t, "<data encoding=\"base64\">\n   %s\n  ", b64);
			else
				put(&t, "<data encoding=\"base64\" compression=\"%s\">\n   %s\n  ",
				    sim_layer_compression_name(compression), b64);
			free(b64);
		}
		free(gids);
		tmx = p;
	}
	put(&t, "%s", tmx);
	return t.s;
}
