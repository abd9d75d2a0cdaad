/* The client core's own view of its board ops before the server confirms
 * them (cl_board_act.c): which stroke undo and redo name, counting ops still
 * on their way, and the ink those ops carry, which the app draws until the
 * log has it. No network: the ops wait in the queue, as on a slow link. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cl.h"

static struct cl_conn g_conn;
static struct cl_board g_board;

static int setup(void **state)
{
	(void)state;
	memset(&g_conn, 0, sizeof(g_conn));
	if (cl_board_init(&g_board) != CORE_OK)
		return -1;
	sim_board_set_size(&g_board.boards, 0, 4000, 2000);
	g_board.author = 1;
	g_conn.board = &g_board;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cl_board_fini(&g_board);
	return 0;
}

static struct sim_board_op begin(int x)
{
	struct sim_board_op op = {.kind = SIM_OP_BEGIN, .width = 8, .color = 0x102030ffu, .count = 2,
				  .x = {x, x + 10}, .y = {100, 100}, .p = {128, 128}};
	return op;
}

static void undo_and_redo_count_ops_on_their_way(void **state)
{
	(void)state;
	/* The log holds stroke 1 of ours, and stroke 1 of author 2. */
	struct sim_board_op a = begin(100), theirs = begin(900);
	assert_int_equal(sim_board_apply(&g_board.boards, 1, 1, 1, &a), SIM_BOARD_APPLIED);
	assert_int_equal(sim_board_apply(&g_board.boards, 2, 1, 2, &theirs), SIM_BOARD_APPLIED);
	g_board.next_op_id = 1;
	assert_int_equal(cl_board_undo_target(&g_board, false, false, NULL), 1);
	assert_int_equal(cl_board_undo_target(&g_board, true, false, NULL), 0);
	/* A stroke on its way is the newest: undo names it. */
	struct sim_board_op b = begin(300);
	uint32_t b_id = cl_board_send(&g_conn, &b);
	assert_int_equal(b_id, 2);
	assert_int_equal(cl_board_undo_target(&g_board, false, false, NULL), b_id);
	/* Its undo on its way too: the next undo names the log's stroke, and
	 * redo names the one just undone (both still unconfirmed). */
	struct sim_board_op u = {.kind = SIM_OP_UNDO, .target_op = b_id};
	assert_int_not_equal(cl_board_send(&g_conn, &u), 0);
	assert_int_equal(cl_board_undo_target(&g_board, false, false, NULL), 1);
	assert_int_equal(cl_board_undo_target(&g_board, true, false, NULL), b_id);
	assert_true(cl_board_undo_on_its_way(&g_board, &(struct sim_stroke){.author = 1, .op_id = b_id}));
	/* Stroke 1 undone by author 2 (staff erasing it): ours to keep off. */
	struct sim_board_op erase = {.kind = SIM_OP_UNDO, .target_author = 1, .target_op = 1};
	assert_int_equal(sim_board_apply(&g_board.boards, 2, 2, 3, &erase), SIM_BOARD_APPLIED);
	assert_int_equal(cl_board_undo_target(&g_board, false, false, NULL), 0);
	assert_int_equal(cl_board_undo_target(&g_board, true, false, NULL), b_id); /* not stroke 1 */
}

