/**
 * @file snd_aaudio.c
 * @brief The sound device through AAudio (snd_device.h): Quest and Pico.
 *
 * AAudio has no full-duplex stream, so the output stream's data callback
 * drives the engine: it reads what the microphone stream has (never
 * waiting: timeout 0) and hands both to snd_engine_process(). A microphone
 * that has fewer frames than the callback needs is padded with silence and
 * counted as an xrun. One that has more than the callback takes and a
 * burst besides (at the start, or after the output stalled while the
 * microphone kept recording) has the oldest read and dropped, and counted:
 * the microphone's delay never grows.
 *
 * Both streams ask for 48 kHz 16-bit (AAudio converts when the device runs
 * otherwise), low latency and exclusive use (AAudio falls back to shared).
 * The microphone uses the voice-communication preset, which turns on the
 * platform's own echo canceller where the device has one (untested on a
 * headset: whether it and ours together help is for a device to tell). Without the RECORD_AUDIO permission, or
 * without a microphone, the input stream does not open: the client then
 * listens only, and says so.
 *
 * When a stream fails (the device goes away as a headset's audio route
 * changes or Bluetooth headphones connect: AAUDIO_ERROR_DISCONNECTED, or
 * any other error), AAudio calls the error callback; as the NDK requires,
 * another thread closes the streams and opens new ones, at most
 * AA_RESTARTS_MAX times a minute. The error callback starts that thread:
 * the one allocation on AAudio's threads, once per failure. Every stream
 * call outside the callbacks is made under one lock, so start(), stop(),
 * destroy() and that thread never meet half way; destroy() also waits for
 * an error callback still running (the NDK does not say that closing a
 * stream waits for it).
 */
#include "snd_device.h"

#include <aaudio/AAudio.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define AA_CHUNK 1024 /* frames handed to the engine at a time (a callback may be longer) */
#define AA_RESTARTS_MAX 5 /* reopenings a minute before the voice gives up */
#define AA_WAIT_SLICE_NS 50000000L /* destroy() rechecks a pending restart this often */

struct snd_aa_backend {
	struct snd_backend base;
	struct snd_engine *engine;
	int32_t in_device, out_device; /* AAUDIO_UNSPECIFIED: the system's choice */
	bool mic;                      /* false: --audio-in none */

	pthread_mutex_t lock;          /* the streams, running, closing */
	pthread_cond_t restarted;      /* restart_pending went false */
	uint64_t restart_times[AA_RESTARTS_MAX]; /* the last reopenings (us), under lock */
	AAudioStream *in, *out;
	bool running;                  /* start() was called and stop() was not */
	bool closing;                  /* destroy() is waiting */
	atomic_bool restart_pending;   /* a restart thread exists or is being made */
	atomic_int in_error_callback;  /* error callbacks running now */
	int32_t in_burst;              /* the microphone's burst: the backlog kept */

	/* callback thread only */
	int16_t in_buf[AA_CHUNK];
	uint64_t start_us, samples;

	_Atomic uint64_t callbacks, xruns, restarts, mic_dropped;
	struct snd_device_latency latency; /* under lock */
};

static const char *aa_text(aaudio_result_t r)
{
	const char *t = AAudio_convertResultToText(r);
	return t ? t : "unknown AAudio error";
}

/* What the microphone holds beyond this callback's frames and a burst is
 * old: read and dropped (and counted), so its delay stays one burst. */
static void trim_backlog(struct snd_aa_backend *p, AAudioStream *in, int32_t frames)
{
	int64_t excess = AAudioStream_getFramesWritten(in) - AAudioStream_getFramesRead(in) -
			 frames - p->in_burst;
	while (excess > 0) {
		int32_t n = excess < AA_CHUNK ? (int32_t)excess : AA_CHUNK;
		aaudio_result_t got = AAudioStream_read(in, p->in_buf, n, 0);
		if (got <= 0)
			break;
		excess -= got;
		atomic_fetch_add_explicit(&p->mic_dropped, (uint64_t)got, memory_order_relaxed);
	}
}

/* The device's sample clock in microseconds. */
static uint64_t device_us(const struct snd_aa_backend *p)
{
	return p->start_us + p->samples * 1000000u / SND_RATE_HZ;
}

