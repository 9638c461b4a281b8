# Scenario 10: defaults, inputs fit -> COPY, exit 0, each copy's SHA-256 is
# the original's; name, mode and modification time are kept; the originals'
# access times do not move (O_NOATIME).
. "$(dirname "$0")/lib.sh"
mkfile in/cam1_001.mp4 5000000
mkfile "in/cam 2 night.MP4" 1234567
mkfile in/empty.mp4 0
chmod 640 in/cam1_001.mp4
touch -d '2024-03-01 12:34:56.123456789' in/cam1_001.mp4
snapshot in/cam1_001.mp4 "in/cam 2 night.MP4" in/empty.mp4
old_atime "in/cam 2 night.MP4" in/empty.mp4
pbc --build-dir work --logfile prep.log in/cam1_001.mp4 "in/cam 2 night.MP4" in/empty.mp4
expect_rc 0
atime_kept "in/cam 2 night.MP4" in/empty.mp4
expect_in prep.log 'capacity \(--disc-bytes\): 25000000000 bytes \(25\.00 GB\)'
expect_in prep.log 'safety margin \(--safety-bytes\): 500000000 bytes'
expect_in prep.log 'mode COPY'
expect_in prep.log 'exit code 0'
for f in cam1_001.mp4 "cam 2 night.MP4" empty.mp4; do
    [ "$(sha "in/$f")" = "$(sha "work/$f")" ] || fail "SHA-256 of work/$f differs"
    [ "$(stat -c '%a %y' "in/$f")" = "$(stat -c '%a %y' "work/$f")" ] || fail "mode or mtime of work/$f differs"
    expect_in work/progress.completed.json "$(sha "in/$f")"
done
unchanged
