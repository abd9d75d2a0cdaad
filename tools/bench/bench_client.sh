#!/bin/bash
# Client frame benchmark (part of make bench): the classroom with 50 avatars,
# rendered offscreen on the current Vulkan device with vsync off. Prints the
# median and p99 CPU milliseconds per frame (from after the wait for the GPU
# to the submit), draw calls per frame and frames per second, compares them
# with the target (at most 1 ms of CPU per frame, every avatar in one draw)
# and writes bench-results/client-frame-*.json.
#   BENCH_FRAMES=300   frames rendered    BENCH_SIZE=1280x720
set -euo pipefail
build=${1:-build/default}
frames=${BENCH_FRAMES:-300}
size=${BENCH_SIZE:-1280x720}
root=$(cd "$(dirname "$0")/../.." && pwd)
results="$root/bench-results"
mkdir -p "$results"
client="$build/client/lyceum"
if [ ! -x "$client" ]; then
    echo "bench: $client is not built (the server preset has no client); skipping the frame benchmark"
    exit 0
fi
echo "== client frame benchmark: classroom, 50 avatars, $size, $frames frames, headless, no vsync"
out=$("$client" --headless --demo 50 --seed 1 --zoom 0.6 --size "$size" --no-vsync --stats \
    --frames "$frames" 2>/dev/null | grep '^{')
file="$results/client-frame-$(date +%Y%m%dT%H%M%S).json"
echo "$out" >"$file"
field() { echo "$out" | sed -n "s/.*\"$1\": \\(\"[^\"]*\"\\|[^,}]*\\).*/\\1/p"; }
awk -v med="$(field cpu_ms_median)" -v p99="$(field cpu_ms_p99)" -v draws="$(field draw_calls_per_frame)" \
    -v avd="$(field avatar_draws_per_frame)" -v fps="$(field fps)" -v dev="$(field device)" \
    -v avatars="$(field avatars)" -v file="$file" '
    function verdict(ok) { return ok ? "ok" : "MISSED" }
    BEGIN {
        printf "  device %s\n", dev
        printf "  CPU per frame median %.3f ms   target <= 1 ms  %s\n", med, verdict(med <= 1.0)
        printf "  CPU per frame p99    %.3f ms   target <= 1 ms  %s\n", p99, verdict(p99 <= 1.0)
        printf "  draw calls per frame %.2f, avatars %d in %d draw   target 1 draw  %s\n", draws, avatars, avd, verdict(avd == 1 && avatars == 50)
        printf "  %.1f frames per second (GPU bound on a CPU driver such as lavapipe)\n", fps
        print "  -> " file
    }'
