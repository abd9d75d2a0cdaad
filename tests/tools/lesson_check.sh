#!/bin/sh
# lyceum-lesson check, as an author runs it: the shipped lessons pass (one
# "ok" line each, exit 0); a lesson with a bad step fails (exit 1) with an
# error that names the file, the step and what is wrong; a file that is not
# JSON fails too, naming the file; so does a file whose name no request
# can carry; areas too big for a class of 30 pass with a warning.
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
# A good lesson under a name no request can carry cannot be started.
cp "$lessons/letters.json" "$out/My Letters.json"
if "$tool" check "$out/My Letters.json" >"$out/name.txt" 2>&1; then fail "a file named 'My Letters' passed"; fi
grep -q "My Letters.json: the file's name 'My Letters' cannot be started" "$out/name.txt" ||
    fail "the error does not say the name cannot be started: $(cat "$out/name.txt")"

# Areas too big for a class: it passes, with a warning that says so.
sed 's/"width_mm": 640/"width_mm": 2000/' "$lessons/letters.json" >"$out/wide.json"
"$tool" check "$out/wide.json" >"$out/wide.txt" 2>&1 || fail "a lesson with wide areas failed: $(cat "$out/wide.txt")"
grep -q "warning: a board (4000 x 2000 mm) holds 10 practice areas of 2000 x 400 mm" "$out/wide.txt" ||
    fail "no warning that a class does not fit: $(cat "$out/wide.txt")"
# A target with no line to trace passes, with a warning.
printf '%s' '{"format": "lyceum-lesson-1", "title": "Dots", "area": {"width_mm": 400, "height_mm": 300},
 "steps": [{"prompt": "Touch", "target": [[[10, 10], [10, 10]], [[20, 20]]], "tolerance_mm": 10,
 "weights": {"accuracy": 1, "coverage": 1, "smoothness": 1}}]}' >"$out/dots.json"
"$tool" check "$out/dots.json" >"$out/dots.txt" 2>&1 || fail "a lesson of dots failed: $(cat "$out/dots.txt")"
grep -q "dots.json: warning: step 1: its target is only dots" "$out/dots.txt" ||
    fail "no warning that a target has no line: $(cat "$out/dots.txt")"
# A folder, a mistyped command and a check of nothing say what they are.
if "$tool" check "$out" >"$out/dir.txt" 2>&1; then fail "a folder passed"; fi
grep -q "is a folder: give the lesson files in it" "$out/dir.txt" || fail "a folder is not called one: $(cat "$out/dir.txt")"
if "$tool" chek "$lessons/letters.json" >"$out/cmd.txt" 2>&1; then fail "a mistyped command passed"; fi
grep -q "unknown command 'chek'" "$out/cmd.txt" || fail "the command is not named: $(cat "$out/cmd.txt")"
echo "lesson_check: $n lessons ok; $(cat "$out/bad.txt")"
