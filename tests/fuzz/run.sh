#!/bin/sh
# Runs one fuzz target: run.sh BINARY SECONDS MAX_LEN WORKDIR
#   1. replays tests/fuzz/regressions/<target>/* (each a past crash);
#   2. fuzzes for SECONDS from a copy of tests/fuzz/corpus/<target> in
#      WORKDIR, never writing into the committed corpus.
# FUZZ_SECONDS overrides SECONDS. FUZZ_KEEP=1 keeps the working corpus
# (WORKDIR/corpus/<target>) between runs, as `make fuzz` does; otherwise it
# starts afresh from the seeds (WORKDIR/smoke/<target>), as ctest does.
# A crash's reproducer lands in WORKDIR/crashes/<target>/.
set -eu
[ $# -eq 4 ] || { echo "usage: $0 BINARY SECONDS MAX_LEN WORKDIR" >&2; exit 2; }
bin=$1 seconds=${FUZZ_SECONDS:-$2} max_len=$3 work=$4
target=$(basename "$bin")
here=$(cd "$(dirname "$0")" && pwd)
seeds=$here/corpus/$target
regressions=$here/regressions/$target
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
	failed=0
	for input in "$regressions"/*; do
		if ! "$bin" "$input" >"$work/$target.replay.log" 2>&1; then
			grep -E 'ERROR|runtime error|^ +#[0-9] ' "$work/$target.replay.log" | head -n 8
			echo "$target: $input crashes again" >&2
			failed=$((failed + 1))
		fi
	done
	[ "$failed" -eq 0 ] || exit 1
	echo "$target: $(ls "$regressions" | wc -l) regression input(s) pass"
fi

if [ "${FUZZ_KEEP:-0}" = 1 ]; then
	corpus=$work/corpus/$target
else
	corpus=$work/smoke/$target
	rm -rf "$corpus"
fi
crashes=$work/crashes/$target
mkdir -p "$corpus" "$crashes"
[ -d "$seeds" ] && cp "$seeds"/* "$corpus"/
dict=
[ -f "$here/$target.dict" ] && dict=-dict=$here/$target.dict
log=$work/$target.log
status=0
"$bin" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$crashes/" $dict "$corpus" >"$log" 2>&1 || status=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
echo "$target: ${execs:-?} runs in ${seconds} s (${rate:-?}/s), $cov, corpus $(ls "$corpus" | wc -l) files"
if [ "$status" -ne 0 ]; then
	tail -n 80 "$log"
	echo "$target: crashed (exit $status); reproducer: $crashes/$(ls -t "$crashes" | head -n 1)" >&2
	echo "  put it in tests/fuzz/regressions/$target/ so every smoke run replays it" >&2
	exit 1
fi
