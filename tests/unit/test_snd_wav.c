/**
 * @file test_snd_wav.c
 * @brief WAV reader/writer and the WAV backend's real-time pump.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snd.h"

static void test_roundtrip_and_errors(void **state)
{
	(void)state;
	char path[] = "/tmp/snd_wav_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	int16_t s[1000];
	for (int i = 0; i < 1000; i++)
		s[i] = (int16_t)(i * 37 - 18000);
	struct snd_wav_writer *w = NULL;
	assert_int_equal(snd_wav_writer_open(path, 1, 48000, &w), CORE_OK);
	assert_int_equal(snd_wav_writer_write(w, s, 600), CORE_OK);
	assert_int_equal(snd_wav_writer_write(w, s + 600, 400), CORE_OK);
	assert_int_equal(snd_wav_writer_close(&w), CORE_OK);
	int16_t *r = NULL;
	uint32_t n = 0;
	char err[512];
	assert_int_equal(snd_wav_read(path, &r, &n, err, sizeof(err)), CORE_OK);
	assert_int_equal(n, 1000);
	assert_memory_equal(r, s, sizeof(s));
	free(r);

	/* stereo: refused with the fix in the message */
	assert_int_equal(snd_wav_writer_open(path, 2, 44100, &w), CORE_OK);
	assert_int_equal(snd_wav_writer_write(w, s, 500), CORE_OK);
	assert_int_equal(snd_wav_writer_close(&w), CORE_OK);
	assert_int_equal(snd_wav_read(path, &r, &n, err, sizeof(err)), CORE_ERR_INVALID);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "2 channel(s), 44100 Hz"));
	assert_non_null(strstr(err, "sox"));
	assert_null(r);

	FILE *f = fopen(path, "wb");
	fputs("not a wav", f);
	fclose(f);
	assert_int_equal(snd_wav_read(path, &r, &n, err, sizeof(err)), CORE_ERR_INVALID);
	assert_non_null(strstr(err, "RIFF"));
	unlink(path);
	assert_int_equal(snd_wav_read(path, &r, &n, err, sizeof(err)), CORE_ERR_IO);
}

static void test_backend_pump(void **state)
{
	(void)state;
	char out[] = "/tmp/snd_wavout_XXXXXX";
	int fd = mkstemp(out);
	assert_true(fd >= 0);
	close(fd);
	struct snd_config cfg;
	snd_config_defaults(&cfg);
	struct snd_engine *e = NULL;
	assert_int_equal(snd_engine_create(&cfg, &e), CORE_OK);
	struct snd_backend *b = NULL;
	assert_int_equal(snd_backend_wav_create(e, "/nonexistent.wav", false, NULL, &b),
			 CORE_ERR_IO);
	assert_null(b);
	assert_int_equal(snd_backend_wav_create(e, NULL, false, out, &b), CORE_OK);
	assert_int_equal(snd_backend_start(b), CORE_OK);
	uint64_t t0 = snd_now_us();
	snd_backend_wav_pump(b, t0 + 100000);   /* 100 ms due: 5 frames */
	snd_backend_wav_pump(b, t0 + 5100000);  /* 5 s late: only 200 ms more */
	snd_backend_stop(b);
	snd_backend_destroy(&b);
	int16_t *r = NULL;
	uint32_t n = 0;
	char err[512];
	/* the output is stereo: read it raw to count frames */
	FILE *f = fopen(out, "rb");
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fclose(f);
	uint32_t frames = (uint32_t)((size - 44) / 4);
	printf("pumped %u frames (%.0f ms)\n", frames, frames / 48.0);
	assert_true(frames >= 14 * 960 && frames <= 15 * 960);
	assert_int_equal(snd_wav_read(out, &r, &n, err, sizeof(err)), CORE_ERR_INVALID);
	unlink(out);
	snd_engine_destroy(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_and_errors),
		cmocka_unit_test(test_backend_pump),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
