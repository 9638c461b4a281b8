#!/bin/sh
# Generates the transcoder's test clips into OUTDIR with the ffmpeg CLI
# (an independent tool here; the product never runs it). All are 320x240
# and 1-3 s so the encode suite stays fast.
# Usage: make_fixtures.sh FFMPEG OUTDIR
set -eu
FFMPEG=$1
OUT=$2
mkdir -p "$OUT"
cd "$OUT"

ff() { "$FFMPEG" -hide_banner -loglevel error -nostdin -y "$@"; }
VIDEO="testsrc2=s=320x240:r=30"
X264="-c:v libx264 -preset ultrafast -g 30"

# basic: H.264 + stereo AAC, BT.709 colour, then (stream copy) the tags a
# body camera writes, a rotation matrix, an audio language and a subtitle
# track that is not carried.
ff -f lavfi -i "$VIDEO:d=2" -f lavfi -i "sine=f=440:d=2:sample_rate=48000" \
   $X264 -colorspace bt709 -color_primaries bt709 -color_trc bt709 \
   -c:a aac -ac 2 basic_raw.mp4
printf '1\n00:00:00,000 --> 00:00:01,500\nsubtitle\n' > basic.srt
ff -i basic_raw.mp4 -i basic.srt -map 0 -map 1 -c copy -c:s mov_text \
   -metadata creation_time=2023-05-01T12:34:56Z -metadata title="Shift 7" \
   -metadata make=Axon -metadata model="Body 3" -metadata serial=X81234 \
   -metadata:s:a:0 language=eng -metadata:s:v:0 rotate=90 \
   -movflags +use_metadata_tags basic.mp4

# vfr: runs of 6 frames then 4 missing (a 133 ms gap), then 30 fps.
ff -f lavfi -i "$VIDEO:d=3" -f lavfi -i "sine=d=3:sample_rate=48000" \
   -vf "select='lt(mod(n\,10)\,6)+gt(n\,60)'" -fps_mode vfr $X264 -c:a aac vfr.mp4

# late_audio: the camera's pre-event buffer; audio starts 1.5 s in.
ff -f lavfi -i "$VIDEO:d=3" -itsoffset 1.5 -f lavfi -i "sine=d=1.5:sample_rate=48000" \
   $X264 -c:a aac late_audio.mp4

ff -f lavfi -i "$VIDEO:d=2" $X264 no_audio.mp4

# edit_list: cut at 0.5 s without re-encoding: the file keeps the GOP's
# first 15 frames, which its edit list leaves out (60 stored, 45 shown).
ff -ss 0.5 -i no_audio.mp4 -c copy edit_list.mp4

# loud_stereo: a correlated stereo tone peaking near -0.4 dBFS (a siren,
# shouting), which a plain 0.707 + 0.707 sum takes past full scale.
ff -f lavfi -i "$VIDEO:d=2" \
   -f lavfi -i "aevalsrc=0.955*sin(2*PI*440*t)|0.955*sin(2*PI*440*t):s=48000:d=2" \
   $X264 -c:a aac -b:a 192k loud_stereo.mp4

# surround51: six tones, LFE included; the audio stream has its own
# creation_time, title and handler, as a camera's second track can.
ff -f lavfi -i "$VIDEO:d=2" -f lavfi -i "aevalsrc=0.3*sin(2*PI*300*t)|0.3*sin(2*PI*500*t)|0.5*sin(2*PI*440*t)|0.2*sin(2*PI*50*t)|0.25*sin(2*PI*700*t)|0.25*sin(2*PI*900*t):c=5.1:s=48000:d=2" \
   $X264 -c:a aac -metadata creation_time=2012-05-17T00:54:33Z \
   -metadata:s:a:0 creation_time=2012-05-17T00:56:13Z -metadata:s:a:0 title="Mic 2" \
   -metadata:s:a:0 handler_name="Camera audio" -metadata:s:v:0 handler_name="Camera video" \
   -metadata:s:a:0 language=deu surround51.mp4
# ffmpeg's muxer gives every track the file's time, so the audio track's
# own time (mdhd creation_time, version 0: 4 bytes after version/flags) is
# written here: 2012-05-17T00:56:13Z = 1337216173 + 2082844800 (1904 epoch).
off=$(grep -obUa mdhd surround51.mp4 | sed -n 2p | cut -d: -f1)
t=$((1337216173 + 2082844800))
oct() { printf '\\%03o' $(($1 & 255)); }
printf "$(oct $((t >> 24)))$(oct $((t >> 16)))$(oct $((t >> 8)))$(oct $t)" |
    dd of=surround51.mp4 bs=1 seek=$((off + 8)) conv=notrunc 2>/dev/null

