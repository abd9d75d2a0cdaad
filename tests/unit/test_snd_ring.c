/**
 * @file test_snd_ring.c
 * @brief The lock-free SPSC ring: capacity, order, wrap, and two threads.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "snd_ring.h"

static void test_full_empty_wrap(void **state)
{
	(void)state;
	struct snd_ring r;
	assert_int_equal(snd_ring_init(&r, sizeof(uint32_t), 3), CORE_ERR_INVALID);
	assert_int_equal(snd_ring_init(&r, sizeof(uint32_t), 8), CORE_OK);
	uint32_t v = 0;
	assert_false(snd_ring_pop(&r, &v));
	uint32_t next_in = 0, next_out = 0;
	for (int round = 0; round < 100; round++) {
		while (snd_ring_push(&r, &next_in))
			next_in++;
		assert_int_equal(snd_ring_count(&r), 8);
		for (int k = 0; k < 5; k++) {
			assert_true(snd_ring_pop(&r, &v));
			assert_int_equal(v, next_out);
			next_out++;
		}
	}
	while (snd_ring_pop(&r, &v)) {
		assert_int_equal(v, next_out);
		next_out++;
	}
	assert_int_equal(next_out, next_in);
	snd_ring_fini(&r);
}

struct item {
	uint64_t n;
	uint64_t check;
	uint8_t pad[48];
};

#define ITEMS 1000000u

static void *producer(void *arg)
{
	struct snd_ring *r = arg;
	for (uint64_t i = 0; i < ITEMS;) {
		struct item it = {.n = i, .check = i * 2654435761u};
		it.pad[47] = (uint8_t)i;
		if (snd_ring_push(r, &it))
			i++;
	}
	return NULL;
}

static void test_two_threads_in_order(void **state)
{
	(void)state;
	struct snd_ring r;
	assert_int_equal(snd_ring_init(&r, sizeof(struct item), 64), CORE_OK);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, producer, &r), 0);
	uint64_t expect = 0, bad = 0;
	while (expect < ITEMS) {
		struct item it;
		if (!snd_ring_pop(&r, &it))
			continue;
		if (it.n != expect || it.check != expect * 2654435761u ||
		    it.pad[47] != (uint8_t)expect)
			bad++;
		expect++;
	}
	pthread_join(t, NULL);
	assert_int_equal(bad, 0);
	assert_int_equal(snd_ring_count(&r), 0);
	snd_ring_fini(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_empty_wrap),
		cmocka_unit_test(test_two_threads_in_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
