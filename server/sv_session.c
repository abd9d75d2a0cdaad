/* Connections: the server's start and stop, a peer's connect, hello,
 * refusal, drop and silence; the room a hello enters is sv_room.c's. */
#include "sv.h"
#include "proto/perm.h"
#include "proto/text.h"
#include "sim/world_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* The server's X25519 key: --server-key, else server.key beside the token
 * key (lyceum-token keygen makes both); an open server without one makes a
 * key for this run, which clients cannot check. */
static enum core_result server_key(const struct sv_config *cfg, uint8_t sk[NET_SERVER_KEY_BYTES])
{
	char path[600], err[700];
	if (cfg->server_key[0]) {
		core_strlcpy(path, cfg->server_key, sizeof(path));
	} else if (cfg->token_key[0]) {
		if (!net_key_file_beside(cfg->token_key, "server.key", path, sizeof(path))) {
			CORE_ERROR("--token-key: the path is too long");
			return CORE_ERR_INVALID;
		}
	} else {
		uint8_t pk[NET_SERVER_KEY_BYTES];
		if (net_server_keygen(pk, sk) != CORE_OK)
			return CORE_ERR_IO;
		CORE_INFO("no --server-key: a new server key for this run (an open server; clients "
			  "cannot check that they reach this one)");
		return CORE_OK;
	}
	if (net_server_key_read(path, sk, true, err, sizeof(err)) != CORE_OK) {
		CORE_ERROR("%s%s", err,
			   cfg->server_key[0] ? ""
					      : " (looked for it beside --token-key; give --server-key "
						"FILE: lyceum-token keygen writes server.key next to "
						"token.pub)");
		return CORE_ERR_INVALID;
	}
	return CORE_OK;
}

enum core_result sv_server_init(struct sv_server *sv, const struct sv_config *cfg)
{
	memset(sv, 0, sizeof(*sv));
	sv->cfg = *cfg;
	sv->clients = calloc((size_t)cfg->max_clients + 1, sizeof(*sv->clients));
	/* Every client's own view, for zones too big for one snapshot: the
	 * pages of clients that never need one are never touched. */
	sv->views = calloc((size_t)cfg->max_clients + 1, sizeof(*sv->views));
	if (!sv->clients || !sv->views)
		return CORE_ERR_NOMEM;
	/* Worlds load now: a bad default world stops the server at start, not
	 * at the first join of a lesson; a bad world of one room closes only
	 * that room. */
	if (sv_worlds_init(sv) != CORE_OK)
		return CORE_ERR_INVALID;
	sv_lesson_announce_dir(sv->cfg.lessons_dir);
	if (sv_admit_init(sv) != CORE_OK)
		return CORE_ERR_INVALID;
	uint8_t sk[NET_SERVER_KEY_BYTES];
	enum core_result r = server_key(cfg, sk);
	if (r == CORE_OK)
		r = net_server_key_public(sk, sv->admit.server_pk);
	if (r == CORE_OK && sv_input_check() != CORE_OK)
		r = CORE_ERR_INVALID;
	if (r == CORE_OK) {
		/* A few peers past --max-clients, so a client over the limit hears
		 * "full" instead of silence. Handshakes per address follow the
		 * pending connections it may have: a class behind one NAT (and the
		 * bench's bots) join at once. */
		const struct net_server_config nc = {
			.bind = cfg->bind,
			.port = cfg->port,
			.max_peers = (size_t)cfg->max_clients + SV_SPARE_PEERS,
			.state_socket = cfg->state_socket != 0,
			.static_sk = sk,
			.max_sessions = (size_t)cfg->max_clients + 256,
			.sessions_per_address = (size_t)cfg->max_per_address + 16,
			.peers_per_address = (size_t)cfg->max_per_address,
			.handshakes_per_s = (uint32_t)CORE_MAX(32, cfg->max_pending_per_address / 2),
			.handshake_burst = (uint32_t)cfg->max_pending_per_address,
		};
		const struct net_host_handlers handlers = {
			.on_event = sv_on_net_event,
			.on_state = sv_on_state,
			.prefetch = sv_prefetch_client,
			.ctx = sv,
		};
		r = net_host_server(&nc, &handlers, &sv->net);
	}
	memset(sk, 0, sizeof(sk)); /* the host keeps its own copy */
	if (r != CORE_OK)
		return r;
	sv->state_socket = net_host_has_state_socket(sv->net);
	return CORE_OK;
}

void sv_server_fini(struct sv_server *sv)
{
	net_host_destroy(sv->net);
	sv->net = NULL;
	sv_admit_fini(sv);
	sv_rooms_fini(sv);
	free(sv->clients);
	free(sv->views);
	sv_worlds_fini(sv);
	memset(sv, 0, sizeof(*sv));
}