static void staff_redo_brings_back_what_they_erased(void **state)
{
	(void)state;
	/* Our stroke 1 and author 2's stroke 1; we (staff) erased author 2's. */
	struct sim_board_op ours = begin(100), theirs = begin(900);
	struct sim_board_op erase = {.kind = SIM_OP_UNDO, .target_author = 2, .target_op = 1};
	assert_int_equal(sim_board_apply(&g_board.boards, 1, 1, 1, &ours), SIM_BOARD_APPLIED);
	assert_int_equal(sim_board_apply(&g_board.boards, 2, 1, 2, &theirs), SIM_BOARD_APPLIED);
	assert_int_equal(sim_board_apply(&g_board.boards, 1, 2, 3, &erase), SIM_BOARD_APPLIED);
	g_board.next_op_id = 2;
	uint16_t author = 99;
	/* A student's R (or anyone's without theirs) has nothing of its own to redo. */
	assert_int_equal(cl_board_undo_target(&g_board, true, false, &author), 0);
	assert_int_equal(author, 0);
	/* Staff's R names author 2's stroke; Z still names only our own. */
	assert_int_equal(cl_board_undo_target(&g_board, true, true, &author), 1);
	assert_int_equal(author, 2);
	assert_int_equal(cl_board_undo_target(&g_board, false, true, &author), 1);
	assert_int_equal(author, 0);
	/* R as a TA presses it (cl_board_undo) sends that redo; with it on
	 * its way, a second R finds nothing more. */
	g_conn.welcome.role = PROTO_ROLE_TA;
	struct sim_board_op redo;
	assert_int_not_equal(cl_board_undo(&g_conn, true, &redo), 0);
	assert_int_equal(redo.kind, SIM_OP_REDO);
	assert_int_equal(redo.target_author, 2);
	assert_int_equal(redo.target_op, 1);
	assert_int_equal(cl_board_undo_target(&g_board, true, true, &author), 0);
	assert_int_equal(cl_board_undo(&g_conn, true, &redo), 0);
	assert_int_equal(redo.target_op, 0);
	/* Stroke 2 of author 2, erased by someone else: not ours to bring back. */
	struct sim_board_op theirs2 = begin(1500);
	struct sim_board_op erase2 = {.kind = SIM_OP_UNDO, .target_author = 2, .target_op = 2};
	assert_int_equal(sim_board_apply(&g_board.boards, 2, 2, 4, &theirs2), SIM_BOARD_APPLIED);
	assert_int_equal(sim_board_apply(&g_board.boards, 3, 1, 5, &erase2), SIM_BOARD_APPLIED);
	assert_int_equal(cl_board_undo_target(&g_board, true, true, &author), 0);
}

static void redo_brings_back_the_last_taken_first(void **state)
{
	(void)state;
	/* Our strokes 1, 2 and 3 in the log, and author 2's stroke 1. Z twice
	 * takes 3 off, then 2. */
	for (uint32_t k = 1; k <= 3; k++) {
		struct sim_board_op s = begin((int)k * 300);
		assert_int_equal(sim_board_apply(&g_board.boards, 1, k, k, &s), SIM_BOARD_APPLIED);
	}
	struct sim_board_op theirs = begin(2000);
	assert_int_equal(sim_board_apply(&g_board.boards, 2, 1, 4, &theirs), SIM_BOARD_APPLIED);
	g_board.next_op_id = 3;
	struct sim_board_op op;
	assert_int_equal(cl_board_undo(&g_conn, false, &op), 4);
	assert_int_equal(op.target_op, 3);
	assert_int_equal(cl_board_undo(&g_conn, false, &op), 5);
	assert_int_equal(op.target_op, 2);
	/* R brings back 2, the last taken, as an editor's redo does (the
	 * board's order would say 3, which was drawn after it). */
	assert_int_equal(cl_board_undo_target(&g_board, true, false, NULL), 2);
	/* The same once the log has both undos. */
	struct sim_board_op u3 = {.kind = SIM_OP_UNDO, .target_op = 3};
	struct sim_board_op u2 = {.kind = SIM_OP_UNDO, .target_op = 2};
	assert_int_equal(sim_board_apply(&g_board.boards, 1, 4, 5, &u3), SIM_BOARD_APPLIED);
	assert_int_equal(sim_board_apply(&g_board.boards, 1, 5, 6, &u2), SIM_BOARD_APPLIED);
	g_board.pending_count = 0;
	assert_int_equal(cl_board_undo_target(&g_board, true, false, NULL), 2);
	/* Two Rs on a slow link: 2, then 3, then nothing. */
	assert_int_equal(cl_board_undo(&g_conn, true, &op), 6);
	assert_int_equal(op.target_op, 2);
	assert_int_equal(cl_board_undo(&g_conn, true, &op), 7);
	assert_int_equal(op.target_op, 3);
	assert_int_equal(cl_board_undo(&g_conn, true, &op), 0);
	/* Staff: the eraser takes author 2's stroke, then Z takes our 3
	 * (back on its way). R brings back our 3 first, then theirs. */
	g_conn.welcome.role = PROTO_ROLE_TA;
	struct sim_board_op erase = {.kind = SIM_OP_UNDO, .target_author = 2, .target_op = 1};
	assert_int_equal(cl_board_send(&g_conn, &erase), 8);
	assert_int_equal(cl_board_undo(&g_conn, false, &op), 9);
	assert_int_equal(op.target_op, 3);
	uint16_t author = 99;
	assert_int_equal(cl_board_undo_target(&g_board, true, true, &author), 3);
	assert_int_equal(author, 0);
	assert_int_equal(cl_board_undo(&g_conn, true, &op), 10);
	assert_int_equal(cl_board_undo_target(&g_board, true, true, &author), 1);
	assert_int_equal(author, 2);
	/* A student's R passes over the stroke of author 2 it could not bring back. */
	assert_int_equal(cl_board_undo_target(&g_board, true, false, &author), 0);
}

