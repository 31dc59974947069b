# The two commands a newcomer needs, each working on a fresh Debian 12 machine:
#   make run    installs dependencies, builds, opens the `strata` shell on ./strata-data
#   make test   installs dependencies, builds, runs the tests (not the stress label)
# Other targets: build, server (strata-server, docs/SERVER.md), server-bench, stress (long-running
# tests), crash-test, sanitize-asan, sanitize-tsan, thread-safety, fuzz, bench, bench-compare, install.

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

# The crash test (tools/strata-stress): runs of random concurrent operations
# killed with SIGKILL at random times for CRASH_SECONDS, then one run not
# killed; each run first verifies every key. Prints kills, operations and
# verifications; on a failure the database is kept and its directory named.
CRASH_SECONDS ?= 120
.PHONY: crash-test
crash-test: build
	@dir=$$(mktemp -d /tmp/strata-crash.XXXXXX) && \
	if ./$(BUILD)/tools/strata-stress/strata-stress crash --db $$dir/db --duration $(CRASH_SECONDS); \
	then rm -rf $$dir; else echo "crash test failed: database kept in $$dir"; exit 1; fi

# strata-server (docs/SERVER.md) on the default data directory
# (./strata-server-data), in the foreground; Ctrl-C stops it cleanly.
.PHONY: server
server: configure
	@cmake --build $(BUILD) -j$(JOBS) --target strata-server
	./$(BUILD)/tools/strata-server/strata-server

# Every test but the stress label under AddressSanitizer + UndefinedBehaviorSanitizer,
# with the invariant checks (STRATA_INVARIANTS, src/util/invariants.h) on. The
# "external" label (Redis's own test files, redis-benchmark through twemproxy)
# runs in `make test` only: those are conformance and load checks whose
# server-side code the server's own tests already cover here, and under ASan
# they take ~7x longer than CI's budget allows.
sanitize-asan: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSTRATA_SANITIZE=address,undefined \
		-DSTRATA_INVARIANTS=ON >/dev/null
	@cmake --build build-asan -j$(JOBS)
	cd build-asan && ctest --output-on-failure -j$(JOBS) -LE "stress|external"

# The concurrency tests under ThreadSanitizer, with the invariant checks on.
# The build is clang's with -Wthread-safety -Werror (STRATA_WERROR), so it is
# also the check that every guarded field is used with its lock held: it
# builds the library, strata-server and the concurrency tests (the target
# concurrency_tests), which is every annotated class; `make thread-safety`
# builds everything else with the same flags.
sanitize-tsan: deps
	@CXX=clang++ cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_SANITIZE=thread \
		-DSTRATA_WERROR=ON -DSTRATA_INVARIANTS=ON >/dev/null
	@cmake --build build-tsan -j$(JOBS) --target concurrency_tests strata-server
	cd build-tsan && ctest --output-on-failure -j$(JOBS) -L concurrency

# The thread-safety check alone, without running anything: clang builds the
# library, tools and tests with -Wthread-safety -Werror (CI gets it from
# sanitize-tsan, which builds the same with TSan).
.PHONY: thread-safety
thread-safety: deps
	@CXX=clang++ cmake -S . -B build-clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_WERROR=ON >/dev/null
	@cmake --build build-clang -j$(JOBS)

# The libFuzzer targets (fuzz/) under ASan + UBSan, FUZZ_SECONDS each, one at
# a time; crash inputs and logs go to build-fuzz/fuzz-artifacts/. Asserts stay
# on (no -DNDEBUG): a broken REQUIRES is a finding.
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz: deps
	@CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g" -DSTRATA_BUILD_FUZZERS=ON \
		-DSTRATA_BUILD_TESTS=OFF -DSTRATA_BUILD_TOOLS=OFF -DSTRATA_WERROR=ON >/dev/null
	@cmake --build build-fuzz -j$(JOBS) --target fuzzers
	bash fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

# A short side-by-side comparison of StrataDB with LevelDB and RocksDB (those
# found at build time): the default db_bench workloads on 200,000 keys, with
# the table on stdout and every figure in $(BUILD)/bench.json and .svg.
.PHONY: bench
bench: build
	./$(BUILD)/tools/strata-bench/strata-bench --num 200000 --db /tmp/strata-bench \
		--json $(BUILD)/bench.json --svg $(BUILD)/bench.svg

# strata-server against redis-server (no persistence) with redis-benchmark -c 50
# -r 1000000 at -P 1 and -P 16, medians of 3 runs: a table of ops/s, p50, p99,
# the ratio and errors (scripts/server-bench; docs/SERVER.md). SUITE=12 (SET
# GET INCR MSET, the default), 13 (the collection list) or all.
SUITE ?= 12
.PHONY: server-bench
server-bench: build
	scripts/server-bench --suite $(SUITE) --strata $(BUILD)/tools/strata-server/strata-server

# Issue 11's comparison, reproducible: StrataDB, LevelDB and RocksDB with the
# same settings (64 MiB write buffer and block cache, bloom 10 bits/key,
# snappy), 3 runs each alternating the engines, medians reported; the
# workloads in sequence on one database (--one_db), so the reads meet what
# the fills left (the tree shape is printed before each read). Then the
# write-scaling curve at 1, 2, 4 and 8 threads (db_bench semantics: every
# thread does --num writes). 1M keys; BIG=1 for 10M. Writes JSON, SVG,
# Markdown and the console output into $(BUILD)/bench/ (docs/PERFORMANCE.md).
BENCH_NUM ?= $(if $(BIG),10000000,1000000)
BENCH_REPEAT ?= 3
BENCH_DB ?= /tmp/strata-bench-compare
BENCH_WORKLOADS ?= fillseq,fillrandom,overwrite,readrandom,readmissing,readseq,readreverse,seekrandom,readwhilewriting,ycsba,ycsbb,ycsbc,ycsbd,ycsbe,ycsbf,deleterandom
BENCH_CURVE ?= 1,2,4,8
BENCH_SETTINGS = --engines strata,leveldb,rocksdb --num $(BENCH_NUM) --repeat $(BENCH_REPEAT) \
	--write_buffer_size 64MiB --cache_size 64MiB --bloom_bits 10 --compression snappy \
	--db $(BENCH_DB)
.PHONY: bench-compare
bench-compare: build
	@mkdir -p $(BUILD)/bench
	./$(BUILD)/tools/strata-bench/strata-bench $(BENCH_SETTINGS) --one_db \
		--benchmarks $(BENCH_WORKLOADS) --json $(BUILD)/bench/compare-$(BENCH_NUM).json \
		--svg $(BUILD)/bench/compare-$(BENCH_NUM).svg --markdown $(BUILD)/bench/compare-$(BENCH_NUM).md \
		> $(BUILD)/bench/compare-$(BENCH_NUM).txt
	./$(BUILD)/tools/strata-bench/strata-bench $(BENCH_SETTINGS) --threads_curve $(BENCH_CURVE) \
		--benchmarks fillrandom,overwrite --json $(BUILD)/bench/threads-$(BENCH_NUM).json \
		--svg $(BUILD)/bench/threads-$(BENCH_NUM).svg --markdown $(BUILD)/bench/threads-$(BENCH_NUM).md \
		> $(BUILD)/bench/threads-$(BENCH_NUM).txt
	@echo "bench-compare: tables in $(BUILD)/bench/compare-$(BENCH_NUM).md and threads-$(BENCH_NUM).md"

install: build
	cmake --install $(BUILD)

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')

clean:
	rm -rf $(BUILD) build-asan build-tsan
