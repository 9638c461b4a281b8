# --iso, ENCODE (issue 12): the encoder and the fill pass fill a 2 MB disc
# (40 kB margin), and the image, file system included, still fits the
# usable bytes. xorriso lists and extracts the files, sha256sum -c passes
# on them; --verify IMG exits 0, then 5 after one byte of a clip inside
# the image is flipped; the directory itself still verifies.
. "$(dirname "$0")/lib.sh"
command -v xorriso > /dev/null || { echo "# SKIP: xorriso reads the image independently"; exit 77; }
command -v ffmpeg > /dev/null || { echo "# SKIP: the ffmpeg CLI makes the fixtures"; exit 77; }
mkclip in/cam1_001.mp4 6
mkclip "in/Nachtschicht Straße 7.mov" 4
usable=1960000
pbc --build-dir work --logfile prep.log --iso out/disc.iso --disc-bytes 2_000_000 --safety-bytes 40_000 \
    in/cam1_001.mp4 "in/Nachtschicht Straße 7.mov"
expect_rc 1
expect_in err.txt "cannot write in $SCRATCH/out"
mkdir out
pbc --build-dir work --logfile prep.log --iso out/disc.iso --disc-bytes 2_000_000 --safety-bytes 40_000 \
    in/cam1_001.mp4 "in/Nachtschicht Straße 7.mov"
expect_rc 0
expect_in prep.log 'mode ENCODE'
size=$(stat -c %s out/disc.iso)
note "image $size bytes, build directory $(disc_total work) bytes, usable $usable"
[ "$size" -le "$usable" ] || fail "the image has $size bytes, more than the usable $usable"
expect_in prep.log "image $SCRATCH/out/disc.iso: $size bytes \(.*\), [0-9.]+% of the disc"
expect_in prep.log 'volume label "BODYCAM_[0-9]{8}"'
[ "$(cat out/disc.iso.sha256)" = "$(sha out/disc.iso)  disc.iso" ] || fail "out/disc.iso.sha256 is not the image's sha256sum line"

xorriso -indev out/disc.iso -find / -type f 2>/dev/null > listing.txt
for f in cam1_001.mp4 "Nachtschicht Straße 7.mp4" MANIFEST.json SHA256SUMS; do
    grep -qF "'/$f'" listing.txt || fail "xorriso does not list /$f"
done
iso_extract out/disc.iso x
(cd x && sha256sum -c --quiet SHA256SUMS) || fail "sha256sum -c fails on the extracted image"
for f in cam1_001.mp4 "Nachtschicht Straße 7.mp4"; do
    cmp -s "work/$f" "x/$f" || fail "extracted $f differs from the build directory's"
done

pbc --verify out/disc.iso
expect_rc 0
lba=$(iso_lba out/disc.iso "/Nachtschicht Straße 7.mp4")
[ -n "$lba" ] || fail "cannot find the clip's blocks in the image"
flip_byte out/disc.iso $(( lba * 2048 + 777 ))
pbc --verify out/disc.iso
expect_rc 5
expect_in out.txt 'Nachtschicht Straße 7.mp4: FAILED \(SHA-256'
pbc --verify work
expect_rc 0
