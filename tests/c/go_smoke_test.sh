#!/usr/bin/env bash
# Builds tests/c/go/main.go with cgo against include/strata/c.h and
# libstrata.so, offline (GO111MODULE=off, GOPROXY=off, GOCACHE and GOPATH in
# the build directory), and runs it with GODEBUG=cgocheck=2. Usage: go_smoke_test.sh <source dir> <build dir>
# Exits 77 (CTest: skipped) only if the go tool is not installed.
set -euo pipefail
src=$1
build=$2
if ! command -v go >/dev/null; then
  echo "SKIP: the go tool is not installed (scripts/install-deps installs golang-go)"
  exit 77
fi
export GO111MODULE=off GOPROXY=off GOFLAGS= GOTOOLCHAIN=local
export GOCACHE="$build/go-cache" GOPATH="$build/go-path"
export CGO_ENABLED=1
export CGO_CFLAGS="-I$src/include"
export CGO_LDFLAGS="-L$build -lstrata -Wl,-rpath,$build"
out=$(mktemp -d "$build/go_smoke_test.XXXXXX")
trap 'rm -rf "$out"' EXIT
cp "$src/tests/c/go/main.go" "$out/main.go"
(cd "$out" && go build -o c_api_smoke main.go)
GODEBUG=cgocheck=2 "$out/c_api_smoke" "$out/db"
