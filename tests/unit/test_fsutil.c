/* fsutil: path helpers, atomic writes, partial clean-up, mkdir -p, whole-file
 * reads. Each case works in its own scratch directory under the test's
 * workdir. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "base/errors.h"
#include "io/fsutil.h"

static char *scratch_dir(void)
{
    char tmpl[] = "test_fsutil_XXXXXX";
    char *d = mkdtemp(tmpl);
    CHECK(d != NULL);
    return d ? strdup(d) : NULL;
}

static void rm_rf(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
        if (buf) {
            buf[n] = '\0';
            *len = (size_t)n;
        }
    }
    fclose(f);
    return buf;
}

static int touch(const char *dir, const char *name)
{
    char *p = fs_join(dir, name);
    int fd = p ? open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
    free(p);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static int exists(const char *dir, const char *name)
{
    char *p = fs_join(dir, name);
    int r = p && access(p, F_OK) == 0;
    free(p);
    return r;
}

static void test_join(void)
{
    char *s;
    CHECK_STR(s = fs_join("a", "b"), "a/b");
    free(s);
    CHECK_STR(s = fs_join("a/", "b"), "a/b");
    free(s);
    CHECK_STR(s = fs_join("/", "b"), "/b");
    free(s);
    CHECK_STR(s = fs_join("", "b"), "b");
    free(s);
    CHECK_STR(s = fs_join("/x/y", "clip 1.mp4"), "/x/y/clip 1.mp4");
    free(s);
}

static void test_dirname(void)
{
    char *s;
    CHECK_STR(s = fs_dirname("a/b/c.mp4"), "a/b");
    free(s);
    CHECK_STR(s = fs_dirname("c.mp4"), ".");
    free(s);
    CHECK_STR(s = fs_dirname("/c.mp4"), "/");
    free(s);
    CHECK_STR(s = fs_dirname("/x/c.mp4"), "/x");
    free(s);
}

static void test_partial_names(void)
{
    char *s;
    CHECK_STR(s = fs_partial_path("build/clip.mp4"), "build/.clip.mp4" FS_PARTIAL_SUFFIX);
    free(s);
    CHECK_STR(s = fs_partial_path("clip.mp4"), "./.clip.mp4" FS_PARTIAL_SUFFIX);
    free(s);
    CHECK_STR(s = fs_partial_path("/b/progress.json"), "/b/.progress.json" FS_PARTIAL_SUFFIX);
    free(s);

    CHECK_INT(fs_is_partial_name(".clip.mp4" FS_PARTIAL_SUFFIX), 1);
    CHECK_INT(fs_is_partial_name(".x" FS_PARTIAL_SUFFIX), 1);
    CHECK_INT(fs_is_partial_name("clip.mp4" FS_PARTIAL_SUFFIX), 0); /* no dot */
    CHECK_INT(fs_is_partial_name(FS_PARTIAL_SUFFIX), 0);
    CHECK_INT(fs_is_partial_name("." FS_PARTIAL_SUFFIX), 0);
    CHECK_INT(fs_is_partial_name(".clip.mp4"), 0);
    CHECK_INT(fs_is_partial_name(".clip" FS_PARTIAL_SUFFIX ".mp4"), 0);
    CHECK_INT(fs_is_partial_name(""), 0);
    CHECK_INT(fs_is_partial_name("."), 0);
    CHECK_INT(fs_is_partial_name(".."), 0);

    /* every partial path's base name is recognised */
    s = fs_partial_path("d/clip.mp4");
    CHECK(s && fs_is_partial_name(strrchr(s, '/') + 1));
    free(s);
}

