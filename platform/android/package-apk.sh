#!/bin/bash
# Packages Lyceum for Quest and Pico: the manifest, the worlds and lessons as
# APK assets, and the native libraries, aligned and signed (docs/android.md).
#
#   platform/android/package-apk.sh --lib-dir DIR --android-jar JAR --out lyceum.apk
#       [--keystore KS --ks-pass pass:SECRET]
#     DIR holds liblyceum.so and libopenxr_loader.so built for arm64-v8a (the
#     NDK build in docs/android.md); JAR is the SDK's platforms/android-32/
#     android.jar. Tools from the SDK's build-tools (30 or later): aapt2,
#     zipalign, apksigner. Without --keystore the APK is signed with a debug
#     key made once in build/android-debug.keystore.
#
#   platform/android/package-apk.sh --check
#     What can be checked here, with no NDK or SDK (CI runs it): the manifest
#     compiled by Debian's aapt against Debian's Android 10 framework
#     resources, an APK made with a stand-in arm64 library in place of
#     liblyceum.so, and the result read back (package, SDK level, launchable
#     NativeActivity, its library name, the VR categories, permissions,
#     native code) and checked for alignment, and for its signature where
#     apksigner is installed. Debian's aapt predates Android 11's <queries>,
#     so the check compiles the manifest without that block; the real build's
#     aapt2 compiles it whole.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
manifest="$root/platform/android/AndroidManifest.xml"
lib_dir="" jar="" out="" keystore="" ks_pass="pass:android" check=false

die() { echo "package-apk: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || die "$1 not found: $2"; }

while [ $# -gt 0 ]; do
    case "$1" in
    --lib-dir | --android-jar | --out | --keystore | --ks-pass)
        [ $# -ge 2 ] || die "$1 needs a value" ;;
    esac
    case "$1" in
    --lib-dir) lib_dir=$2; shift 2 ;;
    --android-jar) jar=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --keystore) keystore=$2; shift 2 ;;
    --ks-pass) ks_pass=$2; shift 2 ;;
    --check) check=true; shift ;;
    *) die "unknown option '$1' (--lib-dir, --android-jar, --out, --keystore, --ks-pass, --check)" ;;
    esac
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/assets" "$work/lib/arm64-v8a"
# android_main.c copies these two folders out of the APK at start.
cp -r "$root/assets/worlds" "$root/assets/lessons" "$work/assets/"

if $check; then
    need aapt "tools/deps.sh --android installs Debian's aapt"
    need zipalign "tools/deps.sh --android installs it"
    need aarch64-linux-gnu-gcc "tools/deps.sh installs the aarch64 cross compiler"
    jar=/usr/share/android-framework-res/framework-res.apk
    [ -s "$jar" ] || die "$jar missing: tools/deps.sh --android installs android-framework-res"
    out="$work/check.apk"
    # A stand-in for liblyceum.so: an arm64 shared library with the entry
    # point's name (not runnable on Android: bionic, not glibc).
    echo 'void ANativeActivity_onCreate(void *a, void *s, unsigned long n) { (void)a; (void)s; (void)n; }' |
        aarch64-linux-gnu-gcc -shared -fPIC -x c -o "$work/lib/arm64-v8a/liblyceum.so" -
    python3 - "$manifest" "$work/AndroidManifest.xml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
stripped, n = re.subn(r"\s*<queries>.*?</queries>", "", text, flags=re.S)
if n != 1:
    sys.exit("package-apk: the manifest should have one <queries> block (the OpenXR loader needs it)")
open(sys.argv[2], "w").write(stripped)
PY
    manifest="$work/AndroidManifest.xml"
    aapt package -f -M "$manifest" -I "$jar" -A "$work/assets" -F "$work/unaligned.apk"
else
    [ -n "$lib_dir" ] && [ -n "$jar" ] && [ -n "$out" ] || die "--lib-dir, --android-jar and --out are needed (or --check)"
    need aapt2 "it is in the Android SDK's build-tools"
    need zipalign "it is in the Android SDK's build-tools"
    need apksigner "it is in the Android SDK's build-tools"
    for so in liblyceum.so libopenxr_loader.so; do
        [ -s "$lib_dir/$so" ] || die "$lib_dir/$so missing (docs/android.md builds them)"
        cp "$lib_dir/$so" "$work/lib/arm64-v8a/"
    done
    aapt2 link -o "$work/unaligned.apk" --manifest "$manifest" -I "$jar" -A "$work/assets"
