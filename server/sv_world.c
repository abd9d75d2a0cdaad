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
	w->sim = loaded;
	proto_world_bits_init(&w->bits, loaded);
	w->bits.tick_us = 1000000u / (uint32_t)sv->cfg.tick_hz;
	CORE_INFO("world %s: %dx%d tiles of %.2f m, %d zones, %d seats, %d spawns", loaded->name,
		  loaded->width_tiles, loaded->height_tiles, loaded->tile_mm / 1000.0,
		  loaded->zone_count, loaded->seat_count, loaded->spawn_count);
	return w;
}

enum core_result sv_worlds_init(struct sv_server *sv)
{
	/* The default world first: rooms that name none run it, and a server
	 * whose default world is broken has nothing sensible to offer. */
	sv->default_world = world_get(sv, sv->cfg.world);
	if (!sv->default_world->sim) {
		CORE_ERROR("cannot load world: %s", sv->default_world->error);
		return CORE_ERR_INVALID;
	}
	for (int i = 0; i < sv->cfg.room_count; i++) {
		const struct sv_room_config *rc = &sv->cfg.rooms[i];
		struct sv_room_entry *e = &sv->room_entries[sv->room_entry_count++];
		core_strlcpy(e->room, rc->room, sizeof(e->room));
		e->world = rc->world[0] ? world_get(sv, rc->world) : sv->default_world;
		if (!e->world->sim)
			CORE_ERROR("room=%s is refused while its world does not load: %s", e->room,
				   e->world->error);
		else if (rc->world[0])
			CORE_INFO("room=%s runs world=%s", e->room, rc->world);
	}
	return CORE_OK;
}

void sv_worlds_fini(struct sv_server *sv)
{
	for (int i = 0; i < sv->world_count; i++)
		free(sv->worlds[i].sim);
	sv->world_count = 0;
}

const struct sv_world *sv_world_for_room(const struct sv_server *sv, const char *room)
{
	if (!sv->room_entry_count)
		return sv->default_world; /* any room a token names runs --world */
	for (int i = 0; i < sv->room_entry_count; i++)
		if (!strcmp(sv->room_entries[i].room, room))
			return sv->room_entries[i].world;
	return NULL;
}
