/* Opening an original for libavformat through our own file descriptor,
 * O_RDONLY | O_NOATIME (where the kernel permits it), so that probing or
 * encoding a clip changes nothing about it, not even its access time. */
#ifndef PBC_MEDIA_INPUT_H
#define PBC_MEDIA_INPUT_H

#include <libavformat/avformat.h>

/* avformat_open_input on path read through a read-only descriptor. *fmt
 * may be preallocated (e.g. with an interrupt callback set) or NULL; on
 * failure it is freed and set to NULL. Returns 0 or a negative AVERROR. */
int media_input_open(AVFormatContext **fmt, const char *path);

/* avformat_close_input plus our I/O context; accepts NULL. */
void media_input_close(AVFormatContext **fmt);

#endif
