# Scenario 4: SIGKILL during the second of 3 copies (its partial on disk),
# then --resume: the finished copy is skipped (not rewritten), the partial
# removed, the other 2 are copied, exit 0.
. "$(dirname "$0")/lib.sh"
for n in 1 2 3; do mkfile "in/clip$n.mp4" 300000000; done
snapshot in/clip1.mp4 in/clip2.mp4 in/clip3.mp4
pbc_bg --build-dir work --logfile prep.log in/clip1.mp4 in/clip2.mp4 in/clip3.mp4
wait_done work/progress.json 1
wait_partial work
kill9
[ -n "$(partials work)" ] || fail "no partial output after a kill mid-copy"
note "partial at the kill: $(partials work | tr '\n' ' ')"
[ "$(done_count work/progress.json)" -eq 1 ] || fail "$(done_count work/progress.json) clips done at the kill, expected 1"
expect_in work/progress.json '"files"'
first=$(grep -o '"clip[0-9].mp4": "done"' work/progress.json | cut -d'"' -f2)
before=$(stat -c '%i %Y %s' "work/$first")
ls -a work > after_kill.txt
note "after the kill: $(tr '\n' ' ' < after_kill.txt)"
for f in work/clip*.mp4; do
    [ "$f" = "work/$first" ] || fail "a final name exists for an unfinished copy: $f"
done
pbc --logfile prep.log --resume work/progress.json
expect_rc 0
expect_in out.txt "removed 1 partial file left in"
expect_in out.txt "resuming work/progress.json: 1 of 3 clips done"
[ "$(grep -c 'copying' out.txt)" -eq 2 ] || fail "the resumed run copied $(grep -c copying out.txt) clips, expected 2"
expect_not_in out.txt "copying .*/in/$first"
[ "$(stat -c '%i %Y %s' "work/$first")" = "$before" ] || fail "the finished copy was touched by the resume"
for n in 1 2 3; do cmp -s "in/clip$n.mp4" "work/clip$n.mp4" || fail "work/clip$n.mp4 differs"; done
ls -a work | grep -q pbc-partial && fail "a partial file is left"
unchanged
