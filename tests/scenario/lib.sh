# Shared helpers of the scenario scripts. Each script sources this file,
# runs in its own scratch directory (removed on success, kept on failure
# for inspection) and drives the real binary named by $PBC_BIN.
set -u

: "${PBC_BIN:?PBC_BIN must name the prepare_bodycam binary}"
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/pbc-scenario.XXXXXX")
cd "$SCRATCH" || exit 99
trap 'st=$?; if [ $st -eq 0 ] && [ -z "${KEEP_SCRATCH:-}" ]; then rm -rf "$SCRATCH"; else echo "# scratch kept: $SCRATCH"; fi' EXIT

fail() {
    echo "FAIL: $*"
    for f in out.txt err.txt; do
        [ -s "$f" ] && { echo "--- $f (last 20 lines)"; tail -n 20 "$f"; }
    done
    exit 1
}

note() { echo "# $*"; }

# mkfile PATH BYTES: a file of random bytes (incompressible, distinct).
mkfile() {
    mkdir -p "$(dirname "$1")"
    head -c "$2" /dev/urandom > "$1" || fail "cannot make $1"
}

# pbc ARGS...: runs the binary; stdout/stderr in out.txt/err.txt, exit in $rc.
pbc() {
    "$PBC_BIN" "$@" > out.txt 2> err.txt
    rc=$?
}

# pbc_bg ARGS...: starts the binary in the background, pid in $pid.
pbc_bg() {
    "$PBC_BIN" "$@" > out.txt 2> err.txt &
    pid=$!
}

expect_rc() {
    [ "$rc" -eq "$1" ] || fail "exit code $rc, expected $1"
}

# expect_in FILE PATTERN: extended regex must occur in FILE.
expect_in() {
    grep -Eq -- "$2" "$1" || fail "$1 does not contain /$2/"
}

