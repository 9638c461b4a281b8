# Suite 'browser': headless Chromium opens index.html from file:// on a
# finished ENCODE build directory and on a COPY one (index_page.mjs says
# what is checked). Skipped (77) when Chromium, Node.js or playwright-core
# (tests/browser/install.sh) is missing. Debian's chromium is built with
# the proprietary codecs, so the COPY of H.264 + AAC clips plays too.
. "$(dirname "$0")/../scenario/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
chromium=${PBC_CHROMIUM:-/usr/bin/chromium}
for need in "$chromium" "$(command -v node)" "$here/node_modules/playwright-core/package.json"; do
    [ -n "$need" ] && [ -e "$need" ] || { echo "# skipped: ${need:-node} missing (scripts/setup.sh installs it)"; exit 77; }
done

# clip FILE SECONDS SIZE TITLE: H.264 + AAC with source tags, one of them
# markup that must show as text.
clip() {
    mkdir -p "$(dirname "$1")"
    ffmpeg -nostdin -loglevel error -y \
        -f lavfi -i "testsrc2=size=$3:rate=30:duration=$2" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$2" \
        -vf "noise=alls=12:allf=t" -c:v libx264 -preset ultrafast -crf 23 -pix_fmt yuv420p \
        -c:a aac -b:a 64k -movflags +use_metadata_tags \
        -metadata 'comment=<script>alert(1)</script>' \
        -metadata "title=$4" \
        -metadata com.apple.quicktime.make=Acme -metadata com.apple.quicktime.model='BodyCam "X1"' \
        -metadata creation_time=2026-03-01T10:00:00Z "$1" || fail "cannot make clip $1"
}

# expected DIR NAME...: the width and duration ffprobe reads from each file.
expected() {
    local dir=$1 sep='' n w d
    shift
    printf '{'
    for n in "$@"; do
        w=$(ffprobe -v error -select_streams v:0 -show_entries stream=width -of csv=p=0 "$dir/$n")
        d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$dir/$n")
        printf '%s"%s": {"width": %s, "duration": %s}' "$sep" "$n" "$w" "$d"
        sep=', '
    done
    printf '}\n'
}

clip "in/cam #1 <&>.mp4" 3 320x240 '<img src=x onerror=window.pbcInjected=1>'
clip in/cam_002.mp4 2 320x240 'second'
clip in/cam_003.mp4 4 480x270 'third'
names=("cam #1 <&>.mp4" cam_002.mp4 cam_003.mp4)

pbc --build-dir copy --logfile copy.log "in/cam #1 <&>.mp4" in/cam_002.mp4 in/cam_003.mp4
expect_rc 0
expect_in copy.log 'mode COPY'
expect_in copy.log 'wrote index.html: '
expected copy "${names[@]}" > copy.json
node "$here/index_page.mjs" copy copy.json || fail "the COPY page fails in Chromium"

pbc --build-dir enc --logfile enc.log --disc-bytes 600_000 --safety-bytes 0 \
    "in/cam #1 <&>.mp4" in/cam_002.mp4 in/cam_003.mp4
expect_rc 0
expect_in enc.log 'mode ENCODE'
expected enc "${names[@]}" > enc.json
node "$here/index_page.mjs" enc enc.json || fail "the ENCODE page fails in Chromium"