/* The client slot a peer takes (its number is the client's id); NULL for
 * the spare peers past --max-clients. */
static struct sv_client *client_of(struct sv_server *sv, net_peer peer)
{
	if (peer == 0 || peer > sv->cfg.max_clients)
		return NULL;
	return &sv->clients[peer];
}

/* A client's display name as a log field: quoted, so it cannot forge fields. */
const char *sv_qname(const struct sv_client *c, char out[PROTO_QUOTED_MAX])
{
	return proto_log_quote(out, PROTO_QUOTED_MAX, c->name);
}

static void peer_address(const struct sv_server *sv, net_peer peer, char *out, size_t size)
{
	struct net_addr a = net_host_peer_address(sv->net, peer);
	net_addr_format(&a, out, size);
}

void sv_send_control(const struct sv_server *sv, struct sv_client *c, const uint8_t *buf,
		     uint32_t len)
{
	if (!net_host_connected(sv->net, c->peer))
		return; /* leaving already: nothing to tell it */
	if (len && net_host_send(sv->net, c->peer, NET_CH_CONTROL, buf, len) != CORE_OK)
		CORE_WARN("client=%u: control message of %u bytes not queued", c->id, len);
}

void sv_refuse(struct sv_server *sv, net_peer peer, enum proto_refuse_reason reason,
	       uint16_t client_version, const char *message)
{
	struct proto_refuse m = {.reason = (uint8_t)reason,
				 .server_version = PROTO_VERSION,
				 .client_version = client_version};
	core_strlcpy(m.message, message, sizeof(m.message));
	sv->admit.refused++;
	uint8_t buf[256];
	uint32_t len = proto_encode_refuse(&m, buf, sizeof(buf));
	if (len && net_host_send(sv->net, peer, NET_CH_CONTROL, buf, len) != CORE_OK)
		CORE_WARN("refusal not queued");
	net_host_turn_away(sv->net, peer, NET_DISCONNECT_REFUSED);
	/* One line per refusal, up to SV_REFUSE_LOG_BURST a second: a flood of
	 * bad hellos cannot fill the log (the rest are counted). */
	uint64_t second = sv->now_us / 1000000u;
	if (second != sv->refuse_log_second) {
		sv->refuse_log_second = second;
		sv->refuse_log_count = 0;
	}
	if (sv->refuse_log_count++ < SV_REFUSE_LOG_BURST) {
		char addr[64];
		peer_address(sv, peer, addr, sizeof(addr));
		CORE_INFO("refuse addr=%s reason=%s: %s", addr, proto_refuse_reason_name(reason),
			  message);
	} else {
		sv->refuse_log_dropped++;
	}
	struct sv_client *c = client_of(sv, peer);
	if (c && c->state != SV_CLIENT_JOINED)
		c->state = SV_CLIENT_FREE;
}

void sv_on_connect(struct sv_server *sv, net_peer peer, uint32_t version)
{
	struct sv_client *c = client_of(sv, peer);
	if (!c) {
		char msg[200];
		snprintf(msg, sizeof(msg), "the server is full (it admits %d at a time); try again later",
			 sv->cfg.max_clients);
		sv_refuse(sv, peer, PROTO_REFUSE_FULL, (uint16_t)version, msg);
		return;
	}
	if (version != PROTO_VERSION) {
		char msg[200];
		snprintf(msg, sizeof(msg),
			 "protocol version mismatch: this server speaks version %u, your client "
			 "speaks version %u; install a client of the server's version",
			 PROTO_VERSION, version);
		sv_refuse(sv, peer, PROTO_REFUSE_VERSION, (uint16_t)version, msg);
		return;
	}
	/* Connections that have not said HELLO yet cost a slot each: one
	 * address may hold only so many (a class behind one NAT joins in a
	 * few seconds; a flood from one address waits for its own to end). */
	const struct net_addr addr = net_host_peer_address(sv->net, peer);
	int pending = 0;
	for (int i = 1; i <= sv->cfg.max_clients; i++)
		pending += sv->clients[i].state == SV_CLIENT_CONNECTING &&
			   sv->clients[i].addr.ip == addr.ip;
	if (pending >= sv->cfg.max_pending_per_address) {
		if (sv->admit.pending_refused++ == 0) {
			char text[64];
			net_addr_format(&addr, text, sizeof(text));
			CORE_WARN("addr=%s has %d connections waiting for their hello; further ones "
				  "are dropped (counted in the stats line's pending_refused=)",
				  text, pending);
		}
		/* One small datagram back, smaller than the CONNECT that caused it;
		 * its session goes with it. */
		net_host_disconnect_now(sv->net, peer, NET_DISCONNECT_REFUSED);
		return;
	}
	memset(c, 0, sizeof(*c));
	c->state = SV_CLIENT_CONNECTING;
	c->id = (uint16_t)(c - sv->clients);
	c->peer = peer;
	c->addr = addr;
	c->connected_us = sv->now_us;
}

