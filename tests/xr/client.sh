#!/bin/sh
# lyceum --xr through the real Khronos loader against the test runtime
# (lyceum_xrt), on a real server over loopback, with the Vulkan validation
# layers on. The runtime's script (client.script) puts the right hand's tip
# on the items world's board and pulls the trigger across it, undoes the
# stroke (the right stick's button) and redoes it (the left's), pushes the
# left stick to walk east, steps back from the board and undoes the stroke
# again (more than 2.5 m from it, within 10 s of drawing), takes focus away and pushes the stick west (which
# must do nothing), gives focus back and ends the session. Checked from
# outside:
#   - the client exits 0 with no message from the Vulkan validation layers
#     or Khronos's OpenXR core validation layer, and the runtime saw
#     no spec violation and the whole lifecycle (ready .. focused, visible
#     while unfocused, stopping, idle, exiting);
#   - both eye images (the best of those captured) show the room and differ
#     by parallax, the right way round;
#   - an onlooking bot receives the stroke and sees the VR user walk east
#     (and never west), with a head-and-hands pose;
#   - the server's board holds it, undone (and has refused nothing so far);
#     the client never said there was nothing to undo or redo.
#   client.sh LYCEUM SERVER BOT TOKEN_TOOL WORLDS MANIFEST EYES OUTDIR
set -eu
lyceum=$1
server=$2
bot=$3
token_tool=$4
worlds=$5
manifest=$6
eyes=$7
out=$8
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
rm -rf "${out:?}"/*
name=xr.client
. "$here/../desktop/lib.sh"
use_lavapipe
port=$((20000 + ($$ + 83) % 20000))
"$token_tool" keygen --out "$out/keys" >/dev/null
start_server server --worlds "$worlds" --world items --token-key "$out/keys/token.pub"

# The VR user joins first, so it stands on the left zone's spawn (3, 3) m:
# the script's hand positions are from there.
# Khronos's OpenXR core validation layer checks every call lyceum makes.
(cd "$out" && XR_RUNTIME_JSON="$manifest" LYCEUM_XRT_SCRIPT="$here/client.script" \
    XR_ENABLE_API_LAYERS=XR_APILAYER_LUNARG_core_validation \
    LYCEUM_XRT_CAPTURE="$out" LYCEUM_XRT_CAPTURE_FRAMES=270,360,450,540,720,900 LYCEUM_XRT_REPORT="$out/xrt.json" \
    "$lyceum" --xr --validation --stats --no-audio --server "127.0.0.1:$port" \
    --worlds "$worlds" --zone left --token "$(mint vr student)" >"$out/vr.out" 2>"$out/vr.log";
    echo $? >"$out/vr.rc") &
vr=$!
pids="$pids $vr"
wait_for "$out/vr.log" "room 'lesson' as" 20
"$bot" --server "127.0.0.1:$port" --count 1 --name onlooker --token-key "$out/keys/token.key" \
    --worlds "$worlds" --zones left --behavior idle --seconds 16 --moderate "0.2:say::watching the board" \
    --report "$out/onlooker.json" \
    >"$out/onlooker.out" 2>"$out/onlooker.log" &
pids="$pids $!"
wait_for "$out/onlooker.log" "1 of 1 bots joined" 10

wait "$vr" || true
rc=$(cat "$out/vr.rc" 2>/dev/null || echo none)
[ "$rc" = 0 ] || { echo "$name: lyceum --xr exited $rc" >&2; cat "$out/vr.log" >&2; exit 1; }
grep -q "0 Vulkan validation messages" "$out/vr.log" ||
    { echo "$name: the validation layers reported" >&2; cat "$out/vr.log" >&2; exit 1; }
grep -q "Core Validation output" "$out/vr.out" "$out/vr.log" ||
    { echo "$name: the OpenXR core validation layer did not load (openxr-layer-corevalidation)" >&2; exit 1; }
if grep -h "VUID-\|Validation Error\|XR_ERROR_VALIDATION_FAILURE" "$out/vr.out" "$out/vr.log"; then
    echo "$name: the OpenXR core validation layer reported the calls above" >&2
    exit 1
fi

rep=$(tr -d ' \n' <"$out/xrt.json")
echo "$rep" | grep -q '"violations":0' ||
    { echo "$name: the runtime saw spec violations:" >&2; cat "$out/xrt.json" >&2; exit 1; }
states=$(echo "$rep" | sed 's/.*"states":\[\([^]]*\)\].*/\1/' | tr -d '"')
case "$states" in
*READY,SYNCHRONIZED,VISIBLE,FOCUSED,VISIBLE,FOCUSED*STOPPING,IDLE,EXITING*) ;;
*) echo "$name: the session went $states" >&2; exit 1 ;;
esac

