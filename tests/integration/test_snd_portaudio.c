/**
 * @file test_snd_portaudio.c
 * @brief Real PortAudio through ALSA's file plugin: speech in, engine, speech out.
 *
 * The test writes its own .asoundrc in a temporary HOME: the default device
 * captures from in.raw (espeak-ng speech, S16_LE 48 kHz mono) and plays into
 * out.raw (S16_LE 48 kHz stereo). One engine runs on the PortAudio backend
 * in loopback ("hear yourself"): capture -> preprocess -> Opus -> jitter
 * buffer -> decode -> mix -> PortAudio, the whole audio path with the
 * device's odd buffer size (256). out.raw must match the speech: envelope
 * correlation >= 0.85; the delay is printed. The file plugin is not paced
 * in real time, so the engine's clock is the device's sample clock.
 * Skips (77) only when PortAudio sees no device at all.
 */
#include <portaudio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "snd_device.h"
#include "snd_testkit.h"

#define CHECK SND_TK_CHECK

int main(void)
{
	char dir[] = "/tmp/snd_pa_XXXXXX";
	CHECK(mkdtemp(dir));
	char cmd[1600], path[400];
	uint32_t speech_n = 0;
	int16_t *speech = snd_tk_make_speech(dir, "Good morning everyone. The lab opens after "
					     "the break, bring your notes.", &speech_n);
	CHECK(speech && speech_n > 48000);
	snprintf(cmd, sizeof(cmd),
		 "sox -t raw -r 48000 -c 1 -b 16 -e signed-integer %s/speech.raw "
		 "-t raw %s/in.raw pad 0 2",
		 dir, dir);
	CHECK(system(cmd) == 0);
	snprintf(path, sizeof(path), "%s/.asoundrc", dir);
	FILE *rc = fopen(path, "w");
	CHECK(rc);
	fprintf(rc,
		"pcm.!default { type asym playback.pcm \"outfile\" capture.pcm \"infile\" }\n"
		"pcm.outfile { type plug slave { pcm { type file slave.pcm \"null\" "
		"file \"%s/out.raw\" format \"raw\" } format S16_LE rate 48000 channels 2 } }\n"
		"pcm.infile { type plug slave { pcm { type file slave.pcm \"null\" "
		"file \"/dev/null\" infile \"%s/in.raw\" format \"raw\" } format S16_LE "
		"rate 48000 channels 1 } }\n",
		dir, dir);
	fclose(rc);
	setenv("HOME", dir, 1);

	CHECK(Pa_Initialize() == paNoError);
	int devices = Pa_GetDeviceCount();
	Pa_Terminate();
	if (devices <= 0) {
		printf("PortAudio reports no audio devices: skipped\n");
		return 77;
	}
	CHECK(snd_device_list(stdout) == CORE_OK);

	struct snd_engine *e = NULL;
	CHECK(snd_tk_loopback_engine(&e) == CORE_OK);
	struct snd_backend *b = NULL;
	CHECK(snd_device_create(e, "default", "default", 256, &b) == CORE_OK);
	CHECK(snd_backend_start(b) == CORE_OK);
	uint32_t want_frames = (speech_n + SND_RATE_HZ) / snd_engine_frame_samples(e);
	struct snd_stats st;
	for (int waited_ms = 0;; waited_ms++) {
		snd_engine_stats(e, &st);
		if (st.frames_captured >= want_frames)
			break;
		CHECK(waited_ms < 60000);
		struct snd_packet p;
		while (snd_engine_pop_packet(e, &p)) /* the network side, draining */
			;
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	}
	struct snd_device_latency lat;
	snd_device_latency(b, &lat);
	struct snd_device_counters n;
	snd_device_counters(b, &n);
	snd_backend_stop(b);
	snd_backend_destroy(&b);
	snd_engine_stats(e, &st);
	snd_engine_destroy(&e);

	uint32_t out_n = 0;
	snprintf(path, sizeof(path), "%s/out.raw", dir);
	int out_channels;
	int16_t *out = snd_tk_read_pcm(path, 2, &out_n, &out_channels);
	CHECK(out);
	int16_t *left = malloc((size_t)out_n * 2 + 2);
	snd_tk_left(out, left, out_n);
	CHECK(out_n >= speech_n + 48 * 200);
	int32_t lag = snd_tk_best_lag(speech, left, speech_n, 48 * 200);
	double corr = snd_tk_envelope_corr(speech, left, speech_n, lag, 480);
	printf("portaudio: %u callbacks (%llu xruns), device latency in %.1f ms out %.1f ms, "
	       "buffer %.1f ms\n", (unsigned)n.callbacks, (unsigned long long)n.xruns,
	       (double)lat.input_ms, (double)lat.output_ms, (double)lat.buffer_ms);
	printf("portaudio: sent %u, B decoded with mean jitter-buffer delay %.1f ms, lost %u; "
	       "speech -> out.raw envelope corr %.3f (>= 0.85), delay %.1f ms (engine; the file "
	       "device adds no latency of its own)\n",
	       st.packets_sent, (double)st.total.mean_delay_ms, st.total.lost, corr, lag / 48.0);
	printf("portaudio: B concealed %u trimmed %u late %u target %.1f ms, DTX frames %u\n",
	       st.total.concealed, st.total.trimmed, st.total.late,
	       (double)st.total.target_delay_ms, st.dtx_skipped);
	CHECK(st.packets_sent > 50);
	CHECK(corr >= 0.85);
	CHECK(lag / 48.0 > 20.0 && lag / 48.0 < 150.0);
	free(left);
	free(out);
	free(speech);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return 0;
}
