#include "cl.h"
#include "net/token.h"
#include "proto/perm.h"
#include "proto/registry.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void cl_on_state(void *ctx, net_peer peer, uint8_t *msg, uint32_t len);
static void cl_on_net_event(void *ctx, const struct net_event *ev);

const char *cl_state_name(enum cl_state s)
{
	switch (s) {
	case CL_STATE_IDLE: return "idle";
	case CL_STATE_SECURING: return "securing";
	case CL_STATE_CONNECTING: return "connecting";
	case CL_STATE_HELLO_SENT: return "hello-sent";
	case CL_STATE_JOINED: return "joined";
	case CL_STATE_REFUSED: return "refused";
	case CL_STATE_DISCONNECTED: return "disconnected";
	case CL_STATE_FAILED: return "failed";
	}
	return "?";
}

enum core_result cl_conn_start(struct cl_conn *c, const struct cl_conn_config *cfg,
			       cl_world_fn world_fn, void *world_user)
{
	memset(c, 0, sizeof(*c));
	c->cfg = *cfg;
	c->world_fn = world_fn;
	c->world_user = world_user;
	/* The key the server must show: given, or named by the join token. */
	if (cfg->server_key) {
		memcpy(c->server_key, cfg->server_key, sizeof(c->server_key));
		c->has_server_key = true;
	} else if (cfg->token_kind == PROTO_TOKEN_JOIN && cfg->token) {
		/* A token that does not decode names no server to trust: stop
		 * here rather than hand it to whoever answers. */
		struct net_token t;
		enum net_token_error e = net_token_decode((const char *)cfg->token, cfg->token_len, &t);
		if (e != NET_TOKEN_OK) {
			snprintf(c->error, sizeof(c->error), "%s", net_token_error_text(e));
			cl_conn_drop(c);
			c->state = CL_STATE_FAILED;
			return CORE_ERR_INVALID;
		}
		memcpy(c->server_key, t.server_key, sizeof(c->server_key));
		c->has_server_key = true;
	}
	uint32_t version = cfg->protocol_version ? cfg->protocol_version : PROTO_VERSION;
	const struct net_host_handlers handlers = {
		.on_event = cl_on_net_event, .on_state = cl_on_state, .ctx = c};
	enum core_result r = net_host_client(cfg->server, 7777,
					     c->has_server_key ? c->server_key : NULL,
					     (uint16_t)version, &handlers, &c->host, c->error,
					     sizeof(c->error));
	if (r != CORE_OK) {
		c->host = NULL;
		c->state = CL_STATE_FAILED;
		return r;
	}
	c->state = CL_STATE_SECURING;
	c->connect_started_us = 0;
	return CORE_OK;
}

static void send_hello(struct cl_conn *c)
{
	struct proto_hello h = {
		.version = (uint16_t)(c->cfg.protocol_version ? c->cfg.protocol_version : PROTO_VERSION),
		.role = (uint8_t)c->cfg.role,
	};
	core_strlcpy(h.room, c->cfg.room ? c->cfg.room : "", sizeof(h.room));
	core_strlcpy(h.name, c->cfg.name, sizeof(h.name));
	core_strlcpy(h.spawn_zone, c->cfg.spawn_zone ? c->cfg.spawn_zone : "", sizeof(h.spawn_zone));
	h.has_spawn_pos = c->cfg.has_spawn_pos;
	h.spawn_pos = c->cfg.spawn_pos;
	if (c->cfg.token_kind != PROTO_TOKEN_NONE && c->cfg.token_len &&
	    c->cfg.token_len <= PROTO_TOKEN_MAX) {
		h.token_kind = (uint8_t)c->cfg.token_kind;
		h.token_len = c->cfg.token_len;
		memcpy(h.token, c->cfg.token, c->cfg.token_len);
	}
	uint8_t buf[PROTO_MAX_PACKET];
	uint32_t len = proto_encode_hello(&h, buf, sizeof(buf));
	if (!len || net_host_send(c->host, c->peer, NET_CH_CONTROL, buf, len) != CORE_OK) {
		snprintf(c->error, sizeof(c->error), "cannot send hello");
		c->state = CL_STATE_FAILED;
		return;
	}
	c->state = CL_STATE_HELLO_SENT;
}

