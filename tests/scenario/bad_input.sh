# Bad input: each case gets its exit code and one message naming the
# problem, and nothing is written: no build directory, no log, originals
# untouched. Progress-file cases (--resume) exit 3 and touch nothing.
. "$(dirname "$0")/lib.sh"
mkfile in/a.mp4 100000
mkfile in/b.mp4 200000
mkfile other/a.mp4 300000
mkdir in/dir.mp4
snapshot in/a.mp4 in/b.mp4 other/a.mp4
cases=0

# check RC PATTERN ARGS...: runs a case in a clean state.
check() {
    local want=$1 pattern=$2
    shift 2
    rm -rf work prep.log
    pbc "$@"
    cases=$((cases + 1))
    [ "$rc" -eq "$want" ] || fail "case '$*': exit code $rc, expected $want"
    grep -Eq -- "$pattern" err.txt || fail "case '$*': stderr does not match /$pattern/"
    [ "$(grep -c . err.txt)" -le 2 ] || fail "case '$*': more than one message: $(cat err.txt)"
    [ ! -e work ] || fail "case '$*': the build directory was created"
    [ ! -e prep.log ] || fail "case '$*': the log was written"
    unchanged
}

L="--logfile prep.log"
B="--build-dir work"
check 1 "missing.mp4: No such file or directory" $B $L in/missing.mp4
check 1 "dir.mp4: not a regular file" $B $L in/a.mp4 in/dir.mp4
check 1 "--disc-bytes" $B $L --disc-bytes -5 in/a.mp4
check 1 "--disc-bytes" $B $L --disc-bytes 0 in/a.mp4
check 1 "--disc-bytes" $B $L --disc-bytes 12abc in/a.mp4
check 1 "--disc-bytes" $B $L --disc-bytes=99_999_999_999_999_999_999 in/a.mp4
check 1 "--disc-bytes" $B $L --disc-bytes "" in/a.mp4
check 1 "--safety-bytes" $B $L --safety-bytes 25_000_000_000 in/a.mp4
check 1 "--safety-bytes" $B $L --safety-bytes 1e6 in/a.mp4
check 1 "--delete-originals.*maybe" $B $L --delete-originals maybe in/a.mp4
check 1 "--logfile" $B in/a.mp4
check 1 "--build-dir" $L in/a.mp4
check 1 "--preset" $B $L --preset 14 in/a.mp4
check 1 "--bogus" $B $L --bogus in/a.mp4
check 1 "other/a.mp4.*a.mp4" $B $L in/a.mp4 other/a.mp4
check 1 "given twice" $B $L in/a.mp4 in/b.mp4 in/../in/a.mp4

# An input inside the build directory.
mkdir -p work2 && cp in/b.mp4 work2/inside.mp4
rm -rf prep.log
pbc --build-dir work2 $L in/a.mp4 work2/inside.mp4
[ "$rc" -eq 1 ] || fail "input inside the build dir: exit $rc"
expect_in err.txt "inside.mp4: is inside the build directory"
[ "$(ls work2)" = "inside.mp4" ] || fail "something was written to work2"
[ ! -e prep.log ] || fail "the log was written"
cases=$((cases + 1))

# A build directory that cannot be written: run as an unprivileged user
# when we are root (root ignores permission bits).
mkdir -p ro && chmod 555 ro
chmod 755 "$SCRATCH" && chmod -R a+rX in && mkdir -p logs && chmod 777 logs
as_user=""
[ "$(id -u)" -eq 0 ] && as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
$as_user "$PBC_BIN" --build-dir ro/work --logfile logs/prep.log in/a.mp4 > out.txt 2> err.txt
rc=$?
[ "$rc" -eq 1 ] || fail "read-only build dir: exit $rc"
expect_in err.txt "build directory ro/work: cannot write in .*/ro: Permission denied"
[ ! -e ro/work ] || fail "ro/work was created"
cases=$((cases + 1))

# --resume of broken progress files: exit 3, nothing touched.
mkdir -p job
good='{"disc_bytes": 25000000000, "safety_bytes": 500000000, "mode": "COPY", "kbps": null, "files": {"a.mp4": "pending"}}'
resume_case() {
    local pattern=$1 file=$2
    pbc --logfile prep.log --resume "$file"
    cases=$((cases + 1))
    [ "$rc" -eq 3 ] || fail "resume of $file: exit code $rc, expected 3 ($(cat err.txt))"
    grep -Eq -- "$pattern" err.txt || fail "resume of $file: stderr does not match /$pattern/: $(cat err.txt)"
    [ ! -e prep.log ] || fail "resume of $file: the log was written"
    unchanged
}
resume_case "job/missing.json.*No such file" job/missing.json
printf '%s' "${good:0:40}" > job/truncated.json; resume_case "truncated.json" job/truncated.json
echo '[]' > job/array.json; resume_case "array.json" job/array.json
: > job/empty.json; resume_case "empty.json" job/empty.json
echo "${good/25000000000/\"25000000000\"}" > job/wrongtype.json; resume_case "disc_bytes" job/wrongtype.json
echo "${good/\"a.mp4\"/\"../a.mp4\"}" > job/dotdot.json; resume_case "\\.\\./a\\.mp4|format" job/dotdot.json
note "$cases bad-input cases"
