#include <stdio.h>

#include <jansson.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
#include <openssl/crypto.h>

#include "pbc_config.h"
#include "base/version.h"

/* libisofs's own prototype: its header needs the compatibility dance of
 * io/iso_internal.h (types, a declaration without a prototype), which the
 * leaf that names library versions can do without. */
void iso_lib_version(int *major, int *minor, int *micro);

const char *pbc_version(void)
{
    return "prepare_bodycam " PBC_VERSION;
}

static int print_lav(char *buf, size_t size, const char *name, unsigned v)
{
    return snprintf(buf, size, "%s %u.%u.%u, ", name, v >> 16, (v >> 8) & 0xff, v & 0xff);
}

const char *pbc_library_versions(char *buf, size_t size)
{
    size_t used = 0;
    int iso_major = 0, iso_minor = 0, iso_micro = 0;
    const struct { const char *name; unsigned version; } libs[] = {
        { "libavformat", avformat_version() },
        { "libavcodec", avcodec_version() },
        { "libavutil", avutil_version() },
        { "libswresample", swresample_version() },
        { "libswscale", swscale_version() },
    };
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]) && used < size; i++)
        used += (size_t)print_lav(buf + used, size - used, libs[i].name, libs[i].version);
    iso_lib_version(&iso_major, &iso_minor, &iso_micro);
    if (used < size)
        snprintf(buf + used, size - used, "FFmpeg %s, jansson %s, %s, libisofs %d.%d.%d",
                 av_version_info(), jansson_version_str(), OpenSSL_version(OPENSSL_VERSION),
                 iso_major, iso_minor, iso_micro);
    return buf;
}
