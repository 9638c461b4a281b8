# Scenario 24: index.html on a tight disc. Three 2 s clips on a 200 kB
# disc, where the page's bound (thumbnails inline, each cut to the small
# disc's budget of 4 kB) is ~20 % of the disc and the page itself more
# than 10 %: the budget counts the bound before encoding, so the batch with
# its page still fits. --no-index leaves the page out and gives its bytes
# to the video.
. "$(dirname "$0")/lib.sh"
for i in 1 2 3; do mkclip "in/c$i.mp4" 2; done
pbc --build-dir work --logfile prep.log --disc-bytes 200_000 --safety-bytes 0 in/c1.mp4 in/c2.mp4 in/c3.mp4
expect_rc 0
expect_in prep.log 'mode ENCODE'
expect_in prep.log 'wrote index.html: [0-9]+ bytes .*3 thumbnails'
expect_in work/progress.completed.json '"index_page": true'
[ -f work/index.html ] || fail "no index.html"
[ "$(grep -o '<img class="thumb"' work/index.html | wc -l)" -eq 3 ] || fail "index.html has not 3 thumbnails"
page=$(( ($(stat -c %s work/index.html) + 2047) / 2048 * 2048 ))
total=$(disc_total work)
note "index.html takes $page of the $total bytes on the disc (usable 200000)"
[ "$total" -le 200000 ] || fail "the build directory takes $total bytes, more than 200000"
[ $(( page * 10 )) -ge 200000 ] || fail "the page is not a large share of the disc ($page bytes)"
other=$(grep -o "build directory's files *[0-9]*" prep.log | grep -o '[0-9]*$')

pbc --build-dir bare --logfile bare.log --disc-bytes 200_000 --safety-bytes 0 --no-index in/c1.mp4 in/c2.mp4 in/c3.mp4
expect_rc 0
[ ! -e bare/index.html ] || fail "--no-index wrote index.html"
expect_not_in bare/progress.completed.json '"index_page"'
expect_not_in bare.log 'wrote index.html'
bare_other=$(grep -o "build directory's files *[0-9]*" bare.log | grep -o '[0-9]*$')
note "own-files bound: $other bytes with the page, $bare_other without"
[ "$bare_other" -lt "$other" ] || fail "the bound is not smaller without the page"
[ "$(disc_total bare)" -le 200000 ] || fail "the --no-index build directory does not fit"