static void on_welcome(struct cl_conn *c, const uint8_t *data, uint32_t len)
{
	if (proto_decode_welcome(data, len, &c->welcome) != CORE_OK) {
		c->stats.decode_errors++;
		return;
	}
	/* The roster follows on this channel, in order: until its last info
	 * has come, the members are who was there, not news. */
	c->roster_due = c->welcome.roster;
	c->roster_settled = c->roster_due == 0;
	/* The world name came over the network: it must be a name, exactly as
	 * the server requires of its own, never a path to open. */
	if (!sim_world_name_valid(c->welcome.world)) {
		snprintf(c->error, sizeof(c->error),
			 "the server named a world this client will not load ('%.40s' is not a world "
			 "name)",
			 c->welcome.world);
		c->state = CL_STATE_FAILED;
		net_host_disconnect(c->host, c->peer, NET_DISCONNECT_LEAVE);
		return;
	}
	c->world = c->world_fn ? c->world_fn(c->world_user, c->welcome.world) : NULL;
	if (!c->world) {
		snprintf(c->error, sizeof(c->error),
			 "the server runs world '%s', which this client cannot load", c->welcome.world);
		c->state = CL_STATE_FAILED;
		net_host_disconnect(c->host, c->peer, NET_DISCONNECT_LEAVE);
		return;
	}
	c->predicted = c->welcome.state;
	c->room_mute_all = (c->welcome.room_flags & PROTO_ROOM_MUTE_ALL) != 0;
	c->last_state_us = c->last_move_us = c->service_now_us;
	c->next_tick = 1;
	proto_world_bits_init(&c->bits, c->world);
	c->bits.tick_us = 1000000u / c->welcome.tick_hz;
	c->state = CL_STATE_JOINED;
	cl_board_on_welcome(c);
}

static void on_refuse(struct cl_conn *c, const uint8_t *data, uint32_t len)
{
	struct proto_refuse r;
	if (proto_decode_refuse(data, len, &r) != CORE_OK) {
		c->stats.decode_errors++;
		snprintf(c->refuse_message, sizeof(c->refuse_message),
			 "the server refused the connection with a message this client cannot read");
	} else {
		core_strlcpy(c->refuse_message, r.message, sizeof(c->refuse_message));
		c->refuse_reason = r.reason;
	}
	c->state = CL_STATE_REFUSED;
}

static void on_snapshot(struct cl_conn *c, const uint8_t *data, uint32_t len, uint64_t now_us)
{
	const struct proto_snapshot_ref ref = {
		.seq = c->newest_seq,
		.server_tick = c->newest_seq ? c->snap.server_tick : c->welcome.server_tick,
		.input_tick = c->next_tick - 1};
	uint32_t base_seq = proto_snapshot_base_seq(data, len, &ref);
	const struct proto_snapshot *base = NULL;
	if (base_seq) {
		base = &c->ring[base_seq & (CL_SNAP_RING - 1)];
		if (base->seq != base_seq) {
			c->stats.baseline_misses++; /* the server sends whole again once our ack lands */
			return;
		}
	}
	/* Decode into the ring slot of this seq (never the baseline's: the gap
	 * is below the ring size). */
	struct proto_snapshot *slot = NULL;
	struct proto_snapshot *const decoded = &c->decoding;
	if (proto_decode_snapshot(data, len, &c->bits, &ref, base, decoded) != CORE_OK) {
		c->stats.decode_errors++;
		return;
	}
	cl_link_on_snapshot(c, decoded, now_us);
	if (c->newest_seq && (int32_t)(decoded->seq - c->newest_seq) <= 0)
		return; /* older than what we have */
	slot = &c->ring[decoded->seq & (CL_SNAP_RING - 1)];
	proto_snapshot_copy(slot, decoded);
	c->newest_seq = decoded->seq;
	/* The ring keeps the zone lists whole (they are the next baselines);
	 * the rest of the client sees the others, and itself only as self. */
	memcpy(&c->snap, decoded, offsetof(struct proto_snapshot, avatars));
	c->snap.count = 0;
	for (int i = 0; i < decoded->count; i++)
		if (decoded->avatars[i].id != c->welcome.client_id)
			c->snap.avatars[c->snap.count++] = decoded->avatars[i];
	c->snap_fresh = true;
	c->stats.snapshots++;
	c->stats.full_snapshots += c->snap.full;
	cl_interp_on_snapshot(c, now_us);
	cl_predict_reconcile(c);
}

