# --jobs 2 (issue 11): two clips are encoded at once (the second starts
# before the first is done, its target charging the first at its start
# target), the batch fits, every output is AV1 + Opus of the source's
# length, and --verify accepts the build directory.
. "$(dirname "$0")/lib.sh"
mkclip in/a.mp4 8
mkclip in/b.mp4 6 480x270
mkclip in/c.mp4 5
mkclip in/d.mp4 4
snapshot in/a.mp4 in/b.mp4 in/c.mp4 in/d.mp4
pbc --build-dir work --logfile prep.log --disc-bytes 3_000_000 --safety-bytes 100_000 \
    --jobs 2 in/a.mp4 in/b.mp4 in/c.mp4 in/d.mp4
expect_rc 0
expect_in out.txt "jobs: 2 at once \\(--jobs 2, 4 clips pending\\)"
# Parallel for real: clip 2 starts before any clip is done, and its target
# counts clip 1 in flight.
first_done=$(grep -n ': done, ' out.txt | head -n 1 | cut -d: -f1)
second_start=$(grep -n 'clip 2/4 .*: encoding ' out.txt | cut -d: -f1)
[ -n "$first_done" ] && [ -n "$second_start" ] && [ "$second_start" -lt "$first_done" ] ||
    fail "clip 2 did not start before the first clip was done"
expect_in out.txt "clip 2/4 .*: encoding .*; 1 clip in flight charged [0-9]+ bytes\\)"
# Each encoder got one of the two cores.
[ "$(grep -c 'video out: libsvtav1 .*, lp 1$' out.txt)" -eq 4 ] || fail "not every clip was encoded on one thread"
[ "$(grep -c ': encoding ' out.txt)" -ge 4 ] || fail "not every clip was encoded"
for n in a b c d; do
    [ "$(probe_streams "work/$n.mp4" | sort | tr '\n' ' ')" = "audio:opus video:av1 " ] ||
        fail "work/$n.mp4 is not AV1 + Opus"
    src=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "in/$n.mp4")
    out=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "work/$n.mp4")
    awk -v a="$src" -v b="$out" 'BEGIN { d = a - b; exit !(d < 0.1 && d > -0.1) }' ||
        fail "work/$n.mp4 lasts $out s, its source $src s"
    ffmpeg -nostdin -v error -i "work/$n.mp4" -f null - 2> decode.txt || fail "work/$n.mp4 does not decode"
    [ -s decode.txt ] && fail "work/$n.mp4 decodes with errors: $(head -n 3 decode.txt)"
done
total=$(disc_total work)
[ "$total" -le 2900000 ] || fail "outputs take $total bytes, more than the usable 2900000"
expect_not_in work/progress.completed.json '"start_kbps"'
ls -a work | grep -q pbc-partial && fail "a partial file is left"
pbc --verify work --logfile verify.log
expect_rc 0
unchanged
