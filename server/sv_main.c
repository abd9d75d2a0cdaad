/* The server loop: ENet events between fixed ticks, snapshots on schedule. */
#include "sv.h"
#include "plat.h"

#include <stdio.h>

/* The server drains its sockets at most once per SV_SERVICE_GAP_US, and
 * always just before a slot's snapshots, so each holds every move that had
 * arrived. Moves are state datagrams: read from the state socket where
 * there is one, else taken from ENet's socket by the session layer. */
#define SV_SERVICE_GAP_US 5000
/* With a state socket ENet carries only handshakes, control and its own
 * pings, so it is serviced at most this often. */
#define SV_ENET_GAP_US 10000
/* A batch clock this close to due counts as due. */
#define SV_BATCH_EARLY_US 300

/* Moves first, then ENet: every drain without a state socket (the moves
 * come through ENet), else at most every SV_ENET_GAP_US. */
static void drain(struct sv_server *sv, uint64_t now)
{
	sv->now_us = now;
	net_host_read_state(sv->net, now);
	/* Voice frames forwarded in the batch leave now, not with the next
	 * slot's snapshots. */
	net_host_state_flush(sv->net);
	/* While a snapshot goes out its acks are answered at once. */
	if (sv->state_socket && now - sv->last_service_us < SV_ENET_GAP_US &&
	    now >= sv->board_transfer_until_us)
		return;
	sv->last_service_us = now;
	(void)net_host_service(sv->net, now);
	net_host_state_flush(sv->net);
}

/* Sleeps until the socket has data or the tick is due, but not before
 * SV_SERVICE_GAP_US has passed since the last drain. */
static void wait_for_work(struct sv_server *sv, uint64_t last_drain, uint64_t next_tick)
{
	uint64_t now = plat_time_us();
	if (now >= next_tick)
		return;
	bool voice = now < sv->voice_live_until_us, transfer = now < sv->board_transfer_until_us;
	/* Board ops go out in batches anyway: while they flow (and no voice
	 * does) the loop sleeps until the batch clock (next_tick holds it) or
	 * a snapshot slot, and every op waits at most one batch period, as it
	 * would for the batch if drained at once. */
	if (now < sv->board_live_until_us && !voice && !transfer) {
		plat_sleep_us(next_tick - now);
		return;
	}
	/* Voice waits for no batch, nor a snapshot's acks. */
	if (now - last_drain < SV_SERVICE_GAP_US && !voice && !transfer) {
		uint64_t until = CORE_MIN(last_drain + SV_SERVICE_GAP_US, next_tick);
		plat_sleep_us(until - now);
		return;
	}
	net_host_wait(sv->net, (int)((next_tick - now + 999) / 1000));
}

uint32_t sv_tick_percentile_us(const struct sv_server *sv, double p)
{
	uint64_t want = (uint64_t)(p / 100.0 * (double)sv->tick_count + 0.999999), seen = 0;
	for (uint32_t i = 0; i < CORE_ARRAY_LEN(sv->tick_hist); i++) {
		seen += sv->tick_hist[i];
		if (seen >= want && want) /* the bucket's middle, never above the slowest */
			return (uint32_t)CORE_MIN((uint64_t)i * 10 + 5, sv->tick_max_us);
	}
	return (uint32_t)sv->tick_max_us;
}

static void count_tick(struct sv_server *sv, uint64_t us)
{
	uint64_t bucket = us / 10;
	sv->tick_hist[bucket < CORE_ARRAY_LEN(sv->tick_hist) ? bucket : CORE_ARRAY_LEN(sv->tick_hist) - 1]++;
	sv->tick_count++;
	if (us > sv->tick_max_us)
		sv->tick_max_us = us;
}

