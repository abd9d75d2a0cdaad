/* World loading: isometric conversion on a map whose objects sit on known
 * tiles, the shipped worlds, and every error an author can make. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/move.h"
#include "sim/world_load.h"

#include <float.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GRID LYCEUM_SOURCE_DIR "/tests/data/worlds/grid.tmj"
#define WORLDS LYCEUM_SOURCE_DIR "/assets/worlds"

static struct sim_world world;
static char tmpdir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/lyceum-test-world-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void grid_objects_sit_on_their_tiles(void **state)
{
	(void)state;
	char err[512] = "";
	assert_int_equal(sim_world_load(GRID, &world, err, sizeof(err)), CORE_OK);
	assert_string_equal(world.name, "grid");
	assert_int_equal(world.width_tiles, 10);
	assert_int_equal(world.height_tiles, 8);
	assert_int_equal(world.tile_mm, 2000); /* metres_per_tile 2 */
	assert_int_equal(world.tile_w_px, 64);
	assert_int_equal(world.tile_h_px, 32);
	/* Seat placed at the centre of tile (3, 2): (3.5, 2.5) tiles of 2 m. */
	assert_int_equal(world.seat_count, 1);
	assert_int_equal(world.seats[0].pos.x_mm, 7000);
	assert_int_equal(world.seats[0].pos.y_mm, 5000);
	assert_int_equal(world.seats[0].facing, 16384); /* 90 degrees */
	assert_int_equal(world.spawn_count, 2);
	assert_int_equal(world.spawns[0].pos.x_mm, 3000);
	assert_int_equal(world.spawns[0].pos.y_mm, 3000);
	assert_int_equal(world.spawns[1].pos.x_mm, 15000);
	assert_int_equal(world.spawns[1].pos.y_mm, 13000);
	assert_int_equal(world.item_count, 1);
	assert_int_equal(world.items[0].pos.x_mm, 16500);
	assert_int_equal(world.items[0].pos.y_mm, 3500);
	assert_string_equal(world.items[0].name, "cube");
	/* Door covers tile column 5, rows 3-4. */
	assert_int_equal(world.door_count, 1);
	assert_int_equal(world.doors[0].rect.x_mm, 10000);
	assert_int_equal(world.doors[0].rect.y_mm, 6000);
	assert_int_equal(world.doors[0].rect.w_mm, 2000);
	assert_int_equal(world.doors[0].rect.h_mm, 4000);
	assert_int_equal(world.board_count, 1);
	assert_int_equal(world.boards[0].rect.x_mm, 2000);
	assert_int_equal(world.boards[0].rect.w_mm, 6000);
	/* Zones: a rectangle ("type") and a polygon ("class", Tiled 1.9+). */
	assert_int_equal(world.zone_count, 2);
	assert_string_equal(world.zones[0].name, "left");
	assert_int_equal(world.zones[0].kind, SIM_ZONE_CLASSROOM);
	assert_true(world.zones[0].area_mm2 == 160ll * 1000 * 1000);
	assert_string_equal(world.zones[1].name, "right");
	assert_int_equal(world.zones[1].kind, SIM_ZONE_HALLWAY);
	assert_true(world.zones[1].area_mm2 == 128ll * 1000 * 1000);
	assert_int_equal(world.spawns[0].zone, 0);
	assert_int_equal(world.spawns[1].zone, 1);
	/* Blocked: the wall column except its 2-tile opening, and the desk
	 * (tile property) but not the chair. */
	for (int row = 0; row < 8; row++)
		assert_int_equal(sim_world_blocked(&world, 5, row), row != 3 && row != 4);
	assert_true(sim_world_blocked(&world, 2, 6));
	assert_false(sim_world_blocked(&world, 3, 6));
	assert_false(sim_world_blocked(&world, 0, 0));
	assert_true(sim_world_blocked(&world, -1, 0));
	assert_true(sim_world_blocked(&world, 10, 0));
	/* Zone lookup by position. */
	assert_int_equal(sim_world_zone_at(&world, (struct sim_point){1000, 1000}), 0);
	assert_int_equal(sim_world_zone_at(&world, (struct sim_point){19999, 15999}), 1);
	assert_int_equal(sim_world_zone_at(&world, (struct sim_point){11000, 7000}), SIM_ZONE_NONE);
}

