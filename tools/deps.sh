#!/bin/sh
# Installs the Debian packages Lyceum needs that are missing, and nothing else.
# Idempotent: a second run installs nothing. Works as root or through sudo.
#   tools/deps.sh          everything needed to build, test and run
#   tools/deps.sh --arm64  Debian's arm64 -dev packages beside the native ones
#                          (multiarch), to cross-compile the whole client for
#                          aarch64 Linux: make aarch64
#   tools/deps.sh --android  Debian's aapt, zipalign, apksigner, Android 10
#                          framework resources and AOSP headers, for
#                          make android-check (platform/android/)
#   --check (with any)     list what is missing, install nothing (exit 1 if any)
set -eu

PACKAGES="
build-essential cmake pkg-config
libenet-dev libjansson-dev libsodium-dev
libexpat1-dev zlib1g-dev libzstd-dev tiled
libcmocka-dev clang libclang-rt-14-dev
gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
iproute2 procps
libopus-dev libspeexdsp-dev portaudio19-dev espeak-ng sox
libsdl2-dev libvulkan-dev glslc libstb-dev fonts-dejavu-core
mesa-vulkan-drivers vulkan-validationlayers xvfb xauth
libopenxr-dev libopenxr-loader1 openxr-layer-corevalidation libopenxr-utils libcglm-dev
"
# What the client links, for the aarch64 cross build.
ARM64_PACKAGES="
libenet-dev libjansson-dev libsodium-dev libexpat1-dev zlib1g-dev libzstd-dev
libopus-dev libspeexdsp-dev portaudio19-dev libsdl2-dev libvulkan-dev libstb-dev
libopenxr-dev libcglm-dev
"
# make android-check: Debian's Android packaging tools, and the AOSP headers
# (native activity, log, jni.h) for the syntax check of the Android sources.
ANDROID_PACKAGES="aapt zipalign apksigner android-framework-res
android-platform-frameworks-native-headers android-liblog-dev android-libnativehelper-dev"

check=false
arch=""
android=false
for a in "$@"; do
    case "$a" in
    --check) check=true ;;
    --arm64) arch=arm64 ;;
    --android) android=true ;;
    *) echo "deps: unknown option '$a' (--check, --arm64, --android)" >&2; exit 2 ;;
    esac
done
if [ -n "$arch" ]; then
    list=""
    for p in $ARM64_PACKAGES; do list="$list $p:$arch"; done
elif $android; then
    list=$ANDROID_PACKAGES
else
    list=$PACKAGES
fi

missing=""
for p in $list; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    $check && echo "deps: all packages present"
    exit 0
fi
if $check; then
    echo "deps: missing:$missing"
    exit 1
fi

if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "deps: these Debian packages are missing:$missing" >&2
    echo "deps: run as root, or install sudo, or install them yourself with apt-get" >&2
    exit 1
fi

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
if [ -n "$arch" ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    $SUDO dpkg --add-architecture "$arch"
fi
$SUDO apt-get update -q >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
echo "deps: done"
