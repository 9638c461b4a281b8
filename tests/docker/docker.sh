#!/usr/bin/env bash
# Suite 'docker': builds the Dockerfile for real and runs the acceptance
# scenarios inside it, with ../shared/tools/container-build (Debian's buildah;
# no Docker engine). Needs root; skipped (77) without the tool or root.
#
#   tests/docker/docker.sh          (or: meson test -C build --suite docker)
#
# 1. The build stage alone: setup, Meson build and the full default test
#    suite (the image fails to build if a test fails); then, in that image,
#    `meson test --suite scenario` again, verbosely, for the record.
# 2. The whole image: the runtime stage is built from the cached build stage;
#    its binary prints its version and ENCODEs a clip fed in through stdin.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cb=${CONTAINER_BUILD:-$top/../shared/tools/container-build}
[ -x "$cb" ] || { echo "SKIP: no $cb"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: buildah here runs as root"; exit 77; }
cd "$top"
export BUILDAH_LAYERS=true   # step 2 reuses step 1's layers
work=$(mktemp -d "${TMPDIR:-/tmp}/pbc-docker.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "# 1. build stage + full test suite, then the scenario suite in it"
awk '/^FROM /{n++} n < 2' Dockerfile > "$work/Dockerfile.build"
"$cb" -f "$work/Dockerfile.build" -t localhost/prepare-bodycam:build -- \
  meson test -C /build --suite scenario --print-errorlogs

echo "# 2. runtime image: --version, then an ENCODE of a clip sent through stdin"
"$cb" -t localhost/prepare-bodycam:test -- prepare_bodycam --version
if command -v ffmpeg >/dev/null; then
  ffmpeg -v error -f lavfi -i testsrc2=size=640x360:rate=30 \
    -f lavfi -i sine=frequency=440:sample_rate=48000 -t 3 \
    -c:v libx264 -preset veryfast -b:v 2M -pix_fmt yuv420p -c:a aac \
    "$work/cam1_0001.mp4"
  disc=$(( $(stat -c %s "$work/cam1_0001.mp4") * 3 / 4 ))
  # buildah run ignores ENTRYPOINT: name the program; the image has tar.
  tar -C "$work" -c cam1_0001.mp4 | "$cb" -t localhost/prepare-bodycam:test -- \
    sh -c "mkdir -p /tmp/in && tar -x -C /tmp/in && cd /tmp &&
           prepare_bodycam --disc-bytes $disc --safety-bytes 0 --build-dir disc \
             --logfile disc.log in/cam1_0001.mp4 > /dev/null &&
           grep -q '\"mode\": *\"ENCODE\"' disc/progress.completed.json &&
           ls -l disc"
else
  echo "# (no ffmpeg CLI here: ENCODE check in the runtime image skipped)"
fi
echo "1 passed, 0 failed"
