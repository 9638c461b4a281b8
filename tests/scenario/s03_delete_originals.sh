# Scenario 3: --delete-originals yes, inputs fit -> after exit 0 the
# originals are gone and the copies exist, identical to what they were.
. "$(dirname "$0")/lib.sh"
mkfile in/a.mp4 2000000
mkfile in/b.mp4 1000000
ha=$(sha in/a.mp4); hb=$(sha in/b.mp4)
pbc --build-dir work --logfile prep.log --delete-originals yes in/a.mp4 in/b.mp4
expect_rc 0
[ ! -e in/a.mp4 ] && [ ! -e in/b.mp4 ] || fail "originals still exist"
[ "$(sha work/a.mp4)" = "$ha" ] || fail "work/a.mp4 is not the original's content"
[ "$(sha work/b.mp4)" = "$hb" ] || fail "work/b.mp4 is not the original's content"
expect_in prep.log 'deleted original .*/in/a.mp4'
expect_in work/progress.completed.json "$ha"
