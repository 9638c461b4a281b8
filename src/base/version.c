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

static const char *lav(char *buf, size_t size, const char *name, unsigned v)
{
    snprintf(buf, size, "%s %u.%u.%u", name, v >> 16, (v >> 8) & 0xff, v & 0xff);
    return buf;
}

const char *pbc_component_version(int k, char *buf, size_t size)
{
    buf[0] = '\0';
    switch (k) {
    case 0: snprintf(buf, size, "FFmpeg %s", av_version_info()); break;
    case 1: return lav(buf, size, "libavformat", avformat_version());
    case 2: return lav(buf, size, "libavcodec", avcodec_version());
    case 3: return lav(buf, size, "libavutil", avutil_version());
    case 4: return lav(buf, size, "libswresample", swresample_version());
    case 5: return lav(buf, size, "libswscale", swscale_version());
    case 6: snprintf(buf, size, "jansson %s", jansson_version_str()); break;
    case 7: snprintf(buf, size, "%s", OpenSSL_version(OPENSSL_VERSION)); break;
    case 8: {
        int major = 0, minor = 0, micro = 0;
        iso_lib_version(&major, &minor, &micro);
        snprintf(buf, size, "libisofs %d.%d.%d", major, minor, micro);
        break;
    }
    }
    return buf;
}

const char *pbc_library_versions(char *buf, size_t size)
{
    /* The log line, older than this table, names FFmpeg's libraries
     * before its release; kept so that logs stay comparable. */
    static const int order[PBC_NB_COMPONENTS] = { 1, 2, 3, 4, 5, 0, 6, 7, 8 };
    char one[256];
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < PBC_NB_COMPONENTS && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                                 pbc_component_version(order[i], one, sizeof(one)));
    return buf;
}
