#!/bin/sh
# make run: a local lyceum-server with the classroom and 8 wandering bots,
# its log shown live. Ctrl-C stops everything.
#   LYCEUM_PORT=7777        UDP port of the local server
#   LYCEUM_RUN_SECONDS=0    stop by itself after this many seconds (0: never)
set -eu
build=${1:-build/default}
port=${LYCEUM_PORT:-7777}
seconds=${LYCEUM_RUN_SECONDS:-0}
logs=$(mktemp -d /tmp/lyceum-run-XXXXXX)
server_pid=""
bots_pid=""
tail_pid=""

stop() {
    trap - EXIT INT TERM
    [ -n "$bots_pid" ] && kill "$bots_pid" 2>/dev/null && wait "$bots_pid" 2>/dev/null
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    [ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null
    echo "lyceum: stopped. Logs and the bots' report are in $logs"
}
trap stop EXIT INT TERM

"$build/server/lyceum-server" --bind 127.0.0.1 --port "$port" --world classroom \
    >"$logs/server.out" 2>"$logs/server.log" &
server_pid=$!
i=0
until grep -q LISTENING "$logs/server.out" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$server_pid" 2>/dev/null; then
        echo "lyceum: the server did not start:" >&2
        cat "$logs/server.log" >&2
        echo "lyceum: is port $port taken? Try LYCEUM_PORT=7778 make run" >&2
        exit 1
    fi
    sleep 0.05
done

"$build/tools/bot/lyceum-bot" --server "127.0.0.1:$port" --room lesson --count 8 \
    --zones classroom,classroom,classroom,meeting,meeting,hallway --behavior wander \
    --seconds "$seconds" --seed 1 --report "$logs/bots.json" >/dev/null 2>"$logs/bots.log" &
bots_pid=$!

cat <<MSG
lyceum: running
  server   lyceum-server on udp 127.0.0.1:$port, world classroom (pid $server_pid)
  bots     8 wandering bots in room 'lesson': classroom, meeting room, hallway (pid $bots_pid)
  join     any client with --server 127.0.0.1:$port --room lesson
  logs     $logs
  (the desktop client arrives with its own issue; Ctrl-C stops everything)
MSG
tail -n +1 -f "$logs/server.log" &
tail_pid=$!
if [ "$seconds" != 0 ]; then
    wait "$bots_pid" || { echo "lyceum: the bots reported a problem: $logs/bots.log" >&2; exit 1; }
    bots_pid=""
    sleep 0.3
else
    wait "$bots_pid" || true
    bots_pid=""
fi