/* One line an operator (and make bench) can read: load and tick times. */
static void log_stats(struct sv_server *sv, const char *when)
{
	struct net_host_stats ns;
	net_host_stats(sv->net, &ns);
	const struct net_wire_stats *ws = &ns.wire;
	int rooms = 0;
	for (int i = 0; i < SV_MAX_ROOMS; i++)
		rooms += sv->rooms[i].in_use;
	CORE_INFO("stats %s clients=%zu rooms=%d ticks=%llu tick_us_p50=%u tick_us_p99=%u "
		  "tick_us_max=%llu snapshots=%llu snapshots_idle=%llu zone_lists=%llu send_drops=%llu "
		  "state_in=%llu "
		  "stray=%llu refused=%llu refuse_unlogged=%llu hello_timeouts=%llu "
		  "pending_refused=%llu seen_full=%llu handshakes=%llu challenges=%llu bad_cookie=%llu "
		  "bad_tag=%llu replayed=%llu clear=%llu sessions_full=%llu throttled=%llu "
		  "refused_actions=%llu moderation=%llu own_views=%llu own_views_partial=%llu "
		  "voice_in=%llu voice_out=%llu voice_held=%llu voice_culled=%llu voice_refused=%llu "
		  "board_ops=%llu board_dups=%llu board_gaps=%llu board_refused=%llu board_live=%llu board_tails=%llu "
		  "board_snapshots=%llu board_snapshot_builds=%llu board_syncs_deferred=%llu chat=%llu "
		  "lesson_scores=%llu lesson_score_us=%llu item_grabs=%llu item_refusals=%llu "
		  "item_moves=%llu item_moves_dropped=%llu item_returns=%llu",
		  when, ns.peers, rooms, (unsigned long long)sv->tick_count,
		  sv_tick_percentile_us(sv, 50), sv_tick_percentile_us(sv, 99),
		  (unsigned long long)sv->tick_max_us, (unsigned long long)sv->snapshots_sent,
		  (unsigned long long)sv->snapshots_idle,
		  (unsigned long long)sv->lists_encoded, (unsigned long long)ns.state_dropped,
		  (unsigned long long)ns.state_received,
		  (unsigned long long)(sv->stray_datagrams + ns.stray),
		  (unsigned long long)sv->admit.refused, (unsigned long long)sv->refuse_log_dropped,
		  (unsigned long long)sv->admit.hello_timeouts,
		  (unsigned long long)sv->admit.pending_refused,
		  (unsigned long long)sv->admit.seen_full, (unsigned long long)ws->handshakes,
		  (unsigned long long)ws->requests, (unsigned long long)ws->bad_cookie,
		  (unsigned long long)ws->bad_tag, (unsigned long long)ws->replayed,
		  (unsigned long long)(ws->clear + ws->no_session),
		  (unsigned long long)ws->sessions_full, (unsigned long long)sv->throttled,
		  (unsigned long long)sv->refused_actions, (unsigned long long)sv->moderation_actions,
		  (unsigned long long)sv->views_sent, (unsigned long long)sv->views_partial,
		  (unsigned long long)sv->voice_in, (unsigned long long)sv->voice_out,
		  (unsigned long long)sv->voice_held, (unsigned long long)sv->voice_culled,
		  (unsigned long long)sv->voice_refused, (unsigned long long)sv->board_ops,
		  (unsigned long long)sv->board_dups, (unsigned long long)sv->board_gaps,
		  (unsigned long long)sv->board_refused,
		  (unsigned long long)sv->board_live_sent, (unsigned long long)sv->board_tails,
		  (unsigned long long)sv->board_snapshots, (unsigned long long)sv->board_snap_builds,
		  (unsigned long long)sv->board_syncs_deferred, (unsigned long long)sv->chat_ops,
		  (unsigned long long)sv->lesson_scores, (unsigned long long)sv->lesson_score_us,
		  (unsigned long long)sv->item_grabs, (unsigned long long)sv->item_refusals,
		  (unsigned long long)sv->item_moves, (unsigned long long)sv->item_moves_dropped,
		  (unsigned long long)sv->item_returns);
}

