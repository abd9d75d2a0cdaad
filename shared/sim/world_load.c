#include "world_load.h"

#include "move.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h> /* isfinite only: this library does not link libm */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define GID_MASK 0x0fffffffu /* Tiled keeps flip and rotation flags in bits 28-31 */
#define MAX_GIDS 65536
#define MAX_TILE_PX 4096                /* tile sizes, margins, spacings and offsets */
#define MAX_TILESET_BYTES (1024 * 1024) /* an external tileset file */
/* No object in a map (at most 256 tiles of 10 m) lies this far out, and
 * twice it still fits an int32: the difference of two converted
 * coordinates cannot overflow. */
#define MAX_ABS_MM 1e9

struct loader {
	const char *path; /* as given, for messages */
	char dir[512];
	char *err;
	size_t err_size;
	struct sim_world *w;
	double tile_h_px;
	uint8_t *gid_blocked; /* MAX_GIDS entries: 0 unknown, 1 known, 2 known and blocked */
	int tile_layers;
	struct sim_world_art *art; /* NULL unless the caller wants the art */
	/* what the current message is about */
	const char *layer;
	json_int_t object_id;
};

static enum core_result fail(struct loader *ld, const char *fmt, ...) CORE_PRINTF(2, 3);

static enum core_result fail(struct loader *ld, const char *fmt, ...)
{
	char what[384];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (ld->layer && ld->object_id >= 0)
		snprintf(ld->err, ld->err_size, "%s: layer '%s' object %lld: %s", ld->path,
			 ld->layer, (long long)ld->object_id, what);
	else if (ld->layer)
		snprintf(ld->err, ld->err_size, "%s: layer '%s': %s", ld->path, ld->layer, what);
	else
		snprintf(ld->err, ld->err_size, "%s: %s", ld->path, what);
	return CORE_ERR_INVALID;
}

/* Callers range-check v first: the file's numbers are never trusted. */
static int32_t round_i32(double v)
{
	assert(v > -2147483648.5 && v < 2147483647.5);
	return (int32_t)(v >= 0 ? v + 0.5 : v - 0.5);
}

/* Tiled's projected pixels to world millimetres; false (nothing written)
 * when the result is past MAX_ABS_MM or not a number. */
static bool px_to_mm(const struct loader *ld, double px, int32_t *out_mm)
{
	double mm = px / ld->tile_h_px * ld->w->tile_mm;
	if (!(mm >= -MAX_ABS_MM && mm <= MAX_ABS_MM))
		return false;
	*out_mm = round_i32(mm);
	return true;
}

static bool px_to_point(const struct loader *ld, double x_px, double y_px,
			struct sim_point *out)
{
	return px_to_mm(ld, x_px, &out->x_mm) && px_to_mm(ld, y_px, &out->y_mm);
}

/* For messages about coordinates too far out to convert. */
static double px_to_m(const struct loader *ld, double px)
{
	return px / ld->tile_h_px * ld->w->tile_mm / 1000.0;
}

/* fmod(deg, 360) moved into [0, 360), without libm: binary long division,
 * in which every subtraction is exact. deg is finite. */
static double degrees_reduce(double deg)
{
	double r = deg < 0 ? -deg : deg;
	double step = 360.0;
	while (step <= r / 2)
		step *= 2;
	for (; step >= 360.0; step /= 2) {
		if (r >= step)
			r -= step;
	}
	if (deg < 0 && r > 0)
		r = 360.0 - r;
	return r < 360.0 ? r : 0.0;
}

static uint16_t degrees_to_yaw(double deg)
{
	return (uint16_t)(round_i32(degrees_reduce(deg) / 360.0 * 65536.0) & 0xffff);
}

/* An integer member in lo..hi: false if absent, not an integer, or out of range. */
static bool int_member(json_t *owner, const char *key, json_int_t lo, json_int_t hi,
		       json_int_t *out)
{
	json_t *v = json_object_get(owner, key);
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return false;
	*out = json_integer_value(v);
	return true;
}

/* int_member for a member Tiled omits when it is 0: absent leaves *out alone. */
static bool opt_int_member(json_t *owner, const char *key, json_int_t lo, json_int_t hi,
			   json_int_t *out)
{
	return !json_object_get(owner, key) || int_member(owner, key, lo, hi, out);
}

/* ---- properties ------------------------------------------------------- */

static const char *const property_types[] = {"string", "int",  "float",  "bool",
					     "color",  "file", "object", "class"};

static enum core_result check_properties(struct loader *ld, json_t *owner)
{
	json_t *props = json_object_get(owner, "properties");
	if (!props)
		return CORE_OK;
	if (!json_is_array(props))
		return fail(ld, "'properties' must be an array (re-save the map with Tiled 1.2 or later)");
	size_t i;
	json_t *p;
	json_array_foreach(props, i, p) {
		const char *name = json_string_value(json_object_get(p, "name"));
		const char *type = json_string_value(json_object_get(p, "type"));
		if (!name)
			return fail(ld, "property %zu has no name", i);
		if (!type)
			type = "string"; /* Tiled omits the type of string properties in some versions */
		bool known = false;
		for (size_t t = 0; t < CORE_ARRAY_LEN(property_types); t++)
			known = known || !strcmp(type, property_types[t]);
		if (!known)
			return fail(ld, "property '%s' has unknown type '%s'; use one of string, int, "
					"float, bool, color, file, object, class",
				    name, type);
		if (!json_object_get(p, "value"))
			return fail(ld, "property '%s' has no value", name);
	}
	return CORE_OK;
}

