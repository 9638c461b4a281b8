#!/bin/sh
# Progress-save benchmark: a COPY of NFILES small inputs (SIZE bytes each),
# the case where saving the progress file after every clip dominates. The
# binary runs the whole job; we report its CPU time (user + sys, from
# /usr/bin/time) and the bytes it wrote to progress files (from an strace
# run of the same job: the sum of write() results on the progress file's
# partial name, ".progress.json.pbc-partial").
#
# First, bench/progress_saves_driver.c, built against SRC (default this
# tree's src/), times the NFILES+1 saves alone in-process (the path is
# on /dev/shm when it exists, so fsync costs nothing), and reports the
# bytes they wrote.
#
# Usage: bench/progress_saves.sh [BINARY] [WORK_DIR]
#        (default build/src/prepare_bodycam, /tmp/bench-progress)
# Env:   NFILES (2000), SIZE (2048), REPS (3), SRC (src/ of the tree
#        to build the driver from, in the folder layout; RUN=0 runs the driver only), STRACE (1; 0 skips the
#        byte count, which costs one more run under strace)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/src/prepare_bodycam}
work=${2:-/tmp/bench-progress}
nfiles=${NFILES:-2000}
size=${SIZE:-2048}
reps=${REPS:-3}
rm -rf "$work"
mkdir -p "$work/in"
src=${SRC:-$here/../src}
srcs=""
for f in state/progress.c state/progress_load.c state/progress_save.c base/quote.c \
         io/fsutil.c base/errors.c; do
    [ -f "$src/$f" ] && srcs="$srcs $src/$f"
done
# shellcheck disable=SC2086
cc -O2 -std=c11 -D_GNU_SOURCE -I"$src" -o "$work/driver" "$here/progress_saves_driver.c" $srcs \
    $(pkg-config --cflags --libs jansson libavutil)
shm=/dev/shm; [ -d "$shm" ] || shm=$work
"$work/driver" "$nfiles" "$shm/pbc-bench-progress.json"
rm -f "$shm/pbc-bench-progress.json" "$shm/.pbc-bench-progress.json.pbc-partial"
[ "${RUN:-1}" = 0 ] && { rm -rf "$work"; exit 0; }
i=0
while [ "$i" -lt "$nfiles" ]; do
    head -c "$size" /dev/urandom > "$work/in/clip_$(printf %05d "$i").mp4"
    i=$((i + 1))
done
r=0
while [ "$r" -lt "$reps" ]; do
    /usr/bin/time -f "%U %S %e" -o "$work/time" sh -c \
        "\"$bin\" --build-dir \"$work/build\" --logfile \"$work/log\" --quiet \"$work\"/in/*.mp4" \
        > /dev/null
    set -- $(cat "$work/time")
    echo "run $((r + 1)): user $1 s, sys $2 s, wall $3 s"
    [ "$r" -eq $((reps - 1)) ] && [ "${STRACE:-1}" = 0 ] && break
    rm -rf "$work/build" "$work/log"
    r=$((r + 1))
done
if [ "${STRACE:-1}" = 0 ]; then
    ls -l "$work/build/progress.completed.json" 2>/dev/null
    rm -rf "$work"
    exit 0
fi
strace -f -qq -e trace=openat,write,close -o "$work/strace" \
    "$bin" --build-dir "$work/build" --logfile "$work/log" --quiet "$work"/in/*.mp4 > /dev/null
# fds opened on the partial name, then the writes to them
awk '
    /openat\(.*progress\.json\.pbc-partial"/ { split($0, a, "= "); fd[a[2] + 0] = 1; next }
    /^[0-9]+ +write\(/ || /^write\(/ {
        line = $0; sub(/^[0-9]+ +/, "", line)
        f = substr(line, 7) + 0
        if (f in fd) { n = split(line, b, "= "); bytes += b[n] + 0 }
    }
    /close\(/ { line = $0; sub(/^[0-9]+ +/, "", line); delete fd[substr(line, 7) + 0] }
    END { printf "progress bytes written: %d (%.1f MB)\n", bytes, bytes / 1e6 }
' "$work/strace"
ls -l "$work/build/progress.completed.json" "$work/build/progress.json" 2>/dev/null | awk '{print "final progress file: " $5 " bytes"}'
rm -rf "$work"
