# Scenario 1: --disc-bytes 50_000_000_000, inputs fit -> COPY, exit 0, the
# log shows the capacity as 50 GB.
. "$(dirname "$0")/lib.sh"
mkfile in/cam1_001.mp4 3000000
mkfile in/cam1_002.mp4 1500000
snapshot in/cam1_001.mp4 in/cam1_002.mp4
pbc --build-dir work --logfile prep.log --disc-bytes 50_000_000_000 in/cam1_001.mp4 in/cam1_002.mp4
expect_rc 0
expect_in prep.log 'capacity \(--disc-bytes\): 50000000000 bytes \(50\.00 GB\)'
expect_in prep.log 'mode COPY'
expect_in out.txt 'capacity \(--disc-bytes\): 50000000000 bytes \(50\.00 GB\)'
for f in cam1_001.mp4 cam1_002.mp4; do
    cmp -s "in/$f" "work/$f" || fail "work/$f differs from in/$f"
done
[ -f work/progress.completed.json ] || fail "no progress.completed.json"
[ ! -e work/progress.json ] || fail "progress.json left after a complete run"
expect_in work/progress.completed.json '"mode": "COPY"'
expect_in work/progress.completed.json '"kbps": null'
unchanged
