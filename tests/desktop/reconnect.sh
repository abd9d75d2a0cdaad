#!/bin/sh
# The desktop client when the server goes away and when it says no: it shows
# why, reconnects by itself, and gets back in.
#   1. joined, then the server is killed: "Connection ... lost", then
#      "Back in room" once a server listens on the port again.
#   2. a full server (--max-clients 1, a bot holding the place) refuses it:
#      the refusal's message is logged and it keeps retrying; when the bot
#      leaves, it gets in.
#   reconnect.sh LYCEUM LYCEUM_SERVER LYCEUM_BOT OUTDIR
set -eu
lyceum=$1
server=$2
bot=$3
out=$4
mkdir -p "$out"
rm -f "$out"/*
name=reconnect
. "$(dirname "$0")/lib.sh"
use_lavapipe
port=$((20000 + ($$ + 7) % 20000))

client() { # log name
    "$lyceum" --headless --size 320x200 --msaa 1 --server "127.0.0.1:$port" --room again \
        --name returner >"$out/$1.out" 2>"$out/$1.log" &
    client_pid=$!
    pids="$pids $client_pid"
}

echo "== the server goes away and comes back"
start_server server1
client client1
wait_for "$out/client1.log" "Joined room 'again' as returner" 20
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
wait_for "$out/client1.log" "Connection to 127.0.0.1:$port lost" 30
echo "   client: $(grep -o "Connection to .* lost[^.]*" "$out/client1.log" | head -n 1)"
start_server server2
wait_for "$out/client1.log" "Back in room 'again' as returner" 30
wait_for "$out/server2.log" "join room=again .*name=\"returner\"" 5
kill "$client_pid"
wait "$client_pid" 2>/dev/null || true
wait_for "$out/server2.log" "leave room=again .*name=\"returner\"" 10
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
echo "   ok: lost, said so, reconnected by itself, left politely"

echo "== a full server refuses, then lets it in"
start_server server3 --max-clients 1
"$bot" --server "127.0.0.1:$port" --room again --count 1 --seconds 4 >/dev/null 2>"$out/bot.log" &
pids="$pids $!"
wait_for "$out/server3.log" "join room=again" 10
client client2
wait_for "$out/client2.log" "The server refused to let you in" 20
echo "   client: $(grep -o "The server refused to let you in: [^.]*" "$out/client2.log" | head -n 1)"
wait_for "$out/client2.log" "Joined room 'again' as returner" 30
echo "   ok: refused with the server's reason, retried, joined when there was room"
echo "reconnect: ok"
