#!/bin/sh
# xr.hello_xr: the Khronos sample app hello_xr against the test runtime
# (lyceum_xrt) on Mesa's lavapipe, with the OpenXR core validation layer and
# the Vulkan validation layer when they are installed:
#   hello_xr.sh MANIFEST EYES_CHECKER OUTDIR
# Asserts: hello_xr leaves by itself with status 0 after hello.script's
# "at 3 exit"; the runtime's report counts 0 violations and reached READY,
# SYNCHRONIZED, VISIBLE, FOCUSED, STOPPING, IDLE, EXITING in that order; the
# eyes of frame 20 are not blank and show a disparity of at least 1 pixel;
# neither validation layer reported an error. Skips (77) only when hello_xr
# (Debian package libopenxr-utils) is not installed.
set -eu
manifest=$1
eyes=$2
out=$3
here=$(cd "$(dirname "$0")" && pwd)
name=xr.hello_xr

command -v hello_xr >/dev/null 2>&1 || {
    echo "$name: hello_xr is not installed (Debian package libopenxr-utils); skipped"
    exit 77
}
. "$here/../desktop/lib.sh"
use_lavapipe
fail() {
    echo "$name: $*" >&2
    echo "$name: hello_xr's log: $out/hello_xr.log" >&2
    exit 1
}

rm -rf "$out"
mkdir -p "$out/capture"
if ls /usr/share/openxr/1/api_layers/explicit.d/XrApiLayer_core_validation*.json >/dev/null 2>&1; then
    export XR_ENABLE_API_LAYERS=XR_APILAYER_LUNARG_core_validation
fi
if [ -f /usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json ]; then
    export VK_INSTANCE_LAYERS=VK_LAYER_KHRONOS_validation
fi
# A runtime built with AddressSanitizer needs its runtime first in hello_xr.
lib=$(sed -n 's/.*"library_path": *"\(.*\)".*/\1/p' "$manifest")
[ -f "$lib" ] || fail "the manifest $manifest names no built library ($lib)"
preload=$(ldd "$lib" | awk '/libasan/ { print $3 }')

# hello_xr quits on a key press: its stdin is a FIFO nobody writes to.
mkfifo "$out/stdin"
rc=0
env ${preload:+LD_PRELOAD=$preload} \
    XR_RUNTIME_JSON="$manifest" \
    LYCEUM_XRT_SCRIPT="$here/hello.script" \
    LYCEUM_XRT_CAPTURE="$out/capture" \
    LYCEUM_XRT_CAPTURE_FRAMES=20 \
    LYCEUM_XRT_REPORT="$out/report.json" \
    timeout 90 hello_xr -g Vulkan2 -v 3<>"$out/stdin" <&3 >"$out/hello_xr.log" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "hello_xr exited with status $rc (124: it did not leave by itself)"

[ -f "$out/report.json" ] || fail "the runtime wrote no report"
report=$(tr -d ' \n' <"$out/report.json")
echo "$name: report: $report"
case $report in *'"instance_destroyed":true'*) ;; *) fail "the report is not the final one" ;; esac
case $report in *'"violations":0,'*) ;; *) fail "the runtime counted violations: $report" ;; esac
states=$(echo "$report" | sed 's/.*"states":\[\([^]]*\)\].*/\1/' | tr -d '"' | tr ',' ' ')
want="READY SYNCHRONIZED VISIBLE FOCUSED STOPPING IDLE EXITING"
for s in $states; do
    next=${want%% *}
    [ "$s" = "$next" ] && want=${want#"$next"} && want=${want# }
    [ -n "$want" ] || break
done
[ -z "$want" ] || fail "the states $states lack, in order, $want"

grep -E "Validation Error|VUID-" "$out/hello_xr.log" >"$out/validation.txt" || true
[ ! -s "$out/validation.txt" ] || fail "validation errors: $(head -n 5 "$out/validation.txt")"

left=$out/capture/frame-20-left.png
right=$out/capture/frame-20-right.png
[ -f "$left" ] && [ -f "$right" ] || fail "frame 20 was not captured: $(ls "$out/capture")"
measure=$("$eyes" "$left" "$right") || fail "lyceum-xr-eyes could not read the capture"
echo "$name: eyes: $measure"
field() { echo "$measure" | sed -n "s/.*\"$1\":\(-\{0,1\}[0-9]*\).*/\1/p"; }
[ "$(field colours_left)" -ge 3 ] && [ "$(field colours_right)" -ge 3 ] || fail "an eye is blank: $measure"
disparity=$(field disparity_px)
[ "${disparity#-}" -ge 1 ] || fail "the eyes show no disparity: $measure"
echo "$name: ok"