/* A roster change as an event, once the roster we joined has come. */
static void roster_event(struct cl_conn *c, uint16_t id, enum cl_roster_change change,
			 const char *name)
{
	if (!c->roster_settled)
		return;
	struct cl_event ev = {.type = CL_EVENT_ROSTER, .roster = {.id = id, .change = (uint8_t)change}};
	core_strlcpy(ev.roster.name, name, sizeof(ev.roster.name));
	cl_push_event(c, &ev);
}

static void roster_add(struct cl_conn *c, const struct proto_avatar_info *info)
{
	/* A member already listed is updated (their status changed), else added. */
	struct cl_roster_entry *e = (struct cl_roster_entry *)cl_conn_roster_find(c, info->id);
	if (!e && c->roster_count >= CL_MAX_ROSTER) {
		c->stats.roster_full++; /* not listed, so no event either */
		return;
	}
	roster_event(c, info->id, e ? CL_ROSTER_CHANGED : CL_ROSTER_JOINED, info->name);
	if (!e) {
		e = &c->roster[c->roster_count++];
		*e = (struct cl_roster_entry){.id = info->id};
	}
	e->role = info->role;
	e->same_name = info->same_name;
	e->status = info->status;
	e->author = info->author;
	core_strlcpy(e->user, info->user, sizeof(e->user));
	core_strlcpy(e->name, info->name, sizeof(e->name));
}

static void roster_remove(struct cl_conn *c, uint16_t id)
{
	for (int i = 0; i < c->roster_count; i++) {
		if (c->roster[i].id == id) {
			roster_event(c, id, CL_ROSTER_LEFT, c->roster[i].name);
			c->roster[i] = c->roster[--c->roster_count];
			return;
		}
	}
}

const struct cl_roster_entry *cl_conn_roster_find(const struct cl_conn *c, uint16_t id)
{
	for (int i = 0; i < c->roster_count; i++)
		if (c->roster[i].id == id)
			return &c->roster[i];
	return NULL;
}

const char *cl_roster_label(const struct cl_roster_entry *e, char *out, size_t size)
{
	if (e->same_name)
		snprintf(out, size, "%s (%u)", e->name, e->same_name);
	else
		snprintf(out, size, "%s", e->name);
	return out;
}

void cl_push_event(struct cl_conn *c, const struct cl_event *ev)
{
	if (c->event_head - c->event_tail == CL_EVENTS) {
		c->event_tail++;
		c->stats.events_dropped++;
	}
	c->events[c->event_head++ & (CL_EVENTS - 1)] = *ev;
}

bool cl_conn_next_event(struct cl_conn *c, struct cl_event *out)
{
	if (c->event_tail == c->event_head)
		return false;
	*out = c->events[c->event_tail++ & (CL_EVENTS - 1)];
	return true;
}

bool cl_conn_member_muted(const struct cl_conn *c, const struct cl_roster_entry *e)
{
	return proto_voice_held((enum proto_role)e->role, e->status & PROTO_STATUS_MUTED,
				c->room_mute_all, e->status & PROTO_STATUS_FLOOR);
}

bool cl_conn_member_priority(const struct cl_roster_entry *e)
{
	return e->broadcast || (e->status & PROTO_STATUS_FLOOR) || e->role == PROTO_ROLE_INSTRUCTOR;
}

bool cl_conn_self_muted(const struct cl_conn *c)
{
	const struct cl_roster_entry *me = cl_conn_roster_find(c, c->welcome.client_id);
	return me && cl_conn_member_muted(c, me);
}

static void on_mod_event(struct cl_conn *c, const struct proto_mod_event *m)
{
	if (m->refused)
		c->stats.refused_actions++;
	else if (m->action == PROTO_MSG_MUTE_ALL)
		c->room_mute_all = m->flag;
	if (!m->refused && m->action == PROTO_MSG_KICK && m->target == c->welcome.client_id) {
		c->kicked = true;
		snprintf(c->error, sizeof(c->error), "%.31s removed you from the room%s%s%.95s",
			 m->actor_name, m->flag ? " for the rest of the session" : "",
			 m->text[0] ? ": " : "", m->text);
	}
	struct cl_event ev = {.type = CL_EVENT_MODERATION, .mod = *m};
	cl_push_event(c, &ev);
}

