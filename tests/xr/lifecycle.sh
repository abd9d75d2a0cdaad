#!/bin/sh
# lyceum --xr where a headset differs from the one client.sh uses, each a
# short run on a seeded class (--demo, no server) through the real loader
# and the test runtime:
#   - each controller profile the runtime can be (Touch, Pico 4, Index,
#     Khronos simple) becomes current and the session runs without a
#     violation;
#   - no play area (no STAGE): the local space is used, its floor under the
#     feet, and the room still shows;
#   - a display rate asked for (--xr-refresh 72) is the runtime's rate;
#   - the headset lost (LOSS_PENDING): lyceum says so, leaves with status 1
#     and no violation;
#   - focus lost and the session stopped by the runtime while the user
#     holds the stick: lyceum quits cleanly.
#   lifecycle.sh LYCEUM MANIFEST EYES OUTDIR
set -eu
lyceum=$1
manifest=$2
eyes=$3
out=$4
mkdir -p "$out"
rm -rf "${out:?}"/*
name=xr.lifecycle
. "$(dirname "$0")/../desktop/lib.sh"
use_lavapipe
export XR_RUNTIME_JSON="$manifest"

# run TAG [lyceum flags]: env from the caller; the status in $status
run() {
    tag=$1
    shift
    status=0
    LYCEUM_XRT_REPORT="$out/$tag.json" "$lyceum" --xr --demo 20 "$@" >"$out/$tag.out" 2>"$out/$tag.log" ||
        status=$?
}
report() { tr -d ' \n' <"$out/$1.json"; }
clean() {
    report "$1" | grep -q '"violations":0' ||
        { echo "$name: $1: the runtime saw spec violations:" >&2; cat "$out/$1.json" >&2; exit 1; }
}

for profile in oculus/touch_controller bytedance/pico4_controller valve/index_controller \
    khr/simple_controller; do
    tag=$(echo "$profile" | tr / -)
    LYCEUM_XRT_PROFILE=/interaction_profiles/$profile run "$tag" --frames 40
    [ "$status" = 0 ] || { echo "$name: $profile: exit $status" >&2; cat "$out/$tag.log" >&2; exit 1; }
    clean "$tag"
    report "$tag" | grep -q "\"interaction_profile\":\"/interaction_profiles/$profile\"" ||
        { echo "$name: $profile did not become current" >&2; cat "$out/$tag.json" >&2; exit 1; }
    grep -q "controllers: /interaction_profiles/$profile" "$out/$tag.log" ||
        { echo "$name: lyceum did not see $profile" >&2; cat "$out/$tag.log" >&2; exit 1; }
done

LYCEUM_XRT_NO_STAGE=1 LYCEUM_XRT_CAPTURE="$out" LYCEUM_XRT_CAPTURE_FRAMES=30 run local --frames 40
[ "$status" = 0 ] || { echo "$name: no stage: exit $status" >&2; cat "$out/local.log" >&2; exit 1; }
clean local
grep -q "local (no stage) reference space" "$out/local.log" ||
    { echo "$name: without a stage lyceum did not use the local space" >&2; exit 1; }
seen=$("$eyes" "$out/frame-30-left.png" "$out/frame-30-right.png")
echo "$seen" | awk '{ if (match($0, /"colours_left": *[0-9]+/)) { split(substr($0, RSTART, RLENGTH), p, ":"); exit !(p[2] + 0 >= 20) } exit 1 }' ||
    { echo "$name: from the local space the room does not show: $seen" >&2; exit 1; }

run refresh --frames 40 --xr-refresh 72
[ "$status" = 0 ] || { echo "$name: --xr-refresh 72: exit $status" >&2; cat "$out/refresh.log" >&2; exit 1; }
clean refresh
report refresh | grep -q '"refresh_rate":72' ||
    { echo "$name: the runtime is not at 72 Hz" >&2; cat "$out/refresh.json" >&2; exit 1; }

printf '%s\n' "at 0.5 loss" >"$out/loss.script"
LYCEUM_XRT_SCRIPT="$out/loss.script" run loss
[ "$status" = 1 ] || { echo "$name: a lost headset: exit $status, not 1" >&2; cat "$out/loss.log" >&2; exit 1; }
clean loss
grep -q "losing the headset" "$out/loss.log" ||
    { echo "$name: a lost headset was not explained" >&2; cat "$out/loss.log" >&2; exit 1; }

printf '%s\n' "at 0.3 stick left 0 1" "at 0.5 focus off" "at 1.0 exit" >"$out/stop.script"
LYCEUM_XRT_SCRIPT="$out/stop.script" run stop
[ "$status" = 0 ] || { echo "$name: stopped by the runtime: exit $status" >&2; cat "$out/stop.log" >&2; exit 1; }
clean stop
report stop | grep -q '"STOPPING","IDLE","EXITING"' ||
    { echo "$name: the session did not end by the book" >&2; cat "$out/stop.json" >&2; exit 1; }
echo "$name: four controller profiles, no stage, 72 Hz, a lost headset and a stop: all clean"
