# Scenario 30 (issue 9, design.md "Seams"): the clip encoded once every
# other clip is done is cut in two at 6 of its 12 s, and its second half is
# encoded at the rate that fills what is left. The output keeps every frame
# and timestamp, has a key frame at the seam, decodes cleanly, and its
# recorded target is the mean of its two rates; the first clip, encoded
# while the second was pending, has no seam. A SIGKILL after the seam and
# --resume restart the clip at the rate it was started at, seam again, and
# the batch fits.
. "$(dirname "$0")/lib.sh"
mkclip in/a_long.mp4 14
mkclip in/b_last.mp4 12
snapshot in/a_long.mp4 in/b_last.mp4
args="--disc-bytes 1_500_000 --safety-bytes 0 --jobs 1"

pbc --build-dir ref --logfile ref.log $args in/a_long.mp4 in/b_last.mp4
expect_rc 0
total=$(disc_total ref)
note "disc total $total of 1500000"
[ "$total" -le 1500000 ] || fail "outputs take $total bytes, more than the usable 1500000"
# Longest first: a_long.mp4 runs while b_last.mp4 is pending, so no seam.
expect_not_in ref.log "a_long.mp4: seam at"
expect_not_in ref.log "a_long.mp4: every other clip is done"
start=$(sed -n 's/.*clip [0-9]\/2 b_last.mp4: encoding .* at \([0-9]*\) kbit\/s video.*/\1/p' ref.log)
rest=$(sed -n 's/.*b_last.mp4: every other clip is done: after 6.000 s the rest gets \([0-9]*\) kbit\/s.*/\1/p' ref.log)
note "b_last.mp4: started at $start kbit/s, the rest at $rest kbit/s"
[ -n "$start" ] && [ -n "$rest" ] || fail "the log does not give the start rate and the seam's"
expect_in ref.log "b_last.mp4: seam at 6.000 s: [0-9]+ bytes of video before it; the rest at $rest kbit/s"
# One seam only: a second would leave 3 s, under the 5 s minimum.
[ "$(grep -c 'b_last.mp4: seam at' ref.log)" -eq 1 ] || fail "more than one seam in a 12 s clip"
target=$(clip_field ref/progress.completed.json b_last.mp4 target_kbps)
mean=$(( (start * 6 + rest * 6 + 6) / 12 ))
[ "$target" -eq "$mean" ] || fail "recorded target $target kbit/s, expected the mean $mean of $start and $rest"
expect_in ref.log "clip 2/2 b_last.mp4: done, [0-9]+ bytes at $target kbit/s"
# Every frame and timestamp, a key frame at 6 s, a clean decode.
ffprobe -v error -select_streams v -show_entries packet=pts_time -of csv=p=0 in/b_last.mp4 |
    sort -n > src.ts
ffprobe -v error -select_streams v -show_entries packet=pts_time,flags -of csv=p=0 ref/b_last.mp4 \
    > out.pk
cut -d, -f1 out.pk | sort -n > out.ts
cmp -s src.ts out.ts || fail "b_last.mp4's frames or timestamps differ from the source's"
note "$(wc -l < out.ts) frames; key frames at: $(grep ',K' out.pk | cut -d, -f1 | tr '\n' ' ')"
grep -q '^6\.000000,K' out.pk || fail "no key frame at the seam (6 s)"
err=$(ffmpeg -nostdin -v error -i ref/b_last.mp4 -f null - 2>&1)
[ -z "$err" ] || fail "ffmpeg reports errors decoding b_last.mp4: $err"
p=$(clip_field ref/progress.completed.json b_last.mp4 psnr_y)
awk -v p="$p" 'BEGIN { exit !(p > 20 && p < 100) }' || fail "b_last.mp4: implausible PSNR-Y '$p'"

# Killed after the seam, then resumed.
pbc_bg --build-dir work --logfile work.log $args in/a_long.mp4 in/b_last.mp4
deadline=$(( $(date +%s) + 240 ))
until grep -q "b_last.mp4: seam at" work.log 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "timed out waiting for the seam"
    kill -0 "$pid" 2>/dev/null || fail "the run ended before the seam could be interrupted"
    sleep 0.01
done
kill9
grep -q '"b_last.mp4": "pending"' work/progress.json || fail "b_last.mp4 is not pending after the kill"
# (Its own start rate: SVT-AV1 on several threads does not write the same
# bytes twice, so the first clip's size, and this rate, may differ.)
start=$(sed -n 's/.*clip [0-9]\/2 b_last.mp4: encoding .* at \([0-9]*\) kbit\/s video.*/\1/p' work.log)
[ -n "$start" ] && [ "$(start_kbps work/progress.json b_last.mp4)" -eq "$start" ] ||
    fail "b_last.mp4's start rate is not saved as $start"
lines=$(wc -l < work.log)
pbc --logfile work.log --resume work/progress.json
expect_rc 0
tail -n +"$((lines + 1))" work.log > resumed.log
expect_in resumed.log "b_last.mp4: encoding .* at $start kbit/s video \(restarted at the target it was started at"
expect_in resumed.log "b_last.mp4: seam at 6.000 s"
total=$(disc_total work)
[ "$total" -le 1500000 ] || fail "resumed outputs take $total bytes, more than the usable 1500000"
unchanged
