#!/usr/bin/env bash
# Runs every fuzzer for SECONDS each, one after the other, over its checked-in
# seed corpus (fuzz/corpus/<fuzzer>, only read) plus a working corpus in
# BUILD_DIR/fuzz-corpus/<fuzzer> that collects the new inputs. Crash, leak and
# timeout inputs land in BUILD_DIR/fuzz-artifacts/. Exits non-zero if any
# fuzzer failed; every fuzzer runs regardless.
#
#   fuzz/run.sh BUILD_DIR SECONDS [FUZZER...]
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: fuzz/run.sh BUILD_DIR SECONDS [FUZZER...]}
seconds=${2:?usage: fuzz/run.sh BUILD_DIR SECONDS [FUZZER...]}
shift 2

# Largest input per fuzzer: a few blocks of a WAL, a data block with room to
# grow, a small table, a MANIFEST of some edits, a batch of some updates.
declare -A max_len=(
  [wal_reader_fuzzer]=98304
  [block_fuzzer]=16384
  [table_fuzzer]=65536
  [version_edit_fuzzer]=16384
  [write_batch_fuzzer]=16384
  [range_del_fuzzer]=8192
  [resp_parser_fuzzer]=8192
)
fuzzers=("$@")
[ ${#fuzzers[@]} -eq 0 ] && fuzzers=(wal_reader_fuzzer block_fuzzer table_fuzzer version_edit_fuzzer write_batch_fuzzer range_del_fuzzer resp_parser_fuzzer)

mkdir -p "$build/fuzz-artifacts"
failed=()
for f in "${fuzzers[@]}"; do
  work="$build/fuzz-corpus/$f"
  mkdir -p "$work"
  dict=()
  [ -f "fuzz/$f.dict" ] && dict=(-dict="fuzz/$f.dict")
  echo "--- $f: ${seconds}s"
  log="$build/fuzz-artifacts/$f.log"
  "$build/fuzz/$f" "$work" "fuzz/corpus/$f" "${dict[@]}" \
    -max_total_time="$seconds" -max_len="${max_len[$f]}" -timeout=30 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$f-" >"$log" 2>&1
  rc=$?
  grep -E "^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::|ERROR|SUMMARY|invariant violated|Test unit written" "$log"
  if [ $rc -ne 0 ]; then
    failed+=("$f")
    tail -n 60 "$log"
    echo "!!! $f failed (exit $rc); full log: $log"
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzzers failed: ${failed[*]}" >&2
  exit 1
fi
echo "all fuzzers ran ${seconds}s without a failure"