fi

# The libraries stored, not deflated, so that zipalign can page-align them
# and Android can map them from the APK (4 KiB pages: Debian's zipalign has
# no -P; for Android 15's 16 KiB pages the SDK's zipalign takes -P 16).
(cd "$work" && python3 - unaligned.apk lib <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "a", zipfile.ZIP_STORED) as z:
    for d, _, files in os.walk(sys.argv[2]):
        for f in sorted(files):
            z.write(os.path.join(d, f))
PY
)
zipalign -p -f 4 "$work/unaligned.apk" "$work/aligned.apk"
zipalign -c -p 4 "$work/aligned.apk" >/dev/null || die "the APK is not aligned"

sign() {
    if [ -z "$keystore" ]; then
        keystore="$root/build/android-debug.keystore"
        if [ ! -s "$keystore" ]; then
            need keytool "it comes with Java (apksigner needs Java too)"
            mkdir -p "$(dirname "$keystore")"
            keytool -genkeypair -keystore "$keystore" -storepass android -alias lyceumdebug \
                -keypass android -keyalg RSA -keysize 2048 -validity 10000 \
                -dname "CN=Lyceum debug" >/dev/null 2>&1 || die "keytool could not make $keystore"
        fi
        ks_pass=pass:android
    fi
    apksigner sign --ks "$keystore" --ks-pass "$ks_pass" --out "$out" "$work/aligned.apk"
    apksigner verify "$out" || die "apksigner does not verify $out"
}

if ! $check; then
    sign
    echo "package-apk: $out ($(du -h "$out" | cut -f1)); adb install -r $out"
    exit 0
fi

# --check: read it back.
signed="unsigned (apksigner not installed)"
if command -v apksigner >/dev/null && command -v keytool >/dev/null; then
    keystore="$work/check.keystore"
    keytool -genkeypair -keystore "$keystore" -storepass android -alias check -keypass android \
        -keyalg RSA -keysize 2048 -validity 1 -dname "CN=check" >/dev/null 2>&1
    ks_pass=pass:android
    sign
    signed="signed and verified"
else
    cp "$work/aligned.apk" "$out"
fi
badging=$(aapt dump badging "$out")
tree=$(aapt dump xmltree "$out" AndroidManifest.xml)
files=$(aapt list "$out")
expect() { # WHAT TEXT PATTERN
    grep -qE -- "$3" <<<"$2" || die "the APK lacks $1 (no match for '$3')"
}
expect "the package name" "$badging" "^package: name='org.lyceum.classroom'"
expect "minSdkVersion 29" "$badging" "^sdkVersion:'29'"
expect "the NativeActivity as the launcher" "$badging" "^launchable-activity: name='android.app.NativeActivity'"
expect "arm64-v8a native code" "$badging" "^native-code: 'arm64-v8a'"
expect "RECORD_AUDIO" "$badging" "uses-permission: name='android.permission.RECORD_AUDIO'"
expect "INTERNET" "$badging" "uses-permission: name='android.permission.INTERNET'"
expect "the OpenXR permission" "$badging" "uses-permission: name='org.khronos.openxr.permission.OPENXR'"
expect "the library name lyceum" "$tree" '"android.app.lib_name" \(Raw: "android.app.lib_name"\)'
expect "the library name lyceum" "$tree" 'A: android:value\(0x01010024\)="lyceum"'
expect "the Khronos immersive category" "$tree" '"org.khronos.openxr.intent.category.IMMERSIVE_HMD"'
expect "Quest's VR category" "$tree" '"com.oculus.intent.category.VR"'
expect "Quest's supported devices" "$tree" '"com.oculus.supportedDevices"'
expect "Pico's VR app type" "$tree" '"pvr.app.type"'
expect "the head-tracking feature" "$tree" '"android.hardware.vr.headtracking"'
expect "liblyceum.so" "$files" "^lib/arm64-v8a/liblyceum.so$"
expect "a world" "$files" "^assets/worlds/classroom.tmj$"
expect "a lesson" "$files" "^assets/lessons/.*\.json$"
echo "package-apk: --check: the manifest compiles (without <queries>, which Debian's aapt predates);" \
    "the APK holds $(grep -c . <<<"$files") files, is aligned and $signed; package," \
    "SDK 29, NativeActivity 'lyceum', VR categories, permissions and arm64-v8a read back"
