/* Probing of inputs with libavformat, for the ENCODE plan. */
#ifndef PBC_PROBE_H
#define PBC_PROBE_H

#include <stddef.h>
#include <stdint.h>

struct probe_info {
    double duration;       /* seconds: the video stream's, else the container's */
    int64_t video_frames;  /* exact when the container indexes it, else duration x frame rate */
    int has_audio;
    int width, height;
    /* A fragmented MP4 whose last fragment is cut short (a recording that
     * stopped abruptly: the fragments before it are whole): its data end
     * at file_size where its index says data_end. Accepted, for what it
     * holds; 0 and 0 otherwise. */
    int64_t data_end, file_size;
};

/* Opens path read-only and reads its headers and stream info. An input
 * without a video stream or without a usable duration is an error, and so
 * is one whose index points past its end (a copy cut short), unless it is
 * a fragmented MP4 (see data_end).
 * Returns 0, or PBC_E_PROBE with a one-line reason in err (e.g. "Invalid
 * data found when processing input", "no video stream"). */
int probe_file(const char *path, struct probe_info *info, char *err, size_t errlen);

#endif
