# A final-guard re-encode cut by a real SIGKILL resumes at the guard's
# rate, not at a new feedback target: the guard marks the clip pending,
# with that rate as its start_kbps, and saves before it encodes
# (design.md "Final guard"). To reach the guard for certain, a finished
# batch's disc is made 10 % smaller in its progress file: resumed, its
# outputs need more than usable, and the guard re-encodes one. That encode
# is killed; the progress file then holds the clip pending at the guard's
# rate, its old output still in place; the next resume restarts it at that
# rate and says so, the batch fits, exit 0.
. "$(dirname "$0")/lib.sh"

mkclip in/a.mp4 20
mkclip in/b.mp4 8
snapshot in/a.mp4 in/b.mp4
# --jobs 1 --threads 1: one encode at a time, long enough for the kill.
pbc --build-dir work --logfile prep.log --no-index --jobs 1 --threads 1 \
    --disc-bytes 1_400_000 --safety-bytes 0 in/a.mp4 in/b.mp4
expect_rc 0
small=$(( $(disc_total work) * 9 / 10 ))
mv work/progress.completed.json work/progress.json
sed -i "s/\"disc_bytes\": [0-9]*/\"disc_bytes\": $small/" work/progress.json
expect_in work/progress.json "\"disc_bytes\": $small,"

guard='final guard: the outputs need [0-9]+ bytes, [0-9]+ more than usable; re-encoding [ab]\.mp4 \([0-9]+ bytes at [0-9]+ kbit/s\) at [0-9]+ kbit/s$'
pbc_bg --resume work/progress.json --logfile prep2.log --jobs 1 --threads 1
wait_line prep2.log "$guard"
wait_partial work
kill9
line=$(grep -E "$guard" prep2.log | sed 's/^[^]]*] //')
name=$(echo "$line" | grep -oE 're-encoding [ab]\.mp4' | cut -d' ' -f2)
k=$(echo "$line" | grep -oE 'at [0-9]+ kbit/s$' | grep -oE '[0-9]+')
[ -n "$name" ] && [ -n "$k" ] || fail "cannot read the guard's clip and rate from: $line"
note "$line (killed)"
expect_in work/progress.json "\"$name\": \"pending\""
[ "$(start_kbps work/progress.json "$name")" = "$k" ] ||
    fail "$name: start_kbps '$(start_kbps work/progress.json "$name")' after the kill, expected the guard's $k"
[ -s "work/$name" ] || fail "the old output of $name is gone before the new one replaced it"

pbc --resume work/progress.json --logfile prep3.log --jobs 1 --threads 1
expect_rc 0
expect_in prep3.log "clip [12]/2 $name: encoding .* at $k kbit/s video \\(restarted at the target it was started at before the interruption"
[ "$(grep -c 'encoding .* kbit/s video' prep3.log)" -eq 1 ] ||
    fail "the resumed run encoded $(grep -c 'encoding .* kbit/s video' prep3.log) clips, expected 1"
total=$(disc_total work)
note "after the resume: $total of $small bytes"
[ "$total" -le "$small" ] || fail "the build directory takes $total bytes, more than $small"
[ "$(clip_int work/progress.completed.json "$name" target_kbps)" = "$k" ] ||
    fail "$name: target_kbps $(clip_int work/progress.completed.json "$name" target_kbps), expected $k"
expect_not_in work/progress.completed.json '"start_kbps"'
(cd work && sha256sum --quiet -c SHA256SUMS) > /dev/null || fail "SHA256SUMS does not check"
clip_partials work | grep -q . && fail "a partial output is left"
unchanged
