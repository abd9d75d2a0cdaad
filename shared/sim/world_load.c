/* The loader's public face: one load reads the map and what it names into
 * the model (world_file.c and the readers), builds the world into scratch
 * (world_build.c) and copies it out only when all went well, so a world is
 * never half loaded. */
#include "world_load.h"

#include "world_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *sim_world_format_name(enum sim_world_format format)
{
	return format == SIM_WORLD_XML ? "XML" : "JSON";
}

const char *sim_layer_encoding_name(enum sim_layer_encoding encoding)
{
	switch (encoding) {
	case SIM_LAYER_CSV:
		return "csv";
	case SIM_LAYER_XML:
		return "xml";
	case SIM_LAYER_BASE64:
		return "base64";
	}
	return "?";
}

const char *sim_layer_compression_name(enum sim_layer_compression compression)
{
	switch (compression) {
	case SIM_LAYER_UNCOMPRESSED:
		return "uncompressed";
	case SIM_LAYER_ZLIB:
		return "zlib";
	case SIM_LAYER_GZIP:
		return "gzip";
	case SIM_LAYER_ZSTD:
		return "zstd";
	}
	return "?";
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

int sim_world_art_tileset(const struct sim_world_art *art, uint32_t gid)
{
	for (int i = art->tileset_count - 1; i >= 0; i--)
		if (gid >= art->tilesets[i].firstgid &&
		    gid < art->tilesets[i].firstgid + art->tilesets[i].tilecount)
			return i;
	return -1;
}

void sim_world_art_free(struct sim_world_art *art)
{
	for (int i = 0; i < art->layer_count; i++)
		free(art->layers[i].gids);
	for (int i = 0; i < art->tileset_count; i++)
		free(art->tilesets[i].height_cm);
	memset(art, 0, sizeof(*art));
}

/* Scratch for one load: the destinations are written only on success. */
struct scratch {
	struct sim_world world;
	struct sim_world_art art;
	uint8_t walls[SIM_MAX_MAP_TILES * SIM_MAX_MAP_TILES];
};

static enum core_result load(const char *path, struct sim_world *out,
			     struct sim_world_art *out_art, struct sim_world_report *out_report,
			     char *err, size_t err_size)
{
	struct scratch *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, err_size, "%s: out of memory", path);
		return CORE_ERR_NOMEM;
	}
	struct sim_load ld;
	enum core_result r = sim_load_init(&ld, path, err, err_size);
	if (r == CORE_OK)
		r = sim_map_read(&ld);
	if (r == CORE_OK) {
		world_name_from_path(path, s->world.name, sizeof(s->world.name));
		r = sim_map_build(&ld, &s->world, out_art ? &s->art : NULL,
				  out_report ? s->walls : NULL);
	}
	if (r == CORE_OK && out_report)
		sim_map_report(ld.map, &s->world, s->walls, out_report);
	if (r == CORE_OK) {
		memcpy(out, &s->world, sizeof(*out));
		if (out_art) {
			s->art.width_tiles = out->width_tiles;
			s->art.height_tiles = out->height_tiles;
			*out_art = s->art;
		}
	} else {
		sim_world_art_free(&s->art);
	}
	sim_load_fini(&ld);
	free(s);
	return r;
}

enum core_result sim_world_load(const char *path, struct sim_world *out, char *err,
				size_t err_size)
{
	return load(path, out, NULL, NULL, err, err_size);
}

enum core_result sim_world_load_art(const char *path, struct sim_world *out,
				    struct sim_world_art *out_art, char *err, size_t err_size)
{
	return load(path, out, out_art, NULL, err, err_size);
}

enum core_result sim_world_load_report(const char *path, struct sim_world *out,
				       struct sim_world_report *out_report, char *err,
				       size_t err_size)
{
	return load(path, out, NULL, out_report, err, err_size);
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
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s.tmj", dir, name);
	if (stat(path, &st) != 0) {
		char tmx[1024];
		snprintf(tmx, sizeof(tmx), "%s/%s.tmx", dir, name);
		if (stat(tmx, &st) == 0)
			memcpy(path, tmx, sizeof(path));
	}
	return load(path, out, NULL, NULL, err, err_size);
}
