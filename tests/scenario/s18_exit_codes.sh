# The spec's exit codes for the cases the other scenarios do not reach:
# exit 1 (an input that cannot be probed in ENCODE, two inputs that encode
# to one name, a log that cannot be opened, not enough free space), exit 3
# (another --safety-bytes on resume, a pending original that changed, a done
# output of the wrong size), exit 4 (a copy and an encode that fail without
# a signal; SIGINT in both modes), and an original changed after it was
# processed is kept by --delete-originals yes.
. "$(dirname "$0")/lib.sh"
L="--logfile prep.log"

# partial_source DIR: the input name of the clip whose partial is in DIR.
partial_source() {
    clip_partials "$1" | head -n 1 | sed 's/^\.//; s/\.pbc-partial$//'
}

# --- exit 1 ----------------------------------------------------------------
mkclip in/good.mp4 2
mkfile in/junk.mp4 200000
pbc --build-dir w1 $L --disc-bytes 150_000 --safety-bytes 0 in/good.mp4 in/junk.mp4
expect_rc 1
expect_in prep.log "cannot probe .*in/junk.mp4"
[ ! -e w1/good.mp4 ] || fail "a clip was encoded although an input cannot be probed"
note "exit 1: an input that cannot be probed in ENCODE"

mkdir -p same && cp in/good.mp4 same/cam.mp4 && cp in/good.mp4 same/cam.mov
rm -f prep.log
pbc --build-dir w2 $L --disc-bytes 150_000 --safety-bytes 0 same/cam.mp4 same/cam.mov
expect_rc 1
expect_in err.txt "cam.mov.*cam.mp4|cam.mp4.*cam.mov"
[ ! -e w2/cam.mp4 ] || fail "an output was written for two inputs with one output name"
note "exit 1: two inputs that encode to the same .mp4 name"

pbc --build-dir w3 --logfile no/such/dir/prep.log in/good.mp4
expect_rc 1
expect_in err.txt "no/such/dir/prep.log"
[ ! -e w3/good.mp4 ] || fail "the clip was copied although the log cannot be opened"
note "exit 1: a log file that cannot be opened"

# Sparse inputs larger than the free space of the build directory's file
# system, on a disc that holds them: COPY would run out of space.
free=$(df -B1 --output=avail . | tail -n 1 | tr -d ' ')
half=$(( free / 2 + 4096 * 1024 * 1024 ))
truncate -s "$half" big1.mp4 && truncate -s "$half" big2.mp4 || fail "cannot make sparse files"
rm -f prep.log
pbc --build-dir w4 $L --disc-bytes $(( half * 4 )) big1.mp4 big2.mp4
expect_rc 1
expect_in prep.log "not enough free space in .*w4"
[ -z "$(ls w4 2>/dev/null | grep big)" ] || fail "a copy was started without the space for it"
rm -f big1.mp4 big2.mp4
note "exit 1: not enough free space ($free bytes free for $(( half * 2 )))"

# --- exit 3 ----------------------------------------------------------------
for n in 1 2 3; do mkfile "c/clip$n.mp4" 250000000; done
mk_killed_copy() { # a COPY job killed after its first clip, in dir $1
    rm -rf "$1"
    pbc_bg --build-dir "$1" $L c/clip1.mp4 c/clip2.mp4 c/clip3.mp4
    wait_done "$1/progress.json" 1
    kill9
}
mk_killed_copy k1
pbc $L --resume k1/progress.json --safety-bytes 400_000_000
expect_rc 3
expect_in err.txt "safety-bytes"
note "exit 3: another --safety-bytes on resume"

mk_killed_copy k2
pending=$(grep -o '"clip[0-9].mp4": "pending"' k2/progress.json | head -n 1 | cut -d'"' -f2)
touch -d '1 hour ago' "c/$pending"
pbc $L --resume k2/progress.json
expect_rc 3
expect_in err.txt "$pending"
note "exit 3: a pending original ($pending) changed before the resume"
touch c/clip1.mp4 c/clip2.mp4 c/clip3.mp4

