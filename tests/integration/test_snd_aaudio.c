/**
 * @file test_snd_aaudio.c
 * @brief The Android sound device (client/audio/snd_aaudio.c) against the
 * AAudio test double (tests/aaudio): speech in, engine, speech out.
 *
 * There is no phone here, so the real backend runs on Linux against a double
 * that follows the NDK's AAudio reference (tests/aaudio/aaudio_double.c).
 * Four runs, each through the whole audio path (capture -> preprocess ->
 * Opus -> jitter buffer -> decode -> mix) with the engine in loopback:
 *  1. espeak-ng speech on the "microphone" comes out of the output stream:
 *     envelope correlation >= 0.85, delay between 20 and 150 ms;
 *  2. the same with the device pulled away a second in: the backend
 *     reopens both streams from a thread of its own (one restart) and the
 *     speech after it is still heard (>= 0.85 over the last two seconds);
 *     another error (a timeout) likewise; and after the output stalled
 *     200 ms while the microphone recorded, the backlog is dropped and the
 *     delay is what it was (it would be 200 ms more if kept);
 *  3. the microphone refused (no RECORD_AUDIO): start() still succeeds and
 *     the output runs, listening only;
 *  4. a device named by something other than a number is an error.
 * In every run the double saw no call the AAudio reference forbids, and
 * every stream opened was closed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <aaudio/AAudio.h>

#include "aaudio_double.h"
#include "snd_device.h"
#include "snd_testkit.h"

#define CHECK SND_TK_CHECK

#define MAX_PLAYED (48000 * 60)

static void sleep_ms(int ms)
{
	nanosleep(&(struct timespec){.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L}, NULL);
}

/* What happens to the device a second into the speech. */
enum mishap {
	NOTHING,
	PULLED,       /* disconnected */
	FAILED,       /* another error (a timeout) */
	STALLED,      /* the output stalls 200 ms while the microphone records */
};

#define STALL_FRAMES (SND_RATE_HZ / 5)

/* Runs the engine on the AAudio backend until it captured @p frames of
 * sound, draining its packets as the network side would; the mishap comes
 * once a second was captured. */
static int run(struct snd_engine *e, uint32_t frames, enum mishap mishap)
{
	uint32_t want = frames / snd_engine_frame_samples(e);
	bool done = mishap == NOTHING;
	for (int waited_ms = 0;; waited_ms++) {
		struct snd_stats st;
		snd_engine_stats(e, &st);
		if (st.frames_captured >= want)
			break;
		CHECK(waited_ms < 60000);
		if (!done && st.frames_captured >= SND_RATE_HZ / snd_engine_frame_samples(e)) {
			if (mishap == PULLED)
				aaudio_double_disconnect();
			else if (mishap == FAILED)
				aaudio_double_fail(AAUDIO_ERROR_TIMEOUT);
			else
				aaudio_double_stall_output(STALL_FRAMES);
			done = true;
		}
		struct snd_packet p;
		while (snd_engine_pop_packet(e, &p))
			;
		sleep_ms(1);
	}
	return 0;
}

/* Speech on the microphone, out of the speakers: the envelope correlation
 * of the played left channel against the speech, from @p from_s seconds. */
static int speech_through(const int16_t *speech, uint32_t speech_n, enum mishap mishap,
			  double from_s, int16_t *played, double *out_corr, double *out_delay_ms,
			  struct snd_device_counters *out_counters)
{
	aaudio_double_reset();
	aaudio_double_set_mic(speech, speech_n);
	struct snd_engine *e = NULL;
	CHECK(snd_tk_loopback_engine(&e) == CORE_OK);
	struct snd_backend *b = NULL;
	CHECK(snd_device_create(e, NULL, "default", 0, &b) == CORE_OK);
	CHECK(snd_backend_start(b) == CORE_OK);
	struct snd_device_latency lat;
	snd_device_latency(b, &lat);
	CHECK(lat.sample_rate == 48000 && lat.input_ms > 0 && lat.output_ms > 0);
	CHECK(run(e, speech_n + SND_RATE_HZ, mishap) == 0);
	/* A stop and a start between runs changes nothing for the next. */
	snd_backend_stop(b);
	snd_device_counters(b, out_counters);
	snd_backend_destroy(&b);
	snd_engine_destroy(&e);

	uint32_t n = aaudio_double_played(played, MAX_PLAYED);
	CHECK(n >= speech_n + 48 * 200);
	int16_t *left = malloc((size_t)n * sizeof(int16_t));
	CHECK(left);
	snd_tk_left(played, left, n);
	uint32_t from = (uint32_t)(from_s * SND_RATE_HZ);
	CHECK(from < speech_n);
	int32_t lag = snd_tk_best_lag(speech + from, left + from, speech_n - from, 48 * 200);
	*out_corr = snd_tk_envelope_corr(speech + from, left + from, speech_n - from, lag, 480);
	*out_delay_ms = lag / 48.0;
	free(left);
	return 0;
}

