/*
 * aaudio_double.h: what a test does to the AAudio test double (aaudio_double.c)
 * besides the NDK's calls: the sound the "microphone" hears, reading what
 * was played, pulling the device away, refusing the microphone as Android
 * does without RECORD_AUDIO, and the double's own report of calls that the
 * NDK's AAudio documentation forbids.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/** Forgets everything (no stream may be open). */
void aaudio_double_reset(void);

/** The microphone hears @p mono (48 kHz; silence after its end) from now
 * on, on the device's clock; the double keeps a copy. */
void aaudio_double_set_mic(const int16_t *mono, uint32_t frames);

/** Opening an input stream fails, as without the RECORD_AUDIO permission. */
void aaudio_double_deny_mic(bool deny);

/** The device goes away: every started stream becomes DISCONNECTED, its
 * data callback stops, and its error callback gets AAUDIO_ERROR_DISCONNECTED
 * on a thread of the double's. */
void aaudio_double_disconnect(void);

/** The same with another error (a stream that fails ends as if
 * disconnected: its data callback stops). */
void aaudio_double_fail(int32_t error);

/** The output stalls for @p frames of the device's clock (no data
 * callback, silence played) while the microphone keeps recording: its
 * backlog grows by that much. */
void aaudio_double_stall_output(uint32_t frames);

/** Copies up to @p max_frames of what the output streams played (stereo,
 * in the order played, all streams one after another); returns the count. */
uint32_t aaudio_double_played(int16_t *out_stereo, uint32_t max_frames);

struct aaudio_double_report {
	uint32_t opens, closes, live_streams;
	uint64_t data_callbacks;
	uint64_t device_frames;   /* the device's clock: frames the output consumed */
	uint32_t violations;      /* calls the AAudio documentation forbids */
	char first_violation[256];
};

void aaudio_double_report(struct aaudio_double_report *out);