static aaudio_data_callback_result_t on_data(AAudioStream *stream, void *user, void *audio,
					     int32_t frames)
{
	struct snd_aa_backend *p = user;
	int16_t *out = audio;
	(void)stream;
	AAudioStream *in = p->in; /* set before the output starts, cleared after it stops */
	if (in)
		trim_backlog(p, in, frames);
	bool short_read = false;
	for (int32_t done = 0; done < frames;) {
		int32_t n = frames - done < AA_CHUNK ? frames - done : AA_CHUNK;
		const int16_t *mic = NULL;
		if (in) {
			aaudio_result_t got = AAudioStream_read(in, p->in_buf, n, 0);
			got = got < 0 ? 0 : got;
			if (got < n) {
				memset(p->in_buf + got, 0, (size_t)(n - got) * sizeof(int16_t));
				short_read = true;
			}
			mic = p->in_buf;
		}
		snd_engine_process(p->engine, mic, out + 2 * done, (uint32_t)n, device_us(p));
		p->samples += (uint64_t)n;
		done += n;
	}
	snd_engine_set_clock_offset(p->engine, (int64_t)device_us(p) - (int64_t)snd_now_us());
	atomic_fetch_add_explicit(&p->callbacks, 1, memory_order_relaxed);
	if (short_read)
		atomic_fetch_add_explicit(&p->xruns, 1, memory_order_relaxed);
	return AAUDIO_CALLBACK_RESULT_CONTINUE;
}

static void close_streams(struct snd_aa_backend *p)
{
	/* The output first: its callback reads the input. */
	if (p->out) {
		AAudioStream_requestStop(p->out);
		AAudioStream_close(p->out);
		p->out = NULL;
	}
	if (p->in) {
		AAudioStream_requestStop(p->in);
		AAudioStream_close(p->in);
		p->in = NULL;
	}
	p->latency = (struct snd_device_latency){0};
}

static void on_error(AAudioStream *stream, void *user, aaudio_result_t error);

static aaudio_result_t open_stream(struct snd_aa_backend *p, bool input, AAudioStream **out)
{
	AAudioStreamBuilder *b = NULL;
	aaudio_result_t r = AAudio_createStreamBuilder(&b);
	if (r != AAUDIO_OK)
		return r;
	AAudioStreamBuilder_setDirection(b, input ? AAUDIO_DIRECTION_INPUT : AAUDIO_DIRECTION_OUTPUT);
	AAudioStreamBuilder_setDeviceId(b, input ? p->in_device : p->out_device);
	AAudioStreamBuilder_setSampleRate(b, SND_RATE_HZ);
	AAudioStreamBuilder_setChannelCount(b, input ? 1 : 2);
	AAudioStreamBuilder_setFormat(b, AAUDIO_FORMAT_PCM_I16);
	AAudioStreamBuilder_setSharingMode(b, AAUDIO_SHARING_MODE_EXCLUSIVE);
	AAudioStreamBuilder_setPerformanceMode(b, AAUDIO_PERFORMANCE_MODE_LOW_LATENCY);
	if (input) {
		AAudioStreamBuilder_setInputPreset(b, AAUDIO_INPUT_PRESET_VOICE_COMMUNICATION);
	} else {
		AAudioStreamBuilder_setUsage(b, AAUDIO_USAGE_GAME);
		AAudioStreamBuilder_setContentType(b, AAUDIO_CONTENT_TYPE_SPEECH);
		AAudioStreamBuilder_setDataCallback(b, on_data, p);
	}
	AAudioStreamBuilder_setErrorCallback(b, on_error, p);
	r = AAudioStreamBuilder_openStream(b, out);
	AAudioStreamBuilder_delete(b);
	if (r != AAUDIO_OK)
		return r;
	/* Asked for, but a stream may still open otherwise: the engine needs these. */
	if (AAudioStream_getSampleRate(*out) != SND_RATE_HZ ||
	    AAudioStream_getFormat(*out) != AAUDIO_FORMAT_PCM_I16 ||
	    AAudioStream_getChannelCount(*out) != (input ? 1 : 2)) {
		CORE_ERROR("snd: AAudio opened the %s at %d Hz, %d channels, format %d; Lyceum needs "
			   "48000 Hz 16-bit %s",
			   input ? "microphone" : "output", AAudioStream_getSampleRate(*out),
			   AAudioStream_getChannelCount(*out), AAudioStream_getFormat(*out),
			   input ? "mono" : "stereo");
		AAudioStream_close(*out);
		*out = NULL;
		return AAUDIO_ERROR_INVALID_FORMAT;
	}
	return AAUDIO_OK;
}

/* Opens and starts both streams; under lock. A microphone that cannot open
 * leaves the client listening. */