static void shipped_worlds_load(void **state)
{
	(void)state;
	char err[512] = "";
	assert_int_equal(sim_world_load_named(WORLDS, "classroom", &world, err, sizeof(err)), CORE_OK);
	assert_true(world.seat_count >= 50);
	assert_int_equal(sim_world_zone_find(&world, "classroom") != SIM_ZONE_NONE, 1);
	assert_int_equal(sim_world_zone_find(&world, "meeting") != SIM_ZONE_NONE, 1);
	assert_int_equal(sim_world_zone_find(&world, "hallway") != SIM_ZONE_NONE, 1);
	assert_true(world.door_count >= 1);
	assert_true(world.board_count >= 1);
	for (int i = 0; i < world.seat_count; i++)
		assert_int_not_equal(world.seats[i].zone, SIM_ZONE_NONE);
	assert_int_equal(sim_world_load_named(WORLDS, "bench-open", &world, err, sizeof(err)), CORE_OK);
	assert_int_equal(sim_world_width_mm(&world), 20000);
	assert_int_equal(sim_world_height_mm(&world), 15000);
	for (int r = 0; r < world.height_tiles; r++)
		for (int c = 0; c < world.width_tiles; c++)
			assert_false(sim_world_blocked(&world, c, r));
	assert_int_equal(world.zone_count, 1);
}

/* ---- errors: each case edits the grid map, saves it and loads it ---- */

typedef void (*mutate_fn)(json_t *map);

static json_t *layer_named(json_t *map, const char *name)
{
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(map, "layers"), i, l)
		if (!strcmp(json_string_value(json_object_get(l, "name")), name))
			return l;
	fail_msg("no layer %s", name);
	return NULL;
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

/* Loads the saved map, with the renderer's art or without; a failed load
 * leaves both destinations exactly as they were. */
static void expect_error_in(const char *path, bool with_art, const char *const *fragments)
{
	static struct sim_world before;
	struct sim_world_art art, art_before;
	memset(&world, 0xa5, sizeof(world));
	memcpy(&before, &world, sizeof(world));
	memset(&art, 0x5a, sizeof(art));
	memcpy(&art_before, &art, sizeof(art));
	char err[512] = "";
	/* a loader that blocks (on a FIFO, say) fails the test instead of hanging it */
	alarm(10);
	enum core_result r = with_art ? sim_world_load_art(path, &world, &art, err, sizeof(err))
				      : sim_world_load(path, &world, err, sizeof(err));
	alarm(0);
	assert_int_not_equal(r, CORE_OK);
	assert_memory_equal(&world, &before, sizeof(world));
	assert_memory_equal(&art, &art_before, sizeof(art));
	for (const char *const *f = fragments; *f; f++) {
		if (!strstr(err, *f))
			fail_msg("error '%s' does not mention '%s'", err, *f);
	}
}

static void save_mutated(mutate_fn mutate, char *path, size_t size)
{
	json_error_t jerr;
	json_t *map = json_load_file(GRID, 0, &jerr);
	assert_non_null(map);
	mutate(map);
	snprintf(path, size, "%s/broken.tmj", tmpdir);
	assert_int_equal(json_dump_file(map, path, 0), 0);
	json_decref(map);
}

static void expect_error(mutate_fn mutate, bool with_art, const char *const *fragments)
{
	char path[512];
	save_mutated(mutate, path, sizeof(path));
	expect_error_in(path, with_art, fragments);
}

#define EXPECT(fn, ...) expect_error(fn, false, (const char *const[]){__VA_ARGS__, NULL})
#define EXPECT_ART(fn, ...) expect_error(fn, true, (const char *const[]){__VA_ARGS__, NULL})

