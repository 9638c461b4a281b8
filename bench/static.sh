#!/usr/bin/env bash
# Static vs dynamic prepare_bodycam: binary size (the dynamic one with the
# closure of shared libraries it loads) and ENCODE speed on the same clip.
#
#   bench/static.sh [STATIC_BIN] [DYNAMIC_BIN]
#   defaults: build-static/src/prepare_bodycam build/src/prepare_bodycam
#   env: SECONDS_OF_VIDEO (20), SIZE (1280x720), RUNS (3)
#
# Prints a Markdown table for docs/BENCHMARKS.md. Needs the ffmpeg CLI for
# the clip (H.264 + AAC, like a body camera's). Each run ENCODEs into a fresh
# build directory (disc = 3/4 of the clip, so ENCODE is forced); the median
# of RUNS interleaved runs counts, wall time and CPU time. Both binaries use
# SVT-AV1 1.4.1 and FFmpeg 5.1.9 (Debian's shared libraries vs the static
# build's own), preset 10. Build both from the same tree, same buildtype.
set -euo pipefail
static=$(realpath "${1:-build-static/src/prepare_bodycam}")
dynamic=$(realpath "${2:-build/src/prepare_bodycam}")
secs=${SECONDS_OF_VIDEO:-20} size=${SIZE:-1280x720} runs=${RUNS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/pbc-bench-static.XXXXXX")
trap 'rm -rf "$work"' EXIT

bytes() { stat -L -c %s "$1"; }
stripped() { strip -o "$work/stripped" "$1" && bytes "$work/stripped"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
# the dynamic binary plus every shared library the loader maps for it
closure() {
  local total; total=$(bytes "$1")
  for lib in $(ldd "$1" | awk '/=> \// { print $3 } /^\t\// { print $1 }'); do
    total=$((total + $(bytes "$lib")))
  done
  echo "$total"
}
nlibs() { ldd "$1" | grep -c '=> /'; }

ffmpeg -v error -f lavfi -i "testsrc2=size=$size:rate=30" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$secs" \
  -c:v libx264 -preset veryfast -b:v 6M -pix_fmt yuv420p -c:a aac -b:a 128k \
  "$work/clip.mp4"
clip_bytes=$(bytes "$work/clip.mp4")
disc=$((clip_bytes * 3 / 4))

# one ENCODE run of binary $1 into a fresh build directory: "wall cpu" seconds
encode_once() {
  local TIMEFORMAT='%R %U %S' t
  rm -rf "$work/disc" "$work/log"
  t=$( { time "$1" --disc-bytes "$disc" --safety-bytes 0 --build-dir "$work/disc" \
           --logfile "$work/log" "$work/clip.mp4" > /dev/null 2>&1; } 2>&1 )
  grep -q '"mode": *"ENCODE"' "$work/disc/progress.completed.json"
  awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' <<< "$t"
}
median() { sort -n | sed -n "$(( (runs + 1) / 2 ))p"; }

# Interleaved, so that load from other work on the machine hits both alike.
: > "$work/static.t"; : > "$work/dynamic.t"
for ((i = 0; i < runs; i++)); do
  encode_once "$static" >> "$work/static.t"
  encode_once "$dynamic" >> "$work/dynamic.t"
done
ts=$(cut -d' ' -f1 "$work/static.t" | median)
td=$(cut -d' ' -f1 "$work/dynamic.t" | median)
cs=$(cut -d' ' -f2 "$work/static.t" | median)
cd_=$(cut -d' ' -f2 "$work/dynamic.t" | median)
frames=$((secs * 30))

echo "Clip: ${secs} s ${size} 30 fps H.264 + AAC ($(mib "$clip_bytes")), disc $disc bytes (ENCODE), median of $runs runs, $(nproc) cores."
echo
echo "| | static | dynamic |"
echo "| --- | --- | --- |"
echo "| binary as built | $(mib "$(bytes "$static")") | $(mib "$(bytes "$dynamic")") |"
echo "| binary stripped | $(mib "$(stripped "$static")") | $(mib "$(stripped "$dynamic")") |"
echo "| with its shared libraries | (none) | $(mib "$(closure "$dynamic")") in $(nlibs "$dynamic") libraries |"
echo "| ENCODE wall time | ${ts} s ($(awk -v f=$frames -v t="$ts" 'BEGIN { printf "%.1f", f / t }') fps) | ${td} s ($(awk -v f=$frames -v t="$td" 'BEGIN { printf "%.1f", f / t }') fps) |"
echo "| ENCODE CPU time (user + sys) | ${cs} s | ${cd_} s |"
echo "| speed ratio static/dynamic (wall; CPU) | $(awk -v a="$ts" -v b="$td" 'BEGIN { printf "%.2f", b / a }'); $(awk -v a="$cs" -v b="$cd_" 'BEGIN { printf "%.2f", b / a }') | 1.00 |"
