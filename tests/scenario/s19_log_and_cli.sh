# The log a court reads and the binary's own commands: --help and --version
# exit 0; every log line has a time stamp; the log states the version, the
# libraries, the arguments, each clip's start and end with sizes and the
# exit code; a second run appends; the live progress line goes to a
# terminal's stderr only, never into the log or a non-terminal stderr;
# --preset and --threads reach the encoder.
. "$(dirname "$0")/lib.sh"

pbc --help
expect_rc 0
expect_in out.txt '^Usage: prepare_bodycam '
[ ! -s err.txt ] || fail "--help wrote to stderr"
pbc --version
expect_rc 0
expect_in out.txt '^prepare_bodycam [0-9]+\.[0-9]+\.[0-9]+'
expect_in out.txt 'libavcodec [0-9]'
[ ! -s err.txt ] || fail "--version wrote to stderr"

mkfile in/a.mp4 30000000
mkfile in/b.mp4 20000000
pbc --build-dir work --logfile prep.log in/a.mp4 in/b.mp4
expect_rc 0
stamp='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z \[(INFO|WARN|ERROR|DEBUG)\] '
bad=$(grep -Evc "$stamp" prep.log)
[ "$bad" -eq 0 ] || fail "$bad log line(s) without a time stamp and level: $(grep -Ev "$stamp" prep.log | head -n 3)"
expect_in prep.log '\] prepare_bodycam [0-9.]+ starting'
expect_in prep.log '\] libraries: libavformat [0-9.]+, libavcodec [0-9.]+, .*jansson'
expect_in prep.log "\\] arguments: .*'--build-dir' 'work' '--logfile' 'prep.log' 'in/a.mp4' 'in/b.mp4'"
for c in a b; do
    expect_in prep.log "clip [12]/2 $c.mp4: copying .*in/$c.mp4"
    expect_in prep.log "clip [12]/2 $c.mp4: done, $(stat -c %s "in/$c.mp4") bytes"
done
expect_in prep.log 'exit code 0'
grep -q "$(printf '\r')" prep.log && fail "the log holds a carriage return (a live progress line)"
grep -q "$(printf '\r')" err.txt && fail "a non-terminal stderr got the live progress line"
lines=$(wc -l < prep.log)

# A second run appends to the same log; the first run's lines stay first.
first=$(head -n 1 prep.log)
pbc --build-dir work2 --logfile prep.log in/b.mp4
expect_rc 0
[ "$(head -n 1 prep.log)" = "$first" ] || fail "the log was not appended to"
[ "$(grep -c '\] prepare_bodycam [0-9.]* starting' prep.log)" -eq 2 ] || fail "two runs, not two start lines"
[ "$(wc -l < prep.log)" -gt "$lines" ] || fail "the second run added nothing"

# On a terminal (script(1) gives the run a pseudo-terminal) the live line
# is drawn on stderr, and still not logged.
mkclip in/c.mp4 6 640x480
rm -rf work3
script -qefc "'$PBC_BIN' --build-dir work3 --logfile tty.log --disc-bytes 700_000 --safety-bytes 0 --preset 12 --threads 1 in/c.mp4" tty.txt > /dev/null 2>&1 < /dev/null
rc=$?
expect_rc 0
expect_in tty.txt 'clip 1/1 c.mp4 +[0-9.]+%'
grep -q "$(printf '\r')" tty.log && fail "the live progress line went into the log"
expect_not_in tty.log '%  .*ETA'
# The encoder got --preset and --threads (lp: SVT-AV1's logical processors).
expect_in tty.log 'c.mp4: video out: libsvtav1 .*, preset 12, .*, lp 1$'
