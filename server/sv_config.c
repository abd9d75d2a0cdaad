#include "sv.h"
#include "proto/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: lyceum-server [flags]\n"
	"  --bind ADDR        address to listen on (LYCEUM_BIND, default 0.0.0.0)\n"
	"  --port P           UDP port, 0 picks a free one (LYCEUM_PORT, default 7777)\n"
	"  --worlds DIR       folder of world files (LYCEUM_WORLDS, default: the assets folder's)\n"
	"  --lessons DIR      folder of lesson files (LYCEUM_LESSONS, default: the assets folder's)\n"
	"  --world NAME       world a room runs unless --rooms names another (LYCEUM_WORLD,\n"
	"                     default classroom)\n"
	"  --tick HZ          simulation rate, 10-120 (LYCEUM_TICK, default 30)\n"
	"  --rate HZ          presence snapshot rate, 10-30 (LYCEUM_RATE, default 15)\n"
	"  --max-clients N    clients across all rooms, 1-4000 (LYCEUM_MAX_CLIENTS, default 1024)\n"
	"  --state-socket 0|1 1: read moves from a second socket on the same port, steered to it\n"
	"                     by SO_REUSEPORT (Linux); 0: one socket, through ENet's hook\n"
	"                     (LYCEUM_STATE_SOCKET, default 1)\n"
	"  --token-key FILE   public key that join tokens must be signed with (LYCEUM_TOKEN_KEY;\n"
	"                     lyceum-token keygen makes one). Without it the server is an open\n"
	"                     development server: anyone may join any room, as a student only\n"
	"  --server-key FILE  the server's secret key (LYCEUM_SERVER_KEY; lyceum-token keygen\n"
	"                     writes server.key beside token.pub, and that one is used by\n"
	"                     default). Clients check it against the key their token names\n"
	"  --rooms A,B=WORLD,...  the rooms this server hosts, each running --world or the\n"
	"                     world named after '=' (LYCEUM_ROOMS; default: any room a valid\n"
	"                     token names, running --world). Each world loads once, at start;\n"
	"                     one that does not load refuses only its own rooms\n"
	"  --max-per-address N  connections from one IP address, 1-4000 (LYCEUM_MAX_PER_ADDRESS,\n"
	"                     default 256: a lecture hall behind one NAT)\n"
	"  --max-pending-per-address N  of those, connections still waiting to say hello, 1-4000\n"
	"                     (LYCEUM_MAX_PENDING_PER_ADDRESS, default 64)\n"
	"  --voice-streams N  the most speakers each listener hears at once, the loudest, 1-8\n"
	"                     (LYCEUM_VOICE_STREAMS, default 4)\n"
	"  --help             this text\n"
	"Prints a line starting with LISTENING on standard output once it accepts clients;\n"
	"stops cleanly on SIGINT or SIGTERM.\n";

static bool parse_int(const char *flag, const char *text, long lo, long hi, int *out)
{
	char *end;
	long v = strtol(text, &end, 10);
	if (!text[0] || *end || v < lo || v > hi) {
		fprintf(stderr, "lyceum-server: %s '%s' is not a whole number from %ld to %ld\n", flag,
			text, lo, hi);
		return false;
	}
	*out = (int)v;
	return true;
}

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return v && v[0] ? v : fallback;
}

/* --rooms: ROOM or ROOM=WORLD, comma-separated, at most
 * SV_MAX_ROOM_ENTRIES, each name valid and no room twice. Parsed from the
 * flag's own text, so nothing is cut short on the way. */
