# Scenario 11: the inputs exceed the usable bytes -> ENCODE, exit 0, the
# build directory fits. Scaled from a 25 GB disc with a 0.5 GB margin to a
# 2 MB disc with a 40 kB margin (the same 2%). Probing and encoding leave
# even the originals' access times alone (O_NOATIME).
. "$(dirname "$0")/lib.sh"
mkclip in/cam1_001.mp4 6
mkclip in/cam1_002.mov 4
snapshot in/cam1_001.mp4 in/cam1_002.mov
old_atime in/cam1_001.mp4 in/cam1_002.mov
pbc --build-dir work --logfile prep.log --disc-bytes 2_000_000 --safety-bytes 40_000 in/cam1_001.mp4 in/cam1_002.mov
expect_rc 0
atime_kept in/cam1_001.mp4 in/cam1_002.mov
expect_in prep.log 'mode ENCODE'
expect_in prep.log 'budget: video kbps = '
expect_in work/progress.completed.json '"mode": "ENCODE"'
expect_in work/progress.completed.json '"kbps": [0-9]+'
[ -f work/cam1_002.mp4 ] || fail "the .mov input was not encoded to cam1_002.mp4"
total=$(disc_total work)
note "build directory: $total bytes on the disc of 1960000 usable"
[ "$total" -le 1960000 ] || fail "the build directory takes $total bytes, more than 1960000"
for f in cam1_001 cam1_002; do
    [ "$(probe_streams "work/$f.mp4" | sort | tr '\n' ' ')" = "audio:opus video:av1 " ] ||
        fail "work/$f.mp4 is not AV1 + Opus: $(probe_streams "work/$f.mp4")"
    ch=$(ffprobe -v error -select_streams a -show_entries stream=channels,sample_rate -of csv=p=0 "work/$f.mp4")
    [ "$ch" = "48000,1" ] || [ "$ch" = "24000,1" ] || fail "work/$f.mp4 audio is $ch"
done
unchanged