int sv_run(struct sv_server *sv)
{
	const struct net_addr bound = net_host_address(sv->net);
	char addr[64];
	net_addr_format(&bound, addr, sizeof(addr));
	printf("LISTENING udp %s world=%s tick=%d rate=%d max_clients=%d\n", addr,
	       sv->default_world->name, sv->cfg.tick_hz, sv->cfg.snapshot_hz, sv->cfg.max_clients);
	fflush(stdout);
	CORE_INFO("listening on udp %s", addr);

	/* Each snapshot period is cut into SV_SNAPSHOT_SLOTS slots and room r
	 * sends at slot r % SV_SNAPSHOT_SLOTS: the rooms' snapshots are spread
	 * over the period instead of leaving in one burst, so no client waits
	 * behind the whole server's snapshot work and the loop stays responsive.
	 * The tick counter (30 Hz) is derived from the slot clock. */
	const uint64_t slots_per_s = (uint64_t)sv->cfg.snapshot_hz * SV_SNAPSHOT_SLOTS;
	const uint64_t slot_us = 1000000u / slots_per_s;
	const uint64_t start = plat_time_us();
	uint64_t slots = 0; /* slots run since start; times are exact multiples, no drift */
	uint64_t next_slot = start + 1000000u / slots_per_s;
	uint64_t next_stats = start + SV_STATS_EVERY_S * 1000000ull;
	uint64_t last_drain = 0, next_silence_check = start + 1000000u;
	/* While board ops flow, batches leave on a clock of their own, one
	 * every PROTO_LOG_FLUSH_MS: a snapshot slot's wake-up in between (more
	 * than SV_BATCH_EARLY_US before it) does not flush them or move it.
	 * For a given number of batches (each a datagram to every member),
	 * evenly spaced ones give an op the shortest median wait. */
	const uint64_t batch_us = PROTO_LOG_FLUSH_MS * 1000u;
	uint64_t next_batch = 0;
	while (!plat_stop_requested()) {
		uint64_t next_tick = CORE_MIN(next_slot, sv_log_next_flush_us(sv));
		if (plat_time_us() < sv->board_live_until_us)
			next_tick = CORE_MIN(next_tick, next_batch);
		wait_for_work(sv, last_drain, next_tick);
		drain(sv, plat_time_us());
		uint64_t now = plat_time_us();
		last_drain = now;
		/* Board ops logged since the last batch go: all of them when the
		 * batch clock is due (a sleep may wake a hair early), else when
		 * the oldest has waited a batch period. */
		bool batch = now < sv->board_live_until_us && now + SV_BATCH_EARLY_US >= next_batch;
		if (batch)
			next_batch = next_batch + batch_us > now ? next_batch + batch_us : now + batch_us;
		sv_log_flush_pending(sv, now, batch);
		/* A slot due before the next batch is half-way comes with this
		 * batch, a few milliseconds early: one wake-up for both (each
		 * costs a context switch and a read of both sockets). The slot
		 * clock keeps its own times, so nothing drifts. */
		if (now < next_slot && !(batch && next_slot - now < batch_us / 2))
			continue;
		uint64_t work_start = now;
		slots++;
		sv->tick = (uint32_t)(slots * (uint64_t)sv->cfg.tick_hz / slots_per_s);
		if (sv_send_snapshots(sv, (int)(slots % SV_SNAPSHOT_SLOTS)))
			count_tick(sv, plat_time_us() - work_start);
		if (now >= next_silence_check) {
			sv_drop_silent(sv, now);
			net_host_expire(sv->net, now);
			next_silence_check = now + 1000000u;
		}
		if (now >= next_stats) {
			log_stats(sv, "periodic");
			sv_log_hashes(sv, false);
			next_stats += SV_STATS_EVERY_S * 1000000ull;
		}
		/* Sleep through slots no room sends in (one room: one wake a period). */
		slots += sv_slots_to_next_busy(sv, (int)(slots % SV_SNAPSHOT_SLOTS)) - 1;
		next_slot = start + (slots + 1) * 1000000u / slots_per_s;
		if (now > next_slot + 1000000u) {
			CORE_WARN("server fell %.1f s behind its snapshots; skipping ahead",
				  (now - next_slot) / 1e6);
			slots += (now - next_slot) / slot_us + 1;
			next_slot = start + (slots + 1) * 1000000u / slots_per_s;
		}
	}

	log_stats(sv, "final");
	sv_log_hashes(sv, true);
	struct net_host_stats ns;
	net_host_stats(sv->net, &ns);
	CORE_INFO("stopping: disconnecting %zu peers", ns.peers);
	/* Give the disconnects a moment to leave, then go. */
	net_host_shutdown(sv->net, NET_DISCONNECT_SHUTDOWN, 300);
	CORE_INFO("stopped after %u ticks, %llu snapshots sent", sv->tick,
		  (unsigned long long)sv->snapshots_sent);
	return 0;
}
