/* The cost of --balance quality's two measurements, per clip: the encode
 * at kbps with and without the PSNR-Y/SSIM-Y meter (transcode/quality.c),
 * and the sample-encode analysis (transcode/analyze.c). Wall seconds.
 * Built and run by bench/quality.sh; not part of the product.
 * Usage: quality_cost KBPS PRESET OUTDIR CLIP... */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "probe.h"
#include "transcode/analyze.h"
#include "transcode/transcode.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
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

int main(int argc, char **argv)
{
    struct pbc_log *lg = NULL;
    char dst[4096];
    if (argc < 5 || log_open(&lg, NULL, -1) < 0)
        return 2;
    log_route_libav(lg);
    printf("| clip | encode s | with the meter s | meter share | analysis s | analysis share |"
           " PSNR-Y | SSIM-Y |\n|---|---|---|---|---|---|---|---|\n");
    for (int i = 4; i < argc; i++) {
        struct transcode_stats st;
        struct analyze_result ar;
        struct probe_info info;
        char reason[256];
        double plain, metered;
        snprintf(dst, sizeof(dst), "%s/cost.mp4", argv[3]);
        if (probe_file(argv[i], &info, reason, sizeof(reason)) < 0)
            return 1;
        plain = encode(argv[i], dst, atol(argv[1]), atoi(argv[2]), 0, lg, &st);
        metered = encode(argv[i], dst, atol(argv[1]), atoi(argv[2]), 1, lg, &st);
        if (analyze_clip(argv[i], argv[i], info.duration, 0, lg, &ar) < 0)
            return 1;
        printf("| %s | %.2f | %.2f | %.1f %% | %.2f | %.1f %% | %.2f | %.4f |\n",
               argv[i], plain, metered, 100 * (metered - plain) / plain, ar.wall_seconds,
               100 * ar.wall_seconds / plain, st.psnr_y, st.ssim);
    }
    log_close(&lg);
    return 0;
}
