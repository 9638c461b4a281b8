# Scenario 9: --delete-originals yes and the job is killed mid-run: the
# originals remain until a run exits 0. Both SIGKILL and SIGTERM (exit 4,
# progress saved) are tried, then a resume that exits 0 deletes them.
. "$(dirname "$0")/lib.sh"
for n in 1 2 3; do mkfile "in/clip$n.mp4" 200000000; done
snapshot in/clip1.mp4 in/clip2.mp4 in/clip3.mp4
pbc_bg --build-dir work --logfile prep.log --delete-originals yes in/clip1.mp4 in/clip2.mp4 in/clip3.mp4
wait_done work/progress.json 1
kill9
unchanged
note "SIGKILL after 1 clip: originals all there"

pbc_bg --logfile prep.log --resume work/progress.json
wait_done work/progress.json 2
kill -TERM "$pid"
wait "$pid"; rc=$?
expect_rc 4
expect_in prep.log 'interrupted: progress saved; resume with --resume work/progress.json'
expect_in prep.log 'exit code 4'
unchanged
note "SIGTERM after 2 clips: exit 4, originals all there"

pbc --logfile prep.log --resume work/progress.json
expect_rc 0
while IFS="$(printf '\t')" read -r f h rest; do
    [ ! -e "$f" ] || fail "original $f still exists after exit 0"
    [ "$(sha "work/$(basename "$f")")" = "$h" ] || fail "copy of $f differs from the original"
done < snapshot.txt
