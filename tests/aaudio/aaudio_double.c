/*
 * aaudio_double.c: a test double of Android's AAudio (the NDK's
 * libaaudio.so), so that client/audio/snd_aaudio.c runs here: there is no
 * phone and no NDK. It follows the NDK's AAudio reference for every call
 * the backend makes:
 *  - builders carry the requested properties; openStream checks them
 *    (ILLEGAL_ARGUMENT, INVALID_FORMAT, INVALID_RATE) and opens what it can:
 *    EXCLUSIVE falls back to SHARED, an unspecified rate is the device's
 *    48 kHz, an unspecified channel count is 2 out and 1 in;
 *  - the state machine OPEN -> STARTED -> STOPPED -> CLOSED, and
 *    DISCONNECTED, with INVALID_STATE and DISCONNECTED where the reference
 *    says;
 *  - an output stream's data callback runs on a thread of its own, one
 *    burst (192 frames, 4 ms) at a time, and the device's clock advances by
 *    what it consumed; an input stream fills at that clock, holds at most
 *    its capacity (an overflow drops the oldest and counts an xrun) and
 *    AAudioStream_read() with timeout 0 returns what is there, never more;
 *  - error callbacks run on another thread (AAudio's; the NDK does not say
 *    that close() waits for one, the double's close() does);
 *  - getFramesWritten/getFramesRead: for input, what the device recorded
 *    and what was read, so a reader can see its backlog.
 * Calls the reference forbids are counted as violations, with the first
 * described (aaudio_double_report): close, stop, start or a blocking read
 * from a data callback; close from an error callback; any call on a closed
 * stream (as a pointer the double no longer holds: one calloc hands out
 * again is not seen). The double counts them and carries on.
 * For tests it can also fail streams with any error and stall the output
 * while the microphone records. It ignores device ids and has one clock
 * and one burst for input and output, so drift between them never shows. The device is not paced in real time: it runs as fast as the
 * callback returns, as the ALSA file device of the PortAudio test does.
 */
#include "aaudio_double.h"

#include <aaudio/AAudio.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DBL_RATE 48000
#define DBL_BURST 192
#define DBL_CAPACITY (DBL_BURST * 96) /* 384 ms: an input buffer holds this much */
#define DBL_MAX_STREAMS 16
#define DBL_PLAYED_MAX (48000 * 120) /* frames kept of what was played */

struct AAudioStreamBuilderStruct {
	aaudio_direction_t direction;
	int32_t device, rate, channels;
	aaudio_format_t format;
	aaudio_sharing_mode_t sharing;
	aaudio_performance_mode_t performance;
	AAudioStream_dataCallback data_cb;
	void *data_user;
	AAudioStream_errorCallback error_cb;
	void *error_user;
};

struct AAudioStreamStruct {
	struct AAudioStreamBuilderStruct p; /* as opened */
	_Atomic aaudio_stream_state_t state;
	int32_t buffer_size;
	_Atomic int32_t xruns;
	/* output: the callback thread */
	pthread_t thread;
	bool thread_live;
	atomic_bool thread_stop;
	/* input: frames read, and the device clock at start; output: frames
	 * the callbacks wrote */
	uint64_t read_frames, start_frame, written_frames;
	/* the error callback's thread */
	pthread_t error_thread;
	bool error_thread_live;
	aaudio_result_t error; /* what the error callback is told */
};

static struct {
	pthread_mutex_t lock;
	AAudioStream *live[DBL_MAX_STREAMS];
	uint64_t device_frames, data_callbacks;
	int16_t *mic;
	uint32_t mic_frames;
	uint64_t mic_from; /* device frame of the mic's first sample */
	bool deny_mic;
	uint32_t stall_frames; /* the output's next stall */
	int16_t *played;
	uint32_t played_frames;
	uint32_t opens, closes, violations;
	char first_violation[256];
} dbl = {.lock = PTHREAD_MUTEX_INITIALIZER};

static _Thread_local int in_data_callback, in_error_callback;

