#!/bin/sh
# Keys and clicks drive the avatar through the client's real input path
# (headless window replaying an input script -> input ticks -> prediction ->
# the server -> snapshots), and the server's answer is what the scene shows:
#   keys   holding "left" walks screen-left: world (-1, +1)
#   click  a click on the floor walks there, around what is in the way
#   sit    E walks to the nearest free seat and sits on it
#   escape Esc once asks, twice leaves
#   input.sh LYCEUM LYCEUM_SERVER OUTDIR
set -eu
lyceum=$1
server=$2
out=$3
mkdir -p "$out"
rm -f "$out"/*
name=input
. "$(dirname "$0")/lib.sh"
use_lavapipe
port=$((20000 + ($$ + 13) % 20000))
start_server server

# Each run joins a fresh room, so it starts on the same spawn point.
run() { # name, frames, script lines...
    name=$1 frames=$2
    shift 2
    printf '%s\n' "$@" >"$out/$name.script"
    "$lyceum" --headless --size 640x400 --msaa 1 --server "127.0.0.1:$port" --room "$name" \
        --name "$name" --frames "$frames" --input-script "$out/$name.script" \
        --screenshot "$out/$name.png" --scene-json "$out/$name.json" >"$out/$name.out" 2>"$out/$name.log" ||
        { echo "input: lyceum failed in run $name" >&2; cat "$out/$name.log" >&2; exit 1; }
}
# self's world position and seat from a scene file: "x y seat"
self_of() {
    tr -d '\n' <"$1" | sed 's/},/}\n/g' | grep '"self": true' |
        sed -n 's/.*"seat": \(-*[0-9]*\), "world_m": \[\([-0-9.]*\), \([-0-9.]*\)\].*/\2 \3 \1/p'
}

run still 20 "# nothing pressed"
run keys 90 "5 key left on" "50 key left off"
run click 150 "5 click 220 225"
run sit 240 "5 press sit"
# Esc once only asks (the client runs on to its last frame and writes
# its screenshot); twice within 3 s leaves at once.
run escape-once 60 "10 press cancel"
grep -q "Press Esc again to leave" "$out/escape-once.log" && [ -s "$out/escape-once.png" ] ||
    { echo "input: a single Esc did not just ask" >&2; cat "$out/escape-once.log" >&2; exit 1; }
run escape-twice 600 "10 press cancel" "40 press cancel"
[ ! -e "$out/escape-twice.png" ] ||
    { echo "input: Esc twice did not leave (the client ran to its last frame)" >&2; exit 1; }
echo "escape ok: once asks, twice leaves"

set -- $(self_of "$out/still.json")
x0=$1 y0=$2
set -- $(self_of "$out/keys.json")
xk=$1 yk=$2
set -- $(self_of "$out/click.json")
xc=$1 yc=$2
set -- $(self_of "$out/sit.json")
seat=$3
echo "spawn ($x0, $y0); after holding left ($xk, $yk); after the click ($xc, $yc); seat after E: $seat"
awk -v x0="$x0" -v y0="$y0" -v xk="$xk" -v yk="$yk" -v xc="$xc" -v yc="$yc" -v seat="$seat" '
BEGIN {
    dx = xk - x0; dy = yk - y0; d = sqrt(dx * dx + dy * dy)
    along = (-dx + dy) / sqrt(2)
    if (d < 0.5 || along < 0.9 * d) { printf "input: holding left moved (%.2f, %.2f), not along (-1, +1)\n", dx, dy; exit 1 }
    printf "keys   ok: %.2f m, %.0f%% of it screen-left\n", d, 100 * along / d
    # the click at (220, 225) on a 640x400 view centred on the avatar, zoom 1,
    # 64 x 32 px per 0.5 m tile: 100 px left and 25 px down of the centre
    tx = x0 + (-100 / 64 + 25 / 32) / 2; ty = y0 + (25 / 32 + 100 / 64) / 2
    e = sqrt((xc - tx) ^ 2 + (yc - ty) ^ 2)
    if (e > 0.15) { printf "input: the click aimed at (%.2f, %.2f) but the avatar stands at (%.2f, %.2f)\n", tx, ty, xc, yc; exit 1 }
    printf "click  ok: %.3f m from the clicked point\n", e
    if (seat < 0) { print "input: E did not seat the avatar"; exit 1 }
    printf "sit    ok: seated on seat %d\n", seat
}'
echo "input: ok"
