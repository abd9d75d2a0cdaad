/*
 * app_net.c: the connection's life as the user sees it. Joins, loses the
 * server, says why, and reconnects by itself with growing pauses (1, 2, 4,
 * 8, then every 10 s). A refusal for another protocol version is final:
 * retrying cannot help, so the message says to update instead.
 */
#include "app.h"

#include "plat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void app_notice(struct app *a, uint32_t argb, const char *fmt, ...)
{
	struct app_notice *slot = &a->notices[0];
	for (int i = 0; i < APP_MAX_NOTICES; i++)
		if (a->notices[i].until_us < slot->until_us)
			slot = &a->notices[i];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(slot->text, sizeof(slot->text), fmt, ap);
	va_end(ap);
	slot->argb = argb;
	slot->until_us = plat_time_us() + 5000000u;
	CORE_INFO("%s", slot->text);
}

void app_file_stamp(char out[16], struct tm *tm)
{
	struct tm local;
	time_t now = time(NULL);
	localtime_r(&now, &local);
	strftime(out, 16, "%Y%m%d-%H%M%S", &local);
	if (tm)
		*tm = local;
}

bool app_load_world(struct app *a, const char *path_or_name)
{
	char path[1024];
	if (strchr(path_or_name, '/') || strstr(path_or_name, ".tmj"))
		snprintf(path, sizeof(path), "%s", path_or_name);
	else
		snprintf(path, sizeof(path), "%s/%s.tmj", a->opt.worlds_dir, path_or_name);
	struct sim_world *w = calloc(1, sizeof(*w));
	struct sim_world_art art;
	if (!w || sim_world_load_art(path, w, &art, a->world_error, sizeof(a->world_error)) !=
			  CORE_OK) {
		if (!w)
			snprintf(a->world_error, sizeof(a->world_error), "out of memory");
		CORE_ERROR("%s", a->world_error);
		free(w);
		return false;
	}
	/* The tileset images too, here: the thread that draws reads no file. */
	struct rnd_world_images images;
	if (rnd_world_images_load(&art, &images) != CORE_OK) {
		snprintf(a->world_error, sizeof(a->world_error),
			 "the world '%.400s' has a tileset image that cannot be read (see the log "
			 "above)",
			 path);
		sim_world_art_free(&art);
		free(w);
		return false;
	}
	if (a->world) {
		sim_world_art_free(&a->art);
		rnd_world_images_free(&a->world_images);
		free(a->world);
	}
	a->world = w;
	a->art = art;
	a->world_images = images;
	a->world_ready = false;
	a->world_pending = true; /* the renderer takes it in app_world_sync */
	a->world_error[0] = '\0';
	return true;
}

bool app_world_sync(struct app *a)
{
	if (!a->world_pending)
		return true;
	a->world_pending = false;
	if (rnd_set_world(a->rnd, a->world, &a->art, &a->world_images) != CORE_OK) {
		snprintf(a->world_error, sizeof(a->world_error),
			 "the world '%.400s' could not be drawn (see the log above)", a->world->name);
		app_notice(a, 0xfff05a5au, "The room cannot be drawn: %s", a->world_error);
		return false;
	}
	a->world_ready = true;
	rnd_world_images_free(&a->world_images); /* the renderer has its own copies */
	return true;
}

/* The client core asks for the world the server names in WELCOME. */
static const struct sim_world *world_for(void *user, const char *name)
{
	struct app *a = user;
	if (a->world && !strcmp(a->world->name, name))
		return a->world;
	return app_load_world(a, name) ? a->world : NULL;
}

void app_net_start(struct app *a, uint64_t now_us)
{
	struct cl_conn_config cfg = {
		.server = a->opt.server,
		.room = a->opt.room ? a->opt.room : "",
		.name = a->opt.name,
		.role = a->opt.role,
		.spawn_zone = a->opt.zone,
	};
	/* A reconnect after a join uses the server's resume ticket: the join
	 * token admitted one connection and was spent on it. */
	if (a->has_server_key)
		cfg.server_key = a->server_key;
	if (a->resume_len) {
		cfg.token_kind = PROTO_TOKEN_RESUME;
		cfg.token = a->resume_ticket;
		cfg.token_len = a->resume_len;
	} else if (a->opt.token) {
		cfg.token_kind = PROTO_TOKEN_JOIN;
		cfg.token = (const uint8_t *)a->opt.token;
		cfg.token_len = (uint16_t)strlen(a->opt.token);
		cfg.room = a->opt.room ? a->opt.room : "";
	}
	a->attempts++;
	a->link = APP_LINK_CONNECTING;
	snprintf(a->link_message, sizeof(a->link_message), "Connecting to %s ...", a->opt.server);
	if (cl_conn_start(&a->conn, &cfg, world_for, a) == CORE_OK) {
		app_chat_attach(a);
	} else {
		a->link = APP_LINK_WAITING;
		snprintf(a->link_message, sizeof(a->link_message), "Cannot connect to %s: %s",
			 a->opt.server, a->conn.error);
		a->reconnect_at_us = now_us + 2000000u;
	}
}