expect_not_in() {
    ! grep -Eq -- "$2" "$1" || fail "$1 contains /$2/"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# snapshot FILE...: records content hash, size and mtime of each file, so
# that `unchanged` can prove the originals were not touched.
snapshot() {
    : > snapshot.txt
    for f in "$@"; do
        printf '%s\t%s\t%s\n' "$f" "$(sha "$f")" "$(stat -c '%s %y' "$f")" >> snapshot.txt
    done
}

unchanged() {
    while IFS="$(printf '\t')" read -r f h rest; do
        [ -f "$f" ] || fail "original $f is gone"
        [ "$(sha "$f")" = "$h" ] || fail "content of original $f changed"
        [ "$(stat -c '%s %y' "$f")" = "$rest" ] || fail "size or mtime of original $f changed"
    done < snapshot.txt
}

# done_count FILE: clips marked done in a progress file.
done_count() {
    grep -o '": "done"' "$1" 2>/dev/null | wc -l
}

# wait_done PROGRESS N [SECONDS]: polls until N clips are done, or fails.
wait_done() {
    local deadline=$(( $(date +%s) + ${3:-120} ))
    while [ "$(done_count "$1")" -lt "$2" ]; do
        [ "$(date +%s)" -lt "$deadline" ] || fail "timed out waiting for $2 done clip(s) in $1"
        kill -0 "$pid" 2>/dev/null || { wait "$pid"; rc=$?; fail "process ended (exit $rc) before $2 clip(s) were done"; }
        sleep 0.01
    done
}

# partials DIR: the partial (unfinished) outputs in DIR, one a line.
partials() {
    ls -a "$1" 2>/dev/null | grep 'pbc-partial'
}

# clip_partials DIR: the partial outputs of clips (not the progress
# file's, which every save writes and renames).
clip_partials() {
    partials "$1" | grep -v '^\.progress\.json\.pbc-partial$'
}

# wait_partial DIR [SECONDS]: polls until DIR holds a non-empty partial
# output of a clip, so that a kill then lands mid-clip.
wait_partial() {
    local deadline=$(( $(date +%s) + ${2:-120} )) f
    while :; do
        for f in $(clip_partials "$1"); do
            [ -s "$1/$f" ] && return 0
        done
        [ "$(date +%s)" -lt "$deadline" ] || fail "timed out waiting for a partial output in $1"
        kill -0 "$pid" 2>/dev/null || { wait "$pid"; rc=$?; fail "process ended (exit $rc) before a partial output appeared"; }
        sleep 0.01
    done
}

# kill9: SIGKILL the background run for real and reap it.
kill9() {
    kill -KILL "$pid" 2>/dev/null || fail "process $pid was not running when it was to be killed"
    wait "$pid" 2>/dev/null
    rc=$?
    [ "$rc" -eq 137 ] || fail "killed process exited $rc, expected 137 (SIGKILL)"
}

# mkclip PATH SECONDS [SIZE] [VIDEO_FILTER]: an H.264 + AAC MP4 made with
# the ffmpeg CLI (a test tool, not the product): moving test pattern with
# camera-like noise and a tone, 30 fps.
mkclip() {
    local size=${3:-320x240} vf=${4:-noise=alls=12:allf=t}
    mkdir -p "$(dirname "$1")"
    ffmpeg -nostdin -loglevel error -y \
        -f lavfi -i "testsrc2=size=$size:rate=30:duration=$2" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$2" \
        -vf "$vf" -c:v libx264 -preset ultrafast -crf 20 -pix_fmt yuv420p \
        -c:a aac -b:a 96k "$1" || fail "cannot make clip $1"
}

# disc_total DIR: bytes the files of DIR take on a disc (whole sectors).
disc_total() {
    local total=0 s f
    for f in "$1"/* "$1"/.[!.]*; do
        [ -f "$f" ] || continue
        s=$(stat -c %s "$f")
        total=$(( total + (s + 2047) / 2048 * 2048 ))
    done
    echo "$total"
}

# json_int FILE KEY: the first integer value of "KEY" in FILE.
json_int() {
    grep -o "\"$2\": [0-9]*" "$1" | head -n 1 | grep -o '[0-9]*$'
}

# probe_streams FILE: "codec_type:codec_name" of each stream, one a line.
probe_streams() {
    ffprobe -v error -show_entries stream=codec_type,codec_name -of csv=p=0:nk=1 "$1" |
        awk -F, '{ print $2 ":" $1 }'
}

# old_atime FILE...: access time 2 days back, recorded for atime_kept. Under
# relatime (Linux's default) a plain read then moves it to now, so
# atime_kept can tell whether a run read a file without O_NOATIME. Call it
# after snapshot, whose hashing reads the files.
old_atime() {
    touch -a -d '2 days ago' "$@" || fail "cannot set access times"
    atimes_before=$(stat -c '%X' "$@")
}

# atime_kept FILE...: fails when a file's access time moved since age_times,
# provided this file system records reads at all (checked on a control file).
atime_kept() {
    echo x > atime_control && touch -a -d '2 days ago' atime_control
    local before; before=$(stat -c %X atime_control)
    cat atime_control > /dev/null
    if [ "$(stat -c %X atime_control)" = "$before" ]; then
        note "this file system does not record reads in atime: access times not checked"
        return 0
    fi
    [ "$(stat -c '%X' "$@")" = "$atimes_before" ] || fail "an original's access time changed: it was read without O_NOATIME"
}

# start_kbps PROGRESS NAME: the stored start target of clip NAME (in flight),
# empty when it has none.
start_kbps() {
    awk -v n="\"$2\"," '$1 == "\"name\":" { cur = $2 }
        $1 == "\"start_kbps\":" && cur == n { gsub(/[^0-9]/, "", $2); print $2 }' "$1"
}

# clip_int PROGRESS NAME KEY: integer KEY of clip NAME.
clip_int() {
    awk -v n="\"$2\"," -v k="\"$3\":" '$1 == "\"name\":" { cur = $2 }
        $1 == k && cur == n { gsub(/[^0-9]/, "", $2); print $2 }' "$1"
}

# clip_field FILE CLIP KEY: the value of KEY in the clips[] object of CLIP
# (any JSON scalar, as written).
clip_field() {
    awk -v n="\"name\": \"$2\"" -v k="\"$3\": " '
        index($0, n) { on = 1 }
        on && index($0, k) { v = substr($0, index($0, k) + length(k)); sub(/,$/, "", v); print v; exit }
        on && /^    }/ { exit }' "$1"
}

# wait_line FILE REGEX [SECONDS]: polls until FILE has a line matching
# REGEX, or fails (the background run $pid ending first fails too).
wait_line() {
    local deadline=$(( $(date +%s) + ${3:-120} ))
    until grep -Eq "$2" "$1" 2>/dev/null; do
        [ "$(date +%s)" -lt "$deadline" ] || fail "timed out waiting for /$2/ in $1"
        kill -0 "$pid" 2>/dev/null || { wait "$pid"; rc=$?; fail "process ended (exit $rc) before /$2/ in $1"; }
        sleep 0.01
    done
}

# wait_in_flight PROGRESS N [SECONDS]: polls until N clips are in flight
# (have a start_kbps) and none is done, or fails.
wait_in_flight() {
    local deadline=$(( $(date +%s) + ${3:-120} ))
    while [ "$(grep -c '"start_kbps"' "$1" 2>/dev/null)" != "$2" ]; do
        [ "$(date +%s)" -lt "$deadline" ] || fail "timed out waiting for $2 clip(s) in flight in $1"
        kill -0 "$pid" 2>/dev/null || { wait "$pid"; rc=$?; fail "process ended (exit $rc) before $2 clip(s) were in flight"; }
        sleep 0.01
    done
    [ "$(done_count "$1")" -eq 0 ] || fail "a clip was done before $2 were in flight"
}

# iso_extract IMG DIR: an independent reader (xorriso's osirrox) extracts
# the image's Rock Ridge tree into DIR.
iso_extract() {
    mkdir -p "$2"
    xorriso -osirrox on -indev "$1" -extract / "$2" > xorriso.txt 2>&1 ||
        { cat xorriso.txt; fail "xorriso cannot extract $1"; }
    chmod -R u+w "$2"
}

# iso_lba IMG PATH: the first 2048-byte block of PATH's data in the image.
iso_lba() {
    xorriso -indev "$1" -find "$2" -exec report_lba 2>/dev/null |
        awk -F, '/File data lba/ { gsub(/ /, "", $2); print $2; exit }'
}

# flip_byte FILE OFFSET: inverts one byte in place.
flip_byte() {
    local b
    b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf "$(printf '\\%03o' $(( 255 - b )))" |
        dd of="$1" bs=1 seek="$2" count=1 conv=notrunc 2>/dev/null || fail "cannot flip a byte of $1"
}
