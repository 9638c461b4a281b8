# Scenario 20: a real SIGKILL at each step of completion (a manifest being
# written, both written, progress file renamed, each original deleted),
# then --resume: the documented `--resume BUILD/progress.json` (and, once,
# `--resume BUILD/progress.completed.json`) finishes what is left: every
# original deleted, every output intact and listed in SHA256SUMS, exit 0.
# A resume of the finished job says so and exits 0.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lib_syscall.sh"
need_strace

# kill_case NAME SYSCALL PATTERN PROGRESS LEFT RESUME_FILE: kills a run
# when it enters the SYSCALL that touches PATTERN, checks that the kill
# left progress file PROGRESS and LEFT originals, resumes from RESUME_FILE.
kill_case() {
    local name=$1 sc=$2 pat=$3 prog=$4 left=$5 resume=$6 d
    scene ref
    call_index "$sc" "$pat" $(args "$SCRATCH/ref")
    d="$SCRATCH/$name"
    scene "$d"
    for f in a b c; do eval "h_$f=\$(sha \"$d/in/$f.mp4\")"; done
    signal_at KILL "$sc" "$n" $(args "$d")
    [ "$rc" -eq 137 ] || fail "$name: run exited $rc, expected 137 (SIGKILL at $sc #$n)"
    note "$name: killed at $sc #$n ($pat)"
    [ -f "$d/work/$prog" ] || fail "$name: no work/$prog after the kill"
    [ "$(ls "$d/in" | wc -l)" -eq "$left" ] || fail "$name: $(ls "$d/in" | wc -l) originals left by the kill, expected $left"
    pbc --logfile "$d/prep.log" --resume "$d/work/$resume"
    [ "$rc" -eq 0 ] || fail "$name: --resume work/$resume exited $rc, expected 0"
    for f in a b c; do
        [ ! -e "$d/in/$f.mp4" ] || fail "$name: original $f.mp4 not deleted by the resume"
        eval "h=\$h_$f"
        [ "$(sha "$d/work/$f.mp4")" = "$h" ] || fail "$name: work/$f.mp4 is not the original's content"
    done
    (cd "$d/work" && sha256sum --quiet -c SHA256SUMS) > /dev/null || fail "$name: SHA256SUMS does not check"
    [ -f "$d/work/progress.completed.json" ] && [ ! -e "$d/work/progress.json" ] ||
        fail "$name: expected progress.completed.json only"
    # Resuming the finished job again: nothing left, exit 0, both names.
    for r in progress.json progress.completed.json; do
        pbc --logfile "$d/prep.log" --resume "$d/work/$r"
        [ "$rc" -eq 0 ] || fail "$name: --resume work/$r of the finished job exited $rc"
    done
    expect_in "$d/prep.log" 'the job is complete .*nothing left to do'
}

kill_case manifest rename 'work/MANIFEST.json"' progress.json 3 progress.json
kill_case sums rename 'work/SHA256SUMS"' progress.json 3 progress.json
kill_case manifests_written rename 'work/progress.completed.json"' progress.json 3 progress.json
kill_case renamed unlink 'in/a.mp4"' progress.completed.json 3 progress.json
kill_case renamed_completed unlink 'in/a.mp4"' progress.completed.json 3 progress.completed.json
kill_case deleted_one unlink 'in/b.mp4"' progress.completed.json 2 progress.json
kill_case deleted_two unlink 'in/c.mp4"' progress.completed.json 1 progress.json
