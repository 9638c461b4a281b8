#!/bin/bash
# index.html benchmark (issue 10): what the evidence page costs on the disc
# and in time. On camera-like clips (1080p/720p with sensor noise and
# audio, as in bench/fit.sh) it runs prepare_bodycam in COPY (a large disc)
# and ENCODE (a disc of 1/10 of the clips), and prints per clip the
# thumbnail's JPEG bytes and mjpeg qscale, the page's bytes against its
# bound, the time from the manifests to the page (the thumbnails are made
# then, from the disc files), and the disc bytes of the two ways to store
# thumbnails:
#   inline: sector_round(index.html)              (what the program writes)
#   files:  sector_round(index.html - base64 + 40 per <img src>) +
#           sum sector_round(jpeg) + sector_round(256 x n)  (thumbs/ entries)
# Usage: bench/index.sh [BINARY]      Env: WORK=DIR (default /tmp/pbc-index)
set -eu
set -o pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/build/src/prepare_bodycam}
WORK=${WORK:-/tmp/pbc-index}
mkdir -p "$WORK/clips"
C=$WORK/clips
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
gen() { # NAME SECONDS SIZE VIDEO_SOURCE
    [ -s "$C/$1.mp4" ] || ff -f lavfi -i "$4" -f lavfi -i "anoisesrc=c=pink:r=48000:a=0.1" -t "$2" \
        -c:v libx264 -preset ultrafast -b:v 8M -pix_fmt yuv420p -c:a aac -b:a 128k "$C/$1.mp4"
}
gen c1080_day 12 1920x1080 "testsrc2=s=1920x1080:r=30,noise=alls=8:allf=t+u"
gen c1080_night 4 1920x1080 "gradients=s=1920x1080:r=30:speed=0.02,noise=alls=22:allf=t+u"
gen c720_street 6 1280x720 "testsrc2=s=1280x720:r=30,noise=alls=6:allf=t+u"
gen c720_detail 5 1280x720 "mandelbrot=s=1280x720:r=30,noise=alls=12:allf=t+u"
gen c480_cellar 6 640x480 "cellauto=s=640x480:r=30,noise=alls=30:allf=t+u"
total=$(cat "$C"/*.mp4 | wc -c)
sr() { echo $(( ($1 + 2047) / 2048 * 2048 )); }
ms() { date -d "$1" +%s%3N; }
for mode in COPY ENCODE; do
    d=$WORK/$mode
    rm -rf "$d" "$d.log"
    disc=$(( total * 2 ))
    [ "$mode" = COPY ] || disc=$(( total / 10 ))
    "$BIN" -v --build-dir "$d" --logfile "$d.log" --disc-bytes "$disc" --safety-bytes 0 "$C"/*.mp4 > /dev/null
    echo "### $mode ($(ls "$C" | wc -l) clips, disc $disc bytes)"
    echo
    echo "| clip | poster frame | JPEG bytes | qscale |"
    echo "|---|---|---:|---:|"
    grep -o 'index: [^ ]*: poster frame.*' "$d.log" |
        sed -E 's/index: ([^:]*): poster frame at ([0-9.]+) s, ([0-9x]+), ([0-9]+) bytes at mjpeg qscale ([0-9]+)/| \1 | \2 s, \3 | \4 | \5 |/'
    page=$(stat -c %s "$d/index.html")
    b64=$(grep -o 'base64,[^"]*' "$d/index.html" | sed 's/^base64,//' | tr -d '\n' | wc -c)
    n=$(grep -o 'base64,' "$d/index.html" | wc -l)
    jpegs=0
    while read -r b; do jpegs=$(( jpegs + $(sr "$b") )); done < <(grep -o '[0-9]* bytes at mjpeg' "$d.log" | grep -o '^[0-9]*')
    inline=$(sr "$page")
    files=$(( $(sr $(( page - b64 + 40 * n ))) + jpegs + $(sr $(( 256 * n ))) ))
    t0=$(grep 'wrote SHA256SUMS' "$d.log" | cut -c1-24); t1=$(grep 'wrote index.html' "$d.log" | cut -c1-24)
    echo
    echo "page $page bytes (bound $(grep -o 'bound [0-9]*' "$d.log" | grep -o '[0-9]*')), $n thumbnails, base64 $b64 bytes;" \
         "disc bytes: inline $inline, thumbs/ files $files; page written in $(( $(ms "$t1") - $(ms "$t0") )) ms"
    echo
done