static uint64_t backoff_us(int attempts)
{
	static const uint32_t s[] = {1, 2, 4, 8, 10};
	int i = CORE_CLAMP(attempts - 1, 0, (int)CORE_ARRAY_LEN(s) - 1);
	return (uint64_t)s[i] * 1000000u;
}

/* Refusals that trying again cannot change: the user must act (update,
 * ask for a token, choose a name). A full or locked room may open again. */
static bool refusal_is_final(uint8_t reason)
{
	switch (reason) {
	case PROTO_REFUSE_FULL:
	case PROTO_REFUSE_ROOM_LOCKED:
	case PROTO_REFUSE_SHUTDOWN:
	case PROTO_REFUSE_TIMEOUT:
	case PROTO_REFUSE_WORLD:
		return false;
	default:
		return true;
	}
}

static void lost(struct app *a, uint64_t now_us)
{
	const struct cl_conn *c = &a->conn;
	bool final = false;
	char why[400];
	if (c->state == CL_STATE_REFUSED) {
		final = refusal_is_final(c->refuse_reason);
		/* A ticket that did not work will not work later either. */
		a->resume_len = 0;
		snprintf(why, sizeof(why), "The server refused to let you in: %.200s",
			 c->refuse_message[0] ? c->refuse_message : "no reason given");
	} else if (c->kicked) {
		/* Staff removed us: trying again would only be refused. */
		final = true;
		snprintf(why, sizeof(why), "%.300s", c->error);
	} else if (a->link == APP_LINK_JOINED) {
		snprintf(why, sizeof(why), "Connection to %.64s lost%s%.200s", a->opt.server,
			 c->error[0] ? ": " : "", c->error);
	} else {
		snprintf(why, sizeof(why), "Cannot reach %.64s%s%.200s", a->opt.server,
			 c->error[0] ? ": " : "", c->error);
	}
	/* A refused connection says goodbye and waits a moment for it to be
	 * taken, so the place it held on the server is free for the retry. */
	cl_conn_close(&a->conn, c->state == CL_STATE_REFUSED ? 300 : 0);
	if (final) {
		a->link = APP_LINK_GIVEN_UP;
		snprintf(a->link_message, sizeof(a->link_message), "%s%s", why,
			 c->refuse_reason == PROTO_REFUSE_VERSION
				 ? ". Install the Lyceum version the server runs, then start again."
				 : ".");
	} else {
		a->link = APP_LINK_WAITING;
		uint64_t wait = backoff_us(a->attempts);
		a->reconnect_at_us = now_us + wait;
		size_t n = strlen(why);
		bool stop = n && (why[n - 1] == '.' || why[n - 1] == '?' || why[n - 1] == '!');
		snprintf(a->link_message, sizeof(a->link_message), "%s%s", why, stop ? "" : ".");
	}
	CORE_WARN("%s", a->link_message);
	a->self_index = -1;
}

void app_net_update(struct app *a, uint64_t now_us)
{
	switch (a->link) {
	case APP_LINK_DEMO:
	case APP_LINK_GIVEN_UP:
		return;
	case APP_LINK_WAITING:
		if (now_us >= a->reconnect_at_us)
			app_net_start(a, now_us);
		return;
	case APP_LINK_CONNECTING:
	case APP_LINK_JOINED:
		break;
	}
	cl_conn_service(&a->conn, now_us);
	struct cl_conn *c = &a->conn;
	if (c->state == CL_STATE_JOINED && a->link == APP_LINK_CONNECTING) {
		a->link = APP_LINK_JOINED;
		a->attempts = 0;
		a->next_tick_us = now_us;
		a->has_target = false;
		a->target_seat = -1;
		app_notice(a, 0xff8fd694, "%s room '%s' as %s%s%s",
			   a->ever_joined ? "Back in" : "Joined", c->welcome.room, c->welcome.name,
			   c->welcome.role != PROTO_ROLE_STUDENT ? ", " : "",
			   c->welcome.role != PROTO_ROLE_STUDENT
				   ? proto_role_name((enum proto_role)c->welcome.role)
				   : "");
		a->room_locked = (c->welcome.room_flags & PROTO_ROOM_LOCKED) != 0;
		memcpy(a->resume_ticket, c->welcome.ticket, c->welcome.ticket_len);
		a->resume_len = c->welcome.ticket_len;
		if (c->has_server_key) {
			memcpy(a->server_key, c->server_key, sizeof(a->server_key));
			a->has_server_key = true;
		}
		a->ever_joined = true;
		a->link_message[0] = '\0';
	}
	if (c->state == CL_STATE_REFUSED || c->state == CL_STATE_DISCONNECTED ||
	    c->state == CL_STATE_FAILED) {
		lost(a, now_us);
		return;
	}
	if (a->link != APP_LINK_JOINED)
		return;
	app_moderate_events(a); /* joins and leaves come as roster events */
}

void app_net_close(struct app *a)
{
	if (a->link == APP_LINK_CONNECTING || a->link == APP_LINK_JOINED)
		cl_conn_close(&a->conn, 300);
}
