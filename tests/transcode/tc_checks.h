/* Checks of a transcoded clip against its source (tags, audio levels,
 * box order), shared by test_transcode.c; tc_checks.c. */
#ifndef TC_CHECKS_H
#define TC_CHECKS_H

#include <stddef.h>

struct pbc_log;

struct env {
    const char *fixtures, *ffprobe, *work, *ffmpeg;
    const char *tag;  /* the case, names the output */
    const char *name; /* the fixture */
    struct pbc_log *lg;
};

/* ffprobe's "flat" output, key=value per line. */
struct probe {
    int n;
    char *key[512];
    char *val[512];
};

/* test_transcode.c: one TAP test point; the flat probe's helpers. */
void ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *probe_get(const struct probe *p, const char *key);
int streq(const char *a, const char *b);
int near(double a, double b, double tol);

/* tc_checks.c */
void check_tags(const struct probe *in, const struct probe *out);
void check_levels(const struct env *e, const char *src, const char *dst, double tol);
void check_moov_first(const char *path);
/* What the log says, per case: the downmix, the rotation, the tags. */
void check_log(const char *log_path, const char *tag);

#endif
