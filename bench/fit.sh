#!/bin/bash
# Fit benchmark (issue 4): does the ENCODE budget fill the disc without
# overflowing it? On a corpus of camera-like clips (generated 1080p/720p
# with sensor noise and audio, a variable-frame-rate clip, a clip without
# audio, a clip whose audio starts late, and real footage from Debian's
# forensics-samples-files), at disc budgets of 40 %, 20 %, 10 % and 5 % of
# the corpus's size, it runs
#   ours:   prepare_bodycam --disc-bytes B --safety-bytes 0 (preset 10)
#           fill = bytes of the build directory on disc (every file rounded
#           up to 2048-byte sectors) / B; fits = exit 0 and that <= B;
#   ffmpeg: the original's kbps = B x 8 / total seconds / 1000 and its
#           command per clip (libsvtav1 -b:v kbps, libopus 64k mono 24 kHz);
#           fill = sum of the output sizes / B; fits = that <= B,
# and prints Markdown tables: per budget and tool, fits, fill, wall and CPU
# time, exit code and final-guard re-encodes; per clip, our target and
# output bytes against ffmpeg's; the ratios and our median/min fill.
#
# Usage: bench/fit.sh [BINARY]     (default: build/src/prepare_bodycam)
# Env:   WORK=DIR      fixtures and runs (default /tmp/pbc-fit; fixtures are
#                      reused when present, runs are redone)
#        BUDGETS="40 20 10 5"   budgets in % of the corpus's bytes
# Needs: ffmpeg, ffprobe (FFmpeg with libsvtav1, libopus, libx264),
#        /usr/bin/time, apt-get and dpkg-deb (real footage; skipped if the
#        package cannot be downloaded).
set -eu
set -o pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
BIN=$(bench_binary "${1:-}")
WORK=${WORK:-/tmp/pbc-fit}
BUDGETS=${BUDGETS:-40 20 10 5}
mkdir -p "$WORK/clips"
WORK=$(cd "$WORK" && pwd)
C=$WORK/clips

ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
# gen NAME SECONDS SIZE BITRATE VIDEO_FILTERGRAPH_SOURCE AUDIO_SOURCE|none [extra output options]
# x264 at a body camera's bitrate (1-pass, capped), AAC 128k stereo 48 kHz.
gen() {
    local name=$1 d=$2 s=$3 br=$4 vsrc=$5 asrc=$6
    shift 6
    local out=$C/$name.mp4 ain=()
    [ -s "$out" ] && return 0
    [ "$asrc" = none ] || ain=(-f lavfi -i "$asrc")
    ff -f lavfi -i "$vsrc" "${ain[@]}" -t "$d" "$@" \
       -c:v libx264 -preset veryfast -b:v "$br" -maxrate "$br" -bufsize "$br" -pix_fmt yuv420p \
       $([ "$asrc" = none ] && echo -an || echo -c:a aac -b:a 128k -ac 2) "$out.tmp.mp4"
    mv "$out.tmp.mp4" "$out"
}

echo "fixtures in $C" >&2
# Audio: a siren (600 +- 200 Hz wail), street noise (pink), voice-band tone
# + noise; with libopus's default VBR (the original's command) tones cost
# more than the nominal rate.
SIREN="aevalsrc=0.4*sin(2*PI*(600*t-200/(2*PI*0.5)*cos(2*PI*0.5*t))):s=48000:c=stereo"
PINK="anoisesrc=c=pink:a=0.15:r=48000"
VOICE="aevalsrc=0.3*sin(2*PI*220*t)*(0.6+0.4*sin(2*PI*3*t))+0.05*(random(0)-0.5):s=48000:c=stereo"
# 1080p30, daylight: test pattern with moving parts, mild sensor noise.
gen c1080_day 12 1920x1080 10M "testsrc2=s=1920x1080:r=30,noise=alls=8:allf=t+u" "$SIREN"
# 1080p30, low light: slow gradients under heavy temporal noise.
gen c1080_night 8 1920x1080 10M "gradients=s=1920x1080:r=30:speed=0.02,noise=alls=22:allf=t+u" "$PINK"
# 720p30: pattern + light noise; a zooming fractal (fine detail) + noise.
gen c720_street 10 1280x720 5M "testsrc2=s=1280x720:r=30,noise=alls=6:allf=t+u" "$VOICE"
gen c720_detail 15 1280x720 5M "mandelbrot=s=1280x720:r=30,noise=alls=12:allf=t+u" "$PINK"
# 720p variable frame rate: frames dropped in an irregular pattern (1/30,
# 2/30 and 3/30 s intervals), timestamps kept.
gen c720_vfr 12 1280x720 5M \
    "testsrc2=s=1280x720:r=30,noise=alls=8:allf=t+u,select='not(eq(mod(n\,10)\,3))*not(eq(mod(n\,7)\,5))*not(eq(mod(n\,13)\,6)+eq(mod(n\,13)\,7))'" \
    "$VOICE" -fps_mode vfr
