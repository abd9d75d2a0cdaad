/* lyceum-bench-sim: cost of the movement step and of encoding and decoding a
 * 50-avatar snapshot, on this machine. Prints one line per figure. */
#include "proto/msg.h"
#include "sim/move.h"

#include <stdio.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	static struct sim_world w;
	sim_world_init(&w, "bench", 20, 15, 1000);
	struct sim_point all[] = {{0, 0}, {20000, 0}, {20000, 15000}, {0, 15000}};
	if (sim_world_add_zone(&w, "floor", SIM_ZONE_CLASSROOM, 1, all, 4) != CORE_OK)
		return 1;
	struct sim_avatar a = sim_avatar_spawn(&w, (struct sim_point){10000, 7500}, 0);
	const int steps = 5000000;
	double t0 = now_s();
	for (int i = 0; i < steps; i++) {
		struct sim_cmd c = {.tick = (uint32_t)i, .move_x = (int8_t)((i >> 6) & 1 ? 127 : -127),
				    .move_y = (int8_t)((i >> 9) & 1 ? 90 : -90)};
		sim_step(&w, SIM_TICK_HZ, NULL, &a, &c);
	}
	double step_ns = (now_s() - t0) / steps * 1e9;

	/* 50 avatars, 35 walking 93 mm between snapshots (1.4 m/s at 15 Hz). */
	static struct proto_snapshot base, s, out, out_base;
	struct proto_world_bits bits;
	proto_world_bits_init(&bits, &w);
	base.seq = 1;
	base.count = 50;
	for (int i = 0; i < 50; i++)
		base.avatars[i] = (struct proto_snapshot_avatar){
			.id = (uint16_t)(i + 1),
			.state = sim_avatar_spawn(&w, (struct sim_point){1000 + i * 300, 2000 + i * 200}, 0),
			.send_time_us = 1000u + (uint32_t)i};
	s = base;
	s.seq = 2;
	for (int i = 0; i < 35; i++) {
		s.avatars[i].state.pos_x_mm += 93;
		s.avatars[i].send_time_us += 66666;
	}
	uint8_t buf[PROTO_MAX_PACKET];
	const int rounds = 200000;
	uint32_t full = proto_encode_snapshot(&base, NULL, &bits, buf, sizeof(buf));
	if (proto_decode_snapshot(buf, full, &bits, NULL, NULL, &out_base) != CORE_OK)
		return 1;
	uint32_t len = 0;
	t0 = now_s();
	for (int i = 0; i < rounds; i++)
		len = proto_encode_snapshot(&s, &base, &bits, buf, sizeof(buf));
	double enc_us = (now_s() - t0) / rounds * 1e6;
	t0 = now_s();
	int ok = 0;
	for (int i = 0; i < rounds; i++)
		ok += proto_decode_snapshot(buf, len, &bits, NULL, &out_base, &out) == CORE_OK;
	double dec_us = (now_s() - t0) / rounds * 1e6;
	printf("sim_step: %.1f ns per avatar-tick (final x %d mm)\n", step_ns, a.pos_x_mm);
	printf("snapshot of 50 avatars: full %u bytes; delta with 35 walking %u bytes, encode "
	       "%.2f us, decode %.2f us (%d ok)\n",
	       full, len, enc_us, dec_us, ok);
	return ok == rounds ? 0 : 1;
}