static json_t *find_property(json_t *owner, const char *name, const char **out_type)
{
	json_t *props = json_object_get(owner, "properties");
	size_t i;
	json_t *p;
	json_array_foreach(props, i, p) {
		const char *n = json_string_value(json_object_get(p, "name"));
		if (n && !strcmp(n, name)) {
			const char *t = json_string_value(json_object_get(p, "type"));
			*out_type = t ? t : "string";
			return json_object_get(p, "value");
		}
	}
	return NULL;
}

/* A number property (float or int). Returns 0 found, 1 absent, -1 error (reported). */
static int number_property(struct loader *ld, json_t *owner, const char *name, double *out,
			   enum core_result *out_err)
{
	const char *type;
	json_t *v = find_property(owner, name, &type);
	if (!v)
		return 1;
	if ((strcmp(type, "float") && strcmp(type, "int")) || !json_is_number(v)) {
		*out_err = fail(ld, "property '%s' must be a float, not %s", name, type);
		return -1;
	}
	*out = json_number_value(v);
	return 0;
}

/* A string property, or the object's own Name field when absent. */
static const char *string_property(json_t *owner, const char *name)
{
	const char *type;
	json_t *v = find_property(owner, name, &type);
	if (v && json_is_string(v))
		return json_string_value(v);
	return NULL;
}

/* ---- tilesets ----------------------------------------------------------- */

static enum core_result read_tileset_tiles(struct loader *ld, json_t *ts, json_int_t firstgid,
					   const char *where)
{
	json_int_t count = json_integer_value(json_object_get(ts, "tilecount"));
	if (count <= 0)
		return fail(ld, "tileset %s has no 'tilecount'", where);
	if (firstgid < 1 || firstgid >= MAX_GIDS)
		return fail(ld, "tileset %s: firstgid %lld is outside 1..%d; let Tiled number the "
				"tilesets",
			    where, (long long)firstgid, MAX_GIDS - 1);
	if (count > MAX_GIDS - firstgid)
		return fail(ld, "tileset %s: %lld tiles from firstgid %lld go past gid %d; use "
				"fewer or smaller tilesets",
			    where, (long long)count, (long long)firstgid, MAX_GIDS - 1);
	for (json_int_t i = 0; i < count; i++)
		ld->gid_blocked[firstgid + i] = 1;
	json_t *tiles = json_object_get(ts, "tiles");
	size_t i;
	json_t *tile;
	json_array_foreach(tiles, i, tile) {
		json_int_t id;
		if (!int_member(tile, "id", 0, count - 1, &id))
			return fail(ld, "tileset %s: tile %zu has no id in 0..%lld (its %lld tiles)",
				    where, i, (long long)(count - 1), (long long)count);
		enum core_result r = check_properties(ld, tile);
		if (r != CORE_OK)
			return r;
		const char *type;
		json_t *b = find_property(tile, "blocked", &type);
		if (!b)
			continue;
		if (strcmp(type, "bool") || !json_is_boolean(b))
			return fail(ld, "tileset %s: tile %lld: property 'blocked' must be a bool", where,
				    (long long)id);
		if (json_is_true(b))
			ld->gid_blocked[firstgid + id] = 2;
	}
	return CORE_OK;
}

/* The length of path's folder part with its trailing '/', 0 for a bare
 * name: what a relative path inside that file is relative to. */
static int dir_len(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? (int)(slash - path + 1) : 0;
}

static void dir_of(const char *path, char *out, size_t size)
{
	snprintf(out, size, "%.*s", dir_len(path), path);
}

