/* Admission: who may join which room as whom.
 *
 * With a token key (--token-key) every HELLO carries a signed join token or
 * a resume ticket, and the role, name, user id and room come from it alone.
 * Without one the server is an open development server: anyone may join
 * any room, but only as a student, so nobody can claim to be staff. */
#include "sv.h"
#include "proto/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Used token ids kept per client slot; open addressing probes this far. */
#define SEEN_PER_CLIENT 4
#define SEEN_PROBES 32

enum core_result sv_admit_init(struct sv_server *sv)
{
	struct sv_admit *a = &sv->admit;
	memset(a, 0, sizeof(*a));
	if (net_ticket_key_new(a->ticket_key) != CORE_OK) {
		CORE_ERROR("libsodium could not start: no random source for resume tickets");
		return CORE_ERR_IO;
	}
	a->resumable = calloc((size_t)sv->cfg.max_clients, sizeof(*a->resumable));
	a->seen_cap = 1024;
	while (a->seen_cap < (uint32_t)sv->cfg.max_clients * SEEN_PER_CLIENT)
		a->seen_cap *= 2;
	a->seen = calloc(a->seen_cap, sizeof(*a->seen));
	if (!a->resumable || !a->seen)
		return CORE_ERR_NOMEM;
	if (!sv->cfg.token_key[0]) {
		CORE_WARN("no --token-key: this is an open development server; anyone who can reach "
			  "it may join any room, as a student only. For a class, make a key with "
			  "'lyceum-token keygen --out DIR' and start with --token-key DIR/token.pub");
		return CORE_OK;
	}
	char err[512];
	if (net_token_key_read(sv->cfg.token_key, a->token_pk, false, err, sizeof(err)) != CORE_OK) {
		CORE_ERROR("%s", err);
		return CORE_ERR_INVALID;
	}
	a->tokens = true;
	CORE_INFO("join tokens required, verified with %s", sv->cfg.token_key);
	return CORE_OK;
}

void sv_admit_fini(struct sv_server *sv)
{
	free(sv->admit.seen);
	free(sv->admit.resumable);
	memset(sv->admit.ticket_key, 0, sizeof(sv->admit.ticket_key));
	sv->admit.seen = NULL;
	sv->admit.resumable = NULL;
}

static uint32_t seen_slot(const struct sv_admit *a, const uint8_t *id, int probe)
{
	uint32_t h = (uint32_t)id[0] | (uint32_t)id[1] << 8 | (uint32_t)id[2] << 16 |
		     (uint32_t)id[3] << 24;
	return (h + (uint32_t)probe) & (a->seen_cap - 1);
}

static bool seen_has(const struct sv_admit *a, const uint8_t *id, int64_t now)
{
	for (int p = 0; p < SEEN_PROBES; p++) {
		const struct sv_seen *s = &a->seen[seen_slot(a, id, p)];
		if (s->until_unix > now && !memcmp(s->id, id, NET_TOKEN_ID_BYTES))
			return true;
	}
	return false;
}

/* False when every slot on the id's probe path holds a live token. */
static bool seen_has_room(const struct sv_admit *a, const uint8_t *id, int64_t now)
{
	for (int p = 0; p < SEEN_PROBES; p++)
		if (a->seen[seen_slot(a, id, p)].until_unix <= now)
			return true;
	return false;
}

static void seen_add(struct sv_admit *a, const uint8_t *id, int64_t until, int64_t now)
{
	for (int p = 0; p < SEEN_PROBES; p++) {
		struct sv_seen *s = &a->seen[seen_slot(a, id, p)];
		if (s->until_unix <= now) {
			memcpy(s->id, id, NET_TOKEN_ID_BYTES);
			s->until_unix = until;
			return;
		}
	}
}

static struct sv_resumable *resumable_find(struct sv_server *sv, const uint8_t *id)
{
	for (int i = 0; i < sv->cfg.max_clients; i++) {
		struct sv_resumable *r = &sv->admit.resumable[i];
		if (r->deadline_us > sv->now_us && !memcmp(r->id, id, NET_TICKET_ID_BYTES))
			return r;
	}
	return NULL;
}

struct sv_client *sv_admit_ghost(struct sv_server *sv, const struct sv_identity *id)
{
	if (id->kind != PROTO_TOKEN_RESUME)
		return NULL;
	for (int i = 1; i <= sv->cfg.max_clients; i++) {
		struct sv_client *c = &sv->clients[i];
		if (c->state == SV_CLIENT_JOINED && c->has_ticket &&
		    !memcmp(c->ticket_id, id->token_id, NET_TICKET_ID_BYTES))
			return c;
	}
	return NULL;
}

