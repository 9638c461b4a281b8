/* SHA-256: FIPS 180-2 vectors, streaming, hex helpers, sha256_file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "base/errors.h"
#include "base/interrupt.h"
#include "io/sha256.h"

static void hash_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1])
{
    uint8_t d[SHA256_BYTES];
    struct pbc_sha256 *s = sha256_alloc();
    CHECK(s != NULL);
    if (!s)
        return;
    sha256_update(s, data, len);
    sha256_final(s, d);
    sha256_hex(d, hex);
    sha256_free(&s);
    CHECK(s == NULL);
}

static void test_vectors(void)
{
    char hex[SHA256_HEX_LEN + 1];
    static const char m448[] =
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hash_hex("", 0, hex);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    hash_hex("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hash_hex(m448, strlen(m448), hex);
    CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_million_a(void)
{
    char hex[SHA256_HEX_LEN + 1];
    char *a = malloc(1000000);
    CHECK(a != NULL);
    if (!a)
        return;
    memset(a, 'a', 1000000);
    hash_hex(a, 1000000, hex);
    CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

/* Odd chunk sizes cross the 64-byte block boundary at every offset. */
static void test_streaming(void)
{
    enum { LEN = 100003 };
    uint8_t *buf = malloc(LEN), one[SHA256_BYTES], many[SHA256_BYTES];
    struct pbc_sha256 *s = sha256_alloc();
    CHECK(buf && s);
    if (!buf || !s)
        goto end;
    for (size_t i = 0; i < LEN; i++)
        buf[i] = (uint8_t)(i * 2654435761u >> 13);
    sha256_update(s, buf, LEN);
    sha256_final(s, one);
    /* the context is reusable after final */
    for (size_t off = 0, step = 1; off < LEN; step = step * 3 % 257 + 1) {
        size_t n = off + step > LEN ? LEN - off : step;
        sha256_update(s, buf + off, n);
        off += n;
    }
    sha256_final(s, many);
    CHECK(!memcmp(one, many, SHA256_BYTES));
    sha256_update(s, buf, 0);
    sha256_final(s, many);
    uint8_t empty[SHA256_BYTES];
    sha256_update(s, "", 0);
    sha256_final(s, empty);
    CHECK(!memcmp(many, empty, SHA256_BYTES));
end:
    sha256_free(&s);
    sha256_free(&s); /* accepts NULL */
    free(buf);
}

static void test_hex(void)
{
    uint8_t d[SHA256_BYTES];
    char hex[SHA256_HEX_LEN + 1];
    for (int i = 0; i < SHA256_BYTES; i++)
        d[i] = (uint8_t)(i * 8 + 7);
    sha256_hex(d, hex);
    CHECK_STR(hex, "070f171f272f373f474f575f676f777f878f979fa7afb7bfc7cfd7dfe7eff7ff");
    CHECK_INT(strlen(hex), SHA256_HEX_LEN);
    CHECK_INT(sha256_hex_valid(hex), 1);
}

static void test_hex_valid(void)
{
    const char *good = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    CHECK_INT(sha256_hex_valid(good), 1);
    CHECK_INT(sha256_hex_valid("0000000000000000000000000000000000000000000000000000000000000000"), 1);
    CHECK_INT(sha256_hex_valid(NULL), 0);
    CHECK_INT(sha256_hex_valid(""), 0);
    /* upper case, one short, one long, a non-hex letter */
    CHECK_INT(sha256_hex_valid("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"), 0);
    CHECK_INT(sha256_hex_valid("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85"), 0);
    CHECK_INT(sha256_hex_valid("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8550"), 0);
    CHECK_INT(sha256_hex_valid("g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), 0);
    CHECK_INT(sha256_hex_valid(" e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85"), 0);
}

static void test_file(void)
{
    char path[] = "test_sha256_XXXXXX";
    uint8_t d[SHA256_BYTES];
    char hex[SHA256_HEX_LEN + 1];
    /* more than one read chunk, not a multiple of it */
    size_t len = (3u << 20) + 17;
    char *buf = malloc(len);
    int fd = mkstemp(path);
    CHECK(fd >= 0 && buf);
    if (fd < 0 || !buf)
        goto end;
    memset(buf, 'a', len);
    CHECK_INT(write(fd, buf, len), (long long)len);
    close(fd);
    CHECK_INT(sha256_file(path, d), 0);
    sha256_hex(d, hex);
    char want[SHA256_HEX_LEN + 1];
    hash_hex(buf, len, want);
    CHECK_STR(hex, want);

    pbc_interrupted = 1;
    CHECK_INT(sha256_file(path, d), PBC_E_INTERRUPTED);
    pbc_interrupted = 0;
    unlink(path);
    CHECK_INT(sha256_file(path, d), AVERROR(ENOENT));
    CHECK_INT(sha256_file(".", d), AVERROR(EISDIR));
end:
    free(buf);
}

struct seen {
    int calls;
    int64_t last;
};

static void count_progress(void *opaque, int64_t done)
{
    struct seen *s = opaque;
    CHECK(done > s->last);
    s->calls++;
    s->last = done;
}

/* The shared read loop: the whole file whatever the fd's position, its
 * size, one progress call per chunk, the interrupt flag honoured. */
static void test_fd(void)
{
    char path[] = "test_sha256_fd_XXXXXX", hex[SHA256_HEX_LEN + 1], want[SHA256_HEX_LEN + 1];
    size_t len = 3 * SHA256_FD_ALIGN + 5;
    char *buf = malloc(len);
    uint8_t d[SHA256_BYTES];
    struct seen seen = { 0, 0 };
    int64_t size = -1;
    int fd = mkstemp(path);
    CHECK(fd >= 0 && buf);
    if (fd < 0 || !buf)
        goto end;
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)(i * 7);
    CHECK_INT(write(fd, buf, len), (long long)len);
    /* fd's position is now the end: the loop must not depend on it. */
    CHECK_INT(sha256_fd(fd, SHA256_FD_ALIGN, d, &size, count_progress, &seen), 0);
    CHECK_INT(size, (long long)len);
    CHECK_INT(seen.calls, 4);
    CHECK_INT(seen.last, (long long)len);
    sha256_hex(d, hex);
    hash_hex(buf, len, want);
    CHECK_STR(hex, want);
    pbc_interrupted = 1;
    CHECK_INT(sha256_fd(fd, SHA256_FD_ALIGN, d, NULL, NULL, NULL), PBC_E_INTERRUPTED);
    pbc_interrupted = 0;
    close(fd);
    unlink(path);
end:
    free(buf);
}

int main(void)
{
    RUN(test_vectors);
    RUN(test_million_a);
    RUN(test_streaming);
    RUN(test_hex);
    RUN(test_hex_valid);
    RUN(test_file);
    RUN(test_fd);
    return check_done();
}
