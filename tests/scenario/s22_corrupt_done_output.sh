# Scenario 22: an output corrupted in place (same size, same modification
# time) between a SIGKILL and --resume is not accepted: the resume exits 3
# naming it, publishes nothing (no manifest lists it) and deletes no
# original, whether the kill came mid-run or after the progress file was
# renamed (only the deletions left).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lib_syscall.sh"
need_strace

# corrupt FILE: 16 bytes in the middle zeroed; size and mtime kept.
corrupt() {
    touch -r "$1" stamp
    dd if=/dev/zero of="$1" bs=1 count=16 seek=150000 conv=notrunc status=none || fail "cannot corrupt $1"
    touch -r stamp "$1"
}

# corrupt_case NAME SYSCALL PATTERN RESUME_FILE...: SIGKILL as the run
# enters the SYSCALL touching PATTERN, corrupt work/a.mp4, resume from
# each RESUME_FILE in turn: exit 3 each time, nothing deleted.
corrupt_case() {
    local name=$1 sc=$2 pat=$3 d r
    shift 3
    scene ref
    call_index "$sc" "$pat" $(args "$SCRATCH/ref")
    d="$SCRATCH/$name"
    scene "$d"
    snapshot "$d"/in/*.mp4
    signal_at KILL "$sc" "$n" $(args "$d")
    [ "$rc" -eq 137 ] || fail "$name: run exited $rc, expected 137"
    [ -f "$d/work/a.mp4" ] || fail "$name: work/a.mp4 not written before the kill"
    bad=$(sha "$d/work/a.mp4")
    corrupt "$d/work/a.mp4"
    for r in "$@"; do
        pbc --logfile "$d/prep.log" --resume "$d/work/$r"
        note "$name: --resume work/$r: exit $rc"
        [ "$rc" -eq 3 ] || fail "$name: --resume work/$r of a corrupted output exited $rc, expected 3"
        unchanged
        expect_in "$d/prep.log" "output $d/work/a.mp4 changed since it was written"
        expect_not_in "$d/prep.log" 'deleted original'
        if [ -f "$d/work/SHA256SUMS" ]; then
            grep -q "$(sha "$d/work/a.mp4")" "$d/work/SHA256SUMS" &&
                fail "$name: SHA256SUMS lists the corrupted output's hash"
            grep -q "$bad" "$d/work/SHA256SUMS" || fail "$name: SHA256SUMS lost the recorded hash of a.mp4"
        fi
    done
}

# Killed as clip b's copy was renamed into place: a is done.
corrupt_case mid_run rename 'work/b.mp4"' progress.json
# Killed before the first deletion: the job is complete but for it.
corrupt_case completed unlink 'in/a.mp4"' progress.completed.json progress.json
