/**
 * @file fuzz_scene.h
 * @brief What the fuzz targets and the seed generator share: the shipped
 * classroom with 50 avatars over FUZZ_FRAMES snapshots, as the server sends
 * them to one client, and a few realistic messages.
 *
 * Everything is built with a fixed seed, so make_seeds writes the same
 * snapshots the snapshot target holds as baselines. Seqs start just below
 * 65536, so the 16-bit wire counters wrap inside the scene.
 */
#pragma once

#include "proto/msg.h"
#include "sim/world.h"

#include <stdbool.h>

#define FUZZ_FRAMES PROTO_BASELINE_WINDOW
#define FUZZ_FIRST_SEQ 65532u
#define FUZZ_AVATARS 50

struct fuzz_scene {
	struct sim_world world;
	struct proto_world_bits bits;
	/* What the server sent: frame i has seq FUZZ_FIRST_SEQ + i. */
	struct proto_snapshot sent[FUZZ_FRAMES];
	/* The client's view: what the newest frame's decode widens around. */
	struct proto_snapshot_ref ref;
};

/** Loads assets/worlds/classroom.tmj and builds the frames. False (and a
 * line on stderr) if the world does not load. */
bool fuzz_scene_init(struct fuzz_scene *s);

/** Frame i encoded against frame base (-1: full). Returns bytes, 0 when
 * the encoder refuses. */
uint32_t fuzz_scene_encode(const struct fuzz_scene *s, int i, int base, uint8_t *buf,
			   uint32_t cap);

/** A pose as a headset would report it, quantised; k varies it. */
struct proto_pose fuzz_pose(int k);

/** fuzz_msg's first byte (modulo the count): which decoder gets the rest.
 * PICK_REGISTRY decodes by the registry's entry for the type byte, as
 * both sides do, so a message added there is fuzzed without a change here. */
enum fuzz_msg_pick {
	FUZZ_PICK_HELLO,
	FUZZ_PICK_WELCOME,
	FUZZ_PICK_REFUSE,
	FUZZ_PICK_MOVE,
	FUZZ_PICK_AVATAR_INFO,
	FUZZ_PICK_AVATAR_GONE,
	FUZZ_PICK_MOD_REQUEST,
	FUZZ_PICK_MOD_EVENT,
	FUZZ_PICK_HAND_QUEUE,
	FUZZ_PICK_REGISTRY,
	FUZZ_PICK_VOICE_UP,
	FUZZ_PICK_VOICE_DOWN,
	FUZZ_PICK_SPEAKING,
	FUZZ_PICK_BOARD_UP,
	FUZZ_PICK_BOARD_LOG,
	FUZZ_PICK_COUNT,
};

/** A walker's move: three commands, newest at tick newest_tick. */
struct proto_move fuzz_walker_move(uint32_t newest_tick, bool vr);
