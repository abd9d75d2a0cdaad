#!/bin/bash
# make_speech.sh OUT.wav: the speech clip of the voice-v1 load
# (../../../shared/bench/voice-v1.md): about 25 s of continuous English from
# espeak-ng, as a 48 kHz mono 16-bit WAV (sox resamples espeak's 22 kHz).
set -euo pipefail
out=${1:?usage: make_speech.sh OUT.wav}
for tool in espeak-ng sox; do
    command -v "$tool" >/dev/null || { echo "make_speech.sh: needs $tool (apt-get install $tool)" >&2; exit 1; }
done
text="Good morning, everyone, and welcome back to the seminar. Today we look at how sound \
travels through a room, and why some classrooms are easy to listen in while others are not. \
When a teacher speaks, the voice reaches each student twice: once directly, and again a moment \
later from the walls, the ceiling and the floor. If those reflections arrive late, the words \
blur together and the listener has to work harder to follow. Soft furniture, curtains and \
carpets absorb part of the sound, so the echoes fade sooner. Let us try a small experiment. \
Please clap your hands once and listen carefully to the ring that follows. In a large hall \
with bare walls it lasts for a second or more. Here it should be much shorter. Keep that \
difference in mind while we read the next chapter together."
tmp=$(mktemp --suffix=.wav)
trap 'rm -f "$tmp"' EXIT
espeak-ng -v en-us -s 150 -w "$tmp" "$text"
sox "$tmp" -r 48000 -c 1 -b 16 -e signed-integer "$out" trim 0 25
soxi -D "$out" | awk -v f="$out" '{printf "make_speech.sh: %s, %.1f s, 48 kHz mono 16-bit\n", f, $1}'