# of the pairs captured (frame 270 is 3 s in at 90 Hz; a slow machine gets
# fewer frames), the one that shows the most: the room before the walk
seen=""
best=-1
for left in "$out"/frame-*-left.png; do
    [ -f "$left" ] || continue
    pair=$("$eyes" "$left" "${left%-left.png}-right.png") || continue
    n=$(echo "$pair" | sed -n 's/.*"colours_left": *\([0-9]*\).*/\1/p')
    if [ "${n:-0}" -gt "$best" ]; then
        best=$n
        seen=$pair
    fi
done
[ -n "$seen" ] || { echo "$name: no eye images" >&2; exit 1; }
field() { echo "$seen" | sed -n "s/.*\"$1\": *\\(-\\{0,1\\}[0-9.]*\\).*/\\1/p"; }
cl=$(field colours_left)
cr=$(field colours_right)
disp=$(field disparity_px)
# positive: what is in front appears further right to the left eye (swapped eyes: negative)
awk -v l="$cl" -v r="$cr" -v d="$disp" 'BEGIN { exit !(l >= 8 && r >= 8 && d >= 1) }' ||
    { echo "$name: the eyes are blank or the same: $seen" >&2; exit 1; }

wait_for "$out/onlooker.out" '"still_connected"' 20
obs=$(tr -d ' \n' <"$out/onlooker.json")
strokes=$(echo "$obs" | sed -n 's/.*"board":{[^}]*"strokes":\([0-9]*\).*/\1/p')
[ "${strokes:-0}" -ge 1 ] ||
    { echo "$name: the onlooker received no stroke" >&2; cat "$out/onlooker.json" >&2; exit 1; }
wait_for "$out/server.log" 'board hash room=lesson board=1 seq=[0-9]* strokes=1 live=0' 10
echo "$obs" | grep -q '"board":{[^}]*"live":0' ||
    { echo "$name: the onlooker holds the stroke live: the headset's undo, redo, undo did not land" >&2; exit 1; }
if grep -q 'board_refused=[1-9]' "$out/server.log"; then
    echo "$name: the server refused one of the headset's ops" >&2; exit 1
fi
if grep -E "Nothing to redo|Nothing of yours to undo|Not undone|Not redone" "$out/vr.log"; then
    echo "$name: the headset's undo or redo found nothing to do" >&2; exit 1
fi
poses=$(echo "$obs" | sed -n 's/.*"views_with_pose":\([0-9]*\).*/\1/p')
[ "${poses:-0}" -ge 1 ] || { echo "$name: the onlooker saw no head and hands" >&2; exit 1; }
ext=$(echo "$obs" | sed -n 's/.*"remotes":\[{[^]]*"extent_m":{\([^}]*\)}.*/\1/p')
minx=$(echo "$ext" | sed -n 's/.*"min_x":\([-0-9.]*\).*/\1/p')
maxx=$(echo "$ext" | sed -n 's/.*"max_x":\([-0-9.]*\).*/\1/p')
# east from x = 3 m for 1.5 s at 1.4 m/s; west would take min_x below 3
awk -v a="$minx" -v b="$maxx" 'BEGIN { exit !(b - 3.0 >= 1.0 && a >= 2.9) }' ||
    { echo "$name: the onlooker saw the VR user between x = $minx and $maxx m (want east >= 1 m, never west)" >&2; exit 1; }
# back from the board (y = 0.51 m) from y = 3 m, so the last undo came from
# more than 2.5 m away
maxy=$(echo "$ext" | sed -n 's/.*"max_y":\([-0-9.]*\).*/\1/p')
awk -v y="$maxy" 'BEGIN { exit !(y >= 3.5) }' ||
    { echo "$name: the onlooker saw the VR user no further back than y = $maxy m (want >= 3.5)" >&2; exit 1; }
echo "$name: $(sed -n 's/^{"xr_frames"/frames/p' "$out/vr.out" | cut -c1-120)"
echo "$name: stroke seen and undone, walked east to x = $maxx m, back to y = $maxy m and not west while unfocused, eyes: $seen"