static void on_speaking(struct cl_conn *c, const struct proto_speaking *m)
{
	for (int i = 0; i < c->roster_count; i++) {
		if (c->roster[i].id == m->id) {
			c->roster[i].speaking = m->speaking;
			c->roster[i].broadcast = m->broadcast;
		}
	}
	struct cl_event ev = {.type = CL_EVENT_SPEAKING, .speaking = *m};
	cl_push_event(c, &ev);
}

void cl_conn_set_voice_sink(struct cl_conn *c, cl_voice_fn fn, void *user)
{
	c->voice_fn = fn;
	c->voice_user = user;
}

void cl_conn_rx_timestamps(struct cl_conn *c, bool on)
{
	if (c->host)
		net_host_rx_timestamps(c->host, on);
}

enum core_result cl_conn_send_voice(struct cl_conn *c, const struct proto_voice_up *frame)
{
	if (c->state != CL_STATE_JOINED || !c->peer)
		return CORE_ERR_INVALID;
	uint32_t len = proto_encode_voice_up(frame, net_host_state_buf(c->host), NET_STATE_MESSAGE_MAX);
	if (!len || !net_host_state_send(c->host, c->peer, len))
		return CORE_ERR_INVALID;
	c->stats.voice_sent++;
	return CORE_OK;
}

static void on_voice(struct cl_conn *c, const uint8_t *msg, uint32_t len)
{
	struct proto_voice_down f;
	if (proto_decode_voice_down(msg, len, &f) != CORE_OK) {
		c->stats.decode_errors++;
		return;
	}
	c->stats.voice_received++;
	if (c->voice_fn)
		c->voice_fn(c->voice_user, &f, c->service_now_us, net_host_rx_realtime_ns(c->host));
}

/* A message on the reliable channels: the registry says whether a server
 * sends it, and on which path; anything else is counted and dropped. */
static void on_receive(struct cl_conn *c, enum net_channel channel, const uint8_t *data,
		       uint32_t len)
{
	uint8_t type = proto_msg_type(data, len);
	const struct proto_msg_spec *spec = proto_msg_spec(type);
	enum proto_path path = channel == NET_CH_LOG ? PROTO_PATH_LOG : PROTO_PATH_CONTROL;
	if (!spec || !(spec->direction & PROTO_TO_CLIENT) || spec->path != path ||
	    len > spec->max_size || !spec->decode || channel >= NET_CHANNEL_COUNT ||
	    channel == NET_CH_VOICE) {
		c->stats.decode_errors++;
		return;
	}
	if (type == PROTO_MSG_REFUSE) {
		on_refuse(c, data, len);
		return;
	}
	if (c->state == CL_STATE_HELLO_SENT && type == PROTO_MSG_WELCOME) {
		on_welcome(c, data, len);
		return;
	}
	if (c->state != CL_STATE_JOINED)
		return;
	/* The welcome's roster ends with its last info, even one we cannot
	 * read (counted below): what follows is news. */
	bool roster_ends = type == PROTO_MSG_AVATAR_INFO && !c->roster_settled &&
			   --c->roster_due == 0;
	union proto_any m;
	if (spec->decode(data, len, &m) != CORE_OK) {
		c->stats.decode_errors++;
		c->roster_settled |= roster_ends;
		return;
	}
	switch (type) {
	case PROTO_MSG_AVATAR_INFO:
		roster_add(c, &m.avatar_info);
		c->roster_settled |= roster_ends;
		break;
	case PROTO_MSG_AVATAR_GONE:
		roster_remove(c, m.avatar_gone);
		break;
	case PROTO_MSG_MOD_EVENT:
		on_mod_event(c, &m.mod_event);
		break;
	case PROTO_MSG_SPEAKING:
		on_speaking(c, &m.speaking);
		break;
	case PROTO_MSG_BOARD_LOG:
		cl_board_on_message(c, data, len);
		break;
	case PROTO_MSG_LESSON_TARGET:
		cl_board_on_target(c, &m.lesson_target);
		break;
	case PROTO_MSG_HAND_QUEUE: {
		c->hands = m.hand_queue;
		struct cl_event ev = {.type = CL_EVENT_HANDS};
		cl_push_event(c, &ev);
		break;
	}
	default:
		c->stats.decode_errors++;
		break;
	}
}