static bool rooms_parse(const char *list, struct sv_config *cfg)
{
	cfg->room_count = 0;
	for (const char *p = list; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t room_len = eq ? (size_t)(eq - p) : len, world_len = eq ? len - room_len - 1 : 0;
		if (cfg->room_count == SV_MAX_ROOM_ENTRIES) {
			fprintf(stderr, "lyceum-server: --rooms: more than %d rooms listed; a server "
					"hosts at most %d named rooms\n",
				SV_MAX_ROOM_ENTRIES, SV_MAX_ROOM_ENTRIES);
			return false;
		}
		struct sv_room_config *rc = &cfg->rooms[cfg->room_count];
		memset(rc, 0, sizeof(*rc));
		if (room_len < sizeof(rc->room))
			memcpy(rc->room, p, room_len);
		if (room_len >= sizeof(rc->room) || !proto_room_name_check(rc->room)) {
			fprintf(stderr, "lyceum-server: --rooms: '%.*s' is not a room name (1-31 "
					"letters, digits, '.', '_' or '-'); list rooms as ROOM or "
					"ROOM=WORLD, separated by commas\n",
				(int)room_len, p);
			return false;
		}
		if (eq && world_len < sizeof(rc->world))
			memcpy(rc->world, eq + 1, world_len);
		if (eq && (world_len >= sizeof(rc->world) || !sim_world_name_valid(rc->world))) {
			fprintf(stderr, "lyceum-server: --rooms: room '%s' names '%.*s', which is not a "
					"world name (a file name in --worlds, without its extension)\n",
				rc->room, (int)world_len, eq + 1);
			return false;
		}
		for (int i = 0; i < cfg->room_count; i++) {
			if (!strcmp(cfg->rooms[i].room, rc->room)) {
				fprintf(stderr, "lyceum-server: --rooms: room '%s' is listed twice\n",
					rc->room);
				return false;
			}
		}
		cfg->room_count++;
		p += len + (end ? 1 : 0);
	}
	return true;
}

