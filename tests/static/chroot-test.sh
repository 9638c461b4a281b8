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
# 12 s of 640x360 H.264 + AAC, like a (small) camera file: long enough for
# a seam (design.md "Seams") at 6 s, where the static SVT-AV1 must write the
# sequence header it wrote at the start
ffmpeg -v error -f lavfi -i testsrc2=size=640x360:rate=30 \
  -f lavfi -i sine=frequency=440:sample_rate=48000 -t 12 \
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
grep -q 'cam1_0001.mp4: seam at 6.000 s' "$root/disc.log" || fail "no seam at 6 s in the static binary"
frames=$(ffprobe -v error -count_packets -select_streams v -show_entries stream=nb_read_packets \
  -of csv=p=0 "$out")
[ "$frames" = 360 ] || fail "the output has $frames video frames, expected 360"
err=$(ffmpeg -nostdin -v error -i "$out" -f null - 2>&1)
[ -z "$err" ] || fail "ffmpeg reports errors decoding the output: $err"
# The static FFmpeg decodes AV1 too (dav1d): the encode's quality is measured.
grep -Eq '"psnr_y": [0-9]' "$root/disc/progress.completed.json" ||
  fail "no PSNR-Y recorded: the static binary could not decode its AV1 output"
echo "# input $size bytes -> $osize bytes (disc $disc): AV1 + Opus, encoded inside the empty chroot"

# --iso through the static libisofs (whose write_sb the build renames: SVT-AV1
# has one too), with --balance quality (its analysis decodes sample
# encodes), then --verify of the image, both in the chroot; the image is
# read from outside with xorriso when there is one.
rc=0
chroot "$root" /prepare_bodycam --disc-bytes "$disc" --safety-bytes 0 --iso /disc.iso --balance quality \
  --build-dir /disc2 --logfile /disc2.log /clips/cam1_0001.mp4 || rc=$?
[ "$rc" -eq 0 ] || { tail -n 30 "$root/disc2.log" 2>/dev/null; fail "--iso in the chroot exited $rc"; }
[ -s "$root/disc.iso" ] || fail "no image /disc.iso"
grep -q 'balance quality: common predicted PSNR-Y' "$root/disc2.log" ||
  fail "--balance quality made no allocation in the static binary"
chroot "$root" /prepare_bodycam --verify /disc.iso || fail "--verify of the image in the chroot"
if command -v xorriso > /dev/null; then
    xorriso -indev "$root/disc.iso" -find / -type f 2>/dev/null | grep -qF "'/cam1_0001.mp4'" ||
        fail "xorriso does not list /cam1_0001.mp4 in the image"
    xorriso -osirrox on -indev "$root/disc.iso" -extract /cam1_0001.mp4 "$root/from-iso.mp4" 2>/dev/null ||
        fail "xorriso cannot extract /cam1_0001.mp4"
    cmp -s "$root/from-iso.mp4" "$root/disc2/cam1_0001.mp4" || fail "the image's clip differs from the build directory's"
fi
echo "# --iso: $(stat -c %s "$root/disc.iso")-byte image written and verified inside the chroot"
echo "2 passed, 0 failed"
