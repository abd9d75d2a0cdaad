/* Connection figures from the state datagrams: round trip and snapshot
 * loss, updated with every snapshot (15 a second) where ENet's own
 * estimates move only with its pings, every NET_PING_INTERVAL_MS. */
#include "cl.h"

/* A sample above this is no round trip worth showing: the move's send
 * time was not on the clock cl_conn_service is given (a caller's bug). The
 * tick check already rules out a stale move (ticks do not repeat). */
#define CL_LINK_MAX_RTT_US 5000000u

void cl_link_on_move(struct cl_conn *c, uint32_t tick, uint32_t sent_us)
{
	uint32_t i = tick & (CL_CMD_HISTORY - 1);
	c->link.move_tick[i] = tick;
	c->link.move_sent_us[i] = sent_us;
}

static void add_rtt_sample(struct cl_link *l, uint32_t r)
{
	if (!l->rtt_samples++) {
		l->srtt_us = r;
		l->rttvar_us = r / 2;
		return;
	}
	uint32_t err = r > l->srtt_us ? r - l->srtt_us : l->srtt_us - r;
	l->rttvar_us = (3 * l->rttvar_us + err) / 4;
	l->srtt_us = (7 * l->srtt_us + r) / 8;
}

void cl_link_on_snapshot(struct cl_conn *c, const struct proto_snapshot *s, uint64_t arrival_us)
{
	struct cl_link *l = &c->link;
	if (!c->newest_seq) {
		l->seen = 1;
		l->first_seq = s->seq;
	} else {
		int32_t ahead = (int32_t)(s->seq - c->newest_seq);
		if (ahead <= 0) {
			/* Late, not lost; its ack is older news than the newest's. */
			if (-ahead < CL_LINK_WINDOW)
				l->seen |= 1ull << -ahead;
			return;
		}
		l->seen = ahead >= CL_LINK_WINDOW ? 1 : (l->seen << ahead) | 1;
	}
	uint32_t i = s->ack_tick & (CL_CMD_HISTORY - 1);
	if (s->hold_ms == PROTO_HOLD_NONE || !s->ack_tick || l->move_tick[i] != s->ack_tick)
		return;
	uint32_t since = (uint32_t)arrival_us - l->move_sent_us[i], held = s->hold_ms * 1000u;
	if (since > CL_LINK_MAX_RTT_US)
		return;
	add_rtt_sample(l, since > held ? since - held : 0);
}

uint32_t cl_conn_rtt_ms(const struct cl_conn *c)
{
	if (c->link.rtt_samples)
		return (c->link.srtt_us + 500) / 1000;
	return net_host_peer_rtt_ms(c->host, c->peer);
}

float cl_conn_loss_pct(const struct cl_conn *c)
{
	if (!c->newest_seq)
		return net_host_peer_loss_pct(c->host, c->peer);
	uint32_t span = CORE_MIN(c->newest_seq - c->link.first_seq + 1, (uint32_t)CL_LINK_WINDOW);
	uint64_t mask = span == CL_LINK_WINDOW ? ~0ull : (1ull << span) - 1;
	int got = __builtin_popcountll(c->link.seen & mask);
	return 100.0f * (float)(span - (uint32_t)got) / (float)span;
}
