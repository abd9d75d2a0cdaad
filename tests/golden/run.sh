#!/bin/sh
# Golden image test on Mesa's lavapipe (CPU Vulkan), so every machine draws
# the same pixels:
#   run.sh LYCEUM GOLDEN_CHECK OUTDIR           render, check, compare
#   run.sh LYCEUM GOLDEN_CHECK OUTDIR --update  render and make it the reference
# Besides the comparison, it shows that each check fails when it should: on a
# blank frame, on a frame without labels, on a frame with an avatar missing.
set -eu
lyceum=$1
check=$2
out=$3
update=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
reference="$here/classroom-demo.png"
mkdir -p "$out"

name=golden
. "$here/../desktop/lib.sh"
use_lavapipe

render() {
    "$lyceum" --headless --demo 12 --seed 7 --zoom 0.6 --size 960x540 --msaa 4 --frames 3 "$@" \
        >"$out/render.log" 2>&1 || { cat "$out/render.log" >&2; exit 1; }
}

render --screenshot "$out/frame.png" --scene-json "$out/scene.json"
if [ "$update" = "--update" ]; then
    cp "$out/frame.png" "$reference"
    echo "golden: wrote $reference"
    exit 0
fi

echo "== the frame against the reference ($reference)"
"$check" "$out/frame.png" "$out/scene.json" "$reference"

expect_failure() { # name, line the checker must print, checker arguments...
    name=$1 line=$2
    shift 2
    if "$check" "$@" >"$out/$name.txt" 2>&1; then
        echo "golden: the checks passed on $name; they must fail there" >&2
        cat "$out/$name.txt" >&2
        exit 1
    fi
    grep -q "^$line" "$out/$name.txt" || {
        echo "golden: on $name the checker did not report '$line'" >&2
        cat "$out/$name.txt" >&2
        exit 1
    }
    echo "== $name: fails as it should ($line)"
}

"$check" --blank 960 540 "$out/blank.png"
expect_failure blank "frame     FAIL" "$out/blank.png" "$out/scene.json"
render --no-labels --screenshot "$out/nolabels.png"
expect_failure no-labels "labels    FAIL" "$out/nolabels.png" "$out/scene.json"
render --demo 11 --screenshot "$out/missing.png"
expect_failure missing-avatar "avatars   FAIL" "$out/missing.png" "$out/scene.json"
echo "golden: ok"
