#!/bin/sh
# Moderation through the desktop client's real input path: an instructor
# (a headless client with an input script) picks a student in the roster and
# mutes them, gives another the floor and locks the room; the server does
# it and says so in its log, the students' bots see their status change, and
# a student's client tells its user who muted them.
#   moderate.sh LYCEUM LYCEUM_SERVER LYCEUM_BOT LYCEUM_TOKEN OUTDIR
set -eu
lyceum=$1
server=$2
bot=$3
token_tool=$4
out=$5
mkdir -p "$out"
rm -rf "$out"/*
name=moderate
. "$(dirname "$0")/lib.sh"
use_lavapipe
port=$((20000 + ($$ + 29) % 20000))
keyed_server

# Two students who raise their hands at once, and stay 14 s.
"$bot" --server "127.0.0.1:$port" --count 2 --name kid --token-key "$out/keys/token.key" \
    --behavior idle --seconds 14 --moderate "0.5:hand" --report "$out/kids.json" \
    >"$out/kids.out" 2>"$out/kids.log" &
pids="$pids $!"
wait_for "$out/kids.log" "2 of 2 bots joined" 10

# A student's own client, in the room: a TA mutes it; it says who did.
"$lyceum" --headless --size 640x400 --msaa 1 --server "127.0.0.1:$port" \
    --token "$(mint pupil student)" --frames 100000 >"$out/pupil.out" 2>"$out/pupil.log" &
pupil=$!
pids="$pids $pupil"
wait_for "$out/server.log" 'name="pupil" user="pupil" role=student' 20
"$bot" --server "127.0.0.1:$port" --name ta --role ta --token-key "$out/keys/token.key" \
    --behavior idle --seconds 3 --moderate "1:mute:pupil" >"$out/ta.out" 2>"$out/ta.log" &
ta=$!
pids="$pids $ta"
wait_for "$out/pupil.log" "ta-0 muted you" 20
kill "$pupil" 2>/dev/null || true
wait "$ta" || true # gone before the instructor's roster is read
wait_for "$out/server.log" 'name="pupil" reason=' 10

# The instructor: ] selects in the roster (the instructor is listed first,
# then kid-0, kid-1), U mutes, F gives the floor, L locks.
printf '%s\n' "20 press select-next" "25 press select-next" "30 press mod-mute" \
    "40 press select-next" "45 press mod-floor" "55 press mod-lock" >"$out/teacher.script"
"$lyceum" --headless --size 960x540 --msaa 1 --server "127.0.0.1:$port" \
    --token "$(mint teacher instructor)" --frames 140 --input-script "$out/teacher.script" \
    --screenshot "$out/teacher.png" >"$out/teacher.out" 2>"$out/teacher.log" ||
    { echo "moderate: the instructor's client failed" >&2; cat "$out/teacher.log" >&2; exit 1; }

grep -q 'actor_name="teacher" action=mute flag=1 target=[0-9]* target_name="kid-0"' "$out/server.log" ||
    { echo "moderate: the server never muted kid-0 for the instructor" >&2; cat "$out/server.log" >&2; exit 1; }
grep -q 'actor_name="teacher" action=floor flag=1 target=[0-9]* target_name="kid-1"' "$out/server.log" ||
    { echo "moderate: no floor for kid-1" >&2; exit 1; }
grep -q 'actor_name="teacher" action=lock flag=1' "$out/server.log" ||
    { echo "moderate: the room was not locked" >&2; exit 1; }

# The room is locked: a new student is refused, and told why.
if "$bot" --server "127.0.0.1:$port" --token "$(mint late student)" --seconds 1 \
    >"$out/late.out" 2>"$out/late.log"; then
    echo "moderate: a student got into the locked room" >&2
    exit 1
fi
grep -q "is locked by staff" "$out/late.log" ||
    { echo "moderate: the refusal did not say why" >&2; cat "$out/late.log" >&2; exit 1; }

wait_for "$out/kids.out" '"still_connected"' 20
tr -d ' \n' <"$out/kids.json" | grep -q '"name":"kid-0".*"muted":true' ||
    { echo "moderate: kid-0 does not see itself muted" >&2; exit 1; }
tr -d ' \n' <"$out/kids.json" | grep -q '"has_floor":true' ||
    { echo "moderate: kid-1 does not hold the floor" >&2; exit 1; }
echo "moderate: mute, floor and lock from the roster took effect; the locked room refused a student"
