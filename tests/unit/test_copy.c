/* copy_file: bit-exact copies with mode and times kept, and the failure
 * cases: an existing destination, an unreadable source, an interrupt.
 * Fixtures are generated in a scratch directory under the workdir. */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "copy.h"
#include "errors.h"
#include "fsutil.h"
#include "interrupt.h"

static char *dir;

struct progress_log {
    int calls;
    int64_t last_done, total;
    int monotonic;
};

static void on_progress(void *opaque, int64_t done, int64_t total)
{
    struct progress_log *p = opaque;
    if (done < p->last_done)
        p->monotonic = 0;
    p->calls++;
    p->last_done = done;
    p->total = total;
}

/* Writes len pseudo-random bytes (xorshift: incompressible, reproducible). */
static char *make_file(const char *name, size_t len, mode_t mode)
{
    char *path = fs_join(dir, name);
    uint8_t *buf = malloc(len + 8);
    uint64_t x = 0x9e3779b97f4a7c15ull ^ len;
    int fd = -1;
    CHECK(path && buf);
    if (!path || !buf)
        goto end;
    for (size_t i = 0; i < len; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(buf + i, &x, 8);
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK_INT(write(fd, buf, len), (long long)len);
        CHECK_INT(fchmod(fd, mode), 0);
        close(fd);
    }
end:
    free(buf);
    return path;
}

static int exists(const char *path)
{
    return access(path, F_OK) == 0;
}

static void check_same_hash(const char *a, const char *b, const struct copy_result *r)
{
    uint8_t ha[SHA256_BYTES], hb[SHA256_BYTES];
    CHECK_INT(sha256_file(a, ha), 0);
    CHECK_INT(sha256_file(b, hb), 0);
    CHECK(!memcmp(ha, hb, SHA256_BYTES));
    CHECK(!memcmp(ha, r->src_sha256, SHA256_BYTES));
    CHECK(!memcmp(ha, r->dst_sha256, SHA256_BYTES));
}

static void test_empty(void)
{
    char *src = make_file("empty", 0, 0644), *dst = fs_join(dir, "empty.copy");
    struct copy_result r;
    char hex[SHA256_HEX_LEN + 1];
    CHECK_INT(copy_file(src, dst, &r, NULL, NULL, NULL), 0);
    CHECK_INT(r.bytes, 0);
    sha256_hex(r.dst_sha256, hex);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_same_hash(src, dst, &r);
    unlink(src);
    unlink(dst);
    free(src);
    free(dst);
}

/* 10 MB: several chunks and a tail that is not a multiple of a block. */
static void test_10mb(void)
{
    char *src = make_file("clip.mp4", 10000000, 0640);
    char *dst = fs_join(dir, "clip.mp4.copy");
    struct progress_log p = { .monotonic = 1 };
    struct timespec times[2] = { { 1600000000, 111111111 }, { 1500000000, 123456789 } };
    struct copy_result r;
    struct stat ss, ds;
    CHECK_INT(utimensat(AT_FDCWD, src, times, 0), 0);
    CHECK_INT(stat(src, &ss), 0);
    CHECK_INT(copy_file(src, dst, &r, NULL, on_progress, &p), 0);
    CHECK_INT(r.bytes, 10000000);
    check_same_hash(src, dst, &r);
    CHECK_INT(stat(dst, &ds), 0);
    CHECK_INT(ds.st_size, 10000000);
    CHECK_INT(ds.st_mode & 07777, 0640);
    CHECK_INT(ds.st_mtim.tv_sec, 1500000000);
    CHECK_INT(ds.st_mtim.tv_nsec, 123456789);
    CHECK_INT(ds.st_atim.tv_sec, ss.st_atim.tv_sec);
    CHECK_INT(ds.st_atim.tv_nsec, ss.st_atim.tv_nsec);
    /* the original is not touched, not even its access time */
    struct stat after;
    CHECK_INT(stat(src, &after), 0);
    CHECK_INT(after.st_atim.tv_nsec, ss.st_atim.tv_nsec);
    CHECK_INT(after.st_mtim.tv_nsec, 123456789);
    /* progress: at least the final call, never backwards */
    CHECK(p.calls >= 1);
    CHECK(p.monotonic);
    CHECK_INT(p.last_done, 10000000);
    CHECK_INT(p.total, 10000000);
    unlink(src);
    unlink(dst);
    free(src);
    free(dst);
}

/* Sizes around the chunk and block boundaries. */
static void test_boundaries(void)
{
    static const size_t sizes[] = { 1, 4095, 4096, 4097, 4 << 20, (4 << 20) + 1,
                                    (8 << 20) - 1 };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        char *src = make_file("b", sizes[i], 0600), *dst = fs_join(dir, "b.copy");
        struct copy_result r;
        CHECK_INT(copy_file(src, dst, &r, NULL, NULL, NULL), 0);
        CHECK_INT(r.bytes, (long long)sizes[i]);
        check_same_hash(src, dst, &r);
        unlink(src);
        unlink(dst);
        free(src);
        free(dst);
    }
}

static void test_dst_exists(void)
{
    char *src = make_file("a", 100000, 0644), *dst = make_file("a.copy", 1234, 0644);
    struct copy_result r;
    uint8_t before[SHA256_BYTES], after[SHA256_BYTES];
    struct stat st;
    CHECK_INT(sha256_file(dst, before), 0);
    CHECK_INT(copy_file(src, dst, &r, NULL, NULL, NULL), AVERROR(EEXIST));
    CHECK_INT(sha256_file(dst, after), 0);
    CHECK(!memcmp(before, after, SHA256_BYTES));
    CHECK_INT(stat(dst, &st), 0);
    CHECK_INT(st.st_size, 1234);
    unlink(src);
    unlink(dst);
    free(src);
    free(dst);
}

