/**
 * @file perm.h
 * @brief The role permission matrix: what each role may do in a room.
 *
 * One table (perm.c) that the server enforces for every message a client
 * sends and that the README prints. Roles come only from a signed join
 * token (or, on an open development server, are "student"); a client's
 * claim in HELLO is never trusted. Observers receive everything and send
 * only their presence.
 */
#pragma once

#include "msg.h"

#include <stdbool.h>

enum proto_perm {
	PROTO_PERM_PRESENCE,        /* move, sit on the floor, send a head and hands */
	PROTO_PERM_SPEAK,           /* voice to their zone */
	PROTO_PERM_BROADCAST_VOICE, /* voice to the whole room */
	PROTO_PERM_DRAW,
	PROTO_PERM_ERASE_OTHERS,    /* erase or undo someone else's strokes */
	PROTO_PERM_CLEAR_BOARD,
	PROTO_PERM_GRAB,            /* grab and carry items */
	PROTO_PERM_RETURN_ITEMS,    /* send items home, from whoever holds them */
	PROTO_PERM_SIT,
	PROTO_PERM_CHAT,
	PROTO_PERM_ANNOUNCE,        /* a message shown to everyone */
	PROTO_PERM_REMOVE_CHAT,     /* take a chat line out of the room's history */
	PROTO_PERM_RAISE_HAND,
	PROTO_PERM_GIVE_FLOOR,      /* take someone from the hand queue */
	PROTO_PERM_MUTE,            /* mute and unmute others, mute all */
	PROTO_PERM_KICK,            /* kick, and ban for the rest of the session */
	PROTO_PERM_LOCK_ROOM,       /* only staff may join */
	PROTO_PERM_LESSON,          /* start a lesson, change its step */
	PROTO_PERM_MOVE_USER,       /* move someone to a zone */
	PROTO_PERM_RECORD,
	PROTO_PERM_FULL_ROSTER,     /* user ids and who holds which role */
	PROTO_PERM_COUNT,
};

/** May a member of this role do this? False for an unknown role. */
bool proto_perm_allows(enum proto_role role, enum proto_perm perm);
/** Staff: TA or instructor. */
bool proto_role_is_staff(enum proto_role role);
/** Is a member's voice held back by the server: muted by staff, or by the
 * room's mute-all, which spares staff and whoever holds the floor? The one
 * rule the server (which drops the frames) and clients (which show it) use. */
bool proto_voice_held(enum proto_role role, bool muted, bool room_mute_all, bool has_floor);
/** "speak", "kick", ...: the README's and the refusal messages' words. */
const char *proto_perm_name(enum proto_perm perm);
