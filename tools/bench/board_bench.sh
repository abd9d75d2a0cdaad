# The board section of make bench, sourced by bench.sh (its namespaces,
# start_server, counter, wait_event and cpu_ns): board-v1
# (shared/bench/board-v1.md), both phases, against the figures of Yjs 13.6
# with its websocket server measured on this machine with this workload.
#   server CPU   /proc/PID/task/*/schedstat (run time in ns: the total that
#                utime + stime count in 10 ms ticks, too coarse for five joins
#                of about 30 ms): live over the window, per client-second;
#                join from the board loaded to the last join, per join
#   server RSS   VmHWM at the end (live)
#   bytes        the bots' veth counters: rx (server -> bots) per point per
#                receiving client, tx (bots -> server) per point drawn; per join
#   latency, hashes, join times   the bots' result line
#   BENCH_BOARD_PHASES="live join"   the phases to run
# The clients hold join tokens (keys made once under the results folder), so
# the client that drops off comes back as itself with its last seq.
board_keys="$results/board-keys"
[ -s "$board_keys/token.key" ] || "$build/tools/token/lyceum-token" keygen --out "$board_keys" >/dev/null

board_run() {
    local phase=$1
    echo "== board-v1: $phase"
    local log="$results/server-board-$phase.log" out="$results/bots-board-$phase.jsonl" floor="{}"
    # The kernel's send path per datagram for live batches (30 members,
    # every PROTO_LOG_FLUSH_MS, about 90 bytes), measured alone.
    [ "$phase" = live ] && floor=$(send_floor 30 100 90)
    start_server classroom 64 "$log" --token-key "$board_keys/token.pub"
    ip netns exec "$ns_bot" "$build/tools/bot/lyceum-bot" --scenario board-v1 --phase "$phase" \
        --seed 1 --token-key "$board_keys/token.key" --server 198.18.0.1:7777 \
        >"$out" 2>"${out%.jsonl}.log" &
    local bots=$! start=window end=drawn
    [ "$phase" = join ] && start=loaded end=result
    wait_event "$out" "$start" "$bots"
    local cpu0 rx0 tx0 rxp0 t0 cpu1 rx1 tx1 rxp1 t1 rss_kb
    cpu0=$(cpu_ns "$server"); rx0=$(counter rx_bytes); tx0=$(counter tx_bytes); rxp0=$(counter rx_packets); t0=$(date +%s.%N)
    wait_event "$out" "$end" "$bots"
    cpu1=$(cpu_ns "$server"); rx1=$(counter rx_bytes); tx1=$(counter tx_bytes); rxp1=$(counter rx_packets); t1=$(date +%s.%N)
    rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
    wait "$bots" || true
    kill -TERM "$server"; wait "$server" || true
    if ! grep -q '"event":"result"' "$out"; then
        echo "bench: no board-v1 result for $phase: $(tail -1 "$out") $(tail -2 "${out%.jsonl}.log")" >&2
        exit 1
    fi
    RESULT="$(grep '"event":"result"' "$out")" SERVER_HASH="$(grep 'board hash room=board-v1 board=0' "$log" | tail -1)" \
    PHASE=$phase T0=$t0 T1=$t1 CPU_NS=$((cpu1 - cpu0)) RX=$((rx1 - rx0)) TX=$((tx1 - tx0)) RXP=$((rxp1 - rxp0)) FLOOR="$floor" RSS_KB=$rss_kb \
    FILE="$results/board-$phase-$(date +%Y%m%dT%H%M%S).json" python3 - <<'PY'
import json, os, re
e = os.environ
r = json.loads(e["RESULT"])
w = float(e["T1"]) - float(e["T0"])
cpu_s = int(e["CPU_NS"]) / 1e9
rx, tx = int(e["RX"]), int(e["TX"])
rss_mib = int(e["RSS_KB"]) / 1024
m = re.search(r"content=(\w+)", e["SERVER_HASH"])
server_hash = m.group(1) if m else ""
ok = lambda c: "ok" if c else "MISSED"
rows = []
if e["PHASE"] == "live":
    n, pts = r["clients"], r["points_drawn"]
    down = rx / (pts * (n - 1)) if pts else float("inf") # each point reaches the n - 1 others
    up = tx / pts if pts else float("inf")
    cpu = cpu_s * 1e6 / (n * w)
    lat = r["latency_drawn_to_received_ms"]
    floor = json.loads(e["FLOOR"] or "{}")
    dgrams = int(e["RXP"]) / w # every datagram the server sent, per second
    floor_cpu = dgrams * floor.get("in_sendmmsg_us_per_datagram", 0) / n
    ref = "61866c34afc9f6b0b74bcbc2d515a71a1e2ffc82ede21b31b0abc3e02193d32d"
    out = {"scenario": "board-v1", "phase": "live", "clients": n, "window_s": round(w, 2),
           "points_drawn": pts, "down_bytes_per_point_per_client": round(down, 2),
           "up_bytes_per_point_drawn": round(up, 2), "server_cpu_us_per_client_s": round(cpu, 1),
           "server_peak_rss_mib": round(rss_mib, 1), "latency_sent_to_received_ms": r["latency_sent_to_received_ms"],
           "latency_drawn_to_received_ms": lat, "reconnect_resync_ms": r["reconnect_resync_ms"],
           "server_datagrams_per_s": round(dgrams), "kernel_send_floor": floor,
           "kernel_send_floor_us_per_client_s": round(floor_cpu, 1),
           "content_hash": r["content_hash"], "converged": r["converged"],
           "order_hashes_agree": r["order_hashes_agree"], "server_content_hash": server_hash,
           "replica_native_content_hash": r.get("native_content_hash"),
           "measured_by": "server /proc/PID/task/*/schedstat and VmHWM; bytes from veth counters between two network namespaces"}
    rows = [("down bytes per point per client", "%.2f" % down, "42", "<= 10", down <= 10),
            ("up bytes per point drawn", "%.1f" % up, "311 (44 without TCP acks)", "<= 78", up <= 78),
            ("server CPU us per client-second", "%.0f" % cpu, "12725", "<= 640", cpu <= 640),
            ("  datagrams the server sent per second", "%.0f" % dgrams, "", "", None),
            ("  the kernel's send path alone for them", "%.0f" % floor_cpu, "", "", None),
            ("server peak RSS MiB", "%.1f" % rss_mib, "91", "<= 11", rss_mib <= 11),
            ("drawn -> received p50 ms", "%.1f" % lat["p50"], "20.5", "<= 25", lat["p50"] <= 25),
            ("every replica converged", str(r["converged"] and r["order_hashes_agree"]), "", "true",
             r["converged"] and r["order_hashes_agree"]),
            ("content hash is the reference", r["content_hash"][:16], "", ref[:16], r["content_hash"] == ref),
            ("the server holds what the replicas hold", server_hash[:16], "", str(r.get("native_content_hash", ""))[:16],
             server_hash == r.get("native_content_hash"))]
else:
    joins = len(r["join_ms"]["samples"])
    cpu_ms = cpu_s * 1e3 / joins
    per_join = rx / joins
    ref_c = "3d485cd33919100cbb65736485f0facfbe2b0007dc7a4da5a19504927de6156b"
    ref_o = "b8942a3621c75a6f72a2aff4dcd06c2e46b379dcc1482e03d9ca9c823bd94d32"
    out = {"scenario": "board-v1", "phase": "join", "strokes": r["strokes"], "points": r["points"],
           "join_ms": r["join_ms"], "board_received_ms": r["board_received_ms"],
           "bytes_per_join_on_the_wire": round(per_join), "bytes_received_per_join_client": r["bytes_received"],
           "server_cpu_ms_per_join": round(cpu_ms, 1), "content_hash": r["content_hash"],
           "order_hash": r["order_hash"], "converged": r["converged"], "server_content_hash": server_hash,
           "measured_by": "server /proc/PID/task/*/schedstat from the board loaded to the last join; bytes from veth counters"}
    rows = [("late join p50 ms", "%.0f" % r["join_ms"]["p50"], "1732", "<= 250", r["join_ms"]["p50"] <= 250),
            ("bytes per join (wire)", "%.0f" % per_join, "13100000", "<= 3275000", per_join <= 3275000),
            ("server CPU ms per join", "%.1f" % cpu_ms, "700", "<= 35", cpu_ms <= 35),
            ("content hash is the reference", r["content_hash"][:16], "", ref_c[:16], r["content_hash"] == ref_c),
            ("order hash is the reference", r["order_hash"][:16], "", ref_o[:16], r["order_hash"] == ref_o),
            ("every joiner converged", str(r["converged"]), "", "true", r["converged"])]
json.dump(out, open(e["FILE"], "w"), indent=1)
print("  %-42s %18s %26s %12s" % ("", "lyceum", "Yjs 13.6 (this machine)", "target"))
for name, v, ref, target, good in rows:
    print("  %-42s %18s %26s %12s  %s" % (name, v, ref, target, "" if good is None else ok(good)))
if e["PHASE"] == "live":
    print("  the kernel's send path: lyceum-udp-floor's CPU inside sendmmsg per datagram (%.2f us, sending"
          " 90-byte datagrams to 30 sockets 100 times a second and nothing else) times the datagrams the"
          " server sent, per client-second" % floor.get("in_sendmmsg_us_per_datagram", 0))
print("  -> " + e["FILE"])
PY
}

# BENCH_BOARD_PHASES picks phases (default both).
for phase in ${BENCH_BOARD_PHASES:-live join}; do
    board_run "$phase"
done
