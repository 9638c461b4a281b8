# --jobs 2 (issue 11): SIGKILL while two clips are in flight; each one's
# target was saved in the progress file before its encode began, and
# --resume redoes both first, at exactly those targets, then the rest;
# exit 0, the batch fits.
. "$(dirname "$0")/lib.sh"
mkclip in/clip1.mp4 10
mkclip in/clip2.mp4 8
mkclip in/clip3.mp4 4
snapshot in/clip1.mp4 in/clip2.mp4 in/clip3.mp4
pbc_bg --build-dir work --logfile prep.log --disc-bytes 3_000_000 --safety-bytes 100_000 \
    --jobs 2 in/clip1.mp4 in/clip2.mp4 in/clip3.mp4
wait_in_flight work/progress.json 2
kill9
k1=$(start_kbps work/progress.json clip1.mp4)
k2=$(start_kbps work/progress.json clip2.mp4)
[ -n "$k1" ] && [ -n "$k2" ] || fail "clip1 and clip2 are not both in flight in the progress file"
[ -z "$(start_kbps work/progress.json clip3.mp4)" ] || fail "clip3 has a start target but was not started"
# What the killed run logged is what it saved.
expect_in prep.log "clip1.mp4: encoding .* at $k1 kbit/s video"
expect_in prep.log "clip2.mp4: encoding .* at $k2 kbit/s video"
pbc --logfile prep.log --resume work/progress.json --jobs 2
expect_rc 0
expect_in out.txt "resuming work/progress.json: 0 of 3 clips done"
expect_in out.txt "clip 1/3 clip1.mp4: encoding .* at $k1 kbit/s video \\(restarted at the target it was started at before the interruption; stored kbps [0-9]+"
expect_in out.txt "clip 2/3 clip2.mp4: encoding .* at $k2 kbit/s video \\(restarted at the target it was started at before the interruption; stored kbps [0-9]+"
expect_in out.txt "clip 3/3 clip3.mp4: encoding .*stored kbps [0-9]+"
# Encoded at their stored targets (unless the final guard re-encoded one).
for pair in "clip1.mp4 $k1" "clip2.mp4 $k2"; do
    set -- $pair
    [ "$(clip_int work/progress.completed.json "$1" encodes)" = 1 ] || continue
    [ "$(clip_int work/progress.completed.json "$1" target_kbps)" = "$2" ] ||
        fail "$1 was encoded at $(clip_int work/progress.completed.json "$1" target_kbps), stored $2"
done
expect_not_in work/progress.completed.json '"start_kbps"'
for n in 1 2 3; do
    [ "$(probe_streams "work/clip$n.mp4" | sort | tr '\n' ' ')" = "audio:opus video:av1 " ] ||
        fail "work/clip$n.mp4 is not AV1 + Opus"
done
total=$(disc_total work)
[ "$total" -le 2900000 ] || fail "outputs take $total bytes, more than the usable 2900000"
ls -a work | grep -q pbc-partial && fail "a partial file is left"
unchanged
