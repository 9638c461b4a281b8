#!/bin/bash
# Parallel benchmark (issue 11): --jobs 1 against --jobs 2 and the
# automatic choice (--jobs 0), in one run, on one batch of clips of mixed
# resolution that must be re-encoded (budget BUDGET % of its bytes):
#   wall time, CPU time, CPU utilisation = CPU time / wall / cores, peak RSS
#   of the process, fill (bytes of the build directory in whole sectors /
#   disc bytes), exit code and final-guard re-encodes, and the jobs chosen;
# then each resolution's clip alone at --threads 1 and 2 (--jobs 1): its
# utilisation (CPU time / wall, in cores) and the speed-up of the second
# thread, from which it sketches the expected speed-up of --jobs on a
# 16-core machine (Amdahl on the 1 -> 2 thread speed-up; to be checked on
# a real 16-core machine).
#
# Usage: bench/parallel.sh [BINARY]    (default: build/src/prepare_bodycam)
# Env:   WORK=DIR     fixtures and runs (default /tmp/pbc-parallel; fixtures
#                     are reused when present, runs are redone)
#        CORPUS=DIR   use the clips (*.mp4) of DIR instead, e.g. the fit
#                     corpus: CORPUS=/tmp/pbc-fit/clips (bench/fit.sh makes it)
#        BUDGET=20    disc bytes in % of the corpus's bytes
#        JOBS="1 2 0" the --jobs values compared (0: automatic)
#        SCALE=1      1: the default corpus (8 clips, 58 s); 0: a small one
#                     (8 clips, 12 s) to try the script
# Needs: ffmpeg, ffprobe (with libx264), /usr/bin/time.
set -eu
set -o pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
BIN=$(bench_binary "${1:-}")
WORK=${WORK:-/tmp/pbc-parallel}
BUDGET=${BUDGET:-20}
JOBS=${JOBS:-1 2 0}
SCALE=${SCALE:-1}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
CORES=$(nproc)

ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
# gen NAME SECONDS SIZE BITRATE SOURCE: x264 at a body camera's bitrate,
# sensor-like noise, AAC stereo (a voice-band tone with noise).
gen() {
    local out=$C/$1.mp4
    [ -s "$out" ] && return 0
    ff -f lavfi -i "$5,noise=alls=10:allf=t+u" \
       -f lavfi -i "aevalsrc=0.3*sin(2*PI*220*t)*(0.6+0.4*sin(2*PI*3*t))+0.05*(random(0)-0.5):s=48000:c=stereo" \
       -t "$2" -c:v libx264 -preset veryfast -b:v "$4" -maxrate "$4" -bufsize "$4" -pix_fmt yuv420p \
       -c:a aac -b:a 128k "$out.tmp.mp4"
    mv "$out.tmp.mp4" "$out"
}

if [ -n "${CORPUS:-}" ]; then
    C=$(cd "$CORPUS" && pwd)
else
    C=$WORK/clips$([ "$SCALE" = 1 ] || echo -small)
    mkdir -p "$C"
    s() { [ "$SCALE" = 1 ] && echo "$1" || echo "$2"; }
    echo "fixtures in $C" >&2
    gen a1080_day   "$(s 10 2)" 1920x1080 10M "testsrc2=s=1920x1080:r=30"
    gen b1080_night "$(s 6 1)"  1920x1080 10M "gradients=s=1920x1080:r=30:speed=0.02"
    gen c720_street "$(s 10 2)" 1280x720 5M "testsrc2=s=1280x720:r=30"
    gen d720_detail "$(s 8 2)"  1280x720 5M "mandelbrot=s=1280x720:r=30"
    gen e720_walk   "$(s 6 1)"  1280x720 5M "testsrc=s=1280x720:r=30"
    gen f480_car    "$(s 8 2)"  854x480 2M "testsrc2=s=854x480:r=30"
    gen g480_night  "$(s 6 1)"  854x480 2M "gradients=s=854x480:r=30:speed=0.05"
    gen h480_desk   "$(s 4 1)"  854x480 2M "testsrc=s=854x480:r=30"
