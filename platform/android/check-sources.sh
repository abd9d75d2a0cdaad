#!/bin/bash
# Compiles every C file of the Android build for syntax with __ANDROID__
# defined (API 29), so that Android-only code (#ifdef __ANDROID__ branches,
# android_main.c, the AAudio backend) cannot rot unseen: there is no NDK
# here. The flags are each file's own from build/default's
# compile_commands.json; the headers are Debian's copies of AOSP's
# (android-platform-frameworks-native-headers, android-liblog-dev,
# android-libnativehelper-dev for jni.h), the AAudio header of tests/aaudio
# (so snd_aaudio.c is checked against that header, not the NDK's), and, in
# platform/android/syntax, the few NDK declarations Debian lacks.
#   platform/android/check-sources.sh [BUILD_DIR]   (make android-check runs it)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/default}
[ -s "$build/compile_commands.json" ] || { echo "check-sources: $build/compile_commands.json missing: make build first" >&2; exit 1; }
for h in /usr/include/android/android/native_activity.h /usr/include/android/nativehelper/jni.h; do
    [ -s "$h" ] || { echo "check-sources: $h missing: tools/deps.sh --android installs it" >&2; exit 1; }
done
ROOT=$root BUILD=$build python3 - <<'PY'
import json, os, shlex, subprocess, sys
root, build = os.environ["ROOT"], os.environ["BUILD"]
entries = json.load(open(os.path.join(build, "compile_commands.json")))
# What the Android build compiles: the client (not PortAudio, which Android
# lacks), the shared code, the headless platform; android_main.c with the
# app's flags.
def wanted(f):
    rel = os.path.relpath(f, root)
    if rel.startswith(("client/", "shared/", "platform/headless/")):
        return not rel.endswith("snd_pa.c") and "/testkit" not in rel and "snd_testkit" not in rel
    return False
files, seen = [], set()
for e in entries:
    f = os.path.realpath(os.path.join(e["directory"], e["file"]))
    if f in seen or not wanted(f):
        continue
    seen.add(f)
    files.append((f, e))
app = next((e for f, e in files if f.endswith("client/app/app_main.c")), None)
if app is None:
    sys.exit(f"check-sources: {build} has no client (app_main.c): use a build with the client, e.g. build/default")
files.append((os.path.join(root, "platform/android/android_main.c"), app))
extra = ["-D__ANDROID__", "-D__ANDROID_API__=29", f"-I{root}/platform/android/syntax",
         "-isystem", "/usr/include/android",
         "-isystem", "/usr/include/android/nativehelper", f"-I{root}/tests/aaudio/include",
         f"-I{root}/client/app"]
failed = 0
for f, e in files:
    args = e["arguments"] if "arguments" in e else shlex.split(e["command"])
    keep, skip = [], False
    for a in args[1:]:
        if skip:
            skip = False
            continue
        if a in ("-o", "-c"):
            skip = True
            continue
        if a.startswith(("-O", "-g", "-f")) or a == f or a.endswith(e["file"]):
            continue
        keep.append(a)
    # bionic's macros for Debian's AOSP headers, only where they are used:
    # included first, they would fix glibc's features before a file's own
    # _GNU_SOURCE.
    cdefs = ["-include", f"{root}/platform/android/syntax/ndk_cdefs.h"] if f.endswith("android_main.c") else []
    cmd = ["clang", "-fsyntax-only", "-Werror", "-Wno-unknown-warning-option"] + keep + extra + cdefs + [f]
    r = subprocess.run(cmd, cwd=e["directory"], capture_output=True, text=True)
    if r.returncode:
        failed += 1
        sys.stderr.write(f"check-sources: {os.path.relpath(f, root)} does not compile for Android:\n{r.stderr}")
print(f"check-sources: {len(files) - failed} of {len(files)} files of the Android build compile with __ANDROID__ (API 29)")
sys.exit(1 if failed else 0)
PY
