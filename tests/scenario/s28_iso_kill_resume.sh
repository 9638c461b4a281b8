# --iso (issue 12): a SIGKILL while the image is being written leaves no
# file under the image's name (only its partial), and --resume writes one
# complete image, removes the partial, and the image verifies.
. "$(dirname "$0")/lib.sh"
mkfile in/cam1.mp4 300000
truncate -s 150M in/cam2.mp4 || fail "cannot make a sparse clip"
pbc_bg --build-dir work --logfile prep.log --iso disc.iso in/cam1.mp4 in/cam2.mp4
partial=.disc.iso.pbc-partial
deadline=$(( $(date +%s) + 240 ))
while [ ! -e "$partial" ] || [ "$(stat -c %s "$partial")" -lt 1000000 ]; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "timed out waiting for the image to be written"
    kill -0 "$pid" 2>/dev/null || { wait "$pid"; rc=$?; fail "process ended (exit $rc) before the image was half written"; }
    sleep 0.005
done
kill9
[ -e disc.iso ] && fail "disc.iso exists after a kill during its write"
[ -e disc.iso.sha256 ] && fail "disc.iso.sha256 exists after a kill during the image's write"
[ -e "$partial" ] || fail "no partial image after the kill"
note "killed with $(stat -c %s "$partial") bytes of the image written"
[ -f work/progress.json ] || fail "the progress file was renamed before the image was written"

# The image is the job's: another one on resume is refused (exit 3).
pbc --logfile prep.log --resume work/progress.json --iso other.iso
expect_rc 3
expect_in err.txt "--iso other.iso differs from $SCRATCH/disc.iso in the progress file"
pbc --logfile prep.log --resume work/progress.json
expect_rc 0
[ -e "$partial" ] && fail "the partial image is left after the resume"
[ "$(cat disc.iso.sha256)" = "$(sha disc.iso)  disc.iso" ] || fail "disc.iso.sha256 is not the image's hash"
[ "$(grep -c 'writing the image' prep.log)" -eq 2 ] || fail "the image was not written again by the resume"
pbc --verify disc.iso
expect_rc 0
expect_in out.txt 'all 2 outputs and SHA256SUMS match'

# A completed job whose image is gone: resuming its completed progress
# file writes the image again (the step is idempotent).
rm disc.iso disc.iso.sha256
pbc --logfile prep.log --resume work/progress.completed.json
expect_rc 0
[ -f disc.iso ] || fail "resuming the completed job did not write the missing image"
[ "$(cat disc.iso.sha256)" = "$(sha disc.iso)  disc.iso" ] || fail "disc.iso.sha256 is not the new image's hash"
pbc --verify disc.iso
expect_rc 0