static void m_no_class(json_t *m)
{
	json_object_del(object_with_id(m, 3), "type");
}
static void m_zone_no_name(json_t *m)
{
	json_object_set_new(object_with_id(m, 1), "name", json_string(""));
}
static void m_zone_bad_kind(json_t *m)
{
	json_t *p = json_array_get(json_object_get(object_with_id(m, 1), "properties"), 0);
	json_object_set_new(p, "value", json_string("gym"));
}
static void m_zone_no_kind(json_t *m)
{
	json_object_set_new(object_with_id(m, 1), "properties", json_array());
}
static void m_seat_outside(json_t *m)
{
	json_object_set_new(object_with_id(m, 3), "x", json_real(10.5 * 32));
}
static void m_seat_no_facing(json_t *m)
{
	json_object_set_new(object_with_id(m, 3), "properties", json_array());
}
static void m_facing_string(json_t *m)
{
	json_t *p = json_array_get(json_object_get(object_with_id(m, 3), "properties"), 0);
	json_object_set_new(p, "type", json_string("string"));
	json_object_set_new(p, "value", json_string("north"));
}
static void m_unknown_property_type(json_t *m)
{
	json_t *p = json_array_get(json_object_get(object_with_id(m, 3), "properties"), 0);
	json_object_set_new(p, "type", json_string("vector"));
}
static void m_orthogonal(json_t *m)
{
	json_object_set_new(m, "orientation", json_string("orthogonal"));
}
static void m_compressed_short(json_t *m)
{
	json_t *l = layer_named(m, "floor");
	json_object_set_new(l, "encoding", json_string("base64"));
	json_object_set_new(l, "compression", json_string("zlib"));
	json_object_set_new(l, "data", json_string("eJxjYGBgAAAABAAB"));
}
static void m_compressed_lzma(json_t *m)
{
	json_t *l = layer_named(m, "floor");
	json_object_set_new(l, "encoding", json_string("base64"));
	json_object_set_new(l, "compression", json_string("lzma"));
	json_object_set_new(l, "data", json_string("AAAA"));
}
static void m_infinite(json_t *m)
{
	json_object_set_new(m, "infinite", json_true());
}
static void m_unknown_class(json_t *m)
{
	json_object_set_new(object_with_id(m, 3), "type", json_string("Seet"));
}
static void m_unknown_gid(json_t *m)
{
	json_array_set_new(json_object_get(layer_named(m, "floor"), "data"), 11, json_integer(999));
}
static void m_tsx_missing(json_t *m)
{
	json_t *ts = json_pack("[{s:i,s:s}]", "firstgid", 1, "source", "classroom.tsx");
	json_object_set_new(m, "tilesets", ts);
}
static void m_layer_size(json_t *m)
{
	json_object_set_new(layer_named(m, "floor"), "width", json_integer(9));
}
static void m_no_spawn(json_t *m)
{
	json_object_set_new(object_with_id(m, 4), "type", json_string("Item"));
	json_object_set_new(object_with_id(m, 5), "type", json_string("Item"));
}
static void m_spawn_in_wall(json_t *m)
{
	json_object_set_new(object_with_id(m, 4), "x", json_real(5.5 * 32));
}
static void m_door_point(json_t *m)
{
	json_t *o = object_with_id(m, 6);
	json_object_set_new(o, "point", json_true());
	json_object_set_new(o, "width", json_integer(0));
}
static void m_bad_scale(json_t *m)
{
	json_t *p = json_array_get(json_object_get(m, "properties"), 0);
	json_object_set_new(p, "value", json_real(-1));
}
static void m_duplicate_zone(json_t *m)
{
	json_object_set_new(object_with_id(m, 2), "name", json_string("left"));
}

/* ---- hostile numbers: each is refused before it becomes an integer ---- */