CORE_PRINTF(5, 6)
static bool refuse(enum proto_refuse_reason reason, enum proto_refuse_reason *out_reason,
		   char *msg, size_t msg_size, const char *fmt, ...);

static bool refuse(enum proto_refuse_reason reason, enum proto_refuse_reason *out_reason,
		   char *msg, size_t msg_size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, msg_size, fmt, ap);
	va_end(ap);
	*out_reason = reason;
	return false;
}

static enum proto_refuse_reason token_reason(enum net_token_error e)
{
	switch (e) {
	case NET_TOKEN_BAD_SIGNATURE: return PROTO_REFUSE_TOKEN_SIGNATURE;
	case NET_TOKEN_EXPIRED:
	case NET_TOKEN_NOT_YET_VALID: return PROTO_REFUSE_TOKEN_EXPIRED;
	case NET_TOKEN_OK:
	case NET_TOKEN_MALFORMED: break;
	}
	return PROTO_REFUSE_TOKEN_MALFORMED;
}

static void identity_set(struct sv_identity *out, enum proto_token_kind kind, uint8_t role,
			 const char *user, const char *name, const char *room, const uint8_t *id)
{
	core_strlcpy(out->user, user, sizeof(out->user));
	core_strlcpy(out->name, name, sizeof(out->name));
	core_strlcpy(out->room, room, sizeof(out->room));
	out->role = role;
	memcpy(out->token_id, id, sizeof(out->token_id));
	out->kind = kind;
}

/* Identity from a join token or resume ticket; false with the refusal. */
static bool identity_from_token(struct sv_server *sv, const struct proto_hello *h,
				struct sv_identity *out, enum proto_refuse_reason *reason,
				char *msg, size_t msg_size, int64_t now)
{
	struct sv_admit *a = &sv->admit;
	if (h->token_kind == PROTO_TOKEN_RESUME) {
		struct net_ticket t;
		if (!net_ticket_open(h->token, h->token_len, a->ticket_key, &t))
			return refuse(PROTO_REFUSE_TOKEN_EXPIRED, reason, msg, msg_size,
				      "the resume ticket is not from this server run (it restarted?); "
				      "join again with a new join token");
		identity_set(out, PROTO_TOKEN_RESUME, t.role, t.user, t.name, t.room, t.id);
		if (!resumable_find(sv, t.id) && !sv_admit_ghost(sv, out))
			return refuse(PROTO_REFUSE_TOKEN_REPLAYED, reason, msg, msg_size,
				      "the resume ticket (user %.40s) was used already or is too old (a "
				      "dropped connection may come back within %u s); join again with a "
				      "new join token",
				      t.user, SV_RESUME_US / 1000000u);
		return true;
	}
	struct net_token tok;
	enum net_token_error e =
		net_token_verify((const char *)h->token, h->token_len, a->token_pk, now, &tok);
	if (e != NET_TOKEN_OK)
		return refuse(token_reason(e), reason, msg, msg_size, "%s", net_token_error_text(e));
	/* A token made for another server (which the honest client would not
	 * have brought here): one server's tokens do not open another's rooms. */
	if (memcmp(tok.server_key, a->server_pk, sizeof(a->server_pk)) != 0)
		return refuse(PROTO_REFUSE_TOKEN_SIGNATURE, reason, msg, msg_size,
			      "this join token was made for another server; ask for a token made "
			      "for this one");
	if (seen_has(a, tok.id, now))
		return refuse(PROTO_REFUSE_TOKEN_REPLAYED, reason, msg, msg_size,
			      "this join token (user %.40s) was used already (a token admits one "
			      "connection); ask for a new one",
			      tok.user);
	if (!seen_has_room(a, tok.id, now)) {
		if (a->seen_full++ == 0)
			CORE_WARN("the table of used join tokens is full (%u); joins are refused until "
				  "tokens expire (counted in the stats line's seen_full=)",
				  a->seen_cap);
		return refuse(PROTO_REFUSE_FULL, reason, msg, msg_size,
			      "the server is too busy to admit new joins; try again in a minute");
	}
	identity_set(out, PROTO_TOKEN_JOIN, tok.role, tok.user, tok.name, tok.room, tok.id);
	out->token_expires = tok.expires_at;
	if (h->room[0] && strcmp(h->room, tok.room))
		return refuse(PROTO_REFUSE_TOKEN_ROOM, reason, msg, msg_size,
			      "this join token admits you to room '%s', not to '%s'", tok.room,
			      h->room);
	return true;
}

