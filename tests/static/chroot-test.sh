#!/usr/bin/env bash
# Proves that the -Dstatic_build binary stands alone: `file` and `ldd` say
# static, then it runs in a chroot that holds nothing but itself and one clip
# (no /lib, /usr, /etc, /dev, /proc), prints its version and ENCODEs the clip
# (a disc smaller than the clip forces ENCODE). The output is checked from
# outside with ffprobe. Needs root (chroot) and the ffmpeg CLI for the clip;
# otherwise it is skipped (77).
#
#   tests/static/chroot-test.sh [build-static/src/prepare_bodycam]
set -euo pipefail
bin=$(realpath "${1:-build-static/src/prepare_bodycam}")
[ "$(id -u)" = 0 ] || { echo "SKIP: chroot needs root"; exit 77; }
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null ||
  { echo "SKIP: needs ffmpeg and ffprobe to make and check the clip"; exit 77; }

fail() { echo "FAIL: $*"; exit 1; }

echo "# file: $(file -b "$bin")"
file -b "$bin" | grep -q 'statically linked' || fail "not statically linked"
ldd_out=$(ldd "$bin" 2>&1 || true)
echo "# ldd: $ldd_out"
grep -q 'not a dynamic executable' <<< "$ldd_out" || fail "ldd finds a dynamic executable"

root=$(mktemp -d "${TMPDIR:-/tmp}/pbc-chroot.XXXXXX")
trap 'st=$?; [ $st -eq 0 ] && rm -rf "$root" || echo "# chroot kept: $root"' EXIT
mkdir "$root/clips"
cp "$bin" "$root/prepare_bodycam"
# 4 s of 640x360 H.264 + AAC, like a (tiny) camera file
ffmpeg -v error -f lavfi -i testsrc2=size=640x360:rate=30 \
  -f lavfi -i sine=frequency=440:sample_rate=48000 -t 4 \
  -c:v libx264 -preset veryfast -b:v 2M -pix_fmt yuv420p -c:a aac -b:a 128k \
  -metadata creation_time=2024-05-01T10:00:00Z "$root/clips/cam1_0001.mp4"
size=$(stat -c %s "$root/clips/cam1_0001.mp4")
disc=$((size * 3 / 4))
echo "# chroot tree:"; (cd "$root" && find . | sort | sed 's/^/#   /')

chroot "$root" /prepare_bodycam --version || fail "--version in the chroot"
rc=0
chroot "$root" /prepare_bodycam --disc-bytes "$disc" --safety-bytes 0 \
  --build-dir /disc --logfile /disc.log /clips/cam1_0001.mp4 || rc=$?
[ "$rc" -eq 0 ] || { tail -n 30 "$root/disc.log" 2>/dev/null; fail "encode in the chroot exited $rc"; }

out=$root/disc/cam1_0001.mp4
[ -f "$out" ] || fail "no output $out"
grep -q '"mode": *"ENCODE"' "$root/disc/progress.completed.json" || fail "mode is not ENCODE"
streams=$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$out" | sort | tr '\n' ' ')
[ "$streams" = "av1 opus " ] || fail "output streams are '$streams', expected av1 and opus"
osize=$(stat -c %s "$out")
[ "$osize" -le "$disc" ] || fail "output $osize bytes > disc $disc"
echo "# input $size bytes -> $osize bytes (disc $disc): AV1 + Opus, encoded inside the empty chroot"
echo "1 passed, 0 failed"
