#!/bin/sh
# xr.misuse: lyceum-xr-misuse against the test runtime on lavapipe:
#   misuse.sh MANIFEST MISUSE OUTDIR
set -eu
manifest=$1
misuse=$2
out=$3
here=$(cd "$(dirname "$0")" && pwd)
name=xr.misuse
. "$here/../desktop/lib.sh"
use_lavapipe
rm -rf "$out"
mkdir -p "$out"
XR_RUNTIME_JSON="$manifest" LYCEUM_XRT_SCRIPT="$here/misuse.script" LYCEUM_XRT_EYE_SIZE=320x240 \
    LYCEUM_XRT_REPORT="$out/report.json" "$misuse" "$out/report.json"
