#!/bin/sh
# Text chat through the desktop client's real input path: a TA (a headless
# client with an input script) opens the chat line with Enter, types and
# sends a room line, an announcement, marks a student's question answered
# by its name (an older one of another student stays open),
# saves the chat to a file and tries to start a lesson (not a TA's to
# start); a mistyped command and a lesson name no lesson can have are
# refused by the client with the reason, and "//" says a line starting
# with "/". A student's bot receives all of it, and a student's own
# client is told why it may not announce.
#   chat.sh LYCEUM LYCEUM_SERVER LYCEUM_BOT LYCEUM_TOKEN OUTDIR
set -eu
lyceum=$1
server=$2
bot=$3
token_tool=$4
out=$5
mkdir -p "$out"
rm -rf "$out"/*
name=chat
. "$(dirname "$0")/lib.sh"
use_lavapipe
port=$((20000 + ($$ + 41) % 20000))
keyed_server

# A student whose question comes first and is left open: the TA answers
# kid-0's by name.
"$bot" --server "127.0.0.1:$port" --count 1 --name pal --token-key "$out/keys/token.key" \
    --behavior idle --seconds 20 --moderate "0.2:ask::can we go early" \
    >"$out/pal.out" 2>"$out/pal.log" &
pids="$pids $!"
wait_for "$out/pal.log" "1 of 1 bots joined" 10
# A student who asks a question and stays to read the answers.
"$bot" --server "127.0.0.1:$port" --count 1 --name kid --token-key "$out/keys/token.key" \
    --behavior idle --seconds 20 --moderate "0.3:ask::how do I find the area" \
    --report "$out/kid.json" >"$out/kid.out" 2>"$out/kid.log" &
pids="$pids $!"
wait_for "$out/kid.log" "1 of 1 bots joined" 10
sleep 1 # it asks 0.3 s after joining; the TA's client answers a second after it starts

# The TA's client: Enter, text, Enter; the line's keys do not move the avatar.
printf '%s\n' "20 press chat" "21 type hello class" "22 key up on" "23 key up off" \
    "24 press chat" "40 press chat" "41 type /a pencils down" "42 press chat" \
    "60 press chat" "61 type /answer kid-0" "62 press chat" "80 press chat" "81 type /save" \
    "82 press chat" "90 press chat" "91 type /lesson letters" "92 press chat" \
    "100 press chat" "101 type half a thou" "102 press backspace" "103 press cancel" \
    "110 press chat" "111 type /answr" "112 press chat" "115 press chat" "116 type //shrug" \
    "117 press chat" "120 press chat" "121 type /lesson My Lesson" "122 press chat" \
    >"$out/ta.script"
(cd "$out" && "$lyceum" --headless --size 960x540 --msaa 1 --server "127.0.0.1:$port" \
    --token "$(mint ms-ward ta)" --frames 150 --input-script "$out/ta.script" \
    --screenshot "$out/ta.png" >"$out/ta.out" 2>"$out/ta.log") ||
    { echo "chat: the TA's client failed" >&2; cat "$out/ta.log" >&2; exit 1; }

# Lessons are the instructor's: the server refused the TA's, and said why.
grep -q "Not done: a ta may not start a lesson" "$out/ta.log" ||
    { echo "chat: the TA's lesson was not refused with the reason" >&2; cat "$out/ta.log" >&2; exit 1; }

# A mistyped command is not said to the room, "//" says a line that starts
# with "/", and a name no lesson can have is refused by the client itself.
grep -q "Not sent: no command '/answr'" "$out/ta.log" &&
    grep -q "Not sent: 'My Lesson' is not a lesson's name" "$out/ta.log" ||
    { echo "chat: a mistyped command or lesson name was not refused with the reason" >&2; cat "$out/ta.log" >&2; exit 1; }

# A student's own client: an announcement is not theirs to make.
printf '%s\n' "20 press chat" "21 type /a free period" "22 press chat" >"$out/pupil.script"
"$lyceum" --headless --size 640x400 --msaa 1 --server "127.0.0.1:$port" \
    --token "$(mint pupil student)" --frames 60 --input-script "$out/pupil.script" \
    >"$out/pupil.out" 2>"$out/pupil.log" ||
    { echo "chat: the student's client failed" >&2; cat "$out/pupil.log" >&2; exit 1; }
grep -q "Not sent: a student may not announce" "$out/pupil.log" ||
    { echo "chat: the student was not told why" >&2; cat "$out/pupil.log" >&2; exit 1; }

# The instructor's client starts a lesson (the two students take part) and
# saves its results: a CSV with every student, named.
printf '%s\n' "20 press chat" "21 type /lesson letters" "22 press chat" "70 press chat" \
    "71 type /save-results" "72 press chat" >"$out/head.script"
(cd "$out" && "$lyceum" --headless --size 640x400 --msaa 1 --server "127.0.0.1:$port" \
    --token "$(mint ms-head instructor)" --frames 100 --input-script "$out/head.script" \
    >"$out/head.out" 2>"$out/head.log") ||
    { echo "chat: the instructor's client failed" >&2; cat "$out/head.log" >&2; exit 1; }
results=$(ls "$out"/lyceum-results-lesson-letters-*.csv 2>/dev/null | head -1)
[ -n "$results" ] && [ "$(head -1 "$results")" = "place,name,points,steps_done,steps" ] &&
    grep -q '^[12],"kid-0",0,0,5$' "$results" && grep -q '^[12],"pal-0",0,0,5$' "$results" ||
    { echo "chat: /save-results wrote no CSV of the class" >&2; cat "$out/head.log" "$results" >&2; exit 1; }

wait_for "$out/kid.out" '"still_connected"' 30
kid=$(tr -d ' \n' <"$out/kid.json") # (spaces go too: "hello class" reads helloclass)
for want in '"from":"ms-ward","scope":"room","text":"helloclass"' \
    '"from":"ms-ward","scope":"announce","text":"pencilsdown"' \
    '"scope":"question","text":"howdoIfindthearea","answered":true' \
    '"from":"ms-ward","scope":"room","text":"/shrug"' \
    '"from":"pal-0","scope":"question","text":"canwegoearly","answered":false'; do
    echo "$kid" | grep -q "$want" ||
        { echo "chat: the student's bot never saw: $want" >&2; cat "$out/kid.json" >&2; exit 1; }
done
saved=$(ls "$out"/lyceum-chat-lesson-*.txt 2>/dev/null | head -1)
[ -n "$saved" ] || { echo "chat: /save wrote no file" >&2; cat "$out/ta.log" >&2; exit 1; }
grep -q '^\[question\] kid-0: how do I find the area (answered)$' "$saved" &&
    grep -q '^\[announcement\] ms-ward: pencils down$' "$saved" ||
    { echo "chat: the saved chat is not the room's" >&2; cat "$saved" >&2; exit 1; }
grep -q 'answr' "$out/kid.json" "$saved" &&
    { echo "chat: a mistyped command was said to the room" >&2; exit 1; }
grep -q 'free period' "$out/server.log" "$saved" &&
    { echo "chat: a refused announcement got through" >&2; exit 1; }
[ -s "$out/ta.png" ] || { echo "chat: no screenshot" >&2; exit 1; }
echo "chat: lines, an announcement and an answer from the desktop reached the room; saved to $(basename "$saved")"
