#!/usr/bin/env bash
# The C API's headers compile as strict C99 and as C++, and a C program links
# against the shared libraries and runs:
#   - tests/c/c_example.c (docs/C_API.md's example) with
#     cc -std=c99 -Wall -Wextra -Werror -pedantic, linked to libstrata.so, run;
#   - the same file compiled as C++ (c++ -x c++ -std=c++20 -Werror);
#   - include/strata-leveldb/leveldb/c.h included by a C99 file and by C++.
# Usage: c_compile_test.sh <source dir> <build dir>
# $STRATA_C_FLAGS is added to every compile (the sanitizers of a sanitized
# build). Exits 77 (CTest: skipped) only if no C compiler is installed.
set -euo pipefail
src=$1
build=$2
cc=${CC:-cc}
cxx=${CXX:-c++}
if ! command -v "$cc" >/dev/null; then
  echo "SKIP: no C compiler ($cc) on this machine"
  exit 77
fi
out=$(mktemp -d "$build/c_compile_test.XXXXXX")
trap 'rm -rf "$out"' EXIT
extra=(${STRATA_C_FLAGS:-})
strict=(-std=c99 -Wall -Wextra -Werror -pedantic "${extra[@]}")
cxxflags=(-x c++ -std=c++20 -Wall -Wextra -Werror "${extra[@]}")

echo "C99: c_example.c"
"$cc" "${strict[@]}" -I"$src/include" "$src/tests/c/c_example.c" -o "$out/example_c" \
  -L"$build" -lstrata -Wl,-rpath,"$build"
echo "C++: c_example.c"
"$cxx" "${cxxflags[@]}" -I"$src/include" "$src/tests/c/c_example.c" \
  -o "$out/example_cxx" -L"$build" -lstrata -Wl,-rpath,"$build"
echo "C99 and C++: leveldb/c.h"
printf '#include "leveldb/c.h"\nint main(void) { return leveldb_major_version() == 1 ? 0 : 1; }\n' \
  >"$out/ldb.c"
"$cc" "${strict[@]}" -I"$src/include/strata-leveldb" "$out/ldb.c" -o "$out/ldb_c" \
  -L"$build" -lstrata-leveldb -Wl,-rpath,"$build"
"$cxx" "${cxxflags[@]}" -I"$src/include/strata-leveldb" "$out/ldb.c" \
  -o "$out/ldb_cxx" -L"$build" -lstrata-leveldb -Wl,-rpath,"$build"
"$out/ldb_c"
"$out/ldb_cxx"

echo "run: c_example (C and C++ builds)"
LD_BIND_NOW=1 "$out/example_c" "$out/db_c"
LD_BIND_NOW=1 "$out/example_cxx" "$out/db_cxx"
