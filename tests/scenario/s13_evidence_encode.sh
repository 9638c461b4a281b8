# Evidence handling, ENCODE (issue 6): the re-encoded clips keep the
# container and stream metadata (creation_time, make/model/serial and other
# custom tags, rotation, language), checked with ffprobe against the
# originals; MANIFEST.json marks them derived viewing copies with the
# encoder settings; a SIGKILL mid-run and a resume change no original
# (bytes and mtime) and keep the first run's start and the originals'
# hashes; sha256sum -c and --verify pass.
. "$(dirname "$0")/lib.sh"

command -v ffmpeg > /dev/null && command -v ffprobe > /dev/null ||
    { echo "# SKIP: the ffmpeg and ffprobe CLIs make and check the fixtures"; exit 77; }

hash() { sha256sum < "$1" | cut -d' ' -f1; }
expect_fixed() { grep -qF -- "$2" "$1" || fail "$1 does not contain '$2'"; }
ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@" || fail "ffmpeg $*"; }
# probe FILE ENTRIES [STREAM]: one value per line, e.g. probe f format_tags=make
probe() { ffprobe -v error ${3:+-select_streams "$3"} -show_entries "$2" -of default=nw=1:nk=1 "$1"; }

# Three 8 s clips (long enough that a kill lands mid-run), 320x240; the
# tags are set by a stream copy, as a camera's file would carry them.
mkdir -p in raw
for n in 1 2 3; do
    ff -f lavfi -i "testsrc2=s=320x240:r=30:d=8" -f lavfi -i "sine=f=$((300 + 100 * n)):d=8:sample_rate=48000" \
       -c:v libx264 -preset ultrafast -g 30 -c:a aac -ac 2 "raw/cam$n.mp4"
    ff -i "raw/cam$n.mp4" -map 0 -c copy \
       -metadata creation_time="2023-05-0${n}T12:34:56Z" -metadata title="Shift $n" \
       -metadata make=Axon -metadata model="Body 3" -metadata serial="X8123$n" \
       -metadata com.example.officer_id="badge 40$n" \
       -metadata:s:v:0 rotate=90 -metadata:s:a:0 language=eng \
       -movflags +use_metadata_tags "in/cam$n.mp4"
done
originals=(in/cam1.mp4 in/cam2.mp4 in/cam3.mp4)
snapshot "${originals[@]}"
total=$(cat "${originals[@]}" | wc -c)
disc=$(( total * 6 / 10 ))

pbc_bg --build-dir work --logfile prep.log --disc-bytes "$disc" --safety-bytes 0 "${originals[@]}"
wait_done work/progress.json 1 300
kill9
done_now=$(done_count work/progress.json)
[ "$done_now" -lt 3 ] || fail "all clips were done before the kill"
note "killed with $done_now of 3 clips done"
unchanged
expect_in work/progress.json '"mode": "ENCODE"'
started=$(grep -o '"job_started": "[^"]*"' work/progress.json) || fail "progress.json has no job_started"

sleep 1 # the resume's own start time differs from the first run's
pbc --logfile prep.log --resume work/progress.json
expect_rc 0
expect_in out.txt "resuming work/progress.json: $done_now of 3 clips done"
unchanged

# The originals' hashes, taken while they were read, survived the resume.
for f in "${originals[@]}"; do
    expect_fixed work/progress.completed.json "\"source_sha256\": \"$(hash "$f")\""
done

# Metadata kept: each value of the original is in the derived copy.
for n in 1 2 3; do
    o="in/cam$n.mp4" d="work/cam$n.mp4"
    [ "$(probe "$d" stream=codec_name v:0)" = av1 ] || fail "$d: video is not AV1"
    for key in creation_time title make model serial com.example.officer_id; do
        v=$(probe "$o" "format_tags=$key")
        [ -n "$v" ] || fail "fixture $o lacks the tag $key"
        [ "$(probe "$d" "format_tags=$key")" = "$v" ] || fail "$d: tag $key is '$(probe "$d" "format_tags=$key")', the original has '$v'"
    done
    r=$(probe "$o" stream_side_data=rotation v:0)
    [ -n "$r" ] || fail "fixture $o has no rotation"
    [ "$(probe "$d" stream_side_data=rotation v:0)" = "$r" ] || fail "$d: rotation not kept ($r in the original)"
    [ "$(probe "$d" stream_tags=language a:0)" = eng ] || fail "$d: audio language not kept"
    [ "$(probe "$d" stream_tags=creation_time v:0)" = "$(probe "$o" stream_tags=creation_time v:0)" ] ||
        fail "$d: the video stream's creation_time not kept"
done

# MANIFEST.json: derived viewing copies, the encoder settings, the job.
m=work/MANIFEST.json
[ "$(grep -c '"mode": "ENCODE"' $m)" -eq 4 ] || fail "MANIFEST.json: expected the job and 3 files in ENCODE mode"
[ "$(grep -c 'derived viewing copy' $m)" -eq 3 ] || fail "MANIFEST.json: 3 derived viewing copies expected"
expect_fixed $m '"encoder": "libsvtav1"'
expect_fixed $m '"preset": 10'
expect_fixed $m '"encoder": "libopus"'
expect_fixed $m '"kbps": 64'
expect_fixed $m '"channels": 1'
expect_fixed $m '"sample_rate": 24000'
expect_fixed $m '"libraries": "libavformat '
expect_fixed $m '"resumed": true'
expect_fixed $m '"--resume",'
expect_fixed $m "\"disc_bytes\": $disc"
expect_fixed $m '"safety_bytes": 0'
expect_fixed $m "${started/job_started/started}"
[ "$(grep -c '"video_kbps": [1-9]' $m)" -eq 3 ] || fail "MANIFEST.json: a video_kbps per clip expected"
for n in 1 2 3; do
    expect_fixed $m "\"path\": \"$SCRATCH/in/cam$n.mp4\""
    expect_fixed $m "\"sha256\": \"$(hash "in/cam$n.mp4")\""
    expect_fixed $m "\"sha256\": \"$(hash "work/cam$n.mp4")\""
done

(cd work && sha256sum --strict -c SHA256SUMS) > sums.txt 2>&1 || { cat sums.txt; fail "sha256sum -c failed"; }
[ "$(grep -c ': OK$' sums.txt)" -eq 4 ] || fail "sha256sum -c checked $(grep -c ': OK$' sums.txt) files, expected 4"

pbc --verify work
expect_rc 0
for n in 1 2 3; do expect_fixed out.txt "] cam$n.mp4: OK (ENCODE: derived viewing copy of $SCRATCH/in/cam$n.mp4"; done
expect_in out.txt 'originals: 3 match, 0 not present'

# Originals gone (deleted after the burn, or another machine): not checked,
# still exit 0.
mv in gone
pbc --verify work
expect_rc 0
expect_in out.txt 'originals: 0 match, 3 not present'
mv gone in
unchanged
