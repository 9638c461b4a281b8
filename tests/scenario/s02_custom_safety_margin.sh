# Scenario 2: --safety-bytes 0, inputs are 99.6% of the disc -> COPY,
# exit 0, final size <= the disc. Scaled from 24.9 GB of 25 GB to 249 MB of
# 250 MB: the margin is 0 as in the scenario, and the 1 MB left still holds
# the build directory's own files (progress file, manifests) as the 100 MB
# of the real scenario do.
. "$(dirname "$0")/lib.sh"
mkfile in/a.mp4 83000000
mkfile in/b.mp4 83000000
mkfile in/c.mp4 83000000
snapshot in/*.mp4
pbc --build-dir work --logfile prep.log --disc-bytes 250_000_000 --safety-bytes 0 in/a.mp4 in/b.mp4 in/c.mp4
expect_rc 0
expect_in prep.log 'usable bytes \(capacity - safety\): 250000000 bytes'
expect_in prep.log 'mode COPY'
# What the disc holds: every file of the build directory in whole sectors.
total=0
for f in work/*; do
    s=$(stat -c %s "$f")
    total=$(( total + (s + 2047) / 2048 * 2048 ))
done
note "build directory on disc: $total bytes"
[ "$total" -le 250000000 ] || fail "build directory takes $total bytes, more than 250000000"
for f in a.mp4 b.mp4 c.mp4; do cmp -s "in/$f" "work/$f" || fail "work/$f differs"; done
unchanged
