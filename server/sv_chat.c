/*
 * Text chat in the room's op log (sv_log.h): room and zone messages,
 * staff announcements, questions that staff mark answered. A chat op is
 * checked like a board op and logged in the same seq order, so a late
 * joiner sees the same conversation, in the same order, as the room did.
 */
#include "sv.h"

#include "proto/perm.h"

#include <stddef.h>
#include <string.h>

const struct sv_chat_entry *sv_chat_history(const struct sv_log *log, uint32_t i)
{
	return &log->chat[i];
}

const struct sv_chat_entry *sv_chat_named_line(const struct sv_log *log,
					       const struct proto_log_op *op)
{
	uint16_t author = op->op.target_author ? op->op.target_author : op->author;
	for (uint32_t i = 0; i < log->chat_count; i++) {
		const struct sv_chat_entry *e = sv_chat_history(log, i);
		if (e->author == author && e->op_id == op->op.target_op)
			return e;
	}
	return NULL;
}

int sv_chat_check(const struct sv_client *c, const struct sv_log *log, struct proto_log_op *op,
		  enum proto_perm *need)
{
	enum proto_role role = (enum proto_role)c->role;
	if (op->kind == PROTO_LOG_REMOVE) {
		*need = PROTO_PERM_REMOVE_CHAT;
		if (!proto_perm_allows(role, PROTO_PERM_REMOVE_CHAT))
			return PROTO_LOG_REFUSED_ROLE;
		const struct sv_chat_entry *e = sv_chat_named_line(log, op);
		if (!e)
			return PROTO_LOG_REFUSED_NO_LINE;
		/* As moderation: staff's lines only by a higher rank (an
		 * instructor's by nobody), one's own by oneself. */
		*need = PROTO_PERM_NONE; /* the rank, not a permission */
		return e->author == c->author || sv_outranks(role, e->role) ? SIM_BOARD_APPLIED
									   : PROTO_LOG_REFUSED_ROLE;
	}
	if (op->kind == PROTO_LOG_ANSWER) {
		*need = PROTO_PERM_ANNOUNCE;
		if (!proto_perm_allows(role, PROTO_PERM_ANNOUNCE))
			return PROTO_LOG_REFUSED_ROLE;
		const struct sv_chat_entry *e = sv_chat_named_line(log, op);
		return e && e->chat.scope == PROTO_CHAT_QUESTION && !e->chat.answered
			       ? SIM_BOARD_APPLIED
			       : PROTO_LOG_REFUSED_NO_QUESTION;
	}
	struct proto_chat *chat = &op->chat;
	if (chat->scope == PROTO_CHAT_ANNOUNCE && !proto_perm_allows(role, PROTO_PERM_ANNOUNCE)) {
		*need = PROTO_PERM_ANNOUNCE;
		return PROTO_LOG_REFUSED_ROLE;
	}
	if (chat->scope == PROTO_CHAT_ZONE && c->avatar.zone >= SIM_MAX_ZONES)
		return PROTO_LOG_REFUSED_NO_ZONE;
	/* What others read about the sender is the server's word. */
	chat->zone = chat->scope == PROTO_CHAT_ZONE ? c->avatar.zone : 0;
	chat->answered = false;
	core_strlcpy(chat->name, c->name, sizeof(chat->name));
	return SIM_BOARD_APPLIED;
}

bool sv_chat_apply(struct sv_log *log, uint16_t author, uint8_t role, uint32_t op_id,
		   const struct proto_log_op *op)
{
	if (op->kind == PROTO_LOG_REMOVE) { /* out of the history: no snapshot carries it */
		uint16_t target = op->op.target_author ? op->op.target_author : author;
		uint32_t kept = 0;
		for (uint32_t i = 0; i < log->chat_count; i++)
			if (log->chat[i].author != target || log->chat[i].op_id != op->op.target_op)
				log->chat[kept++] = log->chat[i];
		log->chat_count = kept;
		return false;
	}
	if (op->kind == PROTO_LOG_ANSWER) {
		uint16_t target = op->op.target_author ? op->op.target_author : author;
		for (uint32_t i = 0; i < log->chat_count; i++) {
			struct sv_chat_entry *e = &log->chat[i];
			if (e->author == target && e->op_id == op->op.target_op)
				e->chat.answered = true;
		}
		return false;
	}
	if (op->chat.scope == PROTO_CHAT_ZONE)
		return false; /* never in a snapshot: see PROTO_CHAT_HISTORY */
	bool dropped_open = proto_chat_make_room(log->chat, sizeof(log->chat[0]),
						 offsetof(struct sv_chat_entry, chat), &log->chat_count);
	log->chat[log->chat_count] = (struct sv_chat_entry){author, op_id, op->chat, role};
	log->chat_count++;
	return dropped_open;
}
