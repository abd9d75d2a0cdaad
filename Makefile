# Thin wrapper over CMake presets. The two commands a newcomer needs:
#   make run    a local server with the classroom, wandering bots and the desktop client
#   make test   install what is missing, build everything, run the tests
# and, for fuzzing the decoders longer than the tests' few seconds each:
#   make fuzz   every fuzz target for FUZZ_SECONDS (tests/fuzz/run.sh)
#   make aarch64  the whole client cross-compiled for aarch64 Linux (headset CPUs)
#   make android-check  the Android build's C files compiled for syntax with
#                 __ANDROID__, and the Quest/Pico manifest and APK packaging
#                 checked with Debian's aapt (no NDK here: docs/android.md)
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60

.PHONY: all deps build build-asan build-fuzz run test test-asan fuzz bench aarch64 android-check clean

all: build

deps:
	@tools/deps.sh

build: deps
	@cmake --preset default >/dev/null
	@cmake --build --preset default -j $(JOBS)

build-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)

build-fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)

run: build
	@tools/run.sh build/default

test: build build-fuzz
	@ctest --preset default -j $(JOBS) --output-on-failure
	@ctest --preset fuzz -j $(JOBS) --output-on-failure

test-asan: build-asan
	@ctest --preset asan -j $(JOBS) --output-on-failure

fuzz: build-fuzz
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_KEEP=1 ctest --preset fuzz -j $(JOBS) \
		--timeout $$(( $(FUZZ_SECONDS) * 2 + 120 ))

aarch64: deps
	@tools/deps.sh --arm64
	@cmake --preset aarch64 >/dev/null
	@cmake --build --preset aarch64 -j $(JOBS)

android-check: build
	@tools/deps.sh --android
	@platform/android/check-sources.sh build/default
	@platform/android/package-apk.sh --check

bench: build
	@tools/bench/bench.sh build/default

clean:
	rm -rf build
