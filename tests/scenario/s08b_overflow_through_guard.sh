# Scenario 8, the spec's case: the plan fits, but the outputs do not (a
# clip of random pixels that no encoder can bring near its target). The
# final guard finds no re-encode that helps; exit 2, outputs and originals
# kept (even with --delete-originals yes), progress file not completed.
. "$(dirname "$0")/lib.sh"
mkdir -p in
ffmpeg -nostdin -loglevel error -y -f lavfi -i "color=size=320x240:rate=30:duration=3" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=3" \
    -vf "geq=lum='random(1)*255':cb=128:cr=128" -c:v libx264 -preset ultrafast -crf 20 \
    -pix_fmt yuv420p -c:a aac -b:a 96k in/noise.mp4 || fail "cannot make in/noise.mp4"
snapshot in/noise.mp4
pbc --build-dir work --logfile prep.log --disc-bytes 150_000 --safety-bytes 0 \
    --delete-originals yes in/noise.mp4
expect_rc 2
expect_in prep.log 'mode ENCODE'
expect_in prep.log 'budget: feasible: the batch is planned to fit'
expect_not_in prep.log 'infeasible'
expect_in prep.log 'clip 1/1 noise.mp4: done'
expect_in prep.log 'final guard: .*no re-encode can lower that'
expect_in prep.log 'more than the usable 150000 bytes'
expect_in prep.log 'exit code 2'
[ "$(disc_total work)" -gt 150000 ] || fail "the outputs fit after all: the case no longer tests the guard"
[ -f work/noise.mp4 ] || fail "output not kept"
[ -f work/progress.json ] && [ ! -e work/progress.completed.json ] || fail "progress file should stay progress.json"
[ "$(done_count work/progress.json)" -eq 1 ] || fail "the clip is not marked done"
unchanged
