# --dry-run (issue 4): probes and plans, prints the plan (mode, usable
# bytes, the budget lines, kbps, per-clip predictions, feasibility), writes
# nothing at all (no build directory, no log, no progress file), exits 0,
# or 2 when the batch cannot fit even at the floor.
. "$(dirname "$0")/lib.sh"
mkclip in/a.mp4 5
mkclip in/b.mp4 3
snapshot in/a.mp4 in/b.mp4
# Every file and directory but the test's own output files.
tree() {
    find . -mindepth 1 -not -name 'out.txt' -not -name 'err.txt' -not -name 'tree_*' \
        -printf '%p %s %T@\n' | sort
}
tree > tree_before.txt

pbc --dry-run --build-dir work --logfile prep.log --disc-bytes 900_000 --safety-bytes 0 in/a.mp4 in/b.mp4
expect_rc 0
expect_in out.txt 'dry run: nothing is written'
expect_in out.txt 'mode ENCODE'
expect_in out.txt 'usable bytes \(capacity - safety\): 900000 bytes'
expect_in out.txt 'budget: - Opus audio'
expect_in out.txt 'budget: video kbps = '
expect_in out.txt 'budget: feasible'
expect_in out.txt 'plan: 1/2 a.mp4: 5.000 s, predicted [0-9]+ bytes'
expect_in out.txt 'plan: 2/2 b.mp4: 3.000 s, predicted [0-9]+ bytes'
tree > tree_after.txt
cmp -s tree_before.txt tree_after.txt || fail "the dry run wrote something: $(diff tree_before.txt tree_after.txt)"

pbc --dry-run --build-dir work --logfile prep.log --disc-bytes 60_000 --safety-bytes 0 in/a.mp4 in/b.mp4
expect_rc 2
expect_in out.txt 'the batch cannot fit'
[ ! -e work ] && [ ! -e prep.log ] || fail "the infeasible dry run wrote something"

pbc --dry-run --build-dir work --logfile prep.log in/a.mp4 in/b.mp4
expect_rc 0
expect_in out.txt 'mode COPY'
expect_in out.txt 'plan: 1/2 a.mp4: copy of [0-9]+ bytes'
[ ! -e work ] && [ ! -e prep.log ] || fail "the COPY dry run wrote something"
unchanged
