#!/bin/sh
# COPY benchmark: copy_file + durable rename (what the clip loop does)
# against cp -p, cp -p + sync, and cp -p + sha256sum of sources and copies,
# on NFILES x SIZE_MB files, all methods alternating within each repetition.
#
# Usage: bench/copy.sh [WORK_DIR]        (default /work/bench-cp; the copies
#                                        go to WORK_DIR/out, same file system)
# Env:   REPS (5), SIZE_MB (1024), NFILES (3), KEEP=1 keeps the sources,
#        CFLAGS_EXTRA: extra flags for the driver (e.g. -DCOPY_CHUNK=4194304).
# The page cache is dropped before every timed run when permitted (root);
# otherwise every run starts with warm sources and the output says so.
# Prints median, min and max wall time, median CPU time (user+sys of the
# command and its children), and the ratio ours/method of the medians.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
work=${1:-/work/bench-cp}
reps=${REPS:-5}
size_mb=${SIZE_MB:-1024}
nfiles=${NFILES:-3}
mkdir -p "$work"
work=$(cd "$work" && pwd)
out=$work/out
results=$work/results.txt

cleanup() {
    rm -rf "$out" "$work/copy_bench" "$work/copy_bench_pc"
    [ "${KEEP:-0}" = 1 ] || rm -f "$work"/src[0-9]*
}
trap cleanup EXIT INT TERM

src=$root/src
build() { # build OUTPUT [CFLAGS...]: the driver against the core's sources
    o=$1
    shift
    cc -O2 -g -std=c11 -D_GNU_SOURCE -pthread ${CFLAGS_EXTRA:-} "$@" -I"$src" -o "$o" \
        "$here/copy_bench.c" "$src/io/copy.c" "$src/io/readback.c" "$src/io/sha256.c" "$src/io/fsutil.c" \
        "$src/base/log.c" "$src/base/quote.c" "$src/base/interrupt.c" "$src/base/errors.c" \
        $(pkg-config --cflags --libs libavutil libcrypto)
}
build "$work/copy_bench"
build "$work/copy_bench_pc" -DREADBACK_DIRECT=0

# Incompressible, distinct per file, fast to make: an AES-CTR keystream.
srcs=
i=1
while [ "$i" -le "$nfiles" ]; do
    f=$work/src$i
    if [ ! -f "$f" ] || [ "$(stat -c %s "$f")" -ne $((size_mb * 1048576)) ]; then
        openssl enc -aes-128-ctr -pass "pass:pbc$i" -nosalt -pbkdf2 </dev/zero 2>/dev/null |
            head -c $((size_mb * 1048576)) >"$f"
    fi
    srcs="$srcs $f"
    i=$((i + 1))
done
sync

drop=1
if ! (echo 3 >/proc/sys/vm/drop_caches) 2>/dev/null; then
    drop=0
    echo "NOTE: cannot drop the page cache; all runs start with warm sources"
fi
prepare() {
    rm -rf "$out"
    mkdir "$out"
    sync
    if [ "$drop" = 1 ]; then
        echo 3 >/proc/sys/vm/drop_caches
    else
        cat $srcs >/dev/null
    fi
}

cmd_of() {
    case $1 in
    ours) echo "'$work/copy_bench' '$out' $srcs >/dev/null" ;;
    ours_pc) echo "'$work/copy_bench_pc' '$out' $srcs >/dev/null" ;;
    cp) echo "cp -p $srcs '$out'/" ;;
    cpsync) echo "cp -p $srcs '$out'/ && sync" ;;
    cpsha) echo "cp -p $srcs '$out'/ && sha256sum $srcs '$out'/* >/dev/null" ;;
    cpsyncsha) echo "cp -p $srcs '$out'/ && sync && sha256sum $srcs '$out'/* >/dev/null" ;;
    esac
}
label_of() {
    case $1 in
    ours) echo "copy_file + rename (ours)" ;;
    ours_pc) echo "ours, page-cache read-back" ;;
    cp) echo "cp -p" ;;
    cpsync) echo "cp -p; sync" ;;
    cpsha) echo "cp -p; sha256sum src+dst" ;;
    cpsyncsha) echo "cp -p; sync; sha256sum src+dst" ;;
    esac
}
methods=${METHODS:-ours ours_pc cp cpsync cpsha cpsyncsha}

echo "start: $(uptime)"
: >"$results"
r=1
while [ "$r" -le "$reps" ]; do
    for m in $methods; do
        prepare
        /usr/bin/time -f "%e %U %S" -o "$work/time.txt" sh -c "$(cmd_of "$m")"
        echo "$m $(cat "$work/time.txt")" >>"$results"
    done
    r=$((r + 1))
done
echo "end:   $(uptime)"

# The copies are correct: the digests ours reports are the sources'.
prepare
"$work/copy_bench" "$out" $srcs | awk '{print $1}' >"$work/ours.sum"
sha256sum $srcs | awk '{print $1}' | cmp - "$work/ours.sum"
rm -f "$work/ours.sum" "$work/time.txt"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
col() { grep "^$1 " "$results" | awk "{print $2}"; }
echo "$nfiles x $size_mb MiB, $reps repetitions, page cache dropped: $([ "$drop" = 1 ] && echo yes || echo no)"
base=$(col ours '$2' | median)
printf '%-32s %8s %8s %8s %9s   %s\n' method "wall med" min max "CPU med" "ours/method"
for m in $methods; do
    printf '%-32s %7.2fs %7.2fs %7.2fs %8.2fs   %.2f\n' "$(label_of "$m")" \
        "$(col "$m" '$2' | median)" "$(col "$m" '$2' | sort -n | head -1)" \
        "$(col "$m" '$2' | sort -n | tail -1)" "$(col "$m" '$3 + $4' | median)" \
        "$(echo "$base / $(col "$m" '$2' | median)" | bc -l)"
done
