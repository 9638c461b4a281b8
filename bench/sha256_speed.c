/* SHA-256 throughput: libavutil's av_sha vs OpenSSL 3 EVP (SHA-NI/AVX2).
 * Hashes an in-memory buffer in 1 MiB updates, as copy_file does, so only
 * the hash is measured. Built on demand by bench/sha256_speed.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libavutil/mem.h>
#include <libavutil/sha.h>
#include <openssl/evp.h>

#define CHUNK (1 << 20)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double bench_av(const uint8_t *buf, size_t len, uint8_t out[32])
{
    struct AVSHA *sha = av_sha_alloc();
    double t0 = now();
    av_sha_init(sha, 256);
    for (size_t off = 0; off < len; off += CHUNK)
        av_sha_update(sha, buf + off, CHUNK);
    av_sha_final(sha, out);
    double t = now() - t0;
    av_free(sha);
    return t;
}

static double bench_evp(const uint8_t *buf, size_t len, uint8_t out[32])
{
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned n = 0;
    double t0 = now();
    EVP_DigestInit_ex(ctx, md, NULL);
    for (size_t off = 0; off < len; off += CHUNK)
        EVP_DigestUpdate(ctx, buf + off, CHUNK);
    EVP_DigestFinal_ex(ctx, out, &n);
    double t = now() - t0;
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
    return t;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 512;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    size_t len = mib << 20;
    uint8_t *buf = malloc(len), a[32], b[32];
    double ta[64], tb[64];
    if (!buf || reps < 1 || reps > 64)
        return 1;
    uint64_t x = 88172645463325252ull; /* xorshift: incompressible-ish data */
    for (size_t i = 0; i < len; i += 8) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        memcpy(buf + i, &x, 8);
    }
    for (int r = 0; r < reps; r++) { /* alternate to share any noise */
        ta[r] = bench_av(buf, len, a);
        tb[r] = bench_evp(buf, len, b);
    }
    if (memcmp(a, b, 32)) {
        fprintf(stderr, "digests differ\n");
        return 1;
    }
    qsort(ta, (size_t)reps, sizeof(double), cmp_double);
    qsort(tb, (size_t)reps, sizeof(double), cmp_double);
    double ma = ta[reps / 2], mb = tb[reps / 2];
    printf("buffer %zu MiB, %d reps, 1 MiB updates, median\n", mib, reps);
    printf("av_sha (libavutil %s): %8.1f MB/s\n", LIBAVUTIL_IDENT, len / ma / 1e6);
    printf("EVP sha256 (%s): %8.1f MB/s\n", OPENSSL_VERSION_TEXT, len / mb / 1e6);
    printf("ratio EVP/av_sha      : %8.2fx\n", ma / mb);
    free(buf);
    return 0;
}
