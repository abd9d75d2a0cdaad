/* The scenarios' flags: one table each, read with getopt_long (bot.h). */
#include "bot.h"
#include "sim/world_load.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Is v one of the '|'-separated words of choices? */
static bool one_of(const char *choices, const char *v)
{
	size_t n = strlen(v);
	for (const char *w = choices; w; w = strchr(w, '|') ? strchr(w, '|') + 1 : NULL) {
		size_t len = strchr(w, '|') ? (size_t)(strchr(w, '|') - w) : strlen(w);
		if (len == n && !strncmp(w, v, n))
			return true;
	}
	return false;
}

bool bot_flags_parse(int argc, char **argv, const struct bot_flag *flags, int count)
{
	struct option opts[BOT_FLAGS_MAX + 1];
	if (count > BOT_FLAGS_MAX)
		return false;
	for (int i = 0; i < count; i++)
		opts[i] = (struct option){flags[i].name, required_argument, NULL, i};
	opts[count] = (struct option){0};
	opterr = 0;
	optind = 1;
	int k;
	while ((k = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (k == '?' || k == ':') {
			const char *f = argv[optind - 1];
			bot_emit_error(k == ':' ? "this flag needs a value:" : "unknown flag:", f);
			return false;
		}
		const struct bot_flag *fl = &flags[k];
		const char *v = optarg;
		char *end;
		double d = strtod(v, &end);
		bool num = v[0] && !*end && d >= fl->lo && d <= fl->hi;
		char flag[64];
		snprintf(flag, sizeof(flag), "--%s", fl->name);
		switch (fl->kind) {
		case BOT_FLAG_TEXT:
			if (fl->choices && !one_of(fl->choices, v)) {
				char why[160];
				snprintf(why, sizeof(why), "%s is one of %s, not", flag, fl->choices);
				bot_emit_error(why, v);
				return false;
			}
			*(const char **)fl->dst = v;
			break;
		case BOT_FLAG_REAL:
			if (!num) {
				bot_emit_error("value out of range for", flag);
				return false;
			}
			*(double *)fl->dst = d;
			break;
		case BOT_FLAG_INT:
		case BOT_FLAG_U32:
			if (!num || d != floor(d)) {
				bot_emit_error("value out of range for", flag);
				return false;
			}
			if (fl->kind == BOT_FLAG_INT)
				*(int *)fl->dst = (int)d;
			else
				*(uint32_t *)fl->dst = (uint32_t)d;
			break;
		}
	}
	if (optind < argc) {
		bot_emit_error("unexpected argument:", argv[optind]);
		return false;
	}
	return true;
}

const struct sim_world *bot_world_cached(const char *dir, struct sim_world **slot, const char *name)
{
	if (*slot && !strcmp((*slot)->name, name))
		return *slot;
	if (!*slot)
		*slot = malloc(sizeof(**slot));
	char err[512];
	if (!*slot || sim_world_load_named(dir, name, *slot, err, sizeof(err)) != CORE_OK) {
		fprintf(stderr, "lyceum-bot: %s\n", *slot ? err : "out of memory");
		free(*slot);
		*slot = NULL;
		return NULL;
	}
	return *slot;
}