static enum core_result open_streams(struct snd_aa_backend *p)
{
	aaudio_result_t r = open_stream(p, false, &p->out);
	if (r != AAUDIO_OK) {
		CORE_ERROR("snd: AAudio cannot open the output (device %d): %s", p->out_device,
			   aa_text(r));
		return CORE_ERR_IO;
	}
	if (p->mic) {
		r = open_stream(p, true, &p->in);
		if (r != AAUDIO_OK)
			CORE_WARN("snd: AAudio cannot open the microphone (device %d): %s; listening "
				  "only (is the RECORD_AUDIO permission granted?)",
				  p->in_device, aa_text(r));
	}
	/* Two bursts of output buffer: the least that does not glitch. */
	int32_t burst = AAudioStream_getFramesPerBurst(p->out);
	if (burst > 0)
		AAudioStream_setBufferSizeInFrames(p->out, 2 * burst);
	p->samples = 0;
	p->start_us = snd_now_us();
	if (p->in && (r = AAudioStream_requestStart(p->in)) != AAUDIO_OK) {
		CORE_WARN("snd: AAudio cannot start the microphone: %s; listening only", aa_text(r));
		AAudioStream_close(p->in);
		p->in = NULL;
	}
	int32_t in_burst = p->in ? AAudioStream_getFramesPerBurst(p->in) : 0;
	p->in_burst = in_burst > 0 ? in_burst : 0;
	if ((r = AAudioStream_requestStart(p->out)) != AAUDIO_OK) {
		CORE_ERROR("snd: AAudio cannot start the output: %s", aa_text(r));
		close_streams(p);
		return CORE_ERR_IO;
	}
	p->latency = (struct snd_device_latency){
		.input_ms = (float)p->in_burst * 1000.0f / SND_RATE_HZ,
		.output_ms = (float)AAudioStream_getBufferSizeInFrames(p->out) * 1000.0f / SND_RATE_HZ,
		.buffer_ms = (float)(burst > 0 ? burst : 0) * 1000.0f / SND_RATE_HZ,
		.sample_rate = SND_RATE_HZ};
	CORE_INFO("snd: AAudio %s, output %s, buffer %.1f ms, output latency %.1f ms",
		  p->in ? "microphone on" : "no microphone",
		  AAudioStream_getSharingMode(p->out) == AAUDIO_SHARING_MODE_EXCLUSIVE ? "exclusive"
										       : "shared",
		  (double)p->latency.buffer_ms, (double)p->latency.output_ms);
	return CORE_OK;
}

/* The device went away: new streams, from a thread of its own. */
static void *restart_main(void *arg)
{
	struct snd_aa_backend *p = arg;
	pthread_mutex_lock(&p->lock);
	uint64_t now = snd_now_us(), oldest = p->restart_times[0];
	bool too_often = oldest && now - oldest < 60000000u;
	if (p->running && !p->closing && too_often) {
		close_streams(p);
		CORE_ERROR("snd: the audio streams failed %d times in a minute; voice is off until "
			   "the client restarts",
			   AA_RESTARTS_MAX);
	} else if (p->running && !p->closing) {
		memmove(p->restart_times, p->restart_times + 1,
			sizeof(p->restart_times) - sizeof(p->restart_times[0]));
		p->restart_times[AA_RESTARTS_MAX - 1] = now;
		close_streams(p);
		atomic_fetch_add_explicit(&p->restarts, 1, memory_order_relaxed);
		if (open_streams(p) == CORE_OK)
			CORE_INFO("snd: the audio device changed; streams reopened");
		else
			CORE_ERROR("snd: the audio device changed and no new one opens; voice is "
				   "silent until the client restarts");
	}
	atomic_store(&p->restart_pending, false);
	pthread_cond_broadcast(&p->restarted);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void on_error(AAudioStream *stream, void *user, aaudio_result_t error)
{
	struct snd_aa_backend *p = user;
	(void)stream;
	atomic_fetch_add(&p->in_error_callback, 1);
	/* Any error ends the stream: both may report one failure, and one
	 * restart serves both. This is AAudio's thread: it takes no lock. */
	if (!atomic_exchange(&p->restart_pending, true)) {
		CORE_WARN("snd: AAudio stream error: %s; reopening the streams", aa_text(error));
		pthread_t t;
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		int err = pthread_create(&t, &attr, restart_main, p);
		pthread_attr_destroy(&attr);
		if (err) {
			CORE_ERROR("snd: no thread could reopen the audio streams: %s; voice is off",
				   strerror(err));
			/* destroy() polls it: no signal needed (this thread takes no lock). */
			atomic_store(&p->restart_pending, false);
		}
	}
	atomic_fetch_sub(&p->in_error_callback, 1);
}

static enum core_result aa_start(struct snd_backend *b)
{
	struct snd_aa_backend *p = (struct snd_aa_backend *)b;
	pthread_mutex_lock(&p->lock);
	enum core_result r = CORE_OK;
	if (!p->out)
		r = open_streams(p);
	p->running = r == CORE_OK;
	pthread_mutex_unlock(&p->lock);
	return r;
}

static void aa_stop(struct snd_backend *b)
{
	struct snd_aa_backend *p = (struct snd_aa_backend *)b;
	pthread_mutex_lock(&p->lock);
	p->running = false;
	close_streams(p);
	pthread_mutex_unlock(&p->lock);
}

static void aa_destroy(struct snd_backend *b)
{
	struct snd_aa_backend *p = (struct snd_aa_backend *)b;
	pthread_mutex_lock(&p->lock);
	p->closing = true;
	p->running = false;
	close_streams(p);
	/* A restart thread started before the streams closed finds closing set;
	 * an error callback may still be returning. Both are rechecked every
	 * AA_WAIT_SLICE_NS, so a wake-up that never comes cannot hang here. */
	while (atomic_load(&p->restart_pending) || atomic_load(&p->in_error_callback)) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += AA_WAIT_SLICE_NS;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->restarted, &p->lock, &until);
	}
	pthread_mutex_unlock(&p->lock);
	pthread_cond_destroy(&p->restarted);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

