/* The Tiled world loader on arbitrary JSON. The loader takes a path, so the
 * input is written to map.tmj in a private directory made at start-up,
 * beside a copy of the shipped classroom.tsj, and loaded with its art, as
 * the client does.
 *
 * A map names external tilesets by path, and the loader opens whatever it
 * names: a FIFO or a terminal there would block the loader for good. Inputs
 * whose tileset source holds a '/' are skipped, so only the private
 * directory's files can be opened.
 *
 * The directory goes at exit; one left by a run that crashed (its pid is
 * in the name) goes when the next run starts. */
#include "sim/world_load.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DIR_PREFIX "lyceum-fuzz-world-"

static char dir[64], map_path[96], tileset_path[96];
static struct sim_world world;

static bool write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fwrite(data, 1, size, f) == size;
	return fclose(f) == 0 && ok;
}

static void remove_tree(const char *d)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/map.tmj", d);
	unlink(path);
	snprintf(path, sizeof(path), "%s/classroom.tsj", d);
	unlink(path);
	rmdir(d);
}

static void remove_dir(void)
{
	remove_tree(dir);
}

static void remove_stale_dirs(void)
{
	DIR *tmp = opendir("/tmp");
	if (!tmp)
		return;
	const struct dirent *e;
	while ((e = readdir(tmp))) {
		if (strncmp(e->d_name, DIR_PREFIX, strlen(DIR_PREFIX)))
			continue;
		long pid = strtol(e->d_name + strlen(DIR_PREFIX), NULL, 10);
		if (pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
			char d[512];
			snprintf(d, sizeof(d), "/tmp/%s", e->d_name);
			remove_tree(d);
		}
	}
	closedir(tmp);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	remove_stale_dirs();
	snprintf(dir, sizeof(dir), "/tmp/" DIR_PREFIX "%ld-XXXXXX", (long)getpid());
	if (!mkdtemp(dir)) {
		perror("fuzz_world: mkdtemp");
		abort();
	}
	snprintf(map_path, sizeof(map_path), "%s/map.tmj", dir);
	snprintf(tileset_path, sizeof(tileset_path), "%s/classroom.tsj", dir);
	json_error_t jerr;
	json_t *ts = json_load_file(LYCEUM_SOURCE_DIR "/assets/worlds/classroom.tsj", 0, &jerr);
	if (!ts || json_dump_file(ts, tileset_path, 0) != 0) {
		fprintf(stderr, "fuzz_world: cannot copy classroom.tsj: %s\n", jerr.text);
		abort();
	}
	json_decref(ts);
	atexit(remove_dir);
	return 0;
}

/* True if every external tileset the loader would open lies in dir. The
 * same parse as the loader's, so both see the same sources. */
static bool tilesets_stay_home(const uint8_t *data, size_t size)
{
	json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (!root)
		return true; /* the loader stops at the parse too */
	bool home = true;
	size_t i;
	json_t *ts;
	json_array_foreach(json_object_get(root, "tilesets"), i, ts) {
		const char *source = json_string_value(json_object_get(ts, "source"));
		if (source && strchr(source, '/'))
			home = false;
	}
	json_decref(root);
	return home;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!tilesets_stay_home(data, size))
		return 0;
	if (!write_file(map_path, data, size))
		abort();
	char err[512];
	struct sim_world_art art;
	if (sim_world_load_art(map_path, &world, &art, err, sizeof(err)) == CORE_OK)
		sim_world_art_free(&art);
	unlink(map_path);
	return 0;
}
