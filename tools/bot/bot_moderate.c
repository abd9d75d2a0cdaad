/* lyceum-bot --moderate and --reconnect-at: bots that ask for moderation
 * actions (as staff, or as a student trying what it may not) and bots whose
 * connection drops and comes back with the server's resume ticket. */
#include "bot.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *word;
	uint8_t type;
	bool flag;
	uint8_t scope;
} actions[] = {
	{"mute", PROTO_MSG_MUTE, true, 0},         {"unmute", PROTO_MSG_MUTE, false, 0},
	{"mute-all", PROTO_MSG_MUTE_ALL, true, 0}, {"unmute-all", PROTO_MSG_MUTE_ALL, false, 0},
	{"kick", PROTO_MSG_KICK, false, 0},        {"ban", PROTO_MSG_KICK, true, 0},
	{"lock", PROTO_MSG_LOCK, true, 0},         {"unlock", PROTO_MSG_LOCK, false, 0},
	{"hand", PROTO_MSG_HAND, true, 0},         {"lower", PROTO_MSG_HAND, false, 0},
	{"floor", PROTO_MSG_FLOOR, true, 0},       {"unfloor", PROTO_MSG_FLOOR, false, 0},
	{"move", PROTO_MSG_MOVE_USER, true, 0},
	{"say", PROTO_MSG_CHAT, false, PROTO_CHAT_ROOM},
	{"say-zone", PROTO_MSG_CHAT, false, PROTO_CHAT_ZONE},
	{"announce", PROTO_MSG_CHAT, false, PROTO_CHAT_ANNOUNCE},
	{"ask", PROTO_MSG_CHAT, false, PROTO_CHAT_QUESTION},
	{"answer", PROTO_MSG_CHAT, true, PROTO_CHAT_QUESTION},
	{"remove", PROTO_MSG_CHAT, true, PROTO_CHAT_ROOM}, /* flag: a line named, not said */
	{"lesson-start", PROTO_MSG_LESSON, false, PROTO_LESSON_START},
	{"lesson-stop", PROTO_MSG_LESSON, false, PROTO_LESSON_STOP},
	{"lesson-next", PROTO_MSG_LESSON, false, PROTO_LESSON_NEXT},
	{"erase", PROTO_MSG_BOARD_OP, false, 0},  {"clear-board", PROTO_MSG_BOARD_OP, true, 0},
	{"redo-erased", PROTO_MSG_BOARD_OP, false, 1},
	{"redo", PROTO_MSG_BOARD_OP, false, 2},
	{"return-items", PROTO_MSG_ITEM, false, PROTO_ITEM_RETURN},
};

/* The next ':'-separated field of s (cut there), or "" at the end. */
static char *field(char **s)
{
	char *f = *s, *colon = strchr(f, ':');
	if (colon) {
		*colon = '\0';
		*s = colon + 1;
	} else {
		*s = f + strlen(f);
	}
	return f;
}

