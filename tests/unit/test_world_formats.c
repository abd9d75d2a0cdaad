/* World loading beyond plain JSON: TMX maps and TSX tilesets as Tiled 1.8
 * exports them (tests/data/worlds/grid.tmx, classroom.tsx), every layer
 * encoding and compression, templates, flip flags, the report and its
 * warnings, and hostile XML and layer data. "The same world" is always the
 * whole sim_world, compared as a canonical dump (tests/world_fixture.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/world_load.h"
#include "world_fixture.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DATA LYCEUM_SOURCE_DIR "/tests/data/worlds"
#define WORLDS LYCEUM_SOURCE_DIR "/assets/worlds"

static char tmpdir[256];
static struct sim_world world, other;
static struct sim_world_report report;

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lyceum-test-formats-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	rewind(f);
	char *text = malloc((size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* tmpdir/name with text in it; the path stays valid until the next call. */
static const char *write_text(const char *name, const char *text)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	fclose(f);
	return path;
}

static const char *write_json(const char *name, json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);
	const char *path = write_text(name, text);
	free(text);
	return path;
}

/* text with its first (or every) old replaced by new (the caller frees). */
static char *replace(const char *text, const char *old, const char *new, bool every)
{
	size_t cap = strlen(text) + 1, len = 0;
	char *out = malloc(cap);
	const char *at;
	while ((at = strstr(text, old))) {
		size_t pre = (size_t)(at - text);
		cap += pre + strlen(new);
		out = realloc(out, cap);
		memcpy(out + len, text, pre);
		memcpy(out + len + pre, new, strlen(new));
		len += pre + strlen(new);
		text = at + strlen(old);
		if (!every)
			break;
	}
	assert_true(strlen(text) < cap - len);
	strcpy(out + len, text);
	return out;
}

static void load_or_fail(const char *path, struct sim_world *w)
{
	char err[512] = "";
	if (sim_world_load_report(path, w, &report, err, sizeof(err)) != CORE_OK)
		fail_msg("%s", err);
}

/* Loads both and compares the whole worlds (their names aside). */
static void expect_same_world(const char *path, const char *reference)
{
	load_or_fail(reference, &other);
	load_or_fail(path, &world);
	core_strlcpy(world.name, other.name, sizeof(world.name));
	char *a = world_dump(&other), *b = world_dump(&world);
	char *diff = world_dump_diff(a, b);
	if (diff)
		fail_msg("%s loads unlike %s: %s", path, reference, diff);
	free(a);
	free(b);
}

static void expect_error_in(const char *path, const char *const *fragments)
{
	char err[512] = "";
	alarm(10); /* a loader that blocks fails the test instead of hanging it */
	enum core_result r = sim_world_load(path, &world, err, sizeof(err));
	alarm(0);
	if (r == CORE_OK)
		fail_msg("%s loads; expected an error", path);
	for (const char *const *f = fragments; *f; f++) {
		if (!strstr(err, *f))
			fail_msg("error '%s' does not mention '%s'", err, *f);
	}
}

#define EXPECT_ERROR(path, ...) expect_error_in(path, (const char *const[]){__VA_ARGS__, NULL})

/* grid.tmx with its first `old` replaced by `new`, saved as name. */
static const char *grid_tmx_with(const char *name, const char *old, const char *new)
{
	char *tmx = read_text(DATA "/grid.tmx");
	assert_non_null(strstr(tmx, old));
	char *changed = replace(tmx, old, new, false);
	const char *path = write_text(name, changed);
	free(tmx);
	free(changed);
	return path;
}

/* ---- Tiled's own exports ------------------------------------------------------ */

