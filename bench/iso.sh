#!/bin/sh
# --iso benchmark: how long the image write takes (libisofs in-process,
# hashing on the way, fsync) against xorriso -as mkisofs (the same libisofs,
# same options, no hash; without and with a sync of the image) and against cp + sync of the finished
# image (the disk's own rate), on one build directory of NFILES x SIZE_MB
# random files made by a COPY job. Both image writers read the build
# directory cold (its pages dropped per file, not the whole cache: the
# machine is shared).
#
# Usage: bench/iso.sh BUILD_DIR_OF_MESON [WORK_DIR]   (default /work/bench-iso)
# Env:   REPS (3), SIZE_MB (1024), NFILES (2)
# Prints each run's seconds and MB/s (decimal MB of the image).
set -eu
bin=$(cd "$1" && pwd)/src/prepare_bodycam
work=${2:-/work/bench-iso}
reps=${REPS:-3}
size_mb=${SIZE_MB:-1024}
nfiles=${NFILES:-2}
rm -rf "$work"
mkdir -p "$work/in"
trap 'rm -rf "$work"' EXIT INT TERM
i=0
while [ $i -lt "$nfiles" ]; do
    head -c $((size_mb * 1048576)) /dev/urandom > "$work/in/clip$i.mp4"
    i=$((i + 1))
done
rate() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f s  %.0f MB/s", s, b / s / 1e6 }'; }
now() { date +%s.%N; }
r=1
while [ $r -le "$reps" ]; do
    rm -rf "$work/build" "$work"/disc*.iso* "$work/log"
    "$bin" -q --build-dir "$work/build" --logfile "$work/log" --iso "$work/disc.iso" "$work"/in/*.mp4
    size=$(stat -c %s "$work/disc.iso")
    t0=$(grep 'writing the image' "$work/log" | cut -c12-23)
    t1=$(grep 'INFO\] image ' "$work/log" | cut -c12-23)
    ours=$(awk -v a="$t0" -v b="$t1" 'BEGIN { split(a, x, ":"); split(b, y, ":");
        print (y[1] - x[1]) * 3600 + (y[2] - x[2]) * 60 + (y[3] - x[3]) }')
    # The COPY job leaves the copies out of the page cache (its read-back
    # drops them), so ours reads them cold: make xorriso read them cold too.
    for f in "$work"/build/*; do dd if="$f" iflag=nocache count=0 status=none; done
    s=$(now)
    xorriso -as mkisofs -quiet -iso-level 3 -R -J -joliet-long -o "$work/disc2.iso" "$work/build" 2>/dev/null
    x=$(awk -v a="$s" -v b="$(now)" 'BEGIN { print b - a }')
    sync "$work/disc2.iso"
    xs=$(awk -v a="$s" -v b="$(now)" 'BEGIN { print b - a }')
    s=$(now)
    cp "$work/disc.iso" "$work/disc3.iso" && sync "$work/disc3.iso"
    c=$(awk -v a="$s" -v b="$(now)" 'BEGIN { print b - a }')
    echo "rep $r: image $size bytes; --iso $(rate "$size" "$ours"); xorriso $(rate "$size" "$x"), +sync $(rate "$size" "$xs"); cp+sync $(rate "$size" "$c")"
    r=$((r + 1))
done
