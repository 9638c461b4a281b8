# Scenario 8: a budget too small for even the lowest bitrate: the plan says
# so before encoding, the outputs are finished, exit 2, outputs and
# originals kept, the progress file is not marked completed.
. "$(dirname "$0")/lib.sh"
mkclip in/a.mp4 6
mkclip in/b.mp4 4
snapshot in/a.mp4 in/b.mp4
pbc --build-dir work --logfile prep.log --disc-bytes 100_000 --safety-bytes 0 in/a.mp4 in/b.mp4
expect_rc 2
expect_in prep.log 'mode ENCODE'
expect_in prep.log '\[ERROR\] the budget is infeasible'
plan_line=$(grep -n 'the budget is infeasible' prep.log | head -n 1 | cut -d: -f1)
enc_line=$(grep -n ': encoding ' prep.log | head -n 1 | cut -d: -f1)
[ -n "$enc_line" ] && [ "$plan_line" -lt "$enc_line" ] || fail "infeasibility not reported before encoding"
expect_in prep.log 'exceed|more than the usable'
expect_in prep.log 'exit code 2'
[ -f work/a.mp4 ] && [ -f work/b.mp4 ] || fail "outputs not kept"
[ -f work/progress.json ] && [ ! -e work/progress.completed.json ] || fail "progress file should stay progress.json"
[ "$(done_count work/progress.json)" -eq 2 ] || fail "not every clip finished"
unchanged
