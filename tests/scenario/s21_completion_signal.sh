# Scenario 21: SIGINT/SIGTERM during completion stop the run. A signal
# while the manifests are written or the progress file renamed: exit 4,
# every original kept. A signal during the deletions: exit 4 at once, the
# originals not yet deleted are kept and named in the log. Then --resume
# finishes the job (exit 0, every original deleted).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lib_syscall.sh"
need_strace

# signal_case NAME SIGNAL SYSCALL PATTERN LEFT: sends SIGNAL as the run
# enters the SYSCALL that touches PATTERN; expects exit 4 with LEFT
# originals kept (and, during deletion, named in the log); resumes.
signal_case() {
    local name=$1 sig=$2 sc=$3 pat=$4 left=$5 d f
    scene ref
    call_index "$sc" "$pat" $(args "$SCRATCH/ref")
    d="$SCRATCH/$name"
    scene "$d"
    snapshot $(ls "$d"/in/*.mp4 | tail -n "$left")
    signal_at "$sig" "$sc" "$n" $(args "$d")
    note "$name: SIG$sig at $sc #$n ($pat): exit $rc"
    [ "$rc" -eq 4 ] || fail "$name: exit $rc after SIG$sig during completion, expected 4"
    [ "$(ls "$d/in" | wc -l)" -eq "$left" ] || fail "$name: $(ls "$d/in" | wc -l) originals kept, expected $left"
    unchanged
    expect_in "$d/prep.log" 'exit code 4'
    expect_not_in "$d/prep.log" 'exit code 0'
    if [ "$sc" = unlink ]; then
        for f in "$d"/in/*.mp4; do
            expect_in "$d/prep.log" "original $f: not deleted \\(interrupted\\)"
        done
        expect_in "$d/prep.log" "$left originals? remains?,"
    fi
    pbc --logfile "$d/prep.log" --resume "$d/work/progress.json"
    [ "$rc" -eq 0 ] || fail "$name: --resume exited $rc, expected 0"
    [ -z "$(ls "$d/in")" ] || fail "$name: originals left after the resume"
    (cd "$d/work" && sha256sum --quiet -c SHA256SUMS) > /dev/null || fail "$name: SHA256SUMS does not check"
}

signal_case manifests INT rename 'work/MANIFEST.json"' 3
signal_case rename TERM rename 'work/progress.completed.json"' 3
signal_case first_deletion TERM unlink 'in/a.mp4"' 2
signal_case second_deletion INT unlink 'in/b.mp4"' 1
