# --iso with a clip over 4 GiB (issue 12, slow suite): a sparse 4.5 GiB
# file copied in COPY mode goes into the image as a multi-extent file
# (ISO 9660 level 3), xorriso reports its extents and extracts it with the
# right SHA-256, and --verify reads it back from the image. Needs about
# 14 GB free in $TMPDIR (the copy, the image, the extracted file).
. "$(dirname "$0")/lib.sh"
command -v xorriso > /dev/null || { echo "# SKIP: xorriso reads the image independently"; exit 77; }
mkfile in/small.mp4 1000
truncate -s 4608M in/big.mp4 || fail "cannot make a sparse clip"
printf 'head' | dd of=in/big.mp4 conv=notrunc 2>/dev/null
printf 'tail' | dd of=in/big.mp4 bs=1 seek=$(( 4608 * 1048576 - 4 )) conv=notrunc 2>/dev/null
want=$(sha in/big.mp4)
pbc --build-dir work --logfile prep.log --iso disc.iso in/big.mp4 in/small.mp4
expect_rc 0
expect_in prep.log 'mode COPY'
extents=$(xorriso -indev disc.iso -find /big.mp4 -exec report_lba 2>/dev/null | grep -c 'File data lba')
note "big.mp4: $extents extents in the image"
[ "$extents" -ge 2 ] || fail "big.mp4 is not stored as a multi-extent file ($extents extent)"
pbc --verify disc.iso
expect_rc 0
rm -rf work
iso_extract disc.iso x
[ "$(sha x/big.mp4)" = "$want" ] || fail "the extracted big.mp4 has another SHA-256"
(cd x && sha256sum -c --quiet SHA256SUMS) || fail "sha256sum -c fails on the extracted image"