enum core_result cl_conn_moderate(struct cl_conn *c, uint8_t type, uint16_t target, bool flag,
				  const char *text)
{
	if (c->state != CL_STATE_JOINED || !c->peer)
		return CORE_ERR_INVALID;
	struct proto_mod_request m = {.type = type, .target = target, .flag = flag};
	if (core_strlcpy(m.text, text ? text : "", sizeof(m.text)) >= sizeof(m.text))
		return CORE_ERR_INVALID; /* not cut without a word */
	uint8_t buf[PROTO_MOD_TEXT_MAX + 8];
	uint32_t len = proto_encode_mod_request(&m, buf, sizeof(buf));
	if (!len)
		return CORE_ERR_INVALID;
	return net_host_send(c->host, c->peer, NET_CH_LOG, buf, len);
}

/* A state datagram that opened under the session key, from the server,
 * with our id: a snapshot; anything else is counted and dropped. */
static void cl_on_state(void *ctx, net_peer peer, uint8_t *msg, uint32_t len)
{
	struct cl_conn *c = ctx;
	(void)peer; /* the server: a client host has no other */
	/* The first snapshots leave by the server's state socket at once, its
	 * WELCOME by ENet's at the next flush: one may overtake it. Not a
	 * stray, just early. */
	if (c->state == CL_STATE_HELLO_SENT) {
		c->stats.early_snapshots++;
		return;
	}
	if (c->state != CL_STATE_JOINED) {
		c->stats.stray++;
		return;
	}
	uint8_t type = proto_msg_type(msg, len);
	if (type == PROTO_MSG_VOICE_FORWARD) {
		on_voice(c, msg, len);
		return;
	}
	if (type == PROTO_MSG_BOARD_LIVE) {
		if (proto_log_validate(msg, len) == CORE_OK)
			cl_board_on_message(c, msg, len);
		else
			c->stats.decode_errors++;
		return;
	}
	c->last_state_us = c->service_now_us;
	if (type == PROTO_MSG_SNAPSHOT && len <= PROTO_MAX_PACKET)
		on_snapshot(c, msg, len, c->service_now_us);
	else
		c->stats.decode_errors++;
}

static void on_disconnect(struct cl_conn *c, uint32_t code)
{
	c->peer = 0;
	if (c->state == CL_STATE_REFUSED || c->state == CL_STATE_FAILED)
		return;
	/* Connecting, the key exchange was answered: the server is there. A
	 * REFUSE that was sent comes first; without one, the server turned
	 * the connection away as it opened (sv_session.c) or it was lost. */
	if (c->state == CL_STATE_HELLO_SENT && code == NET_DISCONNECT_REFUSED)
		snprintf(c->error, sizeof(c->error),
			 "the server at %s turned the connection away before saying why (too many "
			 "connections from this address waiting to join, or its refusal was "
			 "lost); try again in a few seconds",
			 c->cfg.server);
	else if (c->state == CL_STATE_CONNECTING)
		snprintf(c->error, sizeof(c->error),
			 "the server at %s answered the key exchange, but the connection did not "
			 "open: the network is losing many packets (try again), or the server is "
			 "overloaded",
			 c->cfg.server);
	else if (code == NET_DISCONNECT_SHUTDOWN)
		snprintf(c->error, sizeof(c->error), "the server is shutting down");
	else if (code == NET_DISCONNECT_KICKED || c->kicked) {
		c->kicked = true;
		if (!c->error[0])
			snprintf(c->error, sizeof(c->error), "staff removed you from the room");
	} else
		snprintf(c->error, sizeof(c->error), "connection to %s lost", c->cfg.server);
	c->state = c->state == CL_STATE_CONNECTING ? CL_STATE_FAILED : CL_STATE_DISCONNECTED;
}

