#!/bin/sh
# Runs the default test suites (unit, scenario, encode) twice: on a
# warnings-as-errors build, and on an AddressSanitizer + UBSan build.
# Longer suites are kept out of the default run (see README, Tests).
set -eu
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -f build/build.ninja ] || meson setup build --buildtype=release -Dwerror=true
meson test -C build --print-errorlogs "$@"
[ -f build-asan/build.ninja ] || meson setup build-asan --buildtype=debug -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C build-asan --print-errorlogs "$@"