static void tiled_tmx_and_tsx_load_like_json(void **state)
{
	(void)state;
	expect_same_world(DATA "/grid.tmx", DATA "/grid.tmj");
	assert_int_equal(report.format, SIM_WORLD_XML);
	assert_int_equal(report.tile_layer_count, 3);
	assert_int_equal(report.tile_layers[0].encoding, SIM_LAYER_CSV);
	assert_int_equal(report.tileset_count, 1);
	assert_string_equal(report.tilesets[0].source, "");
	/* the renderer's view too */
	char err[512];
	struct sim_world_art art_json, art_tmx;
	assert_int_equal(sim_world_load_art(DATA "/grid.tmj", &world, &art_json, err, sizeof(err)),
			 CORE_OK);
	assert_int_equal(sim_world_load_art(DATA "/grid.tmx", &world, &art_tmx, err, sizeof(err)),
			 CORE_OK);
	char *a = world_art_dump(&art_json), *b = world_art_dump(&art_tmx);
	assert_null(world_dump_diff(a, b));
	assert_string_equal(art_tmx.tilesets[0].image,
			    DATA "/../../../assets/worlds/classroom-tiles.png");
	free(a);
	free(b);
	sim_world_art_free(&art_json);
	sim_world_art_free(&art_tmx);

	/* the classroom with Tiled's TSX export of its tileset beside it */
	char *tsx = read_text(DATA "/classroom.tsx");
	write_text("classroom.tsx", tsx);
	free(tsx);
	char *tmj = read_text(WORLDS "/classroom.tmj");
	char *with_tsx = replace(tmj, "\"source\":\"classroom.tsj\"", "\"source\":\"classroom.tsx\"",
				 false);
	const char *path = write_text("classroom.tmj", with_tsx);
	free(tmj);
	free(with_tsx);
	expect_same_world(path, WORLDS "/classroom.tmj");
	assert_int_equal(report.format, SIM_WORLD_JSON);
	assert_string_equal(report.tilesets[0].source, "classroom.tsx");
	assert_int_equal(report.tilesets[0].format, SIM_WORLD_XML);
	assert_int_equal(report.tilesets[0].tilecount, 12);
}

/* ---- every encoding ----------------------------------------------------------- */

static const enum sim_layer_compression compressions[] = {
	SIM_LAYER_UNCOMPRESSED, SIM_LAYER_ZLIB, SIM_LAYER_GZIP, SIM_LAYER_ZSTD};

static json_t *grid_json(void)
{
	json_error_t jerr;
	json_t *map = json_load_file(DATA "/grid.tmj", 0, &jerr);
	assert_non_null(map);
	return map;
}

static void json_encode_layers(json_t *map, enum sim_layer_compression compression)
{
	size_t i;
	json_t *layer;
	json_array_foreach(json_object_get(map, "layers"), i, layer) {
		json_t *data = json_object_get(layer, "data");
		if (!data)
			continue;
		uint32_t gids[80];
		for (size_t c = 0; c < 80; c++)
			gids[c] = (uint32_t)json_integer_value(json_array_get(data, c));
		char *b64 = world_encode_gids(gids, 80, compression);
		json_object_set_new(layer, "encoding", json_string("base64"));
		if (compression != SIM_LAYER_UNCOMPRESSED)
			json_object_set_new(layer, "compression",
					    json_string(sim_layer_compression_name(compression)));
		json_object_set_new(layer, "data", json_string(b64));
		free(b64);
	}
}

static void every_encoding_loads_alike(void **state)
{
	(void)state;
	char *tmx = read_text(DATA "/grid.tmx");
	for (size_t c = 0; c < CORE_ARRAY_LEN(compressions); c++) {
		char *encoded = world_tmx_recode(tmx, SIM_LAYER_BASE64, compressions[c]);
		expect_same_world(write_text("encoded.tmx", encoded), DATA "/grid.tmj");
		free(encoded);
		for (int l = 0; l < 3; l++) {
			assert_int_equal(report.tile_layers[l].encoding, SIM_LAYER_BASE64);
			assert_int_equal(report.tile_layers[l].compression, compressions[c]);
		}
		json_t *map = grid_json();
		json_encode_layers(map, compressions[c]);
		expect_same_world(write_json("encoded.tmj", map), DATA "/grid.tmj");
		json_decref(map);
		assert_int_equal(report.tile_layers[2].compression, compressions[c]);
	}
	char *xml = world_tmx_recode(tmx, SIM_LAYER_XML, SIM_LAYER_UNCOMPRESSED);
	expect_same_world(write_text("xml.tmx", xml), DATA "/grid.tmj");
	assert_int_equal(report.tile_layers[0].encoding, SIM_LAYER_XML);
	free(xml);
	free(tmx);
}

/* ---- hostile layer data ------------------------------------------------------------ */

/* grid.tmx with the floor layer's data replaced, saved as data.tmx. */
static const char *tmx_floor_data(const char *data_element)
{
	char *tmx = read_text(DATA "/grid.tmx");
	char *start = strstr(tmx, "<data encoding=\"csv\">");
	char *end = strstr(start, "</data>") + strlen("</data>");
	size_t n = strlen(tmx) + strlen(data_element) + 1;
	char *out = malloc(n);
	snprintf(out, n, "%.*s%s%s", (int)(start - tmx), tmx, data_element, end);
	const char *path = write_text("data.tmx", out);
	free(tmx);
	free(out);
	return path;
}

