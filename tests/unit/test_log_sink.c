/* The op log's persistence hook (struct sv_log_sink), where durable
 * storage will plug in: it sees every op as it is logged, in seq order and
 * as BOARD_LOG carries it, and each compaction with the snapshot that now
 * holds the dropped ops, after which the seqs go on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim/world_load.h"
#include "sv.h"

static struct sv_server g_sv;
static struct sv_world g_world;

static struct {
	uint32_t appended, last_seq, epoch, bad;
	uint32_t compactions, compacted_seq, snapshot_len;
	bool snapshot_opens;
	char title[PROTO_LESSON_TITLE_MAX];
} g_seen;

static void on_append(void *ctx, const char *room, uint32_t epoch, uint32_t seq, const uint8_t *op,
		      uint32_t len)
{
	(void)ctx;
	g_seen.bad += strcmp(room, "sink") != 0 || seq != g_seen.last_seq + 1 ||
		      (g_seen.epoch && epoch != g_seen.epoch);
	g_seen.epoch = epoch;
	g_seen.last_seq = seq;
	g_seen.appended++;
	/* The op as a BOARD_LOG message carries it. */
	struct proto_reader r;
	proto_reader_init(&r, op, len);
	struct proto_log_op o;
	if (proto_log_next(&r, &o) != 1 || o.kind != PROTO_LOG_LESSON)
		g_seen.bad++;
	else
		memcpy(g_seen.title, o.lesson.title, sizeof(g_seen.title));
}

static void on_compacted(void *ctx, const char *room, uint32_t epoch, uint32_t seq,
			 const uint8_t *snapshot, uint32_t len)
{
	(void)ctx;
	g_seen.bad += strcmp(room, "sink") != 0 || epoch != g_seen.epoch;
	g_seen.compactions++;
	g_seen.compacted_seq = seq;
	g_seen.snapshot_len = len;
	/* Its first message (after its length) starts a snapshot of this epoch. */
	uint32_t first;
	memcpy(&first, snapshot, 4);
	struct proto_log_head h;
	struct proto_reader r;
	g_seen.snapshot_opens = len > 4 && first <= len - 4 &&
				proto_log_open(snapshot + 4, first, &h, &r) == CORE_OK &&
				h.start && h.epoch == epoch;
}

static void log_lesson(struct sv_room *room, uint32_t n)
{
	struct proto_log_op op = {.kind = PROTO_LOG_LESSON, .author = 1,
				  .op = {.kind = PROTO_LOG_LESSON}};
	snprintf(op.lesson.name, sizeof(op.lesson.name), "letters");
	snprintf(op.lesson.title, sizeof(op.lesson.title), "op %u", n);
	sv_log_server_op(&g_sv, room, &op);
}

static void every_op_and_every_compaction_reach_the_sink(void **state)
{
	(void)state;
	struct sim_world *w = calloc(1, sizeof(*w));
	char err[300];
	assert_non_null(w);
	if (sim_world_load_named(LYCEUM_SOURCE_DIR "/assets/worlds", "classroom", w, err,
				 sizeof(err)) != CORE_OK)
		fail_msg("%s", err);
	g_world = (struct sv_world){.sim = w};
	struct sv_room *room = &g_sv.rooms[0];
	room->in_use = true;
	room->world = &g_world;
	core_strlcpy(room->name, "sink", sizeof(room->name));
	g_sv.log_sink = (struct sv_log_sink){.append = on_append, .compacted = on_compacted};
	assert_true(sv_log_open(&g_sv, room));

	for (uint32_t i = 1; i <= 3; i++)
		log_lesson(room, i);
	assert_int_equal(g_seen.appended, 3);
	assert_int_equal(g_seen.last_seq, 3);
	assert_int_equal(g_seen.epoch, room->log->epoch);
	assert_string_equal(g_seen.title, "op 3");
	assert_int_equal(g_seen.compactions, 0);

	/* Until the log fills: it is compacted once, and the seqs go on. */
	uint32_t n = 3;
	while (!g_seen.compactions && n < 2 * SV_LOG_BYTES / 16)
		log_lesson(room, ++n);
	assert_int_equal(g_seen.compactions, 1);
	assert_int_equal(g_seen.compacted_seq, n - 1); /* the op that did not fit comes after */
	assert_true(g_seen.snapshot_opens);
	assert_true(g_seen.snapshot_len > 0);
	log_lesson(room, ++n);
	assert_int_equal(g_seen.last_seq, n);
	assert_int_equal(g_seen.appended, n);
	assert_int_equal(g_seen.bad, 0);
	sv_log_free(room);
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_op_and_every_compaction_reach_the_sink),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
