/**
 * @file snd_pa.h
 * @brief PortAudio backend: one full-duplex stream driving one engine.
 *
 * The stream callback calls snd_engine_process() with PortAudio's buffers and
 * the device's sample clock in microseconds (started from CLOCK_MONOTONIC at
 * start()), so the engine's time never drifts from the audio it sees. It
 * never blocks or allocates. Pa_Initialize/Pa_Terminate are paired per
 * backend object (PortAudio counts them itself).
 */
#pragma once

#include "snd.h"

struct snd_pa_latency {
	float input_ms;     /* Pa_GetStreamInfo: device input latency */
	float output_ms;    /* device output latency */
	float buffer_ms;    /* one callback buffer */
	double sample_rate; /* as opened */
};

/**
 * Opens the devices named @p in_name and @p out_name (NULL or "": default;
 * else an exact or substring match; in_name "none": no microphone).
 * frames_per_buffer 0 lets PortAudio choose. Not found: an error listing the
 * devices.
 */
enum core_result snd_backend_pa_create(struct snd_engine *e, const char *in_name,
				       const char *out_name, uint32_t frames_per_buffer,
				       struct snd_backend **out_backend) CORE_MUST_CHECK;

/** Latencies of the open stream (after start(); zeros before). */
void snd_pa_latency(const struct snd_backend *b, struct snd_pa_latency *out_latency);

/** Callbacks run so far, and how many reported under/overflow. */
void snd_pa_counters(const struct snd_backend *b, uint64_t *out_callbacks, uint64_t *out_xruns);

/** Prints input and output devices (for --list-audio-devices). */
enum core_result snd_pa_list_devices(FILE *out) CORE_MUST_CHECK;