static void m_zone_huge_height(json_t *m)
{
	json_object_set_new(object_with_id(m, 1), "height", json_real(10e8));
}
static void m_zone_huge_point(json_t *m)
{
	json_t *pt = json_array_get(json_object_get(object_with_id(m, 2), "polygon"), 2);
	json_object_set_new(pt, "y", json_real(-1e300));
}
static void m_seat_huge_x(json_t *m)
{
	json_object_set_new(object_with_id(m, 3), "x", json_real(1e30));
}
static void m_door_huge_width(json_t *m)
{
	/* the far edge in millimetres is past what a double holds */
	json_object_set_new(object_with_id(m, 6), "width", json_real(1.7e308));
}
static void m_item_huge_negative_y(json_t *m)
{
	json_object_set_new(object_with_id(m, 8), "y", json_real(-4e9));
}
static void m_object_id_huge(json_t *m)
{
	json_object_set_new(object_with_id(m, 3), "id", json_integer(1ll << 40));
}
static json_t *grid_tileset(json_t *m)
{
	return json_array_get(json_object_get(m, "tilesets"), 0);
}
static void m_firstgid_huge(json_t *m)
{
	json_object_set_new(grid_tileset(m), "firstgid", json_integer(INT64_MAX));
}
static void m_tilecount_huge(json_t *m)
{
	json_object_set_new(grid_tileset(m), "tilecount", json_integer(INT64_MAX));
}
static void m_tile_id_huge(json_t *m)
{
	json_t *tile = json_array_get(json_object_get(grid_tileset(m), "tiles"), 3);
	json_object_set_new(tile, "id", json_integer(INT64_MAX));
}
static void m_tile_id_real(json_t *m)
{
	/* once read as tile 0 */
	json_t *tile = json_array_get(json_object_get(grid_tileset(m), "tiles"), 3);
	json_object_set_new(tile, "id", json_real(1e30));
}
static void m_tile_size_huge(json_t *m)
{
	json_object_set_new(m, "tileheight", json_integer(1ll << 40));
}
static void m_columns_huge(json_t *m)
{
	json_object_set_new(grid_tileset(m), "columns", json_integer(1ll << 33));
}
static void m_margin_negative(json_t *m)
{
	json_object_set_new(grid_tileset(m), "margin", json_integer(-1));
}

static double tile_height;
static void m_tile_height(json_t *m)
{
	json_t *tile = json_array_get(json_object_get(grid_tileset(m), "tiles"), 3);
	json_array_append_new(json_object_get(tile, "properties"),
			      json_pack("{s:s,s:s,s:f}", "name", "height", "type", "float", "value",
					tile_height));
}
static void m_tile_height_text(json_t *m)
{
	json_t *tile = json_array_get(json_object_get(grid_tileset(m), "tiles"), 3);
	json_array_append_new(json_object_get(tile, "properties"),
			      json_pack("{s:s,s:s,s:s}", "name", "height", "type", "string", "value",
					"tall"));
}

/* A tile's 'height' (the VR room's walls and furniture) is metres, 0 to 10,
 * kept with the art; anything else is named. */
static void tile_heights_for_the_vr_room(void **state)
{
	(void)state;
	tile_height = 3.2;
	char path[512], err[512] = "";
	save_mutated(m_tile_height, path, sizeof(path));
	struct sim_world_art art;
	assert_int_equal(sim_world_load_art(path, &world, &art, err, sizeof(err)), CORE_OK);
	assert_non_null(art.tilesets[0].height_cm);
	assert_int_equal(art.tilesets[0].height_cm[3], 321); /* cm + 1: 0 is "none" */
	assert_int_equal(art.tilesets[0].height_cm[2], 0);
	sim_world_art_free(&art);
	tile_height = 10.5;
	EXPECT(m_tile_height, "tileset 0 (embedded)", "tile 3", "'height'", "0 to 10");
	tile_height = -1;
	EXPECT(m_tile_height, "tile 3", "'height'");
	EXPECT(m_tile_height_text, "tile 3", "'height' must be a number of metres");
}

static void hostile_numbers_are_refused(void **state)
{
	(void)state;
	EXPECT(m_zone_huge_height, "broken.tmj", "layer 'zones'", "object 1",
	       "Zone 'left' reaches outside the map");
	EXPECT(m_zone_huge_point, "object 2", "Zone 'right' reaches outside the map");
	EXPECT(m_seat_huge_x, "layer 'objects'", "object 3", "Seat at (", "outside the map");
	EXPECT(m_door_huge_width, "object 6", "Door at (inf m", "outside the map");
	EXPECT(m_item_huge_negative_y, "object 8", "Item at (", "outside the map");
	EXPECT(m_object_id_huge, "layer 'objects'", "id 1099511627776", "let Tiled number");
	EXPECT(m_firstgid_huge, "tileset 0 (embedded)", "firstgid 9223372036854775807",
	       "outside 1..65535");
	EXPECT(m_tilecount_huge, "tileset 0 (embedded)", "go past gid 65535");
	EXPECT(m_tile_id_huge, "tileset 0 (embedded)", "tile 3 has no id in 0..11");
	EXPECT(m_tile_id_real, "tileset 0 (embedded)", "tile 3 has no id in 0..11");
	EXPECT(m_tile_size_huge, "broken.tmj", "tileheight", "use 1 to 4096");
	EXPECT_ART(m_columns_huge, "tileset 0 (embedded)", "'columns' from 1 to 65536");
	EXPECT_ART(m_margin_negative, "tileset 0 (embedded)", "'margin'");
}

