/**
 * @file snd_device.h
 * @brief The sound device: one backend per platform behind one interface.
 *
 * A program links exactly one implementation: PortAudio on Linux and the
 * desktops (snd_pa.c, library lyceum_audio_pa), AAudio on Android
 * (snd_aaudio.c, library lyceum_audio_aaudio). Each drives one engine from
 * the device's callback with the device's sample clock in microseconds
 * (started from CLOCK_MONOTONIC at start()), so the engine's time never
 * drifts from the audio it sees. The callback never blocks or allocates.
 */
#pragma once

#include "snd.h"

struct snd_device_latency {
	float input_ms;     /* the device's input latency (0: no microphone) */
	float output_ms;    /* the device's output latency */
	float buffer_ms;    /* one callback buffer */
	double sample_rate; /* as opened */
};

struct snd_device_counters {
	uint64_t callbacks; /* device callbacks run */
	uint64_t xruns;     /* callbacks that reported an under- or overflow */
	uint64_t restarts;  /* times the streams were reopened after the device went away */
	uint64_t mic_dropped; /* microphone frames dropped as too old (AAudio's backlog) */
};

/** "PortAudio" or "AAudio". */
const char *snd_device_api(void);

/**
 * Opens the devices named @p in_name and @p out_name (NULL, "" or "default":
 * the system's choice; in_name "none": no microphone). PortAudio takes an
 * exact or substring match of a device's name, AAudio a device id (a
 * number). frames_per_buffer 0 lets the device choose (AAudio always does).
 * Not found: an error (PortAudio's lists the devices).
 */
enum core_result snd_device_create(struct snd_engine *e, const char *in_name,
				   const char *out_name, uint32_t frames_per_buffer,
				   struct snd_backend **out_backend) CORE_MUST_CHECK;

/** Latencies of the open streams (after start(); zeros before). */
void snd_device_latency(const struct snd_backend *b, struct snd_device_latency *out_latency);

void snd_device_counters(const struct snd_backend *b, struct snd_device_counters *out);

/** Prints the input and output devices (for --list-audio-devices). */
enum core_result snd_device_list(FILE *out) CORE_MUST_CHECK;
