#!/bin/sh
# Boards in the desktop client's real input path: a TA's client (headless,
# an input script) opens the board with F2, draws a stroke with the mouse,
# picks another colour (C) and draws a second, undoes it with Z, takes the
# eraser (Delete) and drags it across the first, saves the board as PNG,
# brings back with R what it took off last (the first stroke, erased
# after the second was undone: an editor's redo, not the board's newest),
# closes it (F2) and draws a third stroke on the board's wall in the room
# (standing at it); a single /clear-board only asks again. A student's bot
# holding the room's log receives exactly that (three strokes, the first
# and third live, in two colours) and holds the server's hash; the board
# shows on its wall, on the screen.
# The room runs tests/data/worlds/board.tmj: its one board stands 1.6 m
# from the spawn, so the TA is at it.
#   board.sh LYCEUM LYCEUM_SERVER LYCEUM_BOT LYCEUM_TOKEN WORLDS OUTDIR
set -eu
lyceum=$1
server=$2
bot=$3
token_tool=$4
worlds=$5
out=$6
mkdir -p "$out"
rm -rf "$out"/*
name=board
. "$(dirname "$0")/lib.sh"
use_lavapipe
port=$((20000 + ($$ + 53) % 20000))
"$token_tool" keygen --out "$out/keys" >/dev/null
start_server server --worlds "$worlds" --world board --token-key "$out/keys/token.pub"

# A student who holds the room's log (its script says one line) and stays.
"$bot" --server "127.0.0.1:$port" --count 1 --name kid --token-key "$out/keys/token.key" --worlds "$worlds" \
    --behavior idle --seconds 14 --moderate "0.2:say::watching the board" \
    --report "$out/kid.json" >"$out/kid.out" 2>"$out/kid.log" &
pids="$pids $!"
wait_for "$out/kid.log" "1 of 1 bots joined" 10

# drag START END X Y DX DY [DEN]: the mouse to (X, Y) at frame START, the
# button down a frame later, then a move a frame by (DX, DY) / DEN, and the
# button up at frame END.
drag() {
    echo "$1 move $3 $4"
    echo "$(($1 + 1)) button on"
    k=1
    while [ $k -le $(($2 - $1 - 2)) ]; do
        echo "$(($1 + 1 + k)) move $(($3 + k * $5 / ${7:-1})) $(($4 + k * $6 / ${7:-1}))"
        k=$((k + 1))
    done
    echo "$2 button off"
}

# Full-screen, the board at 960 x 540 shows at (50, 70), 860 x 430 px:
# 4000 x 2000 mm.
{
    echo "60 press board"
    drag 70 101 200 200 8 3
    echo "105 press pen-colour"
    drag 110 131 300 400 10 0
    echo "150 press undo"
    # The eraser across the first stroke (it passes x = 300 at y = 237).
    echo "152 press eraser"
    drag 154 167 300 215 0 4
    echo "169 press eraser"
    printf "%s\n" "170 press chat" "171 type /save-board" "172 press chat" "174 press redo" "180 press cancel"
    # On the board's wall in the room (zoom 0.6, the camera on the TA at
    # the spawn, (3, 3) m): its image spans (500, 171) top-left, (527, 184)
    # top-right, (500, 231) bottom-left.
    drag 200 221 506 192 16 26 19
    # Clearing takes saying twice: once only asks.
    printf "%s\n" "230 press chat" "231 type /clear-board" "232 press chat"
} >"$out/ta.script"
(cd "$out" && "$lyceum" --headless --size 960x540 --msaa 1 --server "127.0.0.1:$port" \
    --token "$(mint ms-ward ta)" --frames 270 --input-script "$out/ta.script" --zone left --worlds "$worlds" \
    --zoom 0.6 --screenshot "$out/ta.png" --scene-json "$out/ta.json" >"$out/ta.out" 2>"$out/ta.log") ||
    { echo "board: the TA's client failed" >&2; cat "$out/ta.log" >&2; exit 1; }

wait_for "$out/kid.out" '"still_connected"' 20
kid=$(tr -d ' \n' <"$out/kid.json")
echo "$kid" | grep -q '"strokes":3,"live":2,' ||
    { echo "board: the student does not hold three strokes, two live" >&2; cat "$out/kid.json" >&2; exit 1; }
grep -q "Clear board 1 for everyone" "$out/ta.log" ||
    { echo "board: a single /clear-board did not ask again" >&2; cat "$out/ta.log" >&2; exit 1; }
echo "$kid" | grep -q '"roster_joined":1,"roster_left":1' ||
    { echo "board: the student was not told of the TA's coming and going" >&2; cat "$out/kid.json" >&2; exit 1; }
echo "$kid" | grep -q '"colours":2,"live_colours":2,' ||
    { echo "board: the student does not see two pen colours live (R brought back the undone stroke, not the erased one?)" >&2; cat "$out/kid.json" >&2; exit 1; }
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
line=$(grep 'board hash room=lesson board=1' "$out/server.log" | tail -1)
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
echo "board: three strokes drawn with the mouse (two colours, one undone, one erased and brought back, one on the wall) reached the room; saved to $(basename "$png"); on its wall at $corners"