fi
CLIPS=("$C"/*.mp4)
[ ${#CLIPS[@]} -ge 2 ] || { echo "fewer than 2 clips in $C" >&2; exit 1; }

total_bytes=0
total_s=0
for f in "${CLIPS[@]}"; do
    total_bytes=$((total_bytes + $(stat -c %s "$f")))
    total_s=$(awk -v a="$total_s" -v b="$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f")" \
              'BEGIN { printf "%.3f", a + b }')
done
B=$((total_bytes * BUDGET / 100))

TIMEF='%e %U %S %M'
sectors() { find "$1" -type f -printf '%s\n' | awk '{ t += int(($1 + 2047) / 2048) * 2048 } END { printf "%d", t }'; }
# run DIR ARGS...: one timed run; sets wall cpu rss rc
run() {
    local dir=$1
    shift
    rm -rf "$dir"
    set +e
    /usr/bin/time -f "$TIMEF" -o "$dir.time" "$BIN" --build-dir "$dir" --logfile "$dir.log" \
        --safety-bytes 0 -q "$@" >/dev/null 2>"$dir.err"
    rc=$?
    set -e
    read -r wall u s rss <"$dir.time"
    cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.1f", u + s }')
}

ROWS=()
declare -A WALL
for j in $JOBS; do
    R=$WORK/runs/jobs$j
    mkdir -p "$WORK/runs"
    load=$(cut -d' ' -f1 /proc/loadavg)
    run "$R" --disc-bytes "$B" --jobs "$j" "${CLIPS[@]}"
    WALL[$j]=$wall
    chosen=$(sed -n 's/.*\] jobs: \([0-9]*\) at once.*/\1/p' "$R.log" | head -1)
    guard=$(grep -c 'final guard: the outputs need .* re-encoding' "$R.log" || true)
    fill=$(awk -v a="$([ -d "$R" ] && sectors "$R" || echo 0)" -v b="$B" 'BEGIN { printf "%.4f", a / b }')
    util=$(awk -v c="$cpu" -v w="$wall" -v n="$CORES" 'BEGIN { printf "%.0f", 100 * c / w / n }')
    ROWS+=("| $([ "$j" = 0 ] && echo "0 (auto)" || echo "$j") | ${chosen:-1} | $wall | $cpu | $util % | $((rss / 1024)) | $fill | $rc | $guard | $load |")
    echo "--jobs $j done: ${wall} s, exit $rc" >&2
done

# Each resolution's first clip alone, at 1 and 2 threads.
PCROWS=()
SKETCH=()
declare -A seen
for f in "${CLIPS[@]}"; do
    res=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0:s=x "$f")
    [ -n "${seen[$res]:-}" ] && continue
    seen[$res]=1
    n=$(basename "${f%.*}")
    fb=$(( $(stat -c %s "$f") * BUDGET / 100 ))
    run "$WORK/runs/${n}_t1" --disc-bytes "$fb" --jobs 1 --threads 1 "$f"
    w1=$wall c1=$cpu r1=$rss
    run "$WORK/runs/${n}_t2" --disc-bytes "$fb" --jobs 1 --threads 2 "$f"
    w2=$wall c2=$cpu
    # u1: cores one encode keeps busy at one thread; s2: the second
    # thread's speed-up; Amdahl's serial fraction f = 2/s2 - 1 gives one
    # encode on 16 threads s16 = 1 / (f + (1 - f) / 16). 16 jobs of one
    # thread each run 16 / u1 clips at once per 16 cores' worth of
    # one-thread speed (no more than 16 x, memory and bandwidth allowing):
    # expected --jobs speed-up over --jobs 1 = min(16, 16 / u1) / s16.
    PCROWS+=("| $n | $res | $w1 | $c1 | $(awk -v c="$c1" -v w="$w1" 'BEGIN { printf "%.2f", c / w }') | $w2 | $c2 | $(awk -v c="$c2" -v w="$w2" 'BEGIN { printf "%.2f", c / w }') | $(awk -v a="$w1" -v b="$w2" 'BEGIN { printf "%.2f", a / b }') | $((r1 / 1024)) |")
    SKETCH+=("$(awk -v w1="$w1" -v w2="$w2" -v c1="$c1" -v n="$n" -v res="$res" 'BEGIN {
        u1 = c1 / w1; s2 = w1 / w2; f = 2 / s2 - 1; if (f < 0) f = 0; if (f > 1) f = 1
        s16 = 1 / (f + (1 - f) / 16); par = 16 / u1; if (par > 16) par = 16
        printf "| %s | %s | %.2f | %.2f | %.2f | %.1f | %.1f | %.1f |", n, res, u1, s2, f, s16, par, par / s16 }')")
    echo "$n alone done" >&2
done

echo "host: $CORES cores, load now $(cut -d' ' -f1-3 /proc/loadavg), MemAvailable $(awk '/MemAvailable/ { printf "%.1f GB", $2 / 1e6 }' /proc/meminfo); $("$BIN" --version | head -1)"
echo "corpus: ${#CLIPS[@]} clips in $C, $total_bytes bytes, $total_s s; disc $B bytes ($BUDGET %)"
echo
echo "| --jobs | jobs run | wall s | CPU s | CPU utilisation | peak RSS MB | fill | exit | guard re-encodes | load at start |"
echo "|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
echo
for j in $JOBS; do
    [ "$j" = 1 ] && continue
    [ -n "${WALL[1]:-}" ] && echo "speed-up of --jobs $j over --jobs 1: $(awk -v a="${WALL[1]}" -v b="${WALL[$j]}" 'BEGIN { printf "%.2f", a / b }') x"
done
echo
echo "| clip alone | size | 1 thread: wall s | CPU s | cores busy | 2 threads: wall s | CPU s | cores busy | speed-up 1 -> 2 | peak RSS MB (1 thread) |"
echo "|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${PCROWS[@]}"
echo
echo "16-core sketch (Amdahl from the 1 -> 2 thread speed-up; not measured):"
echo
echo "| clip | size | u1 (cores busy, 1 thread) | s2 | serial fraction | one encode on 16 threads: speed-up | 16 jobs of 1 thread: speed-up | expected --jobs gain |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${SKETCH[@]}"
