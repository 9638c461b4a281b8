# What the bench scripts share; sourced, after ROOT is set to the tree.

# bench_binary [PATH]: the absolute path of the prepare_bodycam to measure:
# PATH, or build/src/prepare_bodycam; a relative path not found from here
# is taken from the tree. Exits when it is not an executable.
bench_binary() {
    local bin=${1:-build/src/prepare_bodycam} dir
    case $bin in /*) ;; *) [ -x "$bin" ] || bin=$ROOT/$bin ;; esac
    dir=$(cd "$(dirname "$bin")" 2>/dev/null && pwd) || { echo "no binary $bin" >&2; exit 1; }
    bin=$dir/$(basename "$bin")
    [ -x "$bin" ] || { echo "no binary $bin" >&2; exit 1; }
    printf '%s\n' "$bin"
}