static double facing_value;
static void m_facing(json_t *m)
{
	json_t *p = json_array_get(json_object_get(object_with_id(m, 3), "properties"), 0);
	json_object_set_new(p, "value", json_real(facing_value));
}

/* Any finite facing turns into [0, 360) degrees, exactly as fmod would. */
static void huge_facings_reduce_and_infinite_ones_are_refused(void **state)
{
	(void)state;
	const struct {
		double deg;
		uint16_t yaw;
	} cases[] = {
		{1e30, 2913},   /* fmod(1e30, 360) = 16 */
		{-1e30, 62623}, /* 344 */
		{DBL_MAX, 23302}, /* 128 */
		{1e300, 0},       {720.5, 91}, {-90, 49152},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[512], err[512] = "";
		facing_value = cases[i].deg;
		save_mutated(m_facing, path, sizeof(path));
		if (sim_world_load(path, &world, err, sizeof(err)) != CORE_OK)
			fail_msg("facing %g: %s", cases[i].deg, err);
		if (world.seats[0].facing != cases[i].yaw)
			fail_msg("facing %g: yaw %u, expected %u", cases[i].deg, world.seats[0].facing,
				 cases[i].yaw);
	}
	/* JSON has no infinity; a number too big for a double is the parser's error */
	char path[512];
	facing_value = 12345.5;
	save_mutated(m_facing, path, sizeof(path));
	FILE *f = fopen(path, "r+");
	assert_non_null(f);
	static char text[1 << 16];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	char *at = strstr(text, "12345.5");
	assert_non_null(at);
	memcpy(at, "1e99999", 7);
	rewind(f);
	assert_int_equal(fwrite(text, 1, n, f), n);
	fclose(f);
	expect_error_in(path, false, (const char *const[]){"broken.tmj", "line", "overflow", NULL});
}

/* ---- external tilesets: a plain file beside the map, nothing else ---- */

static const char *tileset_source;
static void m_external_tileset(json_t *m)
{
	json_t *ts = json_pack("[{s:i,s:s}]", "firstgid", 1, "source", tileset_source);
	json_object_set_new(m, "tilesets", ts);
}

static void expect_tileset_error(const char *source, const char *const *fragments)
{
	tileset_source = source;
	expect_error(m_external_tileset, true, fragments);
}

#define EXPECT_TILESET(source, ...) \
	expect_tileset_error(source, (const char *const[]){__VA_ARGS__, NULL})

