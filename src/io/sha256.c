/* SHA-256 over OpenSSL's EVP interface: its SHA-NI code path hashes about
 * 3.7 times faster than libavutil's av_sha (2.0 vs 0.53 GB/s on one core,
 * docs/BENCHMARKS.md, COPY), which matters for 10-60 GB per shift. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base/errors.h"
#include "io/fsutil.h"
#include "base/interrupt.h"
#include "io/sha256.h"

#define SHA256_FILE_CHUNK (1 << 20)

struct pbc_sha256 {
    EVP_MD *md;
    EVP_MD_CTX *ctx;
};

struct pbc_sha256 *sha256_alloc(void)
{
    struct pbc_sha256 *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    /* No openssl.cnf: a workstation's config could name provider modules
     * to dlopen, which the static binary cannot, and SHA-256 needs none. */
    OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
    s->md = EVP_MD_fetch(NULL, "SHA256", NULL);
    s->ctx = EVP_MD_CTX_new();
    if (!s->md || !s->ctx || !EVP_DigestInit_ex(s->ctx, s->md, NULL))
        sha256_free(&s);
    return s;
}

void sha256_update(struct pbc_sha256 *s, const void *data, size_t len)
{
    /* Cannot fail for an initialised SHA-256 context of the default
     * provider; a failure here would also show as a hash mismatch. */
    EVP_DigestUpdate(s->ctx, data, len);
}

void sha256_final(struct pbc_sha256 *s, uint8_t digest[SHA256_BYTES])
{
    unsigned int n = 0;
    EVP_DigestFinal_ex(s->ctx, digest, &n);
    EVP_DigestInit_ex(s->ctx, s->md, NULL);
}

void sha256_free(struct pbc_sha256 **ps)
{
    struct pbc_sha256 *s = *ps;
    if (!s)
        return;
    EVP_MD_CTX_free(s->ctx);
    EVP_MD_free(s->md);
    free(s);
    *ps = NULL;
}

void sha256_hex(const uint8_t digest[SHA256_BYTES], char out[SHA256_HEX_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < SHA256_BYTES; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[SHA256_HEX_LEN] = '\0';
}

int sha256_hex_valid(const char *s)
{
    int i;
    if (!s)
        return 0;
    for (i = 0; i < SHA256_HEX_LEN; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[i] == '\0';
}

int sha256_stream(sha256_read_fn read_fn, void *reader, size_t chunk,
                  uint8_t digest[SHA256_BYTES], int64_t *size,
                  void (*progress)(void *opaque, int64_t done), void *opaque)
{
    struct pbc_sha256 *s = sha256_alloc();
    uint8_t *buf = NULL;
    int64_t off = 0;
    int ret = 0;
    /* Aligned for O_DIRECT, which job_verify.c reads outputs with. */
    if (!s || posix_memalign((void **)&buf, SHA256_FD_ALIGN, chunk)) {
        buf = NULL;
        ret = AVERROR(ENOMEM);
        goto end;
    }
    for (;;) {
        int64_t n = read_fn(reader, buf, chunk);
        if (pbc_interrupted) {
            ret = PBC_E_INTERRUPTED;
            goto end;
        }
        if (n < 0) {
            ret = (int)n;
            goto end;
        }
        if (n == 0)
            break;
        sha256_update(s, buf, (size_t)n);
        off += n;
        if (progress)
            progress(opaque, off);
    }
    sha256_final(s, digest);
    if (size)
        *size = off;
end:
    free(buf);
    sha256_free(&s);
    return ret;
}

struct fd_reader {
    int fd;
    int64_t off;
};

/* pread from offset 0 rather than read: the caller's file position does
 * not matter, and an O_DIRECT descriptor reads at aligned offsets. */
static int64_t fd_read(void *opaque, uint8_t *buf, size_t len)
{
    struct fd_reader *r = opaque;
    for (;;) {
        ssize_t n = pread(r->fd, buf, len, (off_t)r->off);
        if (n >= 0) {
            r->off += n;
            return n;
        }
        if ((errno != EINTR && errno != EAGAIN) || pbc_interrupted)
            return AVERROR(errno);
    }
}

int sha256_fd(int fd, size_t chunk, uint8_t digest[SHA256_BYTES], int64_t *size,
              void (*progress)(void *opaque, int64_t done), void *opaque)
{
    struct fd_reader r = { .fd = fd, .off = 0 };
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return sha256_stream(fd_read, &r, chunk, digest, size, progress, opaque);
}

int sha256_file(const char *path, uint8_t digest[SHA256_BYTES])
{
    int fd = fs_open_noatime(path, 0), ret;
    if (fd < 0)
        return AVERROR(errno);
    ret = sha256_fd(fd, SHA256_FILE_CHUNK, digest, NULL, NULL, NULL);
    close(fd);
    return ret;
}