# 720p30 without audio.
gen c720_noaudio 8 1280x720 5M "testsrc=s=1280x720:r=30,noise=alls=10:allf=t+u" none
# 720p30 whose audio starts 3 s after the video.
if [ ! -s "$C/c720_lateaudio.mp4" ]; then
    ff -f lavfi -i "testsrc2=s=1280x720:r=30:d=10,hue=H=2*PI*t/10,noise=alls=8:allf=t+u" \
       -itsoffset 3 -f lavfi -i "$PINK:d=7" \
       -c:v libx264 -preset veryfast -b:v 5M -maxrate 5M -bufsize 5M -pix_fmt yuv420p \
       -c:a aac -b:a 128k -ac 2 "$C/c720_lateaudio.tmp.mp4"
    mv "$C/c720_lateaudio.tmp.mp4" "$C/c720_lateaudio.mp4"
fi
CLIPS=("$C"/c1080_day.mp4 "$C"/c1080_night.mp4 "$C"/c720_street.mp4 "$C"/c720_detail.mp4
       "$C"/c720_vfr.mp4 "$C"/c720_noaudio.mp4 "$C"/c720_lateaudio.mp4)
# Real footage: a phone clip (1080p, variable rate, 1.6 s) and a 720p clip.
FSF=$WORK/fsf/usr/share/forensics-samples/original-files
if [ -d "$FSF" ] ||
   (cd "$WORK" && apt-get download forensics-samples-files >/dev/null 2>&1 &&
    dpkg-deb -x forensics-samples-files_*.deb fsf); then
    CLIPS+=("$FSF/movie1/VID_20191220_170832.mp4" "$FSF/movie2/movie-hello.mp4")
else
    echo "note: forensics-samples-files could not be downloaded; real footage skipped" >&2
fi

# --- the corpus -------------------------------------------------------------
dur() { ffprobe -v error -show_entries format=duration -of csv=p=0 "$1"; }
total_bytes=0
total_s=0
echo "| clip | bytes | seconds | video, distinct frame intervals | frames | audio |"
echo "|---|---|---|---|---|---|"
for f in "${CLIPS[@]}"; do
    b=$(stat -c %s "$f"); d=$(dur "$f")
    total_bytes=$((total_bytes + b))
    total_s=$(awk -v a="$total_s" -v b="$d" 'BEGIN { printf "%.6f", a + b }')
    v=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height,avg_frame_rate,r_frame_rate \
        -of csv=p=0 "$f" | awk -F, '{ printf "%sx%s %s (r %s)", $1, $2, $3, $4 }')
    n=$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets \
        -of csv=p=0 "$f")
    # Frame intervals (presentation order): distinct values and range, in ms;
    # a variable frame rate shows more than one.
    fd=$(ffprobe -v error -select_streams v:0 -show_entries packet=pts_time -of csv=p=0 "$f" |
         sort -g | awk 'NR > 1 { d = sprintf("%.1f", ($1 - p) * 1000); if (!(d in s)) { s[d]; n++ }
                               if (NR == 2 || d + 0 < lo) lo = d + 0; if (d + 0 > hi) hi = d + 0 }
                        { p = $1 } END { printf "%d (%.1f-%.1f ms)", n, lo, hi }')
    a=$(ffprobe -v error -select_streams a:0 -show_entries stream=codec_name,start_time \
        -of csv=p=0 "$f" | awk -F, '{ printf "%s from %.2f s", $1, $2 }')
    echo "| $(basename "$f") | $b | $d | $v, frame intervals: $fd | $n | ${a:-none} |"
done
echo
echo "corpus: ${#CLIPS[@]} clips, $total_bytes bytes, $total_s s"
echo

