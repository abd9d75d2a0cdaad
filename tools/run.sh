#!/bin/sh
# make run: a local lyceum-server with the classroom, 8 wandering bots (two of
# them talking), 2 bots that chat, 3 that trace a lesson once you start one
# (/lesson letters in the chat line) and the desktop client joined to it (offscreen with a screenshot when there is no
# display; the server log is then shown live). Ctrl-C stops everything.
#   LYCEUM_PORT=7777        UDP port of the local server
#   LYCEUM_RUN_SECONDS=0    stop by itself after this many seconds (0: never)
set -eu
build=${1:-build/default}
port=${LYCEUM_PORT:-7777}
seconds=${LYCEUM_RUN_SECONDS:-0}
logs=$(mktemp -d /tmp/lyceum-run-XXXXXX)
server_pid=""
bots_pid=""
class_pid=""
tail_pid=""

stop() {
    trap - EXIT INT TERM
    [ -n "$bots_pid" ] && kill "$bots_pid" 2>/dev/null && wait "$bots_pid" 2>/dev/null
    [ -n "$class_pid" ] && kill $class_pid 2>/dev/null && wait $class_pid 2>/dev/null
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    [ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null
    echo "lyceum: stopped. Logs and the bots' report are in $logs"
}
trap stop EXIT INT TERM

# Development join tokens: a key pair made once in the build folder, a
# token for the desktop client (as the room's instructor) and one per bot
# (students), minted fresh each run. A real class gets its tokens from
# whoever holds the key (lyceum-token mint, later the lobby).
keys="$build/dev-keys"
token_tool="$build/tools/token/lyceum-token"
if [ ! -f "$keys/token.key" ] || [ ! -f "$keys/server.key" ]; then
    "$token_tool" keygen --out "$keys" >/dev/null
    echo "lyceum: made a development token key pair in $keys"
fi
me=$(printf '%s' "${USER:-you}" | tr -cd 'A-Za-z0-9._-' | cut -c1-31)
[ -n "$me" ] || me=you
# A token admits one connection: each start of the client gets its own.
mint_client() {
    "$token_tool" mint --key "$keys/token.key" --user "$me" --name "$me" \
        --role instructor --room lesson --ttl 86400
}

"$build/server/lyceum-server" --bind 127.0.0.1 --port "$port" --world classroom \
    --token-key "$keys/token.pub" >"$logs/server.out" 2>"$logs/server.log" &
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

# Two of the bots talk: a lesson read by espeak-ng, made once.
speech="$build/dev-speech.wav"
voice=""
if [ ! -f "$speech" ] && command -v espeak-ng >/dev/null && command -v sox >/dev/null; then
    espeak-ng -s 150 -w "$logs/speech-raw.wav" "Good morning, everyone. Today we follow a drop \
of water around the world. The sun warms the sea, and the water rises as vapour. High in the \
air it cools and forms clouds. It falls again as rain, and the rivers carry it home." \
        && sox "$logs/speech-raw.wav" -r 48000 -c 1 -b 16 "$speech" 2>/dev/null || rm -f "$speech"
fi
[ -f "$speech" ] && voice="--voice $speech --speakers 2"

# shellcheck disable=SC2086
"$build/tools/bot/lyceum-bot" --server "127.0.0.1:$port" --room lesson --count 8 \
    --token-key "$keys/token.key" --role student $voice \
    --zones classroom,classroom,classroom,meeting,meeting,hallway --behavior wander \
    --seconds "$seconds" --seed 1 --report "$logs/bots.json" >/dev/null 2>"$logs/bots.log" &
bots_pid=$!
# The classroom's text and boards: two who chat, three who trace the
# lesson's steps in their practice areas while one runs.
"$build/tools/bot/lyceum-bot" --server "127.0.0.1:$port" --room lesson --count 2 --name chatter \
    --token-key "$keys/token.key" --role student --zones classroom --behavior chat \
    --seconds "$seconds" --seed 2 >/dev/null 2>"$logs/chatters.log" &
class_pid=$!
"$build/tools/bot/lyceum-bot" --server "127.0.0.1:$port" --room lesson --count 3 --name tracer \
    --token-key "$keys/token.key" --role student --zones classroom --behavior lesson \
    --lesson-noise 6 --seconds "$seconds" --seed 3 >/dev/null 2>"$logs/tracers.log" &
class_pid="$class_pid $!"
# One carries the classroom's globe about now and then (Q picks it up).
"$build/tools/bot/lyceum-bot" --server "127.0.0.1:$port" --room lesson --count 1 --name carrier \
    --token-key "$keys/token.key" --role student --zones classroom --behavior grab --item 0 \
    --hold 6 --seconds "$seconds" --seed 4 >/dev/null 2>"$logs/carrier.log" &
class_pid="$class_pid $!"

client="$build/client/lyceum"
cat <<MSG
lyceum: running
  server   lyceum-server on udp 127.0.0.1:$port, world classroom (pid $server_pid)
  bots     8 wandering bots in room 'lesson': classroom, meeting room, hallway (pid $bots_pid);
           two in the classroom talk${voice:+ (}${voice:+$speech)}; 2 more chat, 3 more trace
           a lesson when you start one: Enter, then /lesson letters; F2 shows the board;
           one carries the globe about (Q picks up the nearest item, or puts it down)
  tokens   key pair in $keys; you join as instructor '$me', the bots as students
  join     $client --server 127.0.0.1:$port --token "\$($token_tool mint --key $keys/token.key --user NAME --name NAME --role student --room lesson)"
  logs     $logs
MSG

# The desktop client, in a window when there is a display; otherwise it
# renders offscreen, writes a screenshot and the server keeps running.
client_args="--server 127.0.0.1:$port"
windowed=0
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    echo "lyceum: opening the desktop client (close the window or press Esc to stop)"
    # shellcheck disable=SC2086
    if "$client" $client_args --token "$(mint_client)" 2>"$logs/client.log"; then
        windowed=1
    elif grep -q "no display\|cannot open a Vulkan window" "$logs/client.log"; then
        echo "lyceum: the window could not open ($(tail -n 1 "$logs/client.log")); rendering offscreen"
    else
        echo "lyceum: the client stopped with an error:" >&2
        cat "$logs/client.log" >&2
        exit 1
    fi
fi
if [ $windowed = 1 ]; then
    exit 0
fi
shot="$logs/lyceum.png"
echo "lyceum: no display: rendering the client offscreen (--headless)"
# shellcheck disable=SC2086
if ! "$client" $client_args --token "$(mint_client)" --headless --no-audio --frames 45 --screenshot "$shot" >"$logs/client.out" \
    2>"$logs/client.log"; then
    echo "lyceum: the headless client failed:" >&2
    cat "$logs/client.log" >&2
    exit 1
fi
echo "lyceum: screenshot of the client's view: $shot"
echo "lyceum: Ctrl-C stops the server and bots"
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
