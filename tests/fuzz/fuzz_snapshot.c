/* The snapshot delta decoder against real baselines: the classroom scene's
 * frames, encoded by the real encoder and decoded as a client would (the
 * first full, each next a delta against the one before). The input is then
 * decoded against the baseline it names, relabelled to that seq so that any
 * gap reaches the delta code with a real baseline behind it. */
#include "fuzz_scene.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fuzz_scene scene;
static struct proto_snapshot got[FUZZ_FRAMES]; /* the client's decoded baselines */
static struct proto_snapshot base, out;

static void die(const char *what, int frame)
{
	fprintf(stderr, "fuzz_snapshot: frame %d: %s\n", frame, what);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (!fuzz_scene_init(&scene))
		abort();
	uint8_t buf[PROTO_MAX_PACKET];
	for (int f = 0; f < FUZZ_FRAMES; f++) {
		uint32_t len = fuzz_scene_encode(&scene, f, f - 1, buf, sizeof(buf));
		if (!len)
			die("the encoder refused it", f);
		const struct proto_snapshot_ref ref = {scene.sent[f].seq - 1, scene.sent[f].server_tick - 2,
						       scene.sent[f].ack_tick};
		const struct proto_snapshot *b = f ? &got[f - 1] : NULL;
		if (proto_decode_snapshot(buf, len, &scene.bits, &ref, b, &got[f]) != CORE_OK)
			die("the real encoding does not decode", f);
		if (got[f].seq != scene.sent[f].seq || got[f].count != scene.sent[f].count)
			die("decoded to something else than was sent", f);
	}
	return 0;
}

/* What a client relies on in every snapshot it accepts. */
static void check(const struct proto_snapshot *s)
{
	if (s->count > PROTO_MAX_SNAPSHOT_AVATARS)
		die("more avatars than a snapshot holds", -1);
	for (int i = 0; i < s->count; i++) {
		uint16_t id = s->avatars[i].id;
		if (id == 0 || id > PROTO_MAX_CLIENT_ID)
			die("an avatar id outside 1..PROTO_MAX_CLIENT_ID", -1);
		if (i > 0 && id <= s->avatars[i - 1].id)
			die("avatar ids not strictly ascending", -1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t len = (uint32_t)CORE_MIN(size, (size_t)UINT32_MAX);
	uint32_t need = proto_snapshot_base_seq(data, len, &scene.ref);
	const struct proto_snapshot *b = NULL;
	if (need) {
		base = got[(need - FUZZ_FIRST_SEQ) % FUZZ_FRAMES];
		base.seq = need;
		b = &base;
	}
	if (proto_decode_snapshot(data, len, &scene.bits, &scene.ref, b, &out) == CORE_OK)
		check(&out);
	return 0;
}
