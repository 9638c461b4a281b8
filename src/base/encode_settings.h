/* The settings of ENCODE, in one place. The CLI (range and default of
 * --preset), the planner (its byte model of the audio), the transcoder
 * (what it asks libsvtav1 and libopus for), the progress loader (which
 * values a progress file may hold) and MANIFEST.json (what it records)
 * all read them here, so the budget and the encoder cannot drift apart. */
#ifndef PBC_ENCODE_SETTINGS_H
#define PBC_ENCODE_SETTINGS_H

/* SVT-AV1 presets: 0 is the slowest, 13 the fastest. */
#define ENC_PRESET_MIN     0
#define ENC_PRESET_MAX     13
#define ENC_PRESET_DEFAULT 10

/* Opus, hard CBR, downmixed to mono. */
#define ENC_AUDIO_KBPS        64
#define ENC_AUDIO_CHANNELS    1
#define ENC_AUDIO_SAMPLE_RATE 24000
/* One Opus packet per frame: the planner counts packets per second, the
 * transcoder asks libopus for this frame length (its default). */
#define ENC_AUDIO_FRAME_MS      20
#define ENC_AUDIO_PACKETS_PER_S (1000 / ENC_AUDIO_FRAME_MS)

#endif
