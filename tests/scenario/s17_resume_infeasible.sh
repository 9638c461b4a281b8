# --resume of an ENCODE job whose plan cannot fit (issue 14; docs/design.md
# "Refusing a batch that cannot fit"): a job planned by an older version,
# or a progress file whose disc was edited, is checked as a fresh run is,
# from the durations it holds. With clips still pending it stops before
# encoding more: exit 2, progress file, outputs and originals untouched.
. "$(dirname "$0")/lib.sh"
mkclip in/clip1.mp4 6
mkclip in/clip2.mp4 4
mkclip in/clip3.mp4 4
snapshot in/clip1.mp4 in/clip2.mp4 in/clip3.mp4
# --jobs 1: one clip at a time, so exactly one is done at the kill.
pbc_bg --build-dir work --logfile prep.log --disc-bytes 3_000_000 --safety-bytes 100_000 \
    --jobs 1 in/clip1.mp4 in/clip2.mp4 in/clip3.mp4
wait_done work/progress.json 1
kill9
# The kill lands after the first clip; on a loaded machine the second may
# be done too. What matters is that a clip is still pending.
ndone=$(done_count work/progress.json)
[ "$ndone" -ge 1 ] && [ "$ndone" -le 2 ] || fail "$ndone clips done at the kill, expected 1 or 2"
# The disc the job was planned for, made too small for its clips.
sed -i 's/"disc_bytes": 3000000,/"disc_bytes": 150000,/' work/progress.json
expect_in work/progress.json '"disc_bytes": 150000,'
sed -i 's/"safety_bytes": 100000,/"safety_bytes": 0,/' work/progress.json
cp work/progress.json progress.before
ls -l --time-style=full-iso work > ls.before
rm -f prep.log
pbc --logfile prep.log --resume work/progress.json
expect_rc 2
expect_in prep.log "resuming work/progress.json: $ndone of 3 clips done"
expect_in prep.log '\[ERROR\] the batch cannot fit: with its video at the floor of 50 kbit/s it takes at least [0-9]+ bytes'
expect_in prep.log 'what would fit: the smallest disc at 50 kbit/s is [0-9]+ bytes'
expect_in prep.log 'exit code 2'
expect_not_in prep.log ': encoding |final guard|fill pass'
cmp -s progress.before work/progress.json || fail "the refused resume changed the progress file"
ls -l --time-style=full-iso work > ls.after
cmp -s ls.before ls.after || fail "the refused resume changed the build directory: $(diff ls.before ls.after)"
unchanged