static void tileset_sources_stay_beside_the_map(void **state)
{
	(void)state;
	char path[512];
	EXPECT_TILESET("/etc/passwd", "broken.tmj", "tileset '/etc/passwd'", "beside the map",
		       "give the file name only");
	EXPECT_TILESET("/dev/stdin", "tileset '/dev/stdin'", "give the file name only");
	EXPECT_TILESET("../worlds/classroom.tsj", "'../worlds/classroom.tsj'",
		       "give the file name only");
	EXPECT_TILESET("..", "tileset '..'", "give the file name only");
	EXPECT_TILESET("", "tileset ''", "give the file name only");
	/* a FIFO would block a plain open() until a writer came */
	snprintf(path, sizeof(path), "%s/pipe.tsj", tmpdir);
	assert_int_equal(mkfifo(path, 0600), 0);
	EXPECT_TILESET("pipe.tsj", "pipe.tsj' is not a regular file", "beside the map");
	snprintf(path, sizeof(path), "%s/folder.tsj", tmpdir);
	assert_int_equal(mkdir(path, 0700), 0);
	EXPECT_TILESET("folder.tsj", "folder.tsj' is not a regular file");
	snprintf(path, sizeof(path), "%s/big.tsj", tmpdir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 1024 * 1024 + 1; i++)
		fputc(' ', f);
	fclose(f);
	EXPECT_TILESET("big.tsj", "big.tsj' is 1048577 bytes", "up to 1048576");
	EXPECT_TILESET("missing.tsj", "cannot open tileset", "missing.tsj", "No such file");
	/* the same tileset beside the map loads as the shipped worlds do */
	json_error_t jerr;
	json_t *ts = json_load_file(WORLDS "/classroom.tsj", 0, &jerr);
	assert_non_null(ts);
	json_object_set_new(ts, "image", json_string(WORLDS "/classroom-tiles.png"));
	snprintf(path, sizeof(path), "%s/classroom.tsj", tmpdir);
	assert_int_equal(json_dump_file(ts, path, 0), 0);
	json_decref(ts);
	tileset_source = "classroom.tsj";
	save_mutated(m_external_tileset, path, sizeof(path));
	char err[512] = "";
	struct sim_world_art art;
	if (sim_world_load_art(path, &world, &art, err, sizeof(err)) != CORE_OK)
		fail_msg("%s", err);
	assert_int_equal(art.tileset_count, 1);
	assert_int_equal(art.tilesets[0].tilecount, 12);
	assert_true(sim_world_blocked(&world, 2, 6)); /* the desk's tile property */
	sim_world_art_free(&art);
}

static void every_author_error_is_named(void **state)
{
	(void)state;
	EXPECT(m_no_class, "broken.tmj", "layer 'objects'", "object 3", "no class");
	EXPECT(m_zone_no_name, "layer 'zones'", "object 1", "Zone has no name");
	EXPECT(m_zone_bad_kind, "object 1", "kind 'gym'", "meeting_room");
	EXPECT(m_zone_no_kind, "object 1", "no 'kind'");
	EXPECT(m_seat_outside, "object 3", "Seat", "outside the map");
	EXPECT(m_seat_no_facing, "object 3", "no 'facing'");
	EXPECT(m_facing_string, "object 3", "'facing' must be a float");
	EXPECT(m_unknown_property_type, "object 3", "unknown type 'vector'");
	EXPECT(m_orthogonal, "broken.tmj", "orientation 'orthogonal' is not supported");
	EXPECT(m_compressed_short, "layer 'floor'", "zlib data holds 4 bytes of gids, expected 320");
	EXPECT(m_compressed_lzma, "layer 'floor'", "compressed with lzma", "zlib, gzip or zstd");
	EXPECT(m_infinite, "infinite maps are not supported");
	EXPECT(m_unknown_class, "object 3", "unknown class 'Seet'");
	EXPECT(m_unknown_gid, "layer 'floor'", "column 1 row 1", "gid 999");
	EXPECT(m_tsx_missing, "cannot open tileset", "classroom.tsx", "No such file");
	EXPECT(m_layer_size, "layer 'floor'", "9x8", "10x8");
	EXPECT(m_no_spawn, "no Spawn");
	EXPECT(m_spawn_in_wall, "object 4", "blocked tile");
	EXPECT(m_door_point, "object 6", "Door must be a rectangle");
	EXPECT(m_bad_scale, "metres_per_tile");
	EXPECT(m_duplicate_zone, "object 2", "already named 'left'");
}

static void broken_json_and_missing_files_are_named(void **state)
{
	(void)state;
	char path[512], err[512] = "";
	snprintf(path, sizeof(path), "%s/truncated.tmj", tmpdir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"type\": \"map\",\n \"width\": 10,\n \"layers\": [", f);
	fclose(f);
	assert_int_not_equal(sim_world_load(path, &world, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "truncated.tmj: line 3"));
	assert_int_not_equal(sim_world_load("/nonexistent/x.tmj", &world, err, sizeof(err)), CORE_OK);
	assert_non_null(strstr(err, "/nonexistent/x.tmj"));
	assert_int_not_equal(sim_world_load_named(WORLDS, "../etc/passwd", &world, err, sizeof(err)),
			     CORE_OK);
	assert_non_null(strstr(err, "only letters"));
}

