# --jobs 2 (issue 11): SIGTERM while two clips are in flight stops both:
# exit 4, no partial file left, no output for either, both start targets
# kept in the progress file for --resume, the originals untouched.
. "$(dirname "$0")/lib.sh"
mkclip in/clip1.mp4 10 640x360
mkclip in/clip2.mp4 8 640x360
snapshot in/clip1.mp4 in/clip2.mp4
pbc_bg --build-dir work --logfile prep.log --disc-bytes 3_000_000 --safety-bytes 100_000 \
    --jobs 2 in/clip1.mp4 in/clip2.mp4
wait_in_flight work/progress.json 2
kill -TERM "$pid"
wait "$pid"
rc=$?
expect_rc 4
expect_in out.txt "clip1.mp4: interrupted; the partial output is removed"
expect_in out.txt "clip2.mp4: interrupted; the partial output is removed"
expect_in out.txt "interrupted: progress saved; resume with --resume"
expect_not_in out.txt "\\[ERROR\\]"
ls -a work | grep -q pbc-partial && fail "a partial file is left"
[ -e work/clip1.mp4 ] || [ -e work/clip2.mp4 ] && fail "an output was left for a clip that did not finish"
[ -n "$(start_kbps work/progress.json clip1.mp4)" ] && [ -n "$(start_kbps work/progress.json clip2.mp4)" ] ||
    fail "the start targets are not both in the progress file"
unchanged
