/* The Tiled world loader on arbitrary bytes, in each of the three places a
 * world's files come from: as a map (JSON or TMX, loaded with its art, as
 * the client does), as the tileset a fixed map names (TSJ or TSX), and as
 * the template a fixed map's object names (TJ or TX), the last two loaded
 * with their report. The loader takes paths, so the input is written to a
 * file named "input" in a private directory made at start-up, beside the
 * fixed maps and copies of the shipped tileset, its TSX and two templates
 * (tests/data/worlds).
 *
 * The loader opens only plain file names beside the map, and only regular
 * files (a FIFO or a terminal would otherwise block it), so nothing outside
 * the private directory is read whatever the input names.
 *
 * The directory goes at exit; one left by a run that crashed (its pid is
 * in the name) goes when the next run starts. */
#include "sim/world_load.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DIR_PREFIX "lyceum-fuzz-world-"

/* What the private directory holds besides the input. */
static const char *const copied[][2] = {
	{LYCEUM_SOURCE_DIR "/assets/worlds/classroom.tsj", "classroom.tsj"},
	{LYCEUM_SOURCE_DIR "/tests/data/worlds/classroom.tsx", "classroom.tsx"},
	{LYCEUM_SOURCE_DIR "/tests/data/worlds/seat.tx", "seat.tx"},
	{LYCEUM_SOURCE_DIR "/tests/data/worlds/seat.tj", "seat.tj"},
};

/* A 2 x 2 map that is valid once its tileset or template is. */
#define FIXED_MAP(tileset, extra)                                                             \
	"<map orientation=\"isometric\" width=\"2\" height=\"2\" tilewidth=\"64\" "           \
	"tileheight=\"32\">\n"                                                                \
	" <tileset firstgid=\"1\" source=\"" tileset "\"/>\n"                                 \
	" <layer name=\"floor\" width=\"2\" height=\"2\"><data encoding=\"csv\">1,1,1,1</data>" \
	"</layer>\n"                                                                          \
	" <objectgroup name=\"objects\">\n"                                                   \
	"  <object id=\"1\" name=\"room\" type=\"Zone\" x=\"0\" y=\"0\" width=\"64\" "        \
	"height=\"64\"><properties><property name=\"kind\" value=\"classroom\"/>"             \
	"</properties></object>\n"                                                            \
	"  <object id=\"2\" type=\"Spawn\" x=\"32\" y=\"32\"><point/></object>\n" extra       \
	" </objectgroup>\n"                                                                   \
	"</map>\n"

static const char *const written[][2] = {
	{"uses-tileset.tmx", FIXED_MAP("input", "")},
	{"uses-template.tmx",
	 FIXED_MAP("classroom.tsj", "  <object id=\"3\" template=\"input\" x=\"16\" y=\"16\"/>\n")},
};

static char dir[64], input_path[96], tileset_map[96], template_map[96];
static struct sim_world world;
static struct sim_world_report report;

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
	snprintf(path, sizeof(path), "%s/input", d);
	unlink(path);
	for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", d, copied[i][1]);
		unlink(path);
	}
	for (size_t i = 0; i < sizeof(written) / sizeof(written[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", d, written[i][0]);
		unlink(path);
	}
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

static void copy_in(const char *from, const char *name)
{
	char path[512], buf[1 << 16];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *in = fopen(from, "rb");
	size_t n = in ? fread(buf, 1, sizeof(buf), in) : 0;
	if (!in || !feof(in) || !write_file(path, buf, n)) {
		fprintf(stderr, "fuzz_world: cannot copy %s\n", from);
		abort();
	}
	fclose(in);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	remove_stale_dirs();
	snprintf(dir, sizeof(dir), "/tmp/" DIR_PREFIX "%ld-XXXXXX", (long)getpid());
	if (!mkdtemp(dir)) {
		perror("fuzz_world: mkdtemp");
		abort();
	}
	atexit(remove_dir);
	snprintf(input_path, sizeof(input_path), "%s/input", dir);
	snprintf(tileset_map, sizeof(tileset_map), "%s/uses-tileset.tmx", dir);
	snprintf(template_map, sizeof(template_map), "%s/uses-template.tmx", dir);
	for (size_t i = 0; i < sizeof(copied) / sizeof(copied[0]); i++)
		copy_in(copied[i][0], copied[i][1]);
	for (size_t i = 0; i < sizeof(written) / sizeof(written[0]); i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, written[i][0]);
		if (!write_file(path, written[i][1], strlen(written[i][1])))
			abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!write_file(input_path, data, size))
		abort();
	char err[512];
	struct sim_world_art art;
	if (sim_world_load_art(input_path, &world, &art, err, sizeof(err)) == CORE_OK)
		sim_world_art_free(&art);
	/* refusals are the point; only the sanitizers judge */
	enum core_result r = sim_world_load_report(tileset_map, &world, &report, err, sizeof(err));
	r = sim_world_load_report(template_map, &world, &report, err, sizeof(err));
	(void)r;
	unlink(input_path);
	return 0;
}