static enum core_result read_tileset_art(struct loader *ld, json_t *ts, json_int_t firstgid,
					 const char *dir, const char *where)
{
	struct sim_world_art *art = ld->art;
	if (!art)
		return CORE_OK;
	if (art->tileset_count == SIM_ART_MAX_TILESETS)
		return fail(ld, "more than %d tilesets; merge them in Tiled", SIM_ART_MAX_TILESETS);
	const char *image = json_string_value(json_object_get(ts, "image"));
	if (!image)
		return fail(ld, "tileset %s has no single 'image'; Lyceum draws tilesets made from "
				"one image (Tileset > New Tileset > Based on Tileset Image)",
			    where);
	/* read_tileset_tiles has checked firstgid and tilecount */
	json_int_t count = json_integer_value(json_object_get(ts, "tilecount"));
	json_int_t columns, tile_w, tile_h;
	if (!int_member(ts, "columns", 1, MAX_GIDS, &columns) ||
	    !int_member(ts, "tilewidth", 1, MAX_TILE_PX, &tile_w) ||
	    !int_member(ts, "tileheight", 1, MAX_TILE_PX, &tile_h))
		return fail(ld, "tileset %s needs 'columns' from 1 to %d and 'tilewidth' and "
				"'tileheight' from 1 to %d px",
			    where, MAX_GIDS, MAX_TILE_PX);
	json_int_t margin = 0, spacing = 0, off_x = 0, off_y = 0;
	json_t *off = json_object_get(ts, "tileoffset");
	if (!opt_int_member(ts, "margin", 0, MAX_TILE_PX, &margin) ||
	    !opt_int_member(ts, "spacing", 0, MAX_TILE_PX, &spacing) ||
	    !opt_int_member(off, "x", -MAX_TILE_PX, MAX_TILE_PX, &off_x) ||
	    !opt_int_member(off, "y", -MAX_TILE_PX, MAX_TILE_PX, &off_y))
		return fail(ld, "tileset %s: 'margin' and 'spacing' must be 0 to %d px and "
				"'tileoffset' -%d to %d px",
			    where, MAX_TILE_PX, MAX_TILE_PX, MAX_TILE_PX);
	struct sim_art_tileset *t = &art->tilesets[art->tileset_count];
	int n = snprintf(t->image, sizeof(t->image), "%s%s", image[0] == '/' ? "" : dir, image);
	if (n < 0 || (size_t)n >= sizeof(t->image))
		return fail(ld, "tileset %s: image path '%s' is longer than %zu characters; move "
				"the image beside the tileset",
			    where, image, sizeof(t->image) - 1);
	art->tileset_count++;
	t->firstgid = (uint32_t)firstgid;
	t->tilecount = (uint32_t)count;
	t->columns = (uint32_t)columns;
	t->tile_w_px = (int32_t)tile_w;
	t->tile_h_px = (int32_t)tile_h;
	t->margin_px = (int32_t)margin;
	t->spacing_px = (int32_t)spacing;
	t->offset_x_px = (int32_t)off_x;
	t->offset_y_px = (int32_t)off_y;
	return CORE_OK;
}

/* Reads a tileset file into a fresh buffer (*out_text, *out_size; the caller
 * frees it). Only a regular file of at most MAX_TILESET_BYTES: a FIFO or a
 * device never blocks the loader, as O_NONBLOCK opens it without waiting
 * and fstat turns it away. */