struct ink {
	int n;
	int x[16], y[16];
	bool first[16];
	uint32_t color;
};

static void collect(void *user, const struct sim_stroke *style, const struct sim_board_point *pt,
		    bool first)
{
	struct ink *k = user;
	if (k->n < 16) {
		k->x[k->n] = pt->x;
		k->y[k->n] = pt->y;
		k->first[k->n] = first;
		k->n++;
	}
	k->color = style->color;
}

static void pending_ink_is_what_the_log_will_hold(void **state)
{
	(void)state;
	/* The log holds our open stroke, ending at (110, 100). */
	struct sim_board_op open = begin(100);
	assert_int_equal(sim_board_apply(&g_board.boards, 1, 1, 1, &open), SIM_BOARD_APPLIED);
	g_board.next_op_id = 1;
	/* On their way: its end (offsets from its last point), then a new
	 * stroke: begin (absolute) and an append (offsets from the begin's
	 * last point). */
	struct sim_board_op end = {.kind = SIM_OP_END, .count = 1, .x = {5}, .y = {7}, .p = {0}};
	struct sim_board_op next = begin(500);
	struct sim_board_op more = {.kind = SIM_OP_APPEND, .count = 2, .x = {1, 3}, .y = {2, 4}};
	assert_int_not_equal(cl_board_send(&g_conn, &end), 0);
	assert_int_not_equal(cl_board_send(&g_conn, &next), 0);
	assert_int_not_equal(cl_board_send(&g_conn, &more), 0);
	struct ink k = {0};
	cl_board_pending_ink(&g_board, collect, &k);
	const int want_x[] = {110, 115, 500, 510, 511, 513}, want_y[] = {100, 107, 100, 100, 102, 104};
	const bool want_first[] = {true, false, true, false, false, false};
	assert_int_equal(k.n, 6);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(k.x[i], want_x[i]);
		assert_int_equal(k.y[i], want_y[i]);
		assert_int_equal(k.first[i], want_first[i]);
	}
	assert_int_equal(k.color, 0x102030ffu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(undo_and_redo_count_ops_on_their_way, setup, teardown),
		cmocka_unit_test_setup_teardown(pending_ink_is_what_the_log_will_hold, setup, teardown),
		cmocka_unit_test_setup_teardown(staff_redo_brings_back_what_they_erased, setup, teardown),
		cmocka_unit_test_setup_teardown(redo_brings_back_the_last_taken_first, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