static void cl_on_net_event(void *ctx, const struct net_event *ev)
{
	struct cl_conn *c = ctx;
	switch (ev->type) {
	case NET_EVENT_CONNECT:
		send_hello(c);
		break;
	case NET_EVENT_RECEIVE:
		on_receive(c, ev->channel, ev->msg, ev->len);
		break;
	case NET_EVENT_DISCONNECT:
		on_disconnect(c, ev->data);
		break;
	}
}

/* Gives up on the connection (the server is not told): says why and ends
 * in state, FAILED before a join and DISCONNECTED after. */
CORE_PRINTF(3, 4)
static void give_up(struct cl_conn *c, enum cl_state state, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
	c->state = state;
	if (c->peer)
		net_host_reset(c->host, c->peer);
	c->peer = 0;
}

/* The connect timeout ran out: says how far the join got, since "no
 * answer" and "answered, then lost" call for different checks. */
static void give_up_connecting(struct cl_conn *c)
{
	unsigned s = CL_CONNECT_TIMEOUT_US / 1000000u;
	if (c->state == CL_STATE_SECURING)
		give_up(c, CL_STATE_FAILED,
			"no answer from the server at %s within %u s (its key exchange was never "
			"answered): is lyceum-server running there?",
			c->cfg.server, s);
	else if (c->state == CL_STATE_CONNECTING)
		give_up(c, CL_STATE_FAILED,
			"the server at %s answered the key exchange, but the connection did not "
			"open within %u s: the network is losing many packets (try again), or the "
			"server is overloaded",
			c->cfg.server, s);
	else
		give_up(c, CL_STATE_FAILED,
			"connected to %s, but it neither welcomed nor refused this client within "
			"%u s: the network is losing many packets (try again), or the server is "
			"overloaded",
			c->cfg.server, s);
}

void cl_conn_service(struct cl_conn *c, uint64_t now_us)
{
	if (!c->host)
		return;
	if (!c->connect_started_us)
		c->connect_started_us = now_us;
	c->service_now_us = now_us;
	if (c->state == CL_STATE_SECURING) {
		switch (net_host_secure(c->host, now_us)) {
		case NET_SECURE_READY: {
			uint32_t version =
				c->cfg.protocol_version ? c->cfg.protocol_version : PROTO_VERSION;
			c->peer = net_host_connect(c->host, version);
			if (!c->peer) {
				give_up(c, CL_STATE_FAILED, "cannot start a connection to %s",
					c->cfg.server);
				return;
			}
			c->state = CL_STATE_CONNECTING;
			break;
		}
		case NET_SECURE_FAILED:
			if (net_host_version_mismatch(c->host)) {
				core_strlcpy(c->refuse_message, net_host_error(c->host),
					     sizeof(c->refuse_message));
				c->refuse_reason = PROTO_REFUSE_VERSION;
				c->state = CL_STATE_REFUSED;
			} else {
				give_up(c, CL_STATE_FAILED, "%s: %s", c->cfg.server,
					net_host_error(c->host));
			}
			return;
		case NET_SECURE_PENDING:
			break;
		}
	}
	int got = net_host_service(c->host, now_us);
	cl_board_service(c, now_us);
	/* The socket is connected to the server, so the kernel tells when
	 * nothing listens there (ICMP port unreachable): no need to wait out
	 * the connect timeout. Once joined, silence decides (below); a refusal
	 * then may be a server restarting under the client. */
	if (got < 0 && errno == ECONNREFUSED &&
	    (c->state == CL_STATE_SECURING || c->state == CL_STATE_CONNECTING ||
	     c->state == CL_STATE_HELLO_SENT))
		give_up(c, CL_STATE_FAILED,
			"no answer from the server at %s: nothing listens on that port "
			"(connection refused); is lyceum-server running there?",
			c->cfg.server);
	/* The server finds a client gone by its silence, so one that sends no
	 * input for a while (a bot waiting for the rest of its crowd, an app
	 * stalled behind a dialog) sends an idle command: the avatar stays put
	 * and the server hears from it. */
	if (c->state == CL_STATE_JOINED && now_us - c->last_move_us >= CL_KEEPALIVE_US) {
		cl_conn_queue_input(c, 0, 0, c->predicted.yaw, 0, SIM_SEAT_NONE);
		cl_conn_flush_input(c, (uint32_t)now_us);
	}
	/* ENet pings rarely; a server that stopped sending snapshots is gone. */
	if (c->state == CL_STATE_JOINED && now_us - c->last_state_us > NET_SILENCE_MS * 1000ull)
		give_up(c, CL_STATE_DISCONNECTED, "connection to %s lost (no snapshots for %u s)",
			c->cfg.server, NET_SILENCE_MS / 1000u);
	if ((c->state == CL_STATE_SECURING || c->state == CL_STATE_CONNECTING ||
	     c->state == CL_STATE_HELLO_SENT) &&
	    now_us - c->connect_started_us > CL_CONNECT_TIMEOUT_US)
		give_up_connecting(c);
}

