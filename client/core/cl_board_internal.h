/* Between the board's replica (cl_board.c) and the actions that feed its
 * queue (cl_board_act.c); not for the app. */
#pragma once

#include "cl.h"

/* Queues an op of ours for the log: its op id, or 0 when it cannot go
 * (the queue full, no author number, an op that cannot be said). */
uint32_t cl_board_queue(struct cl_conn *c, const struct proto_board_up *up);
