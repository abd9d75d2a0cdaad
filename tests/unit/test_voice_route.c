/* The server's choice of the speakers each listener hears (sv_voice_admit):
 * at most N, the ones it hears keep their places, a louder one takes the
 * quietest's only by the margin and after the hold, one swap per hold per
 * listener (the one pushed out cannot push out another at once), silence
 * frees a place, and a priority speaker (the floor, a broadcast) takes a
 * place but never another priority speaker's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sv.h"

#include <stdlib.h>
#include <string.h>

#define SPEAKERS 8
static struct sv_server g_sv;
static struct sv_client g_clients[SPEAKERS + 2];

static struct sv_client *speaker(int i, uint8_t level)
{
	struct sv_client *c = &g_clients[i];
	c->id = (uint16_t)i;
	c->talk.level = level;
	return c;
}

static int setup(void **state)
{
	(void)state;
	memset(&g_sv, 0, sizeof(g_sv));
	memset(g_clients, 0, sizeof(g_clients));
	g_sv.cfg.voice_streams = 4;
	g_sv.now_us = 10000000u;
	return 0;
}

static bool hears(struct sv_client *l, struct sv_client *s, bool priority)
{
	return sv_voice_admit(&g_sv, l, s, priority);
}

static void at_most_n_and_the_loudest_only_by_margin_and_hold(void **state)
{
	(void)state;
	struct sv_client *l = &g_clients[SPEAKERS + 1];
	for (int i = 1; i <= 4; i++)
		assert_true(hears(l, speaker(i, (uint8_t)(100 + i)), false));
	/* A fifth as loud: no place. */
	assert_false(hears(l, speaker(5, 104), false));
	/* Louder by less than the margin: no place. */
	assert_false(hears(l, speaker(5, 101 + SV_VOICE_MARGIN - 1), false));
	/* Louder by the margin, but the quietest took its place just now. */
	assert_false(hears(l, speaker(5, 101 + SV_VOICE_MARGIN), false));
	/* Half a second on (everyone still talking), it takes the quietest's. */
	g_sv.now_us += SV_VOICE_MIN_HOLD_US;
	for (int i = 1; i <= 4; i++)
		assert_true(hears(l, &g_clients[i], false));
	assert_true(hears(l, speaker(5, 101 + SV_VOICE_MARGIN), false));
	assert_false(hears(l, &g_clients[1], false)); /* speaker 1 is out */
	/* Speaker 1, suddenly loud, cannot push out another at once. */
	g_clients[1].talk.level = 250;
	assert_false(hears(l, &g_clients[1], false));
	/* After the hold it can: no flapping, but no lock-out either. */
	g_sv.now_us += SV_VOICE_MIN_HOLD_US;
	for (int i = 2; i <= 5; i++)
		assert_true(hears(l, &g_clients[i], false));
	assert_true(hears(l, &g_clients[1], false));
	int places = 0;
	for (int k = 0; k < SV_VOICE_MAX_STREAMS; k++)
		places += l->streams[k].id != 0;
	assert_int_equal(places, 4);
}

static void silence_frees_a_place(void **state)
{
	(void)state;
	struct sv_client *l = &g_clients[SPEAKERS + 1];
	for (int i = 1; i <= 4; i++)
		assert_true(hears(l, speaker(i, 100), false));
	g_sv.now_us += SV_VOICE_HOLD_US / 2;
	for (int i = 1; i <= 3; i++)
		assert_true(hears(l, &g_clients[i], false)); /* 4 pauses */
	assert_false(hears(l, speaker(5, 100), false));
	g_sv.now_us += SV_VOICE_HOLD_US / 2 + 1000;
	for (int i = 1; i <= 3; i++)
		assert_true(hears(l, &g_clients[i], false));
	assert_true(hears(l, &g_clients[5], false)); /* 4 was silent too long */
	assert_false(hears(l, &g_clients[4], false));
}

static void priority_takes_a_place_but_not_another_priority_one(void **state)
{
	(void)state;
	g_sv.cfg.voice_streams = 1;
	struct sv_client *l = &g_clients[SPEAKERS + 1];
	assert_true(hears(l, speaker(1, 200), false));
	/* The floor, quieter and at once: it takes the place. */
	assert_true(hears(l, speaker(2, 50), true));
	assert_false(hears(l, &g_clients[1], false));
	/* A second priority speaker does not take the first's. */
	assert_false(hears(l, speaker(3, 250), true));
	g_sv.now_us += SV_VOICE_MIN_HOLD_US;
	assert_true(hears(l, &g_clients[2], true));
	assert_false(hears(l, &g_clients[3], true));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(at_most_n_and_the_loudest_only_by_margin_and_hold, setup),
		cmocka_unit_test_setup(silence_frees_a_place, setup),
		cmocka_unit_test_setup(priority_takes_a_place_but_not_another_priority_one, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
