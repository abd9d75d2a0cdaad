#!/bin/sh
# Regenerates tests/fuzz/corpus: the real encoders on realistic values
# (make_seeds.c) and the worlds, some as the real Tiled exports them
# (world_seeds.sh). Run it after a wire change, then
# commit the corpus (it stays well under 1 MiB).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "${JOBS:-2}" --target make_seeds >/dev/null
rm -rf tests/fuzz/corpus
mkdir -p tests/fuzz/corpus/fuzz_world
build/fuzz/tests/fuzz/make_seeds tests/fuzz/corpus
tests/fuzz/world_seeds.sh
for d in tests/fuzz/corpus/*; do
	echo "$(basename "$d"): $(ls "$d" | wc -l) files, $(du -sk "$d" | cut -f1) KiB"
done