static enum core_result read_tileset_file(struct loader *ld, const char *full, char **out_text,
					  size_t *out_size)
{
	int fd = open(full, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return fail(ld, "cannot open tileset '%s': %s", full, strerror(errno));
	struct stat st;
	enum core_result r = CORE_OK;
	char *text = NULL;
	size_t got = 0;
	if (fstat(fd, &st) != 0) {
		r = fail(ld, "cannot read tileset '%s': %s", full, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		r = fail(ld, "tileset '%s' is not a regular file; tilesets must sit beside the map "
			     "as .tsj files",
			 full);
	} else if (st.st_size > MAX_TILESET_BYTES) {
		r = fail(ld, "tileset '%s' is %lld bytes; Lyceum reads tilesets up to %d bytes",
			 full, (long long)st.st_size, MAX_TILESET_BYTES);
	} else if (!(text = malloc((size_t)st.st_size + 1))) {
		r = fail(ld, "out of memory reading tileset '%s'", full);
	}
	/* read to the end, one byte past the size fstat gave: a file that grows
	 * meanwhile is refused rather than cut */
	while (r == CORE_OK) {
		ssize_t n = read(fd, text + got, (size_t)st.st_size + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = fail(ld, "cannot read tileset '%s': %s", full, strerror(errno));
		} else if (n == 0) {
			break;
		} else {
			got += (size_t)n;
			if (got > (size_t)st.st_size)
				r = fail(ld, "tileset '%s' changed while it was read; try again",
					 full);
		}
	}
	close(fd);
	if (r != CORE_OK) {
		free(text);
		return r;
	}
	*out_text = text;
	*out_size = got;
	return CORE_OK;
}

/* An external tileset: a plain file name, looked up in the map's folder. */
static enum core_result read_external_tileset(struct loader *ld, const char *source,
					      json_int_t firstgid)
{
	size_t n = strlen(source);
	if (n >= 4 && !strcasecmp(source + n - 4, ".tsx"))
		return fail(ld, "tileset '%s' is XML (.tsx); export it as JSON (.tsj) from Tiled "
				"and point the map at it",
			    source);
	if (!source[0] || strchr(source, '/') || !strcmp(source, ".") || !strcmp(source, ".."))
		return fail(ld, "tileset '%s' is not a file name; tilesets must sit beside the map; "
				"give the file name only",
			    source);
	char full[1024];
	int len = snprintf(full, sizeof(full), "%.*s%s", dir_len(ld->path), ld->path, source);
	if (len < 0 || (size_t)len >= sizeof(full))
		return fail(ld, "tileset '%s': the path to it is longer than %zu characters; move "
				"the world to a shorter path",
			    source, sizeof(full) - 1);
	char *text = NULL;
	size_t size = 0;
	enum core_result r = read_tileset_file(ld, full, &text, &size);
	if (r != CORE_OK)
		return r;
	json_error_t jerr;
	json_t *ext = json_loadb(text, size, 0, &jerr);
	free(text);
	if (!ext)
		return fail(ld, "cannot read tileset '%s': %s (line %d)", full, jerr.text, jerr.line);
	char ext_dir[1024];
	dir_of(full, ext_dir, sizeof(ext_dir));
	r = read_tileset_tiles(ld, ext, firstgid, source);
	if (r == CORE_OK)
		r = read_tileset_art(ld, ext, firstgid, ext_dir, source);
	json_decref(ext);
	return r;
}

static enum core_result read_tilesets(struct loader *ld, json_t *root)
{
	json_t *sets = json_object_get(root, "tilesets");
	if (!json_is_array(sets) || json_array_size(sets) == 0)
		return fail(ld, "the map has no tilesets; add the classroom tileset in Tiled");
	size_t i;
	json_t *ts;
	json_array_foreach(sets, i, ts) {
		json_int_t firstgid = json_integer_value(json_object_get(ts, "firstgid"));
		const char *source = json_string_value(json_object_get(ts, "source"));
		if (!source) {
			char where[64];
			snprintf(where, sizeof(where), "%zu (embedded)", i);
			enum core_result r = read_tileset_tiles(ld, ts, firstgid, where);
			if (r == CORE_OK)
				r = read_tileset_art(ld, ts, firstgid, ld->dir, where);
			if (r != CORE_OK)
				return r;
			continue;
		}
		enum core_result r = read_external_tileset(ld, source, firstgid);
		if (r != CORE_OK)
			return r;
	}
	return CORE_OK;
}

/* ---- tile layers -------------------------------------------------------- */

static int base64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes base64 into little-endian uint32 gids. Returns the gid count or -1. */
static long decode_base64_gids(const char *s, uint32_t *out, long max)
{
	uint32_t acc = 0;
	int bits = 0;
	long bytes = 0;
	for (; *s; s++) {
		if (*s == '=' || *s == ' ' || *s == '\n' || *s == '\r')
			continue;
		int v = base64_value(*s);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			uint8_t byte = (uint8_t)(acc >> bits);
			long gid = bytes / 4;
			if (gid >= max)
				return -1;
			if (bytes % 4 == 0)
				out[gid] = 0;
			out[gid] |= (uint32_t)byte << (8 * (bytes % 4));
			bytes++;
		}
	}
	return bytes % 4 ? -1 : bytes / 4;
}

static enum core_result read_tile_layer(struct loader *ld, json_t *layer)
{
	struct sim_world *w = ld->w;
	json_int_t lw = json_integer_value(json_object_get(layer, "width"));
	json_int_t lh = json_integer_value(json_object_get(layer, "height"));
	if (json_object_get(layer, "chunks"))
		return fail(ld, "chunked (infinite) tile data is not supported; untick Map > Infinite");
	if (lw != w->width_tiles || lh != w->height_tiles)
		return fail(ld, "layer is %lldx%lld tiles but the map is %dx%d; resize the layer",
			    (long long)lw, (long long)lh, w->width_tiles, w->height_tiles);
	long cells = (long)w->width_tiles * w->height_tiles;
	uint32_t *gids = calloc((size_t)cells, sizeof(*gids));
	if (!gids)
		return fail(ld, "out of memory reading the layer");
	enum core_result r = CORE_OK;
	json_t *data = json_object_get(layer, "data");
	const char *encoding = json_string_value(json_object_get(layer, "encoding"));
	const char *compression = json_string_value(json_object_get(layer, "compression"));
	if (compression && compression[0]) {
		r = fail(ld, "tile data is compressed with %s, which Lyceum does not read; in Tiled "
			     "set Map > Map Properties > Tile Layer Format to CSV or Base64 "
			     "(uncompressed)",
			 compression);
	} else if (json_is_array(data)) {
		if ((long)json_array_size(data) != cells)
			r = fail(ld, "has %zu tiles of data, expected %ld", json_array_size(data), cells);
		for (long i = 0; r == CORE_OK && i < cells; i++) {
			json_t *g = json_array_get(data, (size_t)i);
			if (!json_is_integer(g) || json_integer_value(g) < 0 ||
			    json_integer_value(g) > 0xffffffffll)
				r = fail(ld, "tile %ld is not a tile gid", i);
			else
				gids[i] = (uint32_t)json_integer_value(g);
		}
	} else if (json_is_string(data) && encoding && !strcmp(encoding, "base64")) {
		long n = decode_base64_gids(json_string_value(data), gids, cells);
		if (n != cells)
			r = fail(ld, "base64 tile data is damaged or holds %ld tiles instead of %ld", n,
				 cells);
	} else {
		r = fail(ld, "has no tile data (expected a CSV array or uncompressed base64)");
	}
	const char *name = json_string_value(json_object_get(layer, "name"));
	bool walls = name && !strcasecmp(name, "walls");
	for (long i = 0; r == CORE_OK && i < cells; i++) {
		uint32_t gid = gids[i] & GID_MASK;
		if (!gid)
			continue;
		if (gid >= MAX_GIDS || !ld->gid_blocked[gid]) {
			r = fail(ld, "tile at column %ld row %ld uses gid %u, which no tileset defines",
				 i % w->width_tiles, i / w->width_tiles, gid);
			break;
		}
		if (walls || ld->gid_blocked[gid] == 2)
			sim_world_set_blocked(w, (int32_t)(i % w->width_tiles),
					      (int32_t)(i / w->width_tiles), true);
	}
	if (r == CORE_OK && ld->art) {
		struct sim_world_art *art = ld->art;
		if (art->layer_count == SIM_ART_MAX_LAYERS) {
			r = fail(ld, "more than %d tile layers; merge some in Tiled",
				 SIM_ART_MAX_LAYERS);
		} else if (!json_is_false(json_object_get(layer, "visible"))) {
			struct sim_art_layer *al = &art->layers[art->layer_count++];
			core_strlcpy(al->name, name ? name : "", sizeof(al->name));
			for (long i = 0; i < cells; i++)
				gids[i] &= GID_MASK;
			al->gids = gids; /* the art owns it now */
			gids = NULL;
		}
	}
	free(gids);
	ld->tile_layers++;
	return r;
}

/* ---- objects ------------------------------------------------------------ */

struct object_shape {
	bool is_point, is_polygon;
	double x, y, width, height;
	json_t *polygon;
};

static enum core_result need_inside(struct loader *ld, const char *cls, struct sim_point p)
{
	if (sim_world_contains(ld->w, p))
		return CORE_OK;
	return fail(ld, "%s at (%.2f m, %.2f m) is outside the map (%.2f m x %.2f m)", cls,
		    p.x_mm / 1000.0, p.y_mm / 1000.0, sim_world_width_mm(ld->w) / 1000.0,
		    sim_world_height_mm(ld->w) / 1000.0);
}

/* need_inside for a position too far out to convert */
static enum core_result far_outside(struct loader *ld, const char *cls, double x_px, double y_px)
{
	return fail(ld, "%s at (%g m, %g m) is outside the map (%.2f m x %.2f m)", cls,
		    px_to_m(ld, x_px), px_to_m(ld, y_px), sim_world_width_mm(ld->w) / 1000.0,
		    sim_world_height_mm(ld->w) / 1000.0);
}

/* A point's position, a rectangle's centre or a polygon's origin, in the map. */
static enum core_result need_centre(struct loader *ld, const char *cls,
				    const struct object_shape *s, struct sim_point *out)
{
	double x = s->x, y = s->y;
	if (!s->is_point && !s->is_polygon) {
		x = s->x + s->width / 2;
		y = s->y + s->height / 2;
	}
	if (!px_to_point(ld, x, y, out))
		return far_outside(ld, cls, x, y);
	return need_inside(ld, cls, *out);
}

static enum core_result need_rect(struct loader *ld, const char *cls, const struct object_shape *s,
				  struct sim_rect *out)
{
	if (s->is_point || s->is_polygon || s->width <= 0 || s->height <= 0)
		return fail(ld, "%s must be a rectangle with a width and a height", cls);
	double x1 = s->x + s->width, y1 = s->y + s->height;
	struct sim_point p0, p1;
	if (!px_to_point(ld, s->x, s->y, &p0))
		return far_outside(ld, cls, s->x, s->y);
	if (!px_to_point(ld, x1, y1, &p1))
		return far_outside(ld, cls, x1, y1);
	enum core_result res = need_inside(ld, cls, p0);
	if (res == CORE_OK)
		res = need_inside(ld, cls, (struct sim_point){p1.x_mm - 1, p1.y_mm - 1});
	if (res == CORE_OK)
		*out = (struct sim_rect){p0.x_mm, p0.y_mm, p1.x_mm - p0.x_mm, p1.y_mm - p0.y_mm};
	return res;
}

static enum core_result need_facing(struct loader *ld, json_t *obj, const char *cls,
				    uint16_t *out_yaw)
{
	double deg = 0;
	enum core_result r = CORE_OK;
	int found = number_property(ld, obj, "facing", &deg, &r);
	if (found < 0)
		return r;
	if (found > 0)
		return fail(ld, "%s has no 'facing' property; add a float property 'facing' in "
				"degrees (0 = along +x, 90 = along +y)",
			    cls);
	if (!isfinite(deg))
		return fail(ld, "%s 'facing' is %g; give a number of degrees (0 = along +x, 90 = "
				"along +y)",
			    cls, deg);
	*out_yaw = degrees_to_yaw(deg);
	return CORE_OK;
}

static const char *object_name(json_t *obj)
{
	const char *n = string_property(obj, "name");
	if (!n || !n[0])
		n = json_string_value(json_object_get(obj, "name"));
	return n ? n : "";
}

static enum core_result too_many(struct loader *ld, const char *what, int limit)
{
	return fail(ld, "too many %s objects (this build holds %d)", what, limit);
}

static enum core_result read_zone(struct loader *ld, json_t *obj, const struct object_shape *s)
{
	struct sim_world *w = ld->w;
	const char *name = object_name(obj);
	if (!name[0])
		return fail(ld, "Zone has no name; set its Name or a string property 'name'");
	if (strlen(name) >= SIM_NAME_MAX)
		return fail(ld, "Zone name '%s' is longer than %d characters", name, SIM_NAME_MAX - 1);
	if (sim_world_zone_find(w, name) != SIM_ZONE_NONE)
		return fail(ld, "another Zone is already named '%s'; zone names must be unique", name);
	const char *kind_s = string_property(obj, "kind");
	enum sim_zone_kind kind;
	if (!kind_s)
		return fail(ld, "Zone '%s' has no 'kind'; add a string property 'kind' = classroom, "
				"meeting_room, hallway or stage",
			    name);
	if (!sim_zone_kind_parse(kind_s, &kind))
		return fail(ld, "Zone '%s' has kind '%s'; use classroom, meeting_room, hallway or stage",
			    name, kind_s);
	if (w->zone_count >= SIM_MAX_ZONES)
		return too_many(ld, "Zone", SIM_MAX_ZONES);
	/* corners in Tiled's pixels, range-checked as they are converted */
	double xs[SIM_MAX_ZONE_POINTS], ys[SIM_MAX_ZONE_POINTS];
	int n = 0;
	if (s->is_polygon) {
		size_t count = json_array_size(s->polygon);
		if (count < 3 || count > SIM_MAX_ZONE_POINTS)
			return fail(ld, "Zone '%s' polygon has %zu points; use 3 to %d", name, count,
				    SIM_MAX_ZONE_POINTS);
		size_t i;
		json_t *pt;
		json_array_foreach(s->polygon, i, pt) {
			xs[i] = s->x + json_number_value(json_object_get(pt, "x"));
			ys[i] = s->y + json_number_value(json_object_get(pt, "y"));
		}
		n = (int)count;
	} else if (!s->is_point && s->width > 0 && s->height > 0) {
		double x1 = s->x + s->width, y1 = s->y + s->height;
		const double rect_xs[4] = {s->x, x1, x1, s->x};
		const double rect_ys[4] = {s->y, s->y, y1, y1};
		memcpy(xs, rect_xs, sizeof(rect_xs));
		memcpy(ys, rect_ys, sizeof(rect_ys));
		n = 4;
	} else {
		return fail(ld, "Zone '%s' must be a rectangle or a polygon", name);
	}
	struct sim_point pts[SIM_MAX_ZONE_POINTS];
	for (int i = 0; i < n; i++) {
		if (!px_to_point(ld, xs[i], ys[i], &pts[i]))
			return fail(ld, "Zone '%s' reaches outside the map at (%g m, %g m)", name,
				    px_to_m(ld, xs[i]), px_to_m(ld, ys[i]));
		if (pts[i].x_mm < 0 || pts[i].y_mm < 0 || pts[i].x_mm > sim_world_width_mm(w) ||
		    pts[i].y_mm > sim_world_height_mm(w))
			return fail(ld, "Zone '%s' reaches outside the map at (%.2f m, %.2f m)", name,
				    pts[i].x_mm / 1000.0, pts[i].y_mm / 1000.0);
	}
	if (sim_world_add_zone(w, name, kind, (uint32_t)ld->object_id, pts, n) != CORE_OK)
		return too_many(ld, "Zone", SIM_MAX_ZONES);
	if (w->zones[w->zone_count - 1].area_mm2 == 0)
		return fail(ld, "Zone '%s' has no area", name);
	return CORE_OK;
}

static enum core_result read_object(struct loader *ld, json_t *obj)
{
	struct sim_world *w = ld->w;
	enum core_result r = check_properties(ld, obj);
	if (r != CORE_OK)
		return r;
	const char *cls = json_string_value(json_object_get(obj, "class"));
	if (!cls || !cls[0])
		cls = json_string_value(json_object_get(obj, "type"));
	if (!cls || !cls[0])
		return fail(ld, "object has no class; set its Class (Type in Tiled before 1.9) to "
				"Zone, Seat, Door, Spawn, Board or Item");
	struct object_shape s = {
		.is_point = json_is_true(json_object_get(obj, "point")),
		.x = json_number_value(json_object_get(obj, "x")),
		.y = json_number_value(json_object_get(obj, "y")),
		.width = json_number_value(json_object_get(obj, "width")),
		.height = json_number_value(json_object_get(obj, "height")),
		.polygon = json_object_get(obj, "polygon"),
	};
	s.is_polygon = json_is_array(s.polygon);
	uint32_t id = (uint32_t)ld->object_id; /* read_layers has range-checked it */

	if (!strcmp(cls, "Zone"))
		return read_zone(ld, obj, &s);
	if (!strcmp(cls, "Seat")) {
		if (w->seat_count >= SIM_MAX_SEATS)
			return too_many(ld, "Seat", SIM_MAX_SEATS);
		struct sim_seat seat = {.object_id = id};
		if ((r = need_centre(ld, "Seat", &s, &seat.pos)) != CORE_OK ||
		    (r = need_facing(ld, obj, "Seat", &seat.facing)) != CORE_OK)
			return r;
		w->seats[w->seat_count++] = seat;
		return CORE_OK;
	}
	if (!strcmp(cls, "Door")) {
		if (w->door_count >= SIM_MAX_DOORS)
			return too_many(ld, "Door", SIM_MAX_DOORS);
		struct sim_door door = {.object_id = id};
		if ((r = need_rect(ld, "Door", &s, &door.rect)) != CORE_OK)
			return r;
		core_strlcpy(door.name, object_name(obj), sizeof(door.name));
		w->doors[w->door_count++] = door;
		return CORE_OK;
	}
	if (!strcmp(cls, "Spawn")) {
		if (w->spawn_count >= SIM_MAX_SPAWNS)
			return too_many(ld, "Spawn", SIM_MAX_SPAWNS);
		struct sim_spawn sp = {.object_id = id};
		if ((r = need_centre(ld, "Spawn", &s, &sp.pos)) != CORE_OK)
			return r;
		if (sim_avatar_collides(w, sp.pos))
			return fail(ld, "Spawn at (%.2f m, %.2f m) is on or next to a blocked tile; an "
					"avatar there could not move. Move it to open floor",
				    sp.pos.x_mm / 1000.0, sp.pos.y_mm / 1000.0);
		w->spawns[w->spawn_count++] = sp;
		return CORE_OK;
	}
	if (!strcmp(cls, "Board")) {
		if (w->board_count >= SIM_MAX_BOARDS)
			return too_many(ld, "Board", SIM_MAX_BOARDS);
		struct sim_board b = {.object_id = id};
		if ((r = need_rect(ld, "Board", &s, &b.rect)) != CORE_OK ||
		    (r = need_facing(ld, obj, "Board", &b.facing)) != CORE_OK)
			return r;
		core_strlcpy(b.name, object_name(obj), sizeof(b.name));
		w->boards[w->board_count++] = b;
		return CORE_OK;
	}
	if (!strcmp(cls, "Item")) {
		if (w->item_count >= SIM_MAX_ITEMS)
			return too_many(ld, "Item", SIM_MAX_ITEMS);
		struct sim_item it = {.object_id = id};
		if ((r = need_centre(ld, "Item", &s, &it.pos)) != CORE_OK)
			return r;
		core_strlcpy(it.name, object_name(obj), sizeof(it.name));
		w->items[w->item_count++] = it;
		return CORE_OK;
	}
	return fail(ld, "unknown class '%s'; use Zone, Seat, Door, Spawn, Board or Item", cls);
}

static enum core_result read_layers(struct loader *ld, json_t *layers, int depth)
{
	if (!json_is_array(layers))
		return fail(ld, "'layers' must be an array");
	if (depth > 8)
		return fail(ld, "layer groups nest deeper than 8");
	size_t i;
	json_t *layer;
	json_array_foreach(layers, i, layer) {
		const char *type = json_string_value(json_object_get(layer, "type"));
		const char *name = json_string_value(json_object_get(layer, "name"));
		ld->layer = name ? name : "(unnamed)";
		ld->object_id = -1;
		enum core_result r = check_properties(ld, layer);
		if (r != CORE_OK)
			return r;
		if (!type)
			return fail(ld, "layer has no type");
		if (!strcmp(type, "tilelayer")) {
			r = read_tile_layer(ld, layer);
		} else if (!strcmp(type, "objectgroup")) {
			size_t j;
			json_t *obj;
			json_array_foreach(json_object_get(layer, "objects"), j, obj) {
				json_int_t id = json_integer_value(json_object_get(obj, "id"));
				ld->object_id = -1;
				if (id < 0 || id > UINT32_MAX)
					return fail(ld, "object number %zu has id %lld, outside 0..%lu; "
							"let Tiled number the objects",
						    j + 1, (long long)id, (unsigned long)UINT32_MAX);
				ld->object_id = id;
				if ((r = read_object(ld, obj)) != CORE_OK)
					return r;
			}
		} else if (!strcmp(type, "group")) {
			r = read_layers(ld, json_object_get(layer, "layers"), depth + 1);
		} else if (strcmp(type, "imagelayer")) {
			r = fail(ld, "unknown layer type '%s'", type);
		}
		if (r != CORE_OK)
			return r;
	}
	ld->layer = NULL;
	ld->object_id = -1;
	return CORE_OK;
}

static enum core_result read_map(struct loader *ld, json_t *root)
{
	struct sim_world *w = ld->w;
	if (!json_is_object(root))
		return fail(ld, "not a Tiled map (the top level is not a JSON object)");
	const char *type = json_string_value(json_object_get(root, "type"));
	if (type && strcmp(type, "map"))
		return fail(ld, "not a Tiled map (type is '%s')", type);
	const char *orient = json_string_value(json_object_get(root, "orientation"));
	if (!orient || strcmp(orient, "isometric"))
		return fail(ld, "orientation '%s' is not supported; Lyceum worlds are isometric "
				"(Map > Map Properties > Orientation)",
			    orient ? orient : "(none)");
	if (json_is_true(json_object_get(root, "infinite")))
		return fail(ld, "infinite maps are not supported; untick Map > Map Properties > "
				"Infinite");
	json_int_t width = json_integer_value(json_object_get(root, "width"));
	json_int_t height = json_integer_value(json_object_get(root, "height"));
	json_int_t tw = json_integer_value(json_object_get(root, "tilewidth"));
	json_int_t th = json_integer_value(json_object_get(root, "tileheight"));
	if (width < 1 || height < 1 || width > SIM_MAX_MAP_TILES || height > SIM_MAX_MAP_TILES)
		return fail(ld, "map is %lldx%lld tiles; Lyceum reads 1 to %d tiles a side",
			    (long long)width, (long long)height, SIM_MAX_MAP_TILES);
	if (tw < 1 || th < 1 || tw > MAX_TILE_PX || th > MAX_TILE_PX)
		return fail(ld, "tilewidth and tileheight are %lldx%lld px; use 1 to %d",
			    (long long)tw, (long long)th, MAX_TILE_PX);
	enum core_result r = check_properties(ld, root);
	if (r != CORE_OK)
		return r;
	double mpt = 1.0;
	if (number_property(ld, root, "metres_per_tile", &mpt, &r) < 0)
		return r;
	if (!(mpt >= 0.1 && mpt <= 10.0))
		return fail(ld, "map property metres_per_tile is %g; use 0.1 to 10", mpt);

	char name[sizeof(w->name)];
	core_strlcpy(name, w->name, sizeof(name));
	sim_world_init(w, name, (int32_t)width, (int32_t)height, round_i32(mpt * 1000.0));
	const char *fs_type;
	json_t *free_spawn = find_property(root, "free_spawn", &fs_type);
	if (free_spawn && (strcmp(fs_type, "bool") || !json_is_boolean(free_spawn)))
		return fail(ld, "map property free_spawn must be a bool");
	w->free_spawn = json_is_true(free_spawn);
	w->tile_w_px = (int32_t)tw;
	w->tile_h_px = (int32_t)th;
	ld->tile_h_px = (double)th;

	if ((r = read_tilesets(ld, root)) != CORE_OK)
		return r;
	if ((r = read_layers(ld, json_object_get(root, "layers"), 0)) != CORE_OK)
		return r;
	if (ld->tile_layers == 0)
		return fail(ld, "the map has no tile layer; add a floor layer");
	if (w->zone_count == 0)
		return fail(ld, "the map has no Zone; add a rectangle of class Zone with a name and "
				"a kind");
	if (w->spawn_count == 0)
		return fail(ld, "the map has no Spawn; add a point of class Spawn on open floor");
	sim_world_finish(w);
	for (int i = 0; i < w->spawn_count; i++) {
		if (w->spawns[i].zone == SIM_ZONE_NONE) {
			ld->object_id = w->spawns[i].object_id;
			ld->layer = "?";
			return fail(ld, "Spawn at (%.2f m, %.2f m) is in no Zone; avatars there would "
					"see no one. Move it into a zone",
				    w->spawns[i].pos.x_mm / 1000.0, w->spawns[i].pos.y_mm / 1000.0);
		}
	}
	return CORE_OK;
}

static void world_name_from_path(const char *path, char *out, size_t size)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	core_strlcpy(out, base, size);
	char *dot = strrchr(out, '.');
	if (dot && dot != out)
		*dot = '\0';
}

