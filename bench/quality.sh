#!/bin/bash
# Quality benchmark (issue 9): --balance bitrate against --balance quality
# under one byte budget. On a corpus of clips of very different difficulty
# made at run time (near-static low light, a walk with camera shake made by
# a moving crop over real footage or a fine fractal, high motion under heavy
# sensor noise, screen text), plus the real clips of Debian's
# forensics-samples-files, at budgets of 30 %, 15 % and 8 % of the corpus's
# bytes, it runs both modes and prints Markdown tables: per run fits, fill,
# worst and best PSNR-Y and their spread, mean SSIM-Y, wall time, the
# analysis's time and its share of the rest, encode passes per clip (guard
# and fill re-encodes included); per clip PSNR-Y, SSIM-Y, bytes, planned
# kbit/s, predicted against measured bytes and PSNR-Y.
#
# PSNR-Y and SSIM-Y are the program's own (recorded in progress.json; they
# match ffmpeg's psnr/ssim filters, see docs/BENCHMARKS.md "Quality").
#
# Usage: bench/quality.sh [BINARY]   (default: build/src/prepare_bodycam)
# Env:   WORK=DIR        fixtures and runs (default /tmp/pbc-quality)
#        DUR=20          seconds of each generated clip
#        SIZE=1280x720   their frame size
#        BUDGETS="30 15 8"
#        REAL=1          0: leave out forensics-samples-files
#        MODES="bitrate quality"   the --balance modes to run
#        COST=1          0: leave out the measurement-cost table
# A reduced corpus for a first try: DUR=4 SIZE=640x360 BUDGETS=15 REAL=0.
# Needs: ffmpeg and ffprobe (libx264), python3, /usr/bin/time; apt-get and
#        dpkg-deb for the real clips.
set -eu
set -o pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/lib.sh"
BIN=$(bench_binary "${1:-}")
WORK=${WORK:-/tmp/pbc-quality}
DUR=${DUR:-20}
SIZE=${SIZE:-1280x720}
BUDGETS=${BUDGETS:-30 15 8}
REAL=${REAL:-1}
MODES=${MODES:-bitrate quality}
COST=${COST:-1}
W=${SIZE%x*}
H=${SIZE#*x}
C=$WORK/clips-${SIZE}-${DUR}s
mkdir -p "$C"

ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
# gen NAME VIDEO_FILTERGRAPH: DUR seconds at a body camera's rate (x264,
# 1-pass, capped at 8 kbit/s per 1000 pixels), with street-noise audio.
gen() {
    local out=$C/$1.mp4 br=$(( W * H * 8 / 1000 ))k
    [ -s "$out" ] && return 0
    ff -f lavfi -i "$2" -f lavfi -i "anoisesrc=c=pink:a=0.1:r=48000" -t "$DUR" \
       -c:v libx264 -preset veryfast -b:v "$br" -maxrate "$br" -bufsize "$br" -pix_fmt yuv420p \
       -c:a aac -b:a 96k -ac 2 "$out.tmp.mp4"
    mv "$out.tmp.mp4" "$out"
}

REALDIR=$WORK/fsf/usr/share/forensics-samples/original-files
if [ "$REAL" = 1 ] && [ ! -d "$REALDIR" ]; then
    (cd "$WORK" && apt-get download forensics-samples-files >/dev/null 2>&1 &&
     dpkg-deb -x forensics-samples-files_*.deb fsf) ||
        echo "note: forensics-samples-files could not be downloaded; real clips left out" >&2
fi
# The walk: a crop of 80 % moving in a shaky path (steps at about 2 Hz, a
# faster tremor) over real footage looped, or over a fine-detail fractal.
SHAKE="crop=w=iw*0.8:h=ih*0.8:x=(iw-ow)/2*(1+0.8*sin(2*PI*2*t)+0.15*sin(2*PI*9*t)):y=(ih-oh)/2*(1+0.6*sin(2*PI*4*t+1)+0.2*sin(2*PI*11*t)),scale=$W:$H"
if [ -s "$REALDIR/movie2/movie-hello.mp4" ] && [ ! -s "$C/walk_shake.mp4" ]; then
    ff -stream_loop -1 -i "$REALDIR/movie2/movie-hello.mp4" -f lavfi -i "anoisesrc=c=pink:a=0.1:r=48000" \
       -t "$DUR" -map 0:v -map 1:a -vf "scale=$((W * 5 / 4)):$((H * 5 / 4)),$SHAKE,noise=alls=6:allf=t" \
       -c:v libx264 -preset veryfast -b:v $(( W * H * 8 / 1000 ))k -maxrate $(( W * H * 8 / 1000 ))k \
       -bufsize $(( W * H * 8 / 1000 ))k -pix_fmt yuv420p -c:a aac -b:a 96k -ac 2 "$C/walk_shake.tmp.mp4"
    mv "$C/walk_shake.tmp.mp4" "$C/walk_shake.mp4"
fi
gen walk_shake "mandelbrot=s=$((W * 5 / 4))x$((H * 5 / 4)):r=30,$SHAKE,noise=alls=6:allf=t"
# Night, parked: slow dark gradients, a little sensor noise.
gen night_static "gradients=s=$SIZE:r=30:speed=0.005,eq=brightness=-0.25:contrast=0.5,noise=alls=4:allf=t"
# A chase: the pattern moving and changing colour fast, heavy noise.
gen motion_noise "testsrc2=s=$SIZE:r=30,hue=H=2*PI*t:s=1.5,rotate=0.4*sin(2*PI*t),noise=alls=30:allf=t+u"
# Screen text: a terminal page in a monospace font, scrolling a line every
# half second (left out when no monospace font is installed).
FONT=$(fc-match -f '%{file}' monospace 2>/dev/null || true)
if [ -n "$FONT" ] && [ -f "$FONT" ]; then
    [ -s "$C/text.txt" ] || for i in $(seq 1 400); do
        printf '%04d %s\n' "$i" "$(echo "evidence item $i, case 24-$((i * 37 % 1000)): frame $((i * 131)) ok; sha256 $(echo $i | sha256sum | cut -c1-24)")"
    done > "$C/text.txt"
    gen screen_text "color=c=0x101418:s=$SIZE:r=30,drawtext=fontfile=$FONT:textfile=$C/text.txt:fontcolor=0xd8d8d8:fontsize=$((H / 30)):line_spacing=$((H / 120)):x=8:y=8-floor(t*2)*$((H / 30 + H / 120))"
fi
CLIPS=("$C"/night_static.mp4 "$C"/walk_shake.mp4 "$C"/motion_noise.mp4)
[ -s "$C/screen_text.mp4" ] && CLIPS+=("$C"/screen_text.mp4)
[ "$REAL" = 1 ] && [ -d "$REALDIR" ] &&
    CLIPS+=("$REALDIR/movie1/VID_20191220_170832.mp4" "$REALDIR/movie2/movie-hello.mp4")

total=0
echo "| clip | bytes | seconds | video |"
echo "|---|---|---|---|"
for f in "${CLIPS[@]}"; do
    b=$(stat -c %s "$f"); total=$((total + b))
    echo "| $(basename "$f") | $b | $(ffprobe -v error -show_entries format=duration -of csv=p=0 "$f") |" \
         "$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height,avg_frame_rate -of csv=p=0 "$f") |"
done
echo
echo "corpus: ${#CLIPS[@]} clips, $total bytes"
echo

mkdir -p "$WORK/runs"
sectors() { find "$1" -type f -printf '%s\n' | awk '{ t += int(($1 + 2047) / 2048) * 2048 } END { printf "%d", t }'; }
RUNS=()
CLIPROWS=()
for pct in $BUDGETS; do
    B=$((total * pct / 100))
    for mode in $MODES; do
        R=$WORK/runs/p$pct-$mode
        rm -rf "$R" "$R.log"
        set +e
        /usr/bin/time -f '%e' -o "$R.time" "$BIN" --balance "$mode" --build-dir "$R" --logfile "$R.log" \
            --disc-bytes "$B" --safety-bytes 0 -q "${CLIPS[@]}" >/dev/null 2>"$R.err"
        rc=$?
        set -e
        wall=$(tail -n 1 "$R.time")
        used=$( [ -d "$R" ] && sectors "$R" || echo 0)
        # The analysis's own clock (quality mode), from the log file (-q
        # quiets stdout only).
        an=$(sed -n 's/.*analysis took \([0-9.]*\) s.*/\1/p' "$R.log" | head -1)
        RUNS+=("$(python3 - "$R" "$pct" "$mode" "$B" "$used" "$rc" "$wall" "${an:-0}" <<'PY'
import json, sys, os
r, pct, mode, B, used, rc, wall, an = sys.argv[1:]
B, used, rc, wall, an = int(B), int(used), int(rc), float(wall), float(an)
path = os.path.join(r, "progress.completed.json")
if not os.path.exists(path):
    path = os.path.join(r, "progress.json")
p = json.load(open(path)) if os.path.exists(path) else {"clips": []}
ps = [c.get("psnr_y") for c in p["clips"] if c.get("psnr_y") is not None]
ss = [c.get("ssim") for c in p["clips"] if c.get("ssim") is not None]
enc = [c["encodes"] for c in p["clips"]]
fits = "yes" if rc == 0 and used <= B else "NO"
worst = min(ps) if ps else float("nan")
best = max(ps) if ps else float("nan")
share = an / (wall - an) if an and wall > an else 0
print(f"| {pct} % | {mode} | {fits} | {used / B:.4f} | {worst:.2f} | {best:.2f} | {best - worst:.2f} | "
      f"{sum(ss) / max(len(ss), 1):.4f} | {wall:.1f} | {an:.1f} ({100 * share:.1f} %) | "
      f"{sum(enc) / max(len(enc), 1):.2f} | {rc} |")
PY
)")
        while IFS= read -r row; do CLIPROWS+=("$row"); done < <(python3 - "$R" "$pct" "$mode" <<'PY'
import json, sys, os, re
r, pct, mode = sys.argv[1:]
path = os.path.join(r, "progress.completed.json")
if not os.path.exists(path):
    path = os.path.join(r, "progress.json")
if not os.path.exists(path):
    sys.exit(0)
p = json.load(open(path))
# The first encode's measured size against the model's prediction at its target.
first = {}
for line in open(r + ".log"):
    m = re.search(r"\] (\S+): size (\d+) bytes, predicted (\d+) at (\d+) kbit/s: ratio ([0-9.]+); "
                  r"PSNR-Y ([0-9.]+)", line)
    if m and m.group(1) not in first:
        first[m.group(1)] = (float(m.group(5)), float(m.group(6)))
for c in p["clips"]:
    q = lambda k, f: (f % c[k]) if c.get(k) is not None else "-"
    ratio, psnr1 = first.get(c["name"], (float("nan"), float("nan")))
    err = (f"{psnr1 - c['predicted_psnr_y']:+.2f}" if c.get("predicted_psnr_y") is not None
           else "-")
    print(f"| {pct} % | {mode} | {c['name']} | {q('psnr_y', '%.2f')} | {q('ssim', '%.4f')} | "
          f"{c['output_size']} | {c.get('planned_kbps', '-')} / {c['target_kbps']} | "
          f"{ratio:.3f} | {q('predicted_psnr_y', '%.2f')} | {err} | {c['encodes']} |")
PY
)
        echo "budget $pct % $mode: exit $rc, $(tail -n 1 "$R.time") s" >&2
    done
done

echo "host: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $("$BIN" --version | head -1)"
echo
echo "| budget | balance | fits | fill | worst PSNR-Y | best | spread | mean SSIM-Y | wall s | analysis s (share of the rest) | encodes per clip | exit |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${RUNS[@]}"
echo
echo "| budget | balance | clip | PSNR-Y dB | SSIM-Y | bytes | planned / last target kbit/s | first encode: bytes / predicted | predicted PSNR-Y | first encode: measured - predicted dB | encodes |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${CLIPROWS[@]}"

# The spread once more, over the clips quality mode planned above the
# floor (the ones the allocation shared bits among; a clip at the floor is
# above the common level even there), the same clips in both modes. Beside
# the spread over every clip, never instead: it shows how much of that is
# the easiest clip's floor rather than the allocation.
case " $MODES " in *" bitrate "*) case " $MODES " in *" quality "*)
echo
echo "| budget | clips above the floor | spread, bitrate | spread, quality | quality / bitrate |"
echo "|---|---|---|---|---|"
for pct in $BUDGETS; do
    python3 - "$WORK/runs/p$pct-bitrate" "$WORK/runs/p$pct-quality" "$pct" <<'PY'