static const char *tmx_floor_base64(const char *compression, const char *b64)
{
	char element[1 << 16];
	snprintf(element, sizeof(element), "<data encoding=\"base64\"%s%s%s>%s</data>",
		 compression ? " compression=\"" : "", compression ? compression : "",
		 compression ? "\"" : "", b64);
	return tmx_floor_data(element);
}

static void hostile_layer_data_is_refused(void **state)
{
	(void)state;
	/* bombs: 16 MiB of zeros packed small, against a layer of 320 bytes */
	size_t bomb_gids = 4u << 20;
	uint32_t *zeros = calloc(bomb_gids, sizeof(*zeros));
	for (size_t c = 1; c < CORE_ARRAY_LEN(compressions); c++) {
		char *b64 = world_encode_gids(zeros, bomb_gids, compressions[c]);
		assert_true(strlen(b64) < 60000);
		const char *name = sim_layer_compression_name(compressions[c]);
		EXPECT_ERROR(tmx_floor_base64(name, b64), "data.tmx: layer 'floor'", name,
			     compressions[c] == SIM_LAYER_ZSTD ? "more than the 320 bytes"
							       : "inflates past the 320 bytes");
		/* the same in JSON */
		json_t *map = grid_json();
		json_encode_layers(map, compressions[c]);
		json_t *floor = json_array_get(json_object_get(map, "layers"), 0);
		json_object_set_new(floor, "data", json_string(b64));
		EXPECT_ERROR(write_json("bomb.tmj", map), "bomb.tmj: layer 'floor'", name);
		json_decref(map);
		free(b64);
	}
	/* a stream cut short, one with bytes after its end, one short of tiles */
	uint32_t gids[80];
	for (int i = 0; i < 80; i++)
		gids[i] = 1 + (uint32_t)i % 12;
	char *zlib = world_encode_gids(gids, 80, SIM_LAYER_ZLIB);
	char cut[256];
	snprintf(cut, sizeof(cut), "%.*s", (int)strlen(zlib) / 2 / 4 * 4, zlib);
	EXPECT_ERROR(tmx_floor_base64("zlib", cut), "layer 'floor'", "zlib data");
	char *gzip = world_encode_gids(gids, 80, SIM_LAYER_GZIP);
	EXPECT_ERROR(tmx_floor_base64("zlib", gzip), "layer 'floor'", "zlib data is damaged");
	EXPECT_ERROR(tmx_floor_base64("zstd", zlib), "layer 'floor'", "zstd data");
	EXPECT_ERROR(tmx_floor_base64("gzip", "!!!!"), "base64 tile data is damaged");
	EXPECT_ERROR(tmx_floor_base64(NULL, "AAAA"), "holds 3 bytes, expected 320");
	EXPECT_ERROR(tmx_floor_base64("lzma", "AAAA"), "compressed with lzma");
	char *short_zstd = world_encode_gids(gids, 79, SIM_LAYER_ZSTD);
	EXPECT_ERROR(tmx_floor_base64("zstd", short_zstd), "zstd data holds 316 bytes of gids, "
							   "expected 320");
	free(zlib);
	free(gzip);
	free(short_zstd);
	free(zeros);
	/* CSV text */
	EXPECT_ERROR(tmx_floor_data("<data encoding=\"csv\">1,2</data>"),
		     "CSV tile data holds 2 tiles, expected 80");
	EXPECT_ERROR(tmx_floor_data("<data encoding=\"csv\">1,x</data>"), "tile 1 is not a gid");
	EXPECT_ERROR(tmx_floor_data("<data encoding=\"csv\">4294967296</data>"), "past 4294967295");
	EXPECT_ERROR(tmx_floor_data("<data encoding=\"csv\"></data>"), "CSV tile data is empty");
	EXPECT_ERROR(tmx_floor_data("<data encoding=\"csv\">1;2</data>"), "byte 0x3b after tile 0");
	EXPECT_ERROR(tmx_floor_data("<data encoding=\"hex\">00</data>"), "encoding 'hex'");
	EXPECT_ERROR(tmx_floor_data("<data encoding=\"csv\" compression=\"zlib\">1</data>"),
		     "only base64 tile data can be compressed");
	EXPECT_ERROR(tmx_floor_data("<data><tile gid=\"1\"/></data>"),
		     "has 1 <tile> elements, expected 80");
	EXPECT_ERROR(tmx_floor_data("<data><tile gid=\"-1\"/></data>"), "not a tile gid");
	EXPECT_ERROR(tmx_floor_data("<data><chunk x=\"0\" y=\"0\"/></data>"),
		     "chunked (infinite) tile data is not supported");
	EXPECT_ERROR(tmx_floor_data(""), "layer 'floor': has no tile data");
	char twice[1024] = "<data encoding=\"csv\">1";
	for (int i = 1; i < 80; i++)
		strcat(twice, ",1");
	strcat(twice, "</data><data/>");
	EXPECT_ERROR(tmx_floor_data(twice), "layer 'floor': line", "a second <data> in one layer");
}

