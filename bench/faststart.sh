#!/bin/bash
# faststart: what moving moov before mdat costs (libavformat's second pass,
# which reads the finished file back and rewrites it shifted), and whether
# the budget model's MP4 bound still holds for our outputs.
#
# 1. Encodes a generated clip with tests/transcode/tc_encode (the product's
#    transcoder, which now writes +faststart).
# 2. Remuxes that output with the ffmpeg CLI (-c copy, the same mov muxer)
#    with and without +faststart, RUNS times each, alternating: the median
#    wall-time difference is the second pass's cost; sizes are compared.
# 3. For each output: file size - sum of packet sizes (ffprobe) against the
#    planner's bound PLAN_MP4_FILE_BYTES + _VIDEO_FRAME_BYTES x frames +
#    _AUDIO_PACKET_BYTES x packets (src/core/planner.h).
#
# Usage: bench/faststart.sh [BUILD_DIR]   (default: build)
# Env:   SECONDS_CLIP=N (default 60), KBPS=N video kbit/s (default 8000),
#        RUNS=N (default 5), WORK=DIR, KEEP=1
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
WORK=${WORK:-$(mktemp -d /tmp/pbc-bench-faststart.XXXXXX)}
SECONDS_CLIP=${SECONDS_CLIP:-60}
KBPS=${KBPS:-8000}
RUNS=${RUNS:-5}
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT
ninja -C "$BUILD" tests/transcode/tc_encode >/dev/null
H=$(sed -n 's/^#define PLAN_MP4_\([A-Z_]*\) \([0-9]*\).*/\1=\2/p' "$ROOT/src/core/planner.h")
FILE_B=$(echo "$H" | sed -n 's/^FILE_BYTES=//p')
VID_B=$(echo "$H" | sed -n 's/^VIDEO_FRAME_BYTES=//p')
AUD_B=$(echo "$H" | sed -n 's/^AUDIO_PACKET_BYTES=//p')

ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
ff -f lavfi -i "testsrc2=s=640x360:r=30:d=$SECONDS_CLIP" -f lavfi \
   -i "anoisesrc=d=$SECONDS_CLIP:a=0.3:r=48000" -vf "noise=alls=40:allf=t" \
   -c:v libx264 -preset ultrafast -crf 12 -c:a aac -ac 2 "$WORK/src.mp4"
"$BUILD/tests/transcode/tc_encode" -p 12 "$WORK/src.mp4" "$WORK/enc.mp4" "$KBPS" 2>/dev/null

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
: > "$WORK/t_plain"; : > "$WORK/t_fast"
for i in $(seq "$RUNS"); do
    t0=$(now); ff -i "$WORK/enc.mp4" -map 0 -c copy "$WORK/plain.mp4"; t1=$(now)
    ff -i "$WORK/enc.mp4" -map 0 -c copy -movflags +faststart "$WORK/fast.mp4"; t2=$(now)
    echo "$t1 - $t0" | bc >> "$WORK/t_plain"; echo "$t2 - $t1" | bc >> "$WORK/t_fast"
done
size() { stat -c %s "$1"; }
tp=$(median < "$WORK/t_plain"); tf=$(median < "$WORK/t_fast")
echo "| output | bytes | remux without / with +faststart (median of $RUNS) | second pass |"
echo "|---|---|---|---|"
printf '| %s s, %s kbit/s | %s | %.3f s / %.3f s | %+.3f s (%.0f ms per 100 MB) |\n' \
    "$SECONDS_CLIP" "$KBPS" "$(size "$WORK/enc.mp4")" "$tp" "$tf" "$(echo "$tf - $tp" | bc)" \
    "$(echo "($tf - $tp) * 1000 * 100000000 / $(size "$WORK/enc.mp4")" | bc -l)"
echo "size without faststart $(size "$WORK/plain.mp4"), with $(size "$WORK/fast.mp4")"
echo
echo "| file | bytes | packets' bytes | overhead | video frames | audio packets | bound |"
echo "|---|---|---|---|---|---|---|"
for f in "$@" "$WORK/enc.mp4" "$BUILD"/tests/transcode/out_*.mp4; do
    [ -f "$f" ] || continue
    case $f in *.mp4) ;; *) continue ;; esac
    pk=$(ffprobe -v error -show_entries packet=size -of csv=p=0 "$f" | awk '{s+=$1} END {print s+0}')
    vf=$(ffprobe -v error -select_streams v -count_packets -show_entries stream=nb_read_packets -of default=nw=1:nk=1 "$f" | head -1)
    ap=$(ffprobe -v error -select_streams a -count_packets -show_entries stream=nb_read_packets -of default=nw=1:nk=1 "$f" | head -1)
    ap=${ap:-0}
    sz=$(size "$f")
    echo "| $(basename "$f") | $sz | $pk | $((sz - pk)) | $vf | $ap | $((FILE_B + VID_B * vf + AUD_B * ap)) |"
done
