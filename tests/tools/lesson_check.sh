#!/bin/sh
# lyceum-lesson check, as an author runs it: the shipped lessons pass (one
# "ok" line each, exit 0); a lesson with a bad step fails (exit 1) with an
# error that names the file, the step and what is wrong; a file that is not
# JSON fails too, naming the file.
#   lesson_check.sh LYCEUM_LESSON LESSONS_DIR OUTDIR
set -eu
tool=$1
lessons=$2
out=$3
mkdir -p "$out"
fail() { echo "lesson_check: $*" >&2; exit 1; }

n=$(ls "$lessons"/*.json | wc -l)
[ "$n" -ge 2 ] || fail "fewer than two lessons ship in $lessons"
"$tool" check "$lessons"/*.json >"$out/ok.txt" 2>&1 || fail "the shipped lessons do not pass: $(cat "$out/ok.txt")"
[ "$(grep -c ': ok: ' "$out/ok.txt")" -eq "$n" ] || fail "not one ok line per lesson: $(cat "$out/ok.txt")"

# letters.json with its second step's tolerance out of range.
sed '0,/"tolerance_mm": 25/! s/"tolerance_mm": [0-9]*/"tolerance_mm": -3/' "$lessons/letters.json" >"$out/bad-step.json"
grep -q '"tolerance_mm": -3' "$out/bad-step.json" || fail "could not make the bad lesson"
if "$tool" check "$out/bad-step.json" >"$out/bad.txt" 2>&1; then fail "a bad step passed"; fi
grep -q "bad-step.json: step 2: .*tolerance_mm" "$out/bad.txt" ||
    fail "the error does not name the file, the step and the field: $(cat "$out/bad.txt")"

printf '{"format": "lyceum-lesson-1", "title": ' >"$out/cut.json"
if "$tool" check "$out/cut.json" >"$out/cut.txt" 2>&1; then fail "a cut-off file passed"; fi
grep -q "cut.json" "$out/cut.txt" || fail "the error does not name the file: $(cat "$out/cut.txt")"
echo "lesson_check: $n lessons ok; $(cat "$out/bad.txt")"
