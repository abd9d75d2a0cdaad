/* lyceum-world check FILE.tmj|FILE.tmx [--json]: validates a world for its
 * authors and prints what was read (format, layer encodings, tilesets,
 * templates), what the simulation will see, and warnings about what loads
 * but is probably wrong. */
#include "sim/world_load.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: lyceum-world check FILE.tmj|FILE.tmx [--json]\n"
	"  Validates a Tiled world and prints what was read (format, tile layer\n"
	"  encodings, tilesets, templates), its zones, seats, doors, spawns, boards\n"
	"  and items in metres, and warnings about what is probably wrong.\n"
	"  Exit 0 when valid (warnings or not), 1 with the errors.\n";

static double m(int32_t mm)
{
	return mm / 1000.0;
}

static double yaw_deg(uint16_t yaw)
{
	return yaw * 360.0 / 65536.0;
}

static const char *zone_of(const struct sim_world *w, struct sim_point p)
{
	uint8_t z = sim_world_zone_at(w, p);
	return z == SIM_ZONE_NONE ? "-" : w->zones[z].name;
}

static json_t *point_json(struct sim_point p)
{
	return json_pack("[f,f]", m(p.x_mm), m(p.y_mm));
}

static json_t *rect_json(struct sim_rect r)
{
	return json_pack("{s:f,s:f,s:f,s:f}", "x", m(r.x_mm), "y", m(r.y_mm), "w", m(r.w_mm), "h",
			 m(r.h_mm));
}

static json_t *read_json(const struct sim_world_report *rep)
{
	json_t *layers = json_array(), *tilesets = json_array(), *templates = json_array();
	for (int i = 0; i < rep->tile_layer_count; i++) {
		const struct sim_report_layer *l = &rep->tile_layers[i];
		json_array_append_new(layers,
				      json_pack("{s:s,s:s,s:s}", "name", l->name, "encoding",
						sim_layer_encoding_name(l->encoding), "compression",
						sim_layer_compression_name(l->compression)));
	}
	for (int i = 0; i < rep->tileset_count; i++) {
		const struct sim_report_tileset *t = &rep->tilesets[i];
		json_array_append_new(tilesets,
				      json_pack("{s:s?,s:s,s:I,s:I}", "source",
						t->source[0] ? t->source : NULL, "format",
						sim_world_format_name(t->format), "firstgid",
						(json_int_t)t->firstgid, "tilecount",
						(json_int_t)t->tilecount));
	}
	for (int i = 0; i < rep->template_count; i++) {
		const struct sim_report_template *t = &rep->templates[i];
		json_array_append_new(templates, json_pack("{s:s,s:s,s:i}", "source", t->source,
							   "format", sim_world_format_name(t->format),
							   "uses", t->uses));
	}
	return json_pack("{s:s,s:o,s:I,s:o,s:o}", "format", sim_world_format_name(rep->format),
			 "tile_layers", layers, "flipped_tiles", (json_int_t)rep->flipped_tiles,
			 "tilesets", tilesets, "templates", templates);
}

static json_t *warnings_json(const struct sim_world_report *rep)
{
	json_t *warnings = json_array();
	for (int i = 0; i < rep->warning_count && i < SIM_REPORT_MAX_WARNINGS; i++)
		json_array_append_new(warnings, json_string(rep->warnings[i]));
	return warnings;
}

