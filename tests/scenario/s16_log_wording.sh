# The log read as a technician would (issue 14, item 6): plurals; a fill
# pass or final guard re-encode named with the clip's real number in the
# job and one wording; "corrected from the bytes still free" only when the
# target differs from the stored kbps; the user from the passwd entry when
# $USER and $LOGNAME are unset; no build directory left after a probe error.
. "$(dirname "$0")/lib.sh"
mkfile in/one.bin 5000
env -u USER -u LOGNAME "$PBC_BIN" --build-dir w1 --logfile one.log in/one.bin > out.txt 2> err.txt
rc=$?
expect_rc 0
expect_in one.log 'mode COPY: 1 clip of 5000 bytes \(5.00 kB\) in all; .* it fits in'
expect_not_in one.log '1 clips|1 outputs|\(s\)'
expect_in one.log 'wrote SHA256SUMS and MANIFEST.json in .*: 1 output, bit-exact copies by '
user=$(id -un)
expect_in one.log "by $user \\(uid $(id -u)\\)"
expect_not_in one.log 'unknown user'
grep -q "\"user\": \"$user\"" w1/MANIFEST.json || fail "MANIFEST.json does not name $user"

# A probe error (ENCODE needed, an input that is no video): exit 1, the log
# says why, and no build directory is left behind.
mkfile in/junk.mp4 300000
pbc --build-dir w2 --logfile two.log --disc-bytes 200_000 --safety-bytes 0 in/junk.mp4
expect_rc 1
expect_in two.log 'cannot probe'
[ ! -e w2 ] || fail "the probe error left the build directory w2 behind"

# A log inside a build directory not made yet: it is made first.
pbc --build-dir w4 --logfile w4/prep.log in/one.bin
expect_rc 0
expect_in w4/prep.log 'exit code 0'
[ -f w4/one.bin ] || fail "no output in w4"

# ENCODE on a disc 25 % above the smallest: the fill pass re-encodes a clip
# that is not the job's only one (no index.html: its bound would take the
# room the fill pass is to find).
mkclip in/a.mp4 6
mkclip in/b.mp4 6
pbc --dry-run --no-index --build-dir w3 --disc-bytes 100_000 --safety-bytes 0 in/a.mp4 in/b.mp4
expect_rc 2
smallest=$(grep -o 'the smallest disc at 50 kbit/s is [0-9]*' out.txt | grep -o '[0-9]*$')
[ -n "$smallest" ] || fail "no smallest disc in the refusal"
pbc --build-dir w3 --logfile three.log --no-index --disc-bytes $((smallest * 5 / 4)) --safety-bytes 0 \
    in/a.mp4 in/b.mp4
expect_rc 0
expect_in three.log 'clip 1/2 a.mp4: encoding .* \(the stored kbps [0-9]+\)'
expect_not_in three.log 'clip 1/2 a.mp4: encoding .*corrected'
grep -Eq 'clip [0-9]+/[0-9]+ [ab]\.mp4: re-encoded' three.log ||
    fail "no clip was re-encoded by the fill pass or final guard: the wording cannot be checked"
expect_not_in three.log 'clip 1/1 '
expect_not_in three.log 'fill pass: [ab]\.mp4: done'
# The last measurement the log gives of each clip is that of its output on
# the disc, a re-encoded one's too (PSNR-Y as recorded in the progress file).
for c in a.mp4 b.mp4; do
    p=$(clip_field w3/progress.completed.json "$c" psnr_y)
    last=$(grep -E "$c: size [0-9]+ bytes, predicted" three.log | tail -n 1)
    case "$last" in
    *"PSNR-Y $(printf %.2f "$p") dB"*) ;;
    *) fail "$c: the log's last measurement ('$last') is not its output's PSNR-Y $p" ;;
    esac
done
# Each re-encode carries the number the clip has in the plan.
for id in $(grep -Eo 'clip [0-9]+/2 [ab]\.mp4: re-encoded' three.log | sed 's/: re-encoded//' | cut -d' ' -f2,3 | tr ' ' '_' | sort -u); do
    grep -q "plan: ${id%_*} ${id#*_}: " three.log || fail "re-encode of ${id#*_} as ${id%_*}: not its number in the plan"
done
