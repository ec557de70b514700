#!/usr/bin/env bash
# The release binary thor-lite ships (python/build-wheel.sh puts it in the wheel; bench/cold_start.sh
# times it): the Swift runtime and the C libraries linked in (SQLite, libpng, zlib, OpenSSL's
# libcrypto), as a position-dependent executable. Only libc, libm, libstdc++, libgcc_s and
# libsimdjson (Debian ships no static simdjson) stay shared.
#
# Why: most of a read command's start is the loader's, not thor-lite's (docs/performance.md, "Cold
# start"). Each shared library is mapped, relocated and symbol-bound at every start, and a
# position-independent executable has about 100,000 relative relocations, each a write that dirties
# a page. Linked this way, `thor-lite info` needs about a third less CPU to start. The binary also
# runs on machines without libsqlite3, libpng or libssl installed.
#
#   scripts/build-release.sh [SCRATCH]     (default .build-release; prints the binary's path)
#
# Needs the static archives of the -dev packages .ci/run installs (libsqlite3-dev, libpng-dev,
# zlib1g-dev, libssl-dev). They are found with the C compiler's own search (-print-file-name) and
# put first on the library path through a directory of links, because GRDB's module map asks for
# plain `-lsqlite3`, which the linker would otherwise resolve to the shared library.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=${1:-$root/.build-release}
command -v swift >/dev/null || export PATH=/opt/swift/usr/bin:$PATH
cc=$(command -v clang || command -v cc || true)
[ -n "$cc" ] || { echo "build-release: no C compiler (clang or cc) to locate the static libraries" >&2; exit 2; }

static=$scratch/static-libs
mkdir -p "$static"
for lib in sqlite3 png16 z crypto; do
    archive=$("$cc" -print-file-name="lib$lib.a")
    if [ ! -f "$archive" ]; then
        echo "build-release: lib$lib.a not found; install libsqlite3-dev libpng-dev zlib1g-dev libssl-dev" >&2
        exit 2
    fi
    ln -sf "$archive" "$static/lib$lib.a"
done

flags=(-c release --static-swift-stdlib --product thor-lite
       -Xswiftc "-L$static" -Xswiftc -Xclang-linker -Xswiftc -no-pie)
swift build --package-path "$root" --scratch-path "$scratch" "${flags[@]}" >&2
echo "$(swift build --package-path "$root" --scratch-path "$scratch" -c release --show-bin-path)/thor-lite"
