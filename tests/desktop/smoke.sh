#!/bin/sh
# Windowed smoke test: under Xvfb the desktop client opens a real window,
# joins a real lyceum-server (with three bots), renders frames, is resized
# (the swapchain is rebuilt), takes a screenshot and quits cleanly, with the
# Vulkan validation layers on and not one validation message.
#   smoke.sh LYCEUM LYCEUM_SERVER LYCEUM_BOT OUTDIR
set -eu
lyceum=$1
server=$2
bot=$3
out=$4
mkdir -p "$out"
rm -f "$out"/*
for tool in xvfb-run Xvfb; do
    command -v $tool >/dev/null || { echo "smoke: $tool is missing; install xvfb" >&2; exit 1; }
done
name=smoke
. "$(dirname "$0")/lib.sh"
use_lavapipe
port=$((20000 + $$ % 20000))
start_server server
"$bot" --server "127.0.0.1:$port" --room smoke --count 3 --zones classroom --behavior wander \
    --seconds 60 --seed 3 >/dev/null 2>"$out/bots.log" &
pids="$pids $!"
sleep 0.5

status=0
xvfb-run -a -s "-screen 0 1280x720x24" "$lyceum" --server "127.0.0.1:$port" --room smoke \
    --name smoke-test --validation --size 1024x640 --frames 60 --resize-at 20:900x600 --stats \
    --screenshot "$out/window.png" --scene-json "$out/scene.json" \
    >"$out/client.out" 2>"$out/client.log" || status=$?
cat "$out/client.out"
if [ $status -ne 0 ]; then
    echo "smoke: lyceum exited with $status" >&2
    cat "$out/client.log" >&2
    exit 1
fi
sleep 0.3
fail() { echo "smoke: $*" >&2; cat "$out/client.log" >&2; exit 1; }
stats=$(grep '^{' "$out/client.out")
field() { echo "$stats" | sed -n "s/.*\"$1\": \\([^,}]*\\).*/\\1/p"; }
[ "$(field validation_messages)" = 0 ] || fail "validation messages: $(field validation_messages)"
grep -q "0 Vulkan validation messages" "$out/client.log" || fail "the validation count is missing"
[ "$(field frames)" = 60 ] || fail "rendered $(field frames) frames, not 60"
[ "$(field swapchain_builds)" -ge 2 ] || fail "the resize did not rebuild the swapchain"
[ "$(field width)" = 900 ] && [ "$(field height)" = 600 ] || fail "the frame is not 900x600 after the resize"
grep -q '"roster": [4-9]' "$out/scene.json" || fail "the client did not see the 3 bots: $(cat "$out/scene.json")"
grep -q "join room=smoke .*name=\"smoke-test\"" "$out/server.log" || fail "the server never saw the client join"
grep -q "leave room=smoke .*name=\"smoke-test\" reason=disconnect" "$out/server.log" ||
    fail "the client did not leave cleanly (server log: $(grep smoke-test "$out/server.log"))"
echo "smoke: ok (window, join, 60 frames, resize, clean quit, 0 validation messages)"
