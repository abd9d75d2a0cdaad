#!/bin/sh
# Both eyes in one multiview pass (--xr-multiview on), on a seeded class of
# 50 (--demo, no server), through the real loader and the test runtime with
# the validation layers on: both eye images show the class and differ by
# the parallax the 64 mm between the eyes gives: 320 px of focal length
# (90 degrees over 640 px) x 0.064 m / 1 to 10 m away is 2 to 20 px. (lyceum's auto choice
# leaves multiview off on lavapipe, whose second view loses triangles that
# need clipping; from a seat among the desks none of the class does.)
#   multiview.sh LYCEUM MANIFEST EYES OUTDIR
set -eu
lyceum=$1
manifest=$2
eyes=$3
out=$4
mkdir -p "$out"
rm -rf "${out:?}"/*
name=xr.multiview
. "$(dirname "$0")/../desktop/lib.sh"
use_lavapipe
XR_RUNTIME_JSON="$manifest" LYCEUM_XRT_CAPTURE="$out" LYCEUM_XRT_CAPTURE_FRAMES=100 \
    LYCEUM_XRT_REPORT="$out/xrt.json" \
    "$lyceum" --xr --xr-multiview on --demo 50 --frames 120 --validation --stats \
    >"$out/vr.out" 2>"$out/vr.log" ||
    { echo "$name: lyceum --xr failed" >&2; cat "$out/vr.log" >&2; exit 1; }
grep -q "both in one multiview pass" "$out/vr.log" ||
    { echo "$name: the eyes were not drawn in one multiview pass" >&2; cat "$out/vr.log" >&2; exit 1; }
tr -d ' \n' <"$out/xrt.json" | grep -q '"violations":0' ||
    { echo "$name: the runtime saw spec violations:" >&2; cat "$out/xrt.json" >&2; exit 1; }
seen=$("$eyes" "$out/frame-100-left.png" "$out/frame-100-right.png")
field() { echo "$seen" | sed -n "s/.*\"$1\": *\\(-\\{0,1\\}[0-9.]*\\).*/\\1/p"; }
awk -v l="$(field colours_left)" -v r="$(field colours_right)" -v d="$(field disparity_px)" \
    -v diff="$(field differing)" \
    'BEGIN { exit !(l >= 20 && r >= 20 && d >= 2 && d <= 25 && diff > 0.01) }' ||
    { echo "$name: the eyes are blank, the same or too far apart: $seen" >&2; exit 1; }
echo "$name: $seen"
