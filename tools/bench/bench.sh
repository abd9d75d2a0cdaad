#!/bin/bash
# make bench: micro-benchmarks, the client frame benchmark (bench_client.sh),
# the VR frame benchmark (bench_xr.sh),
# then classroom-presence-v1 at 1 x 50, 20 x 50
# and 40 x 50, every figure measured from outside the processes:
#   server CPU   /proc/PID/stat (utime + stime) over the measured window
#   server RSS   VmHWM from /proc/PID/status at the end
#   wire bytes   counters of a veth pair joining two network namespaces made
#                here (server in one, bots in the other, addresses from the
#                198.18.0.0/15 benchmarking range), so every byte counted is
#                Ethernet + IP + UDP + ENet + payload of this load and nothing else
#   latency      the bots' result line; server tick times from its stats line
# Then voice-v1 (voice_bench.sh) at 1x50x4 and 20x25x2 against murmur, and
# 20x25x2 alongside classroom-presence-v1 at 20 x 50. Then board-v1
# (board_bench.sh): 30 pens live, and 5 late joins of a 10,000-stroke board.
# Writes one JSON per run under bench-results/ and compares with the targets.
#   BENCH_SECONDS=30   measured window        BENCH_CONFIGS="1 20 40"  rooms of 50
#   BENCH_MICRO=0  BENCH_PRESENCE=0  BENCH_LECTURE=0  BENCH_VOICE=0  BENCH_BOARD=0   skip a section
#   BENCH_RESULTS=DIR  where the results go (default bench-results/)
set -euo pipefail
build=${1:-build/default}
seconds=${BENCH_SECONDS:-30}
configs=${BENCH_CONFIGS:-"1 20 40"}
users=50
root=$(cd "$(dirname "$0")/../.." && pwd)
results=${BENCH_RESULTS:-$root/bench-results}
mkdir -p "$results"
hz=$(getconf CLK_TCK)

if [ "${BENCH_MICRO:-1}" = 1 ]; then
    echo "== micro-benchmarks"
    "$build/tools/bench/lyceum-bench-sim"
    "$(dirname "$0")/bench_client.sh" "$build"
    "$(dirname "$0")/bench_xr.sh" "$build"
fi

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
    echo "bench: classroom-presence-v1 needs root to make network namespaces (run make bench as root)" >&2
    exit 1
fi