static bool print_json(const struct sim_world *w, const struct sim_world_report *rep)
{
	json_t *zones = json_array(), *seats = json_array(), *doors = json_array(),
	       *spawns = json_array(), *boards = json_array(), *items = json_array();
	for (int i = 0; i < w->zone_count; i++) {
		const struct sim_zone *z = &w->zones[i];
		json_array_append_new(zones, json_pack("{s:s,s:s,s:I,s:f}", "name", z->name, "kind",
						       sim_zone_kind_name(z->kind), "id",
						       (json_int_t)z->object_id, "area_m2",
						       z->area_mm2 / 1e6));
	}
	for (int i = 0; i < w->seat_count; i++)
		json_array_append_new(seats, json_pack("{s:I,s:o,s:f,s:s}", "id",
						       (json_int_t)w->seats[i].object_id, "position_m",
						       point_json(w->seats[i].pos), "facing_deg",
						       yaw_deg(w->seats[i].facing), "zone",
						       zone_of(w, w->seats[i].pos)));
	for (int i = 0; i < w->door_count; i++)
		json_array_append_new(doors, json_pack("{s:I,s:s,s:o}", "id",
						       (json_int_t)w->doors[i].object_id, "name",
						       w->doors[i].name, "rect_m", rect_json(w->doors[i].rect)));
	for (int i = 0; i < w->spawn_count; i++)
		json_array_append_new(spawns, json_pack("{s:I,s:o,s:s}", "id",
							(json_int_t)w->spawns[i].object_id, "position_m",
							point_json(w->spawns[i].pos), "zone",
							zone_of(w, w->spawns[i].pos)));
	for (int i = 0; i < w->board_count; i++)
		json_array_append_new(boards, json_pack("{s:I,s:s,s:o,s:f}", "id",
							(json_int_t)w->boards[i].object_id, "name",
							w->boards[i].name, "rect_m",
							rect_json(w->boards[i].rect), "facing_deg",
							yaw_deg(w->boards[i].facing)));
	for (int i = 0; i < w->item_count; i++)
		json_array_append_new(items, json_pack("{s:I,s:s,s:o,s:f,s:I}", "id",
						       (json_int_t)w->items[i].object_id, "name",
						       w->items[i].name, "position_m",
						       point_json(w->items[i].pos), "height_m",
						       m(w->items[i].height_mm), "return_after_s",
						       (json_int_t)w->items[i].return_s));
	json_t *root = json_pack("{s:s,s:b,s:i,s:i,s:f,s:f,s:f,s:o,s:o,s:o,s:o,s:o,s:o}", "world",
				 w->name, "valid", 1, "width_tiles", w->width_tiles, "height_tiles",
				 w->height_tiles, "metres_per_tile", m(w->tile_mm), "width_m",
				 m(sim_world_width_mm(w)), "height_m", m(sim_world_height_mm(w)),
				 "zones", zones, "seats", seats, "doors", doors, "spawns", spawns,
				 "boards", boards, "items", items);
	if (!root) { /* the loader keeps names UTF-8, so Jansson takes them all */
		fputs("lyceum-world: cannot print the world as JSON\n", stderr);
		return false;
	}
	json_object_set_new(root, "read", read_json(rep));
	json_object_set_new(root, "warning_count", json_integer(rep->warning_count));
	json_object_set_new(root, "warnings", warnings_json(rep));
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
	puts(text);
	free(text);
	json_decref(root);
	return true;
}

static void print_read(const struct sim_world_report *rep)
{
	printf("read: %s map, %d tile layer(s):", sim_world_format_name(rep->format),
	       rep->tile_layer_count);
	for (int i = 0; i < rep->tile_layer_count; i++) {
		const struct sim_report_layer *l = &rep->tile_layers[i];
		printf("%s %s (%s", i ? "," : "", l->name, sim_layer_encoding_name(l->encoding));
		if (l->encoding == SIM_LAYER_BASE64)
			printf(", %s", sim_layer_compression_name(l->compression));
		printf(")");
	}
	printf("\ntilesets (%d):\n", rep->tileset_count);
	for (int i = 0; i < rep->tileset_count; i++) {
		const struct sim_report_tileset *t = &rep->tilesets[i];
		printf("  %-24s %-4s gids %u-%u\n", t->source[0] ? t->source : "(embedded)",
		       sim_world_format_name(t->format), t->firstgid,
		       t->firstgid + t->tilecount - 1);
	}
	printf("templates (%d):\n", rep->template_count);
	for (int i = 0; i < rep->template_count; i++)
		printf("  %-24s %-4s used by %d object(s)\n", rep->templates[i].source,
		       sim_world_format_name(rep->templates[i].format), rep->templates[i].uses);
}

static void print_warnings(const struct sim_world_report *rep)
{
	printf("warnings (%d):\n", rep->warning_count);
	for (int i = 0; i < rep->warning_count && i < SIM_REPORT_MAX_WARNINGS; i++)
		printf("  warning: %s\n", rep->warnings[i]);
	if (rep->warning_count > SIM_REPORT_MAX_WARNINGS)
		printf("  ... and %d more\n", rep->warning_count - SIM_REPORT_MAX_WARNINGS);
}

