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
#   BENCH_BOARD_LIVE_RUNS=3          live runs (1-9): each figure their median
#                                    (peak RSS their largest); every run held
#                                    to the hashes; board-live-STAMP.json the
#                                    summary, -runK.json each run
# The clients hold join tokens (keys made once under the results folder), so
# the client that drops off comes back as itself with its last seq.
board_keys="$results/board-keys"
[ -s "$board_keys/token.key" ] || "$build/tools/token/lyceum-token" keygen --out "$board_keys" >/dev/null

# Run $2 of a phase; its figures go to the JSON file $3.
board_measure() {
    local phase=$1 run=$2 file=$3
    local log="$results/server-board-$phase-$run.log" out="$results/bots-board-$phase-$run.jsonl" floor="{}"
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
    RESULT="$(grep '"event":"result"' "$out")" SERVER_HASH="$(grep 'board hash room=board-v1 board=1' "$log" | tail -1)" \
    PHASE=$phase T0=$t0 T1=$t1 CPU_NS=$((cpu1 - cpu0)) RX=$((rx1 - rx0)) TX=$((tx1 - tx0)) RXP=$((rxp1 - rxp0)) FLOOR="$floor" RSS_KB=$rss_kb \
    FILE="$file" python3 "$(dirname "$0")/board_report.py" measure
}

# A phase's runs, then its figures against their targets (board_report.py):
# live BENCH_BOARD_LIVE_RUNS times (default 3, the median reported: the
# kernel's cost per datagram on this host swings between runs), join once.
board_run() {
    local phase=$1 runs=1 k files=() stamp
    [ "$phase" = live ] && runs=${BENCH_BOARD_LIVE_RUNS:-3}
    case $runs in
        [1-9]) ;;
        *) echo "bench: BENCH_BOARD_LIVE_RUNS must be 1 to 9, not '$runs'" >&2; exit 2 ;;
    esac
    stamp=$(date +%Y%m%dT%H%M%S)
    echo "== board-v1: $phase ($runs run$([ "$runs" = 1 ] || echo s))"
    for ((k = 1; k <= runs; k++)); do
        files+=("$results/board-$phase-$stamp-run$k.json")
        board_measure "$phase" "$k" "${files[-1]}"
    done
    python3 "$(dirname "$0")/board_report.py" report "$results/board-$phase-$stamp.json" "${files[@]}"
}

# BENCH_BOARD_PHASES picks phases (default both).
for phase in ${BENCH_BOARD_PHASES:-live join}; do
    board_run "$phase"
done