bool bot_moderate_parse(struct bot_run *run, const char *script)
{
	char *copy = strdup(script);
	if (!copy)
		return false;
	bool ok = true;
	char *save = NULL;
	for (char *item = strtok_r(copy, ";", &save); item && ok;
	     item = strtok_r(NULL, ";", &save)) {
		if (run->mod_steps == BOT_MOD_STEPS) {
			fprintf(stderr, "lyceum-bot: --moderate: at most %d steps\n", BOT_MOD_STEPS);
			ok = false;
			break;
		}
		struct bot_mod_step *st = &run->mod[run->mod_steps];
		char whole[160]; /* for the error: field() cuts item up */
		core_strlcpy(whole, item, sizeof(whole));
		char *rest = item;
		char *at = field(&rest), *word = field(&rest), *target = field(&rest);
		char *end;
		st->at_s = strtod(at, &end);
		ok = at[0] && !*end && st->at_s >= 0;
		int k = -1;
		for (int i = 0; ok && i < (int)CORE_ARRAY_LEN(actions); i++)
			if (!strcmp(word, actions[i].word))
				k = i;
		if (!ok || k < 0) {
			fprintf(stderr, "lyceum-bot: --moderate: '%s' is not SECONDS:ACTION[:TARGET[:TEXT]] "
					"with ACTION one of mute, unmute, mute-all, unmute-all, kick, ban, "
					"lock, unlock, hand, lower, floor, unfloor, move, say, say-zone, "
					"announce, ask, answer, remove, lesson-start, lesson-stop, lesson-next, erase, "
					"clear-board, redo-erased, redo, return-items\n",
				whole);
			ok = false;
			break;
		}
		st->type = actions[k].type;
		st->flag = actions[k].flag;
		st->scope = actions[k].scope;
		run->mod_log |= st->type == PROTO_MSG_CHAT || st->type == PROTO_MSG_LESSON ||
				 st->type == PROTO_MSG_BOARD_OP;
		size_t text_max = st->type == PROTO_MSG_CHAT ? sizeof(st->text) - 1
							      : PROTO_MOD_TEXT_MAX - 1;
		bool long_target = strlen(target) >= sizeof(st->target);
		size_t len = long_target ? strlen(target) : strlen(rest);
		size_t max = long_target ? sizeof(st->target) - 1 : text_max;
		if (len > max) {
			fprintf(stderr, "lyceum-bot: --moderate: '%.60s...' has a %s of %zu bytes; %s "
					"takes at most %zu\n",
				whole, long_target ? "TARGET" : "TEXT", len, word, max);
			ok = false;
			break;
		}
		core_strlcpy(st->target, target, sizeof(st->target));
		core_strlcpy(st->text, rest, sizeof(st->text));
		run->mod_steps++;
	}
	free(copy);
	return ok;
}

uint16_t bot_target_id(const struct bot *b, const char *name)
{
	if (!name[0])
		return 0;
	if (!strcmp(name, "self"))
		return b->conn.welcome.client_id;
	for (int i = 0; i < b->conn.roster_count; i++)
		if (!strcmp(b->conn.roster[i].name, name))
			return b->conn.roster[i].id;
	return PROTO_MAX_CLIENT_ID; /* nobody: the server says so */
}

void bot_moderate_tick(struct bot_run *run, struct bot *b, uint64_t now_us)
{
	struct cl_event ev;
	while (cl_conn_next_event(&b->conn, &ev)) {
		if (ev.type == CL_EVENT_MODERATION && b->mod_event_count++ < BOT_MOD_EVENTS)
			b->mod_events[b->mod_event_count - 1] = ev.mod;
		if (ev.type == CL_EVENT_SPEAKING)
			b->speaking_events++;
		if (ev.type == CL_EVENT_ROSTER && ev.roster.change != CL_ROSTER_CHANGED)
			b->roster_events[ev.roster.change == CL_ROSTER_LEFT]++;
		bot_grab_on_event(b, &ev);
	}
	if (b->conn.state != CL_STATE_JOINED)
		return;
	double since = (double)(now_us - b->joined_us) / 1e6;
	while (b->mod_next < run->mod_steps && run->mod[b->mod_next].at_s <= since) {
		const struct bot_mod_step *st = &run->mod[b->mod_next++];
		if (st->type == PROTO_MSG_CHAT)
			bot_chat_step(b, st);
		else if (st->type == PROTO_MSG_LESSON)
			bot_lesson_step(b, st);
		else if (st->type == PROTO_MSG_BOARD_OP)
			bot_board_step(b, st);
		else if (st->type == PROTO_MSG_ITEM) /* the desktop's /return-items: 6 at most */
			for (int i = 0; i < b->conn.item_count && i < 6; i++)
				(void)cl_item_request(&b->conn, (uint8_t)i, PROTO_ITEM_RETURN);
		else if (cl_conn_moderate(&b->conn, st->type, bot_target_id(b, st->target), st->flag,
				     st->text) != CORE_OK)
			fprintf(stderr, "lyceum-bot: %s: could not send %s\n", b->name,
				proto_mod_action_name(st->type));
	}
}

