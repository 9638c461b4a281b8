#!/bin/sh
# Installs the build dependencies (scripts/setup.sh) and builds
# build/prepare_bodycam (release, warnings as errors).
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -f build/build.ninja ] || meson setup build --buildtype=release -Dwerror=true >/dev/null
ninja -C build src/prepare_bodycam >/dev/null
echo "built $(pwd)/build/src/prepare_bodycam" >&2
