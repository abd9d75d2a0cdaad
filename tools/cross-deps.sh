#!/bin/sh
# Installs what `make aarch64` needs to cross-compile the whole client for
# aarch64 Linux (the CPU of Quest and Pico headsets): Debian's arm64 -dev
# packages beside the native ones (multiarch), and nothing else. Idempotent.
#   tools/cross-deps.sh          install what is missing
#   tools/cross-deps.sh --check  list what is missing (exit 1 if any)
set -eu

PACKAGES="
libenet-dev libjansson-dev libsodium-dev libexpat1-dev zlib1g-dev libzstd-dev
libopus-dev libspeexdsp-dev portaudio19-dev libsdl2-dev libvulkan-dev libstb-dev
libopenxr-dev libcglm-dev
"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p:arm64" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p:arm64"
    fi
done
if [ -z "$missing" ]; then
    [ "${1:-}" = "--check" ] && echo "cross-deps: all arm64 packages present"
    exit 0
fi
if [ "${1:-}" = "--check" ]; then
    echo "cross-deps: missing:$missing"
    exit 1
fi
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "cross-deps: these Debian packages are missing:$missing" >&2
    echo "cross-deps: run as root, or install sudo, or: dpkg --add-architecture arm64 && apt-get update && apt-get install$missing" >&2
    exit 1
fi
echo "cross-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
dpkg --print-foreign-architectures | grep -qx arm64 || $SUDO dpkg --add-architecture arm64
$SUDO apt-get update -q >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
echo "cross-deps: done"