/* The client's slot is free again; its peer is let go and, with
 * end_peer, disconnected at once (it ended on its own otherwise). */
void sv_client_drop(struct sv_server *sv, struct sv_client *c, const char *why, bool end_peer)
{
	if (c->state == SV_CLIENT_JOINED && c->room)
		sv_room_leave(sv, c, why);
	net_peer peer = c->peer;
	c->state = SV_CLIENT_FREE;
	c->peer = 0;
	if (peer && end_peer)
		net_host_disconnect_now(sv->net, peer, NET_DISCONNECT_NONE);
}

void sv_client_expel(struct sv_server *sv, struct sv_client *c, const char *why)
{
	/* Out of the room now, not when the disconnect has been delivered: a
	 * client being thrown out gets nothing more processed, and its ticket
	 * does not bring it back (only a timeout leaves one resumable). */
	if (c->state == SV_CLIENT_JOINED && c->room)
		sv_room_leave(sv, c, why);
	c->state = SV_CLIENT_FREE;
	if (c->peer)
		net_host_turn_away(sv->net, c->peer, NET_DISCONNECT_VIOLATION);
}

void sv_on_disconnect(struct sv_server *sv, net_peer peer, bool timed_out)
{
	struct sv_client *c = client_of(sv, peer);
	if (c && c->peer == peer)
		sv_client_drop(sv, c, timed_out ? "timeout" : "disconnect", false);
}

void sv_on_hello(struct sv_server *sv, struct sv_client *c, const struct proto_hello *hp)
{
	const struct proto_hello hello = *hp;
	char msg[200];
	if (hello.version != PROTO_VERSION) {
		snprintf(msg, sizeof(msg),
			 "protocol version mismatch: this server speaks version %u, your client "
			 "speaks version %u",
			 PROTO_VERSION, hello.version);
		sv_refuse(sv, c->peer, PROTO_REFUSE_VERSION, hello.version, msg);
		return;
	}
	struct sv_identity id;
	enum proto_refuse_reason reason;
	if (!sv_admit_hello(sv, &hello, &id, &reason, msg, sizeof(msg))) {
		sv_refuse(sv, c->peer, reason, hello.version, msg);
		return;
	}
	/* A resume that overtook the server's noticing the old connection end:
	 * the old one is a ghost of this client, and goes. */
	struct sv_client *ghost = sv_admit_ghost(sv, &id);
	if (ghost && ghost != c)
		sv_client_drop(sv, ghost, "replaced", true);
	if (!sv_room_enter(sv, c, &hello, &id, &reason, msg, sizeof(msg)))
		sv_refuse(sv, c->peer, reason, hello.version, msg);
}

/* ENet pings rarely (NET_PING_INTERVAL_MS), so a client that vanished is
 * found by its state datagrams stopping: every client sends moves at its
 * input rate. Told like a timeout, and its slot freed at once. */
void sv_drop_silent(struct sv_server *sv, uint64_t now_us)
{
	for (int id = 1; id <= sv->cfg.max_clients; id++) {
		struct sv_client *c = &sv->clients[id];
		if (c->state == SV_CLIENT_CONNECTING && c->peer &&
		    now_us - c->connected_us >= SV_HELLO_TIMEOUT_US) {
			/* Connected and silent: a slot held by someone who will not say
			 * who they are. Told why, in case it is a client stuck behind a
			 * very bad link. */
			if (sv->admit.hello_timeouts++ == 0) {
				char addr[64];
				net_addr_format(&c->addr, addr, sizeof(addr));
				CORE_WARN("addr=%s connected but sent no hello within %u s; dropped "
					  "(further ones are counted in the stats line's hello_timeouts=)",
					  addr, (unsigned)(SV_HELLO_TIMEOUT_US / 1000000u));
			}
			sv_refuse(sv, c->peer, PROTO_REFUSE_TIMEOUT, 0,
				  "no hello within the time allowed after connecting");
			sv_client_drop(sv, c, "hello timeout", false); /* it ends after the refusal */
			continue;
		}
		if (c->state != SV_CLIENT_JOINED || !c->peer ||
		    now_us - c->last_state_us < NET_SILENCE_MS * 1000ull)
			continue;
		sv_client_drop(sv, c, "timeout", true);
	}
}
