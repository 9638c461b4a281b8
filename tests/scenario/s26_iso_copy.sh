# --iso, COPY (issue 12): at the tightest budget that still copies (the
# clips' sectors plus the bound for the build directory's own files and the
# image's file system, read from a dry run) the image fits the usable
# bytes; one byte less and the job must encode. An independent reader
# (xorriso) lists the full names and extracts them, and sha256sum -c
# passes on the extracted tree; FILE.sha256 is the image's hash; --verify
# IMG exits 0, then 5 once one byte of a clip inside the image is flipped.
. "$(dirname "$0")/lib.sh"
command -v xorriso > /dev/null || { echo "# SKIP: xorriso reads the image independently"; exit 77; }

long="Zeugenaussage Müller – Einsatz 2026-11-30 証拠 📹 $(printf 'x%.0s' $(seq 1 40)).mp4"
mkfile in/cam1_001.mp4 700000
mkfile "in/$long" 123457
mkfile in/empty.mp4 0
touch -d '2024-03-01 12:34:56' in/cam1_001.mp4
clips=(in/cam1_001.mp4 "in/$long" in/empty.mp4)
sectors=0
for f in "${clips[@]}"; do s=$(stat -c %s "$f"); sectors=$(( sectors + (s + 2047) / 2048 * 2048 )); done

# The image cannot hold itself, nor replace an input.
pbc --build-dir work --logfile prep.log --iso work/sub/disc.iso "${clips[@]}"
expect_rc 1
expect_in err.txt "--iso work/sub/disc.iso: is inside the build directory"
pbc --build-dir work --logfile prep.log --iso in/empty.mp4 "${clips[@]}"
expect_rc 1
expect_in err.txt "is one of the input files"
[ -e work ] && fail "a refused run created the build directory"

pbc --dry-run --build-dir work --iso disc.iso --disc-bytes $(( sectors * 4 )) --safety-bytes 0 "${clips[@]}"
expect_rc 0
own=$(grep -o 'and [0-9]* bytes for the build directory' out.txt | grep -o '[0-9]*')
[ -n "$own" ] || fail "the dry run does not give the bound for the build directory's files"
pbc --dry-run --build-dir work --disc-bytes $(( sectors * 4 )) --safety-bytes 0 "${clips[@]}"
own_no_iso=$(grep -o 'and [0-9]* bytes for the build directory' out.txt | grep -o '[0-9]*')
[ "$own_no_iso" -lt "$own" ] || fail "--iso adds nothing to the bound ($own_no_iso vs $own)"
disc=$(( sectors + own ))
note "clips $sectors bytes in sectors, own files + image bound $own (without --iso $own_no_iso): disc $disc"

pbc --dry-run --build-dir work --iso disc.iso --disc-bytes $(( disc - 1 )) --safety-bytes 0 "${clips[@]}"
expect_in out.txt 'mode ENCODE'

pbc --build-dir work --logfile prep.log --iso disc.iso --label "Fall 2026/ü" \
    --disc-bytes "$disc" --safety-bytes 0 "${clips[@]}"
expect_rc 0
expect_in prep.log 'mode COPY'
size=$(stat -c %s disc.iso)
[ "$size" -le "$disc" ] || fail "the image has $size bytes, more than the usable $disc"
note "image $size bytes of usable $disc"
expect_in prep.log "image $SCRATCH/disc.iso: $size bytes .* SHA-256 $(sha disc.iso)"
[ "$(cat disc.iso.sha256)" = "$(sha disc.iso)  disc.iso" ] || fail "disc.iso.sha256 is not the image's sha256sum line"
ls -a | grep -q 'pbc-partial' && fail "a partial file is left beside the image"

# The independent reader: full names, bytes, modification time.
xorriso -indev disc.iso -find / -type f 2>/dev/null > listing.txt
for f in cam1_001.mp4 "$long" empty.mp4 MANIFEST.json SHA256SUMS; do
    grep -qF "'/$f'" listing.txt || fail "xorriso does not list /$f"
done
iso_extract disc.iso x
(cd x && sha256sum -c --quiet SHA256SUMS) || fail "sha256sum -c fails on the extracted image"
for f in "${clips[@]}"; do
    cmp -s "$f" "x/${f#in/}" || fail "extracted ${f#in/} differs from its original"
done
[ "$(stat -c %Y x/cam1_001.mp4)" = "$(stat -c %Y in/cam1_001.mp4)" ] || fail "the image lost cam1_001.mp4's modification time"
xorriso -indev disc.iso -pvd_info 2>/dev/null | grep -q "Volume Id *: FALL_2026" || fail "the volume id is not the sanitised label"
expect_in work/index.html "Evidence disc: Fall 2026/ü</h1>"

pbc --verify disc.iso
expect_rc 0
expect_in out.txt 'verify disc.iso: all 3 outputs and SHA256SUMS match'

lba=$(iso_lba disc.iso /cam1_001.mp4)
[ -n "$lba" ] || fail "cannot find cam1_001.mp4's blocks in the image"
flip_byte disc.iso $(( lba * 2048 + 4321 ))
pbc --verify disc.iso
expect_rc 5
expect_in out.txt 'cam1_001.mp4: FAILED \(SHA-256'

# Not an image, and not a directory: the manifest cannot be read (exit 3).
head -c 100000 /dev/zero > zero.iso
pbc --verify zero.iso
expect_rc 3
