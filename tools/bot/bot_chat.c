/* Bots that chat: the chat steps of a --moderate script (say, say-zone,
 * announce, ask, answer) and --behavior chat's seeded lines. Each bot's
 * report lists the lines it holds, so a test reads what each one saw. */
#include "bot.h"

#include "bot_rng.h"
#include "proto/perm.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* The oldest open question (from name, if given) this bot holds. */
static const struct cl_chat_line *open_question(const struct cl_board *cb, const char *name)
{
	for (uint32_t i = 0; i < cb->chat_count; i++) {
		const struct cl_chat_line *l = cl_chat_line(cb, i);
		if (l->chat.scope == PROTO_CHAT_QUESTION && !l->chat.answered &&
		    (!name[0] || !strcmp(l->chat.name, name)))
			return l;
	}
	return NULL;
}

static void sent(struct bot *b, uint32_t id, const char *why)
{
	if (id) {
		b->chat_sent++;
		return;
	}
	b->chat_not_sent++;
	core_strlcpy(b->chat_why, why, sizeof(b->chat_why));
	fprintf(stderr, "lyceum-bot: %s: chat not sent: %s\n", b->name, why);
}

void bot_chat_step(struct bot *b, const struct bot_mod_step *st)
{
	char why[96] = "no board replica";
	uint32_t id = 0;
	if (b->board && st->flag && st->scope == PROTO_CHAT_ROOM) { /* remove: TARGET's newest */
		const struct cl_chat_line *l = NULL;
		bool self = !strcmp(st->target, "self");
		for (uint32_t i = b->board->chat_count; i-- > 0 && !l;) {
			const struct cl_chat_line *k = cl_chat_line(b->board, i);
			if (self ? k->own : !strcmp(k->chat.name, st->target))
				l = k;
		}
		if (l)
			id = cl_chat_remove(&b->conn, l->author, l->op_id, why, sizeof(why));
		else
			snprintf(why, sizeof(why), "no line of '%s' to remove", st->target);
	} else if (b->board && st->flag) {
		const struct cl_chat_line *q = open_question(b->board, st->target);
		if (q)
			id = cl_chat_answer(&b->conn, q->author, q->op_id, why, sizeof(why));
		else
			snprintf(why, sizeof(why), "no open question to answer");
	} else if (b->board) {
		id = cl_chat_send(&b->conn, (enum proto_chat_scope)st->scope, st->text, why, sizeof(why));
	}
	sent(b, id, why);
}

void bot_chat_tick(struct bot_run *run, struct bot *b, uint64_t now_us)
{
	static const char *const words[] = {"area",  "circle", "angle", "why",  "radius", "see",
					    "board", "next",   "step",  "ready", "letter", "done",
					    "trace", "sure",   "again", "thanks"};
	if (run->opt.behavior != BOT_CHAT || !b->board || !cl_board_synced(&b->conn))
		return;
	if (run->opt.seconds > 0 &&
	    (double)(now_us - b->joined_us) / 1e6 > run->opt.seconds - BOT_BOARD_REST_S)
		return;
	if (!b->chat_next_us)
		b->chat_next_us = now_us + 500000u + bot_rng_next(&b->rng) % 3000000u;
	if (now_us < b->chat_next_us)
		return;
	b->chat_next_us = now_us + 2000000u + bot_rng_next(&b->rng) % 4000000u;
	char why[96], text[96];
	uint32_t r = bot_rng_next(&b->rng);
	bool staff = proto_role_is_staff((enum proto_role)b->conn.welcome.role);
	const struct cl_chat_line *q = staff ? open_question(b->board, "") : NULL;
	if (q) {
		sent(b, cl_chat_answer(&b->conn, q->author, q->op_id, why, sizeof(why)), why);
		return;
	}
	int n = snprintf(text, sizeof(text), "%s %llu:", b->name,
			 (unsigned long long)b->chat_sent + 1);
	for (int w = 0; w < 4 && n > 0 && n < (int)sizeof(text) - 8; w++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, " %s",
			      words[bot_rng_next(&b->rng) % CORE_ARRAY_LEN(words)]);
	enum proto_chat_scope scope = staff && r % 4 == 0 ? PROTO_CHAT_ANNOUNCE
				      : r % 10 < 6       ? PROTO_CHAT_ROOM
				      : r % 10 < 8       ? PROTO_CHAT_ZONE
							 : PROTO_CHAT_QUESTION;
	if (scope == PROTO_CHAT_ZONE && b->conn.predicted.zone >= SIM_MAX_ZONES)
		scope = PROTO_CHAT_ROOM;
	sent(b, cl_chat_send(&b->conn, scope, text, why, sizeof(why)), why);
}

void bot_chat_report(const struct bot *b, json_t *out)
{
	static const char *const scopes[] = {"room", "zone", "announce", "question"};
	const struct cl_board *cb = b->board;
	if (!cb)
		return;
	json_t *lines = json_array();
	for (uint32_t i = 0; i < cb->chat_count; i++) {
		const struct cl_chat_line *l = cl_chat_line(cb, i);
		/* Our own lines under the name the server admitted us by; seq
		 * null for a line that came in the snapshot a joiner gets. */
		json_array_append_new(lines, json_pack("{s:s,s:s,s:s,s:b,s:b,s:o}", "from",
						       l->own ? b->conn.welcome.name : l->chat.name,
						       "scope", scopes[l->chat.scope], "text",
						       l->chat.text, "answered", l->chat.answered,
						       "own", l->own, "seq",
						       l->seq ? json_integer(l->seq) : json_null()));
	}
	json_t *o = json_pack("{s:I,s:I,s:s,s:I,s:I,s:I,s:o}", "sent", (json_int_t)b->chat_sent,
			      "not_sent", (json_int_t)b->chat_not_sent, "why_not", b->chat_why,
			      "received", (json_int_t)cb->stats.chat, "hidden",
			      (json_int_t)cb->stats.hidden, "refused", (json_int_t)cb->stats.refused,
			      "lines", lines);
	if (o)
		json_object_set_new(out, "chat", o);
}
