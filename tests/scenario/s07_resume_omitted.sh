# Scenario 7: a progress file exists but the run is started without
# --resume -> it is replaced, a warning is logged, processing restarts.
. "$(dirname "$0")/lib.sh"
for n in 1 2 3; do mkfile "in/clip$n.mp4" 100000000; done
snapshot in/clip1.mp4 in/clip2.mp4 in/clip3.mp4
pbc_bg --build-dir work --logfile prep.log in/clip1.mp4 in/clip2.mp4 in/clip3.mp4
wait_done work/progress.json 1
kill9
cp work/progress.json old_progress.json
pbc --build-dir work --logfile prep.log in/clip1.mp4 in/clip2.mp4 in/clip3.mp4
expect_rc 0
expect_in out.txt '\[WARN\] .*progress.json exists but --resume was not given: it is replaced'
[ "$(grep -c 'copying' out.txt)" -eq 3 ] || fail "the new run copied $(grep -c copying out.txt) clips, expected all 3"
[ -f work/progress.completed.json ] || fail "no progress.completed.json"
[ "$(done_count work/progress.completed.json)" -eq 3 ] || fail "not all clips done"
for n in 1 2 3; do cmp -s "in/clip$n.mp4" "work/clip$n.mp4" || fail "work/clip$n.mp4 differs"; done
unchanged