bool sv_admit_hello(struct sv_server *sv, const struct proto_hello *h, struct sv_identity *out,
		    enum proto_refuse_reason *reason, char *msg, size_t msg_size)
{
	memset(out, 0, sizeof(*out));
	int64_t now = (int64_t)time(NULL);
	if (sv->admit.tokens) {
		if (h->token_kind == PROTO_TOKEN_NONE)
			return refuse(PROTO_REFUSE_TOKEN_MISSING, reason, msg, msg_size,
				      "this server admits only holders of a join token; ask your "
				      "teacher for one and start the client with --token");
		if (!identity_from_token(sv, h, out, reason, msg, msg_size, now))
			return false;
	} else {
		if (h->token_kind != PROTO_TOKEN_NONE)
			return refuse(PROTO_REFUSE_TOKEN_MALFORMED, reason, msg, msg_size,
				      "this server is an open development server (no token key) and "
				      "does not take join tokens; join without --token");
		if (h->role != PROTO_ROLE_STUDENT)
			return refuse(PROTO_REFUSE_ROLE, reason, msg, msg_size,
				      "this open development server admits students only; joining as "
				      "%s needs a join token from a server started with --token-key",
				      proto_role_name((enum proto_role)h->role));
		if (!proto_room_name_check(h->room))
			return refuse(PROTO_REFUSE_BAD_HELLO, reason, msg, msg_size,
				      "a room name is 1-31 letters, digits, '.', '_' or '-'");
		core_strlcpy(out->room, h->room, sizeof(out->room));
		core_strlcpy(out->name, h->name[0] ? h->name : "guest", sizeof(out->name));
		out->role = PROTO_ROLE_STUDENT;
		out->kind = PROTO_TOKEN_NONE;
	}
	char why[160];
	if (!proto_name_check(out->name, why, sizeof(why)))
		return refuse(PROTO_REFUSE_BAD_NAME, reason, msg, msg_size, "%s; choose another name",
			      why);
	const struct sv_world *w = sv_world_for_room(sv, out->room);
	if (!w)
		return refuse(PROTO_REFUSE_ROOM_UNKNOWN, reason, msg, msg_size,
			      "this server does not host room '%s'", out->room);
	/* The advice first: the loader's message is long and may be cut. */
	if (!w->sim)
		return refuse(PROTO_REFUSE_ROOM_UNKNOWN, reason, msg, msg_size,
			      "room '%s' is closed, tell the server's operator: its world does not "
			      "load: %s",
			      out->room, w->error);
	return true;
}

void sv_admit_commit(struct sv_server *sv, const struct sv_identity *id)
{
	struct sv_admit *a = &sv->admit;
	if (id->kind == PROTO_TOKEN_JOIN) {
		seen_add(a, id->token_id, id->token_expires, (int64_t)time(NULL));
	} else if (id->kind == PROTO_TOKEN_RESUME) {
		struct sv_resumable *r = resumable_find(sv, id->token_id);
		if (r)
			r->deadline_us = 0;
	}
}

void sv_admit_ticket(struct sv_server *sv, struct sv_client *c, struct proto_welcome *w)
{
	c->has_ticket = false;
	w->ticket_len = 0;
	if (!sv->admit.tokens)
		return;
	struct net_ticket t = {.role = c->role};
	core_strlcpy(t.user, c->user, sizeof(t.user));
	core_strlcpy(t.name, c->name, sizeof(t.name));
	core_strlcpy(t.room, c->room->name, sizeof(t.room));
	uint32_t len = net_ticket_seal(&t, sv->admit.ticket_key, w->ticket, sizeof(w->ticket));
	if (!len) {
		CORE_WARN("client=%u: no resume ticket could be sealed; it will need a new token "
			  "after a drop",
			  c->id);
		return;
	}
	w->ticket_len = (uint16_t)len;
	memcpy(c->ticket_id, t.id, sizeof(t.id));
	c->has_ticket = true;
}

void sv_admit_on_leave(struct sv_server *sv, const struct sv_client *c, bool resumable)
{
	if (!c->has_ticket || !resumable)
		return;
	/* The oldest (or a free) entry makes way: a table of max_clients holds
	 * every client that can have been connected at once. */
	struct sv_resumable *slot = &sv->admit.resumable[0];
	for (int i = 0; i < sv->cfg.max_clients; i++) {
		struct sv_resumable *r = &sv->admit.resumable[i];
		if (r->deadline_us < slot->deadline_us)
			slot = r;
		if (!r->deadline_us || r->deadline_us <= sv->now_us)
			break;
	}
	memcpy(slot->id, c->ticket_id, sizeof(slot->id));
	slot->deadline_us = sv->now_us + SV_RESUME_US;
}
