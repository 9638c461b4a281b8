#!/bin/sh
# Generates small media fixtures with the ffmpeg CLI in a scratch directory
# and runs the probe unit test on them (TAP on stdout).
# usage: probe_test.sh TEST_PROBE_BINARY
set -u
bin=$1
if ! command -v ffmpeg >/dev/null 2>&1; then
    echo "1..0 # SKIP ffmpeg not found"
    exit 0
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/pbc-probe.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT INT TERM
gen() {
    ffmpeg -nostdin -hide_banner -v error -y "$@" </dev/null || {
        echo "Bail out! ffmpeg could not generate a fixture: $*"
        exit 1
    }
}
# 2 s, 25 fps, 64x48 video with a sine: 50 frames, audio.
gen -f lavfi -i testsrc=size=64x48:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 \
    -t 2 -c:v mpeg4 -c:a aac -movflags +faststart "$dir/av.mp4"
# 2 s, 10 fps, video only, Matroska: no frame count in the container.
gen -f lavfi -i testsrc=size=64x48:rate=10 -t 2 -c:v mpeg4 "$dir/v.mkv"
# Audio only.
gen -f lavfi -i sine=frequency=440:sample_rate=48000 -t 1 -c:a aac "$dir/a.m4a"
# Not media, empty, and a copy cut in half after its header.
printf 'this is not a video\n' >"$dir/text.mp4"
: >"$dir/empty.mp4"
size=$(wc -c <"$dir/av.mp4")
head -c $((size / 2)) "$dir/av.mp4" >"$dir/trunc.mp4"
# A fragmented MP4 of 4 s (a fragment per second) cut inside its third
# fragment, as a camera's recording that stopped abruptly.
gen -f lavfi -i testsrc=size=64x48:rate=25 -t 4 -c:v mpeg4 -g 25 \
    -movflags frag_keyframe+empty_moov "$dir/frag.mp4"
size=$(wc -c <"$dir/frag.mp4")
head -c $((size * 5 / 8)) "$dir/frag.mp4" >"$dir/fragcut.mp4"
"$bin" "$dir"