mk_killed_copy k3
done_clip=$(grep -o '"clip[0-9].mp4": "done"' k3/progress.json | cut -d'"' -f2)
truncate -s -1 "k3/$done_clip"
pbc $L --resume k3/progress.json
expect_rc 3
expect_in err.txt "$done_clip"
note "exit 3: a done output ($done_clip) of the wrong size"
rm -rf k1 k2 k3

# --- exit 4 ----------------------------------------------------------------
# A copy that fails without a signal: while the first clip is copied, the
# originals not started yet change (a growing file, say); their copy is
# refused. (An append during a copy's own read is caught as well, but when
# it lands is a race with the copy: the clips not yet started make it
# certain.)
rm -rf k4
pbc_bg --build-dir k4 $L c/clip1.mp4 c/clip2.mp4 c/clip3.mp4
wait_partial k4
src=$(partial_source k4)
for f in clip1.mp4 clip2.mp4 clip3.mp4; do
    [ "$f" = "$src" ] || echo x >> "c/$f"
done
wait "$pid"; rc=$?
expect_rc 4
expect_in prep.log "original .*/c/clip[123].mp4 changed since the job was planned"
[ -z "$(partials k4)" ] || fail "a partial was left after a failed copy"
[ "$(done_count k4/progress.json)" -le 1 ] || fail "a changed original was copied"
note "exit 4: a copy that failed (its original changed while $src was copied)"

# An encode that fails without a signal, the same way, one clip at a time.
mkclip e/long.mp4 6
mkclip e/second.mp4 5
rm -rf k5
pbc_bg --build-dir k5 $L --jobs 1 --disc-bytes 600_000 --safety-bytes 0 e/long.mp4 e/second.mp4
wait_partial k5
src=$(partial_source k5)
for f in long.mp4 second.mp4; do
    [ "$f" = "$src" ] || echo x >> "e/$f"
done
wait "$pid"; rc=$?
expect_rc 4
expect_in prep.log "original .*/e/(long|second).mp4 changed since the job was planned"
[ -z "$(partials k5)" ] || fail "a partial was left after a failed encode"
note "exit 4: an encode that failed (its original changed while $src was encoded)"

# SIGINT in COPY and in ENCODE: exit 4, partial removed, progress saved,
# and the resumed run completes.
for c in c/clip1.mp4 c/clip2.mp4 c/clip3.mp4; do touch "$c"; done
rm -rf k6
pbc_bg --build-dir k6 $L c/clip1.mp4 c/clip2.mp4 c/clip3.mp4
wait_partial k6
kill -INT "$pid"
wait "$pid"; rc=$?
expect_rc 4
expect_in prep.log "interrupted: progress saved"
[ -z "$(partials k6)" ] || fail "a partial was left after SIGINT in COPY"
pbc $L --resume k6/progress.json
expect_rc 0
note "exit 4: SIGINT during a copy, then a resume that completes"

mkclip e/b.mp4 8
rm -rf k7
pbc_bg --build-dir k7 $L --disc-bytes 400_000 --safety-bytes 0 e/b.mp4
wait_partial k7
kill -INT "$pid"
wait "$pid"; rc=$?
expect_rc 4
expect_in prep.log "interrupted: progress saved"
[ -z "$(partials k7)" ] || fail "a partial was left after SIGINT in ENCODE"
pbc $L --resume k7/progress.json
expect_rc 0
note "exit 4: SIGINT during an encode, then a resume that completes"

# --- an original changed after processing is kept ----------------------------
for n in 1 2 3; do mkfile "d/clip$n.mp4" 100000000; done
rm -rf k8
pbc_bg --build-dir k8 $L --delete-originals yes d/clip1.mp4 d/clip2.mp4 d/clip3.mp4
wait_done k8/progress.json 1
first=$(grep -o '"clip[0-9].mp4": "done"' k8/progress.json | cut -d'"' -f2)
echo x >> "d/$first"
wait "$pid"; rc=$?
expect_rc 0
[ -f "d/$first" ] || fail "the original $first, changed after it was copied, was deleted"
expect_in prep.log "original .*$first changed since it was processed: kept"
[ "$(ls d | wc -l)" -eq 1 ] || fail "the unchanged originals were not deleted: $(ls d)"
note "an original changed after processing ($first) is kept by --delete-originals yes"
