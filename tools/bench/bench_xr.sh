#!/bin/bash
# VR frame benchmark (part of make bench): lyceum --xr through the Khronos
# loader against the test runtime (tests/xr), the classroom with 50 avatars
# (--demo), the runtime's 640 x 640 eyes at 90 Hz. Prints the median and
# p99 CPU milliseconds per VR frame (both eyes: the main thread's CPU time
# for the whole frame, from the runtime's events to xrEndFrame, so the waits
# for the display and the GPU are left out; of it, the renderer's
# recording) and the draw calls per eye, compares them with
# the targets (at most 2 ms, of a 90 Hz frame's 11.1; at most 100 draws an
# eye, half a busy Quest 2 scene's budget) and writes
# bench-results/xr-frame-*.json. Both ways of drawing the eyes are measured:
# one multiview pass, and a pass an eye.
#   BENCH_XR_FRAMES=600   frames rendered
set -euo pipefail
build=${1:-build/default}
frames=${BENCH_XR_FRAMES:-600}
root=$(cd "$(dirname "$0")/../.." && pwd)
results="$root/bench-results"
mkdir -p "$results"
client="$build/client/lyceum"
manifest="$build/tests/xr/lyceum_xrt.json"
if [ ! -x "$client" ] || [ ! -f "$manifest" ]; then
    echo "bench: $client or the test runtime is not built; skipping the VR frame benchmark"
    exit 0
fi
icd=$(ls /usr/share/vulkan/icd.d/lvp_icd.*.json 2>/dev/null | head -n 1 || true)
[ -z "${VK_ICD_FILENAMES:-}" ] && [ -n "$icd" ] && export VK_ICD_FILENAMES="$icd"
for mode in on off; do
    label=$([ $mode = on ] && echo "one multiview pass" || echo "a pass an eye")
    echo "== VR frame benchmark: classroom, 50 avatars, 640x640 an eye at 90 Hz, $frames frames, $label"
    out=$(XR_RUNTIME_JSON="$manifest" "$client" --xr --xr-multiview $mode --demo 50 --seed 1 \
        --stats --frames "$frames" 2>/dev/null | grep '^{')
    file="$results/xr-frame-$mode-$(date +%Y%m%dT%H%M%S).json"
    echo "$out" >"$file"
    field() { echo "$out" | sed -n "s/.*\"$1\": \\(\"[^\"]*\"\\|[^,}]*\\).*/\\1/p"; }
    awk -v med="$(field cpu_ms_median)" -v p99="$(field cpu_ms_p99)" -v draws="$(field draws_per_eye)" \
        -v rec="$(field record_ms_median)" -v avatars="$(field avatars)" -v dev="$(field device)" -v n="$(field xr_frames)" -v file="$file" '
        function verdict(ok) { return ok ? "ok" : "MISSED" }
        BEGIN {
            printf "  device %s, %d frames, %d avatars drawn\n", dev, n, avatars + 1
            printf "  CPU per VR frame median %.3f ms   target <= 2 ms  %s\n", med, verdict(med <= 2.0)
            printf "  CPU per VR frame p99    %.3f ms   (warm-up included)\n", p99
            printf "  of it, recording both eyes: median %.3f ms\n", rec
            printf "  draw calls per eye      %.2f      target <= 100  %s\n", draws, verdict(draws <= 100)
            print "  -> " file
        }'
done
