#!/bin/bash
# ENCODE benchmark: the in-process transcoder (tests/transcode/tc_encode,
# which calls transcode_clip()) against the command the original script
# ran, on the same clips at the same video bitrate and preset, in one run.
# Prints Markdown tables: wall time, CPU time (user + system) and peak RSS
# (/usr/bin/time -v, median of RUNS), output sizes, video frames and the
# achieved video bitrate, and the ratios. On a shared machine CPU time is
# the steadier figure; wall time moves with the other load.
#
# Usage: bench/encode.sh [BUILD_DIR]     (default: build)
# Env:   WORK=DIR     scratch directory (default: a new one under /tmp)
#        SECONDS_1080=N  length of the generated 1080p30 clip (default 30)
#        RUNS=N       runs per tool and clip, alternating; medians shown (3)
#        KEEP=1       keep WORK afterwards
# Needs: ffmpeg, ffprobe, /usr/bin/time, dpkg-deb and apt-get (for the
# real footage of Debian's forensics-samples-files; skipped if absent).
set -euo pipefail

BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
DRIVER=$BUILD/tests/transcode/tc_encode
WORK=${WORK:-$(mktemp -d /tmp/pbc-bench-encode.XXXXXX)}
SECONDS_1080=${SECONDS_1080:-30}
RUNS=${RUNS:-3}
PRESET=10  # SVT-AV1 1.4.1's default, which the original command gets

ninja -C "$BUILD" tests/transcode/tc_encode >/dev/null
mkdir -p "$WORK"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }

# --- clips -----------------------------------------------------------------
CLIPS=()
KBPS=()

# 1080p30 with camera-like sensor noise (temporal, uniform), 48 kHz audio.
gen1080=$WORK/gen_1080p30.mp4
[ -s "$gen1080" ] || ff -f lavfi -i "testsrc2=s=1920x1080:r=30:d=$SECONDS_1080" \
   -f lavfi -i "sine=f=300:d=$SECONDS_1080:sample_rate=48000" \
   -vf "noise=alls=10:allf=t+u" -c:v libx264 -preset ultrafast -crf 20 \
   -c:a aac -b:a 128k -ac 2 "$gen1080"
CLIPS+=("$gen1080"); KBPS+=(2500)

# 720p variable frame rate: runs of 7 frames, then 3 missing, for 20 s.
gen720=$WORK/gen_720p_vfr.mp4
[ -s "$gen720" ] || ff -f lavfi -i "testsrc2=s=1280x720:r=30:d=20" \
   -f lavfi -i "sine=f=500:d=20:sample_rate=48000" \
   -vf "noise=alls=8:allf=t+u,select='lt(mod(n\,10)\,7)'" -fps_mode vfr \
   -c:v libx264 -preset ultrafast -crf 20 -c:a aac -b:a 128k -ac 2 "$gen720"
CLIPS+=("$gen720"); KBPS+=(1200)

# Real footage: a phone clip (1080p, variable rate) and a 720p clip.
if [ -d "$WORK/fsf" ] ||
   (cd "$WORK" && apt-get download forensics-samples-files >/dev/null 2>&1 &&
    dpkg-deb -x forensics-samples-files_*.deb fsf); then
    base=$WORK/fsf/usr/share/forensics-samples/original-files
    CLIPS+=("$base/movie1/VID_20191220_170832.mp4"); KBPS+=(2500)
    CLIPS+=("$base/movie2/movie-hello.mp4"); KBPS+=(1200)
else
    echo "note: forensics-samples-files could not be downloaded; real footage skipped" >&2
fi

# --- measure ---------------------------------------------------------------
wall() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
         for (i = 1; i <= n; i++) s = s * 60 + t[i]; printf "%.2f", s }' "$1"; }
cpu()  { awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$1"; }
rss()  { awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$1"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
           END { printf "%s", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
frames() { ffprobe -v error -select_streams v -count_packets \
           -show_entries stream=nb_read_packets -of csv=p=0 "$1"; }
vrate() { ffprobe -v error -select_streams v -show_entries stream=bit_rate \
          -of csv=p=0 "$1" | awk '{ printf "%.0f", $1 / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

run_ours() {
    /usr/bin/time -v -o "$WORK/t" "$DRIVER" -p "$PRESET" "$1" "$WORK/ours.mp4" "$2" \
        >"$WORK/ours.log" 2>&1
}
# The original's command, verbatim but for -nostdin.
run_ffmpeg() {
    /usr/bin/time -v -o "$WORK/t" ffmpeg -nostdin -y -i "$1" -c:v libsvtav1 -b:v "${2}k" \
        -c:a libopus -b:a 64k -ac 1 -ar 24000 "$WORK/ffmpeg.mp4" >"$WORK/ffmpeg.log" 2>&1
}

echo "host: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); SVT-AV1 preset $PRESET;" \
     "median of $RUNS alternating runs; $(ffmpeg -version | head -1 | cut -d' ' -f1-3)"
echo
echo "| clip | kbps | tool | wall s | CPU s | peak RSS MB | output bytes | frames in/out | video kbit/s |"
echo "|---|---|---|---|---|---|---|---|---|"
summary=()
for i in "${!CLIPS[@]}"; do
    in=${CLIPS[$i]}; k=${KBPS[$i]}; name=$(basename "$in")
    declare -A W=() C=() R=()
    for r in $(seq "$RUNS"); do
        for tool in ours ffmpeg; do
            "run_$tool" "$in" "$k"
            W[$tool]="${W[$tool]:-} $(wall "$WORK/t")"
            C[$tool]="${C[$tool]:-} $(cpu "$WORK/t")"
            R[$tool]="${R[$tool]:-} $(rss "$WORK/t")"
        done
    done
    fin=$(frames "$in")
    declare -A MW=() MC=() MR=()
    for tool in ours ffmpeg; do
        MW[$tool]=$(median ${W[$tool]})
        MC[$tool]=$(median ${C[$tool]})
        MR[$tool]=$(median ${R[$tool]})
        out=$WORK/$tool.mp4
        echo "| $name | $k | $tool | ${MW[$tool]} | ${MC[$tool]} | ${MR[$tool]} | $(stat -c %s "$out") |" \
             "$fin/$(frames "$out") | $(vrate "$out") |"
    done
    summary+=("| $name | $(ratio "${MW[ours]}" "${MW[ffmpeg]}") | $(ratio "${MC[ours]}" "${MC[ffmpeg]}") |"\
" $(ratio "${MR[ours]}" "${MR[ffmpeg]}") |"\
" $(ratio "$(stat -c %s "$WORK/ours.mp4")" "$(stat -c %s "$WORK/ffmpeg.mp4")") |")
    unset W C R MW MC MR
done
echo
echo "| clip | wall ours/ffmpeg | CPU ours/ffmpeg | peak RSS ours/ffmpeg | size ours/ffmpeg |"
echo "|---|---|---|---|---|"
printf '%s\n' "${summary[@]}"
