# Scenario 25: what index.html says about each clip, checked against
# ffprobe and sha256sum: a COPY of a constant and a variable frame rate
# clip (one with markup in its name and tags) gives bit-exact copies with
# both SHA-256s, durations, resolutions, "30.000 frames/s" and "variable",
# the camera's tags escaped, links percent-encoded, thumbnails that are
# 320-pixel JPEGs within the 12,288-byte bound, and nothing from the
# network.
. "$(dirname "$0")/lib.sh"
mkdir -p in
ffmpeg -nostdin -loglevel error -y -f lavfi -i "testsrc2=size=320x240:rate=30:duration=3" \
    -f lavfi -i "sine=d=3:sample_rate=48000" -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac \
    -movflags +use_metadata_tags -metadata 'com.apple.quicktime.model=<b>X1</b> & "Y"' \
    -metadata creation_time=2026-03-01T10:00:00Z "in/cfr <1>.mp4" || fail "cannot make the CFR clip"
ffmpeg -nostdin -loglevel error -y -f lavfi -i "testsrc2=size=480x270:rate=30:duration=3" \
    -f lavfi -i "sine=d=3:sample_rate=48000" -vf "select='lt(mod(n\,10)\,6)+gt(n\,60)'" -fps_mode vfr \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac in/vfr.mp4 || fail "cannot make the VFR clip"
pbc --build-dir work --logfile prep.log "in/cfr <1>.mp4" in/vfr.mp4
expect_rc 0
expect_in prep.log 'mode COPY'
page=work/index.html
[ -f "$page" ] || fail "no index.html"
# one section per clip, in order; tr keeps each section's rows on one line
tr '\n' ' ' < "$page" | sed 's/<section/\n<section/g' | grep '^<section' > sections.txt
[ "$(wc -l < sections.txt)" -eq 2 ] || fail "index.html has not 2 clip sections"
cfr=$(grep 'cfr%20%3C1%3E.mp4' sections.txt) || fail "no section links ./cfr%20%3C1%3E.mp4"
vfr=$(grep 'href="./vfr.mp4"' sections.txt) || fail "no section links ./vfr.mp4"
for s in "$cfr" "$vfr"; do
    echo "$s" | grep -q 'Bit-exact copy of the original' || fail "a clip is not called a bit-exact copy"
    echo "$s" | grep -q '<video controls preload="metadata"' || fail "a clip has no player"
done
echo "$cfr" | grep -q '>cfr &lt;1&gt;.mp4</a>' || fail "the CFR name is not escaped in its link text"
echo "$cfr" | grep -q "<td class=\"hash\">$(sha "in/cfr <1>.mp4")</td>" || fail "no original SHA-256 for the CFR clip"
echo "$vfr" | grep -q "<td class=\"hash\">$(sha work/vfr.mp4)</td>" || fail "no disc SHA-256 for the VFR clip"
echo "$cfr" | grep -q '<th>Resolution</th><td>320 &times; 240</td>' || fail "CFR resolution"
echo "$vfr" | grep -q '<th>Resolution</th><td>480 &times; 270</td>' || fail "VFR resolution"
echo "$cfr" | grep -q '<th>Frame rate</th><td>30.000 frames/s</td>' || fail "CFR frame rate"
echo "$vfr" | grep -q '<th>Frame rate</th><td>variable</td>' || fail "VFR frame rate is not 'variable'"
d=$(ffprobe -v error -select_streams v -show_entries stream=duration -of csv=p=0 work/vfr.mp4)
echo "$vfr" | grep -q "($(printf '%.3f' "$d") s)" || fail "VFR duration is not ffprobe's $d"
echo "$cfr" | grep -q '<th>com.apple.quicktime.model</th><td>&lt;b&gt;X1&lt;/b&gt; &amp; &quot;Y&quot;</td>' ||
    fail "the model tag is missing or not escaped"
echo "$cfr" | grep -q '<th>creation_time</th><td>2026-03-01T10:00:00' || fail "no creation_time tag"
expect_in "$page" 'sha256sum -c SHA256SUMS'
expect_in "$page" 'prepare_bodycam --verify'
expect_not_in "$page" '(src|href)="(https?:)?//'
expect_not_in "$page" '<b>X1'
n=0
for b64 in $(grep -o 'base64,[^"]*' "$page" | sed 's/^base64,//'); do
    n=$((n + 1))
    echo "$b64" | base64 -d > "thumb$n.jpg" || fail "thumbnail $n is not base64"
    [ "$(stat -c %s "thumb$n.jpg")" -le 12288 ] || fail "thumbnail $n exceeds 12288 bytes"
    [ "$(ffprobe -v error -show_entries stream=codec_name,width -of csv=p=0 "thumb$n.jpg")" = "mjpeg,320" ] ||
        fail "thumbnail $n is not a 320-pixel JPEG"
done
[ "$n" -eq 2 ] || fail "$n thumbnails, expected 2"
