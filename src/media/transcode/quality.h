/* Objective quality of an encode, in-process: the frames sent to the AV1
 * encoder are compared with what a decoder makes of the packets it writes
 * (matched by timestamp, so a variable frame rate is fine). PSNR-Y and
 * SSIM-Y, luma only. SVT-AV1's own stat report is not reachable through
 * libavcodec 5.1's wrapper; see docs/design.md "Measured quality". */
#ifndef PBC_QUALITY_H
#define PBC_QUALITY_H

#include <stdint.h>

#include <libavcodec/avcodec.h>

/* PSNR-Y of identical pictures is infinite: reported as this. */
#define QUALITY_PSNR_MAX 100.0

struct quality_meter;

struct quality_result {
    int64_t frames;     /* compared */
    int64_t unmatched;  /* source frames no decoded frame matched */
    double sse;         /* sum of squared luma errors */
    double pixels;      /* luma samples compared */
    double ssim_sum;    /* sum of the per-frame SSIM-Y */
    double psnr_y;      /* from sse / pixels, capped at QUALITY_PSNR_MAX; -1 when frames == 0 */
    double ssim;        /* ssim_sum / frames; -1 when frames == 0 */
    /* Of the sums, the frames whose source had key_frame set (the
     * analysis's key frames and cuts; a transcode does not use them). */
    int64_t key_frames;
    double key_sse, key_pixels, key_ssim_sum;
};

/* A meter for the packets of enc (opened: its size and extradata are
 * known), comparing the top-left width x height of every picture: the
 * source's size, which the encoder's may exceed by its padding
 * (tc_coded_size). threads: the decoder's (0: its default). Returns 0 or
 * AVERROR (no AV1 decoder in this libavcodec: AVERROR_DECODER_NOT_FOUND;
 * an area larger than the encoder's pictures: AVERROR(EINVAL)). */
int quality_open(struct quality_meter **qm, const AVCodecContext *enc, int width, int height,
                 int threads);

/* A frame as sent to the encoder: 8-bit 4:2:0 at the encoder's size, pts
 * in its time base. The luma of its compared area is copied, and its
 * key_frame flag (summed apart as well, see quality_result). */
int quality_add_source(struct quality_meter *qm, const AVFrame *f);

/* A packet the encoder wrote (NULL: the end, drains the decoder); decoded
 * frames are compared with the source frame of the same pts. */
int quality_add_packet(struct quality_meter *qm, const AVPacket *pkt);

void quality_get(const struct quality_meter *qm, struct quality_result *r);

/* Fills psnr_y and ssim of r from its sums. */
void quality_finish_result(struct quality_result *r);

void quality_free(struct quality_meter **qm);

#endif
