#!/bin/sh
# Installs what building and testing prepare_bodycam needs on Debian 12
# (bookworm): the compiler, Meson, the FFmpeg/SVT-AV1/Opus/jansson/OpenSSL/
# libisofs development packages, and the ffmpeg/ffprobe and xorriso CLIs
# that the tests use as independent tools. Idempotent: installs only what is missing.
set -eu
packages="build-essential meson ninja-build pkg-config
  libavformat-dev libavcodec-dev libavutil-dev libswresample-dev libswscale-dev
  libsvtav1enc-dev libopus-dev libjansson-dev libssl-dev libisofs-dev
  ffmpeg util-linux xorriso"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing$missing" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
