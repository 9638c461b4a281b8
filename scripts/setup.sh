#!/bin/sh
# Installs what building and testing prepare_bodycam needs on Debian 12
# (bookworm): the compiler, Meson, the FFmpeg/SVT-AV1/Opus/jansson/OpenSSL/
# libisofs development packages, the ffmpeg/ffprobe and xorriso CLIs that
# the tests use as independent tools, and strace, which lands the
# completion scenarios' signals at a given step. Idempotent: installs only
# what is missing. For the browser suite, best effort (the suite skips
# without them): Node.js, npm and Debian's chromium where their commands
# are missing, then playwright-core from npm into tests/browser/node_modules
# (tests/browser/install.sh).
set -eu
packages="build-essential meson ninja-build pkg-config
  libavformat-dev libavcodec-dev libavutil-dev libswresample-dev libswscale-dev
  libsvtav1enc-dev libopus-dev libjansson-dev libssl-dev libisofs-dev
  ffmpeg util-linux xorriso strace"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ -n "$missing" ]; then
    echo "setup: installing$missing" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
fi
# The browser suite's tools, only beside a checkout that has the suite (the
# Dockerfile's first stage runs this script alone). command:package pairs; a
# node from elsewhere (NodeSource) brings its own npm.
browser=$(dirname "$0")/../tests/browser/install.sh
[ -x "$browser" ] || exit 0
for pair in node:nodejs npm:npm chromium:chromium; do
    command -v "${pair%%:*}" > /dev/null 2>&1 && continue
    echo "setup: installing ${pair#*:} (browser suite)" >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${pair#*:}" ||
        echo "setup: ${pair#*:} not installed: the browser suite will skip" >&2
done
if command -v npm > /dev/null 2>&1; then
    "$browser" || echo "setup: playwright-core not installed: the browser suite will skip" >&2
fi