static void base64_tile_data_loads_like_csv(void **state)
{
	(void)state;
	json_error_t jerr;
	json_t *map = json_load_file(GRID, 0, &jerr);
	json_t *walls = layer_named(map, "walls");
	json_t *data = json_object_get(walls, "data");
	size_t n = json_array_size(data);
	uint8_t *bytes = calloc(n, 4);
	for (size_t i = 0; i < n; i++) {
		uint32_t g = (uint32_t)json_integer_value(json_array_get(data, i));
		for (int k = 0; k < 4; k++)
			bytes[i * 4 + k] = (uint8_t)(g >> (8 * k));
	}
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *b64 = calloc(n * 8 + 4, 1), *p = b64;
	for (size_t i = 0; i < n * 4; i += 3) {
		uint32_t v = (uint32_t)bytes[i] << 16 | (i + 1 < n * 4 ? bytes[i + 1] : 0) << 8 |
			     (i + 2 < n * 4 ? bytes[i + 2] : 0);
		*p++ = tbl[(v >> 18) & 63];
		*p++ = tbl[(v >> 12) & 63];
		*p++ = i + 1 < n * 4 ? tbl[(v >> 6) & 63] : '=';
		*p++ = i + 2 < n * 4 ? tbl[v & 63] : '=';
	}
	json_object_set_new(walls, "encoding", json_string("base64"));
	json_object_set_new(walls, "data", json_string(b64));
	char path[512], err[512] = "";
	snprintf(path, sizeof(path), "%s/b64.tmj", tmpdir);
	assert_int_equal(json_dump_file(map, path, 0), 0);
	json_decref(map);
	free(bytes);
	free(b64);
	static struct sim_world a;
	assert_int_equal(sim_world_load(path, &a, err, sizeof(err)), CORE_OK);
	assert_int_equal(sim_world_load(GRID, &world, err, sizeof(err)), CORE_OK);
	assert_memory_equal(a.blocked, world.blocked, sizeof(a.blocked));
}

/* The renderer's view of a map: visible tile layers and resolved tileset images. */
static void art_names_layers_and_tileset_image(void **state)
{
	(void)state;
	char err[512] = "", path[512];
	snprintf(path, sizeof(path), "%s/classroom.tmj", WORLDS);
	struct sim_world_art art;
	assert_int_equal(sim_world_load_art(path, &world, &art, err, sizeof(err)), CORE_OK);
	assert_int_equal(art.width_tiles, world.width_tiles);
	assert_int_equal(art.layer_count, 3);
	assert_string_equal(art.layers[0].name, "floor");
	assert_string_equal(art.layers[1].name, "walls");
	assert_int_equal(art.tileset_count, 1);
	assert_int_equal(art.tilesets[0].firstgid, 1);
	assert_int_equal(art.tilesets[0].columns, 4);
	assert_non_null(strstr(art.tilesets[0].image, "assets/worlds/classroom-tiles.png"));
	FILE *f = fopen(art.tilesets[0].image, "rb");
	assert_non_null(f);
	fclose(f);
	/* every blocked tile of the walls layer is a wall in the world */
	long walls = 0;
	for (int32_t i = 0; i < art.width_tiles * art.height_tiles; i++) {
		if (art.layers[1].gids[i]) {
			walls++;
			assert_true(sim_world_blocked(&world, i % art.width_tiles, i / art.width_tiles));
		}
	}
	assert_true(walls > 50);
	sim_world_art_free(&art);
	assert_int_equal(art.layer_count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grid_objects_sit_on_their_tiles),
		cmocka_unit_test(shipped_worlds_load),
		cmocka_unit_test(every_author_error_is_named),
		cmocka_unit_test(hostile_numbers_are_refused),
		cmocka_unit_test(huge_facings_reduce_and_infinite_ones_are_refused),
		cmocka_unit_test(tileset_sources_stay_beside_the_map),
		cmocka_unit_test(broken_json_and_missing_files_are_named),
		cmocka_unit_test(base64_tile_data_loads_like_csv),
		cmocka_unit_test(art_names_layers_and_tileset_image),
		cmocka_unit_test(tile_heights_for_the_vr_room),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
