#!/usr/bin/env bash
# LevelDB's own C API test, db/c_test.c from Debian's leveldb source package,
# unmodified, compiled with cc against libstrata-leveldb and run: it must
# print PASS. The source is fetched with `apt-get source leveldb` (the deb-src
# entry scripts/install-deps adds) into <build dir>/leveldb-source once, and
# reused by later runs. The program is checked to link libstrata-leveldb and
# not a real LevelDB.
# Usage: leveldb_c_test.sh <source dir> <build dir>
# $STRATA_C_FLAGS is added to the compile (the sanitizers of a sanitized
# build). Exits 77 (CTest: skipped) only if a tool it needs (apt-get, dpkg-source,
# cc) is not installed; a failed download is a failure.
set -euo pipefail
src=$1
build=$2
cc=${CC:-cc}
for tool in apt-get dpkg-source "$cc"; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool is not installed (scripts/install-deps installs it)"
    exit 77
  fi
done

cache="$build/leveldb-source"
c_test=$(find "$cache" -path '*/db/c_test.c' 2>/dev/null | head -n1 || true)
if [[ -z $c_test ]]; then
  mkdir -p "$cache"
  echo "fetching LevelDB's source: apt-get source leveldb (into $cache)"
  if ! (cd "$cache" && apt-get source -qq leveldb >fetch.log 2>&1); then
    cat "$cache/fetch.log"
    echo "FAIL: apt-get source leveldb failed (no deb-src entry? run scripts/install-deps)"
    exit 1
  fi
  c_test=$(find "$cache" -path '*/db/c_test.c' | head -n1)
fi
echo "using $c_test"

out=$(mktemp -d "$build/leveldb_c_test.XXXXXX")
trap 'rm -rf "$out"' EXIT
# c_test.c includes "leveldb/c.h": -I makes it StrataDB's, ahead of any
# /usr/include/leveldb/c.h.
# shellcheck disable=SC2086
"$cc" -std=gnu99 ${STRATA_C_FLAGS:-} -I"$src/include/strata-leveldb" "$c_test" -o "$out/c_test" \
  -L"$build" -lstrata-leveldb -Wl,-rpath,"$build"
# ldd's output is read whole first: `ldd | grep -q` under pipefail fails
# when grep exits at its match before ldd has finished writing (SIGPIPE).
libs=$(ldd "$out/c_test")
if grep -q 'libleveldb\.so' <<<"$libs"; then
  echo "FAIL: c_test linked a real LevelDB"
  exit 1
fi
grep -q 'libstrata-leveldb\.so' <<<"$libs" || { echo "FAIL: libstrata-leveldb not linked"; exit 1; }

mkdir -p "$out/tmp"
set +e
TEST_TMPDIR="$out/tmp/db" LD_BIND_NOW=1 "$out/c_test" >"$out/log" 2>&1
status=$?
set -e
cat "$out/log"
if [[ $status -ne 0 ]] || ! grep -qx PASS "$out/log"; then
  echo "FAIL: c_test exited with $status without printing PASS"
  exit 1
fi