# --- runs -------------------------------------------------------------------
TIMEF='%e %U %S'
sectors() { find "$1" -type f -printf '%s\n' | awk '{ t += int(($1 + 2047) / 2048) * 2048 } END { printf "%d", t }'; }
fmt() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f", a / b }'; }
ROWS=()
RATIOS=()
CLIPROWS=()
OURS_FILLS=()
for pct in $BUDGETS; do
    B=$((total_bytes * pct / 100))
    R=$WORK/runs/p$pct
    rm -rf "$R"
    mkdir -p "$R/ffmpeg"
    # ours
    set +e
    /usr/bin/time -f "$TIMEF" -o "$R/ours.time" "$BIN" --build-dir "$R/ours" --logfile "$R/ours.log" \
        --disc-bytes "$B" --safety-bytes 0 -q "${CLIPS[@]}" >/dev/null 2>"$R/ours.err"
    rc=$?
    set -e
    read -r ow ou os <"$R/ours.time"
    guard=$(grep -c 'final guard: the outputs need .* re-encoding' "$R/ours.log" || true)
    if [ -d "$R/ours" ]; then ob=$(sectors "$R/ours"); else ob=0; fi
    if grep -q 'the batch cannot fit' "$R/ours.log"; then
        ofits=infeasible
    elif [ "$rc" = 0 ] && [ "$ob" -le "$B" ]; then ofits=yes; else ofits=NO; fi
    ofill=$(fmt "$ob" "$B")
    [ "$ofits" = infeasible ] || OURS_FILLS+=("$ofill")
    ROWS+=("| $pct % | ours | $ofits | $ofill | $ow | $(awk -v u="$ou" -v s="$os" 'BEGIN { print u + s }') | $rc | $guard |")
    # the original: one total bitrate, nothing subtracted
    kbps=$(awk -v b="$B" -v s="$total_s" 'BEGIN { printf "%d", b * 8 / s / 1000 }')
    fw=0; fc=0; frc=0
    for f in "${CLIPS[@]}"; do
        out=$R/ffmpeg/$(basename "${f%.*}").mp4
        set +e
        /usr/bin/time -f "$TIMEF" -o "$R/ffmpeg.time" ffmpeg -nostdin -y -i "$f" -c:v libsvtav1 -b:v "${kbps}k" \
            -c:a libopus -b:a 64k -ac 1 -ar 24000 "$out" >>"$R/ffmpeg.log" 2>&1
        r=$?
        set -e
        [ "$r" = 0 ] || frc=$r
        read -r w u s <"$R/ffmpeg.time"
        fw=$(awk -v a="$fw" -v b="$w" 'BEGIN { print a + b }')
        fc=$(awk -v a="$fc" -v b="$u" -v c="$s" 'BEGIN { print a + b + c }')
    done
    fb=$(find "$R/ffmpeg" -type f -printf '%s\n' | awk '{ t += $1 } END { printf "%d", t }')
    if [ "$fb" -le "$B" ]; then ffits=yes; else ffits=NO; fi
    ROWS+=("| $pct % | ffmpeg ($kbps kbit/s) | $ffits | $(fmt "$fb" "$B") | $fw | $fc | $frc | - |")
    # The build directory's own files: the planner's bound against what they take.
    obound=$(sed -n "s/.*budget: - build directory's files *\([0-9]*\).*/\1/p" "$R/ours.log" | head -1)
    oreal=0
    [ -d "$R/ours" ] && oreal=$(find "$R/ours" -type f ! -name '*.mp4' -printf '%s\n' |
                                awk '{ t += int(($1 + 2047) / 2048) * 2048 } END { printf "%d", t }')
    RATIOS+=("| $pct % | $B | $(fmt "$ow" "$fw") | $(fmt "$ob" "$fb") | ${obound:--} / $oreal |")
    # per clip: our target(s) and size against ffmpeg's
    for f in "${CLIPS[@]}"; do
        n=$(basename "${f%.*}").mp4
        t=$(grep -o " $n: done, [0-9]* bytes at [0-9]* kbit/s" "$R/ours.log" | awk '{ print $(NF - 1) }' |
            paste -sd/ || true)
        osz=$( [ -f "$R/ours/$n" ] && stat -c %s "$R/ours/$n" || echo -)
        CLIPROWS+=("| $pct % | $n | ${t:--} | $osz | $kbps | $(stat -c %s "$R/ffmpeg/$n") |")
    done
    echo "budget $pct % done: ours $ofits $ofill (exit $rc), ffmpeg $ffits $(fmt "$fb" "$B")" >&2
done

echo "host: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(ffmpeg -version | head -1 | cut -d' ' -f1-3); $("$BIN" --version | head -1)"
echo
echo "| budget | tool | fits | fill | wall s | CPU s | exit | guard re-encodes |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "| budget | usable bytes | wall ours/ffmpeg | bytes ours/ffmpeg | ours: own files bound / on disc |"
echo "|---|---|---|---|---|"
printf '%s\n' "${RATIOS[@]}"
echo
echo "| budget | clip | ours kbit/s (video target; re-encodes after /) | ours bytes | ffmpeg kbit/s (total) | ffmpeg bytes |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${CLIPROWS[@]}"
echo
if [ ${#OURS_FILLS[@]} -gt 0 ]; then
    printf '%s\n' "${OURS_FILLS[@]}" | sort -g | awk '{ v[NR] = $1 } END {
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
        printf "ours over %d feasible budgets: median fill %.4f, min fill %.4f\n", NR, m, v[1] }'
fi
