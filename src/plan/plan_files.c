/* The bound of the build directory's own files (progress file,
 * SHA256SUMS, MANIFEST.json, index.html, the image's file system with
 * --iso), charged to the budget before the
 * first clip: planner.h plan_other_files_bytes, design.md "The build
 * directory's own files". */
#include "io/iso_image.h"
#include "plan/plan_arith.h"
#include "plan/planner.h"
#include "state/index_page.h"

/* Bounds of the build directory's own files (design.md "The build
 * directory's own files"): a fixed part and a part per clip, besides the
 * strings, which are added (JSON-escaped, plan_json_escaped_len) as many
 * times as each file records them. Measured with every integer at its
 * widest (19-20 digits, a 24-character double), user and host of 64
 * characters escaped to 128, the encoder block: progress 350 + 540 per
 * clip, MANIFEST.json 1,372 (170 of them the library string) + 707 per
 * clip. The bounds take the library string at its 1,023-byte maximum and
 * add about 15 % (a field a later version adds must not overflow a disc
 * planned by this one). */
#define PROGRESS_BASE_BYTES   512
#define PROGRESS_CLIP_BYTES   640
#define MANIFEST_BASE_BYTES   2560
#define MANIFEST_CLIP_BYTES   832
#define SUMS_BASE_BYTES       (1 + 64 + 2 + 13 + 1)
#define SUMS_CLIP_BYTES       (1 + 64 + 2 + 1)
/* The manifest's arguments besides the build dir and the sources: the
 * program's path, the option names and numbers, the log file's path. */
#define OTHER_FILES_OPTIONS_BYTES 1024

/* base + per_clip x n + the strings, saturated, in whole sectors. */
static int64_t own_file(int64_t base, int64_t per_clip, int64_t n, int64_t strings)
{
    return plan_sector_round(sat_add(sat_add(base, sat_mul(n, per_clip)), strings));
}

static int64_t len64(size_t len)
{
    return len > (size_t)INT64_MAX ? INT64_MAX : (int64_t)len;
}

int64_t plan_other_files_bytes(size_t nb_clips, size_t dir_len, size_t names_len,
                               size_t sources_len)
{
    int64_t n = len64(nb_clips), dir = len64(dir_len);
    int64_t names = len64(names_len), sources = len64(sources_len);
    /* progress: build_dir; each name twice (files map, clip); each source. */
    int64_t progress = own_file(PROGRESS_BASE_BYTES, PROGRESS_CLIP_BYTES, n,
                                sat_add(sat_add(dir, sat_mul(names, 2)), sources));
    /* MANIFEST.json: build_dir and the --build-dir argument; each name;
     * each source as the original's path and as the argument; options. */
    int64_t manifest = own_file(MANIFEST_BASE_BYTES, MANIFEST_CLIP_BYTES, n,
                                sat_add(sat_add(sat_mul(dir, 2), names),
                                        sat_add(sat_mul(sources, 2), OTHER_FILES_OPTIONS_BYTES)));
    /* SHA256SUMS: each name (its '\\' escape costs what JSON's does). */
    int64_t sums = own_file(SUMS_BASE_BYTES, SUMS_CLIP_BYTES, n, names);
    return sat_add(sat_add(progress, manifest), sums);
}

size_t plan_json_escaped_len(const char *s)
{
    size_t n = 0;
    for (const unsigned char *u = (const unsigned char *)s; *u; u++)
        n += *u < 0x20 ? 6 : (*u == '"' || *u == '\\') ? 2 : 1;
    return n;
}

static size_t add_len(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* With --iso, the image's file system (design.md "Disc image"): one
 * record per clip and per file of the build directory's own (progress,
 * manifests, index page) with room for a few more (a README, the log), a
 * root and a few more directories, and the extents of files over 4 GiB,
 * at most one per 4 GiB of the usable bytes. */
#define ISO_OWN_FILES 8
#define ISO_DIRS 4

int64_t plan_iso_overhead(const struct progress *p)
{
    int64_t files = p->nb_clips > (size_t)INT64_MAX - ISO_OWN_FILES ? INT64_MAX :
                    (int64_t)p->nb_clips + ISO_OWN_FILES;
    if (!p->iso_file)
        return 0;
    return plan_sector_round(iso_overhead_bound(files, ISO_DIRS, iso_extra_extents(
        plan_usable_bytes(p->disc_bytes, p->safety_bytes))));
}

int64_t plan_other_files_of(const struct progress *p)
{
    size_t names = 0, sources = 0;
    for (size_t i = 0; i < p->nb_clips; i++) {
        names = add_len(names, p->clips[i].name ? plan_json_escaped_len(p->clips[i].name) : 0);
        sources = add_len(sources,
                          p->clips[i].source ? plan_json_escaped_len(p->clips[i].source) : 0);
    }
    /* index.html, when the job writes it (index_page.c bounds it), and the
     * image's file system with --iso */
    return sat_add(sat_add(plan_other_files_bytes(p->nb_clips,
                                                  p->build_dir ? plan_json_escaped_len(p->build_dir) : 0,
                                                  names, sources),
                           index_page_bound(p)),
                   plan_iso_overhead(p));
}
