# Fill pass, once more after an attempt that did not fit (design.md "Fill
# pass"): two still scenes VBR cannot spend their rate on leave most of
# the disc free, and the fill pass raises them. Its first attempt with
# one clip is cut by a real SIGKILL; the progress file then gets the
# record a discarded attempt leaves (that attempt "took the whole disc",
# as the walk of BENCHMARKS.md "Quality" took 46 MB where 21 were free).
# The resumed run tries that clip once more, aimed with what the attempt
# took, and says so; a SIGKILL during that try and a second resume pick
# the same rate (the record is in the progress file); the clip is not
# tried a third time, the record goes with its new output, exit 0.
. "$(dirname "$0")/lib.sh"

# still PATH: 20 s of SMPTE bars, lossless intra frames (1.8 MB; SVT-AV1
# makes 0.2 MB of them at any rate), and a tone.
still() {
    mkdir -p "$(dirname "$1")"
    ffmpeg -nostdin -loglevel error -y \
        -f lavfi -i "smptebars=size=320x240:rate=30:duration=20" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=20" \
        -c:v libx264 -preset ultrafast -qp 0 -g 1 -pix_fmt yuv420p \
        -c:a aac -b:a 96k "$1" || fail "cannot make clip $1"
}

still in/c.mp4
still in/d.mp4
disc=$(stat -c %s in/c.mp4)
# --jobs 1 --threads 1: one encode at a time, so the kills land in it.
pbc_bg --build-dir work --logfile prep.log --no-index --jobs 1 --threads 1 \
    --disc-bytes "$disc" --safety-bytes 0 in/c.mp4 in/d.mp4
wait_line prep.log 'fill pass: .*; re-encoding [cd]\.mp4 \(used'
wait_partial work
kill9
line=$(grep -E 'fill pass: .*; re-encoding [cd]\.mp4 \(used' prep.log)
name=$(echo "$line" | grep -oE 're-encoding [cd]\.mp4' | cut -d' ' -f2)
k=$(echo "$line" | grep -oE 'at [0-9]+ kbit/s$' | grep -oE '[0-9]+')
[ -n "$name" ] && [ -n "$k" ] || fail "cannot read the fill pass's clip and rate from: $line"
note "first attempt: $name at $k kbit/s, cut by the kill"
[ "$(clip_int work/progress.json "$name" encodes)" = 1 ] ||
    fail "$name: encodes $(clip_int work/progress.json "$name" encodes) after a kill during its first fill attempt, expected 1"

# The record of that attempt had it not fit: encoded twice, its rate, and
# the bytes it took (the whole disc).
awk -v n="\"name\": \"$name\"" -v k="$k" -v b="$disc" '
    index($0, n) { on = 1 }
    on && /"encodes": 1,/ { sub(/"encodes": 1,/, "\"encodes\": 2, \"fill_overflow_kbps\": " k ", \"fill_overflow_bytes\": " b ","); on = 0 }
    { print }' work/progress.json > edited.json && mv edited.json work/progress.json
expect_in work/progress.json "\"fill_overflow_kbps\": $k"

retry="fill pass: .*; re-encoding $name once more \\(its attempt at $k kbit/s took $disc bytes and did not fit; now assumed to take [0-9]+% of its prediction\\) at [0-9]+ kbit/s"
pbc_bg --logfile prep.log --resume work/progress.json --jobs 1 --threads 1
wait_line prep.log "$retry"
wait_partial work
kill9
first=$(grep -E "$retry" prep.log | sed 's/^[^]]*] //')
note "$first"
k2=$(echo "$first" | grep -oE 'at [0-9]+ kbit/s$' | grep -oE '[0-9]+')
[ "$k2" -lt "$k" ] || fail "once more at $k2 kbit/s, not below the attempt's $k"
[ "$(clip_int work/progress.json "$name" encodes)" = 2 ] ||
    fail "$name: encodes $(clip_int work/progress.json "$name" encodes) after a kill during its second try, expected 2"
expect_in work/progress.json "\"fill_overflow_kbps\": $k"

pbc --logfile prep.log --resume work/progress.json --jobs 1 --threads 1
expect_rc 0
[ "$(grep -cE "$retry" prep.log)" -eq 2 ] || fail "expected the once-more line twice (killed, resumed)"
second=$(grep -E "$retry" prep.log | tail -n 1 | sed 's/^[^]]*] //')
[ "$second" = "$first" ] || fail "the resumed run picked otherwise: '$second' after '$first'"
expect_in out.txt "clip [0-9]/2 $name: re-encoded, [0-9]+ bytes at $k2 kbit/s \\(fill pass"
# Not a third time, and the other clip had its own one try.
expect_not_in out.txt "re-encoding $name \\(used"
[ "$(clip_int work/progress.completed.json "$name" encodes)" = 3 ] ||
    fail "$name: encodes $(clip_int work/progress.completed.json "$name" encodes), expected 3"
[ "$(clip_int work/progress.completed.json "$name" target_kbps)" = "$k2" ] || fail "$name: target not $k2"
expect_not_in work/progress.completed.json 'fill_overflow'
(cd work && sha256sum --quiet -c SHA256SUMS) > /dev/null || fail "SHA256SUMS does not check"
[ "$(disc_total work)" -le "$disc" ] || fail "the outputs take $(disc_total work) bytes, over $disc"
