/**
 * @file snd_pa.c
 * @brief The sound device through PortAudio (snd_device.h): one full-duplex
 * stream. Pa_Initialize/Pa_Terminate are paired per backend object
 * (PortAudio counts them itself).
 */
#include "snd_device.h"

#include <portaudio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct snd_pa_backend {
	struct snd_backend base;
	struct snd_engine *engine;
	bool pa_initialized;
	PaStream *stream;
	PaDeviceIndex in_dev, out_dev; /* in_dev paNoDevice: no microphone */
	uint32_t frames_per_buffer;
	uint64_t start_us;
	uint64_t samples;              /* callback thread only */
	_Atomic uint64_t callbacks, xruns;
	struct snd_device_latency latency;
};

static int pa_callback(const void *input, void *output, unsigned long frames,
		       const PaStreamCallbackTimeInfo *time_info, PaStreamCallbackFlags flags,
		       void *user)
{
	struct snd_pa_backend *p = user;
	uint64_t now_us = p->start_us + p->samples * 1000000u / SND_RATE_HZ;
	snd_engine_set_clock_offset(p->engine, (int64_t)now_us - (int64_t)snd_now_us());
	snd_engine_process(p->engine, input, output, (uint32_t)frames, now_us);
	p->samples += frames;
	atomic_fetch_add_explicit(&p->callbacks, 1, memory_order_relaxed);
	if (flags & (paInputUnderflow | paInputOverflow | paOutputUnderflow | paOutputOverflow))
		atomic_fetch_add_explicit(&p->xruns, 1, memory_order_relaxed);
	return paContinue;
}

static void list_devices(FILE *out, bool input)
{
	int n = Pa_GetDeviceCount();
	for (int i = 0; i < n; i++) {
		const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
		int ch = input ? d->maxInputChannels : d->maxOutputChannels;
		if (ch <= 0)
			continue;
		const PaHostApiInfo *h = Pa_GetHostApiInfo(d->hostApi);
		bool def = i == (input ? Pa_GetDefaultInputDevice() : Pa_GetDefaultOutputDevice());
		fprintf(out, "  %s\"%s\" (%s, %d ch, %.0f Hz)\n", def ? "* " : "  ", d->name,
			h ? h->name : "?", ch, d->defaultSampleRate);
	}
}

static enum core_result pa_init(void)
{
	PaError err = Pa_Initialize();
	if (err != paNoError) {
		CORE_ERROR("snd: PortAudio failed to initialise: %s", Pa_GetErrorText(err));
		return CORE_ERR_IO;
	}
	return CORE_OK;
}

const char *snd_device_api(void)
{
	return "PortAudio";
}

enum core_result snd_device_list(FILE *out)
{
	if (pa_init() != CORE_OK)
		return CORE_ERR_IO;
	fprintf(out, "Audio inputs (* default):\n");
	list_devices(out, true);
	fprintf(out, "Audio outputs (* default):\n");
	list_devices(out, false);
	Pa_Terminate();
	return CORE_OK;
}

static PaDeviceIndex find_device(const char *name, bool input)
{
	if (!name || !name[0])
		return input ? Pa_GetDefaultInputDevice() : Pa_GetDefaultOutputDevice();
	int n = Pa_GetDeviceCount();
	PaDeviceIndex sub = paNoDevice;
	for (int i = 0; i < n; i++) {
		const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
		if ((input ? d->maxInputChannels : d->maxOutputChannels) <= 0)
			continue;
		if (strcmp(d->name, name) == 0)
			return i;
		if (sub == paNoDevice && strstr(d->name, name))
			sub = i;
	}
	return sub;
}

static void pa_destroy(struct snd_backend *b)
{
	struct snd_pa_backend *p = (struct snd_pa_backend *)b;
	if (p->stream) {
		Pa_StopStream(p->stream);
		Pa_CloseStream(p->stream);
	}
	if (p->pa_initialized)
		Pa_Terminate();
	free(p);
}