void cl_conn_queue_input(struct cl_conn *c, int8_t move_x, int8_t move_y, uint16_t yaw,
			 uint8_t buttons, uint16_t seat)
{
	if (c->state != CL_STATE_JOINED || !c->peer)
		return;
	uint32_t tick = c->next_tick++;
	struct sim_cmd *cmd = &c->history[tick & (CL_CMD_HISTORY - 1)];
	*cmd = (struct sim_cmd){
		.tick = tick, .move_x = move_x, .move_y = move_y, .yaw = yaw, .buttons = buttons,
		.seat = seat};
	struct sim_occupancy occ = cl_conn_occupancy(c);
	sim_step(c->world, c->welcome.tick_hz, &occ, &c->predicted, cmd);
}

void cl_conn_flush_input(struct cl_conn *c, uint32_t send_time_us)
{
	if (c->state != CL_STATE_JOINED || !c->peer || c->next_tick <= 1)
		return;
	uint32_t tick = c->next_tick - 1;
	struct proto_move m = {.count = 0,
			       .send_time_us = send_time_us,
			       .ack_seq = c->newest_seq,
			       .has_pose = c->has_pose,
			       .pose = c->pose,
			       .acked_tick = c->newest_seq ? c->snap.ack_tick : 0,
			       /* all of the send time at first, then now and then, so a
				* server that lost the first moves still learns it */
			       .full_time = c->moves_sent < 8 ||
					    c->moves_sent % PROTO_MOVE_FULL_TIME_EVERY == 0};
	for (uint32_t i = 0; i < PROTO_MOVE_CMDS && i < tick; i++) {
		const struct sim_cmd *h = &c->history[(tick - i) & (CL_CMD_HISTORY - 1)];
		if (h->tick != tick - i)
			break;
		m.cmds[m.count++] = *h;
	}
	uint8_t *buf = net_host_state_buf(c->host);
	uint32_t len = proto_encode_move(&m, tick, buf, NET_STATE_MESSAGE_MAX);
	c->moves_sent++;
	c->last_move_us = c->service_now_us;
	/* Out now, not at the next service call: input latency is the point. A
	 * move the socket refuses is lost like any datagram: the next one
	 * carries its commands again. */
	if (!len || !net_host_state_send(c->host, c->peer, len))
		return;
	cl_link_on_move(c, tick, send_time_us ? send_time_us : (uint32_t)c->service_now_us);
}

void cl_conn_input(struct cl_conn *c, int8_t move_x, int8_t move_y, uint16_t yaw,
		   uint8_t buttons, uint16_t seat, uint32_t send_time_us)
{
	cl_conn_queue_input(c, move_x, move_y, yaw, buttons, seat);
	cl_conn_flush_input(c, send_time_us);
}

void cl_conn_set_pose(struct cl_conn *c, const struct proto_pose *pose)
{
	c->has_pose = pose != NULL;
	if (pose)
		c->pose = *pose;
}

void cl_conn_drop(struct cl_conn *c)
{
	net_host_destroy(c->host);
	c->host = NULL;
	c->peer = 0;
	c->state = CL_STATE_DISCONNECTED;
}

void cl_conn_close(struct cl_conn *c, uint32_t wait_ms)
{
	/* Refused too: the server keeps the connection (and a place of its
	 * --max-clients) until its goodbye is acknowledged. */
	if (c->peer && (c->state == CL_STATE_JOINED || c->state == CL_STATE_REFUSED))
		net_host_shutdown(c->host, NET_DISCONNECT_LEAVE, wait_ms);
	cl_conn_drop(c);
}
