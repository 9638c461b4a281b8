/* Checks of a job's inputs before anything is written: the inputs and the
 * build directory of a fresh run (usage errors, exit 1), the progress file
 * of a resumed run against the command line and the file system (exit 3).
 * The log is not open yet: messages go through log_fail(NULL), which hands
 * them to the CLI's sink (base/log.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/log.h"
#include "io/fsutil.h"
#include "io/iso_image.h"
#include "job/job_internal.h"
#include "state/manifest.h"

/* Paths and names in these messages come from the command line or the
 * progress file: the logger escapes the line (quote.h) so that a name's
 * control bytes never reach the terminal. */
#define fail(code, ...) log_fail(NULL, code, __VA_ARGS__)

/* Absolute path of path with every existing component resolved (symlinks,
 * "..") and the missing tail appended as given, so that a build directory
 * that does not exist yet compares correctly with the inputs' real paths. */
static char *absolute_path(const char *path)
{
    char *real = fs_realpath(path), *parent = NULL, *parent_abs = NULL, *out = NULL;
    const char *base;
    if (real || errno != ENOENT)
        return real;
    parent = fs_dirname(path);
    base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (!parent || !strcmp(parent, path))
        goto end;
    parent_abs = absolute_path(parent);
    if (!parent_abs)
        goto end;
    if (!*base || !strcmp(base, "."))
        out = strdup(parent_abs);
    else if (!strcmp(base, ".."))
        out = fs_dirname(parent_abs);
    else
        out = fs_join(parent_abs, base);
end:
    free(parent);
    free(parent_abs);
    return out;
}

/* The nearest directory of path that exists: the one mkdir would write in. */
static char *existing_ancestor(const char *abs)
{
    char *dir = strdup(abs);
    struct stat st;
    while (dir && stat(dir, &st) < 0 && strcmp(dir, "/")) {
        char *up = fs_dirname(dir);
        free(dir);
        dir = up;
    }
    return dir;
}

