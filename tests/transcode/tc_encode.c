/* A thin command-line front for transcode_clip(), for bench/encode.sh and
 * for trying the transcoder by hand before the real program links.
 *
 * Usage: tc_encode [-p PRESET] [-t THREADS] [-a AUDIO_KBPS] [-v] IN OUT VIDEO_KBPS */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/interrupt.h"
#include "base/log.h"
#include "media/transcode/transcode.h"

static void on_progress(void *opaque, double done, double total, double fps)
{
    struct pbc_log *lg = opaque;
    log_status(lg, "%.1f / %.1f s, %.1f fps", done, total, fps);
}

int main(int argc, char **argv)
{
    struct transcode_params p = { .preset = -1, .audio_kbps = 64 };
    struct transcode_stats st;
    struct pbc_log *lg = NULL;
    int opt, verbosity = 0, ret;
    char buf[AV_ERROR_MAX_STRING_SIZE];

    while ((opt = getopt(argc, argv, "p:t:a:v")) != -1) {
        switch (opt) {
        case 'p': p.preset = atoi(optarg); break;
        case 't': p.threads = atoi(optarg); break;
        case 'a': p.audio_kbps = atoi(optarg); break;
        case 'v': verbosity = 1; break;
        default:
            fprintf(stderr, "usage: %s [-p PRESET] [-t THREADS] [-a AUDIO_KBPS] [-v] "
                    "IN OUT VIDEO_KBPS\n", argv[0]);
            return 1;
        }
    }
    if (argc - optind != 3) {
        fprintf(stderr, "usage: %s [-p PRESET] [-t THREADS] [-a AUDIO_KBPS] [-v] "
                "IN OUT VIDEO_KBPS\n", argv[0]);
        return 1;
    }
    p.src_path = argv[optind];
    p.dst_path = argv[optind + 1];
    p.clip_name = argv[optind];
    p.video_kbps = atoll(argv[optind + 2]);
    if (pbc_interrupt_install() < 0 || log_open(&lg, NULL, verbosity) < 0)
        return 4;
    log_route_libav(lg);
    p.log = lg;
    p.progress = on_progress;
    p.progress_opaque = lg;

    ret = transcode_clip(&p, &st);
    log_status_clear(lg);
    if (ret == 0)
        log_info(lg, "done: %.3f s, %lld frames, %lld corrupt packets, "
                 "%lld decoding errors", st.duration, (long long)st.video_frames_out,
                 (long long)st.corrupt_packets,
                 (long long)st.decode_errors);
    else
        log_error(lg, "failed: %s", pbc_strerror(ret, buf, sizeof(buf)));
    log_close(&lg);
    return pbc_exit_code(ret);
}