tag=$$
ns_sv=lyc-sv-$tag ns_bot=lyc-bot-$tag
cleanup() {
    ip netns pids "$ns_sv" 2>/dev/null | xargs -r kill 2>/dev/null || true
    ip netns pids "$ns_bot" 2>/dev/null | xargs -r kill 2>/dev/null || true
    ip netns del "$ns_sv" 2>/dev/null || true
    ip netns del "$ns_bot" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
ip netns add "$ns_sv"
ip netns add "$ns_bot"
ip link add "vsv$tag" type veth peer name "vbot$tag"
ip link set "vsv$tag" netns "$ns_sv"
ip link set "vbot$tag" netns "$ns_bot"
ip -n "$ns_sv" addr add 198.18.0.1/30 dev "vsv$tag"
ip -n "$ns_bot" addr add 198.18.0.2/30 dev "vbot$tag"
for ns in "$ns_sv" "$ns_bot"; do ip -n "$ns" link set lo up; done
ip -n "$ns_sv" link set "vsv$tag" up
ip -n "$ns_bot" link set "vbot$tag" up

counter() { ip netns exec "$ns_bot" cat "/sys/class/net/vbot$tag/statistics/$1"; }
# Waits until the bots print an event (or an error, or exit).
wait_event() {
    until grep -q "\"$2\"\|\"error\"" "$1" 2>/dev/null; do
        kill -0 "$3" 2>/dev/null || break
        sleep 0.02
    done
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# The same total in nanoseconds (each thread's run time, /proc/PID/task/*/
# schedstat), for windows too short for 10 ms ticks.
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{s += $1} END {printf "%.0f\n", s}'; }
sys_ticks() { awk '{print $15}' "/proc/$1/stat"; } # the kernel's share (stime)

# Starts the server in its namespace on WORLD, sized for CLIENTS (all from
# one address), logging to LOG; sets $server and waits until it listens.
start_server() {
    local world=$1 clients=$2 log=$3
    shift 3 # the rest: more server flags
    ip netns exec "$ns_sv" "$build/server/lyceum-server" --bind 198.18.0.1 --port 7777 \
        --rate 15 --world "$world" --max-clients $((clients + 64)) \
        --max-per-address $((clients + 64)) --max-pending-per-address $((clients + 64)) "$@" \
        >"$log.out" 2>"$log" &
    server=$!
    for _ in $(seq 100); do grep -q LISTENING "$log.out" 2>/dev/null && break; sleep 0.05; done
    grep -q LISTENING "$log.out" || { echo "bench: server did not start: $(cat "$log")" >&2; exit 1; }
}

# send_floor LISTENERS BATCHES_PER_S BYTES: the kernel's own cost of sending
# what a server sends, with nothing else (lyceum-udp-floor): BATCHES_PER_S
# times a second one sendmmsg of BYTES-byte datagrams to LISTENERS sockets
# in the bots' namespace, for 8 s. Prints its result line (JSON).
send_floor() {
    local listeners=$1 rate=$2 bytes=$3 out="$results/udp-floor-$1x$2x$3.jsonl"
    ip netns exec "$ns_bot" "$build/tools/bench/lyceum-udp-floor" sink --bind 198.18.0.2 \
        --port 20000 --sockets "$listeners" --seconds 11 >"$out.sink" &
    local sink=$!
    until grep -q listening "$out.sink" 2>/dev/null; do kill -0 "$sink" 2>/dev/null || break; sleep 0.02; done
    ip netns exec "$ns_sv" "$build/tools/bench/lyceum-udp-floor" send --to 198.18.0.2 --port 20000 \
        --sockets "$listeners" --batches-per-s "$rate" --bytes "$bytes" --seconds 8 >"$out"
    wait "$sink" || true
    grep '"event":"result"' "$out"
}

row() { printf "%-34s %12s %12s %12s\n" "$@"; }
table=""
[ "${BENCH_PRESENCE:-1}" = 1 ] || configs=""
for rooms in $configs; do
    clients=$((rooms * users))
    echo "== classroom-presence-v1: $rooms x $users ($clients clients), ${seconds} s window"
    log="$results/server-${rooms}x${users}.log"
    start_server bench-open "$clients" "$log"
    out="$results/bots-${rooms}x${users}.jsonl"
    ip netns exec "$ns_bot" "$build/tools/bot/lyceum-bot" --scenario classroom-presence-v1 \
        --rooms "$rooms" --users "$users" --rate 15 --seconds "$seconds" --settle 3 \
        --seed 1 --server 198.18.0.1:7777 >"$out" 2>"$results/bots-${rooms}x${users}.log" &
    bots=$!
    wait_event "$out" window_start "$bots"
    cpu0=$(cpu_ticks "$server"); sys0=$(sys_ticks "$server"); rx0=$(counter rx_bytes); tx0=$(counter tx_bytes)
    rxp0=$(counter rx_packets); txp0=$(counter tx_packets); t0=$(date +%s.%N)
    wait_event "$out" window_end "$bots"
    cpu1=$(cpu_ticks "$server"); sys1=$(sys_ticks "$server"); rx1=$(counter rx_bytes); tx1=$(counter tx_bytes)
    rxp1=$(counter rx_packets); txp1=$(counter tx_packets); t1=$(date +%s.%N)
    rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
    wait "$bots" || true
    kill -TERM "$server"; wait "$server" || true
    result=$(grep '"event":"result"' "$out" || true)
    if [ -z "$result" ]; then
        echo "bench: no result for $rooms x $users: $(tail -1 "$out")" >&2
        exit 1
    fi
    stats=$(grep 'stats final' "$log" | tail -1)
    field() { echo "$result" | sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
    tick_p99=$(echo "$stats" | sed -n 's/.*tick_us_p99=\([0-9]*\).*/\1/p')
    awk -v rooms="$rooms" -v users="$users" -v clients="$clients" -v t0="$t0" -v t1="$t1" \
        -v cpu="$((cpu1 - cpu0))" -v sys="$((sys1 - sys0))" -v hz="$hz" -v rx="$((rx1 - rx0))" -v tx="$((tx1 - tx0))" \
        -v rxp="$((rxp1 - rxp0))" -v txp="$((txp1 - txp0))" -v rss="$rss_kb" \
        -v p99="$(echo "$result" | sed -n 's/.*"p99":\([0-9.]*\).*/\1/p')" \
        -v p50="$(echo "$result" | sed -n 's/.*"p50":\([0-9.]*\).*/\1/p')" \
        -v connected="$(field clients_connected_at_end)" -v disconnects="$(field disconnects)" \
        -v decoding="$(field decoding_clients)" -v updates="$(field updates_received_per_client_s)" \
        -v tick="$tick_p99" -v file="$results/presence-${rooms}x${users}-$(date +%Y%m%dT%H%M%S).json" '
    function verdict(ok) { return ok ? "ok" : "MISSED" }
    BEGIN {
        w = t1 - t0
        down = rx / clients / w; up = tx / clients / w
        cpu_us = cpu / hz * 1e6 / clients / w
        sys_us = sys / hz * 1e6 / clients / w
        printf "{\"scenario\":\"classroom-presence-v1\",\"rooms\":%d,\"users\":%d,\"clients\":%d,", rooms, users, clients > file
        printf "\"window_s\":%.2f,\"down_bytes_per_client_s\":%.0f,\"up_bytes_per_client_s\":%.0f,", w, down, up > file
        printf "\"down_packets_per_client_s\":%.1f,\"up_packets_per_client_s\":%.1f,", rxp / clients / w, txp / clients / w > file
        printf "\"server_cpu_us_per_client_s\":%.1f,\"server_cpu_kernel_us_per_client_s\":%.1f,", cpu_us, sys_us > file
        printf "\"server_peak_rss_mib\":%.1f,", rss / 1024 > file
        printf "\"latency_p50_ms\":%s,\"latency_p99_ms\":%s,\"server_tick_p99_us\":%s,", p50, p99, tick > file
        printf "\"updates_received_per_client_s\":%s,\"decoding_clients\":%s,\"connected_at_end\":%s,\"disconnects\":%s,", updates, decoding, connected, disconnects > file
        printf "\"bytes_measured_by\":\"veth counters between two network namespaces\"}\n" > file
        at20 = rooms == 20; at40 = rooms == 40
        printf "  down %.0f B/client/s   target <= 2600  %s\n", down, verdict(down <= 2600)
        printf "  up %.0f B/client/s     target <= 1300 (sealed)  %s\n", up, verdict(up <= 1300)
        printf "  server CPU %.1f us/client-s (%.1f of it in the kernel)   target <= 145 at 20 x 50  %s\n", cpu_us, sys_us, at20 ? verdict(cpu_us <= 145) : "-"
        printf "  server peak RSS %.1f MiB      target <= 16 at 20 x 50   %s\n", rss / 1024, at20 ? verdict(rss / 1024 <= 16) : "-"
        printf "  latency p50 %s ms, p99 %s ms  target p99 <= 72 at 20 x 50  %s\n", p50, p99, at20 ? verdict(p99 <= 72) : "-"
        printf "  server tick p99 %s us         target < 5000 at 40 x 50  %s\n", tick, at40 ? verdict(tick < 5000) : "-"
        printf "  %s of %s clients decoding, %s connected at the end, %s disconnects  %s\n", decoding, clients, connected, disconnects, verdict(connected == clients && decoding == clients)
        printf "  %s updates/client/s\n", updates
        print "  -> " file
    }'
done

# lecture-250 (issue 13): 250 clients in one zone of the lecture hall, 20
# pacing the aisles and 230 seated once they have walked to their seats;
# measured after LECTURE_SETTLE seconds, when the hall has sat down.
if [ "${BENCH_LECTURE:-1}" = 1 ]; then
    clients=250 walkers=20 settle=${LECTURE_SETTLE:-20}
    echo "== lecture-250: $clients clients in one zone, $walkers walking, ${seconds} s window after ${settle} s"
    log="$results/server-lecture-250.log"
    start_server lecture-hall "$clients" "$log"
    report="$results/bots-lecture-250.json"
    ip netns exec "$ns_bot" "$build/tools/bot/lyceum-bot" --server 198.18.0.1:7777 \
        --count "$clients" --walkers "$walkers" --behavior lecture --zones hall --seed 1 \
        --seconds $((settle + seconds + 2)) --report "$report" \
        >/dev/null 2>"$results/bots-lecture-250.log" &
    bots=$!
    until grep -q "bots joined" "$results/bots-lecture-250.log" 2>/dev/null; do
        kill -0 "$bots" 2>/dev/null || break
        sleep 0.05
    done
    sleep "$settle"
    cpu0=$(cpu_ticks "$server"); rx0=$(counter rx_bytes); tx0=$(counter tx_bytes); t0=$(date +%s.%N)
    sleep "$seconds"
    cpu1=$(cpu_ticks "$server"); rx1=$(counter rx_bytes); tx1=$(counter tx_bytes); t1=$(date +%s.%N)
    rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
    wait "$bots" || true
    kill -TERM "$server"; wait "$server" || true
    crowd=$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["crowd"]; s=sum(b["seat"]>=0 for b in json.load(open(sys.argv[1]))["bots"]); print(c["see_everyone_s_p50"], c["see_everyone_s_max"], c["pairs_never_seen"], c["vanished"], c["near_walker_stale"], c["near_walker_snapshots"], s)' "$report") ||
        { echo "bench: no lecture report: $(tail -3 "$results/bots-lecture-250.log")" >&2; exit 1; }
    read -r see50 seemax unseen vanished stale near seated <<<"$crowd"
    awk -v clients="$clients" -v t0="$t0" -v t1="$t1" -v cpu="$((cpu1 - cpu0))" -v hz="$hz" \
        -v rx="$((rx1 - rx0))" -v tx="$((tx1 - tx0))" -v rss="$rss_kb" -v see50="$see50" \
        -v seemax="$seemax" -v unseen="$unseen" -v vanished="$vanished" -v stale="$stale" \
        -v near="$near" -v seated="$seated" \
        -v file="$results/lecture-250-$(date +%Y%m%dT%H%M%S).json" '
    function verdict(ok) { return ok ? "ok" : "MISSED" }
    BEGIN {
        w = t1 - t0
        down = rx / clients / w; up = tx / clients / w
        cpu_us = cpu / hz * 1e6 / clients / w
        printf "{\"scenario\":\"lecture-250\",\"clients\":%d,\"walking\":20,\"seated\":%d,\"window_s\":%.2f,", clients, seated, w > file
        printf "\"down_bytes_per_client_s\":%.0f,\"up_bytes_per_client_s\":%.0f,", down, up > file
        printf "\"server_cpu_us_per_client_s\":%.1f,\"server_peak_rss_mib\":%.1f,", cpu_us, rss / 1024 > file
        printf "\"see_everyone_s_p50\":%s,\"see_everyone_s_max\":%s,\"pairs_never_seen\":%s,", see50, seemax, unseen > file
        printf "\"vanished\":%s,\"near_walker_stale\":%s,\"near_walker_snapshots\":%s}\n", vanished, stale, near > file
        printf "  down %.0f B/client/s   target <= 4000  %s\n", down, verdict(down <= 4000)
        printf "  up %.0f B/client/s\n", up
        printf "  server CPU %.1f us/client-s, peak RSS %.1f MiB\n", cpu_us, rss / 1024
        printf "  a joiner saw everyone after %.2f s (p50), %.2f s at most; %d pairs never   target <= 3 s  %s\n", see50, seemax, unseen, verdict(seemax <= 3 && unseen == 0)
        printf "  vanished %d times; near walkers stale in %d of %d snapshots; %d of 230 seated  %s\n", vanished, stale, near, seated, verdict(vanished == 0)
        print "  -> " file
    }'
fi

# voice-v1 (shared/bench/voice-v1.md): see voice_bench.sh.
if [ "${BENCH_VOICE:-1}" = 1 ]; then
    . "$(dirname "$0")/voice_bench.sh"
fi

# board-v1 (shared/bench/board-v1.md): see board_bench.sh.
if [ "${BENCH_BOARD:-1}" = 1 ]; then
    . "$(dirname "$0")/board_bench.sh"
fi
