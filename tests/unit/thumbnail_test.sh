#!/bin/sh
# Generates small clips with the ffmpeg CLI in a scratch directory and runs
# the thumbnail unit test on them (TAP on stdout).
# usage: thumbnail_test.sh TEST_THUMBNAIL_BINARY
set -u
bin=$1
if ! command -v ffmpeg >/dev/null 2>&1; then
    echo "1..0 # SKIP ffmpeg not found"
    exit 0
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/pbc-thumb.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT INT TERM
gen() {
    ffmpeg -nostdin -hide_banner -v error -y "$@" </dev/null || {
        echo "Bail out! ffmpeg could not generate a fixture: $*"
        exit 1
    }
}
# 3 s at 30 fps, one keyframe: the frame at 1 s is decoded from frame 0.
gen -f lavfi -i testsrc2=size=640x360:rate=30 -t 3 -c:v libx264 -preset ultrafast -g 300 -pix_fmt yuv420p "$dir/plain.mp4"
# Heavy noise: no JPEG of it fits 12,288 bytes at the first quality.
gen -f lavfi -i "cellauto=s=640x480:r=30,noise=alls=30:allf=t+u" -t 1 -c:v libx264 -preset ultrafast -crf 10 -pix_fmt yuv420p "$dir/noise.mp4"
# Anamorphic: 640x480 stored, 16:9 shown.
gen -f lavfi -i testsrc2=size=640x480:rate=25 -t 1 -vf setsar=4/3 -c:v libx264 -preset ultrafast -pix_fmt yuv420p "$dir/sar.mp4"
exec "$bin" "$dir"