void bot_reconnect_tick(struct bot_run *run, struct bot *b, uint64_t now_us)
{
	const struct bot_options *o = &run->opt;
	if (o->reconnect_at_s <= 0 || b->reconnects || b->conn.state != CL_STATE_JOINED ||
	    (double)(now_us - b->joined_us) / 1e6 < o->reconnect_at_s)
		return;
	/* What the new connection needs of the old one; cl_conn_start clears it. */
	uint16_t ticket_len = b->conn.welcome.ticket_len;
	memcpy(b->ticket, b->conn.welcome.ticket, ticket_len);
	struct cl_conn_config cfg = b->conn.cfg;
	cl_world_fn world_fn = b->conn.world_fn;
	void *world_user = b->conn.world_user;
	bool keyed = b->conn.has_server_key;
	memcpy(b->server_key, b->conn.server_key, sizeof(b->server_key));
	cl_conn_drop(&b->conn);
	cfg.server_key = keyed ? b->server_key : NULL;
	cfg.token_kind = ticket_len ? PROTO_TOKEN_RESUME : PROTO_TOKEN_NONE;
	cfg.token = ticket_len ? b->ticket : NULL;
	cfg.token_len = ticket_len;
	b->reconnects++;
	b->reconnecting = true;
	fprintf(stderr, "lyceum-bot: %s: dropped the connection; reconnecting%s\n", b->name,
		ticket_len ? " with the resume ticket" : "");
	if (cl_conn_start(&b->conn, &cfg, world_fn, world_user) != CORE_OK)
		fprintf(stderr, "lyceum-bot: %s: %s\n", b->name, b->conn.error);
	bot_board_attach(b);
}

void bot_moderate_report(const struct bot *b, json_t *out)
{
	const struct cl_conn *c = &b->conn;
	json_t *events = json_array();
	for (int i = 0; i < b->mod_event_count && i < BOT_MOD_EVENTS; i++) {
		const struct proto_mod_event *e = &b->mod_events[i];
		const struct cl_roster_entry *t = cl_conn_roster_find(c, e->target);
		json_array_append_new(
			events, json_pack("{s:s,s:b,s:b,s:s,s:i,s:s,s:s}", "action",
					  proto_mod_action_name(e->action), "refused", e->refused,
					  "flag", e->flag, "actor", e->actor_name, "target", e->target,
					  "target_name", t ? t->name : "", "text", e->text));
	}
	json_object_set_new(out, "moderation_events", events);
	json_object_set_new(out, "refused_actions", json_integer((json_int_t)c->stats.refused_actions));
	/* Events the bot did not take in time (the client core drops the oldest). */
	json_object_set_new(out, "events_dropped", json_integer((json_int_t)c->stats.events_dropped));
	json_object_set_new(out, "kicked", json_boolean(c->kicked));
	json_object_set_new(out, "reconnects", json_integer(b->reconnects));
	const struct cl_roster_entry *me = cl_conn_roster_find(c, c->welcome.client_id);
	uint8_t status = me ? me->status : 0;
	json_object_set_new(out, "role", json_string(proto_role_name((enum proto_role)c->welcome.role)));
	json_object_set_new(out, "muted", json_boolean(me && cl_conn_member_muted(c, me)));
	json_object_set_new(out, "hand_up", json_boolean(status & PROTO_STATUS_HAND));
	json_object_set_new(out, "has_floor", json_boolean(status & PROTO_STATUS_FLOOR));
	json_t *hands = json_array();
	for (int i = 0; i < c->hands.count; i++) {
		const struct cl_roster_entry *e = cl_conn_roster_find(c, c->hands.ids[i]);
		json_array_append_new(hands, json_string(e ? e->name : "?"));
	}
	json_object_set_new(out, "hands", hands);
	json_t *roster = json_array();
	for (int i = 0; i < c->roster_count; i++) {
		char label[CL_LABEL_MAX];
		json_array_append_new(roster, json_string(cl_roster_label(&c->roster[i], label,
									   sizeof(label))));
	}
	json_object_set_new(out, "roster", roster);
	/* Members who joined and left after us, as the client core told it. */
	json_object_set_new(out, "roster_joined", json_integer((json_int_t)b->roster_events[0]));
	json_object_set_new(out, "roster_left", json_integer((json_int_t)b->roster_events[1]));
	json_t *users = json_array();
	for (int i = 0; i < c->roster_count; i++)
		if (c->roster[i].user[0])
			json_array_append_new(users, json_string(c->roster[i].user));
	json_object_set_new(out, "roster_user_ids", users);
}
