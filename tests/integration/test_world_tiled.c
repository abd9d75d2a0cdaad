/* The shipped worlds as authors save them: the real Tiled (the Debian
 * package, headless) converts each into every map format (TMX, JSON), tile
 * layer format (CSV, XML, base64 uncompressed, zlib, gzip, zstd), tileset
 * form (JSON file, TSX file, embedded) and template form (.tj, .tx,
 * detached) that it writes, and each conversion must load to the identical
 * sim_world and art, its report saying what Tiled wrote.
 *
 * Tiled picks a layer format from the map it reads, so each conversion
 * starts from a seed in that format (tests/world_fixture.c encodes it)
 * which Tiled reads and writes out with its own encoders. Tiled 1.8
 * writes relative paths against its working folder, so everything happens
 * in one folder that is also the working folder.
 *
 * Exits 77 (ctest: skipped) only when tiled is not installed; tools/deps.sh
 * installs it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "itest.h"
#include "sim/world_load.h"
#include "world_fixture.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SKIPPED 77
#define WORLDS LYCEUM_SOURCE_DIR "/assets/worlds"
#define MAX_WORLDS 8

static char tiled[512];
static int tiled_runs;
static char world_names[MAX_WORLDS][64];
static int world_count;

/* The shipped world being converted, as loaded from assets/worlds. */
static struct sim_world reference;
static char *reference_dump, *reference_art;
static char reference_tileset[SIM_REPORT_FILE_MAX]; /* its first tileset's file */

