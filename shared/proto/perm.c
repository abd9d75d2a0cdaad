#include "perm.h"

/* S: student, T: TA, I: instructor, O: observer. */
#define S (1u << PROTO_ROLE_STUDENT)
#define T (1u << PROTO_ROLE_TA)
#define I (1u << PROTO_ROLE_INSTRUCTOR)
#define O (1u << PROTO_ROLE_OBSERVER)

static const struct {
	const char *name;
	unsigned roles;
} perms[PROTO_PERM_COUNT] = {
	[PROTO_PERM_PRESENCE] = {"presence", S | T | I | O},
	[PROTO_PERM_SPEAK] = {"speak", S | T | I},
	[PROTO_PERM_BROADCAST_VOICE] = {"broadcast voice to the room", I},
	[PROTO_PERM_DRAW] = {"draw", S | T | I},
	[PROTO_PERM_ERASE_OTHERS] = {"erase others' strokes", T | I},
	[PROTO_PERM_CLEAR_BOARD] = {"clear a board", T | I},
	[PROTO_PERM_GRAB] = {"grab items", S | T | I},
	[PROTO_PERM_RETURN_ITEMS] = {"send items home", T | I},
	[PROTO_PERM_SIT] = {"sit", S | T | I},
	[PROTO_PERM_CHAT] = {"chat", S | T | I},
	[PROTO_PERM_ANNOUNCE] = {"announce", T | I},
	[PROTO_PERM_REMOVE_CHAT] = {"remove chat lines", T | I},
	[PROTO_PERM_RAISE_HAND] = {"raise a hand", S | T},
	[PROTO_PERM_GIVE_FLOOR] = {"give the floor", T | I},
	[PROTO_PERM_MUTE] = {"mute and unmute others", T | I},
	[PROTO_PERM_KICK] = {"kick and ban", T | I},
	[PROTO_PERM_LOCK_ROOM] = {"lock the room", I},
	[PROTO_PERM_LESSON] = {"start a lesson and change its step", I},
	[PROTO_PERM_MOVE_USER] = {"move someone to a zone", T | I},
	[PROTO_PERM_RECORD] = {"record", I},
	[PROTO_PERM_FULL_ROSTER] = {"see the full roster", T | I | O},
};

bool proto_perm_allows(enum proto_role role, enum proto_perm perm)
{
	if ((unsigned)role >= PROTO_ROLE_COUNT || (unsigned)perm >= PROTO_PERM_COUNT)
		return false;
	return (perms[perm].roles >> role) & 1u;
}

bool proto_role_is_staff(enum proto_role role)
{
	return role == PROTO_ROLE_TA || role == PROTO_ROLE_INSTRUCTOR;
}

bool proto_voice_held(enum proto_role role, bool muted, bool room_mute_all, bool has_floor)
{
	return muted || (room_mute_all && !proto_role_is_staff(role) && !has_floor);
}

const char *proto_perm_name(enum proto_perm perm)
{
	return (unsigned)perm < PROTO_PERM_COUNT ? perms[perm].name : "?";
}
