# Issue 4: one clip is much harder to compress than the rest (random pixels,
# which the encoder cannot bring down to its target, against clean
# patterns). It is the longest, so it is encoded first: it overshoots its
# prediction, the batch-wide feedback lowers the later clips' targets below
# the stored kbps (the final guard may re-encode too), and the batch fits.
. "$(dirname "$0")/lib.sh"
mkdir -p in
ffmpeg -nostdin -loglevel error -y -f lavfi -i "color=size=160x120:rate=30:duration=6" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=6" \
    -vf "geq=lum='random(1)*255':cb=128:cr=128" -c:v libx264 -preset ultrafast -crf 20 \
    -pix_fmt yuv420p -c:a aac -b:a 96k in/hard.mp4 || fail "cannot make in/hard.mp4"
mkclip in/easy1.mp4 5 320x240 null
mkclip in/easy2.mp4 5 320x240 null
mkclip in/easy3.mp4 4 320x240 null
snapshot in/hard.mp4 in/easy1.mp4 in/easy2.mp4 in/easy3.mp4
pbc --build-dir work --logfile prep.log --disc-bytes 1_500_000 --safety-bytes 0 \
    in/hard.mp4 in/easy1.mp4 in/easy2.mp4 in/easy3.mp4
expect_rc 0
total=$(disc_total work)
note "build directory: $total of 1500000 bytes"
[ "$total" -le 1500000 ] || fail "the build directory takes $total bytes, more than 1500000"
grep -E 'encoding .* at [0-9]+ kbit/s video|done, [0-9]+ bytes|final guard|fill pass' prep.log |
    sed 's/^.*\] /# /' | cut -c1-160
kbps=$(json_int work/progress.completed.json kbps)
# The hard clip went first, at the stored kbps, and took more than its
# prediction (the plan's line gives it).
expect_in prep.log "clip 1/4 hard.mp4: encoding .* at $kbps kbit/s video"
predicted=$(grep -o 'plan: [0-9]*/4 hard.mp4: [^,]*, predicted [0-9]*' prep.log | grep -o '[0-9]*$')
first=$(grep -o 'clip 1/4 hard.mp4: done, [0-9]*' prep.log | grep -o '[0-9]*$')
note "hard.mp4: predicted $predicted bytes, took $first"
[ -n "$predicted" ] && [ -n "$first" ] && [ "$first" -gt "$predicted" ] ||
    fail "the hard clip did not overshoot its prediction: the scenario no longer tests the feedback"
# The feedback moved the overshoot onto the later clips.
lowered=0
for n in 2 3 4; do
    t=$(grep -o "clip $n/4 [a-z0-9]*.mp4: encoding .* at [0-9]* kbit/s video" prep.log | head -n 1 |
        grep -o 'at [0-9]* kbit/s' | grep -o '[0-9]*')
    [ -n "$t" ] && [ "$t" -lt "$kbps" ] && lowered=$((lowered + 1))
done
[ "$lowered" -ge 1 ] || fail "no later clip was given less than the stored $kbps kbit/s: the feedback did not act"
unchanged
