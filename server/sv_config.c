#include "sv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: lyceum-server [flags]\n"
	"  --bind ADDR        address to listen on (LYCEUM_BIND, default 0.0.0.0)\n"
	"  --port P           UDP port, 0 picks a free one (LYCEUM_PORT, default 7777)\n"
	"  --worlds DIR       folder of world files (LYCEUM_WORLDS, default assets/worlds)\n"
	"  --world NAME       world every room loads (LYCEUM_WORLD, default classroom)\n"
	"  --tick HZ          simulation rate, 10-120 (LYCEUM_TICK, default 30)\n"
	"  --rate HZ          presence snapshot rate, 10-30 (LYCEUM_RATE, default 15)\n"
	"  --max-clients N    clients across all rooms, 1-4000 (LYCEUM_MAX_CLIENTS, default 1024)\n"
	"  --state-socket 0|1 1: read moves from a second socket on the same port, steered to it\n"
	"                     by SO_REUSEPORT (Linux); 0: one socket, through ENet's hook\n"
	"                     (LYCEUM_STATE_SOCKET, default 1)\n"
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

static void default_worlds_dir(char *out, size_t size)
{
	/* From a checkout the worlds sit under assets/; an installed server
	 * is given --worlds. */
	if (access("assets/worlds", R_OK) == 0)
		core_strlcpy(out, "assets/worlds", size);
	else
		snprintf(out, size, "%s/assets/worlds", LYCEUM_SOURCE_DIR);
}

int sv_config_parse(struct sv_config *cfg, int argc, char **argv)
{
	memset(cfg, 0, sizeof(*cfg));
	int port = 0;
	core_strlcpy(cfg->bind, env_or("LYCEUM_BIND", "0.0.0.0"), sizeof(cfg->bind));
	default_worlds_dir(cfg->worlds_dir, sizeof(cfg->worlds_dir));
	core_strlcpy(cfg->worlds_dir, env_or("LYCEUM_WORLDS", cfg->worlds_dir),
		     sizeof(cfg->worlds_dir));
	core_strlcpy(cfg->world, env_or("LYCEUM_WORLD", "classroom"), sizeof(cfg->world));
	if (!parse_int("LYCEUM_PORT", env_or("LYCEUM_PORT", "7777"), 0, 65535, &port) ||
	    !parse_int("LYCEUM_TICK", env_or("LYCEUM_TICK", "30"), 10, 120, &cfg->tick_hz) ||
	    !parse_int("LYCEUM_RATE", env_or("LYCEUM_RATE", "15"), 10, 30, &cfg->snapshot_hz) ||
	    !parse_int("LYCEUM_MAX_CLIENTS", env_or("LYCEUM_MAX_CLIENTS", "1024"), 1, SV_MAX_CLIENTS,
		       &cfg->max_clients) ||
	    !parse_int("LYCEUM_STATE_SOCKET", env_or("LYCEUM_STATE_SOCKET", "1"), 0, 1,
		       &cfg->state_socket))
		return 2;

	for (int i = 1; i < argc; i++) {
		const char *flag = argv[i];
		if (!strcmp(flag, "--help") || !strcmp(flag, "-h")) {
			fputs(usage, stdout);
			return 1;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "lyceum-server: %s needs a value (or is unknown)\n%s", flag, usage);
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
	cfg->port = (uint16_t)port;
	return 0;
}
