/* The files of a world: the map, and the tilesets and templates it names
 * beside it. Each is read whole, as a regular file of bounded size, and
 * handed to the reader its first bytes call for. */
#include "world_map.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum core_result sim_load_read_file(struct sim_load *ld, const char *full, const char *noun,
				    char **out_text, size_t *out_size)
{
	int fd = open(full, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return sim_load_fail(ld, "cannot open %s '%s': %s", noun, full, strerror(errno));
	struct stat st;
	enum core_result r = CORE_OK;
	char *text = NULL;
	size_t got = 0;
	if (fstat(fd, &st) != 0) {
		r = sim_load_fail(ld, "cannot read %s '%s': %s", noun, full, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		r = sim_load_fail(ld, "%s '%s' is not a regular file; maps, tilesets and templates "
				      "are files, and tilesets and templates sit beside the map",
				  noun, full);
	} else if (st.st_size > SIM_MAP_MAX_FILE_BYTES) {
		r = sim_load_fail(ld, "%s '%s' is %lld bytes; Lyceum reads files up to %d bytes "
				      "(compressed tile layer data makes a map smaller)",
				  noun, full, (long long)st.st_size, SIM_MAP_MAX_FILE_BYTES);
	} else if (ld->bytes_read + (size_t)st.st_size > SIM_MAP_MAX_TOTAL_BYTES) {
		r = sim_load_fail(ld, "%s '%s' takes the world's files past %d bytes in all; use "
				      "fewer or smaller tilesets and templates",
				  noun, full, SIM_MAP_MAX_TOTAL_BYTES);
	} else if (!(text = malloc((size_t)st.st_size + 1))) {
		r = sim_load_fail(ld, "out of memory reading %s '%s'", noun, full);
	}
	/* read to the end, one byte past the size fstat gave: a file that grows
	 * meanwhile is refused rather than cut */
	while (r == CORE_OK) {
		ssize_t n = read(fd, text + got, (size_t)st.st_size + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = sim_load_fail(ld, "cannot read %s '%s': %s", noun, full, strerror(errno));
		} else if (n == 0) {
			break;
		} else {
			got += (size_t)n;
			if (got > (size_t)st.st_size)
				r = sim_load_fail(ld, "%s '%s' changed while it was read; try again",
						  noun, full);
		}
	}
	close(fd);
	if (r != CORE_OK) {
		free(text);
		return r;
	}
	text[got] = '\0';
	ld->bytes_read += got;
	*out_text = text;
	*out_size = got;
	return CORE_OK;
}

bool sim_load_is_xml(const char *text, size_t size)
{
	size_t i = 0;
	if (size >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) /* a UTF-8 byte order mark */
		i = 3;
	while (i < size && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
		i++;
	return i < size && text[i] == '<';
}

/* The length of path's folder part with its trailing '/', 0 for a bare
 * name: what a relative path inside that file is relative to. */
static int dir_len(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? (int)(slash - path + 1) : 0;
}

enum core_result sim_load_beside_map(struct sim_load *ld, const char *source, const char *noun,
				     char *out, size_t out_size)
{
	if (!source[0] || strchr(source, '/') || strchr(source, '\\') || !strcmp(source, ".") ||
	    !strcmp(source, ".."))
		return sim_load_fail(ld, "%s '%s' is not a file name; %ss must sit beside the map; "
					 "give the file name only",
				     noun, source, noun);
	int len = snprintf(out, out_size, "%.*s%s", dir_len(ld->path), ld->path, source);
	if (len < 0 || (size_t)len >= out_size)
		return sim_load_fail(ld, "%s '%s': the path to it is longer than %zu characters; "
					 "move the world to a shorter path",
				     noun, source, out_size - 1);
	return CORE_OK;
}

enum core_result sim_map_read(struct sim_load *ld)
{
	char *text;
	size_t size;
	enum core_result r = sim_load_read_file(ld, ld->path, "map", &text, &size);
	if (r != CORE_OK)
		return r;
	if (sim_load_is_xml(text, size)) {
		ld->map->format = SIM_WORLD_XML;
		r = sim_tmx_read_map(ld, text, size);
	} else {
		ld->map->format = SIM_WORLD_JSON;
		r = sim_json_read_map(ld, text, size);
	}
	free(text);
	return r;
}

enum core_result sim_map_read_tileset_file(struct sim_load *ld, const char *source,
					   int64_t firstgid)
{
	char full[1024];
	enum core_result r = sim_load_beside_map(ld, source, "tileset", full, sizeof(full));
	struct sim_map_tileset *ts;
	if (r == CORE_OK)
		r = sim_map_new_tileset(ld, &ts);
	if (r == CORE_OK)
		r = sim_map_strdup(ld, source, &ts->source);
	if (r != CORE_OK)
		return r;
	ts->where = ts->source;
	ts->firstgid = firstgid;
	char *text;
	size_t size;
	if ((r = sim_load_read_file(ld, full, "tileset", &text, &size)) != CORE_OK)
		return r;
	char part[SIM_REPORT_FILE_MAX + 16];
	snprintf(part, sizeof(part), "tileset '%s'", source);
	const char *outer = ld->part;
	ld->part = part;
	if (sim_load_is_xml(text, size)) {
		ts->format = SIM_WORLD_XML;
		r = sim_tmx_read_tileset(ld, text, size, ts);
	} else {
		ts->format = SIM_WORLD_JSON;
		r = sim_json_read_tileset(ld, text, size, ts);
	}
	ld->part = outer;
	free(text);
	return r;
}
