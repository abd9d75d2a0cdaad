/* The server's rate limits (sv_input_take): a message over its bucket is
 * dropped and counted; a client is disconnected for SV_MAX_THROTTLED within
 * SV_THROTTLE_WINDOW_US (test_garbage sees that end to end), and throttles
 * that come now and then, as an honest client's resends through jitter
 * do over a long lesson, start a new window instead of adding up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sv.h"

static struct sv_server g_sv;

/* Takes n hand raises at the server's now; returns how many were dropped. */
static int raise_hands(struct sv_client *c, int n)
{
	int dropped = 0;
	for (int i = 0; i < n; i++)
		dropped += !sv_input_take(&g_sv, c, PROTO_MSG_HAND);
	return dropped;
}

static void throttles_add_up_within_a_window_only(void **state)
{
	(void)state;
	/* No peer: the test reads the count, it does not disconnect. */
	struct sv_client c = {.id = 1, .state = SV_CLIENT_JOINED};
	const uint32_t burst = proto_bucket_spec(PROTO_BUCKET_HAND)->burst;
	g_sv.now_us = 5000000;
	/* The burst goes, then every one over it is dropped and counted. */
	assert_int_equal(raise_hands(&c, (int)burst + SV_MAX_THROTTLED - 1), SV_MAX_THROTTLED - 1);
	assert_int_equal(c.throttled, SV_MAX_THROTTLED - 1);
	assert_int_equal(g_sv.throttled, SV_MAX_THROTTLED - 1);
	/* Within the window the count goes on. */
	g_sv.now_us += SV_THROTTLE_WINDOW_US - 1000000u;
	assert_int_equal(raise_hands(&c, 64), 64 - (int)burst /* refilled to the burst */);
	assert_true(c.throttled >= SV_MAX_THROTTLED);
	/* One dropped now and then: each starts a window of its own. */
	struct sv_client honest = {.id = 2, .state = SV_CLIENT_JOINED};
	g_sv.now_us = 100000000u;
	assert_int_equal(raise_hands(&honest, (int)burst), 0);
	for (int i = 0; i < 3 * SV_MAX_THROTTLED; i++) {
		g_sv.now_us += SV_THROTTLE_WINDOW_US + 1;
		/* The bucket is full again: empty it, then one over. */
		assert_int_equal(raise_hands(&honest, (int)burst + 1), 1);
		assert_int_equal(honest.throttled, 1);
	}
	assert_int_equal(g_sv.throttled,
			 SV_MAX_THROTTLED - 1 + 64 - (int)burst + 3 * SV_MAX_THROTTLED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(throttles_add_up_within_a_window_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