import json, sys, os
def clips(r):
    for f in ("progress.completed.json", "progress.json"):
        if os.path.exists(os.path.join(r, f)):
            return {c["name"]: c for c in json.load(open(os.path.join(r, f)))["clips"]}
    return {}
b, q, pct = clips(sys.argv[1]), clips(sys.argv[2]), sys.argv[3]
names = sorted(n for n, c in q.items() if (c.get("planned_kbps") or 0) > 50 and n in b
               and c.get("psnr_y") is not None and b[n].get("psnr_y") is not None)
if len(names) < 2:
    print(f"| {pct} % | {len(names)} | - | - | - |")
    sys.exit(0)
sb, sq = (max(m[n]["psnr_y"] for n in names) - min(m[n]["psnr_y"] for n in names) for m in (b, q))
print(f"| {pct} % | {', '.join(names)} | {sb:.2f} | {sq:.2f} | {sq / sb:.3f} |" if sb > 0 else
      f"| {pct} % | {', '.join(names)} | {sb:.2f} | {sq:.2f} | - |")
PY
done
;; esac ;; esac

# The cost of the two measurements, clip by clip, at the middle budget's
# one bitrate: the encode with and without the PSNR/SSIM meter, and the
# analysis (bench/quality_cost.c, linked with the build's libraries).
[ "$COST" = 1 ] || exit 0
set -- $BUDGETS
mid=${2:-$1}
kbps=$(grep -o 'video kbps = .* = [0-9]*' "$WORK/runs/p$mid-bitrate.log" | head -1 | grep -o '[0-9]*$')
BUILD=$(dirname "$(dirname "$BIN")")
cc -O2 -std=c11 -D_GNU_SOURCE -pthread -I"$ROOT/src" -I"$BUILD" -o "$WORK/quality_cost" \
    "$ROOT/bench/quality_cost.c" "$BUILD/src/media/libpbc_media.a" "$BUILD/src/io/libpbc_io.a" \
    "$BUILD/src/base/libpbc_base.a" \
    $(pkg-config --cflags --libs libavformat libavcodec libavutil libswresample libswscale \
      jansson libcrypto libisofs-1) -lm
echo
echo "Measurement cost at $kbps kbit/s, preset 10 (CPU seconds of the process; shares of the plain encode):"
echo
"$WORK/quality_cost" "$kbps" 10 "$WORK" "${CLIPS[@]}" 2>/dev/null