void sim_world_art_free(struct sim_world_art *art)
{
	for (int i = 0; i < art->layer_count; i++)
		free(art->layers[i].gids);
	memset(art, 0, sizeof(*art));
}

enum core_result sim_world_load(const char *path, struct sim_world *out, char *err,
				size_t err_size)
{
	return sim_world_load_art(path, out, NULL, err, err_size);
}

enum core_result sim_world_load_art(const char *path, struct sim_world *out,
				    struct sim_world_art *out_art, char *err, size_t err_size)
{
	struct sim_world_art art = {0};
	struct loader ld = {.path = path, .err = err, .err_size = err_size, .object_id = -1,
			    .art = out_art ? &art : NULL};
	dir_of(path, ld.dir, sizeof(ld.dir));
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (jerr.line < 1) /* not a JSON mistake: the file could not be read */
			snprintf(err, err_size, "%s: %s", path, jerr.text);
		else
			snprintf(err, err_size, "%s: line %d column %d: %s", path, jerr.line,
				 jerr.column, jerr.text);
		return CORE_ERR_INVALID;
	}
	/* Build into scratch and copy on success: never a half-loaded world. */
	ld.w = calloc(1, sizeof(*ld.w));
	ld.gid_blocked = calloc(MAX_GIDS, 1);
	enum core_result r = CORE_ERR_NOMEM;
	if (ld.w && ld.gid_blocked) {
		world_name_from_path(path, ld.w->name, sizeof(ld.w->name));
		r = read_map(&ld, root);
		if (r == CORE_OK)
			memcpy(out, ld.w, sizeof(*out));
		if (r == CORE_OK && out_art) {
			art.width_tiles = out->width_tiles;
			art.height_tiles = out->height_tiles;
			*out_art = art;
		} else {
			sim_world_art_free(&art);
		}
	} else {
		snprintf(err, err_size, "%s: out of memory", path);
	}
	free(ld.gid_blocked);
	free(ld.w);
	json_decref(root);
	return r;
}

enum core_result sim_world_load_named(const char *dir, const char *name, struct sim_world *out,
				      char *err, size_t err_size)
{
	if (!sim_world_name_valid(name)) {
		snprintf(err, err_size, "world name '%.64s' may hold only letters, digits, - and _",
			 name);
		return CORE_ERR_INVALID;
	}
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s.tmj", dir, name);
	return sim_world_load(path, out, err, err_size);
}
