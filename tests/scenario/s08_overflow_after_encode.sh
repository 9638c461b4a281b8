# Scenario 8 (issue 14): a batch that cannot fit even at the lowest
# bitrate is refused before the first encode: exit 2, no build directory,
# no output or partial, originals untouched, and the log says the smallest
# disc that could hold it. On that smallest disc the run is not refused; it
# encodes, the measured outputs show no smaller disc could have held them
# (the refusal never refuses a batch that fits), and when they do not fit
# the run ends with exit 2 after encoding, outputs and originals kept.
. "$(dirname "$0")/lib.sh"
mkclip in/a.mp4 6
mkclip in/b.mp4 4
snapshot in/a.mp4 in/b.mp4
pbc --build-dir work --logfile prep.log --disc-bytes 100_000 --safety-bytes 0 in/a.mp4 in/b.mp4
expect_rc 2
expect_in prep.log 'mode ENCODE'
expect_in prep.log '\[ERROR\] the batch cannot fit: with its video at the floor of 50 kbit/s it takes at least [0-9]+ bytes'
expect_in prep.log 'what would fit: the smallest disc at 50 kbit/s is [0-9]+ bytes \([0-9.]+ kB\)'
expect_in prep.log 'audio and overhead alone take [0-9]+ bytes \([0-9.]+ kB\) of the budget, [0-9.]+% of the usable'
expect_in prep.log 'exit code 2'
expect_not_in prep.log ': encoding |infeasible.*exit code 2'
[ ! -e work ] || fail "the refused run made the build directory: $(ls -la work)"
find . -name '*pbc-partial*' | grep -q . && fail "a partial file exists"
unchanged
smallest=$(grep -o 'the smallest disc at 50 kbit/s is [0-9]*' prep.log | grep -o '[0-9]*$')
note "smallest disc: $smallest bytes"

# One byte less is refused too, at once (the dry run plans the same way).
pbc --dry-run --build-dir work --disc-bytes $((smallest - 1)) --safety-bytes 0 in/a.mp4 in/b.mp4
expect_rc 2
expect_in out.txt 'the batch cannot fit'
pbc --dry-run --build-dir work --disc-bytes "$smallest" --safety-bytes 0 in/a.mp4 in/b.mp4
expect_rc 0
expect_in out.txt 'budget: tight'
# With --balance quality on that disc every clip is at the floor: no clip
# can give bits to another, so no analysis runs, and the log says why.
pbc --dry-run --balance quality --build-dir work --disc-bytes "$smallest" --safety-bytes 0 in/a.mp4 in/b.mp4
expect_rc 0
expect_in out.txt 'balance quality: no allocation \(the budget is at the floor: no clip can give bits to another\); every clip is planned at 50 kbit/s'
expect_not_in out.txt 'analysis:'

rm -f prep.log
pbc --build-dir work --logfile prep.log --disc-bytes "$smallest" --safety-bytes 0 in/a.mp4 in/b.mp4
expect_in prep.log 'budget: tight'
total=$(grep -o 'the outputs take [0-9]*' prep.log | grep -o '[0-9]*$')
[ -n "$total" ] || fail "no measured total in the log"
[ "$total" -ge "$smallest" ] || fail "the outputs take $total bytes, less than the $smallest the refusal said was the least"
note "at the floor the outputs take $total bytes, the refusal's least was $smallest"
expect_rc 2
expect_in prep.log 'more than the usable'
expect_in prep.log 'exit code 2'
[ -f work/a.mp4 ] && [ -f work/b.mp4 ] || fail "outputs not kept"
[ -f work/progress.json ] && [ ! -e work/progress.completed.json ] || fail "progress file should stay progress.json"
[ "$(done_count work/progress.json)" -eq 2 ] || fail "not every clip finished"
unchanged