const char *snd_device_api(void)
{
	return "AAudio";
}

/* "", "default" or NULL: the system's choice; a number: that device id. */
static bool parse_device(const char *name, int32_t *out_id)
{
	*out_id = AAUDIO_UNSPECIFIED;
	if (!name || !name[0] || strcmp(name, "default") == 0)
		return true;
	char *end;
	long id = strtol(name, &end, 10);
	if (*end || id <= 0 || id > INT32_MAX)
		return false;
	*out_id = (int32_t)id;
	return true;
}

enum core_result snd_device_create(struct snd_engine *e, const char *in_name,
				   const char *out_name, uint32_t frames_per_buffer,
				   struct snd_backend **out_backend)
{
	*out_backend = NULL;
	(void)frames_per_buffer; /* AAudio's burst is the device's; asking otherwise costs latency */
	struct snd_aa_backend *p = calloc(1, sizeof(*p));
	if (!p) {
		CORE_ERROR("snd: out of memory for the AAudio backend");
		return CORE_ERR_NOMEM;
	}
	p->base = (struct snd_backend){.destroy = aa_destroy, .start = aa_start, .stop = aa_stop};
	p->engine = e;
	p->mic = !(in_name && strcmp(in_name, "none") == 0);
	if ((p->mic && !parse_device(in_name, &p->in_device)) ||
	    !parse_device(out_name, &p->out_device)) {
		bool bad_in = p->mic && !parse_device(in_name, &p->in_device);
		CORE_ERROR("snd: AAudio picks a device by its id (a number from Android's "
			   "AudioManager.getDevices), not \"%s\"; leave --audio-%s out for the "
			   "system's choice",
			   bad_in ? in_name : out_name, bad_in ? "in" : "out");
		free(p);
		return CORE_ERR_INVALID;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->restarted, NULL);
	*out_backend = &p->base;
	return CORE_OK;
}

void snd_device_latency(const struct snd_backend *b, struct snd_device_latency *out_latency)
{
	struct snd_aa_backend *p = (struct snd_aa_backend *)b;
	pthread_mutex_lock(&p->lock);
	*out_latency = p->latency;
	pthread_mutex_unlock(&p->lock);
}

void snd_device_counters(const struct snd_backend *b, struct snd_device_counters *out)
{
	const struct snd_aa_backend *p = (const struct snd_aa_backend *)b;
	*out = (struct snd_device_counters){
		.callbacks = atomic_load_explicit(&p->callbacks, memory_order_relaxed),
		.xruns = atomic_load_explicit(&p->xruns, memory_order_relaxed),
		.restarts = atomic_load_explicit(&p->restarts, memory_order_relaxed),
		.mic_dropped = atomic_load_explicit(&p->mic_dropped, memory_order_relaxed)};
}

enum core_result snd_device_list(FILE *out)
{
	fprintf(out, "AAudio: Android routes the sound (the headset's speakers and microphone, or "
		     "headphones when connected).\n"
		     "--audio-in none turns the microphone off; --audio-in N or --audio-out N "
		     "picks the device with id N (Android's AudioManager.getDevices lists them).\n");
	return CORE_OK;
}
