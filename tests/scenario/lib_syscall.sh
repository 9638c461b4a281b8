# Landing a signal at an exact step of a run, for the completion scenarios.
# strace (a test tool, not the product) delivers the signal when the run
# enters its Nth call of one system call; N comes from a reference run of
# the same scene, so the scripts name the step by the file it touches, not
# by a count that would drift with the code. A SIGKILL lands before that
# call runs (the step is cut there); a SIGINT/SIGTERM is caught by the
# program's handler and the call goes on.
# Source after lib.sh.

# LeakSanitizer cannot run under ptrace (an ASan build exits 1 at the end of
# every traced run): the traced runs alone go without it; the untraced runs
# (the resumes) and the other scenarios still check for leaks.
traced_asan="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# need_strace: skips (exit 77) when strace is missing or cannot trace here.
need_strace() {
    command -v strace > /dev/null ||
        { echo "# SKIP: strace lands the signals at a given step"; exit 77; }
    strace -f -qq -o /dev/null true 2> /dev/null ||
        { echo "# SKIP: strace cannot trace in this environment (ptrace denied)"; exit 77; }
}

# call_index SYSCALL PATTERN ARGS...: runs the binary with ARGS under strace
# (a reference run) and sets $n to the 1-based index, among the run's calls
# of SYSCALL, of the first one whose arguments match PATTERN (fixed string).
call_index() {
    local sc=$1 pat=$2
    shift 2
    ASAN_OPTIONS=$traced_asan strace -f -qq -o ref.trace -e trace="$sc" "$PBC_BIN" "$@" \
        > out.txt 2> err.txt
    rc=$?
    [ "$rc" -eq 0 ] || fail "reference run exited $rc"
    n=$(grep -F " $sc(" ref.trace | grep -nF -- "$pat" | head -n 1 | cut -d: -f1)
    [ -n "$n" ] || fail "reference run made no $sc call matching $pat"
}

# signal_at SIGNAL SYSCALL N ARGS...: runs the binary with ARGS and has
# strace send it SIGNAL when it enters its Nth call of SYSCALL; exit in $rc.
signal_at() {
    local sig=$1 sc=$2 when=$3
    shift 3
    ASAN_OPTIONS=$traced_asan strace -f -qq -o /dev/null -e trace="$sc" \
        -e inject="$sc:signal=$sig:when=$when" \
        "$PBC_BIN" "$@" > out.txt 2> err.txt
    rc=$?
}

# The completion scenes (s20-s22): scene DIR makes three originals in DIR/in
# and an empty DIR/work; args DIR prints the job's arguments for it (COPY,
# --delete-originals yes).
scene() {
    rm -rf "$1" && mkdir -p "$1/work"
    mkfile "$1/in/a.mp4" 300000
    mkfile "$1/in/b.mp4" 200000
    mkfile "$1/in/c.mp4" 100000
}
args() { echo --build-dir "$1/work" --logfile "$1/prep.log" --delete-originals yes "$1/in/a.mp4" "$1/in/b.mp4" "$1/in/c.mp4"; }
