# The two commands a newcomer needs, each working on a fresh Debian 12 machine:
#   make run    installs dependencies, builds, opens the `strata` shell on ./strata-data
#   make test   installs dependencies, builds, runs the tests (not the stress label)
# Other targets: build, stress (long-running tests), sanitize-asan, sanitize-tsan, install.

BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test stress sanitize-asan sanitize-tsan install clean format

all: build

deps:
	@bash scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j$(JOBS)

run: build
	./$(BUILD)/tools/strata/strata --db ./strata-data shell

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -LE stress

stress: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -L stress

# Every test but the stress label under AddressSanitizer + UndefinedBehaviorSanitizer.
sanitize-asan: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSTRATA_SANITIZE=address,undefined >/dev/null
	@cmake --build build-asan -j$(JOBS)
	cd build-asan && ctest --output-on-failure -j$(JOBS) -LE stress

# The concurrency tests under ThreadSanitizer (clang, so thread-safety
# annotations are checked too).
sanitize-tsan: deps
	@CXX=clang++ cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_SANITIZE=thread >/dev/null
	@cmake --build build-tsan -j$(JOBS)
	cd build-tsan && ctest --output-on-failure -j$(JOBS) -L concurrency

# A short side-by-side comparison of StrataDB with LevelDB and RocksDB (those
# found at build time): the default db_bench workloads on 200,000 keys, with
# the table on stdout and every figure in $(BUILD)/bench.json and .svg.
.PHONY: bench
bench: build
	./$(BUILD)/tools/strata-bench/strata-bench --num 200000 --db /tmp/strata-bench \
		--json $(BUILD)/bench.json --svg $(BUILD)/bench.svg

install: build
	cmake --install $(BUILD)

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')

clean:
	rm -rf $(BUILD) build-asan build-tsan