int sv_config_parse(struct sv_config *cfg, int argc, char **argv)
{
	memset(cfg, 0, sizeof(*cfg));
	int port = 0;
	core_strlcpy(cfg->bind, env_or("LYCEUM_BIND", "0.0.0.0"), sizeof(cfg->bind));
	core_strlcpy(cfg->worlds_dir, core_assets_dir(CORE_ASSETS_WORLDS), sizeof(cfg->worlds_dir));
	core_strlcpy(cfg->worlds_dir, env_or("LYCEUM_WORLDS", cfg->worlds_dir),
		     sizeof(cfg->worlds_dir));
	core_strlcpy(cfg->lessons_dir, core_assets_dir(CORE_ASSETS_LESSONS), sizeof(cfg->lessons_dir));
	core_strlcpy(cfg->lessons_dir, env_or("LYCEUM_LESSONS", cfg->lessons_dir),
		     sizeof(cfg->lessons_dir));
	core_strlcpy(cfg->world, env_or("LYCEUM_WORLD", "classroom"), sizeof(cfg->world));
	if (!parse_int("LYCEUM_PORT", env_or("LYCEUM_PORT", "7777"), 0, 65535, &port) ||
	    !parse_int("LYCEUM_TICK", env_or("LYCEUM_TICK", "30"), 10, 120, &cfg->tick_hz) ||
	    !parse_int("LYCEUM_RATE", env_or("LYCEUM_RATE", "15"), 10, 30, &cfg->snapshot_hz) ||
	    !parse_int("LYCEUM_MAX_CLIENTS", env_or("LYCEUM_MAX_CLIENTS", "1024"), 1, SV_MAX_CLIENTS,
		       &cfg->max_clients) ||
	    !parse_int("LYCEUM_STATE_SOCKET", env_or("LYCEUM_STATE_SOCKET", "1"), 0, 1,
		       &cfg->state_socket) ||
	    !parse_int("LYCEUM_MAX_PER_ADDRESS", env_or("LYCEUM_MAX_PER_ADDRESS", "256"), 1,
		       SV_MAX_CLIENTS, &cfg->max_per_address) ||
	    !parse_int("LYCEUM_MAX_PENDING_PER_ADDRESS",
		       env_or("LYCEUM_MAX_PENDING_PER_ADDRESS", "64"), 1, SV_MAX_CLIENTS,
		       &cfg->max_pending_per_address) ||
	    !parse_int("LYCEUM_VOICE_STREAMS", env_or("LYCEUM_VOICE_STREAMS", "4"), 1,
		       SV_VOICE_MAX_STREAMS, &cfg->voice_streams))
		return 2;
	core_strlcpy(cfg->token_key, env_or("LYCEUM_TOKEN_KEY", ""), sizeof(cfg->token_key));
	const char *rooms = env_or("LYCEUM_ROOMS", "");
	core_strlcpy(cfg->server_key, env_or("LYCEUM_SERVER_KEY", ""), sizeof(cfg->server_key));

	for (int i = 1; i < argc; i++) {
		const char *flag = argv[i];
		if (!strcmp(flag, "--help") || !strcmp(flag, "-h")) {
			fputs(usage, stdout);
			return 1;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, core_usage_lists(usage, flag) ? "lyceum-server: %s needs a value\n%s"
								     : "lyceum-server: unknown flag %s\n%s",
				flag, usage);
			return 2;
		}
		const char *v = argv[++i];
		bool ok = true;
		if (!strcmp(flag, "--bind"))
			core_strlcpy(cfg->bind, v, sizeof(cfg->bind));
		else if (!strcmp(flag, "--port"))
			ok = parse_int(flag, v, 0, 65535, &port);
		else if (!strcmp(flag, "--worlds"))
			core_strlcpy(cfg->worlds_dir, v, sizeof(cfg->worlds_dir));
		else if (!strcmp(flag, "--lessons"))
			core_strlcpy(cfg->lessons_dir, v, sizeof(cfg->lessons_dir));
		else if (!strcmp(flag, "--world"))
			core_strlcpy(cfg->world, v, sizeof(cfg->world));
		else if (!strcmp(flag, "--tick"))
			ok = parse_int(flag, v, 10, 120, &cfg->tick_hz);
		else if (!strcmp(flag, "--rate"))
			ok = parse_int(flag, v, 10, 30, &cfg->snapshot_hz);
		else if (!strcmp(flag, "--max-clients"))
			ok = parse_int(flag, v, 1, SV_MAX_CLIENTS, &cfg->max_clients);
		else if (!strcmp(flag, "--state-socket"))
			ok = parse_int(flag, v, 0, 1, &cfg->state_socket);
		else if (!strcmp(flag, "--token-key"))
			core_strlcpy(cfg->token_key, v, sizeof(cfg->token_key));
		else if (!strcmp(flag, "--server-key"))
			core_strlcpy(cfg->server_key, v, sizeof(cfg->server_key));
		else if (!strcmp(flag, "--rooms"))
			rooms = v;
		else if (!strcmp(flag, "--max-per-address"))
			ok = parse_int(flag, v, 1, SV_MAX_CLIENTS, &cfg->max_per_address);
		else if (!strcmp(flag, "--max-pending-per-address"))
			ok = parse_int(flag, v, 1, SV_MAX_CLIENTS, &cfg->max_pending_per_address);
		else if (!strcmp(flag, "--voice-streams"))
			ok = parse_int(flag, v, 1, SV_VOICE_MAX_STREAMS, &cfg->voice_streams);
		else {
			fprintf(stderr, "lyceum-server: unknown flag %s\n%s", flag, usage);
			return 2;
		}
		if (!ok)
			return 2;
	}
	if (cfg->snapshot_hz > cfg->tick_hz) {
		fprintf(stderr, "lyceum-server: --rate %d is above --tick %d; snapshots cannot be more "
				"frequent than ticks\n",
			cfg->snapshot_hz, cfg->tick_hz);
		return 2;
	}
	if (!rooms_parse(rooms, cfg))
		return 2;
	cfg->port = (uint16_t)port;
	return 0;
}