static void violation(const char *fmt, ...)
{
	pthread_mutex_lock(&dbl.lock);
	uint32_t seen = dbl.violations++;
	if (!seen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(dbl.first_violation, sizeof(dbl.first_violation), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&dbl.lock);
	if (seen >= 5)
		return; /* the report counts them all */
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "aaudio double: forbidden: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

/* A stream the application may still use (open, not closed). */
static bool live(AAudioStream *s, const char *call)
{
	if (!s) {
		violation("%s(NULL)", call);
		return false;
	}
	pthread_mutex_lock(&dbl.lock);
	bool found = false;
	for (int i = 0; i < DBL_MAX_STREAMS; i++)
		found |= dbl.live[i] == s;
	pthread_mutex_unlock(&dbl.lock);
	if (!found)
		violation("%s on a stream that is closed or was never opened", call);
	return found;
}

const char *AAudio_convertResultToText(aaudio_result_t r)
{
	switch (r) {
	case AAUDIO_OK: return "AAUDIO_OK";
	case AAUDIO_ERROR_DISCONNECTED: return "AAUDIO_ERROR_DISCONNECTED";
	case AAUDIO_ERROR_ILLEGAL_ARGUMENT: return "AAUDIO_ERROR_ILLEGAL_ARGUMENT";
	case AAUDIO_ERROR_INTERNAL: return "AAUDIO_ERROR_INTERNAL";
	case AAUDIO_ERROR_INVALID_STATE: return "AAUDIO_ERROR_INVALID_STATE";
	case AAUDIO_ERROR_INVALID_HANDLE: return "AAUDIO_ERROR_INVALID_HANDLE";
	case AAUDIO_ERROR_UNIMPLEMENTED: return "AAUDIO_ERROR_UNIMPLEMENTED";
	case AAUDIO_ERROR_UNAVAILABLE: return "AAUDIO_ERROR_UNAVAILABLE";
	case AAUDIO_ERROR_NO_MEMORY: return "AAUDIO_ERROR_NO_MEMORY";
	case AAUDIO_ERROR_NULL: return "AAUDIO_ERROR_NULL";
	case AAUDIO_ERROR_TIMEOUT: return "AAUDIO_ERROR_TIMEOUT";
	case AAUDIO_ERROR_WOULD_BLOCK: return "AAUDIO_ERROR_WOULD_BLOCK";
	case AAUDIO_ERROR_INVALID_FORMAT: return "AAUDIO_ERROR_INVALID_FORMAT";
	case AAUDIO_ERROR_OUT_OF_RANGE: return "AAUDIO_ERROR_OUT_OF_RANGE";
	case AAUDIO_ERROR_NO_SERVICE: return "AAUDIO_ERROR_NO_SERVICE";
	case AAUDIO_ERROR_INVALID_RATE: return "AAUDIO_ERROR_INVALID_RATE";
	default: return "Unrecognized AAudio error.";
	}
}

aaudio_result_t AAudio_createStreamBuilder(AAudioStreamBuilder **builder)
{
	if (!builder)
		return AAUDIO_ERROR_NULL;
	*builder = calloc(1, sizeof(**builder));
	if (!*builder)
		return AAUDIO_ERROR_NO_MEMORY;
	(*builder)->direction = AAUDIO_DIRECTION_OUTPUT;
	(*builder)->sharing = AAUDIO_SHARING_MODE_SHARED;
	(*builder)->performance = AAUDIO_PERFORMANCE_MODE_NONE;
	return AAUDIO_OK;
}

void AAudioStreamBuilder_setDeviceId(AAudioStreamBuilder *b, int32_t id) { b->device = id; }
void AAudioStreamBuilder_setSampleRate(AAudioStreamBuilder *b, int32_t rate) { b->rate = rate; }
void AAudioStreamBuilder_setChannelCount(AAudioStreamBuilder *b, int32_t n) { b->channels = n; }
void AAudioStreamBuilder_setFormat(AAudioStreamBuilder *b, aaudio_format_t f) { b->format = f; }
void AAudioStreamBuilder_setSharingMode(AAudioStreamBuilder *b, aaudio_sharing_mode_t m) { b->sharing = m; }
void AAudioStreamBuilder_setDirection(AAudioStreamBuilder *b, aaudio_direction_t d) { b->direction = d; }
void AAudioStreamBuilder_setPerformanceMode(AAudioStreamBuilder *b, aaudio_performance_mode_t m) { b->performance = m; }
void AAudioStreamBuilder_setUsage(AAudioStreamBuilder *b, aaudio_usage_t u) { (void)b; (void)u; }
void AAudioStreamBuilder_setContentType(AAudioStreamBuilder *b, aaudio_content_type_t c) { (void)b; (void)c; }
void AAudioStreamBuilder_setInputPreset(AAudioStreamBuilder *b, aaudio_input_preset_t p) { (void)b; (void)p; }

void AAudioStreamBuilder_setDataCallback(AAudioStreamBuilder *b, AAudioStream_dataCallback cb,
					 void *user)
{
	b->data_cb = cb;
	b->data_user = user;
}

void AAudioStreamBuilder_setErrorCallback(AAudioStreamBuilder *b, AAudioStream_errorCallback cb,
					  void *user)
{
	b->error_cb = cb;
	b->error_user = user;
}

aaudio_result_t AAudioStreamBuilder_delete(AAudioStreamBuilder *b)
{
	free(b);
	return AAUDIO_OK;
}

aaudio_result_t AAudioStreamBuilder_openStream(AAudioStreamBuilder *b, AAudioStream **out)
{
	if (!b || !out)
		return AAUDIO_ERROR_NULL;
	*out = NULL;
	if (in_data_callback)
		violation("openStream from a data callback");
	if (b->direction != AAUDIO_DIRECTION_OUTPUT && b->direction != AAUDIO_DIRECTION_INPUT)
		return AAUDIO_ERROR_ILLEGAL_ARGUMENT;
	if (b->format != AAUDIO_FORMAT_UNSPECIFIED && b->format != AAUDIO_FORMAT_PCM_I16 &&
	    b->format != AAUDIO_FORMAT_PCM_FLOAT)
		return AAUDIO_ERROR_INVALID_FORMAT;
	if (b->rate != AAUDIO_UNSPECIFIED && (b->rate < 8000 || b->rate > 192000))
		return AAUDIO_ERROR_INVALID_RATE;
	if (b->channels < 0 || b->channels > 8)
		return AAUDIO_ERROR_OUT_OF_RANGE;
	bool input = b->direction == AAUDIO_DIRECTION_INPUT;
	if (input && b->data_cb)
		return AAUDIO_ERROR_UNIMPLEMENTED; /* the double's limit: input is read */
	pthread_mutex_lock(&dbl.lock);
	bool denied = input && dbl.deny_mic;
	int slot = -1;
	for (int i = 0; i < DBL_MAX_STREAMS && slot < 0; i++)
		if (!dbl.live[i])
			slot = i;
	pthread_mutex_unlock(&dbl.lock);
	/* Android leaves the code of a refused permission unspecified. */
	if (denied)
		return AAUDIO_ERROR_UNAVAILABLE;
	if (slot < 0)
		return AAUDIO_ERROR_NO_FREE_HANDLES;
	AAudioStream *s = calloc(1, sizeof(*s));
	if (!s)
		return AAUDIO_ERROR_NO_MEMORY;
	s->p = *b;
	if (!s->p.rate)
		s->p.rate = DBL_RATE;
	if (!s->p.channels)
		s->p.channels = input ? 1 : 2;
	if (!s->p.format)
		s->p.format = AAUDIO_FORMAT_PCM_FLOAT;
	s->p.sharing = AAUDIO_SHARING_MODE_SHARED; /* no MMAP path: EXCLUSIVE falls back */
	s->buffer_size = DBL_CAPACITY;
	atomic_store(&s->state, AAUDIO_STREAM_STATE_OPEN);
	pthread_mutex_lock(&dbl.lock);
	dbl.live[slot] = s;
	dbl.opens++;
	pthread_mutex_unlock(&dbl.lock);
	*out = s;
	return AAUDIO_OK;
}

static size_t frame_bytes(const AAudioStream *s)
{
	return (size_t)s->p.channels *
	       (s->p.format == AAUDIO_FORMAT_PCM_I16 ? sizeof(int16_t) : sizeof(float));
}

static void keep_played(const AAudioStream *s, const void *audio, int32_t frames)
{
	pthread_mutex_lock(&dbl.lock);
	for (int32_t i = 0; i < frames && dbl.played && dbl.played_frames < DBL_PLAYED_MAX; i++) {
		for (int c = 0; c < 2; c++) {
			int ch = c < s->p.channels ? c : 0;
			int16_t v;
			if (s->p.format == AAUDIO_FORMAT_PCM_I16) {
				v = ((const int16_t *)audio)[i * s->p.channels + ch];
			} else {
				float f = ((const float *)audio)[i * s->p.channels + ch] * 32767.0f;
				v = (int16_t)(f > 32767.0f ? 32767.0f : f < -32768.0f ? -32768.0f : f);
			}
			dbl.played[2 * dbl.played_frames + c] = v;
		}
		dbl.played_frames++;
	}
	pthread_mutex_unlock(&dbl.lock);
}

static void *output_main(void *arg)
{
	AAudioStream *s = arg;
	void *audio = calloc(DBL_BURST, frame_bytes(s));
	while (audio && !atomic_load(&s->thread_stop) &&
	       atomic_load(&s->state) == AAUDIO_STREAM_STATE_STARTED) {
		pthread_mutex_lock(&dbl.lock);
		dbl.device_frames += DBL_BURST;
		bool stalled = dbl.stall_frames > 0;
		if (stalled)
			dbl.stall_frames = dbl.stall_frames > DBL_BURST ? dbl.stall_frames - DBL_BURST : 0;
		else
			dbl.data_callbacks++;
		pthread_mutex_unlock(&dbl.lock);
		if (stalled) { /* the device plays silence; no callback */
			memset(audio, 0, DBL_BURST * frame_bytes(s));
			keep_played(s, audio, DBL_BURST);
			continue;
		}
		in_data_callback = 1;
		aaudio_data_callback_result_t r = s->p.data_cb(s, s->p.data_user, audio, DBL_BURST);
		in_data_callback = 0;
		s->written_frames += DBL_BURST;
		keep_played(s, audio, DBL_BURST);
		if (r == AAUDIO_CALLBACK_RESULT_STOP) {
			atomic_store(&s->state, AAUDIO_STREAM_STATE_STOPPED);
		} else if (r != AAUDIO_CALLBACK_RESULT_CONTINUE) {
			violation("a data callback returned %d (CONTINUE or STOP only)", r);
			break;
		}
	}
	free(audio);
	return NULL;
}

static void stop_thread(AAudioStream *s)
{
	if (!s->thread_live)
		return;
	atomic_store(&s->thread_stop, true);
	pthread_join(s->thread, NULL);
	s->thread_live = false;
}

aaudio_result_t AAudioStream_requestStart(AAudioStream *s)
{
	if (!live(s, "requestStart"))
		return AAUDIO_ERROR_INVALID_HANDLE;
	if (in_data_callback)
		violation("requestStart from a data callback");
	aaudio_stream_state_t st = atomic_load(&s->state);
	if (st == AAUDIO_STREAM_STATE_DISCONNECTED)
		return AAUDIO_ERROR_DISCONNECTED;
	if (st == AAUDIO_STREAM_STATE_STARTED)
		return AAUDIO_OK;
	if (st != AAUDIO_STREAM_STATE_OPEN && st != AAUDIO_STREAM_STATE_STOPPED)
		return AAUDIO_ERROR_INVALID_STATE;
	stop_thread(s); /* one that ended itself with STOP */
	pthread_mutex_lock(&dbl.lock);
	s->start_frame = dbl.device_frames;
	s->read_frames = 0;
	pthread_mutex_unlock(&dbl.lock);
	atomic_store(&s->state, AAUDIO_STREAM_STATE_STARTED);
	if (s->p.direction == AAUDIO_DIRECTION_OUTPUT && s->p.data_cb) {
		atomic_store(&s->thread_stop, false);
		if (pthread_create(&s->thread, NULL, output_main, s) != 0) {
			atomic_store(&s->state, AAUDIO_STREAM_STATE_OPEN);
			return AAUDIO_ERROR_NO_MEMORY;
		}
		s->thread_live = true;
	}
	return AAUDIO_OK;
}

aaudio_result_t AAudioStream_requestStop(AAudioStream *s)
{
	if (!live(s, "requestStop"))
		return AAUDIO_ERROR_INVALID_HANDLE;
	if (in_data_callback) {
		violation("requestStop from a data callback (return STOP instead)");
		return AAUDIO_ERROR_INVALID_STATE;
	}
	aaudio_stream_state_t st = atomic_load(&s->state);
	if (st == AAUDIO_STREAM_STATE_DISCONNECTED) {
		stop_thread(s);
		return AAUDIO_ERROR_DISCONNECTED;
	}
	if (st == AAUDIO_STREAM_STATE_STARTED)
		atomic_store(&s->state, AAUDIO_STREAM_STATE_STOPPED);
	stop_thread(s);
	return AAUDIO_OK;
}

aaudio_result_t AAudioStream_close(AAudioStream *s)
{
	if (!live(s, "close"))
		return AAUDIO_ERROR_INVALID_HANDLE;
	if (in_data_callback) {
		violation("close from a data callback");
		return AAUDIO_ERROR_INVALID_STATE;
	}
	if (in_error_callback) {
		violation("close from an error callback (another thread must close)");
		return AAUDIO_ERROR_INVALID_STATE;
	}
	if (atomic_load(&s->state) == AAUDIO_STREAM_STATE_STARTED)
		atomic_store(&s->state, AAUDIO_STREAM_STATE_STOPPED);
	stop_thread(s);
	if (s->error_thread_live)
		pthread_join(s->error_thread, NULL);
	pthread_mutex_lock(&dbl.lock);
	for (int i = 0; i < DBL_MAX_STREAMS; i++)
		if (dbl.live[i] == s)
			dbl.live[i] = NULL;
	dbl.closes++;
	pthread_mutex_unlock(&dbl.lock);
	free(s);
	return AAUDIO_OK;
}

aaudio_result_t AAudioStream_read(AAudioStream *s, void *buffer, int32_t frames, int64_t timeout_ns)
{
	if (!live(s, "read"))
		return AAUDIO_ERROR_INVALID_HANDLE;
	if (s->p.direction != AAUDIO_DIRECTION_INPUT)
		return AAUDIO_ERROR_UNIMPLEMENTED;
	if (!buffer)
		return AAUDIO_ERROR_NULL;
	if (frames < 0)
		return AAUDIO_ERROR_ILLEGAL_ARGUMENT;
	if (timeout_ns > 0 && in_data_callback)
		violation("a blocking read (timeout %lld ns) from a data callback", (long long)timeout_ns);
	aaudio_stream_state_t st = atomic_load(&s->state);
	if (st == AAUDIO_STREAM_STATE_DISCONNECTED)
		return AAUDIO_ERROR_DISCONNECTED;
	if (st != AAUDIO_STREAM_STATE_STARTED)
		return AAUDIO_ERROR_INVALID_STATE;
	pthread_mutex_lock(&dbl.lock);
	uint64_t made = dbl.device_frames - s->start_frame;
	if (made - s->read_frames > (uint64_t)DBL_CAPACITY) {
		s->read_frames = made - DBL_CAPACITY; /* the oldest were overwritten */
		atomic_fetch_add(&s->xruns, 1);
	}
	int32_t n = (int32_t)(made - s->read_frames < (uint64_t)frames ? made - s->read_frames
								    : (uint64_t)frames);
	for (int32_t i = 0; i < n; i++) {
		uint64_t at = s->start_frame + s->read_frames + (uint64_t)i;
		int16_t v = at >= dbl.mic_from && at - dbl.mic_from < dbl.mic_frames
				    ? dbl.mic[at - dbl.mic_from]
				    : 0;
		for (int c = 0; c < s->p.channels; c++) {
			if (s->p.format == AAUDIO_FORMAT_PCM_I16)
				((int16_t *)buffer)[i * s->p.channels + c] = v;
			else
				((float *)buffer)[i * s->p.channels + c] = (float)v / 32768.0f;
		}
	}
	s->read_frames += (uint64_t)n;
	pthread_mutex_unlock(&dbl.lock);
	return n;
}

aaudio_result_t AAudioStream_setBufferSizeInFrames(AAudioStream *s, int32_t frames)
{
	if (!live(s, "setBufferSizeInFrames"))
		return AAUDIO_ERROR_INVALID_HANDLE;
	if (frames < 0)
		return AAUDIO_ERROR_ILLEGAL_ARGUMENT;
	s->buffer_size = frames < DBL_BURST ? DBL_BURST : frames > DBL_CAPACITY ? DBL_CAPACITY : frames;
	return s->buffer_size;
}

int32_t AAudioStream_getBufferSizeInFrames(AAudioStream *s) { return live(s, "getBufferSizeInFrames") ? s->buffer_size : AAUDIO_ERROR_INVALID_HANDLE; }
int32_t AAudioStream_getFramesPerBurst(AAudioStream *s) { return live(s, "getFramesPerBurst") ? DBL_BURST : AAUDIO_ERROR_INVALID_HANDLE; }
int32_t AAudioStream_getXRunCount(AAudioStream *s) { return live(s, "getXRunCount") ? atomic_load(&s->xruns) : AAUDIO_ERROR_INVALID_HANDLE; }
/* Input: what the device recorded since start, and what was read (an
 * overflow moves the read count past what was lost). Output: what the
 * callbacks wrote, and what the device played of it. */
int64_t AAudioStream_getFramesWritten(AAudioStream *s)
{
	if (!live(s, "getFramesWritten"))
		return AAUDIO_ERROR_INVALID_HANDLE;
	if (s->p.direction == AAUDIO_DIRECTION_OUTPUT)
		return (int64_t)s->written_frames;
	pthread_mutex_lock(&dbl.lock);
	int64_t made = atomic_load(&s->state) == AAUDIO_STREAM_STATE_STARTED
			       ? (int64_t)(dbl.device_frames - s->start_frame)
			       : (int64_t)s->read_frames;
	pthread_mutex_unlock(&dbl.lock);
	return made;
}

int64_t AAudioStream_getFramesRead(AAudioStream *s)
{
	if (!live(s, "getFramesRead"))
		return AAUDIO_ERROR_INVALID_HANDLE;
	if (s->p.direction == AAUDIO_DIRECTION_OUTPUT)
		return (int64_t)s->written_frames;
	pthread_mutex_lock(&dbl.lock);
	int64_t read = (int64_t)s->read_frames;
	pthread_mutex_unlock(&dbl.lock);
	return read;
}

int32_t AAudioStream_getSampleRate(AAudioStream *s) { return live(s, "getSampleRate") ? s->p.rate : 0; }
int32_t AAudioStream_getChannelCount(AAudioStream *s) { return live(s, "getChannelCount") ? s->p.channels : 0; }
aaudio_format_t AAudioStream_getFormat(AAudioStream *s) { return live(s, "getFormat") ? s->p.format : AAUDIO_FORMAT_INVALID; }
aaudio_sharing_mode_t AAudioStream_getSharingMode(AAudioStream *s) { return live(s, "getSharingMode") ? s->p.sharing : AAUDIO_SHARING_MODE_SHARED; }
aaudio_stream_state_t AAudioStream_getState(AAudioStream *s) { return live(s, "getState") ? atomic_load(&s->state) : AAUDIO_STREAM_STATE_CLOSED; }

/* ---- the test's side -------------------------------------------------- */

void aaudio_double_reset(void)
{
	pthread_mutex_lock(&dbl.lock);
	free(dbl.mic);
	free(dbl.played);
	dbl.mic = NULL;
	dbl.mic_frames = 0;
	dbl.deny_mic = false;
	dbl.played = calloc((size_t)DBL_PLAYED_MAX * 2, sizeof(int16_t));
	dbl.played_frames = 0;
	dbl.device_frames = dbl.data_callbacks = 0;
	dbl.opens = dbl.closes = dbl.violations = 0;
	dbl.first_violation[0] = '\0';
	pthread_mutex_unlock(&dbl.lock);
}

void aaudio_double_set_mic(const int16_t *mono, uint32_t frames)
{
	pthread_mutex_lock(&dbl.lock);
	free(dbl.mic);
	dbl.mic = malloc((size_t)frames * sizeof(int16_t) + 1);
	if (dbl.mic)
		memcpy(dbl.mic, mono, (size_t)frames * sizeof(int16_t));
	dbl.mic_frames = dbl.mic ? frames : 0;
	dbl.mic_from = dbl.device_frames;
	pthread_mutex_unlock(&dbl.lock);
}

void aaudio_double_deny_mic(bool deny)
{
	pthread_mutex_lock(&dbl.lock);
	dbl.deny_mic = deny;
	pthread_mutex_unlock(&dbl.lock);
}

static void *error_main(void *arg)
{
	AAudioStream *s = arg;
	in_error_callback = 1;
	s->p.error_cb(s, s->p.error_user, s->error);
	in_error_callback = 0;
	return NULL;
}

void aaudio_double_disconnect(void)
{
	aaudio_double_fail(AAUDIO_ERROR_DISCONNECTED);
}

void aaudio_double_stall_output(uint32_t frames)
{
	pthread_mutex_lock(&dbl.lock);
	dbl.stall_frames = frames;
	pthread_mutex_unlock(&dbl.lock);
}

void aaudio_double_fail(int32_t error)
{
	pthread_mutex_lock(&dbl.lock);
	for (int i = 0; i < DBL_MAX_STREAMS; i++) {
		AAudioStream *s = dbl.live[i];
		if (!s || atomic_load(&s->state) != AAUDIO_STREAM_STATE_STARTED)
			continue;
		atomic_store(&s->state, AAUDIO_STREAM_STATE_DISCONNECTED);
		s->error = error;
		if (s->p.error_cb && !s->error_thread_live)
			s->error_thread_live = pthread_create(&s->error_thread, NULL, error_main, s) == 0;
	}
	pthread_mutex_unlock(&dbl.lock);
}

uint32_t aaudio_double_played(int16_t *out_stereo, uint32_t max_frames)
{
	pthread_mutex_lock(&dbl.lock);
	uint32_t n = dbl.played_frames < max_frames ? dbl.played_frames : max_frames;
	if (dbl.played)
		memcpy(out_stereo, dbl.played, (size_t)n * 2 * sizeof(int16_t));
	pthread_mutex_unlock(&dbl.lock);
	return n;
}

void aaudio_double_report(struct aaudio_double_report *out)
{
	pthread_mutex_lock(&dbl.lock);
	*out = (struct aaudio_double_report){.opens = dbl.opens, .closes = dbl.closes,
					     .data_callbacks = dbl.data_callbacks,
					     .device_frames = dbl.device_frames,
					     .violations = dbl.violations};
	for (int i = 0; i < DBL_MAX_STREAMS; i++)
		out->live_streams += dbl.live[i] != NULL;
	memcpy(out->first_violation, dbl.first_violation, sizeof(out->first_violation));
	pthread_mutex_unlock(&dbl.lock);
}
