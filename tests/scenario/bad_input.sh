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

# A usage error shows its message and the pointer to --help, the same two
# lines whether the CLI's parser or the core (which logs it before a log
# is open) found it; only the CLI knows the program's name and --help.
hint="Try 'prepare_bodycam --help' for more information."
pbc $B $L in/missing.mp4
printf 'prepare_bodycam: in/missing.mp4: No such file or directory\n%s\n' "$hint" |
    cmp -s - err.txt || fail "missing input: stderr is not the message and the --help hint"
pbc $B $L --bogus in/a.mp4
printf "prepare_bodycam: '--bogus': unknown option\n%s\n" "$hint" |
    cmp -s - err.txt || fail "unknown option: stderr is not the message and the --help hint"
cases=$((cases + 2))

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

# --resume of broken progress files: exit 3, nothing touched. Each is a
# real progress file of a finished job, renamed back and damaged one way.
pbc --build-dir job --logfile job.log in/b.mp4
[ "$rc" -eq 0 ] || fail "the job that makes a progress file failed: exit $rc"
rm -f job.log
mv job/progress.completed.json job/good.json
resume_case() {
    local pattern=$1 file=$2
    pbc --logfile prep.log --resume "$file"
    cases=$((cases + 1))
    [ "$rc" -eq 3 ] || fail "resume of $file: exit code $rc, expected 3 ($(cat err.txt))"
    grep -Eq -- "$pattern" err.txt || fail "resume of $file: stderr does not match /$pattern/: $(cat err.txt)"
    [ "$(grep -c . err.txt)" -eq 1 ] || fail "resume of $file: not one line: $(cat err.txt)"
    [ ! -e prep.log ] || fail "resume of $file: the log was written"
    unchanged
}
# damage NAME SED-EXPR: job/NAME.json is good.json edited by sed.
damage() {
    sed "$2" job/good.json > "job/$1.json"
    cmp -s job/good.json "job/$1.json" && fail "damage $1: the edit changed nothing"
}
resume_case "job/missing.json.*No such file" job/missing.json
head -c 100 job/good.json > job/truncated.json; resume_case "truncated.json" job/truncated.json
echo '[]' > job/array.json; resume_case "array.json.*object" job/array.json
: > job/empty.json; resume_case "empty.json" job/empty.json
damage wrongtype 's/"disc_bytes": 25000000000/"disc_bytes": "25000000000"/'
resume_case "disc_bytes" job/wrongtype.json
damage dotdot 's/"b.mp4"/"..\/b.mp4"/g'
resume_case '\.\./b\.mp4' job/dotdot.json
damage slash 's/"b.mp4"/"x\/b.mp4"/g'
resume_case 'x/b\.mp4' job/slash.json
damage nokey '/"safety_bytes"/d'
resume_case "safety_bytes" job/nokey.json
damage status 's/"b.mp4": "done"/"b.mp4": "finished"/'
resume_case "finished|status" job/status.json
pbc --logfile prep.log --resume job/good.json --disc-bytes 26_000_000_000
cases=$((cases + 1))
[ "$rc" -eq 3 ] || fail "resume with another --disc-bytes: exit $rc"
expect_in err.txt "--disc-bytes 26000000000 differs from 25000000000"
unchanged
note "$cases bad-input cases"
