/* A poster frame for the evidence page: the frame about a third into a
 * clip, scaled to THUMB_WIDTH pixels wide with libswscale and encoded as
 * JPEG with libavcodec's mjpeg encoder, in-process. The JPEG never exceeds
 * the byte bound the caller gives (the budget model counts that bound):
 * the quality is lowered until it fits, then the width (3/4, 1/2 of
 * THUMB_WIDTH) when no quality does. */
#ifndef PBC_THUMBNAIL_H
#define PBC_THUMBNAIL_H

#include <stddef.h>
#include <stdint.h>

#include <libavformat/avformat.h>

#define THUMB_WIDTH 320
/* mjpeg qscale: the first try, the step and the last try (2 best, 31 worst). */
#define THUMB_Q_FIRST 4
#define THUMB_Q_STEP 3
#define THUMB_Q_LAST 31

struct thumbnail {
    uint8_t *jpeg;   /* av_malloc'd; NULL when none */
    size_t size;
    int width, height;
    int qscale;      /* the mjpeg qscale that fitted */
    double pts;      /* seconds into the clip of the frame shown */
};

/* Decodes the frame at about duration / 3 of fmt's best video stream
 * (seeking to the keyframe before it) and encodes it within max_bytes.
 * fmt must be open; its read position moves. Returns 0, or a negative
 * AVERROR with a one-line reason in err (no decoder, no frame, no quality
 * at any width fits the bound: AVERROR(E2BIG)). */
int thumbnail_grab(AVFormatContext *fmt, size_t max_bytes, struct thumbnail *t,
                   char *err, size_t errlen);

/* Frees t's JPEG; accepts an empty t. */
void thumbnail_clear(struct thumbnail *t);

#endif
