# Thin wrapper over CMake presets. The two commands a newcomer needs:
#   make run    a local server with the classroom, wandering bots and the desktop client
#   make test   install what is missing, build everything, run the tests
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build build-asan run test test-asan bench clean

all: build

deps:
	@tools/deps.sh

build: deps
	@cmake --preset default >/dev/null
	@cmake --build --preset default -j $(JOBS)

build-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)

run: build
	@tools/run.sh build/default

test: build
	@ctest --preset default -j $(JOBS)

test-asan: build-asan
	@ctest --preset asan -j $(JOBS)

bench: build
	@tools/bench/bench.sh build/default

clean:
	rm -rf build
