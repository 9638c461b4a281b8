# Scenario 1: --disc-bytes 50_000_000_000, inputs fit -> COPY, exit 0, the
# log shows the capacity as 50 GB. The disc size must decide: 26 GB of
# (sparse) inputs are more than the default 25 GB disc holds and fit on 50 GB;
# --dry-run shows the decision (on stdout: it writes nothing) without
# copying 26 GB. Then a real COPY of small files at 50 GB.
. "$(dirname "$0")/lib.sh"
mkdir -p big
truncate -s 13G big/cam2_001.mp4 && truncate -s 13G big/cam2_002.mp4 || fail "cannot make sparse files"
pbc --dry-run --build-dir dry --logfile dry.log big/cam2_001.mp4 big/cam2_002.mp4
expect_rc 1 # sparse files are no media: ENCODE cannot probe them
expect_in out.txt 'capacity \(--disc-bytes\): 25000000000 bytes \(25\.00 GB\)'
expect_in out.txt 'mode ENCODE: the 2 clips total 27917287424 bytes'
pbc --dry-run --build-dir dry --logfile dry.log --disc-bytes 50_000_000_000 big/cam2_001.mp4 big/cam2_002.mp4
expect_rc 0
expect_in out.txt 'capacity \(--disc-bytes\): 50000000000 bytes \(50\.00 GB\)'
expect_in out.txt 'mode COPY: the 2 clips total 27917287424 bytes'
[ ! -e dry/cam2_001.mp4 ] || fail "a dry run copied a clip"
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
