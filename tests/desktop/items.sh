#!/bin/sh
# Items in the desktop client's real input path: a student's client
# (headless, an input script) on the items world stands a metre from the
# cube, picks it up with Q, walks off carrying it and puts it down; an
# onlooking bot sees it carried away and then put down, and the server
# logs the grab and the put-down in the client's name. The server ticks at
# 60 Hz: the client takes its tick rate from the WELCOME.
#   items.sh LYCEUM LYCEUM_SERVER LYCEUM_BOT LYCEUM_TOKEN WORLDS OUTDIR
set -eu
lyceum=$1
server=$2
bot=$3
token_tool=$4
worlds=$5
out=$6
mkdir -p "$out"
rm -rf "$out"/*
name=items
. "$(dirname "$0")/lib.sh"
use_lavapipe
port=$((20000 + ($$ + 71) % 20000))
"$token_tool" keygen --out "$out/keys" >/dev/null
start_server server --worlds "$worlds" --world items --tick 60 --token-key "$out/keys/token.pub"

"$bot" --server "127.0.0.1:$port" --count 1 --name onlooker --token-key "$out/keys/token.key" \
    --worlds "$worlds" --zones left --behavior idle --seconds 14 --report "$out/onlooker.json" \
    >"$out/onlooker.out" 2>"$out/onlooker.log" &
pids="$pids $!"
wait_for "$out/onlooker.log" "1 of 1 bots joined" 10

printf '%s\n' "40 press grab" "60 key down on" "120 key down off" "130 press grab" >"$out/kid.script"
(cd "$out" && "$lyceum" --headless --size 960x540 --msaa 1 --server "127.0.0.1:$port" \
    --worlds "$worlds" --zone right --token "$(mint kid student)" --frames 180 \
    --input-script "$out/kid.script" --screenshot "$out/kid.png" >"$out/kid.out" 2>"$out/kid.log") ||
    { echo "items: the student's client failed" >&2; cat "$out/kid.log" >&2; exit 1; }

wait_for "$out/onlooker.out" '"still_connected"' 20
grep -q 'name=cube grabbed by client=[0-9]* name="kid"' "$out/server.log" ||
    { echo "items: the server did not grant the cube to the client" >&2; cat "$out/server.log" >&2; exit 1; }
grep -q 'name=cube put down by client=[0-9]* name="kid"' "$out/server.log" ||
    { echo "items: the client did not put the cube down" >&2; cat "$out/server.log" >&2; exit 1; }
seen=$(tr -d ' \n' <"$out/onlooker.json")
far=$(echo "$seen" | sed 's/.*"farthest_from_spawn_m":\([0-9.]*\).*/\1/')
# A second of walking (60 frames, more when the machine is slow) at full
# speed from a metre off the cube's spawn puts it about 2.6 m from there; at
# half speed (a client pacing its moves at 30 Hz for a 60 Hz server) 1.9.
awk -v f="$far" 'BEGIN { exit !(f > 2.2) }' ||
    { echo "items: the onlooker saw the cube move only $far m" >&2; cat "$out/onlooker.json" >&2; exit 1; }
echo "$seen" | grep -q '"holder":0,' ||
    { echo "items: the onlooker still sees the cube held" >&2; exit 1; }
echo "items: picked up with Q, carried $far m as the onlooker saw it, put down"
