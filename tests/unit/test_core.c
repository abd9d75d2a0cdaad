#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/arena.h"
#include "core/core.h"

#include <string.h>

static void arena_allocates_aligned_zeroed_and_runs_out(void **state)
{
	(void)state;
	struct core_arena a;
	assert_int_equal(core_arena_init(&a, 256), CORE_OK);
	uint8_t *p = core_arena_alloc(&a, 3, 1);
	assert_non_null(p);
	uint64_t *q = CORE_ARENA_NEW(&a, uint64_t, 4);
	assert_non_null(q);
	assert_int_equal((uintptr_t)q % _Alignof(uint64_t), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(q[i], 0);
	/* Exhaustion is a result, not a crash or a silent grow. */
	assert_null(core_arena_alloc(&a, 512, 1));
	assert_null(core_arena_alloc(&a, SIZE_MAX - 8, 8));
	size_t used = a.used;
	assert_non_null(core_arena_alloc(&a, 256 - used, 1));
	assert_null(core_arena_alloc(&a, 1, 1));
	assert_int_equal(a.high_water, 256);
	core_arena_reset(&a);
	assert_int_equal(a.used, 0);
	assert_non_null(core_arena_alloc(&a, 256, 1));
	core_arena_fini(&a);
}

static void strlcpy_always_terminates(void **state)
{
	(void)state;
	char buf[4];
	assert_int_equal(core_strlcpy(buf, "abcdef", sizeof(buf)), 6);
	assert_string_equal(buf, "abc");
	assert_int_equal(core_strlcpy(buf, "ab", sizeof(buf)), 2);
	assert_string_equal(buf, "ab");
}

static void usage_lists_whole_flags_only(void **state)
{
	(void)state;
	const char *usage = "usage: prog [--port N] [--portal X]\n  --seed N   the seed\n  --zones A,B\n";
	assert_true(core_usage_lists(usage, "--port"));
	assert_true(core_usage_lists(usage, "--portal"));
	assert_true(core_usage_lists(usage, "--seed"));
	assert_true(core_usage_lists(usage, "--zones"));
	assert_false(core_usage_lists(usage, "--por"));
	assert_false(core_usage_lists(usage, "--frob"));
	assert_false(core_usage_lists(usage, "prog"));
	assert_false(core_usage_lists(usage, "-"));
}

static void isqrt_is_floor_sqrt(void **state)
{
	(void)state;
	assert_int_equal(core_isqrt64(0), 0);
	assert_int_equal(core_isqrt64(1), 1);
	assert_int_equal(core_isqrt64(15), 3);
	assert_int_equal(core_isqrt64(16), 4);
	assert_int_equal(core_isqrt64(127ull * 127 * 2), 179);
	assert_int_equal(core_isqrt64(UINT64_MAX), 4294967295u);
	for (uint64_t v = 1; v < 100000; v += 7) {
		uint64_t r = core_isqrt64(v);
		assert_true(r * r <= v && (r + 1) * (r + 1) > v);
	}
}

static void fnv_matches_reference(void **state)
{
	(void)state;
	/* FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (reference value). */
	assert_true(core_fnv64(CORE_FNV64_INIT, "a", 1) == 0xaf63dc4c8601ec8cull);
	assert_true(core_fnv64(CORE_FNV64_INIT, "", 0) == CORE_FNV64_INIT);
}

static void results_have_names(void **state)
{
	(void)state;
	assert_string_equal(core_result_str(CORE_OK), "ok");
	assert_string_equal(core_result_str(CORE_ERR_PROTOCOL), "protocol mismatch");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arena_allocates_aligned_zeroed_and_runs_out),
		cmocka_unit_test(strlcpy_always_terminates),
		cmocka_unit_test(usage_lists_whole_flags_only),
		cmocka_unit_test(isqrt_is_floor_sqrt),
		cmocka_unit_test(fnv_matches_reference),
		cmocka_unit_test(results_have_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