static void test_write_atomic(void)
{
    char *dir = scratch_dir(), *path = NULL, *buf = NULL;
    size_t len = 0;
    int removed = -1;
    if (!dir)
        return;
    path = fs_join(dir, "progress.json");
    CHECK_INT(fs_write_atomic(path, "first", 5), 0);
    buf = read_all(path, &len);
    CHECK_STR(buf, "first");
    free(buf);
    /* replaces, shorter content leaves no tail */
    CHECK_INT(fs_write_atomic(path, "2nd", 3), 0);
    buf = read_all(path, &len);
    CHECK_STR(buf, "2nd");
    CHECK_INT(len, 3);
    free(buf);
    CHECK_INT(fs_write_atomic(path, "", 0), 0);
    buf = read_all(path, &len);
    CHECK_INT(len, 0);
    free(buf);
    /* no partial left behind */
    CHECK_INT(fs_remove_partials(dir, &removed), 0);
    CHECK_INT(removed, 0);
    /* a missing directory fails and creates nothing */
    char *bad = fs_join(dir, "missing/progress.json");
    CHECK_INT(fs_write_atomic(bad, "x", 1), AVERROR(ENOENT));
    free(bad);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* A leftover partial, or a symlink planted under the partial name, is
 * replaced; nothing is written through the link. */
static void test_write_atomic_stale_partial(void)
{
    char *dir = scratch_dir(), *path = NULL, *tmp = NULL, *victim = NULL, *buf = NULL;
    size_t len = 0;
    if (!dir)
        return;
    path = fs_join(dir, "progress.json");
    tmp = fs_partial_path(path);
    victim = fs_join(dir, "victim");
    CHECK_INT(fs_write_atomic(victim, "keep", 4), 0);
    CHECK_INT(symlink("victim", tmp), 0);
    CHECK_INT(fs_write_atomic(path, "new", 3), 0);
    buf = read_all(victim, &len);
    CHECK_STR(buf, "keep");
    free(buf);
    buf = read_all(path, &len);
    CHECK_STR(buf, "new");
    free(buf);
    CHECK(access(tmp, F_OK) < 0);

    CHECK_INT(touch(dir, ".progress.json" FS_PARTIAL_SUFFIX), 0);
    CHECK_INT(fs_write_atomic(path, "again", 5), 0);
    buf = read_all(path, &len);
    CHECK_STR(buf, "again");
    free(buf);
    free(victim);
    free(tmp);
    free(path);
    rm_rf(dir);
    free(dir);
}

static void test_remove_partials(void)
{
    char *dir = scratch_dir();
    int removed = -1;
    if (!dir)
        return;
    CHECK_INT(touch(dir, ".a.mp4" FS_PARTIAL_SUFFIX), 0);
    CHECK_INT(touch(dir, ".progress.json" FS_PARTIAL_SUFFIX), 0);
    CHECK_INT(touch(dir, "a.mp4"), 0);
    CHECK_INT(touch(dir, ".hidden"), 0);
    CHECK_INT(touch(dir, "b" FS_PARTIAL_SUFFIX), 0);
    CHECK_INT(touch(dir, ".c.mp4" FS_PARTIAL_SUFFIX ".bak"), 0);
    CHECK_INT(fs_remove_partials(dir, &removed), 0);
    CHECK_INT(removed, 2);
    CHECK(!exists(dir, ".a.mp4" FS_PARTIAL_SUFFIX));
    CHECK(!exists(dir, ".progress.json" FS_PARTIAL_SUFFIX));
    CHECK(exists(dir, "a.mp4"));
    CHECK(exists(dir, ".hidden"));
    CHECK(exists(dir, "b" FS_PARTIAL_SUFFIX));
    CHECK(exists(dir, ".c.mp4" FS_PARTIAL_SUFFIX ".bak"));
    CHECK_INT(fs_remove_partials(dir, NULL), 0);
    char *missing = fs_join(dir, "nope");
    CHECK_INT(fs_remove_partials(missing, &removed), AVERROR(ENOENT));
    free(missing);
    rm_rf(dir);
    free(dir);
}

static void test_mkdir_p(void)
{
    char *dir = scratch_dir(), *p = NULL;
    struct stat st;
    if (!dir)
        return;
    p = fs_join(dir, "a/b/c");
    CHECK_INT(fs_mkdir_p(p), 0);
    CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK_INT(fs_mkdir_p(p), 0); /* existing */
    free(p);
    p = fs_join(dir, "a/b/c/");
    CHECK_INT(fs_mkdir_p(p), 0); /* trailing slash */
    free(p);
    CHECK_INT(fs_mkdir_p(dir), 0);

    CHECK_INT(touch(dir, "file"), 0);
    p = fs_join(dir, "file");
    CHECK_INT(fs_mkdir_p(p), AVERROR(ENOTDIR)); /* a file in the way */
    free(p);
    p = fs_join(dir, "file/sub/dir");
    CHECK_INT(fs_mkdir_p(p), AVERROR(ENOTDIR));
    free(p);
    CHECK_INT(fs_mkdir_p(""), AVERROR(ENAMETOOLONG));
    rm_rf(dir);
    free(dir);
}

static void test_rename_durable(void)
{
    char *dir = scratch_dir();
    if (!dir)
        return;
    char *a = fs_join(dir, "a"), *b = fs_join(dir, "b");
    CHECK_INT(touch(dir, "a"), 0);
    CHECK_INT(fs_rename_durable(a, b), 0);
    CHECK(!exists(dir, "a"));
    CHECK(exists(dir, "b"));
    CHECK_INT(fs_rename_durable(a, b), AVERROR(ENOENT));
    CHECK_INT(fs_fsync_dir(dir), 0);
    free(a);
    free(b);
    rm_rf(dir);
    free(dir);
}

static void test_free_bytes(void)
{
    int64_t n = -1;
    CHECK_INT(fs_free_bytes(".", &n), 0);
    CHECK(n > 0);
    CHECK_INT(fs_free_bytes("/nonexistent/dir", &n), AVERROR(ENOENT));
}

static void test_realpath(void)
{
    char *s = fs_realpath(".");
    CHECK(s && s[0] == '/');
    free(s);
    errno = 0;
    CHECK(fs_realpath("/nonexistent/x") == NULL);
    CHECK_INT(errno, ENOENT);
}

/* fs_read_file: whole files, NUL-terminated; the failed step is named. */
static void test_read_file(void)
{
    char *dir = scratch_dir(), *p = NULL, *buf = NULL;
    enum fs_read_failure why = FS_READ_OK;
    size_t len = 99;
    if (!dir)
        return;
    p = fs_join(dir, "six");
    CHECK_INT(fs_write_atomic(p, "hello\n", 6), 0);
    CHECK_INT(fs_read_file(p, 6, &buf, &len, &why), 0);
    CHECK_INT(why, FS_READ_OK);
    CHECK_INT(len, 6);
    CHECK_STR(buf, "hello\n");
    free(buf);
    buf = NULL;
    CHECK_INT(fs_read_file(p, 6, &buf, &len, NULL), 0);
    CHECK_STR(buf, "hello\n");
    free(buf);
    buf = NULL;
    /* one byte over the cap; *buf is left alone on failure */
    CHECK_INT(fs_read_file(p, 5, &buf, &len, &why), AVERROR(EFBIG));
    CHECK_INT(why, FS_READ_TOO_LARGE);
    CHECK(buf == NULL);
    free(p);

    p = fs_join(dir, "empty");
    CHECK_INT(fs_write_atomic(p, "", 0), 0);
    CHECK_INT(fs_read_file(p, 6, &buf, &len, &why), 0);
    CHECK_INT(len, 0);
    CHECK_STR(buf, "");
    free(buf);
    buf = NULL;
    free(p);

    p = fs_join(dir, "missing");
    CHECK_INT(fs_read_file(p, 6, &buf, &len, &why), AVERROR(ENOENT));
    CHECK_INT(why, FS_READ_OPEN);
    free(p);

    CHECK_INT(fs_read_file(dir, 6, &buf, &len, &why), AVERROR(EISDIR));
    CHECK_INT(why, FS_READ_NOT_REGULAR);
    /* a FIFO without a writer: refused, not waited on */
    p = fs_join(dir, "fifo");
    CHECK_INT(mkfifo(p, 0644), 0);
    CHECK_INT(fs_read_file(p, 6, &buf, &len, &why), AVERROR(EINVAL));
    CHECK_INT(why, FS_READ_NOT_REGULAR);
    CHECK(buf == NULL);
    free(p);

    /* A procfs file: regular, fstat says 0 bytes, read gives more. Read to
     * its end (growing the buffer), and too large past a small cap. */
    if (access("/proc/self/status", R_OK) == 0) {
        CHECK_INT(fs_read_file("/proc/self/status", 1 << 20, &buf, &len, &why), 0);
        CHECK(len > 16 && buf && strlen(buf) == len && !strncmp(buf, "Name:", 5));
        free(buf);
        buf = NULL;
        CHECK_INT(fs_read_file("/proc/self/status", 16, &buf, &len, &why), AVERROR(EFBIG));
        CHECK_INT(why, FS_READ_TOO_LARGE);
        CHECK(buf == NULL);
    }
    rm_rf(dir);
    free(dir);
}

/* fs_open_noatime: read-only whatever the flags ask, errno like open(2). */
static void test_open_noatime(void)
{
    char *dir = scratch_dir(), *p = NULL, c = 0;
    int fd;
    if (!dir)
        return;
    p = fs_join(dir, "f");
    CHECK_INT(fs_write_atomic(p, "x", 1), 0);
    fd = fs_open_noatime(p, O_WRONLY | O_NOFOLLOW);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(write(fd, "y", 1) < 0 && errno == EBADF);
        CHECK_INT(read(fd, &c, 1), 1);
        CHECK_INT(c, 'x');
        CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
        close(fd);
    }
    free(p);
    p = fs_join(dir, "missing");
    errno = 0;
    CHECK_INT(fs_open_noatime(p, 0), -1);
    CHECK_INT(errno, ENOENT);
    free(p);
    rm_rf(dir);
    free(dir);
}

int main(void)
{
    RUN(test_join);
    RUN(test_dirname);
    RUN(test_partial_names);
    RUN(test_write_atomic);
    RUN(test_write_atomic_stale_partial);
    RUN(test_remove_partials);
    RUN(test_mkdir_p);
    RUN(test_rename_durable);
    RUN(test_free_bytes);
    RUN(test_realpath);
    RUN(test_read_file);
    RUN(test_open_noatime);
    return check_done();
}
