#!/bin/sh
# make bench: micro-benchmarks of the hot paths (the classroom-presence-v1
# load benchmark arrives with the server performance issue).
set -eu
build=${1:-build/default}
"$build/tools/bench/lyceum-bench-sim"
