/* --iso FILE at the end of a job: the image of the build directory, its
 * size against the disc, and its share of the free-space check. See
 * iso_image.h and docs/design.md "Disc image". */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/errors.h"
#include "io/fsutil.h"
#include "io/iso_image.h"
#include "job/job_internal.h"
#include "base/log.h"

/* What the image's files take, each in whole sectors: the image minus
 * this is the file system's overhead, for the log. */
static int64_t files_bytes(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int64_t sum = 0;
    if (!d)
        return 0;
    while ((e = readdir(d))) {
        char *path = fs_join(dir, e->d_name);
        struct stat st;
        if (path && lstat(path, &st) == 0 && S_ISREG(st.st_mode) && !fs_is_partial_name(e->d_name))
            sum += plan_sector_round(st.st_size);
        free(path);
    }
    closedir(d);
    return sum;
}

int job_iso_write(struct job *j)
{
    const struct progress *p = j->prog;
    struct iso_write_result res;
    int64_t files, overhead;
    char h1[32], h2[32];
    int ret;
    if (!p->iso_file)
        return 0;
    log_info(j->log, "writing the image %s of %s, volume label \"%s\"", p->iso_file, p->build_dir,
             p->iso_label);
    if ((ret = iso_image_write(p->build_dir, p->iso_file, p->iso_label, j->log, &res)) < 0)
        return ret;
    files = files_bytes(p->build_dir);
    overhead = res.size - files;
    log_info(j->log, "image %s: %lld bytes (%s), %.2f%% of the disc (%lld bytes), %.2f%% of the "
             "usable bytes; file system %lld bytes beyond the files' sectors (bound %lld); "
             "SHA-256 %s, in %s%s", p->iso_file, (long long)res.size,
             log_human_bytes(res.size, h1, sizeof(h1)),
             100.0 * (double)res.size / (double)p->disc_bytes, (long long)p->disc_bytes,
             100.0 * (double)res.size / (double)j->usable, (long long)overhead,
             (long long)plan_iso_overhead(p), res.sha256, p->iso_file, ISO_SHA256_SUFFIX);
    if (res.size > j->usable) {
        log_error(j->log, "the image %s takes %lld bytes, %lld more than the usable %lld bytes "
                  "(%s); it is kept for inspection, with the outputs and originals",
                  p->iso_file, (long long)res.size, (long long)(res.size - j->usable),
                  (long long)j->usable, log_human_bytes(j->usable, h2, sizeof(h2)));
        return PBC_E_OVER_LIMIT;
    }
    return 0;
}

/* The image is at most the usable bytes; in COPY at most the clips and
 * the other files (the bound includes the file system). */
static int64_t image_need(const struct job *j)
{
    const struct progress *p = j->prog;
    int64_t need = j->other_files;
    if (p->mode == MODE_ENCODE)
        return j->usable;
    for (size_t i = 0; i < p->nb_clips; i++)
        need += plan_sector_round(p->clips[i].status == CLIP_DONE ? p->clips[i].output_size :
                                  p->clips[i].source_size);
    return need < j->usable ? need : j->usable;
}

int job_iso_space(struct job *j, const char *build_fs, int64_t *build_need)
{
    const struct progress *p = j->prog;
    char *dir = NULL, h1[32], h2[32];
    struct stat st_iso, st_build;
    int64_t need = image_need(j), free_bytes = 0;
    int ret = 0;
    if (!p->iso_file)
        return 0;
    if (!(dir = fs_dirname(p->iso_file)))
        return AVERROR(ENOMEM);
    if (stat(dir, &st_iso) == 0 && stat(build_fs, &st_build) == 0 &&
        st_iso.st_dev == st_build.st_dev) {
        *build_need += need;
        goto end;
    }
    if ((ret = fs_free_bytes(dir, &free_bytes)) < 0) {
        log_error(j->log, "cannot read the free space of %s: %s", dir, pbc_err2str(ret));
        goto end;
    }
    if (free_bytes < need) {
        log_error(j->log, "not enough free space in %s for the image: %lld bytes (%s) needed, "
                  "%lld bytes (%s) free", dir, (long long)need,
                  log_human_bytes(need, h1, sizeof(h1)), (long long)free_bytes,
                  log_human_bytes(free_bytes, h2, sizeof(h2)));
        ret = PBC_E_NOSPACE;
        goto end;
    }
    log_info(j->log, "free space in %s: %lld bytes (%s), %lld bytes (%s) needed for the image",
             dir, (long long)free_bytes, log_human_bytes(free_bytes, h1, sizeof(h1)),
             (long long)need, log_human_bytes(need, h2, sizeof(h2)));
end:
    free(dir);
    return ret;
}