static void test_bad_src(void)
{
    char *src = fs_join(dir, "missing"), *dst = fs_join(dir, "missing.copy");
    struct copy_result r;
    CHECK_INT(copy_file(src, dst, &r, NULL, NULL, NULL), AVERROR(ENOENT));
    CHECK(!exists(dst));
    /* a directory is not a clip */
    CHECK(copy_file(dir, dst, &r, NULL, NULL, NULL) < 0);
    CHECK(!exists(dst));
    /* the destination directory is missing: nothing is created */
    char *nodir = fs_join(dir, "nodir/x");
    char *real = make_file("real", 10, 0644);
    CHECK_INT(copy_file(real, nodir, &r, NULL, NULL, NULL), AVERROR(ENOENT));
    unlink(real);
    free(real);
    free(nodir);
    free(src);
    free(dst);
}

/* Runs copy_file(src, dst) as an unprivileged user in a child: root
 * reads everything, and O_NOATIME on a file one does not own is EPERM. */
static int copy_as_nobody(const char *src, const char *dst)
{
    struct copy_result r;
    int status = 0;
    pid_t pid;
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        if (chdir(dir) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
            _exit(100);
        int ret = copy_file(src, dst, &r, NULL, NULL, NULL);
        _exit(ret == 0 ? 0 : ret == AVERROR(EACCES) ? 13 : 99);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

static void test_unreadable_src(void)
{
    char *src = make_file("secret", 1000, 0000), *dst = fs_join(dir, "secret.copy");
    struct copy_result r;
    if (geteuid() != 0) {
        CHECK_INT(copy_file(src, dst, &r, NULL, NULL, NULL), AVERROR(EACCES));
    } else {
        CHECK_INT(chmod(dir, 0777), 0);
        CHECK_INT(copy_as_nobody("secret", "secret.copy"), 13);
        /* readable but not ours: O_NOATIME is refused, the copy goes on */
        CHECK_INT(chmod(src, 0644), 0);
        CHECK_INT(copy_as_nobody("secret", "secret.copy"), 0);
        CHECK(exists(dst));
        unlink(dst);
        CHECK_INT(chmod(dir, 0700), 0);
    }
    CHECK(!exists(dst));
    unlink(src);
    free(src);
    free(dst);
}

static void test_interrupted(void)
{
    char *src = make_file("i", 5000000, 0644), *dst = fs_join(dir, "i.copy");
    struct copy_result r;
    pbc_interrupted = 1;
    CHECK_INT(copy_file(src, dst, &r, NULL, NULL, NULL), PBC_E_INTERRUPTED);
    pbc_interrupted = 0;
    CHECK(!exists(dst));
    CHECK_INT(r.bytes, 0);
    unlink(src);
    free(src);
    free(dst);
}

/* Acts from the copy's first progress report, which comes after the first
 * chunk of a file several chunks long, so the copy is deterministically
 * under way: appends to the original, or sends SIGINT (the real handler
 * sets the flag). */
struct meddler {
    const char *src;
    int interrupt;
    int acted_at_done;      /* the `done` of the report it acted on, or -1 */
};

static void meddle(void *opaque, int64_t done, int64_t total)
{
    struct meddler *m = opaque;
    if (m->acted_at_done >= 0 || done >= total)
        return;
    m->acted_at_done = (int)(done >> 20);
    if (m->interrupt) {
        kill(getpid(), SIGINT);
    } else {
        int fd = open(m->src, O_WRONLY | O_APPEND);
        CHECK(fd >= 0);
        CHECK(fd >= 0 && write(fd, "x", 1) == 1);
        if (fd >= 0)
            close(fd);
    }
}

static int copy_with_meddler(const char *src, const char *dst, int interrupt)
{
    struct meddler m = { .src = src, .interrupt = interrupt, .acted_at_done = -1 };
    struct copy_result r;
    int ret = copy_file(src, dst, &r, NULL, meddle, &m);
    pbc_interrupted = 0;
    CHECK(m.acted_at_done >= 0);
    return ret;
}

static void test_src_changed(void)
{
    char *src = make_file("growing", 64 << 20, 0644), *dst = fs_join(dir, "growing.copy");
    CHECK_INT(copy_with_meddler(src, dst, 0), AVERROR(EIO));
    CHECK(!exists(dst));
    unlink(src);
    free(src);
    free(dst);
}

static void test_interrupted_midway(void)
{
    char *src = make_file("long", 64 << 20, 0644), *dst = fs_join(dir, "long.copy");
    CHECK_INT(copy_with_meddler(src, dst, 1), PBC_E_INTERRUPTED);
    CHECK(!exists(dst));
    unlink(src);
    free(src);
    free(dst);
}

int main(void)
{
    char tmpl[] = "test_copy_XXXXXX";
    dir = mkdtemp(tmpl);
    if (!dir || pbc_interrupt_install() < 0) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_empty);
    RUN(test_10mb);
    RUN(test_boundaries);
    RUN(test_dst_exists);
    RUN(test_bad_src);
    RUN(test_unreadable_src);
    RUN(test_interrupted);
    RUN(test_interrupted_midway);
    RUN(test_src_changed);
    rmdir(dir);
    return check_done();
}
