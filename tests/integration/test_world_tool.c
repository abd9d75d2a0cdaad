/* lyceum-world check: summary for a valid world, errors and exit 1 otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "itest.h"

#include <stdlib.h>
#include <string.h>

static void check_prints_a_summary(void **state)
{
	(void)state;
	struct itest_proc p;
	char *argv[] = {LYCEUM_WORLD_BIN, "check", LYCEUM_SOURCE_DIR "/assets/worlds/classroom.tmj",
			NULL};
	assert_int_equal(itest_run(&p, "check", argv, 10000), 0);
	char *out = itest_read(p.out_path);
	assert_non_null(strstr(out, "world classroom: 33x36 tiles, 0.50 m per tile"));
	assert_non_null(strstr(out, "read: JSON map, 3 tile layer(s): floor (csv), walls (csv), "
				    "furniture (csv)\n"));
	assert_non_null(strstr(out, "tilesets (1):\n  classroom.tsj"));
	assert_non_null(strstr(out, "JSON gids 1-12\n"));
	assert_non_null(strstr(out, "templates (0):\n"));
	assert_non_null(strstr(out, "warnings (0):\n"));
	assert_non_null(strstr(out, "zones (3):"));
	assert_non_null(strstr(out, "meeting_room"));
	assert_non_null(strstr(out, "seats (58):"));
	assert_non_null(strstr(out, "valid"));
	free(out);
}

static void check_json_matches_the_grid(void **state)
{
	(void)state;
	struct itest_proc p;
	char *argv[] = {LYCEUM_WORLD_BIN, "check", LYCEUM_SOURCE_DIR "/tests/data/worlds/grid.tmj",
			"--json", NULL};
	assert_int_equal(itest_run(&p, "check-json", argv, 10000), 0);
	json_t *j = itest_json(p.out_path);
	assert_non_null(j);
	assert_true(json_is_true(json_object_get(j, "valid")));
	assert_true(json_real_value(json_object_get(j, "metres_per_tile")) == 2.0);
	json_t *seat = json_array_get(json_object_get(j, "seats"), 0);
	json_t *pos = json_object_get(seat, "position_m");
	assert_true(json_real_value(json_array_get(pos, 0)) == 7.0);
	assert_true(json_real_value(json_array_get(pos, 1)) == 5.0);
	assert_string_equal(json_string_value(json_object_get(seat, "zone")), "left");
	json_t *zone = json_array_get(json_object_get(j, "zones"), 1);
	assert_string_equal(json_string_value(json_object_get(zone, "name")), "right");
	assert_true(json_real_value(json_object_get(zone, "area_m2")) == 128.0);
	json_t *read = json_object_get(j, "read");
	assert_string_equal(json_string_value(json_object_get(read, "format")), "JSON");
	json_t *tileset = json_array_get(json_object_get(read, "tilesets"), 0);
	assert_true(json_is_null(json_object_get(tileset, "source"))); /* embedded */
	assert_int_equal(json_integer_value(json_object_get(tileset, "tilecount")), 12);
	assert_int_equal(json_array_size(json_object_get(j, "warnings")), 0);
	json_decref(j);
}

/* A TMX map with compressed layers, and a world that loads but looks wrong. */
static void check_reports_formats_and_warnings(void **state)
{
	(void)state;
	struct itest_proc p;
	char *tmx = itest_read(LYCEUM_SOURCE_DIR "/tests/data/worlds/grid.tmx");
	const char *csv = "<data encoding=\"csv\">";
	char *at = strstr(tmx, csv);
	assert_non_null(at);
	/* the floor layer as Tiled writes zstd: all wood (gid 1) */
	char *end = strstr(at, "</data>");
	char *changed = malloc(strlen(tmx) + 256);
	sprintf(changed, "%.*s<data encoding=\"base64\" compression=\"zstd\">"
			 "KLUv/QRoXQAAIAEAAAABADnUSwSKZ9/I</data>%s",
		(int)(at - tmx), tmx, end + strlen("</data>"));
	/* the right zone without its spawn */
	char *spawn = strstr(changed, "type=\"Spawn\" x=\"240\"");
	assert_non_null(spawn);
	memcpy(spawn, "type=\"Item\"  x=\"240\"", strlen("type=\"Item\"  x=\"240\""));
	const char *path = itest_write("warned.tmx", changed);
	free(tmx);
	free(changed);
	char *argv[] = {LYCEUM_WORLD_BIN, "check", (char *)path, NULL};
	assert_int_equal(itest_run(&p, "check-tmx", argv, 10000), 0);
	char *out = itest_read(p.out_path);
	assert_non_null(strstr(out, "read: XML map, 3 tile layer(s): floor (base64, zstd), walls "
				    "(csv), furniture (csv)\n"));
	assert_non_null(strstr(out, "  (embedded)               XML  gids 1-12\n"));
	assert_non_null(strstr(out, "warnings (1):\n  warning: Zone 'right' has no Spawn"));
	assert_non_null(strstr(out, "\nvalid\n"));
	free(out);
}

static void check_fails_on_a_broken_world(void **state)
{
	(void)state;
	const char *path = itest_write("nozones.tmj", "{\"type\":\"map\",\"orientation\":\"isometric\","
						      "\"width\":2,\"height\":2,\"tilewidth\":64,"
						      "\"tileheight\":32,\"layers\":[]}");
	struct itest_proc p;
	char *argv[] = {LYCEUM_WORLD_BIN, "check", (char *)path, NULL};
	assert_int_equal(itest_run(&p, "check-broken", argv, 10000), 1);
	char *err = itest_read(p.err_path);
	assert_non_null(strstr(err, "error: "));
	assert_non_null(strstr(err, "nozones.tmj: the map has no tilesets"));
	free(err);
	char *usage[] = {LYCEUM_WORLD_BIN, NULL};
	assert_int_equal(itest_run(&p, "usage", usage, 10000), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(check_prints_a_summary),
		cmocka_unit_test(check_json_matches_the_grid),
		cmocka_unit_test(check_fails_on_a_broken_world),
		cmocka_unit_test(check_reports_formats_and_warnings),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	itest_cleanup();
	return rc;
}
