# Scenario 5: as 4 but in ENCODE mode: SIGKILL during the second clip (its
# partial on disk), then --resume: the remaining clips are encoded with the stored
# kbps, the finished output is not touched, exit 0.
. "$(dirname "$0")/lib.sh"
mkclip in/clip1.mp4 8
mkclip in/clip2.mp4 6
mkclip in/clip3.mp4 5
snapshot in/clip1.mp4 in/clip2.mp4 in/clip3.mp4
# --jobs 1: one clip at a time, so the longest is the one done at the kill
# (jobs_kill_resume covers --jobs 2).
pbc_bg --build-dir work --logfile prep.log --disc-bytes 3_000_000 --safety-bytes 100_000 \
    --jobs 1 in/clip1.mp4 in/clip2.mp4 in/clip3.mp4
wait_done work/progress.json 1
wait_partial work
kill9
[ -n "$(partials work)" ] || fail "no partial output after a kill mid-encode"
note "partial at the kill: $(partials work | tr '\n' ' ')"
[ "$(done_count work/progress.json)" -eq 1 ] || fail "$(done_count work/progress.json) clips done at the kill, expected 1"
expect_in work/progress.json '"mode": "ENCODE"'
kbps=$(json_int work/progress.json kbps)
[ -n "$kbps" ] && [ "$kbps" -gt 0 ] || fail "no kbps in the progress file"
# Longest first: clip1 (8 s) is the one done.
expect_in work/progress.json '"clip1.mp4": "done"'
before=$(stat -c '%i %Y %s' work/clip1.mp4)
hash1=$(sha work/clip1.mp4)
pbc --logfile prep.log --resume work/progress.json --jobs 1
expect_rc 0
expect_in out.txt "removed 1 partial [a-z]+ left in"
expect_in out.txt "resuming work/progress.json: 1 of 3 clips done"
expect_in out.txt "video bitrate $kbps kbit/s \\(kept from the progress file\\)"
[ "$(grep -c ': encoding ' out.txt)" -eq 2 ] || fail "the resumed run encoded $(grep -c ': encoding ' out.txt) clips, expected 2"
expect_in out.txt "encoding .*/in/clip2.mp4 .*stored kbps $kbps\\)"
expect_in out.txt "encoding .*/in/clip3.mp4 .*stored kbps $kbps\\)"
expect_not_in out.txt "encoding .*/in/clip1.mp4"
[ "$(json_int work/progress.completed.json kbps)" = "$kbps" ] || fail "kbps changed"
# the page was budgeted by the first run (index_page in the progress file)
# and is written by the resumed one
expect_in work/progress.completed.json '"index_page": true'
[ -f work/index.html ] || fail "the resumed run wrote no index.html"
[ "$(stat -c '%i %Y %s' work/clip1.mp4)" = "$before" ] && [ "$(sha work/clip1.mp4)" = "$hash1" ] ||
    fail "the finished output was touched by the resume"
for n in 1 2 3; do
    [ "$(probe_streams "work/clip$n.mp4" | sort | tr '\n' ' ')" = "audio:opus video:av1 " ] ||
        fail "work/clip$n.mp4 is not AV1 + Opus"
done
total=$(disc_total work)
[ "$total" -le 2900000 ] || fail "outputs take $total bytes, more than the usable 2900000"
ls -a work | grep -q pbc-partial && fail "a partial file is left"
unchanged