static int clean_double(const char *what)
{
	struct aaudio_double_report r;
	aaudio_double_report(&r);
	printf("aaudio %s: %u streams opened, %u closed, %llu callbacks, %u forbidden calls\n",
	       what, r.opens, r.closes, (unsigned long long)r.data_callbacks, r.violations);
	if (r.violations)
		fprintf(stderr, "aaudio %s: first forbidden call: %s\n", what, r.first_violation);
	CHECK(r.violations == 0);
	CHECK(r.live_streams == 0 && r.opens == r.closes);
	return 0;
}

int main(void)
{
	char dir[] = "/tmp/snd_aaudio_XXXXXX";
	CHECK(mkdtemp(dir));
	uint32_t speech_n = 0;
	int16_t *speech = snd_tk_make_speech(dir, "Good morning everyone. The lab opens after the "
					     "break, bring your notes and your questions.", &speech_n);
	CHECK(speech && speech_n > 3 * 48000);
	int16_t *played = malloc((size_t)MAX_PLAYED * 2 * sizeof(int16_t));
	CHECK(played);
	printf("aaudio: backend %s\n", snd_device_api());

	/* 1. speech through */
	double corr, delay;
	struct snd_device_counters n;
	CHECK(speech_through(speech, speech_n, NOTHING, 0, played, &corr, &delay, &n) == 0);
	printf("aaudio: %llu callbacks, %llu short microphone reads; speech envelope corr %.3f "
	       "(>= 0.85), delay %.1f ms\n",
	       (unsigned long long)n.callbacks, (unsigned long long)n.xruns, corr, delay);
	CHECK(corr >= 0.85);
	CHECK(delay > 20.0 && delay < 150.0);
	CHECK(n.restarts == 0 && n.xruns == 0);
	CHECK(clean_double("speech") == 0);
	double delay_clean = delay;

	/* 2. the device goes away a second in */
	double tail_s = (double)speech_n / SND_RATE_HZ - 2.0;
	CHECK(speech_through(speech, speech_n, PULLED, tail_s, played, &corr, &delay, &n) == 0);
	printf("aaudio: device pulled 1 s in: %llu restart(s); the last 2 s of speech: envelope "
	       "corr %.3f (>= 0.85), delay %.1f ms\n",
	       (unsigned long long)n.restarts, corr, delay);
	CHECK(n.restarts == 1);
	CHECK(corr >= 0.85);
	CHECK(clean_double("disconnect") == 0);
	struct aaudio_double_report r;
	aaudio_double_report(&r);
	CHECK(r.opens == 4); /* two streams, then two more */

	/* 2b. another error (a timeout) is a failure too: reopened */
	CHECK(speech_through(speech, speech_n, FAILED, tail_s, played, &corr, &delay, &n) == 0);
	printf("aaudio: a stream timed out 1 s in: %llu restart(s); the last 2 s: corr %.3f, "
	       "delay %.1f ms\n", (unsigned long long)n.restarts, corr, delay);
	CHECK(n.restarts == 1 && corr >= 0.85);
	CHECK(clean_double("timeout") == 0);

	/* 2c. the output stalls 200 ms while the microphone records: the
	 * backlog is dropped, and the delay after it is the delay before */
	CHECK(speech_through(speech, speech_n, STALLED, tail_s, played, &corr, &delay, &n) == 0);
	printf("aaudio: output stalled 200 ms 1 s in: %llu microphone frames dropped as old; the "
	       "last 2 s: corr %.3f, delay %.1f ms (%.1f without the stall)\n",
	       (unsigned long long)n.mic_dropped, corr, delay, delay_clean);
	CHECK(corr >= 0.85);
	CHECK(delay > delay_clean - 25.0 && delay < delay_clean + 25.0);
	CHECK(n.mic_dropped >= STALL_FRAMES - 2 * 192 && n.mic_dropped <= STALL_FRAMES + 2 * 192);
	CHECK(clean_double("stall") == 0);

	/* 3. no microphone permission: listening only */
	aaudio_double_reset();
	aaudio_double_deny_mic(true);
	struct snd_config cfg;
	snd_config_defaults(&cfg);
	struct snd_engine *e = NULL;
	CHECK(snd_engine_create(&cfg, &e) == CORE_OK);
	struct snd_backend *b = NULL;
	CHECK(snd_device_create(e, NULL, NULL, 0, &b) == CORE_OK);
	CHECK(snd_backend_start(b) == CORE_OK);
	sleep_ms(50);
	struct snd_device_latency lat;
	snd_device_latency(b, &lat);
	snd_device_counters(b, &n);
	snd_backend_destroy(&b);
	snd_engine_destroy(&e);
	printf("aaudio: microphone refused: %llu output callbacks, input latency %.1f ms\n",
	       (unsigned long long)n.callbacks, (double)lat.input_ms);
	CHECK(n.callbacks > 0 && lat.input_ms == 0);
	CHECK(clean_double("no microphone") == 0);

	/* 4. AAudio names devices by id */
	CHECK(snd_engine_create(&cfg, &e) == CORE_OK);
	CHECK(snd_device_create(e, "USB headset", NULL, 0, &b) == CORE_ERR_INVALID);
	CHECK(!b);
	CHECK(snd_device_create(e, "none", "3", 0, &b) == CORE_OK);
	snd_backend_destroy(&b);
	snd_engine_destroy(&e);

	free(played);
	free(speech);
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	printf("aaudio: ok\n");
	return 0;
}