# surround71: one loud tone on all eight channels; AAC's decoder returns
# it above full scale (+4.3 dBFS), as a clipped source can be.
T71="0.9*sin(2*PI*440*t)"
ff -f lavfi -i "$VIDEO:d=2" \
   -f lavfi -i "aevalsrc=$T71|$T71|$T71|$T71|$T71|$T71|$T71|$T71:c=7.1:s=48000:d=2" \
   $X264 -c:a aac surround71.mp4

# dual_mono: one loud microphone signal on both channels.
ff -f lavfi -i "$VIDEO:d=2" -f lavfi -i "aevalsrc=0.9*sin(2*PI*330*t):s=48000:d=2" \
   $X264 -af "pan=stereo|c0=c0|c1=c0" -c:a aac -b:a 128k dual_mono.mp4

# trim_end: 16 kHz AAC (64 ms frames) of 2.01 s: decoded whole, the
# last frame runs 38 ms past the source's end unless that end is honoured.
ff -f lavfi -i "$VIDEO:d=2" -f lavfi -i "sine=f=440:d=2.01:sample_rate=16000" \
   $X264 -c:a aac trim_end.mp4

# 4:4:4 full range, and the deprecated full-range yuvj420p.
ff -f lavfi -i "$VIDEO:d=1" -f lavfi -i "sine=d=1" -pix_fmt yuv444p -color_range pc \
   $X264 -c:a aac yuv444_full.mp4
ff -f lavfi -i "$VIDEO:d=1" -f lavfi -i "sine=d=1" -pix_fmt yuvj420p \
   $X264 -c:a aac yuvj420.mp4

# start_offset: every stream starts 600 s late (a segment of a longer
# recording; a DVR's transport stream starts at its clock's time).
ff -f lavfi -i "$VIDEO:d=2" -f lavfi -i "sine=d=2:sample_rate=48000" \
   $X264 -c:a aac -output_ts_offset 600 start_offset.mp4

# long_gop.ts: a DVR's MPEG-TS (no index: a seek lands on any packet),
# 4 s with its one key frame first and B-frames (its first dts is before
# its start, the first pts), starting at its clock's 1001.4 s.
ff -f lavfi -i "$VIDEO:d=4" -f lavfi -i "sine=d=4" -c:v libx264 -preset veryfast -bf 2 \
   -g 300 -c:a aac -output_ts_offset 1000 long_gop.ts

# joined.ts: two MPEG-TS recordings of 3 s and 2 s joined end to end (a
# DVR's files cut and joined): the clock jumps back 3 s at the join.
ff -f lavfi -i "$VIDEO:d=3" -f lavfi -i "sine=f=440:d=3" $X264 -c:a aac -f mpegts joined_1.ts
ff -f lavfi -i "testsrc=s=320x240:r=30:d=2" -f lavfi -i "sine=f=880:d=2" $X264 -c:a aac \
   -f mpegts joined_2.ts
cat joined_1.ts joined_2.ts > joined.ts
rm -f joined_1.ts joined_2.ts

# Odd and small sizes, which SVT-AV1 cannot code in 4:2:0: 321x241
# MPEG-4 Part 2 4:2:0 (the encoder takes its frames as they are, then pads
# them), 320x241 4:4:4 (converted by swscale first), and 47x33, under
# SVT-AV1's 64 both ways.
ff -f lavfi -i "$VIDEO:d=1" -f lavfi -i "sine=d=1" -vf scale=321:241 -c:v mpeg4 -q:v 2 \
   -pix_fmt yuv420p -c:a aac odd_size.mp4
ff -f lavfi -i "$VIDEO:d=1" -vf scale=320:241 -pix_fmt yuv444p $X264 odd_height.mp4
ff -f lavfi -i "$VIDEO:d=1" -vf scale=47:33 -c:v mpeg4 -q:v 2 -pix_fmt yuv420p small_size.mp4

# Not media at all, and an MP4 cut in half (its index, at the end, is gone).
i=0
while [ $i -lt 64 ]; do echo "this is not a video clip, line $i"; i=$((i + 1)); done > not_media.mp4
size=$(wc -c < basic_raw.mp4)
head -c $((size / 2)) basic_raw.mp4 > truncated.mp4

# corrupt: 4000 bytes of 0xff over the middle of the H.264 data; decodes
# with errors that are skipped and counted.
cp no_audio.mp4 corrupt.mp4
size=$(wc -c < corrupt.mp4)
head -c 4000 /dev/zero | tr '\000' '\377' |
    dd of=corrupt.mp4 bs=1 seek=$((size * 2 / 5)) conv=notrunc 2>/dev/null

rm -f basic_raw.mp4 basic.srt