static void print_text(const struct sim_world *w, const struct sim_world_report *rep)
{
	int blocked = 0;
	for (int r = 0; r < w->height_tiles; r++)
		for (int c = 0; c < w->width_tiles; c++)
			blocked += sim_world_blocked(w, c, r);
	printf("world %s: %dx%d tiles, %.2f m per tile (%.2f m x %.2f m), %d blocked tiles\n",
	       w->name, w->width_tiles, w->height_tiles, m(w->tile_mm), m(sim_world_width_mm(w)),
	       m(sim_world_height_mm(w)), blocked);
	print_read(rep);
	printf("zones (%d):\n", w->zone_count);
	for (int i = 0; i < w->zone_count; i++)
		printf("  %-16s %-12s %8.1f m2  (object %u)\n", w->zones[i].name,
		       sim_zone_kind_name(w->zones[i].kind), w->zones[i].area_mm2 / 1e6,
		       w->zones[i].object_id);
	printf("seats (%d):\n", w->seat_count);
	for (int i = 0; i < w->seat_count; i++)
		printf("  seat %-4u at (%6.2f, %6.2f) m facing %5.1f deg in %s\n",
		       w->seats[i].object_id, m(w->seats[i].pos.x_mm), m(w->seats[i].pos.y_mm),
		       yaw_deg(w->seats[i].facing), zone_of(w, w->seats[i].pos));
	printf("doors (%d):\n", w->door_count);
	for (int i = 0; i < w->door_count; i++) {
		const struct sim_rect *r = &w->doors[i].rect;
		printf("  door %-4u %-12s at (%6.2f, %6.2f) m, %.2f m x %.2f m\n",
		       w->doors[i].object_id, w->doors[i].name, m(r->x_mm), m(r->y_mm), m(r->w_mm),
		       m(r->h_mm));
	}
	printf("spawns (%d):\n", w->spawn_count);
	for (int i = 0; i < w->spawn_count; i++)
		printf("  spawn %-4u at (%6.2f, %6.2f) m in %s\n", w->spawns[i].object_id,
		       m(w->spawns[i].pos.x_mm), m(w->spawns[i].pos.y_mm),
		       zone_of(w, w->spawns[i].pos));
	printf("boards (%d):\n", w->board_count);
	for (int i = 0; i < w->board_count; i++) {
		const struct sim_rect *r = &w->boards[i].rect;
		printf("  board %-4u %-12s at (%6.2f, %6.2f) m, %.2f m x %.2f m facing %5.1f deg\n",
		       w->boards[i].object_id, w->boards[i].name, m(r->x_mm), m(r->y_mm), m(r->w_mm),
		       m(r->h_mm), yaw_deg(w->boards[i].facing));
	}
	printf("items (%d):\n", w->item_count);
	for (int i = 0; i < w->item_count; i++)
		printf("  item %-4u %-12s at (%6.2f, %6.2f) m, %.2f m high, home after %u s%s\n",
		       w->items[i].object_id, w->items[i].name, m(w->items[i].pos.x_mm),
		       m(w->items[i].pos.y_mm), m(w->items[i].height_mm), w->items[i].return_s,
		       w->items[i].return_s ? "" : " (never)");
	print_warnings(rep);
	printf("valid\n");
}

int main(int argc, char **argv)
{
	const char *file = NULL;
	bool json = false;
	if (argc < 2 || strcmp(argv[1], "check")) {
		fputs(usage, argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] == '-' || file) {
			fprintf(stderr, "lyceum-world: unexpected argument '%s'\n%s", argv[i], usage);
			return 2;
		} else
			file = argv[i];
	}
	if (!file) {
		fputs(usage, stderr);
		return 2;
	}
	static struct sim_world w;
	static struct sim_world_report rep;
	char err[512];
	if (sim_world_load_report(file, &w, &rep, err, sizeof(err)) != CORE_OK) {
		if (json) {
			json_t *o = json_pack("{s:s,s:b,s:[s]}", "file", file, "valid", 0, "errors", err);
			char *text = json_dumps(o, JSON_INDENT(2));
			puts(text);
			free(text);
			json_decref(o);
		}
		fprintf(stderr, "error: %s\n", err);
		return 1;
	}
	if (json)
		return print_json(&w, &rep) ? 0 : 1;
	print_text(&w, &rep);
	return 0;
}
