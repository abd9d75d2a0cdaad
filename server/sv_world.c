/* Which world each room runs. --rooms lists the rooms a server hosts,
 * each with the world it runs ("hall=lecture-hall") or the default
 * --world; every world named is loaded and checked once, at start-up, and
 * shared read-only by all its rooms. A world that does not load takes only
 * its own rooms down: they are refused with the loader's message. */
#include "sv.h"
#include "sim/world_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sv_rooms_parse(const char *list, struct sv_room_entry *out, int *out_count, char *err,
		    size_t err_size)
{
	int n = 0;
	for (const char *p = list; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t room_len = eq ? (size_t)(eq - p) : len;
		struct sv_room_entry e = {0};
		if (n >= SV_MAX_ROOM_ENTRIES) {
			snprintf(err, err_size, "--rooms: more than %d rooms listed; list at most %d",
				 SV_MAX_ROOM_ENTRIES, SV_MAX_ROOM_ENTRIES);
			return false;
		}
		if (room_len >= sizeof(e.room) || (snprintf(e.room, sizeof(e.room), "%.*s",
							    (int)room_len, p),
						   !proto_room_name_check(e.room))) {
			snprintf(err, err_size,
				 "--rooms: '%.*s' is not a room name (1-31 letters, digits, '.', '_' "
				 "or '-'); list rooms as ROOM or ROOM=WORLD, separated by commas",
				 (int)room_len, p);
			return false;
		}
		if (eq) {
			size_t world_len = len - room_len - 1;
			if (world_len >= sizeof(e.world) ||
			    (snprintf(e.world, sizeof(e.world), "%.*s", (int)world_len, eq + 1),
			     !sim_world_name_valid(e.world))) {
				snprintf(err, err_size,
					 "--rooms: room '%s' names '%.*s', which is not a world name "
					 "(a file name in --worlds, without its extension)",
					 e.room, (int)world_len, eq + 1);
				return false;
			}
		}
		for (int i = 0; i < n; i++) {
			if (!strcmp(out[i].room, e.room)) {
				snprintf(err, err_size, "--rooms: room '%s' is listed twice", e.room);
				return false;
			}
		}
		out[n++] = e;
		p += len + (end ? 1 : 0);
	}
	*out_count = n;
	return true;
}

/* The catalogue slot of a world, loaded now if it is new. */
static struct sv_world *world_get(struct sv_server *sv, const char *name)
{
	for (int i = 0; i < sv->world_count; i++)
		if (!strcmp(sv->worlds[i].name, name))
			return &sv->worlds[i];
	if (sv->world_count >= SV_MAX_WORLDS)
		return NULL; /* cannot happen: each room entry names at most one */
	struct sv_world *w = &sv->worlds[sv->world_count++];
	core_strlcpy(w->name, name, sizeof(w->name));
	struct sim_world *loaded = calloc(1, sizeof(*loaded));
	if (!loaded) {
		snprintf(w->error, sizeof(w->error), "out of memory loading world '%s'", name);
		return w;
	}
	if (sim_world_load_named(sv->cfg.worlds_dir, name, loaded, w->error, sizeof(w->error)) !=
	    CORE_OK) {
		free(loaded);
		return w;
	}
	w->world = loaded;
	proto_world_bits_init(&w->bits, loaded);
	w->bits.tick_us = 1000000u / (uint32_t)sv->cfg.tick_hz;
	CORE_INFO("world %s: %dx%d tiles of %.2f m, %d zones, %d seats, %d spawns", loaded->name,
		  loaded->width_tiles, loaded->height_tiles, loaded->tile_mm / 1000.0,
		  loaded->zone_count, loaded->seat_count, loaded->spawn_count);
	return w;
}

enum core_result sv_worlds_init(struct sv_server *sv)
{
	char err[300];
	if (!sv_rooms_parse(sv->cfg.rooms, sv->room_entries, &sv->room_entry_count, err,
			    sizeof(err))) {
		CORE_ERROR("%s", err);
		return CORE_ERR_INVALID;
	}
	/* The default world first: rooms that name none run it, and a server
	 * whose default world is broken has nothing sensible to offer. */
	sv->default_world = world_get(sv, sv->cfg.world);
	if (!sv->default_world->world) {
		CORE_ERROR("cannot load world: %s", sv->default_world->error);
		return CORE_ERR_INVALID;
	}
	for (int i = 0; i < sv->room_entry_count; i++) {
		struct sv_room_entry *e = &sv->room_entries[i];
		e->runs = e->world[0] ? world_get(sv, e->world) : sv->default_world;
		if (!e->runs->world)
			CORE_ERROR("room=%s is refused while its world does not load: %s", e->room,
				   e->runs->error);
		else if (e->world[0])
			CORE_INFO("room=%s runs world=%s", e->room, e->world);
	}
	return CORE_OK;
}

void sv_worlds_fini(struct sv_server *sv)
{
	for (int i = 0; i < sv->world_count; i++)
		free(sv->worlds[i].world);
	sv->world_count = 0;
}

const struct sv_world *sv_world_for_room(const struct sv_server *sv, const char *room)
{
	if (!sv->room_entry_count)
		return sv->default_world; /* any room a token names runs --world */
	for (int i = 0; i < sv->room_entry_count; i++)
		if (!strcmp(sv->room_entries[i].room, room))
			return sv->room_entries[i].runs;
	return NULL;
}
