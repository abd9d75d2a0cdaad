#!/bin/sh
# Runs the simulation test vectors natively and, cross-compiled, under
# qemu-aarch64; the outputs (hashes of a long scripted run) must be equal.
set -eu
native=$1 cross=$2 qemu=$3
a=$("$native") || { echo "native run failed: $a"; exit 1; }
b=$("$qemu" "$cross") || { echo "aarch64 run failed: $b"; exit 1; }
echo "x86-64 : $a"
echo "aarch64: $b"
[ "$a" = "$b" ] || { echo "MISMATCH: the simulation is not deterministic across architectures"; exit 1; }
echo "identical"
