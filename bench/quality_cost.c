/* The cost of --balance quality's two measurements, per clip: the encode
 * at kbps with and without the PSNR-Y/SSIM-Y meter (transcode/quality.c),
 * and the sample-encode analysis (transcode/analyze.c). CPU seconds.
 * Built and run by bench/quality.sh; not part of the product.
 * Usage: quality_cost KBPS PRESET OUTDIR CLIP... */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "media/probe.h"
#include "media/transcode/analyze.h"
#include "media/transcode/transcode.h"

/* CPU seconds of the process, all threads: on a shared machine far
 * steadier than wall time. */
static double now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double encode(const char *src, const char *dst, long kbps, int preset, int measure,
                     struct pbc_log *lg, struct transcode_stats *st)
{
    struct transcode_params tp = { .src_path = src, .dst_path = dst, .clip_name = src,
                                   .video_kbps = kbps, .preset = preset, .audio_kbps = 64,
                                   .log = lg, .measure_quality = measure };
    double t0 = now();
    if (transcode_clip(&tp, st) < 0)
        exit(1);
    unlink(dst);
    return now() - t0;
}

static double analyze(const char *src, double duration, int preset, struct pbc_log *lg)
{
    struct analyze_result ar;
    double t0 = now();
    if (analyze_clip(src, src, duration, preset, 0, lg, &ar) < 0)
        exit(1);
    return now() - t0;
}

int main(int argc, char **argv)
{
    struct pbc_log *lg = NULL;
    char dst[4096];
    if (argc < 5 || log_open(&lg, NULL, -1) < 0)
        return 2;
    log_route_libav(lg);
    printf("| clip | encode CPU s | with the meter | meter share | analysis CPU s | analysis share |"
           " PSNR-Y | SSIM-Y |\n|---|---|---|---|---|---|---|---|\n");
    for (int i = 4; i < argc; i++) {
        struct transcode_stats st;
        struct probe_info info;
        char reason[256];
        double plain, metered, an;
        snprintf(dst, sizeof(dst), "%s/cost.mp4", argv[3]);
        if (probe_file(argv[i], &info, reason, sizeof(reason)) < 0)
            return 1;
        plain = encode(argv[i], dst, atol(argv[1]), atoi(argv[2]), 0, lg, &st);
        metered = encode(argv[i], dst, atol(argv[1]), atoi(argv[2]), 1, lg, &st);
        an = analyze(argv[i], info.duration, atoi(argv[2]), lg);
        printf("| %s | %.2f | %.2f | %.1f %% | %.2f | %.1f %% | %.2f | %.4f |\n",
               argv[i], plain, metered, 100 * (metered - plain) / plain, an,
               100 * an / plain, st.psnr_y, st.ssim);
    }
    log_close(&lg);
    return 0;
}