static bool find_tiled(void)
{
	const char *path = getenv("PATH");
	char dirs[4096];
	core_strlcpy(dirs, path ? path : "/usr/bin:/bin", sizeof(dirs));
	for (char *save, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(tiled, sizeof(tiled), "%s/tiled", d);
		if (access(tiled, X_OK) == 0)
			return true;
	}
	return false;
}

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	assert_non_null(in);
	assert_non_null(out);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static void write_file(const char *name, const char *text)
{
	FILE *f = fopen(name, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

/* tiled [flags] --export-map|--export-tileset FORMAT IN OUT, which must succeed. */
static void tiled_export(const char *const *flags, const char *what, const char *format,
			 const char *in, const char *out)
{
	char *argv[16];
	int n = 0;
	argv[n++] = tiled;
	for (; flags && *flags; flags++)
		argv[n++] = (char *)*flags;
	argv[n++] = (char *)what;
	argv[n++] = (char *)format;
	argv[n++] = (char *)in;
	argv[n++] = (char *)out;
	argv[n] = NULL;
	char name[32];
	snprintf(name, sizeof(name), "tiled-%d", tiled_runs++);
	unlink(out);
	struct itest_proc p;
	int rc = itest_run(&p, name, argv, 60000);
	struct stat st;
	if (rc != 0 || stat(out, &st) != 0) {
		char err[8192];
		fail_msg("tiled %s %s %s %s: exit %d, no output? %s", what, format, in, out, rc,
			 itest_read_tail(p.err_path, err, sizeof(err)));
	}
}

static void export_map(const char *const *flags, const char *format, const char *in,
		       const char *out)
{
	tiled_export(flags, "--export-map", format, in, out);
}

/* ---- what a conversion must load to ---------------------------------------------- */

struct expect {
	enum sim_world_format format;
	enum sim_layer_encoding encoding;
	enum sim_layer_compression compression;
	const char *tileset_source; /* its file name, or "" when embedded */
	const char *template_source; /* NULL: none */
};

static void load_reference(const char *name)
{
	char path[512], err[512];
	snprintf(path, sizeof(path), "%s/%s.tmj", WORLDS, name);
	struct sim_world_art art;
	static struct sim_world_report report;
	if (sim_world_load_report(path, &reference, &report, err, sizeof(err)) != CORE_OK ||
	    sim_world_load_art(path, &reference, &art, err, sizeof(err)) != CORE_OK)
		fail_msg("%s", err);
	core_strlcpy(reference_tileset, report.tilesets[0].source, sizeof(reference_tileset));
	free(reference_dump);
	free(reference_art);
	reference_dump = world_dump(&reference);
	reference_art = world_art_dump(&art);
	sim_world_art_free(&art);
}

static void expect_loads_alike(const char *path, const struct expect *e)
{
	static struct sim_world w;
	static struct sim_world_report report;
	struct sim_world_art art;
	char err[512];
	if (sim_world_load_report(path, &w, &report, err, sizeof(err)) != CORE_OK)
		fail_msg("%s", err);
	core_strlcpy(w.name, reference.name, sizeof(w.name));
	char *dump = world_dump(&w), *diff = world_dump_diff(reference_dump, dump);
	if (diff)
		fail_msg("%s loads unlike the shipped %s: %s", path, reference.name, diff);
	free(dump);
	if (sim_world_load_art(path, &w, &art, err, sizeof(err)) != CORE_OK)
		fail_msg("%s", err);
	dump = world_art_dump(&art);
	if ((diff = world_dump_diff(reference_art, dump)))
		fail_msg("%s: its art differs: %s", path, diff);
	free(dump);
	sim_world_art_free(&art);
	/* the report says what Tiled wrote */
	if (report.format != e->format)
		fail_msg("%s: read as %s", path, sim_world_format_name(report.format));
	for (int i = 0; i < report.tile_layer_count; i++) {
		const struct sim_report_layer *l = &report.tile_layers[i];
		if (l->encoding != e->encoding || l->compression != e->compression)
			fail_msg("%s: layer '%s' is %s %s, expected %s %s", path, l->name,
				 sim_layer_encoding_name(l->encoding),
				 sim_layer_compression_name(l->compression),
				 sim_layer_encoding_name(e->encoding),
				 sim_layer_compression_name(e->compression));
	}
	assert_true(report.tileset_count >= 1);
	if (strcmp(report.tilesets[0].source, e->tileset_source))
		fail_msg("%s: tileset '%s', expected '%s'", path, report.tilesets[0].source,
			 e->tileset_source);
	if (e->template_source) {
		assert_int_equal(report.template_count, 1);
		assert_string_equal(report.templates[0].source, e->template_source);
		assert_int_equal(report.templates[0].uses, reference.seat_count);
	} else {
		assert_int_equal(report.template_count, 0);
	}
	assert_int_equal(report.warning_count, 0);
}

/* ---- seeds ----------------------------------------------------------------------- */

static json_t *load_json(const char *path)
{
	json_error_t jerr;
	json_t *j = json_load_file(path, 0, &jerr);
	if (!j)
		fail_msg("%s: %s", path, jerr.text);
	return j;
}

static void save_json(json_t *j, const char *path)
{
	assert_int_equal(json_dump_file(j, path, JSON_INDENT(1)), 0);
}

/* Every tile layer's data as base64, compressed as asked. */
static void encode_layers(json_t *map, enum sim_layer_compression compression)
{
	size_t i;
	json_t *layer;
	json_array_foreach(json_object_get(map, "layers"), i, layer) {
		json_t *data = json_object_get(layer, "data");
		if (!json_is_array(data))
			continue;
		size_t n = json_array_size(data);
		uint32_t *gids = calloc(n, sizeof(*gids));
		for (size_t c = 0; c < n; c++)
			gids[c] = (uint32_t)json_integer_value(json_array_get(data, c));
		char *b64 = world_encode_gids(gids, n, compression);
		json_object_set_new(layer, "encoding", json_string("base64"));
		if (compression != SIM_LAYER_UNCOMPRESSED)
			json_object_set_new(layer, "compression",
					    json_string(sim_layer_compression_name(compression)));
		json_object_set_new(layer, "data", json_string(b64));
		free(b64);
		free(gids);
	}
}

/* Every external tileset's source ending in ext (".tsj" or ".tsx"). */
static void point_tilesets_at(json_t *map, const char *ext)
{
	size_t i;
	json_t *ts;
	json_array_foreach(json_object_get(map, "tilesets"), i, ts) {
		const char *source = json_string_value(json_object_get(ts, "source"));
		if (!source)
			continue;
		char changed[256];
		snprintf(changed, sizeof(changed), "%.*s%s", (int)strlen(source) - 4, source, ext);
		json_object_set_new(ts, "source", json_string(changed));
	}
}

/* ---- the matrix -------------------------------------------------------------------- */

enum tileset_form {
	TILESET_JSON,
	TILESET_TSX,
	TILESET_EMBEDDED,
};

static const char *const tileset_form_names[] = {"tsj", "tsx", "embedded"};
static const char *const embed_flags[] = {"--embed-tilesets", NULL};

static const enum sim_layer_compression compressions[] = {
	SIM_LAYER_UNCOMPRESSED, SIM_LAYER_ZLIB, SIM_LAYER_GZIP, SIM_LAYER_ZSTD};

/* What the conversions' first tileset is: the shipped one, its TSX, or embedded. */
static const char *tileset_of(enum tileset_form form)
{
	static char tsx[SIM_REPORT_FILE_MAX];
	snprintf(tsx, sizeof(tsx), "%.*s.tsx", (int)strlen(reference_tileset) - 4,
		 reference_tileset);
	return form == TILESET_JSON ? reference_tileset : form == TILESET_TSX ? tsx : "";
}

/* stem.tmx and stem.tmj exported from a seed, each checked. */
static void convert(const char *seed, const char *stem, enum tileset_form form,
		    struct expect e, enum sim_layer_encoding json_encoding)
{
	const char *const *flags = form == TILESET_EMBEDDED ? embed_flags : NULL;
	char out[256];
	e.tileset_source = tileset_of(form);
	snprintf(out, sizeof(out), "%s.tmx", stem);
	export_map(flags, "tmx", seed, out);
	e.format = SIM_WORLD_XML;
	expect_loads_alike(out, &e);
	snprintf(out, sizeof(out), "%s.tmj", stem);
	export_map(flags, "json", seed, out);
	e.format = SIM_WORLD_JSON;
	e.encoding = json_encoding;
	expect_loads_alike(out, &e);
}

static void convert_world(const char *name)
{
	char path[512], seed[256], stem[256];
	snprintf(path, sizeof(path), "%s/%s.tmj", WORLDS, name);
	load_reference(name);
	for (int form = TILESET_JSON; form <= TILESET_EMBEDDED; form++) {
		const char *form_name = tileset_form_names[form];
		/* CSV: the shipped map as it is */
		json_t *map = load_json(path);
		if (form == TILESET_TSX)
			point_tilesets_at(map, ".tsx");
		snprintf(seed, sizeof(seed), "seed.%s.%s.csv.tmj", name, form_name);
		save_json(map, seed);
		json_decref(map);
		snprintf(stem, sizeof(stem), "%s.%s.csv", name, form_name);
		convert(seed, stem, form,
			(struct expect){.encoding = SIM_LAYER_CSV,
					.compression = SIM_LAYER_UNCOMPRESSED},
			SIM_LAYER_CSV);
		/* XML: Tiled's CSV TMX with its layers as <tile> elements */
		snprintf(path, sizeof(path), "%s.tmx", stem);
		char *csv_tmx = itest_read(path);
		char *xml_tmx = world_tmx_recode(csv_tmx, SIM_LAYER_XML, SIM_LAYER_UNCOMPRESSED);
		snprintf(seed, sizeof(seed), "seed.%s.%s.xml.tmx", name, form_name);
		write_file(seed, xml_tmx);
		free(csv_tmx);
		free(xml_tmx);
		snprintf(stem, sizeof(stem), "%s.%s.xml", name, form_name);
		convert(seed, stem, form,
			(struct expect){.encoding = SIM_LAYER_XML,
					.compression = SIM_LAYER_UNCOMPRESSED},
			SIM_LAYER_CSV); /* Tiled's JSON has no XML format: it writes CSV */
		snprintf(path, sizeof(path), "%s/%s.tmj", WORLDS, name);
		/* base64, every compression */
		for (size_t c = 0; c < CORE_ARRAY_LEN(compressions); c++) {
			const char *cname = sim_layer_compression_name(compressions[c]);
			map = load_json(path);
			if (form == TILESET_TSX)
				point_tilesets_at(map, ".tsx");
			encode_layers(map, compressions[c]);
			snprintf(seed, sizeof(seed), "seed.%s.%s.%s.tmj", name, form_name, cname);
			save_json(map, seed);
			json_decref(map);
			snprintf(stem, sizeof(stem), "%s.%s.%s", name, form_name, cname);
			convert(seed, stem, form,
				(struct expect){.encoding = SIM_LAYER_BASE64,
						.compression = compressions[c]},
				SIM_LAYER_BASE64);
		}
	}
}

static void every_world_in_every_format(void **state)
{
	(void)state;
	assert_true(world_count >= 2);
	for (int i = 0; i < world_count; i++)
		convert_world(world_names[i]);
}

/* ---- templates, Tiled's other flags, infinite maps --------------------------------------- */

/* The classroom with every seat an instance of template source (facing 270
 * there), its own facing kept where it differs. */
static void save_seats_from_template(const char *source, const char *seed)
{
	json_t *map = load_json(WORLDS "/classroom.tmj");
	size_t i, j;
	json_t *layer, *obj;
	json_array_foreach(json_object_get(map, "layers"), i, layer) {
		json_array_foreach(json_object_get(layer, "objects"), j, obj) {
			const char *cls = json_string_value(json_object_get(obj, "type"));
			if (!cls || strcmp(cls, "Seat"))
				continue;
			json_t *facing = json_array_get(json_object_get(obj, "properties"), 0);
			json_t *inst = json_pack("{s:O,s:s,s:O,s:O}", "id", json_object_get(obj, "id"),
						 "template", source, "x", json_object_get(obj, "x"),
						 "y", json_object_get(obj, "y"));
			if (json_real_value(json_object_get(facing, "value")) != 270.0)
				json_object_set_new(inst, "properties", json_pack("[O]", facing));
			json_array_set_new(json_object_get(layer, "objects"), j, inst);
		}
	}
	save_json(map, seed);
	json_decref(map);
}

static void templates_as_tiled_writes_them(void **state)
{
	(void)state;
	load_reference("classroom");
	write_file("seat.tj", "{ \"type\":\"template\",\n"
			      "  \"object\":{ \"type\":\"Seat\", \"name\":\"\", \"point\":true,\n"
			      "    \"properties\":[{\"name\":\"facing\",\"type\":\"float\","
			      "\"value\":270}] } }\n");
	write_file("seat.tx", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			      "<template>\n"
			      " <object type=\"Seat\">\n"
			      "  <properties>\n"
			      "   <property name=\"facing\" type=\"float\" value=\"270\"/>\n"
			      "  </properties>\n"
			      "  <point/>\n"
			      " </object>\n"
			      "</template>\n");
	static const char *const detach_flags[] = {"--detach-templates", NULL};
	const char *const sources[] = {"seat.tj", "seat.tx"};
	for (int s = 0; s < 2; s++) {
		char seed[64], out[64];
		snprintf(seed, sizeof(seed), "seed.templates.%s.tmj", sources[s]);
		save_seats_from_template(sources[s], seed);
		struct expect e = {.encoding = SIM_LAYER_CSV,
				   .tileset_source = "classroom.tsj",
				   .template_source = sources[s]};
		snprintf(out, sizeof(out), "templates.%s.tmx", sources[s]);
		export_map(NULL, "tmx", seed, out);
		e.format = SIM_WORLD_XML;
		expect_loads_alike(out, &e);
		snprintf(out, sizeof(out), "templates.%s.tmj", sources[s]);
		export_map(NULL, "json", seed, out);
		e.format = SIM_WORLD_JSON;
		expect_loads_alike(out, &e);
		snprintf(out, sizeof(out), "detached.%s.tmx", sources[s]);
		export_map(detach_flags, "tmx", seed, out);
		e.format = SIM_WORLD_XML;
		e.template_source = NULL;
		expect_loads_alike(out, &e);
	}
}

static void minimized_and_resolved_exports(void **state)
{
	(void)state;
	load_reference("classroom");
	static const char *const minimize[] = {"--minimize", NULL};
	static const char *const resolve[] = {"--resolve-types-and-properties", NULL};
	struct expect e = {.encoding = SIM_LAYER_CSV, .tileset_source = "classroom.tsj"};
	copy_file(WORLDS "/classroom.tmj", "classroom.tmj"); /* beside its tileset */
	export_map(minimize, "json", "classroom.tmj", "minimized.tmj");
	e.format = SIM_WORLD_JSON;
	expect_loads_alike("minimized.tmj", &e);
	export_map(minimize, "tmx", "classroom.tmj", "minimized.tmx");
	e.format = SIM_WORLD_XML;
	expect_loads_alike("minimized.tmx", &e);
	export_map(resolve, "tmx", "classroom.tmj", "resolved.tmx");
	expect_loads_alike("resolved.tmx", &e);
}

static void infinite_maps_are_refused(void **state)
{
	(void)state;
	json_t *map = load_json(WORLDS "/classroom.tmj");
	json_object_set_new(map, "infinite", json_true());
	save_json(map, "seed.infinite.tmj");
	json_decref(map);
	const char *const outs[] = {"infinite.tmx", "infinite.tmj"};
	for (int i = 0; i < 2; i++) {
		export_map(NULL, i ? "json" : "tmx", "seed.infinite.tmj", outs[i]);
		char err[512] = "";
		assert_int_not_equal(sim_world_load(outs[i], &reference, err, sizeof(err)), CORE_OK);
		if (!strstr(err, "infinite maps are not supported; untick Map > Map Properties > "
				 "Infinite"))
			fail_msg("%s: %s", outs[i], err);
	}
}

/* ---- setup ------------------------------------------------------------------------- */

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && !strcmp(s + n - t, tail);
}

/* The shipped worlds and their tilesets and images into the working
 * folder, and each tileset as Tiled's TSX. */
static int setup(void **state)
{
	(void)state;
	const char *dir = itest_dir();
	char path[512];
	if (chdir(dir) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/runtime", dir);
	mkdir(path, 0700);
	setenv("XDG_RUNTIME_DIR", path, 1);
	setenv("XDG_CONFIG_HOME", dir, 1);
	setenv("HOME", dir, 1);
	setenv("QT_QPA_PLATFORM", "offscreen", 1);
	DIR *d = opendir(WORLDS);
	if (!d)
		return -1;
	const struct dirent *e;
	while ((e = readdir(d))) {
		snprintf(path, sizeof(path), "%s/%s", WORLDS, e->d_name);
		if (ends_with(e->d_name, ".tsj") || ends_with(e->d_name, ".png"))
			copy_file(path, e->d_name);
		if (ends_with(e->d_name, ".tmj") && world_count < MAX_WORLDS) {
			snprintf(world_names[world_count], sizeof(world_names[0]), "%.*s",
				 (int)strlen(e->d_name) - 4, e->d_name);
			world_count++;
		}
	}
	closedir(d);
	if (!(d = opendir(".")))
		return -1;
	while ((e = readdir(d))) {
		if (!ends_with(e->d_name, ".tsj"))
			continue;
		char tsx[256];
		snprintf(tsx, sizeof(tsx), "%.*s.tsx", (int)strlen(e->d_name) - 4, e->d_name);
		tiled_export(NULL, "--export-tileset", "tsx", e->d_name, tsx);
	}
	closedir(d);
	return 0;
}

int main(void)
{
	if (!find_tiled()) {
		printf("SKIPPED: tiled is not installed (tools/deps.sh installs the Debian package "
		       "'tiled'); the conversions by real Tiled were not checked\n");
		return SKIPPED;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_world_in_every_format),
		cmocka_unit_test(templates_as_tiled_writes_them),
		cmocka_unit_test(minimized_and_resolved_exports),
		cmocka_unit_test(infinite_maps_are_refused),
	};
	int rc = cmocka_run_group_tests(tests, setup, NULL);
	printf("%d runs of %s\n", tiled_runs, tiled);
	free(reference_dump);
	free(reference_art);
	itest_cleanup();
	return rc;
}
