#!/bin/sh
# Completion benchmark: the cost of re-reading every output before the
# manifests are written and any original deleted (job_verify.c), in a real
# COPY run of NFILES x SIZE_MB files, against reading the same outputs with
# `dd iflag=direct | sha256sum` and with `sha256sum` from the page cache.
#
# Usage: bench/completion.sh [BUILD_DIR [WORK_DIR]]
#        (defaults: build, /work/bench-completion; deletes its files at the end)
# Env:   REPS (3), SIZE_MB (1024), NFILES (3).
# The page cache is dropped before every timed step when permitted (root).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bin=$(cd "${1:-$root/build}" && pwd)/src/prepare_bodycam
work=${2:-/work/bench-completion}
reps=${REPS:-3}
size_mb=${SIZE_MB:-1024}
nfiles=${NFILES:-3}
mkdir -p "$work"
work=$(cd "$work" && pwd)
trap 'rm -rf "$work"' EXIT INT TERM

drop() { sync; [ "$(id -u)" = 0 ] && echo 3 > /proc/sys/vm/drop_caches || true; }
now() { date +%s.%N; }

i=0
while [ $i -lt "$nfiles" ]; do
    openssl enc -aes-128-ctr -pass pass:$i -pbkdf2 -nosalt < /dev/zero 2>/dev/null |
        head -c $((size_mb * 1048576)) > "$work/src$i.mp4"
    i=$((i + 1))
done
echo "files: $nfiles x $size_mb MiB; cache drop: $([ "$(id -u)" = 0 ] && echo yes || echo no)"
r=1
while [ $r -le "$reps" ]; do
    rm -rf "$work/out" "$work/log"
    drop
    "$bin" -q --build-dir "$work/out" --logfile "$work/log" "$work"/src*.mp4
    run=$(sed -n 's/.*finished in \([0-9.]*\) s.*/\1/p' "$work/log")
    verify=$(sed -n 's/.*re-read the .* in \([0-9.]*\) s: every.*/\1/p' "$work/log")
    drop
    t0=$(now)
    for f in "$work"/out/src*.mp4; do dd if="$f" iflag=direct bs=4M status=none | sha256sum > /dev/null; done
    t1=$(now)
    for f in "$work"/out/src*.mp4; do sha256sum "$f" > /dev/null; done
    t2=$(now)
    echo "rep $r: whole run ${run} s, re-read of the outputs ${verify} s;" \
         "dd iflag=direct | sha256sum $(echo "$t1 - $t0" | bc) s;" \
         "sha256sum after it (page cache) $(echo "$t2 - $t1" | bc) s"
    r=$((r + 1))
done
