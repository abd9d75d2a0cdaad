#!/bin/sh
# Boards in the desktop client's real input path: a TA's client (headless,
# an input script) opens the board with F2, draws two strokes with the
# mouse, undoes the second with Z and saves the board as PNG; a student's
# bot holding the room's log receives exactly that (two strokes, one live)
# and holds the server's hash. Closed again (F2), the board shows on its
# wall in the room, on the screen.
#   board.sh LYCEUM LYCEUM_SERVER LYCEUM_BOT LYCEUM_TOKEN OUTDIR
set -eu
lyceum=$1
server=$2
bot=$3
token_tool=$4
out=$5
mkdir -p "$out"
rm -rf "$out"/*
name=board
. "$(dirname "$0")/lib.sh"
use_lavapipe
port=$((20000 + ($$ + 53) % 20000))
keyed_server

# A student who holds the room's log (its script says one line) and stays.
"$bot" --server "127.0.0.1:$port" --count 1 --name kid --token-key "$out/keys/token.key" \
    --behavior idle --seconds 9 --moderate "0.2:say::watching the board" \
    --report "$out/kid.json" >"$out/kid.out" 2>"$out/kid.log" &
pids="$pids $!"
wait_for "$out/kid.log" "1 of 1 bots joined" 10

# The board at 960 x 540 shows at (50, 70), 860 x 430 px: 4000 x 2000 mm.
{
    echo "20 press board"
    echo "30 move 200 200"
    echo "31 button on"
    i=32
    while [ $i -le 60 ]; do echo "$i move $((200 + (i - 31) * 8)) $((200 + (i - 31) * 3))"; i=$((i + 1)); done
    echo "61 button off"
    echo "70 move 300 400"
    echo "71 button on"
    i=72
    while [ $i -le 90 ]; do echo "$i move $((300 + (i - 71) * 10)) 400"; i=$((i + 1)); done
    echo "91 button off"
    echo "110 press undo"
    printf "%s\n" "120 press chat" "121 type /save-board" "122 press chat" "130 press board"
} >"$out/ta.script"
(cd "$out" && "$lyceum" --headless --size 960x540 --msaa 1 --server "127.0.0.1:$port" \
    --token "$(mint ms-ward ta)" --frames 170 --input-script "$out/ta.script" --zone classroom \
    --zoom 0.35 --screenshot "$out/ta.png" --scene-json "$out/ta.json" >"$out/ta.out" 2>"$out/ta.log") ||
    { echo "board: the TA's client failed" >&2; cat "$out/ta.log" >&2; exit 1; }

wait_for "$out/kid.out" '"still_connected"' 20
kid=$(tr -d ' \n' <"$out/kid.json")
echo "$kid" | grep -q '"strokes":2,"live":1,' ||
    { echo "board: the student does not hold two strokes, one undone" >&2; cat "$out/kid.json" >&2; exit 1; }
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
line=$(grep 'board hash room=lesson board=0' "$out/server.log" | tail -1)
hash=$(echo "$line" | sed 's/.*content=\([0-9a-f]*\).*/\1/')
echo "$kid" | grep -q "\"content_hash\":\"$hash\"" ||
    { echo "board: the student's board is not the server's ($line)" >&2; exit 1; }
png=$(ls "$out"/lyceum-board-lesson-1-*.png 2>/dev/null | head -1)
[ -n "$png" ] || { echo "board: /save-board wrote no PNG" >&2; cat "$out/ta.log" >&2; exit 1; }
# The PNG's header: 1000 x 500 pixels.
[ "$(od -An -tx1 -j16 -N8 "$png" | tr -d ' \n')" = "000003e8000001f4" ] ||
    { echo "board: $png is not a 1000 x 500 PNG" >&2; exit 1; }
# The board on its wall: drawn, and on the screen (corners inside 960 x 540).
corners=$(tr -d ' \n' <"$out/ta.json" | sed -n 's/.*"boards":\[{"board":0,"corners":\[\([-0-9.,]*\)\]}\].*/\1/p')
[ -n "$corners" ] || { echo "board: the board is not drawn on its wall" >&2; cat "$out/ta.json" >&2; exit 1; }
echo "$corners" | awk -F, '{ for (i = 1; i <= NF; i += 2) if ($i < 0 || $i > 960 || $(i + 1) < 0 || $(i + 1) > 540) exit 1 }' ||
    { echo "board: the wall's board is off the screen: $corners" >&2; exit 1; }
echo "board: two strokes drawn with the mouse, one undone, reached the room; saved to $(basename "$png"); on its wall at $corners"