static int check_build_dir(const char *arg, const char *abs, int must_exist)
{
    struct stat st;
    char *writable_dir = NULL;
    int ret = 0;
    if (stat(abs, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return fail(PBC_E_USAGE, "--build-dir %s: exists and is not a directory", arg);
        writable_dir = strdup(abs);
    } else if (must_exist) {
        return fail(PBC_E_PROGRESS, "build directory %s recorded in the progress file: %s",
                    abs, strerror(errno));
    } else {
        writable_dir = existing_ancestor(abs);
    }
    if (!writable_dir)
        return AVERROR(ENOMEM);
    if (access(writable_dir, W_OK | X_OK) < 0)
        ret = fail(must_exist ? PBC_E_PROGRESS : PBC_E_USAGE,
                   "build directory %s: cannot write in %s: %s", arg, writable_dir, strerror(errno));
    free(writable_dir);
    return ret;
}

static int path_is_inside(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return 1;
    return !strncmp(path, dir, n) && path[n] == '/';
}

static int check_readable_file(const char *path, struct stat *st, int code, const char *what)
{
    int fd;
    if (stat(path, st) < 0)
        return fail(code, "%s%s: %s", what, path, strerror(errno));
    if (!S_ISREG(st->st_mode))
        return fail(code, "%s%s: not a regular file", what, path);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(code, "%s%s: cannot be read: %s", what, path, strerror(errno));
    close(fd);
    return 0;
}

static int64_t mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

int job_source_matches(const struct clip *c, const struct stat *st)
{
    return st->st_size == c->source_size && mtime_ns(st) == c->source_mtime_ns;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int add_input(struct job *j, int i, const char *build_abs)
{
    const struct pbc_options *opt = j->opt;
    struct progress *p = j->prog;
    const char *arg = opt->inputs[i];
    const char *name = base_name(arg);
    struct stat st;
    char *real = NULL;
    int ret = check_readable_file(arg, &st, PBC_E_USAGE, "");
    if (ret < 0)
        return ret;
    real = fs_realpath(arg);
    if (!real)
        return fail(PBC_E_USAGE, "%s: %s", arg, strerror(errno));
    if (path_is_inside(real, build_abs)) {
        ret = fail(PBC_E_USAGE, "%s: is inside the build directory %s", arg, build_abs);
        goto end;
    }
    if (!progress_name_is_safe(name)) {
        ret = fail(PBC_E_USAGE, "%s: the file name cannot be used as an output name "
                   "(control characters, not UTF-8, or longer than %d bytes, the most that "
                   "leaves room for its partial name)", arg, PROGRESS_NAME_MAX);
        goto end;
    }
    if (manifest_name_reserved(name)) {
        ret = fail(PBC_E_USAGE, "%s: %s is the name of one of the build directory's own files "
                   "(or of the form of its partial files, .NAME%s)", arg, name, FS_PARTIAL_SUFFIX);
        goto end;
    }
    for (size_t k = 0; k < p->nb_clips; k++) {
        if (!strcmp(p->clips[k].source, real)) {
            ret = fail(PBC_E_USAGE, "%s: given twice (same file as %s)", arg, opt->inputs[k]);
            goto end;
        }
        if (!strcmp(p->clips[k].name, name)) {
            ret = fail(PBC_E_USAGE, "%s and %s would both be written as %s in the build directory",
                       opt->inputs[k], arg, name);
            goto end;
        }
    }
    ret = progress_add_clip(p, name, real);
    if (ret < 0)
        goto end;
    p->clips[p->nb_clips - 1].source_size = st.st_size;
    p->clips[p->nb_clips - 1].source_mtime_ns = mtime_ns(&st);
end:
    free(real);
    return ret;
}

/* --iso FILE: outside the build directory (the image cannot hold itself),
 * not an input, in a directory that exists and is writable. */
static int check_iso_file(const struct progress *p, const char *arg, const char *abs, int code)
{
    char *dir = fs_dirname(abs);
    struct stat st;
    int ret = 0;
    if (!dir)
        return AVERROR(ENOMEM);
    if (!strcmp(abs, p->build_dir) || path_is_inside(abs, p->build_dir))
        ret = fail(code, "--iso %s: is inside the build directory %s", arg, p->build_dir);
    else if (stat(abs, &st) == 0 && !S_ISREG(st.st_mode))
        ret = fail(code, "--iso %s: exists and is not a regular file", arg);
    else if (access(dir, W_OK | X_OK) < 0)
        ret = fail(code, "--iso %s: cannot write in %s: %s", arg, dir, strerror(errno));
    for (size_t i = 0; ret == 0 && i < p->nb_clips; i++)
        if (!strcmp(abs, p->clips[i].source))
            ret = fail(code, "--iso %s: is one of the input files", arg);
    free(dir);
    return ret;
}

static int iso_fresh(struct job *j)
{
    const struct pbc_options *opt = j->opt;
    struct progress *p = j->prog;
    char label[ISO_LABEL_DEFAULT_LEN];
    if (!opt->iso_file)
        return 0;
    if (!(p->iso_file = absolute_path(opt->iso_file)))
        return fail(PBC_E_USAGE, "--iso %s: %s", opt->iso_file, strerror(errno));
    iso_label_default(j->wall_started.tv_sec, label);
    if (!(p->iso_label = strdup(opt->iso_label ? opt->iso_label : label)))
        return AVERROR(ENOMEM);
    return check_iso_file(p, opt->iso_file, p->iso_file, PBC_E_USAGE);
}

/* With --resume the image and label are the recorded ones: the budget's
 * bound depends on them. */
static int iso_resume(struct job *j)
{
    const struct pbc_options *opt = j->opt;
    const struct progress *p = j->prog;
    if (opt->iso_file) {
        char *abs = absolute_path(opt->iso_file);
        int same = abs && p->iso_file && !strcmp(abs, p->iso_file);
        free(abs);
        if (!same)
            return fail(PBC_E_PROGRESS, "--iso %s differs from %s in the progress file %s",
                        opt->iso_file, p->iso_file ? p->iso_file : "(no image)",
                        opt->resume_path);
    }
    if (opt->iso_label && (!p->iso_label || strcmp(opt->iso_label, p->iso_label)))
        return fail(PBC_E_PROGRESS, "--label %s differs from %s in the progress file %s",
                    opt->iso_label, p->iso_label ? p->iso_label : "(no image)",
                    opt->resume_path);
    return p->iso_file ? check_iso_file(p, p->iso_file, p->iso_file, PBC_E_PROGRESS) : 0;
}

int job_inputs_fresh(struct job *j)
{
    const struct pbc_options *opt = j->opt;
    char *build_abs = absolute_path(opt->build_dir);
    int ret = 0;
    if (!build_abs)
        return fail(PBC_E_USAGE, "--build-dir %s: %s", opt->build_dir, strerror(errno));
    if (!opt->dry_run && (ret = check_build_dir(opt->build_dir, build_abs, 0)) < 0)
        goto end;
    j->prog = progress_alloc();
    if (!j->prog) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    j->prog->disc_bytes = opt->disc_bytes;
    j->prog->safety_bytes = opt->safety_bytes;
    j->prog->delete_originals = opt->delete_originals;
    j->prog->preset = opt->preset;
    j->prog->index_page = !opt->no_index;
    j->prog->balance = opt->balance ? BALANCE_QUALITY : BALANCE_BITRATE;
    for (int i = 0; i < opt->nb_inputs; i++)
        if ((ret = add_input(j, i, build_abs)) < 0)
            goto end;
    j->progress_path = fs_join(build_abs, PROGRESS_FILE_NAME);
    if (!j->progress_path) {
        ret = AVERROR(ENOMEM);
        goto end;
    }
    j->prog->build_dir = build_abs;
    build_abs = NULL;
    if ((ret = iso_fresh(j)) < 0)
        goto end;
    /* A path the progress file cannot hold (not UTF-8) is caught now, not
     * when the first save fails after the build directory is made. */
    char reason[512];
    if (progress_validate(j->prog, reason, sizeof(reason)) == AVERROR(EINVAL))
        ret = fail(PBC_E_USAGE, "cannot record the job: %s", reason);
end:
    free(build_abs);
    return ret;
}

static int check_done_clip(const struct progress *p, const struct clip *c)
{
    char *out = fs_join(p->build_dir, c->name);
    struct stat st;
    int ret = 0;
    if (!out)
        return AVERROR(ENOMEM);
    if (stat(out, &st) < 0)
        ret = fail(PBC_E_PROGRESS, "progress file says %s is done, but %s: %s",
                   c->name, out, strerror(errno));
    else if (!S_ISREG(st.st_mode) || st.st_size != c->output_size)
        ret = fail(PBC_E_PROGRESS, "progress file says %s is done with %lld bytes, but %s has %lld",
                   c->name, (long long)c->output_size, out, (long long)st.st_size);
    free(out);
    return ret;
}

static int check_pending_clip(const struct clip *c)
{
    struct stat st;
    int ret = check_readable_file(c->source, &st, PBC_E_PROGRESS, "original of a pending clip: ");
    if (ret < 0)
        return ret;
    if (!job_source_matches(c, &st))
        return fail(PBC_E_PROGRESS, "original %s changed since the job was planned "
                    "(size %lld, was %lld; or modification time differs)",
                    c->source, (long long)st.st_size, (long long)c->source_size);
    return 0;
}

/* The progress file to load for --resume arg. A job killed after its
 * progress file was renamed to progress.completed.json (Completion, step 4)
 * is finished by the documented --resume BUILD/progress.json too: when
 * that progress.json is missing and its directory holds
 * progress.completed.json, that file is the job's (another missing name
 * is an error, not a guess). *completed says the job reached that rename. */
static char *resume_file(const char *arg, int *completed)
{
    struct stat st;
    char *dir, *done;
    *completed = !strcmp(base_name(arg), PROGRESS_COMPLETED_NAME);
    if (*completed || strcmp(base_name(arg), PROGRESS_FILE_NAME) || stat(arg, &st) == 0 ||
        errno != ENOENT)
        return strdup(arg);
    dir = fs_dirname(arg);
    done = dir ? fs_join(dir, PROGRESS_COMPLETED_NAME) : NULL;
    free(dir);
    if (done && stat(done, &st) == 0) {
        *completed = 1;
        return done;
    }
    free(done);
    return strdup(arg);
}

int job_inputs_resume(struct job *j)
{
    const struct pbc_options *opt = j->opt;
    struct progress *p = NULL;
    char reason[512] = "";
    int ret;
    if (!(j->progress_path = resume_file(opt->resume_path, &j->completed)))
        return AVERROR(ENOMEM);
    ret = progress_load(j->progress_path, &j->prog, reason, sizeof(reason));
    if (ret < 0)
        return fail(PBC_E_PROGRESS, "--resume %s: %s", opt->resume_path,
                    reason[0] ? reason : "cannot be loaded");
    p = j->prog;
    if (opt->disc_bytes_set && opt->disc_bytes != p->disc_bytes)
        return fail(PBC_E_PROGRESS, "--disc-bytes %lld differs from %lld in the progress file %s",
                    (long long)opt->disc_bytes, (long long)p->disc_bytes, opt->resume_path);
    if (opt->safety_bytes_set && opt->safety_bytes != p->safety_bytes)
        return fail(PBC_E_PROGRESS, "--safety-bytes %lld differs from %lld in the progress file %s",
                    (long long)opt->safety_bytes, (long long)p->safety_bytes, opt->resume_path);
    if (opt->build_dir) {
        char *abs = absolute_path(opt->build_dir);
        int same = abs && !strcmp(abs, p->build_dir);
        free(abs);
        if (!same)
            return fail(PBC_E_PROGRESS, "--build-dir %s differs from %s in the progress file %s",
                        opt->build_dir, p->build_dir, opt->resume_path);
    }
    /* The rates were planned for one balance; another would re-plan. */
    if (opt->balance_set && (opt->balance ? BALANCE_QUALITY : BALANCE_BITRATE) != p->balance)
        return fail(PBC_E_PROGRESS, "--balance %s differs from %s in the progress file %s",
                    opt->balance ? "quality" : "bitrate",
                    p->balance == BALANCE_QUALITY ? "quality" : "bitrate", opt->resume_path);
    if ((ret = check_build_dir(p->build_dir, p->build_dir, 1)) < 0)
        return ret;
    for (size_t i = 0; i < p->nb_clips; i++) {
        const struct clip *c = &p->clips[i];
        if (j->completed && c->status != CLIP_DONE)
            return fail(PBC_E_PROGRESS, "--resume %s: %s is the progress file of a completed "
                        "job, but clip %s is pending", opt->resume_path, j->progress_path, c->name);
        ret = c->status == CLIP_DONE ? check_done_clip(p, c) : check_pending_clip(c);
        if (ret < 0)
            return ret;
    }
    if ((ret = iso_resume(j)) < 0)
        return ret;
    if (opt->delete_originals_set)
        p->delete_originals = opt->delete_originals;
    if (opt->preset_set)
        p->preset = opt->preset;
    if (opt->no_index) /* off only: a page not budgeted cannot be added */
        p->index_page = 0;
    j->resumed = 1;
    return 0;
}