/* ---- hostile XML ----------------------------------------------------------------------- */

static void hostile_xml_is_refused(void **state)
{
	(void)state;
	EXPECT_ERROR(write_text("laughs.tmx",
				"<?xml version=\"1.0\"?>\n<!DOCTYPE map [<!ENTITY a \"aaaaaaaaaa\">"
				"<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n<map>&b;</map>"),
		     "laughs.tmx: line 2: the file has a DOCTYPE");
	EXPECT_ERROR(write_text("external.tmx", "<!DOCTYPE map SYSTEM \"/etc/passwd\"><map/>"),
		     "DOCTYPE");
	char deep[4096] = "<map orientation=\"isometric\" width=\"2\" height=\"2\" "
			  "tilewidth=\"64\" tileheight=\"32\">";
	for (int i = 0; i < 40; i++)
		strcat(deep, "<x>");
	EXPECT_ERROR(write_text("deep.tmx", deep), "elements nest deeper than 32");
	char groups[4096] = "<map orientation=\"isometric\" width=\"2\" height=\"2\" "
			    "tilewidth=\"64\" tileheight=\"32\">";
	for (int i = 0; i < 9; i++)
		strcat(groups, "<group>");
	EXPECT_ERROR(write_text("groups.tmx", groups), "layer groups nest deeper than 8");
	char wide[4096] = "<map";
	for (int i = 0; i < 40; i++)
		sprintf(wide + strlen(wide), " a%d=\"1\"", i);
	strcat(wide, "/>");
	EXPECT_ERROR(write_text("wide.tmx", wide), "<map> has 40 attributes");
	EXPECT_ERROR(write_text("notmap.tmx", "<tileset/>"),
		     "not a Tiled map (the top element is <tileset>");
	EXPECT_ERROR(write_text("broken.tmx", "<map orientation=\"isometric\" width=\"2\" "
					      "height=\"2\" tilewidth=\"64\" tileheight=\"32\">"
					      "<group></map>"),
		     "broken.tmx: layer '(unnamed)': line 1 column 90", "mismatched tag");
	EXPECT_ERROR(grid_tmx_with("width.tmx", "width=\"10\"", "width=\"99999999999999999999\""),
		     "<map> width='99999999999999999999' is not an integer");
	EXPECT_ERROR(grid_tmx_with("infinite.tmx", "infinite=\"0\"", "infinite=\"1\""),
		     "infinite maps are not supported");
	EXPECT_ERROR(grid_tmx_with("ortho.tmx", "isometric", "orthogonal"),
		     "orientation 'orthogonal' is not supported");
	EXPECT_ERROR(grid_tmx_with("inf.tmx", "x=\"112\"", "x=\"inf\""),
		     "layer 'objects' object 3: line", "<object> x='inf' is not a finite number");
	EXPECT_ERROR(grid_tmx_with("huge.tmx", "x=\"112\"", "x=\"1e999\""), "x='1e999'");
	EXPECT_ERROR(grid_tmx_with("far.tmx", "x=\"112\"", "x=\"1e30\""), "object 3",
		     "Seat at (", "outside the map");
	EXPECT_ERROR(grid_tmx_with("id.tmx", "<object id=\"3\"", "<object id=\"1099511627776\""),
		     "layer 'objects'", "id 1099511627776", "let Tiled number");
	EXPECT_ERROR(grid_tmx_with("poly.tmx", "points=\"0,0 128,0", "points=\"0,0 128;0"),
		     "object 2", "polygon point 1");
	EXPECT_ERROR(grid_tmx_with("float.tmx", "type=\"float\" value=\"90\"",
				   "type=\"float\" value=\"ninety\""),
		     "object 3", "property 'facing' is of type float but its value 'ninety'");
	EXPECT_ERROR(grid_tmx_with("bool.tmx", "type=\"bool\" value=\"false\"",
				   "type=\"bool\" value=\"no\""),
		     "property 'blocked' is a bool");
	EXPECT_ERROR(grid_tmx_with("vector.tmx", "type=\"float\" value=\"90\"",
				   "type=\"vector\" value=\"90\""),
		     "unknown type 'vector'");
	EXPECT_ERROR(grid_tmx_with("twice.tmx", "</properties>\n   <point/>",
				   "</properties>\n   <properties/>\n   <point/>"),
		     "a second <properties>");
	EXPECT_ERROR(grid_tmx_with("firstgid.tmx", "firstgid=\"1\"", "firstgid=\"70000\""),
		     "tileset 0 (embedded): firstgid 70000 is outside 1..65535");
	EXPECT_ERROR(grid_tmx_with("tsx.tmx", "<tileset firstgid=\"1\" name",
				   "<tileset firstgid=\"1\" source=\"/etc/passwd\" name"),
		     "tileset '/etc/passwd' is not a file name");
	/* a map of more than 1 MiB, and a map that is a FIFO */
	char path[512];
	snprintf(path, sizeof(path), "%s/big.tmx", tmpdir);
	FILE *f = fopen(path, "w");
	fputs("<map>", f);
	for (int i = 0; i < 1024 * 1024; i++)
		fputc(' ', f);
	fclose(f);
	EXPECT_ERROR(path, "big.tmx: map '", "big.tmx' is 1048581 bytes", "up to 1048576");
	snprintf(path, sizeof(path), "%s/pipe.tmx", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	EXPECT_ERROR(path, "pipe.tmx' is not a regular file");
}

/* ---- templates ---------------------------------------------------------------------- */

static const char seat_tx[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			      "<template>\n"
			      " <object name=\"from-template\" type=\"Seat\">\n"
			      "  <properties>\n"
			      "   <property name=\"facing\" type=\"float\" value=\"270\"/>\n"
			      "   <property name=\"colour\" value=\"red\"/>\n"
			      "  </properties>\n"
			      "  <point/>\n"
			      " </object>\n"
			      "</template>\n";

static const char item_tj[] = "{\"type\":\"template\",\"object\":{\"name\":\"cube\","
			      "\"type\":\"Item\",\"point\":true,\"width\":0,\"height\":0,"
			      "\"rotation\":0,\"visible\":true}}";

static void templates_fill_objects(void **state)
{
	(void)state;
	write_text("seat.tx", seat_tx);
	write_text("item.tj", item_tj);
	/* TMX: the seat from the XML template with its facing overridden, the
	 * item from the JSON one */
	char *tmx = read_text(DATA "/grid.tmx");
	char *seat_start = strstr(tmx, "<object id=\"3\"");
	char *seat_end = strstr(seat_start, "</object>") + strlen("</object>");
	char *item_start = strstr(tmx, "<object id=\"8\"");
	char *item_end = strstr(item_start, "</object>") + strlen("</object>");
	char *out = malloc(strlen(tmx) + 1024);
	sprintf(out,
		"%.*s<object id=\"3\" template=\"seat.tx\" x=\"112\" y=\"80\"><properties>"
		"<property name=\"facing\" type=\"float\" value=\"90\"/></properties></object>"
		"%.*s<object id=\"8\" template=\"item.tj\" x=\"264\" y=\"56\"/>%s",
		(int)(seat_start - tmx), tmx, (int)(item_start - seat_end), seat_end, item_end);
	expect_same_world(write_text("templates.tmx", out), DATA "/grid.tmj");
	assert_int_equal(report.template_count, 2);
	assert_string_equal(report.templates[0].source, "seat.tx");
	assert_int_equal(report.templates[0].format, SIM_WORLD_XML);
	assert_int_equal(report.templates[0].uses, 1);
	assert_string_equal(report.templates[1].source, "item.tj");
	assert_int_equal(report.templates[1].format, SIM_WORLD_JSON);
	free(out);
	free(tmx);

	/* JSON: the same through both templates; the instance's name wins */
	json_t *map = grid_json();
	json_t *objects = json_object_get(json_array_get(json_object_get(map, "layers"), 4),
					  "objects");
	json_array_set_new(objects, 0,
			   json_pack("{s:i,s:s,s:f,s:f,s:[{s:s,s:s,s:f}]}", "id", 3, "template",
				     "seat.tx", "x", 112.0, "y", 80.0, "properties", "name",
				     "facing", "type", "float", "value", 90.0));
	json_array_set_new(objects, 5,
			   json_pack("{s:i,s:s,s:f,s:f,s:s}", "id", 8, "template", "item.tj", "x",
				     264.0, "y", 56.0, "name", "cube"));
	expect_same_world(write_json("templates.tmj", map), DATA "/grid.tmj");
	assert_int_equal(report.template_count, 2);
	json_decref(map);

	/* without the override the template's facing holds */
	const char *path = grid_tmx_with(
		"plain.tmx", "<object id=\"3\" type=\"Seat\" x=\"112\" y=\"80\">",
		"<object id=\"3\" template=\"seat.tx\" x=\"112\" y=\"80\"><properties/>"
		"</object><object id=\"99\" type=\"Item\" x=\"0\" y=\"0\">");
	load_or_fail(path, &world);
	assert_int_equal(world.seats[0].facing, 49152); /* 270 degrees */

	/* mistakes */
	write_text("nested.tx", "<template><object template=\"seat.tx\"/></template>");
	write_text("empty.tx", "<template><tileset firstgid=\"1\" source=\"x.tsx\"/></template>");
	write_text("twice.tx", "<template><object/><object/></template>");
	write_text("nested.tj", "{\"type\":\"template\",\"object\":{\"template\":\"item.tj\"}}");
	write_text("map.tj", "{\"type\":\"map\"}");
	static const struct {
		const char *source, *fragment;
	} bad[] = {
		{"missing.tx", "cannot open template"},
		{"../seat.tx", "give the file name only"},
		{"nested.tx", "templates do not nest"},
		{"nested.tj", "templates do not nest"},
		{"empty.tx", "the template holds no <object>"},
		{"twice.tx", "a second <object>"},
		{"map.tj", "not a Tiled object template"},
	};
	for (size_t i = 0; i < CORE_ARRAY_LEN(bad); i++) {
		char element[256];
		snprintf(element, sizeof(element), "<object id=\"3\" template=\"%s\" x=\"112\" y=\"80\">",
			 bad[i].source);
		EXPECT_ERROR(grid_tmx_with("bad.tmx", "<object id=\"3\" type=\"Seat\" x=\"112\" y=\"80\">",
					   element),
			     "layer 'objects' object 3", bad[i].fragment);
	}
}

/* ---- flips, names, the report --------------------------------------------------------- */

static void flip_flags_are_stripped_and_reported(void **state)
{
	(void)state;
	json_t *map = grid_json();
	json_t *floor = json_object_get(json_array_get(json_object_get(map, "layers"), 0), "data");
	json_array_set_new(floor, 0, json_integer(0x80000000ll | 1));
	json_array_set_new(floor, 1, json_integer(0x60000000ll | 1));
	expect_same_world(write_json("flipped.tmj", map), DATA "/grid.tmj");
	json_decref(map);
	assert_int_equal(report.flipped_tiles, 2);
	assert_int_equal(report.warning_count, 1);
	assert_non_null(strstr(report.warnings[0], "2 tile(s) are flipped or rotated"));
	char err[512];
	struct sim_world_art art;
	char path[512];
	snprintf(path, sizeof(path), "%s/flipped.tmj", tmpdir);
	assert_int_equal(sim_world_load_art(path, &world, &art, err, sizeof(err)), CORE_OK);
	assert_int_equal(art.layers[0].gids[0], 1);
	assert_int_equal(art.layers[0].gids[1], 1);
	sim_world_art_free(&art);
}

/* A name longer than the world holds is cut between characters, not in one. */
static void long_names_are_cut_between_characters(void **state)
{
	(void)state;
	json_t *map = grid_json();
	json_t *item = json_array_get(json_object_get(json_array_get(json_object_get(map, "layers"),
								      4),
						      "objects"),
				      5);
	char name[64] = "";
	for (int i = 0; i < 20; i++)
		strcat(name, "\xc3\xa9"); /* é, two bytes each */
	json_object_set_new(item, "name", json_string(name));
	load_or_fail(write_json("names.tmj", map), &world);
	json_decref(map);
	assert_int_equal(strlen(world.items[0].name), 30);
	assert_int_equal(memcmp(world.items[0].name, name, 30), 0);
}

static void named_worlds_are_tmj_or_tmx(void **state)
{
	(void)state;
	char err[512] = "";
	char *tmx = read_text(DATA "/grid.tmx"), *tmj = read_text(DATA "/grid.tmj");
	write_text("only.tmx", tmx);
	if (sim_world_load_named(tmpdir, "only", &world, err, sizeof(err)) != CORE_OK)
		fail_msg("%s", err);
	assert_string_equal(world.name, "only");
	/* both: the JSON one */
	write_text("both.tmx", "<map/>");
	write_text("both.tmj", tmj);
	free(tmx);
	free(tmj);
	if (sim_world_load_named(tmpdir, "both", &world, err, sizeof(err)) != CORE_OK)
		fail_msg("%s", err);
	assert_int_not_equal(sim_world_load_named(tmpdir, "neither", &world, err, sizeof(err)),
			     CORE_OK);
	assert_non_null(strstr(err, "neither.tmj"));
}

static json_t *object_with_id(json_t *map, json_int_t id)
{
	size_t i, j;
	json_t *l, *o;
	json_array_foreach(json_object_get(map, "layers"), i, l)
		json_array_foreach(json_object_get(l, "objects"), j, o)
			if (json_integer_value(json_object_get(o, "id")) == id)
				return o;
	fail_msg("no object %lld", (long long)id);
	return NULL;
}

/* grid.tmj changed by mutate: the report's warnings are exactly those expected. */
static void expect_warnings(void (*mutate)(json_t *), const char *const *fragments)
{
	json_t *map = grid_json();
	mutate(map);
	const char *path = write_json("warn.tmj", map);
	json_decref(map);
	load_or_fail(path, &world);
	int n = 0;
	while (fragments[n])
		n++;
	if (report.warning_count != n)
		fail_msg("%d warnings, expected %d; the first: %s", report.warning_count, n,
			 report.warning_count ? report.warnings[0] : "-");
	for (int i = 0; i < n; i++) {
		if (!strstr(report.warnings[i], fragments[i]))
			fail_msg("warning '%s' does not mention '%s'", report.warnings[i],
				 fragments[i]);
	}
}

#define EXPECT_WARNINGS(fn, ...) expect_warnings(fn, (const char *const[]){__VA_ARGS__, NULL})

static void w_seat_faces_wall(json_t *m)
{
	json_t *seat = object_with_id(m, 3);
	json_object_set_new(seat, "x", json_real(4.9 * 32));
	json_object_set_new(seat, "y", json_real(1.5 * 32));
	json_object_set_new(json_array_get(json_object_get(seat, "properties"), 0), "value",
			    json_real(0));
}
static void w_seat_in_no_zone(json_t *m)
{
	json_object_set_new(object_with_id(m, 3), "x", json_real(5.5 * 32));
	json_object_set_new(object_with_id(m, 3), "y", json_real(3.5 * 32));
}
static void w_zone_without_spawn(json_t *m)
{
	json_object_set_new(object_with_id(m, 5), "type", json_string("Item"));
}
static void w_narrow_door(json_t *m)
{
	/* tiles of 0.2 m: the wall's gap, and the door in it, are 0.4 m wide */
	json_t *p = json_array_get(json_object_get(m, "properties"), 0);
	json_object_set_new(p, "value", json_real(0.2));
}
static void w_door_on_wall(json_t *m)
{
	json_object_set_new(object_with_id(m, 6), "y", json_real(1 * 32));
}
static void w_rotated_zone(json_t *m)
{
	json_object_set_new(object_with_id(m, 1), "rotation", json_real(30));
}
static void w_none(json_t *m)
{
	(void)m;
}

static void report_says_what_was_read_and_what_looks_wrong(void **state)
{
	(void)state;
	load_or_fail(DATA "/grid.tmj", &world);
	assert_int_equal(report.format, SIM_WORLD_JSON);
	assert_int_equal(report.tile_layer_count, 3);
	assert_string_equal(report.tile_layers[1].name, "walls");
	assert_int_equal(report.tile_layers[1].encoding, SIM_LAYER_CSV);
	assert_int_equal(report.tileset_count, 1);
	assert_int_equal(report.tilesets[0].firstgid, 1);
	assert_int_equal(report.tilesets[0].tilecount, 12);
	assert_int_equal(report.tilesets[0].format, SIM_WORLD_JSON);
	assert_int_equal(report.template_count, 0);
	assert_int_equal(report.warning_count, 0);
	load_or_fail(WORLDS "/classroom.tmj", &world);
	assert_int_equal(report.warning_count, 0);
	assert_string_equal(report.tilesets[0].source, "classroom.tsj");

	EXPECT_WARNINGS(w_none, NULL);
	EXPECT_WARNINGS(w_seat_faces_wall, "Seat 3 at (9.80 m, 3.00 m) faces a wall");
	EXPECT_WARNINGS(w_seat_in_no_zone, "Seat 3 at (11.00 m, 7.00 m) is in no Zone");
	EXPECT_WARNINGS(w_zone_without_spawn, "Zone 'right' has no Spawn");
	EXPECT_WARNINGS(w_narrow_door, "Door 6 'gap' is 0.40 m wide; an avatar needs 0.50 m");
	EXPECT_WARNINGS(w_door_on_wall, "Door 6 'gap' covers 2 blocked tile(s)");
	EXPECT_WARNINGS(w_rotated_zone, "layer 'zones' object 1 (Zone) is rotated 30 deg");
}

/* ---- limits ------------------------------------------------------------------------------ */

static char *tiny_map(const char *tilesets, const char *layers)
{
	size_t n = strlen(tilesets) + strlen(layers) + 256;
	char *text = malloc(n);
	snprintf(text, n,
		 "<map orientation=\"isometric\" width=\"2\" height=\"2\" tilewidth=\"64\" "
		 "tileheight=\"32\">%s%s</map>",
		 tilesets, layers);
	return text;
}

/* count copies of unit, one after the other (the caller frees) */
static char *repeat(const char *unit, int count)
{
	char *text = malloc(strlen(unit) * (size_t)count + 1);
	text[0] = '\0';
	for (int i = 0; i < count; i++)
		strcat(text, unit);
	return text;
}

static void expect_tiny_map_error(const char *tilesets, const char *layers, const char *fragment)
{
	char *map = tiny_map(tilesets, layers);
	EXPECT_ERROR(write_text("limits.tmx", map), fragment);
	free(map);
}

static void limits_are_refused_with_a_message(void **state)
{
	(void)state;
	static const char tileset[] = "<tileset firstgid=\"1\" source=\"classroom.tsx\"/>";
	char *tsx = read_text(DATA "/classroom.tsx");
	write_text("classroom.tsx", tsx);
	free(tsx);
	char *layers = repeat("<layer name=\"l\" width=\"2\" height=\"2\"><data encoding=\"csv\">"
			      "1,1,1,1</data></layer>",
			      33);
	expect_tiny_map_error(tileset, layers, "more than 32 tile layers; merge some in Tiled");
	free(layers);
	layers = repeat("<objectgroup/>", 65);
	expect_tiny_map_error(tileset, layers, "too many layers; Lyceum holds a world of at most 64");
	free(layers);
	char *objects = repeat("<object/>", 4097);
	char *group = malloc(strlen(objects) + 64);
	sprintf(group, "<objectgroup>%s</objectgroup>", objects);
	expect_tiny_map_error(tileset, group, "too many objects; Lyceum holds");
	free(objects);
	free(group);
	char *props = repeat("<property name=\"p\" value=\"1\"/>", 16385);
	char *with_props = malloc(strlen(props) + 64);
	sprintf(with_props, "<properties>%s</properties>", props);
	expect_tiny_map_error(tileset, with_props, "too many properties");
	free(props);
	free(with_props);
	char *tilesets = repeat(tileset, 17);
	expect_tiny_map_error(tilesets, "", "more than 16 tilesets; merge them in Tiled");
	free(tilesets);
	/* 33 templates, and 5 tilesets of nearly 1 MiB each */
	char objects33[33 * 64] = "";
	for (int i = 0; i < 33; i++) {
		char name[16], obj[64];
		snprintf(name, sizeof(name), "t%d.tx", i);
		write_text(name, "<template><object type=\"Item\"><point/></object></template>");
		snprintf(obj, sizeof(obj), "<object id=\"%d\" template=\"%s\"/>", i + 1, name);
		strcat(objects33, obj);
	}
	char group33[sizeof(objects33) + 64];
	snprintf(group33, sizeof(group33), "<objectgroup>%s</objectgroup>", objects33);
	expect_tiny_map_error(tileset, group33, "more than 32 templates");
	char *padding = malloc(1000 * 1000 + 64);
	memset(padding, ' ', 1000 * 1000);
	strcpy(padding + 1000 * 1000, "{\"tilecount\":1}");
	char big_sets[5 * 64] = "";
	for (int i = 0; i < 5; i++) {
		char name[16], ref[64];
		snprintf(name, sizeof(name), "big%d.tsj", i);
		write_text(name, padding);
		snprintf(ref, sizeof(ref), "<tileset firstgid=\"%d\" source=\"%s\"/>", i + 1, name);
		strcat(big_sets, ref);
	}
	free(padding);
	expect_tiny_map_error(big_sets, "", "big4.tsj' takes the world's files past 4194304 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tiled_tmx_and_tsx_load_like_json),
		cmocka_unit_test(every_encoding_loads_alike),
		cmocka_unit_test(hostile_layer_data_is_refused),
		cmocka_unit_test(hostile_xml_is_refused),
		cmocka_unit_test(templates_fill_objects),
		cmocka_unit_test(flip_flags_are_stripped_and_reported),
		cmocka_unit_test(long_names_are_cut_between_characters),
		cmocka_unit_test(named_worlds_are_tmj_or_tmx),
		cmocka_unit_test(report_says_what_was_read_and_what_looks_wrong),
		cmocka_unit_test(limits_are_refused_with_a_message),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