static enum core_result pa_start(struct snd_backend *b)
{
	struct snd_pa_backend *p = (struct snd_pa_backend *)b;
	if (p->stream)
		return CORE_OK;
	PaStreamParameters in = {0}, out = {0};
	if (p->in_dev != paNoDevice) {
		in.device = p->in_dev;
		in.channelCount = 1;
		in.sampleFormat = paInt16;
		in.suggestedLatency = Pa_GetDeviceInfo(p->in_dev)->defaultLowInputLatency;
	}
	out.device = p->out_dev;
	out.channelCount = 2;
	out.sampleFormat = paInt16;
	out.suggestedLatency = Pa_GetDeviceInfo(p->out_dev)->defaultLowOutputLatency;
	p->samples = 0;
	p->start_us = snd_now_us();
	PaError err = Pa_OpenStream(&p->stream, p->in_dev != paNoDevice ? &in : NULL, &out,
				    SND_RATE_HZ, p->frames_per_buffer ? p->frames_per_buffer
								      : paFramesPerBufferUnspecified,
				    paNoFlag, pa_callback, p);
	if (err != paNoError) {
		CORE_ERROR("snd: cannot open audio stream (%s -> %s) at 48000 Hz: %s; check "
			   "--list-audio-devices",
			   p->in_dev != paNoDevice ? Pa_GetDeviceInfo(p->in_dev)->name : "none",
			   Pa_GetDeviceInfo(p->out_dev)->name, Pa_GetErrorText(err));
		p->stream = NULL;
		return CORE_ERR_IO;
	}
	const PaStreamInfo *info = Pa_GetStreamInfo(p->stream);
	if (info) {
		p->latency.input_ms = (float)(info->inputLatency * 1000.0);
		p->latency.output_ms = (float)(info->outputLatency * 1000.0);
		p->latency.sample_rate = info->sampleRate;
	}
	p->latency.buffer_ms = (float)p->frames_per_buffer * 1000.0f / SND_RATE_HZ;
	err = Pa_StartStream(p->stream);
	if (err != paNoError) {
		CORE_ERROR("snd: cannot start audio stream: %s", Pa_GetErrorText(err));
		Pa_CloseStream(p->stream);
		p->stream = NULL;
		return CORE_ERR_IO;
	}
	CORE_INFO("snd: audio %s -> %s, latency in %.1f ms out %.1f ms, buffer %u",
		  p->in_dev != paNoDevice ? Pa_GetDeviceInfo(p->in_dev)->name : "none",
		  Pa_GetDeviceInfo(p->out_dev)->name, (double)p->latency.input_ms,
		  (double)p->latency.output_ms, p->frames_per_buffer);
	return CORE_OK;
}

static void pa_stop(struct snd_backend *b)
{
	struct snd_pa_backend *p = (struct snd_pa_backend *)b;
	if (!p->stream)
		return;
	Pa_StopStream(p->stream);
	Pa_CloseStream(p->stream);
	p->stream = NULL;
}

enum core_result snd_device_create(struct snd_engine *e, const char *in_name,
				   const char *out_name, uint32_t frames_per_buffer,
				   struct snd_backend **out_backend)
{
	*out_backend = NULL;
	struct snd_pa_backend *p = calloc(1, sizeof(*p));
	if (!p) {
		CORE_ERROR("snd: out of memory for the PortAudio backend");
		return CORE_ERR_NOMEM;
	}
	p->base = (struct snd_backend){.destroy = pa_destroy, .start = pa_start, .stop = pa_stop};
	p->engine = e;
	p->frames_per_buffer = frames_per_buffer;
	if (pa_init() != CORE_OK) {
		free(p);
		return CORE_ERR_IO;
	}
	p->pa_initialized = true;
	bool no_mic = in_name && strcmp(in_name, "none") == 0;
	p->in_dev = no_mic ? paNoDevice : find_device(in_name, true);
	p->out_dev = find_device(out_name, false);
	if ((!no_mic && p->in_dev == paNoDevice) || p->out_dev == paNoDevice) {
		bool in_missing = !no_mic && p->in_dev == paNoDevice;
		const char *name = in_missing ? in_name : out_name;
		CORE_ERROR("snd: no audio %s device %s%s%s; the devices are:",
			   in_missing ? "input" : "output", name && name[0] ? "named \"" : "(default)",
			   name && name[0] ? name : "", name && name[0] ? "\"" : "");
		fprintf(stderr, "Audio inputs:\n");
		list_devices(stderr, true);
		fprintf(stderr, "Audio outputs:\n");
		list_devices(stderr, false);
		pa_destroy(&p->base);
		return CORE_ERR_INVALID;
	}
	*out_backend = &p->base;
	return CORE_OK;
}

void snd_device_latency(const struct snd_backend *b, struct snd_device_latency *out_latency)
{
	*out_latency = ((const struct snd_pa_backend *)b)->latency;
}

void snd_device_counters(const struct snd_backend *b, struct snd_device_counters *out)
{
	const struct snd_pa_backend *p = (const struct snd_pa_backend *)b;
	*out = (struct snd_device_counters){
		.callbacks = atomic_load_explicit(&p->callbacks, memory_order_relaxed),
		.xruns = atomic_load_explicit(&p->xruns, memory_order_relaxed)};
}
