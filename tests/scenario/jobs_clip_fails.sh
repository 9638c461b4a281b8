# --jobs 2 (issue 11): one clip fails mid-encode (its original is
# truncated while it is being encoded) and stops the other cleanly: its
# partial file removed, the progress file saved with the other's start
# target, the originals untouched but the truncated one, exit 4.
. "$(dirname "$0")/lib.sh"
mkclip in/long.mp4 12 640x360
mkclip in/short.mp4 10 640x360
snapshot in/long.mp4
pbc_bg --build-dir work --logfile prep.log --disc-bytes 3_000_000 --safety-bytes 100_000 \
    --jobs 2 in/long.mp4 in/short.mp4
wait_in_flight work/progress.json 2
truncate -s $(( $(stat -c %s in/short.mp4) / 2 )) in/short.mp4
wait "$pid"
rc=$?
expect_rc 4
expect_in out.txt "\\[ERROR\\] .*short.mp4"
expect_in out.txt "clip short.mp4 failed: stopping the 1 other clip in flight"
expect_in out.txt "long.mp4: interrupted; the partial output is removed"
expect_in out.txt "stopped by an error: progress saved"
expect_not_in out.txt "long.mp4: done"
ls -a work | grep -q pbc-partial && fail "a partial file is left"
[ -e work/long.mp4 ] || [ -e work/short.mp4 ] && fail "an output was left for a clip that did not finish"
[ "$(done_count work/progress.json)" -eq 0 ] || fail "a clip is marked done"
[ -n "$(start_kbps work/progress.json long.mp4)" ] || fail "long.mp4's start target is not in the progress file"
unchanged
