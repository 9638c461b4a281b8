# Issue 4: one clip is much harder to compress than the rest (full-frame
# noise against a clean pattern); the batch-wide feedback and the final guard
# still make the batch fit.
. "$(dirname "$0")/lib.sh"
mkclip in/hard.mp4 5 320x240 noise=alls=100:allf=t+u
mkclip in/easy1.mp4 6 320x240 null
mkclip in/easy2.mp4 5 320x240 null
mkclip in/easy3.mp4 4 320x240 null
snapshot in/hard.mp4 in/easy1.mp4 in/easy2.mp4 in/easy3.mp4
pbc --build-dir work --logfile prep.log --disc-bytes 1_500_000 --safety-bytes 0 \
    in/hard.mp4 in/easy1.mp4 in/easy2.mp4 in/easy3.mp4
expect_rc 0
total=$(disc_total work)
note "build directory: $total of 1500000 bytes"
[ "$total" -le 1500000 ] || fail "the build directory takes $total bytes, more than 1500000"
grep -E 'encoding .* at [0-9]+ kbit/s video' prep.log | sed 's/^.*\] /# /'
unchanged
