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
icd=$(ls /usr/share/vulkan/icd.d/lvp_icd.*.json 2>/dev/null | head -n 1 || true)
[ -n "$icd" ] || { echo "reconnect: install mesa-vulkan-drivers (lavapipe)" >&2; exit 1; }
export VK_ICD_FILENAMES="$icd" VK_DRIVER_FILES="$icd"
port=$((20000 + ($$ + 7) % 20000))
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

start_server() { # log name, extra flags
    log=$1
    shift
    "$server" --bind 127.0.0.1 --port "$port" --world classroom "$@" >"$out/$log.out" 2>"$out/$log.log" &
    server_pid=$!
    pids="$pids $server_pid"
    i=0
    until grep -q LISTENING "$out/$log.out" 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 200 ] || { echo "reconnect: the server did not start" >&2; cat "$out/$log.log" >&2; exit 1; }
        sleep 0.05
    done
}
wait_for() { # file, pattern, seconds
    n=0
    until grep -q "$2" "$1" 2>/dev/null; do
        n=$((n + 1))
        if [ $n -gt $(($3 * 10)) ]; then
            echo "reconnect: waited $3 s for '$2' in $1:" >&2
            cat "$1" >&2
            exit 1
        fi
        sleep 0.1
    done
}
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
wait_for "$out/server2.log" "join room=again .*name=returner" 5
kill "$client_pid"
wait "$client_pid" 2>/dev/null || true
wait_for "$out/server2.log" "leave room=again .*name=returner" 10
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
