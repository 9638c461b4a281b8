#!/bin/sh
# Builds the fully static build-static/src/prepare_bodycam (see docs/design.md,
# "Static build"): installs the build tools it needs on Debian 12, puts the
# subprojects' sources in subprojects/packagecache from Debian's archive,
# then sets up and builds with -Dstatic_build=true. About ten minutes on two
# cores the first time. Extra arguments go to `meson setup`; JOBS=N limits
# ninja's parallel jobs.
set -eu
cd "$(dirname "$0")/.."
packages="build-essential meson ninja-build pkg-config cmake nasm libssl-dev file
          libisofs-dev libjte-dev libbz2-dev zlib1g-dev libacl1-dev"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "build-static: installing$missing" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
fi
./scripts/fetch-static-sources.sh
[ -f build-static/build.ninja ] || meson setup build-static -Dstatic_build=true "$@"
ninja -C build-static ${JOBS:+-j "$JOBS"} src/prepare_bodycam
file build-static/src/prepare_bodycam
